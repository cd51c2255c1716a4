//! The suite as the grader runs it for a job: its command (in the job's
//! workdir, sandboxed when asked, the suite's environment options
//! removed), its options, the line that reruns one case, its JSON report
//! (bounded, of this spec), and its list of cases.

use super::Options;
use crate::class::manifest::Job;
use crate::class::sandbox;
use crate::report::Report;
use std::ffi::OsString;
use std::io::Read as _;
use std::path::Path;
use std::process::{Command, Stdio};

/// Largest JSON report read.
const REPORT_CAP: u64 = 256 << 20;

/// `program args` for `job`: in its workdir, sandboxed when asked, with
/// TMPDIR in the run's temp dir and the suite's environment options
/// removed.
pub(super) fn command_for(
    opts: &Options,
    job: &Job,
    program: &Path,
    args: Vec<OsString>,
    tmp: &Path,
) -> Command {
    let mut cmd = match &opts.sandbox {
        Some(sb) => sb.command(program, &args, &[tmp, &job.workdir], &job.workdir, true),
        None => {
            let mut c = Command::new(program);
            c.args(args);
            c
        }
    };
    cmd.current_dir(&job.workdir)
        .env("TMPDIR", tmp.join("cases"))
        .env("PWD", &job.workdir)
        .stdin(Stdio::null());
    for var in [
        "MFTP_SERVER",
        "MFTP_SERVER_CMD",
        "MFTP_REPORT_JSON",
        "MFTP_JUNIT",
        "MFTP_REQUIRE_LIMITS",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// The suite's options for `job` (the launch template already limited).
pub(super) fn suite_options(job: &Job, template: &str) -> Vec<String> {
    let mut a = vec!["--server-cmd".to_string(), template.to_string()];
    if let Some(s) = job.startup_timeout {
        a.extend(["--startup-timeout".into(), s.to_string()]);
    }
    if let Some(s) = job.step_timeout {
        a.extend(["--step-timeout".into(), s.to_string()]);
    }
    if job.require_limits {
        a.push("--require-limits".into());
    }
    a
}

/// The one line that reruns `case` against `job`, as the grader ran it
/// (limits included, sandbox not).
#[must_use]
pub fn rerun_line(suite: &Path, job: &Job, template: &str, case: &str) -> String {
    let mut words = vec![suite.display().to_string()];
    words.extend(suite_options(job, template));
    words.extend(["--exact".into(), case.into()]);
    format!(
        "cd {} && {}",
        sandbox::shell_line(&[job.workdir.display().to_string()]),
        sandbox::shell_line(&words)
    )
}

/// Reads a JSON report of the suite, bounded in size, of this spec.
pub(super) fn read_report(path: &Path) -> Result<Report, String> {
    let f = std::fs::File::open(path).map_err(|e| format!("no JSON report ({e})"))?;
    let mut text = String::new();
    f.take(REPORT_CAP)
        .read_to_string(&mut text)
        .map_err(|e| format!("the JSON report could not be read: {e}"))?;
    let r: Report =
        serde_json::from_str(&text).map_err(|e| format!("the JSON report does not parse: {e}"))?;
    if r.graded != crate::spec::Role::Server {
        return Err(
            "the suite graded a client (`--client` in suite_args?): mftp-grade grades servers"
                .into(),
        );
    }
    if r.format_version > crate::report::FORMAT_VERSION {
        return Err(format!(
            "the suite wrote report format {}, this grader reads up to {}",
            r.format_version,
            crate::report::FORMAT_VERSION
        ));
    }
    if r.spec_sha256 != crate::spec::spec_sha256() {
        return Err(format!(
            "the suite binary was built from another spec.md (sha256 {}…): use the conformance binary of this grader's build",
            r.spec_sha256.get(..16).unwrap_or("")
        ));
    }
    Ok(r)
}

/// The last `n` lines of a log file.
pub(super) fn log_tail(path: &Path, n: usize) -> String {
    crate::target::tail(path, n)
}

pub(super) fn os(v: Vec<String>) -> Vec<OsString> {
    v.into_iter().map(OsString::from).collect()
}

/// The names of the suite's trials (`--list`), to skip all but some.
///
/// # Errors
/// The suite could not be run or listed nothing.
pub fn list_cases(suite: &Path) -> Result<Vec<String>, String> {
    let out = Command::new(suite)
        .args(["--list", "--include-ignored"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|e| format!("could not run {} --list: {e}", suite.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let names: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(|l| {
            if l.starts_with('[') {
                l.split_once("] ").map_or(l, |(_, n)| n)
            } else {
                l
            }
        })
        .map(str::to_string)
        .collect();
    if names.is_empty() {
        return Err(format!("{} --list listed no case", suite.display()));
    }
    Ok(names)
}
