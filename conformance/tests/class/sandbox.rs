//! The sandbox (bubblewrap): an evil student's server finds the file
//! system read-only outside its own directory, no other processes, no
//! host loopback, its limits set; and nothing of it outlives a grader
//! killed with SIGKILL. Skipped with a note where bwrap does not work.

use crate::common::process::{last_lines_of, poll_until};
use crate::edge::TOY_SERVER;
use crate::{R, artifacts, bwrap_works, grader, run, verdict};
use conformance::class::model::{CellStatus, ClassReport, Outcome};
use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::Duration;

/// What the evil student's server finds out about its world, before it
/// becomes the real server.
const EVIL_PY: &str = r#"
import json, os, resource, socket, sys
f = {}
try:
    with open(os.path.join(os.environ["EVIL_OUTSIDE"], "pwned"), "w") as fh:
        fh.write("x")
    f["wrote_outside"] = True
except OSError as e:
    f["wrote_outside"] = False
try:
    with open("own-dir.txt", "w") as fh:
        fh.write("x")
    f["wrote_own_dir"] = True
except OSError:
    f["wrote_own_dir"] = False
token = os.environ["EVIL_TOKEN"].encode()
pids = [p for p in os.listdir("/proc") if p.isdigit()]
f["processes"] = len(pids)
seen = False
for p in pids:
    try:
        with open("/proc/%s/cmdline" % p, "rb") as fh:
            if token in fh.read():
                seen = True
    except OSError:
        pass
f["saw_outside_process"] = seen
try:
    socket.create_connection(("127.0.0.1", int(os.environ["EVIL_PORT"])), timeout=1).close()
    f["reached_host"] = True
except OSError:
    f["reached_host"] = False
f["cpu"] = resource.getrlimit(resource.RLIMIT_CPU)[0]
f["as"] = resource.getrlimit(resource.RLIMIT_AS)[0]
with open("findings.json", "w") as fh:
    json.dump(f, fh)
os.execv(sys.executable, [sys.executable, os.environ["EVIL_SERVER"]] + sys.argv[1:])
"#;

pub fn sandbox() -> R {
    if !bwrap_works() {
        println!(
            "SKIP sandbox test: bubblewrap (bwrap) is not installed or cannot make namespaces here (Debian: apt-get install bubblewrap; .ci/run installs it)"
        );
        return Ok(());
    }
    let dir = artifacts().join("sandbox");
    let _ = std::fs::remove_dir_all(&dir);
    let work = dir.join("student");
    let outside = dir.join("outside");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&outside).map_err(|e| e.to_string())?;
    std::fs::write(work.join("evil.py"), EVIL_PY).map_err(|e| e.to_string())?;
    std::fs::write(work.join("toy.py"), TOY_SERVER).map_err(|e| e.to_string())?;
    // A process outside the sandbox, recognisable by its command line.
    let token = format!("{}.{}", 300 + std::process::id() % 100, rand_digits());
    let mut marker = Command::new("sleep")
        .arg(&token)
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    // A listener on the host's loopback that nothing inside may reach.
    let host = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    host.set_nonblocking(true).map_err(|e| e.to_string())?;
    let port = host.local_addr().map_err(|e| e.to_string())?.port();
    let manifest = r#"name = "sandbox"
sandbox = true
reruns = 0

