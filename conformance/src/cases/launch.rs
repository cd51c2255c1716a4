//! The launch contract (section 16): how the server is started, and how it
//! refuses a bad command line.

use crate::case::Case;
use crate::ctx::{Ctx, OPTIONS};
use crate::expect::{Expect as _, size_is};
use crate::fail::Fail;
use crate::target::{self, POLL, Spawned, describe_status};
use assert_cmd::assert::Assert;
use predicates::prelude::*;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::ExitStatusExt as _;
use std::path::Path;
use std::time::{Duration, Instant};

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "LAUNCH-1",
            "started with --root and --port the server serves the root on 127.0.0.1",
            &[("LAUNCH-1", "7b9a6d09e1b2")],
            serves,
        ),
        Case::new(
            "LAUNCH-2",
            "a --root that does not exist makes the server exit non-zero with a message",
            &[("LAUNCH-2", "83b72af278e0")],
            missing_root,
        )
        .no_snapshot(),
        Case::new(
            "LAUNCH-2",
            "a --root that is a file makes the server exit non-zero with a message",
            &[("LAUNCH-2", "83b72af278e0")],
            file_root,
        )
        .no_snapshot(),
        Case::new(
            "LAUNCH-2",
            "a port already in use makes the server exit non-zero with a message",
            &[("LAUNCH-2", "83b72af278e0")],
            port_taken,
        )
        .no_snapshot(),
        Case::new(
            "LAUNCH-3",
            "each optional option is honoured or refused with a non-zero exit",
            &[("LAUNCH-3", "15ab0339f170")],
            options_honoured_or_refused,
        )
        .no_snapshot(),
    ]
}

fn serves(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    // `docs/readme.md` is in this root only; one entry, so that the order
    // and `/` of listings (LS-2, LS-3) do not count here.
    c.cmd("ls docs")?;
    c.expect_listing(&["readme.md"], "LAUNCH-1")?;
    c.cmd("byebye")?;
    c.expect(221, "BYEBYE-1")?;
    c.expect_closed("BYEBYE-1")
}

/// Starts the server on `root`/`port` and expects it to exit non-zero with
/// something on stderr, without ever serving.
fn expect_refusal(ctx: &Ctx, root: &Path, port: u16, probe: bool, what: &str) -> Result<(), Fail> {
    let opts = OPTIONS
        .get()
        .ok_or_else(|| Fail::harness("options not set"))?;
    let spec = opts
        .server
        .as_ref()
        .ok_or_else(|| Fail::harness("no server"))?;
    let cmd = target::command(spec, &opts.base_dir, root, &port.to_string(), &[]);
    ctx.log.note(format!("the server is started with {what}"));
    let mut p = Spawned::spawn(cmd, ctx.dir.path(), "refuse", Some(ctx.dir.path()))
        .map_err(|e| Fail::harness(format!("spawn: {e}")))?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + opts.startup_timeout;
    let status = loop {
        if let Some(st) = p.wait_exit(Duration::ZERO) {
            break st;
        }
        if probe && TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
            return Err(Fail::mismatch(
                "LAUNCH-2",
                format!("with {what}, a non-zero exit and a message on stderr"),
                "the server accepts connections instead",
            ));
        }
        if Instant::now() >= deadline {
            return Err(Fail::mismatch(
                "LAUNCH-2",
                format!(
                    "with {what}, a non-zero exit within {:.0} s",
                    opts.startup_timeout.as_secs_f64()
                ),
                "the server is still running",
            ));
        }
        std::thread::sleep(POLL);
    };
    let output = std::process::Output {
        status: std::process::ExitStatus::from_raw(status.into_raw()),
        stdout: std::fs::read(&p.stdout_path).unwrap_or_default(),
        stderr: std::fs::read(&p.stderr_path).unwrap_or_default(),
    };
    ctx.log
        .note(format!("it exited: {}", describe_status(status)));
    let checked = match Assert::new(output).try_failure() {
        Ok(a) => a
            .try_stderr(predicate::str::is_empty().not().trim())
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    checked.map_err(|e| {
        Fail::mismatch(
            "LAUNCH-2",
            format!("with {what}, a non-zero exit status and a message on stderr"),
            e,
        )
    })
}

fn missing_root(ctx: &mut Ctx) -> Result<(), Fail> {
    let root = ctx.dir.path().join("does-not-exist");
    let port = target::free_port().map_err(|e| Fail::harness(e.to_string()))?;
    expect_refusal(ctx, &root, port, true, "a --root that does not exist")
}

fn file_root(ctx: &mut Ctx) -> Result<(), Fail> {
    let root = ctx.dir.path().join("a-file");
    std::fs::write(&root, b"not a directory").map_err(|e| Fail::harness(e.to_string()))?;
    let port = target::free_port().map_err(|e| Fail::harness(e.to_string()))?;
    expect_refusal(ctx, &root, port, true, "a --root that is a file")
}

fn port_taken(ctx: &mut Ctx) -> Result<(), Fail> {
    let holder = TcpListener::bind("127.0.0.1:0").map_err(|e| Fail::harness(e.to_string()))?;
    let port = holder
        .local_addr()
        .map_err(|e| Fail::harness(e.to_string()))?
        .port();
    let root = ctx.root.clone();
    let r = expect_refusal(ctx, &root, port, false, "a --port already in use");
    drop(holder);
    r
}

fn options_honoured_or_refused(ctx: &mut Ctx) -> Result<(), Fail> {
    for opt in [
        ["--idle-timeout", "300"],
        ["--max-connections", "10"],
        ["--max-upload-bytes", "1000000"],
    ] {
        match ctx.start_with(&opt) {
            Ok(()) => {
                let mut c = ctx.conn()?;
                c.cmd("size a.txt")?;
                size_is(&mut c, 5, "LAUNCH-3")?;
                ctx.log.note(format!("{} {} accepted", opt[0], opt[1]));
            }
            Err(f) if f.kind == crate::fail::FailKind::Skip => ctx.log.note(f.actual),
            Err(f) => return Err(f),
        }
        ctx.stop();
    }
    Ok(())
}
