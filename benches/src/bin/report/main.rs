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
//!
//! # Layout
//!
//! - `goals.rs`: the rows of the main table, each a figure, the baseline
//!   it is divided by, and the goal its ratio must reach.
//! - `measured.rs`: one benchmark's saved estimates, read and shown.
//! - `summary.rs`: the main table, judged against the goals, with the
//!   memory goals below it.
//! - `tables.rs`: the small tables after it (`peers`, `scale`).

mod goals;
mod measured;
mod summary;
mod tables;

use benches::curves;

fn main() {
    let dir = benches::criterion_dir();
    println!(
        "mftp/1 benchmarks vs. the loopback limit, from {}",
        dir.display()
    );
    println!("machine: {}", machine());
    println!();
    let curves = curves::load();
    summary::print(&dir, &curves);
    tables::peers_table(&dir);
    tables::idle_table(&dir, &curves);
    tables::download_table(&dir);
    tables::updown_table(&dir, &curves);
}

/// The CPUs, memory and kernel the figures were measured on.
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
