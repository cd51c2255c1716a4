//! The kill table: proof that the suite catches real bugs, and blames the
//! right clauses for them.
//!
//! `fixtures/python-server/server.py` is a second, independent mftp/1
//! server with 43 deliberate bugs behind `--bug NAME`, and 7 behaviours
//! that spec 1.1 allows besides its default ones behind `--variant NAME`.
//! One trial per row of [`TABLE`] (the clean server, each bug, each allowed
//! variant) runs the `conformance` binary against it with `--report-json`,
//! and checks the per-clause statuses of the report (see
//! `src/report/mod.rs` for how failures are attributed):
//!
//! - clean: exit status 0 and every MUST clause "pass" (but those no
//!   server case can check, which the report lists as untestable);
//! - each bug: every clause it breaks failing, nothing failing outside
//!   what it breaks and the collateral listed for it (clauses a case is
//!   knowably stopped at by that bug), and exit status 1 (0 when it breaks
//!   SHOULD clauses only). A bug in [`KNOWN_GAPS`] (the suite does not yet
//!   blame what it breaks reliably) need only be caught: exit status 1,
//!   nothing blamed outside its row;
//! - each allowed variant (a regression test against false alarms): exit
//!   status 0 and every MUST clause "pass", like the clean server; the
//!   SHOULD clauses it breaks (`crlf`: FRAME-8) must be failing, to show
//!   that the variant is on, and nothing else may fail.
//!
//! Run as root, the suite skips CMD-7 (root reads everything, so no
//! permission error can be provoked); the clean server and the variants
//! may then have CMD-7 "skip", and `perm-550` only shows that it breaks
//! nothing else. Run as another user to check CMD-7 too.
//!
//! ```text
//! cargo test -p conformance --test kill_table              # 3 variants at a time
//! cargo test -p conformance --test kill_table -- --test-threads 6 dotdot
//! ```
//!
//! `cargo test -p conformance -- --server X` passes the suite's options to
//! every test target: this one accepts and ignores them, and skips itself
//! when a server to grade is given (`--server`, `--server-cmd`,
//! `MFTP_SERVER`, `MFTP_SERVER_CMD`).

use conformance::spec::Level;
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// How the Python server is started for one row of the table.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Server {
    /// No switch: it conforms.
    Clean,
    /// `--bug NAME`: one deliberate mistake the suite must catch.
    Bug(&'static str),
    /// `--variant NAME`: a behaviour the spec allows; the suite must not
    /// fail any MUST clause for it.
    Allowed(&'static str),
}

/// One server variant and what the suite must say about it.
struct Variant {
    server: Server,
    /// Clauses that must be failing (a failing step of some case checks
    /// them). For an allowed variant: SHOULD clauses only.
    breaks: &'static [&'static str],
    /// Clauses that may fail as well: a case is knowably stopped at them by
    /// this bug. For an allowed variant: SHOULD clauses only.
    collateral: &'static [&'static str],
    /// Why, in one line.
    why: &'static str,
}

use Server::{Allowed, Bug, Clean};

/// MUST clauses the suite skips when it runs as root (see the module docs).
const SKIPPED_AS_ROOT: &[&str] = &["CMD-7"];

/// Bugs whose `breaks` the suite does not blame reliably yet: a known
/// problem of the suite, not of the server or the table. For these rows a
/// clause of `breaks` may be missing, as long as the bug is caught (exit
/// status 1) and blamed on nothing outside `breaks` and `collateral`. Drop
/// an entry once the suite is fixed.
const KNOWN_GAPS: &[(&str, &str)] = &[];

/// The known gap of this row, if any.
fn known_gap(v: &Variant) -> Option<&'static str> {
    match v.server {
        Bug(b) => KNOWN_GAPS
            .iter()
            .find(|(g, _)| *g == b)
            .map(|(_, why)| *why),
        Clean | Allowed(_) => None,
    }
}

