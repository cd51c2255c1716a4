//! The file-system storage: a root directory opened with `cap-std`, so that
//! every lookup is resolved beneath it — `..`, absolute paths and symbolic
//! links leading outside all fail inside the library rather than relying on
//! string checks alone (SEC-1, SEC-3).
//!
//! Uploads go to a hidden directory `PARTIAL_DIR` at the root and are
//! linked into place with `linkat` (or, on filesystems without hard links,
//! renamed with `RENAME_NOREPLACE`), which never replaces an existing entry
//! (UPLOAD-5). Leftovers of a crashed run are removed at start-up.

use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cap_std::ambient_authority;
use cap_std::fs::{Dir, OpenOptions, OpenOptionsExt};
use mftp_protocol::name::listable;
use mftp_protocol::{Entry, Name};

use super::open_files::{FileId, OpenFiles};
use super::{ErrorKind, Result, Storage, StorageError, Upload};

/// Where uploads in progress live, under the root. Its name is reserved by
/// spec.md section 4, so clients can neither list nor name it.
const PARTIAL_DIR: &str = ".mftp-partial";

/// Storage confined to one directory.
#[derive(Debug)]
pub struct FsStorage {
    root: Arc<Dir>,
    /// `None` when the root is not writable (or the server is read-only):
    /// uploads then fail with `451`.
    partial: Option<Arc<Dir>>,
    /// Makes temporary names unique within this process.
    next_upload: AtomicU64,
    /// Files at the root kept open between downloads.
    open_files: OpenFiles,
}

impl FsStorage {
    /// Opens `root`, which must be an existing directory, and prepares the
    /// upload area unless `read_only`.
    pub fn open(root: &Path, read_only: bool) -> io::Result<Self> {
        let root = Dir::open_ambient_dir(root, ambient_authority())?;
        let partial = if read_only {
            None
        } else {
            match root.create_dir(PARTIAL_DIR) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
            Some(Arc::new(root.open_dir(PARTIAL_DIR)?))
        };
        let storage = Self {
            root: Arc::new(root),
            partial,
            next_upload: AtomicU64::new(0),
            open_files: OpenFiles::default(),
        };
        storage.remove_partials();
        Ok(storage)
    }

    /// Removes every temporary upload file: stale ones at start-up, aborted
    /// ones at shutdown. Returns how many were removed.
    pub fn remove_partials(&self) -> usize {
        let Some(partial) = &self.partial else {
            return 0;
        };
        let Ok(entries) = partial.entries() else {
            return 0;
        };
        entries
            .filter_map(std::result::Result::ok)
            .filter(|entry| partial.remove_file(entry.file_name()).is_ok())
            .count()
    }

    /// Opens a regular file for reading, resolving `name` beneath the
    /// root (links followed only inside it), and describes what was opened.
    fn open_confined(&self, name: &Name) -> Result<(std::fs::File, u64, FileId)> {
        use rustix::fs::{AtFlags, FileType, statx};
        // Open first, then look at what was opened: one lookup, and the
        // size announced is that of the very file sent. O_NONBLOCK keeps a
        // FIFO from hanging the open; it is refused just below.
        let file = self
            .root
            .open_with(
                name.as_str(),
                OpenOptions::new().read(true).custom_flags(
                    (rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOCTTY)
                        .bits()
                        .cast_signed(),
                ),
            )
            .map_err(lookup_error)?
            .into_std();
        let stat = statx(&file, "", AtFlags::EMPTY_PATH, FileId::WANTED)
            .map_err(|e| io_error(e.into()))?;
        match FileType::from_raw_mode(stat.stx_mode.into()) {
            FileType::RegularFile => Ok((file, stat.stx_size, FileId::of(&stat))),
            FileType::Directory => Err(StorageError::new(ErrorKind::WrongKind, "is a directory")),
            _ => Err(StorageError::new(ErrorKind::NotFound, "not a regular file")),
        }
    }

    /// The kind of a name: following links, but only inside the root.
    fn metadata(&self, name: &str) -> Result<cap_std::fs::Metadata> {
        self.root.metadata(name).map_err(lookup_error)
    }

    /// The length of a regular file (a directory is `WrongKind`, anything
    /// else absent).
    fn file_len(&self, name: &Name) -> Result<u64> {
        if let Some(len) = self.plain_file_len(name)? {
            return Ok(len);
        }
        let meta = self.metadata(name.as_str())?;
        if meta.is_dir() {
            return Err(StorageError::new(ErrorKind::WrongKind, "is a directory"));
        }
        if !meta.is_file() {
            return Err(StorageError::new(ErrorKind::NotFound, "not a regular file"));
        }
        Ok(meta.len())
    }

