//! `writes`: how fast a new 1 GiB file reaches the disk (written, then
//! fsynced) by the size of each `write(2)` and the writeback strategy, in
//! warm and in cold memory. The experiment behind the reference server's
//! 64 KiB upload writes and its early writeback (`benches/README.md`,
//! "Upload writes").
//!
//! ```text
//! cargo run --release -p benches --bin writes              # 5 rounds, ~2 minutes
//! cargo run --release -p benches --bin writes -- --rounds 9
//! ```
//!
//! Every variant writes the same bytes from the same 1 MiB buffer, in
//! pieces of its size; the variants take turns, in the opposite order
//! every other round, and `sync` runs (untimed) before each. **Warm**: a
//! variant starts right after the previous file's removal, so the page
//! cache that removal freed is still backed by the host. **Cold**: it
//! starts 3 s later, once this VM has handed the freed memory back to the
//! host (virtio-balloon free page reporting). Prints the median and the
//! spread of each variant, in GiB/s. The file goes to `$TMPDIR`.

use std::fs::File;
use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

/// The file size.
const TOTAL: u64 = 1 << 30;
/// The early writeback step of the reference server.
const STEP: u64 = 8 << 20;
/// How long freed memory takes to go back to this VM's host, and then some.
const COLD_WAIT: Duration = Duration::from_secs(3);

/// One way of writing the file.
#[derive(Clone, Copy)]
struct Variant {
    /// Bytes per `write(2)`.
    write: usize,
    /// Start writeback of every 8 MiB written (`POSIX_FADV_DONTNEED`, as
    /// the reference server does) rather than leave it all to the fsync.
    early: bool,
}

impl Variant {
    fn label(self) -> String {
        let how = if self.early {
            "early writeback"
        } else {
            "one fsync"
        };
        format!("{:>5} KiB writes, {how}", self.write / 1024)
    }

    /// Writes, fsyncs and times one file.
    fn run(self, path: &Path, data: &[u8]) -> std::io::Result<Duration> {
        let started = Instant::now();
        let mut file = File::create(path)?;
        let (mut written, mut flushed) = (0_u64, 0_u64);
        while written < TOTAL {
            let n = usize::try_from(TOTAL - written)
                .unwrap_or(usize::MAX)
                .min(self.write);
            file.write_all(&data[..n])?;
            written += n as u64;
            if self.early && written - flushed >= STEP {
                let len = std::num::NonZeroU64::new(written - flushed);
                rustix::fs::fadvise(&file, flushed, len, rustix::fs::Advice::DontNeed)?;
                flushed = written;
            }
        }
        file.sync_all()?;
        Ok(started.elapsed())
    }
}

fn main() {
    let mut rounds = 5_usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next().and_then(|v| v.parse().ok())) {
            ("--rounds", Some(n)) if n > 0 => rounds = n,
            _ => {
                eprintln!("writes: usage: writes [--rounds N]");
                std::process::exit(2);
            }
        }
    }
    let variants: Vec<Variant> = [64 * 1024, 1024 * 1024]
        .into_iter()
        .flat_map(|write| [false, true].map(|early| Variant { write, early }))
        .collect();
    let data: Vec<u8> = (0..=250_u8).cycle().take(1 << 20).collect();
    let dir = tempfile::Builder::new()
        .prefix("mftp-bench-writes-")
        .tempdir()
        .expect("temp dir");
    let path = dir.path().join("1GiB.bin");
    for (state, wait) in [("warm", Duration::ZERO), ("cold", COLD_WAIT)] {
        let mut speeds = vec![Vec::new(); variants.len()];
        for round in 0..rounds {
            let order: Vec<usize> = if round % 2 == 0 {
                (0..variants.len()).collect()
            } else {
                (0..variants.len()).rev().collect()
            };
            for i in order {
                let _ = std::process::Command::new("sync").status();
                std::thread::sleep(wait);
                let took = variants[i].run(&path, &data).expect("write the file");
                std::fs::remove_file(&path).expect("remove the file");
                speeds[i].push(TOTAL as f64 / took.as_secs_f64() / f64::from(1 << 30));
            }
        }
        for (variant, mut speed) in variants.iter().zip(speeds) {
            speed.sort_by(f64::total_cmp);
            println!(
                "{state}: {}: median {:.2} GiB/s ({:.2}–{:.2}, {rounds} rounds)",
                variant.label(),
                speed[speed.len() / 2],
                speed[0],
                speed[speed.len() - 1]
            );
        }
    }
}
