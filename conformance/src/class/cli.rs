//! The command line of `mftp-grade` (the binary only calls [`main`]).

use crate::class::manifest;
use crate::class::model::{self, ClassReport, Shard};
use crate::class::report;
use crate::class::run;
use crate::class::sandbox::{self, Sandbox};
use crate::class::{diagnosis, merge, shard};
use std::path::{Path, PathBuf};
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

/// Where reports go.
#[derive(Default, Debug)]
struct Outputs {
    out: Option<PathBuf>,
    html: Option<PathBuf>,
    markdown: Option<PathBuf>,
    json: Option<PathBuf>,
    junit: Option<PathBuf>,
    tap: Option<PathBuf>,
    gradescope: Option<PathBuf>,
    /// `Some(None)`: `$GITHUB_OUTPUT`.
    classroom: Option<Option<PathBuf>>,
}

impl Outputs {
    fn any(&self) -> bool {
        self.out.is_some()
            || self.html.is_some()
            || self.markdown.is_some()
            || self.json.is_some()
            || self.junit.is_some()
            || self.tap.is_some()
            || self.gradescope.is_some()
            || self.classroom.is_some()
    }
}

#[derive(Default, Debug)]
struct Args {
    positional: Vec<String>,
    parallel: Option<usize>,
    reruns: Option<u32>,
    shard: Option<Shard>,
    only: Vec<String>,
    previous: Option<PathBuf>,
    sandbox: Option<bool>,
    suite: Option<PathBuf>,
    tmpdir: Option<PathBuf>,
    progress: bool,
    partial: bool,
    outputs: Outputs,
    server_cmd: Option<String>,
    startup_timeout: Option<f64>,
}

fn parse_args(argv: Vec<String>) -> Result<Args, String> {
    let mut a = Args {
        progress: true,
        ..Args::default()
    };
    let mut it = argv.into_iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = || -> Result<String, String> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => it.next().ok_or_else(|| format!("{flag} needs a value")),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => return Err(String::new()),
            "--parallel" => {
                a.parallel = Some(
                    value()?
                        .parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or("--parallel: expected a number of at least 1")?,
                );
            }
            "--reruns" => {
                a.reruns = Some(
                    value()?
                        .parse()
                        .map_err(|_| "--reruns: expected a number")?,
                );
            }
            "--shard" => a.shard = Some(shard::parse(&value()?)?),
            "--only" => a.only.push(value()?),
            "--previous" => a.previous = Some(PathBuf::from(value()?)),
            "--sandbox" => a.sandbox = Some(true),
            "--no-sandbox" => a.sandbox = Some(false),
            "--suite" => a.suite = Some(PathBuf::from(value()?)),
            "--tmpdir" => a.tmpdir = Some(PathBuf::from(value()?)),
            "--no-progress" => a.progress = false,
            "--partial" => a.partial = true,
            "--out" => a.outputs.out = Some(PathBuf::from(value()?)),
            "--html" => a.outputs.html = Some(PathBuf::from(value()?)),
            "--markdown" => a.outputs.markdown = Some(PathBuf::from(value()?)),
            "--json" => a.outputs.json = Some(PathBuf::from(value()?)),
            "--junit" => a.outputs.junit = Some(PathBuf::from(value()?)),
            "--tap" => a.outputs.tap = Some(PathBuf::from(value()?)),
            "--gradescope" => a.outputs.gradescope = Some(PathBuf::from(value()?)),
            "--classroom" => a.outputs.classroom = Some(inline.clone().map(PathBuf::from)),
            "--server-cmd" => a.server_cmd = Some(value()?),
            "--startup-timeout" => {
                a.startup_timeout = Some(
                    value()?
                        .parse()
                        .ok()
                        .filter(|s: &f64| s.is_finite() && *s > 0.0)
                        .ok_or("--startup-timeout: expected seconds")?,
                );
            }
            f if f.starts_with('-') && f.len() > 1 => return Err(format!("unknown option {f}")),
            _ => a.positional.push(arg),
        }
    }
    Ok(a)
}

/// Runs `mftp-grade` with the process's arguments and exits.
pub fn main() -> ! {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let code = match argv.first().map(String::as_str) {
        Some("__probe") => probe_main(argv[1..].to_vec()),
        Some("merge") => merge_main(argv[1..].to_vec()),
        _ => grade_main(argv),
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
fn probe_main(argv: Vec<String>) -> i32 {
    let a = match parse_args(argv) {
        Ok(a) => a,
        Err(e) => return usage_error(&e),
    };
    let Some(template) = a.server_cmd else {
        return usage_error("__probe needs --server-cmd");
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
            0
        }
        Err(e) => {
            eprintln!("mftp-grade __probe: {e}");
            2
        }
    }
}

/// The conformance binary: `--suite`, `$MFTP_CONFORMANCE`, or next to us.
fn find_suite(given: Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(p) = given.or_else(|| std::env::var_os("MFTP_CONFORMANCE").map(PathBuf::from)) {
        return if p.is_file() {
            Ok(absolute(&p))
        } else {
            Err(format!("the suite binary {} does not exist", p.display()))
        };
    }
    let me = std::env::current_exe().map_err(|e| format!("where am I: {e}"))?;
    let sibling = me.with_file_name(format!("conformance{}", std::env::consts::EXE_SUFFIX));
    if sibling.is_file() {
        Ok(sibling)
    } else {
        Err(format!(
            "the conformance binary is not next to mftp-grade ({}); `cargo install --path conformance` installs both, or pass --suite PATH",
            sibling.display()
        ))
    }
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().map_or_else(|_| p.to_path_buf(), |d| d.join(p))
    }
}

