//! Test files: random content written fast, and size labels.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

use rand::RngCore;

/// 4 KiB.
pub const KIB4: u64 = 4 * 1024;
/// 1 MiB.
pub const MIB: u64 = 1024 * 1024;
/// 64 MiB.
pub const MIB64: u64 = 64 * MIB;
/// 1 GiB.
pub const GIB: u64 = 1024 * MIB;

/// The transfer sizes of the `download`, `upload` and baseline groups.
pub const TRANSFER_SIZES: [u64; 4] = [KIB4, MIB, MIB64, GIB];

/// A short label for a byte count: `4KiB`, `1MiB`, `64MiB`, `1GiB`.
#[must_use]
pub fn label(bytes: u64) -> String {
    if bytes >= GIB && bytes.is_multiple_of(GIB) {
        format!("{}GiB", bytes / GIB)
    } else if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{}MiB", bytes / MIB)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{}KiB", bytes / 1024)
    } else {
        format!("{bytes}B")
    }
}

/// Writes a file of `len` random-looking bytes: one random 1 MiB block,
/// repeated, so that a 1 GiB file takes about a second to create. Content
/// does not matter over TCP; only the page cache does, and the file is
/// freshly written, so it sits there.
pub fn create_random(path: &Path, len: u64) -> io::Result<()> {
    let mut block = vec![0_u8; usize::try_from(MIB).expect("1 MiB fits in usize")];
    rand::rng().fill_bytes(&mut block);
    let mut file = File::create(path)?;
    let mut left = len;
    while left > 0 {
        let take = usize::try_from(left.min(MIB)).expect("at most 1 MiB");
        file.write_all(&block[..take])?;
        left -= take as u64;
    }
    file.flush()
}

/// How [`write_and_fsync`] hands dirty pages to the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writeback {
    /// Write everything, then `fsync`: the kernel starts writeback late
    /// (at `vm.dirty_background_ratio`), so `fsync` waits for most of it.
    AtFsync,
    /// After every [`EARLY_WRITEBACK`] bytes, `posix_fadvise(DONTNEED)` on
    /// the range just written, which starts its writeback at once (like
    /// `sync_file_range(SYNC_FILE_RANGE_WRITE)`, but reachable without
    /// `unsafe` through rustix), so the disk works while data still comes
    /// in and the final `fsync` only waits for the tail.
    Early,
}

/// The range after which [`Writeback::Early`] starts writeback.
pub const EARLY_WRITEBACK: u64 = 8 * MIB;

/// Creates `path`, writes `len` bytes from `block` (repeated), `fsync`s it
/// and then its directory: what an upload must do on the disk side for the
/// same durability as the reference server's `226` (UPLOAD-4).
pub fn write_and_fsync(
    path: &Path,
    len: u64,
    block: &[u8],
    writeback: Writeback,
) -> io::Result<()> {
    use std::num::NonZeroU64;
    let mut file = File::create_new(path)?;
    let mut written = 0_u64;
    let mut flushed = 0_u64;
    while written < len {
        let take = usize::try_from(len - written)
            .unwrap_or(usize::MAX)
            .min(block.len());
        file.write_all(&block[..take])?;
        written += take as u64;
        if writeback == Writeback::Early && written - flushed >= EARLY_WRITEBACK {
            rustix::fs::fadvise(
                &file,
                flushed,
                NonZeroU64::new(written - flushed),
                rustix::fs::Advice::DontNeed,
            )?;
            flushed = written;
        }
    }
    file.sync_all()?;
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    File::open(dir)?.sync_all()
}
