//! `ls [DIR]` — spec.md section 6.
//!
//! > **LS-1** MUST — `ls` with no argument lists the root; `ls DIR` lists the
//! > directory DIR. The reply is `200 <n>` followed by exactly n entry lines.
//!
//! Sorting and leaving out what cannot be shown (LS-3, LS-5) is the
//! storage's job; the entry lines are `mftp_protocol::Entry`'s; this file
//! only writes the listing.

use mftp_protocol::{Code, Name};

use super::{Context, Outcome, fail};
use crate::connection::Connection;

pub fn apply(conn: &mut Connection, ctx: &Context, dir: Option<&Name>) -> Outcome {
    let entries = match ctx.storage.list(dir) {
        Ok(entries) => entries,
        Err(error) => return fail(conn, &error),
    };
    conn.reply(Code::Listing, entries.len());
    for entry in &entries {
        conn.queue_entry(entry);
    }
    Outcome::reply(Code::Listing)
}
