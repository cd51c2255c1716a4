//! The client suite: grades any mftp/1 client against the `CLIENT-n`
//! clauses of spec.md section 17, as the rest of the crate grades servers,
//! with the same cases, attribution, result model, reports and exit
//! statuses (`cargo test -p conformance -- --client PATH`).
//!
//! Each case plays a scripted server — a listener on 127.0.0.1:0 that
//! answers the client's command lines as the case says: replies split or
//! held back, error codes, `150` followed by data in odd pieces, a close in
//! the middle of a download, a large file, names with spaces and UTF-8 —
//! and starts the client under test by the launch contract (section 17.1):
//! `CLIENT --host 127.0.0.1 --port P` in a working directory of its own,
//! its commands on standard input. Then it checks the bytes the client
//! sent, the files it left in its working directory, its output where a
//! clause says what that contains, and its exit status, within bounds.
//!
//! # Layout
//! - [`launch`]: the client's command line, started with `target.rs`'s
//!   process machinery (own process group, Ctrl-C registry, reaped on drop).
//! - [`stage`]: the scripted server: the listener, and one connection seen
//!   from the server's side ([`stage::Peer`]) that sends [`stage::Out`] in
//!   [`stage::Pieces`] and judges what the client sends.
//! - [`ctx`]: a client case's context: temp dir, working directory, runs of
//!   the client, checks of exit status, output and working directory.
//! - [`runner`]: runs one case, explains a failure (two-sided transcript,
//!   the client's input, exit, output and working directory).
//! - [`cases`]: the cases, one module per area of section 17.
//! - [`interop`]: every listed client against every listed server through
//!   a fixed script of real transfers, as a grid (`mftp-interop`).

use crate::case::Case;

pub mod cases;
pub mod ctx;
pub mod interop;
pub mod launch;
pub mod runner;
pub mod stage;

pub use runner::run_case;

/// A client case: a [`Case`] run in a [`ctx::Ctx`].
pub type ClientCase = Case<ctx::Ctx>;

/// Every client case.
#[must_use]
pub fn all() -> &'static [ClientCase] {
    cases::all()
}

/// Starts the client once with `connme` on its input, so that a client that
/// cannot be started at all is reported once, clearly, with exit status 2.
///
/// # Errors
/// It exits or never connects; the message says what it did.
pub fn smoke() -> Result<(), String> {
    let mut ctx = ctx::Ctx::new().map_err(|f| f.actual)?;
    ctx.launch("connme\n").map_err(|f| f.actual)?;
    let why = match ctx.arrival().map_err(|f| f.actual)? {
        stage::Arrival::Connected(_) => return Ok(()),
        stage::Arrival::Exited(status) => format!(
            "the client exited ({}) without connecting when it ran `connme`",
            crate::target::describe_status(status)
        ),
        stage::Arrival::TimedOut => {
            "the client did not connect within the start-up timeout when it ran `connme`".into()
        }
    };
    Err(format!(
        "{why}\n{}\nA --client-cmd runs in the case's working directory (a fresh temp dir): \
         give the paths in it as absolute paths, e.g. --client-cmd \"python3 $PWD/client.py --host {{host}} --port {{port}}\".",
        ctx.describe().trim_end()
    ))
}
