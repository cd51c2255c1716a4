//! A case, the context it runs in, and the runner that turns its outcome
//! into a result with an explanation.

use crate::fail::{Fail, FailKind};
use crate::options::{Options, ServerSpec};
use crate::spec::{self, Level};
use crate::target::{LaunchError, POLL, Server, describe_status};
use crate::transcript::{Event, Log, render};
use crate::wire::Conn;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpStream};
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// One conformance case.
pub struct Case {
    /// The primary clause: the case's name starts with it.
    pub id: &'static str,
    /// Set only when the case checks a SHOULD inside a MUST clause.
    pub level: Option<Level>,
    pub title: &'static str,
    /// Every clause the case checks, with the hash of the clause text the
    /// case was written against (see `spec::Clause::hash`).
    pub covers: &'static [(&'static str, &'static str)],
    /// Compare the normalized transcript with an accepted snapshot.
    pub snapshot: bool,
    /// Long-running: scheduled first.
    pub slow: bool,
    pub run: fn(&mut Ctx) -> Result<(), Fail>,
}

fn noop(_: &mut Ctx) -> Result<(), Fail> {
    Ok(())
}

impl Case {
    /// Defaults for struct update syntax.
    pub const DEFAULT: Case = Case {
        id: "",
        level: None,
        title: "",
        covers: &[],
        snapshot: true,
        slow: false,
        run: noop,
    };

    /// The level: the override, else the primary clause's.
    #[must_use]
    pub fn level(&self) -> Level {
        self.level
            .or_else(|| spec::clause(self.id).map(|c| c.level))
            .unwrap_or(Level::Must)
    }

    /// `UPLOAD-5 MUST upload never replaces an existing file`.
    #[must_use]
    pub fn name(&self) -> String {
        format!("{} {} {}", self.id, self.level().as_str(), self.title)
    }

    /// The spec section of the primary clause.
    #[must_use]
    pub fn section(&self) -> String {
        spec::clause(self.id).map_or_else(|| "?".into(), |c| c.section.clone())
    }

    /// File-name-safe name for the snapshot.
    #[must_use]
    pub fn slug(&self) -> String {
        slug(&self.name())
    }
}

/// Lower-case alphanumerics with single `_` between words.
#[must_use]
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').chars().take(90).collect()
}

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
        if crate::target::stopping() {
            return Err(Fail::harness("the run is being interrupted"));
        }
        let dir = tempfile::Builder::new()
            .prefix("mftp-case-")
            .tempdir()
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
        self.outside_before = Some(tree(&self.outside));
        let extra: Vec<String> = extra.iter().map(|s| (*s).to_string()).collect();
        if !extra.is_empty() {
            self.log
                .note(format!("the server is started with {}", extra.join(" ")));
        }
        let opts = options();
        match Server::start(
            server_spec()?,
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
            }) if !extra.is_empty() && !status.success() => Err(Fail::skip(format!(
                "the server refused `{}` ({}); LAUNCH-3 lets a server refuse an optional option, so the cases that need it are skipped. Its stderr: {}",
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
        let deadline = Instant::now() + Duration::from_secs(2) + Duration::from_millis(500);
        loop {
            let now = without_reserved_dirs(&tree(&self.root));
            let want = without_reserved_dirs(before);
            if now == want {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(Fail::mismatch(
                    clause,
                    "the root holds exactly what it held before (empty `.mftp*` directories allowed)",
                    tree_diff(&want, &now),
                )
                .at("checking the root on disk"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn harness(e: &std::io::Error) -> Fail {
    Fail::harness(format!("fixture: {e}"))
}

/// What the suite sees of one directory entry on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    File { len: u64, sha256: String },
    Dir,
    Link(PathBuf),
    Other,
}

/// Relative path (lossy) → entry, for every entry under a directory.
pub type Tree = BTreeMap<String, Node>;

/// Walks `dir` without following links.
#[must_use]
pub fn tree(dir: &Path) -> Tree {
    let mut out = Tree::new();
    walk(dir, dir, &mut out, 0);
    out
}

fn walk(base: &Path, dir: &Path, out: &mut Tree, depth: usize) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let rel = p.strip_prefix(base).map_or_else(
            |_| p.display().to_string(),
            |r| r.to_string_lossy().into_owned(),
        );
        let Ok(md) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        let ft = md.file_type();
        let node = if ft.is_symlink() {
            Node::Link(std::fs::read_link(&p).unwrap_or_default())
        } else if ft.is_dir() {
            if depth < 16 {
                walk(base, &p, out, depth + 1);
            }
            Node::Dir
        } else if ft.is_file() {
            let sha256 = if md.len() <= 8 << 20 {
                std::fs::read(&p)
                    .map(|b| spec::hex(&Sha256::digest(&b)))
                    .unwrap_or_default()
            } else {
                "(large)".into()
            };
            Node::File {
                len: md.len(),
                sha256,
            }
        } else {
            Node::Other
        };
        out.insert(rel, node);
    }
}

fn without_reserved_dirs(t: &Tree) -> Tree {
    t.iter()
        .filter(|(k, v)| !(k.starts_with(".mftp") && **v == Node::Dir))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// "added: x; removed: y; changed: z".
#[must_use]
pub fn tree_diff(want: &Tree, now: &Tree) -> String {
    let added: Vec<&String> = now.keys().filter(|k| !want.contains_key(*k)).collect();
    let removed: Vec<&String> = want.keys().filter(|k| !now.contains_key(*k)).collect();
    let changed: Vec<&String> = want
        .iter()
        .filter(|(k, v)| now.get(*k).is_some_and(|n| n != *v))
        .map(|(k, _)| k)
        .collect();
    format!("added: {added:?}; removed: {removed:?}; changed: {changed:?}")
}

/// Outcome of one case, as reports show it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Skip,
    /// The suite itself failed.
    Error,
}

/// A finished case.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CaseResult {
    pub name: String,
    pub id: String,
    pub level: Level,
    pub section: String,
    pub clauses: Vec<String>,
    pub status: Status,
    /// The clause whose expectation failed.
    pub failed_clause: Option<String>,
    pub duration_ms: u128,
    /// The full explanation (failure or skip reason).
    pub message: Option<String>,
}

/// Runs one case to a result, never panicking.
#[must_use]
pub fn run_case(case: &Case) -> CaseResult {
    let started = Instant::now();
    let mut ctx = None;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut c = Ctx::new()?;
        let r = (case.run)(&mut c).and_then(|()| after_checks(case, &mut c));
        ctx = Some(c);
        r
    }));
    let outcome = outcome.unwrap_or_else(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_string()))
            .unwrap_or_default();
        Err(Fail::harness(format!("the case panicked: {msg}")))
    });
    let (status, failed_clause, message) = match outcome {
        Ok(()) => (Status::Pass, None, None),
        Err(f) if f.kind == FailKind::Skip => (Status::Skip, None, Some(f.actual)),
        Err(f) => {
            let clause = if f.clause.is_empty() {
                case.id
            } else {
                f.clause
            };
            let status = if f.kind == FailKind::Harness {
                Status::Error
            } else {
                Status::Fail
            };
            (
                status,
                Some(clause.to_string()),
                Some(explain(case, &f, clause, ctx.as_mut())),
            )
        }
    };
    CaseResult {
        name: case.name(),
        id: case.id.into(),
        level: case.level(),
        section: case.section(),
        clauses: case.covers.iter().map(|c| c.0.to_string()).collect(),
        status,
        failed_clause,
        duration_ms: started.elapsed().as_millis(),
        message,
    }
}

