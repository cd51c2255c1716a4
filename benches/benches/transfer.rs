//! `download` and `upload` of 4 KiB, 1 MiB, 64 MiB and 1 GiB over one open
//! connection to the reference server, each followed at once by its
//! baseline: the same bytes through a plain loopback socket
//! (`baseline/download/<size>`, `baseline/upload/<size>`), and for uploads
//! the disk alone (`baseline/write_fsync/<size>`,
//! `baseline/write_fsync_early/<size>`).
//!
//! Each direction gets fresh servers, so that the peak RSS recorded after
//! the 1 GiB transfer (`VmHWM`) is that direction's alone. 4 KiB transfers
//! run on a second server, pinned with the client to one CPU (see
//! `benches::pin_to_one_cpu`); so does their baseline. 4 KiB downloads are
//! measured in turns with their three baselines (`small_downloads`). Uploads are timed from
//! the command to the `226`, which the server sends only after it has
//! `fsync`ed the file and its directory (UPLOAD-4); the `rm` that makes room
//! for the next iteration is not timed.

use std::fs::File;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use benches::baseline::BaselineClient;
use benches::client::{Client, name};
use benches::files::{self, GIB, KIB4, MIB, MIB64, TRANSFER_SIZES, Writeback};
use benches::memory::{self, Record};
use benches::server::{BaselineProcess, Server};
use benches::{PIN_UP_TO, batches_in_turns, bench, pin_to_one_cpu};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

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

/// A server and a baseline server, started pinned to CPU 0 when `pinned`.
struct Pair {
    server: Server,
    client: Client,
    /// Kept alive for `baseline_client`; stopped on drop. A process of its
    /// own, as the server is (`src/bin/baseline-server.rs`).
    _baseline: BaselineProcess,
    baseline_client: BaselineClient,
    /// The least mftp/1 server for downloads (`benches::least_mftp`), with a
    /// client like `client`, when there are files to download.
    least: Option<(BaselineProcess, Client)>,
}

impl Pair {
    /// Starts both; the baseline serves the files in `sources`.
    fn start(pinned: bool, files: &[(u64, PathBuf)]) -> Self {
        let _pin = pinned.then(pin_to_one_cpu);
        let server = Server::start(&[]).expect("start the reference server");
        for (bytes, path) in files {
            let served = server.root().join(format!("{}.bin", files::label(*bytes)));
            std::fs::hard_link(path, &served)
                .or_else(|_| std::fs::copy(path, &served).map(drop))
                .expect("put the file under the server root");
        }
        let sources = files.iter().map(|(_, path)| path.as_os_str());
        let baseline = BaselineProcess::transfer(env!("CARGO_BIN_EXE_baseline-server"), sources)
            .expect("start baseline-server transfer");
        // The source files share one folder.
        let least = files
            .first()
            .and_then(|(_, path)| path.parent())
            .map(|dir| {
                let least = BaselineProcess::start(
                    env!("CARGO_BIN_EXE_baseline-server"),
                    ["least-mftp".as_ref(), dir.as_os_str()],
                )
                .expect("start baseline-server least-mftp");
                let client = Client::connect(least.addr()).expect("connect least-mftp");
                (least, client)
            });
        Self {
            client: Client::connect(server.addr()).expect("connect"),
            baseline_client: BaselineClient::connect(baseline.addr()).expect("connect baseline"),
            server,
            _baseline: baseline,
            least,
        }
    }
}

/// The pair a transfer of `bytes` uses: small ones run pinned to CPU 0
/// (the returned guard holds the pin), larger ones on every CPU.
fn pair_for<'a>(
    bytes: u64,
    pinned: &'a mut Pair,
    free: &'a mut Pair,
) -> (Option<benches::Pin>, &'a mut Pair) {
    if bytes <= PIN_UP_TO {
        (Some(pin_to_one_cpu()), pinned)
    } else {
        (None, free)
    }
}

/// Creates one random file per transfer size in `dir`.
fn source_files(dir: &std::path::Path) -> Vec<(u64, PathBuf)> {
    TRANSFER_SIZES
        .iter()
        .map(|&bytes| {
            let path = dir.join(format!("{}.bin", files::label(bytes)));
            files::create_random(&path, bytes).expect("create a source file");
            (bytes, path)
        })
        .collect()
}

/// Rounds of the 4 KiB downloads in turns, and downloads per server per
/// round.
const SMALL_ROUNDS: usize = 30;
const SMALL_BATCH: u32 = 2_000;

