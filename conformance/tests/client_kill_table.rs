//! The client kill table: proof that the client suite grades a correct
//! client 100 %, catches real client bugs, and blames the right clauses
//! for them.
//!
//! One trial per variant runs the `conformance` binary in client mode
//! (`--client` / `--client-cmd`) with `--report-json` and checks the
//! per-clause statuses of the report (see `src/report/mod.rs` for how
//! failures are attributed):
//!
//! - the reference client and the clean Python client: exit status 0 and
//!   every MUST `CLIENT-n` clause "pass" (the reference client's SHOULD
//!   clause too);
//! - each bug switch of the Python client: exit status 1, every clause it
//!   breaks failing, and nothing failing outside what it breaks and the
//!   collateral listed in [`TABLE`].
//!
//! `fixtures/python-client/client.py` is an independent client written from
//! spec.md alone; while it does not exist its rows are skipped with a note.
//! Its bug switches (conformance/fixtures/python-client/README.md) each
//! have a row.
//!
//! ```text
//! cargo test -p conformance --test client_kill_table
//! cargo test -p conformance --test client_kill_table -- reference
//! ```
//!
//! `cargo test -p conformance -- --server X` (or `--client X`) passes the
//! suite's options to every test target: this one accepts and ignores
//! them, and skips itself when a server or client to grade is given.

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Which client a variant grades.
#[derive(Clone, Copy)]
enum Client {
    /// The workspace's reference client.
    Reference,
    /// The Python client, clean (`None`) or with `--bug NAME`.
    Python(Option<&'static str>),
}

/// One client variant and what the suite must say about it.
struct Variant {
    client: Client,
    /// Clauses that must be failing.
    breaks: &'static [&'static str],
    /// Clauses that may fail as well (a case is knowably stopped at them).
    collateral: &'static [&'static str],
    why: &'static str,
}

/// The reference and the clean Python client must conform; the Python
/// client's bug switches (`client.py --bug NAME`, see its README) get a row
/// each once they are settled, from repeated runs as in `kill_table.rs`.
const TABLE: &[Variant] = &[
    Variant {
        client: Client::Reference,
        breaks: &[],
        collateral: &[],
        why: "the reference client conforms, SHOULD clauses included",
    },
    Variant {
        client: Client::Python(None),
        breaks: &[],
        collateral: &[],
        why: "the independent Python client conforms",
    },
    Variant {
        client: Client::Python(Some("single-recv")),
        breaks: &["CLIENT-7"],
        collateral: &[],
        why: "one recv() taken as one reply: entries that came with the `200`, or a reply split over segments, are lost",
    },
    Variant {
        client: Client::Python(Some("data-before-150")),
        breaks: &["CLIENT-15"],
        collateral: &[],
        why: "upload data sent right after the command line, before `150`",
    },
    Variant {
        client: Client::Python(Some("data-after-error")),
        breaks: &["CLIENT-15"],
        collateral: &[],
        why: "upload data sent even after an error reply instead of `150`",
    },
    Variant {
        client: Client::Python(Some("char-count")),
        breaks: &["CLIENT-14"],
        collateral: &[],
        why: "announces the length of the decoded text, not the bytes",
    },
    Variant {
        client: Client::Python(Some("write-while-downloading")),
        breaks: &["CLIENT-18"],
        collateral: &[],
        why: "writes into the final name as bytes arrive: a cut download is left behind",
    },
    Variant {
        client: Client::Python(Some("overwrite")),
        breaks: &["CLIENT-19"],
        collateral: &[],
        why: "a download replaces an existing local file",
    },
    Variant {
        client: Client::Python(Some("no-timeout")),
        breaks: &["CLIENT-9"],
        collateral: &[],
        why: "waits for a silent server forever",
    },
    Variant {
        client: Client::Python(Some("no-wait-221")),
        breaks: &["CLIENT-10"],
        collateral: &[],
        why: "byebye closes without reading `221`",
    },
    Variant {
        client: Client::Python(Some("exit-zero")),
        breaks: &["CLIENT-2"],
        collateral: &[],
        why: "exit status 0 after error replies",
    },
    Variant {
        client: Client::Python(Some("short-read")),
        breaks: &["CLIENT-17"],
        collateral: &["CLIENT-7", "CLIENT-6", "CLIENT-18"],
        why: "reads until the connection goes quiet instead of exactly the announced bytes; what follows is read out of step",
    },
    Variant {
        client: Client::Python(Some("split-name")),
        breaks: &["CLIENT-5"],
        collateral: &[],
        why: "splits the user's line at every space: `upload my file.txt` looks for `my`",
    },
    Variant {
        client: Client::Python(Some("whole-path")),
        breaks: &["CLIENT-17"],
        collateral: &[],
        why: "saves a download under its whole path instead of its last component",
    },
    Variant {
        client: Client::Python(Some("text-in-field")),
        breaks: &["FRAME-11"],
        collateral: &[],
        why: "reads the text after a count as part of the field",
    },
];

