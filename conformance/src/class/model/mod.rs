//! The class result model: every report of `mftp-grade` (HTML, Markdown,
//! JSON, JUnit, TAP, Gradescope, GitHub Classroom) is a pure function of a
//! [`ClassReport`]. The class JSON is this model serialized, so `merge`
//! and `--previous` read back exactly what the writers were given.
//!
//! Building it is pure too: [`build_impl`] turns what the runner saw (the
//! suite's JSON report, the reruns, the diagnosis) into one column, and
//! [`finalize`] adds what needs the whole class (pass counts per clause,
//! progress since a previous run). A one-machine run and a merge of
//! shards both end in `finalize`, which is why they give the same page.
//!
//! # Layout
//! - this file: the model's types, and what reads them back;
//! - `build.rs`: one column from what the runner saw ([`Observed`]);
//! - `finalize.rs`: what needs the whole class.

mod build;
mod finalize;

use crate::class::points::Scoring;
use crate::spec;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use build::{Observed, build_impl, clause_rows, clean};
pub use finalize::{finalize, progress};

/// Version of the class JSON's layout; `merge` and `--previous` refuse
/// other versions.
pub const FORMAT_VERSION: u32 = 1;
/// The `kind` of a class JSON.
pub const KIND: &str = "mftp-class-report";

/// A shard: `index` of `count`, both from 1 (`--shard 2/4`).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

/// Everything the class reports show.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ClassReport {
    pub format_version: u32,
    /// Always [`KIND`].
    pub kind: String,
    /// The manifest's `name`.
    pub class: String,
    /// The manifest's file name, as given.
    pub manifest: String,
    /// SHA-256 of the manifest: shards of one class agree on it.
    pub manifest_sha256: String,
    pub suite_version: String,
    pub spec_sha256: String,
    /// Implementations in the manifest (this report may hold a shard).
    pub total_implementations: usize,
    /// The shards this report holds, empty for a run of the whole class.
    pub shards: Vec<Shard>,
    pub scoring: Scoring,
    /// Every clause of spec.md, in spec order: the rows of the grid.
    pub clauses: Vec<ClauseRow>,
    /// In manifest order: the columns.
    pub implementations: Vec<ImplResult>,
    /// Whether some implementation ran in the sandbox.
    pub sandboxed: bool,
    /// The class at a glance (by `finalize`).
    #[serde(default)]
    pub summary: Summary,
}

/// The class at a glance: what the top of the page says.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Summary {
    /// Implementations graded at all (not build or launch failures).
    pub graded: usize,
    /// Of those, the ones whose suite run exited 0 (every MUST case held).
    pub conforming: usize,
    /// Mean and median of the percentages of every implementation.
    pub mean_percent: f64,
    pub median_percent: f64,
}

/// One row of the grid.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ClauseRow {
    pub id: String,
    /// "MUST" or "SHOULD".
    pub level: String,
    /// "9 `upload`".
    pub section: String,
    pub text: String,
    /// What it is worth (see points.rs).
    pub points: f64,
    /// Hidden from students.
    pub hidden: bool,
    /// Why no server case can check it, for the untestable ones.
    pub untestable: Option<String>,
    /// Implementations of this report whose cell is "pass" (by `finalize`).
    pub passed: usize,
    /// Implementations of this report that were graded at all.
    pub graded: usize,
}

/// How grading an implementation went, before any clause.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The suite ran to the end.
    Graded,
    /// The suite ran into a problem of its own (exit 2, e.g. a missing
    /// snapshot): graded, with error cells.
    SuiteError,
    /// Stopped at its time limit: the cases that finished are graded.
    TimedOut,
    /// The setup command failed or timed out: nothing graded.
    BuildFailed,
    /// The server could not be launched at all: nothing graded.
    LaunchFailed,
    /// The workdir is missing, or the suite could not run: nothing graded.
    NotGraded,
    /// The grader was interrupted (Ctrl-C) before or during this one.
    Interrupted,
}

