//! What a client case works with: a temp dir holding the client's working
//! directory and home, one run of the client after another (each with its
//! script on standard input and a fresh scripted server), the log, and the
//! checks of what the client left behind: its exit status, its output, its
//! working directory.
//!
//! ```text
//! <tmp>/work/                 the client's working directory (CLIENT-1)
//! <tmp>/home/                 its HOME (XDG_DATA_HOME = home/.local/share)
//! <tmp>/stdin-N.txt           its standard input in run N
//! <tmp>/client-N.stdout, .stderr
//! ```
//!
//! # Layout
//! - this file: the context, its files, and what a failure says of it;
//! - `runs.rs`: running the client (a fresh scripted server each time),
//!   meeting its connection, waiting for it to exit;
//! - `checks.rs`: the checks of its exit status, output and working
//!   directory.

mod checks;
mod runs;

pub use checks::Exit;

use super::launch::Running;
use super::stage::Stage;
use crate::ctx::options;
use crate::disk::{Node, Tree, tree};
use crate::fail::Fail;
use crate::options::ClientSpec;
use crate::target::describe_status;
use crate::transcript::Log;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn client_spec() -> Result<&'static ClientSpec, Fail> {
    options()
        .client
        .as_ref()
        .ok_or_else(|| Fail::harness("no client to grade"))
}

/// A client case's context.
pub struct Ctx {
    /// Declared first so that it is dropped (killed and reaped) before the
    /// temp dir is removed.
    run: Option<Running>,
    stage: Option<Stage>,
    pub dir: tempfile::TempDir,
    /// The client's working directory.
    pub work: PathBuf,
    home: PathBuf,
    pub log: Log,
    /// Standard input of the current run, shown in failures.
    script: String,
    /// Options of the current run beyond `--host` and `--port`.
    extra: Vec<String>,
    /// The working directory when the current run started.
    work_before: Tree,
    runs: usize,
    conns: usize,
    /// Key of `dir` in the Ctrl-C registry.
    dir_key: u64,
}

impl Drop for Ctx {
    fn drop(&mut self) {
        self.run = None;
        crate::target::unregister_dir(self.dir_key);
    }
}

fn harness(e: &std::io::Error) -> Fail {
    Fail::harness(format!("client case setup: {e}"))
}

impl Ctx {
    /// A temp dir with an empty working directory and home; no client yet.
    ///
    /// # Errors
    /// The directories could not be made.
    pub fn new() -> Result<Ctx, Fail> {
        if crate::target::stopping() {
            return Err(Fail::harness("the run is being interrupted"));
        }
        let dir = tempfile::Builder::new()
            .prefix("mftp-client-case-")
            .tempdir()
            .map_err(|e| harness(&e))?;
        let work = dir.path().join("work");
        let home = dir.path().join("home");
        std::fs::create_dir(&work).map_err(|e| harness(&e))?;
        std::fs::create_dir(&home).map_err(|e| harness(&e))?;
        let dir_key = crate::target::register_dir(dir.path());
        Ok(Ctx {
            run: None,
            stage: None,
            dir,
            work,
            home,
            log: Log::default(),
            script: String::new(),
            extra: Vec::new(),
            work_before: Tree::new(),
            runs: 0,
            conns: 0,
            dir_key,
        })
    }

    /// The step timeout of this run of the suite.
    #[must_use]
    pub fn step(&self) -> Duration {
        options().step_timeout
    }

    /// Writes the local file `name` into the working directory.
    ///
    /// # Errors
    /// File system error.
    pub fn local(&self, name: &str, bytes: &[u8]) -> Result<(), Fail> {
        let p = self.work.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| harness(&e))?;
        }
        std::fs::write(p, bytes).map_err(|e| harness(&e))
    }

    /// Makes the local directory `name` in the working directory.
    ///
    /// # Errors
    /// File system error.
    pub fn local_dir(&self, name: &str) -> Result<(), Fail> {
        std::fs::create_dir_all(self.work.join(name)).map_err(|e| harness(&e))
    }

    /// For the failure message: the run's script, command line, state,
    /// output and working directory.
    pub(crate) fn describe(&mut self) -> String {
        use std::fmt::Write as _;
        let mut m = String::new();
        let script = self.script.clone();
        let work = self.work.clone();
        let Some(run) = self.run.as_mut() else {
            return m;
        };
        let _ = writeln!(m, "client:    {}", run.shown);
        let _ = writeln!(
            m,
            "its input (run {}):\n{}",
            self.runs,
            crate::runner::indent(&script)
        );
        // The case has ended and dropped its connection: a client that
        // exits on that gets a moment to, so that its real exit is shown.
        let state = match run.wait_exit(Duration::from_secs(1)) {
            Some(st) => describe_status(st),
            None => "still running a second after the case (killed by the suite)".into(),
        };
        let _ = writeln!(m, "client exit: {state}");
        let _ = writeln!(
            m,
            "client stdout (last lines):\n{}",
            crate::runner::indent(&run.stdout_tail(12))
        );
        let _ = writeln!(
            m,
            "client stderr (last lines):\n{}",
            crate::runner::indent(&run.stderr_tail(12))
        );
        let _ = writeln!(
            m,
            "working directory:\n{}",
            crate::runner::indent(&listing(&work))
        );
        m
    }
}

/// How a skip for a refused `--timeout` starts, as `ctx::REFUSED` for
/// servers.
pub const REFUSED: &str = "the client refused";

/// `name  5 bytes` per entry of `dir`, for messages.
fn listing(dir: &Path) -> String {
    let t = tree(dir);
    if t.is_empty() {
        return "(empty)".into();
    }
    t.iter()
        .map(|(k, v)| match v {
            Node::File { len, .. } => format!("{k}  ({len} bytes)"),
            Node::Dir => format!("{k}/"),
            Node::Link(to) => format!("{k} -> {}", to.display()),
            Node::Other => format!("{k}  (special file)"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}
