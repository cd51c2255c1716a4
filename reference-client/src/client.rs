//! A blocking mftp/1 connection: one method per command.
//!
//! A client is simple enough that blocking `std::net` I/O serves it well:
//! one command at a time, big chunks for data, and read/write timeouts so
//! that nothing waits forever.
//!
//! Replies are framed with [`mftp_protocol::take_line`] over a buffer that
//! never holds more than one reply line plus one read; file data is read
//! from that buffer first and then straight from the socket, so transfers
//! use bounded memory whatever their size.
//!
//! When a command leaves the stream in an unknown state (a timeout, a
//! malformed reply, a local file that ended early during an upload) the
//! client marks itself [`Client::is_broken`] and the caller drops it.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use mftp_protocol::{Code, Name, PROTOCOL, Reply, Request, take_line};

use crate::error::ClientError;

/// The longest reply line we accept. Replies have no limit in spec.md, but
/// every field is short; this only stops a runaway server.
pub const MAX_REPLY_LINE: usize = 64 * 1024;

/// Size of one read or write of file data.
pub const CHUNK: usize = 256 * 1024;

/// How a transfer reports its progress (implemented by `output.rs`).
pub trait Progress {
    /// The transfer of `total` bytes begins.
    fn begin(&mut self, total: u64);
    /// `bytes` more bytes went through.
    fn advance(&mut self, bytes: u64);
    /// The transfer ended, well or not.
    fn end(&mut self);
}

/// One entry of a listing (LS-1, LS-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The entry's own name (one component).
    pub name: String,
    /// True when the server marked it with a trailing `/`.
    pub is_dir: bool,
}

/// The answer to `size` (SIZE-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSize {
    /// Exact length in bytes.
    pub bytes: u64,
    /// Megabytes exactly as the server printed them (SIZE-2).
    pub megabytes: String,
}

/// An open connection to an mftp/1 server.
pub struct Client {
    stream: TcpStream,
    /// Bytes read from the socket and not yet used.
    buf: Vec<u8>,
    /// Set when the stream is in an unknown state or closed.
    broken: bool,
}

