//! The physical limit: the same bytes through a plain loopback socket with
//! no protocol, and a plain TCP echo.
//!
//! The baseline server speaks the least protocol that still lets a client
//! ask for a transfer, so that small transfers pay one round trip on both
//! sides of the ratio:
//!
//! ```text
//! client: 'D' <u64 LE n>        server: n bytes of a source file (sendfile)
//! client: 'N' <u64 LE n>        server: "150 <n>\n" and n bytes, see below
//! client: 'U' <u64 LE n> <n bytes>   server: 1 byte once all n arrived
//! ```
//!
//! `N` is the least that any server confining names to a folder must do
//! for a small download beyond `D`: look the file's name up (one `statx`
//! relative to the folder, following no link) and send a reply line with
//! the bytes, read with `pread` from a file kept open, in one `write`:
//! four system calls with the request's `read`, as the reference server's
//! 4 KiB download makes (`baseline/download_named/4KiB`).
//!
//! The upload side reads into a buffer and drops the data: no disk, no
//! fsync. That is the network's limit; the disk's is measured apart
//! (`baseline/write_fsync`).

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use anyhow::{Context as _, ensure};
use mftp_protocol::{Code, encode_reply};

use crate::client::{CHUNK, recv_discard, send_file};

/// A listener on 127.0.0.1:0 served by one thread per connection; stopped
/// and joined on drop.
#[derive(Debug)]
pub(crate) struct Acceptor {
    pub(crate) addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Acceptor {
    /// Serves each connection on a thread of its own, or, if `inline`, on
    /// the accepting thread (for servers that only say one thing).
    pub(crate) fn spawn(
        inline: bool,
        serve: impl Fn(TcpStream) + Send + Sync + 'static,
    ) -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let serve = Arc::new(serve);
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let _ = stream.set_nodelay(true);
                if inline {
                    serve(stream);
                } else {
                    let serve = Arc::clone(&serve);
                    // Each connection ends when its client closes.
                    std::thread::spawn(move || serve(stream));
                }
            }
        });
        Ok(Self {
            addr,
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Acceptor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocked accept so that the thread sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The raw-TCP transfer server.
#[derive(Debug)]
pub struct BaselineServer {
    acceptor: Acceptor,
}

impl BaselineServer {
    /// Serves downloads from `sources`: a request for `n` bytes is served
    /// from the smallest file of at least `n` bytes. Give it one file per
    /// transfer size, as the server's root has.
    pub fn start(sources: &[&Path]) -> anyhow::Result<Self> {
        let mut files = Vec::new();
        for path in sources {
            files.push(Source::open(path)?);
        }
        files.sort_by_key(|source| source.len);
        let files = Arc::new(files);
        let acceptor = Acceptor::spawn(false, move |stream| {
            let _ = serve_raw(stream, &files);
        })?;
        Ok(Self { acceptor })
    }

    /// Where it listens.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.acceptor.addr
    }
}

/// A file the baseline serves, with the folder and name it was found by.
#[derive(Debug)]
struct Source {
    len: u64,
    file: File,
    dir: File,
    name: std::ffi::OsString,
}

impl Source {
    fn open(path: &Path) -> anyhow::Result<Self> {
        let file = File::open(path).with_context(|| format!("open {}", path.display()))?;
        let parent = path.parent().context("a source file has a folder")?;
        Ok(Self {
            len: file.metadata()?.len(),
            file,
            dir: File::open(parent).with_context(|| format!("open {}", parent.display()))?,
            name: path
                .file_name()
                .context("a source file has a name")?
                .to_owned(),
        })
    }
}

/// `N`: look the name up, then the reply line and the bytes in one write.
fn send_named(
    mut stream: &TcpStream,
    source: &Source,
    len: u64,
    reply: &mut Vec<u8>,
) -> io::Result<()> {
    use rustix::fs::{AtFlags, FileType, StatxFlags, statx};
    use std::os::unix::fs::FileExt as _;
    let stat = statx(
        &source.dir,
        source.name.as_os_str(),
        AtFlags::SYMLINK_NOFOLLOW,
        StatxFlags::TYPE | StatxFlags::INO | StatxFlags::SIZE,
    )?;
    if FileType::from_raw_mode(stat.stx_mode.into()) != FileType::RegularFile || stat.stx_size < len
    {
        return Err(io::ErrorKind::NotFound.into());
    }
    let len = usize::try_from(len).map_err(|_| io::ErrorKind::InvalidInput)?;
    reply.clear();
    encode_reply(reply, Code::DataFollows, len);
    let at = reply.len();
    reply.resize(at + len, 0);
    source.file.read_exact_at(&mut reply[at..], 0)?;
    stream.write_all(reply)
}

fn serve_raw(mut stream: TcpStream, sources: &[Source]) -> io::Result<()> {
    let mut scratch = vec![0_u8; CHUNK];
    let mut reply = Vec::new();
    let mut header = [0_u8; 9];
    loop {
        match stream.read_exact(&mut header) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
        let len = u64::from_le_bytes(header[1..].try_into().expect("8 bytes"));
        match header[0] {
            b'N' => {
                let Some(source) = sources.iter().find(|source| source.len >= len) else {
                    return Ok(());
                };
                send_named(&stream, source, len, &mut reply)?;
            }
            b'D' => {
                let Some(source) = sources.iter().find(|source| source.len >= len) else {
                    return Ok(());
                };
                send_file(&stream, &source.file, len)?;
            }
            b'U' => {
                recv_discard(&mut stream, len, &mut scratch)?;
                stream.write_all(b"k")?;
            }
            _ => return Ok(()),
        }
    }
}

/// A client connection to the [`BaselineServer`].
#[derive(Debug)]
pub struct BaselineClient {
    stream: TcpStream,
    scratch: Vec<u8>,
}

impl BaselineClient {
    /// Connects.
    pub fn connect(addr: SocketAddr) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            scratch: vec![0; CHUNK],
        })
    }

    fn header(op: u8, len: u64) -> [u8; 9] {
        let mut header = [op; 9];
        header[1..].copy_from_slice(&len.to_le_bytes());
        header
    }

    /// Asks for `len` bytes and receives them.
    pub fn download(&mut self, len: u64) -> anyhow::Result<()> {
        self.stream.write_all(&Self::header(b'D', len))?;
        recv_discard(&mut self.stream, len, &mut self.scratch)?;
        Ok(())
    }

    /// `N`: asks for `len` bytes looked up by name, receives the reply line
    /// and the bytes (the reply line's length is known: `150 <len>\n`).
    pub fn download_named(&mut self, len: u64) -> anyhow::Result<()> {
        self.stream.write_all(&Self::header(b'N', len))?;
        // "150 " and "\n" around the decimal digits, counted without
        // allocating (the client's work stays out of the figure).
        let digits = len.checked_ilog10().map_or(1, |log| u64::from(log) + 1);
        let line = 5 + digits;
        recv_discard(&mut self.stream, line + len, &mut self.scratch)?;
        Ok(())
    }

    /// Sends the first `len` bytes of `file` and waits for the ack.
    pub fn upload(&mut self, file: &File, len: u64) -> anyhow::Result<()> {
        self.stream.write_all(&Self::header(b'U', len))?;
        send_file(&self.stream, file, len)?;
        let mut ack = [0_u8; 1];
        self.stream.read_exact(&mut ack)?;
        ensure!(&ack == b"k", "bad ack");
        Ok(())
    }
}

