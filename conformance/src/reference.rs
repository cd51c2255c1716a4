//! The workspace's reference server for whoever needs a live one: find its
//! binary (built by cargo first when it is missing or older than its
//! sources), start it or any server that announces itself the same way,
//! wait for its `listening on ADDR` line, and kill and reap it on drop.
//!
//! The harness uses [`reference_server_binary`] when no `--server` is
//! given. Integration tests and benchmarks of the other crates use
//! [`ReferenceServer`] so that there is one "spawn, wait for `listening
//! on`, kill on drop", with a deadline and without the pipe pitfalls:
//!
//! ```text
//! // reference-server's tests: its own binary, stderr discarded.
//! let mut server = ReferenceServer::start(
//!     env!("CARGO_BIN_EXE_reference-server"),
//!     [OsStr::new("--root"), root.as_os_str(), OsStr::new("--port"), OsStr::new("0")],
//! )?;
//! TcpStream::connect(server.addr())?;
//! send_sigterm(server.pid());
//! server.try_wait()?;                         // its exit status, once it ends
//!
//! // benches: the release build, stderr shown, a log level.
//! let bin = reference_server_binary_for(Profile::Release)?;
//! let mut command = Command::new(bin);
//! command.arg("--root").arg(root).args(["--port", "0", "--log-level", "warn"]);
//! let server = ReferenceServer::start_with(
//!     command,
//!     &StartOptions { stderr: Stderr::Inherit, ..StartOptions::default() },
//! )?;
//!
//! // reference-client's tests: any server command (`python3 server.py`),
//! // its stderr kept in a file that start-up errors quote.
//! let options = StartOptions { stderr: Stderr::File(dir.join("server.stderr")), ..StartOptions::default() };
//! let mut server = ReferenceServer::start_with(command, &options)?;
//! server.stop();                               // lose the server mid-test
//! ```
//!
//! The server's stdin is left as the given `Command` has it ([`ReferenceServer::start`]
//! sets it to null); its stdout is read by a thread of its own, first for
//! the `listening on` line, then drained to the end so that the server
//! never blocks on (or is killed by) a full or closed pipe. The process is
//! not put in a group of its own: Ctrl-C at the terminal reaches it too.
//! A struct that also owns the server's root should declare the
//! `ReferenceServer` before the `TempDir`, so that the process is gone
//! before its root is removed.

use crate::target::{POLL, describe_status, tail};
use std::ffi::OsStr;
use std::io::{self, BufRead as _, BufReader, Read as _};
use std::net::{SocketAddr, ToSocketAddrs as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{OnceLock, mpsc};
use std::time::{Duration, Instant, SystemTime};

/// The cargo profile of a reference-server build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// `cargo build`, in `target/debug`: tests.
    Dev,
    /// `cargo build --release`, in `target/release`: benchmarks.
    Release,
}

impl Profile {
    /// The profile the running executable was built with, judged by the
    /// directory it runs from (`target/release/…` for `cargo bench` and
    /// `--release`, `target/debug/…` otherwise).
    #[must_use]
    pub fn current() -> Profile {
        match profile_dir().as_deref().and_then(Path::file_name) {
            Some(dir) if dir == "release" => Profile::Release,
            _ => Profile::Dev,
        }
    }

    fn dir_name(self) -> &'static str {
        match self {
            Profile::Dev => "debug",
            Profile::Release => "release",
        }
    }
}

/// Why the reference server binary is not at hand. The texts end up in
/// the suite's summary ("no --server given and …").
#[derive(Clone, Debug)]
pub enum FindError {
    /// Not next to the running executable, and `$CARGO` is not set.
    NoCargo,
    /// The workspace directory the suite was built in is unknown.
    NoWorkspace,
    /// Cargo could not be run.
    Cargo(String),
    /// `cargo build` failed (its own output went to stderr).
    BuildFailed(String),
    /// Built, yet not where it was looked for.
    NotFound(PathBuf),
}