/// `/dev/shm` when it is a writable tmpfs with room for `parallel` runs
/// (every upload is fsynced; on a busy disk that is what makes runs slow),
/// unless `TMPDIR` is set.
fn default_tmp(parallel: usize) -> Option<PathBuf> {
    if std::env::var_os("TMPDIR").is_some() {
        return None;
    }
    let shm = Path::new("/dev/shm");
    let st = rustix::fs::statvfs(shm).ok()?;
    let free = st.f_bavail.saturating_mul(st.f_frsize);
    let need = (768u64 << 20).saturating_mul(u64::try_from(parallel).unwrap_or(u64::MAX));
    (free >= need && tempfile::tempdir_in(shm).is_ok()).then(|| shm.to_path_buf())
}

fn grade_main(argv: Vec<String>) -> i32 {
    let a = match parse_args(argv) {
        Ok(a) => a,
        Err(e) => return usage_error(&e),
    };
    let [manifest_path] = a.positional.as_slice() else {
        return usage_error("give exactly one manifest");
    };
    let loaded = match manifest::load(Path::new(manifest_path)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("mftp-grade: {e}");
            return 2;
        }
    };
    let suite = match find_suite(a.suite.clone()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mftp-grade: {e}");
            return 2;
        }
    };
    let previous = match a.previous.as_deref().map(ClassReport::read).transpose() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("mftp-grade: --previous: {e}");
            return 2;
        }
    };
    let m = &loaded.manifest;
    let want_sandbox = a.sandbox.or(m.sandbox).unwrap_or(false);
    let sandbox = if want_sandbox {
        match Sandbox::find(m.sandbox_hide.as_deref()) {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("mftp-grade: {e}\n(--no-sandbox grades without it)");
                return 2;
            }
        }
    } else {
        None
    };
    if !sandbox::have_prlimit() {
        eprintln!(
            "mftp-grade: warning: `prlimit` (util-linux) is not on PATH: the servers' resource limits cannot be applied and every launch will fail; install util-linux or set the limits to 0"
        );
    }
    let reference = if loaded.needs_reference() {
        match crate::reference::reference_server_binary() {
            Ok(p) => Some(p),
            Err(e) => {
                eprintln!("mftp-grade: warning: {{reference-server}}: {e}");
                None
            }
        }
    } else {
        None
    };
    let all = loaded.jobs(reference.as_deref());
    for name in &a.only {
        if !all.iter().any(|j| &j.name == name) {
            eprintln!("mftp-grade: --only {name:?}: no such implementation in the manifest");
            return 2;
        }
    }
    let total = all.len();
    let mut jobs = match a.shard {
        Some(s) => shard::select(all, s),
        None => all,
    };
    if !a.only.is_empty() {
        jobs.retain(|j| a.only.contains(&j.name));
    }
    let parallel = a
        .parallel
        .or(m.parallel)
        .unwrap_or(manifest::DEFAULT_PARALLEL);
    let grader = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("mftp-grade"));
    let case_names = match run::list_cases(&suite) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("mftp-grade: {e}");
            return 2;
        }
    };
    let opts = run::Options {
        suite,
        grader,
        parallel,
        reruns: a.reruns.or(m.reruns).unwrap_or(manifest::DEFAULT_RERUNS),
        sandbox,
        progress: a.progress,
        tmp_base: a.tmpdir.clone().or_else(|| default_tmp(parallel)),
        case_names,
    };
    run::adopt_orphans();
    let _ = ctrlc::set_handler(|| {
        if run::stopping() {
            eprintln!("\nmftp-grade: interrupted again; exiting now");
            std::process::exit(2);
        }
        eprintln!(
            "\nmftp-grade: interrupted: stopping the running suites (their partial results are kept)"
        );
        run::request_stop();
    });
    eprintln!(
        "mftp-grade: {} — grading {} of {} implementation{}, {} at a time{}",
        m.name,
        jobs.len(),
        total,
        if total == 1 { "" } else { "s" },
        parallel,
        if opts.sandbox.is_some() {
            ", sandboxed"
        } else {
            ""
        }
    );
    let mut report = ClassReport::new(&loaded, a.shard.into_iter().collect(), total);
    let results = run::grade_all(&jobs, &opts, &report.clauses, &report.scoring);
    report.implementations = results;
    model::finalize(&mut report, previous.as_ref());
    let outputs = if a.outputs.any() {
        a.outputs
    } else {
        Outputs {
            out: Some(PathBuf::from("mftp-grade-report")),
            ..Outputs::default()
        }
    };
    print!("{}", report::summary::render(&report));
    let mut code = match write_outputs(&report, &outputs) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("mftp-grade: {e}");
            2
        }
    };
    if run::stopping() {
        code = 2;
    }
    code
}

