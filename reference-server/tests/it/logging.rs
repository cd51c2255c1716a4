//! What the server logs at its default level: connections, transfers,
//! removals and errors, one line each; every command only one flag away
//! (`--log-level debug`).

use crate::support::Server;

fn session(server: &Server) {
    let mut client = server.connect();
    assert_eq!(client.cmd("size f.txt"), "213 5 0.00 MB");
    assert_eq!(client.download("f.txt"), b"hello");
    assert_eq!(client.upload("new.txt", b"abc"), "226 3");
    assert_eq!(client.code("rm new.txt"), 250);
    assert_eq!(client.code("byebye"), 221);
    client.assert_closed();
}

fn seed(root: &std::path::Path) {
    std::fs::write(root.join("f.txt"), b"hello").expect("seed");
}

#[test]
fn the_default_level_logs_connections_and_transfers_not_every_command() {
    let server = Server::start_logged(&[], seed);
    session(&server);
    server.eventually("the disconnection is logged", || {
        server.log().contains("disconnected")
    });
    let log = server.log();
    for wanted in [
        "connected",
        "downloaded",
        "bytes=5",
        "uploaded",
        "bytes=3",
        "removed",
        "name=\"new.txt\"",
    ] {
        assert!(log.contains(wanted), "{wanted:?} missing from:\n{log}");
    }
    assert!(
        !log.contains("verb=\"size\""),
        "a line per command at the default level:\n{log}"
    );
}

#[test]
fn debug_logs_every_command() {
    let server = Server::start_logged(&["--log-level", "debug"], seed);
    session(&server);
    server.eventually("the disconnection is logged", || {
        server.log().contains("disconnected")
    });
    let log = server.log();
    for verb in ["size", "download", "upload", "rm", "byebye"] {
        assert!(
            log.contains(&format!("verb=\"{verb}\"")),
            "no line for {verb}:\n{log}"
        );
    }
}
