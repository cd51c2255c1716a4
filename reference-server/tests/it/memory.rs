//! Bounded memory: a 1 GiB download must not grow the server, and a
//! connected client that says nothing costs no thread.

use std::io::{Read, Seek, SeekFrom, Write};

use crate::support::Server;

const GIB: u64 = 1 << 30;

/// A number field of /proc/PID/status (`VmHWM`, `Threads`…), without its
/// unit.
fn proc_status(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"))
}

/// Peak resident memory of a process (VmHWM, in KiB).
fn peak_rss_kib(pid: u32) -> u64 {
    proc_status(pid, "VmHWM")
}

#[test]
fn three_hundred_silent_clients_hold_no_thread_and_stay_under_64_mib() {
    // 300 sockets in this process, beside the other tests' running at the
    // same time: well inside the usual 1,024 open files.
    const CLIENTS: usize = 300;
    let server = Server::start_with(&["--max-connections", "400"], |root| {
        std::fs::write(root.join("f.txt"), b"hello").expect("seed");
    });
    let mut clients: Vec<_> = (0..CLIENTS).map(|_| server.connect()).collect();
    // Greeted and silent: they wait in the event loop, not on threads
    // (the runtime's own thread, and perhaps a few pooled ones).
    let pid = server.pid();
    let threads = proc_status(pid, "Threads");
    assert!(
        threads < 16,
        "{threads} threads for {CLIENTS} silent clients"
    );
    // Every one of them is still served.
    for client in &mut clients {
        assert_eq!(client.cmd("size f.txt"), "213 5 0.00 MB");
    }
    let peak = peak_rss_kib(pid);
    assert!(peak < 64 * 1024, "server peak RSS {peak} KiB");
}

#[test]
fn one_gib_download_stays_under_64_mib() {
    // A sparse file with marks at known offsets: no 1 GiB of disk needed,
    // yet the bytes received are checked where they differ from zero.
    let marks: [u64; 3] = [0, GIB / 2 + 12_345, GIB - 8];
    let server = Server::start_with(&[], |root| {
        let mut file = std::fs::File::create(root.join("big.bin")).expect("create");
        file.set_len(GIB).expect("sparse");
        for &at in &marks {
            file.seek(SeekFrom::Start(at)).expect("seek");
            file.write_all(&at.to_le_bytes()).expect("mark");
        }
    });
    let mut client = server.connect();
    assert_eq!(client.cmd("download big.bin"), format!("150 {GIB}"));
    let mut buf = vec![0_u8; 1 << 20];
    let mut received = 0_u64;
    let mut found = 0;
    while received < GIB {
        let want = usize::try_from((GIB - received).min(buf.len() as u64)).expect("fits");
        let n = client.stream.read(&mut buf[..want]).expect("read data");
        assert!(n > 0, "connection closed after {received} bytes");
        for &at in &marks {
            if (received..received + n as u64).contains(&at) && at + 8 <= received + n as u64 {
                let off = usize::try_from(at - received).expect("fits");
                assert_eq!(buf[off..off + 8], at.to_le_bytes(), "mark at {at}");
                found += 1;
            }
        }
        received += n as u64;
    }
    assert_eq!(client.cmd("size big.bin"), format!("213 {GIB} 1024.00 MB"));
    let peak = peak_rss_kib(server.pid());
    assert!(peak < 64 * 1024, "server peak RSS {peak} KiB");
    assert!(found >= 2, "marks found: {found}");
}