/// Variants graded at once: each suite run is itself parallel.
const DEFAULT_THREADS: usize = 2;

/// Limit for one run of the suite (alone it takes a few seconds).
const DEADLINE: Duration = Duration::from_secs(300);

/// What one trial found, for the table printed at the end.
struct Row {
    index: usize,
    exit: Option<i32>,
    failing: Vec<String>,
    secs: f64,
}

static ROWS: Mutex<Vec<Row>> = Mutex::new(Vec::new());

fn main() {
    let mut argv = std::env::args();
    let argv0 = argv.next().unwrap_or_else(|| "client_kill_table".into());
    let (grading, rest) = split_args(argv.collect());
    let list = rest.iter().any(|a| a == "--list");
    let from_env = [
        "MFTP_SERVER",
        "MFTP_SERVER_CMD",
        "MFTP_CLIENT",
        "MFTP_CLIENT_CMD",
    ]
    .iter()
    .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    if grading || from_env {
        if !list {
            println!(
                "client_kill_table: skipped, a server or client to grade was given (--server/--server-cmd/--client/--client-cmd or MFTP_*)"
            );
        }
        return;
    }
    let mut args = Arguments::from_iter(std::iter::once(argv0).chain(rest));
    if args.test_threads.is_none() {
        args.test_threads = Some(DEFAULT_THREADS);
    }
    let python_there = client_py().is_file();
    if !python_there && !list {
        println!(
            "client_kill_table: {} does not exist yet: its rows are skipped",
            client_py().display()
        );
    }
    let trials: Vec<Trial> = TABLE
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let ignored = matches!(v.client, Client::Python(_)) && !python_there;
            Trial::test(variant_name(v), move || run_variant(i, v)).with_ignored_flag(ignored)
        })
        .collect();
    let started = Instant::now();
    let conclusion = libtest_mimic::run(&args, trials);
    if !list {
        print_table(started.elapsed());
    }
    conclusion.exit();
}

/// Pulls the suite's options (and their values) out of the arguments.
/// Returns whether a server or client to grade was given, and the rest.
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

fn variant_name(v: &Variant) -> String {
    match v.client {
        Client::Reference => "reference-client".into(),
        Client::Python(None) => "python-client clean".into(),
        Client::Python(Some(b)) => format!("python-client --bug {b}"),
    }
}

fn client_py() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/python-client/client.py")
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The option that names the client to grade, and how the table shows it.
fn client_option(v: &Variant) -> Result<(&'static str, String), String> {
    match v.client {
        Client::Reference => {
            let bin = conformance::reference::reference_client_binary()
                .map_err(|e| format!("the reference client: {e}"))?;
            Ok(("--client", bin.to_string_lossy().into_owned()))
        }
        Client::Python(bug) => {
            let py = conformance::client::interop::python3().ok_or(
                "`python3` cannot be run; the Python client's rows need python3 (3.11 or newer) on PATH",
            )?;
            let bug = bug.map_or_else(String::new, |b| format!(" --bug {b}"));
            Ok((
                "--client-cmd",
                format!(
                    "{} {}{bug} --host {{host}} --port {{port}}",
                    shell_quote(&py.to_string_lossy()),
                    shell_quote(&client_py().to_string_lossy())
                ),
            ))
        }
    }
}

/// Runs the client suite against one variant and checks its report.
fn run_variant(index: usize, v: &Variant) -> Result<(), Failed> {
    let (option, value) = client_option(v)?;
    let dir = tempfile::Builder::new()
        .prefix("mftp-client-kill-table-")
        .tempdir()
        .map_err(|e| format!("temp dir: {e}"))?;
    let report = dir.path().join("report.json");
    let out_path = dir.path().join("suite.out");
    let out = std::fs::File::create(&out_path).map_err(|e| format!("{e}"))?;
    let err = out.try_clone().map_err(|e| format!("{e}"))?;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_conformance"));
    cmd.arg(option)
        .arg(&value)
        .arg("--report-json")
        .arg(&report)
        .arg("-q")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    for var in [
        "MFTP_SERVER",
        "MFTP_SERVER_CMD",
        "MFTP_CLIENT",
        "MFTP_CLIENT_CMD",
        "MFTP_REPORT_JSON",
        "MFTP_JUNIT",
    ] {
        cmd.env_remove(var);
    }
    let started = Instant::now();
    let status = run_with_deadline(cmd, DEADLINE)?;
    let secs = started.elapsed().as_secs_f64();
    let output = std::fs::read_to_string(&out_path).unwrap_or_default();
    let context = |what: &str| {
        format!(
            "{what}\ncommand: conformance {option} {} -q\nlast lines of its output:\n{}",
            shell_quote(&value),
            tail(&output, 60)
        )
    };
    let Some(status) = status else {
        return Err(context(&format!(
            "the suite did not finish within {} s and was stopped",
            DEADLINE.as_secs()
        ))
        .into());
    };
    let text = std::fs::read_to_string(&report)
        .map_err(|e| context(&format!("no JSON report ({e}); exit {status}")))?;
    let json: Value = serde_json::from_str(&text)
        .map_err(|e| context(&format!("the JSON report does not parse: {e}")))?;
    let failing = clauses_with(&json, &["fail", "fail-should"]);
    ROWS.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(Row {
            index,
            exit: status.code(),
            failing: failing.iter().cloned().collect(),
            secs,
        });
    check(v, status, &json, &failing)
        .map_err(|problems| context(&format!("{} ({})\n{problems}", variant_name(v), v.why)).into())
}

