//! First contact: when (nearly) every case of an implementation stops at
//! the same first step — the server does not start, listens elsewhere,
//! sends no greeting or a wrong one — its page says so once, at the top,
//! with a hint taken from what the server did, instead of sixty identical
//! failures.
//!
//! [`detect`] reads the suite's report (pure). [`probe`] starts the server
//! once more and looks: does it exit, where does it listen (`/proc`), what
//! does it send before and after `ls`. It runs as `mftp-grade __probe`, in
//! the same sandbox and under the same limits as the suite did. [`explain`]
//! turns both into the [`Diagnosis`] the reports show (pure).

use crate::class::model::Diagnosis;
use crate::class::procfs;
use crate::options::ServerSpec;
use crate::report::{Report, Status};
use crate::target::{self, Spawned};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

/// Share of the cases that ran which must have failed, and share of those
/// that must have stopped at one step, for "every case stops at the same
/// first step".
const FAILED_SHARE: f64 = 0.8;
const SAME_STEP_SHARE: f64 = 0.8;
/// Fewer failures than this are read one by one.
const MIN_FAILURES: usize = 5;

/// What the report shows about first contact.
#[derive(Clone, Debug, PartialEq)]
pub enum Contact {
    /// The suite could not launch the server at all.
    Launch(String),
    /// Most cases stopped at one step.
    SameStep {
        clause: String,
        kind: String,
        step: String,
        expected: String,
        actual: String,
        cases: usize,
        ran: usize,
    },
}

fn field<'a>(msg: &'a str, name: &str) -> &'a str {
    msg.lines()
        .find_map(|l| l.strip_prefix(name))
        .map_or("", str::trim)
}

/// Whether the report shows a first-contact failure.
#[must_use]
pub fn detect(r: &Report) -> Option<Contact> {
    if let Some(e) = &r.launch_error {
        return Some(Contact::Launch(e.clone()));
    }
    let ran: Vec<_> = r
        .cases
        .iter()
        .filter(|c| matches!(c.status, Status::Pass | Status::Fail | Status::Error))
        .collect();
    let failed: Vec<_> = ran.iter().filter(|c| c.status == Status::Fail).collect();
    #[allow(clippy::cast_precision_loss)]
    let share = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    if failed.len() < MIN_FAILURES || share(failed.len(), ran.len()) < FAILED_SHARE {
        return None;
    }
    let mut groups: BTreeMap<(String, String, String), Vec<&str>> = BTreeMap::new();
    for c in &failed {
        let msg = c.message.as_deref().unwrap_or("");
        let kind = msg
            .lines()
            .next()
            .and_then(|l| l.split(' ').next())
            .unwrap_or("")
            .to_string();
        let clause = c.failed_clause.clone().unwrap_or_default();
        groups
            .entry((clause, kind, field(msg, "step:").to_string()))
            .or_default()
            .push(msg);
    }
    let ((clause, kind, step), msgs) = groups.into_iter().max_by_key(|(_, v)| v.len())?;
    if share(msgs.len(), failed.len()) < SAME_STEP_SHARE {
        return None;
    }
    let first = msgs.first().copied().unwrap_or("");
    Some(Contact::SameStep {
        clause,
        kind,
        step,
        expected: field(first, "expected:").to_string(),
        actual: field(first, "actual:").to_string(),
        cases: msgs.len(),
        ran: ran.len(),
    })
}

/// What the server did when started once more and spoken to.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Probe {
    /// The port it was given.
    pub port: u16,
    /// How long it was given to accept.
    pub waited_s: f64,
    /// Set when it exited: "exit status 1".
    pub exited: Option<String>,
    pub stderr_tail: String,
    /// Where its processes listen (address, port).
    pub listening: Vec<(String, u16)>,
    /// Whether 127.0.0.1:port accepted a connection.
    pub connected: bool,
    /// What it sent before any command (escaped), within 2 s.
    pub greeting: String,
    /// Whether it closed the connection before any command.
    pub closed_before_command: bool,
    /// What it sent after `ls` (escaped), within 2 s.
    pub after_ls: String,
    /// Whether it closed the connection after `ls`.
    pub closed_after_ls: bool,
}