impl Outcome {
    /// Upper-case label for column headers.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Graded => "GRADED",
            Outcome::SuiteError => "SUITE ERROR",
            Outcome::TimedOut => "TIME LIMIT",
            Outcome::BuildFailed => "BUILD FAILED",
            Outcome::LaunchFailed => "DOES NOT START",
            Outcome::NotGraded => "NOT GRADED",
            Outcome::Interrupted => "INTERRUPTED",
        }
    }
}

/// The status of one cell of the grid.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum CellStatus {
    Pass,
    /// Failed, and passed on some rerun.
    Flaky,
    Fail,
    /// Only a SHOULD check of it fails.
    FailShould,
    /// A case covering it hit a suite error.
    Error,
    /// Not verified: every case checking it stopped at another clause.
    Blocked,
    /// Every case checking it was skipped (refused option, root, no tmpfs).
    Skip,
    /// Filtered out, or not reached before the time limit.
    NotRun,
    /// No server case can check it.
    Untestable,
    /// The implementation was not graded at all.
    NotGraded,
}

impl CellStatus {
    /// The word reports show.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            CellStatus::Pass => "pass",
            CellStatus::Flaky => "flaky",
            CellStatus::Fail => "fail",
            CellStatus::FailShould => "fail-should",
            CellStatus::Error => "error",
            CellStatus::Blocked => "blocked",
            CellStatus::Skip => "skip",
            CellStatus::NotRun => "not-run",
            CellStatus::Untestable => "untestable",
            CellStatus::NotGraded => "not-graded",
        }
    }

    /// A failure of the implementation (not a gap in what was checked).
    #[must_use]
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            CellStatus::Fail | CellStatus::FailShould | CellStatus::Flaky | CellStatus::Error
        )
    }

    fn from_report(s: &str) -> CellStatus {
        match s {
            "pass" => CellStatus::Pass,
            "fail" => CellStatus::Fail,
            "fail-should" => CellStatus::FailShould,
            "error" => CellStatus::Error,
            "blocked" => CellStatus::Blocked,
            "skip" => CellStatus::Skip,
            _ => CellStatus::NotRun,
        }
    }
}

/// One cell: an implementation's result for one clause.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Cell {
    pub status: CellStatus,
    pub points: f64,
    /// 0 when the clause is left out of this implementation's maximum.
    pub max_points: f64,
    /// The cases whose failing step checks this clause (fail, flaky).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cases: Vec<String>,
    /// For blocked: the failing clauses that stopped its cases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked_by: Vec<String>,
    /// For flaky: (passed runs, runs) of its worst case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<(u32, u32)>,
    /// For skip: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A case that failed (or errored, or was flaky), with what the page and
/// the student formats show about it.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct CaseFailure {
    pub case: String,
    /// The clause of its failing step.
    pub clause: String,
    /// "fail", "error" or "flaky".
    pub status: String,
    /// Runs and passes, the first run included (1/1 when not rerun).
    pub runs: u32,
    pub passes: u32,
    /// FAIL, TIMEOUT, CLOSED or HARNESS ERROR.
    pub kind: String,
    pub step: String,
    pub expected: String,
    pub actual: String,
    /// The raw transcript up to the failure.
    pub transcript: String,
    /// The rest of the suite's message (server state, stderr).
    pub server: String,
    /// The one line that reruns this case against this implementation.
    pub rerun: String,
}

/// "The first contact failed": one explanation instead of 60 failures.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Diagnosis {
    /// One line: what went wrong.
    pub summary: String,
    /// What the server did send or do, and which clause requires what.
    pub hint: String,
    /// How many of the cases that ran stopped at that same step.
    pub cases: usize,
}

/// What changed since the previous run, for one implementation.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Progress {
    /// Its score then.
    pub previous_score: f64,
    pub previous_max: f64,
    /// Clauses that did not pass then and pass now.
    pub fixed: Vec<String>,
    /// Clauses that passed then and do not now.
    pub broken: Vec<String>,
}

