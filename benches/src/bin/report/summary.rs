//! The main table: every figure of `goals::ROWS` beside its baseline, their
//! ratio judged against the goal, then the memory goals (peak RSS of the
//! 1 GiB transfers and of 1,000 and 10,000 idle connections), a note on
//! what the values are, and how many goals were missed.

use std::path::Path;

use benches::curves::Curves;
use benches::memory;

use crate::goals::{Goal, ROWS};
use crate::measured::Measured;

/// Prints the main table and its note.
pub fn print(dir: &Path, curves: &Curves) {
    println!("| figure | value | baseline | ratio | goal | result |");
    println!("|---|---:|---:|---:|---|---|");
    let mut failed = 0;
    for row in ROWS {
        let goal = row.goal.map_or_else(String::new, Goal::text);
        if [row.figure, row.baseline]
            .iter()
            .any(|id| skipped_idle_point(id, curves))
        {
            // Whatever criterion kept is from an earlier run.
            let result = if row.goal.is_some() { "skipped" } else { "" };
            println!("| {} | skipped | | – | {goal} | {result} |", row.label);
            continue;
        }
        let figure = Measured::load(dir, row.figure);
        let baseline = Measured::load(dir, row.baseline);
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
    failed += idle_goals(curves);
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
