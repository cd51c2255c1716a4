//! One client's socket: framed command lines in, replies and raw data out.
//!
//! This module only does I/O. It keeps the bytes read past a command line
//! (pipelined commands, or upload data that came with the command, PIPE-2)
//! and queues replies so that a batch of pipelined commands is answered with
//! one write. Every wait for the client is bounded by the idle timeout
//! (LIMIT-1).
//!
//! Each connection runs on a thread of its own with a blocking socket: a
//! command costs one `read`, the command's own work and one `write`, with
//! no scheduler or readiness polling in between (this is what keeps a
//! `size` round trip close to a plain TCP echo; see `benches/README.md`).
//! The socket's receive and send timeouts are the idle timeout, so no read,
//! write or `sendfile` waits longer than that; the server's stop signal
//! reaches a connection blocked waiting for a command through
//! [`crate::shutdown`].

use std::io::{self, Read as _, Write as _};
use std::net::{Shutdown as Direction, TcpStream};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use mftp_protocol::{Code, FrameError, MAX_LINE, take_line};

use crate::shutdown::Watch;

/// How much is read from the socket at once while waiting for a command.
const COMMAND_READ: usize = 16 * 1024;
/// The most bytes handed to one `sendfile` call.
const SENDFILE_CHUNK: usize = 8 * 1024 * 1024;

/// The error for a client that stopped reading for the idle timeout.
fn stalled() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "client stopped reading")
}

/// How long a closing connection waits for the client's FIN.
const LINGER_TIME: Duration = Duration::from_secs(1);
/// How many late bytes a closing connection reads and discards at most.
const LINGER_BYTES: usize = 4 * 1024 * 1024;

/// What arrived when the server waited for a command.
#[derive(Debug, PartialEq, Eq)]
pub enum Incoming {
    /// A command line, without LF or CR (FRAME-2), is in the caller's
    /// buffer.
    Line,
    /// The client closed the connection.
    Closed,
    /// FRAME-4: the limit was reached without an LF.
    TooLong,
    /// LIMIT-1: nothing arrived for the idle timeout.
    Idle,
    /// The server is stopping.
    Shutdown,
}

/// Why data could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The client closed the connection before sending all data.
    #[error("client closed the connection mid-transfer")]
    Closed,
    /// LIMIT-1 while waiting for upload data.
    #[error("idle timeout mid-transfer")]
    Idle,
    /// A socket error.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// A client connection.
#[derive(Debug)]
pub struct Connection {
    /// The socket, registered with the server's stop signal.
    watch: Watch,
    /// Bytes received; `input[start..end]` are not used yet. Fixed size:
    /// larger than a command line (FRAME-4), so a line always fits.
    input: Box<[u8]>,
    start: usize,
    end: usize,
    /// Replies queued but not yet written.
    output: Vec<u8>,
}

impl Connection {
    /// Wraps an accepted socket (blocking or not: it is made blocking).
    ///
    /// # Errors
    /// When the socket's mode or timeouts cannot be set.
    pub fn new(watch: Watch, idle_timeout: Duration) -> io::Result<Self> {
        let stream = watch.socket();
        stream.set_nonblocking(false)?;
        // Replies are small and awaited one by one; Nagle would delay them.
        stream.set_nodelay(true)?;
        // LIMIT-1 for every single read, write and sendfile.
        stream.set_read_timeout(Some(idle_timeout))?;
        stream.set_write_timeout(Some(idle_timeout))?;
        Ok(Self {
            watch,
            input: vec![0; COMMAND_READ].into_boxed_slice(),
            start: 0,
            end: 0,
            output: Vec::with_capacity(1024),
        })
    }

    /// Queues a reply line; it is written by the next [`Connection::flush`],
    /// which happens at the latest before the server waits for the client.
    pub fn reply(&mut self, code: Code, text: impl std::fmt::Display) {
        self.output.extend_from_slice(&code.digits());
        self.output.push(b' ');
        // Writing to a Vec cannot fail.
        let _ = write!(self.output, "{text}");
        self.output.push(b'\n');
    }

    /// Queues raw bytes (listing lines).
    pub fn queue_raw(&mut self, bytes: &[u8]) {
        self.output.extend_from_slice(bytes);
    }

    /// Writes everything queued.
    ///
    /// # Errors
    /// A socket error, or `TimedOut` if the client did not read for the idle
    /// timeout.
    pub fn flush(&mut self) -> io::Result<()> {
        if !self.output.is_empty() {
            self.socket().write_all(&self.output).map_err(timed_out)?;
            self.output.clear();
        }
        Ok(())
    }

