//! Downloads of a file the server keeps open between downloads of its name
//! (`storage/open_files.rs`): every change to the file or its name shows in
//! the next download, and `rm` lets go of the file at once.

use std::path::Path;

use crate::support::{Server, random_bytes};

fn with_file(contents: &[u8]) -> Server {
    Server::start_with(&[], |root| {
        std::fs::write(root.join("f.bin"), contents).expect("seed");
        std::fs::write(root.join("g.bin"), b"another file").expect("seed");
    })
}

/// The server's open descriptors that lead to `path`.
fn descriptors_of(pid: u32, path: &Path) -> usize {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return 0;
    };
    let wanted = path.to_string_lossy().into_owned();
    fds.filter_map(Result::ok)
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter(|target| target.to_string_lossy().starts_with(&wanted))
        .count()
}

#[test]
fn a_file_rewritten_in_place_is_sent_as_it_is_now() {
    let server = with_file(b"first");
    let mut client = server.connect();
    assert_eq!(client.download("f.bin"), b"first");
    let path = server.root().join("f.bin");
    // Same inode, new length and bytes.
    std::fs::write(&path, b"second, longer").expect("rewrite");
    assert_eq!(client.download("f.bin"), b"second, longer");
    std::fs::write(&path, b"3").expect("rewrite shorter");
    assert_eq!(client.download("f.bin"), b"3");
    assert_eq!(client.cmd("size f.bin"), "213 1 0.00 MB");
}

#[test]
fn a_file_replaced_under_its_name_is_sent_anew() {
    let server = with_file(b"old");
    let mut client = server.connect();
    assert_eq!(client.download("f.bin"), b"old");
    let root = server.root();
    std::fs::rename(root.join("g.bin"), root.join("f.bin")).expect("replace");
    assert_eq!(client.download("f.bin"), b"another file");
}

#[test]
fn a_name_that_became_a_link_out_or_a_directory_is_refused() {
    let server = with_file(b"inside");
    let mut client = server.connect();
    assert_eq!(client.download("f.bin"), b"inside");
    let root = server.root();
    let secret = server.outside().join("secret.txt");
    std::fs::remove_file(root.join("f.bin")).expect("rm");
    std::os::unix::fs::symlink(&secret, root.join("f.bin")).expect("link out");
    assert_eq!(client.code("download f.bin"), 550);
    std::fs::remove_file(root.join("f.bin")).expect("rm link");
    std::fs::create_dir(root.join("f.bin")).expect("dir");
    assert_eq!(client.code("download f.bin"), 551);
    std::fs::remove_dir(root.join("f.bin")).expect("rm dir");
    assert_eq!(client.code("download f.bin"), 550);
}

#[test]
fn rm_lets_go_of_the_file_and_an_upload_of_the_name_is_sent() {
    let server = with_file(&random_bytes(1, 65_536));
    let path = server.root().join("f.bin");
    let mut client = server.connect();
    assert_eq!(client.download("f.bin").len(), 65_536);
    assert_eq!(
        descriptors_of(server.pid(), &path),
        1,
        "the file is kept open after its download"
    );
    assert_eq!(client.code("rm f.bin"), 250);
    // No descriptor left to a removed file: its space is free.
    assert_eq!(descriptors_of(server.pid(), &path), 0);
    let fresh = random_bytes(2, 1000);
    assert!(client.upload("f.bin", &fresh).starts_with("226"));
    assert_eq!(client.download("f.bin"), fresh);
}

#[test]
fn every_client_gets_the_same_bytes_of_a_shared_file() {
    let data = random_bytes(3, 300_000);
    let server = with_file(&data);
    let mut clients: Vec<_> = (0..4).map(|_| server.connect()).collect();
    for _ in 0..3 {
        for client in &mut clients {
            assert_eq!(client.download("f.bin"), data);
        }
    }
}
