//! `reference-client [--host H --port P] COMMAND`: one command, then exit.

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::{Ctx, closed_port};

#[test]
fn connme_shows_the_greeting() {
    let ctx = Ctx::new();
    ctx.client()
        .arg("connme")
        .assert()
        .success()
        .stdout(contains("connected to 127.0.0.1:").and(contains("220 mftp/1")));
}

#[test]
fn ls_marks_directories() {
    let ctx = Ctx::new();
    ctx.put("b.txt", b"b");
    ctx.put("a.txt", b"a");
    ctx.mkdir("docs");
    ctx.client()
        .arg("ls")
        .assert()
        .success()
        .stdout("a.txt\nb.txt\ndocs/\n");
}

#[test]
fn ls_of_a_directory() {
    let ctx = Ctx::new();
    ctx.put("docs/inner.md", b"x");
    ctx.mkdir("docs/sub");
    ctx.client()
        .args(["ls", "docs"])
        .assert()
        .success()
        .stdout("inner.md\nsub/\n");
    ctx.client()
        .args(["ls", "nope"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("error 550"));
}

#[test]
fn size_in_megabytes_as_the_server_reports_it() {
    let ctx = Ctx::new();
    ctx.put("report.pdf", &vec![7; 131_072]);
    ctx.client()
        .args(["size", "report.pdf"])
        .assert()
        .success()
        .stdout("report.pdf: 0.13 MB (131072 bytes)\n");
}

#[test]
fn upload_uses_the_file_name_or_as() {
    let ctx = Ctx::new();
    ctx.put_local("notes.txt", b"some notes\n");
    ctx.client()
        .args(["upload", "notes.txt"])
        .assert()
        .success()
        .stdout(contains("uploaded notes.txt as notes.txt (11 bytes)"));
    assert_eq!(ctx.root_file("notes.txt"), b"some notes\n");

    ctx.mkdir("docs");
    ctx.client()
        .args(["upload", "notes.txt", "--as", "docs/my notes.txt"])
        .assert()
        .success();
    assert_eq!(ctx.root_file("docs/my notes.txt"), b"some notes\n");
}

#[test]
fn upload_errors() {
    let ctx = Ctx::new();
    ctx.put("taken.txt", b"old");
    ctx.put_local("taken.txt", b"new");
    // UPLOAD-5: uploads never replace.
    ctx.client()
        .args(["upload", "taken.txt"])
        .assert()
        .code(1)
        .stderr(contains("error 554: name already exists"));
    assert_eq!(ctx.root_file("taken.txt"), b"old");
    // A local file that does not exist.
    ctx.client()
        .args(["upload", "missing.bin"])
        .assert()
        .code(1)
        .stderr(contains("cannot open missing.bin"));
}

#[test]
fn rm_removes() {
    let ctx = Ctx::new();
    ctx.put("gone.txt", b"x");
    ctx.client()
        .args(["rm", "gone.txt"])
        .assert()
        .success()
        .stdout("removed gone.txt\n");
    assert!(ctx.root_names().is_empty());
    ctx.client()
        .args(["rm", "gone.txt"])
        .assert()
        .code(1)
        .stderr(contains(
            "error 550: no such file or directory (server said:",
        ));
}

#[test]
fn server_errors_show_code_and_meaning() {
    let ctx = Ctx::new();
    ctx.mkdir("docs");
    ctx.client()
        .args(["size", "docs"])
        .assert()
        .code(1)
        .stderr(contains("error 551: wrong kind"));
    ctx.client()
        .args(["download", "nope.bin"])
        .assert()
        .code(1)
        .stderr(contains("error 550"));
    assert!(ctx.local_names().is_empty(), "{:?}", ctx.local_names());
}

#[test]
fn names_are_checked_before_sending() {
    let ctx = Ctx::new();
    ctx.client()
        .args(["size", "../etc/passwd"])
        .assert()
        .code(1)
        .stderr(contains("not allowed"));
}

#[test]
fn cannot_connect_is_status_3() {
    let ctx = Ctx::new();
    ctx.client_at(closed_port())
        .arg("ls")
        .assert()
        .code(3)
        .stdout("")
        .stderr(contains("could not connect to 127.0.0.1:"));
}

#[test]
fn usage_errors_are_status_2() {
    let ctx = Ctx::new();
    ctx.client().arg("frobnicate").assert().code(2);
    ctx.client().arg("size").assert().code(2);
}

#[test]
fn help_documents_exit_statuses() {
    let ctx = Ctx::new();
    ctx.client()
        .arg("--help")
        .assert()
        .success()
        .stdout(contains("Exit status:").and(contains("3  could not connect")));
}
