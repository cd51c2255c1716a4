//! What a kill table expects of one variant's failing clauses: every
//! clause it breaks failing, and nothing failing outside what it breaks
//! and its allowed collateral. Also the rows a table collects as its
//! trials finish, and how its printed table marks each clause.

use super::suite;
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::ExitStatus;
use std::sync::{Mutex, PoisonError};

/// The problems with how a variant's failures were attributed, one a line:
/// a clause of `breaks` not failing (unless `missing_allowed`: a known gap
/// of the suite), and failing clauses outside `breaks` and `collateral`.
pub fn attribution_problems(
    breaks: &[&str],
    collateral: &[&str],
    failing: &BTreeSet<String>,
    missing_allowed: bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    let missed: Vec<&str> = breaks
        .iter()
        .copied()
        .filter(|c| !failing.contains(*c))
        .collect();
    if !missed.is_empty() && !missing_allowed {
        problems.push(format!(
            "not caught: {missed:?} should be failing (breaks {breaks:?})"
        ));
    }
    let unexpected: Vec<&String> = failing
        .iter()
        .filter(|c| !breaks.contains(&c.as_str()) && !collateral.contains(&c.as_str()))
        .collect();
    if !unexpected.is_empty() {
        problems.push(format!(
            "blamed on clauses outside breaks {breaks:?} and collateral {collateral:?}: {unexpected:?}"
        ));
    }
    problems
}

/// What [`marks`] means, for the line under a printed table.
pub const LEGEND: &str = "(CLAUSE): allowed collateral; !CLAUSE: not expected for this variant; \
                          -CLAUSE: a clause it breaks, not blamed";

/// A variant's failing clauses as the printed table shows them: `C` (it
/// breaks C), `(C)` (allowed collateral), `!C` (not expected), then `-C`
/// for each clause it breaks that was not blamed; `-` for none at all.
pub fn marks(breaks: &[&str], collateral: &[&str], failing: &[String]) -> String {
    let mut marks: Vec<String> = failing
        .iter()
        .map(|c| {
            if breaks.contains(&c.as_str()) {
                c.clone()
            } else if collateral.contains(&c.as_str()) {
                format!("({c})")
            } else {
                format!("!{c}")
            }
        })
        .collect();
    marks.extend(
        breaks
            .iter()
            .filter(|c| !failing.iter().any(|f| f == *c))
            .map(|c| format!("-{c}")),
    );
    if marks.is_empty() {
        "-".into()
    } else {
        marks.join(" ")
    }
}

/// What one trial found, for the table printed at the end.
pub struct Row {
    /// The variant's index in its table.
    pub index: usize,
    /// The suite's exit status (`None`: killed, or stopped).
    pub exit: Option<i32>,
    /// Clauses failing in its report.
    pub failing: Vec<String>,
    /// How many clauses its report has blocked.
    pub blocked: usize,
    /// How long the suite ran.
    pub secs: f64,
}

impl Row {
    /// The row of variant `index` from what its run of the suite gave:
    /// its exit status and JSON report.
    pub fn of(index: usize, status: ExitStatus, json: &Value, secs: f64) -> Row {
        Row {
            index,
            exit: status.code(),
            failing: suite::failing(json).into_iter().collect(),
            blocked: suite::clauses_with(json, &["blocked"]).len(),
            secs,
        }
    }

    /// The exit status as the table shows it (`-` for none).
    pub fn exit_text(&self) -> String {
        self.exit.map_or_else(|| "-".into(), |c| c.to_string())
    }
}

/// The rows of the trials that finished, filled in from the trials'
/// threads.
pub struct Rows(Mutex<Vec<Row>>);

impl Rows {
    pub const fn new() -> Rows {
        Rows(Mutex::new(Vec::new()))
    }

    pub fn record(&self, row: Row) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(row);
    }

    /// The rows so far, in table order; the collection is left empty.
    pub fn take_sorted(&self) -> Vec<Row> {
        let mut rows = std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner));
        rows.sort_by_key(|r| r.index);
        rows
    }
}
