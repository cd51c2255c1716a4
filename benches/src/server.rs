//! The reference server as a child process in a temporary root.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::OnceLock;
use std::time::SystemTime;

use anyhow::{Context as _, bail};
use tempfile::TempDir;

/// The release binary of the reference server, built if missing or stale.
///
/// `MFTP_SERVER_BIN`, when set, names the binary to use instead (no build).
pub fn binary() -> anyhow::Result<PathBuf> {
    static BINARY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BINARY
        .get_or_init(|| locate().map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(anyhow::Error::msg)
}

fn locate() -> anyhow::Result<PathBuf> {
    if let Some(bin) = std::env::var_os("MFTP_SERVER_BIN") {
        return Ok(PathBuf::from(bin));
    }
    let bin = crate::target_dir().join("release").join("reference-server");
    let built = std::fs::metadata(&bin).and_then(|m| m.modified()).ok();
    let root = crate::workspace_root();
    let sources = newest(&[
        root.join("reference-server/src"),
        root.join("reference-server/Cargo.toml"),
        root.join("protocol/src"),
        root.join("protocol/Cargo.toml"),
    ]);
    if built.is_some_and(|built| built >= sources) {
        return Ok(bin);
    }
    eprintln!(
        "benches: {} is missing or older than its sources; running cargo build --release -p reference-server",
        bin.display()
    );
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "-p", "reference-server"])
        .current_dir(&root)
        .status()
        .context("cannot run cargo to build the reference server")?;
    if !status.success() {
        bail!("cargo build --release -p reference-server failed ({status})");
    }
    Ok(bin)
}

/// The newest modification time of the files under `paths`.
fn newest(paths: &[PathBuf]) -> SystemTime {
    fn walk(path: &Path, newest: &mut SystemTime) {
        let Ok(meta) = std::fs::metadata(path) else {
            return;
        };
        if let Ok(modified) = meta.modified() {
            *newest = (*newest).max(modified);
        }
        if meta.is_dir()
            && let Ok(entries) = std::fs::read_dir(path)
        {
            for entry in entries.flatten() {
                walk(&entry.path(), newest);
            }
        }
    }
    let mut time = SystemTime::UNIX_EPOCH;
    for path in paths {
        walk(path, &mut time);
    }
    time
}

/// A running reference server serving a temporary root.
///
/// Dropping it kills the process, reaps it, then deletes the root.
#[derive(Debug)]
pub struct Server {
    child: Child,
    /// Kept open so that the server never writes to a closed pipe.
    _stdout: BufReader<ChildStdout>,
    addr: SocketAddr,
    /// Declared last: removed after the process is gone.
    root: TempDir,
}

impl Server {
    /// Starts the server with `--port 0 --log-level warn` and `extra`
    /// options, and waits for its `listening on` line.
    pub fn start(extra: &[&str]) -> anyhow::Result<Self> {
        let root = tempfile::Builder::new()
            .prefix("mftp-bench-root-")
            .tempdir()
            .context("cannot create the server root")?;
        Self::start_in(root, extra)
    }

    /// Starts the server on an existing root directory, which it then owns.
    pub fn start_in(root: TempDir, extra: &[&str]) -> anyhow::Result<Self> {
        let bin = binary()?;
        let mut command = Command::new(&bin);
        command
            .arg("--root")
            .arg(root.path())
            .args(["--port", "0", "--log-level", "warn"])
            .args(extra)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit());
        let (child, stdout, addr) = spawn_listening(&mut command)
            .with_context(|| format!("cannot start {}", bin.display()))?;
        Ok(Self {
            child,
            _stdout: stdout,
            addr,
            root,
        })
    }

    /// The address the server listens on (127.0.0.1).
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The root directory the server serves.
    #[must_use]
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// The server's process id.
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's current and peak resident memory.
    #[must_use]
    pub fn rss(&self) -> Option<crate::memory::Rss> {
        crate::memory::rss(self.pid())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `command` with its stdout piped and waits for its first line,
/// `listening on ADDR` (the reference server's and `echo-server`'s
/// contract). The child is killed and reaped if that line does not come.
pub fn spawn_listening(
    command: &mut Command,
) -> anyhow::Result<(Child, BufReader<ChildStdout>, SocketAddr)> {
    let mut child = command.stdout(Stdio::piped()).spawn()?;
    let stdout = child.stdout.take().context("no stdout pipe")?;
    // From here on a guard owns the child, so an early return reaps it.
    let mut guard = Reaper(Some(child));
    let mut stdout = BufReader::new(stdout);
    let mut line = String::new();
    stdout
        .read_line(&mut line)
        .context("reading the first line")?;
    let addr: SocketAddr = line
        .trim()
        .strip_prefix("listening on ")
        .with_context(|| format!("unexpected first line: {line:?}"))?
        .parse()
        .with_context(|| format!("bad address in {line:?}"))?;
    let child = guard.0.take().context("child vanished")?;
    Ok((child, stdout, addr))
}

/// Kills and reaps a child that has not been handed over yet.
struct Reaper(Option<Child>);

impl Drop for Reaper {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
