//! A conformance case: the clauses it checks, how it is scheduled and
//! snapshotted, and the function that runs it. The context it runs in is
//! in `ctx.rs`, the runner in `runner.rs`; a client case (`Case<client::Ctx>`)
//! runs in `client/ctx.rs`, by `client/runner.rs`.

use crate::ctx::Ctx;
use crate::fail::Fail;
use crate::spec::{self, Level};

/// One conformance case, run in a context of type `X`: a server case in a
/// [`Ctx`] (the default), a client case in a `client::Ctx`.
///
/// Built with [`Case::new`], which needs the function that runs it: there
/// is no default and no case without a body. The modifiers are `const`, so
/// a case list reads as a table:
///
/// ```text
/// Case::new("SIZE-2", "megabytes are exact for …", &[("SIZE-2", "340bed96425e")], huge)
///     .no_snapshot()
///     .slow(),
/// ```
pub struct Case<X: 'static = Ctx> {
    /// The primary clause: the case's name starts with it.
    pub id: &'static str,
    /// Set only when the case checks a SHOULD inside a MUST clause.
    pub level: Option<Level>,
    pub title: &'static str,
    /// Every clause the case checks, with the hash of the clause text the
    /// case was written against (see `spec::Clause::hash`).
    pub covers: &'static [(&'static str, &'static str)],
    /// Compare the normalized transcript with an accepted snapshot.
    pub snapshot: bool,
    /// Long-running: scheduled first.
    pub slow: bool,
    /// Too slow for every run (seconds of transfer): runs only when asked,
    /// with the harness's `--include-ignored` (or `--ignored`).
    pub heavy: bool,
    pub run: fn(&mut X) -> Result<(), Fail>,
}

impl<X> Case<X> {
    /// A case of the primary clause's level, snapshotted, not slow.
    #[must_use]
    pub const fn new(
        id: &'static str,
        title: &'static str,
        covers: &'static [(&'static str, &'static str)],
        run: fn(&mut X) -> Result<(), Fail>,
    ) -> Case<X> {
        Case {
            id,
            level: None,
            title,
            covers,
            snapshot: true,
            slow: false,
            heavy: false,
            run,
        }
    }

    /// Its transcript may differ between correct servers (races, timing,
    /// server-chosen limits): not compared with a snapshot.
    #[must_use]
    pub const fn no_snapshot(mut self) -> Case<X> {
        self.snapshot = false;
        self
    }

    /// Long-running: scheduled first, so that it does not finish last.
    #[must_use]
    pub const fn slow(mut self) -> Case<X> {
        self.slow = true;
        self
    }

    /// Runs only with `--include-ignored`: seconds of transfer that every
    /// run need not pay. Implies [`Case::slow`].
    #[must_use]
    pub const fn heavy(mut self) -> Case<X> {
        self.heavy = true;
        self.slow = true;
        self
    }

    /// Checks a requirement of another level than its primary clause's
    /// (a SHOULD inside a MUST clause, such as FRAME-6's "no CR").
    #[must_use]
    pub const fn with_level(mut self, level: Level) -> Case<X> {
        self.level = Some(level);
        self
    }

    /// The level: the override, else the primary clause's.
    #[must_use]
    pub fn level(&self) -> Level {
        self.level
            .or_else(|| spec::clause(self.id).map(|c| c.level))
            .unwrap_or(Level::Must)
    }

    /// `UPLOAD-5 MUST upload never replaces an existing file`.
    #[must_use]
    pub fn name(&self) -> String {
        format!("{} {} {}", self.id, self.level().as_str(), self.title)
    }

    /// The spec section of the primary clause.
    #[must_use]
    pub fn section(&self) -> String {
        spec::clause(self.id).map_or_else(|| "?".into(), |c| c.section.clone())
    }

    /// File-name-safe name for the snapshot.
    #[must_use]
    pub fn slug(&self) -> String {
        slug(&self.name())
    }
}

/// Lower-case alphanumerics with single `_` between words.
#[must_use]
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').chars().take(90).collect()
}
