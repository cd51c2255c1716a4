//! `mftp-grade`, the class grader: the example class graded in one
//! command into every format, checked against each format's documented
//! fields; the same class in two shards merged into the same page; the
//! page in headless Chromium; progress since a previous run; the ways an
//! implementation fails before any clause (build, port, greeting, hang,
//! flakiness); the sandbox; the Gradescope example. The unit tests of
//! `src/class/` run here too (the library has no test harness of its own).
//!
//! ```text
//! cargo test -p conformance --test class
//! cargo test -p conformance --test class -- browser
//! ```
//!
//! Like the other targets it accepts the suite's options, which `cargo
//! test -p conformance -- --server X` passes to every target, and skips
//! itself when a server to grade is given. Artifacts (the example class's
//! reports and the browser's screenshots) go to
//! `target/tmp/mftp-class/`.

mod common;

#[path = "class/browser.rs"]
mod browser;
#[path = "class/edge.rs"]
mod edge;
#[path = "class/example.rs"]
mod example;
#[path = "class/format_checks.rs"]
mod format_checks;
#[path = "class/gradescope.rs"]
mod gradescope;
#[path = "class/progress.rs"]
mod progress;
#[path = "class/sandbox.rs"]
mod sandbox;
#[path = "class/shards.rs"]
mod shards;
#[path = "class/unit/mod.rs"]
mod unit;

use common::args::SERVER;
use common::process::{Reach, last_lines_of};
use libtest_mimic::{Failed, Trial};
use serde_json::Value;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

type R = Result<(), Failed>;

fn main() {
    // The slow trials mostly wait on sockets; the example class, its
    // shards and the edge cases go on side by side, 4 at a time.
    let Some(args) = common::args::libtest_arguments("class", &SERVER, 4) else {
        return;
    };
    let mut trials = unit::trials();
    trials.extend([
        Trial::test(
            "example class: grid, points, rerun lines",
            example::example_grid,
        ),
        Trial::test(
            "example class: every format against its documented fields",
            example::example_formats,
        ),
        Trial::test(
            "example class: 2 shards + merge give the same page as one run",
            shards::shards_merge,
        ),
        Trial::test(
            "example class: the page in headless Chromium",
            browser::browser,
        ),
        Trial::test(
            "example class: --previous lists newly fixed and newly broken",
            progress::progress,
        ),
        Trial::test(
            "edge class: build failure, wrong port, no greeting, hang, flaky, limits",
            edge::edge_class,
        ),
        Trial::test(
            "sandbox: read-only, no other processes, loopback only, dies with the grader",
            sandbox::sandbox,
        ),
        Trial::test(
            "gradescope example: run_autograder grades a submission",
            gradescope::gradescope_example,
        ),
    ]);
    libtest_mimic::run(&args, trials).exit();
}

fn grader() -> &'static str {
    env!("CARGO_BIN_EXE_mftp-grade")
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// Where artifacts go: `target/tmp/mftp-class/`.
fn artifacts() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("mftp-class")
}

/// How long a command stopped at its limit has to end before its group is
/// killed.
const GRACE: Duration = Duration::from_secs(5);

/// Runs `cmd` (own process group, output to `log`, `python3` on PATH the
/// real interpreter, none of the suite's options from the environment),
/// stopping the group at `limit`.
fn run(mut cmd: Command, limit: Duration, log: &Path) -> Result<ExitStatus, String> {
    let out = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    cmd.stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .env("PATH", common::python::path_env())
        .process_group(0);
    for v in common::suite::OPTION_VARS {
        cmd.env_remove(v);
    }
    let mut child = cmd.spawn().map_err(|e| format!("spawn: {e}"))?;
    if let Some(status) = common::process::wait_until(&mut child, Instant::now() + limit)? {
        return Ok(status);
    }
    common::process::stop(&mut child, Reach::Group, GRACE);
    Err(format!(
        "did not finish within {} s; output:\n{}",
        limit.as_secs(),
        last_lines_of(log, 40)
    ))
}

/// Whether bubblewrap is installed and works here.
fn bwrap_works() -> bool {
    Command::new("bwrap")
        .args([
            "--ro-bind",
            "/",
            "/",
            "--unshare-net",
            "--unshare-pid",
            "--die-with-parent",
            "true",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Expected and actual, as separate blocks.
fn mismatch(what: &str, expected: &str, actual: &str) -> Failed {
    format!("{what}\n--- expected ---\n{expected}\n--- actual ---\n{actual}").into()
}

/// A trial's outcome from the problems it found, one a line.
fn verdict(problems: &[String]) -> R {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

fn read(path: &Path) -> Result<String, Failed> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()).into())
}

fn json_file(path: &Path) -> Result<Value, Failed> {
    serde_json::from_str(&read(path)?).map_err(|e| format!("{}: {e}", path.display()).into())
}
