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

use conformance::class::model::{CellStatus, ClassReport, Outcome};
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

#[path = "class/unit.rs"]
mod class_unit;

type R = Result<(), Failed>;

fn main() {
    let mut argv = std::env::args();
    let argv0 = argv.next().unwrap_or_else(|| "class".into());
    let (grading, rest) = split_args(argv.collect());
    let list = rest.iter().any(|a| a == "--list");
    let from_env = ["MFTP_SERVER", "MFTP_SERVER_CMD"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    if grading || from_env {
        if !list {
            println!(
                "class: skipped, a server to grade was given (--server/--server-cmd/MFTP_SERVER/MFTP_SERVER_CMD)"
            );
        }
        return;
    }
    let mut args = Arguments::from_iter(std::iter::once(argv0).chain(rest));
    // The slow trials mostly wait on sockets; the example class, its
    // shards and the edge cases go on side by side.
    if args.test_threads.is_none() {
        args.test_threads = Some(4);
    }
    let mut trials = class_unit::trials();
    trials.extend([
        Trial::test("example class: grid, points, rerun lines", example_grid),
        Trial::test(
            "example class: every format against its documented fields",
            example_formats,
        ),
        Trial::test(
            "example class: 2 shards + merge give the same page as one run",
            shards_merge,
        ),
        Trial::test("example class: the page in headless Chromium", browser),
        Trial::test(
            "example class: --previous lists newly fixed and newly broken",
            progress,
        ),
        Trial::test(
            "edge class: build failure, wrong port, no greeting, hang, flaky, limits",
            edge_class,
        ),
        Trial::test(
            "sandbox: read-only, no other processes, loopback only, dies with the grader",
            sandbox,
        ),
        Trial::test(
            "gradescope example: run_autograder grades a submission",
            gradescope_example,
        ),
    ]);
    libtest_mimic::run(&args, trials).exit();
}

/// Pulls the suite's options out of the arguments (as `kill_table.rs`).
fn split_args(args: Vec<String>) -> (bool, Vec<String>) {
    let mut grading = false;
    let mut rest = Vec::new();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let flag = arg.split_once('=').map_or(arg.as_str(), |(f, _)| f);
        if conformance::options::FLAG_OPTIONS.contains(&flag) {
            continue;
        }
        if !conformance::options::VALUE_OPTIONS.contains(&flag) {
            rest.push(arg);
            continue;
        }
        grading |= matches!(
            flag,
            "--server" | "--server-cmd" | "--client" | "--client-cmd"
        );
        if !arg.contains('=') {
            let _ = it.next();
        }
    }
    (grading, rest)
}

fn grader() -> &'static str {
    env!("CARGO_BIN_EXE_mftp-grade")
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn fixture_server() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/python-server/server.py")
}

/// Where artifacts go: `target/tmp/mftp-class/`.
fn artifacts() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("mftp-class")
}

/// `PATH` with the real Python interpreter's folder first: a version
/// manager's `python3` shim costs more than Python on each of the
/// hundreds of server starts.
fn path_env() -> &'static String {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        let old = std::env::var("PATH").unwrap_or_default();
        let exe = Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .stdin(Stdio::null())
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|s| !s.is_empty());
        match exe.as_deref().and_then(|e| Path::new(e).parent()) {
            Some(dir) => format!("{}:{old}", dir.display()),
            None => old,
        }
    })
}