impl std::fmt::Display for FindError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FindError::NoCargo => write!(
                f,
                "the reference server binary is missing (and cargo is not at hand to build it)"
            ),
            FindError::NoWorkspace => write!(f, "no workspace directory"),
            FindError::Cargo(e) => {
                write!(f, "could not run cargo to build the reference server: {e}")
            }
            FindError::BuildFailed(status) => {
                write!(f, "building the reference server failed ({status})")
            }
            FindError::NotFound(_) => write!(
                f,
                "the reference server binary was not found after building it"
            ),
        }
    }
}

impl std::error::Error for FindError {}

/// The reference server's binary for the running executable's profile
/// (see [`Profile::current`]): `target/debug/reference-server` for tests,
/// `target/release/reference-server` for benchmarks.
///
/// # Errors
/// See [`reference_server_binary_for`].
pub fn reference_server_binary() -> Result<PathBuf, FindError> {
    reference_server_binary_for(Profile::current())
}

/// The reference server's binary in the target directory of the running
/// executable, built with cargo first when cargo runs us (`$CARGO` is set)
/// and the binary is missing or older than its sources (the
/// reference-server and protocol crates, the workspace manifest and lock
/// file). Without cargo, the binary must be there already. Looked up once
/// per profile and process; concurrent callers wait for one build.
///
/// # Errors
/// Not found, or the build failed.
pub fn reference_server_binary_for(profile: Profile) -> Result<PathBuf, FindError> {
    static DEV: OnceLock<Result<PathBuf, FindError>> = OnceLock::new();
    static RELEASE: OnceLock<Result<PathBuf, FindError>> = OnceLock::new();
    let cell = match profile {
        Profile::Dev => &DEV,
        Profile::Release => &RELEASE,
    };
    cell.get_or_init(|| find_or_build(profile)).clone()
}

/// The directory of the running executable, `deps/` left: where cargo puts
/// the binaries of its profile.
fn profile_dir() -> Option<PathBuf> {
    let mut dir = std::env::current_exe().ok()?;
    dir.pop();
    if dir.ends_with("deps") {
        dir.pop();
    }
    Some(dir)
}

/// Where the binary of `profile` is, if it is there.
fn existing(profile: Profile) -> Option<PathBuf> {
    let name = format!("reference-server{}", std::env::consts::EXE_SUFFIX);
    let dir = profile_dir()?;
    let dir = if Profile::current() == profile {
        dir
    } else {
        dir.parent()?.join(profile.dir_name())
    };
    Some(dir.join(name)).filter(|p| p.is_file())
}

fn find_or_build(profile: Profile) -> Result<PathBuf, FindError> {
    let Some(cargo) = std::env::var_os("CARGO") else {
        return existing(profile).ok_or(FindError::NoCargo);
    };
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or(FindError::NoWorkspace)?
        .to_path_buf();
    // Up to date already (as after `cargo test --workspace`, which builds
    // it): building again would cost a rebuild of its dependencies with
    // `-p reference-server`'s own feature set, ~15 s on a fresh clone.
    if let Some(binary) = existing(profile)
        && modified(&binary) >= newest_source(&workspace)
    {
        return Ok(binary);
    }
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet", "-p", "reference-server"]);
    if profile == Profile::Release {
        build.arg("--release");
    }
    let status = build
        .current_dir(&workspace)
        .stdin(Stdio::null())
        .status()
        .map_err(|e| FindError::Cargo(e.to_string()))?;
    if !status.success() {
        return Err(FindError::BuildFailed(status.to_string()));
    }
    existing(profile).ok_or_else(|| {
        FindError::NotFound(profile_dir().unwrap_or_default().join("reference-server"))
    })
}

