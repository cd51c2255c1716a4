//! Grading a manifest (`mftp-grade MANIFEST.toml`) and merging the class
//! JSONs of shards (`mftp-grade merge`): both end in the terminal summary
//! and the reports asked for.

use super::Exit;
use super::args::parse_args;
use super::outputs::{Outputs, write_outputs};
use crate::class::model::{self, ClassReport};
use crate::class::sandbox::{self, Sandbox};
use crate::class::{manifest, merge, report, run, shard};
use std::path::{Path, PathBuf};

/// `mftp-grade [OPTIONS] MANIFEST.toml`: grades the manifest's
/// implementations (those of `--shard` and `--only`).
pub(super) fn grade_main(argv: Vec<String>) -> Result<i32, Exit> {
    let a = parse_args(argv).map_err(Exit::Usage)?;
    let [manifest_path] = a.positional.as_slice() else {
        return Err(Exit::Usage("give exactly one manifest".into()));
    };
    let loaded = manifest::load(Path::new(manifest_path))?;
    let suite = find_suite(a.suite.clone())?;
    let previous = read_previous(a.previous.as_deref())?;
    let m = &loaded.manifest;
    let want_sandbox = a.sandbox.or(m.sandbox).unwrap_or(false);
    let sandbox = if want_sandbox {
        let found = Sandbox::find(m.sandbox_hide.as_deref())
            .map_err(|e| format!("{e}\n(--no-sandbox grades without it)"))?;
        Some(found)
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
            return Err(format!("--only {name:?}: no such implementation in the manifest").into());
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
    let case_names = run::list_cases(&suite)?;
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
    let code = publish(&report, a.outputs)?;
    Ok(if run::stopping() { 2 } else { code })
}

/// `mftp-grade merge [OPTIONS] SHARD.json...`: one class from its shards.
pub(super) fn merge_main(argv: Vec<String>) -> Result<i32, Exit> {
    let a = parse_args(argv).map_err(Exit::Usage)?;
    if a.positional.is_empty() {
        return Err(Exit::Usage(
            "merge needs the class JSONs of the shards".into(),
        ));
    }
    let parts = a
        .positional
        .iter()
        .map(|p| ClassReport::read(Path::new(p)))
        .collect::<Result<Vec<_>, _>>()?;
    let previous = read_previous(a.previous.as_deref())?;
    let report = merge::merge(parts, a.partial, previous.as_ref())?;
    publish(&report, a.outputs)
}

/// The class JSON of `--previous`, if given.
fn read_previous(path: Option<&Path>) -> Result<Option<ClassReport>, String> {
    path.map(ClassReport::read)
        .transpose()
        .map_err(|e| format!("--previous: {e}"))
}

/// Prints the terminal summary and writes the reports asked for (by
/// default into `mftp-grade-report/`); the exit status.
fn publish(report: &ClassReport, outputs: Outputs) -> Result<i32, Exit> {
    print!("{}", report::summary::render(report));
    write_outputs(report, &outputs.or_default())?;
    Ok(0)
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

/// `/dev/shm` when roomy enough for `parallel` runs (see
/// [`crate::target::roomy_tmpfs`]).
fn default_tmp(parallel: usize) -> Option<PathBuf> {
    crate::target::roomy_tmpfs(
        (768u64 << 20).saturating_mul(u64::try_from(parallel).unwrap_or(u64::MAX)),
    )
}
