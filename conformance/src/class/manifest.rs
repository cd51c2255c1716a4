//! The class manifest: which implementations to grade and how.
//!
//! ```toml
//! name = "Networks 101, assignment 2"
//! parallel = 2          # implementations graded at once
//!
//! [defaults]            # every implementation's, each may override
//! time_limit = 600      # seconds for one implementation's whole run
//!
//! [limits]              # every implementation's server, sandboxed or not
//! cpu_seconds = 60
//! memory_mb = 4096
//!
//! [scoring]             # see points.rs
//! must = 2
//!
//! [[implementation]]
//! name = "alice"
//! workdir = "submissions/alice"      # relative to this file
//! setup = "make"
//! command = "./server --root {root} --port {port}"
//! notes = "late, 1 day"
//! ```
//!
//! Unknown keys are errors, so that a typo (`comand`) is not silently a
//! default. Every setting of `[defaults]` may be given per implementation.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Default limit for one implementation's whole run (suite and reruns
/// excluded): a hanging server costs at most this, then gets the grade of
/// the cases that finished.
pub const DEFAULT_TIME_LIMIT: f64 = 600.0;
/// Default limit for the setup (build) command.
pub const DEFAULT_SETUP_TIME_LIMIT: f64 = 300.0;
/// Default number of implementations graded at once.
pub const DEFAULT_PARALLEL: usize = 2;
/// Default number of reruns of a failing case.
pub const DEFAULT_RERUNS: u32 = 2;

/// The manifest file as written.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Shown at the top of every report.
    pub name: String,
    /// Implementations graded at once (default 2).
    pub parallel: Option<usize>,
    /// How often a failing case is rerun to tell flaky from failing
    /// (default 2; 0 turns reruns off).
    pub reruns: Option<u32>,
    /// Run every implementation in the bubblewrap sandbox (default false;
    /// `--sandbox`/`--no-sandbox` override).
    pub sandbox: Option<bool>,
    /// Paths hidden (an empty tmpfs on top) inside the sandbox. Default:
    /// the usual credential folders of the grading user's home.
    pub sandbox_hide: Option<Vec<String>>,
    /// Settings for every implementation, each overridable per
    /// implementation.
    #[serde(default)]
    pub defaults: Settings,
    /// Resource limits for every implementation's server.
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub scoring: crate::class::points::Scoring,
    #[serde(default, rename = "implementation")]
    pub implementations: Vec<Implementation>,
}

/// Per-implementation settings (all optional; `[defaults]` then built-ins).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Seconds for the suite's run against this implementation (default
    /// 600). At the limit the run is stopped like Ctrl-C: the cases that
    /// finished are graded, the others count as not run.
    pub time_limit: Option<f64>,
    /// Seconds for the setup command (default 300).
    pub setup_time_limit: Option<f64>,
    /// The suite's `--startup-timeout` (default 10).
    pub startup_timeout: Option<f64>,
    /// The suite's `--step-timeout` (default 5).
    pub step_timeout: Option<f64>,
    /// The suite's `--require-limits`: refusing an optional option fails.
    pub require_limits: Option<bool>,
    /// The suite's `--test-threads` (cases at once, default 8).
    pub test_threads: Option<usize>,
    /// More arguments for the suite, e.g. `["--skip", "CONC-3"]` or a name
    /// filter.
    pub suite_args: Option<Vec<String>>,
}

impl Settings {
    /// `self` where set, else `fallback`.
    #[must_use]
    pub fn or(&self, fallback: &Settings) -> Settings {
        Settings {
            time_limit: self.time_limit.or(fallback.time_limit),
            setup_time_limit: self.setup_time_limit.or(fallback.setup_time_limit),
            startup_timeout: self.startup_timeout.or(fallback.startup_timeout),
            step_timeout: self.step_timeout.or(fallback.step_timeout),
            require_limits: self.require_limits.or(fallback.require_limits),
            test_threads: self.test_threads.or(fallback.test_threads),
            suite_args: self
                .suite_args
                .clone()
                .or_else(|| fallback.suite_args.clone()),
        }
    }
}

