//! Atomic uploads: nothing half-written, nothing left behind, one winner.

use std::io::Write;
use std::net::Shutdown;

use crate::support::{STEP, Server, random_bytes};

#[test]
fn killed_client_mid_upload_leaves_nothing() {
    let server = Server::start();
    let mut client = server.connect();
    assert_eq!(client.cmd("upload 1000000 big.bin"), "150 1000000");
    client.send(&random_bytes(1, 400_000));
    // While the upload runs it is invisible (UPLOAD-6).
    let mut other = server.connect();
    assert_eq!(other.ls("ls"), (200, vec![]));
    assert_eq!(other.code("size big.bin"), 550);
    server.eventually("the partial file to appear", || server.partials() == 1);
    client
        .stream
        .get_mut()
        .shutdown(Shutdown::Both)
        .expect("shutdown");
    drop(client);
    server.eventually("the partial upload to be removed", || {
        server.partials() == 0
    });
    assert_eq!(server.tree(), Vec::<String>::new());
    assert_eq!(other.ls("ls"), (200, vec![]));
}

#[test]
fn racing_uploads_have_one_winner() {
    let server = Server::start();
    let contents: Vec<Vec<u8>> = (0..2).map(|seed| random_bytes(seed, 2_000_000)).collect();
    let mut clients: Vec<_> = (0..2).map(|_| server.connect()).collect();
    // Both pass the existence check before either finishes.
    for client in &mut clients {
        assert_eq!(client.cmd("upload 2000000 race.bin"), "150 2000000");
    }
    let replies: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = clients
            .iter_mut()
            .zip(&contents)
            .map(|(client, data)| {
                scope.spawn(move || {
                    client.stream.get_mut().write_all(data).expect("send");
                    client.line()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    let winners: Vec<usize> = (0..2).filter(|&i| replies[i] == "226 2000000").collect();
    assert_eq!(winners.len(), 1, "replies: {replies:?}");
    let loser = 1 - winners[0];
    assert!(replies[loser].starts_with("554 "), "replies: {replies:?}");
    let stored = std::fs::read(server.root().join("race.bin")).expect("stored");
    assert!(
        stored == contents[winners[0]],
        "the file holds the winner's bytes"
    );
    server.eventually("no partial files", || server.partials() == 0);
}

#[test]
fn stale_partials_are_cleaned_at_start() {
    let server = Server::start_with(&[], |root| {
        std::fs::create_dir(root.join(".mftp-partial")).expect("seed");
        std::fs::write(root.join(".mftp-partial/upload-1-0"), b"stale").expect("seed");
    });
    assert_eq!(server.partials(), 0);
}

#[test]
fn graceful_shutdown_lets_uploads_finish() {
    let server = Server::start();
    let mut client = server.connect();
    assert_eq!(client.cmd("upload 10 late.txt"), "150 10");
    client.send(b"12345");
    let mut idle = server.connect();
    send_sigterm(server.pid());
    // The idle client is told the server is going away.
    assert!(idle.line().starts_with("421 "));
    client.send(b"67890");
    assert_eq!(client.line(), "226 10");
    assert_eq!(
        std::fs::read(server.root().join("late.txt")).expect("stored"),
        b"1234567890"
    );
}

#[test]
fn shutdown_cuts_a_stalled_upload_after_the_grace_period() {
    let mut server = Server::start_with(&["--shutdown-grace", "1"], |_| {});
    let mut client = server.connect();
    assert_eq!(client.cmd("upload 10 never.txt"), "150 10");
    client.send(b"12345");
    server.eventually("the partial upload exists", || server.partials() == 1);
    send_sigterm(server.pid());
    // The client never sends the rest: after the grace period the server
    // closes the connection without a reply and exits.
    let mut rest = Vec::new();
    let read = std::io::Read::read_to_end(&mut client.stream, &mut rest);
    assert!(
        matches!(read, Ok(0)) || read.is_err(),
        "expected the connection cut, got {read:?} {rest:?}"
    );
    let deadline = std::time::Instant::now() + STEP;
    while server.proc.try_wait().expect("try_wait").is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not exit"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(server.partials(), 0, "the partial upload was removed");
    assert!(!server.root().join("never.txt").exists());
}

/// Sends SIGTERM through the `kill` command (the tests forbid unsafe code).
fn send_sigterm(pid: u32) {
    let status = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .expect("kill");
    assert!(status.success());
}
