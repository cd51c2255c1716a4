//! `byebye` — spec.md section 11.
//!
//! > **BYEBYE-1** MUST — `byebye` is answered with `221` (and text), after
//! > which the server closes the connection.

use mftp_protocol::Code;

use super::Outcome;
use crate::connection::Connection;

pub fn apply(conn: &mut Connection) -> Outcome {
    conn.reply(Code::Goodbye, "bye");
    Outcome {
        close: true,
        ..Outcome::reply(Code::Goodbye)
    }
}
