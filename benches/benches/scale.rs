//! `scale`: curves, not points. Every server here runs with its default
//! logging (no `--log-level`, stderr to a file), as a user runs it.
//!
//! - `scale/size_idle/{0,100,1000,10000}`: the `size` round trip on one
//!   connection while that many other connections are open and idle (each
//!   connected and greeted with `220`, then silent), pinned to CPU 0 like
//!   `roundtrip`. A fresh server per point, with `--max-connections` above
//!   the count. The server's `VmRSS` and `VmHWM` (peak) right after the
//!   idle connections were greeted and after the round trips go to
//!   `target/criterion/mftp-scale.json`, with the bytes per idle
//!   connection above the empty server. A point the open-file limit cannot
//!   reach is skipped with a message (and recorded as skipped).
//! - `scale/download_1MiB_each/{1,8,64,512}`: that many open connections
//!   each download 1 MiB at the same moment, to the last byte of the last
//!   one; each beside `baseline/download_1MiB_each/{n}`, plain clients of
//!   the thread-per-connection raw-TCP server doing the same, alternating
//!   which goes first.
//! - `scale/updown_1000x64KiB`: 1,000 connections at once each upload
//!   64 KiB (to the `226`, after the server's fsync) then download it; the
//!   files are removed between rounds (not timed). Then
//!   `baseline/updown_1000x64KiB`: the same byte counts and concurrency
//!   through plain sockets (no disk). Per-operation p50/p99 of both go to
//!   the JSON file.

use std::fs::File;
use std::io::Read as _;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use benches::baseline::BaselineClient;
use benches::client::{Client, name};
use benches::curves::{self, IdlePoint, Latency};
use benches::files::{self, MIB};
use benches::memory::{self, Rss};
use benches::server::{BaselineProcess, Logging, Server};
use benches::{at_once, bench, pin_to_one_cpu, raise_nofile_limit};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mftp_protocol::Name;

/// Idle-connection counts, in the order measured: the empty server right
/// before the largest count, so that the pair the goal divides is measured
/// minutes apart at most.
const IDLE_POINTS: [u64; 4] = [0, 10_000, 100, 1_000];
/// Open files this process needs besides the idle connections.
const SPARE_FILES: u64 = 256;
/// How long opening all idle connections of one point may take.
const OPEN_TIMEOUT: Duration = Duration::from_secs(120);
/// How long one connect or one greeting may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

const DOWNLOAD_CLIENTS: [usize; 4] = [1, 8, 64, 512];
const UPDOWN_CLIENTS: usize = 1_000;
const UPDOWN_BYTES: u64 = 64 * 1024;

fn idle_curve(c: &mut Criterion) {
    for connections in IDLE_POINTS {
        let need = connections + SPARE_FILES;
        let limit = raise_nofile_limit(need);
        if limit < need {
            let hard = rustix::process::getrlimit(rustix::process::Resource::Nofile)
                .maximum
                .map_or_else(|| "unlimited".to_owned(), |m| m.to_string());
            skip(
                connections,
                &format!(
                    "the open-file limit is {limit} (hard limit {hard}), {need} needed; \
                     raise it (`ulimit -n {need}`, as root for the hard limit) to measure it"
                ),
            );
            continue;
        }
        idle_point(c, connections);
    }
}

fn skip(connections: u64, why: &str) {
    println!("scale: SKIP {connections} idle connections: {why}");
    curves::update(|curves| {
        curves.idle.remove(&connections);
        curves.skipped.insert(connections, why.to_owned());
    })
    .expect("record a skipped point");
}

fn idle_point(c: &mut Criterion, connections: u64) {
    // Before the server starts: it inherits the CPU.
    let _pin = pin_to_one_cpu();
    let max = (connections + 64).to_string();
    let server = Server::start_logging(Logging::Default, &["--max-connections", &max])
        .expect("start the reference server");
    files::create_random(&server.root().join("f.bin"), MIB).expect("create file");
    let file = name("f.bin");
    let mut client = Client::connect(server.addr()).expect("connect");
    assert_eq!(client.size(&file).expect("size"), MIB);

    let started = Instant::now();
    let idle = match open_idle(server.addr(), connections) {
        Ok(idle) => idle,
        Err(e) => {
            skip(connections, &format!("{e:#}"));
            return;
        }
    };
    let opened = server.rss().expect("server memory");
    println!(
        "scale: {connections} idle connections greeted in {:.2} s",
        started.elapsed().as_secs_f64()
    );

    let mut measured = false;
    let id = format!("size_idle/{connections}");
    bench(c, "scale", &id, None, 0, |b| {
        measured = true;
        b.iter(|| client.size(&file).expect("size"));
    });
    if !measured {
        // Filtered out: no round trips, nothing to record.
        return;
    }

    let after = server.rss().expect("server memory");
    let closed = closed_by_server(&idle);
    if closed > 0 {
        println!("scale: {closed} of the {connections} idle connections were closed by the server");
    }
    let point = IdlePoint {
        connections,
        opened,
        after,
    };
    curves::update(|curves| {
        curves.skipped.remove(&connections);
        curves.idle.insert(connections, point);
    })
    .expect("record memory");
    print_point(&point);
    drop(idle);
}