/// A plain TCP echo server: every byte read is written back.
#[derive(Debug)]
pub struct EchoServer {
    acceptor: Acceptor,
}

impl EchoServer {
    /// Starts it on 127.0.0.1:0.
    pub fn start() -> anyhow::Result<Self> {
        let acceptor = Acceptor::spawn(false, |mut stream| {
            let mut buf = vec![0_u8; 64 * 1024];
            loop {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if stream.write_all(&buf[..n]).is_err() {
                            return;
                        }
                    }
                }
            }
        })?;
        Ok(Self { acceptor })
    }

    /// Where it listens.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.acceptor.addr
    }
}

/// An echo server driven by `epoll(7)`: one non-blocking socket per
/// thread, woken by `epoll_wait` and read until `EAGAIN`, as an event-loop
/// server (tokio, the reference server) does. Not part of the limit; it
/// tells how much of a server's round trip the readiness model costs.
#[derive(Debug)]
pub struct EpollEchoServer {
    acceptor: Acceptor,
}

impl EpollEchoServer {
    /// Starts it on 127.0.0.1:0.
    pub fn start() -> anyhow::Result<Self> {
        let acceptor = Acceptor::spawn(false, |stream| {
            let _ = serve_epoll_echo(stream);
        })?;
        Ok(Self { acceptor })
    }

