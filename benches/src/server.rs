//! The reference server as a child process in a temporary root.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use anyhow::Context as _;
use conformance::reference::{
    Profile, ReferenceServer, StartOptions, Stderr, reference_server_binary_for,
};
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
    // The one find-or-build every crate shares (built if missing or older
    // than its sources).
    Ok(reference_server_binary_for(Profile::Release)?)
}

/// A running reference server serving a temporary root.
///
/// Dropping it kills the process, reaps it, then deletes the root.
pub struct Server {
    /// The process, killed and reaped on drop by the launcher every crate
    /// shares (`conformance::reference`). Declared first: gone before the
    /// root is removed.
    proc: ReferenceServer,
    addr: SocketAddr,
    root: TempDir,
    /// With [`Logging::Default`]: the directory of the server's log file.
    _log: Option<TempDir>,
}

/// How a benchmarked server logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logging {
    /// `--log-level warn`, stderr shown: the quiet server of the
    /// `transfer`, `roundtrip`, `concurrent` and `listing` groups.
    Warn,
    /// No `--log-level` flag (the server's default, as a user runs it),
    /// stderr to a file that is read by nobody but written for real, as an
    /// operator's log file is: neither a pipe nobody reads (which would
    /// block the server once full) nor a terminal. The file is removed
    /// with the server.
    Default,
}

impl Server {
    /// Starts the server with `--port 0 --log-level warn` and `extra`
    /// options, and waits for its `listening on` line.
    pub fn start(extra: &[&str]) -> anyhow::Result<Self> {
        Self::start_logging(Logging::Warn, extra)
    }

    /// Starts the server with `--port 0`, the given [`Logging`] and
    /// `extra` options, and waits for its `listening on` line.
    pub fn start_logging(logging: Logging, extra: &[&str]) -> anyhow::Result<Self> {
        let root = tempfile::Builder::new()
            .prefix("mftp-bench-root-")
            .tempdir()
            .context("cannot create the server root")?;
        Self::start_in(root, logging, extra)
    }

    /// Starts the server on an existing root directory, which it then owns.
    pub fn start_in(root: TempDir, logging: Logging, extra: &[&str]) -> anyhow::Result<Self> {
        let bin = binary()?;
        let mut command = Command::new(&bin);
        command
            .arg("--root")
            .arg(root.path())
            .args(["--port", "0"])
            .args(extra)
            .stdin(Stdio::null());
        let (stderr, log) = match logging {
            Logging::Warn => {
                command.args(["--log-level", "warn"]);
                (Stderr::Inherit, None)
            }
            Logging::Default => {
                let dir = tempfile::Builder::new()
                    .prefix("mftp-bench-log-")
                    .tempdir()
                    .context("cannot create the log directory")?;
                (Stderr::File(dir.path().join("server.log")), Some(dir))
            }
        };
        let options = StartOptions {
            stderr,
            ..StartOptions::default()
        };
        let proc = ReferenceServer::start_with(command, &options)
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let addr = proc.addr();
        Ok(Self {
            proc,
            addr,
            root,
            _log: log,
        })
    }

    /// With [`Logging::Default`]: how many bytes and lines the server has
    /// logged so far.
    #[must_use]
    pub fn logged(&self) -> Option<(u64, u64)> {
        let path = self.proc.stderr_path()?;
        let text = std::fs::read(path).ok()?;
        let lines = text.iter().filter(|&&b| b == b'\n').count() as u64;
        Some((text.len() as u64, lines))
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
        self.proc.pid()
    }

    /// The server's current and peak resident memory.
    #[must_use]
    pub fn rss(&self) -> Option<crate::memory::Rss> {
        crate::memory::rss(self.pid())
    }
}

/// Starts `command` and waits for its first stdout line, `listening on
/// ADDR` (the reference server's and `baseline-server`'s contract), with its
/// stderr shown; the process is killed and reaped when the guard drops,
/// also if that line does not come.
///
/// # Errors
/// The process did not start or did not say where it listens.
pub fn spawn_listening(command: Command) -> anyhow::Result<ReferenceServer> {
    let options = StartOptions {
        stderr: Stderr::Inherit,
        ..StartOptions::default()
    };
    Ok(ReferenceServer::start_with(command, &options)?)
}

/// A `baseline-server` (`src/bin/baseline-server.rs`) in a process of its
/// own; killed and reaped on drop.
#[derive(Debug)]
pub struct BaselineProcess {
    proc: ReferenceServer,
}

impl BaselineProcess {
    /// Starts `bin` (a bench passes `env!("CARGO_BIN_EXE_baseline-server")`)
    /// with `args`: `echo`, or `transfer FILE...`.
    ///
    /// # Errors
    /// It did not start or did not say where it listens.
    pub fn start(
        bin: &str,
        args: impl IntoIterator<Item = impl AsRef<std::ffi::OsStr>>,
    ) -> anyhow::Result<Self> {
        let mut command = Command::new(bin);
        command.args(args);
        // Its stdin closes when this process ends, which ends it too.
        command.stdin(Stdio::piped());
        let proc = spawn_listening(command).context("cannot start baseline-server")?;
        Ok(Self { proc })
    }

    /// `baseline-server transfer FILE...`: the raw transfer server serving
    /// `files`.
    ///
    /// # Errors
    /// It did not start or did not say where it listens.
    pub fn transfer<'a>(
        bin: &str,
        files: impl IntoIterator<Item = &'a std::ffi::OsStr>,
    ) -> anyhow::Result<Self> {
        Self::start(bin, std::iter::once("transfer".as_ref()).chain(files))
    }

    /// Where it listens.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.proc.addr()
    }
}