/// Derived from repeated runs, alone and three at a time under load; see
/// README.md ("Kill table").
const TABLE: &[Variant] = &[
    Variant {
        server: Clean,
        breaks: &[],
        collateral: &[],
        why: "the independent implementation conforms",
    },
    Variant {
        server: Bug("single-recv"),
        breaks: &["FRAME-3", "FRAME-4", "PIPE-1", "PIPE-2"],
        collateral: &["FRAME-10", "FRAME-9"],
        why: "one recv() is one command: split lines, lines in one write, 4096 bytes without LF, bytes after data; the FRAME-10 case's three lines in one write are one command, and the FRAME-9 case's long line is answered `500 unknown command` per 4096 bytes with no close (SHOULD)",
    },
    Variant {
        server: Bug("upload-in-place"),
        breaks: &["UPLOAD-6", "LIMIT-2", "SEC-4"],
        collateral: &["UPLOAD-5"],
        why: "the partial file is visible and left behind; racers that pass the existence check before the first creates the file all get 226 (UPLOAD-5), depending on thread timing",
    },
    Variant {
        server: Bug("upload-replaces"),
        breaks: &["UPLOAD-2", "UPLOAD-5"],
        collateral: &["SEC-5"],
        why: "an upload onto an existing name gets 150 instead of 554; onto a FIFO too (SEC-5: its name exists)",
    },
    Variant {
        server: Bug("dotdot"),
        breaks: &["NAME-4", "NAME-6", "SEC-1"],
        collateral: &["UPLOAD-2"],
        why: "`.`/`..` accepted; the check-order case's `upload 5 docs/../a.txt` then meets an existing file (554, not 553)",
    },
    Variant {
        server: Bug("follow-symlinks"),
        breaks: &["LS-5", "SEC-3"],
        collateral: &[],
        why: "links out of the root are listed and followed (SEC-3 is the specific clause for reading through them)",
    },
    Variant {
        server: Bug("no-crlf"),
        breaks: &["FRAME-2"],
        collateral: &[],
        why: "`ls docs\\r\\n` asks for `docs\\r`",
    },
    Variant {
        server: Bug("case-sensitive"),
        breaks: &["CMD-1"],
        collateral: &[],
        why: "`LS` is an unknown verb",
    },
    Variant {
        server: Bug("ls-unsorted"),
        breaks: &["LS-3"],
        collateral: &[],
        why: "entries in reverse byte order",
    },
    Variant {
        server: Bug("ls-no-slash"),
        breaks: &["LS-2"],
        collateral: &[],
        why: "directories listed without `/`",
    },
    Variant {
        server: Bug("size-float"),
        breaks: &["SIZE-2"],
        collateral: &[],
        why: "131072 bytes print as 0.12 MB",
    },
    Variant {
        server: Bug("download-wrong-size"),
        breaks: &["DOWNLOAD-1"],
        collateral: &["SEC-6"],
        why: "`150 <size+1>` for every file; the SEC-6 case blames every failure of its link steps on SEC-6, `150 6` for `download back.txt` too",
    },
    Variant {
        server: Bug("early-226"),
        breaks: &["UPLOAD-3", "UPLOAD-4"],
        collateral: &["UPLOAD-5"],
        why: "226 before the data: a stalled upload gets 226, the file is not there yet; racers checked before the first is stored all win (UPLOAD-5), unless load serialises them",
    },
    Variant {
        server: Bug("die-on-unknown"),
        breaks: &["CMD-2", "CMD-6"],
        collateral: &[],
        why: "the connection is closed after the 500 for an unknown verb",
    },
    Variant {
        server: Bug("one-client"),
        breaks: &["CONC-1"],
        collateral: &["LIMIT-1"],
        why: "a second client is not greeted while the first is connected; in the idle case it is greeted only after the first one's 421 and lingering close, and the suite reads that 421 after the second one's 1.8 s of commands (\"421 after 3.8 s\")",
    },
    Variant {
        server: Bug("wrong-code"),
        breaks: &["LS-4", "SIZE-3", "DOWNLOAD-3", "UPLOAD-2", "RM-2"],
        collateral: &["NAME-9", "SEC-5", "SEC-6"],
        why: "450 for missing names, blamed on each command's missing-name clause, except by the 1.1 cases of NAME-9, SEC-5 and SEC-6, which expect their 550 directly",
    },
    Variant {
        server: Bug("no-line-limit"),
        breaks: &["FRAME-4"],
        collateral: &[],
        why: "no 500 and close at 4096 bytes without LF",
    },
    Variant {
        server: Bug("no-idle-timeout"),
        breaks: &["LIMIT-1"],
        collateral: &[],
        why: "--idle-timeout accepted but never fires (LIMIT-2 is then blocked, not failing)",
    },
    Variant {
        server: Bug("strip-arg"),
        breaks: &["CMD-5"],
        collateral: &["UPLOAD-1"],
        why: "arguments trimmed; `upload  5 x.txt` then has a well-formed size field",
    },
    Variant {
        server: Bug("empty-line-closes"),
        breaks: &["FRAME-5"],
        collateral: &[],
        why: "an empty line closes the connection instead of getting 500",
    },
    Variant {
        server: Bug("no-conn-limit"),
        breaks: &["LIMIT-3"],
        collateral: &[],
        why: "--max-connections accepted but ignored",
    },
    // Added with spec 1.1.
    Variant {
        server: Bug("unicode-verbs"),
        breaks: &["CMD-1"],
        collateral: &[],
        why: "verbs matched after Unicode casefold(): `ſize a.txt` is served",
    },
    Variant {
        server: Bug("char-limits"),
        breaks: &["NAME-3"],
        collateral: &[],
        why: "lengths in characters: a 256-byte component of 128 `é` gets 550 (the case stops there, before its 1025-byte name of NAME-2)",
    },
    Variant {
        server: Bug("nfc-names"),
        breaks: &["NAME-7"],
        collateral: &[],
        why: "names normalized to NFC: the NFC spelling finds the NFD file",
    },
    Variant {
        server: Bug("utf16-order"),
        breaks: &["LS-3"],
        collateral: &[],
        why: "listing sorted by UTF-16 code units: `😀` before U+E000",
    },
    Variant {
        server: Bug("lenient-size"),
        breaks: &["UPLOAD-1"],
        collateral: &[],
        why: "int() judges the size: `upload +5 x.txt` gets 150",
    },
    Variant {
        server: Bug("float-mb"),
        breaks: &["SIZE-2"],
        collateral: &[],
        why: "megabytes in doubles: wrong above 2^53 bytes only",
    },
    Variant {
        server: Bug("alloc-upload"),
        breaks: &["UPLOAD-3"],
        collateral: &[],
        why: "a buffer of the announced size: `upload 9223372036854775807 …` gets 451",
    },
    Variant {
        server: Bug("int32-size"),
        breaks: &["SIZE-1"],
        collateral: &[],
        why: "sizes through 32 bits: `size 4g.bin` is 5 bytes (the case stops there, before its download of DOWNLOAD-1)",
    },
    Variant {
        server: Bug("grow-download"),
        breaks: &["DOWNLOAD-4"],
        collateral: &[],
        why: "sends until EOF: the bytes appended during a download follow the announced ones",
    },
    Variant {
        server: Bug("shrink-pad"),
        breaks: &["DOWNLOAD-4"],
        collateral: &[],
        why: "pads a shrunk file with zeros instead of closing",
    },
    Variant {
        server: Bug("dies-on-reset"),
        breaks: &["CONC-2"],
        collateral: &[],
        why: "the process exits when a client resets a transfer; whichever step meets the dead server, the runner blames CONC-2 once it sees the process gone",
    },
    Variant {
        server: Bug("early-input-lost"),
        breaks: &["FRAME-1"],
        collateral: &[],
        why: "input sent before the greeting is discarded: no reply within the step timeout",
    },
    Variant {
        server: Bug("split-whitespace"),
        breaks: &["CMD-2", "CMD-5"],
        collateral: &["FRAME-2", "UPLOAD-1"],
        why: "split at any whitespace: `size\\ta.txt` served, `size  a` asks for `a`; `connme\\r\\r` loses its CR as whitespace (FRAME-2), `upload  5 x.txt` its space before the size (UPLOAD-1)",
    },
    Variant {
        server: Bug("fd-leak"),
        breaks: &["CONC-3"],
        collateral: &[],
        why: "downloads never close their file: at 256 open files `ls docs` gets 451",
    },
    Variant {
        server: Bug("rm-dir-link"),
        breaks: &["RM-4"],
        collateral: &[],
        why: "`rm` of a link to a directory removes the link",
    },
    Variant {
        server: Bug("notdir-551"),
        breaks: &["NAME-9"],
        collateral: &["SIZE-3"],
        why: "ENOTDIR taken as wrong kind: `size a.txt/x` gets 551; the NAME-3 case's `size` through a file is blamed on size's missing-name clause",
    },
    Variant {
        server: Bug("drop-on-eof"),
        breaks: &["FRAME-10"],
        collateral: &[],
        why: "lines still buffered at a half-close are dropped",
    },
    Variant {
        server: Bug("abrupt-close"),
        breaks: &["FRAME-9"],
        collateral: &[],
        why: "no lingering close after `500`: a reset (SHOULD only, so exit 0)",
    },
    Variant {
        server: Bug("idle-from-last-byte"),
        breaks: &["LIMIT-1"],
        collateral: &[],
        why: "the idle timer runs during a download: `421` right after one longer than the timeout",
    },
    Variant {
        server: Bug("ignore-read-only"),
        breaks: &["LIMIT-5"],
        collateral: &[],
        why: "--read-only accepted but ignored: uploads get 150",
    },
    Variant {
        server: Bug("fifo-blocks"),
        breaks: &["SEC-5"],
        collateral: &[],
        why: "open() before the type check: `size pipe` hangs that client",
    },
    Variant {
        server: Bug("abs-link-mixed"),
        breaks: &["SEC-6"],
        collateral: &[],
        why: "absolute links inside the root followed by size/download but not listed",
    },
    Variant {
        server: Bug("rm-while-uploading"),
        breaks: &["UPLOAD-6"],
        collateral: &[],
        why: "`rm` of a name being uploaded gets 250 and cancels the upload",
    },
    // Behaviours spec 1.1 allows: no MUST clause may fail (false alarms).
    Variant {
        server: Allowed("follow-abs-links"),
        breaks: &[],
        collateral: &[],
        why: "absolute links that end inside the root are followed everywhere (SEC-6)",
    },
    Variant {
        server: Allowed("list-reserved"),
        breaks: &[],
        collateral: &[],
        why: "`ls` shows `.mftp-tmp/` in the root (NAME-8: graders ignore it)",
    },
    Variant {
        server: Allowed("crlf"),
        breaks: &["FRAME-8"],
        collateral: &[],
        why: "CR LF after every reply and entry line: FRAME-6 accepts it, only the SHOULD FRAME-8 fails",
    },
    Variant {
        server: Allowed("c1-text"),
        breaks: &[],
        collateral: &[],
        why: "error replies carry U+0085 and other non-ASCII text (FRAME-6)",
    },
    Variant {
        server: Allowed("slow-slot-release"),
        breaks: &[],
        collateral: &[],
        why: "a slot is freed only when the client has closed its side too (LIMIT-3)",
    },
    Variant {
        server: Allowed("reserved-ordinary"),
        breaks: &[],
        collateral: &[],
        why: "`.mftp…` names are ordinary names, 550 not 553 (NAME-8)",
    },
    Variant {
        server: Allowed("perm-550"),
        breaks: &[],
        collateral: &[],
        why: "permission errors get 550, not 451 (CMD-7; untested as root)",
    },
];

