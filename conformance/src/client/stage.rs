//! The scripted server a client case plays: a listener on 127.0.0.1:0
//! ([`Stage`]) and one accepted connection seen from the server's side
//! ([`Peer`]): it reads the client's command lines and upload data, and
//! sends what the case says ([`Out`]) in the pieces it says ([`Pieces`]).
//!
//! The bytes are moved by [`wire::Conn`](crate::wire::Conn), the server
//! suite's deadline-bounded connection, whose own log (written from a
//! client's side) is discarded here: a `Peer` logs from the server's side
//! into the case's log, so that the transcript reads as in the server
//! suite, `C:` the client (now the program graded) and `S:` the server
//! (now the suite):
//!
//! ```text
//! S: 220 mftp/1 ready
//! C: upload 5 notes.txt
//! S: 150 5
//! C: <5 bytes>
//! S: 226 5
//! ```
//!
//! Every read has a deadline (one step unless a case says otherwise), so a
//! client that hangs fails one case instead of hanging the run. Like
//! `wire.rs`, this module names a clause only where the caller passes one.

use crate::fail::{Fail, FailKind};
use crate::target::POLL;
use crate::transcript::{Event, Log, escape};
use crate::wire::{Closing, Conn, Cut, DataCut};
use std::io::{self, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

/// The listening socket of one run of the client.
pub struct Stage {
    listener: TcpListener,
    pub port: u16,
}

/// How a wait for the client's connection ended.
pub enum Arrival {
    Connected(TcpStream),
    /// The client exited without connecting.
    Exited(ExitStatus),
    TimedOut,
}

impl Stage {
    /// Listens on a fresh port of 127.0.0.1.
    ///
    /// # Errors
    /// The socket could not be bound.
    pub fn bind() -> io::Result<Stage> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        Ok(Stage { listener, port })
    }

    /// Waits until `deadline` for the client to connect, asking `exited`
    /// whether it has exited meanwhile.
    pub fn accept(
        &self,
        deadline: Instant,
        exited: &mut dyn FnMut() -> Option<ExitStatus>,
    ) -> Arrival {
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    if stream.set_nonblocking(false).is_ok() {
                        return Arrival::Connected(stream);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => {}
            }
            if let Some(status) = exited() {
                // One last look: it may have connected and exited since.
                if let Ok((stream, _)) = self.listener.accept()
                    && stream.set_nonblocking(false).is_ok()
                {
                    return Arrival::Connected(stream);
                }
                return Arrival::Exited(status);
            }
            if Instant::now() >= deadline {
                return Arrival::TimedOut;
            }
            std::thread::sleep(POLL);
        }
    }

    /// Whether another connection is waiting to be accepted (and takes it,
    /// so that it is closed).
    #[must_use]
    pub fn another_connection(&self) -> bool {
        self.listener.accept().is_ok()
    }
}

/// What one part of an [`Out`] is, for the transcript.
enum Part {
    Reply(Vec<u8>),
    Entry(Vec<u8>),
    Data(usize),
}

/// Bytes the scripted server sends, with how the transcript shows them.
#[derive(Default)]
pub struct Out {
    bytes: Vec<u8>,
    parts: Vec<Part>,
}

impl Out {
    #[must_use]
    pub fn new() -> Out {
        Out::default()
    }

    /// A reply line: `line` and LF.
    #[must_use]
    pub fn reply(self, line: &str) -> Out {
        let mut raw = line.as_bytes().to_vec();
        raw.push(b'\n');
        self.reply_raw(&raw)
    }

    /// A reply line exactly as given (its CR LF or LF included).
    #[must_use]
    pub fn reply_raw(mut self, raw: &[u8]) -> Out {
        self.bytes.extend_from_slice(raw);
        self.parts.push(Part::Reply(raw.to_vec()));
        self
    }

    /// A listing entry line exactly as given (its LF included).
    #[must_use]
    pub fn entry_raw(mut self, raw: &[u8]) -> Out {
        self.bytes.extend_from_slice(raw);
        self.parts.push(Part::Entry(raw.to_vec()));
        self
    }

    /// `200 <n>` and the n entries, each ended by LF.
    #[must_use]
    pub fn listing(self, entries: &[&str]) -> Out {
        let mut out = self.reply(&format!("200 {}", entries.len()));
        for e in entries {
            out = out.entry_raw(format!("{e}\n").as_bytes());
        }
        out
    }

    /// Raw data bytes (a download).
    #[must_use]
    pub fn data(mut self, bytes: &[u8]) -> Out {
        self.bytes.extend_from_slice(bytes);
        self.parts.push(Part::Data(bytes.len()));
        self
    }

