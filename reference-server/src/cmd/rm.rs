//! `rm NAME` — spec.md section 10.
//!
//! > **RM-1** MUST — `rm NAME` for a regular file removes it and is answered
//! > with `250`; afterwards the name is absent for every connection.
//!
//! > **RM-3** MUST — If NAME is a symbolic link that resolves to a file
//! > inside the root, `rm` removes the link itself and leaves its target
//! > untouched.

use mftp_protocol::{Code, Name};

use super::{Context, Outcome, fail};
use crate::connection::Connection;

pub fn apply(conn: &mut Connection, ctx: &Context, name: &Name) -> Outcome {
    if ctx.limits.read_only {
        conn.reply(Code::ReadOnly, Code::ReadOnly.meaning());
        return Outcome::reply(Code::ReadOnly);
    }
    match ctx.storage.remove_file(name) {
        Ok(()) => {
            conn.reply(Code::Removed, "removed");
            tracing::info!(peer = %conn.peer(), name = name.as_str(), "removed");
            Outcome::reply(Code::Removed)
        }
        Err(error) => fail(conn, &error),
    }
}
