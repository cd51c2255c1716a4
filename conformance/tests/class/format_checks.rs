//! Checkers of the class reports' formats, shared by the unit tests (a
//! synthetic class) and the example class's trials: each checks a format
//! against the fields its documentation names (Gradescope, GitHub
//! Classroom, JUnit, TAP 14, Markdown, the HTML page).

use base64::Engine as _;
use serde_json::Value;
use std::path::Path;

/// Checks a Gradescope results.json against the documented fields.
pub fn check_gradescope(v: &Value, score: f64, max: f64) -> Vec<String> {
    let mut p = Vec::new();
    if !v["score"].is_number() {
        p.push("score is not a number".into());
    }
    if !v["execution_time"].is_number() {
        p.push("execution_time is not a number".into());
    }
    if !v["output"].is_string() {
        p.push("output is not a string".into());
    }
    let Some(tests) = v["tests"].as_array() else {
        p.push("tests is not an array".into());
        return p;
    };
    let mut sum = 0.0;
    let mut max_sum = 0.0;
    for t in tests {
        for (k, ok) in [
            ("name", t["name"].is_string()),
            ("number", t["number"].is_string()),
            ("score", t["score"].is_number()),
            ("max_score", t["max_score"].is_number()),
            (
                "status",
                matches!(t["status"].as_str(), Some("passed" | "failed")),
            ),
            ("output", t["output"].is_string()),
            (
                "visibility",
                matches!(
                    t["visibility"].as_str(),
                    Some("visible" | "hidden" | "after_due_date" | "after_published")
                ),
            ),
            (
                "tags",
                t["tags"]
                    .as_array()
                    .is_some_and(|a| a.iter().all(Value::is_string)),
            ),
        ] {
            if !ok {
                p.push(format!("test {}: field {k} = {}", t["name"], t[k]));
            }
        }
        sum += t["score"].as_f64().unwrap_or(0.0);
        max_sum += t["max_score"].as_f64().unwrap_or(0.0);
    }
    if (sum - v["score"].as_f64().unwrap_or(-1.0)).abs() > 0.05
        || (sum - score).abs() > 0.05
        || (max_sum - max).abs() > 0.05
    {
        p.push(format!(
            "score {} and tests' sum {sum}/{max_sum} vs the model's {score}/{max}",
            v["score"]
        ));
    }
    p
}

/// Decodes a GitHub Classroom result.
pub fn decode_classroom(b64: &str) -> Result<Value, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| format!("base64: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("JSON: {e}"))
}

/// Checks a GitHub Classroom result against the reporter's fields.
pub fn check_classroom(v: &Value) -> Vec<String> {
    let mut p = Vec::new();
    if v["version"] != 1 {
        p.push(format!("version {}", v["version"]));
    }
    if !matches!(v["status"].as_str(), Some("pass" | "fail" | "error")) {
        p.push(format!("status {}", v["status"]));
    }
    let Some(max) = v["max_score"].as_f64() else {
        p.push("max_score is not a number".into());
        return p;
    };
    let mut sum = 0.0;
    for t in v["tests"].as_array().into_iter().flatten() {
        if !t["name"].is_string()
            || !t["message"].is_string()
            || !t["score"].is_number()
            || !matches!(t["status"].as_str(), Some("pass" | "fail" | "error"))
        {
            p.push(format!("test {t}"));
        }
        sum += t["score"].as_f64().unwrap_or(0.0);
    }
    if sum > max + 0.05 {
        p.push(format!("tests add up to {sum} > max_score {max}"));
    }
    p
}

/// JUnit: well-formed XML (Python's parser) in which every `testcase` has
/// `name` and `classname`, `count` of them.
pub fn check_junit(path: &Path, count: usize) -> Result<(), String> {
    let script = r#"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = list(root.iter("testcase"))
bad = [c.attrib for c in cases if not c.get("name") or not c.get("classname")]
print(len(cases), len(bad))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "not well-formed XML: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text
        .split_whitespace()
        .map(|n| n.parse::<usize>().unwrap_or(usize::MAX));
    let (n, bad) = (it.next().unwrap_or(0), it.next().unwrap_or(1));
    if bad != 0 {
        return Err(format!("{bad} testcases without name or classname"));
    }
    if n != count {
        return Err(format!("{n} testcases, expected {count}"));
    }
    Ok(())
}

