//! Runs one client case in a fresh context and explains a failure: the
//! clause, every acceptable outcome, what happened, the two-sided
//! transcript, and the client's input, exit, output and working directory.
//! The result model is the server suite's (`report::CaseResult`), and so
//! are the attribution and the head of the message (`runner.rs`).

use super::ClientCase;
use super::ctx::Ctx;
use crate::fail::Fail;
use crate::report::CaseResult;
use crate::runner::{head, indent, panicked, result};
use crate::transcript::render;
use std::time::Instant;

/// Runs one client case to a result, never panicking.
#[must_use]
pub fn run_case(case: &ClientCase) -> CaseResult {
    let started = Instant::now();
    let mut ctx = None;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut c = Ctx::new()?;
        let r = (case.run)(&mut c);
        ctx = Some(c);
        r
    }));
    let outcome = outcome.unwrap_or_else(|p| Err(panicked(p.as_ref())));
    result(case, started, outcome, |f, clause| {
        explain(case, f, clause, ctx.as_mut())
    })
}

/// The failure message.
fn explain(case: &ClientCase, f: &Fail, clause: &str, ctx: Option<&mut Ctx>) -> String {
    use std::fmt::Write as _;
    let mut m = head(case, f, clause);
    if let Some(ctx) = ctx {
        let events = ctx.log.events();
        if !events.is_empty() {
            let _ = writeln!(
                m,
                "transcript up to the failure (raw; C: the client, S: the suite's scripted server):\n{}",
                indent(&render(&events, false))
            );
        }
        m.push_str(&ctx.describe());
    }
    let mut m = m.trim_end().to_string();
    m.push('\n');
    m
}
