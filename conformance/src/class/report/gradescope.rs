//! `--gradescope PATH`: Gradescope's `results.json` for one implementation
//! (Gradescope runs one container per submission).
//!
//! Fields as Gradescope's autograder specification documents them: the
//! top level has `score` (the sum of the tests' scores), `execution_time`
//! (seconds), `output` (the overview: score, outcome, first-contact
//! diagnosis, progress) and `tests`; each test is one clause with `name`,
//! `number` ("9.5": section and position), `score`, `max_score`, `status`
//! ("passed" or "failed"), `output` (clause text, what failed, expected vs
//! actual, transcript, the rerun line), `visibility` ("visible", or the
//! manifest's `hidden_visibility` for hidden clauses) and `tags` (section,
//! level, status). Clauses no server case can check are left out.

use super::{cell_text, clause_number, clause_title, overview_text};
use crate::class::model::{CellStatus, ClassReport, ImplResult};
use serde_json::{Value, json};

/// The `results.json` of `i`.
#[must_use]
pub fn render(r: &ClassReport, i: &ImplResult) -> Value {
    let mut tests = Vec::new();
    let mut score = 0.0;
    for row in &r.clauses {
        let Some(c) = i.cells.get(&row.id) else {
            continue;
        };
        if c.status == CellStatus::Untestable {
            continue;
        }
        score += c.points;
        let passed =
            c.points >= c.max_points && !c.status.is_failure() && c.status != CellStatus::Blocked;
        tests.push(json!({
            "name": clause_title(row, 90),
            "number": clause_number(r, row),
            "score": crate::class::points::round2(c.points),
            "max_score": crate::class::points::round2(c.max_points),
            "status": if passed { "passed" } else { "failed" },
            "output": cell_text(row, i, c),
            "visibility": if row.hidden { r.scoring.hidden_visibility.as_str() } else { "visible" },
            "tags": [row.section.replace('`', ""), row.level.clone(), c.status.as_str()],
        }));
    }
    json!({
        "score": crate::class::points::round2(score),
        "execution_time": i.duration_s.round(),
        "output": overview_text(r, i),
        "tests": tests,
    })
}
