//! What the terminal shows at the end: one line per implementation, then
//! its failing clauses, each failing case with the line that reruns it.

use super::{num, score_line};
use crate::class::model::{CellStatus, ClassReport, Outcome};
use std::fmt::Write as _;

/// Failing cases listed per implementation before "… more".
const SHOWN: usize = 8;

/// The terminal summary.
#[must_use]
pub fn render(r: &ClassReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\n=== {} · mftp/1 conformance {} · spec.md sha256 {} · {} implementation{}{}",
        r.class,
        r.suite_version,
        r.spec_sha256.get(..16).unwrap_or(""),
        r.implementations.len(),
        if r.implementations.len() == 1 {
            ""
        } else {
            "s"
        },
        if r.shards.is_empty() {
            String::new()
        } else {
            format!(
                " (shard {})",
                r.shards
                    .iter()
                    .map(|s| format!("{}/{}", s.index, s.count))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    for i in &r.implementations {
        let _ = writeln!(
            s,
            "\n{:<20} {:<22} {}",
            i.name,
            score_line(i),
            if i.outcome == Outcome::Graded {
                i.verdict.clone()
            } else {
                format!(
                    "{}: {}",
                    i.outcome.label(),
                    i.detail.lines().next().unwrap_or("")
                )
            }
        );
        if let Some(d) = &i.diagnosis {
            let _ = writeln!(s, "  FIRST CONTACT: {}\n    {}", d.summary, d.hint);
        }
        if let Some(p) = &i.progress {
            let _ = writeln!(
                s,
                "  since last run ({}): fixed {}; broken {}",
                num(p.previous_score),
                if p.fixed.is_empty() {
                    "-".into()
                } else {
                    p.fixed.join(" ")
                },
                if p.broken.is_empty() {
                    "-".into()
                } else {
                    p.broken.join(" ")
                }
            );
        }
        let failing: Vec<String> = r
            .clauses
            .iter()
            .filter_map(|row| {
                let c = i.cells.get(&row.id)?;
                c.status.is_failure().then(|| match (c.status, c.ratio) {
                    (CellStatus::Flaky, Some((p, n))) => format!("{} (flaky {p}/{n})", row.id),
                    _ => row.id.clone(),
                })
            })
            .collect();
        if !failing.is_empty() {
            let _ = writeln!(s, "  failing: {}", failing.join(", "));
        }
        // After a first-contact diagnosis one case stands for them all.
        let shown = if i.diagnosis.is_some() { 1 } else { SHOWN };
        for f in i.failures.iter().take(shown) {
            let _ = writeln!(
                s,
                "  {} [{}] {}\n    {}",
                f.status.to_uppercase(),
                f.clause,
                f.case,
                f.rerun
            );
        }
        if i.failures.len() > shown {
            let _ = writeln!(
                s,
                "  … {} more failing cases: see the page",
                i.failures.len() - shown
            );
        }
    }
    s
}
