//! What a case works with: its temp dir seeded with the standard fixture,
//! the server under test started in it, its connections and its log.
//!
//! # Layout
//! - this file: the context, the standard fixture, the run's options;
//! - `files.rs`: what a case adds to the fixture (files, links, special
//!   files, permissions) and what it reads back (files, the root's tree);
//! - `server.rs`: starting the server under test (with optional options,
//!   refusals), its connections, and the check after every case that it
//!   still serves.

mod files;
mod server;

use crate::disk::Tree;
use crate::fail::Fail;
use crate::options::{Options, ServerSpec};
use crate::target::{POLL, Server};
use crate::transcript::Log;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The options of this run, set once by the harness.
pub static OPTIONS: OnceLock<Options> = OnceLock::new();

/// The options of this run (server and client cases alike).
pub(crate) fn options() -> &'static Options {
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
