//! The result model every report is a view of: the outcome of each case,
//! counts, the grade, the exit status and the status of each clause. The
//! writers (`summary`, `json`, `junit`) are pure functions of a [`Report`];
//! none runs a case or re-derives a verdict.
//!
//! Exit status: 0 when every MUST case that ran holds, 1 when one fails, 2
//! when the server could not be launched or the suite itself failed.
//!
//! A run grades a server or, with `--client`, a client ([`Report::graded`]):
//! the clauses a report accounts for are that role's (`spec::clauses_for`),
//! plus any other clause a case names.
//!
//! # Clause attribution
//!
//! A case stops at its first failing step, and every step names the clause
//! its expectation comes from (`CaseResult::failed_clause`), which need not
//! be one of the case's own. Per clause (see [`clause_status`]):
//!
//! - **fail**: some case's failing step checks this clause (**fail-should**
//!   when that step is the SHOULD check of a SHOULD case);
//! - **error**: a case covering it hit a harness error;
//! - **pass**: no failing step checks it and at least one case covering it
//!   passed;
//! - **blocked**: every case covering it that ran stopped early at a failing
//!   step of another clause, so it was not verified (`blocked_by` names
//!   those clauses);
//! - **skip**: every case covering it was skipped; **not run**: filtered out.

use crate::spec::{self, Level, Role};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

mod json;
mod junit;
mod summary;

pub use json::write_json;
pub use junit::write_junit;
pub use summary::summary;

/// Outcome of one case, as reports show it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Skip,
    /// The suite itself failed.
    Error,
}

/// A finished case.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct CaseResult {
    pub name: String,
    pub id: String,
    pub level: Level,
    pub section: String,
    pub clauses: Vec<String>,
    pub status: Status,
    /// The clause whose expectation failed.
    pub failed_clause: Option<String>,
    pub duration_ms: u128,
    /// The full explanation (failure or skip reason).
    pub message: Option<String>,
}

/// The suite's version, stamped on every report.
pub const SUITE_VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Default, Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub errors: usize,
}

impl Counts {
    fn add(&mut self, s: &Status) {
        match s {
            Status::Pass => self.passed += 1,
            Status::Fail => self.failed += 1,
            Status::Skip => self.skipped += 1,
            Status::Error => self.errors += 1,
        }
    }
}

/// Version of the JSON report's layout ([`Report`] serialized). Raised when
/// a field changes meaning or goes away; readers (`mftp-grade`) refuse a
/// report of a newer version instead of misreading it. Reports written
/// before the field existed read as version 0.
pub const FORMAT_VERSION: u32 = 1;

/// Everything a report says. Serialized as the JSON report, and read back
/// by the class grader (`mftp-grade`), which runs the suite as a
/// subprocess; clauses are keyed by ID, cases carry their names.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Report {
    /// [`FORMAT_VERSION`] of the writer.
    #[serde(default)]
    pub format_version: u32,
    pub suite: String,
    pub suite_version: String,
    pub spec_sha256: String,
    /// What the run graded: a server, or with `--client` a client (reports
    /// written before the field existed graded servers).
    #[serde(default)]
    pub graded: Role,
    /// The command line graded: the server's, or (`graded` = client) the
    /// client's.
    pub server: String,
    pub duration_s: f64,
    /// Set when the run could not grade the server at all.
    pub launch_error: Option<String>,
    pub interrupted: bool,
    pub exit_status: i32,
    pub grade: Grade,
    pub by_level: BTreeMap<String, Counts>,
    pub by_section: BTreeMap<String, BTreeMap<String, Counts>>,
    /// Per clause: "fail", "fail-should", "error", "pass", "blocked",
    /// "skip" or "not run" (see the module docs for the rule).
    pub clauses: BTreeMap<String, String>,
    /// Failing clauses (status "fail" or "fail-should") in spec order, each
    /// with the cases whose failing step checks it.
    pub failing_clauses: Vec<FailingClause>,
    /// Blocked clause → the failing clauses that stopped its cases.
    pub blocked_by: BTreeMap<String, Vec<String>>,
    /// MUST clauses that every case covering them skipped (an optional
    /// option the server refused, LAUNCH-3; no tmpfs; running as root):
    /// a "CONFORMS" verdict says nothing about them.
    pub untested_must: Vec<Untested>,
    /// Clauses no server case can check, with the reason (see `trace.rs`).
    pub untestable: Vec<Untested>,
    pub cases: Vec<CaseResult>,
    /// Trials of the suite itself (traceability, self-tests).
    pub checks: Vec<CaseResult>,
}

