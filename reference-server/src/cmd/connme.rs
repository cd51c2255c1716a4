//! `connme` — spec.md section 5.
//!
//! > **CONNME-1** MUST — `connme` on an open connection is answered with the
//! > greeting line `220 mftp/1 …` and the connection stays open.

use mftp_protocol::Code;

use super::Outcome;
use crate::connection::Connection;

/// The greeting, sent on accept (FRAME-1) and for `connme`.
#[must_use]
pub fn greeting() -> mftp_protocol::Reply {
    mftp_protocol::Reply::new(Code::Ready, format!("{} ready", mftp_protocol::PROTOCOL))
}

pub fn apply(conn: &mut Connection) -> Outcome {
    conn.queue(&greeting());
    Outcome::reply(Code::Ready)
}
