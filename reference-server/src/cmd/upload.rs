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

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use mftp_protocol::{Code, Name};

use std::time::Instant;

use tracing::info;

use super::{Context, Outcome, elapsed_ms, fail};
use crate::connection::{Connection, DataError};
use crate::storage::{ErrorKind, StorageError, Upload};

/// Data moves from the socket to the disk in chunks of this size.
const CHUNK: usize = 1024 * 1024;
/// Chunks read but not yet written, at most: the socket side reads ahead
/// while a writer thread writes, so network and disk work overlap. Memory
/// per upload stays under (IN_FLIGHT + 2) × CHUNK.
const IN_FLIGHT: usize = 2;

pub fn apply(
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
    let started = Instant::now();
    conn.reply(Code::DataFollows, size);
    conn.flush()?;
    // Either way every announced byte is consumed, even if the disk fails,
    // so that the next bytes are read as a command line again (UPLOAD-3);
    // an upload that is not committed is discarded when dropped (UPLOAD-6).
    let stored = match usize::try_from(size) {
        Ok(small) if small <= CHUNK => receive_small(conn, upload, small)?,
        _ => receive_overlapped(conn, upload, size)?,
    };
    match stored {
        Ok(()) => {
            conn.reply(Code::Stored, size);
            info!(peer = %conn.peer(), name = name.as_str(), bytes = size, ms = elapsed_ms(started), "uploaded");
            Ok(Outcome {
                bytes: size,
                ..Outcome::reply(Code::Stored)
            })
        }
        Err(error) => Ok(fail(conn, &error)),
    }
}

/// Up to one chunk: read it all, then write and commit on this thread.
fn receive_small(
    conn: &mut Connection,
    mut upload: Box<dyn Upload>,
    size: usize,
) -> Result<Result<(), StorageError>, DataError> {
    let mut data = vec![0; size];
    let mut filled = 0;
    while filled < size {
        filled += conn.read_data(&mut data[filled..])?;
    }
    Ok(upload.write(&data).and_then(|()| upload.commit()))
}

/// Larger uploads: this thread reads the socket while a writer thread
/// writes the chunks already read, then fsyncs and commits.
fn receive_overlapped(
    conn: &mut Connection,
    upload: Box<dyn Upload>,
    size: u64,
) -> Result<Result<(), StorageError>, DataError> {
    std::thread::scope(|scope| {
        let (to_disk, from_socket) = sync_channel::<(Vec<u8>, usize)>(IN_FLIGHT);
        let (recycle, recycled) = sync_channel::<Vec<u8>>(IN_FLIGHT + 1);
        let writer = std::thread::Builder::new()
            .name("mftp-upload".into())
            .spawn_scoped(scope, move || {
                write_all(upload, size, &from_socket, &recycle)
            });
        let (sink, writer) = match writer {
            Ok(writer) => (Some(to_disk), Some(writer)),
            // No thread to write with: consume the data, then report 451.
            Err(_) => (None, None),
        };
        let received = pump(conn, size, sink, &recycled);
        // The reader is done (the sink was moved into `pump` and dropped):
        // the writer sees the end of the chunks and commits, or discards
        // the upload if some were missing.
        let stored = match writer {
            Some(writer) => writer
                .join()
                .unwrap_or_else(|_| Err(StorageError::new(ErrorKind::Io, "upload writer failed"))),
            None => Err(StorageError::new(
                ErrorKind::Io,
                "cannot start an upload writer",
            )),
        };
        received.map(|()| stored)
    })
}

/// Reads `size` bytes from the socket and hands them to `sink` in chunks;
/// once the sink is gone (the writer failed), reads and drops the rest.
fn pump(
    conn: &mut Connection,
    size: u64,
    mut sink: Option<SyncSender<(Vec<u8>, usize)>>,
    recycled: &Receiver<Vec<u8>>,
) -> Result<(), DataError> {
    let mut remaining = size;
    let mut chunk = Vec::new();
    let mut filled = 0;
    while remaining > 0 {
        if chunk.is_empty() {
            chunk = recycled.try_recv().unwrap_or_else(|_| vec![0; CHUNK]);
        }
        let want = usize::try_from(remaining)
            .unwrap_or(usize::MAX)
            .min(chunk.len() - filled);
        let read = conn.read_data(&mut chunk[filled..filled + want])?;
        filled += read;
        remaining -= read as u64;
        if filled == chunk.len() || remaining == 0 {
            let full = (std::mem::take(&mut chunk), filled);
            filled = 0;
            match &sink {
                Some(to_disk) => {
                    if let Err(returned) = to_disk.send(full) {
                        // The writer is gone: discard the rest.
                        chunk = returned.0.0;
                        sink = None;
                    }
                }
                // Discarding: keep the same buffer.
                None => chunk = full.0,
            }
        }
    }
    Ok(())
}

/// The writer thread: writes chunks as they come, then commits — only if
/// every announced byte arrived. Dropping the upload otherwise discards it.
fn write_all(
    mut upload: Box<dyn Upload>,
    size: u64,
    chunks: &Receiver<(Vec<u8>, usize)>,
    recycle: &SyncSender<Vec<u8>>,
) -> Result<(), StorageError> {
    let mut written = 0_u64;
    let mut failed = None;
    while let Ok((chunk, len)) = chunks.recv() {
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
        return Err(StorageError::new(ErrorKind::Io, "upload cut short"));
    }
    // fsync and link: may take a while, on this thread.
    upload.commit()
}
