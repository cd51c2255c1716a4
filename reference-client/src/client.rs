//! A blocking mftp/1 connection: one method per command.
//!
//! A client is simple enough that blocking `std::net` I/O serves it well:
//! one command at a time, big chunks for data, and read/write timeouts so
//! that nothing waits forever.
//!
//! Every wire form comes from `mftp_protocol`: command lines, reply lines,
//! listing entries and the `213` text. Replies are framed by a
//! [`LineBuffer`] that never holds more than [`MAX_REPLY_LINE`] bytes; file
//! data is taken from that buffer first and then straight from the socket,
//! so transfers use bounded memory whatever their size.
//!
//! When a command leaves the stream in an unknown state (a timeout, a
//! malformed reply, a local file that ended early during an upload, a
//! transfer its [`Progress`] cancelled) the client marks itself
//! [`Client::is_broken`] and the caller drops it.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::ops::ControlFlow;
use std::time::Duration;

use mftp_protocol::{
    Code, Entry, FileSize, LineBuffer, MAX_REPLY_LINE, Name, PROTOCOL, ReadLineError, Reply,
    Request,
};

use crate::error::ClientError;

/// Size of one read or write of file data.
pub const CHUNK: usize = 256 * 1024;

/// How a transfer reports its progress, and the caller's way to stop it
/// (the prompt wires Ctrl-C to it, see `interrupt.rs`).
pub trait Progress {
    /// The transfer of `total` bytes begins.
    fn begin(&mut self, total: u64);
    /// `bytes` more bytes went through. `ControlFlow::Break` abandons the
    /// transfer, and with it the connection, since the stream cannot be
    /// resynchronised in the middle of data (the server discards a partial
    /// upload, UPLOAD-6). Once the last byte went through the transfer is
    /// complete, whatever this answers.
    fn advance(&mut self, bytes: u64) -> ControlFlow<()>;
    /// The transfer ended, well or not.
    fn end(&mut self);
}

/// An open connection to an mftp/1 server.
pub struct Client {
    stream: TcpStream,
    /// Bytes read from the socket and not yet used.
    input: LineBuffer,
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
            input: LineBuffer::new(MAX_REPLY_LINE, MAX_REPLY_LINE),
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
            let entry = Entry::parse(self.line()?);
            entries.push(entry.map_err(|e| self.protocol(e.to_string()))?);
        }
        Ok(entries)
    }

    /// `size NAME` (SIZE-1).
    pub fn size(&mut self, name: &Name) -> Result<FileSize, ClientError> {
        self.send(&Request::Size(name.clone()))?;
        let reply = self.expect(Code::FileSize)?;
        FileSize::parse(&reply.text).map_err(|e| self.protocol(e.to_string()))
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
        let result = self.receive(total, out, progress);
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
        let sent = self.transmit(data, len, progress);
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
        // One allocation per command; a client waits for each reply anyway.
        let line = request.encode();
        self.stream
            .write_all(&line)
            .map_err(|e| self.lost("sending a command", &e))
    }

    /// Reads one reply and checks it is `want`; error replies become
    /// [`ClientError::Server`], other unexpected ones break the connection.
    fn expect(&mut self, want: Code) -> Result<Reply, ClientError> {
        let reply = Reply::parse(self.line()?);
        let reply = reply.map_err(|e| self.protocol(e.to_string()))?;
        if reply.code == want.number() {
            return Ok(reply);
        }
        if reply.code == Code::Closing.number() {
            // LIMIT-1, LIMIT-3: the server closes after 421.
            self.broken = true;
        }
        if reply.is_success() {
            return Err(self.protocol(format!("expected a {want} reply, got {}", shown(&reply))));
        }
        Err(ClientError::Server {
            code: reply.code,
            text: reply.text,
        })
    }

    /// The first field of a reply as a number (bytes or count).
    fn field(&mut self, reply: &Reply) -> Result<u64, ClientError> {
        reply
            .number_field()
            .ok_or_else(|| self.protocol(format!("missing number in {}", shown(reply))))
    }

    /// One line from the server, without its LF (and CR).
    fn line(&mut self) -> Result<&[u8], ClientError> {
        let stream = &mut self.stream;
        let found = self.input.read_line(|spare| {
            loop {
                match stream.read(spare) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    read => return read,
                }
            }
        });
        // Only fields other than `input` may be touched here: the line
        // borrows it.
        match found {
            Ok(line) => Ok(line),
            Err(error) => {
                self.broken = true;
                Err(match error {
                    ReadLineError::Frame(e) => ClientError::Protocol(e.to_string()),
                    ReadLineError::Closed => {
                        ClientError::ConnectionLost("the server closed the connection".to_owned())
                    }
                    ReadLineError::Read(e) => lost("waiting for the server", &e),
                })
            }
        }
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
            progress.advance(bytes.len() as u64)
        };
        // Data that arrived together with the 150 line comes first.
        let pending = self.input.pending();
        let buffered = usize::try_from(left).map_or(pending.len(), |l| l.min(pending.len()));
        let mut flow = ControlFlow::Continue(());
        if buffered > 0 {
            flow = deliver(&pending[..buffered], progress);
            self.input.consume(buffered);
            left -= buffered as u64;
        }
        let mut chunk = vec![0_u8; CHUNK];
        while left > 0 {
            if flow.is_break() {
                return Err(self.cancel("download"));
            }
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
            flow = deliver(&chunk[..n], progress);
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
        let mut flow = ControlFlow::Continue(());
        while left > 0 {
            if flow.is_break() {
                return Err(self.cancel("upload"));
            }
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
            flow = progress.advance(n as u64);
            left -= n as u64;
        }
        Ok(())
    }

    /// The [`Progress`] cancelled a transfer in the middle of data: the
    /// stream cannot be resynchronised, so the connection is given up (the
    /// server discards a partial upload, UPLOAD-6).
    fn cancel(&mut self, what: &'static str) -> ClientError {
        self.broken = true;
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
        ClientError::Cancelled(what)
    }

    fn lost(&mut self, doing: &str, e: &io::Error) -> ClientError {
        self.broken = true;
        lost(doing, e)
    }

    fn protocol(&mut self, what: impl Into<String>) -> ClientError {
        self.broken = true;
        ClientError::Protocol(what.into())
    }
}

/// The connection failed while `doing` something.
fn lost(doing: &str, e: &io::Error) -> ClientError {
    let why = match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            "the server did not answer in time".to_owned()
        }
        _ => e.to_string(),
    };
    ClientError::ConnectionLost(format!("{doing}: {why}"))
}

/// A reply as it arrived, for messages: its code and quoted text.
fn shown(reply: &Reply) -> String {
    format!("{} {:?}", reply.code, reply.text)
}

/// A greeting must be `220 mftp/1 …` (FRAME-1).
fn check_greeting(greeting: &Reply) -> Result<(), ClientError> {
    if greeting.first_field() == PROTOCOL {
        Ok(())
    } else {
        Err(ClientError::Protocol(format!(
            "not an {PROTOCOL} server: greeting was {}",
            shown(greeting)
        )))
    }
}
