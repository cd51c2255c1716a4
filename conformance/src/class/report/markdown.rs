//! `--markdown PATH`: the side-by-side page as Markdown (GitHub-flavoured
//! tables): scores on top, one row per clause grouped by section, one
//! column per implementation; then each implementation's section with its
//! failures (clause text, expected vs actual, transcript, rerun line),
//! linked from the grid.

use super::{blocked_cells, cell_word, failing_cells, id_list, num, score_line};
use crate::case::slug;
use crate::class::model::{Cell, CellStatus, ClassReport, ImplResult};
use std::fmt::Write as _;

/// Symbol and word for a cell.
fn symbol(c: &Cell) -> String {
    let sym = match c.status {
        CellStatus::Pass => "✅",
        CellStatus::Fail => "❌",
        CellStatus::FailShould => "⚠️",
        CellStatus::Flaky => "🔁",
        CellStatus::Error => "💥",
        CellStatus::Blocked => "⛔",
        CellStatus::Skip => "➖",
        CellStatus::NotRun => "·",
        CellStatus::Untestable => "n/a",
        CellStatus::NotGraded => "—",
    };
    match c.status {
        CellStatus::Pass | CellStatus::NotRun | CellStatus::Untestable | CellStatus::NotGraded => {
            sym.into()
        }
        _ => format!("{sym} {}", cell_word(c)),
    }
}