    /// A fast path for the common case: a name of one component that is a
    /// regular file, not a link. One `statx` relative to the root, following
    /// nothing, cannot leave the root. `None` means "ask cap-std".
    fn plain_file_len(&self, name: &Name) -> Result<Option<u64>> {
        use rustix::fs::{AtFlags, FileType, StatxFlags, statx};
        if name.parent().is_some() {
            return Ok(None);
        }
        let stat = statx(
            &*self.root,
            name.as_str(),
            AtFlags::SYMLINK_NOFOLLOW,
            StatxFlags::TYPE | StatxFlags::SIZE,
        )
        .map_err(|e| lookup_error(e.into()))?;
        Ok(match FileType::from_raw_mode(stat.stx_mode.into()) {
            FileType::RegularFile => Some(stat.stx_size),
            FileType::Directory => {
                return Err(StorageError::new(ErrorKind::WrongKind, "is a directory"));
            }
            _ => None,
        })
    }
}

impl Storage for FsStorage {
    fn list(&self, dir: Option<&Name>) -> Result<Vec<Entry>> {
        let entries = match dir {
            None => self.root.entries(),
            Some(dir) => {
                let meta = self.metadata(dir.as_str())?;
                if meta.is_file() {
                    return Err(StorageError::new(ErrorKind::WrongKind, "not a directory"));
                }
                if !meta.is_dir() {
                    // FIFOs, sockets, devices are absent (SEC-5).
                    return Err(StorageError::new(ErrorKind::NotFound, "not a directory"));
                }
                self.root.read_dir(dir.as_str())
            }
        }
        .map_err(lookup_error)?;
        let mut listing = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io_error)?;
            let raw = entry.file_name();
            let Some(name) = listable(raw.as_bytes()) else {
                continue;
            };
            let file_type = entry.file_type().map_err(io_error)?;
            let is_dir = if file_type.is_dir() {
                true
            } else if file_type.is_file() {
                false
            } else if file_type.is_symlink() {
                // SEC-2/SEC-3: a link is shown as its target, if that is
                // inside the root; resolve from the root, not from `dir`,
                // so a link may climb back up within the root.
                let path = dir.map_or_else(|| name.to_owned(), |dir| format!("{dir}/{name}"));
                match self.root.metadata(path) {
                    Ok(meta) if meta.is_dir() => true,
                    Ok(meta) if meta.is_file() => false,
                    _ => continue,
                }
            } else {
                continue;
            };
            listing.push(Entry {
                name: name.to_owned(),
                is_dir,
            });
        }
        listing.sort_unstable();
        Ok(listing)
    }

    fn file_size(&self, name: &Name) -> Result<u64> {
        self.file_len(name)
    }

    fn open_file(&self, name: &Name) -> Result<(Arc<std::fs::File>, u64)> {
        use rustix::fs::{AtFlags, FileType, statx};
        // A name at the root that is a regular file, not a link: one
        // `statx` relative to the root, following nothing, tells whether
        // the file kept open for it is still the one there.
        if name.parent().is_none() {
            let stat = statx(
                &*self.root,
                name.as_str(),
                AtFlags::SYMLINK_NOFOLLOW,
                FileId::WANTED,
            )
            .map_err(|e| lookup_error(e.into()))?;
            if FileType::from_raw_mode(stat.stx_mode.into()) == FileType::RegularFile {
                let seen = FileId::of(&stat);
                if let Some(file) = self.open_files.get(name.as_str(), seen) {
                    return Ok((file, stat.stx_size));
                }
                let (file, len, opened) = self.open_confined(name)?;
                let file = Arc::new(file);
                // Kept only if what was opened is what the name showed.
                if opened == seen {
                    self.open_files
                        .insert(name.as_str(), seen, Arc::clone(&file));
                }
                return Ok((file, len));
            }
        }
        let (file, len, _) = self.open_confined(name)?;
        Ok((Arc::new(file), len))
    }

    fn tidy(&self) {
        self.open_files.sweep();
    }

    fn remove_file(&self, name: &Name) -> Result<()> {
        self.file_len(name)?;
        // Close a kept descriptor first, so the space is freed with the name.
        self.open_files.forget(name.as_str());
        // Removes the entry itself: a link, not its target (RM-3).
        self.root.remove_file(name.as_str()).map_err(lookup_error)
    }

    fn begin_upload(&self, name: &Name) -> Result<Box<dyn Upload>> {
        if let Some(parent) = name.parent() {
            let meta = self.metadata(parent)?;
            if meta.is_file() {
                return Err(StorageError::new(
                    ErrorKind::WrongKind,
                    "parent is not a directory",
                ));
            }
            if !meta.is_dir() {
                // A FIFO, socket or device as parent is absent (SEC-5).
                return Err(StorageError::new(ErrorKind::NotFound, "no such parent"));
            }
        }
        // UPLOAD-5: any entry by that name, even a dangling link, is taken.
        match self
            .root
            .symlink_metadata(name.as_str())
            .map_err(lookup_error)
        {
            Ok(_) => return Err(StorageError::new(ErrorKind::Exists, "name exists")),
            Err(e) if e.kind == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let Some(partial) = &self.partial else {
            return Err(StorageError::new(ErrorKind::Io, "no writable upload area"));
        };
        let serial = self.next_upload.fetch_add(1, Ordering::Relaxed);
        let temp = format!("upload-{}-{serial}", std::process::id());
        let file = partial
            .open_with(&temp, OpenOptions::new().write(true).create_new(true))
            .map_err(write_error)?;
        Ok(Box::new(FsUpload {
            file: Some(file.into_std()),
            temp,
            partial: Arc::clone(partial),
            root: Arc::clone(&self.root),
            name: name.clone(),
            written: 0,
            flushed: 0,
        }))
    }
}

