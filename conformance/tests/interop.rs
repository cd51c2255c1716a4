//! The interop grid (`conformance::client::interop`, `mftp-interop`):
//! the reference and Python clients × the reference and Python servers are
//! all green; a server that breaks the script turns its cells red; and the
//! views (terminal, Markdown, HTML) link each failing cell to its
//! transcript, the HTML loaded in a real headless browser where one is
//! installed.
//!
//! Like the other targets it accepts the suite's options, and skips itself
//! when a server or client to grade is given.

mod common;

use conformance::client::interop::{self, Cell, Check, Grid, Implementation};
use libtest_mimic::{Failed, Trial};
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let (opts, args) = common::args::suite_options("interop");
    if opts.server.is_some() || opts.client.is_some() {
        if !args.list {
            println!("interop: skipped, a server or client to grade was given");
        }
        return;
    }
    let trials = vec![
        Trial::test(
            "interop: reference and Python clients × servers are all green",
            all_green,
        ),
        Trial::test(
            "interop: a read-only server fails the cells of every client, uploads blamed",
            read_only_fails,
        ),
        Trial::test(
            "interop: the views link every failing cell to its transcript",
            views,
        ),
        Trial::test(
            "interop: the HTML view loads in a headless browser",
            browser,
        )
        .with_ignored_flag(chromium().is_none()),
    ];
    libtest_mimic::run(&args, trials).exit();
}

fn plan() -> Result<interop::Plan, Failed> {
    let base = std::env::current_dir().map_err(|e| e.to_string())?;
    Ok(interop::default_plan(base)?)
}

fn all_green() -> Result<(), Failed> {
    let plan = plan()?;
    let grid = interop::run(&plan);
    println!("{}", grid.terminal());
    if grid.passed() {
        Ok(())
    } else {
        Err("a cell of the grid is red (see the grid above)".into())
    }
}

fn read_only_fails() -> Result<(), Failed> {
    let mut plan = plan()?;
    plan.clients.truncate(1);
    let server = plan.servers[0]
        .command
        .replace("--root", "--read-only --root");
    plan.servers = vec![Implementation {
        name: "read-only".into(),
        command: server,
    }];
    let grid = interop::run(&plan);
    let cell = &grid.cells[0];
    let failed: Vec<&str> = cell.failures().map(|c| c.what.as_str()).collect();
    let upload = failed
        .iter()
        .any(|w| w.starts_with("uploads stored intact"));
    if grid.passed() || !upload || !cell.transcript.contains("556") {
        return Err(format!(
            "expected the cell to fail the upload check with 556 in its transcript; failed: {failed:?}\n{}",
            grid.terminal()
        )
        .into());
    }
    Ok(())
}

/// A grid of one passing and one failing cell, with text that needs
/// escaping in every view.
fn sample() -> Grid {
    let cell = |client: &str, ok: bool| Cell {
        client: client.into(),
        server: "srv <1>".into(),
        checks: vec![Check {
            what: "session 1 exits with status 0 (CLIENT-2)".into(),
            ok,
            detail: if ok {
                String::new()
            } else {
                "exit status 1 | <b>not bold</b>".into()
            },
        }],
        transcript: "S: 220 mftp/1 ready\nC: size a&b.txt\nS: 550 <no> such file\n".into(),
        client_output: "session 1, stderr:\n    error 550\n```\n".into(),
        server_stderr: "(stderr is empty)".into(),
        secs: 0.5,
    };
    Grid {
        clients: vec!["good".into(), "bad client".into()],
        servers: vec!["srv <1>".into()],
        cells: vec![cell("good", true), cell("bad client", false)],
        secs: 1.0,
    }
}

fn views() -> Result<(), Failed> {
    let grid = sample();
    let bad = &grid.cells[1];
    let anchor = bad.anchor();
    let mut problems = Vec::new();
    let html = grid.html();
    for want in [
        format!("<a href=\"#{anchor}\">FAIL (1)</a>"),
        format!("<section id=\"{anchor}\">"),
        "<td class=\"pass\">pass</td>".to_string(),
        "C: size a&amp;b.txt".to_string(),
        "550 &lt;no&gt; such file".to_string(),
        "&lt;b&gt;not bold&lt;/b&gt;".to_string(),
    ] {
        if !html.contains(&want) {
            problems.push(format!("HTML lacks {want:?}"));
        }
    }
    for forbidden in ["<script", "http://", "https://", "<b>not"] {
        if html.contains(forbidden) {
            problems.push(format!(
                "HTML contains {forbidden:?} (it must be self-contained and escaped)"
            ));
        }
    }
    let md = grid.markdown();
    for want in [
        format!("❌ [FAIL (1)](#{anchor})"),
        format!("<a id=\"{anchor}\"></a>"),
        "✅ pass".to_string(),
        "exit status 1 \\| <b>".to_string(),
        "S: 550 <no> such file".to_string(),
    ] {
        if !md.contains(&want) {
            problems.push(format!("Markdown lacks {want:?}"));
        }
    }
    if !md.matches("```").count().is_multiple_of(2) {
        problems.push("Markdown has an unbalanced code fence".into());
    }
    let term = grid.terminal();
    if !term.contains("FAIL bad client × srv <1>") || !term.contains("C: size a&b.txt") {
        problems.push(format!("terminal view lacks the failure:\n{term}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
}

fn browser() -> Result<(), Failed> {
    let Some(bin) = chromium() else {
        return Ok(());
    };
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let page = dir.path().join("interop.html");
    let grid = sample();
    std::fs::write(&page, grid.html()).map_err(|e| e.to_string())?;
    let dom = dump_dom(bin, &page, dir.path())?;
    let anchor = grid.cells[1].anchor();
    let mut problems = Vec::new();
    for want in [
        "id=\"grid\"".to_string(),
        format!("href=\"#{anchor}\""),
        format!("id=\"{anchor}\""),
        "C: size a&amp;b.txt".to_string(),
    ] {
        if !dom.contains(&want) {
            problems.push(format!("the DOM the browser built lacks {want:?}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}\nDOM:\n{dom}", problems.join("\n")).into())
    }
}

/// The DOM `bin` builds from `page`, with a deadline.
fn dump_dom(bin: &str, page: &Path, profile: &Path) -> Result<String, Failed> {
    let out = profile.join("dom.html");
    let mut child = Command::new(bin)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom"])
        .arg(format!(
            "--user-data-dir={}",
            profile.join("profile").display()
        ))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).map_err(|e| e.to_string())?)
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("{bin}: {e}"))?;
    // The browser's helpers live in its process group: all go at the end.
    let group = i32::try_from(child.id())
        .ok()
        .and_then(rustix::process::Pid::from_raw);
    let kill_group = || {
        if let Some(g) = group {
            let _ = rustix::process::kill_process_group(g, rustix::process::Signal::KILL);
        }
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
            kill_group();
            if !st.success() {
                return Err(format!("{bin} --dump-dom exited with {st}").into());
            }
            break;
        }
        if Instant::now() >= deadline {
            kill_group();
            let _ = child.wait();
            return Err(format!("{bin} --dump-dom did not finish within 120 s").into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::fs::read_to_string(&out).map_err(|e| e.to_string().into())
}
