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

use crate::class::points::{self, Scoring, Worth};
use crate::report::{Report, Status};
use crate::spec;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

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

/// What the runner saw for one implementation.
pub struct Observed<'a> {
    pub job: &'a crate::class::manifest::Job,
    pub outcome: Outcome,
    /// Why there is no report, or what went wrong around it.
    pub detail: String,
    /// The suite's JSON report, when it wrote one.
    pub report: Option<Report>,
    /// Failing case → (passes, runs) over the reruns (first run excluded).
    pub reruns: BTreeMap<String, (u32, u32)>,
    pub diagnosis: Option<Diagnosis>,
    pub sandbox: Option<String>,
    pub limits: String,
    pub duration_s: f64,
    /// Case name → its one-line rerun command.
    pub rerun_command: &'a dyn Fn(&str) -> String,
}

/// The rows of the grid for a scoring.
#[must_use]
pub fn clause_rows(scoring: &Scoring) -> Vec<ClauseRow> {
    let worth = scoring.worth();
    spec::clauses()
        .iter()
        .map(|c| {
            let w = worth.get(&c.id).cloned().unwrap_or(Worth {
                points: 0.0,
                hidden: false,
            });
            ClauseRow {
                id: c.id.clone(),
                level: c.level.as_str().into(),
                section: c.section.clone(),
                text: c.text.clone(),
                points: w.points,
                hidden: w.hidden,
                untestable: crate::trace::UNTESTABLE
                    .iter()
                    .find(|(id, _)| *id == c.id)
                    .map(|(_, why)| (*why).to_string()),
                passed: 0,
                graded: 0,
            }
        })
        .collect()
}