/// When a file was last modified; the epoch if that cannot be read.
fn modified(path: &Path) -> SystemTime {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

/// The newest modification time among the reference server's sources:
/// its crate, the protocol crate, and the workspace manifest and lock file.
fn newest_source(workspace: &Path) -> SystemTime {
    fn walk(path: &Path, newest: &mut SystemTime, depth: usize) {
        *newest = (*newest).max(modified(path));
        if depth == 0 || !path.is_dir() {
            return;
        }
        for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
            walk(&entry.path(), newest, depth - 1);
        }
    }
    let mut newest = SystemTime::UNIX_EPOCH;
    for part in ["reference-server", "protocol", "Cargo.toml", "Cargo.lock"] {
        walk(&workspace.join(part), &mut newest, 8);
    }
    newest
}

/// Where a started server's stderr goes.
#[derive(Clone, Debug, Default)]
pub enum Stderr {
    /// Nowhere (`/dev/null`).
    #[default]
    Discard,
    /// To the caller's stderr, interleaved with its own output.
    Inherit,
    /// To this file, created or truncated; start-up errors quote its last
    /// lines.
    File(PathBuf),
}

/// How to start a server (see [`ReferenceServer::start_with`]).
#[derive(Clone, Debug)]
pub struct StartOptions {
    /// Where its stderr goes (default: discarded).
    pub stderr: Stderr,
    /// How long it may take to print `listening on ADDR` (default 30 s:
    /// generous, since a loaded CI machine starts a debug build slowly).
    pub timeout: Duration,
}

impl Default for StartOptions {
    fn default() -> StartOptions {
        StartOptions {
            stderr: Stderr::Discard,
            timeout: Duration::from_secs(30),
        }
    }
}

