//! The command line: what an operator sees when something is wrong.

use assert_cmd::Command;
use predicates::prelude::*;

fn server() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_reference-server"));
    cmd.timeout(std::time::Duration::from_secs(10));
    cmd
}

#[test]
fn missing_root_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    server()
        .args(["--port", "0", "--root"])
        .arg(dir.path().join("nope"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("not an existing directory"));
}

#[test]
fn root_that_is_a_file_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("file");
    std::fs::write(&file, b"x").expect("file");
    server()
        .args(["--port", "0", "--root"])
        .arg(&file)
        .assert()
        .failure()
        .stderr(predicate::str::contains("--root"));
}

#[test]
fn port_in_use_is_an_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let dir = tempfile::tempdir().expect("temp dir");
    server()
        .args(["--port", &port, "--root"])
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains("cannot listen"));
}

#[test]
fn bad_limit_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    server()
        .args(["--port", "0", "--max-connections", "zero", "--root"])
        .arg(dir.path())
        .assert()
        .code(2);
}
