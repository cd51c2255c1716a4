//! `concurrent`: many clients on one server.
//!
//! - `concurrent/download_64x1MiB`: 64 open connections each download
//!   1 MiB at the same moment; the figure is the time until the last one
//!   finishes (64 MiB in all). Then `baseline/download_64x1MiB`: 64 plain
//!   clients of a thread-per-connection raw-TCP server in a process of its
//!   own, the same way.
//! - `concurrent/idle_1000_download_64MiB`: 1,000 connections are held
//!   open, mostly idle (one of them sends `connme` every millisecond, in
//!   turn), while one more client downloads 64 MiB. Compare
//!   `baseline/download/64MiB` (measured by the `transfer` bench). The server's memory with the 1,000
//!   connections is recorded for the report.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use benches::baseline::BaselineClient;
use benches::client::{Client, name};
use benches::files::{self, MIB, MIB64};
use benches::memory::{self, Record};
use benches::server::{BaselineProcess, Server};
use benches::{at_once, bench};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const CLIENTS: usize = 64;
const IDLE: usize = 1_000;
/// The goal for the server's peak RSS with 1,000 idle connections.
const IDLE_RSS_LIMIT: u64 = 200 * 1024 * 1024;

fn many_downloads(c: &mut Criterion) {
    let server = Server::start(&[]).expect("start the reference server");
    files::create_random(&server.root().join("1MiB.bin"), MIB).expect("create file");
    let file = name("1MiB.bin");
    let mut clients: Vec<Client> = (0..CLIENTS)
        .map(|_| Client::connect(server.addr()).expect("connect"))
        .collect();

    let sources = tempfile::Builder::new()
        .prefix("mftp-bench-concurrent-")
        .tempdir()
        .expect("temp dir");
    let source = sources.path().join("1MiB.bin");
    std::fs::hard_link(server.root().join("1MiB.bin"), &source).expect("link the file");
    // A process of its own, as the server is (`src/bin/baseline-server.rs`).
    let baseline =
        BaselineProcess::transfer(env!("CARGO_BIN_EXE_baseline-server"), [source.as_os_str()])
            .expect("start baseline-server transfer");
    let mut plain: Vec<BaselineClient> = (0..CLIENTS)
        .map(|_| BaselineClient::connect(baseline.addr()).expect("connect baseline"))
        .collect();

    let total = CLIENTS as u64 * MIB;
    let throughput = Some(Throughput::Bytes(total));
    bench(
        c,
        "concurrent",
        "download_64x1MiB",
        throughput.clone(),
        total,
        |b| {
            b.iter_custom(|iters| {
                at_once(iters, &mut clients, |client| {
                    client.download(&file).expect("download");
                })
            });
        },
    );
    bench(c, "baseline", "download_64x1MiB", throughput, total, |b| {
        b.iter_custom(|iters| {
            at_once(iters, &mut plain, |client| {
                client.download(MIB).expect("baseline download");
            })
        });
    });
}

fn idle_connections(c: &mut Criterion) {
    let limit = benches::raise_nofile_limit(4 * IDLE as u64);
    assert!(
        limit > 2 * IDLE as u64 + 64,
        "open-file limit {limit} is too low for {IDLE} connections; raise `ulimit -n`"
    );
    let max = (IDLE + 16).to_string();
    let server = Server::start(&["--max-connections", &max]).expect("start the reference server");
    files::create_random(&server.root().join("64MiB.bin"), MIB64).expect("create file");
    let file = name("64MiB.bin");
    let idle: Vec<Client> = (0..IDLE)
        .map(|i| {
            Client::connect(server.addr()).unwrap_or_else(|e| panic!("idle client {i}: {e:#}"))
        })
        .collect();
    let opened = server.rss().expect("server memory");
    println!(
        "memory: server RSS with {IDLE} idle connections open: {:.1} MiB (peak so far {:.1} MiB)",
        memory::mib(opened.current),
        memory::mib(opened.peak)
    );

    // Keep the idle ones "mostly" idle: one `connme` per millisecond.
    let stop = Arc::new(AtomicBool::new(false));
    let poker = {
        let stop = Arc::clone(&stop);
        let mut idle = idle;
        std::thread::spawn(move || {
            let mut turn = 0;
            while !stop.load(Ordering::Relaxed) {
                let client = &mut idle[turn % IDLE];
                client.connme().expect("connme");
                turn += 1;
                std::thread::sleep(Duration::from_millis(1));
            }
            idle
        })
    };

    let mut client = Client::connect(server.addr()).expect("connect");
    let throughput = Some(Throughput::Bytes(MIB64));
    bench(
        c,
        "concurrent",
        "idle_1000_download_64MiB",
        throughput,
        MIB64,
        |b| {
            b.iter(|| client.download(&file).expect("download"));
        },
    );

    stop.store(true, Ordering::Relaxed);
    let idle = poker.join().expect("connme thread");
    let rss = server.rss().expect("server memory");
    memory::record(
        "idle_1000",
        Record {
            what: format!("{IDLE} idle connections + 64 MiB downloads"),
            rss,
            limit: IDLE_RSS_LIMIT,
        },
    )
    .expect("record memory");
    drop(idle);
}

criterion_group!(benches, many_downloads, idle_connections);
criterion_main!(benches);