/// Default number of variants graded at once: each suite run is itself
/// parallel (8 cases at a time), and on 2 cores the table is bound by CPU
/// (mostly Python starting once per case), so more do not help there.
const DEFAULT_THREADS: usize = 3;

/// Limit for one run of the suite (alone it takes a few seconds).
const DEADLINE: Duration = Duration::from_secs(300);

/// Room a suite run needs in its temp dir (its largest files are 64 MiB).
const ROOM_PER_RUN: u64 = 512 << 20;

/// What one trial found, for the table printed at the end.
struct Row {
    index: usize,
    exit: Option<i32>,
    failing: Vec<String>,
    blocked: usize,
    secs: f64,
}

static ROWS: Mutex<Vec<Row>> = Mutex::new(Vec::new());

fn main() {
    let mut argv = std::env::args();
    let argv0 = argv.next().unwrap_or_else(|| "kill_table".into());
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
                "kill_table: skipped, a server or client to grade was given (--server/--server-cmd/--client/--client-cmd or MFTP_SERVER*/MFTP_CLIENT*)"
            );
        }
        return;
    }
    let mut args = Arguments::from_iter(std::iter::once(argv0).chain(rest));
    if args.test_threads.is_none() {
        args.test_threads = Some(DEFAULT_THREADS);
    }
    let threads = args.test_threads.unwrap_or(DEFAULT_THREADS);
    let _ = TMPDIR.set(suite_tmpdir(threads));
    let bytecode_dir = if list {
        None
    } else {
        tempfile::Builder::new()
            .prefix("mftp-kill-table-pyc-")
            .tempdir()
            .ok()
    };
    let _ = BYTECODE.set(bytecode_dir.as_ref().and_then(|d| compile_server(d.path())));
    let trials: Vec<Trial> = TABLE
        .iter()
        .enumerate()
        .map(|(i, v)| Trial::test(variant_name(v), move || run_variant(i, v)))
        .collect();
    let started = Instant::now();
    let conclusion = libtest_mimic::run(&args, trials);
    if !list {
        print_table(started.elapsed(), threads);
    }
    drop(bytecode_dir); // `exit` skips destructors
    conclusion.exit();
}