    /// How many bytes this is.
    #[must_use]
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// In which writes an [`Out`] goes out.
#[derive(Clone, Debug)]
pub enum Pieces {
    /// One write.
    Whole,
    /// One write per part (a reply line, an entry line, a block of data),
    /// with a pause after each: what a server that writes as it goes
    /// sends, and what a client that takes one `recv` for one line gets
    /// while it waits. Cases where segmentation is not the subject send
    /// this ([`APART`]), so that such a client fails CLIENT-7's cases and
    /// not every case with a listing or a download.
    Parts(Duration),
    /// One byte per write, with a pause after each.
    Bytewise(Duration),
    /// Writes of these sizes in turn, the rest in one last write, with a
    /// pause after each.
    Sizes(Vec<usize>, Duration),
}

/// Parts apart, [`GAP`] between writes.
pub const APART: Pieces = Pieces::Parts(GAP);

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
    conn: Conn,
    log: Log,
    pub id: usize,
    step: Duration,
    /// The script command being served, named in failures as the step.
    at: String,
    /// The clause a failure to send (the client gone) is blamed on.
    clause: &'static str,
    /// When the last write ended: a new [`Out`] goes out no sooner than
    /// [`GAP`] after it.
    last_write: Instant,
}

/// The least time between two [`Out`]s (and between the parts of
/// [`Pieces::Parts`]): a client waiting in `recv` gets each in a read of
/// its own, so that only the cases about segmentation (CLIENT-7) see what
/// a client that takes one `recv` for one reply does with two.
pub const GAP: Duration = Duration::from_millis(20);

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

    fn fail(
        &self,
        kind: FailKind,
        clause: &'static str,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Fail {
        Fail {
            kind,
            clause,
            step: self.at.clone(),
            expected: expected.into(),
            actual: actual.into(),
        }
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

    fn log_hangup(&self) {
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

    /// Reads the command line `want` (CLIENT-5: the verb in any letter
    /// case, the argument byte for byte, LF or CR LF; for a command without
    /// argument one SP after the verb is accepted, CMD-3). A `connme` line
    /// where another command was due is CLIENT-4's failure (`connme`
    /// while not connected sends none); anything else is `clause`'s.
    ///
    /// # Errors
    /// Another line, or none.
    pub fn expect_command(&mut self, want: &str, clause: &'static str) -> Result<(), Fail> {
        self.expect_line(want.as_bytes(), clause)
    }

    /// As [`Peer::expect_command`], with the line given as bytes.
    ///
    /// # Errors
    /// Another line, or none.
    pub fn expect_line(&mut self, want: &[u8], clause: &'static str) -> Result<(), Fail> {
        self.at = escape(want);
        self.clause = clause;
        let expected = format!(
            "the command line `{}` (the verb in any letter case; LF or CR LF)",
            escape(want)
        );
        let raw = self.command(clause, &expected)?;
        let (want_verb, _) = split(want);
        let (verb, _) = split(body(&raw));
        if is_command_bytes(&raw, want) {
            return Ok(());
        }
        // The right command with another argument is the name's form
        // (CLIENT-5); a `connme` line where another command was due is
        // CLIENT-4's; any other command is the case's.
        let clause = if verb.eq_ignore_ascii_case(want_verb) {
            "CLIENT-5"
        } else {
            blame_connme(&raw, clause)
        };
        Err(self.fail(FailKind::Mismatch, clause, expected, shown_line(&raw)))
    }

    /// Reads `upload <size> NAME` for a file of `len` bytes: a size field
    /// (1 to 20 digits, UPLOAD-1) of another value is CLIENT-14's failure,
    /// another name CLIENT-5's, another command `clause`'s.
    ///
    /// # Errors
    /// Another line, or none.
    pub fn expect_upload(
        &mut self,
        len: u64,
        name: &str,
        clause: &'static str,
    ) -> Result<(), Fail> {
        let want = format!("upload {len} {name}");
        self.at = format!("upload {name}");
        self.clause = clause;
        let expected = format!(
            "the command line `{want}`: the file's exact length in bytes, then its name as typed"
        );
        let raw = self.command(clause, &expected)?;
        let (verb, arg) = split(body(&raw));
        if !verb.eq_ignore_ascii_case(b"upload") {
            let clause = blame_connme(&raw, clause);
            return Err(self.fail(FailKind::Mismatch, clause, expected, shown_line(&raw)));
        }
        let arg = arg.unwrap_or_default();
        let (size, got_name) = match arg.iter().position(|&b| b == b' ') {
            Some(i) => (&arg[..i], &arg[i + 1..]),
            None => (arg, &b""[..]),
        };
        let size_ok = (1..=20).contains(&size.len())
            && size.iter().all(u8::is_ascii_digit)
            && std::str::from_utf8(size)
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                == Some(len);
        if !size_ok {
            return Err(self.fail(
                FailKind::Mismatch,
                "CLIENT-14",
                expected,
                format!("{} (the file has {len} bytes)", shown_line(&raw)),
            ));
        }
        if got_name != name.as_bytes() {
            return Err(self.fail(FailKind::Mismatch, "CLIENT-5", expected, shown_line(&raw)));
        }
        Ok(())
    }

    /// Reads `want.len()` bytes of upload data and compares them with
    /// `want`, naming the first differing offset; each read must make
    /// progress within one step.
    ///
    /// # Errors
    /// Other bytes, fewer bytes, or a close.
    pub fn expect_data(&mut self, want: &[u8], clause: &'static str) -> Result<(), Fail> {
        let expected = format!("{} data bytes, the file's content", want.len());
        let mut pos = 0;
        let mut chunk = vec![0u8; 1 << 20];
        while pos < want.len() {
            let room = (want.len() - pos).min(chunk.len());
            let cut = match self.conn.read_data(&mut chunk[..room]) {
                Ok(k) => {
                    let got = &chunk[..k];
                    if let Some(i) = got.iter().zip(&want[pos..]).position(|(a, b)| a != b) {
                        self.log_upload(pos + i);
                        let from = i.saturating_sub(8);
                        return Err(self.fail(
                            FailKind::Mismatch,
                            clause,
                            format!(
                                "{expected}; at offset {}: {:?}",
                                pos + i,
                                escape(&want[pos + from..(pos + i + 8).min(want.len())])
                            ),
                            format!(
                                "at offset {}: {:?}",
                                pos + i,
                                escape(&got[from..(i + 8).min(got.len())])
                            ),
                        ));
                    }
                    pos += k;
                    continue;
                }
                Err(cut) => cut,
            };
            self.log_upload(pos);
            return Err(match cut {
                DataCut::Stalled => self.fail(
                    FailKind::Timeout,
                    clause,
                    expected,
                    format!(
                        "TIMEOUT: only {pos} arrived, then nothing for {:.1} s",
                        self.step.as_secs_f64()
                    ),
                ),
                DataCut::Closed | DataCut::Broken(_) => {
                    self.log_hangup();
                    self.fail(
                        FailKind::Closed,
                        clause,
                        expected,
                        format!("the client closed the connection after {pos} of them"),
                    )
                }
            });
        }
        self.log_upload(want.len());
        Ok(())
    }

    fn log_upload(&self, n: usize) {
        self.log.push(Event::SentData { conn: self.id, n });
    }

    /// The client sends nothing and keeps the connection open for `time`
    /// (a bounded look for something that must not happen).
    ///
    /// # Errors
    /// It sent bytes (logged) or closed.
    pub fn expect_quiet(
        &mut self,
        time: Duration,
        clause: &'static str,
        expected: &str,
    ) -> Result<(), Fail> {
        let step = self.conn.step;
        self.conn.step = time;
        let got = self.conn.await_close();
        self.conn.step = step;
        match got {
            Closing::Open => Ok(()),
            Closing::Sent => {
                let so_far = self.conn.so_far();
                let mut buf = vec![0u8; 1 << 16];
                if let Ok(n) = self.conn.read_data(&mut buf) {
                    self.log.push(Event::Sent {
                        conn: self.id,
                        bytes: buf[..n].to_vec(),
                        how: None,
                    });
                }
                Err(self.fail(
                    FailKind::Mismatch,
                    clause,
                    expected,
                    format!("it sent {so_far}"),
                ))
            }
            Closing::Closed | Closing::Reset => {
                self.log_hangup();
                Err(self.fail(
                    FailKind::Closed,
                    clause,
                    expected,
                    "it closed the connection",
                ))
            }
        }
    }

    /// Waits up to `limit` for the client to close the connection; a
    /// `byebye` line first is allowed (and not answered). Returns how long
    /// it took, and whether `byebye` came first.
    ///
    /// # Errors
    /// Other bytes, or still open at `limit`.
    pub fn expect_hangup(
        &mut self,
        limit: Duration,
        clause: &'static str,
        expected: &str,
    ) -> Result<(Duration, bool), Fail> {
        let started = Instant::now();
        let step = self.conn.step;
        self.conn.step = limit;
        let got = self.conn.await_close();
        self.conn.step = step;
        match got {
            Closing::Closed | Closing::Reset => {
                self.log_hangup();
                Ok((started.elapsed(), false))
            }
            Closing::Open => Err(self.fail(
                FailKind::Timeout,
                clause,
                expected,
                format!(
                    "TIMEOUT: the connection is still open after {:.1} s",
                    limit.as_secs_f64()
                ),
            )),
            Closing::Sent => {
                let raw = self.command(clause, expected)?;
                if is_command(&raw, "byebye") {
                    let left = limit.saturating_sub(started.elapsed());
                    self.expect_hangup(left, clause, expected)?;
                    return Ok((started.elapsed(), true));
                }
                let clause = blame_connme(&raw, clause);
                Err(self.fail(FailKind::Mismatch, clause, expected, shown_line(&raw)))
            }
        }
    }

    /// What the client does next, within one step: a command line
    /// (logged), or a close.
    ///
    /// # Errors
    /// Neither within one step.
    pub fn next(&mut self, clause: &'static str, expected: &str) -> Result<Next, Fail> {
        match self.conn.await_close() {
            Closing::Closed | Closing::Reset => {
                self.log_hangup();
                Ok(Next::Closed)
            }
            Closing::Open => Err(self.fail(
                FailKind::Timeout,
                clause,
                expected,
                format!(
                    "TIMEOUT: nothing within {:.1} s, and the connection is still open",
                    self.step.as_secs_f64()
                ),
            )),
            Closing::Sent => Ok(Next::Line(self.command(clause, expected)?)),
        }
    }

    /// Answers a `byebye` just read with `221`; the client must then close
    /// (`clause` otherwise).
    ///
    /// # Errors
    /// It does not close within one step.
    pub fn answer_byebye(&mut self, clause: &'static str) -> Result<(), Fail> {
        self.at = "byebye".into();
        self.clause = "CLIENT-10";
        self.reply("221 bye")?;
        self.expect_hangup(
            self.step,
            clause,
            "after `221` the client closes the connection",
        )?;
        Ok(())
    }

    /// After the script's last command: the client ends the session, by
    /// `byebye` (answered with `221`, after which it must close) or by
    /// closing the connection. Anything else, or nothing within one step,
    /// is `clause`'s failure.
    ///
    /// # Errors
    /// Another command, or neither within one step.
    pub fn expect_end(&mut self, clause: &'static str) -> Result<End, Fail> {
        self.at = "(end of input)".into();
        let expected = "once its input has ended, the client ends the session: `byebye`, or it closes the connection";
        match self.next(clause, expected)? {
            Next::Closed => Ok(End::Closed),
            Next::Line(raw) if is_command(&raw, "byebye") => {
                self.answer_byebye(clause)?;
                Ok(End::Byebye)
            }
            Next::Line(raw) => Err(self.fail(
                FailKind::Mismatch,
                blame_connme(&raw, clause),
                expected,
                shown_line(&raw),
            )),
        }
    }
}

/// A `connme` line where another was due is CLIENT-4's failure (`connme`
/// while not connected sends none); another line is `clause`'s.
fn blame_connme(raw: &[u8], clause: &'static str) -> &'static str {
    if is_command(raw, "connme") {
        "CLIENT-4"
    } else {
        clause
    }
}

/// What a client did next.
pub enum Next {
    /// It sent this command line (LF included).
    Line(Vec<u8>),
    /// It closed the connection.
    Closed,
}

/// Whether `raw` is the command line `want` (CLIENT-5's comparison:
/// the verb in any letter case, the argument exact, CR LF or LF).
#[must_use]
pub fn is_command(raw: &[u8], want: &str) -> bool {
    is_command_bytes(raw, want.as_bytes())
}

fn is_command_bytes(raw: &[u8], want: &[u8]) -> bool {
    let (want_verb, want_arg) = split(want);
    let (verb, arg) = split(body(raw));
    let same_arg = match (want_arg, arg) {
        (None | Some(b""), None | Some(b"")) => true,
        (Some(w), Some(g)) => w == g,
        _ => false,
    };
    verb.eq_ignore_ascii_case(want_verb) && same_arg
}

/// A line without its LF and one CR.
fn body(raw: &[u8]) -> &[u8] {
    let b = raw.strip_suffix(b"\n").unwrap_or(raw);
    b.strip_suffix(b"\r").unwrap_or(b)
}

/// Verb and argument: split at the first SP (section 3).
fn split(line: &[u8]) -> (&[u8], Option<&[u8]>) {
    match line.iter().position(|&b| b == b' ') {
        Some(i) => (&line[..i], Some(&line[i + 1..])),
        None => (line, None),
    }
}

/// A received line for messages: escaped, its LF left out, trailing
/// spaces visible.
fn shown_line(raw: &[u8]) -> String {
    let s = escape(raw.strip_suffix(b"\n").unwrap_or(raw));
    let trimmed = s.trim_end_matches(' ');
    format!("{trimmed}{}", "\\x20".repeat(s.len() - trimmed.len()))
}
