//! `baseline`: the physical limit of this machine, measured in the same run
//! as the server figures so that the report can divide one by the other.
//!
//! - `baseline/download/<size>`: a plain loopback socket, `sendfile(2)` from
//!   a cached file on one side, `read(2)` into a 1 MiB buffer on the other;
//!   one request round trip per transfer, as in mftp/1.
//! - `baseline/upload/<size>`: the same the other way, data dropped, 1-byte
//!   ack; no disk.
//! - `baseline/write_fsync/<size>`: writing a new file and `fsync`ing it and
//!   its directory, as an upload must and as the server does it now
//!   (writeback starts late).
//! - `baseline/write_fsync_early/<size>`: the same, with writeback started
//!   every 8 MiB while writing: the disk's limit.
//! - `baseline/echo`, `baseline/echo_pipelined_100`: a TCP echo round trip of
//!   a `size`-reply-sized message, alone and 100 in one write.
//! - `baseline/echo_epoll`: the same echo from a server that waits in
//!   `epoll_wait` on a non-blocking socket, like an event-loop server; a
//!   diagnostic for the `size` round trip, not a limit.
//! - `baseline/echo_tokio`: the same echo from a tokio multi-thread runtime
//!   with a timeout on every read, like the reference server: the floor of a
//!   tokio server's round trip; a diagnostic too.
//! - `baseline/connect`: TCP connect and reading a 17-byte greeting from a
//!   server that accepts, greets and closes on one thread.
//! - `baseline/download_64x1MiB`: 64 plain clients fetching 1 MiB at once.
//! - `baseline/readdir_10000`: reading and sorting a 10,000-entry directory
//!   locally, the least work an `ls` of it needs.
//!
//! The latency benchmarks (`echo*`, `connect`) and the 4 KiB transfers run
//! pinned to one CPU, as `roundtrip` and `download/4KiB` do; see
//! `benches::pin_to_one_cpu`.

use std::fs::File;
use std::hint::black_box;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use benches::baseline::{
    BaselineClient, BaselineServer, EchoServer, EpollEchoServer, Greeter, TokioEchoServer, echo,
};
use benches::files::{self, GIB, KIB4, MIB, MIB64, TRANSFER_SIZES, Writeback};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// A message as long as `213 1048576 1.00 MB\n`.
const MESSAGE: &[u8] = b"213 1048576 1.00 MB\n";

fn transfers(c: &mut Criterion) {
    let dir = tempfile::Builder::new()
        .prefix("mftp-bench-baseline-")
        .tempdir()
        .expect("temp dir");
    // One file per size, as in the server's root for `download`.
    let paths: Vec<PathBuf> = TRANSFER_SIZES
        .iter()
        .map(|&bytes| {
            let path = dir.path().join(format!("{}.bin", files::label(bytes)));
            files::create_random(&path, bytes).expect("create a source file");
            path
        })
        .collect();
    let sources: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let source = dir.path().join("upload-source.bin");
    files::create_random(&source, GIB).expect("create the 1 GiB upload source");
    let server = BaselineServer::start(&sources).expect("baseline server");
    let mut client = BaselineClient::connect(server.addr()).expect("connect baseline");
    // Small transfers on one CPU, like `download` and `upload`: the server
    // threads are started pinned and stay so.
    let pinned_server = {
        let _pin = benches::pin_to_one_cpu();
        BaselineServer::start(&sources).expect("baseline server")
    };
    let mut pinned_client =
        BaselineClient::connect(pinned_server.addr()).expect("connect baseline");
    let file = File::open(&source).expect("open source");

    let mut group = c.benchmark_group("baseline");
    for bytes in TRANSFER_SIZES {
        let pin = (bytes <= benches::PIN_UP_TO).then(benches::pin_to_one_cpu);
        let client = if pin.is_some() {
            &mut pinned_client
        } else {
            &mut client
        };
        benches::plan(&mut group, Some(Throughput::Bytes(bytes)), bytes);
        group.bench_function(BenchmarkId::new("download", files::label(bytes)), |b| {
            b.iter(|| client.download(bytes).expect("baseline download"));
        });
    }
    for bytes in TRANSFER_SIZES {
        let pin = (bytes <= benches::PIN_UP_TO).then(benches::pin_to_one_cpu);
        let client = if pin.is_some() {
            &mut pinned_client
        } else {
            &mut client
        };
        benches::plan(&mut group, Some(Throughput::Bytes(bytes)), bytes);
        group.bench_function(BenchmarkId::new("upload", files::label(bytes)), |b| {
            b.iter(|| client.upload(&file, bytes).expect("baseline upload"));
        });
    }

    // The disk: what an upload must do besides receiving (UPLOAD-4), as
    // the server does it now and with early writeback.
    let block = vec![0x5a_u8; usize::try_from(MIB).expect("1 MiB")];
    for (id, writeback, sizes) in [
        ("write_fsync", Writeback::AtFsync, &[KIB4, MIB64, GIB][..]),
        ("write_fsync_early", Writeback::Early, &[MIB64, GIB][..]),
    ] {
        for &bytes in sizes {
            benches::plan(&mut group, Some(Throughput::Bytes(bytes)), bytes);
            group.bench_function(BenchmarkId::new(id, files::label(bytes)), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for i in 0..iters {
                        let path = dir.path().join(format!("fsync-{i}.bin"));
                        let start = Instant::now();
                        files::write_and_fsync(&path, bytes, &block, writeback)
                            .expect("write and fsync");
                        total += start.elapsed();
                        std::fs::remove_file(&path).expect("remove");
                    }
                    total
                });
            });
        }
    }

    // 64 plain clients at once, as in `concurrent/download_64x1MiB`.
    let mut clients: Vec<BaselineClient> = (0..64)
        .map(|_| BaselineClient::connect(server.addr()).expect("connect baseline"))
        .collect();
    benches::plan(&mut group, Some(Throughput::Bytes(64 * MIB)), 64 * MIB);
    group.bench_function("download_64x1MiB", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Barrier::new(clients.len() + 1);
                total += std::thread::scope(|s| {
                    for client in &mut clients {
                        let start = &start;
                        s.spawn(move || {
                            start.wait();
                            client.download(MIB).expect("baseline download");
                        });
                    }
                    start.wait();
                    let began = Instant::now();
                    // The scope joins every thread before it returns.
                    began
                })
                .elapsed();
            }
            total
        });
    });
    group.finish();
}

