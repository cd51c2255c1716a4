//! The interactive prompt, driven through a pseudo-terminal.
//!
//! Each step waits for the prompt before typing, so that rustyline has
//! finished drawing (and asking the terminal for the cursor position)
//! before input arrives. Every wait is bounded by the session timeout.

use rexpect::session::{PtySession, spawn_command};

use crate::support::Ctx;

const WAIT_MS: u64 = 20_000;

fn prompt(ctx: &Ctx) -> String {
    format!("mftp 127.0.0.1:{}> ", ctx.port)
}

fn start(ctx: &Ctx) -> PtySession {
    let mut command = ctx.client_std();
    command.env("TERM", "xterm");
    let mut session = spawn_command(command, Some(WAIT_MS)).expect("spawn the client in a pty");
    session.exp_string("mftp> ").expect("first prompt");
    session
}

fn type_line(session: &mut PtySession, line: &str, expect: &str, next_prompt: &str) {
    session.send_line(line).expect("type a line");
    session
        .exp_string(expect)
        .unwrap_or_else(|e| panic!("after {line:?}, expected {expect:?}: {e}"));
    session
        .exp_string(next_prompt)
        .unwrap_or_else(|e| panic!("after {line:?}, expected the prompt {next_prompt:?}: {e}"));
}

#[test]
fn a_session_at_the_prompt() {
    let ctx = Ctx::new();
    ctx.put("a.txt", b"hello");
    ctx.mkdir("docs");
    ctx.put_local("up.txt", b"uploaded");
    let connected = prompt(&ctx);
    let mut session = start(&ctx);
    let not_connected = format!(
        "not connected: type 'connme' to connect to 127.0.0.1:{}",
        ctx.port
    );
    type_line(&mut session, "ls", &not_connected, "mftp> ");
    type_line(&mut session, "help", "download NAME", "mftp> ");
    type_line(&mut session, "connme", "220 mftp/1", &connected);
    type_line(&mut session, "ls", "docs/", &connected);
    type_line(&mut session, "size a.txt", "0.00 MB (5 bytes)", &connected);
    type_line(
        &mut session,
        "download a.txt",
        "downloaded a.txt",
        &connected,
    );
    type_line(
        &mut session,
        "upload up.txt",
        "uploaded up.txt as",
        &connected,
    );
    type_line(&mut session, "rm a.txt", "removed a.txt", &connected);
    type_line(&mut session, "size a.txt", "error 550", &connected);
    type_line(&mut session, "frobnicate", "unknown command", &connected);
    session.send_line("byebye").expect("type byebye");
    session.exp_string("disconnected from").expect("goodbye");
    session.exp_eof().expect("the client leaves after byebye");

    assert_eq!(ctx.local_file("a.txt"), b"hello");
    assert_eq!(ctx.root_file("up.txt"), b"uploaded");
    assert_eq!(ctx.root_names(), ["docs", "up.txt"]);
    // History is kept in the user's data directory.
    let history =
        std::fs::read_to_string(ctx.home().join(".local/share/mftp/history")).expect("history");
    assert!(history.contains("size a.txt"), "{history}");
}

#[test]
fn tab_completes_commands_and_local_and_remote_names() {
    let ctx = Ctx::new();
    ctx.put("a.txt", b"hello");
    ctx.put("docs/readme.md", b"read me\n");
    ctx.put("my file.bin", b"spaces");
    ctx.put_local("up load.txt", b"uploaded");
    let connected = prompt(&ctx);
    let mut session = start(&ctx);
    type_line(&mut session, "connme", "220 mftp/1", &connected);
    // A command word, then a remote name.
    session.send("siz\ta.\t").expect("type with Tab");
    type_line(&mut session, "", "a.txt: 0.00 MB (5 bytes)", &connected);
    // Into a remote directory, then a file in it.
    session.send("download do\tre\t").expect("type with Tab");
    type_line(&mut session, "", "downloaded docs/readme.md", &connected);
    // A remote name with a space.
    session.send("size my\t").expect("type with Tab");
    type_line(
        &mut session,
        "",
        "my file.bin: 0.00 MB (6 bytes)",
        &connected,
    );
    // A local name, with a space, for upload.
    session.send("upload up\t").expect("type with Tab");
    type_line(
        &mut session,
        "",
        "uploaded up load.txt as up load.txt",
        &connected,
    );
    session.send_line("quit").expect("type quit");
    session.exp_eof().expect("the client leaves after quit");
    assert_eq!(ctx.local_file("readme.md"), b"read me\n");
    assert_eq!(ctx.root_file("up load.txt"), b"uploaded");
}

#[test]
fn an_empty_listing_says_so_at_the_prompt() {
    let ctx = Ctx::new();
    ctx.mkdir("empty");
    let connected = prompt(&ctx);
    let mut session = start(&ctx);
    type_line(&mut session, "connme", "220 mftp/1", &connected);
    type_line(&mut session, "ls empty", "(empty)", &connected);
    session.send_line("quit").expect("type quit");
    session.exp_eof().expect("the client leaves after quit");
}