/// Text from outside (a server's stderr, a build log) made safe for every
/// format: control characters other than LF and TAB become `\xNN` (XML and
/// YAML cannot hold them; terminals would obey them).
#[must_use]
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\n' | '\t' => out.push(ch),
            c if c.is_control() => {
                use std::fmt::Write as _;
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// Splits the suite's failure message into its labelled parts.
fn split_message(msg: &str) -> (String, String, String, String, String, String) {
    let mut kind = String::new();
    let (mut step, mut expected, mut actual) = (String::new(), String::new(), String::new());
    let mut transcript = String::new();
    let mut server = String::new();
    let mut in_transcript = false;
    for (i, line) in msg.lines().enumerate() {
        if i == 0 {
            kind = line.split(' ').next().unwrap_or("").to_string();
            if line.starts_with("HARNESS ERROR") {
                kind = "HARNESS ERROR".into();
            }
            continue;
        }
        if let Some(v) = line.strip_prefix("step:") {
            step = v.trim().to_string();
        } else if let Some(v) = line.strip_prefix("expected:") {
            expected = v.trim().to_string();
        } else if let Some(v) = line.strip_prefix("actual:") {
            actual = v.trim().to_string();
        } else if line.starts_with("transcript up to the failure") {
            in_transcript = true;
        } else if line.starts_with("clause:") || line.starts_with("case:") {
        } else if in_transcript && (line.starts_with("    ") || line.is_empty()) {
            transcript.push_str(line.strip_prefix("    ").unwrap_or(line));
            transcript.push('\n');
        } else {
            in_transcript = false;
            server.push_str(line);
            server.push('\n');
        }
    }
    (
        clean(&kind),
        clean(&step),
        clean(&expected),
        clean(&actual),
        clean(transcript.trim_end()),
        clean(server.trim_end()),
    )
}

/// One column from what the runner saw.
#[must_use]
pub fn build_impl(o: &Observed<'_>, rows: &[ClauseRow], scoring: &Scoring) -> ImplResult {
    let job = o.job;
    let mut cells = BTreeMap::new();
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    let (mut cases_run, mut cases_passed) = (0, 0);
    let (verdict, exit_status) = match &o.report {
        Some(r) => (r.grade.verdict_line.clone(), Some(r.exit_status)),
        None => (o.outcome.label().to_string(), None),
    };
    match &o.report {
        Some(r) if r.launch_error.is_none() => {
            // Flaky: a failed case that passed on some rerun. The clause
            // statuses are attributed again with those cases as passes; a
            // clause that failed only through them becomes flaky.
            let flaky: BTreeMap<&str, (u32, u32)> = r
                .cases
                .iter()
                .filter(|c| c.status == Status::Fail)
                .filter_map(|c| {
                    let (p, n) = o.reruns.get(&c.name).copied()?;
                    (p > 0).then_some((c.name.as_str(), (p, n + 1)))
                })
                .collect();
            let without_flaky: Vec<_> = r
                .cases
                .iter()
                .cloned()
                .map(|mut c| {
                    if flaky.contains_key(c.name.as_str()) {
                        c.status = Status::Pass;
                        c.failed_clause = None;
                    }
                    c
                })
                .collect();
            let again = crate::report::clause_status(&without_flaky);
            let failing_cases: BTreeMap<&str, Vec<&str>> = {
                let mut m: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
                for c in r.cases.iter().filter(|c| c.status == Status::Fail) {
                    let at = c.failed_clause.as_deref().unwrap_or(c.id.as_str());
                    m.entry(at).or_default().push(c.name.as_str());
                }
                m
            };
            for row in rows {
                let first = r
                    .clauses
                    .get(&row.id)
                    .map_or(CellStatus::NotRun, |s| CellStatus::from_report(s));
                let mut cell = Cell {
                    status: first,
                    points: 0.0,
                    max_points: 0.0,
                    cases: Vec::new(),
                    blocked_by: r.blocked_by.get(&row.id).cloned().unwrap_or_default(),
                    ratio: None,
                    note: None,
                };
                if row.untestable.is_some() {
                    cell.status = CellStatus::Untestable;
                    cell.note.clone_from(&row.untestable);
                }
                if matches!(first, CellStatus::Fail | CellStatus::FailShould) {
                    let cases = failing_cases
                        .get(row.id.as_str())
                        .cloned()
                        .unwrap_or_default();
                    cell.cases = cases.iter().map(|s| (*s).to_string()).collect();
                    let still = again
                        .status
                        .get(&row.id)
                        .is_some_and(|s| s == "fail" || s == "fail-should");
                    if !still {
                        cell.status = CellStatus::Flaky;
                        cell.ratio =
                            cases
                                .iter()
                                .filter_map(|c| flaky.get(c).copied())
                                .min_by(|a, b| {
                                    (u64::from(a.0) * u64::from(b.1))
                                        .cmp(&(u64::from(b.0) * u64::from(a.1)))
                                });
                    }
                }
                if cell.status == CellStatus::Skip {
                    cell.note = r
                        .cases
                        .iter()
                        .filter(|c| c.status == Status::Skip && c.clauses.contains(&row.id))
                        .find_map(|c| c.message.clone())
                        .map(|m| clean(m.lines().next().unwrap_or("")));
                }
                let (p, m) = points::earn(cell.status, row.points, cell.ratio, scoring);
                cell.points = p;
                cell.max_points = m;
                cells.insert(row.id.clone(), cell);
            }
            for c in &r.cases {
                match c.status {
                    Status::Pass => {
                        cases_run += 1;
                        cases_passed += 1;
                    }
                    Status::Skip => skipped.push((
                        c.name.clone(),
                        clean(
                            c.message
                                .as_deref()
                                .unwrap_or("")
                                .lines()
                                .next()
                                .unwrap_or(""),
                        ),
                    )),
                    Status::Fail | Status::Error => {
                        cases_run += 1;
                        let msg = c.message.as_deref().unwrap_or("");
                        let (kind, step, expected, actual, transcript, server) = split_message(msg);
                        let (passes, runs) = match flaky.get(c.name.as_str()) {
                            Some(&(p, n)) => (p, n),
                            None => (0, 1 + o.reruns.get(&c.name).map_or(0, |x| x.1)),
                        };
                        failures.push(CaseFailure {
                            case: c.name.clone(),
                            clause: c.failed_clause.clone().unwrap_or_else(|| c.id.clone()),
                            status: if c.status == Status::Error {
                                "error"
                            } else if passes > 0 {
                                "flaky"
                            } else {
                                "fail"
                            }
                            .into(),
                            runs,
                            passes,
                            kind,
                            step,
                            expected,
                            actual,
                            transcript,
                            server,
                            rerun: (o.rerun_command)(&c.name),
                        });
                    }
                }
            }
        }
        _ => {
            for row in rows {
                let status = if row.untestable.is_some() {
                    CellStatus::Untestable
                } else {
                    CellStatus::NotGraded
                };
                let (p, m) = points::earn(status, row.points, None, scoring);
                cells.insert(
                    row.id.clone(),
                    Cell {
                        status,
                        points: p,
                        max_points: m,
                        cases: Vec::new(),
                        blocked_by: Vec::new(),
                        ratio: None,
                        note: None,
                    },
                );
            }
        }
    }
    let score: f64 = cells.values().map(|c| c.points).sum();
    let max_score: f64 = cells.values().map(|c| c.max_points).sum();
    let mut detail = clean(&o.detail);
    if let Some(e) = o.report.as_ref().and_then(|r| r.launch_error.as_ref())
        && detail.is_empty()
    {
        detail = clean(e);
    }
    ImplResult {
        name: job.name.clone(),
        index: job.index,
        notes: job.notes.clone(),
        command: job.command.clone(),
        workdir: job.workdir.display().to_string(),
        outcome: o.outcome,
        verdict: clean(&verdict),
        detail,
        exit_status,
        score: points::round2(score),
        max_score: points::round2(max_score),
        percent: if max_score > 0.0 {
            points::round2(score * 100.0 / max_score)
        } else {
            0.0
        },
        cells,
        failures,
        skipped,
        diagnosis: o.diagnosis.as_ref().map(|d| Diagnosis {
            summary: clean(&d.summary),
            hint: clean(&d.hint),
            cases: d.cases,
        }),
        progress: None,
        sandbox: o.sandbox.clone(),
        limits: o.limits.clone(),
        duration_s: o.duration_s,
        cases_run,
        cases_passed,
    }
}

/// Class-wide parts: pass counts per clause, and progress since
/// `previous` (matched by implementation name). Idempotent.
pub fn finalize(r: &mut ClassReport, previous: Option<&ClassReport>) {
    r.implementations.sort_by_key(|i| i.index);
    for row in &mut r.clauses {
        row.passed = 0;
        row.graded = 0;
        for i in &r.implementations {
            if let Some(c) = i.cells.get(&row.id) {
                if c.status != CellStatus::NotGraded {
                    row.graded += 1;
                }
                if c.status == CellStatus::Pass {
                    row.passed += 1;
                }
            }
        }
    }
    r.sandboxed = r.implementations.iter().any(|i| i.sandbox.is_some());
    let mut pcts: Vec<f64> = r.implementations.iter().map(|i| i.percent).collect();
    pcts.sort_by(f64::total_cmp);
    #[allow(clippy::cast_precision_loss)]
    let mean = if pcts.is_empty() {
        0.0
    } else {
        pcts.iter().sum::<f64>() / pcts.len() as f64
    };
    let median = match pcts.len() {
        0 => 0.0,
        n if n % 2 == 1 => pcts[n / 2],
        n => f64::midpoint(pcts[n / 2 - 1], pcts[n / 2]),
    };
    r.summary = Summary {
        graded: r.implementations.iter().filter(|i| i.graded()).count(),
        conforming: r
            .implementations
            .iter()
            .filter(|i| i.outcome == Outcome::Graded && i.exit_status == Some(0))
            .count(),
        mean_percent: points::round2(mean),
        median_percent: points::round2(median),
    };
    if let Some(prev) = previous {
        for i in &mut r.implementations {
            i.progress = prev
                .implementations
                .iter()
                .find(|p| p.name == i.name)
                .map(|p| progress(p, i));
        }
    }
}

/// What changed between two runs of one implementation.
#[must_use]
pub fn progress(before: &ImplResult, now: &ImplResult) -> Progress {
    let ids: BTreeSet<&String> = now.cells.keys().collect();
    let mut out = Progress {
        previous_score: before.score,
        previous_max: before.max_score,
        ..Progress::default()
    };
    // Spec order, not alphabetical.
    let order: Vec<&String> = spec::clauses()
        .iter()
        .map(|c| &c.id)
        .filter(|c| ids.contains(c))
        .collect();
    for id in order {
        let (Some(b), Some(n)) = (before.cells.get(id), now.cells.get(id)) else {
            continue;
        };
        let was = b.status == CellStatus::Pass;
        let is = n.status == CellStatus::Pass;
        let counts = |s: CellStatus| {
            !matches!(
                s,
                CellStatus::Skip | CellStatus::NotRun | CellStatus::Untestable
            )
        };
        if !was && is && counts(b.status) {
            out.fixed.push(id.clone());
        }
        if was && !is && counts(n.status) {
            out.broken.push(id.clone());
        }
    }
    out
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
