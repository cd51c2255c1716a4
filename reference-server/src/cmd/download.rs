//! `download NAME` — spec.md section 8.
//!
//! > **DOWNLOAD-1** MUST — `download NAME` for a regular file is answered
//! > with `150 <bytes>` followed by exactly `<bytes>` raw bytes.
//!
//! > **DOWNLOAD-4** MUST — A server that cannot deliver every announced byte
//! > closes the connection rather than send fewer or other bytes.
//!
//! The size announced is the open file's own length (`fstat`), and the
//! bytes go out with `sendfile(2)`; a file that shrinks meanwhile ends the
//! connection.

use mftp_protocol::{Code, Name};

use std::time::Instant;

use tracing::info;

use super::{Context, Outcome, elapsed_ms, fail};
use crate::connection::{Connection, DataError};

pub fn apply(conn: &mut Connection, ctx: &Context, name: &Name) -> Result<Outcome, DataError> {
    let (file, len) = match ctx.storage.open_file(name) {
        Ok(opened) => opened,
        Err(error) => return Ok(fail(conn, &error)),
    };
    let started = Instant::now();
    conn.reply(Code::DataFollows, len);
    conn.send_file(&file, len)?;
    info!(peer = %conn.peer(), name = name.as_str(), bytes = len, ms = elapsed_ms(started), "downloaded");
    Ok(Outcome {
        bytes: len,
        ..Outcome::reply(Code::DataFollows)
    })
}
