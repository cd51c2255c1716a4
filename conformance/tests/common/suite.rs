//! One run of the suite binary (`conformance`) the way the kill tables run
//! it: `-q` and `--report-json` into a temp dir of its own, its output
//! into a file there, stopped like Ctrl-C at a deadline; and the clauses
//! its JSON report gives a status.

use super::process::{self, Reach};
use serde_json::Value;
use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Limit for one run of the suite (alone it takes a few seconds).
pub const DEADLINE: Duration = Duration::from_secs(300);

/// How long a suite stopped at its deadline has to stop what it started.
const GRACE: Duration = Duration::from_secs(20);

/// Variables through which the suite's options may come from the
/// environment: removed for each run, so that only its arguments count.
pub const OPTION_VARS: &[&str] = &[
    "MFTP_SERVER",
    "MFTP_SERVER_CMD",
    "MFTP_CLIENT",
    "MFTP_CLIENT_CMD",
    "MFTP_REPORT_JSON",
    "MFTP_JUNIT",
];

/// What one run of the suite gave.
pub struct SuiteRun {
    /// Its stdout and stderr, interleaved.
    pub output: String,
    /// How long it ran.
    pub secs: f64,
    /// Its exit status and JSON report, or what went wrong instead (it was
    /// stopped at the deadline, wrote no report, or one that does not
    /// parse).
    pub result: Result<(ExitStatus, Value), String>,
}

/// Runs `conformance ARGS --report-json … -q`, with `TMPDIR` set to
/// `tmpdir` when given; its temp dir's name starts with `prefix`.
pub fn run<S: AsRef<OsStr>>(
    args: &[S],
    tmpdir: Option<&Path>,
    prefix: &str,
) -> Result<SuiteRun, String> {
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .map_err(|e| format!("temp dir: {e}"))?;
    let report = dir.path().join("report.json");
    let out_path = dir.path().join("suite.out");
    let out = std::fs::File::create(&out_path).map_err(|e| format!("{e}"))?;
    let err = out.try_clone().map_err(|e| format!("{e}"))?;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_conformance"));
    cmd.args(args)
        .arg("--report-json")
        .arg(&report)
        .arg("-q")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    if let Some(t) = tmpdir {
        cmd.env("TMPDIR", t);
    }
    for var in OPTION_VARS {
        cmd.env_remove(var);
    }
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("could not run {}: {e}", env!("CARGO_BIN_EXE_conformance")))?;
    let status = process::wait_until(&mut child, started + DEADLINE)?;
    if status.is_none() {
        // Like Ctrl-C: it then kills what it started.
        process::stop(&mut child, Reach::Process, GRACE);
    }
    let secs = started.elapsed().as_secs_f64();
    let output = std::fs::read_to_string(&out_path).unwrap_or_default();
    let result = match status {
        None => Err(format!(
            "the suite did not finish within {} s and was stopped",
            DEADLINE.as_secs()
        )),
        Some(status) => std::fs::read_to_string(&report)
            .map_err(|e| format!("no JSON report ({e}); exit {status}"))
            .and_then(|text| {
                serde_json::from_str(&text)
                    .map_err(|e| format!("the JSON report does not parse: {e}"))
            })
            .map(|json| (status, json)),
    };
    Ok(SuiteRun {
        output,
        secs,
        result,
    })
}

/// Clauses whose status in the report is one of `statuses`.
pub fn clauses_with(json: &Value, statuses: &[&str]) -> BTreeSet<String> {
    json["clauses"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, s)| s.as_str().is_some_and(|s| statuses.contains(&s)))
                .map(|(c, _)| c.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// Clauses the report has failing (MUST or SHOULD).
pub fn failing(json: &Value) -> BTreeSet<String> {
    clauses_with(json, &["fail", "fail-should"])
}
