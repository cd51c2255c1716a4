//! Many clients at once, each moving its own random content.

use crate::support::{Server, random_bytes};

#[test]
fn two_hundred_clients_upload_and_download() {
    let server = Server::start();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..200_u64)
            .map(|i| {
                let server = &server;
                scope.spawn(move || {
                    let data = random_bytes(i, 1000 + 997 * usize::try_from(i).expect("small"));
                    let mut client = server.connect();
                    let name = format!("client {i}.bin");
                    assert_eq!(client.upload(&name, &data), format!("226 {}", data.len()));
                    assert!(client.download(&name) == data, "client {i}: bytes differ");
                    assert_eq!(client.code("byebye"), 221);
                })
            })
            .collect();
        for handle in handles {
            handle.join().expect("client thread");
        }
    });
    assert_eq!(server.tree().len(), 200);
}
