//! Faults: the server killed mid-upload, clients that vanish, writes that
//! fail, clients that trickle, floods. Each test is bounded; each checks
//! that nothing half-written is visible and that the server still serves.

use crate::support::{Client, STEP, Server, random_bytes};
use std::io::Write as _;
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// SIGKILL during an upload, then a restart on the same root: the partial
/// upload is not visible and the start-up removes its temporary.
#[test]
fn server_killed_mid_upload_leaves_no_partial_file_after_restart() {
    let mut server = Server::start();
    let mut client = server.connect();
    client.send(b"upload 1000000 crash.bin\n");
    assert_eq!(client.line(), "150 1000000");
    client.send(&random_bytes(1, 300_000));
    server.eventually("the partial file to appear", || server.partials() == 1);
    server.crash_and_restart(&[]);
    assert_eq!(server.partials(), 0, "temporaries cleaned at start");
    assert!(
        server.tree().is_empty(),
        "nothing visible: {:?}",
        server.tree()
    );
    let mut again = server.connect();
    assert_eq!(again.code("size crash.bin"), 550);
    assert_eq!(again.upload("crash.bin", b"fresh"), "226 5");
}

/// A client killed mid-download (its socket reset) and one killed
/// mid-upload: nothing remains, others are served.
#[test]
fn clients_killed_mid_transfer_affect_nothing_else() {
    let big = random_bytes(2, 8 << 20);
    let server = Server::start_with(&[], |root| {
        std::fs::write(root.join("big.bin"), &big).expect("seed");
    });
    let mut down = server.connect();
    down.send(b"download big.bin\n");
    assert_eq!(down.line(), format!("150 {}", big.len()));
    let _ = down.read_exact(1 << 20);
    reset(down);
    let mut up = server.connect();
    up.send(b"upload 4000000 half.bin\n");
    assert_eq!(up.line(), "150 4000000");
    up.send(&random_bytes(3, 1 << 20));
    reset(up);
    server.eventually("the aborted upload to be removed", || {
        server.partials() == 0
    });
    assert_eq!(server.tree(), ["big.bin"]);
    let mut other = server.connect();
    assert_eq!(other.download("big.bin"), big);
}

/// Aborts a connection the way a killed process with unread data does: a
/// reset.
fn reset(client: Client) {
    let stream: TcpStream = client.stream.into_inner();
    rustix::net::sockopt::set_socket_linger(&stream, Some(Duration::ZERO)).expect("SO_LINGER");
    drop(stream);
}

/// A write that fails mid-upload (the file-size limit, RLIMIT_FSIZE): `451`
/// after the data, nothing half-written, and the server goes on serving.
#[test]
fn a_write_failure_mid_upload_is_451_and_leaves_nothing() {
    if !std::path::Path::new("/usr/bin/prlimit").exists() {
        eprintln!("SKIP: prlimit (util-linux) is not installed");
        return;
    }
    let server = Server::start_under(&["/usr/bin/prlimit", "--fsize=1048576", "--"], &[], |_| {});
    let mut client = server.connect();
    let data = random_bytes(4, 3 << 20);
    let reply = client.upload("too-big.bin", &data);
    assert!(reply.starts_with("451 "), "reply: {reply:?}");
    server.eventually("the partial upload to be removed", || {
        server.partials() == 0
    });
    assert!(server.tree().is_empty(), "left: {:?}", server.tree());
    // Still serving, and small uploads still work.
    assert_eq!(client.upload("small.bin", b"small"), "226 5");
    assert_eq!(client.download("small.bin"), b"small");
}

/// A nearly full file system (a 1 MiB tmpfs, where this test may mount
/// one): `452`, nothing half-written, still serving.
#[test]
fn a_full_disk_mid_upload_is_452_and_leaves_nothing() {
    let mount = tempfile::tempdir().expect("mount point");
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "mftp-test"])
        .arg(mount.path())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("SKIP: cannot mount a small tmpfs here (needs root and mount rights)");
        return;
    }
    let _unmount = Unmount(mount.path().to_path_buf());
    let root = mount.path().join("root");
    std::fs::create_dir(&root).expect("root");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_reference-server"));
    command
        .arg("--root")
        .arg(&root)
        .args(["--port", "0", "--log-level", "warn"])
        .stdin(std::process::Stdio::null());
    let server = conformance::reference::ReferenceServer::start_with(
        command,
        &conformance::reference::StartOptions::default(),
    )
    .expect("server");
    let mut client = Client::connect_raw(server.addr());
    assert!(client.line().starts_with("220 "));
    let reply = client.upload("full.bin", &random_bytes(5, 2 << 20));
    assert!(reply.starts_with("452 "), "reply: {reply:?}");
    let left: Vec<_> = std::fs::read_dir(&root)
        .expect("root")
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| !n.to_string_lossy().starts_with(".mftp"))
        .collect();
    assert!(left.is_empty(), "left: {left:?}");
    assert_eq!(client.upload("ok.bin", b"ok"), "226 2");
    drop(client);
    drop(server);
}

struct Unmount(std::path::PathBuf);

impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// Slow-loris clients: one that sends a byte less often than the idle
/// timeout is closed with `421`; fifty that trickle a never-ending line
/// faster than the timeout hold their connections (LIMIT-1 counts from the
/// last byte) but do not delay a normal client.
#[test]
fn slow_loris_clients_are_timed_out_or_harmless() {
    let server = Server::start_with(&["--idle-timeout", "1"], |root| {
        std::fs::write(root.join("a.txt"), b"hello").expect("seed");
    });
    let mut slow = server.connect();
    slow.send(b"s");
    let sent = Instant::now();
    assert!(
        slow.line().starts_with("421 "),
        "the slow client is timed out"
    );
    assert!(
        sent.elapsed() < Duration::from_secs(4),
        "421 within the bound"
    );
    let mut trickling: Vec<Client> = (0..50).map(|_| server.connect()).collect();
    for round in 0..4 {
        for t in &mut trickling {
            t.send(b"x");
        }
        let started = Instant::now();
        let mut normal = server.connect();
        assert_eq!(normal.cmd("size a.txt"), "213 5 0.00 MB", "round {round}");
        assert!(started.elapsed() < STEP / 4, "served promptly");
        std::thread::sleep(Duration::from_millis(300));
    }
    // The trickling lines were never ended; the connections are still open.
    for t in &mut trickling {
        t.stream.get_mut().write_all(b"\n").expect("still open");
        assert!(t.line().starts_with("500 "), "xxxx is not a verb");
    }
}

/// A flood of connections beyond `--max-connections`: every one gets
/// `421`, and the server's memory does not grow with the flood.
#[test]
fn a_connect_flood_is_refused_without_memory_growth() {
    let server = Server::start_with(&["--max-connections", "4"], |_| {});
    let held: Vec<Client> = (0..4).map(|_| server.connect()).collect();
    let flood = |n: usize| {
        for _ in 0..n {
            let mut c = Client::connect_raw(server.addr);
            assert!(c.line().starts_with("421 "));
        }
    };
    flood(200);
    let before = rss_kib(server.pid());
    flood(2000);
    let after = rss_kib(server.pid());
    assert!(
        after <= before + 1024,
        "resident memory grew from {before} KiB to {after} KiB over 2,000 refused clients"
    );
    drop(held);
}

/// VmRSS of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}
