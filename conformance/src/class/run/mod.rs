//! Grading the implementations: a bounded number at once, each by running
//! the `conformance` binary as a subprocess with `--report-json`, so that
//! a build failure, a crash, a hang or a flood of one implementation stays
//! in its own column and never stops the others.
//!
//! For one implementation (`one.rs`):
//!
//! 1. its workdir must exist;
//! 2. the setup command runs (time limit; a failure is "build failed");
//! 3. the suite runs against its launch template, the resource limits
//!    prefixed (`sandbox.rs`), inside the sandbox when asked, with a time
//!    limit: at the limit it is stopped like Ctrl-C and the cases that
//!    finished are graded;
//! 4. the failing cases (up to [`MAX_RERUN_CASES`]) are rerun `reruns`
//!    times (each time one run of the suite with every other case
//!    skipped, `rerun.rs`): one that passes sometimes is flaky;
//! 5. when (nearly) every case stops at the same first step, the server
//!    is started once more and looked at (`diagnosis.rs`).
//!
//! The grader is a child subreaper: a server orphaned by a suite that was
//! killed is adopted by it and killed in the sweep after each
//! implementation.
//!
//! # Layout
//! - this file: the options, the stop request, and [`grade_all`], which
//!   hands the jobs to a bounded number of threads and draws the progress;
//! - `one.rs`: one implementation, step by step as above;
//! - `rerun.rs`: the reruns of its failing cases;
//! - `suite.rs`: the suite's command line for a job, its report, the line
//!   that reruns a case, the suite's list of cases;
//! - `process.rs`: the subprocesses (output into a log, deadlines, stop,
//!   kill) and the orphans the grader adopts.

mod one;
mod process;
mod rerun;
mod suite;

use crate::class::manifest::Job;
use crate::class::model::{ClauseRow, ImplResult, Outcome};
use crate::class::points::Scoring;
use crate::class::sandbox::Sandbox;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub use process::{adopt_orphans, sweep_orphans};
pub use suite::{list_cases, rerun_line};

/// At most this many failing cases of one implementation are rerun; the
/// others keep their first result (an implementation failing 60 cases is
/// not flaky, it is broken).
pub const MAX_RERUN_CASES: usize = 16;

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

/// Everything one grading needs besides the job.
struct Ctx<'a> {
    opts: &'a Options,
    rows: &'a [ClauseRow],
    scoring: &'a Scoring,
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
                    let r = one::grade_one(&ctx, job, &bar);
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
                    process::lock(&results).push(r);
                }
            });
        }
    });
    total.finish_and_clear();
    sweep_orphans();
    let mut out = std::mem::take(&mut *process::lock(&results));
    out.sort_by_key(|r| r.index);
    out
}
