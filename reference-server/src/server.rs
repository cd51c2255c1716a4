//! The accept loop: connection limit, one task per client, and graceful
//! shutdown.
//!
//! The caller binds the listener (the binary binds `--listen:--port`, tests
//! bind `127.0.0.1:0`) and passes a future that completes when the server
//! should stop.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use mftp_protocol::{Code, Request};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tracing::{debug, info, warn};

use crate::cmd::{self, Context, Outcome};
use crate::connection::{Connection, DataError, Incoming};
use crate::shutdown::Shutdown;

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

/// Serves clients until `shutdown` completes, then stops accepting, tells
/// idle clients `421`, and waits up to the grace period for the rest.
pub async fn run(
    listener: TcpListener,
    ctx: Context,
    config: Config,
    shutdown: impl Future<Output = ()>,
) {
    let (stop, stopped) = watch::channel(false);
    let permits = Arc::new(Semaphore::new(config.max_connections));
    let mut tasks = JoinSet::new();
    let mut backoff = Duration::from_millis(1);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    backoff = Duration::from_millis(1);
                    match Arc::clone(&permits).try_acquire_owned() {
                        Ok(permit) => {
                            let ctx = ctx.clone();
                            let shutdown = Shutdown::new(stopped.clone());
                            tasks.spawn(serve(stream, ctx, shutdown, permit));
                        }
                        Err(_) => {
                            tasks.spawn(refuse(stream));
                        }
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
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    info!(connections = tasks.len(), "stopping");
    let _ = stop.send(true);
    let drained = tokio::time::timeout(config.shutdown_grace, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        warn!(
            connections = tasks.len(),
            "grace period over; aborting the rest"
        );
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
    }
}

/// LIMIT-3: a client beyond the limit gets `421` instead of the greeting.
async fn refuse(stream: TcpStream) {
    let peer = stream.peer_addr().ok();
    info!(?peer, "refused: too many connections");
    let conn = Connection::new(stream, REFUSAL_TIMEOUT);
    let reply = (Code::Closing, "too many connections, try again later");
    let _ = tokio::time::timeout(REFUSAL_TIMEOUT, conn.close(Some(reply))).await;
}

/// One client, from greeting to close. The permit is held until it ends.
async fn serve(
    stream: TcpStream,
    ctx: Context,
    mut shutdown: Shutdown,
    _permit: OwnedSemaphorePermit,
) {
    let mut conn = Connection::new(stream, ctx.limits.idle_timeout);
    let peer = conn.peer();
    debug!(?peer, "connected");
    conn.reply(Code::Ready, cmd::connme::GREETING);
    let farewell = loop {
        let line = match conn.read_command(&mut shutdown).await {
            Ok(Incoming::Line(line)) => line,
            Ok(Incoming::TooLong) => break Some((Code::SyntaxError, "line too long")),
            Ok(Incoming::Idle) => break Some((Code::Closing, "idle timeout")),
            Ok(Incoming::Shutdown) => {
                break Some((Code::Closing, "server shutting down"));
            }
            Ok(Incoming::Closed) | Err(_) => break None,
        };
        let (verb, outcome) = match Request::parse(&line) {
            Ok(request) => (request.verb(), cmd::execute(request, &mut conn, &ctx).await),
            Err(error) => {
                conn.reply(error.code(), error.to_string());
                ("-", Ok(Outcome::reply(error.code())))
            }
        };
        match outcome {
            Ok(outcome) => {
                info!(
                    ?peer,
                    verb,
                    code = outcome.code.number(),
                    bytes = outcome.bytes,
                    "command"
                );
                if outcome.close {
                    break None;
                }
            }
            Err(DataError::Idle) => {
                info!(?peer, verb, "idle timeout mid-transfer");
                break Some((Code::Closing, "idle timeout"));
            }
            Err(error) => {
                info!(?peer, verb, %error, "connection ended mid-command");
                break None;
            }
        }
    };
    conn.close(farewell).await;
    debug!(?peer, "disconnected");
}
