//! What a case works with: its temp dir seeded with the standard fixture,
//! the server under test started in it, its connections and its log.

use crate::disk::{Tree, tree, tree_diff, without_reserved_dirs};
use crate::expect::Expect as _;
use crate::fail::Fail;
use crate::model::RESERVED_PREFIX;
use crate::options::{Options, ServerSpec};
use crate::target::{LaunchError, POLL, Server, describe_status};
use crate::transcript::Log;
use crate::wire::Conn;
use std::net::{SocketAddr, TcpStream};
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The options of this run, set once by the harness.
pub static OPTIONS: OnceLock<Options> = OnceLock::new();

fn options() -> &'static Options {
    OPTIONS
        .get()
        .expect("the harness sets OPTIONS before running cases")
}

fn server_spec() -> Result<&'static ServerSpec, Fail> {
    options()
        .server
        .as_ref()
        .ok_or_else(|| Fail::harness("no server to grade"))
}

/// What a case works with: its temp dir, its server, its log.
///
/// ```text
/// <tmp>/root/      served by the server, seeded with the fixture
/// <tmp>/outside/   a sibling that must never change (SEC-1)
/// <tmp>/server.stderr, server.stdout
/// ```
pub struct Ctx {
    /// Declared first so that it is dropped (killed and reaped) before the
    /// temp dir is removed: a live server could write into it meanwhile.
    server: Option<Server>,
    pub dir: tempfile::TempDir,
    pub root: PathBuf,
    pub outside: PathBuf,
    pub log: Log,
    conns: usize,
    outside_before: Option<Tree>,
    /// Key of `dir` in the Ctrl-C registry.
    dir_key: u64,
}

impl Drop for Ctx {
    fn drop(&mut self) {
        self.server = None;
        crate::target::unregister_dir(self.dir_key);
    }
}

/// Contents of the standard fixture, shared by the cases' expectations.
pub mod fixture {
    /// `a.txt`.
    pub const A_TXT: &[u8] = b"hello";
    pub const README: &[u8] = b"read me\n";
    pub const MY_FILE: &[u8] = b"a name with a space\n";
    pub const SECRET: &[u8] = b"TOP SECRET outside the root\n";
    /// The root listing of the standard fixture.
    pub const ROOT_LISTING: &[&str] = &[
        "a.txt",
        "café/",
        "docs/",
        "empty/",
        "my file.txt",
        "zero.bin",
    ];

    /// `café/naïve.bin`: every byte value once.
    #[must_use]
    pub fn all_bytes() -> Vec<u8> {
        (0..=255u8).collect()
    }
}

impl Ctx {
    /// A temp dir with the standard fixture; no server yet.
    ///
    /// # Errors
    /// The fixture could not be written.
    pub fn new() -> Result<Ctx, Fail> {
        Ctx::new_in(None)
    }

    /// As [`Ctx::new`], in `parent` instead of the system's temp dir.
    ///
    /// # Errors
    /// The fixture could not be written.
    pub fn new_in(parent: Option<&Path>) -> Result<Ctx, Fail> {
        if crate::target::stopping() {
            return Err(Fail::harness("the run is being interrupted"));
        }
        let mut builder = tempfile::Builder::new();
        builder.prefix("mftp-case-");
        let dir = match parent {
            Some(p) => builder.tempdir_in(p),
            None => builder.tempdir(),
        }
        .map_err(|e| Fail::harness(format!("temp dir: {e}")))?;
        let root = dir.path().join("root");
        let outside = dir.path().join("outside");
        let ctx = Ctx {
            root,
            outside,
            dir,
            log: Log::default(),
            server: None,
            conns: 0,
            outside_before: None,
            dir_key: 0,
        };
        let mut ctx = ctx;
        ctx.dir_key = crate::target::register_dir(ctx.dir.path());
        ctx.mkdir("")?;
        ctx.mkdir("docs")?;
        ctx.mkdir("empty")?;
        ctx.mkdir("café")?;
        ctx.file("a.txt", fixture::A_TXT)?;
        ctx.file("zero.bin", b"")?;
        ctx.file("my file.txt", fixture::MY_FILE)?;
        ctx.file("docs/readme.md", fixture::README)?;
        ctx.file("café/naïve.bin", &fixture::all_bytes())?;
        std::fs::create_dir_all(ctx.outside.join("dir")).map_err(|e| harness(&e))?;
        std::fs::write(ctx.outside.join("secret.txt"), fixture::SECRET).map_err(|e| harness(&e))?;
        std::fs::write(ctx.outside.join("dir/inner.txt"), b"inner\n").map_err(|e| harness(&e))?;
        Ok(ctx)
    }

