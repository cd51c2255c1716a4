//! Grading one implementation, step by step (see the module docs of
//! `run`): its workdir and temp dir, the setup command, the suite with its
//! time limit, then either a first-contact diagnosis or the reruns of its
//! failing cases. Never panics on what the implementation or the suite
//! does: every way it ends is an [`Outcome`] with a detail.

use super::process::{LineHook, Running, run_bounded, suite_pid};
use super::suite::{command_for, log_tail, os, read_report, rerun_line, suite_options};
use super::{Ctx, MAX_RERUN_CASES, stopping, sweep_orphans};
use crate::class::diagnosis;
use crate::class::manifest::Job;
use crate::class::model::{self, ImplResult, Observed, Outcome};
use crate::class::sandbox::{self, Sandbox};
use crate::report::Status;
use indicatif::ProgressBar;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// Why an implementation is not graded (any further): its outcome and the
/// detail its column shows.
type Stopped = (Outcome, String);

/// Grades one implementation.
pub(super) fn grade_one(ctx: &Ctx<'_>, job: &Job, bar: &ProgressBar) -> ImplResult {
    let started = Instant::now();
    let opts = ctx.opts;
    let template = sandbox::limited_template(&job.command, &job.limits);
    let suite = opts.suite.clone();
    let rerun_command = {
        let template = template.clone();
        move |case: &str| rerun_line(&suite, job, &template, case)
    };
    let mut observed = Observed {
        job,
        outcome: Outcome::NotGraded,
        detail: String::new(),
        report: None,
        reruns: BTreeMap::new(),
        diagnosis: None,
        sandbox: opts.sandbox.as_ref().map(Sandbox::describe),
        limits: sandbox::describe_limits(&job.limits),
        duration_s: 0.0,
        rerun_command: &rerun_command,
    };
    let finish = |mut o: Observed<'_>| {
        o.duration_s = started.elapsed().as_secs_f64();
        model::build_impl(&o, ctx.rows, ctx.scoring)
    };
    let prepared = prepare(ctx, job).and_then(|tmp| {
        if let Some(command) = &job.setup {
            setup(ctx, job, command, tmp.path(), bar)?;
        }
        Ok(tmp)
    });
    let tmp = match prepared {
        Ok(tmp) => tmp,
        Err((outcome, detail)) => {
            observed.outcome = outcome;
            observed.detail = detail;
            return finish(observed);
        }
    };
    let timed_out = run_suite(ctx, job, &template, tmp.path(), bar, &mut observed);
    // First contact, then reruns (pointless when every case stops at the
    // same first step).
    let contact = observed.report.as_ref().and_then(diagnosis::detect);
    if let Some(contact) = &contact
        && !stopping()
    {
        bar.set_message("diagnosing");
        let probe = probe(ctx, job, &template, tmp.path());
        observed.diagnosis = Some(diagnosis::explain(contact, probe.as_ref()));
    } else if let Some(rep) = &observed.report
        && opts.reruns > 0
        && !timed_out
    {
        let failing: Vec<String> = rep
            .cases
            .iter()
            .filter(|c| c.status == Status::Fail)
            .map(|c| c.name.clone())
            .take(MAX_RERUN_CASES)
            .collect();
        if !failing.is_empty() {
            bar.set_message("rerunning failures");
            observed.reruns = super::rerun::rerun(ctx, job, &template, &failing, tmp.path(), bar);
        }
    }
    drop(tmp);
    finish(observed)
}

/// Checks what grading needs (no stop request, the reference server when
/// the command names it, the workdir) and makes the run's temp dir, with
/// `cases/` in it for the suite's cases.
fn prepare(ctx: &Ctx<'_>, job: &Job) -> Result<tempfile::TempDir, Stopped> {
    let not_graded = |detail: String| (Outcome::NotGraded, detail);
    if stopping() {
        return Err((
            Outcome::Interrupted,
            "the grader was interrupted before this implementation".into(),
        ));
    }
    if job.command.contains("{reference-server}") {
        return Err(not_graded(
            "`{reference-server}`: the workspace's reference server could not be found or built"
                .into(),
        ));
    }
    if !job.workdir.is_dir() {
        return Err(not_graded(format!(
            "its workdir {} does not exist",
            job.workdir.display()
        )));
    }
    let prefix = format!("mftp-grade-{}-", crate::case::slug(&job.name));
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    let tmp = match &ctx.opts.tmp_base {
        Some(base) => builder.tempdir_in(base),
        None => builder.tempdir(),
    }
    .map_err(|e| not_graded(format!("no temp dir: {e}")))?;
    std::fs::create_dir(tmp.path().join("cases"))
        .map_err(|e| not_graded(format!("no temp dir: {e}")))?;
    Ok(tmp)
}

