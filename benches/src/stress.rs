//! The stress workload (`cargo run --release -p benches --bin stress`): many
//! clients doing a random mix of all seven commands against one server on
//! loopback, every byte checked, plus clients that misbehave on purpose.
//!
//! Each client owns the names it uploads (`s<client>-<n>.bin`), so it knows
//! what each of its files must hold: a download or `size` that disagrees
//! is a *corrupted* file, a `550` for a file it stored and did not remove
//! is a *lost* one, and any reply a correct server could not send is a
//! *protocol error*. Misbehaving clients (at `misbehave` rate per
//! operation) stop reading a download, close mid-upload, reset the
//! connection (RST) or send garbage lines; they are expected to hurt only
//! themselves. Everything is bounded: a deadline for the run, a step
//! timeout on every socket operation.

use mftp_protocol::{LineBuffer, ReadLineError};
use rand::rngs::SmallRng;
use rand::{Rng as _, RngCore as _, SeedableRng as _};
use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most files one client keeps at a time.
const MAX_OWN: usize = 8;

/// What the run does.
#[derive(Clone, Debug)]
pub struct Workload {
    pub clients: usize,
    pub duration: Duration,
    /// Probability that an operation is a misbehaviour instead.
    pub misbehave: f64,
    /// Largest upload, in bytes.
    pub max_file: usize,
    /// Limit for one socket operation.
    pub step: Duration,
    pub seed: u64,
}

/// The commands, in report order.
pub const OPS: [&str; 8] = [
    "connect", "connme", "ls", "size", "download", "upload", "rm", "byebye",
];

/// Everything the clients counted.
#[derive(Default, Debug)]
pub struct Tally {
    /// Latencies per command (reply complete, data included).
    pub latencies: BTreeMap<&'static str, Vec<Duration>>,
    pub protocol_errors: u64,
    /// Connections refused with `421` (the server at its connection limit,
    /// LIMIT-3): legitimate, but reported.
    pub refused: u64,
    pub corrupted: u64,
    pub lost: u64,
    /// Misbehaviours carried out.
    pub misbehaviours: u64,
    /// The first few problems, for the report.
    pub samples: Vec<String>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        for (k, v) in other.latencies {
            self.latencies.entry(k).or_default().extend(v);
        }
        self.protocol_errors += other.protocol_errors;
        self.refused += other.refused;
        self.corrupted += other.corrupted;
        self.lost += other.lost;
        self.misbehaviours += other.misbehaviours;
        for s in other.samples {
            if self.samples.len() < 12 {
                self.samples.push(s);
            }
        }
    }

    fn problem(&mut self, kind: Problem, what: impl Into<String>) {
        match kind {
            Problem::Protocol => self.protocol_errors += 1,
            Problem::Corrupted => self.corrupted += 1,
            Problem::Lost => self.lost += 1,
        }
        if self.samples.len() < 12 {
            self.samples.push(format!("{kind:?}: {}", what.into()));
        }
    }

    /// Operations carried out (successful or not).
    #[must_use]
    pub fn operations(&self) -> usize {
        self.latencies.values().map(Vec::len).sum()
    }
}

#[derive(Clone, Copy, Debug)]
enum Problem {
    Protocol,
    Corrupted,
    Lost,
}