    /// `root/rel` as a path.
    #[must_use]
    pub fn path(&self, rel: &str) -> PathBuf {
        if rel.is_empty() {
            self.root.clone()
        } else {
            self.root.join(rel)
        }
    }

    /// Creates directory `root/rel` (and parents).
    ///
    /// # Errors
    /// File system error.
    pub fn mkdir(&self, rel: &str) -> Result<(), Fail> {
        std::fs::create_dir_all(self.path(rel)).map_err(|e| harness(&e))
    }

    /// Writes file `root/rel`.
    ///
    /// # Errors
    /// File system error.
    pub fn file(&self, rel: &str, content: &[u8]) -> Result<(), Fail> {
        std::fs::write(self.path(rel), content).map_err(|e| harness(&e))
    }

    /// Writes a file whose name is raw bytes (not UTF-8, control bytes…).
    ///
    /// # Errors
    /// File system error.
    pub fn file_raw(&self, dir: &str, name: &[u8], content: &[u8]) -> Result<(), Fail> {
        let p = self.path(dir).join(std::ffi::OsStr::from_bytes(name));
        std::fs::write(p, content).map_err(|e| harness(&e))
    }

    /// Creates symbolic link `root/rel` pointing at `target` (as given).
    ///
    /// # Errors
    /// File system error.
    pub fn symlink(&self, rel: &str, target: impl AsRef<Path>) -> Result<(), Fail> {
        std::os::unix::fs::symlink(target, self.path(rel)).map_err(|e| harness(&e))
    }

    /// Moves the case to a fresh fixture on tmpfs (`/dev/shm`), which holds
    /// sparse files up to 2^63 - 1 bytes; skips the case where there is
    /// none. Call before starting the server.
    ///
    /// # Errors
    /// Skip without tmpfs; the fixture could not be written.
    pub fn move_to_tmpfs(&mut self) -> Result<(), Fail> {
        const TMPFS_MAGIC: i64 = 0x0102_1994;
        let shm = Path::new("/dev/shm");
        let is_tmpfs = rustix::fs::statfs(shm).is_ok_and(|s| s.f_type == TMPFS_MAGIC);
        if !is_tmpfs {
            return Err(Fail::skip(
                "no tmpfs at /dev/shm: files above 2^53 bytes cannot be made here, so this case is not run",
            ));
        }
        *self = Ctx::new_in(Some(shm))?;
        Ok(())
    }

    /// Makes `root/rel` a sparse file of `len` bytes (zeros, no space used).
    ///
    /// # Errors
    /// The file system refuses the length.
    pub fn sparse(&self, rel: &str, len: u64) -> Result<(), Fail> {
        std::fs::File::create(self.path(rel))
            .and_then(|f| f.set_len(len))
            .map_err(|e| Fail::harness(format!("sparse file of {len} bytes: {e}")))
    }

    /// Makes `root/rel` a FIFO (named pipe) with no writer.
    ///
    /// # Errors
    /// The file system refuses.
    pub fn fifo(&self, rel: &str) -> Result<(), Fail> {
        use rustix::fs::{CWD, FileType, Mode, mknodat};
        mknodat(
            CWD,
            self.path(rel),
            FileType::Fifo,
            Mode::from_raw_mode(0o644),
            0,
        )
        .map_err(|e| Fail::harness(format!("mkfifo: {e}")))
    }

    /// Makes `root/rel` a Unix socket file (nobody listens on it later).
    ///
    /// # Errors
    /// The file system refuses.
    pub fn unix_socket(&self, rel: &str) -> Result<(), Fail> {
        std::os::unix::net::UnixListener::bind(self.path(rel))
            .map(drop)
            .map_err(|e| Fail::harness(format!("socket file: {e}")))
    }

    /// Whether `root/rel` is (still) a FIFO.
    #[must_use]
    pub fn is_fifo(&self, rel: &str) -> bool {
        use std::os::unix::fs::FileTypeExt as _;
        std::fs::symlink_metadata(self.path(rel)).is_ok_and(|m| m.file_type().is_fifo())
    }

    /// Sets the permission bits of `root/rel`.
    ///
    /// # Errors
    /// The file system refuses.
    pub fn chmod(&self, rel: &str, mode: u32) -> Result<(), Fail> {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(self.path(rel), std::fs::Permissions::from_mode(mode))
            .map_err(|e| harness(&e))
    }

    /// Whether the suite runs as root, for which permissions do not apply.
    #[must_use]
    pub fn running_as_root() -> bool {
        rustix::process::geteuid().is_root()
    }