    /// Writes what is queued and a last reply, if any, then closes.
    ///
    /// Errors are ignored: the connection is ending anyway. Closing a socket
    /// with unread input makes the kernel send a reset, which can destroy
    /// the last reply before the client reads it; so after sending FIN the
    /// server reads and discards what is still coming, bounded in time and
    /// bytes (a "lingering close").
    pub fn close(mut self, last: Option<(Code, &str)>) {
        if let Some((code, text)) = last {
            self.reply(code, text);
        }
        let _ = self.flush();
        let _ = self.socket().shutdown(Direction::Write);
        let deadline = Instant::now() + LINGER_TIME;
        let mut sink = [0_u8; 16 * 1024];
        let mut budget = LINGER_BYTES;
        while budget > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || self.socket().set_read_timeout(Some(left)).is_err() {
                break;
            }
            match self.socket().read(&mut sink) {
                Ok(0) | Err(_) => break,
                Ok(n) => budget = budget.saturating_sub(n),
            }
        }
    }

    /// Waits for the next command line and puts it in `line` (replacing
    /// what was there; the caller reuses one buffer for every command).
    ///
    /// # Errors
    /// A socket error, or `TimedOut` if the client stopped reading replies.
    pub fn read_command(&mut self, line: &mut Vec<u8>) -> io::Result<Incoming> {
        loop {
            match take_line(&self.input[self.start..self.end], MAX_LINE) {
                Ok(Some((found, used))) => {
                    line.clear();
                    line.extend_from_slice(found);
                    self.start += used;
                    return Ok(Incoming::Line);
                }
                Err(FrameError::TooLong { .. }) => return Ok(Incoming::TooLong),
                Ok(None) => {}
            }
            // Nothing complete is pending: answer everything queued before
            // waiting (and stop instead of waiting if the server is
            // stopping, below).
            self.flush()?;
            // Fewer than MAX_LINE bytes are pending, so after moving them to
            // the front there is room to read.
            self.input.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if !self.watch.begin_wait() {
                return Ok(Incoming::Shutdown);
            }
            let read = self.watch.socket().read(&mut self.input[self.end..]);
            if !self.watch.end_wait() {
                return Ok(Incoming::Shutdown);
            }
            match read {
                Ok(0) => return Ok(Incoming::Closed),
                Ok(n) => self.end += n,
                Err(e) if is_timeout(&e) => return Ok(Incoming::Idle),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads data into `buf`: first what is already buffered, then from the
    /// socket. Returns how many bytes it read, never 0.
    ///
    /// # Errors
    /// The client closed the connection, went idle, or the socket failed.
    pub fn read_data(&mut self, buf: &mut [u8]) -> Result<usize, DataError> {
        let pending = self.end - self.start;
        if pending > 0 {
            let take = pending.min(buf.len());
            buf[..take].copy_from_slice(&self.input[self.start..self.start + take]);
            self.start += take;
            return Ok(take);
        }
        loop {
            match self.socket().read(buf) {
                Ok(0) => return Err(DataError::Closed),
                Ok(n) => return Ok(n),
                Err(e) if is_timeout(&e) => return Err(DataError::Idle),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Sends exactly `len` bytes of `file` after what is queued, with
    /// `sendfile(2)` (no copy through user space). Fails if the file ends
    /// early; the caller must then close the connection (DOWNLOAD-4).
    ///
    /// # Errors
    /// A socket or file error, `TimedOut` if the client stopped reading, or
    /// `UnexpectedEof` if the file shrank.
    pub fn send_file(&mut self, file: &std::fs::File, len: u64) -> io::Result<()> {
        // The reply goes out with MSG_MORE, so that it shares a segment
        // with the first data bytes instead of costing one of its own (with
        // no data to follow it would wait for the cork timer instead).
        if len == 0 {
            return self.flush();
        }
        while !self.output.is_empty() {
            match rustix::net::send(self.socket(), &self.output, rustix::net::SendFlags::MORE) {
                Ok(sent) => drop(self.output.drain(..sent)),
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(timed_out(e.into())),
            }
        }
        let mut offset = 0_u64;
        while offset < len {
            let chunk = usize::try_from(len - offset)
                .unwrap_or(usize::MAX)
                .min(SENDFILE_CHUNK);
            match rustix::fs::sendfile(self.socket().as_fd(), file, Some(&mut offset), chunk) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "file shrank while being sent",
                    ));
                }
                Ok(_) | Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(timed_out(e.into())),
            }
        }
        Ok(())
    }

    /// The client's address, for logs.
    #[must_use]
    pub fn peer(&self) -> Option<std::net::SocketAddr> {
        self.socket().peer_addr().ok()
    }

    fn socket(&self) -> &TcpStream {
        self.watch.socket()
    }
}

/// A blocking socket whose timeout expired reports `WouldBlock` (EAGAIN).
fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Names a send timeout for what it is: the client stopped reading.
fn timed_out(error: io::Error) -> io::Error {
    if is_timeout(&error) { stalled() } else { error }
}
