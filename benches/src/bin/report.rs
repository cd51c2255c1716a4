//! `cargo run -p benches --bin report`: one table of every benchmark
//! figure, its baseline measured in the same run, their ratio, and the
//! goal, read from criterion's saved estimates
//! (`target/criterion/<group>/<bench>/new/{estimates,benchmark}.json`) and
//! from `target/criterion/mftp-memory.json`.
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
        None,
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
        None,
    ),
    row(
        "64 clients × 1 MiB download",
        "concurrent/download_64x1MiB",
        "baseline/download_64x1MiB",
        None,
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
];

/// A benchmark's median time per iteration and the bytes it moves, if any.
struct Measured {
    median_ns: f64,
    bytes: Option<f64>,
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
        Some(Self { median_ns, bytes })
    }

    /// MiB/s when bytes move, else µs per iteration.
    fn value(&self) -> f64 {
        match self.bytes {
            Some(bytes) => bytes / (self.median_ns / 1e9) / (1024.0 * 1024.0),
            None => self.median_ns / 1e3,
        }
    }

    fn show(&self) -> String {
        match self.bytes {
            Some(_) => format!("{:.0} MiB/s", self.value()),
            None => format!("{:.1} µs", self.value()),
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
    for row in ROWS {
        let figure = Measured::load(&dir, row.figure);
        let baseline = Measured::load(&dir, row.baseline);
        let goal = row.goal.map_or_else(String::new, Goal::text);
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
    println!();
    println!(
        "value: criterion's median, in MiB/s (higher is better) or µs per operation \
         (lower is better); ratio = value / baseline; uploads include the server's \
         fsync (UPLOAD-4)."
    );
    if failed > 0 {
        println!("{failed} goal(s) missed.");
    }
}
