//! The small tables after the main one: the `peers` figures with the
//! spread of their samples, and the curves of `scale` (memory and round
//! trip per idle-connection count, concurrent downloads per client count,
//! the 1,000-client percentiles).

use std::path::Path;

use benches::curves::Curves;
use benches::memory;

use crate::measured::Measured;

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

/// A blank line, the `###` title, a blank line, and the table's head:
/// its column names and their alignment.
fn heading(title: &str, columns: &str, alignment: &str) {
    println!();
    println!("{title}");
    println!();
    println!("{columns}");
    println!("{alignment}");
}

/// `| first | figure | baseline | ratio |`: a figure beside its baseline,
/// with the range of their samples if `spread`.
fn compared_row(dir: &Path, first: &str, figure: &str, baseline: &str, spread: bool) {
    let figure = Measured::load(dir, figure);
    let baseline = Measured::load(dir, baseline);
    println!(
        "| {first} | {} | {} | {} |",
        show(figure.as_ref(), spread),
        show(baseline.as_ref(), spread),
        ratio(figure.as_ref(), baseline.as_ref())
    );
}

/// `peers`: both servers' medians with the range of their samples.
pub fn peers_table(dir: &Path) {
    heading(
        "### Beside vsftpd (`peers`): median (fastest–slowest sample)",
        "| figure | reference | vsftpd | reference ÷ vsftpd |",
        "|---|---:|---:|---:|",
    );
    for (label, id) in [
        ("1 GiB download, cached", "download"),
        ("1 GiB durable upload, cold memory", "upload_cold"),
        ("1 GiB durable upload, warm memory", "upload_warm"),
        ("`size` round trip (pinned; echo: 1 in the ratio)", "size"),
    ] {
        compared_row(
            dir,
            label,
            &format!("peers/{id}/mftp"),
            &format!("peers/{id}/vsftpd"),
            true,
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
pub fn idle_table(dir: &Path, curves: &Curves) {
    heading(
        "### Idle connections (`scale`): server memory and the `size` round trip",
        "| idle conns | peak RSS | RSS after | peak per conn above empty | `size` round trip | ÷ none open |",
        "|---:|---:|---:|---:|---:|---:|",
    );
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
pub fn download_table(dir: &Path) {
    heading(
        "### Concurrent 1 MiB downloads (`scale`), to the last byte of the last one",
        "| clients | reference | plain sockets | ratio |",
        "|---:|---:|---:|---:|",
    );
    for n in [1, 8, 64, 512] {
        compared_row(
            dir,
            &n.to_string(),
            &format!("scale/download_1MiB_each/{n}"),
            &format!("baseline/download_1MiB_each/{n}"),
            false,
        );
    }
}

/// `scale/updown_1000x64KiB`: throughput and per-operation percentiles.
pub fn updown_table(dir: &Path, curves: &Curves) {
    const ID: &str = "updown_1000x64KiB";
    heading(
        "### 1,000 clients at once, each uploading then downloading 64 KiB (`scale`)",
        "| | throughput | upload p50 / p99 | download p50 / p99 |",
        "|---|---:|---:|---:|",
    );
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
