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

use super::launch::{Running, Setup};
use super::stage::{Arrival, Peer, Stage};
use crate::ctx::OPTIONS;
use crate::disk::{Node, Tree, file_node, tree, tree_diff};
use crate::fail::{Fail, FailKind};
use crate::options::{ClientSpec, Options};
use crate::target::describe_status;
use crate::transcript::Log;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

fn options() -> &'static Options {
    OPTIONS
        .get()
        .expect("the harness sets OPTIONS before running cases")
}

fn client_spec() -> Result<&'static ClientSpec, Fail> {
    options()
        .client
        .as_ref()
        .ok_or_else(|| Fail::harness("no client to grade"))
}

/// What the exit status of a run must say (CLIENT-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Status 0: every command succeeded.
    Success,
    /// A non-zero status: a command failed.
    Failure,
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

    /// Starts the client with `script` on its standard input, against a
    /// fresh scripted server; a client still running from an earlier run
    /// is killed first.
    ///
    /// # Errors
    /// The client could not be spawned.
    pub fn launch(&mut self, script: &str) -> Result<(), Fail> {
        self.launch_with(script, &[])
    }

    /// As [`Ctx::launch`], with options beyond `--host` and `--port`.
    ///
    /// # Errors
    /// The client could not be spawned.
    pub fn launch_with(&mut self, script: &str, extra: &[&str]) -> Result<(), Fail> {
        let stage = Stage::bind().map_err(|e| harness(&e))?;
        let port = stage.port;
        self.start(script, extra, port, Some(stage))
    }

    /// As [`Ctx::launch`], pointed at a port nobody listens on (bound a
    /// moment ago and closed again): connecting is refused.
    ///
    /// # Errors
    /// The client could not be spawned.
    pub fn launch_unreachable(&mut self, script: &str) -> Result<(), Fail> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| harness(&e))?
            .port();
        self.log
            .note("the client is given a port nobody listens on: connecting is refused");
        self.start(script, &[], port, None)
    }

    fn start(
        &mut self,
        script: &str,
        extra: &[&str],
        port: u16,
        stage: Option<Stage>,
    ) -> Result<(), Fail> {
        self.run = None;
        self.runs += 1;
        let n = self.runs;
        let stdin = self.dir.path().join(format!("stdin-{n}.txt"));
        std::fs::write(&stdin, script).map_err(|e| harness(&e))?;
        self.script = script.to_string();
        self.extra = extra.iter().map(|s| (*s).to_string()).collect();
        if n > 1 || !self.extra.is_empty() {
            let with = if self.extra.is_empty() {
                String::new()
            } else {
                format!(" with {}", self.extra.join(" "))
            };
            self.log.note(format!(
                "run {n} of the client{with}, its input: {}",
                script.trim_end().replace('\n', " / ")
            ));
        }
        self.work_before = tree(&self.work);
        let tag = format!("client-{n}");
        let setup = Setup {
            work: &self.work,
            home: &self.home,
            stdin: &stdin,
            log_dir: self.dir.path(),
            tag: &tag,
        };
        let run = Running::start(client_spec()?, &setup, port, &self.extra)
            .map_err(|e| Fail::harness(format!("could not start the client: {e}")))?;
        self.stage = stage;
        self.run = Some(run);
        Ok(())
    }

    fn running(&mut self) -> Result<&mut Running, Fail> {
        self.run
            .as_mut()
            .ok_or_else(|| Fail::harness("the case checks a client it never launched"))
    }

    /// Waits (up to the start-up timeout) for the client to connect, or to
    /// exit without connecting.
    ///
    /// # Errors
    /// No client launched.
    pub fn arrival(&mut self) -> Result<Arrival, Fail> {
        let deadline = Instant::now() + options().startup_timeout;
        let stage = self
            .stage
            .take()
            .ok_or_else(|| Fail::harness("the case accepts before launching the client"))?;
        let run = self.running()?;
        let got = stage.accept(deadline, &mut || run.exit_status());
        self.stage = Some(stage);
        Ok(got)
    }

    /// Accepts the client's connection (not greeted yet). Launched with
    /// options, a client that exits non-zero without connecting refuses
    /// them (CLIENT-3): the case is skipped, or fails with
    /// `--require-limits`.
    ///
    /// # Errors
    /// It exits or never connects.
    pub fn accept(&mut self) -> Result<Peer, Fail> {
        let startup = options().startup_timeout;
        let expected = "the client connects to the scripted server when it runs `connme`";
        match self.arrival()? {
            Arrival::Connected(stream) => self.adopt(stream),
            Arrival::Exited(status) if !self.extra.is_empty() && !status.success() => {
                let stderr = self.running()?.stderr_tail(1);
                let refused = format!(
                    "{REFUSED} `{}` ({}); CLIENT-3 lets a client refuse it, so the cases that need it are skipped. Its stderr: {stderr}",
                    self.extra.join(" "),
                    describe_status(status)
                );
                if options().require_limits {
                    Err(Fail::mismatch(
                        "CLIENT-3",
                        format!(
                            "the client honours `{}` (this run requires the optional options: --require-limits)",
                            self.extra.join(" ")
                        ),
                        refused,
                    )
                    .at("starting the client"))
                } else {
                    Err(Fail::skip(refused))
                }
            }
            Arrival::Exited(status) => Err(Fail::mismatch(
                if self.extra.is_empty() {
                    "CLIENT-4"
                } else {
                    "CLIENT-3"
                },
                expected,
                format!("it exited ({}) without connecting", describe_status(status)),
            )
            .at("connme")),
            Arrival::TimedOut => Err(Fail {
                kind: FailKind::Timeout,
                clause: "CLIENT-4",
                step: "connme".into(),
                expected: expected.into(),
                actual: format!(
                    "TIMEOUT: no connection within {:.1} s (the start-up timeout)",
                    startup.as_secs_f64()
                ),
            }),
        }
    }

    /// The scripted server's side of a connection [`Ctx::arrival`] got.
    ///
    /// # Errors
    /// Socket options could not be set.
    pub fn adopt(&mut self, stream: std::net::TcpStream) -> Result<Peer, Fail> {
        self.conns += 1;
        Peer::new(stream, self.conns, self.log.clone(), self.step())
    }

    /// Accepts the client's connection and greets it.
    ///
    /// # Errors
    /// As [`Ctx::accept`].
    pub fn session(&mut self) -> Result<Peer, Fail> {
        let mut peer = self.accept()?;
        peer.greet()?;
        Ok(peer)
    }

    /// Whether the client opened a second connection (CLIENT-4 allows one).
    #[must_use]
    pub fn another_connection(&self) -> bool {
        self.stage.as_ref().is_some_and(Stage::another_connection)
    }

    /// Waits up to one step for the client to exit: its input has ended
    /// (CLIENT-1).
    ///
    /// # Errors
    /// Still running.
    pub fn wait_exit(&mut self) -> Result<ExitStatus, Fail> {
        let step = self.step();
        self.running()?.wait_exit(step).ok_or_else(|| Fail {
            kind: FailKind::Timeout,
            clause: "CLIENT-1",
            step: "(end of input)".into(),
            expected: "the client exits once its input has ended and its last command is done"
                .into(),
            actual: format!("TIMEOUT: still running {:.1} s later", step.as_secs_f64()),
        })
    }

    /// Waits for the client to exit ([`Ctx::wait_exit`]); its status must
    /// say `want` (CLIENT-2: a signal is no exit status). Cases check what
    /// the client did (files, output) before they call this, so that a
    /// wrong status alone is blamed on CLIENT-2.
    ///
    /// # Errors
    /// Still running, killed by a signal, or the wrong status.
    pub fn expect_exit(&mut self, want: Exit) -> Result<ExitStatus, Fail> {
        let status = self.wait_exit()?;
        let ok = match want {
            Exit::Success => status.code() == Some(0),
            Exit::Failure => status.code().is_some_and(|c| c != 0),
        };
        if ok {
            return Ok(status);
        }
        let expected = match want {
            Exit::Success => "exit status 0: every command succeeded",
            Exit::Failure => "a non-zero exit status: a command failed",
        };
        Err(Fail::mismatch("CLIENT-2", expected, describe_status(status)).at("(exit status)"))
    }

    /// The client's stdout and stderr of the current run.
    ///
    /// # Errors
    /// No client launched.
    pub fn output(&mut self) -> Result<String, Fail> {
        Ok(self.running()?.output())
    }

    /// The output (stdout or stderr) contains every one of `needles`.
    ///
    /// # Errors
    /// One is missing.
    pub fn expect_output(&mut self, needles: &[&str], clause: &'static str) -> Result<(), Fail> {
        let out = self.output()?;
        for n in needles {
            if !out.contains(n) {
                return Err(Fail::mismatch(
                    clause,
                    format!("the client's output (stdout or stderr) contains {n:?}"),
                    format!(
                        "it does not; its output:\n{}",
                        crate::runner::indent(&clip(&out))
                    ),
                )
                .at("(output)"));
            }
        }
        Ok(())
    }

    /// The output contains at least one of `alternatives`.
    ///
    /// # Errors
    /// None is there.
    pub fn expect_output_any(
        &mut self,
        alternatives: &[&str],
        clause: &'static str,
        what: &str,
    ) -> Result<(), Fail> {
        let out = self.output()?;
        if alternatives.iter().any(|a| out.contains(a)) {
            return Ok(());
        }
        let list: Vec<String> = alternatives.iter().map(|a| format!("{a:?}")).collect();
        Err(Fail::mismatch(
            clause,
            format!(
                "the client's output (stdout or stderr) shows {what}: it contains {}",
                list.join(" or ")
            ),
            format!(
                "it does not; its output:\n{}",
                crate::runner::indent(&clip(&out))
            ),
        )
        .at("(output)"))
    }

    /// The working directory holds what it held when the run started plus
    /// exactly the files `saved` (name, content), nothing else (CLIENT-1:
    /// only downloads are saved there; `clause` for the files' content and
    /// for leftovers).
    ///
    /// # Errors
    /// Another tree.
    pub fn expect_work(&self, saved: &[(&str, &[u8])], clause: &'static str) -> Result<(), Fail> {
        let at = "checking the working directory";
        for (name, bytes) in saved {
            let path = self.work.join(name);
            let expected = format!(
                "the local file {name:?} holding exactly the {} bytes sent",
                bytes.len()
            );
            let got = match std::fs::symlink_metadata(&path) {
                Ok(m) if m.is_file() => std::fs::read(&path).map_err(|e| harness(&e))?,
                Ok(m) => {
                    let what = format!("{name:?} is not a regular file ({:?})", m.file_type());
                    return Err(Fail::mismatch(clause, expected, what).at(at));
                }
                Err(_) => {
                    return Err(Fail::mismatch(clause, expected, "there is no such file").at(at));
                }
            };
            if got != *bytes {
                let first = got.iter().zip(bytes.iter()).position(|(a, b)| a != b);
                let what = match first {
                    Some(i) => format!("{} bytes, differing first at offset {i}", got.len()),
                    None => format!("{} bytes, the same as far as both go", got.len()),
                };
                return Err(Fail::mismatch(clause, expected, what).at(at));
            }
        }
        let mut want = self.work_before.clone();
        for (name, bytes) in saved {
            want.insert((*name).to_string(), file_node(bytes));
        }
        let now = tree(&self.work);
        if now == want {
            return Ok(());
        }
        let expected = if saved.is_empty() {
            "the working directory as it was when the client started".to_string()
        } else {
            let names: Vec<&str> = saved.iter().map(|s| s.0).collect();
            format!("the working directory as it was when the client started, plus {names:?}")
        };
        Err(Fail::mismatch(clause, expected, tree_diff(&want, &now)).at(at))
    }

    /// The output contains none of `needles`.
    ///
    /// # Errors
    /// One is there.
    pub fn expect_output_lacks(
        &mut self,
        needles: &[&str],
        clause: &'static str,
    ) -> Result<(), Fail> {
        let out = self.output()?;
        for n in needles {
            if out.contains(n) {
                return Err(Fail::mismatch(
                    clause,
                    format!("the client's output (stdout or stderr) does not contain {n:?}"),
                    format!(
                        "it does; its output:\n{}",
                        crate::runner::indent(&clip(&out))
                    ),
                )
                .at("(output)"));
            }
        }
        Ok(())
    }

    /// Nothing named `name` appears in the working directory for `time`
    /// (a bounded look for something that must not happen).
    ///
    /// # Errors
    /// It appears.
    pub fn expect_absent_for(
        &self,
        name: &str,
        time: Duration,
        clause: &'static str,
        expected: &str,
    ) -> Result<(), Fail> {
        let path = self.work.join(name);
        if crate::ctx::wait_for(time, || path.symlink_metadata().is_ok()) {
            let len = path.symlink_metadata().map(|m| m.len()).unwrap_or(0);
            return Err(Fail::mismatch(
                clause,
                expected,
                format!("{name:?} exists ({len} bytes so far) while the data is still coming"),
            )
            .at("watching the working directory during the download"));
        }
        Ok(())
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

/// At most the last 40 lines of `s`.
fn clip(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

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
