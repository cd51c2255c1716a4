//! The example class's page in headless Chromium: the DOM after its
//! script ran says what the model says, its filter and sort work, and
//! screenshots are kept as artifacts. Skipped with a note where Chromium
//! is not installed.

use crate::common::process::{self, last_lines_of};
use crate::example::example;
use crate::{R, artifacts, verdict};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one run of Chromium may take.
const CHROMIUM_LIMIT: Duration = Duration::from_secs(90);

/// Headless Chromium, if installed.
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
    cmd.stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).map_err(|e| e.to_string())?)
        .stderr(std::fs::File::create(&err).map_err(|e| e.to_string())?)
        .process_group(0);
    let mut child = cmd.spawn().map_err(|e| format!("chromium: {e}"))?;
    let status = process::wait_until(&mut child, Instant::now() + CHROMIUM_LIMIT);
    // Chromium leaves helpers behind now and then: the whole group goes.
    process::kill_group(&child);
    let _ = child.kill();
    let _ = child.wait();
    let stdout = std::fs::read_to_string(&out).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err).unwrap_or_default();
    match status? {
        Some(_) => Ok((stdout, stderr)),
        None => Err(format!(
            "chromium did not finish within {} s\n{}",
            CHROMIUM_LIMIT.as_secs(),
            last_lines_of(&err, 20)
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

pub fn browser() -> R {
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
    verdict(&problems)
}