fn print_point(point: &IdlePoint) {
    let show = |rss: Rss| {
        format!(
            "peak {:.1} MiB, current {:.1} MiB",
            memory::mib(rss.peak),
            memory::mib(rss.current)
        )
    };
    let per = curves::load()
        .per_connection(point.connections)
        .map_or_else(String::new, |bytes| {
            format!(
                "; {:.2} KiB per connection above the empty server (peak)",
                bytes / 1024.0
            )
        });
    println!(
        "memory: {} idle connections: greeted: {}; after the round trips: {}{per}",
        point.connections,
        show(point.opened),
        show(point.after)
    );
}

/// Opens `count` connections, each read up to the end of its `220`
/// greeting, within [`OPEN_TIMEOUT`].
fn open_idle(addr: SocketAddr, count: u64) -> anyhow::Result<Vec<TcpStream>> {
    let deadline = Instant::now() + OPEN_TIMEOUT;
    let mut idle = Vec::with_capacity(usize::try_from(count)?);
    for i in 0..count {
        ensure!(
            Instant::now() < deadline,
            "only {i} of {count} connections greeted within {} s",
            OPEN_TIMEOUT.as_secs()
        );
        let stream = greeted(addr).with_context(|| {
            format!(
                "idle connection {} of {count} (the others were greeted)",
                i + 1
            )
        })?;
        idle.push(stream);
    }
    Ok(idle)
}

/// A new connection that has read a whole `220` line.
fn greeted(addr: SocketAddr) -> anyhow::Result<TcpStream> {
    let mut stream = TcpStream::connect_timeout(&addr, STEP_TIMEOUT).context("connect")?;
    stream.set_read_timeout(Some(STEP_TIMEOUT))?;
    let mut line = [0_u8; 256];
    let mut len = 0;
    while !line[..len].contains(&b'\n') {
        ensure!(
            len < line.len(),
            "greeting longer than {} bytes",
            line.len()
        );
        let got = stream.read(&mut line[len..]).context("read the greeting")?;
        ensure!(got > 0, "closed before the greeting ended");
        len += got;
    }
    ensure!(
        line.starts_with(b"220 "),
        "not greeted with 220: {:?}",
        String::from_utf8_lossy(&line[..len]).trim()
    );
    Ok(stream)
}

