//! A small blocking mftp/1 client for the benchmarks, and the two byte
//! movers it shares with the baseline so that both sides of every ratio
//! move bytes the same way: `sendfile(2)` from a file to send, `read(2)`
//! into a reused 1 MiB buffer to receive.

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

use anyhow::{Context as _, bail, ensure};
use mftp_protocol::{Name, Reply, ReplyLine, Request, take_line};

/// Size of the receive buffer (and of one `sendfile` call).
pub const CHUNK: usize = 1024 * 1024;

/// Longest reply or listing line the client accepts.
const MAX_REPLY_LINE: usize = 64 * 1024;

/// Receives exactly `len` bytes from `stream` into `scratch` and drops them.
pub fn recv_discard(stream: &mut TcpStream, mut len: u64, scratch: &mut [u8]) -> io::Result<()> {
    while len > 0 {
        let want = usize::try_from(len)
            .unwrap_or(usize::MAX)
            .min(scratch.len());
        let got = stream.read(&mut scratch[..want])?;
        if got == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        len -= got as u64;
    }
    Ok(())
}

/// Sends the first `len` bytes of `file` with `sendfile(2)`.
pub fn send_file(stream: &TcpStream, file: &File, len: u64) -> io::Result<()> {
    let mut offset = 0_u64;
    while offset < len {
        let chunk = usize::try_from(len - offset)
            .unwrap_or(usize::MAX)
            .min(8 * CHUNK);
        let sent = rustix::fs::sendfile(stream, file, Some(&mut offset), chunk)?;
        if sent == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
    Ok(())
}

/// A name the benchmarks use; panics on a name that breaks section 4.
#[must_use]
pub fn name(text: &str) -> Name {
    Name::parse(text.as_bytes()).expect("benchmark names follow section 4")
}

/// One open mftp/1 connection.
#[derive(Debug)]
pub struct Client {
    stream: TcpStream,
    /// Bytes received but not used yet: `input[start..end]`.
    input: Vec<u8>,
    start: usize,
    end: usize,
    /// Where download data goes (and is dropped).
    scratch: Vec<u8>,
    /// The last request line sent by [`Client::size`].
    request: Vec<u8>,
}

impl Client {
    /// Connects and reads the greeting (FRAME-1).
    pub fn connect(addr: SocketAddr) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr).with_context(|| format!("connect {addr}"))?;
        stream.set_nodelay(true)?;
        let mut client = Self {
            stream,
            input: vec![0; MAX_REPLY_LINE],
            start: 0,
            end: 0,
            scratch: Vec::new(),
            request: Vec::new(),
        };
        let greeting = client.reply()?;
        ensure!(greeting.code == 220, "no greeting: {greeting:?}");
        Ok(client)
    }

    /// Sends raw bytes (one or more command lines).
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Reads one line (without LF and CR).
    fn line(&mut self) -> anyhow::Result<&[u8]> {
        loop {
            if let Some((_, used)) = take_line(&self.input[self.start..self.end], MAX_REPLY_LINE)? {
                let from = self.start;
                self.start += used;
                let line = &self.input[from..from + used - 1];
                return Ok(line.strip_suffix(b"\r").unwrap_or(line));
            }
            if self.start > 0 {
                self.input.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            let got = self.stream.read(&mut self.input[self.end..])?;
            if got == 0 {
                bail!("server closed the connection");
            }
            self.end += got;
        }
    }

    /// Reads one reply line.
    pub fn reply(&mut self) -> anyhow::Result<Reply> {
        let line = self.line()?;
        Ok(Reply::parse(line)?)
    }

    /// Reads one reply line, checks its code, and returns its first field
    /// if that is a number. Allocates nothing when the reply is as
    /// expected, so that the client's own work stays out of the latency
    /// figures as far as it can.
    fn expect(&mut self, code: u16) -> anyhow::Result<Option<u64>> {
        let reply = ReplyLine::parse(self.line()?)?;
        ensure!(reply.code == code, "expected {code}, got {reply:?}");
        Ok(reply.number_field())
    }

    /// `size NAME`: the file's length. The request line is built in a
    /// reused buffer.
    pub fn size(&mut self, name: &Name) -> anyhow::Result<u64> {
        self.request.clear();
        self.request.extend_from_slice(b"size ");
        self.request.extend_from_slice(name.as_str().as_bytes());
        self.request.push(b'\n');
        self.stream.write_all(&self.request)?;
        self.expect(213)?.context("213 without size")
    }

    /// Sends `count` `size NAME` lines in one write (PIPE-1), then reads
    /// the `count` replies.
    pub fn size_pipelined(&mut self, name: &Name, count: usize) -> anyhow::Result<()> {
        let batch = Request::Size(name.clone()).encode().repeat(count);
        self.send(&batch)?;
        for _ in 0..count {
            self.expect(213)?;
        }
        Ok(())
    }

    /// `ls [DIR]`: reads the listing and returns its entry count.
    pub fn ls(&mut self, dir: Option<&Name>) -> anyhow::Result<u64> {
        self.send(&Request::Ls(dir.cloned()).encode())?;
        let count = self.expect(200)?.context("200 without count")?;
        for _ in 0..count {
            self.line()?;
        }
        Ok(count)
    }

    /// `download NAME`: receives the data, drops it, returns its length.
    pub fn download(&mut self, name: &Name) -> anyhow::Result<u64> {
        self.send(&Request::Download(name.clone()).encode())?;
        let len = self.expect(150)?.context("150 without size")?;
        // Data that came with the reply line is in the buffer already.
        let buffered = (self.end - self.start) as u64;
        let from_buffer = buffered.min(len);
        self.start += usize::try_from(from_buffer).expect("buffered bytes fit in usize");
        if self.scratch.is_empty() {
            self.scratch = vec![0; CHUNK];
        }
        recv_discard(&mut self.stream, len - from_buffer, &mut self.scratch)?;
        Ok(len)
    }

    /// `upload LEN NAME` with the first `len` bytes of `file`, waiting for
    /// the `226` that comes after the server's fsync (UPLOAD-4).
    pub fn upload(&mut self, name: &Name, file: &File, len: u64) -> anyhow::Result<()> {
        let request = Request::Upload {
            size: len,
            name: name.clone(),
        };
        self.send(&request.encode())?;
        self.expect(150)?;
        send_file(&self.stream, file, len)?;
        self.expect(226)?;
        Ok(())
    }

    /// `rm NAME`.
    pub fn rm(&mut self, name: &Name) -> anyhow::Result<()> {
        self.send(&Request::Rm(name.clone()).encode())?;
        self.expect(250)?;
        Ok(())
    }
}
