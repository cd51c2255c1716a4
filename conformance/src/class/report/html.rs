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

use super::{cell_word, num, score_line};
use crate::class::model::{Cell, CellStatus, ClassReport, ImplResult, Outcome};
use crate::class::report::markdown::anchor;
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

const CSS: &str = r#"
:root{--pass:#d8f0dc;--fail:#f7c9c9;--should:#fbe3c2;--flaky:#efdcf7;--error:#e0a0a0;--blocked:#e6e6e6;--skip:#f4f4f4;--ng:#d0d0d0;--line:#c8c8c8;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:14px;color:#1d1d1d}
body{margin:0 0 4em 0;background:#fff}
header{padding:12px 16px;border-bottom:1px solid var(--line);background:#fafafa}
h1{font-size:20px;margin:0 0 4px 0}
.meta{color:#555;margin:0 0 4px 0}
.summary{margin:0 0 6px 0}
.controls{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;margin:6px 0}
.controls input[type=search]{width:18em;padding:3px 6px}
.legend{color:#444;font-size:12px;margin-top:6px}
.legend span.c{display:inline-block;min-width:1.6em;text-align:center;border:1px solid var(--line);margin:0 2px 0 8px}
.wrap{overflow:auto;max-height:calc(100vh - 150px);margin:0 16px}
table.grid{border-collapse:separate;border-spacing:0;margin-top:8px}
.grid th,.grid td{border-right:1px solid var(--line);border-bottom:1px solid var(--line);padding:2px 6px}
.grid thead th{position:sticky;top:0;background:#fff;z-index:2;vertical-align:bottom;border-top:1px solid var(--line)}
.grid thead th.impl{min-width:7.5em;text-align:center}
.grid th.clause{position:sticky;left:0;background:#fff;z-index:1;text-align:left;font-weight:normal;white-space:nowrap;max-width:34em;overflow:hidden;text-overflow:ellipsis;border-left:1px solid var(--line)}
.grid thead th.clause{z-index:3}
.grid tr.sec th{background:#eef2f7;text-align:left;position:sticky;left:0}
.grid td.pts,.grid td.rate{text-align:right;color:#555;font-variant-numeric:tabular-nums}
.id{font-weight:600}.lvl{font-size:11px;color:#666;margin:0 4px}.txt{color:#555}
.lock{font-size:11px}
td.c{text-align:center;white-space:nowrap;font-variant-numeric:tabular-nums}
td.c a{color:inherit;text-decoration:none;display:block}
td.c a:hover{text-decoration:underline}
.c.pass{background:var(--pass)}.c.fail{background:var(--fail);font-weight:700}.c.fail-should{background:var(--should)}
.c.flaky{background:var(--flaky)}.c.error{background:var(--error)}.c.blocked{background:var(--blocked);color:#777}
.c.skip{background:var(--skip);color:#888}.c.not-run{color:#aaa}.c.untestable{color:#aaa;font-size:11px}.c.not-graded{background:var(--ng)}
.score{font-size:15px;font-weight:700;font-variant-numeric:tabular-nums}
.pct{font-size:12px;color:#444}
.verdict{font-size:11px;margin-top:2px;padding:1px 3px;border-radius:3px}
.verdict.ok{background:var(--pass)}.verdict.bad{background:var(--fail)}.verdict.err{background:#444;color:#fff}
.delta{font-size:11px;margin-top:2px}.delta .up{color:#176b2c}.delta .down{color:#a31515}
.bar{height:4px;background:#eee;margin-top:3px}.bar div{height:4px;background:#3a8f4f}
section.impl{margin:28px 16px 0 16px;border-top:2px solid #444;padding-top:6px}
section.impl h2{margin:4px 0;font-size:18px}
section.impl:target{background:#fffbe6}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 12px;margin:6px 0}
dl.facts dt{color:#666}dl.facts dd{margin:0}
.diag{border-left:4px solid #c0392b;background:#fdf0ef;padding:6px 10px;margin:8px 0}
.progress{border-left:4px solid #2c6fbb;background:#eef4fb;padding:6px 10px;margin:8px 0}
article{border:1px solid var(--line);border-radius:4px;margin:10px 0;padding:6px 10px}
article:target{outline:3px solid #f0b400}
article h3{margin:2px 0 4px 0;font-size:15px}
blockquote{margin:4px 0 8px 0;padding:4px 10px;border-left:3px solid #999;color:#333;background:#f7f7f7}
table.ea{border-collapse:collapse;margin:4px 0}
table.ea th{text-align:left;vertical-align:top;color:#666;padding:1px 10px 1px 0;font-weight:normal}
table.ea td{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px;white-space:pre-wrap;word-break:break-all}
pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:6px;overflow:auto;font-size:12px;max-height:30em}
code.rerun{display:block;white-space:pre-wrap;word-break:break-all;background:#f6f8fa;border:1px solid #e1e4e8;padding:4px;font-size:12px}
.hidden-row{display:none}
a.top{font-size:12px}
"#;

const JS: &str = r#"
(function(){
var errors=0;
window.addEventListener('error',function(){errors++;document.body.setAttribute('data-js-errors',String(errors));});
function $(s){return document.querySelector(s);}
function $$(s){return Array.prototype.slice.call(document.querySelectorAll(s));}
var grid=$('table.grid');
function apply(){
  var q=$('#q').value.trim().toLowerCase();
  var lvl=$('#level').value;var show=$('#show').value;
  $$('tbody.section').forEach(function(tb){
    var any=false;
    Array.prototype.slice.call(tb.querySelectorAll('tr.row')).forEach(function(tr){
      var ok=true;
      if(q&&tr.getAttribute('data-search').indexOf(q)<0)ok=false;
      if(lvl&&tr.getAttribute('data-level')!==lvl)ok=false;
      var st=tr.getAttribute('data-statuses');
      if(show==='failing'&&!/(^| )(fail|fail-should|flaky|error)( |$)/.test(st))ok=false;
      if(show==='flaky'&&!/(^| )flaky( |$)/.test(st))ok=false;
      if(show==='notall'&&tr.getAttribute('data-allpass')==='1')ok=false;
      if(show==='blocked'&&!/(^| )blocked( |$)/.test(st))ok=false;
      tr.classList.toggle('hidden-row',!ok);if(ok)any=true;
    });
    tb.querySelector('tr.sec').classList.toggle('hidden-row',!any);
  });
}
function sortCols(){
  var mode=$('#colsort').value;
  var heads=$$('thead th.impl');
  var order=heads.map(function(th){return{col:+th.getAttribute('data-col'),name:th.getAttribute('data-name'),pct:+th.getAttribute('data-pct')};});
  if(mode==='score-desc')order.sort(function(a,b){return b.pct-a.pct||a.col-b.col;});
  else if(mode==='score-asc')order.sort(function(a,b){return a.pct-b.pct||a.col-b.col;});
  else if(mode==='name')order.sort(function(a,b){return a.name<b.name?-1:a.name>b.name?1:0;});
  else order.sort(function(a,b){return a.col-b.col;});
  $$('table.grid tr').forEach(function(tr){
    var cells={};Array.prototype.slice.call(tr.children).forEach(function(td){var c=td.getAttribute('data-col');if(c!==null)cells[c]=td;});
    order.forEach(function(o){if(cells[o.col])tr.appendChild(cells[o.col]);});
  });
}
function sortRows(){
  var mode=$('#rowsort').value;
  $$('tbody.section').forEach(function(tb){
    var rows=Array.prototype.slice.call(tb.querySelectorAll('tr.row'));
    rows.sort(function(a,b){
      if(mode==='hardest'){var d=(+a.getAttribute('data-rate'))-(+b.getAttribute('data-rate'));if(d)return d;}
      return (+a.getAttribute('data-pos'))-(+b.getAttribute('data-pos'));
    });
    rows.forEach(function(r){tb.appendChild(r);});
  });
}
['#q','#level','#show'].forEach(function(s){$(s).addEventListener('input',apply);$(s).addEventListener('change',apply);});
$('#colsort').addEventListener('change',sortCols);
$('#rowsort').addEventListener('change',sortRows);
$$('button.copy').forEach(function(b){b.addEventListener('click',function(){
  var t=b.previousElementSibling.textContent;
  try{navigator.clipboard.writeText(t);b.textContent='copied';}catch(e){b.textContent='select and copy';}
});});
var params=new URLSearchParams(location.search);
if(params.get('show')){$('#show').value=params.get('show');}
if(params.get('cols')){$('#colsort').value=params.get('cols');sortCols();}
if(params.get('rows')){$('#rowsort').value=params.get('rows');sortRows();}
apply();
document.body.setAttribute('data-js-errors',String(errors));
document.body.setAttribute('data-ready','1');
})();
"#;

/// The page.
#[must_use]
pub fn render(r: &ClassReport) -> String {
    let mut s = String::with_capacity(256 * 1024);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"generator\" content=\"mftp-grade {}\">\
         <title>{} — mftp/1 conformance</title><style>{CSS}</style></head>\n<body id=\"top\" data-js-errors=\"0\">\n",
        esc(&r.suite_version),
        esc(&r.class)
    );
    header(&mut s, r);
    grid(&mut s, r);
    for i in &r.implementations {
        implementation(&mut s, r, i);
    }
    let _ = write!(s, "<script>{JS}</script>\n</body></html>\n");
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
        if r.shards.is_empty() {
            String::new()
        } else {
            format!(
                " (shard {})",
                r.shards
                    .iter()
                    .map(|x| format!("{}/{}", x.index, x.count))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
        if r.sandboxed {
            " · sandboxed (bwrap)"
        } else {
            ""
        },
        r.clauses.len(),
        num(r.scoring.must),
        num(r.scoring.should),
        match r.scoring.flaky {
            crate::class::points::FlakyRule::Ratio => "× pass ratio",
            crate::class::points::FlakyRule::Zero => "0",
            crate::class::points::FlakyRule::Full => "full",
        },
        match r.scoring.skip {
            crate::class::points::SkipRule::Exclude => "left out of the maximum",
            crate::class::points::SkipRule::Zero => "0",
            crate::class::points::SkipRule::Full => "full",
        },
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

fn verdict_class(i: &ImplResult) -> &'static str {
    match i.outcome {
        Outcome::Graded if i.exit_status == Some(0) => "ok",
        Outcome::Graded => "bad",
        _ => "err",
    }
}

fn grid(s: &mut String, r: &ClassReport) {
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

fn implementation(s: &mut String, r: &ClassReport, i: &ImplResult) {
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
    for row in &r.clauses {
        let Some(c) = i.cells.get(&row.id) else {
            continue;
        };
        if !c.status.is_failure() {
            continue;
        }
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
    let blocked: Vec<String> = r
        .clauses
        .iter()
        .filter_map(|row| {
            let c = i.cells.get(&row.id)?;
            (c.status == CellStatus::Blocked)
                .then(|| format!("{} (by {})", esc(&row.id), esc(&c.blocked_by.join(", "))))
        })
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
