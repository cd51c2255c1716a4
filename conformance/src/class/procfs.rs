//! What `/proc` says about processes: children (to stop a suite inside the
//! sandbox, and every server it started), process groups, listening TCP
//! ports (where a server listens when it is not where it was told), the
//! tasks of a user (the base of the processes limit). Linux only; every
//! function returns nothing rather than fail when `/proc` says nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// `(pid, ppid, pgid, comm)` of every process.
fn processes() -> Vec<(i32, i32, i32, String)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // comm is in parentheses and may hold spaces and parentheses.
            let open = stat.find('(')?;
            let close = stat.rfind(')')?;
            let comm = stat.get(open + 1..close)?.to_string();
            let rest: Vec<&str> = stat.get(close + 2..)?.split(' ').collect();
            let ppid = rest.get(1)?.parse().ok()?;
            let pgid = rest.get(2)?.parse().ok()?;
            Some((pid, ppid, pgid, comm))
        })
        .collect()
}

/// Every descendant of `pid` (not `pid` itself), with its comm.
#[must_use]
pub fn descendants(pid: i32) -> Vec<(i32, String)> {
    let all = processes();
    let mut children: BTreeMap<i32, Vec<(i32, &str)>> = BTreeMap::new();
    for (p, pp, _, comm) in &all {
        children.entry(*pp).or_default().push((*p, comm));
    }
    let mut out = Vec::new();
    let mut todo = vec![pid];
    let mut seen = BTreeSet::new();
    while let Some(p) = todo.pop() {
        for (c, comm) in children.get(&p).map(Vec::as_slice).unwrap_or_default() {
            if seen.insert(*c) {
                out.push((*c, (*comm).to_string()));
                todo.push(*c);
            }
        }
    }
    out
}

/// The process groups of `pids` (from `/proc`, now).
#[must_use]
pub fn groups_of(pids: &[i32]) -> BTreeSet<i32> {
    processes()
        .into_iter()
        .filter(|(p, _, _, _)| pids.contains(p))
        .map(|(_, _, g, _)| g)
        .collect()
}

/// Members of process group `pgid`.
#[must_use]
pub fn group_members(pgid: i32) -> Vec<i32> {
    processes()
        .into_iter()
        .filter(|(_, _, g, _)| *g == pgid)
        .map(|(p, _, _, _)| p)
        .collect()
}

/// Sends `signal` to a process, ignoring errors (it may be gone).
pub fn signal(pid: i32, signal: rustix::process::Signal) {
    if let Some(p) = rustix::process::Pid::from_raw(pid) {
        let _ = rustix::process::kill_process(p, signal);
    }
}

/// Sends `signal` to a process group, ignoring errors.
pub fn signal_group(pgid: i32, signal: rustix::process::Signal) {
    if let Some(p) = rustix::process::Pid::from_raw(pgid) {
        let _ = rustix::process::kill_process_group(p, signal);
    }
}

/// Socket inodes in LISTEN state → (address, port), from `/proc/net/tcp`
/// and `tcp6` as this process's network namespace sees them.
fn listening_sockets() -> BTreeMap<u64, (String, u16)> {
    let mut out = BTreeMap::new();
    for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            // sl local_address rem_address st ... uid timeout inode
            let (Some(local), Some(state), Some(inode)) = (f.get(1), f.get(3), f.get(9)) else {
                continue;
            };
            if *state != "0A" {
                continue;
            }
            let Some((addr, port)) = local.split_once(':') else {
                continue;
            };
            let (Ok(port), Ok(inode)) = (u16::from_str_radix(port, 16), inode.parse::<u64>())
            else {
                continue;
            };
            out.insert(inode, (decode_addr(addr), port));
        }
    }
    out
}

/// `0100007F` → `127.0.0.1`; IPv6 shown as `[…]` (only `::` and `::1`
/// spelled out).
fn decode_addr(hex: &str) -> String {
    if hex.len() == 8 {
        let Ok(n) = u32::from_str_radix(hex, 16) else {
            return hex.into();
        };
        let b = n.to_le_bytes();
        return format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3]);
    }
    match hex {
        "00000000000000000000000000000000" => "[::]".into(),
        "00000000000000000000000001000000" => "[::1]".into(),
        _ => format!("[{hex}]"),
    }
}

/// The TCP ports the processes of group `pgid` listen on.
#[must_use]
pub fn listening_ports_of_group(pgid: i32) -> Vec<(String, u16)> {
    let sockets = listening_sockets();
    let mut out = BTreeSet::new();
    for pid in group_members(pgid) {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for fd in fds.filter_map(Result::ok) {
            let Ok(link) = std::fs::read_link(fd.path()) else {
                continue;
            };
            let link = link.to_string_lossy();
            let Some(inode) = link
                .strip_prefix("socket:[")
                .and_then(|s| s.strip_suffix(']'))
                .and_then(|s| s.parse::<u64>().ok())
            else {
                continue;
            };
            if let Some(l) = sockets.get(&inode) {
                out.insert(l.clone());
            }
        }
    }
    out.into_iter().collect()
}

/// Tasks (processes and threads) of real user `uid`, now: what
/// RLIMIT_NPROC counts.
#[must_use]
pub fn tasks_of_user(uid: u32) -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut n = 0;
    for e in dir.filter_map(Result::ok) {
        if e.file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
            .is_none()
        {
            continue;
        }
        let Ok(status) =
            std::fs::read_to_string(Path::new("/proc").join(e.file_name()).join("status"))
        else {
            continue;
        };
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse::<u64>().ok())
        };
        if field("Uid:") == Some(u64::from(uid)) {
            n += field("Threads:").unwrap_or(1);
        }
    }
    n
}