    /// Reads `root/rel` (None if absent).
    #[must_use]
    pub fn read(&self, rel: &str) -> Option<Vec<u8>> {
        std::fs::read(self.path(rel)).ok()
    }

    /// Starts the server with no optional options.
    ///
    /// # Errors
    /// The server does not come up.
    pub fn start(&mut self) -> Result<(), Fail> {
        self.start_with(&[])
    }

    /// Starts the server with optional options (LAUNCH-3). A server that
    /// exits non-zero at once refuses them: the case is skipped.
    ///
    /// # Errors
    /// Skip when refused; failure when it exits 0 or never comes up.
    pub fn start_with(&mut self, extra: &[&str]) -> Result<(), Fail> {
        self.launch(server_spec()?, extra)
    }

    /// Starts the server with its open-files limit (soft and hard) lowered
    /// to `n`, through `sh`'s `ulimit` (section 16 allows 256).
    ///
    /// # Errors
    /// As [`Ctx::start`].
    pub fn start_with_open_files_limit(&mut self, n: u32) -> Result<(), Fail> {
        self.log.note(format!(
            "the server is started with its open-files limit at {n} (ulimit -n {n})"
        ));
        let limited = match server_spec()? {
            ServerSpec::Path(p) => ServerSpec::Template(format!(
                "ulimit -n {n} && exec {} --root {{root}} --port {{port}}",
                crate::target::shell_quote(&p.to_string_lossy())
            )),
            ServerSpec::Template(t) => ServerSpec::Template(format!("ulimit -n {n} && {t}")),
        };
        self.launch(&limited, &[])
    }

    fn launch(&mut self, spec: &ServerSpec, extra: &[&str]) -> Result<(), Fail> {
        self.outside_before = Some(tree(&self.outside));
        let extra: Vec<String> = extra.iter().map(|s| (*s).to_string()).collect();
        if !extra.is_empty() {
            self.log
                .note(format!("the server is started with {}", extra.join(" ")));
        }
        let opts = options();
        match Server::start(
            spec,
            &opts.base_dir,
            &self.root,
            self.dir.path(),
            &extra,
            opts.startup_timeout,
        ) {
            Ok(s) => {
                self.server = Some(s);
                Ok(())
            }
            Err(LaunchError::Exited {
                status,
                stderr_tail,
            }) if !extra.is_empty() && !status.success() && opts.require_limits => {
                Err(Fail::mismatch(
                    "",
                    format!(
                        "the server honours `{}` (this run requires the optional options: --require-limits)",
                        extra.join(" ")
                    ),
                    format!(
                        "it refused it ({}); stderr: {}",
                        describe_status(status),
                        stderr_tail.lines().last().unwrap_or("")
                    ),
                ))
            }
            Err(LaunchError::Exited {
                status,
                stderr_tail,
            }) if !extra.is_empty() && !status.success() => Err(Fail::skip(format!(
                "{REFUSED} `{}` ({}); LAUNCH-3 lets a server refuse an optional option, so the cases that need it are skipped. Its stderr: {}",
                extra.join(" "),
                describe_status(status),
                stderr_tail.lines().last().unwrap_or("")
            ))),
            Err(LaunchError::Exited {
                status,
                stderr_tail,
            }) if !extra.is_empty() => Err(Fail::mismatch(
                "LAUNCH-3",
                format!(
                    "the server serves with `{}`, or refuses it with a non-zero exit status",
                    extra.join(" ")
                ),
                format!(
                    "it exited with {} instead; stderr:\n{stderr_tail}",
                    describe_status(status)
                ),
            )),
            Err(e) => Err(Fail::mismatch(
                "LAUNCH-1",
                "the server accepts connections on 127.0.0.1:PORT",
                e.to_string(),
            )),
        }
    }

    /// The tree outside the root as it was when the server started.
    pub(crate) fn outside_before(&self) -> Option<&Tree> {
        self.outside_before.as_ref()
    }

    /// The server, if one was started and not stopped.
    pub(crate) fn running_server(&mut self) -> Option<&mut Server> {
        self.server.as_mut()
    }

    fn server(&mut self) -> Result<&mut Server, Fail> {
        self.server
            .as_mut()
            .ok_or_else(|| Fail::harness("case connects before starting the server"))
    }

    /// The step timeout of this run.
    #[must_use]
    pub fn step(&self) -> Duration {
        options().step_timeout
    }

