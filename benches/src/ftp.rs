//! A minimal blocking FTP client (RFC 959, passive mode, binary type) for
//! the `peers` bench, moving bytes exactly as the mftp/1 client of
//! [`crate::client`] does: `TCP_NODELAY`, `sendfile(2)` to send, `read(2)`
//! into a reused 1 MiB buffer to receive. What differs between the two
//! sides of a `peers` ratio is then the server and its protocol (FTP opens
//! a data connection per transfer), not the client.
//!
//! Every wait is bounded: connects by [`CONNECT_TIMEOUT`], each read and
//! write by [`IO_TIMEOUT`]. Replies from the network are checked, never
//! unwrapped.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::{Context as _, bail, ensure};

use crate::client::{CHUNK, send_file};

/// How long a connect may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one read or write (or one `sendfile` call) may block.
pub const IO_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest reply line accepted.
const MAX_LINE: usize = 4096;

fn connect(addr: SocketAddr) -> anyhow::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT)
        .with_context(|| format!("connect {addr}"))?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    Ok(stream)
}

/// One logged-in FTP control connection.
#[derive(Debug)]
pub struct FtpClient {
    control: TcpStream,
    /// Received control bytes: `input[start..end]` not used yet.
    input: Vec<u8>,
    start: usize,
    end: usize,
    /// Where the line [`Self::line`] returned last is in `input`.
    last: (usize, usize),
    /// The code of the last reply.
    last_code: u16,
    /// Where downloaded data goes (and is dropped).
    scratch: Vec<u8>,
    /// The last `SIZE` command sent, reused while the path stays the same.
    size_line: Option<(String, Vec<u8>)>,
}

impl FtpClient {
    /// Connects, reads the `220` greeting, logs in as `anonymous` and sets
    /// `TYPE I`.
    pub fn login(addr: SocketAddr) -> anyhow::Result<Self> {
        let mut client = Self::connect(addr)?;
        client.command("USER anonymous", &[230, 331])?;
        if client.last_code == 331 {
            client.command("PASS mftp-bench@", &[230])?;
        }
        client.command("TYPE I", &[200])?;
        Ok(client)
    }

    /// Connects and reads the `220` greeting.
    pub fn connect(addr: SocketAddr) -> anyhow::Result<Self> {
        let mut client = Self {
            control: connect(addr)?,
            input: vec![0; MAX_LINE],
            start: 0,
            end: 0,
            last: (0, 0),
            last_code: 0,
            scratch: Vec::new(),
            size_line: None,
        };
        client.expect(&[220])?;
        Ok(client)
    }

