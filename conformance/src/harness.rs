//! The test-harness entry point: options, server resolution, a smoke
//! launch, the trials, the summary, the reports and the exit status.

use crate::case;
use crate::cases;
use crate::ctx::{Ctx, OPTIONS};
use crate::options::{self, Options, ServerSpec};
use crate::reference;
use crate::report;
use crate::report::{CaseResult, Status};
use crate::runner;
use crate::target::{self, Server};
use crate::trace;
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

static RESULTS: Mutex<Vec<CaseResult>> = Mutex::new(Vec::new());
static CHECKS: Mutex<Vec<CaseResult>> = Mutex::new(Vec::new());

/// Default parallelism: cases mostly wait on sockets, so more threads than
/// cores pay off.
const DEFAULT_THREADS: usize = 8;

/// Runs the suite with the process's arguments and exits with 0, 1 or 2.
pub fn main() -> ! {
    let started = Instant::now();
    let mut argv = std::env::args();
    let argv0 = argv.next().unwrap_or_else(|| "grade".into());
    let (mut opts, rest) = match options::parse(argv.collect()) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("conformance: {e}\n\n{}", options::USAGE);
            std::process::exit(2);
        }
    };
    let mut args = Arguments::from_iter(std::iter::once(argv0).chain(rest));
    if args.test_threads.is_none() {
        args.test_threads = Some(DEFAULT_THREADS);
    }

    // With --client/--client-cmd the run grades a client (the client
    // suite, `client/`); otherwise a server, as ever.
    let trials = if opts.client.is_some() {
        make_trials(crate::client::all(), crate::client::run_case)
    } else {
        make_trials(cases::all(), runner::run_case)
    };
    if args.list {
        let _ = libtest_mimic::run(&args, trials);
        if target::stopping() {
            // The Ctrl-C handler is writing the report and will exit; give it
            // time, bounded.
            std::thread::sleep(std::time::Duration::from_secs(30));
            std::process::exit(2);
        }
        std::process::exit(0);
    }
    let needs_target = trials
        .iter()
        .any(|t| !args.is_filtered_out(t) && !t.name().starts_with("TRACE"));
    let needs_server = needs_target && opts.client.is_none();

    if opts.server.is_none() && opts.client.is_none() {
        // The workspace's reference server, built with cargo first when the
        // suite runs under cargo (a no-op when it is up to date, and never a
        // stale binary), else found next to the test binary.
        match reference::reference_server_binary() {
            Ok(p) => opts.server = Some(ServerSpec::Path(p)),
            Err(e) if needs_server => {
                finish_early(&opts, started, format!("no --server given and {e}"))
            }
            Err(_) => {}
        }
    }
    let server_desc = opts.graded();
    let _ = OPTIONS.set(opts.clone());

    let report_opts = opts.clone();
    let desc = server_desc.clone();
    let _ = ctrlc::set_handler(move || {
        // Freeze the results first: cases cut short by the kill below must
        // not be reported as failures of the server.
        let done = std::mem::take(&mut *RESULTS.lock().unwrap_or_else(PoisonError::into_inner));
        target::kill_all();
        eprintln!("\nconformance: interrupted; every server started by the suite was killed");
        *RESULTS.lock().unwrap_or_else(PoisonError::into_inner) = done;
        let r = finish(&report_opts, &desc, started, None, true);
        target::kill_all();
        std::process::exit(r);
    });

    if needs_server && let Err(e) = smoke(&opts) {
        finish_early(&opts, started, e);
    }
    if needs_target
        && opts.client.is_some()
        && let Err(e) = crate::client::smoke()
    {
        finish_early(&opts, started, e);
    }

    let _ = libtest_mimic::run(&args, trials);
    if target::stopping() {
        // The Ctrl-C handler is writing the report and will exit; give it
        // time, bounded.
        std::thread::sleep(std::time::Duration::from_secs(30));
        std::process::exit(2);
    }
    let code = finish(&opts, &server_desc, started, None, false);
    std::process::exit(code);
}

