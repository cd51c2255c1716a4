//! `size NAME` — spec.md section 7.
//!
//! > **SIZE-1** MUST — `size NAME` for a regular file is answered with
//! > `213 <bytes> <mb> MB`, where `<bytes>` is the file's exact length.
//!
//! The text, `<mb>` included (SIZE-2: integer rounding), comes from
//! [`mftp_protocol::FileSizeText`].

use mftp_protocol::{Code, FileSizeText, Name};

use super::{Context, Outcome, fail};
use crate::connection::Connection;

pub fn apply(conn: &mut Connection, ctx: &Context, name: &Name) -> Outcome {
    match ctx.storage.file_size(name) {
        Ok(bytes) => {
            conn.reply(Code::FileSize, FileSizeText(bytes));
            Outcome::reply(Code::FileSize)
        }
        Err(error) => fail(conn, &error),
    }
}
