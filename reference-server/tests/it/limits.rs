//! Operator limits: line length, idle timeout, connections, upload size,
//! read-only mode.

use crate::support::Server;

/// `size xxx…` of exactly `len` bytes, `end` (LF or CRLF) included.
fn size_line(len: usize, end: &[u8]) -> Vec<u8> {
    let mut line = b"size ".to_vec();
    line.resize(len - end.len(), b'x');
    line.extend_from_slice(end);
    line
}

#[test]
fn a_line_of_the_limit_is_a_command_one_byte_more_is_refused_and_closed() {
    // FRAME-4. Both lines are `size` commands with a name over 1024 bytes:
    // processed, they get 553 (NAME-2) and the connection stays open; too
    // long, they get 500 and the connection closes.
    let server = Server::start();
    let mut client = server.connect();
    for end in [&b"\n"[..], b"\r\n"] {
        client.send(&size_line(4096, end));
        assert_eq!(
            &client.line()[..4],
            "553 ",
            "a 4096-byte line ending {end:?} is processed"
        );
        assert_eq!(client.code("ls"), 200, "and the connection stays open");
    }
    client.send(&size_line(4097, b"\n"));
    assert_eq!(&client.line()[..4], "500 ", "a 4097-byte line is too long");
    client.assert_closed();
    // No LF at all: 500 as soon as 4096 bytes are in.
    let mut client = server.connect();
    client.send(&vec![b'y'; 4096]);
    assert_eq!(&client.line()[..4], "500 ");
    client.assert_closed();
    // The server goes on serving others.
    assert_eq!(server.connect().code("ls"), 200);
}

#[test]
fn idle_clients_are_closed_and_partial_uploads_discarded() {
    let server = Server::start_with(&["--idle-timeout", "1"], |_| {});
    let mut idle = server.connect();
    let mut uploading = server.connect();
    assert_eq!(uploading.cmd("upload 10 slow.txt"), "150 10");
    uploading.send(b"12345");
    assert_eq!(&idle.line()[..4], "421 ");
    idle.assert_closed();
    assert_eq!(&uploading.line()[..4], "421 ");
    server.eventually("the partial upload to be removed", || {
        server.partials() == 0
    });
    assert!(server.tree().is_empty());
}

#[test]
fn connection_limit_refuses_extra_clients() {
    let server = Server::start_with(&["--max-connections", "2"], |_| {});
    let first = server.connect();
    let _second = server.connect();
    let mut third = crate::support::Client::connect_raw(server.addr);
    assert_eq!(&third.line()[..4], "421 ");
    third.assert_closed();
    drop(first);
    // Once a slot frees, clients are served again (bounded retries: the
    // server notices the close asynchronously).
    server.eventually("a free slot", || {
        let mut client = crate::support::Client::connect_raw(server.addr);
        client.line().starts_with("220 ")
    });
}

#[test]
fn a_flood_of_extra_clients_is_refused_with_421() {
    let server = Server::start_with(&["--max-connections", "1"], |_| {});
    let _only = server.connect();
    // More refused clients at once than the server lingers over (32): the
    // rest are refused without the lingering close, but still with 421.
    let mut refused: Vec<_> = (0..48)
        .map(|_| crate::support::Client::connect_raw(server.addr))
        .collect();
    for client in &mut refused {
        assert_eq!(&client.line()[..4], "421 ");
        client.assert_closed();
    }
}

#[test]
fn upload_limit() {
    let server = Server::start_with(&["--max-upload-bytes", "4"], |_| {});
    let mut client = server.connect();
    assert_eq!(client.code("upload 5 big.txt"), 552);
    assert_eq!(client.upload("ok.txt", b"1234"), "226 4");
}

#[test]
fn read_only_refuses_changes() {
    let server = Server::start_with(&["--read-only"], |root| {
        std::fs::write(root.join("a.txt"), b"a").expect("seed");
    });
    let mut client = server.connect();
    assert_eq!(client.code("rm a.txt"), 556);
    assert_eq!(client.code("upload 1 b.txt"), 556);
    assert_eq!(client.download("a.txt"), b"a");
    assert!(server.root().join("a.txt").exists());
}

#[test]
fn client_that_stops_reading_a_download_is_dropped() {
    let server = Server::start_with(&["--idle-timeout", "1", "--max-connections", "1"], |root| {
        let file = std::fs::File::create(root.join("big.bin")).expect("create");
        file.set_len(256 << 20).expect("sparse");
    });
    let mut stuck = server.connect();
    stuck.send(b"download big.bin\n");
    // The socket buffers fill and the server waits on a client that never
    // reads; after the idle timeout it gives up and frees the slot.
    server.eventually("the stalled download to be dropped", || {
        let mut client = crate::support::Client::connect_raw(server.addr);
        client.line().starts_with("220 ")
    });
}
