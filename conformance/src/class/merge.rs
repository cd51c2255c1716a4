//! `mftp-grade merge SHARD.json…`: the class JSONs of the shards of one
//! class, combined into one report as if one machine had graded the class.
//! They must come from the same manifest (its hash), the same suite and
//! spec, and together hold every shard 1..N exactly once (`--partial`
//! accepts missing shards; the page then says how many implementations it
//! holds). The result goes through the same `finalize` as a one-machine
//! run, so it renders to the same page.

use crate::class::model::{self, ClassReport};
use std::collections::BTreeSet;

/// Combines `parts` (any order).
///
/// # Errors
/// No parts, parts of different classes, suites or scorings, overlapping
/// shards, the same implementation twice, or (without `partial`) a missing
/// shard.
pub fn merge(
    parts: Vec<ClassReport>,
    partial: bool,
    previous: Option<&ClassReport>,
) -> Result<ClassReport, String> {
    let mut parts = parts.into_iter();
    let mut out = parts.next().ok_or("merge: no class JSON given")?;
    let mut shards: BTreeSet<model::Shard> = out.shards.iter().copied().collect();
    for p in parts {
        for (what, a, b) in [
            ("manifest", &out.manifest_sha256, &p.manifest_sha256),
            ("suite version", &out.suite_version, &p.suite_version),
            ("spec.md", &out.spec_sha256, &p.spec_sha256),
        ] {
            if a != b {
                return Err(format!(
                    "merge: the reports disagree on the {what} ({a} vs {b}): shards of one class are graded with one manifest and one build of the suite"
                ));
            }
        }
        if p.scoring != out.scoring {
            return Err("merge: the reports were scored differently".into());
        }
        for s in &p.shards {
            if !shards.insert(*s) {
                return Err(format!("merge: shard {}/{} given twice", s.index, s.count));
            }
        }
        if p.shards.is_empty() || out.shards.is_empty() {
            return Err(
                "merge: a report of a whole class (no --shard) cannot be merged with others".into(),
            );
        }
        out.implementations.extend(p.implementations);
    }
    let mut names = BTreeSet::new();
    for i in &out.implementations {
        if !names.insert(i.name.as_str()) {
            return Err(format!("merge: {:?} is in two reports", i.name));
        }
    }
    if let Some(count) = shards.iter().next().map(|s| s.count) {
        if shards.iter().any(|s| s.count != count) {
            return Err(
                "merge: the shards split the class differently (K/N with different N)".into(),
            );
        }
        let missing: Vec<String> = (1..=count)
            .filter(|k| !shards.iter().any(|s| s.index == *k))
            .map(|k| format!("{k}/{count}"))
            .collect();
        if missing.is_empty() {
            // The whole class: the same report a single machine writes.
            shards.clear();
        } else if !partial {
            return Err(format!(
                "merge: missing shard{} {} (--partial merges what there is)",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", ")
            ));
        }
    }
    out.shards = shards.into_iter().collect();
    model::finalize(&mut out, previous);
    Ok(out)
}
