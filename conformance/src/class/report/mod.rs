//! The class reports: each a pure function of one [`ClassReport`] (see
//! `model.rs`); none runs anything or re-derives a verdict.
//!
//! | flag | file | module |
//! |---|---|---|
//! | `--html PATH` | the side-by-side page, one self-contained file | [`html`] |
//! | `--markdown PATH` | the same as Markdown | [`markdown`] |
//! | `--json PATH` | the model itself, keyed by clause ID, versioned | [`json`] |
//! | `--junit PATH` | JUnit XML, a testsuite per implementation | [`junit`] |
//! | `--tap PATH` | TAP version 14, a subtest per implementation | [`tap`] |
//! | `--gradescope PATH` | Gradescope `results.json` | [`gradescope`] |
//! | `--classroom[=PATH]` | GitHub Classroom's base64 result in `$GITHUB_OUTPUT` | [`classroom`] |
//! | (terminal) | scores and every failure's rerun line | [`summary`] |

use crate::class::model::{CaseFailure, Cell, CellStatus, ClassReport, ClauseRow, ImplResult};
use std::fmt::Write as _;

pub mod classroom;
pub mod gradescope;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod summary;
pub mod tap;

/// `12.5` → "12.5", `12.0` → "12", `2.3333` → "2.33".
#[must_use]
pub fn num(x: f64) -> String {
    let r = crate::class::points::round2(x);
    let s = format!("{r:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// " (shard 1/2)", " (shard 1/3, 3/3)" for a partial merge; "" for a
/// whole class.
#[must_use]
pub fn shards_note(r: &ClassReport) -> String {
    if r.shards.is_empty() {
        return String::new();
    }
    let shards: Vec<String> = r
        .shards
        .iter()
        .map(|x| format!("{}/{}", x.index, x.count))
        .collect();
    format!(" (shard {})", shards.join(", "))
}

/// Clause IDs joined by `sep`; `none` when there are none.
#[must_use]
pub fn id_list(ids: &[String], sep: &str, none: &str) -> String {
    if ids.is_empty() {
        none.into()
    } else {
        ids.join(sep)
    }
}

/// An implementation's cells with their clauses, in spec order.
pub fn cells<'a>(
    r: &'a ClassReport,
    i: &'a ImplResult,
) -> impl Iterator<Item = (&'a ClauseRow, &'a Cell)> {
    r.clauses
        .iter()
        .filter_map(|row| Some((row, i.cells.get(&row.id)?)))
}

/// Its failing cells (failures and flaky ones), in spec order.
pub fn failing_cells<'a>(
    r: &'a ClassReport,
    i: &'a ImplResult,
) -> impl Iterator<Item = (&'a ClauseRow, &'a Cell)> {
    cells(r, i).filter(|(_, c)| c.status.is_failure())
}

/// Its blocked cells, in spec order.
pub fn blocked_cells<'a>(
    r: &'a ClassReport,
    i: &'a ImplResult,
) -> impl Iterator<Item = (&'a ClauseRow, &'a Cell)> {
    cells(r, i).filter(|(_, c)| c.status == CellStatus::Blocked)
}

/// "180/184 (97.8%)".
#[must_use]
pub fn score_line(i: &ImplResult) -> String {
    format!("{}/{} ({:.1}%)", num(i.score), num(i.max_score), i.percent)
}

/// What a cell says in one short word or two: "pass", "FLAKY 1/3",
/// "blocked".
#[must_use]
pub fn cell_word(c: &Cell) -> String {
    match (c.status, c.ratio) {
        (CellStatus::Flaky, Some((p, n))) => format!("flaky {p}/{n}"),
        (s, _) => s.as_str().into(),
    }
}

/// A clause with its text shortened, for test names.
#[must_use]
pub fn clause_title(row: &ClauseRow, max: usize) -> String {
    let text: String = row.text.chars().take(max).collect();
    let more = if row.text.chars().count() > max {
        "…"
    } else {
        ""
    };
    format!("{} {} — {text}{more}", row.id, row.level)
}

