//! One client's socket: framed command lines in, replies and raw data out.
//!
//! This module only does I/O. It keeps the bytes read past a command line
//! (pipelined commands, or upload data that came with the command, PIPE-2)
//! and queues replies so that a batch of pipelined commands is answered with
//! one write. Every wait for the client is bounded by the idle timeout
//! (LIMIT-1).

use std::io;
use std::os::fd::AsFd;
use std::time::Duration;

use std::io::Write as _;

use mftp_protocol::{Code, FrameError, MAX_LINE, take_line};
use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest};
use tokio::net::TcpStream;

use crate::shutdown::Shutdown;

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
    /// A command line, without LF or CR (FRAME-2).
    Line(Vec<u8>),
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
    stream: TcpStream,
    /// Bytes received; `input[start..end]` are not used yet. Fixed size:
    /// larger than a command line (FRAME-4), so a line always fits.
    input: Box<[u8]>,
    start: usize,
    end: usize,
    /// Replies queued but not yet written.
    output: Vec<u8>,
    idle_timeout: Duration,
}

impl Connection {
    /// Wraps an accepted socket.
    #[must_use]
    pub fn new(stream: TcpStream, idle_timeout: Duration) -> Self {
        // Replies are small and awaited one by one; Nagle would delay them.
        let _ = stream.set_nodelay(true);
        Self {
            stream,
            input: vec![0; COMMAND_READ].into_boxed_slice(),
            start: 0,
            end: 0,
            output: Vec::with_capacity(1024),
            idle_timeout,
        }
    }

    /// Queues a reply line; it is written by the next [`Connection::flush`],
    /// which happens at the latest before the server waits for the client.
    pub fn reply(&mut self, code: Code, text: impl std::fmt::Display) {
        // Writing to a Vec cannot fail.
        let _ = writeln!(self.output, "{} {text}", code.number());
    }

    /// Queues raw bytes (listing lines).
    pub fn queue_raw(&mut self, bytes: &[u8]) {
        self.output.extend_from_slice(bytes);
    }

    /// Writes everything queued.
    pub async fn flush(&mut self) -> io::Result<()> {
        if !self.output.is_empty() {
            // A client that stops reading must not hold the task forever.
            tokio::time::timeout(self.idle_timeout, self.stream.write_all(&self.output))
                .await
                .map_err(|_| stalled())??;
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
    pub async fn close(mut self, last: Option<(Code, &str)>) {
        if let Some((code, text)) = last {
            self.reply(code, text);
        }
        let _ = self.flush().await;
        let _ = self.stream.shutdown().await;
        let mut sink = [0_u8; 16 * 1024];
        let mut budget = LINGER_BYTES;
        let _ = tokio::time::timeout(LINGER_TIME, async {
            while budget > 0 {
                match self.stream.read(&mut sink).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => budget = budget.saturating_sub(n),
                }
            }
        })
        .await;
    }

    /// Waits for the next command line.
    pub async fn read_command(&mut self, shutdown: &mut Shutdown) -> io::Result<Incoming> {
        loop {
            match take_line(&self.input[self.start..self.end], MAX_LINE) {
                Ok(Some((line, used))) => {
                    let line = line.to_vec();
                    self.start += used;
                    return Ok(Incoming::Line(line));
                }
                Err(FrameError::TooLong { .. }) => return Ok(Incoming::TooLong),
                Ok(None) => {}
            }
            // Nothing complete is pending: answer everything queued before
            // waiting, and stop here if the server is stopping.
            self.flush().await?;
            if shutdown.is_stopping() {
                return Ok(Incoming::Shutdown);
            }
            // Fewer than MAX_LINE bytes are pending, so after moving them to
            // the front there is room to read.
            self.input.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            let free = &mut self.input[self.end..];
            let read = tokio::select! {
                read = tokio::time::timeout(self.idle_timeout, self.stream.read(free)) => read,
                () = shutdown.stopping() => return Ok(Incoming::Shutdown),
            };
            match read {
                Err(_elapsed) => return Ok(Incoming::Idle),
                Ok(Err(e)) => return Err(e),
                Ok(Ok(0)) => return Ok(Incoming::Closed),
                Ok(Ok(n)) => self.end += n,
            }
        }
    }

    /// Reads data into `buf`: first what is already buffered, then from the
    /// socket. Returns how many bytes it read, never 0.
    pub async fn read_data(&mut self, buf: &mut [u8]) -> Result<usize, DataError> {
        let pending = self.end - self.start;
        if pending > 0 {
            let take = pending.min(buf.len());
            buf[..take].copy_from_slice(&self.input[self.start..self.start + take]);
            self.start += take;
            return Ok(take);
        }
        let read = tokio::time::timeout(self.idle_timeout, self.stream.read(buf))
            .await
            .map_err(|_| DataError::Idle)??;
        if read == 0 {
            return Err(DataError::Closed);
        }
        Ok(read)
    }

    /// Sends exactly `len` bytes of `file` after what is queued, with
    /// `sendfile(2)` (no copy through user space). Fails if the file ends
    /// early; the caller must then close the connection (DOWNLOAD-4).
    pub async fn send_file(&mut self, file: &std::fs::File, len: u64) -> io::Result<()> {
        // The reply goes out with MSG_MORE, so that it shares a segment
        // with the first data bytes instead of costing one of its own (with
        // no data to follow it would wait for the cork timer instead).
        if len == 0 {
            return self.flush().await;
        }
        while !self.output.is_empty() {
            let (stream, output) = (&self.stream, &self.output);
            let send = stream.async_io(Interest::WRITABLE, || {
                rustix::net::send(stream.as_fd(), output, rustix::net::SendFlags::MORE)
                    .map_err(io::Error::from)
            });
            let sent = tokio::time::timeout(self.idle_timeout, send)
                .await
                .map_err(|_| stalled())??;
            self.output.drain(..sent);
        }
        let mut offset = 0_u64;
        while offset < len {
            let chunk = usize::try_from(len - offset)
                .unwrap_or(usize::MAX)
                .min(SENDFILE_CHUNK);
            let stream = &self.stream;
            let send = stream.async_io(Interest::WRITABLE, || {
                rustix::fs::sendfile(stream.as_fd(), file, Some(&mut offset), chunk)
                    .map_err(io::Error::from)
            });
            // A client that stops reading must not hold the task forever.
            let sent = tokio::time::timeout(self.idle_timeout, send)
                .await
                .map_err(|_| stalled())??;
            if sent == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "file shrank while being sent",
                ));
            }
        }
        Ok(())
    }

    /// The client's address, for logs.
    #[must_use]
    pub fn peer(&self) -> Option<std::net::SocketAddr> {
        self.stream.peer_addr().ok()
    }
}
