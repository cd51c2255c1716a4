//! Tells every connection that the server is stopping.
//!
//! Connections run on threads of their own and block in `read` while they
//! wait for a command. To stop, the server sets a flag and shuts down the
//! reading side of every connection that is waiting at that moment: its
//! blocked read returns at once and the connection tells its client `421`.
//! A connection busy with a command is left alone; it sees the flag before
//! it waits again, so commands in flight finish. After the grace period the
//! server cuts whatever is still open ([`Stop::cut_all`]).
//!
//! Every connection registers its socket here ([`Stop::watch`]) and marks
//! the moments it waits for a command ([`Watch::begin_wait`],
//! [`Watch::end_wait`]); a small lock per connection makes "waiting" and
//! "stopping" exclude each other, so no stop signal is missed.

use std::collections::HashMap;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The server's stop signal and the sockets it must reach.
#[derive(Debug, Default)]
pub struct Stop {
    stopping: AtomicBool,
    live: Mutex<HashMap<u64, Arc<Watched>>>,
    next_id: AtomicU64,
}

/// One registered socket.
#[derive(Debug)]
struct Watched {
    socket: TcpStream,
    /// True while the connection waits for a command.
    waiting: Mutex<bool>,
}

/// A connection's registration: gives access to its socket, and leaves
/// the registry when dropped.
#[derive(Debug)]
pub struct Watch {
    stop: Arc<Stop>,
    id: u64,
    watched: Arc<Watched>,
}

/// Locks, ignoring poisoning: the data under these locks (a flag, a map of
/// sockets) stays consistent whatever thread panicked.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Stop {
    /// A stop signal that has not fired, with no connections.
    #[must_use]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Registers a connection's socket.
    #[must_use]
    pub fn watch(self: &Arc<Self>, socket: TcpStream) -> Watch {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let watched = Arc::new(Watched {
            socket,
            waiting: Mutex::new(false),
        });
        lock(&self.live).insert(id, Arc::clone(&watched));
        Watch {
            stop: Arc::clone(self),
            id,
            watched,
        }
    }

    /// Fires the signal: wakes every connection waiting for a command.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        for watched in lock(&self.live).values() {
            if *lock(&watched.waiting) {
                let _ = watched.socket.shutdown(Shutdown::Read);
            }
        }
    }

    /// Cuts every registered connection, busy or not.
    pub fn cut_all(&self) {
        for watched in lock(&self.live).values() {
            let _ = watched.socket.shutdown(Shutdown::Both);
        }
    }

    /// True once [`Stop::stop`] was called.
    #[must_use]
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }
}

impl Watch {
    /// The connection's socket.
    #[must_use]
    pub fn socket(&self) -> &TcpStream {
        &self.watched.socket
    }

    /// A handle on the socket that keeps it open for as long as the handle
    /// lives, for an event loop that watches its descriptor.
    #[must_use]
    pub fn shared(&self) -> SharedSocket {
        SharedSocket(Arc::clone(&self.watched))
    }

    /// Call right before blocking for a command. False if the server is
    /// stopping: then do not wait.
    #[must_use]
    pub fn begin_wait(&self) -> bool {
        let mut waiting = lock(&self.watched.waiting);
        if self.stop.is_stopping() {
            return false;
        }
        *waiting = true;
        true
    }

    /// Call when the read returns. False if the server began stopping
    /// meanwhile: the reading side may have been shut, so treat what was
    /// read as arriving too late.
    #[must_use]
    pub fn end_wait(&self) -> bool {
        let mut waiting = lock(&self.watched.waiting);
        *waiting = false;
        !self.stop.is_stopping()
    }
}

/// See [`Watch::shared`]: its descriptor stays open and the same while it
/// lives, which is what an event-loop registration needs of it.
#[derive(Debug)]
pub struct SharedSocket(Arc<Watched>);

impl std::os::fd::AsRawFd for SharedSocket {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.0.socket.as_raw_fd()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        lock(&self.stop.live).remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;
    use std::net::TcpListener;

    use super::*;

    fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let client = TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
        let (server, _) = listener.accept().expect("accept");
        (client, server)
    }

    #[test]
    fn stop_wakes_a_connection_blocked_waiting() {
        let stop = Stop::new();
        let (_client, server) = pair();
        let watch = stop.watch(server);
        assert!(watch.begin_wait());
        let reader = std::thread::spawn(move || {
            let read = watch.socket().read(&mut [0_u8; 8]).expect("read");
            (read, watch.end_wait())
        });
        // Whether the reader is already blocked or not, the shut-down
        // reading side ends its read with 0 bytes.
        stop.stop();
        let (read, go_on) = reader.join().expect("reader");
        assert_eq!((read, go_on), (0, false));
    }

    #[test]
    fn a_busy_connection_sees_the_stop_before_waiting_again() {
        let stop = Stop::new();
        let (_client, server) = pair();
        let watch = stop.watch(server);
        stop.stop();
        assert!(!watch.begin_wait());
    }

    #[test]
    fn dropping_a_watch_leaves_the_registry() {
        let stop = Stop::new();
        let (_client, server) = pair();
        let watch = stop.watch(server);
        assert_eq!(lock(&stop.live).len(), 1);
        drop(watch);
        assert!(lock(&stop.live).is_empty());
    }
}
