//! The accept loop: connection limit, a task per client, and graceful
//! shutdown.
//!
//! The accept loop is a tokio task; each accepted client gets a task that
//! greets it and waits in the event loop while it is silent, and a thread
//! of tokio's blocking pool while it sends commands (`idle.rs`). The
//! caller binds the listener (the binary binds `--listen:--port`, tests
//! bind `127.0.0.1:0`), builds the runtime with room for
//! `max_connections` blocking threads ([`blocking_threads`]: every client
//! may be busy at once), and passes a future that completes when the
//! server should stop.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use mftp_protocol::Code;
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tracing::{info, warn};

use crate::cmd::Context;
use crate::connection::{Connection, Peer};
use crate::idle;
use crate::shutdown::{Stop, Watch};

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// LIMIT-3: connections served at once; further clients get `421`.
    pub max_connections: usize,
    /// How long in-flight commands may run after the stop signal.
    pub shutdown_grace: Duration,
}

/// How long a refused client (LIMIT-3) is given to take its `421`.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(2);
/// The text of the `421` for a client beyond the limit.
const REFUSAL: &str = "too many connections, try again later";
/// How long cut connections are given to end after the grace period.
const CUT_WAIT: Duration = Duration::from_secs(2);
/// Refusals with a lingering close at once; beyond this, clients are
/// refused without it ([`refuse_at_once`]).
const REFUSALS: usize = 32;

/// The blocking threads the runtime must allow for `max_connections`
/// clients: one each, plus the refusals.
#[must_use]
pub fn blocking_threads(max_connections: usize) -> usize {
    max_connections.saturating_add(REFUSALS)
}

/// Serves clients until `shutdown` completes, then stops accepting, tells
/// idle clients `421`, and waits up to the grace period for the rest.
/// Connections still busy after that are cut; a thread still writing to
/// the disk after that is left to the caller (the binary shuts the runtime
/// down with a timeout).
pub async fn run(
    listener: std::net::TcpListener,
    ctx: Context,
    config: Config,
    shutdown: impl Future<Output = ()>,
) {
    let listener = match Listener::new(listener) {
        Ok(listener) => listener,
        Err(error) => {
            warn!(%error, "cannot watch the listening socket");
            return;
        }
    };
    let stop = Stop::new();
    // Every client holds a permit (LIMIT-3) and every refusal a slot until
    // its task ends: the server has drained when all are back.
    let permits = Arc::new(Semaphore::new(config.max_connections));
    let refusals = Arc::new(Semaphore::new(REFUSALS));
    let live = || {
        config.max_connections - permits.available_permits() + REFUSALS
            - refusals.available_permits()
    };
    let drained = || async {
        let all = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let _clients = permits.acquire_many(all(config.max_connections)).await;
        let _refusals = refusals.acquire_many(all(REFUSALS)).await;
    };
    let mut backoff = Duration::from_millis(1);
    let mut tidy = tokio::time::interval(crate::storage::open_files::MAX_AGE);
    tidy.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            // New clients first; no random order to draw.
            biased;
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    backoff = Duration::from_millis(1);
                    match Arc::clone(&permits).try_acquire_owned() {
                        Ok(permit) => {
                            let ctx = ctx.clone();
                            let watch = stop.watch(stream);
                            tokio::spawn(idle::serve(watch, Peer::from(peer), ctx, permit));
                        }
                        // A flood of refused clients must not take every
                        // thread: beyond REFUSALS at once, refuse without
                        // waiting for the client.
                        Err(_) => match Arc::clone(&refusals).try_acquire_owned() {
                            Ok(slot) => {
                                let watch = stop.watch(stream);
                                tokio::task::spawn_blocking(move || refuse(watch, slot));
                            }
                            Err(_) => refuse_at_once(&stream),
                        },
                    }
                }
                Err(error) => {
                    // Out of file descriptors and the like: back off rather
                    // than spin, and keep serving the clients we have.
                    warn!(%error, "accept failed");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_millis(500));
                }
            },
            _ = tidy.tick() => ctx.storage.tidy(),
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    info!(connections = live(), "stopping");
    stop.stop();
    if tokio::time::timeout(config.shutdown_grace, drained())
        .await
        .is_err()
    {
        warn!(connections = live(), "grace period over; cutting the rest");
        stop.cut_all();
        // Cut sockets end every read and write at once; what remains is a
        // disk write or fsync under way, left to the caller's timeout.
        let _ = tokio::time::timeout(CUT_WAIT, drained()).await;
    }
}

/// The listening socket, watched by the event loop. Accepted sockets come
/// out as plain blocking `std` sockets: they are not registered with the
/// event loop (tokio's own listener would register each one, and the
/// server would take it out again at once); a connection registers only
/// while it waits (`idle.rs`).
struct Listener(AsyncFd<std::net::TcpListener>);

impl Listener {
    fn new(listener: std::net::TcpListener) -> std::io::Result<Self> {
        listener.set_nonblocking(true)?;
        // Deprecated for descriptors the registration does not own; this
        // one owns the listener, so it stays open while registered.
        #[allow(deprecated)]
        let fd = AsyncFd::with_interest(listener, Interest::READABLE)?;
        Ok(Self(fd))
    }

    /// The next client. On Linux an accepted socket does not inherit the
    /// listener's non-blocking mode.
    async fn accept(&self) -> std::io::Result<(std::net::TcpStream, std::net::SocketAddr)> {
        loop {
            let mut ready = self.0.readable().await?;
            if let Ok(accepted) = ready.try_io(|listener| listener.get_ref().accept()) {
                return accepted;
            }
        }
    }
}

/// LIMIT-3: a client beyond the limit gets `421` instead of the greeting.
/// The slot bounds how many refusals run at once.
fn refuse(watch: Watch, _slot: OwnedSemaphorePermit) {
    let peer = Peer::of(watch.socket());
    info!(%peer, "refused: too many connections");
    if let Ok(conn) = Connection::new(watch, REFUSAL_TIMEOUT) {
        conn.close(Some((Code::Closing, REFUSAL)));
    }
}

/// [`refuse`] without the lingering close: one non-blocking write (a fresh
/// socket's send buffer takes the line whole), then FIN.
fn refuse_at_once(stream: &std::net::TcpStream) {
    use std::io::Write as _;
    let mut line = Vec::new();
    mftp_protocol::encode_reply(&mut line, Code::Closing, REFUSAL);
    let _ = stream.set_nonblocking(true);
    let _ = (&*stream).write(&line);
    let _ = stream.shutdown(std::net::Shutdown::Write);
}