/// Resource limits of one server process (`prlimit`), 0 = none.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// CPU seconds of each server process (default 60): a spinning server
    /// is killed (SIGXCPU, then SIGKILL) instead of eating a core.
    pub cpu_seconds: Option<u64>,
    /// Address space of each server process in MiB (default 4096). Not
    /// resident memory: runtimes that reserve large heaps (Java, some Go
    /// builds) need more, or 0.
    pub memory_mb: Option<u64>,
    /// Largest file a server process may write, in MiB (default 1024; the
    /// suite's largest upload is 64 MiB).
    pub file_size_mb: Option<u64>,
    /// Processes and threads the server may add to what the grading user
    /// already runs (RLIMIT_NPROC counts per user; root is exempt). Default
    /// 0: no limit.
    pub processes: Option<u64>,
}

impl Limits {
    /// `self` where set, else `fallback`.
    #[must_use]
    pub fn or(&self, fallback: &Limits) -> Limits {
        Limits {
            cpu_seconds: self.cpu_seconds.or(fallback.cpu_seconds),
            memory_mb: self.memory_mb.or(fallback.memory_mb),
            file_size_mb: self.file_size_mb.or(fallback.file_size_mb),
            processes: self.processes.or(fallback.processes),
        }
    }

    /// With the built-in defaults filled in.
    #[must_use]
    pub fn resolved(&self) -> Limits {
        Limits {
            cpu_seconds: Some(self.cpu_seconds.unwrap_or(60)),
            memory_mb: Some(self.memory_mb.unwrap_or(4096)),
            file_size_mb: Some(self.file_size_mb.unwrap_or(1024)),
            processes: Some(self.processes.unwrap_or(0)),
        }
    }
}

/// One implementation to grade.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Implementation {
    /// Unique; the column header and the name in every report. Required,
    /// like `command`: both are checked by [`parse`], after unknown keys
    /// (serde would name a missing field first, and a typo such as
    /// `comand` should be named as such).
    #[serde(default)]
    pub name: String,
    /// Launch template run by `sh -c` in `workdir`, with `{root}` and
    /// `{port}` (and `{reference-server}`: the workspace's reference server).
    #[serde(default)]
    pub command: String,
    /// Where `command` and `setup` run, relative to the manifest's folder
    /// (default: that folder). Writable inside the sandbox.
    pub workdir: Option<PathBuf>,
    /// Run once before grading (`make`, `cargo build --release`); a
    /// failure is reported as "build failed".
    pub setup: Option<String>,
    /// Shown with the implementation (late days, partner, …).
    pub notes: Option<String>,
    /// Resource limits, over `[limits]`.
    pub limits: Option<Limits>,
    /// Every setting of `[defaults]`, over it.
    #[serde(flatten)]
    pub settings: Settings,
}

/// A manifest read from disk, with where it was and its hash.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub manifest: Manifest,
    /// The manifest file as given on the command line.
    pub path: PathBuf,
    /// Its folder, absolute: workdirs are relative to it.
    pub dir: PathBuf,
    /// SHA-256 of its bytes: shards of one class must agree on it.
    pub sha256: String,
}

/// One implementation, everything resolved: what the runner needs.
#[derive(Clone, Debug)]
pub struct Job {
    /// Position in the manifest (reports keep manifest order).
    pub index: usize,
    pub name: String,
    pub notes: String,
    /// The launch template as written.
    pub command: String,
    /// Absolute.
    pub workdir: PathBuf,
    pub setup: Option<String>,
    pub time_limit: Duration,
    pub setup_time_limit: Duration,
    pub startup_timeout: Option<f64>,
    pub step_timeout: Option<f64>,
    pub require_limits: bool,
    pub test_threads: Option<usize>,
    pub suite_args: Vec<String>,
    pub limits: Limits,
}

/// Reads and checks a manifest.
///
/// # Errors
/// The file cannot be read, is not valid TOML, has unknown keys, duplicate
/// or empty names, a command without `{root}` and `{port}`, or a scoring
/// section that names no clause (see `points.rs`).
pub fn load(path: &Path) -> Result<Loaded, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the manifest {}: {e}", path.display()))?;
    let manifest = parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| format!("current dir: {e}"))?
            .join(path)
    };
    let dir = abs
        .parent()
        .map_or_else(|| PathBuf::from("/"), Path::to_path_buf);
    Ok(Loaded {
        manifest,
        path: path.to_path_buf(),
        dir: normalize(&dir),
        sha256: crate::spec::hex(&sha2::Digest::finalize(
            <sha2::Sha256 as sha2::Digest>::new_with_prefix(text.as_bytes()),
        )),
    })
}

