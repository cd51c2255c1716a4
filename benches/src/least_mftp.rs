//! The least an mftp/1 server can do for `download NAME` of a small file at
//! the top of its folder: the floor the reference server's `download/4KiB`
//! is compared with (`baseline/download_least_mftp/4KiB`), since the plain
//! transfer (`baseline/download/<size>`) neither reads a text command nor
//! looks a name up.
//!
//! A thread per connection greets, then for each command line: the line
//! from a `LineBuffer` and `Request::parse`, as any mftp/1 server must;
//! for `download NAME`, one `statx` of the name relative to the folder
//! following no link (a regular file, or the connection ends); the file is
//! kept open while the name leads to the same inode; the `150 <n>` reply
//! and the bytes (`pread`) go out in one `write`. Any other command ends
//! the connection: this is a measuring stick, not a server.

use std::fs::File;
use std::io::{self, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::FileExt as _;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use mftp_protocol::{Code, LineBuffer, MAX_LINE, Request, encode_reply};
use rustix::fs::{AtFlags, FileType, Mode, OFlags, StatxFlags, openat, statx};

use crate::baseline::{Acceptor, greeting};

/// The server; stopped and joined on drop.
#[derive(Debug)]
pub struct LeastMftp {
    acceptor: Acceptor,
}

impl LeastMftp {
    /// Serves the files at the top of `dir` on 127.0.0.1:0.
    pub fn start(dir: &Path) -> anyhow::Result<Self> {
        let dir = Arc::new(File::open(dir).with_context(|| format!("open {}", dir.display()))?);
        let acceptor = Acceptor::spawn(false, move |stream| {
            let _ = serve(stream, &dir);
        })?;
        Ok(Self { acceptor })
    }

    /// Where it listens.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.acceptor.addr
    }
}

fn serve(mut stream: TcpStream, dir: &File) -> io::Result<()> {
    stream.write_all(&greeting())?;
    let mut input = LineBuffer::new(MAX_LINE, 16 * 1024);
    let mut out = Vec::new();
    // The file last sent, with its inode.
    let mut kept: Option<(u64, File)> = None;
    loop {
        let Ok(line) = input.read_line(|spare| stream.read(spare)) else {
            return Ok(());
        };
        let Ok(Request::Download(name)) = Request::parse(line) else {
            return Ok(());
        };
        let stat = statx(
            dir,
            name.as_str(),
            AtFlags::SYMLINK_NOFOLLOW,
            StatxFlags::TYPE | StatxFlags::INO | StatxFlags::SIZE,
        )?;
        if FileType::from_raw_mode(stat.stx_mode.into()) != FileType::RegularFile {
            return Ok(());
        }
        if kept.as_ref().is_none_or(|(ino, _)| *ino != stat.stx_ino) {
            let fd = openat(
                dir,
                name.as_str(),
                OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
            )?;
            kept = Some((stat.stx_ino, File::from(fd)));
        }
        let Some((_, file)) = &kept else {
            return Ok(());
        };
        let len = usize::try_from(stat.stx_size).map_err(|_| io::ErrorKind::InvalidData)?;
        out.clear();
        encode_reply(&mut out, Code::DataFollows, len);
        let at = out.len();
        out.resize(at + len, 0);
        file.read_exact_at(&mut out[at..], 0)?;
        stream.write_all(&out)?;
    }
}
