//! Starting the client under test by the launch contract (spec.md section
//! 17.1): `CLIENT --host 127.0.0.1 --port P [options]`, in its working
//! directory, with its commands on standard input.
//!
//! The process machinery is `target.rs`'s: the client runs in a process
//! group of its own (a `--client-cmd` runs under `sh`), registered for
//! Ctrl-C, killed and reaped when its [`Running`] is dropped.

use crate::options::ClientSpec;
use crate::target::{Spawned, sh_template, shell_quote, tail};
use std::fs::File;
use std::io::{self, Read as _, Seek as _, SeekFrom};
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The host every client is pointed at.
pub const HOST: &str = "127.0.0.1";

/// The command line that starts the client against `port`, plus `extra`
/// options (CLIENT-3), in `work`.
#[must_use]
pub fn command(spec: &ClientSpec, work: &Path, port: u16, extra: &[String]) -> Command {
    let port = port.to_string();
    let mut cmd = match spec {
        ClientSpec::Path(p) => {
            let mut c = Command::new(p);
            c.args(["--host", HOST, "--port", &port]).args(extra);
            c
        }
        ClientSpec::Template(t) => sh_template(t, &[("{host}", HOST), ("{port}", &port)], extra),
    };
    cmd.current_dir(work).process_group(0);
    cmd
}

/// The command line as a person would type it, for messages.
#[must_use]
pub fn describe(spec: &ClientSpec, port: u16, extra: &[String]) -> String {
    let extra: String = extra.iter().map(|e| format!(" {e}")).collect();
    match spec {
        ClientSpec::Path(p) => format!(
            "{} --host {HOST} --port {port}{extra}",
            shell_quote(&p.to_string_lossy())
        ),
        ClientSpec::Template(t) => format!(
            "{}{extra}",
            t.replace("{host}", HOST)
                .replace("{port}", &port.to_string())
        ),
    }
}

/// Where a run of the client lives.
pub struct Setup<'a> {
    /// Its working directory.
    pub work: &'a Path,
    /// `HOME` (and `XDG_DATA_HOME` below it): a grader's own.
    pub home: &'a Path,
    /// The file its standard input reads.
    pub stdin: &'a Path,
    /// Where its stdout and stderr files go.
    pub log_dir: &'a Path,
    /// Names those files: `<tag>.stdout`, `<tag>.stderr`.
    pub tag: &'a str,
}

/// A running (or exited, not yet reaped) client.
pub struct Running {
    proc: Spawned,
    exited: Option<ExitStatus>,
    pub started: Instant,
    /// The command line, for messages.
    pub shown: String,
}

impl Running {
    /// Starts the client.
    ///
    /// # Errors
    /// The process could not be spawned (or the stdin file opened).
    pub fn start(
        spec: &ClientSpec,
        at: &Setup<'_>,
        port: u16,
        extra: &[String],
    ) -> io::Result<Running> {
        let mut cmd = command(spec, at.work, port, extra);
        cmd.stdin(Stdio::from(File::open(at.stdin)?))
            .env("HOME", at.home)
            .env("XDG_DATA_HOME", at.home.join(".local/share"))
            .env("XDG_CONFIG_HOME", at.home.join(".config"))
            .env("XDG_CACHE_HOME", at.home.join(".cache"));
        let proc = Spawned::spawn(cmd, at.log_dir, at.tag, None)?;
        Ok(Running {
            proc,
            exited: None,
            started: Instant::now(),
            shown: describe(spec, port, extra),
        })
    }

    /// Its exit status, if it has exited.
    pub fn exit_status(&mut self) -> Option<ExitStatus> {
        if self.exited.is_none() {
            self.exited = self.proc.child.try_wait().ok().flatten();
        }
        self.exited
    }

    /// Waits up to `limit` for it to exit.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        if self.exited.is_none() {
            self.exited = self.proc.wait_exit(limit);
        }
        self.exited
    }

    /// Everything it wrote to stdout and stderr (at most 1 MiB of each,
    /// the end kept), for checks of its output.
    #[must_use]
    pub fn output(&self) -> String {
        let mut s = read_end(&self.proc.stdout_path, 1 << 20);
        s.push('\n');
        s.push_str(&read_end(&self.proc.stderr_path, 1 << 20));
        s
    }

    /// The last `n` lines of its stdout.
    #[must_use]
    pub fn stdout_tail(&self, n: usize) -> String {
        tail_of(&self.proc.stdout_path, n)
    }

    /// The last `n` lines of its stderr.
    #[must_use]
    pub fn stderr_tail(&self, n: usize) -> String {
        tail_of(&self.proc.stderr_path, n)
    }
}

/// The last `n` lines of a captured output file, or "(empty)".
fn tail_of(path: &Path, n: usize) -> String {
    if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
        "(empty)".into()
    } else {
        tail(path, n)
    }
}

/// The last `max` bytes of a file, as lossy text ("" if unreadable).
fn read_end(path: &Path, max: u64) -> String {
    let Ok(mut f) = File::open(path) else {
        return String::new();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(max)));
    let mut buf = Vec::new();
    let _ = f.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}
