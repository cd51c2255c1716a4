//! Shared helpers of the mftp/1 benchmarks: they start the reference server
//! in a temporary root, talk to it over loopback with a small blocking
//! client, and run a plain-TCP baseline that the server's figures are
//! divided by.
//!
//! # Layout
//! - [`server`]: finds (and if needed builds) the release `reference-server`
//!   binary and runs it in a temporary root; the process is killed and
//!   reaped on drop, also when a benchmark panics.
//! - [`client`]: a blocking mftp/1 client (std `TcpStream`, `TCP_NODELAY`,
//!   1 MiB buffers, `sendfile(2)` for uploads) for `size`, `ls`,
//!   `download` and `upload`.
//! - [`baseline`]: the physical limit: a thread that pushes the same byte
//!   counts through a plain loopback socket with `sendfile(2)` and no
//!   protocol, and a plain TCP echo server.
//! - [`memory`]: peak and current resident memory of a process
//!   (`/proc/PID/status`), and the JSON file where the benches leave it for
//!   the report.
//! - [`files`]: fast random test files and size labels.
//! - [`stress`]: the workload of the `stress` command (many clients, all
//!   seven commands, verified content, misbehaving clients).
//! - [`ftp`] and [`vsftpd`]: a blocking FTP client that moves bytes as
//!   [`client`] does, and vsftpd started on loopback, for the `peers`
//!   comparison.
//! - [`curves`]: the figures of the `scale` bench that criterion does not
//!   keep (resident memory per idle-connection count, latency
//!   percentiles), in a JSON file for the report.
//!
//! # Why the server binary is built here
//! `cargo bench -p benches` builds only this package, not other packages'
//! binaries. [`server::binary`] therefore uses `target/release/reference-server`
//! (the bench profile inherits `release`), and runs
//! `cargo build --release -p reference-server` once if the binary is missing
//! or older than the server's or protocol crate's sources. Set
//! `MFTP_SERVER_BIN` to benchmark another binary.

pub mod baseline;
pub mod client;
pub mod curves;
pub mod files;
pub mod ftp;
pub mod least_mftp;
pub mod memory;
pub mod server;
pub mod stress;
pub mod vsftpd;

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, SamplingMode, Throughput};

/// The workspace root (the parent of this crate).
#[must_use]
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map_or(manifest.clone(), PathBuf::from)
}

/// The cargo target directory: `CARGO_TARGET_DIR` or `<workspace>/target`.
#[must_use]
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from)
}

/// Where criterion keeps its results (`<target>/criterion`).
#[must_use]
pub fn criterion_dir() -> PathBuf {
    target_dir().join("criterion")
}

/// Raises this process's soft open-file limit to at least `want` (capped by
/// the hard limit) and returns the limit now in force. Child processes, the
/// server included, inherit it.
pub fn raise_nofile_limit(want: u64) -> u64 {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let current = limit.current.unwrap_or(u64::MAX);
    if current >= want {
        return current;
    }
    let target = limit.maximum.map_or(want, |max| max.min(want));
    let raised = Rlimit {
        current: Some(target),
        maximum: limit.maximum,
    };
    match setrlimit(Resource::Nofile, raised) {
        Ok(()) => target,
        Err(_) => current,
    }
}

/// Sets a group's throughput and a sampling plan that keeps the run
/// bounded: 64 MiB and more get 10 flat samples (one or a few transfers
/// each), smaller transfers the usual linear sampling.
///
/// `MFTP_BENCH_QUICK=1` shrinks every plan to 10 samples, 0.5 s warm-up and
/// 1 s of measurement, for development runs on a busy machine. (Criterion's
/// own `--measurement-time` does not apply, because the group settings here
/// win over it.)
pub fn plan(group: &mut BenchmarkGroup<'_, WallTime>, throughput: Option<Throughput>, bytes: u64) {
    use std::time::Duration;
    if let Some(throughput) = throughput {
        group.throughput(throughput);
    }
    let quick = std::env::var_os("MFTP_BENCH_QUICK").is_some_and(|v| v != "0");
    if quick {
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(1));
    } else if bytes >= files::GIB {
        group
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(10));
    } else if bytes >= files::MIB64 {
        group
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(5));
    } else {
        group
            .sample_size(30)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
    }
    group.sampling_mode(if bytes >= files::MIB64 || quick {
        SamplingMode::Flat
    } else {
        SamplingMode::Auto
    });
}

/// Creates `count` empty files `entry-00000.dat` … in `dir`, the directory
/// that `ls` and its baseline list.
pub fn create_entries(dir: &std::path::Path, count: usize) -> std::io::Result<()> {
    for i in 0..count {
        std::fs::File::create(dir.join(format!("entry-{i:05}.dat")))?;
    }
    Ok(())
}