/// Checks every case gets after passing: nothing outside the root changed,
/// the server is still running, the transcript matches its snapshot.
fn after_checks(case: &Case, ctx: &mut Ctx) -> Result<(), Fail> {
    if let Some(before) = &ctx.outside_before {
        let now = tree(&ctx.outside);
        if &now != before {
            return Err(Fail::mismatch(
                "SEC-1",
                "nothing outside the root is created, changed or removed",
                format!("outside the root: {}", tree_diff(before, &now)),
            )
            .at("checking the directory next to the root"));
        }
    }
    if let Some(status) = ctx.server_exit() {
        return Err(Fail::mismatch(
            "CONC-2",
            "the server keeps running whatever its clients do",
            format!(
                "the server process exited during the case ({})",
                describe_status(status)
            ),
        )
        .at("checking the server process after the case"));
    }
    if case.snapshot {
        check_snapshot(case, &render(&ctx.log.events(), true))?;
    }
    Ok(())
}

/// Where accepted snapshots live.
#[must_use]
pub fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots")
}

fn check_snapshot(case: &Case, text: &str) -> Result<(), Fail> {
    let slug = case.slug();
    let file = snapshot_dir().join(format!("{slug}.snap"));
    let missing = !file.exists();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(snapshot_dir());
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(format!(
        "{}\nnormalized transcript: codes and fields exact, free text as …",
        case.name()
    ));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(slug.clone(), text));
    }));
    if missing {
        return Err(Fail::harness(format!(
            "no accepted snapshot {} (a new one may have been written as .snap.new: check it against spec.md, then rename it)",
            file.display()
        )));
    }
    result.map_err(|_| {
        Fail::mismatch(
            "",
            format!("the normalized transcript accepted in {}", file.display()),
            format!("this normalized transcript:\n{}", indent(text)),
        )
        .at("comparing the normalized transcript with its snapshot")
    })
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("    {l}\n")).collect()
}

/// The failure message: clause, expectation, reality, transcript, server.
fn explain(case: &Case, f: &Fail, clause: &str, ctx: Option<&mut Ctx>) -> String {
    use std::fmt::Write as _;
    let mut m = String::new();
    let kind = match f.kind {
        FailKind::Timeout => "TIMEOUT",
        FailKind::Closed => "CLOSED",
        FailKind::Harness => "HARNESS ERROR",
        FailKind::Mismatch | FailKind::Skip => "FAIL",
    };
    let _ = writeln!(m, "{kind} {clause}");
    if let Some(c) = spec::clause(clause) {
        let _ = writeln!(m, "clause:    {} {} — {}", c.id, c.level.as_str(), c.text);
    }
    if clause != case.id {
        let _ = writeln!(m, "case:      {}", case.name());
    }
    if !f.step.is_empty() {
        let _ = writeln!(m, "step:      {}", f.step);
    }
    if !f.expected.is_empty() {
        let _ = writeln!(m, "expected:  {}", f.expected);
    }
    let _ = writeln!(m, "actual:    {}", f.actual);
    if let Some(ctx) = ctx {
        let events = ctx.log.events();
        if !events.is_empty() {
            let _ = writeln!(
                m,
                "transcript up to the failure (raw):\n{}",
                indent(&render(&events, false))
            );
        }
        let notes = events.iter().any(|e| matches!(e, Event::Closed { .. }));
        if let Some(server) = ctx.server.as_mut() {
            match server.exit_status() {
                Some(st) => {
                    let _ = writeln!(m, "server:    DIED ({})", describe_status(st));
                }
                None if notes || f.kind == FailKind::Timeout => {
                    let _ = writeln!(m, "server:    still running");
                }
                None => {}
            }
            let _ = writeln!(
                m,
                "server stderr (last lines):\n{}",
                indent(&server.stderr_tail(12))
            );
        }
    }
    m
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
