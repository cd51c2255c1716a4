//! `upload BYTES NAME` — spec.md section 9.
//!
//! > **UPLOAD-2** MUST — Before any data the server checks, in this order:
//! > size syntax (`501`), the name rules (`553`), the server's size limit
//! > (`552`), whether uploads are permitted (`556`), the parent directory
//! > (`550`/`551`), and whether the name exists (`554`).
//!
//! > **UPLOAD-3** MUST — If every check passes, the server replies
//! > `150 <bytes>` … then replies `226 <bytes>` once the file is stored, or
//! > `554` …, or `451` …, or `452` …. In every case the data is consumed.
//!
//! The first two checks happen in `Request::parse`. The data streams into a
//! hidden temporary file in chunks; memory does not grow with the size.

use mftp_protocol::{Code, Name, Reply};

use super::{Context, Outcome, fail};
use crate::connection::{Connection, DataError};
use crate::storage::StorageError;

pub async fn apply(
    conn: &mut Connection,
    ctx: &Context,
    size: u64,
    name: &Name,
) -> Result<Outcome, DataError> {
    if ctx
        .limits
        .max_upload_bytes
        .is_some_and(|limit| size > limit)
    {
        conn.queue(&Reply::new(Code::TooLarge, Code::TooLarge.meaning()));
        return Ok(Outcome::reply(Code::TooLarge));
    }
    if ctx.limits.read_only {
        conn.queue(&Reply::new(Code::ReadOnly, Code::ReadOnly.meaning()));
        return Ok(Outcome::reply(Code::ReadOnly));
    }
    let mut upload = match ctx.storage.begin_upload(name) {
        Ok(upload) => upload,
        Err(error) => return Ok(fail(conn, &error)),
    };
    conn.queue(&Reply::new(Code::DataFollows, size.to_string()));
    conn.flush().await?;

    // Consume every announced byte even after a write error, so that the
    // next bytes are read as a command line again (UPLOAD-3).
    let mut remaining = size;
    let mut failed: Option<StorageError> = None;
    while remaining > 0 {
        let want = usize::try_from(remaining).unwrap_or(usize::MAX);
        let data = conn.read_data(want).await?;
        remaining -= data.len() as u64;
        if failed.is_none()
            && let Err(error) = upload.write(data)
        {
            failed = Some(error);
        }
    }
    if let Some(error) = failed {
        return Ok(fail(conn, &error));
    }
    // fsync may take a while: keep it off the reactor threads.
    let committed = tokio::task::spawn_blocking(move || upload.commit())
        .await
        .map_err(|e| DataError::Io(std::io::Error::other(e)))?;
    match committed {
        Ok(()) => {
            conn.queue(&Reply::new(Code::Stored, size.to_string()));
            Ok(Outcome {
                bytes: size,
                ..Outcome::reply(Code::Stored)
            })
        }
        Err(error) => Ok(fail(conn, &error)),
    }
}
