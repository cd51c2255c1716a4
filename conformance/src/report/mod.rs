//! The summary printed at the end, and the JSON and JUnit reports.
//!
//! Exit status: 0 when every MUST case that ran holds, 1 when one fails, 2
//! when the server could not be launched or the suite itself failed.
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

use crate::case::{CaseResult, Status};
use crate::spec::{self, Level};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

/// The suite's version, stamped on every report.
pub const SUITE_VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Default, Clone, Copy, serde::Serialize)]
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

/// Everything a report says.
#[derive(serde::Serialize)]
pub struct Report {
    pub suite: &'static str,
    pub suite_version: &'static str,
    pub spec_sha256: String,
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
    pub cases: Vec<CaseResult>,
    /// Trials of the suite itself (traceability, self-tests).
    pub checks: Vec<CaseResult>,
}

/// A clause that some case's failing step checks.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FailingClause {
    pub clause: String,
    /// "MUST", or "SHOULD" when only SHOULD checks of it fail.
    pub level: &'static str,
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

/// Attributes the outcomes of `cases` to clauses.
#[must_use]
pub fn clause_status(cases: &[CaseResult]) -> ClauseStatus {
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
    let mut order: Vec<&str> = spec::clauses().iter().map(|c| c.id.as_str()).collect();
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
                level: if must { "MUST" } else { "SHOULD" },
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

#[derive(serde::Serialize)]
pub struct Grade {
    pub must_passed: usize,
    pub must_run: usize,
    pub should_passed: usize,
    pub should_run: usize,
    /// MUST cases passed / MUST cases run, in percent.
    pub percent: f64,
    pub verdict: &'static str,
}

/// Builds the report and the exit status from finished results.
#[must_use]
pub fn build(
    server: String,
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
    let clauses = clause_status(&cases);
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
    Report {
        suite: "mftp/1 conformance",
        suite_version: SUITE_VERSION,
        spec_sha256: spec::spec_sha256(),
        server,
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
            verdict,
        },
        by_level,
        by_section,
        clauses: clauses.status,
        failing_clauses: clauses.failing,
        blocked_by: clauses.blocked_by,
        cases,
        checks,
    }
}

/// The summary table for the terminal.
#[must_use]
pub fn summary(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\n=== {} {} · spec.md sha256 {} · server: {}",
        r.suite,
        r.suite_version,
        &r.spec_sha256[..16],
        r.server
    );
    if r.interrupted {
        let _ = writeln!(
            s,
            "\nINTERRUPTED: this report holds only the cases that finished before Ctrl-C"
        );
    }
    if let Some(e) = &r.launch_error {
        let _ = writeln!(
            s,
            "\nTHE SERVER COULD NOT BE LAUNCHED, nothing was graded:\n{e}"
        );
    }
    clause_lists(&mut s, r);
    let _ = writeln!(
        s,
        "\n{:<34} {:>22} {:>22}",
        "cases by section", "MUST pass/fail/skip", "SHOULD pass/fail/skip"
    );
    let cell = |c: Option<&Counts>| {
        c.map_or_else(
            || "-".into(),
            |c| format!("{}/{}/{}", c.passed, c.failed + c.errors, c.skipped),
        )
    };
    let mut order: Vec<&String> = r.by_section.keys().collect();
    order.sort_by_key(|k| {
        k.split(' ')
            .next()
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(99)
    });
    for sec in order {
        let m = &r.by_section[sec];
        let _ = writeln!(
            s,
            "{:<34} {:>22} {:>22}",
            sec.replace('`', ""),
            cell(m.get("MUST")),
            cell(m.get("SHOULD"))
        );
    }
    let _ = writeln!(
        s,
        "{:<34} {:>22} {:>22}",
        "total",
        cell(r.by_level.get("MUST")),
        cell(r.by_level.get("SHOULD"))
    );
    let failed: Vec<&CaseResult> = r
        .cases
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Error))
        .collect();
    if !failed.is_empty() {
        let _ = writeln!(s, "\nfailed cases  [the clause of the failing step]:");
        for c in failed {
            let _ = writeln!(
                s,
                "  {:<6} {}  [{}]",
                if c.status == Status::Error {
                    "ERROR"
                } else {
                    c.level.as_str()
                },
                c.name,
                c.failed_clause.as_deref().unwrap_or("")
            );
        }
    }
    for c in r.checks.iter().filter(|c| c.status != Status::Pass) {
        let _ = writeln!(s, "suite check failed: {}", c.name);
    }
    let g = &r.grade;
    let _ = writeln!(
        s,
        "\ngrade: {:.1}% of MUST cases hold ({}/{}), SHOULD {}/{}, {} skipped — {} (exit {}, {:.1} s)",
        g.percent,
        g.must_passed,
        g.must_run,
        g.should_passed,
        g.should_run,
        r.cases.iter().filter(|c| c.status == Status::Skip).count(),
        g.verdict,
        r.exit_status,
        r.duration_s
    );
    s
}

