//! One column of the class from what the runner saw: the suite's report
//! with the reruns (flaky cells), each failure split into its parts, the
//! points each cell earns; and text from outside made safe for every
//! format.

use super::{CaseFailure, Cell, CellStatus, ClauseRow, Diagnosis, ImplResult, Outcome};
use crate::class::points::{self, Scoring, Worth};
use crate::report::{Report, Status};
use crate::spec;
use std::collections::BTreeMap;

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
