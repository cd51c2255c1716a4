//! Every command's success and error paths.

use crate::support::Server;

fn seeded() -> Server {
    Server::start_with(&[], |root| {
        std::fs::write(root.join("a.txt"), b"hello").expect("seed");
        std::fs::write(root.join("my file.txt"), b"spaced").expect("seed");
        std::fs::write(root.join("half.bin"), vec![7; 131_072]).expect("seed");
        std::fs::create_dir(root.join("docs")).expect("seed");
        std::fs::write(root.join("docs/inner.txt"), b"x").expect("seed");
        std::fs::create_dir(root.join("café")).expect("seed");
    })
}

#[test]
fn greeting_and_connme() {
    let server = seeded();
    let mut client = server.connect();
    assert!(client.cmd("connme").starts_with("220 mftp/1"));
    assert!(client.cmd("CONNME").starts_with("220 mftp/1"));
    assert!(client.cmd("connme now").starts_with("501 "));
}

#[test]
fn ls_lists_sorted_with_directories_marked() {
    let server = seeded();
    let mut client = server.connect();
    assert_eq!(
        client.ls("ls"),
        (
            200,
            vec![
                "a.txt".into(),
                "café/".into(),
                "docs/".into(),
                "half.bin".into(),
                "my file.txt".into()
            ]
        )
    );
    assert_eq!(client.ls("ls docs"), (200, vec!["inner.txt".into()]));
    assert_eq!(client.ls("ls café"), (200, vec![]));
    assert_eq!(client.ls("ls nope").0, 550);
    assert_eq!(client.ls("ls a.txt").0, 551);
    assert_eq!(client.ls("ls ../").0, 553);
    // An empty argument is no argument: the root.
    assert_eq!(client.ls("ls ").1.len(), 5);
}

#[test]
fn size_reports_bytes_and_rounded_megabytes() {
    let server = seeded();
    let mut client = server.connect();
    assert_eq!(client.cmd("size a.txt"), "213 5 0.00 MB");
    assert_eq!(client.cmd("size half.bin"), "213 131072 0.13 MB");
    assert_eq!(client.cmd("size my file.txt"), "213 6 0.00 MB");
    assert_eq!(client.code("size missing"), 550);
    assert_eq!(client.code("size docs"), 551);
    assert_eq!(client.code("size"), 501);
    assert_eq!(client.code("size /etc/passwd"), 553);
}

#[test]
fn download_sends_exact_bytes_then_takes_commands() {
    let server = seeded();
    let mut client = server.connect();
    assert_eq!(client.download("a.txt"), b"hello");
    assert_eq!(client.download("docs/inner.txt"), b"x");
    assert_eq!(client.code("download missing"), 550);
    assert_eq!(client.code("download docs"), 551);
    assert_eq!(client.code("download a\\b"), 553);
    // No data followed the errors: the next reply is a plain reply line.
    assert_eq!(client.cmd("size a.txt"), "213 5 0.00 MB");
}

#[test]
fn upload_stores_and_never_replaces() {
    let server = seeded();
    let mut client = server.connect();
    assert_eq!(client.upload("new.txt", b"fresh"), "226 5");
    assert_eq!(
        std::fs::read(server.root().join("new.txt")).expect("stored"),
        b"fresh"
    );
    assert_eq!(client.upload("new.txt", b"other").get(..3), Some("554"));
    assert_eq!(client.upload("docs", b"x").get(..3), Some("554"));
    assert_eq!(
        std::fs::read(server.root().join("new.txt")).expect("kept"),
        b"fresh"
    );
    assert_eq!(client.upload("docs/deep.txt", b"").as_str(), "226 0");
    assert_eq!(client.upload("nodir/x.txt", b"x").get(..3), Some("550"));
    assert_eq!(client.upload("a.txt/x.txt", b"x").get(..3), Some("551"));
    assert_eq!(client.upload("../x.txt", b"x").get(..3), Some("553"));
    assert_eq!(client.code("upload five x.txt"), 501);
    assert_eq!(client.code("upload 5"), 501);
    assert_eq!(client.code("upload 99999999999999999999 x"), 501);
    assert_eq!(client.cmd("upload 007 seven.txt"), "150 7");
    client.send(b"1234567");
    assert_eq!(client.line(), "226 7");
}

#[test]
fn upload_data_may_look_like_commands() {
    let server = seeded();
    let mut client = server.connect();
    // The data holds an LF and a command; the command after it is real.
    client.send(b"upload 9 data.txt\n");
    assert_eq!(client.line(), "150 9");
    client.send(b"byebye\nxxsize data.txt\n");
    assert_eq!(client.line(), "226 9");
    assert_eq!(client.line(), "213 9 0.00 MB");
}

#[test]
fn rm_removes_files_only() {
    let server = seeded();
    let mut client = server.connect();
    assert!(client.cmd("rm a.txt").starts_with("250"));
    assert!(!server.root().join("a.txt").exists());
    assert_eq!(client.code("rm a.txt"), 550);
    assert_eq!(client.code("rm docs"), 551);
    assert!(server.root().join("docs").is_dir());
    assert_eq!(client.code("rm "), 501);
    assert_eq!(client.code("rm ./docs/inner.txt"), 553);
}

#[test]
fn byebye_closes() {
    let server = seeded();
    let mut client = server.connect();
    assert_eq!(client.code("byebye please"), 501);
    assert_eq!(client.code("byebye"), 221);
    client.assert_closed();
}

#[test]
fn syntax_errors_keep_the_connection() {
    let server = seeded();
    let mut client = server.connect();
    assert_eq!(client.code("dir"), 500);
    assert_eq!(client.code(""), 500);
    // One CR is stripped (FRAME-2); a second one is part of the verb.
    client.send(b"ls\r\r\n");
    assert_eq!(&client.line()[..4], "500 ");
    client.send(b"size a.txt\r\n");
    assert_eq!(client.line(), "213 5 0.00 MB");
    assert_eq!(client.code("SiZe a.txt"), 213);
}

#[test]
fn pipelined_commands_are_answered_in_order() {
    let server = seeded();
    let mut client = server.connect();
    client.send(b"size a.txt\nbogus\ndownload a.txt\nsize docs\nls docs\n");
    assert_eq!(client.line(), "213 5 0.00 MB");
    assert_eq!(&client.line()[..4], "500 ");
    assert_eq!(client.line(), "150 5");
    assert_eq!(client.read_exact(5), b"hello");
    assert_eq!(&client.line()[..4], "551 ");
    assert_eq!(client.line(), "200 1");
    assert_eq!(client.line(), "inner.txt");
}

#[test]
fn one_byte_at_a_time() {
    let server = seeded();
    let mut client = server.connect();
    for byte in b"size my file.txt\r\n" {
        client.send(&[*byte]);
    }
    assert_eq!(client.line(), "213 6 0.00 MB");
}