/// Waits for the suite; at the deadline stops it like Ctrl-C would (it
/// then kills what it started), and returns `None`.
fn run_with_deadline(mut cmd: Command, limit: Duration) -> Result<Option<ExitStatus>, String> {
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("could not run {}: {e}", env!("CARGO_BIN_EXE_conformance")))?;
    let deadline = Instant::now() + limit;
    loop {
        if let Some(st) = child.try_wait().map_err(|e| format!("wait: {e}"))? {
            return Ok(Some(st));
        }
        if Instant::now() >= deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = i32::try_from(child.id())
        .ok()
        .and_then(rustix::process::Pid::from_raw);
    if let Some(pid) = pid {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    }
    let grace = Instant::now() + Duration::from_secs(20);
    while Instant::now() < grace {
        if let Ok(Some(_)) = child.try_wait() {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    Ok(None)
}

/// Clauses whose status in the report is one of `statuses`.
fn clauses_with(json: &Value, statuses: &[&str]) -> BTreeSet<String> {
    json["clauses"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, s)| s.as_str().is_some_and(|s| statuses.contains(&s)))
                .map(|(c, _)| c.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// The table's expectations for one variant; every problem, one a line.
fn check(
    v: &Variant,
    status: ExitStatus,
    json: &Value,
    failing: &BTreeSet<String>,
) -> Result<(), String> {
    let mut problems = Vec::new();
    let conforms = v.breaks.is_empty();
    let want_exit = i32::from(!conforms);
    if status.code() != Some(want_exit) {
        problems.push(format!("exit status {status}, expected {want_exit}"));
    }
    if json["graded"].as_str() != Some("client") {
        problems.push(format!(
            "the report says it graded {}, not a client",
            json["graded"]
        ));
    }
    if conforms {
        let should_too = matches!(v.client, Client::Reference);
        for c in conformance::spec::client_clauses() {
            let s = json["clauses"][&c.id].as_str().unwrap_or("missing");
            let must = c.level == conformance::spec::Level::Must;
            if (must || should_too) && s != "pass" {
                problems.push(format!(
                    "{} clause {} is {s:?}, expected \"pass\"",
                    c.level.as_str(),
                    c.id
                ));
            }
        }
    }
    let missed: Vec<&str> = v
        .breaks
        .iter()
        .copied()
        .filter(|c| !failing.contains(*c))
        .collect();
    if !missed.is_empty() {
        problems.push(format!("not caught: {missed:?} should be failing"));
    }
    let unexpected: Vec<&String> = failing
        .iter()
        .filter(|c| !v.breaks.contains(&c.as_str()) && !v.collateral.contains(&c.as_str()))
        .collect();
    if !unexpected.is_empty() {
        problems.push(format!(
            "blamed on clauses outside breaks {:?} and collateral {:?}: {unexpected:?}",
            v.breaks, v.collateral
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Variant → clauses caught, with the runtime of each run.
fn print_table(wall: Duration) {
    let mut rows = std::mem::take(&mut *ROWS.lock().unwrap_or_else(PoisonError::into_inner));
    if rows.is_empty() {
        return;
    }
    rows.sort_by_key(|r| r.index);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nclient kill table: the client suite against {} variant(s), {:.1} s",
        rows.len(),
        wall.as_secs_f64()
    );
    let _ = writeln!(
        s,
        "{:<28} {:>4} {:>7}  failing clauses (attributed)",
        "variant", "exit", "time"
    );
    for r in &rows {
        let v = &TABLE[r.index];
        let caught: Vec<String> = r
            .failing
            .iter()
            .map(|c| {
                if v.breaks.contains(&c.as_str()) {
                    c.clone()
                } else if v.collateral.contains(&c.as_str()) {
                    format!("({c})")
                } else {
                    format!("!{c}")
                }
            })
            .collect();
        let _ = writeln!(
            s,
            "{:<28} {:>4} {:>6.1}s  {}",
            variant_name(v),
            r.exit.map_or_else(|| "-".into(), |c| c.to_string()),
            r.secs,
            if caught.is_empty() {
                "-".into()
            } else {
                caught.join(" ")
            }
        );
    }
    let _ = writeln!(
        s,
        "(CLAUSE): allowed collateral; !CLAUSE: not expected for this variant"
    );
    print!("{s}");
}