/// Runs the setup command with its time limit; a failure is "build
/// failed" with the last lines of its output.
fn setup(
    ctx: &Ctx<'_>,
    job: &Job,
    command: &str,
    tmp: &Path,
    bar: &ProgressBar,
) -> Result<(), Stopped> {
    bar.set_message("setup");
    let log = tmp.join("setup.log");
    let cmd = command_for(
        ctx.opts,
        job,
        Path::new("/bin/sh"),
        os(vec!["-c".into(), command.to_string()]),
        tmp,
    );
    let mut r = Running::spawn(cmd, &log, None).map_err(|e| {
        (
            Outcome::BuildFailed,
            format!("the setup command could not be run: {e}"),
        )
    })?;
    let st = r.wait_until(Instant::now() + job.setup_time_limit, true);
    let st = match st {
        Some(st) => Some(st),
        None => r.stop(None),
    };
    r.finish();
    drop(r);
    sweep_orphans();
    let failed = match st {
        Some(st) if st.success() => return Ok(()),
        Some(st) => format!(
            "the setup command `{command}` failed ({})",
            crate::target::describe_status(st)
        ),
        None if stopping() => "interrupted during the setup".into(),
        None => format!(
            "the setup command `{command}` did not finish within {:.0} s",
            job.setup_time_limit.as_secs_f64()
        ),
    };
    let outcome = if stopping() {
        Outcome::Interrupted
    } else {
        Outcome::BuildFailed
    };
    Err((
        outcome,
        format!(
            "{failed}\n--- last lines of its output ---\n{}",
            log_tail(&log, 30)
        ),
    ))
}

/// Runs the suite against `template` with the job's time limit, counting
/// its cases on `bar`, and records its report, outcome and detail in
/// `observed`. Returns whether it was stopped at the time limit.
fn run_suite(
    ctx: &Ctx<'_>,
    job: &Job,
    template: &str,
    tmp: &Path,
    bar: &ProgressBar,
    observed: &mut Observed<'_>,
) -> bool {
    let opts = ctx.opts;
    bar.set_message("grading");
    let report_path = tmp.join("report.json");
    let log = tmp.join("suite.log");
    let mut args = suite_options(job, template);
    args.extend(["--report-json".into(), report_path.display().to_string()]);
    if let Some(n) = job.test_threads {
        args.extend(["--test-threads".into(), n.to_string()]);
    }
    args.extend(job.suite_args.iter().cloned());
    let cmd = command_for(opts, job, &opts.suite, os(args), tmp);
    let counter = bar.clone();
    let on_line: LineHook = Box::new(move |line: &str| {
        if let Some(n) = line
            .strip_prefix("running ")
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse::<u64>().ok())
        {
            counter.set_length(n);
        } else if line.starts_with("test ") && line.contains(" ... ") {
            counter.inc(1);
        }
    });
    let mut r = match Running::spawn(cmd, &log, Some(on_line)) {
        Ok(r) => r,
        Err(e) => {
            observed.detail = format!("could not run the suite {}: {e}", opts.suite.display());
            return false;
        }
    };
    let st = r.wait_until(Instant::now() + job.time_limit, true);
    let timed_out = st.is_none() && !stopping();
    let interrupted = st.is_none() && stopping();
    let st = match st {
        Some(st) => Some(st),
        None => {
            bar.set_message("stopping");
            let target = suite_pid(&r, opts, &opts.suite);
            r.stop(target)
        }
    };
    r.finish();
    drop(r);
    sweep_orphans();
    match read_report(&report_path) {
        Ok(rep) => {
            // A Ctrl-C at the terminal reaches the suite itself (same
            // process group): its report says interrupted.
            observed.outcome = if interrupted || (rep.interrupted && stopping()) {
                Outcome::Interrupted
            } else if timed_out {
                Outcome::TimedOut
            } else if rep.launch_error.is_some() {
                Outcome::LaunchFailed
            } else if rep.interrupted {
                Outcome::Interrupted
            } else if rep.exit_status == 2 {
                Outcome::SuiteError
            } else {
                Outcome::Graded
            };
            if observed.outcome == Outcome::Interrupted {
                observed.detail =
                    "interrupted: the cases that finished are graded, the others count as not run"
                        .into();
            } else if timed_out {
                observed.detail = format!(
                    "stopped at its time limit of {:.0} s: the cases that finished are graded, the others count as not run",
                    job.time_limit.as_secs_f64()
                );
            } else if observed.outcome == Outcome::SuiteError {
                observed.detail = format!(
                    "the suite reported a problem of its own (exit 2)\n--- last lines of its output ---\n{}",
                    log_tail(&log, 30)
                );
            }
            observed.report = Some(rep);
        }
        Err(e) => {
            observed.outcome = if interrupted {
                Outcome::Interrupted
            } else if timed_out {
                Outcome::TimedOut
            } else {
                Outcome::NotGraded
            };
            observed.detail = format!(
                "the suite ended ({}) without a usable report: {e}\n--- last lines of its output ---\n{}",
                st.map_or_else(|| "stopped".into(), crate::target::describe_status),
                log_tail(&log, 30)
            );
        }
    }
    timed_out
}

/// Starts the server once more through `mftp-grade __probe` and reads what
/// it saw (the last JSON line of the probe's output), for the diagnosis.
fn probe(ctx: &Ctx<'_>, job: &Job, template: &str, tmp: &Path) -> Option<diagnosis::Probe> {
    let startup = job.startup_timeout.unwrap_or(10.0);
    let args = vec![
        "__probe".to_string(),
        "--server-cmd".into(),
        template.to_string(),
        "--startup-timeout".into(),
        startup.to_string(),
    ];
    let log = tmp.join("probe.log");
    let probe = run_bounded(
        ctx.opts,
        job,
        &ctx.opts.grader,
        os(args),
        tmp,
        &log,
        Duration::from_secs_f64(startup + 15.0),
    )
    .ok()
    .and_then(|_| std::fs::read_to_string(&log).ok())
    .and_then(|text| {
        text.lines()
            .rev()
            .find_map(|l| serde_json::from_str::<diagnosis::Probe>(l).ok())
    });
    sweep_orphans();
    probe
}