/// Runs the workload against `addr` until its deadline; returns the tally.
#[must_use]
pub fn run(addr: SocketAddr, w: &Workload) -> Tally {
    let total = Mutex::new(Tally::default());
    let deadline = Instant::now() + w.duration;
    std::thread::scope(|s| {
        for id in 0..w.clients {
            let total = &total;
            s.spawn(move || {
                let t = client_loop(addr, w, id, deadline);
                total
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .merge(t);
            });
        }
    });
    total
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A connection with a line buffer and a deadline on every operation.
struct Conn {
    stream: TcpStream,
    lines: LineBuffer,
}

/// Why a step of a session ended it.
enum End {
    /// Transport trouble (reset, timeout): counted, the client reconnects.
    Transport(String),
    /// A reply a correct server would not send.
    Protocol(String),
}

impl Conn {
    fn open(addr: SocketAddr, step: Duration) -> Result<(Conn, String), End> {
        let stream = TcpStream::connect_timeout(&addr, step)
            .map_err(|e| End::Transport(format!("connect: {e}")))?;
        let _ = stream.set_nodelay(true);
        let _ = stream.set_read_timeout(Some(step));
        let _ = stream.set_write_timeout(Some(step));
        let mut c = Conn {
            stream,
            lines: LineBuffer::new(8192, 64 * 1024),
        };
        let greeting = c.line()?;
        Ok((c, greeting))
    }

    fn send(&mut self, bytes: &[u8]) -> Result<(), End> {
        self.stream
            .write_all(bytes)
            .map_err(|e| End::Transport(format!("send: {e}")))
    }

    fn line(&mut self) -> Result<String, End> {
        let stream = &mut self.stream;
        match self.lines.read_line(|buf| stream.read(buf)) {
            Ok(line) => Ok(String::from_utf8_lossy(line).into_owned()),
            Err(ReadLineError::Closed) => Err(End::Transport("closed by the server".into())),
            Err(ReadLineError::Read(e)) => Err(End::Transport(format!("read: {e}"))),
            Err(ReadLineError::Frame(_)) => {
                Err(End::Protocol("a reply line over 8192 bytes".into()))
            }
        }
    }

    /// Reads exactly `len` data bytes (buffered ones first).
    fn data(&mut self, len: usize) -> Result<Vec<u8>, End> {
        let mut out = vec![0u8; len.min(self.lines.pending().len())];
        self.lines.take_pending(&mut out);
        let mut chunk = vec![0u8; 256 * 1024];
        while out.len() < len {
            let want = (len - out.len()).min(chunk.len());
            let n = self
                .stream
                .read(&mut chunk[..want])
                .map_err(|e| End::Transport(format!("data: {e}")))?;
            if n == 0 {
                return Err(End::Transport("closed during data".into()));
            }
            out.extend_from_slice(&chunk[..n]);
        }
        Ok(out)
    }
}

/// The code of a reply line, if it has one.
fn code(line: &str) -> Option<u16> {
    line.get(..3).and_then(|c| c.parse().ok())
}

/// The first field after the code.
fn field(line: &str, i: usize) -> Option<&str> {
    line.split(' ').nth(i + 1)
}

fn client_loop(addr: SocketAddr, w: &Workload, id: usize, deadline: Instant) -> Tally {
    let mut t = Tally::default();
    let mut rng = SmallRng::seed_from_u64(w.seed ^ (id as u64).wrapping_mul(0x9E37_79B9));
    // Files this client stored and has not removed: name → content.
    let mut mine: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut serial = 0u64;
    while Instant::now() < deadline {
        let started = Instant::now();
        let (mut c, greeting) = match Conn::open(addr, w.step) {
            Ok(x) => x,
            Err(End::Transport(e) | End::Protocol(e)) => {
                t.problem(Problem::Protocol, format!("client {id}: {e}"));
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        record(&mut t, "connect", started);
        if greeting.starts_with("421") {
            t.refused += 1;
            std::thread::sleep(Duration::from_millis(rng.random_range(20..200)));
            continue;
        }
        if !greeting.starts_with("220 mftp/1") {
            t.problem(
                Problem::Protocol,
                format!("client {id}: greeting {greeting:?}"),
            );
            continue;
        }
        // A session of a few dozen operations, then a new connection.
        for _ in 0..rng.random_range(5..40) {
            if Instant::now() >= deadline {
                break;
            }
            if rng.random_bool(w.misbehave) {
                t.misbehaviours += 1;
                misbehave(c, &mut rng, &mut serial, id, w);
                break;
            }
            match operation(&mut c, &mut rng, &mut mine, &mut serial, id, w, &mut t) {
                Ok(true) => {}
                Ok(false) => break,
                Err(End::Protocol(e)) => {
                    t.problem(Problem::Protocol, format!("client {id}: {e}"));
                    break;
                }
                Err(End::Transport(e)) => {
                    t.problem(Problem::Protocol, format!("client {id}: {e}"));
                    break;
                }
            }
        }
    }
    t
}

fn record(t: &mut Tally, op: &'static str, started: Instant) {
    t.latencies.entry(op).or_default().push(started.elapsed());
}

/// One well-formed command; `Ok(false)` after `byebye`.
fn operation(
    c: &mut Conn,
    rng: &mut SmallRng,
    mine: &mut BTreeMap<String, Vec<u8>>,
    serial: &mut u64,
    id: usize,
    w: &Workload,
    t: &mut Tally,
) -> Result<bool, End> {
    // Each client keeps at most MAX_OWN files, so that listings stay
    // small and the run measures commands, not an ever-growing directory.
    let mut pick = rng.random_range(0..100);
    if mine.len() >= MAX_OWN && pick < 30 {
        pick = 85;
    }
    let any_mine = mine
        .keys()
        .nth(rng.random_range(0..mine.len().max(1)))
        .cloned();
    let started = Instant::now();
    match (pick, any_mine) {
        (0..=29, _) | (_, None) if pick < 60 || mine.is_empty() => {
            *serial += 1;
            let name = format!("s{id}-{serial}.bin");
            let mut data = vec![0u8; rng.random_range(0..=w.max_file)];
            rng.fill_bytes(&mut data);
            c.send(format!("upload {} {name}\n", data.len()).as_bytes())?;
            let r = c.line()?;
            if r != format!("150 {}", data.len()) && !r.starts_with(&format!("150 {} ", data.len()))
            {
                return Err(End::Protocol(format!("upload {name}: {r:?}")));
            }
            c.send(&data)?;
            let r = c.line()?;
            if code(&r) != Some(226) || field(&r, 0) != Some(&data.len().to_string()) {
                return Err(End::Protocol(format!("upload {name} data: {r:?}")));
            }
            mine.insert(name, data);
            record(t, "upload", started);
        }
        (30..=54, Some(name)) => {
            c.send(format!("download {name}\n").as_bytes())?;
            let r = c.line()?;
            let want = &mine[&name];
            if code(&r) == Some(550) {
                t.problem(Problem::Lost, format!("download {name}: {r:?}"));
                mine.remove(&name);
            } else if code(&r) != Some(150) || field(&r, 0) != Some(&want.len().to_string()) {
                return Err(End::Protocol(format!("download {name}: {r:?}")));
            } else {
                let got = c.data(want.len())?;
                if &got != want {
                    t.problem(Problem::Corrupted, format!("download {name}: bytes differ"));
                }
            }
            record(t, "download", started);
        }
        (55..=69, Some(name)) => {
            c.send(format!("size {name}\n").as_bytes())?;
            let r = c.line()?;
            let want = mine[&name].len().to_string();
            if code(&r) == Some(550) {
                t.problem(Problem::Lost, format!("size {name}: {r:?}"));
                mine.remove(&name);
            } else if code(&r) != Some(213) || field(&r, 0) != Some(want.as_str()) {
                t.problem(
                    Problem::Corrupted,
                    format!("size {name}: {r:?}, want {want}"),
                );
            }
            record(t, "size", started);
        }
        (70..=74, _) => {
            c.send(b"ls\n")?;
            let r = c.line()?;
            let n: usize = match (code(&r), field(&r, 0).and_then(|f| f.parse().ok())) {
                (Some(200), Some(n)) => n,
                _ => return Err(End::Protocol(format!("ls: {r:?}"))),
            };
            if n > 1_000_000 {
                return Err(End::Protocol(format!("ls: {r:?}")));
            }
            let mut listed = std::collections::BTreeSet::new();
            for _ in 0..n {
                listed.insert(c.line()?);
            }
            for name in mine.keys() {
                if !listed.contains(name) {
                    t.problem(Problem::Lost, format!("ls: {name} missing"));
                }
            }
            record(t, "ls", started);
        }
        (75..=89, Some(name)) => {
            c.send(format!("rm {name}\n").as_bytes())?;
            let r = c.line()?;
            if code(&r) == Some(550) {
                t.problem(Problem::Lost, format!("rm {name}: {r:?}"));
            } else if code(&r) != Some(250) {
                return Err(End::Protocol(format!("rm {name}: {r:?}")));
            }
            mine.remove(&name);
            record(t, "rm", started);
        }
        (90..=96, _) => {
            c.send(b"connme\n")?;
            let r = c.line()?;
            if !r.starts_with("220 mftp/1") {
                return Err(End::Protocol(format!("connme: {r:?}")));
            }
            record(t, "connme", started);
        }
        _ => {
            c.send(b"byebye\n")?;
            let r = c.line()?;
            if code(&r) != Some(221) {
                return Err(End::Protocol(format!("byebye: {r:?}")));
            }
            record(t, "byebye", started);
            return Ok(false);
        }
    }
    Ok(true)
}

/// One way of misbehaving; the connection is given up afterwards.
fn misbehave(mut c: Conn, rng: &mut SmallRng, serial: &mut u64, id: usize, w: &Workload) {
    *serial += 1;
    match rng.random_range(0..5) {
        // Stop reading: ask for a large listing or file, then leave.
        0 => {
            let _ = c.send(b"ls\nls\nls\n");
            std::thread::sleep(Duration::from_millis(rng.random_range(0..200)));
        }
        // Close in the middle of an upload.
        1 => {
            let n = rng.random_range(1..=w.max_file.max(2));
            let _ = c.send(format!("upload {n} x{id}-{serial}.bin\n").as_bytes());
            if c.line().is_ok_and(|r| r.starts_with("150")) {
                let _ = c.send(&vec![7u8; n / 2]);
            }
        }
        // Reset the connection mid-upload.
        2 => {
            let _ = c.send(format!("upload 1000000 r{id}-{serial}.bin\n").as_bytes());
            let _ = c.line();
            let _ = c.send(&[1u8; 10_000]);
            let _ = rustix::net::sockopt::set_socket_linger(&c.stream, Some(Duration::ZERO));
        }
        // Garbage: lines whose verb is not a verb, and an unfinished line.
        3 => {
            let mut junk = vec![0u8; rng.random_range(1..2000)];
            rng.fill_bytes(&mut junk);
            junk.retain(|b| *b != b'\n');
            junk.insert(0, b'#');
            junk.push(b'\n');
            let _ = c.send(&junk);
            let _ = c.line();
            let _ = c.send(b"\x01\x02 half a line");
        }
        // A slow reader of a download.
        _ => {
            let _ = c.send(b"ls\n");
            let _ = c.stream.set_read_timeout(Some(Duration::from_millis(100)));
            let mut one = [0u8; 1];
            for _ in 0..5 {
                let _ = c.stream.read(&mut one);
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// Latency percentiles of one command: (count, p50, p99, max).
#[must_use]
pub fn percentiles(v: &[Duration]) -> (usize, Duration, Duration, Duration) {
    if v.is_empty() {
        return (0, Duration::ZERO, Duration::ZERO, Duration::ZERO);
    }
    let mut s = v.to_vec();
    s.sort();
    let at = |q: f64| {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let i = ((s.len() - 1) as f64 * q).round() as usize;
        s[i.min(s.len() - 1)]
    };
    (s.len(), at(0.5), at(0.99), s[s.len() - 1])
}
