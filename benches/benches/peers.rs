//! `peers`: the reference server beside vsftpd on loopback, in the same
//! run, with the same client code for both (`benches::client` for mftp/1,
//! `benches::ftp` for FTP: the same `sendfile` sender, the same reused
//! 1 MiB receive buffer, `TCP_NODELAY`). Optional: without
//! `/usr/sbin/vsftpd` it prints one `SKIP` line and exits 0
//! (`apt-get install vsftpd` brings it). vsftpd needs root.
//!
//! Both servers run as a user would run them: the reference server without
//! `--log-level` (its default logging, stderr to a file), vsftpd with its
//! defaults plus what anonymous uploads need and the transfer log Debian
//! ships enabled (see `benches::vsftpd`).
//!
//! - `peers/download/{mftp,vsftpd}`: a 1 GiB file, in the page cache, to
//!   the last byte (mftp: `download NAME` on an open connection; FTP:
//!   `PASV`, data connection, `RETR`, data to its end, `226`).
//! - `peers/upload_warm/…` and `peers/upload_cold/…`: a **durable** 1 GiB
//!   upload. mftp: `upload` to the `226`, which the reference server sends
//!   after fsyncing the file and its directory (UPLOAD-4); FTP: `PASV`,
//!   `STOR`, data, `226`, then the bench fsyncs the stored file and its
//!   directory, since vsftpd does not. The file is removed after each
//!   upload (`rm` / `DELE`, not timed) and `sync` runs before each upload
//!   (not timed) so that the disk starts settled. **warm**: the next upload
//!   starts right after (the page-cache pages the removal freed are still
//!   backed by the host); **cold**: it starts 3 s after the removal, once
//!   this VM has handed the freed memory back to the host (virtio-balloon
//!   free page reporting, ~2 s after memory is freed), so the upload writes
//!   into memory the host must supply again.
//! - `peers/size/{mftp,vsftpd}`: `size NAME` → `213` and `SIZE NAME` →
//!   `213` on one open connection, pinned to CPU 0 with both servers (as
//!   `roundtrip` is; see `benches::pin_to_one_cpu`); and `peers/size/echo`:
//!   a plain TCP echo of the mftp reply's 20-odd bytes in a process of its
//!   own, as both servers are: the limit.
//!
//! The 1 GiB figures are measured **in turns** (`benches::in_turns`): each
//! round times one mftp and one vsftpd operation, alternating which goes
//! first, 1 warm-up round and 30 measured ones for downloads, 10 for each
//! kind of upload (criterion's minimum). The round trips too
//! (`benches::batches_in_turns`): 30 rounds of 2,000 round trips per
//! server, vsftpd, mftp and echo in turns.

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use benches::baseline::{echo, size_reply};
use benches::client::{CHUNK, Client, name};
use benches::files::{self, GIB};
use benches::ftp::FtpClient;
use benches::server::{BaselineProcess, Logging, Server};
use benches::vsftpd::{self, Vsftpd};
use benches::{batches_in_turns, in_turns, pin_to_one_cpu};
use criterion::{Criterion, Throughput};

/// The file every transfer moves, in each server's directory.
const FILE: &str = "1GiB.bin";
/// Where uploads go.
const UPLOADED: &str = "up-1GiB.bin";
/// Measured rounds of the 1 GiB downloads (0.2 s each per server): their
/// samples spread by ±20 %, so ten rounds left the ratio to chance.
const DOWNLOAD_ROUNDS: usize = 30;
/// Rounds of the `size` round trips, and round trips per server per round.
const ROUND_TRIP_ROUNDS: usize = 30;
const ROUND_TRIP_BATCH: u32 = 2_000;
/// Measured rounds of each kind of upload (each 1–4 s per server).
const UPLOAD_ROUNDS: usize = 10;
/// How long after a removal a cold upload starts: this VM reports freed
/// pages to the host about 2 s after they are freed.
const COLD_WAIT: Duration = Duration::from_secs(3);

