//! The class reports of a synthetic class (names that need escaping, a
//! hidden clause) in every format, and the suite's own JUnit, against the
//! format checkers.

use super::R;
use super::fixtures::{synthetic_class, synthetic_report};
use crate::format_checks::{
    check_classroom, check_gradescope, check_html, check_junit, check_markdown, check_tap,
    decode_classroom,
};
use crate::verdict;
use conformance::class::model::ClassReport;
use conformance::class::report;

pub(super) fn synthetic_formats() -> R {
    let r = synthetic_class(&["a <b>", "c&d"]);
    let mut p = Vec::new();
    for i in &r.implementations {
        let g = report::gradescope::render(&r, i);
        p.extend(check_gradescope(&g, i.score, i.max_score));
        let hidden = g["tests"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| t["name"].as_str().is_some_and(|n| n.starts_with("LS-")))
            .all(|t| t["visibility"] == "after_due_date");
        if !hidden {
            p.push("hidden LS-* clauses are visible on Gradescope".into());
        }
        let line = report::classroom::output_line("result", &r, i);
        let b64 = line
            .strip_prefix("result=")
            .and_then(|l| l.strip_suffix('\n'))
            .unwrap_or("");
        match decode_classroom(b64) {
            Ok(v) => {
                p.extend(check_classroom(&v));
                if v["status"] != "fail" {
                    p.push(format!("classroom status {}", v["status"]));
                }
                let leaks = v["tests"].as_array().into_iter().flatten().any(|t| {
                    t["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("LS-3 MUST"))
                });
                if leaks {
                    p.push("a hidden clause's details reach GitHub Classroom".into());
                }
            }
            Err(e) => p.push(e),
        }
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let junit = dir.path().join("j.xml");
    std::fs::write(&junit, report::junit::render(&r)?).map_err(|e| e.to_string())?;
    if let Err(e) = check_junit(&junit, 2 * (1 + r.clauses.len())) {
        p.push(format!("junit: {e}"));
    }
    p.extend(check_tap(&report::tap::render(&r)));
    p.extend(check_markdown(&report::markdown::render(&r)));
    let html = report::html::render(&r);
    p.extend(check_html(&html));
    if html.contains("<b>")
        || html.contains("a <b>")
        || !html.contains("a &lt;b&gt;")
        || !html.contains("synthetic &lt;class&gt; &amp; &quot;co&quot;")
    {
        p.push("the page does not escape names".into());
    }
    if !html.contains("cd /w &amp;&amp; conformance --exact &#39;SIZE-2 MUST a&#39;") {
        p.push("the page lacks the rerun line".into());
    }
    let json = report::json::render(&r)?;
    let back: ClassReport = serde_json::from_str(&json).map_err(|e| e.to_string())?;
    if report::html::render(&back) != html {
        p.push("the page of the JSON read back differs".into());
    }
    verdict(&p)
}

pub(super) fn suite_junit() -> R {
    let rep = synthetic_report();
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("suite.xml");
    conformance::report::write_junit(&rep, &path).map_err(|e| e.to_string())?;
    check_junit(&path, rep.cases.len() + rep.checks.len()).map_err(Into::into)
}
