//! Test context: a temp dir with `root/` served by the real binary on port
//! 0 and `outside/` beside it, plus a small raw-TCP client.

use conformance::reference::{ReferenceServer, StartOptions, Stderr};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// How long any single read from the server may take in a test.
pub const STEP: Duration = Duration::from_secs(10);

/// A running server in its own temp dir; killed and reaped on drop (by
/// the shared launcher, `conformance::reference`).
pub struct Server {
    /// Declared first: the server is killed before its temp dir goes.
    pub proc: ReferenceServer,
    pub dir: tempfile::TempDir,
    pub addr: SocketAddr,
}

impl Server {
    /// Starts the server on an empty root.
    pub fn start() -> Self {
        Self::start_with(&[], |_| {})
    }

    /// Seeds the root with `seed(root)`, then starts the server with extra
    /// arguments.
    pub fn start_with(extra: &[&str], seed: impl FnOnce(&Path)) -> Self {
        Self::start_under(&[], extra, seed)
    }

    /// As [`Server::start_with`], run through `wrapper` (for example
    /// `["prlimit", "--fsize=1048576", "--"]`).
    pub fn start_under(wrapper: &[&str], extra: &[&str], seed: impl FnOnce(&Path)) -> Self {
        Self::start_in(wrapper, extra, seed, None)
    }

    /// As [`Server::start_with`], at the server's own default log level
    /// (or the one in `extra`), its log kept for [`Server::log`].
    pub fn start_logged(extra: &[&str], seed: impl FnOnce(&Path)) -> Self {
        Self::start_in(&[], extra, seed, Some("server.log"))
    }