/// Why a server did not come up. Every variant's process has been killed
/// and reaped.
#[derive(Debug)]
pub enum StartError {
    /// It could not be spawned (or its stderr file not created).
    Spawn { program: String, error: io::Error },
    /// It exited (or closed its stdout) before printing `listening on`.
    Exited {
        program: String,
        status: Option<ExitStatus>,
        stderr_tail: Option<String>,
    },
    /// It printed something else first.
    UnexpectedLine {
        program: String,
        line: String,
        stderr_tail: Option<String>,
    },
    /// It printed nothing within the deadline.
    Timeout {
        program: String,
        after: Duration,
        stderr_tail: Option<String>,
    },
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let stderr = |f: &mut std::fmt::Formatter<'_>, tail: &Option<String>| match tail {
            Some(t) => write!(f, "\n--- last lines of its stderr ---\n{t}"),
            None => Ok(()),
        };
        match self {
            StartError::Spawn { program, error } => write!(f, "could not start {program}: {error}"),
            StartError::Exited {
                program,
                status,
                stderr_tail,
            } => {
                let how = status.map_or_else(
                    || "closed its stdout".to_string(),
                    |s| format!("exited, {}", describe_status(s)),
                );
                write!(f, "{program} {how} before printing `listening on ADDR`")?;
                stderr(f, stderr_tail)
            }
            StartError::UnexpectedLine {
                program,
                line,
                stderr_tail,
            } => {
                write!(
                    f,
                    "{program} printed {line:?} where `listening on ADDR` was expected"
                )?;
                stderr(f, stderr_tail)
            }
            StartError::Timeout {
                program,
                after,
                stderr_tail,
            } => {
                write!(
                    f,
                    "{program} did not print `listening on ADDR` within {:.1} s",
                    after.as_secs_f64()
                )?;
                stderr(f, stderr_tail)
            }
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Spawn { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// A running server that said `listening on ADDR`; killed and reaped on
/// drop.
#[derive(Debug)]
pub struct ReferenceServer {
    child: Child,
    addr: SocketAddr,
    stderr: Option<PathBuf>,
    /// Set once the process has been reaped.
    exited: Option<ExitStatus>,
}

/// Longest first line read while waiting for `listening on ADDR`.
const MAX_FIRST_LINE: u64 = 4096;

impl ReferenceServer {
    /// Starts `program args…` with stdin from `/dev/null` and stderr
    /// discarded, and waits up to 30 s for its `listening on ADDR` line.
    /// For the reference server, `args` are typically `--root DIR --port 0`
    /// (the operating system picks a free port; [`addr`](Self::addr) says
    /// which).
    ///
    /// # Errors
    /// See [`StartError`].
    pub fn start<I, S>(program: impl AsRef<OsStr>, args: I) -> Result<ReferenceServer, StartError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = Command::new(program);
        command.args(args).stdin(Stdio::null());
        ReferenceServer::start_with(command, &StartOptions::default())
    }

    /// Starts `command` (its program, arguments, environment, directory and
    /// stdin as given; stdout and stderr are set here) and waits for its
    /// first stdout line, which must be `listening on ADDR`.
    ///
    /// # Errors
    /// See [`StartError`].
    pub fn start_with(
        mut command: Command,
        options: &StartOptions,
    ) -> Result<ReferenceServer, StartError> {
        let program = command.get_program().to_string_lossy().into_owned();
        let spawn_error = |error| StartError::Spawn {
            program: program.clone(),
            error,
        };
        let (stderr, stderr_path) = match &options.stderr {
            Stderr::Discard => (Stdio::null(), None),
            Stderr::Inherit => (Stdio::inherit(), None),
            Stderr::File(path) => (
                Stdio::from(std::fs::File::create(path).map_err(spawn_error)?),
                Some(path.clone()),
            ),
        };
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(spawn_error)?;
        let stdout = child.stdout.take();
        // From here on the guard owns the process: every early return kills
        // and reaps it.
        let mut server = ReferenceServer {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            stderr: stderr_path,
            exited: None,
        };
        let Some(stdout) = stdout else {
            return Err(spawn_error(io::Error::other("no stdout pipe")));
        };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let first = reader
                .by_ref()
                .take(MAX_FIRST_LINE)
                .read_line(&mut line)
                .map(|_| line);
            let _ = tx.send(first);
            let _ = io::copy(&mut reader, &mut io::sink());
        });
        let deadline = Instant::now() + options.timeout;
        let first = rx.recv_timeout(options.timeout);
        let stderr_tail = |s: &ReferenceServer| s.stderr.as_deref().map(|p| tail(p, 20));
        let line = match first {
            Ok(Ok(line)) if !line.is_empty() => line,
            // End of stdout (or a read error): it is exiting, or has.
            Ok(_) => {
                let status = server.wait_until(deadline);
                server.stop();
                return Err(StartError::Exited {
                    program,
                    status,
                    stderr_tail: stderr_tail(&server),
                });
            }
            Err(_) => {
                server.stop();
                return Err(StartError::Timeout {
                    program,
                    after: options.timeout,
                    stderr_tail: stderr_tail(&server),
                });
            }
        };
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|a| a.to_socket_addrs().ok()?.next());
        let Some(addr) = addr else {
            server.stop();
            return Err(StartError::UnexpectedLine {
                program,
                line: line.trim_end().to_string(),
                stderr_tail: stderr_tail(&server),
            });
        };
        server.addr = addr;
        Ok(server)
    }

    /// The address from its `listening on ADDR` line.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port it listens on.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Its process id (for signals, or memory use from `/proc`).
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its exit status if it has exited (reaping it), without waiting.
    ///
    /// # Errors
    /// The status could not be read.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.exited.is_none() {
            self.exited = self.child.try_wait()?;
        }
        Ok(self.exited)
    }

    /// Kills and reaps it now (to test a lost server); returns its exit
    /// status. Idempotent; dropping does the same.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        if self.exited.is_none() {
            let _ = self.child.kill();
            self.exited = self.child.wait().ok();
        }
        self.exited
    }

    /// The file its stderr goes to, with [`Stderr::File`].
    #[must_use]
    pub fn stderr_path(&self) -> Option<&Path> {
        self.stderr.as_deref()
    }

    /// Waits for the process to exit until `deadline`, polling.
    fn wait_until(&mut self, deadline: Instant) -> Option<ExitStatus> {
        loop {
            if let Ok(Some(status)) = self.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for ReferenceServer {
    fn drop(&mut self) {
        self.stop();
    }
}
