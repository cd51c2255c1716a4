//! The example class (`examples/class/class.toml`), graded once into
//! every format by the first trial that asks: its grid, points and rerun
//! lines, and each format against the fields its documentation names.

use crate::common::process::last_lines_of;
use crate::{
    R, artifacts, bwrap_works, examples, format_checks, grader, json_file, mismatch, read, run,
    verdict,
};
use conformance::class::model::{CellStatus, ClassReport, Outcome};
use conformance::target::shell_quote;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// One graded example class, shared by the trials that read it.
pub struct Example {
    pub dir: PathBuf,
    pub report: ClassReport,
    pub json: Value,
    pub secs: f64,
}

/// The example class, graded once (the first trial that asks runs it).
pub fn example() -> Result<&'static Example, String> {
    static EXAMPLE: OnceLock<Result<Example, String>> = OnceLock::new();
    EXAMPLE
        .get_or_init(|| {
            let dir = artifacts().join("one-run");
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            let mut cmd = Command::new(grader());
            cmd.arg(examples().join("class/class.toml"))
                .args(["--out"])
                .arg(&dir)
                .args(["--gradescope"])
                .arg(dir.join("gradescope-dir"))
                .args(["--classroom", "--no-progress"])
                .env("GITHUB_OUTPUT", dir.join("github_output"));
            if bwrap_works() {
                cmd.arg("--sandbox");
            }
            let started = Instant::now();
            let log = dir.join("grader.log");
            let st = run(cmd, Duration::from_secs(900), &log)?;
            let secs = started.elapsed().as_secs_f64();
            if !st.success() {
                return Err(format!(
                    "mftp-grade exited {st}:\n{}",
                    last_lines_of(&log, 60)
                ));
            }
            let report = ClassReport::read(&dir.join("class.json"))?;
            let json: Value = serde_json::from_str(
                &std::fs::read_to_string(dir.join("class.json")).map_err(|e| e.to_string())?,
            )
            .map_err(|e| e.to_string())?;
            println!(
                "\nexample class: 5 implementations graded in {secs:.1} s (see {})",
                dir.display()
            );
            Ok(Example {
                dir,
                report,
                json,
                secs,
            })
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Clauses that must fail (attributed) per example student, and the ones
/// that may fail with them (collateral the suite knowably attributes).
const EXPECT: &[(&str, &[&str], &[&str])] = &[
    ("reference", &[], &[]),
    ("python", &[], &[]),
    (
        "ann",
        &["FRAME-3", "FRAME-4", "PIPE-1", "PIPE-2"],
        &["FRAME-9", "FRAME-10"],
    ),
    ("ben", &["UPLOAD-2", "UPLOAD-5"], &["SEC-5"]),
    ("cleo", &["SIZE-2"], &[]),
];

pub fn example_grid() -> R {
    let ex = example()?;
    let r = &ex.report;
    let names: Vec<&str> = r.implementations.iter().map(|i| i.name.as_str()).collect();
    if names != ["reference", "python", "ann", "ben", "cleo"] {
        return Err(mismatch(
            "columns in manifest order",
            "reference python ann ben cleo",
            &names.join(" "),
        ));
    }
    let ids: BTreeSet<&str> = conformance::spec::clauses()
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    let rows: BTreeSet<&str> = r.clauses.iter().map(|c| c.id.as_str()).collect();
    if ids != rows {
        return Err("the rows are not the clauses of spec.md".into());
    }
    let mut problems = Vec::new();
    for (name, breaks, collateral) in EXPECT {
        let Some(i) = r.implementations.iter().find(|i| i.name == *name) else {
            problems.push(format!("{name}: no column"));
            continue;
        };
        if i.outcome != Outcome::Graded {
            problems.push(format!("{name}: outcome {:?}: {}", i.outcome, i.detail));
        }
        if i.cells.len() != ids.len() {
            problems.push(format!(
                "{name}: {} cells for {} clauses",
                i.cells.len(),
                ids.len()
            ));
        }
        let failing: BTreeSet<&str> = i
            .cells
            .iter()
            .filter(|(_, c)| {
                matches!(
                    c.status,
                    CellStatus::Fail | CellStatus::FailShould | CellStatus::Error
                )
            })
            .map(|(k, _)| k.as_str())
            .collect();
        for b in *breaks {
            if !failing.contains(b) {
                problems.push(format!(
                    "{name}: {b} should fail, cell is {:?}",
                    i.cells.get(*b).map(|c| c.status)
                ));
            }
        }
        for f in &failing {
            if !breaks.contains(f) && !collateral.contains(f) {
                problems.push(format!("{name}: {f} fails, not expected"));
            }
        }
        for (id, c) in &i.cells {
            if c.status == CellStatus::Flaky {
                println!(
                    "note: {name} {id} is flaky ({:?}) in this run (machine load?)",
                    c.ratio
                );
            }
        }
        // Points: the sum of the cells, each by the table of points.rs.
        let sum: f64 = i.cells.values().map(|c| c.points).sum();
        let max: f64 = i.cells.values().map(|c| c.max_points).sum();
        if (sum - i.score).abs() > 0.01 || (max - i.max_score).abs() > 0.01 {
            problems.push(format!(
                "{name}: score {}/{} but cells add up to {sum}/{max}",
                i.score, i.max_score
            ));
        }
        for (id, c) in &i.cells {
            let worth = r.row(id).map_or(0.0, |row| row.points);
            let ok = match c.status {
                CellStatus::Pass => c.points == worth && c.max_points == worth,
                CellStatus::Fail
                | CellStatus::FailShould
                | CellStatus::Blocked
                | CellStatus::NotRun => c.points == 0.0 && c.max_points == worth,
                CellStatus::Skip | CellStatus::Untestable => c.points == 0.0 && c.max_points == 0.0,
                CellStatus::Flaky => c.points < worth && c.max_points == worth,
                _ => true,
            };
            if !ok {
                problems.push(format!(
                    "{name} {id}: {:?} earns {}/{} of {worth}",
                    c.status, c.points, c.max_points
                ));
            }
        }
        // Every failure has the line that reruns it.
        for f in &i.failures {
            let want = format!("--exact {}", shell_quote(&f.case));
            if !f.rerun.starts_with("cd ")
                || !f.rerun.contains(&want)
                || !f.rerun.contains("--server-cmd")
            {
                problems.push(format!("{name}: rerun line of {}: {}", f.case, f.rerun));
            }
        }
    }
    // Clean servers get everything they can get.
    for name in ["reference", "python"] {
        if let Some(i) = r.implementations.iter().find(|i| i.name == name)
            && (i.score - i.max_score).abs() > 0.01
            && i.cells.values().all(|c| c.status != CellStatus::Flaky)
        {
            problems.push(format!(
                "{name}: {}/{} is not full marks",
                i.score, i.max_score
            ));
        }
    }
    // Scoring of the manifest: section 14 shares 20 points, SEC-* hidden,
    // a MUST clause elsewhere is worth 2, a SHOULD 1, untestable 0.
    let sec14: f64 = r
        .clauses
        .iter()
        .filter(|c| c.section.starts_with("14 "))
        .map(|c| c.points)
        .sum();
    if (sec14 - 20.0).abs() > 0.01 {
        problems.push(format!("section 14 is worth {sec14}, not 20"));
    }
    for row in &r.clauses {
        let want_hidden = row.id.starts_with("SEC-");
        if row.hidden != want_hidden {
            problems.push(format!("{} hidden = {}", row.id, row.hidden));
        }
        let want = if row.untestable.is_some() {
            Some(0.0)
        } else if row.section.starts_with("14 ") {
            None
        } else if row.level == "MUST" {
            Some(2.0)
        } else {
            Some(1.0)
        };
        if let Some(w) = want
            && (row.points - w).abs() > 1e-9
        {
            problems.push(format!("{} is worth {}, not {w}", row.id, row.points));
        }
    }
    if let Some(cleo) = r.implementations.iter().find(|i| i.name == "cleo")
        && cleo
            .cells
            .get("SIZE-2")
            .is_some_and(|c| c.status == CellStatus::Fail)
        && (cleo.max_score - cleo.score - 2.0).abs() > 0.01
        && cleo.cells.values().all(|c| c.status != CellStatus::Flaky)
    {
        problems.push(format!(
            "cleo loses exactly SIZE-2's 2 points: {}/{}",
            cleo.score, cleo.max_score
        ));
    }
    println!("example class graded in {:.1} s", ex.secs);
    verdict(&problems)
}

pub fn example_formats() -> R {
    let ex = example()?;
    let r = &ex.report;
    let mut problems = Vec::new();
    // JSON: versioned, stamped, keyed by clause ID.
    let j = &ex.json;
    if j["format_version"] != 1 || j["kind"] != "mftp-class-report" {
        problems.push(format!(
            "class JSON: format_version {} kind {}",
            j["format_version"], j["kind"]
        ));
    }
    if j["suite_version"].as_str() != Some(conformance::report::SUITE_VERSION) {
        problems.push("class JSON: suite_version".into());
    }
    if j["spec_sha256"].as_str() != Some(conformance::spec::spec_sha256().as_str()) {
        problems.push("class JSON: spec_sha256".into());
    }
    for i in j["implementations"].as_array().into_iter().flatten() {
        let keys: BTreeSet<&str> = i["cells"]
            .as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let ids: BTreeSet<&str> = conformance::spec::clauses()
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        if keys != ids {
            problems.push(format!(
                "class JSON: cells of {} are not keyed by every clause ID",
                i["name"]
            ));
        }
    }
    // Gradescope, both as --out writes it and as --gradescope DIR.
    for i in &r.implementations {
        let slug = conformance::case::slug(&i.name);
        for path in [
            ex.dir.join("gradescope").join(&slug).join("results.json"),
            ex.dir
                .join("gradescope-dir")
                .join(&slug)
                .join("results.json"),
        ] {
            match json_file(&path) {
                Ok(v) => problems.extend(
                    format_checks::check_gradescope(&v, i.score, i.max_score)
                        .into_iter()
                        .map(|p| format!("{}: {p}", path.display())),
                ),
                Err(e) => problems.push(format!("{e:?}")),
            }
        }
    }
    // GitHub Classroom: result_NAME=BASE64 lines in $GITHUB_OUTPUT.
    let out = read(&ex.dir.join("github_output"))?;
    for i in &r.implementations {
        let key = format!("result_{}=", conformance::case::slug(&i.name));
        let Some(line) = out.lines().find(|l| l.starts_with(&key)) else {
            problems.push(format!("$GITHUB_OUTPUT has no {key}"));
            continue;
        };
        match format_checks::decode_classroom(&line[key.len()..]) {
            Ok(v) => {
                problems.extend(
                    format_checks::check_classroom(&v)
                        .into_iter()
                        .map(|p| format!("classroom {}: {p}", i.name)),
                );
                let want = if i
                    .cells
                    .values()
                    .any(|c| c.status.is_failure() || c.status == CellStatus::Blocked)
                {
                    "fail"
                } else {
                    "pass"
                };
                if v["status"] != want {
                    problems.push(format!(
                        "classroom {}: status {} not {want}",
                        i.name, v["status"]
                    ));
                }
            }
            Err(e) => problems.push(format!("classroom {}: {e}", i.name)),
        }
    }
    // JUnit: well-formed, every testcase with name and classname.
    match format_checks::check_junit(
        &ex.dir.join("junit.xml"),
        r.implementations.len() * (1 + r.clauses.len()),
    ) {
        Ok(()) => {}
        Err(e) => problems.push(format!("junit.xml: {e}")),
    }
    // TAP 14.
    problems.extend(
        format_checks::check_tap(&read(&ex.dir.join("report.tap"))?)
            .into_iter()
            .map(|p| format!("report.tap: {p}")),
    );
    // Markdown: every row as wide as the header; every link has its anchor.
    problems.extend(
        format_checks::check_markdown(&read(&ex.dir.join("report.md"))?)
            .into_iter()
            .map(|p| format!("report.md: {p}")),
    );
    // HTML: self-contained; every failing cell links to an anchor.
    problems.extend(
        format_checks::check_html(&read(&ex.dir.join("index.html"))?)
            .into_iter()
            .map(|p| format!("index.html: {p}")),
    );
    verdict(&problems)
}
