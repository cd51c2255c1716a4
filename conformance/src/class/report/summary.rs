//! What the terminal shows at the end: one line per implementation, then
//! its failing clauses, each failing case with the line that reruns it.

use super::{failing_cells, id_list, num, score_line, shards_note};
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
        shards_note(r)
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
                id_list(&p.fixed, " ", "-"),
                id_list(&p.broken, " ", "-")
            );
        }
        let failing: Vec<String> = failing_cells(r, i)
            .map(|(row, c)| match (c.status, c.ratio) {
                (CellStatus::Flaky, Some((p, n))) => format!("{} (flaky {p}/{n})", row.id),
                _ => row.id.clone(),
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
