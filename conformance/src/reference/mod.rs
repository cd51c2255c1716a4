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
//! // benches: the release build (reference_server_binary() picks it too
//! // under `cargo bench`), stderr shown, a log level.
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
//! [`ReferenceServer::start`] gives the server `/dev/null` as stdin;
//! [`ReferenceServer::start_with`] leaves stdin as the `Command` has it (an
//! echo process that ends when its stdin closes keeps a pipe). Stdout is
//! read by a thread of its own, first for the `listening on` line, then
//! drained to the end, so that the server never blocks on (or dies of) a
//! full or closed pipe. The process is not put in a group of its own, so
//! Ctrl-C at the terminal reaches it too. A struct that also owns the
//! server's root should declare the `ReferenceServer` before the
//! `TempDir`, so that the process is gone before its root is removed.
//! Overrides such as benches' `MFTP_SERVER_BIN` or reference-client's
//! `MFTP_TEST_SERVER` stay with the caller: it builds the `Command`.

use crate::target::{POLL, describe_status, tail};
use std::ffi::OsStr;
use std::io::{self, BufRead as _, BufReader, Read as _};
use std::net::{SocketAddr, ToSocketAddrs as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod binary;

pub use binary::{
    FindError, Profile, reference_client_binary, reference_server_binary,
    reference_server_binary_for,
};

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
