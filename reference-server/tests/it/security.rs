//! Root confinement: traversal, absolute names, and symbolic links.

use std::os::unix::fs::symlink;

use crate::support::Server;

fn with_links() -> Server {
    Server::start_with(&[], |root| {
        let outside = root.parent().expect("parent").join("outside");
        std::fs::write(root.join("inside.txt"), b"inside").expect("seed");
        std::fs::create_dir(root.join("sub")).expect("seed");
        symlink(outside.join("secret.txt"), root.join("escape.txt")).expect("seed");
        symlink(&outside, root.join("escape-dir")).expect("seed");
        symlink("../inside.txt", root.join("sub/up.txt")).expect("seed");
        symlink("sub", root.join("alias")).expect("seed");
        symlink("nowhere", root.join("dangling")).expect("seed");
    })
}

#[test]
fn traversal_and_absolute_names_are_refused() {
    let server = with_links();
    let mut client = server.connect();
    for name in [
        "../outside/secret.txt",
        "/etc/passwd",
        "sub/../../outside/secret.txt",
        "sub/..",
        ".",
    ] {
        assert_eq!(client.code(&format!("download {name}")), 553, "{name}");
        assert_eq!(client.code(&format!("rm {name}")), 553, "{name}");
        assert_eq!(client.upload(name, b"x").get(..3), Some("553"), "{name}");
    }
}

#[test]
fn links_leading_outside_are_absent() {
    let server = with_links();
    let mut client = server.connect();
    assert_eq!(client.code("download escape.txt"), 550);
    assert_eq!(client.code("size escape.txt"), 550);
    assert_eq!(client.code("ls escape-dir"), 550);
    assert_eq!(client.code("download escape-dir/secret.txt"), 550);
    assert_eq!(client.code("rm escape.txt"), 550);
    assert_eq!(client.code("rm escape-dir/secret.txt"), 550);
    assert_eq!(
        client.upload("escape-dir/new.txt", b"x").get(..3),
        Some("550")
    );
    // An upload never replaces an entry, links included (UPLOAD-5).
    assert_eq!(client.upload("escape.txt", b"x").get(..3), Some("554"));
    assert_eq!(client.code("size dangling"), 550);
    let outside = server.outside();
    assert_eq!(
        std::fs::read(outside.join("secret.txt")).expect("intact"),
        b"outside secret"
    );
    assert!(!outside.join("new.txt").exists());
    assert!(server.root().join("escape.txt").is_symlink());
}

#[test]
fn links_inside_behave_as_their_targets() {
    let server = with_links();
    let mut client = server.connect();
    let (code, entries) = client.ls("ls");
    assert_eq!(code, 200);
    assert_eq!(entries, ["alias/", "inside.txt", "sub/"]);
    assert_eq!(client.ls("ls alias"), (200, vec!["up.txt".into()]));
    assert_eq!(client.download("sub/up.txt"), b"inside");
    assert_eq!(client.download("alias/up.txt"), b"inside");
    assert!(client.cmd("rm sub/up.txt").starts_with("250"));
    assert!(!server.root().join("sub/up.txt").exists());
    assert_eq!(
        std::fs::read(server.root().join("inside.txt")).expect("target kept"),
        b"inside"
    );
}

#[test]
fn odd_bytes_are_refused() {
    let server = with_links();
    let mut client = server.connect();
    client.send(b"size inside\x00.txt\n");
    assert_eq!(&client.line()[..4], "553 ");
    client.send(b"size \xff\xfe\n");
    assert_eq!(&client.line()[..4], "553 ");
    assert_eq!(client.code("size .mftp-partial"), 553);
    assert_eq!(client.code("ls .mftp-partial"), 553);
}
