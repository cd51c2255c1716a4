//! `--junit PATH`: JUnit XML for CI test reporters (GitLab, Jenkins,
//! dorny/test-reporter). One `testsuite` per implementation (score,
//! maximum, percent, verdict as properties); in it one `testcase`
//! "graded" (fails when the implementation did not build, start or
//! finish) and one per clause. Every `testcase` has both `name`
//! (`UPLOAD-5 MUST — text…`) and `classname`
//! (`mftp.<implementation>.<section>`), which those reporters need.
//!
//! fail, fail-should, flaky → `failure` (flaky with its pass ratio: never
//! a silent pass); error → `error`; blocked, skip, not run, not graded,
//! untestable → `skipped` with the reason.

use super::{cell_text, clause_title, num};
use crate::case::slug;
use crate::class::model::{CellStatus, ClassReport};
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

/// The JUnit XML.
///
/// # Errors
/// Serialization failure.
pub fn render(r: &ClassReport) -> Result<String, String> {
    let mut report = Report::new(format!("mftp-class {}", r.class));
    for i in &r.implementations {
        let mut suite = TestSuite::new(i.name.clone());
        for (k, v) in [
            ("score", num(i.score)),
            ("max_score", num(i.max_score)),
            ("percent", format!("{:.2}", i.percent)),
            ("verdict", i.verdict.clone()),
            ("outcome", i.outcome.label().to_string()),
            ("suite_version", r.suite_version.clone()),
            ("spec_sha256", r.spec_sha256.clone()),
        ] {
            suite.add_property(Property::new(k, v));
        }
        let class_base = format!("mftp.{}", slug(&i.name));
        let mut graded = if i.graded() {
            TestCaseStatus::success()
        } else {
            let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
            st.set_message(format!(
                "{}: {}",
                i.outcome.label(),
                i.detail.lines().next().unwrap_or("")
            ));
            st.set_description(i.detail.clone());
            st
        };
        if let Some(d) = &i.diagnosis {
            graded.set_description(format!("FIRST CONTACT: {}\n{}", d.summary, d.hint));
        }
        // A stable name (CI reporters track tests by name); the score is a
        // property of the suite.
        let mut tc = TestCase::new("graded", graded);
        tc.set_classname(class_base.clone());
        tc.set_time(Duration::from_secs_f64(i.duration_s.max(0.0)));
        suite.add_test_case(tc);
        for row in &r.clauses {
            let Some(c) = i.cells.get(&row.id) else {
                continue;
            };
            let text = cell_text(row, i, c);
            let first = |word: &str| format!("{word}: {}", text.lines().nth(1).unwrap_or(""));
            let status = match c.status {
                CellStatus::Pass => TestCaseStatus::success(),
                CellStatus::Fail | CellStatus::FailShould | CellStatus::Flaky => {
                    let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    st.set_message(first(&c.status.as_str().to_uppercase()));
                    st.set_description(text.clone());
                    st
                }
                CellStatus::Error => {
                    let mut st = TestCaseStatus::non_success(NonSuccessKind::Error);
                    st.set_message(first("ERROR"));
                    st.set_description(text.clone());
                    st
                }
                CellStatus::Blocked
                | CellStatus::Skip
                | CellStatus::NotRun
                | CellStatus::NotGraded
                | CellStatus::Untestable => {
                    let mut st = TestCaseStatus::skipped();
                    st.set_message(text.lines().nth(2).unwrap_or(c.status.as_str()).to_string());
                    st
                }
            };
            let mut tc = TestCase::new(clause_title(row, 100), status);
            tc.set_classname(format!(
                "{class_base}.s{:02}_{}",
                crate::class::points::section_number(&row.section)
                    .parse::<u32>()
                    .unwrap_or(0),
                slug(&row.section)
            ));
            suite.add_test_case(tc);
        }
        report.add_test_suite(suite);
    }
    report.to_string().map_err(|e| e.to_string())
}
