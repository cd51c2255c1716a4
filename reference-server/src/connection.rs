//! One client's socket: framed command lines in, replies and raw data out.
//!
//! This module only does I/O; the bytes come from `mftp_protocol`. A
//! [`LineBuffer`] keeps the bytes read past a command line (pipelined
//! commands, or upload data that came with the command, PIPE-2), and
//! replies are queued so that a batch of pipelined commands is answered
//! with one write. Every wait for the client is bounded by the idle timeout
//! (LIMIT-1).
//!
//! A busy connection runs on a thread with a blocking socket: a command
//! costs one `read`, the command's own work and one `write`, with no
//! scheduler or readiness polling in between (this is what keeps a `size`
//! round trip close to a plain TCP echo; see `benches/README.md`). A
//! connection that has had nothing to read for [`QUIET_AFTER`] gives its
//! thread back: [`Connection::park`] keeps only what the event loop needs
//! ([`Parked`], see `idle.rs`), and [`Connection::resume`] makes it busy
//! again when input arrives.
//!
//! The socket's send timeout is the idle timeout, so no write or
//! `sendfile` waits longer than that; its receive timeout is the shorter of
//! [`QUIET_AFTER`] and the idle timeout, and every read loop counts the
//! idle timer itself (LIMIT-1). The server's stop signal reaches a
//! connection blocked waiting for a command through [`crate::shutdown`].

use std::io::{self, Read as _, Write as _};
use std::net::{Shutdown as Direction, SocketAddr, TcpStream};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use mftp_protocol::{Code, Entry, LineBuffer, MAX_LINE, ReadLineError, encode_reply};

use crate::shutdown::Watch;

/// How much is read from the socket at once while waiting for a command.
const COMMAND_READ: usize = 16 * 1024;
/// The most bytes handed to one `sendfile` call.
const SENDFILE_CHUNK: usize = 8 * 1024 * 1024;
/// Files up to this length are read (`pread`) behind their reply and sent
/// with it in one `write`, instead of a `send` of the reply and a
/// `sendfile`: for a 4 KiB download about 0.2 µs of 8.5
/// (`benches/README.md`, "4 KiB downloads").
const SMALL_FILE: usize = 16 * 1024;

/// How long a busy connection keeps its thread while it waits for input;
/// after that it is parked in the event loop. Long enough that a client
/// sending commands one after the other never waits for a thread, short
/// enough that thousands of silent clients do not hold thousands of them.
pub const QUIET_AFTER: Duration = Duration::from_millis(500);

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
pub enum Incoming<'a> {
    /// A command line, without LF or CR (FRAME-2).
    Line(&'a [u8]),
    /// The client closed the connection.
    Closed,
    /// FRAME-4: the limit was reached without an LF.
    TooLong,
    /// LIMIT-1: nothing arrived for the idle timeout.
    Idle,
    /// The server is stopping.
    Shutdown,
    /// Nothing arrived for [`QUIET_AFTER`]: park the connection. The idle
    /// timer started at the instant given.
    Quiet(Instant),
}

/// Why the wait for more of a command line ended without bytes.
enum Wait {
    Idle,
    Shutdown,
    Quiet(Instant),
    Failed(io::Error),
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

/// A client's address, for logs (`-` if the socket could not tell).
#[derive(Debug, Clone, Copy)]
pub struct Peer(Option<SocketAddr>);

impl Peer {
    /// The address of the client at the other end of `socket`.
    #[must_use]
    pub fn of(socket: &TcpStream) -> Self {
        Self(socket.peer_addr().ok())
    }
}

impl From<SocketAddr> for Peer {
    fn from(addr: SocketAddr) -> Self {
        Self(Some(addr))
    }
}

impl std::fmt::Display for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(addr) => addr.fmt(f),
            None => f.write_str("-"),
        }
    }
}

/// A client connection with a thread serving it.
#[derive(Debug)]
pub struct Connection {
    /// The socket, registered with the server's stop signal.
    watch: Watch,
    /// Bytes received and not used yet. Fixed size: larger than a command
    /// line (FRAME-4), so a line always fits.
    input: LineBuffer,
    /// Replies queued but not yet written.
    output: Vec<u8>,
    /// LIMIT-1.
    idle_timeout: Duration,
    /// The client's address, for logs.
    peer: Peer,
}

