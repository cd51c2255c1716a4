//! `cargo run -p benches --bin report`: one table of every benchmark
//! figure, its baseline measured in the same run, their ratio, and the
//! goal, read from criterion's saved estimates
//! (`target/criterion/<group>/<bench>/new/{estimates,benchmark,sample}.json`)
//! and from `target/criterion/mftp-memory.json` and `mftp-scale.json`;
//! then small tables: the `peers` figures with the spread of their samples,
//! and the curves of `scale` (memory and round trip per idle-connection
//! count, concurrent downloads per client count, the 1,000-client
//! percentiles).
//!
//! Every value is criterion's **median** time per iteration, not its mean:
//! on the VMs these benches run on, the disk stalls now and then (3 of 10
//! `upload/1GiB` samples taking twice as long, in the disk-only baseline
//! too), and one stall moves the mean of ten samples by tens of percent.
//! The median says what a transfer typically costs; criterion's own output
//! still shows the mean.
//!
//! Throughputs are compared as MiB/s (ratio = figure / baseline, higher is
//! better); latencies as µs per iteration (ratio = figure / baseline, lower
//! is better). Figures not run yet show as "not run". The table is
//! Markdown, ready for the README.

use std::path::Path;

use benches::curves::{self, Curves};
use benches::memory;
use serde_json::Value;

/// What a ratio must reach.
#[derive(Clone, Copy)]
enum Goal {
    AtLeast(f64),
    AtMost(f64),
}

impl Goal {
    fn text(self) -> String {
        match self {
            Goal::AtLeast(x) => format!("≥ {x:.2}"),
            Goal::AtMost(x) => format!("≤ {x:.2}"),
        }
    }

    fn met(self, ratio: f64) -> bool {
        match self {
            Goal::AtLeast(x) => ratio >= x,
            Goal::AtMost(x) => ratio <= x,
        }
    }
}

/// One line of the table: a figure and the baseline it is divided by.
struct Row {
    label: &'static str,
    figure: &'static str,
    baseline: &'static str,
    goal: Option<Goal>,
}

const fn row(
    label: &'static str,
    figure: &'static str,
    baseline: &'static str,
    goal: Option<Goal>,
) -> Row {
    Row {
        label,
        figure,
        baseline,
        goal,
    }
}