fn latency(c: &mut Criterion) {
    // Before any thread or server of this group starts: they inherit it.
    let _pin = benches::pin_to_one_cpu();
    let server = EchoServer::start().expect("echo server");
    let greeter = Greeter::start().expect("greeter");
    let epoll_server = EpollEchoServer::start().expect("epoll echo server");
    let mut epoll_stream = TcpStream::connect(epoll_server.addr()).expect("connect echo");
    epoll_stream.set_nodelay(true).expect("nodelay");
    let tokio_server = TokioEchoServer::start().expect("tokio echo server");
    let mut tokio_stream = TcpStream::connect(tokio_server.addr()).expect("connect echo");
    tokio_stream.set_nodelay(true).expect("nodelay");
    let mut stream = TcpStream::connect(server.addr()).expect("connect echo");
    stream.set_nodelay(true).expect("nodelay");
    let mut scratch = vec![0_u8; MESSAGE.len() * 100];
    let batch = MESSAGE.repeat(100);

    let mut group = c.benchmark_group("baseline");
    benches::plan(&mut group, None, 0);
    group.bench_function("echo", |b| {
        b.iter(|| echo(&mut stream, MESSAGE, &mut scratch).expect("echo"));
    });
    group.bench_function("echo_epoll", |b| {
        b.iter(|| echo(&mut epoll_stream, MESSAGE, &mut scratch).expect("echo"));
    });
    group.bench_function("echo_tokio", |b| {
        b.iter(|| echo(&mut tokio_stream, MESSAGE, &mut scratch).expect("echo"));
    });
    group.bench_function("connect", |b| {
        b.iter(|| greeter.session().expect("connect"));
    });
    // Last: criterion cannot unset a group's throughput.
    benches::plan(&mut group, Some(Throughput::Elements(100)), 0);
    group.bench_function("echo_pipelined_100", |b| {
        b.iter(|| echo(&mut stream, &batch, &mut scratch).expect("echo"));
    });
    group.finish();
}

fn readdir(c: &mut Criterion) {
    let dir = tempfile::Builder::new()
        .prefix("mftp-bench-readdir-")
        .tempdir()
        .expect("temp dir");
    benches::create_entries(dir.path(), 10_000).expect("create entries");
    let mut group = c.benchmark_group("baseline");
    benches::plan(&mut group, Some(Throughput::Elements(10_000)), 0);
    group.bench_function("readdir_10000", |b| {
        b.iter(|| {
            let mut names: Vec<(String, bool)> = std::fs::read_dir(dir.path())
                .expect("read_dir")
                .map(|entry| {
                    let entry = entry.expect("entry");
                    let is_dir = entry.file_type().expect("file type").is_dir();
                    (entry.file_name().to_string_lossy().into_owned(), is_dir)
                })
                .collect();
            names.sort_unstable();
            black_box(names)
        });
    });
    group.finish();
}

criterion_group!(baseline, transfers, latency, readdir);
criterion_main!(baseline);