/// Transfers up to this size (the 4 KiB ones), and all latency benchmarks,
/// run pinned to one CPU (see [`pin_to_one_cpu`]); larger transfers use
/// every CPU. 1 MiB is left unpinned: on one CPU its time depends on whether
/// the receiver preempts the sender at each wake-up, which flipped between
/// ~90 µs and ~500 µs from run to run for both the server and the baseline.
pub const PIN_UP_TO: u64 = 64 * 1024;

/// Pins the calling thread to CPU 0 until the guard drops, so that the
/// threads and processes it starts meanwhile (servers, echo threads) share
/// one CPU with it for their whole life. `MFTP_BENCH_PIN=0` turns this off.
///
/// The latency benchmarks and small transfers use it because on a VM a
/// wake-up sent to an idle virtual CPU costs tens of microseconds (the vCPU
/// halted and the host must run it again), and whether client and server
/// land on the same CPU is left to chance: unpinned round trips on the
/// 2-vCPU machine of the README jump between ~4 µs and ~50 µs from run to
/// run. On one CPU both sides of a ratio compare software paths.
#[must_use = "the pin lasts as long as the guard"]
pub fn pin_to_one_cpu() -> Pin {
    use std::sync::atomic::{AtomicBool, Ordering};
    static TOLD: AtomicBool = AtomicBool::new(false);
    if std::env::var_os("MFTP_BENCH_PIN").is_some_and(|v| v == "0") {
        return Pin { previous: None };
    }
    let Ok(previous) = rustix::thread::sched_getaffinity(None) else {
        return Pin { previous: None };
    };
    let mut set = rustix::thread::CpuSet::new();
    set.set(0);
    if rustix::thread::sched_setaffinity(None, &set).is_err() {
        return Pin { previous: None };
    }
    if !TOLD.swap(true, Ordering::Relaxed) {
        println!(
            "pinning: latency benchmarks and 4 KiB transfers run client and server \
             on CPU 0 (MFTP_BENCH_PIN=0 turns this off)"
        );
    }
    Pin {
        previous: Some(previous),
    }
}

/// Restores the thread's CPU affinity on drop; see [`pin_to_one_cpu`].
#[derive(Debug)]
pub struct Pin {
    previous: Option<rustix::thread::CpuSet>,
}

impl Drop for Pin {
    fn drop(&mut self) {
        if let Some(previous) = &self.previous {
            let _ = rustix::thread::sched_setaffinity(None, previous);
        }
    }
}

