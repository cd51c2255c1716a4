//! The reruns of an implementation's failing cases, to tell a flaky case
//! (passes sometimes) from a failing one.

use super::process::run_bounded;
use super::suite::{os, read_report, suite_options};
use super::{Ctx, stopping, sweep_orphans};
use crate::class::manifest::Job;
use crate::report::Status;
use indicatif::ProgressBar;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Reruns `cases` `reruns` times: case → (passes, reruns). Each round is
/// one run of the suite with every other case skipped (`--exact --skip`
/// for each name of `--list`), so the cases of a round run side by side;
/// the rounds run at the same time too (a failing case often waits for a
/// step timeout, and each round would wait again).
pub(super) fn rerun(
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