const ROWS: &[Row] = &[
    row(
        "download 4 KiB",
        "download/4KiB",
        "baseline/download/4KiB",
        Some(Goal::AtLeast(0.9)),
    ),
    row(
        "download 1 MiB",
        "download/1MiB",
        "baseline/download/1MiB",
        None,
    ),
    row(
        "download 64 MiB",
        "download/64MiB",
        "baseline/download/64MiB",
        None,
    ),
    row(
        "download 1 GiB",
        "download/1GiB",
        "baseline/download/1GiB",
        Some(Goal::AtLeast(0.9)),
    ),
    row(
        "upload 4 KiB (incl. fsync)",
        "upload/4KiB",
        "baseline/upload/4KiB",
        None,
    ),
    row(
        "upload 1 MiB (incl. fsync)",
        "upload/1MiB",
        "baseline/upload/1MiB",
        None,
    ),
    row(
        "upload 64 MiB (incl. fsync)",
        "upload/64MiB",
        "baseline/upload/64MiB",
        None,
    ),
    row(
        "upload 1 GiB (incl. fsync)",
        "upload/1GiB",
        "baseline/upload/1GiB",
        Some(Goal::AtLeast(0.7)),
    ),
    row(
        "upload 4 KiB vs. disk: write, fsync",
        "upload/4KiB",
        "baseline/write_fsync/4KiB",
        None,
    ),
    row(
        "upload 1 GiB vs. disk: write, fsync",
        "upload/1GiB",
        "baseline/write_fsync/1GiB",
        None,
    ),
    row(
        "upload 1 GiB vs. disk: early writeback",
        "upload/1GiB",
        "baseline/write_fsync_early/1GiB",
        None,
    ),
    row(
        "`size` round trip",
        "roundtrip/size",
        "baseline/echo",
        Some(Goal::AtMost(1.5)),
    ),
    row(
        "`size` round trip vs. epoll echo",
        "roundtrip/size",
        "baseline/echo_epoll",
        None,
    ),
    row(
        "`size` round trip vs. echo in its own process",
        "roundtrip/size",
        "baseline/echo_process",
        None,
    ),
    row(
        "`size` round trip vs. tokio echo",
        "roundtrip/size",
        "baseline/echo_tokio",
        None,
    ),
    row(
        "100 pipelined `size` (per batch)",
        "roundtrip/size_pipelined_100",
        "baseline/echo_pipelined_100",
        None,
    ),
    row(
        "connect + greeting",
        "roundtrip/connect",
        "baseline/connect",
        Some(Goal::AtMost(1.5)),
    ),
    row(
        "64 clients × 1 MiB download",
        "concurrent/download_64x1MiB",
        "baseline/download_64x1MiB",
        Some(Goal::AtLeast(0.9)),
    ),
    row(
        "64 MiB download, 1,000 idle conns",
        "concurrent/idle_1000_download_64MiB",
        "baseline/download/64MiB",
        None,
    ),
    row(
        "`ls` of 10,000 entries",
        "ls/10000",
        "baseline/readdir_10000",
        None,
    ),
    // `peers`: the baseline is vsftpd, in the same run, in turns.
    row(
        "1 GiB download, cached: reference ÷ vsftpd",
        "peers/download/mftp",
        "peers/download/vsftpd",
        Some(Goal::AtLeast(1.0)),
    ),
    row(
        "1 GiB durable upload, cold memory: reference ÷ vsftpd + fsync",
        "peers/upload_cold/mftp",
        "peers/upload_cold/vsftpd",
        Some(Goal::AtLeast(1.0)),
    ),
    row(
        "1 GiB durable upload, warm memory: reference ÷ vsftpd + fsync",
        "peers/upload_warm/mftp",
        "peers/upload_warm/vsftpd",
        Some(Goal::AtLeast(1.0)),
    ),
    row(
        "`size` round trip, default logging: reference ÷ vsftpd `SIZE`",
        "peers/size/mftp",
        "peers/size/vsftpd",
        Some(Goal::AtMost(1.0)),
    ),
    row(
        "`size` round trip, default logging ÷ pinned echo",
        "peers/size/mftp",
        "peers/size/echo",
        Some(Goal::AtMost(1.3)),
    ),
    // `scale`.
    row(
        "`size` round trip, 10,000 idle conns open ÷ none",
        "scale/size_idle/10000",
        "scale/size_idle/0",
        Some(Goal::AtMost(1.2)),
    ),
    row(
        "1,000 clients × (64 KiB upload + download)",
        "scale/updown_1000x64KiB",
        "baseline/updown_1000x64KiB",
        None,
    ),
];

/// A benchmark's median time per iteration and the bytes it moves, if any.
struct Measured {
    median_ns: f64,
    bytes: Option<f64>,
    /// Fastest and slowest sample, ns per iteration (`sample.json`).
    range_ns: Option<(f64, f64)>,
}

impl Measured {
    fn load(dir: &Path, id: &str) -> Option<Self> {
        // `group/name/param` is filed there, but older versions of these
        // benches filed it as `group/name_param`: take the newer.
        let flat = match id.split_once('/') {
            Some((group, rest)) => format!("{group}/{}", rest.replace('/', "_")),
            None => id.to_owned(),
        };
        let modified = |candidate: &str| {
            std::fs::metadata(dir.join(candidate).join("new").join("estimates.json"))
                .and_then(|m| m.modified())
                .ok()
        };
        let id = [id, flat.as_str()]
            .into_iter()
            .filter_map(|candidate| Some((modified(candidate)?, candidate)))
            .max()
            .map(|(_, candidate)| candidate)?;
        let read = |file: &str| -> Option<Value> {
            let bytes = std::fs::read(dir.join(id).join("new").join(file)).ok()?;
            serde_json::from_slice(&bytes).ok()
        };
        let estimates = read("estimates.json")?;
        let median_ns = estimates["median"]["point_estimate"].as_f64()?;
        let bytes = read("benchmark.json").and_then(|b| {
            let t = &b["throughput"];
            t["Bytes"].as_f64().or_else(|| t["BytesDecimal"].as_f64())
        });
        let range_ns = read("sample.json").and_then(|sample| {
            let iters = sample["iters"].as_array()?;
            let times = sample["times"].as_array()?;
            let per_iter = iters
                .iter()
                .zip(times)
                .filter_map(|(n, t)| Some(t.as_f64()? / n.as_f64()?));
            per_iter.fold(None, |range: Option<(f64, f64)>, x| {
                Some(range.map_or((x, x), |(low, high)| (low.min(x), high.max(x))))
            })
        });
        Some(Self {
            median_ns,
            bytes,
            range_ns,
        })
    }

