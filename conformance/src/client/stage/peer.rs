//! One accepted connection seen from the scripted server's side: sending
//! what a case says in the writes it says, logged from the server's side,
//! and reading the client's next command line within a step.

use super::out::{GAP, Out, Part, Pieces};
use crate::fail::{Fail, FailKind};
use crate::transcript::{Event, Log};
use crate::wire::{Conn, Cut};
use std::io::{self, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// How the session of a client ended after its last command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// It sent `byebye`, got `221` and closed.
    Byebye,
    /// It closed the connection.
    Closed,
}

/// One accepted connection, seen from the scripted server's side.
pub struct Peer {
    /// Moves the bytes, with deadlines; its own log is not the case's.
    pub(super) conn: Conn,
    pub(super) log: Log,
    pub id: usize,
    pub(super) step: Duration,
    /// The script command being served, named in failures as the step.
    pub(super) at: String,
    /// The clause a failure to send (the client gone) is blamed on.
    pub(super) clause: &'static str,
    /// When the last write ended: a new [`Out`] goes out no sooner than
    /// [`GAP`] after it.
    last_write: Instant,
}

impl Peer {
    /// Wraps an accepted connection.
    ///
    /// # Errors
    /// Setting socket options failed.
    pub fn new(stream: TcpStream, id: usize, log: Log, step: Duration) -> Result<Peer, Fail> {
        Ok(Peer {
            conn: Conn::new(stream, id, Log::default(), step)?,
            log,
            id,
            step,
            at: "connme".into(),
            clause: "CLIENT-4",
            last_write: Instant::now(),
        })
    }

    /// Blames failures to send from now on (the client closed or stopped
    /// reading) on `clause`, until the next expected command names its
    /// own.
    pub fn blame(&mut self, clause: &'static str) {
        self.clause = clause;
    }

    pub(super) fn fail(
        &self,
        kind: FailKind,
        clause: &'static str,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Fail {
        Fail::new(kind, clause, self.at.clone(), expected, actual)
    }

    /// Names the step failures report (a script line, or what the server
    /// is waiting for).
    pub fn at(&mut self, step: impl Into<String>) {
        self.at = step.into();
    }

    /// Sends `220 mftp/1 ready`.
    ///
    /// # Errors
    /// The client is gone.
    pub fn greet(&mut self) -> Result<(), Fail> {
        self.reply("220 mftp/1 ready")
    }

    /// Sends one reply line (LF added) in one write.
    ///
    /// # Errors
    /// The client is gone.
    pub fn reply(&mut self, line: &str) -> Result<(), Fail> {
        self.send(Out::new().reply(line), &Pieces::Whole)
    }

    /// Sends `out` in `pieces`, logging each part.
    ///
    /// # Errors
    /// The client is gone or stopped reading for a step.
    pub fn send(&mut self, out: Out, pieces: &Pieces) -> Result<(), Fail> {
        let Out { bytes, parts } = out;
        match pieces {
            Pieces::Whole => {}
            Pieces::Bytewise(pause) => self.log.note(format!(
                "the server sends the next {} bytes one byte per write, {} ms apart",
                bytes.len(),
                pause.as_millis()
            )),
            Pieces::Parts(_) => {}
            Pieces::Sizes(sizes, pause) => self.log.note(format!(
                "the server sends the next {} bytes in writes of {} bytes and the rest, {} ms apart",
                bytes.len(),
                sizes
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                pause.as_millis()
            )),
        }
        for part in &parts {
            self.log.push(match part {
                Part::Reply(raw) => Event::Reply {
                    conn: self.id,
                    raw: raw.clone(),
                },
                Part::Entry(raw) => Event::Entry {
                    conn: self.id,
                    raw: raw.clone(),
                },
                Part::Data(n) => Event::Data {
                    conn: self.id,
                    n: *n,
                },
            });
        }
        let (sizes, pause): (Vec<usize>, Duration) = match pieces {
            Pieces::Whole => (Vec::new(), Duration::ZERO),
            Pieces::Parts(p) => (
                parts
                    .iter()
                    .map(|part| match part {
                        Part::Reply(raw) | Part::Entry(raw) => raw.len(),
                        Part::Data(n) => *n,
                    })
                    .collect(),
                *p,
            ),
            Pieces::Bytewise(p) => (vec![1; bytes.len()], *p),
            Pieces::Sizes(s, p) => (s.clone(), *p),
        };
        let since = self.last_write.elapsed();
        if since < GAP {
            std::thread::sleep(GAP - since);
        }
        let mut rest = bytes.as_slice();
        for size in sizes {
            if rest.is_empty() {
                break;
            }
            let (now, later) = rest.split_at(size.min(rest.len()));
            self.write(now)?;
            std::thread::sleep(pause);
            rest = later;
        }
        for chunk in rest.chunks(1 << 20) {
            self.write(chunk)?;
        }
        self.last_write = Instant::now();
        Ok(())
    }

    fn write(&self, bytes: &[u8]) -> Result<(), Fail> {
        let mut stream = self.conn.stream();
        stream.write_all(bytes).map_err(|e| {
            let (kind, what) = if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) {
                (
                    FailKind::Timeout,
                    format!(
                        "the client stopped reading: a write blocked for {:.1} s",
                        self.step.as_secs_f64()
                    ),
                )
            } else {
                (
                    FailKind::Closed,
                    format!("could not send ({e}): the client closed the connection"),
                )
            };
            self.fail(
                kind,
                self.clause,
                "the client to read the server's reply",
                what,
            )
        })
    }

    /// Closes the connection from the server's side.
    pub fn close(self) {
        self.log.push(Event::Closed { conn: self.id });
        self.conn.hangup();
    }

    pub(super) fn log_hangup(&self) {
        self.log.push(Event::Hangup { conn: self.id });
    }

    /// Reads one command line (LF included) within one step, logged as the
    /// client's.
    ///
    /// # Errors
    /// No complete line within the step, or the client closed.
    pub fn command(&mut self, clause: &'static str, expected: &str) -> Result<Vec<u8>, Fail> {
        match self.conn.reply_line() {
            Ok(raw) => {
                self.log.push(Event::Sent {
                    conn: self.id,
                    bytes: raw.clone(),
                    how: None,
                });
                Ok(raw)
            }
            Err(Cut::Closed) => {
                self.log_hangup();
                Err(self.fail(
                    FailKind::Closed,
                    clause,
                    expected,
                    format!(
                        "the client closed the connection; received before that: {}",
                        self.conn.so_far()
                    ),
                ))
            }
            Err(Cut::TimedOut) => Err(self.fail(
                FailKind::Timeout,
                clause,
                expected,
                format!(
                    "TIMEOUT: no complete command line within {:.1} s; received so far: {}",
                    self.step.as_secs_f64(),
                    self.conn.so_far()
                ),
            )),
            Err(Cut::Runaway(n)) => Err(self.fail(
                FailKind::Mismatch,
                clause,
                expected,
                format!("{n} bytes without LF: {}", self.conn.so_far()),
            )),
        }
    }
}
