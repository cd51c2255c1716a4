//! Raw bytes on one connection, with a deadline on every step.
//!
//! Every read has a limit: a reply line must arrive within the step timeout,
//! a block of data must make progress within it. A step that runs out fails
//! as TIMEOUT with whatever had arrived so far, so a hanging server fails one
//! case instead of hanging the run. Every reply line is checked against
//! FRAME-6 as it arrives.

use crate::fail::{Fail, FailKind};
use crate::model::{is_dec, is_reserved, megabytes};
use crate::transcript::{Event, Log, escape};
use std::io::{self, Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Longest reply line the suite accepts before calling it runaway output.
const MAX_REPLY: usize = 8192;

/// One reply line, checked against FRAME-6.
#[derive(Clone, Debug)]
pub struct Reply {
    pub code: u16,
    /// Everything after `NNN ` (fields and free text), without CR LF.
    pub text: String,
    /// The line as received.
    pub raw: Vec<u8>,
}

impl Reply {
    /// The whitespace-separated word `i` after the code (a field).
    #[must_use]
    pub fn field(&self, i: usize) -> Option<&str> {
        self.text.split(' ').nth(i)
    }

    /// The line for messages: escaped, without the LF.
    #[must_use]
    pub fn shown(&self) -> String {
        escape(self.raw.strip_suffix(b"\n").unwrap_or(&self.raw))
    }
}

/// A client connection driven by the suite.
pub struct Conn {
    stream: TcpStream,
    /// Bytes received but not consumed yet.
    buf: Vec<u8>,
    pub id: usize,
    log: Log,
    pub step: Duration,
    /// The last command sent, named in failures as the step.
    last: String,
}

/// Result of one low-level read.
enum Got {
    Bytes,
    Eof,
    TimedOut,
}

impl Conn {
    /// Wraps a connected stream.
    ///
    /// # Errors
    /// Setting socket options failed.
    pub fn new(stream: TcpStream, id: usize, log: Log, step: Duration) -> Result<Conn, Fail> {
        stream
            .set_write_timeout(Some(step))
            .and_then(|()| stream.set_nodelay(true))
            .map_err(|e| Fail::harness(format!("socket options: {e}")))?;
        Ok(Conn {
            stream,
            buf: Vec::new(),
            id,
            log,
            step,
            last: "connect".into(),
        })
    }

    /// The raw stream, for cases that need socket-level control.
    #[must_use]
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    fn fill(&mut self, deadline: Instant) -> Got {
        let now = Instant::now();
        if now >= deadline {
            return Got::TimedOut;
        }
        let _ = self.stream.set_read_timeout(Some(deadline - now));
        let mut chunk = vec![0u8; 256 * 1024];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return Got::Eof,
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Got::Bytes;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Got::TimedOut;
                }
                // A reset is the server closing (possibly with unread input).
                Err(_) => return Got::Eof,
            }
        }
    }

    fn so_far(&self) -> String {
        if self.buf.is_empty() {
            "nothing".into()
        } else {
            format!(
                "{:?} ({} bytes)",
                escape(&self.buf[..self.buf.len().min(300)]),
                self.buf.len()
            )
        }
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Fail> {
        self.stream.write_all(bytes).map_err(|e| {
            let what = if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) {
                format!(
                    "the server stopped reading: a write blocked for {:.1} s",
                    self.step.as_secs_f64()
                )
            } else {
                format!("could not send ({e}): the server closed the connection")
            };
            Fail {
                kind: FailKind::Closed,
                clause: "",
                step: self.last.clone(),
                expected: "the server to read what the client sends".into(),
                actual: what,
            }
        })
    }

    /// Sends `line` plus LF as one command.
    ///
    /// # Errors
    /// The server does not read.
    pub fn cmd(&mut self, line: &str) -> Result<(), Fail> {
        self.send(format!("{line}\n").as_bytes())
    }

    /// Sends raw bytes (one or more command lines, or part of one).
    ///
    /// # Errors
    /// The server does not read.
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), Fail> {
        self.log.push(Event::Sent {
            conn: self.id,
            bytes: bytes.to_vec(),
            how: None,
        });
        self.last = escape(bytes.strip_suffix(b"\n").unwrap_or(bytes));
        self.write(bytes)
    }

    /// Sends bytes one per write with `pause` between writes (FRAME-3).
    ///
    /// # Errors
    /// The server does not read.
    pub fn send_slowly(&mut self, bytes: &[u8], pause: Duration) -> Result<(), Fail> {
        self.log.push(Event::Sent {
            conn: self.id,
            bytes: bytes.to_vec(),
            how: Some("one byte per write".into()),
        });
        self.last = escape(bytes.strip_suffix(b"\n").unwrap_or(bytes));
        for b in bytes {
            self.write(std::slice::from_ref(b))?;
            std::thread::sleep(pause);
        }
        Ok(())
    }

    /// Sends upload data one byte per write with `pause` between writes.
    ///
    /// # Errors
    /// The server does not read.
    pub fn send_data_slowly(&mut self, bytes: &[u8], pause: Duration) -> Result<(), Fail> {
        self.log.push(Event::SentDataSlowly {
            conn: self.id,
            n: bytes.len(),
        });
        for b in bytes {
            self.write(std::slice::from_ref(b))?;
            std::thread::sleep(pause);
        }
        Ok(())
    }

    /// Sends upload data and command lines after it in one write (PIPE-2).
    ///
    /// # Errors
    /// The server does not read.
    pub fn send_data_then(&mut self, data: &[u8], lines: &[u8]) -> Result<(), Fail> {
        self.log.push(Event::SentData {
            conn: self.id,
            n: data.len(),
        });
        self.log.push(Event::Sent {
            conn: self.id,
            bytes: lines.to_vec(),
            how: Some("same write as the data".into()),
        });
        let mut all = data.to_vec();
        all.extend_from_slice(lines);
        self.write(&all)
    }

    /// Sends upload data.
    ///
    /// # Errors
    /// The server does not read.
    pub fn send_data(&mut self, bytes: &[u8]) -> Result<(), Fail> {
        self.log.push(Event::SentData {
            conn: self.id,
            n: bytes.len(),
        });
        for chunk in bytes.chunks(1 << 20) {
            self.write(chunk)?;
        }
        Ok(())
    }

    /// Closes the connection from the client side.
    pub fn hangup(self) {
        self.log.push(Event::Hangup { conn: self.id });
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
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
            step: self.last.clone(),
            expected: expected.into(),
            actual: actual.into(),
        }
    }

    /// Reads one raw line (LF included) within one step.
    fn raw_line(&mut self, clause: &'static str, what: &str) -> Result<Vec<u8>, Fail> {
        let deadline = Instant::now() + self.step;
        loop {
            if let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
                return Ok(self.buf.drain(..=i).collect());
            }
            if self.buf.len() > MAX_REPLY {
                return Err(self.fail(
                    FailKind::Mismatch,
                    "FRAME-6",
                    format!("{what} ended by LF"),
                    format!("{} bytes without LF: {}", self.buf.len(), self.so_far()),
                ));
            }
            match self.fill(deadline) {
                Got::Bytes => {}
                Got::Eof => {
                    self.log.push(Event::Closed { conn: self.id });
                    return Err(self.fail(
                        FailKind::Closed,
                        clause,
                        what.to_string(),
                        format!(
                            "the server closed the connection; received before that: {}",
                            self.so_far()
                        ),
                    ));
                }
                Got::TimedOut => {
                    return Err(self.fail(
                        FailKind::Timeout,
                        clause,
                        what.to_string(),
                        format!(
                            "TIMEOUT: nothing complete within {:.1} s; received so far: {}",
                            self.step.as_secs_f64(),
                            self.so_far()
                        ),
                    ));
                }
            }
        }
    }

    /// Reads one reply line and checks it against FRAME-6.
    ///
    /// # Errors
    /// Timeout, close, or a malformed reply line.
    pub fn reply(&mut self, clause: &'static str) -> Result<Reply, Fail> {
        let raw = self.raw_line(clause, "a reply line")?;
        self.log.push(Event::Reply {
            conn: self.id,
            raw: raw.clone(),
        });
        let body = raw.strip_suffix(b"\n").unwrap_or(&raw);
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        let shown = escape(body);
        let frame6 = |why: &str| {
            self.fail(
                FailKind::Mismatch,
                "FRAME-6",
                "a reply line `code SP text LF`: three digits 1xx-5xx, one SP, text without control bytes",
                format!("{shown:?}: {why}"),
            )
        };
        if body.len() < 4
            || !body[..3].iter().all(u8::is_ascii_digit)
            || !(b'1'..=b'5').contains(&body[0])
        {
            return Err(frame6("does not start with a code 100-599"));
        }
        if body[3] != b' ' {
            return Err(frame6("the code is not followed by one SP"));
        }
        let Ok(text) = std::str::from_utf8(&body[4..]) else {
            return Err(frame6("the text is not valid UTF-8"));
        };
        if text.chars().any(char::is_control) {
            return Err(frame6("the text contains a control character"));
        }
        let code = body[..3]
            .iter()
            .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
        Ok(Reply {
            code,
            text: text.to_string(),
            raw,
        })
    }

    /// Sends `connme` and expects the greeting: the connection is open and
    /// nothing stray (data, extra lines) was queued before it.
    ///
    /// # Errors
    /// Anything but the greeting.
    pub fn expect_open(&mut self, clause: &'static str) -> Result<(), Fail> {
        self.cmd("connme")?;
        self.expect_greeting(clause).map(|_| ())
    }

    /// Reads a reply whose code must be `code`.
    ///
    /// # Errors
    /// Any other reply, or no reply.
    pub fn expect(&mut self, code: u16, clause: &'static str) -> Result<Reply, Fail> {
        self.expect_one_of(&[(code, clause)])
    }

    /// Reads a reply whose code must be one of `allowed`, each with the clause
    /// that allows it.
    ///
    /// # Errors
    /// Any other reply, or no reply.
    pub fn expect_one_of(&mut self, allowed: &[(u16, &'static str)]) -> Result<Reply, Fail> {
        let clause = allowed.first().map_or("", |a| a.1);
        let r = self.reply(clause)?;
        if allowed.iter().any(|(c, _)| *c == r.code) {
            return Ok(r);
        }
        Err(self.fail(FailKind::Mismatch, clause, outcomes(allowed), r.shown()))
    }

    /// Reads the greeting `220 mftp/1 [text]`.
    ///
    /// # Errors
    /// Anything else.
    pub fn expect_greeting(&mut self, clause: &'static str) -> Result<Reply, Fail> {
        let r = self.reply(clause)?;
        if r.code == 220 && (r.text == "mftp/1" || r.text.starts_with("mftp/1 ")) {
            return Ok(r);
        }
        Err(self.fail(
            FailKind::Mismatch,
            clause,
            "the greeting `220 mftp/1` (optionally SP and text)",
            r.shown(),
        ))
    }

    /// Reads `CODE <dec>` where the number must be `n` (150, 226).
    ///
    /// # Errors
    /// Any other reply.
    pub fn expect_count(&mut self, code: u16, n: u64, clause: &'static str) -> Result<Reply, Fail> {
        let r = self.reply(clause)?;
        let want = format!("`{code} {n}` (optionally SP and text)");
        if r.code != code {
            return Err(self.fail(FailKind::Mismatch, clause, want, r.shown()));
        }
        match r.field(0) {
            Some(f) if is_dec(f) && f == n.to_string() => Ok(r),
            Some(f) if f.parse::<u64>().ok() == Some(n) => Err(self.fail(
                FailKind::Mismatch,
                clause,
                want,
                format!("{} (leading zeros: `dec` has none)", r.shown()),
            )),
            _ => Err(self.fail(FailKind::Mismatch, clause, want, r.shown())),
        }
    }

    /// Reads `213 <bytes> <mb> MB` for a file of `n` bytes (SIZE-1, SIZE-2).
    ///
    /// # Errors
    /// Any other reply.
    pub fn expect_size(&mut self, n: u64) -> Result<Reply, Fail> {
        let r = self.reply("SIZE-1")?;
        let mb = megabytes(n);
        let want = format!("`213 {n} {mb} MB` (optionally SP and text)");
        if r.code != 213 || r.field(0) != Some(n.to_string().as_str()) || r.field(2) != Some("MB") {
            return Err(self.fail(FailKind::Mismatch, "SIZE-1", want, r.shown()));
        }
        if r.field(1) != Some(mb.as_str()) {
            return Err(self.fail(FailKind::Mismatch, "SIZE-2", want, r.shown()));
        }
        Ok(r)
    }

    /// Reads a listing `200 <n>` plus n entries and returns the entries as
    /// sent (without LF).
    ///
    /// # Errors
    /// A malformed listing.
    pub fn listing(&mut self, clause: &'static str) -> Result<Vec<Vec<u8>>, Fail> {
        let r = self.reply(clause)?;
        let count = match (r.code, r.field(0)) {
            (200, Some(f)) if is_dec(f) => f.parse::<usize>().ok(),
            _ => None,
        };
        let Some(count) = count else {
            return Err(self.fail(
                FailKind::Mismatch,
                clause,
                "a listing `200 <count>`",
                r.shown(),
            ));
        };
        if count > 100_000 {
            return Err(self.fail(
                FailKind::Mismatch,
                "LS-1",
                "a plausible entry count",
                r.shown(),
            ));
        }
        let mut entries = Vec::with_capacity(count);
        for i in 0..count {
            let raw = self.raw_line("LS-1", &format!("entry {} of {count}", i + 1))?;
            self.log.push(Event::Entry {
                conn: self.id,
                raw: raw.clone(),
            });
            let e = raw[..raw.len() - 1].to_vec();
            let name = e.strip_suffix(b"/").unwrap_or(&e);
            let bad = name.is_empty()
                || name == b"."
                || name == b".."
                || name.len() > 255
                || name
                    .iter()
                    .any(|&b| b < 0x20 || b == 0x7F || b == b'/' || b == b'\\')
                || std::str::from_utf8(name).is_err();
            if bad {
                let clause = if name == b"." || name == b".." {
                    "LS-3"
                } else {
                    "LS-5"
                };
                return Err(self.fail(
                    FailKind::Mismatch,
                    clause,
                    "entries that are one valid component (section 4), `/` for directories, ended by LF alone",
                    format!("entry {:?}", escape(&raw)),
                ));
            }
            entries.push(e);
        }
        Ok(entries)
    }

    /// Reads a listing that must be exactly `want` (entries with `/` for
    /// directories, in order).
    ///
    /// # Errors
    /// Any other listing.
    pub fn expect_listing(&mut self, want: &[&str], clause: &'static str) -> Result<(), Fail> {
        let got = self.listing(clause)?;
        // Graders never use reserved `.mftp*` names (section 4), so a server
        // that lists its own reserved entries is not judged on them here.
        let got_s: Vec<String> = got
            .iter()
            .filter(|e| !is_reserved(e))
            .map(|e| String::from_utf8_lossy(e).into_owned())
            .collect();
        if got_s == want {
            return Ok(());
        }
        let mut clause = clause;
        let mut sorted_got = got_s.clone();
        sorted_got.sort_by(|a, b| {
            a.trim_end_matches('/')
                .as_bytes()
                .cmp(b.trim_end_matches('/').as_bytes())
        });
        let mut sorted_want: Vec<String> = want.iter().map(|s| (*s).to_string()).collect();
        sorted_want.sort_by(|a, b| {
            a.trim_end_matches('/')
                .as_bytes()
                .cmp(b.trim_end_matches('/').as_bytes())
        });
        if sorted_got == sorted_want {
            clause = "LS-3";
        } else {
            let strip = |v: &[String]| {
                v.iter()
                    .map(|s| s.trim_end_matches('/').to_string())
                    .collect::<Vec<_>>()
            };
            if strip(&sorted_got) == strip(&sorted_want) {
                clause = "LS-2";
            }
        }
        Err(self.fail(
            FailKind::Mismatch,
            clause,
            format!("200 {} then, in this order: {want:?}", want.len()),
            format!("200 {} then: {got_s:?}", got_s.len()),
        ))
    }

    /// Reads `len` data bytes and compares them with `want` as they arrive
    /// (large reads, nothing kept), naming the first differing offset.
    ///
    /// # Errors
    /// Different bytes, a close, or no progress within one step.
    pub fn expect_data(&mut self, want: &[u8], clause: &'static str) -> Result<(), Fail> {
        let mut pos = 0;
        let take = self.buf.len().min(want.len());
        let head: Vec<u8> = self.buf.drain(..take).collect();
        self.compare(&head, want, 0, clause)?;
        pos += head.len();
        let mut chunk = vec![0u8; 1 << 20];
        while pos < want.len() {
            let _ = self.stream.set_read_timeout(Some(self.step));
            let n = want.len() - pos;
            match self.stream.read(&mut chunk[..n.min(1 << 20)]) {
                Ok(0) => {
                    self.log.push(Event::Data {
                        conn: self.id,
                        n: pos,
                    });
                    self.log.push(Event::Closed { conn: self.id });
                    return Err(self.fail(
                        FailKind::Closed,
                        clause,
                        format!("{} data bytes", want.len()),
                        format!("the server closed the connection after {pos} of them"),
                    ));
                }
                Ok(k) => {
                    self.compare(&chunk[..k], want, pos, clause)?;
                    pos += k;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.log.push(Event::Data {
                        conn: self.id,
                        n: pos,
                    });
                    let timeout = matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    );
                    return Err(self.fail(
                        if timeout {
                            FailKind::Timeout
                        } else {
                            FailKind::Closed
                        },
                        clause,
                        format!("{} data bytes", want.len()),
                        if timeout {
                            format!(
                                "TIMEOUT: only {pos} arrived, then nothing for {:.1} s",
                                self.step.as_secs_f64()
                            )
                        } else {
                            format!("{e} after {pos} bytes")
                        },
                    ));
                }
            }
        }
        self.log.push(Event::Data {
            conn: self.id,
            n: want.len(),
        });
        Ok(())
    }

    fn compare(
        &self,
        got: &[u8],
        want: &[u8],
        at: usize,
        clause: &'static str,
    ) -> Result<(), Fail> {
        if got == &want[at..at + got.len()] {
            return Ok(());
        }
        let i = got
            .iter()
            .zip(&want[at..])
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        self.log.push(Event::Data {
            conn: self.id,
            n: at + i,
        });
        let from = i.saturating_sub(8);
        Err(self.fail(
            FailKind::Mismatch,
            clause,
            format!(
                "{} bytes identical to the file; at offset {}: {:?}",
                want.len(),
                at + i,
                escape(&want[at + from..(at + i + 8).min(want.len())])
            ),
            format!(
                "at offset {}: {:?}",
                at + i,
                escape(&got[from..(i + 8).min(got.len())])
            ),
        ))
    }

    /// Reads up to `n` data bytes until `n` arrived, the server closed, or a
    /// step passed without progress; returns what arrived and whether the
    /// connection was closed.
    pub fn read_upto(&mut self, n: usize) -> (Vec<u8>, bool) {
        let mut out: Vec<u8> = self.buf.drain(..self.buf.len().min(n)).collect();
        let mut chunk = vec![0u8; 1 << 20];
        while out.len() < n {
            let _ = self.stream.set_read_timeout(Some(self.step));
            match self.stream.read(&mut chunk[..(n - out.len()).min(1 << 20)]) {
                Ok(0) => {
                    self.log.push(Event::Data {
                        conn: self.id,
                        n: out.len(),
                    });
                    self.log.push(Event::Closed { conn: self.id });
                    return (out, true);
                }
                Ok(k) => out.extend_from_slice(&chunk[..k]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let closed = !matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    );
                    self.log.push(Event::Data {
                        conn: self.id,
                        n: out.len(),
                    });
                    return (out, closed);
                }
            }
        }
        self.log.push(Event::Data {
            conn: self.id,
            n: out.len(),
        });
        (out, false)
    }

    /// Expects the server to close the connection with nothing more sent.
    ///
    /// # Errors
    /// More bytes, or the connection still open after one step.
    pub fn expect_closed(&mut self, clause: &'static str) -> Result<(), Fail> {
        let deadline = Instant::now() + self.step;
        loop {
            if !self.buf.is_empty() {
                return Err(self.fail(
                    FailKind::Mismatch,
                    clause,
                    "the server closes the connection, sending nothing more",
                    format!("it sent {}", self.so_far()),
                ));
            }
            match self.fill(deadline) {
                Got::Bytes => {}
                Got::Eof => {
                    self.log.push(Event::Closed { conn: self.id });
                    return Ok(());
                }
                Got::TimedOut => {
                    return Err(self.fail(
                        FailKind::Timeout,
                        clause,
                        "the server closes the connection",
                        format!("TIMEOUT: still open after {:.1} s", self.step.as_secs_f64()),
                    ));
                }
            }
        }
    }
}

/// "one of: `550` (SIZE-3), `553` (NAME-4)".
#[must_use]
pub fn outcomes(allowed: &[(u16, &'static str)]) -> String {
    let list: Vec<String> = allowed
        .iter()
        .map(|(c, cl)| format!("`{c}` ({cl})"))
        .collect();
    if list.len() == 1 {
        list[0].clone()
    } else {
        format!("one of: {}", list.join(", "))
    }
}
