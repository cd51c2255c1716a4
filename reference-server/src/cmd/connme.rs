//! `connme` — spec.md section 5.
//!
//! > **CONNME-1** MUST — `connme` on an open connection is answered with the
//! > greeting line `220 mftp/1 …` and the connection stays open.

use mftp_protocol::Code;

use super::Outcome;
use crate::connection::Connection;

/// The greeting's text, sent with `220` on accept (FRAME-1) and for
/// `connme`.
pub const GREETING: &str = "mftp/1 ready";

pub fn apply(conn: &mut Connection) -> Outcome {
    conn.reply(Code::Ready, GREETING);
    Outcome::reply(Code::Ready)
}