/// `server.py` compiled once for the whole table, when that worked.
static BYTECODE: OnceLock<Option<PathBuf>> = OnceLock::new();

/// Compiles `server.py` to `dir/server.pyc`, which Python runs like the
/// script itself. A script is compiled again at every start (Python caches
/// the bytecode of imported modules only), and the ~4500 server starts of
/// a table would spend a fifth of their start-up doing that.
fn compile_server(dir: &Path) -> Option<PathBuf> {
    let py = python().ok()?;
    let pyc = dir.join("server.pyc");
    Command::new(&py.exe)
        .args([
            "-S",
            "-c",
            "import py_compile, sys; py_compile.compile(sys.argv[1], sys.argv[2], doraise=True)",
        ])
        .arg(server_py())
        .arg(&pyc)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
        .then_some(pyc)
}

/// Pulls the suite's options (and their values) out of the arguments.
/// Returns whether a server to grade was given, and the rest.
fn split_args(args: Vec<String>) -> (bool, Vec<String>) {
    let mut grading = false;
    let mut rest = Vec::new();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let flag = arg.split_once('=').map_or(arg.as_str(), |(f, _)| f);
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

/// The temp dir for the suites' runs, when not the default.
static TMPDIR: OnceLock<Option<PathBuf>> = OnceLock::new();

/// `/dev/shm` when it is writable and has room for `threads` runs at once,
/// unless `TMPDIR` is set: every upload is fsynced, and fsync on a disk
/// shared with other work is what makes parallel runs slow. The verdicts do
/// not depend on the file system.
fn suite_tmpdir(threads: usize) -> Option<PathBuf> {
    if std::env::var_os("TMPDIR").is_some() {
        return None;
    }
    let shm = Path::new("/dev/shm");
    let st = rustix::fs::statvfs(shm).ok()?;
    let free = st.f_bavail.saturating_mul(st.f_frsize);
    let need = ROOM_PER_RUN.saturating_mul(u64::try_from(threads).unwrap_or(u64::MAX));
    (free >= need && tempfile::tempdir_in(shm).is_ok()).then(|| shm.to_path_buf())
}

fn variant_name(v: &Variant) -> String {
    match v.server {
        Clean => "python-server clean".into(),
        Bug(_) | Allowed(_) => format!("python-server{}", server_option(v)),
    }
}

/// The server's option for this row: "", " --bug NAME" or " --variant NAME".
fn server_option(v: &Variant) -> String {
    match v.server {
        Clean => String::new(),
        Bug(b) => format!(" --bug {b}"),
        Allowed(a) => format!(" --variant {a}"),
    }
}

/// The row's name in the printed table.
fn label(v: &Variant) -> String {
    match v.server {
        Clean => "clean".into(),
        Bug(b) => b.into(),
        Allowed(a) => format!("{a} (allowed)"),
    }
}

fn server_py() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/python-server/server.py")
}

