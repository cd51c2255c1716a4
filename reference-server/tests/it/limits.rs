//! Operator limits: line length, idle timeout, connections, upload size,
//! read-only mode.

use crate::support::Server;

#[test]
fn overlong_line_is_refused_and_closed() {
    let server = Server::start();
    let mut client = server.connect();
    let mut exact = vec![b'x'; 4095];
    exact.push(b'\n');
    client.send(&exact);
    assert_eq!(&client.line()[..4], "500 ", "a 4096-byte line is processed");
    client.send(&vec![b'y'; 5000]);
    assert_eq!(&client.line()[..4], "500 ");
    assert!(client.closed());
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
    assert!(idle.closed());
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
    assert!(third.closed());
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
        assert!(client.closed());
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
