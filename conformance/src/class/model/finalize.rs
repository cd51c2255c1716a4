//! What needs the whole class: pass counts per clause, the summary, and
//! progress since a previous run. A one-machine run and a merge of shards
//! both end here.

use super::{CellStatus, ClassReport, ImplResult, Outcome, Progress, Summary};
use crate::class::points;
use crate::spec;
use std::collections::BTreeSet;

/// Class-wide parts: pass counts per clause, and progress since
/// `previous` (matched by implementation name). Idempotent.
pub fn finalize(r: &mut ClassReport, previous: Option<&ClassReport>) {
    r.implementations.sort_by_key(|i| i.index);
    for row in &mut r.clauses {
        row.passed = 0;
        row.graded = 0;
        for i in &r.implementations {
            if let Some(c) = i.cells.get(&row.id) {
                if c.status != CellStatus::NotGraded {
                    row.graded += 1;
                }
                if c.status == CellStatus::Pass {
                    row.passed += 1;
                }
            }
        }
    }
    r.sandboxed = r.implementations.iter().any(|i| i.sandbox.is_some());
    let mut pcts: Vec<f64> = r.implementations.iter().map(|i| i.percent).collect();
    pcts.sort_by(f64::total_cmp);
    #[allow(clippy::cast_precision_loss)]
    let mean = if pcts.is_empty() {
        0.0
    } else {
        pcts.iter().sum::<f64>() / pcts.len() as f64
    };
    let median = match pcts.len() {
        0 => 0.0,
        n if n % 2 == 1 => pcts[n / 2],
        n => f64::midpoint(pcts[n / 2 - 1], pcts[n / 2]),
    };
    r.summary = Summary {
        graded: r.implementations.iter().filter(|i| i.graded()).count(),
        conforming: r
            .implementations
            .iter()
            .filter(|i| i.outcome == Outcome::Graded && i.exit_status == Some(0))
            .count(),
        mean_percent: points::round2(mean),
        median_percent: points::round2(median),
    };
    if let Some(prev) = previous {
        for i in &mut r.implementations {
            i.progress = prev
                .implementations
                .iter()
                .find(|p| p.name == i.name)
                .map(|p| progress(p, i));
        }
    }
}

/// What changed between two runs of one implementation.
#[must_use]
pub fn progress(before: &ImplResult, now: &ImplResult) -> Progress {
    let ids: BTreeSet<&String> = now.cells.keys().collect();
    let mut out = Progress {
        previous_score: before.score,
        previous_max: before.max_score,
        ..Progress::default()
    };
    // Spec order, not alphabetical.
    let order: Vec<&String> = spec::clauses()
        .iter()
        .map(|c| &c.id)
        .filter(|c| ids.contains(c))
        .collect();
    for id in order {
        let (Some(b), Some(n)) = (before.cells.get(id), now.cells.get(id)) else {
            continue;
        };
        let was = b.status == CellStatus::Pass;
        let is = n.status == CellStatus::Pass;
        let counts = |s: CellStatus| {
            !matches!(
                s,
                CellStatus::Skip | CellStatus::NotRun | CellStatus::Untestable
            )
        };
        if !was && is && counts(b.status) {
            out.fixed.push(id.clone());
        }
        if was && !is && counts(n.status) {
            out.broken.push(id.clone());
        }
    }
    out
}