[[implementation]]
name = "evil"
workdir = "student"
command = "python3 evil.py --root {root} --port {port}"
suite_args = ["LAUNCH-1"]
[implementation.limits]
cpu_seconds = 9
memory_mb = 2500
"#;
    std::fs::write(dir.join("sandbox.toml"), manifest).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(grader());
    cmd.arg(dir.join("sandbox.toml"))
        .args(["--no-progress", "--json"])
        .arg(dir.join("class.json"))
        .env("EVIL_OUTSIDE", &outside)
        .env("EVIL_TOKEN", &token)
        .env("EVIL_PORT", port.to_string())
        .env("EVIL_SERVER", crate::common::python::server_py());
    let result = run(cmd, Duration::from_secs(300), &dir.join("grader.log"));
    let mut problems = Vec::new();
    match result {
        Ok(st) if st.success() => {}
        Ok(st) => problems.push(format!(
            "mftp-grade: exit {st}\n{}",
            last_lines_of(&dir.join("grader.log"), 30)
        )),
        Err(e) => problems.push(e),
    }
    let findings: Value = std::fs::read_to_string(work.join("findings.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    let want = [
        ("wrote_outside", Value::Bool(false)),
        ("wrote_own_dir", Value::Bool(true)),
        ("saw_outside_process", Value::Bool(false)),
        ("reached_host", Value::Bool(false)),
        ("cpu", Value::from(9)),
        ("as", Value::from(2500u64 << 20)),
    ];
    for (k, v) in want {
        if findings[k] != v {
            problems.push(format!(
                "inside the sandbox {k} = {}, expected {v}",
                findings[k]
            ));
        }
    }
    if findings["processes"].as_u64().is_none_or(|n| n > 40) {
        problems.push(format!(
            "inside the sandbox {} processes are visible",
            findings["processes"]
        ));
    }
    if outside.join("pwned").exists() {
        problems.push("a file appeared outside the sandbox".into());
    }
    if host.accept().is_ok() {
        problems.push("the host's loopback listener got a connection from inside".into());
    }
    match ClassReport::read(&dir.join("class.json")) {
        Ok(r) => {
            let i = &r.implementations[0];
            if i.sandbox.as_deref() != Some("bwrap")
                || i.outcome != Outcome::Graded
                || i.cells
                    .get("LAUNCH-1")
                    .is_none_or(|c| c.status != CellStatus::Pass)
            {
                problems.push(format!(
                    "graded in the sandbox: {:?} {:?} LAUNCH-1 {:?}",
                    i.sandbox,
                    i.outcome,
                    i.cells.get("LAUNCH-1").map(|c| c.status)
                ));
            }
        }
        Err(e) => problems.push(e),
    }

    // Dies with the grader: kill -9 the grader while a sandboxed server
    // hangs; nothing of the sandbox may outlive it.
    let token2 = format!("{}.{}", 400 + std::process::id() % 100, rand_digits());
    let manifest2 = format!(
        r#"name = "dies"
sandbox = true
[[implementation]]
name = "hang"
workdir = "student"
command = "python3 toy.py --mode hang --token {token2} --root {{root}} --port {{port}}"
step_timeout = 60
"#
    );
    std::fs::write(dir.join("dies.toml"), manifest2).map_err(|e| e.to_string())?;
    let mut grader_proc = Command::new(grader())
        .arg(dir.join("dies.toml"))
        .args(["--no-progress", "--json"])
        .arg(dir.join("dies.json"))
        .env("PATH", crate::common::python::path_env())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let seen_inside = poll_until(Duration::from_secs(60), || cmdline_exists(&token2));
    let _ = grader_proc.kill();
    let _ = grader_proc.wait();
    if seen_inside {
        let gone = poll_until(Duration::from_secs(10), || !cmdline_exists(&token2));
        if !gone {
            problems.push("a sandboxed server outlived the grader (kill -9)".into());
            kill_cmdline(&token2);
        }
    } else {
        problems.push("the hanging server never started".into());
    }
    let _ = marker.kill();
    let _ = marker.wait();
    verdict(&problems)
}

fn rand_digits() -> u32 {
    rand::random_range(100_000..999_999)
}

fn cmdline_pids(token: &str) -> Vec<i32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        if std::fs::read(format!("/proc/{pid}/cmdline"))
            .is_ok_and(|c| String::from_utf8_lossy(&c).contains(token))
        {
            out.push(pid);
        }
    }
    out
}

fn cmdline_exists(token: &str) -> bool {
    !cmdline_pids(token).is_empty()
}

fn kill_cmdline(token: &str) {
    for p in cmdline_pids(token) {
        if let Some(pid) = rustix::process::Pid::from_raw(p) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        }
    }
}