    /// Reads one line (without CR LF) from the control connection.
    fn line(&mut self) -> anyhow::Result<&[u8]> {
        loop {
            if let Some(at) = self.input[self.start..self.end]
                .iter()
                .position(|&b| b == b'\n')
            {
                let line_start = self.start;
                let mut line_end = self.start + at;
                self.start = line_end + 1;
                if line_end > line_start && self.input[line_end - 1] == b'\r' {
                    line_end -= 1;
                }
                self.last = (line_start, line_end);
                return Ok(&self.input[line_start..line_end]);
            }
            if self.start > 0 {
                self.input.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            ensure!(
                self.end < self.input.len(),
                "reply line over {MAX_LINE} bytes"
            );
            let got = self
                .control
                .read(&mut self.input[self.end..])
                .context("read a reply")?;
            ensure!(got > 0, "the server closed the control connection");
            self.end += got;
        }
    }

    /// Reads one reply (a multi-line one to its last line), checks that its
    /// code is one of `codes`, and returns the text of its last line after
    /// the code.
    fn expect(&mut self, codes: &[u16]) -> anyhow::Result<&[u8]> {
        let (code, first_is_last) = {
            let line = self.line()?;
            (reply_code(line)?, line.get(3) != Some(&b'-'))
        };
        if !first_is_last {
            // RFC 959 4.2: up to a line that starts with the same code and
            // a space.
            loop {
                let line = self.line()?;
                if line.len() >= 4 && reply_code(line).ok() == Some(code) && line[3] == b' ' {
                    break;
                }
            }
        }
        // The last line is still in the buffer (compacting happens only
        // when reading the next one); its text starts after the code and
        // the separator.
        let (from, to) = self.last;
        let text = self.input.get(from + 4..to).unwrap_or_default();
        if !codes.contains(&code) {
            bail!(
                "expected {codes:?}, got {code} {}",
                String::from_utf8_lossy(text).trim()
            );
        }
        self.last_code = code;
        Ok(text)
    }

    /// Sends one command line (CR LF added) and reads its reply.
    fn command(&mut self, line: &str, codes: &[u16]) -> anyhow::Result<&[u8]> {
        let mut bytes = Vec::with_capacity(line.len() + 2);
        bytes.extend_from_slice(line.as_bytes());
        bytes.extend_from_slice(b"\r\n");
        self.control.write_all(&bytes).context("send a command")?;
        self.expect(codes)
    }

    /// `SIZE PATH`: the file's size (`213`). The command line is kept and
    /// sent again while the path stays the same, so that the round trip
    /// allocates nothing, as [`crate::client::Client::size`] does not.
    pub fn size(&mut self, path: &str) -> anyhow::Result<u64> {
        let line = match &mut self.size_line {
            Some((last, line)) if last == path => line,
            cached => {
                &cached
                    .insert((path.to_owned(), format!("SIZE {path}\r\n").into_bytes()))
                    .1
            }
        };
        self.control.write_all(line).context("send SIZE")?;
        let text = self.expect(&[213])?;
        parse_u64(text.trim_ascii()).context("213 without a size")
    }

    /// `PASV`, then a data connection to the address it names.
    fn passive(&mut self) -> anyhow::Result<TcpStream> {
        let text = self.command("PASV", &[227])?;
        let addr = parse_pasv(text)?;
        connect(addr).context("open the data connection")
    }

    /// `RETR PATH`: receives the file over a new data connection into the
    /// reused 1 MiB buffer, drops it, waits for `226`, and returns its
    /// length.
    pub fn retr(&mut self, path: &str) -> anyhow::Result<u64> {
        let mut data = self.passive()?;
        self.command(&format!("RETR {path}"), &[125, 150])?;
        if self.scratch.is_empty() {
            self.scratch = vec![0; CHUNK];
        }
        let mut len = 0_u64;
        loop {
            let got = data.read(&mut self.scratch).context("read data")?;
            if got == 0 {
                break;
            }
            len += got as u64;
        }
        drop(data);
        self.expect(&[226, 250])?;
        Ok(len)
    }

    /// `STOR PATH` of the first `len` bytes of `file`, sent with
    /// `sendfile(2)` over a new data connection, which is then closed; waits
    /// for `226`. (FTP servers do not fsync: see the `peers` bench.)
    pub fn stor(&mut self, path: &str, file: &File, len: u64) -> anyhow::Result<()> {
        let data = self.passive()?;
        self.command(&format!("STOR {path}"), &[125, 150])?;
        send_file(&data, file, len).context("send the file")?;
        // The end of the data is the end of the connection.
        data.shutdown(Shutdown::Write)
            .context("close the data connection")?;
        drop(data);
        self.expect(&[226, 250])?;
        Ok(())
    }

    /// `DELE PATH`.
    pub fn dele(&mut self, path: &str) -> anyhow::Result<()> {
        self.command(&format!("DELE {path}"), &[250])?;
        Ok(())
    }

    /// `QUIT`, best effort.
    pub fn quit(mut self) {
        let _ = self.command("QUIT", &[221]);
    }
}

/// The three-digit code at the start of a reply line.
fn reply_code(line: &[u8]) -> anyhow::Result<u16> {
    let digits = line.get(..3).context("reply line shorter than a code")?;
    ensure!(
        digits.iter().all(u8::is_ascii_digit) && matches!(line.get(3), None | Some(b' ' | b'-')),
        "not a reply line: {:?}",
        String::from_utf8_lossy(line)
    );
    Ok(digits
        .iter()
        .fold(0_u16, |n, &d| n * 10 + u16::from(d - b'0')))
}

/// A decimal number of at most 20 digits.
fn parse_u64(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 20 || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(text).ok()?.parse().ok()
}

/// The address in a `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)` text.
fn parse_pasv(text: &[u8]) -> anyhow::Result<SocketAddr> {
    let text = std::str::from_utf8(text).context("227 not UTF-8")?;
    let inner = text
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(inner, _)| inner)
        .with_context(|| format!("227 without (h,h,h,h,p,p): {text:?}"))?;
    let numbers: Vec<u8> = inner
        .split(',')
        .map(|n| n.trim().parse::<u8>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("227 with a bad number: {text:?}"))?;
    let [a, b, c, d, p1, p2] = numbers[..] else {
        bail!("227 without six numbers: {text:?}");
    };
    Ok(SocketAddr::from((
        [a, b, c, d],
        u16::from(p1) << 8 | u16::from(p2),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasv_reply() {
        let addr = parse_pasv(b" Entering Passive Mode (127,0,0,1,150,124).").expect("parse");
        assert_eq!(addr, SocketAddr::from(([127, 0, 0, 1], 150 * 256 + 124)));
        assert!(parse_pasv(b" Entering Passive Mode (127,0,0,1,150).").is_err());
        assert!(parse_pasv(b" no address").is_err());
    }

    #[test]
    fn codes_and_numbers() {
        assert_eq!(reply_code(b"213 1048576").expect("code"), 213);
        assert_eq!(reply_code(b"230-Welcome").expect("code"), 230);
        assert!(reply_code(b"2x3 a").is_err());
        assert!(reply_code(b"21").is_err());
        assert_eq!(parse_u64(b"1048576"), Some(1_048_576));
        assert_eq!(parse_u64(b""), None);
        assert_eq!(parse_u64(b"12a"), None);
    }
}
