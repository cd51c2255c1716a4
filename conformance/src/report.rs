//! The summary printed at the end, and the JSON and JUnit reports.
//!
//! Exit status: 0 when every MUST case that ran holds, 1 when one fails, 2
//! when the server could not be launched or the suite itself failed.

use crate::case::{CaseResult, Status};
use crate::spec::{self, Level};
use std::collections::BTreeMap;
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
    /// Per clause: "pass" when all its cases that ran passed.
    pub clauses: BTreeMap<String, String>,
    pub cases: Vec<CaseResult>,
    /// Trials of the suite itself (traceability, self-tests).
    pub checks: Vec<CaseResult>,
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
    let mut clause_status: BTreeMap<String, String> = BTreeMap::new();
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
        for c in &r.clauses {
            let s = match r.status {
                Status::Pass => "pass",
                Status::Fail => "fail",
                Status::Skip => "skip",
                Status::Error => "error",
            };
            let e = clause_status.entry(c.clone()).or_insert_with(|| s.into());
            let rank = |x: &str| match x {
                "error" => 3,
                "fail" => 2,
                "pass" => 1,
                _ => 0,
            };
            if rank(s) > rank(e) {
                *e = s.into();
            }
        }
    }
    for c in spec::clauses() {
        clause_status
            .entry(c.id.clone())
            .or_insert_with(|| "not run".into());
    }
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
        clauses: clause_status,
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
    let _ = writeln!(
        s,
        "{:<34} {:>22} {:>22}",
        "section", "MUST pass/fail/skip", "SHOULD pass/fail/skip"
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
        let _ = writeln!(s, "\nfailed:");
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