#[test]
fn history_survives_in_xdg_data_home() {
    let ctx = Ctx::new();
    ctx.put("a.txt", b"hello");
    let xdg = ctx.home().join("xdg");
    let connected = prompt(&ctx);
    for round in 0..2 {
        let mut command = ctx.client_std();
        command.env("TERM", "xterm").env("XDG_DATA_HOME", &xdg);
        let mut session = spawn_command(command, Some(WAIT_MS)).expect("spawn the client in a pty");
        session.exp_string("mftp> ").expect("first prompt");
        if round == 0 {
            type_line(&mut session, "connme", "220 mftp/1", &connected);
            type_line(&mut session, "size a.txt", "(5 bytes)", &connected);
        } else {
            // Up three times: past `connme` (this session) and `quit`, to
            // `size a.txt`, typed in the first session.
            type_line(&mut session, "connme", "220 mftp/1", &connected);
            session.send("\x1b[A\x1b[A\x1b[A").expect("press Up");
            type_line(&mut session, "", "a.txt: 0.00 MB (5 bytes)", &connected);
        }
        session.send_line("quit").expect("type quit");
        session.exp_eof().expect("the client leaves after quit");
    }
    let history = std::fs::read_to_string(xdg.join("mftp/history")).expect("history");
    assert!(history.contains("size a.txt"), "{history}");
    assert!(!ctx.home().join(".local/share/mftp/history").exists());
}

#[test]
fn a_dropped_connection_is_reported_and_the_prompt_survives() {
    let mut ctx = Ctx::new();
    let connected = prompt(&ctx);
    let mut session = start(&ctx);
    type_line(&mut session, "connme", "220 mftp/1", &connected);
    ctx.stop_server();
    type_line(&mut session, "ls", "connection lost", "mftp> ");
    type_line(&mut session, "ls", "not connected", "mftp> ");
    type_line(&mut session, "connme", "could not connect", "mftp> ");
    session.send_line("quit").expect("type quit");
    session.exp_eof().expect("the client leaves after quit");
}

#[test]
fn ctrl_c_abandons_a_download_and_leaves_no_file() {
    let ctx = Ctx::new();
    // Sparse, so it costs no disk on the server side; far too big to
    // finish before the interrupt.
    let huge = std::fs::File::create(ctx.root().join("huge.bin")).expect("create");
    huge.set_len(64 * 1024 * 1024 * 1024).expect("sparse file");
    let connected = prompt(&ctx);
    let mut session = start(&ctx);
    type_line(&mut session, "connme", "220 mftp/1", &connected);
    session
        .send_line("download huge.bin")
        .expect("type download");
    // Wait (bounded) until data is arriving: the temporary file exists.
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(WAIT_MS);
    while ctx.local_names().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the download did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    session.send_control('c').expect("press Ctrl-C");
    abandoned_cleanly(&mut session, &ctx);
}

/// After Ctrl-C in a download: the interrupt is reported, the connection
/// (half read) is dropped but the prompt stays, no file is left, and the
/// client still quits normally.
fn abandoned_cleanly(session: &mut PtySession, ctx: &Ctx) {
    session
        .exp_string("interrupted: download abandoned")
        .expect("the interrupt is reported");
    session.exp_string("mftp> ").expect("the prompt survives");
    assert!(ctx.local_names().is_empty(), "{:?}", ctx.local_names());
    session.send_line("quit").expect("type quit");
    session.exp_eof().expect("the client leaves after quit");
}

#[test]
fn ctrl_c_before_the_reply_still_abandons_the_download_cleanly() {
    // A server that takes its time to answer `download`: the client has
    // created its temporary file and waits for the `150` when Ctrl-C
    // comes. The interrupt must not end the client (leaving the file):
    // it stops the download at its first bytes.
    use std::io::{BufRead as _, BufReader, Write as _};
    use std::sync::mpsc;
    use std::time::Duration;
    let ctx = Ctx::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (asked, asked_rx) = mpsc::channel();
    let (answer, answer_rx) = mpsc::channel::<()>();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        stream
            .set_read_timeout(Some(Duration::from_millis(WAIT_MS)))
            .expect("timeout");
        stream.write_all(b"220 mftp/1 slow\r\n").expect("greet");
        let mut lines = BufReader::new(stream.try_clone().expect("clone"));
        let mut line = String::new();
        lines.read_line(&mut line).expect("command");
        asked.send(line).expect("report the command");
        if answer_rx
            .recv_timeout(Duration::from_millis(WAIT_MS))
            .is_ok()
        {
            // Ctrl-C was pressed. A client that dies of it closes the
            // connection; give it a second to show that (the window only
            // bounds how long a failure takes to appear), then answer.
            stream
                .set_read_timeout(Some(Duration::from_secs(1)))
                .expect("timeout");
            let mut probe = [0_u8; 1];
            let died = matches!(std::io::Read::read(&mut stream, &mut probe), Ok(0));
            assert!(!died, "the client ended on Ctrl-C before the reply");
            // Announce far more than is sent: only an interrupt ends it.
            let _ = stream.write_all(b"150 1073741824\r\n");
            let _ = stream.write_all(&[7_u8; 64 * 1024]);
        }
        // Hold the connection until the client has gone (bounded).
        let _ = lines.read_line(&mut String::new());
    });
    let mut command = ctx.client_std_at(port);
    command.env("TERM", "xterm");
    let mut session = spawn_command(command, Some(WAIT_MS)).expect("spawn the client in a pty");
    session.exp_string("mftp> ").expect("first prompt");
    let connected = format!("mftp 127.0.0.1:{port}> ");
    type_line(&mut session, "connme", "220 mftp/1", &connected);
    session
        .send_line("download slow.bin")
        .expect("type download");
    let line = asked_rx
        .recv_timeout(Duration::from_millis(WAIT_MS))
        .expect("the command reaches the server");
    assert_eq!(line, "download slow.bin\n");
    session.send_control('c').expect("press Ctrl-C");
    answer.send(()).expect("let the server answer");
    abandoned_cleanly(&mut session, &ctx);
    server.join().expect("the scripted server");
}