/// The failing clauses (attributed), then the blocked ones.
fn clause_lists(s: &mut String, r: &Report) {
    if !r.failing_clauses.is_empty() {
        let _ = writeln!(
            s,
            "\nFAILING clauses ({}): a failing step checks the clause",
            r.failing_clauses.len()
        );
        for f in &r.failing_clauses {
            let mut ids: Vec<&str> = Vec::new();
            for name in &f.cases {
                let id = name.split(' ').next().unwrap_or("");
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            let n = f.cases.len();
            let more = if ids.len() > 8 { ", …" } else { "" };
            ids.truncate(8);
            let _ = writeln!(
                s,
                "  {:<11} {:<6} in {n} case{}: {}{more}",
                f.clause,
                f.level,
                if n == 1 { "" } else { "s" },
                ids.join(", ")
            );
        }
    }
    if !r.blocked_by.is_empty() {
        let _ = writeln!(
            s,
            "\nBLOCKED clauses ({}): not verified, every case checking them stopped at a failing clause first",
            r.blocked_by.len()
        );
        let order = r
            .clauses
            .keys()
            .filter(|c| r.blocked_by.contains_key(*c))
            .map(|c| {
                let at = spec::clauses().iter().position(|x| &x.id == c);
                (at.unwrap_or(usize::MAX), c)
            });
        let mut order: Vec<(usize, &String)> = order.collect();
        order.sort();
        for (_, c) in order {
            let _ = writeln!(s, "  {c:<11} by {}", r.blocked_by[c].join(", "));
        }
    }
}

/// Writes the JSON report.
///
/// # Errors
/// I/O or serialization failure.
pub fn write_json(r: &Report, path: &Path) -> anyhow::Result<()> {
    let f = std::fs::File::create(path)?;
    serde_json::to_writer_pretty(std::io::BufWriter::new(f), r)?;
    Ok(())
}

/// Writes the JUnit XML report.
///
/// # Errors
/// I/O or serialization failure.
pub fn write_junit(r: &Report, path: &Path) -> anyhow::Result<()> {
    use quick_junit::{
        NonSuccessKind, Property, Report as JReport, TestCase, TestCaseStatus, TestSuite,
    };
    let mut report = JReport::new("mftp-conformance");
    report.set_time(Duration::from_secs_f64(r.duration_s));
    let mut suites: BTreeMap<&str, TestSuite> = BTreeMap::new();
    for c in r.cases.iter().chain(&r.checks) {
        let suite = suites.entry(c.section.as_str()).or_insert_with(|| {
            let mut s = TestSuite::new(c.section.replace('`', ""));
            s.add_property(Property::new("suite_version", SUITE_VERSION));
            s.add_property(Property::new("spec_sha256", r.spec_sha256.clone()));
            s.add_property(Property::new("server", r.server.clone()));
            s
        });
        let mut status = match c.status {
            Status::Pass => TestCaseStatus::success(),
            Status::Skip => TestCaseStatus::skipped(),
            Status::Fail => TestCaseStatus::non_success(NonSuccessKind::Failure),
            Status::Error => TestCaseStatus::non_success(NonSuccessKind::Error),
        };
        if let Some(msg) = &c.message {
            let first = msg.lines().next().unwrap_or("").to_string();
            status.set_message(first);
            status.set_description(msg.clone());
        }
        let mut tc = TestCase::new(c.name.clone(), status);
        tc.set_classname(format!("mftp.{}", c.level.as_str()));
        tc.set_time(Duration::from_millis(
            u64::try_from(c.duration_ms).unwrap_or(u64::MAX),
        ));
        suite.add_test_case(tc);
    }
    report.add_test_suites(suites.into_values());
    let f = std::fs::File::create(path)?;
    report.serialize(std::io::BufWriter::new(f))?;
    Ok(())
}
