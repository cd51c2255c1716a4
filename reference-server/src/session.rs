//! One client's commands, on a thread: read a command line, run it, queue
//! its reply, until the client goes quiet (the connection is parked, see
//! `idle.rs`) or the connection ends.

use mftp_protocol::{Code, Request};
use tracing::{debug, info};

use crate::cmd::{self, Context, Outcome};
use crate::connection::{Connection, DataError, Incoming, Parked};

/// Serves commands on a parked connection that has input (or output)
/// waiting. Returns the connection parked again once nothing has arrived
/// for [`crate::connection::QUIET_AFTER`], or `None` once it has ended
/// (and been closed).
pub fn serve(parked: Parked, ctx: &Context) -> Option<Parked> {
    let mut conn = match Connection::resume(parked, ctx.limits.idle_timeout) {
        Ok(conn) => conn,
        Err(error) => {
            tracing::warn!(%error, "cannot set up a client socket");
            return None;
        }
    };
    let farewell = loop {
        let parsed = match conn.read_command() {
            Ok(Incoming::Line(line)) => Request::parse(line),
            Ok(Incoming::Quiet(since)) => return Some(conn.park(since)),
            Ok(Incoming::TooLong) => break Some((Code::SyntaxError, "line too long")),
            Ok(Incoming::Idle) => break Some((Code::Closing, "idle timeout")),
            Ok(Incoming::Shutdown) => {
                break Some((Code::Closing, "server shutting down"));
            }
            Ok(Incoming::Closed) | Err(_) => break None,
        };
        let (verb, outcome) = match parsed {
            Ok(request) => (request.verb(), cmd::execute(request, &mut conn, ctx)),
            Err(error) => {
                conn.reply(error.code(), error.to_string());
                ("-", Ok(Outcome::reply(error.code())))
            }
        };
        match outcome {
            Ok(outcome) => {
                debug!(
                    peer = %conn.peer(),
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
                info!(peer = %conn.peer(), verb, "idle timeout mid-transfer");
                break Some((Code::Closing, "idle timeout"));
            }
            Err(error) => {
                info!(peer = %conn.peer(), verb, %error, "connection ended mid-command");
                break None;
            }
        }
    };
    conn.close(farewell);
    None
}
