//! Untrusted code: the bubblewrap sandbox and the resource limits.
//!
//! **Sandbox** (`--sandbox`, needs `bwrap`, Debian package `bubblewrap`):
//! the whole run for one implementation — its setup command, the suite,
//! every server the suite starts, the first-contact probe — runs inside
//! one `bwrap` with
//!
//! - the file system read-only (`--ro-bind / /`), except the run's own
//!   temp dir (the suite's case roots live there) and the
//!   implementation's workdir; a fresh `/tmp`, `/dev` and `/proc`;
//!   credential folders of the grading user's home hidden
//!   (`sandbox_hide`);
//! - new PID, network, IPC and UTS namespaces: it sees no other process,
//!   and its network has only a loopback of its own, which the suite and
//!   the server share (the suite runs inside, so it can reach the server;
//!   nothing inside can reach the host's loopback or anything else);
//! - `--die-with-parent`: when the grader dies, the sandbox dies;
//!   `--new-session`; all capabilities dropped when grading as root.
//!
//! **Limits** (every implementation, sandboxed or not): each server
//! process is started under `prlimit` with a CPU time, an address-space, a
//! file-size and (when set) a process limit, prefixed to its launch
//! template so that the suite's own processes are not limited.

use crate::class::manifest::Limits;
use crate::target::shell_quote;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Default `sandbox_hide`: folders and files where credentials usually
/// live, relative to `$HOME`.
pub const DEFAULT_HIDE: &[&str] = &[
    "~/.ssh",
    "~/.gnupg",
    "~/.aws",
    "~/.azure",
    "~/.kube",
    "~/.docker",
    "~/.config/gh",
    "~/.config/gcloud",
    "~/.netrc",
    "~/.git-credentials",
    "~/.cargo/credentials.toml",
    "~/.pypirc",
    "~/.npmrc",
];

/// A working bubblewrap.
#[derive(Clone, Debug)]
pub struct Sandbox {
    pub bwrap: PathBuf,
    /// Existing paths to hide.
    pub hide: Vec<PathBuf>,
    /// Whether the grader runs as root (then capabilities are dropped).
    pub root: bool,
}

/// `bwrap` on PATH, if any.
fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

