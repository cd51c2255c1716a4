//! Resident memory of a process, and the JSON file that carries the figures
//! from the bench binaries to the report.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Memory figures of one process, in bytes.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Rss {
    /// `VmHWM`: the peak resident set since the process started.
    pub peak: u64,
    /// `VmRSS`: the resident set now.
    pub current: u64,
}

/// Reads `VmHWM` and `VmRSS` of `pid` from `/proc/PID/status`.
#[must_use]
pub fn rss(pid: u32) -> Option<Rss> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kib: u64 = line
            .trim_start_matches(name)
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kib * 1024)
    };
    Some(Rss {
        peak: field("VmHWM:")?,
        current: field("VmRSS:")?,
    })
}

/// One memory figure as the report shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// What was measured.
    pub what: String,
    /// The server's memory at that point.
    pub rss: Rss,
    /// The goal: peak RSS must stay below this many bytes.
    pub limit: u64,
}

/// `<target>/criterion/mftp-memory.json`, keyed by figure name.
#[must_use]
pub fn json_path() -> PathBuf {
    crate::criterion_dir().join("mftp-memory.json")
}

/// Reads every recorded memory figure (empty if none were recorded).
#[must_use]
pub fn load() -> BTreeMap<String, Record> {
    std::fs::read(json_path())
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Records one figure, keeping the others, and prints it.
pub fn record(key: &str, record: Record) -> anyhow::Result<()> {
    println!(
        "memory: {key}: {} — server peak RSS {:.1} MiB, current {:.1} MiB (goal < {} MiB)",
        record.what,
        mib(record.rss.peak),
        mib(record.rss.current),
        record.limit / (1024 * 1024),
    );
    let mut all = load();
    all.insert(key.to_owned(), record);
    let path = json_path();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, serde_json::to_vec_pretty(&all)?)?;
    Ok(())
}

/// Bytes as MiB, for printing.
#[must_use]
#[expect(clippy::cast_precision_loss, reason = "display only")]
pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
