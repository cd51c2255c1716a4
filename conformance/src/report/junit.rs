//! The JUnit XML report (`--junit`): one `testsuite` per spec section, one
//! `testcase` per case (class `mftp.MUST` or `mftp.SHOULD`), the suite
//! version and the spec hash as properties.

use super::{Report, SUITE_VERSION, Status};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

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
            // "server", or "client" when a client was graded.
            s.add_property(Property::new(r.graded.as_str(), r.server.clone()));
            s.add_property(Property::new("verdict", r.grade.verdict_line.clone()));
            let untested: Vec<&str> = r.untested_must.iter().map(|u| u.clause.as_str()).collect();
            s.add_property(Property::new("untested_must_clauses", untested.join(" ")));
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