impl Client {
    /// Opens the connection and reads the greeting (FRAME-1).
    pub fn connect(host: &str, port: u16, timeout: Duration) -> Result<(Self, Reply), ClientError> {
        let addr = format!("{host}:{port}");
        let connect_error = |source| ClientError::Connect {
            addr: addr.clone(),
            source,
        };
        let mut last = io::Error::new(io::ErrorKind::NotFound, "host name resolved to no address");
        let mut stream = None;
        for candidate in (host, port).to_socket_addrs().map_err(connect_error)? {
            match TcpStream::connect_timeout(&candidate, timeout) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = e,
            }
        }
        let stream = stream.ok_or_else(|| connect_error(last))?;
        stream
            .set_read_timeout(Some(timeout))
            .and_then(|()| stream.set_write_timeout(Some(timeout)))
            .and_then(|()| stream.set_nodelay(true))
            .map_err(connect_error)?;
        let mut client = Client {
            stream,
            buf: Vec::with_capacity(8 * 1024),
            broken: false,
        };
        let greeting = client.expect(Code::Ready)?;
        check_greeting(&greeting)?;
        Ok((client, greeting))
    }

    /// True when the connection can no longer be used.
    #[must_use]
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// `connme` on the open connection: the server repeats its greeting
    /// (CONNME-1).
    pub fn connme(&mut self) -> Result<Reply, ClientError> {
        self.send(&Request::Connme)?;
        let greeting = self.expect(Code::Ready)?;
        check_greeting(&greeting)?;
        Ok(greeting)
    }

    /// `ls [DIR]` (LS-1).
    pub fn ls(&mut self, dir: Option<&Name>) -> Result<Vec<Entry>, ClientError> {
        self.send(&Request::Ls(dir.cloned()))?;
        let reply = self.expect(Code::Listing)?;
        let count = self.field(&reply)?;
        // No `with_capacity(count)`: a number from the network is not an
        // allocation size. The vector grows only with lines that arrive.
        let mut entries = Vec::new();
        for _ in 0..count {
            let line = self.line()?;
            let text =
                String::from_utf8(line).map_err(|_| self.protocol("listing entry is not UTF-8"))?;
            let entry = match text.strip_suffix('/') {
                Some(dir) => Entry {
                    name: dir.to_owned(),
                    is_dir: true,
                },
                None => Entry {
                    name: text,
                    is_dir: false,
                },
            };
            entries.push(entry);
        }
        Ok(entries)
    }

    /// `size NAME` (SIZE-1).
    pub fn size(&mut self, name: &Name) -> Result<FileSize, ClientError> {
        self.send(&Request::Size(name.clone()))?;
        let reply = self.expect(Code::FileSize)?;
        let bytes = self.field(&reply)?;
        let mut fields = reply.text.split(' ').skip(1);
        match (fields.next(), fields.next()) {
            (Some(megabytes), Some("MB")) if !megabytes.is_empty() => Ok(FileSize {
                bytes,
                megabytes: megabytes.to_owned(),
            }),
            _ => Err(self.protocol(format!(
                "malformed size reply: {:?}",
                reply.to_line().trim_end()
            ))),
        }
    }

    /// `download NAME` (DOWNLOAD-1): writes exactly the announced bytes to
    /// `out` and returns their number.
    ///
    /// If `out` fails, the rest of the data is still read and thrown away so
    /// that the connection stays usable; the write error is returned.
    pub fn download(
        &mut self,
        name: &Name,
        out: &mut dyn Write,
        progress: &mut dyn Progress,
    ) -> Result<u64, ClientError> {
        self.send(&Request::Download(name.clone()))?;
        let reply = self.expect(Code::DataFollows)?;
        let total = self.field(&reply)?;
        progress.begin(total);
        let transfer = crate::interrupt::Transfer::begin();
        let result = self.receive(total, out, progress);
        drop(transfer);
        progress.end();
        result.map(|()| total)
    }

    /// `upload BYTES NAME` (UPLOAD-3): announces `len`, waits for `150`,
    /// streams `len` bytes from `data`, and waits for `226`.
    pub fn upload(
        &mut self,
        name: &Name,
        data: &mut dyn Read,
        len: u64,
        progress: &mut dyn Progress,
    ) -> Result<u64, ClientError> {
        self.send(&Request::Upload {
            size: len,
            name: name.clone(),
        })?;
        let reply = self.expect(Code::DataFollows)?;
        if self.field(&reply)? != len {
            return Err(self.protocol(format!(
                "server expects {} bytes, not {len}",
                reply.first_field()
            )));
        }
        progress.begin(len);
        let transfer = crate::interrupt::Transfer::begin();
        let sent = self.transmit(data, len, progress);
        drop(transfer);
        progress.end();
        sent?;
        let stored = self.expect(Code::Stored)?;
        self.field(&stored)
    }

    /// `rm NAME` (RM-1).
    pub fn rm(&mut self, name: &Name) -> Result<Reply, ClientError> {
        self.send(&Request::Rm(name.clone()))?;
        self.expect(Code::Removed)
    }

    /// `byebye` (BYEBYE-1); the connection is closed afterwards whatever
    /// the server answered.
    pub fn byebye(mut self) -> Result<Reply, ClientError> {
        self.send(&Request::Byebye)?;
        let reply = self.expect(Code::Goodbye);
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
        reply
    }

    fn send(&mut self, request: &Request) -> Result<(), ClientError> {
        let line = request.encode();
        self.stream
            .write_all(&line)
            .map_err(|e| self.lost("sending a command", &e))
    }

    /// Reads one reply and checks it is `want`; error replies become
    /// [`ClientError::Server`], other unexpected ones break the connection.
    fn expect(&mut self, want: Code) -> Result<Reply, ClientError> {
        let line = self.line()?;
        let reply = Reply::parse(&line).map_err(|e| self.protocol(e.to_string()))?;
        if reply.code == want.number() {
            return Ok(reply);
        }
        if reply.code == Code::Closing.number() {
            // LIMIT-1, LIMIT-3: the server closes after 421.
            self.broken = true;
        }
        if reply.is_success() {
            return Err(self.protocol(format!(
                "expected a {want} reply, got {:?}",
                reply.to_line().trim_end()
            )));
        }
        Err(ClientError::Server {
            code: reply.code,
            text: reply.text,
        })
    }

    /// The first field of a reply as a number (bytes or count).
    fn field(&mut self, reply: &Reply) -> Result<u64, ClientError> {
        reply.number_field().ok_or_else(|| {
            self.protocol(format!(
                "missing number in {:?}",
                reply.to_line().trim_end()
            ))
        })
    }

    /// One line from the server, without its LF (and CR).
    fn line(&mut self) -> Result<Vec<u8>, ClientError> {
        loop {
            match take_line(&self.buf, MAX_REPLY_LINE) {
                Ok(Some((line, used))) => {
                    let line = line.to_vec();
                    self.buf.drain(..used);
                    return Ok(line);
                }
                Ok(None) => {}
                Err(e) => return Err(self.protocol(e.to_string())),
            }
            self.fill()?;
        }
    }

    /// Reads at least one more byte into the buffer.
    fn fill(&mut self) -> Result<(), ClientError> {
        let mut chunk = [0_u8; 16 * 1024];
        let n = loop {
            match self.stream.read(&mut chunk) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.lost("waiting for the server", &e)),
            }
        };
        if n == 0 {
            self.broken = true;
            return Err(ClientError::ConnectionLost(
                "the server closed the connection".to_owned(),
            ));
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    /// Reads exactly `total` data bytes into `out` (DOWNLOAD-1).
    fn receive(
        &mut self,
        total: u64,
        out: &mut dyn Write,
        progress: &mut dyn Progress,
    ) -> Result<(), ClientError> {
        let mut left = total;
        let mut write_error: Option<io::Error> = None;
        let mut deliver = |bytes: &[u8], progress: &mut dyn Progress| {
            if write_error.is_none()
                && let Err(e) = out.write_all(bytes)
            {
                write_error = Some(e);
            }
            progress.advance(bytes.len() as u64);
        };
        // Data that arrived together with the 150 line comes first.
        let buffered = usize::try_from(left).map_or(self.buf.len(), |l| l.min(self.buf.len()));
        if buffered > 0 {
            deliver(&self.buf[..buffered], progress);
            self.buf.drain(..buffered);
            left -= buffered as u64;
        }
        let mut chunk = vec![0_u8; CHUNK];
        while left > 0 {
            self.check_interrupt("download")?;
            let want = usize::try_from(left).map_or(CHUNK, |l| l.min(CHUNK));
            let n = match self.stream.read(&mut chunk[..want]) {
                Ok(0) => {
                    self.broken = true;
                    return Err(ClientError::ConnectionLost(format!(
                        "the server closed the connection with {left} of {total} bytes still to come"
                    )));
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.lost("receiving data", &e)),
            };
            deliver(&chunk[..n], progress);
            left -= n as u64;
        }
        match write_error {
            Some(e) => Err(ClientError::local("writing the downloaded data", e)),
            None => out
                .flush()
                .map_err(|e| ClientError::local("writing the downloaded data", e)),
        }
    }

    /// Sends exactly `len` bytes from `data` (UPLOAD-3).
    fn transmit(
        &mut self,
        data: &mut dyn Read,
        len: u64,
        progress: &mut dyn Progress,
    ) -> Result<(), ClientError> {
        let mut left = len;
        let mut chunk = vec![0_u8; CHUNK];
        while left > 0 {
            self.check_interrupt("upload")?;
            let want = usize::try_from(left).map_or(CHUNK, |l| l.min(CHUNK));
            let n = match data.read(&mut chunk[..want]) {
                Ok(0) => {
                    // We cannot send fewer bytes than announced, and padding
                    // would store garbage: give the connection up, so that the
                    // server discards the upload (UPLOAD-6).
                    self.broken = true;
                    let _ = self.stream.shutdown(std::net::Shutdown::Both);
                    return Err(ClientError::local(
                        "reading the file to upload",
                        io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            format!(
                                "the file shrank while being sent ({left} of {len} bytes missing); upload abandoned"
                            ),
                        ),
                    ));
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.broken = true;
                    let _ = self.stream.shutdown(std::net::Shutdown::Both);
                    return Err(ClientError::local("reading the file to upload", e));
                }
            };
            self.stream
                .write_all(&chunk[..n])
                .map_err(|e| self.lost("sending data", &e))?;
            progress.advance(n as u64);
            left -= n as u64;
        }
        Ok(())
    }

    /// Ctrl-C in the middle of data: the stream cannot be resynchronised,
    /// so the connection is given up (the server discards a partial
    /// upload, UPLOAD-6).
    fn check_interrupt(&mut self, what: &'static str) -> Result<(), ClientError> {
        if crate::interrupt::requested() {
            self.broken = true;
            let _ = self.stream.shutdown(std::net::Shutdown::Both);
            return Err(ClientError::Interrupted(what));
        }
        Ok(())
    }

    fn lost(&mut self, doing: &str, e: &io::Error) -> ClientError {
        self.broken = true;
        let why = match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                "the server did not answer in time".to_owned()
            }
            _ => e.to_string(),
        };
        ClientError::ConnectionLost(format!("{doing}: {why}"))
    }

    fn protocol(&mut self, what: impl Into<String>) -> ClientError {
        self.broken = true;
        ClientError::Protocol(what.into())
    }
}

/// A greeting must be `220 mftp/1 …` (FRAME-1).
fn check_greeting(greeting: &Reply) -> Result<(), ClientError> {
    if greeting.first_field() == PROTOCOL {
        Ok(())
    } else {
        Err(ClientError::Protocol(format!(
            "not an {PROTOCOL} server: greeting was {:?}",
            greeting.to_line().trim_end()
        )))
    }
}
