//! `--classroom[=PATH]`: the result GitHub Classroom's autograding
//! reporter (`classroom-resources/autograding-grading-reporter`) reads: a
//! JSON object with `version` (1), `status` ("pass", "fail" or "error"),
//! `max_score` and `tests[]` (`name`, `status`, `score`, `message`, and the
//! `test_code`, `filename`, `line_no`, `duration` the command grader also
//! writes), base64-encoded and appended to `$GITHUB_OUTPUT` as
//! `result=…` (the step's `result` output; the reporter takes it through
//! `env: <RUNNER>_RESULTS`). The reporter adds up the tests' `score`
//! against `max_score`.
//!
//! One test per clause. Hidden clauses keep their points but are named
//! "hidden clause N" and say nothing else (Classroom has no visibility).
//! Status: "error" when the implementation was not graded (build,
//! launch), "pass" when every counted clause earned all its points,
//! "fail" otherwise.

use super::{cell_text, clause_title};
use crate::class::model::{CellStatus, ClassReport, ImplResult};
use base64::Engine as _;
use serde_json::{Value, json};

/// The result object of `i`.
#[must_use]
pub fn render(r: &ClassReport, i: &ImplResult) -> Value {
    let mut tests = Vec::new();
    let mut all_pass = true;
    let mut hidden_n = 0;
    for row in &r.clauses {
        let Some(c) = i.cells.get(&row.id) else {
            continue;
        };
        if c.status == CellStatus::Untestable || c.max_points <= 0.0 && c.status == CellStatus::Skip
        {
            continue;
        }
        let pass =
            c.points >= c.max_points && !c.status.is_failure() && c.status != CellStatus::Blocked;
        all_pass &= pass;
        let status = match c.status {
            CellStatus::NotGraded | CellStatus::Error => "error",
            _ if pass => "pass",
            _ => "fail",
        };
        let (name, message) = if row.hidden {
            hidden_n += 1;
            (
                format!("hidden clause {hidden_n}"),
                "(hidden until grades are published)".to_string(),
            )
        } else {
            (clause_title(row, 90), cell_text(row, i, c))
        };
        tests.push(json!({
            "name": name,
            "status": status,
            "score": crate::class::points::round2(c.points),
            "message": message,
            "test_code": "",
            "filename": "",
            "line_no": 0,
            "duration": 0,
        }));
    }
    let status = if !i.graded() {
        "error"
    } else if all_pass {
        "pass"
    } else {
        "fail"
    };
    json!({
        "version": 1,
        "status": status,
        "max_score": crate::class::points::round2(i.max_score),
        "tests": tests,
    })
}

/// The line for `$GITHUB_OUTPUT`: `NAME=BASE64` (base64 has no newline, so
/// the one-line form is safe).
#[must_use]
pub fn output_line(name: &str, r: &ClassReport, i: &ImplResult) -> String {
    let json = render(r, i).to_string();
    format!(
        "{name}={}\n",
        base64::engine::general_purpose::STANDARD.encode(json.as_bytes())
    )
}
