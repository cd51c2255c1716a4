//! Ports for the servers under test: fresh on 127.0.0.1, never handed out
//! twice in a run, and never shared with another suite process running at
//! the same time (blocks of ports locked below the ephemeral range).

use super::lock;
use std::collections::HashSet;
use std::fs::File;
use std::io;
use std::net::TcpListener;
use std::path::Path;
use std::sync::Mutex;

/// Ports handed out in this run, so parallel cases never share one, and the
/// locks that keep other suite processes off them (see `free_port`).
static PORTS: Mutex<Option<Ports>> = Mutex::new(None);

/// A port on 127.0.0.1 that was free a moment ago, not handed out before in
/// this run, and not handed out by another suite process running now.
///
/// Between this moment and the moment the server binds it (a second or
/// more for a slow start), another process could take the port, and the
/// start-up probe would then reach that process's listener and grade it
/// instead. So ports come from below the system's ephemeral range, where
/// other programs' `bind(0)` and outgoing connections never land, in blocks
/// of `BLOCK` that a run locks (`flock` on a file under `/tmp`) until it
/// exits, so that suites running at the same time never share one. Where
/// that range is too small the port comes from `bind(0)`; where no lock file
/// can be made a block is used unlocked.
///
/// # Errors
/// Binding a socket failed.
pub fn free_port() -> io::Result<u16> {
    let mut ports = lock(&PORTS);
    let ports = ports.get_or_insert_with(Ports::default);
    for _ in 0..1024 {
        let Some(port) = ports.next() else {
            break;
        };
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    // No range below the ephemeral one, or no block left: bind(0).
    for _ in 0..64 {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        if ports.given.insert(port) {
            return Ok(port);
        }
    }
    Err(io::Error::other("no fresh port after 64 tries"))
}

/// Ports per locked block.
const BLOCK: u16 = 32;

/// The ports of this run: locked blocks, the next unused port of the
/// current one, and every port handed out.
#[derive(Default)]
struct Ports {
    /// Held for the lock; `None` where the lock file could not be made.
    blocks: Vec<Option<File>>,
    current: Option<std::ops::Range<u16>>,
    given: HashSet<u16>,
}

impl Ports {
    /// The next port of the current block, locking a new block as needed.
    fn next(&mut self) -> Option<u16> {
        loop {
            if let Some(port) = self.current.as_mut().and_then(Iterator::next) {
                if self.given.insert(port) {
                    return Some(port);
                }
                continue;
            }
            self.current = Some(self.lock_block()?);
        }
    }

    /// A block no other suite process holds, picked at random.
    fn lock_block(&mut self) -> Option<std::ops::Range<u16>> {
        let range = port_range()?;
        let count = (range.end - range.start) / BLOCK;
        for _ in 0..64 {
            let start = range.start + rand::random_range(0..count) * BLOCK;
            match block_lock(start) {
                Some(Err(())) => continue,
                Some(Ok(file)) => self.blocks.push(Some(file)),
                None => self.blocks.push(None),
            }
            return Some(start..start + BLOCK);
        }
        None
    }
}

/// Ports below the ephemeral range (Linux says where it starts; elsewhere
/// IANA's 49152 is assumed), from 20000 up, if that leaves at least 4096.
fn port_range() -> Option<std::ops::Range<u16>> {
    let ephemeral = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(49152);
    (ephemeral >= 20000 + 4096).then_some(20000..ephemeral)
}

/// `Some(Ok(lock))`: the block starting at `start` is ours; `Some(Err(()))`:
/// another process holds it; `None`: no lock file could be made.
fn block_lock(start: u16) -> Option<Result<File, ()>> {
    // A fixed place, not $TMPDIR: suites started with different TMPDIRs
    // must still see each other's locks.
    let uid = rustix::process::getuid().as_raw();
    let dir = Path::new("/tmp").join(format!("mftp-conformance-ports-{uid}"));
    std::fs::create_dir_all(&dir).ok()?;
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(format!("{start}-{}", start + BLOCK - 1)))
        .ok()?;
    match file.try_lock() {
        Ok(()) => Some(Ok(file)),
        Err(std::fs::TryLockError::WouldBlock) => Some(Err(())),
        Err(std::fs::TryLockError::Error(_)) => None,
    }
}
