//! `stress`: many clients doing a random mix of all seven commands against
//! one server on loopback, with content verified and some clients
//! misbehaving on purpose (see `benches::stress`). Bounded in clients and
//! seconds; stops by itself; talks only to 127.0.0.1.
//!
//! ```text
//! cargo run --release -p benches --bin stress -- --clients 1000 --seconds 60
//! cargo run --release -p benches --bin stress -- --clients 50 --seconds 20 \
//!     --server-cmd 'python3 student/server.py --root {root} --port {port}'
//! ```
//!
//! Exit status 0 when no protocol error, corrupted or lost file was seen,
//! 1 otherwise, 2 when the server could not be started.

use benches::stress::{OPS, Workload, percentiles, run};
use conformance::options::ServerSpec;
use conformance::target::Server;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const USAGE: &str = "\
stress: a random mix of all seven commands from many clients, every byte checked
  --clients N          concurrent clients (default 100, at most 10000)
  --seconds T          how long (default 10, at most 3600)
  --misbehave RATE     share of operations that misbehave instead (default 0.02)
  --max-file BYTES     largest upload (default 262144)
  --server-cmd 'CMD'   a server to start, with {root} and {port} (default: the
                       workspace's release reference server)
  --seed N             random seed (default 1)";

fn main() {
    match parse(std::env::args().skip(1)) {
        Ok((w, spec)) => std::process::exit(stress(&w, &spec)),
        Err(e) => {
            eprintln!("stress: {e}\n\n{USAGE}");
            std::process::exit(2);
        }
    }
}

fn parse(args: impl Iterator<Item = String>) -> Result<(Workload, ServerSpec), String> {
    let mut w = Workload {
        clients: 100,
        duration: Duration::from_secs(10),
        misbehave: 0.02,
        max_file: 256 * 1024,
        step: Duration::from_secs(30),
        seed: 1,
    };
    let mut spec = None;
    let mut args = args;
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let num = |max: u64| {
            value
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| format!("{flag}: expected a number from 1 to {max}, got {value:?}"))
        };
        match flag.as_str() {
            "--clients" => w.clients = usize::try_from(num(10_000)?).unwrap_or(10_000),
            "--seconds" => w.duration = Duration::from_secs(num(3600)?),
            "--max-file" => w.max_file = usize::try_from(num(1 << 30)?).unwrap_or(1 << 30),
            "--seed" => w.seed = num(u64::MAX)?,
            "--misbehave" => {
                w.misbehave = value
                    .parse::<f64>()
                    .ok()
                    .filter(|r| (0.0..=1.0).contains(r))
                    .ok_or_else(|| format!("--misbehave: expected 0 to 1, got {value:?}"))?;
            }
            "--server-cmd" => {
                if !value.contains("{root}") || !value.contains("{port}") {
                    return Err("--server-cmd needs {root} and {port}".into());
                }
                spec = Some(ServerSpec::Template(value));
            }
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    let spec = match spec {
        Some(s) => s,
        None => ServerSpec::Path(benches::server::binary().map_err(|e| e.to_string())?),
    };
    Ok((w, spec))
}

/// Peak figures of the server process, sampled while the run goes on.
#[derive(Default, Clone, Copy)]
struct Peaks {
    rss_kib: u64,
    threads: u64,
    fds: u64,
}

fn sample(pid: u32, p: &mut Peaks) {
    if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
        for line in status.lines() {
            let num = |l: &str| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            if line.starts_with("VmHWM:") {
                p.rss_kib = p.rss_kib.max(num(line));
            } else if line.starts_with("Threads:") {
                p.threads = p.threads.max(num(line));
            }
        }
    }
    if let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) {
        p.fds = p.fds.max(fds.count() as u64);
    }
}

fn stress(w: &Workload, spec: &ServerSpec) -> i32 {
    raise_fd_limit(w.clients);
    let dir = match tempfile::Builder::new().prefix("mftp-stress-").tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("stress: temp dir: {e}");
            return 2;
        }
    };
    let root = dir.path().join("root");
    if let Err(e) = std::fs::create_dir(&root) {
        eprintln!("stress: {e}");
        return 2;
    }
    // The reference server gets room for twice the clients: a client that
    // reconnects right after closing may arrive before the server has
    // retired its old connection (LIMIT-3 allows 2 s for that), and this
    // run is about load, not about the limit.
    let mut extra = Vec::new();
    if matches!(spec, ServerSpec::Path(_)) {
        extra = vec![
            "--max-connections".to_string(),
            (w.clients * 2 + 64).to_string(),
            "--log-level".into(),
            "warn".into(),
        ];
    }
    let server = match Server::start(
        spec,
        &std::env::current_dir().unwrap_or_default(),
        &root,
        dir.path(),
        &extra,
        Duration::from_secs(10),
    ) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("stress: the server did not start: {e}");
            return 2;
        }
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], server.port));
    let pid = server.pid();
    eprintln!(
        "stress: {} clients for {} s against {} (pid {pid}), {:.0}% misbehaving",
        w.clients,
        w.duration.as_secs(),
        spec.describe(),
        w.misbehave * 100.0
    );
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut p = Peaks::default();
            while !done.load(Ordering::Relaxed) {
                sample(pid, &mut p);
                std::thread::sleep(Duration::from_millis(250));
            }
            sample(pid, &mut p);
            p
        })
    };
    let started = Instant::now();
    let tally = run(addr, w);
    let elapsed = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let peaks = sampler.join().unwrap_or_default();
    let mut server = server;
    let alive = server.exit_status().is_none();
    drop(server);

    #[allow(clippy::cast_precision_loss)]
    let ops_per_s = tally.operations() as f64 / elapsed.as_secs_f64();
    println!(
        "\n{} clients, {:.1} s: {} operations, {ops_per_s:.0} per second, {} misbehaviours",
        w.clients,
        elapsed.as_secs_f64(),
        tally.operations(),
        tally.misbehaviours
    );
    println!(
        "{:<10} {:>9} {:>10} {:>10} {:>10}",
        "command", "count", "p50 ms", "p99 ms", "max ms"
    );
    for op in OPS {
        let (n, p50, p99, max) = percentiles(tally.latencies.get(op).map_or(&[][..], |v| v));
        println!(
            "{op:<10} {n:>9} {:>10.3} {:>10.3} {:>10.3}",
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3
        );
    }
    println!(
        "protocol errors {}, corrupted files {}, lost files {}, connections refused with 421: {}",
        tally.protocol_errors, tally.corrupted, tally.lost, tally.refused
    );
    println!(
        "server: peak RSS {:.1} MiB, peak threads {}, peak open files {}, {}",
        peaks.rss_kib as f64 / 1024.0,
        peaks.threads,
        peaks.fds,
        if alive {
            "still running"
        } else {
            "EXITED during the run"
        }
    );
    for s in &tally.samples {
        println!("  {s}");
    }
    let clean = tally.protocol_errors == 0 && tally.corrupted == 0 && tally.lost == 0 && alive;
    i32::from(!clean)
}

/// Room for every client's socket (and the server's, when it inherits the
/// limit).
fn raise_fd_limit(clients: usize) {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let want = (clients as u64) * 2 + 256;
    let limit = getrlimit(Resource::Nofile);
    let max = limit.maximum.unwrap_or(u64::MAX);
    if limit.current.unwrap_or(0) < want {
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(want.min(max)),
                maximum: limit.maximum,
            },
        );
    }
}
