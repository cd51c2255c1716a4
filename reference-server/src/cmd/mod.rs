//! What each command means: one file per command, one dispatch here.
//!
//! Parsing lives in `mftp_protocol::Request` (shared with the client); each
//! `cmd/<verb>.rs` applies its command to the storage and queues the reply.

mod byebye;
mod connme;
mod download;
mod ls;
mod rm;
mod size;
mod upload;

use std::sync::Arc;
use std::time::Duration;

use mftp_protocol::{Code, Request};

use crate::connection::{Connection, DataError};
use crate::storage::{Storage, StorageError};

/// The limits an operator sets (spec.md section 13).
#[derive(Debug, Clone)]
pub struct Limits {
    /// LIMIT-1.
    pub idle_timeout: Duration,
    /// LIMIT-4; `None` for no limit.
    pub max_upload_bytes: Option<u64>,
    /// Refuse `upload` and `rm` with `556`.
    pub read_only: bool,
}

/// What every command may use.
#[derive(Clone)]
pub struct Context {
    /// The files.
    pub storage: Arc<dyn Storage>,
    /// The operator's limits.
    pub limits: Arc<Limits>,
}

/// How a command ended, for the log and the connection loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The final reply code sent.
    pub code: Code,
    /// Data bytes moved (download or upload).
    pub bytes: u64,
    /// Close the connection after this reply.
    pub close: bool,
}

impl Outcome {
    /// A command that answered `code` and moved no data.
    #[must_use]
    pub fn reply(code: Code) -> Self {
        Self {
            code,
            bytes: 0,
            close: false,
        }
    }
}

/// Milliseconds since `started`, for transfer logs.
fn elapsed_ms(started: std::time::Instant) -> u128 {
    started.elapsed().as_millis()
}

/// Runs one command. An `Err` means the connection cannot go on.
pub fn execute(
    request: Request,
    conn: &mut Connection,
    ctx: &Context,
) -> Result<Outcome, DataError> {
    match request {
        Request::Connme => Ok(connme::apply(conn)),
        Request::Ls(dir) => Ok(ls::apply(conn, ctx, dir.as_ref())),
        Request::Size(name) => Ok(size::apply(conn, ctx, &name)),
        Request::Download(name) => download::apply(conn, ctx, &name),
        Request::Upload { size, name } => upload::apply(conn, ctx, size, &name),
        Request::Rm(name) => Ok(rm::apply(conn, ctx, &name)),
        Request::Byebye => Ok(byebye::apply(conn)),
    }
}

/// Queues the reply for a storage error and reports it: a local failure
/// (`451`) is the operator's business, a missing or wrong name only the
/// client's.
fn fail(conn: &mut Connection, error: &StorageError) -> Outcome {
    let code = error.kind.code();
    if code == Code::IoError {
        tracing::warn!(peer = %conn.peer(), %error, "storage failed");
    } else {
        tracing::debug!(%error, "storage");
    }
    conn.reply(code, code.meaning());
    Outcome::reply(code)
}
