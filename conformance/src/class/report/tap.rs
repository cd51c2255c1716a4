//! `--tap PATH`: TAP version 14 (the Test Anything Protocol of Perl's
//! `prove` and Node's test runners). One subtest per implementation
//! (`# Subtest: NAME`, indented four spaces), one test point per clause
//! inside it, each failure with a YAML diagnostic block (`---` … `...`)
//! holding status, points, cases, message and the rerun line; then the
//! implementation's own test point, `ok` when no clause failed.
//!
//! Blocked, skipped, not run and untestable clauses are `ok … # SKIP
//! reason` (not verified is not failed, and not passed either); flaky is
//! `not ok` with its pass ratio.

use super::{cell_text, clause_title, num, score_line};
use crate::class::model::{CellStatus, ClassReport};
use std::fmt::Write as _;

/// A YAML double-quoted scalar (JSON's string syntax is valid YAML).
fn yq(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// TAP's description may not hold `#` unescaped, nor a newline.
fn desc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('#', "\\#")
        .replace('\n', " ")
}

/// The TAP 14 stream.
#[must_use]
pub fn render(r: &ClassReport) -> String {
    let mut s = String::from("TAP version 14\n");
    let _ = writeln!(s, "1..{}", r.implementations.len());
    for (n, i) in r.implementations.iter().enumerate() {
        let _ = writeln!(s, "# Subtest: {}", desc(&i.name));
        let mut body = String::new();
        let _ = writeln!(body, "1..{}", r.clauses.len());
        let mut ok_all = i.graded();
        for (k, row) in r.clauses.iter().enumerate() {
            let Some(c) = i.cells.get(&row.id) else {
                let _ = writeln!(
                    body,
                    "ok {} - {} # SKIP not in this report",
                    k + 1,
                    desc(&row.id)
                );
                continue;
            };
            let title = desc(&clause_title(row, 80));
            let skip = |why: String| format!("ok {} - {title} # SKIP {}", k + 1, desc(&why));
            match c.status {
                CellStatus::Pass => {
                    let _ = writeln!(body, "ok {} - {title}", k + 1);
                }
                CellStatus::Blocked => {
                    let _ = writeln!(
                        body,
                        "{}",
                        skip(format!(
                            "blocked by {} (not verified)",
                            c.blocked_by.join(", ")
                        ))
                    );
                }
                CellStatus::Skip => {
                    let _ = writeln!(
                        body,
                        "{}",
                        skip(format!("skipped: {}", c.note.as_deref().unwrap_or("")))
                    );
                }
                CellStatus::NotRun => {
                    let _ = writeln!(body, "{}", skip("not run".into()));
                }
                CellStatus::Untestable => {
                    let _ = writeln!(body, "{}", skip("no server case can check it".into()));
                }
                CellStatus::NotGraded => {
                    let _ = writeln!(
                        body,
                        "{}",
                        skip(format!("not graded: {}", i.outcome.label()))
                    );
                }
                CellStatus::Fail
                | CellStatus::FailShould
                | CellStatus::Flaky
                | CellStatus::Error => {
                    ok_all = false;
                    let _ = writeln!(body, "not ok {} - {title}", k + 1);
                    let _ = writeln!(body, "  ---");
                    let _ = writeln!(body, "  status: {}", c.status.as_str());
                    if let Some((p, n)) = c.ratio {
                        let _ = writeln!(body, "  passed_runs: {p}");
                        let _ = writeln!(body, "  runs: {n}");
                    }
                    let _ = writeln!(body, "  points: {}", num(c.points));
                    let _ = writeln!(body, "  max_points: {}", num(c.max_points));
                    let _ = writeln!(body, "  cases:");
                    for case in &c.cases {
                        let _ = writeln!(body, "    - {}", yq(case));
                    }
                    if c.cases.is_empty() {
                        body.truncate(body.len() - "  cases:\n".len());
                    }
                    let reruns: Vec<&str> =
                        i.failures_at(&row.id).map(|f| f.rerun.as_str()).collect();
                    if !reruns.is_empty() {
                        let _ = writeln!(body, "  rerun:");
                        for l in reruns {
                            let _ = writeln!(body, "    - {}", yq(l));
                        }
                    }
                    let _ = writeln!(body, "  message: |");
                    for l in cell_text(row, i, c).lines() {
                        let _ = writeln!(body, "    {l}");
                    }
                    let _ = writeln!(body, "  ...");
                }
            }
        }
        for l in body.lines() {
            let _ = writeln!(s, "    {l}");
        }
        let _ = writeln!(
            s,
            "{} {} - {}: {} {}",
            if ok_all { "ok" } else { "not ok" },
            n + 1,
            desc(&i.name),
            score_line(i),
            desc(&i.verdict)
        );
    }
    s
}