impl Sandbox {
    /// Finds `bwrap` and checks that it can make the namespaces needed.
    ///
    /// # Errors
    /// Not installed, or it does not work here (user namespaces disabled,
    /// inside a container that forbids them), with what it said.
    pub fn find(hide: Option<&[String]>) -> Result<Sandbox, String> {
        let bwrap = which("bwrap").ok_or(
            "--sandbox needs bubblewrap (`bwrap` on PATH; Debian/Ubuntu: apt-get install bubblewrap)",
        )?;
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let hide: Vec<PathBuf> = match hide {
            Some(list) => list
                .iter()
                .map(String::as_str)
                .map(str::to_string)
                .collect(),
            None => DEFAULT_HIDE
                .iter()
                .map(|s| (*s).to_string())
                .collect::<Vec<_>>(),
        }
        .iter()
        .filter_map(|p| match (p.strip_prefix("~/"), &home) {
            (Some(rest), Some(h)) => Some(h.join(rest)),
            (Some(_), None) => None,
            (None, _) => Some(PathBuf::from(p)),
        })
        .filter(|p| p.exists())
        .collect();
        let s = Sandbox {
            bwrap,
            hide,
            root: rustix::process::geteuid().is_root(),
        };
        let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
        let mut check = s.command(
            Path::new("/bin/sh"),
            &["-c".into(), "exit 0".into()],
            &[dir.path()],
            dir.path(),
            true,
        );
        let out = check
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", s.bwrap.display()))?;
        if !out.status.success() {
            return Err(format!(
                "bubblewrap does not work here ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(s)
    }

    /// `program args` inside the sandbox, in `cwd`, with `writable` bound
    /// read-write; without a network of its own when `isolate_net` is
    /// false (not used by the grader; kept for a setup that must fetch).
    #[must_use]
    pub fn command(
        &self,
        program: &Path,
        args: &[OsString],
        writable: &[&Path],
        cwd: &Path,
        isolate_net: bool,
    ) -> Command {
        let mut c = Command::new(&self.bwrap);
        c.args(["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"])
            .args(["--tmpfs", "/tmp"]);
        for h in &self.hide {
            if h.is_dir() {
                c.arg("--tmpfs").arg(h);
            } else {
                c.args(["--ro-bind", "/dev/null"]).arg(h);
            }
        }
        // The grader's own files stay visible, read-only, where the tmpfs
        // above hides them: the program's directory and the workspace the
        // suite was built in (its binaries, the reference server beside
        // them, its snapshots) may lie in a checkout under /tmp. Before the
        // writable binds, which may lie inside them.
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent();
        for dir in [program.parent(), workspace].into_iter().flatten() {
            if dir.is_absolute() && dir.is_dir() {
                c.arg("--ro-bind").arg(dir).arg(dir);
            }
        }
        // After the tmpfs mounts, so that a writable dir under /tmp shows.
        for w in writable {
            c.arg("--bind").arg(w).arg(w);
        }
        c.args([
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--die-with-parent",
            "--new-session",
        ]);
        if isolate_net {
            c.arg("--unshare-net");
        }
        if self.root {
            c.args(["--cap-drop", "ALL"]);
        }
        c.arg("--chdir").arg(cwd).arg("--").arg(program).args(args);
        c
    }

    /// What reports say about it.
    #[must_use]
    pub fn describe(&self) -> String {
        "bwrap".into()
    }
}

/// `new` capped at the current hard limit of `resource` (a non-root
/// grader cannot raise it).
fn cap(resource: rustix::process::Resource, new: u64) -> u64 {
    match rustix::process::getrlimit(resource).maximum {
        Some(max) => new.min(max),
        None => new,
    }
}

/// The launch template with the limits applied to the server: a
/// `prlimit --pid $$` of the shell that then runs the template. A failing
/// `prlimit` stops the launch (exit 125) instead of running unlimited.
#[must_use]
pub fn limited_template(template: &str, limits: &Limits) -> String {
    use rustix::process::Resource;
    const MIB: u64 = 1 << 20;
    let mut opts = Vec::new();
    if let Some(s) = limits.cpu_seconds.filter(|&s| s > 0) {
        let v = cap(Resource::Cpu, s);
        opts.push(format!("--cpu={v}:{v}"));
    }
    if let Some(m) = limits.memory_mb.filter(|&m| m > 0) {
        let v = cap(Resource::As, m.saturating_mul(MIB));
        opts.push(format!("--as={v}:{v}"));
    }
    if let Some(m) = limits.file_size_mb.filter(|&m| m > 0) {
        let v = cap(Resource::Fsize, m.saturating_mul(MIB));
        opts.push(format!("--fsize={v}:{v}"));
    }
    if let Some(n) = limits.processes.filter(|&n| n > 0) {
        let uid = rustix::process::getuid().as_raw();
        let base = crate::class::procfs::tasks_of_user(uid);
        let v = cap(Resource::Nproc, base.saturating_add(n));
        opts.push(format!("--nproc={v}:{v}"));
    }
    if opts.is_empty() {
        return template.to_string();
    }
    format!(
        "prlimit --pid $$ {} || exit 125; {template}",
        opts.join(" ")
    )
}

/// The limits as reports show them.
#[must_use]
pub fn describe_limits(l: &Limits) -> String {
    let mut parts = Vec::new();
    if let Some(s) = l.cpu_seconds.filter(|&s| s > 0) {
        parts.push(format!("{s} CPU-s"));
    }
    if let Some(m) = l.memory_mb.filter(|&m| m > 0) {
        parts.push(format!("{m} MiB address space"));
    }
    if let Some(m) = l.file_size_mb.filter(|&m| m > 0) {
        parts.push(format!("{m} MiB files"));
    }
    if let Some(n) = l.processes.filter(|&n| n > 0) {
        parts.push(format!("+{n} processes"));
    }
    if parts.is_empty() {
        "none".into()
    } else {
        format!("{} per server process", parts.join(", "))
    }
}

/// Whether `prlimit` (util-linux) is on PATH.
#[must_use]
pub fn have_prlimit() -> bool {
    which("prlimit").is_some()
}

/// Shell-quotes every word and joins them: a line to paste.
#[must_use]
pub fn shell_line(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            if !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
            {
                w.clone()
            } else {
                shell_quote(w)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