    /// MiB/s when bytes move, else µs per iteration, for `ns` per
    /// iteration.
    fn value_of(&self, ns: f64) -> f64 {
        match self.bytes {
            Some(bytes) => bytes / (ns / 1e9) / (1024.0 * 1024.0),
            None => ns / 1e3,
        }
    }

    /// The value of the median.
    fn value(&self) -> f64 {
        self.value_of(self.median_ns)
    }

    fn show(&self) -> String {
        match self.bytes {
            Some(_) => format!("{:.0} MiB/s", self.value()),
            None => format!("{:.1} µs", self.value()),
        }
    }

    /// The median and the range of the samples: `812 MiB/s (790–840)`.
    fn show_spread(&self) -> String {
        let Some((fast, slow)) = self.range_ns else {
            return self.show();
        };
        let (a, b) = (self.value_of(fast), self.value_of(slow));
        let (low, high) = (a.min(b), a.max(b));
        match self.bytes {
            Some(_) => format!("{:.0} MiB/s ({low:.0}–{high:.0})", self.value()),
            None => format!("{:.1} µs ({low:.1}–{high:.1})", self.value()),
        }
    }
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or_else(|_| "unknown kernel".to_owned(), |k| k.trim().to_owned());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let kib: f64 = info
                .lines()
                .find(|l| l.starts_with("MemTotal:"))?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some(format!("{:.0} GiB RAM", kib / (1024.0 * 1024.0)))
        })
        .unwrap_or_default();
    format!("{cpus} CPUs ({model}), {memory}, Linux {kernel}")
}

fn main() {
    let dir = benches::criterion_dir();
    println!(
        "mftp/1 benchmarks vs. the loopback limit, from {}",
        dir.display()
    );
    println!("machine: {}", machine());
    println!();
    println!("| figure | value | baseline | ratio | goal | result |");
    println!("|---|---:|---:|---:|---|---|");
    let mut failed = 0;
    let curves = curves::load();
    for row in ROWS {
        let goal = row.goal.map_or_else(String::new, Goal::text);
        if [row.figure, row.baseline]
            .iter()
            .any(|id| skipped_idle_point(id, &curves))
        {
            // Whatever criterion kept is from an earlier run.
            let result = if row.goal.is_some() { "skipped" } else { "" };
            println!("| {} | skipped | | – | {goal} | {result} |", row.label);
            continue;
        }
        let figure = Measured::load(&dir, row.figure);
        let baseline = Measured::load(&dir, row.baseline);
        let (value, base, ratio, result) = match (&figure, &baseline) {
            (Some(f), Some(b)) => {
                let ratio = f.value() / b.value();
                let result = match row.goal {
                    Some(goal) if goal.met(ratio) => "pass",
                    Some(_) => {
                        failed += 1;
                        "FAIL"
                    }
                    None => "",
                };
                // Three decimals where a goal is judged, so that 0.695
                // does not print as a failing 0.70.
                let ratio_text = if row.goal.is_some() {
                    format!("{ratio:.3}")
                } else {
                    format!("{ratio:.2}")
                };
                (f.show(), b.show(), ratio_text, result)
            }
            _ => (
                figure
                    .as_ref()
                    .map_or_else(|| "not run".to_owned(), Measured::show),
                baseline
                    .as_ref()
                    .map_or_else(|| "not run".to_owned(), Measured::show),
                "–".to_owned(),
                if row.goal.is_some() { "not run" } else { "" },
            ),
        };
        println!(
            "| {} | {value} | {base} | {ratio} | {goal} | {result} |",
            row.label
        );
    }
    let recorded = memory::load();
    for (key, label) in [
        ("download_1GiB", "server peak RSS, 1 GiB downloads"),
        ("upload_1GiB", "server peak RSS, 1 GiB uploads"),
        ("idle_1000", "server peak RSS, 1,000 idle conns"),
    ] {
        match recorded.get(key) {
            Some(record) => {
                let pass = record.rss.peak < record.limit;
                if !pass {
                    failed += 1;
                }
                println!(
                    "| {label} | {:.1} MiB | | | < {} MiB | {} |",
                    memory::mib(record.rss.peak),
                    record.limit / (1024 * 1024),
                    if pass { "pass" } else { "FAIL" }
                );
            }
            None => println!("| {label} | not run | | | | not run |"),
        }
    }
    failed += idle_goals(&curves);
    println!();
    println!(
        "value: criterion's median, in MiB/s (higher is better) or µs per operation \
         (lower is better); ratio = value / baseline; uploads include the server's \
         fsync (UPLOAD-4); `peers` rows divide by vsftpd in the same run, whose \
         uploads are timed to `226` plus an fsync of the file and its directory."
    );
    if failed > 0 {
        println!("{failed} goal(s) missed.");
    }
    peers_table(&dir);
    idle_table(&dir, &curves);
    download_table(&dir);
    updown_table(&dir, &curves);
}