/// A temporary file under [`PARTIAL_DIR`] waiting to be linked into place.
struct FsUpload {
    /// Closed (taken) before linking.
    file: Option<std::fs::File>,
    temp: String,
    partial: Arc<Dir>,
    root: Arc<Dir>,
    name: Name,
    /// Bytes written so far.
    written: u64,
    /// Bytes handed to early writeback so far.
    flushed: u64,
}

/// Every this many bytes, an upload asks the kernel to start writing them
/// back, so the `fsync` before `226` finds little left to do.
const WRITEBACK_STEP: u64 = 8 * 1024 * 1024;

/// The most bytes given to one `write(2)`, however large the chunk the
/// upload hands over. On a VM that returns freed memory to its host
/// (virtio-balloon free page reporting), 1 MiB writes into the page cache
/// ran at 0.35–0.6 GiB/s when that memory had been handed back, against
/// 1.3 GiB/s for 64 KiB writes, and both equal when it had not
/// (`benches/README.md`, "Upload writes").
const WRITE_SIZE: usize = 64 * 1024;

impl Upload for FsUpload {
    fn write(&mut self, data: &[u8]) -> Result<()> {
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| StorageError::new(ErrorKind::Io, "closed"))?;
        for piece in data.chunks(WRITE_SIZE) {
            file.write_all(piece).map_err(write_error)?;
        }
        self.written += data.len() as u64;
        if self.written - self.flushed >= WRITEBACK_STEP {
            // POSIX_FADV_DONTNEED starts asynchronous writeback of the dirty
            // range on Linux and returns at once; it is only advice, so a
            // failure changes nothing.
            let len = std::num::NonZeroU64::new(self.written - self.flushed);
            let _ = rustix::fs::fadvise(&*file, self.flushed, len, rustix::fs::Advice::DontNeed);
            self.flushed = self.written;
        }
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<()> {
        let file = self
            .file
            .take()
            .ok_or_else(|| StorageError::new(ErrorKind::Io, "closed"))?;
        file.sync_all().map_err(write_error)?;
        drop(file);
        // Neither way replaces an existing entry: the race of UPLOAD-5 has
        // exactly one winner.
        place(&self.partial, &self.temp, &self.root, &self.name).map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                StorageError {
                    kind: ErrorKind::Exists,
                    source: e,
                }
            } else {
                write_error(e)
            }
        })?;
        // Make the new directory entry durable too (UPLOAD-4).
        let parent = self.name.parent().unwrap_or(".");
        if let Ok(dir) = self.root.open_dir(parent) {
            let _ = dir.into_std_file().sync_all();
        }
        Ok(())
    }
}

impl Drop for FsUpload {
    fn drop(&mut self) {
        // After a commit the data lives on under its name; before one, this
        // discards it (UPLOAD-6, SEC-4).
        let _ = self.partial.remove_file(&self.temp);
    }
}

