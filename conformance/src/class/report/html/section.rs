//! An implementation's section: notes, command, limits, first-contact
//! diagnosis, newly fixed and broken clauses, then every failing clause
//! with its text and each failing case's step, expected vs actual,
//! transcript, server output and the line that reruns it.

use super::{esc, verdict_class};
use crate::class::model::{ClassReport, ImplResult, Outcome};
use crate::class::report::markdown::anchor;
use crate::class::report::{blocked_cells, cell_word, failing_cells, num, score_line};
use std::fmt::Write as _;

pub(super) fn implementation(s: &mut String, r: &ClassReport, i: &ImplResult) {
    let _ = write!(
        s,
        "<section class=\"impl\" id=\"{}\"><h2>{} <span class=\"score\">{}</span></h2><p><span class=\"verdict {}\">{}</span>{}</p><dl class=\"facts\">",
        anchor(i, None),
        esc(&i.name),
        esc(&score_line(i)),
        verdict_class(i),
        esc(&i.verdict),
        if i.outcome == Outcome::Graded {
            String::new()
        } else {
            format!(" <strong>{}</strong>", esc(i.outcome.label()))
        }
    );
    let mut fact = |k: &str, v: String| {
        let _ = write!(s, "<dt>{}</dt><dd>{v}</dd>", esc(k));
    };
    if !i.notes.is_empty() {
        fact("notes", esc(&i.notes));
    }
    fact("command", format!("<code>{}</code>", esc(&i.command)));
    fact("workdir", format!("<code>{}</code>", esc(&i.workdir)));
    fact(
        "cases",
        format!(
            "{} of {} passed, {} skipped",
            i.cases_passed,
            i.cases_run,
            i.skipped.len()
        ),
    );
    fact(
        "isolation",
        format!(
            "{}; limits: {}",
            i.sandbox.as_deref().map_or_else(
                || "no sandbox".to_string(),
                |b| format!("sandbox {}", esc(b))
            ),
            esc(&i.limits)
        ),
    );
    fact(
        "time",
        format!("<span class=\"v\">{:.1} s</span>", i.duration_s),
    );
    s.push_str("</dl>");
    if let Some(d) = &i.diagnosis {
        let _ = write!(
            s,
            "<div class=\"diag\"><strong>First contact:</strong> {}<br>{}</div>",
            esc(&d.summary),
            esc(&d.hint)
        );
    }
    if let Some(p) = &i.progress {
        let link = |ids: &[String], fail: bool| {
            if ids.is_empty() {
                return "none".to_string();
            }
            ids.iter()
                .map(|id| {
                    if fail {
                        format!("<a href=\"#{}\">{}</a>", anchor(i, Some(id)), esc(id))
                    } else {
                        esc(id)
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = write!(
            s,
            "<div class=\"progress\">Since the previous run ({} / {}): <strong>newly fixed</strong> {}; <strong>newly broken</strong> {}</div>",
            num(p.previous_score),
            num(p.previous_max),
            link(&p.fixed, false),
            link(&p.broken, true)
        );
    }
    if !i.detail.is_empty() {
        let _ = write!(s, "<pre>{}</pre>", esc(&i.detail));
    }
    for (row, c) in failing_cells(r, i) {
        let _ = write!(
            s,
            "<article id=\"{}\" class=\"{}\"><h3>{} {} — {}{}</h3><blockquote>{}</blockquote>",
            anchor(i, Some(&row.id)),
            c.status.as_str(),
            esc(&row.id),
            esc(&row.level),
            esc(&cell_word(c)),
            if c.max_points > 0.0 {
                format!(" · {}/{} points", num(c.points), num(c.max_points))
            } else {
                String::new()
            },
            esc(&row.text)
        );
        for f in i.failures_at(&row.id) {
            let _ = write!(
                s,
                "<h4>{} {}{}</h4><table class=\"ea\">",
                esc(&f.kind),
                esc(&f.case),
                if f.status == "flaky" {
                    format!(" — FLAKY: passed {} of {} runs", f.passes, f.runs)
                } else if f.runs > 1 {
                    format!(" — failed all {} runs", f.runs)
                } else {
                    String::new()
                }
            );
            if !f.step.is_empty() {
                let _ = write!(s, "<tr><th>step</th><td>{}</td></tr>", esc(&f.step));
            }
            let _ = write!(
                s,
                "<tr><th>expected</th><td>{}</td></tr><tr><th>actual</th><td>{}</td></tr></table>",
                esc(&f.expected),
                esc(&f.actual)
            );
            if !f.transcript.is_empty() {
                let _ = write!(
                    s,
                    "<details open><summary>transcript up to the failure</summary><pre>{}</pre></details>",
                    esc(&f.transcript)
                );
            }
            if !f.server.is_empty() {
                let _ = write!(
                    s,
                    "<details><summary>server</summary><pre>{}</pre></details>",
                    esc(&f.server)
                );
            }
            let _ = write!(
                s,
                "<p>rerun this case:</p><code class=\"rerun\">{}</code><button class=\"copy\" type=\"button\">copy</button>",
                esc(&f.rerun)
            );
        }
        s.push_str("</article>");
    }
    let blocked: Vec<String> = blocked_cells(r, i)
        .map(|(row, c)| format!("{} (by {})", esc(&row.id), esc(&c.blocked_by.join(", "))))
        .collect();
    if !blocked.is_empty() {
        let _ = write!(
            s,
            "<p><strong>Blocked, not verified</strong> (their cases stopped at a failing clause first): {}</p>",
            blocked.join(", ")
        );
    }
    if !i.skipped.is_empty() {
        s.push_str("<details><summary>skipped cases</summary><ul>");
        for (case, why) in &i.skipped {
            let _ = write!(s, "<li>{}: {}</li>", esc(case), esc(why));
        }
        s.push_str("</ul></details>");
    }
    s.push_str("<p><a class=\"top\" href=\"#top\">↑ back to the grid</a></p></section>\n");
}