/// Whether `id` is `scale/size_idle/N` and the last `scale` run skipped N.
fn skipped_idle_point(id: &str, curves: &Curves) -> bool {
    id.strip_prefix("scale/size_idle/")
        .and_then(|n| n.parse::<u64>().ok())
        .is_some_and(|n| curves.skipped.contains_key(&n))
}

/// The idle-connection count of the memory goals, and the goals.
const IDLE_GOAL_AT: u64 = 10_000;
const IDLE_PEAK_LIMIT: u64 = 48 * 1024 * 1024;
const IDLE_PER_CONNECTION_LIMIT: f64 = 4.0 * 1024.0;

/// The rows of the 10,000-idle-connection memory goals; returns how many
/// were missed.
fn idle_goals(curves: &Curves) -> usize {
    let mut failed = 0;
    let mut judge = |label: &str, value: Option<String>, pass: bool, goal: &str| match value {
        Some(value) => {
            if !pass {
                failed += 1;
            }
            let result = if pass { "pass" } else { "FAIL" };
            println!("| {label} | {value} | | | {goal} | {result} |");
        }
        None => {
            let why = curves
                .skipped
                .get(&IDLE_GOAL_AT)
                .map_or("not run", |_| "skipped");
            println!("| {label} | {why} | | | {goal} | {why} |");
        }
    };
    let point = curves.idle.get(&IDLE_GOAL_AT);
    judge(
        "server peak RSS, 10,000 idle conns",
        point.map(|p| format!("{:.1} MiB", memory::mib(p.after.peak))),
        point.is_some_and(|p| p.after.peak <= IDLE_PEAK_LIMIT),
        "≤ 48 MiB",
    );
    let per = curves.per_connection(IDLE_GOAL_AT);
    judge(
        "peak RSS per idle conn above an empty server (10,000)",
        per.map(|bytes| format!("{:.2} KiB", bytes / 1024.0)),
        per.is_some_and(|bytes| bytes <= IDLE_PER_CONNECTION_LIMIT),
        "≤ 4 KiB",
    );
    failed
}

/// `10000` as `10,000`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

fn ratio(figure: Option<&Measured>, baseline: Option<&Measured>) -> String {
    match (figure, baseline) {
        (Some(f), Some(b)) => format!("{:.2}", f.value() / b.value()),
        _ => "–".to_owned(),
    }
}

fn show(measured: Option<&Measured>, spread: bool) -> String {
    match measured {
        Some(m) if spread => m.show_spread(),
        Some(m) => m.show(),
        None => "not run".to_owned(),
    }
}