/// 4 KiB downloads from the reference server, the plain transfer, the
/// plain transfer with a name lookup (`download_named`) and the least
/// mftp/1 server (`download_least_mftp`), **in turns**
/// (`benches::batches_in_turns`): these differ by a microsecond or two,
/// less than this VM drifts between criterion's benchmarks.
fn small_downloads(c: &mut Criterion, pair: &mut Pair, file: &mftp_protocol::Name) {
    let Pair {
        client,
        baseline_client,
        least,
        ..
    } = pair;
    let (_, least) = least.as_mut().expect("the download pair has files");
    let plain = std::cell::RefCell::new(baseline_client);
    batches_in_turns(
        c,
        &[
            "download/4KiB",
            "baseline/download/4KiB",
            "baseline/download_named/4KiB",
            "baseline/download_least_mftp/4KiB",
        ],
        Some(&Throughput::Bytes(KIB4)),
        SMALL_ROUNDS,
        SMALL_BATCH,
        &mut [
            &mut || {
                let got = client.download(file).expect("download");
                assert_eq!(got, KIB4, "download announced the wrong size");
            },
            &mut || {
                plain
                    .borrow_mut()
                    .download(KIB4)
                    .expect("baseline download");
            },
            &mut || {
                plain
                    .borrow_mut()
                    .download_named(KIB4)
                    .expect("baseline named download");
            },
            &mut || {
                let got = least.download(file).expect("least-mftp download");
                assert_eq!(got, KIB4, "least-mftp download: wrong size");
            },
        ],
    );
}

fn download(c: &mut Criterion) {
    let dir = tempfile::Builder::new()
        .prefix("mftp-bench-download-")
        .tempdir()
        .expect("temp dir");
    // The server root and the baseline serve the very same files (hard
    // links), so both read the same page cache.
    let sources = source_files(dir.path());
    let mut pinned = Pair::start(true, &sources);
    let mut free = Pair::start(false, &sources);

    for bytes in TRANSFER_SIZES {
        let (_pin, pair) = pair_for(bytes, &mut pinned, &mut free);
        let label = files::label(bytes);
        let file = name(&format!("{label}.bin"));
        let throughput = Some(Throughput::Bytes(bytes));
        if bytes == KIB4 {
            small_downloads(c, pair, &file);
            continue;
        }
        bench(c, "download", &label, throughput.clone(), bytes, |b| {
            b.iter(|| {
                let got = pair.client.download(&file).expect("download");
                assert_eq!(got, bytes, "download announced the wrong size");
            });
        });
        bench(
            c,
            "baseline",
            &format!("download/{label}"),
            throughput,
            bytes,
            |b| {
                b.iter(|| {
                    pair.baseline_client
                        .download(bytes)
                        .expect("baseline download");
                });
            },
        );
    }
    record_peak(
        &free.server,
        "download_1GiB",
        "64 MiB and 1 GiB downloads (sendfile)",
    );
}

fn upload(c: &mut Criterion) {
    println!(
        "upload: every figure includes the server's fsync of the file and its directory \
         before it answers 226 (spec.md UPLOAD-4)"
    );
    let dir = tempfile::Builder::new()
        .prefix("mftp-bench-upload-")
        .tempdir()
        .expect("temp dir");
    let source_path = dir.path().join("source.bin");
    files::create_random(&source_path, GIB).expect("create upload source");
    let source = File::open(&source_path).expect("open upload source");
    let mut pinned = Pair::start(true, &[]);
    let mut free = Pair::start(false, &[]);
    let block = vec![0x5a_u8; usize::try_from(MIB).expect("1 MiB")];

    for bytes in TRANSFER_SIZES {
        let (_pin, pair) = pair_for(bytes, &mut pinned, &mut free);
        let label = files::label(bytes);
        let target = name(&format!("up-{label}.bin"));
        let throughput = Some(Throughput::Bytes(bytes));
        bench(c, "upload", &label, throughput.clone(), bytes, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    pair.client.upload(&target, &source, bytes).expect("upload");
                    total += start.elapsed();
                    pair.client.rm(&target).expect("rm after upload");
                }
                total
            });
        });
        bench(
            c,
            "baseline",
            &format!("upload/{label}"),
            throughput.clone(),
            bytes,
            |b| {
                b.iter(|| {
                    pair.baseline_client
                        .upload(&source, bytes)
                        .expect("baseline upload");
                });
            },
        );
        // The disk: what an upload must do besides receiving, as the server
        // does it now (writeback starts late) and with early writeback.
        let disk: &[(&str, Writeback)] = match bytes {
            KIB4 => &[("write_fsync", Writeback::AtFsync)],
            MIB64 | GIB => &[
                ("write_fsync", Writeback::AtFsync),
                ("write_fsync_early", Writeback::Early),
            ],
            _ => &[],
        };
        for &(id, writeback) in disk {
            bench(
                c,
                "baseline",
                &format!("{id}/{label}"),
                throughput.clone(),
                bytes,
                |b| {
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
                },
            );
        }
    }
    record_peak(
        &free.server,
        "upload_1GiB",
        "64 MiB and 1 GiB uploads (incl. fsync)",
    );
}

criterion_group!(transfer, download, upload);
criterion_main!(transfer);
