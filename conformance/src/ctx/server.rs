//! The server under test in a case: started (with optional options, which
//! it may refuse), connected to, stopped; and after every case, the check
//! that it still greets a new client (CONC-2).

use super::{Ctx, REFUSED, options, server_spec};
use crate::disk::{Tree, tree};
use crate::expect::Expect as _;
use crate::fail::Fail;
use crate::options::ServerSpec;
use crate::target::{LaunchError, Server, describe_status};
use crate::wire::Conn;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

impl Ctx {
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
