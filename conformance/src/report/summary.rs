//! The summary printed at the end of a run: failing and blocked clauses,
//! counts per section and level, failed cases, the grade.

use super::{CaseResult, Counts, Report, Status};
use crate::spec;
use std::fmt::Write as _;

/// The summary table for the terminal.
#[must_use]
pub fn summary(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\n=== {} {} · spec.md sha256 {} · {}: {}",
        r.suite,
        r.suite_version,
        &r.spec_sha256[..16],
        r.graded.as_str(),
        r.server
    );
    if r.interrupted {
        let _ = writeln!(
            s,
            "\nINTERRUPTED: this report holds only the cases that finished before Ctrl-C"
        );
    }
    if let Some(e) = &r.launch_error {
        let _ = writeln!(
            s,
            "\nTHE {} COULD NOT BE LAUNCHED, nothing was graded:\n{e}",
            r.graded.as_str().to_uppercase()
        );
    }
    clause_lists(&mut s, r);
    let _ = writeln!(
        s,
        "\n{:<34} {:>22} {:>22}",
        "cases by section", "MUST pass/fail/skip", "SHOULD pass/fail/skip"
    );
    let cell = |c: Option<&Counts>| {
        c.map_or_else(
            || "-".into(),
            |c| format!("{}/{}/{}", c.passed, c.failed + c.errors, c.skipped),
        )
    };
    let mut order: Vec<&String> = r.by_section.keys().collect();
    order.sort_by_key(|k| {
        k.split(' ')
            .next()
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(99)
    });
    for sec in order {
        let m = &r.by_section[sec];
        let _ = writeln!(
            s,
            "{:<34} {:>22} {:>22}",
            sec.replace('`', ""),
            cell(m.get("MUST")),
            cell(m.get("SHOULD"))
        );
    }
    let _ = writeln!(
        s,
        "{:<34} {:>22} {:>22}",
        "total",
        cell(r.by_level.get("MUST")),
        cell(r.by_level.get("SHOULD"))
    );
    let failed: Vec<&CaseResult> = r
        .cases
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Error))
        .collect();
    if !failed.is_empty() {
        let _ = writeln!(s, "\nfailed cases  [the clause of the failing step]:");
        for c in failed {
            let _ = writeln!(
                s,
                "  {:<6} {}  [{}]",
                if c.status == Status::Error {
                    "ERROR"
                } else {
                    c.level.as_str()
                },
                c.name,
                c.failed_clause.as_deref().unwrap_or("")
            );
        }
    }
    for c in r.checks.iter().filter(|c| c.status != Status::Pass) {
        let _ = writeln!(s, "suite check failed: {}", c.name);
    }
    let g = &r.grade;
    let _ = writeln!(
        s,
        "\ngrade: {:.1}% of MUST cases hold ({}/{}), SHOULD {}/{}, {} skipped — {} (exit {}, {:.1} s)",
        g.percent,
        g.must_passed,
        g.must_run,
        g.should_passed,
        g.should_run,
        r.cases.iter().filter(|c| c.status == Status::Skip).count(),
        g.verdict_line,
        r.exit_status,
        r.duration_s
    );
    s
}

/// The failing clauses (attributed), then the blocked ones.
fn clause_lists(s: &mut String, r: &Report) {
    if !r.failing_clauses.is_empty() {
        let _ = writeln!(
            s,
            "\nFAILING clauses ({}): a failing step checks the clause",
            r.failing_clauses.len()
        );
        for f in &r.failing_clauses {
            let mut ids: Vec<&str> = Vec::new();
            for name in &f.cases {
                let id = name.split(' ').next().unwrap_or("");
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            let n = f.cases.len();
            let more = if ids.len() > 8 { ", …" } else { "" };
            ids.truncate(8);
            let _ = writeln!(
                s,
                "  {:<11} {:<6} in {n} case{}: {}{more}",
                f.clause,
                f.level,
                if n == 1 { "" } else { "s" },
                ids.join(", ")
            );
        }
    }
    if !r.untested_must.is_empty() {
        let _ = writeln!(
            s,
            "\nUNTESTED MUST clauses ({}): every case checking them was skipped (--require-limits makes a refused option fail)",
            r.untested_must.len()
        );
        for u in &r.untested_must {
            let why = u.reason.lines().next().unwrap_or("");
            let why: String = why.chars().take(100).collect();
            let _ = writeln!(s, "  {:<11} {why}", u.clause);
        }
    }
    if !r.blocked_by.is_empty() {
        let _ = writeln!(
            s,
            "\nBLOCKED clauses ({}): not verified, every case checking them stopped at a failing clause first",
            r.blocked_by.len()
        );
        let order = r
            .clauses
            .keys()
            .filter(|c| r.blocked_by.contains_key(*c))
            .map(|c| {
                let at = spec::all_clauses().iter().position(|x| &x.id == c);
                (at.unwrap_or(usize::MAX), c)
            });
        let mut order: Vec<(usize, &String)> = order.collect();
        order.sort();
        for (_, c) in order {
            let _ = writeln!(s, "  {c:<11} by {}", r.blocked_by[c].join(", "));
        }
    }
}