/// The interpreter `python3` runs.
struct Python {
    /// Its absolute path: a version manager's `python3` on PATH may be a
    /// shell script (pyenv's shim) that costs more than Python's own start,
    /// paid again by each of the ~4500 server starts of a kill table.
    exe: String,
    /// "Python 3.11.7".
    version: String,
}

/// `python3`, resolved once; an error message when it cannot run.
fn python() -> Result<&'static Python, String> {
    static PYTHON: OnceLock<Result<Python, String>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let out = Command::new("python3")
                .args([
                    "-c",
                    "import sys; print(sys.executable); print('Python', sys.version.split()[0])",
                ])
                .stdin(Stdio::null())
                .output();
            match out {
                Ok(o) if o.status.success() => {
                    let text = String::from_utf8_lossy(&o.stdout).into_owned();
                    let mut lines = text.lines();
                    let exe = lines.next().unwrap_or("").trim();
                    Ok(Python {
                        exe: if exe.is_empty() { "python3" } else { exe }.to_string(),
                        version: lines.next().unwrap_or("Python ?").trim().to_string(),
                    })
                }
                Ok(o) => Err(format!(
                    "`python3` failed ({}): {}",
                    o.status,
                    String::from_utf8_lossy(&o.stderr).trim()
                )),
                Err(e) => Err(format!("`python3` cannot be run: {e}")),
            }
        })
        .as_ref()
        .map_err(|e| {
            format!(
                "{e}\nThe kill table grades the Python server in conformance/fixtures/python-server/ \
                 and needs python3 (3.11 or newer) on PATH."
            )
        })
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Runs the suite against one variant and checks its report.
fn run_variant(index: usize, v: &Variant) -> Result<(), Failed> {
    let py = python()?;
    let dir = tempfile::Builder::new()
        .prefix("mftp-kill-table-")
        .tempdir()
        .map_err(|e| format!("temp dir: {e}"))?;
    let report = dir.path().join("report.json");
    let out_path = dir.path().join("suite.out");
    // `-S`: no `site` module. The server needs the standard library only,
    // and `site` runs every `.pth` hook of site-packages, which can cost
    // more than the rest of Python's start (50 ms on a pyenv build with a
    // certifi hook), paid by each of the ~4500 server starts of a table.
    let command = |script: &Path| {
        format!(
            "{} -S {}{} --root {{root}} --port {{port}}",
            shell_quote(&py.exe),
            shell_quote(&script.to_string_lossy()),
            server_option(v)
        )
    };
    let script = BYTECODE.get().cloned().flatten();
    let template = command(script.as_deref().unwrap_or(&server_py()));
    // What a reader runs to see the same: the script itself.
    let shown = command(&server_py());
    let out = std::fs::File::create(&out_path).map_err(|e| format!("{e}"))?;
    let err = out.try_clone().map_err(|e| format!("{e}"))?;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_conformance"));
    cmd.arg("--server-cmd")
        .arg(&template)
        .arg("--report-json")
        .arg(&report)
        .arg("-q")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    if let Some(Some(t)) = TMPDIR.get() {
        cmd.env("TMPDIR", t);
    }
    for var in [
        "MFTP_SERVER",
        "MFTP_SERVER_CMD",
        "MFTP_REPORT_JSON",
        "MFTP_JUNIT",
    ] {
        cmd.env_remove(var);
    }
    let started = Instant::now();
    let status = run_with_deadline(cmd, DEADLINE)?;
    let secs = started.elapsed().as_secs_f64();
    let output = std::fs::read_to_string(&out_path).unwrap_or_default();
    let compiled = script.as_ref().map_or_else(String::new, |p| {
        format!(
            "\n(the table runs server.py compiled once, as {})",
            p.display()
        )
    });
    let context = |what: &str| {
        format!(
            "{what}\ncommand: conformance --server-cmd {} -q{compiled}\nlast lines of its output:\n{}",
            shell_quote(&shown),
            tail(&output, 40)
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
    let blocked = clauses_with(&json, &["blocked"]).len();
    ROWS.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(Row {
            index,
            exit: status.code(),
            failing: failing.iter().cloned().collect(),
            blocked,
            secs,
        });
    check(v, status, &json, &failing).map_err(|problems| {
        context(&format!(
            "{} ({})\n{}\nfailing cases, [clause of the failing step]:\n{}",
            variant_name(v),
            v.why,
            problems,
            failing_cases(&json)
        ))
        .into()
    })
}

/// Waits for the suite; at the deadline stops it like Ctrl-C would (it
/// then kills its servers), and returns `None`.
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

fn clause_level(id: &str) -> Option<Level> {
    conformance::spec::clauses()
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.level)
}

fn as_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Mistakes in the row itself: clauses spec.md does not have, and MUST
/// clauses listed for an allowed variant.
fn table_problems(v: &Variant) -> Vec<String> {
    let mut problems = Vec::new();
    for c in v.breaks.iter().chain(v.collateral) {
        match clause_level(c) {
            None => problems.push(format!("the table names {c}, which spec.md does not have")),
            Some(Level::Must) if matches!(v.server, Allowed(_)) => problems.push(format!(
                "the table lets an allowed variant fail the MUST clause {c}"
            )),
            Some(_) => {}
        }
    }
    problems
}

/// The table's expectations for one variant; every problem, one a line.
fn check(
    v: &Variant,
    status: ExitStatus,
    json: &Value,
    failing: &BTreeSet<String>,
) -> Result<(), String> {
    let mut problems = table_problems(v);
    let must = |id: &str| clause_level(id) == Some(Level::Must);
    // A bug that breaks only SHOULD clauses still conforms: exit 0.
    let want_exit = match v.server {
        Bug(_) if v.breaks.iter().any(|c| must(c)) => 1,
        _ => 0,
    };
    if status.code() != Some(want_exit) {
        problems.push(format!("exit status {status}, expected {want_exit}"));
    }
    if json["exit_status"].as_i64() != status.code().map(i64::from) {
        problems.push(format!(
            "the report says exit status {}, the process {status}",
            json["exit_status"]
        ));
    }
    if !matches!(v.server, Bug(_)) {
        // Clauses no server case can check (FRAME-11 binds graders) are
        // "not run"; the report lists them with the reason.
        let untestable: BTreeSet<&str> = json["untestable"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|u| u["clause"].as_str())
            .collect();
        for c in conformance::spec::clauses() {
            let s = json["clauses"][&c.id].as_str().unwrap_or("missing");
            let excused = match s {
                "pass" => true,
                "skip" => as_root() && SKIPPED_AS_ROOT.contains(&c.id.as_str()),
                "not run" => untestable.contains(c.id.as_str()),
                _ => false,
            };
            if c.level == Level::Must && !excused {
                problems.push(format!("MUST clause {} is {s:?}, expected \"pass\"", c.id));
            }
        }
    }
    let missed: Vec<&str> = v
        .breaks
        .iter()
        .copied()
        .filter(|c| !failing.contains(*c))
        .collect();
    if !missed.is_empty() && known_gap(v).is_none() {
        problems.push(format!(
            "not caught: {missed:?} should be failing (breaks {:?})",
            v.breaks
        ));
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

/// "  CMD-1 MUST verbs …  [CMD-1]" plus the first lines of each message.
fn failing_cases(json: &Value) -> String {
    let mut s = String::new();
    for c in json["cases"].as_array().into_iter().flatten() {
        if !matches!(c["status"].as_str(), Some("fail" | "error")) {
            continue;
        }
        let _ = writeln!(
            s,
            "  {}  [{}]",
            c["name"].as_str().unwrap_or("?"),
            c["failed_clause"].as_str().unwrap_or("")
        );
        let msg = c["message"].as_str().unwrap_or("");
        for l in msg.lines().filter(|l| !l.starts_with("clause:")).take(6) {
            let _ = writeln!(s, "      {l}");
        }
    }
    if s.is_empty() {
        s.push_str("  (none)\n");
    }
    s
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Bug → clauses caught, with the runtime of each run.
fn print_table(wall: Duration, threads: usize) {
    let mut rows = std::mem::take(&mut *ROWS.lock().unwrap_or_else(PoisonError::into_inner));
    if rows.is_empty() {
        return;
    }
    rows.sort_by_key(|r| r.index);
    let mut s = String::new();
    let tmp = match TMPDIR.get() {
        Some(Some(t)) => t.display().to_string(),
        _ => std::env::temp_dir().display().to_string(),
    };
    let _ = writeln!(
        s,
        "\nkill table: the suite against {} ({}), {} runs, {threads} at a time, temp dirs in {tmp}, {:.1} s",
        server_py().display(),
        python().map_or_else(
            |e| e.lines().next().unwrap_or("").to_string(),
            |p| format!("{}, {}", p.version, p.exe)
        ),
        rows.len(),
        wall.as_secs_f64()
    );
    let _ = writeln!(
        s,
        "{:<28} {:>4} {:>7}  {:<44} blocked",
        "variant", "exit", "time", "failing clauses (attributed)"
    );
    for r in &rows {
        let v = &TABLE[r.index];
        let mut caught: Vec<String> = r
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
        caught.extend(
            v.breaks
                .iter()
                .filter(|c| !r.failing.iter().any(|f| f == *c))
                .map(|c| format!("-{c}")),
        );
        let _ = writeln!(
            s,
            "{:<28} {:>4} {:>6.1}s  {:<44} {}",
            label(v),
            r.exit.map_or_else(|| "-".into(), |c| c.to_string()),
            r.secs,
            if caught.is_empty() {
                "-".into()
            } else {
                caught.join(" ")
            },
            r.blocked
        );
    }
    let _ = writeln!(
        s,
        "(CLAUSE): allowed collateral; !CLAUSE: not expected for this variant; \
         -CLAUSE: a clause it breaks, not blamed"
    );
    for (bug, why) in KNOWN_GAPS {
        if rows.iter().any(|r| TABLE[r.index].server == Bug(bug)) {
            let _ = writeln!(s, "known gap of the suite, {bug}: {why}");
        }
    }
    if as_root() {
        let _ = writeln!(
            s,
            "running as root: the suite skips {} (clean and allowed rows may show it as skipped; \
             perm-550 is not exercised); run as another user to check it",
            SKIPPED_AS_ROOT.join(", ")
        );
    }
    print!("{s}");
}
