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
pub mod files;
pub mod memory;
pub mod server;
pub mod stress;

use std::path::PathBuf;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, SamplingMode, Throughput};

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
    let id = match id.split_once('/') {
        Some((name, parameter)) => criterion::BenchmarkId::new(name, parameter),
        None => criterion::BenchmarkId::from_parameter(id),
    };
    let mut g = c.benchmark_group(group);
    plan(&mut g, throughput, bytes);
    g.bench_function(id, f);
    g.finish();
}
