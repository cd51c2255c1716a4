//! Child processes of the tests: waiting with a deadline, stopping one
//! that overran it (the process alone, or its whole group), and the last
//! lines of what it wrote.

use rustix::process::{Pid, Signal};
use std::path::Path;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// How often a wait looks again.
pub const POLL: Duration = Duration::from_millis(50);

/// Polls `cond` until it holds or `limit` has passed; its last value.
pub fn poll_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(POLL);
    }
    cond()
}

/// Waits for `child` until `deadline`: its status, or `None` if it is
/// still running then.
pub fn wait_until(child: &mut Child, deadline: Instant) -> Result<Option<ExitStatus>, String> {
    loop {
        if let Some(status) = child.try_wait().map_err(|e| format!("wait: {e}"))? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        std::thread::sleep(POLL);
    }
}

/// Which processes [`stop`] signals.
#[derive(Clone, Copy)]
pub enum Reach {
    /// The child alone (it stops what it started itself, as the suite
    /// does on SIGTERM).
    Process,
    /// The child's process group (started with `process_group(0)`).
    Group,
}

/// Stops `child` like Ctrl-C would: SIGTERM, up to `grace` for it to end,
/// then SIGKILL (to a group in any case: its other members may outlive
/// the leader); reaped. Its status if it ended within `grace`.
pub fn stop(child: &mut Child, reach: Reach, grace: Duration) -> Option<ExitStatus> {
    let pid = pid(child);
    if let Some(pid) = pid {
        let _ = match reach {
            Reach::Process => rustix::process::kill_process(pid, Signal::TERM),
            Reach::Group => rustix::process::kill_process_group(pid, Signal::TERM),
        };
    }
    let ended = wait_until(child, Instant::now() + grace).ok().flatten();
    if let (Reach::Group, Some(pid)) = (reach, pid) {
        let _ = rustix::process::kill_process_group(pid, Signal::KILL);
    }
    if ended.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    ended
}

/// SIGKILL to the process group `child` leads (started with
/// `process_group(0)`): helpers it left behind go too.
pub fn kill_group(child: &Child) {
    if let Some(pid) = pid(child) {
        let _ = rustix::process::kill_process_group(pid, Signal::KILL);
    }
}

fn pid(child: &Child) -> Option<Pid> {
    i32::try_from(child.id()).ok().and_then(Pid::from_raw)
}

/// The last `n` lines of `text`.
pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The last `n` lines of the file at `path` (nothing if it cannot be read).
pub fn last_lines_of(path: &Path, n: usize) -> String {
    last_lines(&std::fs::read_to_string(path).unwrap_or_default(), n)
}