fn merge_main(argv: Vec<String>) -> i32 {
    let a = match parse_args(argv) {
        Ok(a) => a,
        Err(e) => return usage_error(&e),
    };
    if a.positional.is_empty() {
        return usage_error("merge needs the class JSONs of the shards");
    }
    let mut parts = Vec::new();
    for p in &a.positional {
        match ClassReport::read(Path::new(p)) {
            Ok(r) => parts.push(r),
            Err(e) => {
                eprintln!("mftp-grade: {e}");
                return 2;
            }
        }
    }
    let previous = match a.previous.as_deref().map(ClassReport::read).transpose() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("mftp-grade: --previous: {e}");
            return 2;
        }
    };
    let report = match merge::merge(parts, a.partial, previous.as_ref()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mftp-grade: {e}");
            return 2;
        }
    };
    let outputs = if a.outputs.any() {
        a.outputs
    } else {
        Outputs {
            out: Some(PathBuf::from("mftp-grade-report")),
            ..Outputs::default()
        }
    };
    print!("{}", report::summary::render(&report));
    match write_outputs(&report, &outputs) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("mftp-grade: {e}");
            2
        }
    }
}

fn write(path: &Path, text: &str, what: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!("{what}: {}", path.display());
    Ok(())
}

/// Appends GitHub Classroom result lines to `path`.
fn append(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write as _;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!("GitHub Classroom result: {}", path.display());
    Ok(())
}

/// The name of an implementation's GitHub output: `result` when it is the
/// only one, else `result_NAME`.
fn classroom_name(r: &ClassReport, name: &str) -> String {
    if r.implementations.len() == 1 {
        "result".into()
    } else {
        format!("result_{}", crate::case::slug(name))
    }
}

fn write_outputs(r: &ClassReport, o: &Outputs) -> Result<(), String> {
    let mut out = Outputs {
        html: o.html.clone(),
        markdown: o.markdown.clone(),
        json: o.json.clone(),
        junit: o.junit.clone(),
        tap: o.tap.clone(),
        gradescope: o.gradescope.clone(),
        classroom: o.classroom.clone(),
        out: None,
    };
    if let Some(dir) = &o.out {
        out.html.get_or_insert_with(|| dir.join("index.html"));
        out.markdown.get_or_insert_with(|| dir.join("report.md"));
        out.json.get_or_insert_with(|| dir.join("class.json"));
        out.junit.get_or_insert_with(|| dir.join("junit.xml"));
        out.tap.get_or_insert_with(|| dir.join("report.tap"));
        for i in &r.implementations {
            let slug = crate::case::slug(&i.name);
            write(
                &dir.join("gradescope").join(&slug).join("results.json"),
                &serde_json::to_string_pretty(&report::gradescope::render(r, i))
                    .map_err(|e| e.to_string())?,
                "Gradescope",
            )?;
            write(
                &dir.join("classroom").join(format!("{slug}.txt")),
                &report::classroom::output_line("result", r, i),
                "GitHub Classroom",
            )?;
        }
    }
    if let Some(p) = &out.html {
        write(p, &report::html::render(r), "HTML")?;
    }
    if let Some(p) = &out.markdown {
        write(p, &report::markdown::render(r), "Markdown")?;
    }
    if let Some(p) = &out.json {
        write(p, &report::json::render(r)?, "JSON")?;
    }
    if let Some(p) = &out.junit {
        write(p, &report::junit::render(r)?, "JUnit")?;
    }
    if let Some(p) = &out.tap {
        write(p, &report::tap::render(r), "TAP")?;
    }
    if let Some(p) = &out.gradescope {
        if let [only] = r.implementations.as_slice() {
            write(
                p,
                &serde_json::to_string_pretty(&report::gradescope::render(r, only))
                    .map_err(|e| e.to_string())?,
                "Gradescope",
            )?;
        } else {
            for i in &r.implementations {
                write(
                    &p.join(crate::case::slug(&i.name)).join("results.json"),
                    &serde_json::to_string_pretty(&report::gradescope::render(r, i))
                        .map_err(|e| e.to_string())?,
                    "Gradescope",
                )?;
            }
        }
    }
    if let Some(target) = &out.classroom {
        let path = match target {
            Some(p) => p.clone(),
            None => std::env::var_os("GITHUB_OUTPUT")
                .map(PathBuf::from)
                .ok_or("--classroom: $GITHUB_OUTPUT is not set (outside GitHub Actions, give --classroom=PATH)")?,
        };
        let mut lines = String::new();
        for i in &r.implementations {
            lines.push_str(&report::classroom::output_line(
                &classroom_name(r, &i.name),
                r,
                i,
            ));
        }
        append(&path, &lines)?;
    }
    Ok(())
}