    /// Opens a connection (the greeting is not read).
    ///
    /// # Errors
    /// No server, or the connection is refused.
    pub fn connect(&mut self) -> Result<Conn, Fail> {
        let step = self.step();
        let server = self.server()?;
        let stream = match server.spare.take() {
            Some(s) => s,
            None => {
                let addr = SocketAddr::from(([127, 0, 0, 1], server.port));
                TcpStream::connect_timeout(&addr, step).map_err(|e| {
                    Fail::mismatch(
                        "CONC-1",
                        "the server accepts another connection",
                        format!("connect failed: {e}"),
                    )
                })?
            }
        };
        self.conns += 1;
        Conn::new(stream, self.conns, self.log.clone(), step)
    }

    /// Opens a connection and reads the greeting (FRAME-1).
    ///
    /// # Errors
    /// As `connect`, or a bad greeting.
    pub fn conn(&mut self) -> Result<Conn, Fail> {
        let mut c = self.connect()?;
        // A later connection that gets no greeting is kept waiting by the
        // others: that is CONC-1, not FRAME-1.
        c.expect_greeting(if c.id > 1 { "CONC-1" } else { "FRAME-1" })?;
        Ok(c)
    }

    /// The server's exit status if it has exited.
    pub fn server_exit(&mut self) -> Option<std::process::ExitStatus> {
        self.server.as_mut().and_then(Server::exit_status)
    }

    /// Stops the server now (kill and reap).
    pub fn stop(&mut self) {
        self.server = None;
    }

    /// The file tree of the root.
    #[must_use]
    pub fn root_tree(&self) -> Tree {
        tree(&self.root)
    }

    /// Waits (up to 2 s, SEC-4) until the root holds exactly `before`,
    /// allowing empty directories under reserved `.mftp*` names.
    ///
    /// # Errors
    /// Leftovers or missing entries after 2 s.
    pub fn expect_root(&self, before: &Tree, clause: &'static str) -> Result<(), Fail> {
        // SEC-4 allows 2 s; half a step more keeps a loaded grading
        // machine from failing a correct server.
        let deadline = Instant::now() + Duration::from_secs(2) + self.step() / 2;
        loop {
            let now = without_reserved_dirs(&tree(&self.root));
            let want = without_reserved_dirs(before);
            if now == want {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(Fail::mismatch(
                    clause,
                    format!(
                        "the root holds exactly what it held before (empty `{RESERVED_PREFIX}*` directories allowed)"
                    ),
                    tree_diff(&want, &now),
                )
                .at("checking the root on disk"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Ctx {
    /// After a case: the server still greets a new client (CONC-2), so a
    /// server that died or wedged because of one client fails a named
    /// clause here rather than a confusing later step. Not logged in the
    /// transcript. Retries for 2 s while the server answers `421`: the
    /// case's own connections have just closed and may still hold slots
    /// (LIMIT-3).
    pub(crate) fn check_still_serving(&mut self) -> Result<(), Fail> {
        use std::io::Read as _;
        let step = self.step();
        let Some(server) = self.server.as_ref() else {
            return Ok(());
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], server.port));
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            let got = TcpStream::connect_timeout(&addr, step)
                .map_err(|e| format!("connect failed: {e}"))
                .and_then(|mut s| {
                    let _ = s.set_read_timeout(Some(step));
                    let mut line = Vec::new();
                    let mut byte = [0u8; 1];
                    while line.len() < 8192 && !line.ends_with(b"\n") {
                        match s.read(&mut byte) {
                            Ok(1) => line.push(byte[0]),
                            Ok(_) => return Err("closed without a greeting".to_string()),
                            Err(e) => return Err(format!("no greeting: {e}")),
                        }
                    }
                    Ok(line)
                });
            match got {
                Ok(line) if line.starts_with(b"220 mftp/1") => return Ok(()),
                Ok(line) if line.starts_with(b"421") && Instant::now() < deadline => {}
                Ok(line) => {
                    return Err(still_serving(format!(
                        "it answered {:?}",
                        crate::transcript::escape(&line)
                    )));
                }
                Err(_) if Instant::now() < deadline => {}
                Err(e) => return Err(still_serving(e)),
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn still_serving(actual: String) -> Fail {
    Fail::mismatch(
        "CONC-2",
        "after the case, a new client is still greeted with `220 mftp/1`",
        actual,
    )
    .at("connecting a new client after the case")
}

/// How a skip for a refused optional option starts; reports count these
/// to name the MUST clauses that went untested.
pub const REFUSED: &str = "the server refused";

fn harness(e: &std::io::Error) -> Fail {
    Fail::harness(format!("fixture: {e}"))
}

/// Polls `cond` every few milliseconds until it holds or `limit` passes.
pub fn wait_for(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(POLL);
    }
}
