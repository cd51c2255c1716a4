//! `--shard K/N`: this machine grades every N-th implementation of the
//! manifest, starting with the K-th (manifest order, so the split is the
//! same on every machine and the shards' sizes differ by at most one).
//! Each shard writes its class JSON; `merge` combines them.

use crate::class::manifest::Job;
use crate::class::model::Shard;

/// Parses `K/N` (1 ≤ K ≤ N).
///
/// # Errors
/// Anything else.
pub fn parse(s: &str) -> Result<Shard, String> {
    let bad = || format!("--shard: expected K/N with 1 <= K <= N, got {s:?}");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let index: usize = k.trim().parse().map_err(|_| bad())?;
    let count: usize = n.trim().parse().map_err(|_| bad())?;
    if index == 0 || count == 0 || index > count {
        return Err(bad());
    }
    Ok(Shard { index, count })
}

/// Whether the implementation at manifest position `index` belongs to
/// `shard`.
#[must_use]
pub fn owns(shard: Shard, index: usize) -> bool {
    index % shard.count == shard.index - 1
}

/// The jobs of `shard`.
#[must_use]
pub fn select(jobs: Vec<Job>, shard: Shard) -> Vec<Job> {
    jobs.into_iter().filter(|j| owns(shard, j.index)).collect()
}
