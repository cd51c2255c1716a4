//! Launching the server under test, waiting for it, and reaping it.
//!
//! Every server runs in a process group of its own so that a `--server-cmd`
//! run through `sh` is killed together with whatever it started. Live groups
//! are kept in a registry that the Ctrl-C handler empties, so an interrupted
//! run leaves no orphaned servers. The ports servers are given come from
//! `ports.rs`.

mod ports;

pub use ports::free_port;

use crate::options::ServerSpec;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read as _, Seek as _, SeekFrom};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Polling interval inside bounded wait loops (never used to synchronise by
/// itself: every loop also has a condition and a deadline).
pub const POLL: Duration = Duration::from_millis(5);

/// Live process groups and the temp dirs of running cases, for Ctrl-C.
static REGISTRY: Mutex<BTreeMap<u64, (u32, Option<PathBuf>)>> = Mutex::new(BTreeMap::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(1);
/// Temp dirs of cases in progress, removed by `kill_all`.
static DIRS: Mutex<BTreeMap<u64, PathBuf>> = Mutex::new(BTreeMap::new());

/// Registers a case's temp dir for removal on Ctrl-C; returns its key.
pub fn register_dir(path: &Path) -> u64 {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let mut dirs = lock(&DIRS);
    if stopping() {
        let _ = std::fs::remove_dir_all(path);
    }
    dirs.insert(id, path.to_path_buf());
    id
}

/// The case is over and its temp dir removed by its owner.
pub fn unregister_dir(id: u64) {
    lock(&DIRS).remove(&id);
}

/// Set once the run is being interrupted: no new server may start.
static STOPPING: AtomicBool = AtomicBool::new(false);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whether the run is being interrupted.
pub fn stopping() -> bool {
    STOPPING.load(Ordering::SeqCst)
}

/// Kills every registered process group and removes the registered temp
/// dirs. Called from the Ctrl-C handler.
pub fn kill_all() {
    STOPPING.store(true, Ordering::SeqCst);
    let groups = std::mem::take(&mut *lock(&REGISTRY));
    for (pgid, dir) in groups.into_values() {
        kill_group(pgid);
        if let Some(dir) = dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    // Kept registered: the final sweep before exit removes them again, in
    // case a case thread recreated part of its dir meanwhile.
    for dir in lock(&DIRS).values() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

fn kill_group(pgid: u32) {
    if let Some(pid) = i32::try_from(pgid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

/// The command line that starts the server on `root` and `port`, plus
/// `extra` options (LAUNCH-3).
#[must_use]
pub fn command(
    spec: &ServerSpec,
    base_dir: &Path,
    root: &Path,
    port: &str,
    extra: &[String],
) -> Command {
    let mut cmd = match spec {
        ServerSpec::Path(p) => {
            let mut c = Command::new(p);
            c.arg("--root")
                .arg(root)
                .arg("--port")
                .arg(port)
                .args(extra);
            c
        }
        ServerSpec::Template(t) => sh_template(
            t,
            &[("{root}", &root.to_string_lossy()), ("{port}", port)],
            extra,
        ),
    };
    cmd.current_dir(base_dir)
        .stdin(Stdio::null())
        .process_group(0);
    cmd
}

/// `sh -c TEMPLATE` with each placeholder replaced by its value, shell
/// quoted, and `extra` appended as further arguments (`"$@"`).
#[must_use]
pub fn sh_template(template: &str, values: &[(&str, &str)], extra: &[String]) -> Command {
    let mut line = template.to_string();
    for (placeholder, value) in values {
        line = line.replace(placeholder, &shell_quote(value));
    }
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg(format!("{line} \"$@\""))
        .arg("sh")
        .args(extra);
    c
}

/// `/dev/shm` when it is a writable tmpfs with `room` bytes free, unless
/// `TMPDIR` is set (which then decides): where many runs of the suite at
/// once keep their temp dirs. Every upload is fsynced, and fsync on a disk
/// shared with other work is what makes parallel runs slow; no verdict
/// depends on the file system.
#[must_use]
pub fn roomy_tmpfs(room: u64) -> Option<PathBuf> {
    if std::env::var_os("TMPDIR").is_some() {
        return None;
    }
    let shm = Path::new("/dev/shm");
    let st = rustix::fs::statvfs(shm).ok()?;
    let free = st.f_bavail.saturating_mul(st.f_frsize);
    (free >= room && tempfile::tempdir_in(shm).is_ok()).then(|| shm.to_path_buf())
}

/// `s` as one word of a POSIX shell command line (single quotes).
#[must_use]
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Why a server could not be brought up.
#[derive(Debug)]
pub enum LaunchError {
    Spawn(io::Error),
    /// It exited before accepting a connection.
    Exited {
        status: ExitStatus,
        stderr_tail: String,
    },
    /// It neither accepted nor exited within the start-up timeout.
    Timeout {
        after: Duration,
        stderr_tail: String,
    },
}

impl std::fmt::Display for LaunchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LaunchError::Spawn(e) => write!(f, "could not start the server: {e}"),
            LaunchError::Exited {
                status,
                stderr_tail,
            } => write!(
                f,
                "the server exited before accepting a connection ({})\n--- last lines of its stderr ---\n{stderr_tail}",
                describe_status(*status)
            ),
            LaunchError::Timeout { after, stderr_tail } => write!(
                f,
                "the server did not accept a connection on 127.0.0.1 within {:.1} s (start-up timeout)\n--- last lines of its stderr ---\n{stderr_tail}",
                after.as_secs_f64()
            ),
        }
    }
}

/// "exit status 1" or "killed by signal 9".
#[must_use]
pub fn describe_status(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        (None, None) => "unknown exit status".into(),
    }
}

/// A running server process (its own process group), reaped on drop.
pub struct Server {
    proc: Spawned,
    pub port: u16,
    /// The connection that proved the server was up; handed to the first
    /// `connect` so that connection limits (LIMIT-3) count exactly.
    pub spare: Option<TcpStream>,
    exited: Option<ExitStatus>,
}

/// A spawned process whose exit (or not) the caller waits for.
pub struct Spawned {
    pub child: Child,
    pub reg_id: u64,
    pub stderr_path: PathBuf,
    pub stdout_path: PathBuf,
}

impl Spawned {
    /// Starts `cmd` with stdout and stderr sent to files in `log_dir`.
    ///
    /// # Errors
    /// The process could not be spawned.
    pub fn spawn(
        mut cmd: Command,
        log_dir: &Path,
        tag: &str,
        tmp: Option<&Path>,
    ) -> io::Result<Spawned> {
        let stderr_path = log_dir.join(format!("{tag}.stderr"));
        let stdout_path = log_dir.join(format!("{tag}.stdout"));
        cmd.stdout(File::create(&stdout_path)?)
            .stderr(File::create(&stderr_path)?);
        // Spawn under the registry lock, so that `kill_all` sees every
        // process started before it and none starts after it.
        let mut registry = lock(&REGISTRY);
        if stopping() {
            return Err(io::Error::other("the run is being interrupted"));
        }
        let child = cmd.spawn()?;
        let reg_id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        registry.insert(reg_id, (child.id(), tmp.map(Path::to_path_buf)));
        drop(registry);
        Ok(Spawned {
            child,
            reg_id,
            stderr_path,
            stdout_path,
        })
    }

    /// Waits up to `limit` for the process to exit.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(st)) = self.child.try_wait() {
                return Some(st);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        kill_group(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
        lock(&REGISTRY).remove(&self.reg_id);
    }
}

impl Server {
    /// Starts the server and waits until 127.0.0.1:port accepts a
    /// connection, retrying on a fresh port if the first one turned out to be
    /// taken.
    ///
    /// # Errors
    /// See [`LaunchError`].
    pub fn start(
        spec: &ServerSpec,
        base_dir: &Path,
        root: &Path,
        log_dir: &Path,
        extra: &[String],
        startup: Duration,
    ) -> Result<Server, LaunchError> {
        let mut last = None;
        for attempt in 0..3 {
            let port = free_port().map_err(LaunchError::Spawn)?;
            let cmd = command(spec, base_dir, root, &port.to_string(), extra);
            let tag = if attempt == 0 {
                "server".to_string()
            } else {
                format!("server-{attempt}")
            };
            let spawned =
                Spawned::spawn(cmd, log_dir, &tag, Some(log_dir)).map_err(LaunchError::Spawn)?;
            match wait_ready(spawned, port, startup) {
                Ok(server) => return Ok(server),
                Err(e @ LaunchError::Exited { .. }) => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| LaunchError::Spawn(io::Error::other("no attempt made"))))
    }

    /// The process id of the started command (with `--server-cmd`, the
    /// shell's, which usually `exec`s the server).
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.proc.child.id()
    }

    /// The process's exit status if it has exited (without reaping twice).
    pub fn exit_status(&mut self) -> Option<ExitStatus> {
        if self.exited.is_none() {
            self.exited = self.proc.child.try_wait().ok().flatten();
        }
        self.exited
    }

    /// The last `n` lines of the server's stderr.
    #[must_use]
    pub fn stderr_tail(&self, n: usize) -> String {
        tail(&self.proc.stderr_path, n)
    }

    /// Where the server's stderr goes.
    #[must_use]
    pub fn stderr_path(&self) -> &Path {
        &self.proc.stderr_path
    }
}

fn wait_ready(mut spawned: Spawned, port: u16, startup: Duration) -> Result<Server, LaunchError> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + startup;
    loop {
        if let Ok(Some(status)) = spawned.child.try_wait() {
            let stderr_tail = tail(&spawned.stderr_path, 20);
            return Err(LaunchError::Exited {
                status,
                stderr_tail,
            });
        }
        if let Ok(stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            return Ok(Server {
                proc: spawned,
                port,
                spare: Some(stream),
                exited: None,
            });
        }
        if Instant::now() >= deadline {
            return Err(LaunchError::Timeout {
                after: startup,
                stderr_tail: tail(&spawned.stderr_path, 20),
            });
        }
        std::thread::sleep(POLL);
    }
}

/// The last `n` lines of a text file (lossy UTF-8, at most 64 KiB read).
#[must_use]
pub fn tail(path: &Path, n: usize) -> String {
    let Ok(mut f) = File::open(path) else {
        return "(no stderr captured)".into();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(64 * 1024)));
    let mut buf = Vec::new();
    let _ = f.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(n);
    if lines.is_empty() {
        "(stderr is empty)".into()
    } else {
        lines[start..].join("\n")
    }
}
