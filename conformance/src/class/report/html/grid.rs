//! The grid: a row per clause, grouped by section, with the data the
//! script filters and sorts by; a column per implementation with its
//! score, verdict and progress on top. Every failing cell links to the
//! implementation's section.

use super::{esc, symbol, verdict_class};
use crate::class::model::{Cell, CellStatus, ClassReport, ImplResult, Outcome};
use crate::class::report::markdown::anchor;
use crate::class::report::{cell_word, num};
use std::fmt::Write as _;

pub(super) fn grid(s: &mut String, r: &ClassReport) {
    s.push_str("<div class=\"wrap\"><table class=\"grid\"><thead><tr><th class=\"clause\">clause</th><th>pts</th><th>class</th>");
    for (col, i) in r.implementations.iter().enumerate() {
        // The verdict word; what it leaves untested goes to the title.
        let verdict = if i.outcome == Outcome::Graded {
            i.verdict.split(',').next().unwrap_or("").to_string()
        } else {
            i.outcome.label().to_string()
        };
        let _ = write!(
            s,
            "<th class=\"impl\" data-col=\"{col}\" data-name=\"{}\" data-pct=\"{:.2}\" title=\"{}\"><a href=\"#{}\">{}</a>\
             <div class=\"score\">{}</div><div class=\"pct\">{} / {} · {:.1}%</div><div class=\"bar\"><div style=\"width:{:.1}%\"></div></div>\
             <div class=\"verdict {}\">{}</div>",
            esc(&i.name),
            i.percent,
            esc(&format!("{}: {}", i.name, i.verdict)),
            anchor(i, None),
            esc(&i.name),
            num(i.score),
            num(i.score),
            num(i.max_score),
            i.percent,
            i.percent.clamp(0.0, 100.0),
            verdict_class(i),
            esc(&verdict.chars().take(40).collect::<String>())
        );
        if let Some(p) = &i.progress {
            let _ = write!(
                s,
                "<div class=\"delta\" title=\"since the previous run ({}/{}): newly fixed {}; newly broken {}\"><span class=\"up\">+{}</span> <span class=\"down\">−{}</span></div>",
                num(p.previous_score),
                num(p.previous_max),
                esc(&p.fixed.join(", ")),
                esc(&p.broken.join(", ")),
                p.fixed.len(),
                p.broken.len()
            );
        }
        s.push_str("</th>");
    }
    s.push_str("</tr></thead>\n");
    let ncols = r.implementations.len() + 3;
    let mut pos = 0;
    for (section, rows) in r.sections() {
        let _ = writeln!(
            s,
            "<tbody class=\"section\"><tr class=\"sec\"><th colspan=\"{ncols}\">§{}</th></tr>",
            esc(&section.replace('`', ""))
        );
        for row in rows {
            pos += 1;
            let statuses: Vec<&str> = r
                .implementations
                .iter()
                .filter_map(|i| i.cells.get(&row.id).map(|c| c.status.as_str()))
                .collect();
            #[allow(clippy::cast_precision_loss)]
            let rate = if row.graded == 0 {
                1.0
            } else {
                row.passed as f64 / row.graded as f64
            };
            let all_pass = r.implementations.iter().all(|i| {
                i.cells
                    .get(&row.id)
                    .is_none_or(|c| !c.status.is_failure() && c.status != CellStatus::Blocked)
            });
            let short: String = row.text.chars().take(70).collect();
            let _ = write!(
                s,
                "<tr class=\"row\" data-id=\"{}\" data-level=\"{}\" data-pos=\"{pos}\" data-rate=\"{rate:.4}\" data-allpass=\"{}\" data-statuses=\"{}\" data-search=\"{}\">\
                 <th class=\"clause\" title=\"{}\"><span class=\"id\">{}</span><span class=\"lvl\">{}</span>{}<span class=\"txt\">{}{}</span></th>\
                 <td class=\"pts\">{}</td><td class=\"rate\">{}/{}</td>",
                esc(&row.id),
                esc(&row.level),
                u8::from(all_pass),
                statuses.join(" "),
                esc(&format!("{} {} {}", row.id, row.level, row.text).to_lowercase()),
                esc(&format!("{} {} — {}", row.id, row.level, row.text)),
                esc(&row.id),
                esc(&row.level),
                if row.hidden {
                    "<span class=\"lock\" title=\"hidden from students\">⚑</span> "
                } else {
                    ""
                },
                esc(&short),
                if row.text.chars().count() > 70 {
                    "…"
                } else {
                    ""
                },
                num(row.points),
                row.passed,
                row.graded
            );
            for (col, i) in r.implementations.iter().enumerate() {
                match i.cells.get(&row.id) {
                    Some(c) => cell(s, col, i, &row.id, c),
                    None => {
                        let _ = write!(s, "<td class=\"c\" data-col=\"{col}\"></td>");
                    }
                }
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody>\n");
    }
    s.push_str("</table></div>\n");
}

fn cell(s: &mut String, col: usize, i: &ImplResult, clause: &str, c: &Cell) {
    let mut title = format!("{} · {}: {}", i.name, clause, cell_word(c));
    if c.max_points > 0.0 {
        let _ = write!(title, " · {}/{} points", num(c.points), num(c.max_points));
    }
    if !c.blocked_by.is_empty() && c.status == CellStatus::Blocked {
        let _ = write!(title, " · blocked by {}", c.blocked_by.join(", "));
    }
    if let Some(n) = &c.note {
        let _ = write!(title, " · {}", n.chars().take(120).collect::<String>());
    }
    if !c.cases.is_empty() {
        let _ = write!(
            title,
            " · {} case{}",
            c.cases.len(),
            if c.cases.len() == 1 { "" } else { "s" }
        );
    }
    let text = match (c.status, c.ratio) {
        (CellStatus::Flaky, Some((p, n))) => format!("~ {p}/{n}"),
        (st, _) => symbol(st).to_string(),
    };
    let _ = write!(
        s,
        "<td class=\"c {}\" data-col=\"{col}\" title=\"{}\">",
        c.status.as_str(),
        esc(&title)
    );
    if c.status.is_failure() {
        let _ = write!(
            s,
            "<a href=\"#{}\">{}</a>",
            anchor(i, Some(clause)),
            esc(&text)
        );
    } else {
        s.push_str(&esc(&text));
    }
    s.push_str("</td>");
}