fn main() {
    if !vsftpd::installed() {
        println!("peers: SKIP: vsftpd not installed (apt-get install vsftpd)");
        return;
    }
    if !rustix::process::geteuid().is_root() {
        println!("peers: SKIP: vsftpd needs root (it chroots and switches users per session)");
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    peers(&mut c);
    c.final_summary();
}

fn peers(c: &mut Criterion) {
    let dir = tempfile::Builder::new()
        .prefix("mftp-bench-peers-")
        .tempdir()
        .expect("temp dir");
    let source_path = dir.path().join(FILE);
    files::create_random(&source_path, GIB).expect("create the 1 GiB file");
    let source = File::open(&source_path).expect("open the 1 GiB file");

    // The transfers use every CPU: servers started unpinned.
    let mftp = Server::start_logging(Logging::Default, &[]).expect("start the reference server");
    let ftpd = Vsftpd::start().expect("start vsftpd");
    serve(&source_path, mftp.root(), &ftpd);
    read_through(&source_path);
    println!(
        "peers: reference server pid {}, vsftpd pid {} on {}; 1 GiB file in the page cache",
        mftp.pid(),
        ftpd.pid(),
        ftpd.addr()
    );

    download(c, &mftp, &ftpd);
    upload(c, &mftp, &ftpd, &source, Memory::Warm);
    upload(c, &mftp, &ftpd, &source, Memory::Cold);
    drop((mftp, ftpd));

    round_trip(c, &source_path);
}

/// Puts the file (a hard link) where both servers serve it.
fn serve(source: &Path, mftp_root: &Path, ftpd: &Vsftpd) {
    for target in [mftp_root.join(FILE), ftpd.files().join(FILE)] {
        std::fs::hard_link(source, &target)
            .or_else(|_| std::fs::copy(source, &target).map(drop))
            .expect("put the file in a server's directory");
    }
}

/// Reads a file once, so that it is in the page cache.
fn read_through(path: &Path) {
    let mut file = File::open(path).expect("open");
    let mut buf = vec![0_u8; CHUNK];
    while file.read(&mut buf).expect("read") > 0 {}
}

fn download(c: &mut Criterion, mftp: &Server, ftpd: &Vsftpd) {
    let file = name(FILE);
    let path = Vsftpd::path(FILE);
    let mut client = Client::connect(mftp.addr()).expect("connect to the reference server");
    let mut ftp = FtpClient::login(ftpd.addr()).expect("log in to vsftpd");
    in_turns(
        c,
        "peers",
        ["download/mftp", "download/vsftpd"],
        Some(Throughput::Bytes(GIB)),
        DOWNLOAD_ROUNDS,
        || {
            let start = Instant::now();
            let got = client.download(&file).expect("mftp download");
            let elapsed = start.elapsed();
            assert_eq!(got, GIB, "mftp download: wrong size");
            elapsed
        },
        || {
            let start = Instant::now();
            let got = ftp.retr(&path).expect("FTP RETR");
            let elapsed = start.elapsed();
            assert_eq!(got, GIB, "FTP RETR: wrong size");
            elapsed
        },
    );
    ftp.quit();
}

/// The memory an upload writes into; see the module documentation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Memory {
    Warm,
    Cold,
}

/// The untimed steps around each upload, shared by both servers: the
/// time of the last removal, the `sync` and the cold wait.
struct Settle {
    memory: Memory,
    removed: Option<Instant>,
    /// Shortest and longest time from a removal to the next upload.
    gaps: Option<(Duration, Duration)>,
}

