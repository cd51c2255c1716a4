//! Running the client: one run after another, each with its script on
//! standard input and a fresh scripted server; meeting its connection
//! (CLIENT-4, or a refusal of the options of CLIENT-3); waiting for it to
//! exit once its input has ended (CLIENT-1).

use super::{Ctx, REFUSED, client_spec, harness, options};
use crate::client::launch::{Running, Setup};
use crate::client::stage::{Arrival, Peer, Stage};
use crate::disk::tree;
use crate::fail::{Fail, FailKind};
use crate::target::describe_status;
use std::process::ExitStatus;
use std::time::Instant;

impl Ctx {
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

    pub(super) fn running(&mut self) -> Result<&mut Running, Fail> {
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
}