/// How many of the idle connections the server has closed or written to
/// since their greeting (a silent, open connection has nothing to read).
fn closed_by_server(idle: &[TcpStream]) -> usize {
    let mut peek = [0_u8; 1];
    idle.iter()
        .filter(|stream| {
            stream.set_nonblocking(true).is_ok()
                && !matches!(stream.peek(&mut peek), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
        })
        .count()
}

fn download_curve(c: &mut Criterion) {
    let most = DOWNLOAD_CLIENTS[DOWNLOAD_CLIENTS.len() - 1];
    raise_nofile_limit(4 * most as u64 + SPARE_FILES);
    let max = (most + 64).to_string();
    let server = Server::start_logging(Logging::Default, &["--max-connections", &max])
        .expect("start the reference server");
    files::create_random(&server.root().join("1MiB.bin"), MIB).expect("create file");
    let file = name("1MiB.bin");
    let sources = tempfile::Builder::new()
        .prefix("mftp-bench-scale-")
        .tempdir()
        .expect("temp dir");
    let source = sources.path().join("1MiB.bin");
    std::fs::hard_link(server.root().join("1MiB.bin"), &source).expect("link the file");
    // A process of its own, as the server is (`src/bin/baseline-server.rs`).
    let baseline =
        BaselineProcess::transfer(env!("CARGO_BIN_EXE_baseline-server"), [source.as_os_str()])
            .expect("start baseline-server transfer");

    let mut clients: Vec<Client> = (0..most)
        .map(|_| Client::connect(server.addr()).expect("connect"))
        .collect();
    let mut plain: Vec<BaselineClient> = (0..most)
        .map(|_| BaselineClient::connect(baseline.addr()).expect("connect baseline"))
        .collect();

    for (i, n) in DOWNLOAD_CLIENTS.into_iter().enumerate() {
        let id = format!("download_1MiB_each/{n}");
        let total = n as u64 * MIB;
        // Alternate which goes first from one count to the next.
        for turn in 0..2 {
            if (turn == 0) == (i % 2 == 0) {
                figure_at_once(c, "scale", &id, total, &mut clients[..n], |client| {
                    client.download(&file).expect("download");
                });
            } else {
                figure_at_once(c, "baseline", &id, total, &mut plain[..n], |client| {
                    client.download(MIB).expect("baseline download");
                });
            }
        }
    }
}

/// One figure of `total` bytes: every client runs `each` at the same moment
/// (see [`at_once`]).
fn figure_at_once<C: Send>(
    c: &mut Criterion,
    group: &str,
    id: &str,
    total: u64,
    clients: &mut [C],
    each: impl Fn(&mut C) + Sync,
) {
    bench(c, group, id, Some(Throughput::Bytes(total)), total, |b| {
        b.iter_custom(|iters| at_once(iters, clients, &each));
    });
}

/// One of the 1,000 clients of `updown`, with the times of its operations.
struct Worker<C> {
    client: C,
    name: Name,
    up: Vec<Duration>,
    down: Vec<Duration>,
}

impl<C> Worker<C> {
    fn new(client: C, i: usize) -> Self {
        Self {
            client,
            name: name(&format!("c{i:04}.bin")),
            up: Vec::new(),
            down: Vec::new(),
        }
    }
}

/// How long `op` takes.
fn time(op: impl FnOnce()) -> Duration {
    let start = Instant::now();
    op();
    start.elapsed()
}

/// Records and prints the upload and download percentiles of `workers`.
fn record_latency<C>(key: &str, workers: &mut [Worker<C>]) {
    let mut up: Vec<Duration> = workers.iter_mut().flat_map(|w| w.up.drain(..)).collect();
    let mut down: Vec<Duration> = workers.iter_mut().flat_map(|w| w.down.drain(..)).collect();
    for (op, samples) in [("upload", &mut up), ("download", &mut down)] {
        let Some(latency) = Latency::of(samples) else {
            continue;
        };
        println!(
            "latency: {key}/{op}: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs over {} operations",
            latency.p50_us, latency.p99_us, latency.max_us, latency.ops
        );
        curves::update(|curves| {
            curves.latency.insert(format!("{key}/{op}"), latency);
        })
        .expect("record latency");
    }
}

fn updown(c: &mut Criterion) {
    raise_nofile_limit(4 * UPDOWN_CLIENTS as u64 + SPARE_FILES);
    let max = (UPDOWN_CLIENTS + 64).to_string();
    let server = Server::start_logging(Logging::Default, &["--max-connections", &max])
        .expect("start the reference server");
    let dir = tempfile::Builder::new()
        .prefix("mftp-bench-updown-")
        .tempdir()
        .expect("temp dir");
    let source_path = dir.path().join("64KiB.bin");
    files::create_random(&source_path, UPDOWN_BYTES).expect("create file");
    let source = File::open(&source_path).expect("open the source");
    // A process of its own, as the server is (`src/bin/baseline-server.rs`).
    let baseline = BaselineProcess::transfer(
        env!("CARGO_BIN_EXE_baseline-server"),
        [source_path.as_os_str()],
    )
    .expect("start baseline-server transfer");

    let mut workers: Vec<Worker<Client>> = (0..UPDOWN_CLIENTS)
        .map(|i| Worker::new(Client::connect(server.addr()).expect("connect"), i))
        .collect();
    let mut plain: Vec<Worker<BaselineClient>> = (0..UPDOWN_CLIENTS)
        .map(|i| {
            let client = BaselineClient::connect(baseline.addr()).expect("connect baseline");
            Worker::new(client, i)
        })
        .collect();

    let total = 2 * UPDOWN_CLIENTS as u64 * UPDOWN_BYTES;
    let id = format!("updown_{UPDOWN_CLIENTS}x{}", files::label(UPDOWN_BYTES));
    let source = &source;
    let mut measured = false;
    bench(
        c,
        "scale",
        &id,
        Some(Throughput::Bytes(total)),
        total,
        |b| {
            measured = true;
            b.iter_custom(|iters| {
                let mut elapsed = Duration::ZERO;
                for _ in 0..iters {
                    elapsed += at_once(1, &mut workers, |w| {
                        let up = time(|| {
                            w.client
                                .upload(&w.name, source, UPDOWN_BYTES)
                                .expect("upload");
                        });
                        let down = time(|| {
                            let got = w.client.download(&w.name).expect("download");
                            assert_eq!(got, UPDOWN_BYTES, "download: wrong size");
                        });
                        w.up.push(up);
                        w.down.push(down);
                    });
                    // Not timed: make room for the next round (UPLOAD-5).
                    at_once(1, &mut workers, |w| w.client.rm(&w.name).expect("rm"));
                }
                elapsed
            });
        },
    );
    if let Some(rss) = server.rss().filter(|_| measured) {
        println!(
            "memory: {id}: server peak RSS {:.1} MiB",
            memory::mib(rss.peak)
        );
    }
    record_latency(&id, &mut workers);

    bench(
        c,
        "baseline",
        &id,
        Some(Throughput::Bytes(total)),
        total,
        |b| {
            b.iter_custom(|iters| {
                at_once(iters, &mut plain, |w| {
                    let up = time(|| {
                        w.client
                            .upload(source, UPDOWN_BYTES)
                            .expect("baseline upload");
                    });
                    let down = time(|| {
                        w.client.download(UPDOWN_BYTES).expect("baseline download");
                    });
                    w.up.push(up);
                    w.down.push(down);
                })
            });
        },
    );
    record_latency(&format!("baseline/{id}"), &mut plain);
}

criterion_group!(benches, idle_curve, download_curve, updown);
criterion_main!(benches);