impl Settle {
    /// Before a timed upload: `sync`, then (cold) wait until 3 s after the
    /// last removal.
    fn before(&mut self) {
        rustix::fs::sync();
        let Some(removed) = self.removed else { return };
        if self.memory == Memory::Cold {
            let ready = removed + COLD_WAIT;
            if let Some(wait) = ready.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        let gap = removed.elapsed();
        self.gaps = Some(
            self.gaps
                .map_or((gap, gap), |(low, high)| (low.min(gap), high.max(gap))),
        );
    }

    fn removed(&mut self) {
        self.removed = Some(Instant::now());
    }
}

fn upload(c: &mut Criterion, mftp: &Server, ftpd: &Vsftpd, source: &File, memory: Memory) {
    let label = match memory {
        Memory::Warm => "upload_warm",
        Memory::Cold => "upload_cold",
    };
    let target = name(UPLOADED);
    let path = Vsftpd::path(UPLOADED);
    let stored = ftpd.files().join(UPLOADED);
    let mut client = Client::connect(mftp.addr()).expect("connect to the reference server");
    let mut ftp = FtpClient::login(ftpd.addr()).expect("log in to vsftpd");
    let settle = std::cell::RefCell::new(Settle {
        memory,
        removed: None,
        gaps: None,
    });
    let ids = [format!("{label}/mftp"), format!("{label}/vsftpd")];
    in_turns(
        c,
        "peers",
        [ids[0].as_str(), ids[1].as_str()],
        Some(Throughput::Bytes(GIB)),
        UPLOAD_ROUNDS,
        || {
            settle.borrow_mut().before();
            let start = Instant::now();
            client.upload(&target, source, GIB).expect("mftp upload");
            let elapsed = start.elapsed();
            client.rm(&target).expect("mftp rm");
            settle.borrow_mut().removed();
            elapsed
        },
        || {
            settle.borrow_mut().before();
            let start = Instant::now();
            ftp.stor(&path, source, GIB).expect("FTP STOR");
            fsync_with_directory(&stored);
            let elapsed = start.elapsed();
            ftp.dele(&path).expect("FTP DELE");
            settle.borrow_mut().removed();
            elapsed
        },
    );
    ftp.quit();
    if let Some((low, high)) = settle.into_inner().gaps {
        println!(
            "peers: {label}: {:.3}–{:.3} s from the end of a removal to the next upload{}",
            low.as_secs_f64(),
            high.as_secs_f64(),
            match memory {
                Memory::Warm if high > Duration::from_millis(1500) => {
                    " (over 1.5 s: some rounds may have met memory already handed back)"
                }
                _ => "",
            }
        );
    }
}

/// What vsftpd's `226` does not promise: the file's data and its name on
/// disk, as the reference server's `226` does (UPLOAD-4).
fn fsync_with_directory(path: &Path) {
    File::open(path)
        .and_then(|f| f.sync_all())
        .expect("fsync the stored file");
    let dir = path.parent().expect("the file is in a directory");
    File::open(dir)
        .and_then(|d| d.sync_all())
        .expect("fsync its directory");
}

fn round_trip(c: &mut Criterion, source: &Path) {
    // Before the servers start: they inherit the CPU.
    let _pin = pin_to_one_cpu();
    let mftp = Server::start_logging(Logging::Default, &[]).expect("start the reference server");
    let ftpd = Vsftpd::start().expect("start vsftpd");
    serve(source, mftp.root(), &ftpd);
    // A process of its own, as both servers are (`src/bin/baseline-server.rs`).
    let echo_server = BaselineProcess::start(env!("CARGO_BIN_EXE_baseline-server"), ["echo"])
        .expect("start baseline-server echo");

    let file = name(FILE);
    let path = Vsftpd::path(FILE);
    let mut client = Client::connect(mftp.addr()).expect("connect to the reference server");
    assert_eq!(client.size(&file).expect("mftp size"), GIB);
    let mut ftp = FtpClient::login(ftpd.addr()).expect("log in to vsftpd");
    assert_eq!(ftp.size(&path).expect("FTP SIZE"), GIB);
    let mut echo_stream = TcpStream::connect(echo_server.addr()).expect("connect echo");
    echo_stream.set_nodelay(true).expect("nodelay");
    let message = size_reply(GIB);
    let mut scratch = vec![0_u8; message.len()];
    let logged_before = mftp.logged().unwrap_or_default();

    // In turns: vsftpd, mftp and the echo take rounds of 2,000 round trips
    // each, so that all three see the same minutes of this VM.
    batches_in_turns(
        c,
        &["peers/size/vsftpd", "peers/size/mftp", "peers/size/echo"],
        None,
        ROUND_TRIP_ROUNDS,
        ROUND_TRIP_BATCH,
        &mut [
            &mut || {
                ftp.size(&path).expect("FTP SIZE");
            },
            &mut || {
                client.size(&file).expect("mftp size");
            },
            &mut || echo(&mut echo_stream, &message, &mut scratch).expect("echo"),
        ],
    );

    if let Some((bytes, lines)) = mftp.logged() {
        println!(
            "peers: the reference server at its default logging wrote {} lines ({} bytes) \
             during its `size` round trips",
            lines - logged_before.1,
            bytes - logged_before.0
        );
    }
    ftp.quit();
    let _ = std::io::stdout().flush();
}
