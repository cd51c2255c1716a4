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

use mftp_protocol::{Code, Name};
use tokio::sync::mpsc;

use super::{Context, Outcome, fail};
use crate::connection::{Connection, DataError};
use crate::storage::{StorageError, Upload};

/// Data moves from the socket to the disk in chunks of this size.
const CHUNK: usize = 1024 * 1024;
/// Chunks read but not yet written, at most: the socket side reads ahead
/// while a blocking thread writes, so network and disk work overlap. Memory
/// per upload stays under (IN_FLIGHT + 2) × CHUNK.
const IN_FLIGHT: usize = 2;

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
        conn.reply(Code::TooLarge, Code::TooLarge.meaning());
        return Ok(Outcome::reply(Code::TooLarge));
    }
    if ctx.limits.read_only {
        conn.reply(Code::ReadOnly, Code::ReadOnly.meaning());
        return Ok(Outcome::reply(Code::ReadOnly));
    }
    let upload = match ctx.storage.begin_upload(name) {
        Ok(upload) => upload,
        Err(error) => return Ok(fail(conn, &error)),
    };
    conn.reply(Code::DataFollows, size);
    conn.flush().await?;

    let (to_disk, from_socket) = mpsc::channel::<(Vec<u8>, usize)>(IN_FLIGHT);
    let (recycle, mut recycled) = mpsc::channel::<Vec<u8>>(IN_FLIGHT + 1);
    let writer =
        tokio::task::spawn_blocking(move || write_all(upload, size, from_socket, &recycle));

    // Consume every announced byte, even if the writer failed, so that the
    // next bytes are read as a command line again (UPLOAD-3).
    let mut remaining = size;
    let mut chunk = Vec::new();
    let mut filled = 0;
    let mut writer_alive = true;
    while remaining > 0 {
        if chunk.is_empty() {
            chunk = recycled
                .try_recv()
                .unwrap_or_else(|_| vec![0; chunk_size(size)]);
        }
        let want = usize::try_from(remaining)
            .unwrap_or(usize::MAX)
            .min(chunk.len() - filled);
        // On error the sender drops, the writer sees too few bytes and
        // discards the upload (UPLOAD-6).
        let read = conn.read_data(&mut chunk[filled..filled + want]).await?;
        filled += read;
        remaining -= read as u64;
        if filled == chunk.len() || remaining == 0 {
            let full = (std::mem::take(&mut chunk), filled);
            filled = 0;
            writer_alive = writer_alive && to_disk.send(full).await.is_ok();
        }
    }
    drop(to_disk);
    let stored = writer
        .await
        .map_err(|e| DataError::Io(std::io::Error::other(e)))?;
    match stored {
        Ok(()) => {
            conn.reply(Code::Stored, size);
            Ok(Outcome {
                bytes: size,
                ..Outcome::reply(Code::Stored)
            })
        }
        Err(error) => Ok(fail(conn, &error)),
    }
}

/// Small uploads need no megabyte buffer.
fn chunk_size(size: u64) -> usize {
    usize::try_from(size).map_or(CHUNK, |size| size.clamp(1, CHUNK))
}

/// The blocking side: writes chunks as they come, then commits — only if
/// every announced byte arrived. Dropping the upload otherwise discards it.
fn write_all(
    mut upload: Box<dyn Upload>,
    size: u64,
    mut chunks: mpsc::Receiver<(Vec<u8>, usize)>,
    recycle: &mpsc::Sender<Vec<u8>>,
) -> Result<(), StorageError> {
    let mut written = 0_u64;
    let mut failed = None;
    while let Some((chunk, len)) = chunks.blocking_recv() {
        if failed.is_none()
            && let Err(error) = upload.write(&chunk[..len])
        {
            failed = Some(error);
        }
        written += len as u64;
        let _ = recycle.try_send(chunk);
    }
    if let Some(error) = failed {
        return Err(error);
    }
    if written != size {
        return Err(StorageError::new(
            crate::storage::ErrorKind::Io,
            "upload cut short",
        ));
    }
    // fsync and link: may take a while, and this is a blocking thread.
    upload.commit()
}