/// Parses and checks manifest text.
///
/// # Errors
/// See [`load`].
pub fn parse(text: &str) -> Result<Manifest, String> {
    let m: Manifest = toml::from_str(text).map_err(|e| e.to_string())?;
    if m.name.trim().is_empty() {
        return Err("`name` is empty".into());
    }
    if m.implementations.is_empty() {
        return Err("no [[implementation]]".into());
    }
    let mut names = BTreeSet::new();
    for i in &m.implementations {
        if i.name.trim().is_empty() {
            return Err("an implementation has no `name`, or an empty one".into());
        }
        if !names.insert(i.name.as_str()) {
            return Err(format!("two implementations are named {:?}", i.name));
        }
        if i.command.trim().is_empty() {
            return Err(format!("{}: `command` is missing", i.name));
        }
        if !i.command.contains("{root}") || !i.command.contains("{port}") {
            return Err(format!(
                "{}: `command` needs both {{root}} and {{port}}: {:?}",
                i.name, i.command
            ));
        }
        let s = i.settings.or(&m.defaults);
        for (key, v) in [
            ("time_limit", s.time_limit),
            ("setup_time_limit", s.setup_time_limit),
            ("startup_timeout", s.startup_timeout),
            ("step_timeout", s.step_timeout),
        ] {
            if let Some(v) = v
                && !(v.is_finite() && v > 0.0)
            {
                return Err(format!("{}: `{key}` must be a positive number", i.name));
            }
        }
        if s.test_threads == Some(0) {
            return Err(format!("{}: `test_threads` must be at least 1", i.name));
        }
    }
    if m.parallel == Some(0) {
        return Err("`parallel` must be at least 1".into());
    }
    m.scoring.check()?;
    Ok(m)
}

impl Loaded {
    /// Every implementation, resolved. `{reference-server}` is replaced by
    /// `reference` (the path of the workspace's reference server) when
    /// given, and left for the caller to report otherwise.
    #[must_use]
    pub fn jobs(&self, reference: Option<&Path>) -> Vec<Job> {
        let m = &self.manifest;
        m.implementations
            .iter()
            .enumerate()
            .map(|(index, i)| {
                let s = i.settings.or(&m.defaults);
                let workdir = i
                    .workdir
                    .as_ref()
                    .map_or_else(|| self.dir.clone(), |w| normalize(&self.dir.join(w)));
                let command = match reference {
                    Some(r) => i.command.replace(
                        "{reference-server}",
                        &crate::target::shell_quote(&r.to_string_lossy()),
                    ),
                    None => i.command.clone(),
                };
                Job {
                    index,
                    name: i.name.clone(),
                    notes: i.notes.clone().unwrap_or_default(),
                    command,
                    workdir,
                    setup: i.setup.clone().filter(|s| !s.trim().is_empty()),
                    time_limit: Duration::from_secs_f64(s.time_limit.unwrap_or(DEFAULT_TIME_LIMIT)),
                    setup_time_limit: Duration::from_secs_f64(
                        s.setup_time_limit.unwrap_or(DEFAULT_SETUP_TIME_LIMIT),
                    ),
                    startup_timeout: s.startup_timeout,
                    step_timeout: s.step_timeout,
                    require_limits: s.require_limits.unwrap_or(false),
                    test_threads: s.test_threads,
                    suite_args: s.suite_args.unwrap_or_default(),
                    limits: i
                        .limits
                        .clone()
                        .unwrap_or_default()
                        .or(&m.limits)
                        .resolved(),
                }
            })
            .collect()
    }

    /// Whether some implementation's command names `{reference-server}`.
    #[must_use]
    pub fn needs_reference(&self) -> bool {
        self.manifest
            .implementations
            .iter()
            .any(|i| i.command.contains("{reference-server}"))
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system (workdirs may
/// not exist yet; that is reported per implementation).
#[must_use]
pub fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
