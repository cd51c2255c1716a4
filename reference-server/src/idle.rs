//! Connections without a thread: greeted and kept in the event loop until
//! they have input.
//!
//! A client that is connected but silent costs no thread here: its task
//! waits in tokio's event loop (epoll) for the socket to become readable,
//! for its idle timer (LIMIT-1) or for the stop signal. When input arrives,
//! the connection is handed to a thread of the blocking pool
//! ([`crate::session::serve`]), which serves commands with blocking I/O as
//! long as they keep coming and hands the connection back once it has been
//! quiet for [`crate::connection::QUIET_AFTER`]. So ten thousand idle
//! clients cost ten thousand small tasks, while a busy client's round trip
//! is the same blocking `read`/`write` as with a thread per client.

use std::time::Instant;

use mftp_protocol::Code;
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::sync::OwnedSemaphorePermit;
use tracing::{info, warn};

use crate::cmd::Context;
use crate::connection::{Connection, Parked, Peer};
use crate::session;
use crate::shutdown::Watch;

/// What ended a wait in the event loop.
enum Waited {
    /// The socket is readable (bytes, end of stream or an error).
    Input,
    /// The event loop could not watch the socket: a thread must wait.
    Unwatched,
    /// LIMIT-1: no input for the idle timeout.
    Idle,
    /// The server is stopping.
    Shutdown,
}

/// One client, from greeting to close. The permit (LIMIT-3) is held until
/// it ends.
#[allow(clippy::needless_pass_by_value)] // the permit is held by value
pub async fn serve(watch: Watch, peer: Peer, ctx: Context, _permit: OwnedSemaphorePermit) {
    // The greeting first: everything else can wait until the client has it.
    let mut parked = Parked::greeted(watch, peer);
    info!(%peer, "connected");
    let started = Instant::now();
    loop {
        let waited = if parked.has_output() {
            Waited::Input
        } else {
            wait(&parked.watch, parked.since + ctx.limits.idle_timeout).await
        };
        let farewell = match waited {
            Waited::Input | Waited::Unwatched => {
                let pending = match waited {
                    Waited::Input => pending(&parked),
                    _ => Pending::Bytes,
                };
                match pending {
                    // Nothing after all (a spurious wake-up): wait again.
                    Pending::Nothing => continue,
                    // The client left with nothing unanswered: no thread.
                    Pending::End => break,
                    Pending::Bytes => {
                        let busy = ctx.clone();
                        let served =
                            tokio::task::spawn_blocking(move || session::serve(parked, &busy));
                        match served.await {
                            Ok(Some(quiet)) => {
                                parked = quiet;
                                continue;
                            }
                            Ok(None) | Err(_) => break,
                        }
                    }
                }
            }
            Waited::Idle => "idle timeout",
            Waited::Shutdown => "server shutting down",
        };
        // A lingering close waits for the client: not on the event loop.
        let idle_timeout = ctx.limits.idle_timeout;
        let _ = tokio::task::spawn_blocking(move || {
            if let Ok(conn) = Connection::resume(parked, idle_timeout) {
                conn.close(Some((Code::Closing, farewell)));
            }
        })
        .await;
        break;
    }
    info!(%peer, seconds = started.elapsed().as_secs(), "disconnected");
}

/// What a readable socket holds.
enum Pending {
    /// Bytes to serve, or replies still to send.
    Bytes,
    /// The end of the stream (or an error) and nothing to answer.
    End,
    /// Nothing yet.
    Nothing,
}

/// Looks, without taking anything, at what woke a parked connection. A
/// client that simply disconnected is the common case when many come and
/// go; it needs no thread.
fn pending(parked: &Parked) -> Pending {
    use rustix::net::{RecvFlags, recv};
    if parked.has_output() {
        return Pending::Bytes;
    }
    let mut byte = [0_u8; 1];
    match recv(
        parked.watch.socket(),
        &mut byte,
        RecvFlags::PEEK | RecvFlags::DONTWAIT,
    ) {
        Ok((0, _)) => Pending::End,
        Ok(_) => Pending::Bytes,
        Err(rustix::io::Errno::AGAIN | rustix::io::Errno::INTR) => Pending::Nothing,
        // A reset or another error: the connection is over.
        Err(_) => Pending::End,
    }
}

/// Waits in the event loop until `watch`'s socket is readable, the
/// `deadline` passes, or the server stops.
async fn wait(watch: &Watch, deadline: Instant) -> Waited {
    if !watch.begin_wait() {
        return Waited::Shutdown;
    }
    // `with_interest` is deprecated because a descriptor closed while it is
    // registered is unsound. `SharedSocket` holds the socket open until the
    // registration is dropped: the condition its replacement,
    // `unsafe fn register_with_interest`, states (the workspace forbids
    // unsafe code).
    #[allow(deprecated)]
    let registered = AsyncFd::with_interest(watch.shared(), Interest::READABLE);
    let waited = match registered {
        Ok(fd) => {
            tokio::select! {
                // Readable, or an error to be found by the thread's read.
                _ = fd.readable() => Waited::Input,
                () = tokio::time::sleep_until(deadline.into()) => Waited::Idle,
            }
            // Dropping `fd` takes the socket out of the event loop.
        }
        Err(error) => {
            // Cannot watch it here: let a thread wait for it instead.
            warn!(%error, "cannot add a connection to the event loop");
            Waited::Unwatched
        }
    };
    if !watch.end_wait() {
        return Waited::Shutdown;
    }
    waited
}
