//! `download` and `upload` of 4 KiB, 1 MiB, 64 MiB and 1 GiB over one open
//! connection to the reference server.
//!
//! Each direction gets fresh servers, so that the peak RSS recorded after
//! the 1 GiB transfer (`VmHWM`) is that direction's alone. 4 KiB transfers
//! run on a second server, pinned with the client to one CPU (see
//! `benches::pin_to_one_cpu`). Uploads are timed
//! from the command to the `226`, which the server sends only after it has
//! `fsync`ed the file (UPLOAD-4); the `rm` that makes room for the next
//! iteration is not timed.

use std::fs::File;
use std::time::{Duration, Instant};

use benches::client::{Client, name};
use benches::files::{self, GIB, TRANSFER_SIZES};
use benches::memory::{self, Record};
use benches::server::Server;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// The goal for the server's peak RSS during 1 GiB transfers.
const TRANSFER_RSS_LIMIT: u64 = 64 * 1024 * 1024;

fn record_peak(server: &Server, key: &str, what: &str) {
    let rss = server.rss().expect("server memory from /proc");
    memory::record(
        key,
        Record {
            what: what.to_owned(),
            rss,
            limit: TRANSFER_RSS_LIMIT,
        },
    )
    .expect("record memory");
}

/// Two servers: one pinned to CPU 0 for the 4 KiB transfers (see
/// `benches::pin_to_one_cpu`), one free for the large ones, whose peak RSS
/// is the figure recorded.
fn servers() -> (Server, Server) {
    let pinned = {
        let _pin = benches::pin_to_one_cpu();
        Server::start(&[]).expect("start the reference server")
    };
    let free = Server::start(&[]).expect("start the reference server");
    (pinned, free)
}

fn download(c: &mut Criterion) {
    let (pinned, server) = servers();
    for bytes in TRANSFER_SIZES {
        let server = if bytes <= benches::PIN_UP_TO {
            &pinned
        } else {
            &server
        };
        let path = server.root().join(format!("{}.bin", files::label(bytes)));
        files::create_random(&path, bytes).expect("create download file");
    }
    let mut pinned_client = Client::connect(pinned.addr()).expect("connect");
    let mut client = Client::connect(server.addr()).expect("connect");

    let mut group = c.benchmark_group("download");
    for bytes in TRANSFER_SIZES {
        let pin = (bytes <= benches::PIN_UP_TO).then(benches::pin_to_one_cpu);
        let client = if pin.is_some() {
            &mut pinned_client
        } else {
            &mut client
        };
        let file = name(&format!("{}.bin", files::label(bytes)));
        benches::plan(&mut group, Some(Throughput::Bytes(bytes)), bytes);
        group.bench_function(BenchmarkId::from_parameter(files::label(bytes)), |b| {
            b.iter(|| {
                let got = client.download(&file).expect("download");
                assert_eq!(got, bytes, "download announced the wrong size");
            });
        });
    }
    group.finish();
    record_peak(
        &server,
        "download_1GiB",
        "64 MiB and 1 GiB downloads (sendfile)",
    );
}

fn upload(c: &mut Criterion) {
    println!(
        "upload: every figure includes the server's fsync of the file and its directory \
         before it answers 226 (spec.md UPLOAD-4)"
    );
    let (pinned, server) = servers();
    let local = tempfile::Builder::new()
        .prefix("mftp-bench-upload-")
        .tempdir()
        .expect("temp dir");
    let source_path = local.path().join("source.bin");
    files::create_random(&source_path, GIB).expect("create upload source");
    let source = File::open(&source_path).expect("open upload source");
    let mut pinned_client = Client::connect(pinned.addr()).expect("connect");
    let mut client = Client::connect(server.addr()).expect("connect");

    let mut group = c.benchmark_group("upload");
    for bytes in TRANSFER_SIZES {
        let pin = (bytes <= benches::PIN_UP_TO).then(benches::pin_to_one_cpu);
        let client = if pin.is_some() {
            &mut pinned_client
        } else {
            &mut client
        };
        let target = name(&format!("up-{}.bin", files::label(bytes)));
        benches::plan(&mut group, Some(Throughput::Bytes(bytes)), bytes);
        group.bench_function(BenchmarkId::from_parameter(files::label(bytes)), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    client.upload(&target, &source, bytes).expect("upload");
                    total += start.elapsed();
                    client.rm(&target).expect("rm after upload");
                }
                total
            });
        });
    }
    group.finish();
    record_peak(
        &server,
        "upload_1GiB",
        "64 MiB and 1 GiB uploads (incl. fsync)",
    );
}

criterion_group!(transfer, download, upload);
criterion_main!(transfer);
