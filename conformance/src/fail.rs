//! How a case fails (or skips): which clause, what was expected, what
//! happened. The runner adds the clause text, the transcript and the
//! server's state before showing it.

use crate::transcript::escape;

/// Kinds of non-pass outcomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailKind {
    /// The server answered, but wrongly.
    Mismatch,
    /// Nothing (complete) arrived within the step timeout.
    Timeout,
    /// The server closed the connection (or stopped reading) unexpectedly.
    Closed,
    /// The case cannot run against this server (e.g. an option it refuses).
    Skip,
    /// The suite itself failed (fixture, snapshot missing, bug).
    Harness,
}

/// A failed step.
#[derive(Clone, Debug)]
pub struct Fail {
    pub kind: FailKind,
    /// The clause the failed expectation comes from ("" = the case's own).
    pub clause: &'static str,
    /// What the suite was doing (usually the last command sent).
    pub step: String,
    /// Every acceptable outcome.
    pub expected: String,
    pub actual: String,
}

impl Fail {
    /// A failure of `kind` at `step`.
    pub fn new(
        kind: FailKind,
        clause: &'static str,
        step: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Fail {
        Fail {
            kind,
            clause,
            step: step.into(),
            expected: expected.into(),
            actual: actual.into(),
        }
    }

    /// A wrong answer from the server.
    pub fn mismatch(
        clause: &'static str,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Fail {
        Fail::new(FailKind::Mismatch, clause, "", expected, actual)
    }

    /// The suite could not do its part.
    pub fn harness(what: impl Into<String>) -> Fail {
        Fail::new(FailKind::Harness, "", "", "", what)
    }

    /// The case does not apply to this server.
    pub fn skip(why: impl Into<String>) -> Fail {
        Fail::new(FailKind::Skip, "", "", "", why)
    }

    /// Names the step (when it was not a single command).
    #[must_use]
    pub fn at(mut self, step: impl Into<String>) -> Fail {
        self.step = step.into();
        self
    }
}

/// Fails with a mismatch unless `cond` holds.
///
/// # Errors
/// `cond` is false.
pub fn ensure(
    cond: bool,
    clause: &'static str,
    expected: impl Into<String>,
    actual: impl Into<String>,
) -> Result<(), Fail> {
    if cond {
        Ok(())
    } else {
        Err(Fail::mismatch(clause, expected, actual))
    }
}

/// Both sides of a byte comparison around its first difference, for a
/// message: `at offset N: "…"`, from up to 8 bytes before it (not before
/// the start of `got`) to 8 after. `got` holds the bytes from offset `at`
/// of `want`, and differs first at `got[i]`.
#[must_use]
pub fn around_difference(want: &[u8], at: usize, got: &[u8], i: usize) -> (String, String) {
    let from = i.saturating_sub(8);
    (
        format!(
            "at offset {}: {:?}",
            at + i,
            escape(&want[at + from..(at + i + 8).min(want.len())])
        ),
        format!(
            "at offset {}: {:?}",
            at + i,
            escape(&got[from..(i + 8).min(got.len())])
        ),
    )
}

/// The text of a data transfer that stopped coming: `pos` bytes arrived,
/// then nothing for one step.
#[must_use]
pub fn stalled_after(pos: usize, step: std::time::Duration) -> String {
    format!(
        "TIMEOUT: only {pos} arrived, then nothing for {:.1} s",
        step.as_secs_f64()
    )
}