/// A connection waiting for input without a thread: the socket, and the
/// little state that must survive until the next command. A client that
/// went quiet between commands costs only this (no buffers); one that went
/// quiet in the middle of a command line keeps its input buffer.
#[derive(Debug)]
pub struct Parked {
    /// The socket, registered with the server's stop signal.
    pub watch: Watch,
    /// The start of a command line, when one was pending.
    input: Option<LineBuffer>,
    /// Bytes to send before waiting (only a greeting the socket did not take
    /// at once).
    output: Vec<u8>,
    /// When the idle timer started (LIMIT-1).
    pub since: Instant,
    /// The client's address, for logs.
    pub peer: Peer,
    /// Whether the socket went through [`prepare`]: only once it first
    /// needs a thread (a client that leaves without a command never does).
    prepared: bool,
}

/// Prepares an accepted (blocking) socket for a thread: no Nagle, and the
/// timeouts described in the module doc.
///
/// # Errors
/// When the socket's options cannot be set.
fn prepare(stream: &TcpStream, idle_timeout: Duration) -> io::Result<()> {
    // Replies are small and awaited one by one; Nagle would delay them.
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(idle_timeout.min(QUIET_AFTER)))?;
    // LIMIT-1 for every single write and sendfile.
    stream.set_write_timeout(Some(idle_timeout))?;
    Ok(())
}

impl Parked {
    /// A new client's connection, greeted (FRAME-1) without waiting: a new
    /// socket's send buffer takes the line whole; whatever it does not take
    /// is sent by the thread that serves the first command.
    #[must_use]
    pub fn greeted(watch: Watch, peer: Peer) -> Self {
        // Encoded once: a client that connects and leaves costs no
        // formatting and no allocation here.
        static GREETING: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
            let mut line = Vec::new();
            encode_reply(&mut line, Code::Ready, mftp_protocol::GREETING);
            line
        });
        let sent = rustix::net::send(watch.socket(), &GREETING, rustix::net::SendFlags::DONTWAIT)
            .unwrap_or(0);
        let output = GREETING.get(sent..).unwrap_or_default().to_vec();
        Self {
            watch,
            input: None,
            output,
            since: Instant::now(),
            peer,
            prepared: false,
        }
    }

    /// True when bytes wait to be sent: then the connection needs a thread
    /// at once, not input.
    #[must_use]
    pub fn has_output(&self) -> bool {
        !self.output.is_empty()
    }
}

impl Connection {
    /// Wraps an accepted socket for a short exchange (a refusal): makes it
    /// blocking, with `timeout` for every read and write.
    ///
    /// # Errors
    /// When the socket's mode or timeouts cannot be set.
    pub fn new(watch: Watch, timeout: Duration) -> io::Result<Self> {
        let stream = watch.socket();
        stream.set_nonblocking(false)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        let peer = Peer::of(stream);
        Ok(Self {
            watch,
            input: LineBuffer::new(MAX_LINE, COMMAND_READ),
            output: Vec::new(),
            idle_timeout: timeout,
            peer,
        })
    }

    /// Takes a parked connection back onto a thread.
    ///
    /// # Errors
    /// When the socket's options cannot be set (the first time).
    pub fn resume(parked: Parked, idle_timeout: Duration) -> io::Result<Self> {
        if !parked.prepared {
            prepare(parked.watch.socket(), idle_timeout)?;
        }
        Ok(Self {
            watch: parked.watch,
            input: parked
                .input
                .unwrap_or_else(|| LineBuffer::new(MAX_LINE, COMMAND_READ)),
            output: parked.output,
            idle_timeout,
            peer: parked.peer,
        })
    }

    /// Gives up the thread until input arrives: keeps the socket, and the
    /// input buffer only if part of a command line is in it.
    #[must_use]
    pub fn park(self, since: Instant) -> Parked {
        let input = (!self.input.pending().is_empty()).then_some(self.input);
        let mut output = self.output;
        if output.is_empty() {
            output = Vec::new();
        }
        Parked {
            watch: self.watch,
            input,
            output,
            since,
            peer: self.peer,
            prepared: true,
        }
    }

    /// Queues a reply line; it is written by the next [`Connection::flush`],
    /// which happens at the latest before the server waits for the client.
    pub fn reply(&mut self, code: Code, text: impl std::fmt::Display) {
        encode_reply(&mut self.output, code, text);
    }

