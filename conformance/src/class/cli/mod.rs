//! The command line of `mftp-grade` (the binary only calls [`main`]).
//!
//! # Layout
//! - this file: the usage, the dispatch (grade, `merge`, `__probe`) and
//!   how each ends (exit status 0, or 2 with a message);
//! - `args.rs`: the options;
//! - `grade.rs`: grading a manifest, and merging shards;
//! - `outputs.rs`: where the reports go, and writing them.

mod args;
mod grade;
mod outputs;

use crate::class::diagnosis;
use args::parse_args;
use std::path::PathBuf;
use std::time::Duration;

pub const USAGE: &str = "\
mftp-grade: grade a whole class of mftp/1 servers with the conformance suite

usage:
  mftp-grade [OPTIONS] MANIFEST.toml          grade every implementation of the manifest
  mftp-grade merge [OPTIONS] SHARD.json...    combine the class JSONs of --shard runs

grading:
  --parallel N        implementations graded at once (default: the manifest's, else 2)
  --reruns N          reruns of each failing case to tell flaky from failing (default 2)
  --shard K/N         grade only every N-th implementation, from the K-th (1-based)
  --only NAME         grade only this implementation (repeatable)
  --previous PATH     a previous class JSON: list what is newly fixed and newly broken
  --sandbox           run each implementation in a bubblewrap sandbox (needs `bwrap`)
  --no-sandbox        do not, even if the manifest says so
  --suite PATH        the conformance binary (default: next to mftp-grade)
  --tmpdir DIR        where the runs' temp dirs go (default /dev/shm when roomy)
  --no-progress       no progress bars
merge:
  --partial           merge even if some shards are missing
  --previous PATH     as above

outputs (any number; with none, --out mftp-grade-report):
  --out DIR           all of them into DIR: index.html report.md class.json junit.xml
                      report.tap gradescope/NAME/results.json classroom/NAME.txt
  --html PATH         the side-by-side page (one self-contained file)
  --markdown PATH     the same page as Markdown
  --json PATH         the class JSON (input of merge and --previous)
  --junit PATH        JUnit XML, a testsuite per implementation
  --tap PATH          TAP version 14, a subtest per implementation
  --gradescope PATH   Gradescope results.json (a directory NAME/results.json when
                      the report holds several implementations)
  --classroom[=PATH]  GitHub Classroom result, appended as result=BASE64 to
                      $GITHUB_OUTPUT (or to PATH)

exit status: 0 graded (whatever the grades), 2 the grader itself failed or was interrupted";

/// Why `mftp-grade` ends with exit status 2 (or 0 for `--help`).
enum Exit {
    /// Bad usage: the message, then the usage (`--help`: an empty message,
    /// the usage alone, exit status 0).
    Usage(String),
    /// The grader itself failed: one line `mftp-grade: …`.
    Failed(String),
}

impl From<String> for Exit {
    fn from(message: String) -> Exit {
        Exit::Failed(message)
    }
}

/// Runs `mftp-grade` with the process's arguments and exits.
pub fn main() -> ! {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let ended = match argv.first().map(String::as_str) {
        Some("__probe") => probe_main(argv[1..].to_vec()),
        Some("merge") => grade::merge_main(argv[1..].to_vec()),
        _ => grade::grade_main(argv),
    };
    let code = match ended {
        Ok(code) => code,
        Err(Exit::Usage(e)) => usage_error(&e),
        Err(Exit::Failed(e)) => {
            eprintln!("mftp-grade: {e}");
            2
        }
    };
    std::process::exit(code);
}

fn usage_error(e: &str) -> i32 {
    if e.is_empty() {
        println!("{USAGE}");
        0
    } else {
        eprintln!("mftp-grade: {e}\n\n{USAGE}");
        2
    }
}

/// `__probe`: start the server once, look, print the [`diagnosis::Probe`]
/// as one JSON line (run by the grader in the implementation's sandbox).
fn probe_main(argv: Vec<String>) -> Result<i32, Exit> {
    let a = parse_args(argv).map_err(Exit::Usage)?;
    let Some(template) = a.server_cmd else {
        return Err(Exit::Usage("__probe needs --server-cmd".into()));
    };
    let base = std::env::var_os("PWD")
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."));
    let spec = crate::options::ServerSpec::Template(template);
    let startup = Duration::from_secs_f64(a.startup_timeout.unwrap_or(10.0));
    match diagnosis::probe(&spec, &base, startup) {
        Ok(p) => {
            println!("{}", serde_json::to_string(&p).unwrap_or_default());
            Ok(0)
        }
        Err(e) => {
            eprintln!("mftp-grade __probe: {e}");
            Ok(2)
        }
    }
}