    /// Where it listens.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.acceptor.addr
    }
}

fn serve_epoll_echo(mut stream: TcpStream) -> io::Result<()> {
    use rustix::event::epoll;
    stream.set_nonblocking(true)?;
    let poller = epoll::create(epoll::CreateFlags::CLOEXEC)?;
    epoll::add(
        &poller,
        &stream,
        epoll::EventData::new_u64(1),
        epoll::EventFlags::IN | epoll::EventFlags::ET,
    )?;
    let mut events = Vec::with_capacity(4);
    let mut buf = vec![0_u8; 64 * 1024];
    loop {
        events.clear();
        epoll::wait(&poller, rustix::buffer::spare_capacity(&mut events), None)?;
        loop {
            match stream.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => {
                    // Replies are tiny: the send buffer never fills here.
                    let mut sent = 0;
                    while sent < n {
                        match stream.write(&buf[sent..n]) {
                            Ok(k) => sent += k,
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                                std::thread::yield_now();
                            }
                            Err(e) => return Err(e),
                        }
                    }
                    if n < buf.len() {
                        // Short read: drained, as tokio assumes too.
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
    }
}

/// An echo server on a tokio multi-thread runtime, each read bounded by a
/// timeout as the reference server's are: the floor of a tokio server's
/// round trip. A diagnostic, not a limit.
#[derive(Debug)]
pub struct TokioEchoServer {
    addr: SocketAddr,
    /// Dropping the runtime stops the server and its threads.
    _runtime: tokio::runtime::Runtime,
}

impl TokioEchoServer {
    /// Starts it on 127.0.0.1:0 with two worker threads.
    pub fn start() -> anyhow::Result<Self> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let addr = listener.local_addr()?;
        runtime.spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                tokio::spawn(async move {
                    let mut buf = vec![0_u8; 16 * 1024];
                    let idle = std::time::Duration::from_secs(300);
                    while let Ok(Ok(n)) = tokio::time::timeout(idle, stream.read(&mut buf)).await {
                        if n == 0 || stream.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        Ok(Self {
            addr,
            _runtime: runtime,
        })
    }

    /// Where it listens.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

/// Sends `message` and reads it back.
pub fn echo(stream: &mut TcpStream, message: &[u8], scratch: &mut [u8]) -> anyhow::Result<()> {
    stream.write_all(message)?;
    stream.read_exact(&mut scratch[..message.len()])?;
    Ok(())
}

/// The reply to `size NAME` of a file of `len` bytes (`213 1048576 1.00 MB`
/// and LF for 1 MiB, 20 bytes): the echoes' message, so that both sides of
/// a round-trip ratio move as many bytes.
#[must_use]
pub fn size_reply(len: u64) -> Vec<u8> {
    let mut reply = Vec::new();
    encode_reply(&mut reply, Code::FileSize, mftp_protocol::FileSizeText(len));
    reply
}

/// The greeting the [`Greeter`] sends: the reference server's.
#[must_use]
pub fn greeting() -> Vec<u8> {
    let mut line = Vec::new();
    encode_reply(&mut line, Code::Ready, mftp_protocol::GREETING);
    line
}

/// Accepts, sends the reference server's greeting, closes: the least a
/// server can do for a new session, served on the accepting thread (no
/// thread per client).
#[derive(Debug)]
pub struct Greeter {
    acceptor: Acceptor,
}

impl Greeter {
    /// Starts it on 127.0.0.1:0.
    pub fn start() -> anyhow::Result<Self> {
        let sent = greeting();
        let acceptor = Acceptor::spawn(true, move |mut stream| {
            let _ = stream.write_all(&sent);
        })?;
        Ok(Self { acceptor })
    }

    /// Where it listens.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.acceptor.addr
    }
}