    /// Queues a listing line.
    pub fn queue_entry(&mut self, entry: &Entry) {
        entry.encode(&mut self.output);
    }

    /// Writes everything queued.
    ///
    /// # Errors
    /// A socket error, or `TimedOut` if the client did not read for the idle
    /// timeout.
    pub fn flush(&mut self) -> io::Result<()> {
        write_out(self.watch.socket(), &mut self.output)
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

    /// Waits for the next command line. Replies queued so far are written
    /// before waiting, not before: a batch of pipelined commands gets one
    /// write.
    ///
    /// # Errors
    /// A socket error, or `TimedOut` if the client stopped reading replies.
    pub fn read_command(&mut self) -> io::Result<Incoming<'_>> {
        let Self {
            watch,
            input,
            output,
            idle_timeout,
            ..
        } = self;
        let idle_timeout = *idle_timeout;
        let found = input.read_line(|spare| {
            // Nothing complete is pending: answer everything queued, then
            // wait (or stop instead of waiting if the server is stopping).
            write_out(watch.socket(), output).map_err(Wait::Failed)?;
            let since = Instant::now();
            loop {
                if !watch.begin_wait() {
                    return Err(Wait::Shutdown);
                }
                let read = watch.socket().read(spare);
                if !watch.end_wait() {
                    return Err(Wait::Shutdown);
                }
                match read {
                    Ok(n) => return Ok(n),
                    Err(e) if is_timeout(&e) && since.elapsed() >= idle_timeout => {
                        return Err(Wait::Idle);
                    }
                    Err(e) if is_timeout(&e) => return Err(Wait::Quiet(since)),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(Wait::Failed(e)),
                }
            }
        });
        match found {
            Ok(line) => Ok(Incoming::Line(line)),
            Err(ReadLineError::Frame(_)) => Ok(Incoming::TooLong),
            Err(ReadLineError::Closed) => Ok(Incoming::Closed),
            Err(ReadLineError::Read(Wait::Idle)) => Ok(Incoming::Idle),
            Err(ReadLineError::Read(Wait::Shutdown)) => Ok(Incoming::Shutdown),
            Err(ReadLineError::Read(Wait::Quiet(since))) => Ok(Incoming::Quiet(since)),
            Err(ReadLineError::Read(Wait::Failed(e))) => Err(e),
        }
    }

    /// Reads data into `buf`: first what is already buffered, then from the
    /// socket. Returns how many bytes it read, never 0.
    ///
    /// # Errors
    /// The client closed the connection, went idle, or the socket failed.
    pub fn read_data(&mut self, buf: &mut [u8]) -> Result<usize, DataError> {
        let buffered = self.input.take_pending(buf);
        if buffered > 0 {
            return Ok(buffered);
        }
        let since = Instant::now();
        loop {
            match self.socket().read(buf) {
                Ok(0) => return Err(DataError::Closed),
                Ok(n) => return Ok(n),
                // The receive timeout may be shorter than the idle timeout
                // (QUIET_AFTER): keep waiting until the idle timer is up.
                Err(e) if is_timeout(&e) && since.elapsed() >= self.idle_timeout => {
                    return Err(DataError::Idle);
                }
                Err(e) if is_timeout(&e) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Sends exactly `len` bytes of `file` after what is queued: a small
    /// file in one write with the reply, a larger one with `sendfile(2)`
    /// (no copy through user space). Reads at explicit offsets, so the file
    /// may be shared with other downloads. Fails if the file ends
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
        if let Some(small) = usize::try_from(len).ok().filter(|&len| len <= SMALL_FILE) {
            use std::os::unix::fs::FileExt as _;
            let at = self.output.len();
            self.output.resize(at + small, 0);
            // Fails with UnexpectedEof if the file shrank (DOWNLOAD-4).
            if let Err(e) = file.read_exact_at(&mut self.output[at..], 0) {
                self.output.truncate(at);
                return Err(e);
            }
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
    pub fn peer(&self) -> Peer {
        self.peer
    }

    fn socket(&self) -> &TcpStream {
        self.watch.socket()
    }
}

/// Writes everything queued in `output`.
fn write_out(socket: &TcpStream, output: &mut Vec<u8>) -> io::Result<()> {
    if !output.is_empty() {
        (&*socket).write_all(output).map_err(timed_out)?;
        output.clear();
    }
    Ok(())
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