/// Runs `cmd` (own process group), killing the group at `limit`.
fn run(mut cmd: Command, limit: Duration, log: &Path) -> Result<ExitStatus, String> {
    use std::os::unix::process::CommandExt as _;
    let out = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    cmd.stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .env("PATH", path_env())
        .process_group(0);
    for v in [
        "MFTP_SERVER",
        "MFTP_SERVER_CMD",
        "MFTP_REPORT_JSON",
        "MFTP_JUNIT",
    ] {
        cmd.env_remove(v);
    }
    let mut child = cmd.spawn().map_err(|e| format!("spawn: {e}"))?;
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(Some(st)) = child.try_wait() {
            return Ok(st);
        }
        if Instant::now() >= deadline {
            let pg = i32::try_from(child.id())
                .ok()
                .and_then(rustix::process::Pid::from_raw);
            if let Some(pg) = pg {
                let _ = rustix::process::kill_process_group(pg, rustix::process::Signal::TERM);
                std::thread::sleep(Duration::from_secs(5));
                let _ = rustix::process::kill_process_group(pg, rustix::process::Signal::KILL);
            }
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "did not finish within {} s; output:\n{}",
                limit.as_secs(),
                tail(log, 40)
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
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

/// One graded example class, shared by the trials that read it.
struct Example {
    dir: PathBuf,
    report: ClassReport,
    json: Value,
    secs: f64,
}

/// The example class, graded once (the first trial that asks runs it).
fn example() -> Result<&'static Example, String> {
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
                return Err(format!("mftp-grade exited {st}:\n{}", tail(&log, 60)));
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

/// Expected and actual, as separate blocks.
fn mismatch(what: &str, expected: &str, actual: &str) -> Failed {
    format!("{what}\n--- expected ---\n{expected}\n--- actual ---\n{actual}").into()
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

fn example_grid() -> R {
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
            let want = format!("--exact '{}'", f.case.replace('\'', r"'\''"));
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

fn example_formats() -> R {
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
                    class_unit::check_gradescope(&v, i.score, i.max_score)
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
        match class_unit::decode_classroom(&line[key.len()..]) {
            Ok(v) => {
                problems.extend(
                    class_unit::check_classroom(&v)
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
    match class_unit::check_junit(
        &ex.dir.join("junit.xml"),
        r.implementations.len() * (1 + r.clauses.len()),
    ) {
        Ok(()) => {}
        Err(e) => problems.push(format!("junit.xml: {e}")),
    }
    // TAP 14.
    problems.extend(
        class_unit::check_tap(&read(&ex.dir.join("report.tap"))?)
            .into_iter()
            .map(|p| format!("report.tap: {p}")),
    );
    // Markdown: every row as wide as the header; every link has its anchor.
    problems.extend(
        class_unit::check_markdown(&read(&ex.dir.join("report.md"))?)
            .into_iter()
            .map(|p| format!("report.md: {p}")),
    );
    // HTML: self-contained; every failing cell links to an anchor.
    problems.extend(
        class_unit::check_html(&read(&ex.dir.join("index.html"))?)
            .into_iter()
            .map(|p| format!("index.html: {p}")),
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

/// The two models with run-to-run noise taken out, for comparing two
/// gradings of the same class: durations; the texts of transcripts,
/// server output and `actual` (they hold timings and ports); and results
/// that were flaky in either run (a timing case that failed once under
/// load and passed on its reruns): such a cell counts as passed in both,
/// its flaky failures go, and that column's suite verdict (taken from the
/// first run, which the flaky failure may have changed) is blanked. A
/// cell that failed every run in one grading and passed in the other is
/// not noise: it stays, and the pages differ.
fn without_noise(
    mut a: ClassReport,
    mut b: ClassReport,
) -> (ClassReport, ClassReport, Vec<String>) {
    let mut flaky = BTreeSet::new();
    for r in [&a, &b] {
        for i in &r.implementations {
            for (id, c) in &i.cells {
                if c.status == CellStatus::Flaky {
                    flaky.insert((i.name.clone(), id.clone()));
                }
            }
        }
    }
    for r in [&mut a, &mut b] {
        for i in &mut r.implementations {
            i.duration_s = 0.0;
            let touched = flaky.iter().any(|(n, _)| *n == i.name);
            for (id, c) in &mut i.cells {
                if flaky.contains(&(i.name.clone(), id.clone())) {
                    let worth = r
                        .clauses
                        .iter()
                        .find(|row| &row.id == id)
                        .map_or(0.0, |row| row.points);
                    c.status = CellStatus::Pass;
                    c.points = worth;
                    c.max_points = worth;
                    c.cases.clear();
                    c.ratio = None;
                }
            }
            i.failures.retain(|f| f.status != "flaky");
            for f in &mut i.failures {
                f.transcript.clear();
                f.server.clear();
                f.actual.clear();
                f.runs = 0;
            }
            if touched {
                i.verdict.clear();
                i.exit_status = None;
                i.cases_passed = 0;
                i.cases_run = 0;
                i.score = i.cells.values().map(|c| c.points).sum::<f64>();
                i.score = (i.score * 100.0).round() / 100.0;
                i.percent = if i.max_score > 0.0 {
                    (i.score * 10000.0 / i.max_score).round() / 100.0
                } else {
                    0.0
                };
            }
        }
        conformance::class::model::finalize(r, None);
    }
    let notes = flaky.into_iter().map(|(n, c)| format!("{n} {c}")).collect();
    (a, b, notes)
}

fn shards_merge() -> R {
    let dir = artifacts().join("shards");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let sandboxed = bwrap_works();
    let mut parts = Vec::new();
    let started = Instant::now();
    // The two shards one after the other, as two machines would do it
    // (each alone on its machine); the one run goes on meanwhile.
    for k in 1..=2 {
        let json = dir.join(format!("shard-{k}.json"));
        let mut cmd = Command::new(grader());
        cmd.arg(examples().join("class/class.toml"))
            .args(["--shard", &format!("{k}/2"), "--no-progress", "--json"])
            .arg(&json);
        if sandboxed {
            cmd.arg("--sandbox");
        }
        let log = dir.join(format!("shard-{k}.log"));
        let st = run(cmd, Duration::from_secs(900), &log)?;
        if !st.success() {
            return Err(format!("shard {k}/2: exit {st}\n{}", tail(&log, 40)).into());
        }
        parts.push(json);
    }
    let shard_secs = started.elapsed().as_secs_f64();
    let s1 = ClassReport::read(&parts[0])?;
    let s2 = ClassReport::read(&parts[1])?;
    let n1: Vec<&str> = s1.implementations.iter().map(|i| i.name.as_str()).collect();
    let n2: Vec<&str> = s2.implementations.iter().map(|i| i.name.as_str()).collect();
    if n1 != ["reference", "ann", "cleo"] || n2 != ["python", "ben"] {
        return Err(mismatch(
            "shard split (every 2nd, manifest order)",
            "reference ann cleo | python ben",
            &format!("{} | {}", n1.join(" "), n2.join(" ")),
        ));
    }
    // Merge, in both orders: byte-identical pages.
    let mut pages = Vec::new();
    for (tag, order) in [
        ("12", [&parts[0], &parts[1]]),
        ("21", [&parts[1], &parts[0]]),
    ] {
        let out = dir.join(format!("merged-{tag}"));
        let mut cmd = Command::new(grader());
        cmd.arg("merge").args(order).arg("--out").arg(&out);
        let log = dir.join(format!("merge-{tag}.log"));
        let st = run(cmd, Duration::from_secs(60), &log)?;
        if !st.success() {
            return Err(format!("merge: exit {st}\n{}", tail(&log, 20)).into());
        }
        pages.push((
            read(&out.join("index.html"))?,
            ClassReport::read(&out.join("class.json"))?,
        ));
    }
    if pages[0].0 != pages[1].0 {
        return Err("merging the shards in another order gives another page".into());
    }
    // A shard missing: refused without --partial.
    let mut cmd = Command::new(grader());
    cmd.arg("merge")
        .arg(&parts[0])
        .arg("--out")
        .arg(dir.join("partial"));
    let st = run(cmd, Duration::from_secs(60), &dir.join("partial.log"))?;
    if st.code() != Some(2) || !read(&dir.join("partial.log"))?.contains("missing shard 2/2") {
        return Err(format!(
            "a merge with a missing shard: exit {st}, {}",
            tail(&dir.join("partial.log"), 3)
        )
        .into());
    }
    // The same page as one run, run-to-run noise aside.
    let ex = example()?;
    let (one, merged, flaky) = without_noise(ex.report.clone(), pages[0].1.clone());
    let a = conformance::class::report::html::render(&one);
    let b = conformance::class::report::html::render(&merged);
    println!("two shards graded in {shard_secs:.1} s (one after the other)");
    if !flaky.is_empty() {
        println!(
            "note: flaky in one of the two gradings, compared as passed: {}",
            flaky.join(", ")
        );
    }
    if a != b {
        let diff = first_difference(&a, &b);
        let _ = std::fs::write(dir.join("one-run.html"), &a);
        let _ = std::fs::write(dir.join("merged.html"), &b);
        return Err(format!(
            "the merged page differs from the one run's (saved in {}):\n{diff}",
            dir.display()
        )
        .into());
    }
    Ok(())
}

/// The first differing line of two texts, with context.
fn first_difference(a: &str, b: &str) -> String {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    for (n, (x, y)) in la.iter().zip(&lb).enumerate() {
        if x != y {
            let cut = |s: &str| s.chars().take(600).collect::<String>();
            return format!(
                "line {}:\n--- one run ---\n{}\n--- merged ---\n{}",
                n + 1,
                cut(x),
                cut(y)
            );
        }
    }
    format!("lengths {} and {} lines", la.len(), lb.len())
}

/// Headless Chromium, or `None` with a reason.
fn chromium() -> Option<PathBuf> {
    for c in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(c).is_file() {
            return Some(PathBuf::from(c));
        }
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("chromium"))
        .find(|p| p.is_file())
}

/// Runs headless Chromium on `url` with `extra` arguments; returns stdout
/// and stderr. A fresh profile each time; killed at the limit.
fn run_chromium(
    bin: &Path,
    url: &str,
    extra: &[&str],
    tag: &str,
) -> Result<(String, String), String> {
    let profile = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = artifacts().join("browser");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let out = dir.join(format!("{tag}.out"));
    let err = dir.join(format!("{tag}.err"));
    let mut cmd = Command::new(bin);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .args(extra)
    .arg(url);
    use std::os::unix::process::CommandExt as _;
    cmd.stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).map_err(|e| e.to_string())?)
        .stderr(std::fs::File::create(&err).map_err(|e| e.to_string())?)
        .process_group(0);
    let mut child = cmd.spawn().map_err(|e| format!("chromium: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(90);
    let pg = i32::try_from(child.id())
        .ok()
        .and_then(rustix::process::Pid::from_raw);
    let status = loop {
        if let Ok(Some(st)) = child.try_wait() {
            break Some(st);
        }
        if Instant::now() >= deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // Chromium leaves helpers behind now and then: the whole group goes.
    if let Some(pg) = pg {
        let _ = rustix::process::kill_process_group(pg, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
    let _ = child.wait();
    let stdout = std::fs::read_to_string(&out).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err).unwrap_or_default();
    match status {
        Some(_) => Ok((stdout, stderr)),
        None => Err(format!(
            "chromium did not finish within 90 s\n{}",
            tail(&err, 20)
        )),
    }
}

/// Console errors in Chromium's log.
fn console_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("Uncaught") || (l.contains(":CONSOLE(") && l.contains("rror")))
        .collect()
}

fn browser() -> R {
    let Some(bin) = chromium() else {
        println!(
            "SKIP browser test: chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)"
        );
        return Ok(());
    };
    let ex = example()?;
    let page = ex.dir.join("index.html");
    let url = format!("file://{}", page.display());
    let mut problems = Vec::new();
    // 1. The DOM after the script ran: no errors, every cell there.
    let (dom, log) = run_chromium(
        &bin,
        &url,
        &["--dump-dom", "--virtual-time-budget=3000"],
        "dom",
    )?;
    if !dom.contains("data-ready=\"1\"") {
        problems.push("the page's script did not finish (no data-ready=\"1\")".to_string());
    }
    if !dom.contains("data-js-errors=\"0\"") {
        problems.push("the page counted script errors".to_string());
    }
    for e in console_errors(&log) {
        problems.push(format!("console: {e}"));
    }
    let r = &ex.report;
    let cells = dom.matches("<td class=\"c ").count();
    let want = r.implementations.len() * r.clauses.len();
    if cells != want {
        problems.push(format!(
            "{cells} grid cells, expected {want} ({} implementations × {} clauses)",
            r.implementations.len(),
            r.clauses.len()
        ));
    }
    // The cells of the DOM say what the model says, row by row.
    for row in &r.clauses {
        let Some(start) = dom.find(&format!("data-id=\"{}\"", row.id)) else {
            problems.push(format!("no row {}", row.id));
            continue;
        };
        let end = dom[start..].find("</tr>").map_or(dom.len(), |e| start + e);
        let tr = &dom[start..end];
        let got: Vec<&str> = tr
            .split("<td class=\"c ")
            .skip(1)
            .map(|c| c.split('"').next().unwrap_or(""))
            .collect();
        let want: Vec<&str> = r
            .implementations
            .iter()
            .map(|i| i.cells.get(&row.id).map_or("", |c| c.status.as_str()))
            .collect();
        if got != want {
            problems.push(format!("row {}: cells {got:?}, model {want:?}", row.id));
        }
    }
    if let Some(cleo_col) = r.implementations.iter().position(|i| i.name == "cleo")
        && !dom.contains("href=\"#impl-cleo-size_2\"")
    {
        problems.push(format!(
            "cleo's SIZE-2 cell (column {cleo_col}) does not link to its section"
        ));
    }
    // 2. Filtering and sorting in the browser: only rows with a failure,
    // columns worst score first.
    let (dom2, log2) = run_chromium(
        &bin,
        &format!("{url}?show=failing&cols=score-asc"),
        &["--dump-dom", "--virtual-time-budget=3000"],
        "dom-filtered",
    )?;
    for e in console_errors(&log2) {
        problems.push(format!("console (filtered): {e}"));
    }
    let visible = dom2.matches("<tr class=\"row\"").count();
    let hidden = dom2.matches("<tr class=\"row hidden-row\"").count();
    let failing_rows = r
        .clauses
        .iter()
        .filter(|row| {
            r.implementations
                .iter()
                .any(|i| i.cells.get(&row.id).is_some_and(|c| c.status.is_failure()))
        })
        .count();
    if visible != failing_rows || visible + hidden != r.clauses.len() {
        problems.push(format!("filter \"with a failure\": {visible} rows shown, {hidden} hidden; expected {failing_rows} shown"));
    }
    let worst = r
        .implementations
        .iter()
        .min_by(|a, b| a.percent.total_cmp(&b.percent))
        .map(|i| i.name.clone())
        .unwrap_or_default();
    let first_col = dom2
        .split("<th class=\"impl\"")
        .nth(1)
        .and_then(|h| h.split("data-name=\"").nth(1))
        .and_then(|h| h.split('"').next())
        .unwrap_or("");
    if first_col != worst {
        problems.push(format!(
            "sorted worst first, the first column is {first_col:?}, not {worst:?}"
        ));
    }
    // 3. Screenshots, kept as artifacts.
    for (tag, query) in [
        ("screenshot", ""),
        ("screenshot-failing", "?show=failing&cols=score-asc"),
    ] {
        let png = artifacts().join(format!("{tag}.png"));
        let _ = std::fs::remove_file(&png);
        let shot = format!("--screenshot={}", png.display());
        let (_, log3) = run_chromium(
            &bin,
            &format!("{url}{query}"),
            &[
                &shot,
                "--window-size=1400,1000",
                "--virtual-time-budget=3000",
            ],
            tag,
        )?;
        for e in console_errors(&log3) {
            problems.push(format!("console ({tag}): {e}"));
        }
        let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
        if size < 10_000 {
            problems.push(format!("{} is {size} bytes", png.display()));
        } else {
            println!("screenshot: {}", png.display());
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

fn progress() -> R {
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
            tail(&dir.join("merge.log"), 20)
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
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

/// A server in Python that accepts and then does `behaviour` on every
/// connection: "silent-until-command" (no greeting, `500` to each line),
/// "hang" (reads, never answers).
const TOY_SERVER: &str = r#"
import socket, sys, threading
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
mode = args.get("--mode", "hang")
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(args["--port"])))
s.listen(64)
def serve(c):
    with c:
        buf = b""
        while True:
            try:
                d = c.recv(4096)
            except OSError:
                return
            if not d:
                return
            if mode == "silent-until-command":
                buf += d
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    c.sendall(b"500 what?\n")
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"#;

/// The flaky student: the Python server with `--bug size-float` for its
/// first two starts (the grader's smoke start and the case), clean after.
const FLAKY_SH: &str = r#"n=$(cat starts 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > starts
if [ "$n" -le 2 ]; then exec python3 SERVER --bug size-float "$@"; fi
exec python3 SERVER "$@"
"#;

/// Writes what limits the server runs under, then runs it.
const LIMITS_SH: &str = r#"echo "$(ulimit -t) $(ulimit -v) $(ulimit -f)" > limits.txt
exec python3 SERVER "$@"
"#;

fn edge_class() -> R {
    let dir = artifacts().join("edge");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let server = fixture_server().display().to_string();
    for (name, text) in [
        ("toy.py", TOY_SERVER.to_string()),
        ("flaky.sh", FLAKY_SH.replace("SERVER", &server)),
        ("limits.sh", LIMITS_SH.replace("SERVER", &server)),
    ] {
        std::fs::write(dir.join(name), text).map_err(|e| e.to_string())?;
    }
    let size2 = "SIZE-2 MUST megabytes are rounded half away from zero (131072 bytes is 0.13)";
    let manifest = format!(
        r#"name = "edge class"
parallel = 3
reruns = 2

[[implementation]]
name = "no-build"
setup = "echo 'cc: error: server.c: No such file or directory' >&2; exit 1"
command = "./server --root {{root}} --port {{port}}"

[[implementation]]
name = "wrong-port"
# Ignores the port it is given (a hard-coded port, here the system's pick).
command = "sh -c 'exec python3 {server} --root \"$1\" --port 0' sh {{root}} {{port}}"
startup_timeout = 3

[[implementation]]
name = "no-greeting"
command = "python3 toy.py --mode silent-until-command --root {{root}} --port {{port}}"
step_timeout = 0.5
suite_args = ["--skip", "CONC-3"]

[[implementation]]
name = "hang"
command = "python3 toy.py --mode hang --root {{root}} --port {{port}}"
time_limit = 4
step_timeout = 30

[[implementation]]
name = "flaky"
command = "sh flaky.sh --root {{root}} --port {{port}}"
suite_args = ["--exact", "{size2}"]

[[implementation]]
name = "limited"
command = "sh limits.sh --root {{root}} --port {{port}}"
suite_args = ["LAUNCH-1"]
[implementation.limits]
cpu_seconds = 7
memory_mb = 3000
file_size_mb = 100
"#
    );
    std::fs::write(dir.join("edge.toml"), manifest).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(grader());
    cmd.arg(dir.join("edge.toml"))
        .args(["--no-progress", "--out"])
        .arg(dir.join("report"));
    let started = Instant::now();
    let log = dir.join("grader.log");
    let st = run(cmd, Duration::from_secs(600), &log)?;
    let secs = started.elapsed().as_secs_f64();
    if !st.success() {
        return Err(format!("mftp-grade: exit {st}\n{}", tail(&log, 40)).into());
    }
    let r = ClassReport::read(&dir.join("report/class.json"))?;
    let get = |n: &str| {
        r.implementations
            .iter()
            .find(|i| i.name == n)
            .ok_or_else(|| format!("no column {n}"))
    };
    let mut problems = Vec::new();
    // A build failure is stated, with the build's own words.
    let nb = get("no-build")?;
    if nb.outcome != Outcome::BuildFailed
        || !nb.detail.contains("No such file or directory")
        || nb.score != 0.0
    {
        problems.push(format!(
            "no-build: {:?} {} {:?}",
            nb.outcome, nb.score, nb.detail
        ));
    }
    // Listening elsewhere: one diagnosis naming the port it listens on.
    let wp = get("wrong-port")?;
    let hint = wp
        .diagnosis
        .as_ref()
        .map(|d| d.hint.clone())
        .unwrap_or_default();
    if wp.outcome != Outcome::LaunchFailed
        || !hint.contains("but listens on 127.0.0.1:")
        || !hint.contains("LAUNCH-1")
    {
        problems.push(format!("wrong-port: {:?}, hint {hint:?}", wp.outcome));
    }
    // No greeting: said once, with what it answered to `ls`.
    let ng = get("no-greeting")?;
    let d = ng.diagnosis.clone().unwrap_or_default_diag();
    if !d
        .hint
        .contains("sent nothing before the first command; after `ls` it answered `500 what?`")
        || !d.hint.contains("FRAME-1")
        || d.cases < 10
    {
        problems.push(format!("no-greeting: diagnosis {d:?}"));
    }
    // A hang: stopped at the time limit, graded on what finished.
    let h = get("hang")?;
    if h.outcome != Outcome::TimedOut || !h.detail.contains("time limit of 4 s") {
        problems.push(format!("hang: {:?} {:?}", h.outcome, h.detail));
    }
    if h.duration_s > 40.0 {
        problems.push(format!("hang took {:.1} s to stop", h.duration_s));
    }
    // Flaky: failed once, passed both reruns: 2/3 of SIZE-2's 2 points.
    let f = get("flaky")?;
    match f.cells.get("SIZE-2") {
        Some(c)
            if c.status == CellStatus::Flaky
                && c.ratio == Some((2, 3))
                && (c.points - 4.0 / 3.0).abs() < 0.01 => {}
        other => problems.push(format!("flaky: SIZE-2 {other:?}")),
    }
    if !f
        .failures
        .iter()
        .any(|x| x.status == "flaky" && x.passes == 2 && x.runs == 3)
    {
        problems.push(format!(
            "flaky: failures {:?}",
            f.failures
                .iter()
                .map(|x| (&x.case, &x.status, x.passes, x.runs))
                .collect::<Vec<_>>()
        ));
    }
    // Limits apply without the sandbox too (ulimit -t, -v in KiB, -f in
    // 512-byte blocks under dash).
    let limits = std::fs::read_to_string(dir.join("limits.txt")).unwrap_or_default();
    let words: Vec<&str> = limits.split_whitespace().collect();
    let fsize_ok = matches!(words.get(2), Some(&"204800") | Some(&"102400"));
    if words.first() != Some(&"7") || words.get(1) != Some(&"3072000") || !fsize_ok {
        problems.push(format!("limited: the server ran with `ulimit -t -v -f` = {limits:?}, expected 7 3072000 and 100 MiB"));
    }
    // The page says it all, each in its column.
    let html = read(&dir.join("report/index.html"))?;
    for needle in [
        "BUILD FAILED",
        "DOES NOT START",
        "TIME LIMIT",
        "First contact:",
        "~ 2/3",
    ] {
        if !html.contains(needle) {
            problems.push(format!("the page lacks {needle:?}"));
        }
    }
    println!("edge class graded in {secs:.1} s");
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

trait OrDefaultDiag {
    fn unwrap_or_default_diag(self) -> conformance::class::model::Diagnosis;
}

impl OrDefaultDiag for Option<conformance::class::model::Diagnosis> {
    fn unwrap_or_default_diag(self) -> conformance::class::model::Diagnosis {
        self.unwrap_or(conformance::class::model::Diagnosis {
            summary: String::new(),
            hint: String::new(),
            cases: 0,
        })
    }
}

/// What the evil student's server finds out about its world, before it
/// becomes the real server.
const EVIL_PY: &str = r#"
import json, os, resource, socket, sys
f = {}
try:
    with open(os.path.join(os.environ["EVIL_OUTSIDE"], "pwned"), "w") as fh:
        fh.write("x")
    f["wrote_outside"] = True
except OSError as e:
    f["wrote_outside"] = False
try:
    with open("own-dir.txt", "w") as fh:
        fh.write("x")
    f["wrote_own_dir"] = True
except OSError:
    f["wrote_own_dir"] = False
token = os.environ["EVIL_TOKEN"].encode()
pids = [p for p in os.listdir("/proc") if p.isdigit()]
f["processes"] = len(pids)
seen = False
for p in pids:
    try:
        with open("/proc/%s/cmdline" % p, "rb") as fh:
            if token in fh.read():
                seen = True
    except OSError:
        pass
f["saw_outside_process"] = seen
try:
    socket.create_connection(("127.0.0.1", int(os.environ["EVIL_PORT"])), timeout=1).close()
    f["reached_host"] = True
except OSError:
    f["reached_host"] = False
f["cpu"] = resource.getrlimit(resource.RLIMIT_CPU)[0]
f["as"] = resource.getrlimit(resource.RLIMIT_AS)[0]
with open("findings.json", "w") as fh:
    json.dump(f, fh)
os.execv(sys.executable, [sys.executable, os.environ["EVIL_SERVER"]] + sys.argv[1:])
"#;

fn sandbox() -> R {
    if !bwrap_works() {
        println!(
            "SKIP sandbox test: bubblewrap (bwrap) is not installed or cannot make namespaces here (Debian: apt-get install bubblewrap; .ci/run installs it)"
        );
        return Ok(());
    }
    let dir = artifacts().join("sandbox");
    let _ = std::fs::remove_dir_all(&dir);
    let work = dir.join("student");
    let outside = dir.join("outside");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&outside).map_err(|e| e.to_string())?;
    std::fs::write(work.join("evil.py"), EVIL_PY).map_err(|e| e.to_string())?;
    std::fs::write(work.join("toy.py"), TOY_SERVER).map_err(|e| e.to_string())?;
    // A process outside the sandbox, recognisable by its command line.
    let token = format!("{}.{}", 300 + std::process::id() % 100, rand_digits());
    let mut marker = Command::new("sleep")
        .arg(&token)
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    // A listener on the host's loopback that nothing inside may reach.
    let host = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    host.set_nonblocking(true).map_err(|e| e.to_string())?;
    let port = host.local_addr().map_err(|e| e.to_string())?.port();
    let manifest = r#"name = "sandbox"
sandbox = true
reruns = 0

[[implementation]]
name = "evil"
workdir = "student"
command = "python3 evil.py --root {root} --port {port}"
suite_args = ["LAUNCH-1"]
[implementation.limits]
cpu_seconds = 9
memory_mb = 2500
"#;
    std::fs::write(dir.join("sandbox.toml"), manifest).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(grader());
    cmd.arg(dir.join("sandbox.toml"))
        .args(["--no-progress", "--json"])
        .arg(dir.join("class.json"))
        .env("EVIL_OUTSIDE", &outside)
        .env("EVIL_TOKEN", &token)
        .env("EVIL_PORT", port.to_string())
        .env("EVIL_SERVER", fixture_server());
    let result = run(cmd, Duration::from_secs(300), &dir.join("grader.log"));
    let mut problems = Vec::new();
    match result {
        Ok(st) if st.success() => {}
        Ok(st) => problems.push(format!(
            "mftp-grade: exit {st}\n{}",
            tail(&dir.join("grader.log"), 30)
        )),
        Err(e) => problems.push(e),
    }
    let findings: Value = std::fs::read_to_string(work.join("findings.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    let want = [
        ("wrote_outside", Value::Bool(false)),
        ("wrote_own_dir", Value::Bool(true)),
        ("saw_outside_process", Value::Bool(false)),
        ("reached_host", Value::Bool(false)),
        ("cpu", Value::from(9)),
        ("as", Value::from(2500u64 << 20)),
    ];
    for (k, v) in want {
        if findings[k] != v {
            problems.push(format!(
                "inside the sandbox {k} = {}, expected {v}",
                findings[k]
            ));
        }
    }
    if findings["processes"].as_u64().is_none_or(|n| n > 40) {
        problems.push(format!(
            "inside the sandbox {} processes are visible",
            findings["processes"]
        ));
    }
    if outside.join("pwned").exists() {
        problems.push("a file appeared outside the sandbox".into());
    }
    if host.accept().is_ok() {
        problems.push("the host's loopback listener got a connection from inside".into());
    }
    match ClassReport::read(&dir.join("class.json")) {
        Ok(r) => {
            let i = &r.implementations[0];
            if i.sandbox.as_deref() != Some("bwrap")
                || i.outcome != Outcome::Graded
                || i.cells
                    .get("LAUNCH-1")
                    .is_none_or(|c| c.status != CellStatus::Pass)
            {
                problems.push(format!(
                    "graded in the sandbox: {:?} {:?} LAUNCH-1 {:?}",
                    i.sandbox,
                    i.outcome,
                    i.cells.get("LAUNCH-1").map(|c| c.status)
                ));
            }
        }
        Err(e) => problems.push(e),
    }

    // Dies with the grader: kill -9 the grader while a sandboxed server
    // hangs; nothing of the sandbox may outlive it.
    let token2 = format!("{}.{}", 400 + std::process::id() % 100, rand_digits());
    let manifest2 = format!(
        r#"name = "dies"
sandbox = true
[[implementation]]
name = "hang"
workdir = "student"
command = "python3 toy.py --mode hang --token {token2} --root {{root}} --port {{port}}"
step_timeout = 60
"#
    );
    std::fs::write(dir.join("dies.toml"), manifest2).map_err(|e| e.to_string())?;
    let mut grader_proc = Command::new(grader())
        .arg(dir.join("dies.toml"))
        .args(["--no-progress", "--json"])
        .arg(dir.join("dies.json"))
        .env("PATH", path_env())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let seen_inside = wait_for_cmdline(&token2, Duration::from_secs(60));
    let _ = grader_proc.kill();
    let _ = grader_proc.wait();
    if seen_inside {
        let gone = wait_until(Duration::from_secs(10), || !cmdline_exists(&token2));
        if !gone {
            problems.push("a sandboxed server outlived the grader (kill -9)".into());
            kill_cmdline(&token2);
        }
    } else {
        problems.push("the hanging server never started".into());
    }
    let _ = marker.kill();
    let _ = marker.wait();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

fn rand_digits() -> u32 {
    rand::random_range(100_000..999_999)
}

fn cmdline_pids(token: &str) -> Vec<i32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        if std::fs::read(format!("/proc/{pid}/cmdline"))
            .is_ok_and(|c| String::from_utf8_lossy(&c).contains(token))
        {
            out.push(pid);
        }
    }
    out
}

fn cmdline_exists(token: &str) -> bool {
    !cmdline_pids(token).is_empty()
}

fn kill_cmdline(token: &str) {
    for p in cmdline_pids(token) {
        if let Some(pid) = rustix::process::Pid::from_raw(p) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        }
    }
}

fn wait_for_cmdline(token: &str, limit: Duration) -> bool {
    wait_until(limit, || cmdline_exists(token))
}

fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    cond()
}

fn gradescope_example() -> R {
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
            fixture_server().display().to_string()
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
            tail(&ag.join("run_autograder.log"), 30)
        )
        .into());
    }
    let v = json_file(&ag.join("results/results.json"))?;
    let r = ClassReport::read(&ag.join("results/class.json"))?;
    let i = &r.implementations[0];
    let mut problems = class_unit::check_gradescope(&v, i.score, i.max_score);
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
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}
