//! Downloads and uploads: integrity, the temp-file-then-rename rule and
//! refusing to overwrite.

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use rand::RngCore;

use crate::support::Ctx;

fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

#[test]
fn download_of_random_binary_content_is_exact() {
    let ctx = Ctx::new();
    let big = random_bytes(3 * 1024 * 1024 + 17);
    let every_byte: Vec<u8> = (0..=255).collect();
    ctx.put("big.bin", &big);
    ctx.put("bytes.bin", &every_byte);
    ctx.put("empty", b"");
    ctx.put("dir/inner.bin", b"inner");
    for name in ["big.bin", "bytes.bin", "empty", "dir/inner.bin"] {
        ctx.client()
            .args(["download", name])
            .assert()
            .success()
            .stdout(contains(format!("downloaded {name}")));
    }
    assert_eq!(ctx.local_file("big.bin"), big);
    assert_eq!(ctx.local_file("bytes.bin"), every_byte);
    assert_eq!(ctx.local_file("empty"), b"");
    // The local name is the last component of the remote name.
    assert_eq!(ctx.local_file("inner.bin"), b"inner");
    // No temporary file is left behind.
    assert_eq!(
        ctx.local_names(),
        ["big.bin", "bytes.bin", "empty", "inner.bin"]
    );
}

#[test]
fn download_to_an_output_path() {
    let ctx = Ctx::new();
    ctx.put("a.bin", b"abc");
    std::fs::create_dir(ctx.local().join("into")).expect("mkdir");
    ctx.client()
        .args(["download", "a.bin", "--output", "copy.bin"])
        .assert()
        .success();
    ctx.client()
        .args(["download", "a.bin", "-o", "into"])
        .assert()
        .success();
    assert_eq!(ctx.local_file("copy.bin"), b"abc");
    assert_eq!(ctx.local_file("into/a.bin"), b"abc");
}

#[test]
fn download_refuses_to_overwrite_without_force() {
    let ctx = Ctx::new();
    ctx.put("a.txt", b"from the server");
    ctx.put_local("a.txt", b"precious local data");
    ctx.client()
        .args(["download", "a.txt"])
        .assert()
        .code(1)
        .stderr(contains("a.txt already exists").and(contains("--force")));
    assert_eq!(ctx.local_file("a.txt"), b"precious local data");
    assert_eq!(ctx.local_names(), ["a.txt"]);

    ctx.client()
        .args(["--force", "download", "a.txt"])
        .assert()
        .success();
    assert_eq!(ctx.local_file("a.txt"), b"from the server");
    assert_eq!(ctx.local_names(), ["a.txt"]);
}

#[test]
fn upload_round_trips_random_content() {
    let ctx = Ctx::new();
    let data = random_bytes(2 * 1024 * 1024 + 3);
    ctx.put_local("up.bin", &data);
    ctx.put_local("zero.bin", b"");
    ctx.client().args(["upload", "up.bin"]).assert().success();
    ctx.client().args(["upload", "zero.bin"]).assert().success();
    assert_eq!(ctx.root_file("up.bin"), data);
    assert_eq!(ctx.root_file("zero.bin"), b"");
    ctx.client()
        .args(["download", "up.bin", "-o", "back.bin"])
        .assert()
        .success();
    assert_eq!(ctx.local_file("back.bin"), data);
}
