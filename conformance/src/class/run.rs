//! Grading the implementations: a bounded number at once, each by running
//! the `conformance` binary as a subprocess with `--report-json`, so that
//! a build failure, a crash, a hang or a flood of one implementation stays
//! in its own column and never stops the others.
//!
//! For one implementation ([`grade_one`]):
//!
//! 1. its workdir must exist;
//! 2. the setup command runs (time limit; a failure is "build failed");
//! 3. the suite runs against its launch template, the resource limits
//!    prefixed (`sandbox.rs`), inside the sandbox when asked, with a time
//!    limit: at the limit it is stopped like Ctrl-C and the cases that
//!    finished are graded;
//! 4. the failing cases (up to [`MAX_RERUN_CASES`]) are rerun `reruns`
//!    times (each time one run of the suite with every other case
//!    skipped): one that passes sometimes is flaky;
//! 5. when (nearly) every case stops at the same first step, the server
//!    is started once more and looked at (`diagnosis.rs`).
//!
//! The grader is a child subreaper: a server orphaned by a suite that was
//! killed is adopted by it and killed in the sweep after each
//! implementation.

use crate::class::diagnosis;
use crate::class::manifest::Job;
use crate::class::model::{self, ClauseRow, ImplResult, Observed, Outcome};
use crate::class::points::Scoring;
use crate::class::procfs;
use crate::class::sandbox::{self, Sandbox};
use crate::report::{Report, Status};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use rustix::process::Signal;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::io::{IsTerminal as _, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// At most this many failing cases of one implementation are rerun; the
/// others keep their first result (an implementation failing 60 cases is
/// not flaky, it is broken).
pub const MAX_RERUN_CASES: usize = 16;
/// How long a stopped suite gets to kill its servers and write its partial
/// report before it is killed.
const GRACE: Duration = Duration::from_secs(20);
/// Most of a subprocess's output kept in its log.
const LOG_CAP: usize = 8 << 20;
/// Largest JSON report read.
const REPORT_CAP: u64 = 256 << 20;

static STOP: AtomicBool = AtomicBool::new(false);

/// Asks every running grading to stop (Ctrl-C): suites are stopped like
/// at their time limit, nothing new starts.
pub fn request_stop() {
    STOP.store(true, Ordering::SeqCst);
}

/// Whether the grader is being interrupted.
#[must_use]
pub fn stopping() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// How to grade.
#[derive(Clone, Debug)]
pub struct Options {
    /// The `conformance` binary.
    pub suite: PathBuf,
    /// `mftp-grade` itself, for `__probe`.
    pub grader: PathBuf,
    pub parallel: usize,
    pub reruns: u32,
    pub sandbox: Option<Sandbox>,
    /// Draw progress bars (on a terminal).
    pub progress: bool,
    /// Where the runs' temp dirs go (`/dev/shm` when roomy, else the
    /// system's temp dir).
    pub tmp_base: Option<PathBuf>,
    /// Every trial of the suite (`--list`), for the reruns.
    pub case_names: Vec<String>,
}

/// Our direct children that are running, by pid: everything else that is
/// our child is an orphan we adopted.
static ACTIVE: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Becomes a child subreaper (see the module docs).
pub fn adopt_orphans() {
    let _ = rustix::process::set_child_subreaper(Some(rustix::process::getpid()));
}

/// Kills and reaps adopted orphans: children of the grader that it did not
/// start (their parents died).
pub fn sweep_orphans() {
    let me = rustix::process::getpid().as_raw_nonzero().get();
    let active = lock(&ACTIVE);
    let orphans: Vec<i32> = procfs::descendants(me)
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| !active.contains(p))
        .filter(|p| parent_of(*p) == Some(me))
        .collect();
    for p in &orphans {
        for (d, _) in procfs::descendants(*p) {
            procfs::signal(d, Signal::KILL);
        }
        for g in procfs::groups_of(&[*p]) {
            if g != me {
                procfs::signal_group(g, Signal::KILL);
            }
        }
        procfs::signal(*p, Signal::KILL);
        if let Some(pid) = rustix::process::Pid::from_raw(*p) {
            let _ = rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::empty());
        }
    }
}

fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let close = stat.rfind(')')?;
    stat.get(close + 2..)?.split(' ').nth(1)?.parse().ok()
}

/// Sees each line a subprocess prints (the progress bar counts cases).
type LineHook = Box<dyn Fn(&str) + Send>;

