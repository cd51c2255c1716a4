//! A small blocking mftp/1 client for the benchmarks, and the two byte
//! movers it shares with the baseline so that both sides of every ratio
//! move bytes the same way: `sendfile(2)` from a file to send, `read(2)`
//! into a reused 1 MiB buffer to receive.

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

use anyhow::{Context as _, ensure};
use mftp_protocol::{Code, LineBuffer, MAX_REPLY_LINE, Name, ReplyLine, Request};

/// Size of the receive buffer (and of one `sendfile` call).
pub const CHUNK: usize = 1024 * 1024;

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

/// Connects to `addr` and reads its greeting, which must be `greeting`:
/// what every session pays before its first command. The same for the
/// reference server (`roundtrip/connect`) and the greeter
/// (`baseline/connect`), so that the ratio compares servers.
///
/// The returned stream leaves with a reset (`SO_LINGER` 0) when dropped.
/// A client that closes first keeps its port in `TIME_WAIT` for 60 s; after
/// the 100,000 connections of one bench, the kernel's search for a free
/// port made about 2 % of `connect` calls take 1.5 ms (measured on
/// 2026-11-30). That is the client's kernel, not the server: the greeter
/// closes first and never met it, the reference server waits for its
/// client as every session server does.
pub fn greeted_session(addr: SocketAddr, greeting: &[u8]) -> anyhow::Result<TcpStream> {
    let mut stream = TcpStream::connect(addr).with_context(|| format!("connect {addr}"))?;
    stream.set_nodelay(true)?;
    rustix::net::sockopt::set_socket_linger(&stream, Some(std::time::Duration::ZERO))?;
    // At most as long as the line expected; no allocation per session.
    let mut line = [0_u8; 64];
    let line = line
        .get_mut(..greeting.len())
        .context("greeting longer than 64 bytes")?;
    stream.read_exact(line)?;
    ensure!(
        *line == *greeting,
        "bad greeting: {:?}",
        String::from_utf8_lossy(line)
    );
    Ok(stream)
}

/// The encoded request `make(name)`, kept in `slot` so that asking again for
/// the same name encodes and allocates nothing.
fn cached_line<'a>(
    slot: &'a mut Option<(Name, Vec<u8>)>,
    name: &Name,
    make: fn(Name) -> Request,
) -> &'a [u8] {
    if !matches!(slot, Some((last, _)) if last == name) {
        *slot = Some((name.clone(), make(name.clone()).encode()));
    }
    slot.as_ref().map_or(&[], |(_, line)| line.as_slice())
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
    /// Bytes received but not used yet.
    input: LineBuffer,
    /// Where download data goes (and is dropped).
    scratch: Vec<u8>,
    /// The name [`Client::size`] asked for last and its `size` line:
    /// asking again for the same name sends the same bytes without
    /// encoding or allocating anything.
    size_line: Option<(Name, Vec<u8>)>,
    /// The same for [`Client::download`].
    download_line: Option<(Name, Vec<u8>)>,
}

impl Client {
    /// Connects and reads the greeting (FRAME-1).
    pub fn connect(addr: SocketAddr) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr).with_context(|| format!("connect {addr}"))?;
        stream.set_nodelay(true)?;
        let mut client = Self {
            stream,
            input: LineBuffer::new(MAX_REPLY_LINE, MAX_REPLY_LINE),
            scratch: Vec::new(),
            size_line: None,
            download_line: None,
        };
        client.expect(Code::Ready)?;
        Ok(client)
    }

    /// Sends raw bytes (one or more command lines).
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Reads one line (without LF and CR).
    fn line(&mut self) -> anyhow::Result<&[u8]> {
        let stream = &mut self.stream;
        Ok(self.input.read_line(|spare| stream.read(spare))?)
    }

    /// Reads one reply line, checks its code, and returns its first field
    /// if that is a number. Allocates nothing when the reply is as
    /// expected, so that the client's own work stays out of the latency
    /// figures as far as it can.
    fn expect(&mut self, code: Code) -> anyhow::Result<Option<u64>> {
        let reply = ReplyLine::parse(self.line()?)?;
        ensure!(
            reply.code == code.number(),
            "expected {code}, got {reply:?}"
        );
        Ok(reply.number_field())
    }

    /// `connme`: the server repeats its greeting (CONNME-1).
    pub fn connme(&mut self) -> anyhow::Result<()> {
        self.send(&Request::Connme.encode())?;
        self.expect(Code::Ready)?;
        Ok(())
    }

    /// `size NAME`: the file's length.
    pub fn size(&mut self, name: &Name) -> anyhow::Result<u64> {
        let line = cached_line(&mut self.size_line, name, Request::Size);
        self.stream.write_all(line)?;
        self.expect(Code::FileSize)?.context("213 without size")
    }

    /// Sends `count` `size NAME` lines in one write (PIPE-1), then reads
    /// the `count` replies.
    pub fn size_pipelined(&mut self, name: &Name, count: usize) -> anyhow::Result<()> {
        let batch = Request::Size(name.clone()).encode().repeat(count);
        self.send(&batch)?;
        for _ in 0..count {
            self.expect(Code::FileSize)?;
        }
        Ok(())
    }

    /// `ls [DIR]`: reads the listing and returns its entry count.
    pub fn ls(&mut self, dir: Option<&Name>) -> anyhow::Result<u64> {
        self.send(&Request::Ls(dir.cloned()).encode())?;
        let count = self.expect(Code::Listing)?.context("200 without count")?;
        for _ in 0..count {
            self.line()?;
        }
        Ok(count)
    }

    /// `download NAME`: receives the data, drops it, returns its length.
    pub fn download(&mut self, name: &Name) -> anyhow::Result<u64> {
        let line = cached_line(&mut self.download_line, name, Request::Download);
        self.stream.write_all(line)?;
        let len = self
            .expect(Code::DataFollows)?
            .context("150 without size")?;
        // Data that came with the reply line is in the buffer already.
        let buffered = self.input.pending().len();
        let from_buffer = usize::try_from(len).map_or(buffered, |len| len.min(buffered));
        self.input.consume(from_buffer);
        let from_buffer = from_buffer as u64;
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
        self.expect(Code::DataFollows)?;
        send_file(&self.stream, file, len)?;
        self.expect(Code::Stored)?;
        Ok(())
    }

    /// `rm NAME`.
    pub fn rm(&mut self, name: &Name) -> anyhow::Result<()> {
        self.send(&Request::Rm(name.clone()).encode())?;
        self.expect(Code::Removed)?;
        Ok(())
    }
}
