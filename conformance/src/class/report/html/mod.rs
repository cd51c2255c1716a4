//! `--html PATH`: the side-by-side page. One self-contained file (inline
//! CSS and JavaScript, no network at view time), built from the model by
//! a small builder:
//!
//! - at the top, the class, suite version, spec hash, scoring and legend,
//!   and controls that filter rows (text, level, "rows with a failure",
//!   "hide rows everyone passes") and sort columns (manifest order, score,
//!   name) and rows (spec order, hardest first) in the browser;
//! - the grid: one row per clause grouped by section, one column per
//!   implementation with its score, verdict and progress on top; every
//!   failing cell links to that implementation's section;
//! - one section per implementation: notes, command, limits, first-contact
//!   diagnosis, newly fixed and broken clauses, then every failing clause
//!   with its text and each failing case's step, expected vs actual,
//!   transcript, server output and the line that reruns it.
//!
//! Run-to-run noise (durations) sits in `<span class="v">`, so that pages
//! of two runs can be compared without it. The script counts its own
//! errors into `<body data-js-errors>` and sets `data-ready` when done,
//! which the browser test reads.
//!
//! # Layout
//! - this file: the page's frame and its header (class, scoring, summary,
//!   controls, legend), and what the other parts share;
//! - `grid.rs`: the grid, a row per clause and a column per implementation;
//! - `section.rs`: an implementation's section, its failures in full;
//! - `assets.rs`: the inline stylesheet and script.

mod assets;
mod grid;
mod section;

use super::{num, shards_note};
use crate::class::model::{CellStatus, ClassReport, ImplResult, Outcome};
use std::fmt::Write as _;

/// Escapes text for HTML content and attribute values.
#[must_use]
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The symbol of a cell of the grid and of the legend.
fn symbol(status: CellStatus) -> &'static str {
    match status {
        CellStatus::Pass => "✓",
        CellStatus::Fail => "✗",
        CellStatus::FailShould => "!",
        CellStatus::Flaky => "~",
        CellStatus::Error => "E",
        CellStatus::Blocked => "⊘",
        CellStatus::Skip => "–",
        CellStatus::NotRun => "·",
        CellStatus::Untestable => "n/a",
        CellStatus::NotGraded => "",
    }
}

/// The page.
#[must_use]
pub fn render(r: &ClassReport) -> String {
    let mut s = String::with_capacity(256 * 1024);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"generator\" content=\"mftp-grade {}\">\
         <title>{} — mftp/1 conformance</title><style>{}</style></head>\n<body id=\"top\" data-js-errors=\"0\">\n",
        esc(&r.suite_version),
        esc(&r.class),
        assets::CSS
    );
    header(&mut s, r);
    grid::grid(&mut s, r);
    for i in &r.implementations {
        section::implementation(&mut s, r, i);
    }
    let _ = write!(s, "<script>{}</script>\n</body></html>\n", assets::JS);
    s
}

fn header(s: &mut String, r: &ClassReport) {
    let _ = write!(
        s,
        "<header><h1>{}</h1><p class=\"meta\">mftp/1 conformance suite {} · spec.md sha256 <code>{}</code> · {} of {} implementations{}{} · {} clauses · points: MUST {}, SHOULD {}; flaky {}, skipped {}</p>",
        esc(&r.class),
        esc(&r.suite_version),
        esc(r.spec_sha256.get(..16).unwrap_or("")),
        r.implementations.len(),
        r.total_implementations,
        shards_note(r),
        if r.sandboxed {
            " · sandboxed (bwrap)"
        } else {
            ""
        },
        r.clauses.len(),
        num(r.scoring.must),
        num(r.scoring.should),
        r.scoring.flaky.in_words(),
        r.scoring.skip.in_words(),
    );
    let sm = &r.summary;
    let _ = write!(
        s,
        "<p class=\"summary\"><strong>{} of {} graded conform</strong> · mean {:.1}% · median {:.1}%{}</p>",
        sm.conforming,
        sm.graded,
        sm.mean_percent,
        sm.median_percent,
        if sm.graded < r.implementations.len() {
            format!(
                " · <strong>{} not graded</strong> (build, start or grader failure: see their sections)",
                r.implementations.len() - sm.graded
            )
        } else {
            String::new()
        }
    );
    s.push_str(
        "<div class=\"controls\">\
         <input type=\"search\" id=\"q\" placeholder=\"filter clauses: ID or words\" aria-label=\"filter clauses\">\
         <label>level <select id=\"level\"><option value=\"\">all</option><option>MUST</option><option>SHOULD</option></select></label>\
         <label>rows <select id=\"show\"><option value=\"\">all</option><option value=\"failing\">with a failure</option><option value=\"notall\">not passed by everyone</option><option value=\"flaky\">with a flaky result</option><option value=\"blocked\">with a blocked clause</option></select></label>\
         <label>columns <select id=\"colsort\"><option value=\"manifest\">manifest order</option><option value=\"score-desc\">score, best first</option><option value=\"score-asc\">score, worst first</option><option value=\"name\">name</option></select></label>\
         <label>row order <select id=\"rowsort\"><option value=\"spec\">spec order</option><option value=\"hardest\">hardest first</option></select></label>\
         </div>",
    );
    s.push_str("<div class=\"legend\">");
    for (st, what) in [
        (CellStatus::Pass, "pass"),
        (CellStatus::Fail, "fail"),
        (CellStatus::FailShould, "fails a SHOULD"),
        (CellStatus::Flaky, "flaky (passed/runs)"),
        (CellStatus::Error, "suite error"),
        (
            CellStatus::Blocked,
            "blocked: not verified, its cases stopped at another failing clause",
        ),
        (CellStatus::Skip, "skipped"),
        (CellStatus::NotRun, "not run"),
        (CellStatus::NotGraded, "not graded"),
    ] {
        let _ = write!(
            s,
            "<span class=\"c {}\">{}</span>{}",
            st.as_str(),
            symbol(st),
            esc(what)
        );
    }
    s.push_str(" · <span class=\"lock\">⚑</span> hidden from students · class = implementations passing / graded</div></header>\n");
}

/// The class of a verdict's badge: conforms, does not, or not graded.
fn verdict_class(i: &ImplResult) -> &'static str {
    match i.outcome {
        Outcome::Graded if i.exit_status == Some(0) => "ok",
        Outcome::Graded => "bad",
        _ => "err",
    }
}
