//! What the unit tests grade: suite results and reports made up for the
//! purpose (SIZE-2 failing, one case flaky on reruns, LS-1 blocked, LIMIT-1
//! skipped), jobs, and classes of such columns.

use conformance::class::manifest;
use conformance::class::model::{self, ClassReport, Observed, Outcome};
use conformance::class::points::Scoring;
use conformance::report::{CaseResult, Status};
use conformance::spec::Level;
use std::time::Duration;

pub(super) fn case(
    name: &str,
    clauses: &[&str],
    status: Status,
    failed: Option<&str>,
    message: Option<&str>,
) -> CaseResult {
    let id = clauses[0];
    let c = conformance::spec::clause(id);
    CaseResult {
        name: name.into(),
        id: id.into(),
        level: c.map_or(Level::Must, |c| c.level),
        section: c.map_or_else(String::new, |c| c.section.clone()),
        clauses: clauses.iter().map(|s| (*s).to_string()).collect(),
        status,
        failed_clause: failed.map(str::to_string),
        duration_ms: 5,
        message: message.map(str::to_string),
    }
}

const SIZE_FAIL: &str = "FAIL SIZE-2\nclause:    SIZE-2 MUST — …\nstep:      size s131072\nexpected:  `213 131072 0.13 MB` (optionally SP and text)\nactual:    213 131072 0.12 MB\ntranscript up to the failure (raw):\n    S: 220 mftp/1 ready\n    C: size s131072\n    S: 213 131072 0.12 MB\n\nserver stderr (last lines):\n    started\n";

/// A suite report: SIZE-2 failing in two cases (one of them flaky in the
/// reruns), LS-1 blocked by LS-3, LIMIT-1 skipped, the rest of the cases
/// passing.
pub(super) fn synthetic_report() -> conformance::report::Report {
    let cases = vec![
        case(
            "SIZE-2 MUST a",
            &["SIZE-2"],
            Status::Fail,
            Some("SIZE-2"),
            Some(SIZE_FAIL),
        ),
        case(
            "SIZE-2 MUST b",
            &["SIZE-2"],
            Status::Fail,
            Some("SIZE-2"),
            Some(SIZE_FAIL),
        ),
        case(
            "LS-3 MUST order",
            &["LS-3", "LS-1"],
            Status::Fail,
            Some("LS-3"),
            Some("FAIL LS-3\nactual:    b a\n"),
        ),
        case(
            "LIMIT-1 MUST idle",
            &["LIMIT-1"],
            Status::Skip,
            None,
            Some("the server refused --idle-timeout 1\nmore"),
        ),
        case("SIZE-1 MUST ok", &["SIZE-1"], Status::Pass, None, None),
        case("FRAME-1 MUST ok", &["FRAME-1"], Status::Pass, None, None),
    ];
    conformance::report::build(
        "x".into(),
        cases,
        Vec::new(),
        Duration::from_secs(1),
        None,
        false,
    )
}

pub(super) fn job(name: &str, index: usize) -> manifest::Job {
    manifest::Job {
        index,
        name: name.into(),
        notes: "n".into(),
        command: "./s --root {root} --port {port}".into(),
        workdir: "/w".into(),
        setup: None,
        time_limit: Duration::from_secs(60),
        setup_time_limit: Duration::from_secs(60),
        startup_timeout: None,
        step_timeout: None,
        require_limits: false,
        test_threads: None,
        suite_args: Vec::new(),
        limits: manifest::Limits::default(),
    }
}

/// What the runner saw grading `job`: the synthetic report, and `reruns`
/// of its failing cases (case, (passes, reruns)).
pub(super) fn observed<'a>(
    job: &'a manifest::Job,
    reruns: &[(&str, (u32, u32))],
    rerun_command: &'a dyn Fn(&str) -> String,
) -> Observed<'a> {
    Observed {
        job,
        outcome: Outcome::Graded,
        detail: String::new(),
        report: Some(synthetic_report()),
        reruns: reruns
            .iter()
            .map(|(case, counts)| ((*case).to_string(), *counts))
            .collect(),
        diagnosis: None,
        sandbox: None,
        limits: "none".into(),
        duration_s: 1.5,
        rerun_command,
    }
}

/// A class of one or more synthetic columns.
pub(super) fn synthetic_class(names: &[&str]) -> ClassReport {
    let scoring = Scoring {
        hidden: vec!["LS-*".into()],
        ..Scoring::default()
    };
    let rows = model::clause_rows(&scoring);
    let mut implementations = Vec::new();
    for (k, n) in names.iter().enumerate() {
        let j = job(n, k);
        let rerun = |c: &str| format!("cd /w && conformance --exact '{c}'");
        let reruns = [
            ("SIZE-2 MUST a", (1, 2)),
            ("SIZE-2 MUST b", (0, 2)),
            ("LS-3 MUST order", (0, 2)),
        ];
        let o = observed(&j, &reruns, &rerun);
        implementations.push(model::build_impl(&o, &rows, &scoring));
    }
    let mut r = ClassReport {
        format_version: model::FORMAT_VERSION,
        kind: model::KIND.into(),
        class: "synthetic <class> & \"co\"".into(),
        manifest: "m.toml".into(),
        manifest_sha256: "0".repeat(64),
        suite_version: conformance::report::SUITE_VERSION.into(),
        spec_sha256: conformance::spec::spec_sha256(),
        total_implementations: names.len(),
        shards: Vec::new(),
        scoring,
        clauses: rows,
        implementations,
        sandboxed: false,
        summary: model::Summary::default(),
    };
    model::finalize(&mut r, None);
    r
}