/// Text for a table cell or a list item: `|` escaped, newlines as
/// spaces.
#[must_use]
pub fn table_text(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Anchor of an implementation's section, or of one of its clauses.
#[must_use]
pub fn anchor(i: &ImplResult, clause: Option<&str>) -> String {
    match clause {
        None => format!("impl-{}", slug(&i.name)),
        Some(c) => format!("impl-{}-{}", slug(&i.name), slug(c)),
    }
}

/// A fenced block that no line of `text` can close.
fn fenced(text: &str) -> String {
    let mut fence = "```".to_string();
    while text.contains(&fence) {
        fence.push('`');
    }
    format!("{fence}text\n{}\n{fence}\n", text.trim_end())
}

/// The Markdown page.
#[must_use]
pub fn render(r: &ClassReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {} — mftp/1 conformance\n", r.class);
    let _ = writeln!(
        s,
        "Suite {} · spec.md sha256 `{}` · {} of {} implementations{} · scoring: MUST {}, SHOULD {}, flaky {}, skip {}\n",
        r.suite_version,
        r.spec_sha256.get(..16).unwrap_or(""),
        r.implementations.len(),
        r.total_implementations,
        if r.sandboxed {
            " · sandboxed (bwrap)"
        } else {
            ""
        },
        num(r.scoring.must),
        num(r.scoring.should),
        r.scoring.flaky.in_words(),
        r.scoring.skip.in_words(),
    );
    let _ = writeln!(
        s,
        "**{} of {} graded conform** · mean {:.1}% · median {:.1}%\n",
        r.summary.conforming, r.summary.graded, r.summary.mean_percent, r.summary.median_percent
    );
    let _ = writeln!(
        s,
        "Legend: ✅ pass · ❌ fail · ⚠️ fail (SHOULD) · 🔁 flaky (passed/runs) · 💥 suite error · ⛔ blocked (not verified: its cases stopped at another failing clause) · ➖ skipped · · not run · n/a untestable · — not graded\n"
    );
    // Header rows: names, scores, verdicts.
    let _ = write!(s, "| clause | points | class |");
    for i in &r.implementations {
        let _ = write!(s, " [{}](#{}) |", table_text(&i.name), anchor(i, None));
    }
    let _ = write!(s, "\n|---|---:|---:|");
    for _ in &r.implementations {
        s.push_str("---|");
    }
    let _ = write!(s, "\n| **score** | | |");
    for i in &r.implementations {
        let _ = write!(s, " **{}** |", score_line(i));
    }
    let _ = write!(s, "\n| **verdict** | | |");
    for i in &r.implementations {
        let v = if i.graded() && i.outcome == crate::class::model::Outcome::Graded {
            i.verdict.clone()
        } else {
            i.outcome.label().to_string()
        };
        let _ = write!(s, " {} |", table_text(&v));
    }
    s.push('\n');
    for (section, rows) in r.sections() {
        let _ = write!(s, "| **§{}** | | |", table_text(&section.replace('`', "")));
        for _ in &r.implementations {
            s.push_str(" |");
        }
        s.push('\n');
        for row in rows {
            let _ = write!(
                s,
                "| {} {}{} | {} | {}/{} |",
                row.id,
                row.level,
                if row.hidden { " 🔒" } else { "" },
                num(row.points),
                row.passed,
                row.graded
            );
            for i in &r.implementations {
                let Some(c) = i.cells.get(&row.id) else {
                    s.push_str(" |");
                    continue;
                };
                if c.status.is_failure() {
                    let _ = write!(s, " [{}](#{}) |", symbol(c), anchor(i, Some(&row.id)));
                } else {
                    let _ = write!(s, " {} |", symbol(c));
                }
            }
            s.push('\n');
        }
    }
    for i in &r.implementations {
        implementation(&mut s, r, i);
    }
    s
}

fn implementation(s: &mut String, r: &ClassReport, i: &ImplResult) {
    let _ = writeln!(s, "\n<a id=\"{}\"></a>\n## {}\n", anchor(i, None), i.name);
    let _ = writeln!(s, "**{}** — {}\n", score_line(i), i.verdict);
    if !i.notes.is_empty() {
        let _ = writeln!(s, "Notes: {}\n", i.notes);
    }
    let _ = writeln!(
        s,
        "Command: `{}` in `{}`\n",
        i.command.replace('`', "'"),
        i.workdir
    );
    let _ = writeln!(
        s,
        "Limits: {}{}\n",
        i.limits,
        i.sandbox
            .as_ref()
            .map_or_else(String::new, |b| format!(" · sandbox: {b}"))
    );
    if i.outcome != crate::class::model::Outcome::Graded {
        let _ = writeln!(s, "**{}**\n", i.outcome.label());
    }
    if !i.detail.is_empty() {
        s.push_str(&fenced(&i.detail));
        s.push('\n');
    }
    if let Some(d) = &i.diagnosis {
        let _ = writeln!(s, "> **First contact:** {}  \n> {}\n", d.summary, d.hint);
    }
    if let Some(p) = &i.progress {
        let _ = writeln!(
            s,
            "Since the previous run ({}/{}): **newly fixed** {}; **newly broken** {}\n",
            num(p.previous_score),
            num(p.previous_max),
            id_list(&p.fixed, ", ", "none"),
            id_list(&p.broken, ", ", "none")
        );
    }
    for (row, c) in failing_cells(r, i) {
        let _ = writeln!(
            s,
            "<a id=\"{}\"></a>\n### {} {} — {}\n",
            anchor(i, Some(&row.id)),
            row.id,
            row.level,
            cell_word(c)
        );
        let _ = writeln!(s, "> {}\n", row.text);
        for f in i.failures_at(&row.id) {
            let _ = writeln!(
                s,
                "**{}** {}{}\n",
                f.kind,
                f.case,
                if f.status == "flaky" {
                    format!(" — FLAKY: passed {} of {} runs", f.passes, f.runs)
                } else {
                    String::new()
                }
            );
            if !f.step.is_empty() {
                let _ = writeln!(s, "- step: `{}`", f.step.replace('`', "'"));
            }
            let _ = writeln!(s, "- expected: {}", f.expected);
            let _ = writeln!(s, "- actual: {}\n", f.actual);
            if !f.transcript.is_empty() {
                s.push_str("Transcript up to the failure:\n\n");
                s.push_str(&fenced(&f.transcript));
                s.push('\n');
            }
            if !f.server.is_empty() {
                s.push_str(&fenced(&f.server));
                s.push('\n');
            }
            s.push_str("Rerun this case:\n\n");
            s.push_str(&fenced(&f.rerun));
            s.push('\n');
        }
    }
    let blocked: Vec<String> = blocked_cells(r, i)
        .map(|(row, c)| format!("{} (by {})", row.id, c.blocked_by.join(", ")))
        .collect();
    if !blocked.is_empty() {
        let _ = writeln!(s, "Blocked, not verified: {}\n", blocked.join(", "));
    }
    if !i.skipped.is_empty() {
        let _ = writeln!(s, "Skipped cases:\n");
        for (case, why) in &i.skipped {
            let _ = writeln!(s, "- {case}: {why}");
        }
        s.push('\n');
    }
}
