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

/// A server that greets, answers `byebye` with `221`, and records the
/// command lines it gets until the client closes (every read bounded).
fn recording_server() -> (u16, std::thread::JoinHandle<Vec<String>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    let port = listener.local_addr().expect("local addr").port();
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("the client connects");
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .expect("read timeout");
        stream.write_all(b"220 mftp/1 ready\n").expect("greet");
        let mut lines = Vec::new();
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).expect("read a line") == 0 {
                return lines;
            }
            if line == "byebye\n" {
                stream.write_all(b"221 bye\n").expect("answer byebye");
            }
            lines.push(line);
        }
    });
    (port, handle)
}

#[test]
fn connme_opens_the_connection_without_a_connme_line() {
    let ctx = Ctx::new();
    let (port, server) = recording_server();
    ctx.client_at(port)
        .write_stdin("connme\nbyebye\n")
        .assert()
        .success()
        .stdout(contains("connected to").and(contains("disconnected from")));
    // spec.md CLIENT-4: connecting reads the greeting and sends nothing.
    assert_eq!(server.join().expect("server thread"), ["byebye\n"]);
}

#[test]
fn a_script_without_commands_never_connects() {
    let ctx = Ctx::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    let port = listener.local_addr().expect("local addr").port();
    ctx.client_at(port)
        .write_stdin("# nothing to do\n\n")
        .assert()
        .success();
    listener.set_nonblocking(true).expect("nonblocking");
    assert!(listener.accept().is_err(), "the client connected");
}

#[test]
fn an_empty_listing_prints_nothing_in_a_script() {
    let ctx = Ctx::new();
    ctx.mkdir("empty");
    let out = ctx
        .client()
        .write_stdin("connme\nls empty\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8_lossy(&out);
    // Only the greeting: no "(empty)", which is for the prompt.
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("connected to"), "{out}");
}