/// Reads what arrives within `limit`; stops early after a LF and a short
/// quiet. Returns the bytes and whether the peer closed.
fn read_for(s: &mut TcpStream, limit: Duration) -> (Vec<u8>, bool) {
    let deadline = Instant::now() + limit;
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let now = Instant::now();
        if now >= deadline || got.len() >= 4096 {
            return (got, false);
        }
        let wait = if got.contains(&b'\n') {
            Duration::from_millis(200).min(deadline - now)
        } else {
            deadline - now
        };
        let _ = s.set_read_timeout(Some(wait.max(Duration::from_millis(1))));
        match s.read(&mut buf) {
            Ok(0) => return (got, true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                if got.contains(&b'\n') {
                    return (got, false);
                }
            }
            Err(_) => return (got, true),
        }
    }
}

/// Starts the server once on a fresh root and looks at what it does.
///
/// # Errors
/// No temp dir, no port, or the command could not be spawned.
pub fn probe(spec: &ServerSpec, base_dir: &Path, startup: Duration) -> Result<Probe, String> {
    let dir = tempfile::Builder::new()
        .prefix("mftp-probe-")
        .tempdir()
        .map_err(|e| format!("temp dir: {e}"))?;
    let root = dir.path().join("root");
    std::fs::create_dir(&root).map_err(|e| format!("{e}"))?;
    std::fs::write(root.join("a.txt"), b"hello").map_err(|e| format!("{e}"))?;
    let port = target::free_port().map_err(|e| format!("no port: {e}"))?;
    let cmd = target::command(spec, base_dir, &root, &port.to_string(), &[]);
    let mut spawned =
        Spawned::spawn(cmd, dir.path(), "probe", None).map_err(|e| format!("spawn: {e}"))?;
    let pgid = i32::try_from(spawned.child.id()).unwrap_or(0);
    let mut p = Probe {
        port,
        waited_s: startup.as_secs_f64(),
        ..Probe::default()
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + startup;
    let mut elsewhere_since: Option<Instant> = None;
    let stream = loop {
        if let Ok(Some(st)) = spawned.child.try_wait() {
            p.exited = Some(target::describe_status(st));
            break None;
        }
        if let Ok(s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            break Some(s);
        }
        let listening = procfs::listening_ports_of_group(pgid);
        if !listening.is_empty() {
            p.listening = listening;
            // Listening, but not where it was told: give it a moment to
            // open the right port too, then stop waiting.
            let since = *elsewhere_since.get_or_insert_with(Instant::now);
            if since.elapsed() > Duration::from_secs(1) {
                break None;
            }
        }
        if Instant::now() >= deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    if let Some(mut s) = stream {
        p.connected = true;
        p.listening = procfs::listening_ports_of_group(pgid);
        let (greeting, closed) = read_for(&mut s, Duration::from_millis(1500));
        p.greeting = crate::transcript::escape(&greeting);
        p.closed_before_command = closed;
        if !closed {
            let _ = s.write_all(b"ls\n");
            let (reply, closed) = read_for(&mut s, Duration::from_secs(2));
            p.after_ls = crate::transcript::escape(&reply);
            p.closed_after_ls = closed;
        }
    }
    if p.exited.is_none()
        && let Some(st) = spawned.wait_exit(Duration::from_millis(10))
    {
        p.exited = Some(target::describe_status(st));
    }
    p.stderr_tail = target::tail(&spawned.stderr_path, 8);
    drop(spawned);
    Ok(p)
}

fn quote(s: &str) -> String {
    let s: String = s.chars().take(160).collect();
    format!("`{}`", s.trim_end_matches("\\n"))
}

/// The diagnosis the reports show, from what the report and the probe say.
#[must_use]
pub fn explain(contact: &Contact, probe: Option<&Probe>) -> Diagnosis {
    let (summary, cases) = match contact {
        Contact::Launch(e) => (
            format!(
                "the server could not be launched: {}",
                e.lines().next().unwrap_or("")
            ),
            0,
        ),
        Contact::SameStep {
            clause,
            kind,
            step,
            cases,
            ran,
            ..
        } => (
            format!(
                "{cases} of {ran} cases stop at the same first step: {kind} {clause}{}",
                if step.is_empty() {
                    String::new()
                } else {
                    format!(" at `{step}`")
                }
            ),
            *cases,
        ),
    };
    let from_report = match contact {
        Contact::SameStep {
            expected, actual, ..
        } => format!("expected {expected}; the server: {actual}"),
        Contact::Launch(e) => e.clone(),
    };
    let hint = match probe {
        None => from_report,
        Some(p) => probe_hint(p).unwrap_or(from_report),
    };
    Diagnosis {
        summary,
        hint,
        cases,
    }
}

/// A hint from the probe, when it saw something wrong at first contact.
fn probe_hint(p: &Probe) -> Option<String> {
    let stderr = p.stderr_tail.lines().last().unwrap_or("").trim();
    if let Some(status) = &p.exited
        && !p.connected
    {
        return Some(format!(
            "it exits at once ({status}) when started as `--root DIR --port {}`; the last line of its stderr: {}: LAUNCH-1 requires it to serve DIR on 127.0.0.1 at that port",
            p.port,
            quote(stderr)
        ));
    }
    if !p.connected {
        if p.listening.is_empty() {
            return Some(format!(
                "it runs but listens on no TCP port within {:.0} s of being started with `--port {}`: LAUNCH-1 requires it to accept connections on 127.0.0.1 at that port",
                p.waited_s, p.port
            ));
        }
        let at: Vec<String> = p
            .listening
            .iter()
            .map(|(a, port)| format!("{a}:{port}"))
            .collect();
        let same_port = p.listening.iter().any(|(_, port)| *port == p.port);
        return Some(if same_port {
            format!(
                "it listens on {} but 127.0.0.1:{} refuses connections: LAUNCH-1 requires 127.0.0.1 (an IPv6-only socket?)",
                at.join(", "),
                p.port
            )
        } else {
            format!(
                "it was started with `--port {}` but listens on {}: LAUNCH-1 requires the port given on the command line (a hard-coded port?)",
                p.port,
                at.join(", ")
            )
        });
    }
    let greeting = p.greeting.as_str();
    if greeting.is_empty() {
        return Some(if p.closed_before_command {
            "it accepts the connection and closes it without sending anything: FRAME-1 requires the greeting `220 mftp/1` first".to_string()
        } else if p.after_ls.is_empty() {
            format!(
                "it accepts the connection but sends nothing, not even after `ls`{}: FRAME-1 requires the greeting `220 mftp/1` first",
                if p.closed_after_ls {
                    " (then it closed)"
                } else {
                    ""
                }
            )
        } else {
            format!(
                "it sent nothing before the first command; after `ls` it answered {}: FRAME-1 requires the greeting `220 mftp/1` first, before reading anything",
                quote(&p.after_ls)
            )
        });
    }
    let line = greeting.split("\\n").next().unwrap_or("");
    let good = line.trim_end_matches("\\r") == "220 mftp/1" || line.starts_with("220 mftp/1 ");
    if !good {
        return Some(format!(
            "it greets with {} instead of `220 mftp/1` (optionally SP and text) and LF: FRAME-1",
            quote(greeting)
        ));
    }
    if !greeting.contains("\\n") {
        return Some(format!(
            "its greeting {} has no final LF, so no client sees a complete line: FRAME-1, FRAME-6",
            quote(greeting)
        ));
    }
    None
}