    fn start_in(
        wrapper: &[&str],
        extra: &[&str],
        seed: impl FnOnce(&Path),
        log: Option<&str>,
    ) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("root");
        std::fs::create_dir(&root).expect("root");
        std::fs::create_dir(dir.path().join("outside")).expect("outside");
        std::fs::write(dir.path().join("outside/secret.txt"), b"outside secret").expect("secret");
        seed(&root);
        let log = log.map(|name| dir.path().join(name));
        let proc = Self::launch(wrapper, &root, extra, log);
        let addr = proc.addr();
        Self { proc, dir, addr }
    }

    /// What the server has logged so far (only for [`Server::start_logged`]).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).expect("server log")
    }

    /// Starts the binary on `root` and waits for its `listening on` line.
    /// Without a `log` file it logs only warnings, to nowhere.
    fn launch(
        wrapper: &[&str],
        root: &Path,
        extra: &[&str],
        log: Option<PathBuf>,
    ) -> ReferenceServer {
        let bin = env!("CARGO_BIN_EXE_reference-server");
        let mut command = match wrapper.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(bin);
                c
            }
            None => Command::new(bin),
        };
        command.arg("--root").arg(root).args(["--port", "0"]);
        let mut options = StartOptions::default();
        match log {
            Some(file) => options.stderr = Stderr::File(file),
            None => {
                command.args(["--log-level", "warn"]);
            }
        }
        command.args(extra).stdin(Stdio::null());
        ReferenceServer::start_with(command, &options)
            .unwrap_or_else(|e| panic!("server did not start: {e}"))
    }

    /// Kills the server at once (SIGKILL), as a crash would, and starts a
    /// new one on the same root with the same arguments and a new port.
    pub fn crash_and_restart(&mut self, extra: &[&str]) {
        self.proc.stop();
        self.proc = Self::launch(&[], &self.root(), extra, None);
        self.addr = self.proc.addr();
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.proc.pid()
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    pub fn outside(&self) -> PathBuf {
        self.dir.path().join("outside")
    }

    /// Connects and reads the greeting.
    pub fn connect(&self) -> Client {
        let mut client = Client::connect_raw(self.addr);
        let greeting = client.line();
        assert!(greeting.starts_with("220 mftp/1"), "greeting: {greeting:?}");
        client
    }

    /// Everything under the root except the server's reserved upload area,
    /// as sorted relative paths.
    pub fn tree(&self) -> Vec<String> {
        let mut out = Vec::new();
        walk(&self.root(), &self.root(), &mut out);
        out.sort();
        out
    }

    /// Files left in the server's upload area.
    pub fn partials(&self) -> usize {
        std::fs::read_dir(self.root().join(".mftp-partial")).map_or(0, Iterator::count)
    }

    /// Waits (bounded) until `check` holds, polling.
    pub fn eventually(&self, what: &str, mut check: impl FnMut() -> bool) {
        let deadline = std::time::Instant::now() + STEP;
        while !check() {
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for: {what}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let rel = path
            .strip_prefix(base)
            .expect("under base")
            .to_string_lossy()
            .into_owned();
        if rel.starts_with(".mftp") {
            continue;
        }
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        out.push(if is_dir { format!("{rel}/") } else { rel });
        if is_dir {
            walk(base, &path, out);
        }
    }
}

/// A raw client: send bytes, read reply lines and data, with deadlines.
pub struct Client {
    pub stream: BufReader<TcpStream>,
}

impl Client {
    pub fn connect_raw(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect_timeout(&addr, STEP).expect("connect");
        stream.set_read_timeout(Some(STEP)).expect("timeout");
        stream.set_write_timeout(Some(STEP)).expect("timeout");
        Self {
            stream: BufReader::new(stream),
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.get_mut().write_all(bytes).expect("send");
    }

    /// One reply line without its LF; panics on EOF or timeout.
    pub fn line(&mut self) -> String {
        let mut line = Vec::new();
        let n = self
            .stream
            .read_until(b'\n', &mut line)
            .expect("read reply line");
        assert!(
            n > 0 && line.ends_with(b"\n"),
            "connection closed; got {:?}",
            String::from_utf8_lossy(&line)
        );
        line.pop();
        String::from_utf8(line).expect("UTF-8 reply")
    }

    /// Sends a command line and returns the first reply line.
    pub fn cmd(&mut self, command: &str) -> String {
        self.send(format!("{command}\n").as_bytes());
        self.line()
    }

    /// The reply code of a command.
    pub fn code(&mut self, command: &str) -> u16 {
        let reply = self.cmd(command);
        reply
            .get(..3)
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("bad reply {reply:?}"))
    }

    /// `ls` as (code, entries).
    pub fn ls(&mut self, command: &str) -> (u16, Vec<String>) {
        let reply = self.cmd(command);
        if !reply.starts_with("200 ") {
            return (reply[..3].parse().expect("code"), Vec::new());
        }
        let count: usize = reply[4..]
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("count");
        (200, (0..count).map(|_| self.line()).collect())
    }

    pub fn read_exact(&mut self, len: usize) -> Vec<u8> {
        let mut data = vec![0; len];
        self.stream.read_exact(&mut data).expect("read data");
        data
    }

    /// Downloads a file; panics unless the reply is `150`.
    pub fn download(&mut self, name: &str) -> Vec<u8> {
        let reply = self.cmd(&format!("download {name}"));
        let len: usize = reply
            .strip_prefix("150 ")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("download {name}: {reply:?}"));
        self.read_exact(len)
    }

    /// Uploads bytes; returns the final reply line.
    pub fn upload(&mut self, name: &str, data: &[u8]) -> String {
        let reply = self.cmd(&format!("upload {} {name}", data.len()));
        if !reply.starts_with("150 ") {
            return reply;
        }
        self.send(data);
        self.line()
    }

    /// Asserts that the server closes the connection (EOF within
    /// [`STEP`]) without sending anything more first: every byte it sent
    /// must have been read and checked already.
    pub fn assert_closed(&mut self) {
        let mut rest = Vec::new();
        let read = self.stream.read_to_end(&mut rest);
        let rest = String::from_utf8_lossy(&rest);
        match read {
            Ok(_) if rest.is_empty() => {}
            Ok(_) => panic!(
                "expected the server to close the connection\n\
                 it sent these bytes first:\n{rest:?}"
            ),
            Err(error) => panic!(
                "expected the server to close the connection\n\
                 reading failed instead: {error}\n\
                 bytes before that:\n{rest:?}"
            ),
        }
    }
}

/// `n` random bytes from a seeded generator, so a failure can be replayed.
pub fn random_bytes(seed: u64, n: usize) -> Vec<u8> {
    use rand::{RngCore, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut data = vec![0; n];
    rng.fill_bytes(&mut data);
    data
}
