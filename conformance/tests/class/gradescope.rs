//! The Gradescope example (`examples/gradescope/`): `run_autograder` in a
//! copy of Gradescope's layout grades a submission (the Python server with
//! one bug) into a `results.json` with the documented fields.

use crate::common::process::last_lines_of;
use crate::{R, artifacts, examples, format_checks, grader, json_file, run, verdict};
use conformance::class::model::ClassReport;
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub fn gradescope_example() -> R {
    let ag = artifacts().join("autograder");
    let _ = std::fs::remove_dir_all(&ag);
    let source = ag.join("source");
    let sub = ag.join("submission");
    std::fs::create_dir_all(source.join("bin")).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&sub).map_err(|e| e.to_string())?;
    std::fs::copy(
        examples().join("gradescope/mftp.toml"),
        source.join("mftp.toml"),
    )
    .map_err(|e| e.to_string())?;
    for bin in [grader(), env!("CARGO_BIN_EXE_conformance")] {
        let name = Path::new(bin).file_name().ok_or("bin name")?;
        std::os::unix::fs::symlink(bin, source.join("bin").join(name))
            .map_err(|e| e.to_string())?;
    }
    // The submission: the Python server with the size-float bug.
    std::fs::write(
        sub.join("server.py"),
        format!(
            "import os, sys\nos.execv(sys.executable, [sys.executable, {:?}, '--bug', 'size-float'] + sys.argv[1:])\n",
            crate::common::python::server_py().display().to_string()
        ),
    )
    .map_err(|e| e.to_string())?;
    // Arguments go on to mftp-grade: no reruns, to keep this quick.
    let mut cmd = Command::new("bash");
    cmd.arg(examples().join("gradescope/run_autograder"))
        .args(["--reruns", "0"])
        .env("AUTOGRADER_ROOT", &ag);
    let started = Instant::now();
    let st = run(
        cmd,
        Duration::from_secs(600),
        &ag.join("run_autograder.log"),
    )?;
    let secs = started.elapsed().as_secs_f64();
    if !st.success() {
        return Err(format!(
            "run_autograder: exit {st}\n{}",
            last_lines_of(&ag.join("run_autograder.log"), 30)
        )
        .into());
    }
    let v = json_file(&ag.join("results/results.json"))?;
    let r = ClassReport::read(&ag.join("results/class.json"))?;
    let i = &r.implementations[0];
    let mut problems = format_checks::check_gradescope(&v, i.score, i.max_score);
    let tests = v["tests"].as_array().cloned().unwrap_or_default();
    let size2 = tests
        .iter()
        .find(|t| t["name"].as_str().is_some_and(|n| n.starts_with("SIZE-2 ")));
    match size2 {
        Some(t)
            if t["status"] == "failed"
                && t["score"] == 0.0
                && t["output"].as_str().is_some_and(|o| {
                    o.contains("rerun this case: cd ") && o.contains("expected:")
                }) => {}
        other => problems.push(format!("SIZE-2 test: {other:?}")),
    }
    let hidden: Vec<&Value> = tests
        .iter()
        .filter(|t| {
            t["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("SEC-") || n.starts_with("LIMIT-"))
        })
        .collect();
    if hidden.is_empty() || hidden.iter().any(|t| t["visibility"] != "after_due_date") {
        problems.push("SEC-* and LIMIT-* tests are not after_due_date".into());
    }
    if tests
        .iter()
        .filter(|t| t["visibility"] == "visible")
        .count()
        < 30
    {
        problems.push("too few visible tests".into());
    }
    println!("gradescope example graded one submission in {secs:.1} s");
    verdict(&problems)
}