/// `peers`: both servers' medians with the range of their samples.
fn peers_table(dir: &Path) {
    println!();
    println!("### Beside vsftpd (`peers`): median (fastest–slowest sample)");
    println!();
    println!("| figure | reference | vsftpd | reference ÷ vsftpd |");
    println!("|---|---:|---:|---:|");
    for (label, id) in [
        ("1 GiB download, cached", "download"),
        ("1 GiB durable upload, cold memory", "upload_cold"),
        ("1 GiB durable upload, warm memory", "upload_warm"),
        ("`size` round trip (pinned; echo: 1 in the ratio)", "size"),
    ] {
        let mftp = Measured::load(dir, &format!("peers/{id}/mftp"));
        let vsftpd = Measured::load(dir, &format!("peers/{id}/vsftpd"));
        println!(
            "| {label} | {} | {} | {} |",
            show(mftp.as_ref(), true),
            show(vsftpd.as_ref(), true),
            ratio(mftp.as_ref(), vsftpd.as_ref())
        );
    }
    if let Some(echo) = Measured::load(dir, "peers/size/echo") {
        println!(
            "| pinned echo of the `size` reply | {} | | |",
            echo.show_spread()
        );
    }
}

/// `scale/size_idle/N` and the server's memory at each N.
fn idle_table(dir: &Path, curves: &Curves) {
    println!();
    println!("### Idle connections (`scale`): server memory and the `size` round trip");
    println!();
    println!(
        "| idle conns | peak RSS | RSS after | peak per conn above empty | `size` round trip | ÷ none open |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    let none = Measured::load(dir, "scale/size_idle/0");
    for n in [0, 100, 1_000, 10_000] {
        if let Some(why) = curves.skipped.get(&n) {
            println!("| {} | skipped: {why} | | | | |", grouped(n));
            continue;
        }
        let trip = Measured::load(dir, &format!("scale/size_idle/{n}"));
        let (peak, current) = curves.idle.get(&n).map_or_else(
            || ("not run".to_owned(), String::new()),
            |p| {
                (
                    format!("{:.1} MiB", memory::mib(p.after.peak)),
                    format!("{:.1} MiB", memory::mib(p.after.current)),
                )
            },
        );
        let per = curves
            .per_connection(n)
            .map_or_else(String::new, |bytes| format!("{:.2} KiB", bytes / 1024.0));
        println!(
            "| {} | {peak} | {current} | {per} | {} | {} |",
            grouped(n),
            show(trip.as_ref(), false),
            ratio(trip.as_ref(), none.as_ref())
        );
    }
}

/// `scale/download_1MiB_each/N` beside its baseline.
fn download_table(dir: &Path) {
    println!();
    println!("### Concurrent 1 MiB downloads (`scale`), to the last byte of the last one");
    println!();
    println!("| clients | reference | plain sockets | ratio |");
    println!("|---:|---:|---:|---:|");
    for n in [1, 8, 64, 512] {
        let figure = Measured::load(dir, &format!("scale/download_1MiB_each/{n}"));
        let baseline = Measured::load(dir, &format!("baseline/download_1MiB_each/{n}"));
        println!(
            "| {n} | {} | {} | {} |",
            show(figure.as_ref(), false),
            show(baseline.as_ref(), false),
            ratio(figure.as_ref(), baseline.as_ref())
        );
    }
}

/// `scale/updown_1000x64KiB`: throughput and per-operation percentiles.
fn updown_table(dir: &Path, curves: &Curves) {
    const ID: &str = "updown_1000x64KiB";
    println!();
    println!("### 1,000 clients at once, each uploading then downloading 64 KiB (`scale`)");
    println!();
    println!("| | throughput | upload p50 / p99 | download p50 / p99 |");
    println!("|---|---:|---:|---:|");
    for (label, prefix) in [
        ("reference (uploads fsync, UPLOAD-4)", ""),
        ("plain sockets (no disk)", "baseline/"),
    ] {
        let group = if prefix.is_empty() {
            "scale"
        } else {
            "baseline"
        };
        let figure = Measured::load(dir, &format!("{group}/{ID}"));
        let percentiles = |op: &str| {
            curves
                .latency
                .get(&format!("{prefix}{ID}/{op}"))
                .map_or_else(
                    || "not run".to_owned(),
                    |l| format!("{:.2} / {:.2} ms", l.p50_us / 1e3, l.p99_us / 1e3),
                )
        };
        println!(
            "| {label} | {} | {} | {} |",
            show(figure.as_ref(), false),
            percentiles("upload"),
            percentiles("download")
        );
    }
}