/// Runs one benchmark in its own group object, with [`plan`]: figures and
/// their baselines alternate, so each pair is measured minutes apart at
/// most, under the same load. (Criterion allows one group name to be opened
/// again; it also cannot unset a group's throughput, which this avoids.)
///
/// `id` may be `"name"` or `"name/parameter"`; the latter becomes a
/// `BenchmarkId`, so that criterion files it under
/// `<group>/<name>/<parameter>/` (a plain string with `/` would become
/// `<name>_<parameter>`).
pub fn bench<F>(
    c: &mut criterion::Criterion,
    group: &str,
    id: &str,
    throughput: Option<Throughput>,
    bytes: u64,
    f: F,
) where
    F: FnMut(&mut criterion::Bencher<'_, WallTime>),
{
    let mut g = c.benchmark_group(group);
    plan(&mut g, throughput, bytes);
    g.bench_function(benchmark_id(id), f);
    g.finish();
}

/// `"name"` or `"name/parameter"` as criterion's id (see [`bench`]).
fn benchmark_id(id: &str) -> BenchmarkId {
    match id.split_once('/') {
        Some((name, parameter)) => BenchmarkId::new(name, parameter),
        None => BenchmarkId::from_parameter(id),
    }
}

/// Runs `each` on every client at the same moment, `iters` times; returns
/// the time from the start signal to the end of the last one, summed. The
/// threads are started before the signal and not timed.
pub fn at_once<C: Send>(iters: u64, clients: &mut [C], each: impl Fn(&mut C) + Sync) -> Duration {
    let mut elapsed = Duration::ZERO;
    for _ in 0..iters {
        let start = Barrier::new(clients.len() + 1);
        elapsed += std::thread::scope(|s| {
            for client in clients.iter_mut() {
                let (start, each) = (&start, &each);
                s.spawn(move || {
                    start.wait();
                    each(client);
                });
            }
            start.wait();
            // The scope joins every thread before it returns.
            Instant::now()
        })
        .elapsed();
    }
    elapsed
}

/// Measures two contenders **in turns**, for figures of one or a few
/// seconds each (1 GiB transfers) where minutes pass between the first and
/// the last sample: `first` and `second` each run one operation and return
/// the time it took (whatever they do before or after, untimed, is theirs:
/// settling the disk, waiting for memory to go cold, removing the file).
///
/// Criterion measures `group/ids[0]`; each of its iterations runs one
/// operation of *both* contenders, `first` before `second` in even rounds
/// and after it in odd ones, and keeps `second`'s time aside. Criterion
/// then measures `group/ids[1]`, whose iterations hand back those times in
/// the same order (its output comes at once). So sample *k* of one figure
/// was taken beside sample *k* of the other, under the same load, and
/// neither always goes first; the medians the report divides come from
/// the same minutes. If `ids[0]` is filtered out (or criterion asks for a
/// different count), `second` is measured alone.
///
/// The plan is fixed: one warm-up round and `samples` samples of one round
/// each (at least 10, criterion's minimum), whatever `MFTP_BENCH_QUICK`
/// says. Criterion
/// prints "Unable to complete 10 samples in 1.0ns": that is the point of
/// the 1 ns target, which gives each sample exactly one operation.
pub fn in_turns(
    c: &mut criterion::Criterion,
    group: &str,
    ids: [&str; 2],
    throughput: Option<Throughput>,
    samples: usize,
    mut first: impl FnMut() -> Duration,
    mut second: impl FnMut() -> Duration,
) {
    let mut g = c.benchmark_group(group);
    if let Some(throughput) = throughput {
        g.throughput(throughput);
    }
    g.sample_size(samples.max(10))
        .warm_up_time(Duration::from_nanos(1))
        .measurement_time(Duration::from_nanos(1))
        .sampling_mode(SamplingMode::Flat);
    // (iterations, time of `second` for them), oldest first.
    let mut beside: VecDeque<(u64, Duration)> = VecDeque::new();
    let mut round = 0_u64;
    g.bench_function(benchmark_id(ids[0]), |b| {
        b.iter_custom(|iters| {
            let (mut mine, mut theirs) = (Duration::ZERO, Duration::ZERO);
            for _ in 0..iters {
                if round.is_multiple_of(2) {
                    mine += first();
                    theirs += second();
                } else {
                    theirs += second();
                    mine += first();
                }
                round += 1;
            }
            beside.push_back((iters, theirs));
            mine
        });
    });
    g.bench_function(benchmark_id(ids[1]), |b| {
        b.iter_custom(|iters| match beside.pop_front() {
            Some((n, time)) if n == iters => time,
            _ => {
                beside.clear();
                (0..iters).map(|_| second()).sum()
            }
        });
    });
    g.finish();
}

/// Measures several contenders of a short operation (a round trip, a small
/// download) **in turns**: `rounds` rounds, each timing `batch` operations
/// of every contender, in order in even rounds and in reverse in odd ones,
/// so that a slow minute of this VM falls on all of them alike (criterion's
/// own sampling measures one benchmark after the other, seconds or minutes
/// apart). Criterion then reports `names[i]` (`"group/id"` or
/// `"group/id/parameter"`) with one sample per round: that round's time per
/// operation of contender `i`. `ops[i]` runs one operation of contender
/// `i`; `throughput` is per operation.
///
/// One round more than `rounds` is measured for criterion's warm-up call;
/// if criterion asks for more samples than were taken, it gets fresh ones.
pub fn batches_in_turns(
    c: &mut criterion::Criterion,
    names: &[&str],
    throughput: Option<&Throughput>,
    rounds: usize,
    batch: u32,
    ops: &mut [&mut dyn FnMut()],
) {
    assert_eq!(names.len(), ops.len(), "one operation per name");
    let batch = batch.max(1);
    let time_batch = |op: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..batch {
            op();
        }
        start.elapsed() / batch
    };
    let n = ops.len();
    let mut per_op: Vec<VecDeque<Duration>> = vec![VecDeque::new(); n];
    for round in 0..=rounds {
        for k in 0..n {
            let i = if round % 2 == 0 { k } else { n - 1 - k };
            per_op[i].push_back(time_batch(&mut *ops[i]));
        }
    }
    for ((name, times), op) in names.iter().zip(&mut per_op).zip(ops.iter_mut()) {
        let (group, id) = name.split_once('/').unwrap_or((name, name));
        let mut g = c.benchmark_group(group);
        if let Some(throughput) = throughput {
            g.throughput(throughput.clone());
        }
        g.sample_size(rounds.max(10))
            .warm_up_time(Duration::from_nanos(1))
            .measurement_time(Duration::from_nanos(1))
            .sampling_mode(SamplingMode::Flat);
        g.bench_function(benchmark_id(id), |b| {
            b.iter_custom(|iters| {
                let one = times.pop_front().unwrap_or_else(|| time_batch(&mut **op));
                one * u32::try_from(iters).unwrap_or(u32::MAX)
            });
        });
        g.finish();
    }
}