/// A spawned subprocess registered in [`ACTIVE`], its output (stdout and
/// stderr together) read by a thread into a log file.
struct Running {
    child: Child,
    pid: i32,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// Spawns `cmd` with stdout and stderr into one pipe; `on_line` sees
    /// each line (at most 64 KiB of it); the log keeps [`LOG_CAP`] bytes.
    fn spawn(mut cmd: Command, log: &Path, on_line: Option<LineHook>) -> std::io::Result<Running> {
        let (mut reader, writer) = std::io::pipe()?;
        cmd.stdout(writer.try_clone()?).stderr(writer);
        let mut file = std::fs::File::create(log)?;
        let child = {
            let mut active = lock(&ACTIVE);
            let child = cmd.spawn()?;
            let pid = i32::try_from(child.id()).unwrap_or(0);
            active.insert(pid);
            child
        };
        // The write ends must go, or the reader never sees the end.
        drop(cmd);
        let pid = i32::try_from(child.id()).unwrap_or(0);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            let mut line: Vec<u8> = Vec::new();
            let mut written = 0usize;
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                if written < LOG_CAP {
                    let take = n.min(LOG_CAP - written);
                    let _ = file.write_all(&buf[..take]);
                    written += take;
                }
                for &b in &buf[..n] {
                    if b == b'\n' {
                        if let Some(f) = &on_line {
                            f(&String::from_utf8_lossy(&line));
                        }
                        line.clear();
                    } else if line.len() < 64 * 1024 {
                        line.push(b);
                    }
                }
            }
        });
        Ok(Running {
            child,
            pid,
            reader: Some(reader),
        })
    }

    /// Waits for the exit until `deadline` or a stop request; returns the
    /// status, or `None` (still running).
    fn wait_until(&mut self, deadline: Instant, honour_stop: bool) -> Option<ExitStatus> {
        loop {
            if let Ok(Some(st)) = self.child.try_wait() {
                return Some(st);
            }
            if Instant::now() >= deadline || (honour_stop && stopping()) {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops it: SIGTERM to `target` (the suite, which then kills its
    /// servers and writes a partial report), then after [`GRACE`] SIGKILL
    /// to everything below and to it.
    fn stop(&mut self, target: Option<i32>) -> Option<ExitStatus> {
        procfs::signal(target.unwrap_or(self.pid), Signal::TERM);
        if let Some(st) = self.wait_until(Instant::now() + GRACE, false) {
            return Some(st);
        }
        self.kill();
        None
    }

    fn kill(&mut self) {
        let below = procfs::descendants(self.pid);
        let pids: Vec<i32> = below.iter().map(|(p, _)| *p).collect();
        for g in procfs::groups_of(&pids) {
            if g != rustix::process::getpgrp().as_raw_nonzero().get() {
                procfs::signal_group(g, Signal::KILL);
            }
        }
        for p in pids {
            procfs::signal(p, Signal::KILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Reaps it and lets the reader finish (bounded: a process that kept
    /// the pipe open is not waited for).
    fn finish(&mut self) {
        let _ = self.child.wait();
        if let Some(r) = self.reader.take() {
            let deadline = Instant::now() + Duration::from_secs(2);
            while !r.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if r.is_finished() {
                let _ = r.join();
            }
        }
        lock(&ACTIVE).remove(&self.pid);
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.kill();
        }
        self.finish();
    }
}

/// Everything one grading needs besides the job.
struct Ctx<'a> {
    opts: &'a Options,
    rows: &'a [ClauseRow],
    scoring: &'a Scoring,
}

/// `program args` for `job`: in its workdir, sandboxed when asked, with
/// TMPDIR in the run's temp dir and the suite's environment options
/// removed.
fn command_for(
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
fn suite_options(job: &Job, template: &str) -> Vec<String> {
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
fn read_report(path: &Path) -> Result<Report, String> {
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
fn log_tail(path: &Path, n: usize) -> String {
    crate::target::tail(path, n)
}

/// Runs one suite process to a report (a rerun, or the probe's output).
/// Returns its status (None: stopped at the limit) and the log path.
fn run_bounded(
    opts: &Options,
    job: &Job,
    program: &Path,
    args: Vec<OsString>,
    tmp: &Path,
    log: &Path,
    limit: Duration,
) -> Result<Option<ExitStatus>, String> {
    let cmd = command_for(opts, job, program, args, tmp);
    let mut r = Running::spawn(cmd, log, None)
        .map_err(|e| format!("could not run {}: {e}", program.display()))?;
    let st = r.wait_until(Instant::now() + limit, true);
    let st = match st {
        Some(st) => Some(st),
        None => {
            let target = suite_pid(&r, opts, program);
            r.stop(target)
        }
    };
    r.finish();
    Ok(st)
}

/// The pid of `program` itself: the child, or inside the sandbox a
/// descendant of `bwrap` with its name.
fn suite_pid(r: &Running, opts: &Options, program: &Path) -> Option<i32> {
    if opts.sandbox.is_none() {
        return Some(r.pid);
    }
    let name: String = program
        .file_name()?
        .to_string_lossy()
        .chars()
        .take(15)
        .collect();
    procfs::descendants(r.pid)
        .into_iter()
        .find(|(_, comm)| *comm == name)
        .map(|(p, _)| p)
}

fn os(v: Vec<String>) -> Vec<OsString> {
    v.into_iter().map(OsString::from).collect()
}

/// Grades one implementation; never panics on what the implementation or
/// the suite does.
#[allow(clippy::too_many_lines)]
fn grade_one(ctx: &Ctx<'_>, job: &Job, bar: &ProgressBar) -> ImplResult {
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
    if stopping() {
        observed.outcome = Outcome::Interrupted;
        observed.detail = "the grader was interrupted before this implementation".into();
        return finish(observed);
    }
    if job.command.contains("{reference-server}") {
        observed.detail =
            "`{reference-server}`: the workspace's reference server could not be found or built"
                .into();
        return finish(observed);
    }
    if !job.workdir.is_dir() {
        observed.detail = format!("its workdir {} does not exist", job.workdir.display());
        return finish(observed);
    }
    let prefix = format!("mftp-grade-{}-", crate::case::slug(&job.name));
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    let tmp = match &opts.tmp_base {
        Some(base) => builder.tempdir_in(base),
        None => builder.tempdir(),
    };
    let tmp = match tmp {
        Ok(t) => t,
        Err(e) => {
            observed.detail = format!("no temp dir: {e}");
            return finish(observed);
        }
    };
    let tmp_path = tmp.path().to_path_buf();
    if let Err(e) = std::fs::create_dir(tmp_path.join("cases")) {
        observed.detail = format!("no temp dir: {e}");
        return finish(observed);
    }

    // Setup.
    if let Some(setup) = &job.setup {
        bar.set_message("setup");
        let log = tmp_path.join("setup.log");
        let cmd = command_for(
            opts,
            job,
            Path::new("/bin/sh"),
            os(vec!["-c".into(), setup.clone()]),
            &tmp_path,
        );
        let mut r = match Running::spawn(cmd, &log, None) {
            Ok(r) => r,
            Err(e) => {
                observed.outcome = Outcome::BuildFailed;
                observed.detail = format!("the setup command could not be run: {e}");
                return finish(observed);
            }
        };
        let st = r.wait_until(Instant::now() + job.setup_time_limit, true);
        let st = match st {
            Some(st) => Some(st),
            None => r.stop(None),
        };
        r.finish();
        drop(r);
        sweep_orphans();
        let failed = match st {
            Some(st) if st.success() => None,
            Some(st) => Some(format!(
                "the setup command `{setup}` failed ({})",
                crate::target::describe_status(st)
            )),
            None if stopping() => Some("interrupted during the setup".into()),
            None => Some(format!(
                "the setup command `{setup}` did not finish within {:.0} s",
                job.setup_time_limit.as_secs_f64()
            )),
        };
        if let Some(why) = failed {
            observed.outcome = if stopping() {
                Outcome::Interrupted
            } else {
                Outcome::BuildFailed
            };
            observed.detail = format!(
                "{why}\n--- last lines of its output ---\n{}",
                log_tail(&log, 30)
            );
            return finish(observed);
        }
    }

    // The suite.
    bar.set_message("grading");
    let report_path = tmp_path.join("report.json");
    let log = tmp_path.join("suite.log");
    let mut args = suite_options(job, &template);
    args.extend(["--report-json".into(), report_path.display().to_string()]);
    if let Some(n) = job.test_threads {
        args.extend(["--test-threads".into(), n.to_string()]);
    }
    args.extend(job.suite_args.iter().cloned());
    let cmd = command_for(opts, job, &opts.suite, os(args), &tmp_path);
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
            return finish(observed);
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
    let report = read_report(&report_path);
    match report {
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

    // First contact, then reruns (pointless when every case stops at the
    // same first step).
    let contact = observed.report.as_ref().and_then(diagnosis::detect);
    if let Some(contact) = &contact
        && !stopping()
    {
        bar.set_message("diagnosing");
        let startup = job.startup_timeout.unwrap_or(10.0);
        let args = vec![
            "__probe".to_string(),
            "--server-cmd".into(),
            template.clone(),
            "--startup-timeout".into(),
            startup.to_string(),
        ];
        let log = tmp_path.join("probe.log");
        let probe = run_bounded(
            opts,
            job,
            &opts.grader,
            os(args),
            &tmp_path,
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
            observed.reruns = rerun(ctx, job, &template, &failing, &tmp_path, bar);
        }
    }
    drop(tmp);
    finish(observed)
}

/// Reruns `cases` `reruns` times: case → (passes, reruns). Each round is
/// one run of the suite with every other case skipped (`--exact --skip`
/// for each name of `--list`), so the cases of a round run side by side;
/// the rounds run at the same time too (a failing case often waits for a
/// step timeout, and each round would wait again).
fn rerun(
    ctx: &Ctx<'_>,
    job: &Job,
    template: &str,
    cases: &[String],
    tmp: &Path,
    bar: &ProgressBar,
) -> BTreeMap<String, (u32, u32)> {
    let wanted: BTreeSet<&str> = cases.iter().map(String::as_str).collect();
    bar.set_length(bar.length().unwrap_or(0) + u64::from(ctx.opts.reruns) * cases.len() as u64);
    let passed_in_rounds: Vec<BTreeSet<String>> = std::thread::scope(|s| {
        let rounds: Vec<_> = (0..ctx.opts.reruns)
            .map(|n| {
                let wanted = &wanted;
                s.spawn(move || {
                    if stopping() {
                        return None;
                    }
                    let report = tmp.join(format!("rerun-{n}.json"));
                    let log = tmp.join(format!("rerun-{n}.log"));
                    let mut args = suite_options(job, template);
                    args.extend([
                        "--report-json".into(),
                        report.display().to_string(),
                        "--include-ignored".into(),
                        "--exact".into(),
                        "-q".into(),
                    ]);
                    for name in ctx
                        .opts
                        .case_names
                        .iter()
                        .filter(|c| !wanted.contains(c.as_str()))
                    {
                        args.extend(["--skip".into(), name.clone()]);
                    }
                    let ran = run_bounded(
                        ctx.opts,
                        job,
                        &ctx.opts.suite,
                        os(args),
                        tmp,
                        &log,
                        job.time_limit,
                    );
                    let passed: BTreeSet<String> = match (ran, read_report(&report)) {
                        (Ok(_), Ok(r)) => r
                            .cases
                            .into_iter()
                            .filter(|c| c.status == Status::Pass)
                            .map(|c| c.name)
                            .collect(),
                        _ => BTreeSet::new(),
                    };
                    bar.inc(cases.len() as u64);
                    Some(passed)
                })
            })
            .collect();
        rounds
            .into_iter()
            .filter_map(|h| h.join().ok().flatten())
            .collect()
    });
    let mut out: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for passed in &passed_in_rounds {
        for c in cases {
            let e = out.entry(c.clone()).or_insert((0, 0));
            e.1 += 1;
            if passed.contains(c) {
                e.0 += 1;
            }
        }
    }
    sweep_orphans();
    out
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

/// Grades every job, `opts.parallel` at a time, in any order; returns the
/// columns in job order.
#[must_use]
pub fn grade_all(
    jobs: &[Job],
    opts: &Options,
    rows: &[ClauseRow],
    scoring: &Scoring,
) -> Vec<ImplResult> {
    let draw = opts.progress && std::io::stderr().is_terminal();
    let mp = MultiProgress::with_draw_target(if draw {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    });
    let total = mp.add(ProgressBar::new(jobs.len() as u64));
    total.set_style(
        ProgressStyle::with_template(
            "{prefix:>16.bold} [{bar:30.green/white}] {pos}/{len} implementations, {elapsed}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    total.set_prefix("class");
    let say = |line: String| {
        if draw {
            let _ = mp.println(line);
        } else {
            eprintln!("{line}");
        }
    };
    let ctx = Ctx {
        opts,
        rows,
        scoring,
    };
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Arc<Mutex<Vec<ImplResult>>> = Arc::new(Mutex::new(Vec::new()));
    std::thread::scope(|s| {
        for _ in 0..opts.parallel.max(1).min(jobs.len().max(1)) {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::SeqCst);
                    let Some(job) = jobs.get(k) else {
                        break;
                    };
                    let bar =
                        mp.insert_before(&total, ProgressBar::new(opts.case_names.len() as u64));
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{prefix:>16} [{bar:30.cyan/blue}] {pos}/{len} cases, {msg}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                    );
                    bar.set_prefix(job.name.chars().take(16).collect::<String>());
                    let r = grade_one(&ctx, job, &bar);
                    bar.finish_and_clear();
                    mp.remove(&bar);
                    let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                    say(format!(
                        "[{n}/{}] {:<20} {:>7.2}/{:<7.2} ({:5.1}%)  {}  {:.1} s",
                        jobs.len(),
                        job.name,
                        r.score,
                        r.max_score,
                        r.percent,
                        if r.outcome == Outcome::Graded {
                            r.verdict.clone()
                        } else {
                            r.outcome.label().to_string()
                        },
                        r.duration_s
                    ));
                    total.inc(1);
                    lock(&results).push(r);
                }
            });
        }
    });
    total.finish_and_clear();
    sweep_orphans();
    let mut out = std::mem::take(&mut *lock(&results));
    out.sort_by_key(|r| r.index);
    out
}