/// TAP 14: the version line, plans that match the test points, numbers in
/// order, subtests indented four spaces and announced, YAML blocks closed.
pub fn check_tap(text: &str) -> Vec<String> {
    let mut p = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    if lines.first() != Some(&"TAP version 14") {
        p.push("first line is not `TAP version 14`".into());
    }
    check_tap_level(&lines[1.min(lines.len())..], "", &mut p);
    p
}

fn check_tap_level(lines: &[&str], indent: &str, p: &mut Vec<String>) {
    let mine: Vec<(usize, &str)> = lines
        .iter()
        .enumerate()
        .filter_map(|(k, l)| l.strip_prefix(indent).map(|r| (k, r)))
        .filter(|(_, r)| !r.starts_with(' '))
        .collect();
    let plan = mine.iter().find_map(|(_, l)| l.strip_prefix("1.."));
    let points: Vec<(usize, &str)> = mine
        .iter()
        .filter(|(_, l)| l.starts_with("ok ") || l.starts_with("not ok "))
        .copied()
        .collect();
    match plan.and_then(|n| n.parse::<usize>().ok()) {
        Some(n) if n == points.len() => {}
        other => p.push(format!(
            "{indent:?}: plan {other:?} for {} test points",
            points.len()
        )),
    }
    for (want, (_, l)) in points.iter().enumerate() {
        let num = l
            .trim_start_matches("not ")
            .trim_start_matches("ok ")
            .split(' ')
            .next()
            .unwrap_or("");
        if num != (want + 1).to_string() {
            p.push(format!(
                "{indent:?}: test point {num} where {} was due",
                want + 1
            ));
            break;
        }
    }
    // YAML blocks: `  ---` after a point, closed by `  ...`.
    let mut open = false;
    for l in lines.iter().filter_map(|l| l.strip_prefix(indent)) {
        if l == "  ---" {
            open = true;
        } else if l == "  ..." {
            if !open {
                p.push(format!("{indent:?}: `...` without `---`"));
            }
            open = false;
        }
    }
    if open {
        p.push(format!("{indent:?}: a YAML block is not closed"));
    }
    // Subtests: `# Subtest: NAME` then lines indented four more, then the
    // parent's point.
    if indent.is_empty() {
        let mut k = 0;
        while k < lines.len() {
            if lines[k].starts_with("# Subtest: ") {
                let start = k + 1;
                let mut end = start;
                while end < lines.len() && lines[end].starts_with("    ") {
                    end += 1;
                }
                if !lines
                    .get(end)
                    .is_some_and(|l| l.starts_with("ok ") || l.starts_with("not ok "))
                {
                    p.push(format!(
                        "subtest at line {k} is not followed by its test point"
                    ));
                }
                check_tap_level(&lines[start..end], "    ", p);
                k = end;
            } else {
                k += 1;
            }
        }
    }
}

/// Markdown: table rows as wide as their header; every `](#x)` link has
/// its `<a id="x">`.
pub fn check_markdown(text: &str) -> Vec<String> {
    let mut p = Vec::new();
    let cells = |l: &str| l.replace("\\|", "").matches('|').count();
    let mut width = None;
    for l in text.lines() {
        if l.starts_with('|') {
            let w = cells(l);
            match width {
                None => width = Some(w),
                Some(h) if h != w => p.push(format!(
                    "row with {w} bars under a header of {h}: {}",
                    l.chars().take(80).collect::<String>()
                )),
                _ => {}
            }
        } else {
            width = None;
        }
    }
    for part in text.split("](#").skip(1) {
        let target = part.split(')').next().unwrap_or("");
        if !text.contains(&format!("<a id=\"{target}\"></a>")) {
            p.push(format!("link to #{target} has no anchor"));
        }
    }
    p
}

/// HTML: self-contained (no external URL loaded), every in-page link has
/// its id, the script's markers present.
pub fn check_html(text: &str) -> Vec<String> {
    let mut p = Vec::new();
    for bad in ["<link ", "src=\"http", "src='http", "@import", "url(http"] {
        if text.contains(bad) {
            p.push(format!("loads something from outside: {bad}"));
        }
    }
    for part in text.split("href=\"#").skip(1) {
        let target = part.split('"').next().unwrap_or("");
        if !target.is_empty() && !text.contains(&format!("id=\"{target}\"")) {
            p.push(format!("link to #{target} has no element with that id"));
        }
    }
    if !text.starts_with("<!DOCTYPE html>") || !text.contains("data-js-errors") {
        p.push("not the page's frame".into());
    }
    p
}
