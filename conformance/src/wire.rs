//! Raw bytes on one connection, with a deadline on every read.
//!
//! This module moves bytes and keeps the transcript; it judges nothing and
//! names no clause (that is `expect.rs`). Every read has a limit: a line
//! must arrive within the step timeout, a block of data must make progress
//! within it, and a read that runs out says how ([`Cut`], [`DataCut`],
//! [`Closing`]) instead of waiting on, so a hanging server fails one case
//! instead of hanging the run. A send the server does not take fails with
//! the case's own clause: any clause would do as well as another.

use crate::fail::{Fail, FailKind};
use crate::transcript::{Event, Log, escape};
use std::io::{self, Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Longest line the suite reads before calling it runaway output.
pub const MAX_LINE: usize = 8192;

/// Why a line read returned no line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cut {
    /// The server closed (or reset) the connection first; logged.
    Closed,
    /// Nothing complete arrived within one step.
    TimedOut,
    /// This many bytes arrived without LF, more than [`MAX_LINE`].
    Runaway(usize),
}

/// Why a data read returned no bytes.
#[derive(Debug)]
pub enum DataCut {
    /// The server closed the connection (end of stream).
    Closed,
    /// No byte arrived within one step.
    Stalled,
    /// Another error, such as a reset.
    Broken(io::Error),
}

/// What the server did within one step, waited on for a close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closing {
    /// It closed the connection with nothing more sent; logged.
    Closed,
    /// It reset the connection (no orderly end of stream); logged as a
    /// close.
    Reset,
    /// It sent more bytes (see [`Conn::so_far`]).
    Sent,
    /// The connection is still open.
    Open,
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
    /// The connection was reset: an end, but not an orderly one.
    Reset,
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

    /// The last command sent, which failures name as their step.
    #[must_use]
    pub fn last_sent(&self) -> &str {
        &self.last
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
                Err(_) => return Got::Reset,
            }
        }
    }

    /// What is buffered and not consumed yet, for messages: "nothing" or
    /// the first 300 bytes escaped, with the count.
    #[must_use]
    pub fn so_far(&self) -> String {
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

    /// Aborts the connection with a TCP reset (`SO_LINGER` 0, then close),
    /// as a crashed client or a middlebox would.
    pub fn reset(self) {
        self.log
            .note(format!("the client resets connection {} (RST)", self.id));
        let _ = rustix::net::sockopt::set_socket_linger(&self.stream, Some(Duration::ZERO));
        drop(self.stream);
    }

    /// Shuts down the sending side only (a half-close, as `nc -N` does at
    /// the end of its input); replies can still be read.
    ///
    /// # Errors
    /// The socket refused the shutdown.
    pub fn shutdown_write(&mut self) -> Result<(), Fail> {
        self.log.note(format!(
            "the client shuts down its sending side of connection {} (half-close)",
            self.id
        ));
        self.stream
            .shutdown(std::net::Shutdown::Write)
            .map_err(|e| Fail::harness(format!("shutdown: {e}")))
    }

    /// Sends bytes the server may stop reading part-way (a line longer than
    /// FRAME-4 allows): a write that fails or blocks for a step ends the
    /// sending quietly. Returns how many bytes were written.
    pub fn send_best_effort(&mut self, bytes: &[u8]) -> usize {
        self.log.push(Event::SentData {
            conn: self.id,
            n: bytes.len(),
        });
        self.last = format!("<{} bytes without LF>", bytes.len());
        let mut sent = 0;
        for chunk in bytes.chunks(64 << 10) {
            if self.stream.write_all(chunk).is_err() {
                break;
            }
            sent += chunk.len();
        }
        sent
    }

    /// Reads one reply line (LF included) within one step, logged as a
    /// reply.
    ///
    /// # Errors
    /// See [`Cut`].
    pub fn reply_line(&mut self) -> Result<Vec<u8>, Cut> {
        let raw = self.line()?;
        self.log.push(Event::Reply {
            conn: self.id,
            raw: raw.clone(),
        });
        Ok(raw)
    }

    /// Reads one listing entry line (LF included) within one step, logged
    /// as an entry.
    ///
    /// # Errors
    /// See [`Cut`].
    pub fn entry_line(&mut self) -> Result<Vec<u8>, Cut> {
        let raw = self.line()?;
        self.log.push(Event::Entry {
            conn: self.id,
            raw: raw.clone(),
        });
        Ok(raw)
    }

    /// Reads one raw line (LF included) within one step.
    fn line(&mut self) -> Result<Vec<u8>, Cut> {
        let deadline = Instant::now() + self.step;
        loop {
            if let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
                if i >= MAX_LINE {
                    return Err(Cut::Runaway(i + 1));
                }
                return Ok(self.buf.drain(..=i).collect());
            }
            if self.buf.len() > MAX_LINE {
                return Err(Cut::Runaway(self.buf.len()));
            }
            match self.fill(deadline) {
                Got::Bytes => {}
                Got::Eof | Got::Reset => {
                    self.log_closed();
                    return Err(Cut::Closed);
                }
                Got::TimedOut => return Err(Cut::TimedOut),
            }
        }
    }

    /// Reads data bytes into `dst`: what is buffered first, else one read
    /// that must make progress within one step. Logs nothing: the caller
    /// knows where its block of data ends ([`Conn::log_data`]).
    ///
    /// # Errors
    /// See [`DataCut`].
    pub fn read_data(&mut self, dst: &mut [u8]) -> Result<usize, DataCut> {
        if !self.buf.is_empty() {
            let n = self.buf.len().min(dst.len());
            dst[..n].copy_from_slice(&self.buf[..n]);
            self.buf.drain(..n);
            return Ok(n);
        }
        loop {
            let _ = self.stream.set_read_timeout(Some(self.step));
            match self.stream.read(dst) {
                Ok(0) => return Err(DataCut::Closed),
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(DataCut::Stalled);
                }
                Err(e) => return Err(DataCut::Broken(e)),
            }
        }
    }

    /// Logs `n` data bytes received (`S: <n bytes>`).
    pub fn log_data(&self, n: usize) {
        self.log.push(Event::Data { conn: self.id, n });
    }

    /// Logs that the server closed the connection.
    pub fn log_closed(&self) {
        self.log.push(Event::Closed { conn: self.id });
    }

    /// Reads up to `n` data bytes until `n` arrived, the server closed, or a
    /// step passed without progress; returns what arrived and whether the
    /// connection was closed.
    pub fn read_upto(&mut self, n: usize) -> (Vec<u8>, bool) {
        let mut out = Vec::new();
        let mut chunk = vec![0u8; 1 << 20];
        while out.len() < n {
            match self.read_data(&mut chunk[..(n - out.len()).min(1 << 20)]) {
                Ok(k) => out.extend_from_slice(&chunk[..k]),
                Err(cut) => {
                    self.log_data(out.len());
                    let closed = !matches!(cut, DataCut::Stalled);
                    if matches!(cut, DataCut::Closed) {
                        self.log_closed();
                    }
                    return (out, closed);
                }
            }
        }
        self.log_data(out.len());
        (out, false)
    }

    /// Waits up to one step for the server to close the connection.
    pub fn await_close(&mut self) -> Closing {
        let deadline = Instant::now() + self.step;
        loop {
            if !self.buf.is_empty() {
                return Closing::Sent;
            }
            match self.fill(deadline) {
                Got::Bytes => {}
                Got::Eof => {
                    self.log_closed();
                    return Closing::Closed;
                }
                Got::Reset => {
                    self.log_closed();
                    return Closing::Reset;
                }
                Got::TimedOut => return Closing::Open,
            }
        }
    }
}