/// One trial per case (run by `run`, a server's or a client's runner),
/// then the suite's self-checks.
fn make_trials<X>(
    all: &'static [case::Case<X>],
    run: fn(&case::Case<X>) -> CaseResult,
) -> Vec<Trial> {
    // Slow cases first, so that they do not finish last.
    let mut order: Vec<usize> = (0..all.len()).collect();
    order.sort_by_key(|&i| !all[i].slow);
    let mut trials: Vec<Trial> = order
        .into_iter()
        .map(|i| {
            let c = &all[i];
            Trial::ignorable_test(c.name(), move || {
                let r = run(&all[i]);
                let out = match r.status {
                    Status::Pass => Ok(Completion::Completed),
                    Status::Skip => Ok(Completion::ignored_with(format!(
                        "SKIP: {}",
                        r.message.clone().unwrap_or_default()
                    ))),
                    Status::Fail | Status::Error => {
                        Err(Failed::from(r.message.clone().unwrap_or_default()))
                    }
                };
                if !target::stopping() {
                    RESULTS
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(r);
                }
                out
            })
            .with_kind(c.level().as_str())
            .with_ignored_flag(c.heavy)
        })
        .collect();
    for check in trace::checks() {
        let name = check.name;
        trials.push(Trial::test(name, move || {
            let r = (check.run)();
            let result = CaseResult {
                name: name.into(),
                id: "TRACE".into(),
                level: crate::spec::Level::Must,
                section: "suite self-checks".into(),
                clauses: Vec::new(),
                status: if r.is_ok() {
                    Status::Pass
                } else {
                    Status::Fail
                },
                failed_clause: None,
                duration_ms: 0,
                message: r.clone().err(),
            };
            CHECKS
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(result);
            r.map_err(Failed::from)
        }));
    }
    trials
}

/// Starts the server once on the standard fixture, so that a server that
/// cannot start at all is reported once, clearly, with exit status 2.
fn smoke(opts: &Options) -> Result<(), String> {
    let ctx = Ctx::new().map_err(|f| f.actual)?;
    let spec = opts.server.as_ref().ok_or("no server")?;
    let server = Server::start(
        spec,
        &opts.base_dir,
        &ctx.root,
        ctx.dir.path(),
        &[],
        opts.startup_timeout,
    )
    .map_err(|e| format!("{}\ncommand: {}", e, describe_command(spec)))?;
    drop(server);
    Ok(())
}

fn describe_command(spec: &ServerSpec) -> String {
    match spec {
        ServerSpec::Path(p) => format!("{} --root DIR --port PORT", p.display()),
        ServerSpec::Template(t) => t.clone(),
    }
}

fn finish_early(opts: &Options, started: Instant, error: String) -> ! {
    let code = finish(opts, &opts.graded(), started, Some(error), false);
    std::process::exit(code);
}

/// Builds, prints and writes the report; returns the exit status.
fn finish(
    opts: &Options,
    server: &str,
    started: Instant,
    launch_error: Option<String>,
    interrupted: bool,
) -> i32 {
    let cases = std::mem::take(&mut *RESULTS.lock().unwrap_or_else(PoisonError::into_inner));
    let checks = std::mem::take(&mut *CHECKS.lock().unwrap_or_else(PoisonError::into_inner));
    let mut r = report::build_for(
        opts.role(),
        server.into(),
        cases,
        checks,
        started.elapsed(),
        launch_error,
        interrupted,
    );
    r.cases.sort_by(|a, b| a.name.cmp(&b.name));
    print!("{}", report::summary(&r));
    let mut code = r.exit_status;
    if let Some(p) = &opts.report_json {
        match report::write_json(&r, p) {
            Ok(()) => println!("JSON report: {}", p.display()),
            Err(e) => {
                eprintln!("conformance: could not write {}: {e:#}", p.display());
                code = 2;
            }
        }
    }
    if let Some(p) = &opts.junit {
        match report::write_junit(&r, p) {
            Ok(()) => println!("JUnit report: {}", p.display()),
            Err(e) => {
                eprintln!("conformance: could not write {}: {e:#}", p.display());
                code = 2;
            }
        }
    }
    code
}
