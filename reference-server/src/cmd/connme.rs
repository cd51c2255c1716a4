//! `connme` — spec.md section 5.
//!
//! > **CONNME-1** MUST — `connme` on an open connection is answered with the
//! > greeting line `220 mftp/1 …` and the connection stays open.
//!
//! The greeting's text, [`mftp_protocol::GREETING`], is the one sent on
//! accept too (FRAME-1).

use mftp_protocol::{Code, GREETING};

use super::Outcome;
use crate::connection::Connection;

pub fn apply(conn: &mut Connection) -> Outcome {
    conn.reply(Code::Ready, GREETING);
    Outcome::reply(Code::Ready)
}
