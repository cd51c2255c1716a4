//! Tests of `conformance::reference`, the helper other crates start the
//! reference server with: it reads the address, kills and reaps on drop,
//! keeps the deadline, and says why a server did not come up.
//!
//! A `harness = false` target like the others: `cargo test -p conformance
//! -- --server X` passes the suite's options to every target, and this one
//! accepts them. With a server to grade given, the trial that builds and
//! starts the reference server is ignored; the others only need `sh`.

mod common;

use conformance::reference::{
    ReferenceServer, StartError, StartOptions, Stderr, reference_server_binary,
};
use libtest_mimic::{Failed, Trial};
use std::ffi::OsStr;
use std::io::{BufRead as _, BufReader};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let (opts, args) = common::args::suite_options("reference");
    let trials = vec![
        Trial::test(
            "reference server: address, greeting, reaped on drop",
            serves,
        )
        .with_ignored_flag(opts.server.is_some()),
        Trial::test(
            "an exit before `listening on` quotes the stderr file",
            exits,
        ),
        Trial::test("no line within the deadline: killed, Timeout", times_out),
        Trial::test("another first line: killed, UnexpectedLine", other_line),
        Trial::test("stdout is drained after the first line; stop reaps", drains),
    ];
    libtest_mimic::run(&args, trials).exit();
}

fn sh(script: &str) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c").arg(script);
    c
}

/// Whether process `pid` still exists (a zombie counts).
fn alive(pid: u32) -> bool {
    i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
        .is_some_and(|p| rustix::process::test_kill_process(p).is_ok())
}

fn serves() -> Result<(), Failed> {
    let bin = reference_server_binary().map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let args = [
        OsStr::new("--root"),
        dir.path().as_os_str(),
        OsStr::new("--port"),
        OsStr::new("0"),
    ];
    let server = ReferenceServer::start(&bin, args).map_err(|e| e.to_string())?;
    let addr = server.addr();
    if !addr.ip().is_loopback() || addr.port() == 0 || server.port() != addr.port() {
        return Err(format!("address {addr}").into());
    }
    let stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let mut greeting = String::new();
    BufReader::new(stream)
        .read_line(&mut greeting)
        .map_err(|e| e.to_string())?;
    if !greeting.starts_with("220 mftp/1") {
        return Err(format!("greeting {greeting:?}").into());
    }
    let pid = server.pid();
    drop(server);
    if alive(pid) {
        return Err(format!("process {pid} still exists after drop").into());
    }
    Ok(())
}

fn exits() -> Result<(), Failed> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let log = dir.path().join("stderr");
    let options = StartOptions {
        stderr: Stderr::File(log),
        ..StartOptions::default()
    };
    match ReferenceServer::start_with(sh("echo 'no such root' >&2; exit 3"), &options) {
        Err(StartError::Exited {
            status: Some(status),
            stderr_tail: Some(tail),
            ..
        }) if status.code() == Some(3) && tail.contains("no such root") => Ok(()),
        Err(e) => Err(format!("wrong error: {e:?}").into()),
        Ok(s) => Err(format!("started: {s:?}").into()),
    }
}

fn times_out() -> Result<(), Failed> {
    let options = StartOptions {
        timeout: Duration::from_millis(300),
        ..StartOptions::default()
    };
    let started = Instant::now();
    let result = ReferenceServer::start_with(sh("exec sleep 30"), &options);
    // Reaping a process that was not killed would have waited 30 s.
    if started.elapsed() > Duration::from_secs(10) {
        return Err("the process was not killed at the deadline".into());
    }
    match result {
        Err(StartError::Timeout { after, .. }) if after == Duration::from_millis(300) => Ok(()),
        Err(e) => Err(format!("wrong error: {e:?}").into()),
        Ok(s) => Err(format!("started: {s:?}").into()),
    }
}

fn other_line() -> Result<(), Failed> {
    let started = Instant::now();
    let result = ReferenceServer::start_with(
        sh("echo 'starting up'; exec sleep 30"),
        &StartOptions::default(),
    );
    if started.elapsed() > Duration::from_secs(10) {
        return Err("the process was not killed".into());
    }
    match result {
        Err(StartError::UnexpectedLine { line, .. }) if line == "starting up" => Ok(()),
        Err(e) => Err(format!("wrong error: {e:?}").into()),
        Ok(s) => Err(format!("started: {s:?}").into()),
    }
}

fn drains() -> Result<(), Failed> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let log = dir.path().join("stderr");
    let options = StartOptions {
        stderr: Stderr::File(log.clone()),
        ..StartOptions::default()
    };
    // 1 MB after the first line: more than a pipe holds, so `head` only
    // finishes if the helper keeps reading.
    let script = "echo 'listening on 127.0.0.1:9'; head -c 1000000 /dev/zero && echo drained >&2; exec sleep 30";
    let mut server =
        ReferenceServer::start_with(sh(script), &options).map_err(|e| e.to_string())?;
    if server.addr().to_string() != "127.0.0.1:9" || server.stderr_path() != Some(log.as_path()) {
        return Err(format!("{server:?}").into());
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(&log).is_ok_and(|s| s.contains("drained")) {
        if Instant::now() >= deadline {
            return Err("stdout after the first line was not drained".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    if server.try_wait().map_err(|e| e.to_string())?.is_some() {
        return Err("exited early".into());
    }
    let status = server.stop();
    if status.is_none_or(|s| s.success()) || server.stop() != status {
        return Err(format!("stop: {status:?}").into());
    }
    Ok(())
}
