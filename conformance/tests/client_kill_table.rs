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

mod common;

use common::args::SERVER_OR_CLIENT;
use common::python::{client_py, python};
use common::table::{Row, Rows};
use conformance::target::shell_quote;
use libtest_mimic::{Failed, Trial};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::process::ExitStatus;
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

static ROWS: Rows = Rows::new();

fn main() {
    let Some(args) =
        common::args::libtest_arguments("client_kill_table", &SERVER_OR_CLIENT, DEFAULT_THREADS)
    else {
        return;
    };
    let python_there = client_py().is_file();
    if !python_there && !args.list {
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
    if !args.list {
        print_table(started.elapsed());
    }
    conclusion.exit();
}

fn variant_name(v: &Variant) -> String {
    match v.client {
        Client::Reference => "reference-client".into(),
        Client::Python(None) => "python-client clean".into(),
        Client::Python(Some(b)) => format!("python-client --bug {b}"),
    }
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
            let py = python().map_err(|e| {
                format!("{e}\nThe Python client's rows need python3 (3.11 or newer) on PATH.")
            })?;
            let bug = bug.map_or_else(String::new, |b| format!(" --bug {b}"));
            Ok((
                "--client-cmd",
                format!(
                    "{} {}{bug} --host {{host}} --port {{port}}",
                    shell_quote(&py.exe),
                    shell_quote(&client_py().to_string_lossy())
                ),
            ))
        }
    }
}

/// Runs the client suite against one variant and checks its report.
fn run_variant(index: usize, v: &Variant) -> Result<(), Failed> {
    let (option, value) = client_option(v)?;
    let run = common::suite::run(&[option, &value], None, "mftp-client-kill-table-")?;
    let context = |what: &str| {
        format!(
            "{what}\ncommand: conformance {option} {} -q\nlast lines of its output:\n{}",
            shell_quote(&value),
            common::process::last_lines(&run.output, 60)
        )
    };
    let (status, json) = run.result.as_ref().map_err(|e| context(e))?;
    let failing = common::suite::failing(json);
    ROWS.record(Row::of(index, *status, json, run.secs));
    check(v, *status, json, &failing)
        .map_err(|problems| context(&format!("{} ({})\n{problems}", variant_name(v), v.why)).into())
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
    problems.extend(common::table::attribution_problems(
        v.breaks,
        v.collateral,
        failing,
        false,
    ));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Variant → clauses caught, with the runtime of each run.
fn print_table(wall: Duration) {
    let rows = ROWS.take_sorted();
    if rows.is_empty() {
        return;
    }
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
        let _ = writeln!(
            s,
            "{:<28} {:>4} {:>6.1}s  {}",
            variant_name(v),
            r.exit_text(),
            r.secs,
            common::table::marks(v.breaks, v.collateral, &r.failing)
        );
    }
    let _ = writeln!(s, "{}", common::table::LEGEND);
    print!("{s}");
}