/// Puts a finished temporary file in place under `name`, failing with
/// `AlreadyExists` rather than replace anything (UPLOAD-5): `linkat` where
/// the filesystem has hard links, else `renameat2(RENAME_NOREPLACE)` (FAT
/// and exFAT, for instance, answer `link` with EPERM).
fn place(partial: &Dir, temp: &str, root: &Dir, name: &Name) -> io::Result<()> {
    match partial.hard_link(temp, root, name.as_str()) {
        Err(e)
            if is_raw(&e, rustix::io::Errno::PERM) || is_raw(&e, rustix::io::Errno::OPNOTSUPP) =>
        {
            rename_no_replace(partial, temp, root, name)
        }
        linked => linked,
    }
}

/// The fallback of [`place`]: the parent directory is opened inside the
/// root (confined, like every lookup), then the file is renamed into it.
fn rename_no_replace(partial: &Dir, temp: &str, root: &Dir, name: &Name) -> io::Result<()> {
    use rustix::fs::{RenameFlags, renameat_with};
    let file_name = name.file_name();
    let moved = match name.parent() {
        Some(parent) => {
            let parent = root.open_dir(parent)?;
            renameat_with(partial, temp, &parent, file_name, RenameFlags::NOREPLACE)
        }
        None => renameat_with(partial, temp, root, file_name, RenameFlags::NOREPLACE),
    };
    moved.map_err(io::Error::from)
}

fn is_raw(e: &io::Error, errno: rustix::io::Errno) -> bool {
    e.raw_os_error() == Some(errno.raw_os_error())
}

/// Errors from resolving a name: whatever cannot be reached inside the
/// root is absent (SEC-3), and so is a socket file that refuses to open
/// (SEC-5). cap-std reports an escape as PermissionDenied.
fn lookup_error(e: io::Error) -> StorageError {
    let absent = matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::PermissionDenied | io::ErrorKind::NotADirectory
    ) || is_raw(&e, rustix::io::Errno::LOOP)
        || is_raw(&e, rustix::io::Errno::NAMETOOLONG)
        // Opening a socket file: special files are absent (SEC-5).
        || is_raw(&e, rustix::io::Errno::NXIO);
    let kind = if absent {
        ErrorKind::NotFound
    } else {
        ErrorKind::Io
    };
    StorageError { kind, source: e }
}

/// Errors from writing: a full disk is told apart (`452`).
fn write_error(e: io::Error) -> StorageError {
    let full = e.kind() == io::ErrorKind::StorageFull || is_raw(&e, rustix::io::Errno::DQUOT);
    StorageError {
        kind: if full {
            ErrorKind::NoSpace
        } else {
            ErrorKind::Io
        },
        source: e,
    }
}

fn io_error(e: io::Error) -> StorageError {
    StorageError {
        kind: ErrorKind::Io,
        source: e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> Name {
        Name::parse(text.as_bytes()).expect("valid name")
    }

    /// A root with a partial directory holding one temporary file.
    fn root_with_temp(contents: &[u8]) -> (tempfile::TempDir, Dir, Dir) {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("sub")).expect("sub");
        std::fs::create_dir(dir.path().join(PARTIAL_DIR)).expect("partial");
        std::fs::write(dir.path().join(PARTIAL_DIR).join("t"), contents).expect("temp");
        let root = Dir::open_ambient_dir(dir.path(), ambient_authority()).expect("root");
        let partial = root.open_dir(PARTIAL_DIR).expect("partial dir");
        (dir, root, partial)
    }

    #[test]
    fn the_rename_fallback_moves_the_file_into_place() {
        for target in ["top.txt", "sub/nested.txt"] {
            let (dir, root, partial) = root_with_temp(b"data");
            rename_no_replace(&partial, "t", &root, &name(target)).expect("renamed");
            assert_eq!(
                std::fs::read(dir.path().join(target)).expect("placed"),
                b"data"
            );
            assert!(!dir.path().join(PARTIAL_DIR).join("t").exists());
        }
    }

    #[test]
    fn the_rename_fallback_never_replaces() {
        let (dir, root, partial) = root_with_temp(b"new");
        std::fs::write(dir.path().join("taken.txt"), b"old").expect("existing");
        let error = rename_no_replace(&partial, "t", &root, &name("taken.txt"))
            .expect_err("must not replace");
        assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(
            std::fs::read(dir.path().join("taken.txt")).expect("kept"),
            b"old"
        );
    }

    #[test]
    fn the_rename_fallback_stays_inside_the_root() {
        let (dir, root, partial) = root_with_temp(b"x");
        let outside = tempfile::tempdir().expect("outside");
        std::os::unix::fs::symlink(outside.path(), dir.path().join("escape")).expect("link");
        assert!(rename_no_replace(&partial, "t", &root, &name("escape/x.txt")).is_err());
        assert!(!outside.path().join("x.txt").exists());
    }
}