/// One failure as plain text: what the student needs to fix it.
#[must_use]
pub fn failure_text(f: &CaseFailure) -> String {
    let mut s = String::new();
    let _ = write!(s, "{} {}", f.kind, f.case);
    if f.status == "flaky" {
        let _ = write!(s, "  [FLAKY: passed {} of {} runs]", f.passes, f.runs);
    } else if f.runs > 1 {
        let _ = write!(s, "  [failed all {} runs]", f.runs);
    }
    s.push('\n');
    if !f.step.is_empty() {
        let _ = writeln!(s, "step:      {}", f.step);
    }
    if !f.expected.is_empty() {
        let _ = writeln!(s, "expected:  {}", f.expected);
    }
    let _ = writeln!(s, "actual:    {}", f.actual);
    if !f.transcript.is_empty() {
        let _ = writeln!(s, "transcript up to the failure:");
        for l in f.transcript.lines() {
            let _ = writeln!(s, "    {l}");
        }
    }
    if !f.server.is_empty() {
        let _ = writeln!(s, "{}", f.server);
    }
    let _ = writeln!(s, "rerun this case: {}", f.rerun);
    s
}

/// Everything about one cell as plain text (Gradescope output, GitHub
/// Classroom message, TAP and JUnit details).
#[must_use]
pub fn cell_text(row: &ClauseRow, i: &ImplResult, c: &Cell) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{} {} — {}", row.id, row.level, row.text);
    let _ = writeln!(
        s,
        "status: {}, {} of {} points",
        cell_word(c),
        num(c.points),
        num(c.max_points)
    );
    match c.status {
        CellStatus::Blocked => {
            let _ = writeln!(
                s,
                "not verified: every case checking it stopped earlier at {}; fix that first",
                c.blocked_by.join(", ")
            );
        }
        CellStatus::Skip => {
            let _ = writeln!(
                s,
                "skipped: {}",
                c.note
                    .as_deref()
                    .unwrap_or("every case checking it was skipped")
            );
        }
        CellStatus::Untestable => {
            let _ = writeln!(
                s,
                "no server case can check it: {}",
                c.note.as_deref().unwrap_or("")
            );
        }
        CellStatus::NotRun => {
            let _ = writeln!(
                s,
                "not run (filtered out, or not reached before the time limit)"
            );
        }
        CellStatus::NotGraded => {
            let _ = writeln!(s, "not graded: {}", i.outcome.label());
        }
        _ => {}
    }
    for f in i.failures_at(&row.id) {
        s.push('\n');
        s.push_str(&failure_text(f));
    }
    s
}

/// What the implementation as a whole gets told: score, outcome, first
/// contact, progress.
#[must_use]
pub fn overview_text(r: &ClassReport, i: &ImplResult) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} — mftp/1 conformance suite {} (spec.md sha256 {})",
        r.class,
        r.suite_version,
        r.spec_sha256.get(..16).unwrap_or("")
    );
    let _ = writeln!(s, "{}: {} — {}", i.name, score_line(i), i.verdict);
    if i.outcome != crate::class::model::Outcome::Graded {
        let _ = writeln!(s, "{}", i.outcome.label());
    }
    if !i.detail.is_empty() {
        let _ = writeln!(s, "{}", i.detail);
    }
    if let Some(d) = &i.diagnosis {
        let _ = writeln!(s, "\nFIRST CONTACT: {}\n{}", d.summary, d.hint);
    }
    if let Some(p) = &i.progress {
        let _ = writeln!(
            s,
            "\nsince the previous run ({}/{}): newly fixed {}; newly broken {}",
            num(p.previous_score),
            num(p.previous_max),
            id_list(&p.fixed, ", ", "none"),
            id_list(&p.broken, ", ", "none")
        );
    }
    s
}

/// "9.5": section number and position of the clause in its section.
#[must_use]
pub fn clause_number(r: &ClassReport, row: &ClauseRow) -> String {
    let sec = crate::class::points::section_number(&row.section);
    let pos = r
        .clauses
        .iter()
        .filter(|c| c.section == row.section)
        .position(|c| c.id == row.id)
        .map_or(0, |p| p + 1);
    format!("{sec}.{pos}")
}