/// A clause the run did not check, and why.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Untested {
    pub clause: String,
    pub reason: String,
}

/// The MUST clauses of `role` whose status is "skip", each with the first
/// skip reason of a case covering it.
fn untested_must(
    role: Role,
    status: &BTreeMap<String, String>,
    cases: &[CaseResult],
) -> Vec<Untested> {
    spec::clauses_for(role)
        .iter()
        .filter(|c| c.level == Level::Must)
        .filter(|c| status.get(&c.id).is_some_and(|s| s == "skip"))
        .map(|c| Untested {
            clause: c.id.clone(),
            reason: cases
                .iter()
                .filter(|r| r.status == Status::Skip && r.clauses.contains(&c.id))
                .find_map(|r| r.message.clone())
                .unwrap_or_default(),
        })
        .collect()
}

/// A clause that some case's failing step checks.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FailingClause {
    pub clause: String,
    /// "MUST", or "SHOULD" when only SHOULD checks of it fail.
    pub level: String,
    /// Names of the cases that stopped at a step checking this clause.
    pub cases: Vec<String>,
}

/// Per-clause outcome of a run, by the rule in the module docs.
pub struct ClauseStatus {
    /// Clause → status, for every clause of spec.md and every clause a case
    /// names.
    pub status: BTreeMap<String, String>,
    pub failing: Vec<FailingClause>,
    pub blocked_by: BTreeMap<String, Vec<String>>,
}

/// Attributes the outcomes of server `cases` to clauses.
#[must_use]
pub fn clause_status(cases: &[CaseResult]) -> ClauseStatus {
    clause_status_for(Role::Server, cases)
}