/// One column: one implementation.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ImplResult {
    pub name: String,
    /// Position in the manifest.
    pub index: usize,
    pub notes: String,
    /// The launch template as written in the manifest.
    pub command: String,
    pub workdir: String,
    pub outcome: Outcome,
    /// One line for the column header: the suite's verdict, or why there
    /// is none.
    pub verdict: String,
    /// Details of a build failure, a launch failure, a crash of the suite
    /// (log tail), empty otherwise.
    pub detail: String,
    /// The suite's exit status (0, 1, 2), if it ran.
    pub exit_status: Option<i32>,
    pub score: f64,
    pub max_score: f64,
    /// score / max_score in percent (0 when the maximum is 0).
    pub percent: f64,
    /// Keyed by clause ID.
    pub cells: BTreeMap<String, Cell>,
    /// Failing, erroring and flaky cases, by case name.
    pub failures: Vec<CaseFailure>,
    /// Skipped cases with their reasons.
    pub skipped: Vec<(String, String)>,
    pub diagnosis: Option<Diagnosis>,
    pub progress: Option<Progress>,
    /// "bwrap" when sandboxed.
    pub sandbox: Option<String>,
    /// The resource limits applied to its servers, as text.
    pub limits: String,
    /// Wall time of its grading, setup and reruns included.
    pub duration_s: f64,
    /// Cases run and passed (MUST and SHOULD), for the column header.
    pub cases_run: usize,
    pub cases_passed: usize,
}

impl ClassReport {
    /// A report with no implementations yet.
    #[must_use]
    pub fn new(
        loaded: &crate::class::manifest::Loaded,
        shards: Vec<Shard>,
        total: usize,
    ) -> ClassReport {
        let scoring = loaded.manifest.scoring.clone();
        ClassReport {
            format_version: FORMAT_VERSION,
            kind: KIND.into(),
            class: loaded.manifest.name.clone(),
            manifest: loaded
                .path
                .file_name()
                .map_or_else(String::new, |f| f.to_string_lossy().into_owned()),
            manifest_sha256: loaded.sha256.clone(),
            suite_version: crate::report::SUITE_VERSION.into(),
            spec_sha256: spec::spec_sha256(),
            total_implementations: total,
            shards,
            clauses: clause_rows(&scoring),
            scoring,
            implementations: Vec::new(),
            sandboxed: false,
            summary: Summary::default(),
        }
    }

    /// The row of a clause.
    #[must_use]
    pub fn row(&self, id: &str) -> Option<&ClauseRow> {
        self.clauses.iter().find(|c| c.id == id)
    }

    /// Sections in spec order with their rows.
    #[must_use]
    pub fn sections(&self) -> Vec<(&str, Vec<&ClauseRow>)> {
        let mut out: Vec<(&str, Vec<&ClauseRow>)> = Vec::new();
        for row in &self.clauses {
            match out.last_mut() {
                Some((s, rows)) if *s == row.section => rows.push(row),
                _ => out.push((row.section.as_str(), vec![row])),
            }
        }
        out
    }

    /// Reads a class JSON, checking its kind and version.
    ///
    /// # Errors
    /// Unreadable, not JSON, another kind or version.
    pub fn read(path: &std::path::Path) -> Result<ClassReport, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let v: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
        if v["kind"].as_str() != Some(KIND) {
            return Err(format!(
                "{} is not a class report of mftp-grade (kind {})",
                path.display(),
                v["kind"]
            ));
        }
        if v["format_version"].as_u64() != Some(u64::from(FORMAT_VERSION)) {
            return Err(format!(
                "{} has format_version {}, this mftp-grade reads {FORMAT_VERSION}",
                path.display(),
                v["format_version"]
            ));
        }
        serde_json::from_value(v).map_err(|e| format!("{}: {e}", path.display()))
    }
}

impl ImplResult {
    /// The failures attributed to a clause (their failing step checks it).
    pub fn failures_at<'a>(&'a self, clause: &'a str) -> impl Iterator<Item = &'a CaseFailure> {
        self.failures.iter().filter(move |f| f.clause == clause)
    }

    /// Whether nothing was graded (no cells but not-graded/untestable).
    #[must_use]
    pub fn graded(&self) -> bool {
        !matches!(
            self.outcome,
            Outcome::BuildFailed
                | Outcome::LaunchFailed
                | Outcome::NotGraded
                | Outcome::Interrupted
        ) || self
            .cells
            .values()
            .any(|c| !matches!(c.status, CellStatus::NotGraded | CellStatus::Untestable))
    }
}
