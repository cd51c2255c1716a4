//! The grader's subprocesses (setup commands, suites, probes): spawned with
//! stdout and stderr into one log, registered as running, waited for with
//! a deadline or a stop request, stopped like Ctrl-C then killed with all
//! below them; and the orphans the grader adopts as a child subreaper,
//! killed in a sweep.

use super::Options;
use super::stopping;
use crate::class::manifest::Job;
use crate::class::procfs;
use rustix::process::Signal;
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::io::{Read as _, Write as _};
use std::path::Path;
use std::process::{Child, Command, ExitStatus};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a stopped suite gets to kill its servers and write its partial
/// report before it is killed.
const GRACE: Duration = Duration::from_secs(20);
/// Most of a subprocess's output kept in its log.
const LOG_CAP: usize = 8 << 20;

/// Our direct children that are running, by pid: everything else that is
/// our child is an orphan we adopted.
static ACTIVE: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Becomes a child subreaper (see the module docs).
pub fn adopt_orphans() {
    let _ = rustix::process::set_child_subreaper(Some(rustix::process::getpid()));
}

/// Kills and reaps adopted orphans: children of the grader that it did not
/// start (their parents died).
pub fn sweep_orphans() {
    let me = rustix::process::getpid().as_raw_nonzero().get();
    let active = lock(&ACTIVE);
    let orphans: Vec<i32> = procfs::descendants(me)
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| !active.contains(p))
        .filter(|p| parent_of(*p) == Some(me))
        .collect();
    for p in &orphans {
        for (d, _) in procfs::descendants(*p) {
            procfs::signal(d, Signal::KILL);
        }
        for g in procfs::groups_of(&[*p]) {
            if g != me {
                procfs::signal_group(g, Signal::KILL);
            }
        }
        procfs::signal(*p, Signal::KILL);
        if let Some(pid) = rustix::process::Pid::from_raw(*p) {
            let _ = rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::empty());
        }
    }
}

fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let close = stat.rfind(')')?;
    stat.get(close + 2..)?.split(' ').nth(1)?.parse().ok()
}

/// Sees each line a subprocess prints (the progress bar counts cases).
pub(super) type LineHook = Box<dyn Fn(&str) + Send>;

/// A spawned subprocess registered in [`ACTIVE`], its output (stdout and
/// stderr together) read by a thread into a log file.
pub(super) struct Running {
    child: Child,
    pub(super) pid: i32,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// Spawns `cmd` with stdout and stderr into one pipe; `on_line` sees
    /// each line (at most 64 KiB of it); the log keeps [`LOG_CAP`] bytes.
    pub(super) fn spawn(
        mut cmd: Command,
        log: &Path,
        on_line: Option<LineHook>,
    ) -> std::io::Result<Running> {
        let (mut reader, writer) = std::io::pipe()?;
        cmd.stdout(writer.try_clone()?).stderr(writer);
        let mut file = std::fs::File::create(log)?;
        let child = {
            let mut active = lock(&ACTIVE);
            let child = cmd.spawn()?;
            let pid = i32::try_from(child.id()).unwrap_or(0);
            active.insert(pid);
            child
        };
        // The write ends must go, or the reader never sees the end.
        drop(cmd);
        let pid = i32::try_from(child.id()).unwrap_or(0);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            let mut line: Vec<u8> = Vec::new();
            let mut written = 0usize;
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                if written < LOG_CAP {
                    let take = n.min(LOG_CAP - written);
                    let _ = file.write_all(&buf[..take]);
                    written += take;
                }
                for &b in &buf[..n] {
                    if b == b'\n' {
                        if let Some(f) = &on_line {
                            f(&String::from_utf8_lossy(&line));
                        }
                        line.clear();
                    } else if line.len() < 64 * 1024 {
                        line.push(b);
                    }
                }
            }
        });
        Ok(Running {
            child,
            pid,
            reader: Some(reader),
        })
    }

    /// Waits for the exit until `deadline` or a stop request; returns the
    /// status, or `None` (still running).
    pub(super) fn wait_until(
        &mut self,
        deadline: Instant,
        honour_stop: bool,
    ) -> Option<ExitStatus> {
        loop {
            if let Ok(Some(st)) = self.child.try_wait() {
                return Some(st);
            }
            if Instant::now() >= deadline || (honour_stop && stopping()) {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops it: SIGTERM to `target` (the suite, which then kills its
    /// servers and writes a partial report), then after [`GRACE`] SIGKILL
    /// to everything below and to it.
    pub(super) fn stop(&mut self, target: Option<i32>) -> Option<ExitStatus> {
        procfs::signal(target.unwrap_or(self.pid), Signal::TERM);
        if let Some(st) = self.wait_until(Instant::now() + GRACE, false) {
            return Some(st);
        }
        self.kill();
        None
    }

    fn kill(&mut self) {
        let below = procfs::descendants(self.pid);
        let pids: Vec<i32> = below.iter().map(|(p, _)| *p).collect();
        for g in procfs::groups_of(&pids) {
            if g != rustix::process::getpgrp().as_raw_nonzero().get() {
                procfs::signal_group(g, Signal::KILL);
            }
        }
        for p in pids {
            procfs::signal(p, Signal::KILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Reaps it and lets the reader finish (bounded: a process that kept
    /// the pipe open is not waited for).
    pub(super) fn finish(&mut self) {
        let _ = self.child.wait();
        if let Some(r) = self.reader.take() {
            let deadline = Instant::now() + Duration::from_secs(2);
            while !r.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if r.is_finished() {
                let _ = r.join();
            }
        }
        lock(&ACTIVE).remove(&self.pid);
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.kill();
        }
        self.finish();
    }
}

/// Runs one suite process to a report (a rerun, or the probe's output).
/// Returns its status (None: stopped at the limit) and the log path.
pub(super) fn run_bounded(
    opts: &Options,
    job: &Job,
    program: &Path,
    args: Vec<OsString>,
    tmp: &Path,
    log: &Path,
    limit: Duration,
) -> Result<Option<ExitStatus>, String> {
    let cmd = super::suite::command_for(opts, job, program, args, tmp);
    let mut r = Running::spawn(cmd, log, None)
        .map_err(|e| format!("could not run {}: {e}", program.display()))?;
    let st = r.wait_until(Instant::now() + limit, true);
    let st = match st {
        Some(st) => Some(st),
        None => {
            let target = suite_pid(&r, opts, program);
            r.stop(target)
        }
    };
    r.finish();
    Ok(st)
}

/// The pid of `program` itself: the child, or inside the sandbox a
/// descendant of `bwrap` with its name.
pub(super) fn suite_pid(r: &Running, opts: &Options, program: &Path) -> Option<i32> {
    if opts.sandbox.is_none() {
        return Some(r.pid);
    }
    let name: String = program
        .file_name()?
        .to_string_lossy()
        .chars()
        .take(15)
        .collect();
    procfs::descendants(r.pid)
        .into_iter()
        .find(|(_, comm)| *comm == name)
        .map(|(p, _)| p)
}
