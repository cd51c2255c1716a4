//! The runner: runs one case in a fresh context, then the checks every
//! case gets (nothing outside the root changed, the server still runs, the
//! snapshot matches), and turns a failure into the explanation a student
//! reads.

use crate::case::Case;
use crate::ctx::Ctx;
use crate::disk::{tree, tree_diff};
use crate::fail::{Fail, FailKind};
use crate::report::{CaseResult, Status};
use crate::snapshot;
use crate::spec;
use crate::target::describe_status;
use crate::transcript::{Event, render};
use std::time::Instant;

/// Runs one case to a result, never panicking.
#[must_use]
pub fn run_case(case: &Case) -> CaseResult {
    let started = Instant::now();
    let mut ctx = None;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut c = Ctx::new()?;
        let r = (case.run)(&mut c).and_then(|()| after_checks(case, &mut c));
        ctx = Some(c);
        r
    }));
    let outcome = outcome.unwrap_or_else(|p| Err(panicked(p.as_ref())));
    let outcome = outcome.map_err(|f| died(f, ctx.as_mut()));
    result(case, started, outcome, |f, clause| {
        explain(case, f, clause, ctx.as_mut())
    })
}

/// A panic inside a case, as the harness error it is.
pub(crate) fn panicked(p: &(dyn std::any::Any + Send)) -> Fail {
    let msg = p
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_string()))
        .unwrap_or_default();
    Fail::harness(format!("the case panicked: {msg}"))
}

/// The result of a case from its outcome: a failure is attributed to the
/// clause of its failing step (the case's own when the step names none),
/// and `explain(fail, clause)` writes its message.
pub(crate) fn result<X>(
    case: &Case<X>,
    started: Instant,
    outcome: Result<(), Fail>,
    explain: impl FnOnce(&Fail, &str) -> String,
) -> CaseResult {
    let (status, failed_clause, message) = match outcome {
        Ok(()) => (Status::Pass, None, None),
        Err(f) if f.kind == FailKind::Skip => (Status::Skip, None, Some(f.actual)),
        Err(f) => {
            let clause = if f.clause.is_empty() {
                case.id
            } else {
                f.clause
            };
            let status = if f.kind == FailKind::Harness {
                Status::Error
            } else {
                Status::Fail
            };
            (status, Some(clause.to_string()), Some(explain(&f, clause)))
        }
    };
    CaseResult {
        name: case.name(),
        id: case.id.into(),
        level: case.level(),
        section: case.section(),
        clauses: case.covers.iter().map(|c| c.0.to_string()).collect(),
        status,
        failed_clause,
        duration_ms: started.elapsed().as_millis(),
        message,
    }
}

/// A step that failed because the server process died is CONC-2's failure
/// (a server that one client's behaviour kills), not the failure of
/// whatever that step checked. A closed connection or a timeout may be
/// seen a moment before the exit: wait up to 0.5 s for it.
fn died(f: Fail, ctx: Option<&mut Ctx>) -> Fail {
    if !matches!(
        f.kind,
        FailKind::Closed | FailKind::Timeout | FailKind::Mismatch
    ) {
        return f;
    }
    let Some(ctx) = ctx else {
        return f;
    };
    let deadline = Instant::now() + std::time::Duration::from_millis(500);
    let status = loop {
        if let Some(status) = ctx.server_exit() {
            break Some(status);
        }
        if f.kind == FailKind::Mismatch || Instant::now() >= deadline {
            break None;
        }
        std::thread::sleep(crate::target::POLL);
    };
    match status {
        Some(status) if f.clause != "CONC-2" => Fail {
            clause: "CONC-2",
            expected: "the server keeps running whatever its clients do".into(),
            actual: format!(
                "the server process exited ({}) during the case; the step that noticed: {} — {}",
                describe_status(status),
                if f.step.is_empty() { "-" } else { &f.step },
                f.actual
            ),
            ..f
        },
        _ => f,
    }
}

/// Checks every case gets after passing: nothing outside the root changed,
/// the server is still running, the transcript matches its snapshot.
fn after_checks(case: &Case, ctx: &mut Ctx) -> Result<(), Fail> {
    if let Some(before) = ctx.outside_before() {
        let now = tree(&ctx.outside);
        if &now != before {
            return Err(Fail::mismatch(
                "SEC-1",
                "nothing outside the root is created, changed or removed",
                format!("outside the root: {}", tree_diff(before, &now)),
            )
            .at("checking the directory next to the root"));
        }
    }
    if let Some(status) = ctx.server_exit() {
        return Err(Fail::mismatch(
            "CONC-2",
            "the server keeps running whatever its clients do",
            format!(
                "the server process exited during the case ({})",
                describe_status(status)
            ),
        )
        .at("checking the server process after the case"));
    }
    if case.snapshot {
        snapshot::check(case, &render(&ctx.log.events(), true))?;
    }
    ctx.check_still_serving()
}

/// `s` with every line indented by four spaces.
pub(crate) fn indent(s: &str) -> String {
    s.lines().map(|l| format!("    {l}\n")).collect()
}

/// The head of a failure message: the clause and its text, the case, the
/// step, every acceptable outcome and what happened.
pub(crate) fn head<X>(case: &Case<X>, f: &Fail, clause: &str) -> String {
    use std::fmt::Write as _;
    let mut m = String::new();
    let kind = match f.kind {
        FailKind::Timeout => "TIMEOUT",
        FailKind::Closed => "CLOSED",
        FailKind::Harness => "HARNESS ERROR",
        FailKind::Mismatch | FailKind::Skip => "FAIL",
    };
    let _ = writeln!(m, "{kind} {clause}");
    if let Some(c) = spec::clause(clause) {
        let _ = writeln!(m, "clause:    {} {} — {}", c.id, c.level.as_str(), c.text);
    }
    if clause != case.id {
        let _ = writeln!(m, "case:      {}", case.name());
    }
    if !f.step.is_empty() {
        let _ = writeln!(m, "step:      {}", f.step);
    }
    if !f.expected.is_empty() {
        let _ = writeln!(m, "expected:  {}", f.expected);
    }
    let _ = writeln!(m, "actual:    {}", f.actual);
    m
}

/// The failure message: clause, expectation, reality, transcript, server.
fn explain(case: &Case, f: &Fail, clause: &str, ctx: Option<&mut Ctx>) -> String {
    use std::fmt::Write as _;
    let mut m = head(case, f, clause);
    if let Some(ctx) = ctx {
        let events = ctx.log.events();
        if !events.is_empty() {
            let _ = writeln!(
                m,
                "transcript up to the failure (raw):\n{}",
                indent(&render(&events, false))
            );
        }
        let notes = events.iter().any(|e| matches!(e, Event::Closed { .. }));
        if let Some(server) = ctx.running_server() {
            match server.exit_status() {
                Some(st) => {
                    let _ = writeln!(m, "server:    DIED ({})", describe_status(st));
                }
                None if notes || f.kind == FailKind::Timeout => {
                    let _ = writeln!(m, "server:    still running");
                }
                None => {}
            }
            let _ = writeln!(
                m,
                "server stderr (last lines):\n{}",
                indent(&server.stderr_tail(12))
            );
        }
    }
    m
}
