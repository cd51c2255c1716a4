//! Commands read from stdin when it is not a terminal.

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

use crate::support::{Ctx, closed_port};

#[test]
fn every_command_in_a_script() {
    let ctx = Ctx::new();
    ctx.put("a.txt", b"hello");
    ctx.mkdir("docs");
    ctx.put_local("up.bin", b"\x00\x01\xff");
    let script = "\
# a comment, then a blank line

connme
ls
size a.txt
download a.txt
upload up.bin
rm a.txt
ls docs
ls
byebye
";
    ctx.client()
        .write_stdin(script)
        .assert()
        .success()
        .stdout(
            contains("connected to 127.0.0.1:")
                .and(contains("a.txt\ndocs/\n"))
                .and(contains("a.txt: 0.00 MB (5 bytes)"))
                .and(contains("downloaded a.txt (5 bytes)"))
                .and(contains("uploaded up.bin as up.bin (3 bytes)"))
                .and(contains("removed a.txt"))
                .and(contains("docs/\nup.bin\n"))
                .and(contains("disconnected from")),
        )
        .stderr("");
    assert_eq!(ctx.local_file("a.txt"), b"hello");
    assert_eq!(ctx.root_file("up.bin"), b"\x00\x01\xff");
    assert_eq!(ctx.root_names(), ["docs", "up.bin"]);
}

#[test]
fn the_first_failure_stops_the_script() {
    let ctx = Ctx::new();
    ctx.put("a.txt", b"a");
    ctx.client()
        .write_stdin("size nope\nrm a.txt\n")
        .assert()
        .code(1)
        .stderr(contains("line 1: size nope").and(contains("error 550")));
    assert_eq!(ctx.root_names(), ["a.txt"]);
}

#[test]
fn keep_going_runs_every_line_and_keeps_the_first_status() {
    let ctx = Ctx::new();
    ctx.put("a.txt", b"a");
    ctx.client()
        .arg("--keep-going")
        .write_stdin("size nope\nrm a.txt\n")
        .assert()
        .code(1)
        .stdout(contains("removed a.txt"));
    assert!(ctx.root_names().is_empty());
}

#[test]
fn unknown_command_is_a_usage_error() {
    let ctx = Ctx::new();
    ctx.client()
        .write_stdin("ls\nfrobnicate\nls\n")
        .assert()
        .code(2)
        .stderr(contains("unknown command 'frobnicate'"));
}

#[test]
fn refusal_to_overwrite_fails_the_script() {
    let ctx = Ctx::new();
    ctx.put("a.txt", b"remote");
    ctx.put_local("a.txt", b"local");
    ctx.client()
        .write_stdin("download a.txt\n")
        .assert()
        .code(1)
        .stderr(contains("already exists"));
    assert_eq!(ctx.local_file("a.txt"), b"local");
}

#[test]
fn no_server_is_status_3() {
    let ctx = Ctx::new();
    ctx.client_at(closed_port())
        .write_stdin("ls\n")
        .assert()
        .code(3)
        .stderr(contains("could not connect"));
}
