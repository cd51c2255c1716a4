//! What the `scale` bench measures besides criterion's times: the server's
//! resident memory at each idle-connection count, and latency percentiles
//! of the 1,000-client workload. Kept in `<target>/criterion/mftp-scale.json`
//! for the report.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::memory::Rss;

/// Everything the `scale` bench recorded (each run replaces what it
/// measures again and keeps the rest).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Curves {
    /// Server memory per count of idle connections.
    #[serde(default)]
    pub idle: BTreeMap<u64, IdlePoint>,
    /// Idle-connection counts that could not be measured, and why.
    #[serde(default)]
    pub skipped: BTreeMap<u64, String>,
    /// Latency percentiles, keyed by figure: `updown_1000x64KiB/upload`,
    /// `…/download`, and the same under `baseline/`.
    #[serde(default)]
    pub latency: BTreeMap<String, Latency>,
}

/// The server's memory with some idle connections open.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct IdlePoint {
    /// Idle connections open (each greeted, then silent), besides the one
    /// client that measures the round trip.
    pub connections: u64,
    /// Right after the last idle connection was greeted.
    pub opened: Rss,
    /// After the round trips were measured with them open.
    pub after: Rss,
}

/// Percentiles of one operation's latency.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Latency {
    /// How many operations were timed.
    pub ops: u64,
    /// Median, µs.
    pub p50_us: f64,
    /// 99th percentile, µs.
    pub p99_us: f64,
    /// Slowest, µs.
    pub max_us: f64,
}

impl Latency {
    /// The percentiles of `samples` (sorted here); `None` if empty.
    #[must_use]
    pub fn of(samples: &mut [Duration]) -> Option<Self> {
        samples.sort_unstable();
        let last = samples.len().checked_sub(1)?;
        // Nearest rank: the smallest sample with at least p % at or below it.
        let at = |p: usize| {
            let rank = (samples.len() * p).div_ceil(100).max(1) - 1;
            samples[rank.min(last)].as_secs_f64() * 1e6
        };
        Some(Self {
            ops: samples.len() as u64,
            p50_us: at(50),
            p99_us: at(99),
            max_us: samples[last].as_secs_f64() * 1e6,
        })
    }
}

impl Curves {
    /// Bytes of peak RSS per idle connection above the server with none
    /// open (`(peak(n) - peak(0)) / n`), if both points were measured.
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "display only")]
    pub fn per_connection(&self, connections: u64) -> Option<f64> {
        let empty = self.idle.get(&0)?;
        let point = self.idle.get(&connections)?;
        if connections == 0 {
            return None;
        }
        Some((point.after.peak as f64 - empty.after.peak as f64) / connections as f64)
    }
}

/// `<target>/criterion/mftp-scale.json`.
#[must_use]
pub fn json_path() -> PathBuf {
    crate::criterion_dir().join("mftp-scale.json")
}

/// Everything recorded so far (empty if nothing was).
#[must_use]
pub fn load() -> Curves {
    std::fs::read(json_path())
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Changes the recorded figures with `change` and writes them back.
pub fn update(change: impl FnOnce(&mut Curves)) -> anyhow::Result<()> {
    let mut curves = load();
    change(&mut curves);
    let path = json_path();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, serde_json::to_vec_pretty(&curves)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        let mut samples: Vec<Duration> = (1..=100).rev().map(Duration::from_micros).collect();
        let latency = Latency::of(&mut samples).expect("some samples");
        assert_eq!(latency.ops, 100);
        assert!((latency.p50_us - 50.0).abs() < 1e-6);
        assert!((latency.p99_us - 99.0).abs() < 1e-6);
        assert!((latency.max_us - 100.0).abs() < 1e-6);
        assert!(Latency::of(&mut []).is_none());
    }
}
