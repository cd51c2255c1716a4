//! `mftp-grade merge --previous`: what was newly fixed and newly broken
//! since a previous run, in the model, on the page and in Markdown.

use crate::common::process::last_lines_of;
use crate::example::example;
use crate::{R, artifacts, grader, read, run, verdict};
use conformance::class::model::ClassReport;
use std::process::Command;
use std::time::Duration;

pub fn progress() -> R {
    let ex = example()?;
    let dir = artifacts().join("progress");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    // The previous run: cleo still passed SIZE-2, ann failed FRAME-1.
    let mut prev = ex.json.clone();
    for i in prev["implementations"].as_array_mut().into_iter().flatten() {
        match i["name"].as_str() {
            Some("cleo") => i["cells"]["SIZE-2"]["status"] = "pass".into(),
            Some("ann") => i["cells"]["FRAME-1"]["status"] = "fail".into(),
            _ => {}
        }
    }
    let prev_path = dir.join("previous.json");
    std::fs::write(&prev_path, prev.to_string()).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(grader());
    cmd.arg("merge")
        .arg(ex.dir.join("class.json"))
        .arg("--previous")
        .arg(&prev_path)
        .arg("--out")
        .arg(&dir);
    let st = run(cmd, Duration::from_secs(60), &dir.join("merge.log"))?;
    if !st.success() {
        return Err(format!(
            "merge --previous: exit {st}\n{}",
            last_lines_of(&dir.join("merge.log"), 20)
        )
        .into());
    }
    let r = ClassReport::read(&dir.join("class.json"))?;
    let get = |n: &str| {
        r.implementations
            .iter()
            .find(|i| i.name == n)
            .and_then(|i| i.progress.clone())
    };
    let cleo = get("cleo").ok_or("cleo has no progress")?;
    let ann = get("ann").ok_or("ann has no progress")?;
    let reference = get("reference").ok_or("reference has no progress")?;
    let mut problems = Vec::new();
    if cleo.broken != ["SIZE-2"] || !cleo.fixed.is_empty() {
        problems.push(format!(
            "cleo: fixed {:?} broken {:?}, expected broken [SIZE-2]",
            cleo.fixed, cleo.broken
        ));
    }
    if ann.fixed != ["FRAME-1"] || !ann.broken.is_empty() {
        problems.push(format!(
            "ann: fixed {:?} broken {:?}, expected fixed [FRAME-1]",
            ann.fixed, ann.broken
        ));
    }
    if !reference.fixed.is_empty() || !reference.broken.is_empty() {
        problems.push(format!("reference changed: {reference:?}"));
    }
    let html = read(&dir.join("index.html"))?;
    if !html.contains("newly broken</strong> <a href=\"#impl-cleo-size_2\">SIZE-2</a>") {
        problems.push("the page does not list cleo's SIZE-2 as newly broken, linked".into());
    }
    let md = read(&dir.join("report.md"))?;
    if !md.contains("**newly fixed** FRAME-1") {
        problems.push("the Markdown does not list ann's FRAME-1 as newly fixed".into());
    }
    verdict(&problems)
}