/// Attributes the outcomes of `cases`, which grade a `role`, to clauses.
#[must_use]
pub fn clause_status_for(role: Role, cases: &[CaseResult]) -> ClauseStatus {
    let mut failed: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut should_failed: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut blocked: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut passed = BTreeSet::new();
    let mut errored = BTreeSet::new();
    let mut skipped = BTreeSet::new();
    let mut named: Vec<&str> = Vec::new();
    for r in cases {
        named.extend(r.clauses.iter().map(String::as_str));
        match r.status {
            Status::Pass => passed.extend(r.clauses.iter().map(String::as_str)),
            Status::Skip => skipped.extend(r.clauses.iter().map(String::as_str)),
            Status::Error => errored.extend(r.clauses.iter().map(String::as_str)),
            Status::Fail => {
                let at = r.failed_clause.as_deref().unwrap_or(r.id.as_str());
                named.push(at);
                let list = if r.level == Level::Should && at == r.id {
                    &mut should_failed
                } else {
                    &mut failed
                };
                list.entry(at).or_default().push(r.name.as_str());
                for c in r.clauses.iter().filter(|c| c.as_str() != at) {
                    blocked.entry(c.as_str()).or_default().insert(at);
                }
            }
        }
    }
    // Spec order first, then any other name a case used.
    let mut order: Vec<&str> = spec::clauses_for(role)
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    for n in named {
        if !order.contains(&n) {
            order.push(n);
        }
    }
    let mut out = ClauseStatus {
        status: BTreeMap::new(),
        failing: Vec::new(),
        blocked_by: BTreeMap::new(),
    };
    for c in order {
        let s = if let Some(in_cases) = failed.get(c).or_else(|| should_failed.get(c)) {
            let must = failed.contains_key(c);
            out.failing.push(FailingClause {
                clause: c.into(),
                level: if must { "MUST" } else { "SHOULD" }.into(),
                cases: in_cases.iter().map(|n| (*n).to_string()).collect(),
            });
            if must { "fail" } else { "fail-should" }
        } else if errored.contains(c) {
            "error"
        } else if passed.contains(c) {
            "pass"
        } else if let Some(by) = blocked.get(c) {
            out.blocked_by
                .insert(c.into(), by.iter().map(|b| (*b).to_string()).collect());
            "blocked"
        } else if skipped.contains(c) {
            "skip"
        } else {
            "not run"
        };
        out.status.insert(c.into(), s.into());
    }
    out
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Grade {
    pub must_passed: usize,
    pub must_run: usize,
    pub should_passed: usize,
    pub should_run: usize,
    /// MUST cases passed / MUST cases run, in percent.
    pub percent: f64,
    pub verdict: String,
    /// The verdict with what it does not cover, e.g. `CONFORMS, 4 MUST
    /// clauses untested: LIMIT-1, LIMIT-2, LIMIT-3, LIMIT-4`.
    pub verdict_line: String,
}

/// Builds the report and the exit status from finished results of a
/// server's grading.
#[must_use]
pub fn build(
    server: String,
    cases: Vec<CaseResult>,
    checks: Vec<CaseResult>,
    duration: Duration,
    launch_error: Option<String>,
    interrupted: bool,
) -> Report {
    build_for(
        Role::Server,
        server,
        cases,
        checks,
        duration,
        launch_error,
        interrupted,
    )
}

/// Builds the report and the exit status from finished results of a
/// grading of `role` (the program `graded`).
#[must_use]
pub fn build_for(
    role: Role,
    graded: String,
    cases: Vec<CaseResult>,
    checks: Vec<CaseResult>,
    duration: Duration,
    launch_error: Option<String>,
    interrupted: bool,
) -> Report {
    let mut by_level: BTreeMap<String, Counts> = BTreeMap::new();
    let mut by_section: BTreeMap<String, BTreeMap<String, Counts>> = BTreeMap::new();
    for r in &cases {
        by_level
            .entry(r.level.as_str().into())
            .or_default()
            .add(&r.status);
        by_section
            .entry(r.section.clone())
            .or_default()
            .entry(r.level.as_str().into())
            .or_default()
            .add(&r.status);
    }
    let clauses = clause_status_for(role, &cases);
    let count = |lvl: Level, pass: bool| {
        cases
            .iter()
            .filter(|r| r.level == lvl && matches!(r.status, Status::Pass | Status::Fail))
            .filter(|r| !pass || r.status == Status::Pass)
            .count()
    };
    let (must_passed, must_run) = (count(Level::Must, true), count(Level::Must, false));
    let (should_passed, should_run) = (count(Level::Should, true), count(Level::Should, false));
    let must_failed = must_run - must_passed;
    let harness_failed = launch_error.is_some()
        || interrupted
        || cases
            .iter()
            .chain(&checks)
            .any(|r| r.status == Status::Error)
        || checks.iter().any(|r| r.status == Status::Fail);
    let exit_status = if harness_failed {
        2
    } else {
        i32::from(must_failed > 0)
    };
    #[allow(clippy::cast_precision_loss)]
    let percent = if must_run == 0 {
        0.0
    } else {
        (must_passed as f64) * 100.0 / (must_run as f64)
    };
    let verdict = match exit_status {
        0 if must_run > 0 => "CONFORMS",
        0 => "NOTHING RUN",
        1 => "DOES NOT CONFORM",
        _ => "NOT GRADED",
    };
    let untested_must = untested_must(role, &clauses.status, &cases);
    let verdict_line = if untested_must.is_empty() || exit_status == 2 {
        verdict.to_string()
    } else {
        let ids: Vec<&str> = untested_must.iter().map(|u| u.clause.as_str()).collect();
        format!(
            "{verdict}, {} MUST clause{} untested: {}",
            ids.len(),
            if ids.len() == 1 { "" } else { "s" },
            ids.join(", ")
        )
    };
    let untestable = crate::trace::untestable(role)
        .iter()
        .map(|(c, why)| Untested {
            clause: (*c).to_string(),
            reason: (*why).to_string(),
        })
        .collect();
    Report {
        format_version: FORMAT_VERSION,
        suite: "mftp/1 conformance".into(),
        suite_version: SUITE_VERSION.into(),
        spec_sha256: spec::spec_sha256(),
        graded: role,
        server: graded,
        duration_s: duration.as_secs_f64(),
        launch_error,
        interrupted,
        exit_status,
        grade: Grade {
            must_passed,
            must_run,
            should_passed,
            should_run,
            percent,
            verdict: verdict.into(),
            verdict_line,
        },
        by_level,
        by_section,
        clauses: clauses.status,
        failing_clauses: clauses.failing,
        blocked_by: clauses.blocked_by,
        untested_must,
        untestable,
        cases,
        checks,
    }
}
