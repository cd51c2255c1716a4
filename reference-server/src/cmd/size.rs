//! `size NAME` — spec.md section 7.
//!
//! > **SIZE-1** MUST — `size NAME` for a regular file is answered with
//! > `213 <bytes> <mb> MB`, where `<bytes>` is the file's exact length.
//!
//! `<mb>` comes from [`mftp_protocol::megabytes`] (SIZE-2: integer rounding).

use mftp_protocol::{Code, Name, megabytes};

use super::{Context, Outcome, fail};
use crate::connection::Connection;

pub fn apply(conn: &mut Connection, ctx: &Context, name: &Name) -> Outcome {
    match ctx.storage.file_size(name) {
        Ok(bytes) => {
            conn.reply(
                Code::FileSize,
                format_args!("{bytes} {} MB", megabytes(bytes)),
            );
            Outcome::reply(Code::FileSize)
        }
        Err(error) => fail(conn, &error),
    }
}
