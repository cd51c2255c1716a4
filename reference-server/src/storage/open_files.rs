//! Files kept open between downloads of the same name, so that a repeated
//! `download` of a file at the root costs one `statx` instead of an
//! `openat2`, an `fstat` and a `close` (a 4 KiB download is mostly these
//! system calls).
//!
//! An entry is used only while the name still leads to the very file that
//! was opened, unchanged since: the `statx` of the name (following no link)
//! must give the same device, inode, mode and change time (`ctime`). The
//! descriptor held keeps its inode alive, so an inode number seen again
//! means the same file, not a new one that reused the number; a write,
//! `chmod`, `chown`, rename or a link count change moves `ctime`, so the
//! next download opens the file again with today's permissions. The data
//! always comes through the descriptor, never from a copy, so it is the
//! file's current content.
//!
//! What it costs: up to [`CAPACITY`] descriptors, and the disk space of a
//! file removed by someone other than the server until its entry goes: an
//! entry is used for at most [`MAX_AGE`], and the server sweeps old ones
//! out every [`MAX_AGE`] ([`OpenFiles::sweep`]), so such space comes back
//! within twice that. The server's own `rm` forgets the name at once.

use std::collections::HashMap;
use std::fs::File;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rustix::fs::Statx;

/// The most files kept open.
pub const CAPACITY: usize = 64;
/// How long an entry may be used after its file was opened.
pub const MAX_AGE: Duration = Duration::from_secs(10);

/// What must not have changed for a kept descriptor to be used: the file's
/// identity and its last change of metadata or content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId {
    dev: (u32, u32),
    ino: u64,
    mode: u16,
    ctime: (i64, u32),
}

impl FileId {
    /// The identity in a `statx` result asked for with [`FileId::WANTED`].
    #[must_use]
    pub fn of(stat: &Statx) -> Self {
        Self {
            dev: (stat.stx_dev_major, stat.stx_dev_minor),
            ino: stat.stx_ino,
            mode: stat.stx_mode,
            ctime: (stat.stx_ctime.tv_sec, stat.stx_ctime.tv_nsec),
        }
    }

    /// The `statx` fields [`FileId::of`] reads, with the size beside them.
    pub const WANTED: rustix::fs::StatxFlags = rustix::fs::StatxFlags::TYPE
        .union(rustix::fs::StatxFlags::MODE)
        .union(rustix::fs::StatxFlags::INO)
        .union(rustix::fs::StatxFlags::CTIME)
        .union(rustix::fs::StatxFlags::SIZE);
}

#[derive(Debug)]
struct Entry {
    id: FileId,
    file: Arc<File>,
    opened: Instant,
}

/// The cache: names at the root, each with the file it led to.
#[derive(Debug, Default)]
pub struct OpenFiles {
    entries: Mutex<HashMap<Box<str>, Entry>>,
}

impl OpenFiles {
    /// The file kept for `name`, if it is still the file `id` describes.
    pub fn get(&self, name: &str, id: FileId) -> Option<Arc<File>> {
        let mut entries = self.lock();
        let fresh = entries
            .get(name)
            .map(|entry| entry.id == id && entry.opened.elapsed() < MAX_AGE)?;
        if fresh {
            entries.get(name).map(|entry| Arc::clone(&entry.file))
        } else {
            entries.remove(name);
            None
        }
    }

    /// Keeps `file`, just opened as `name` and described by `id`. Entries
    /// past [`MAX_AGE`] go first; if the cache is still full, one other
    /// entry does.
    pub fn insert(&self, name: &str, id: FileId, file: Arc<File>) {
        let mut entries = self.lock();
        if entries.len() >= CAPACITY && !entries.contains_key(name) {
            entries.retain(|_, entry| entry.opened.elapsed() < MAX_AGE);
            if entries.len() >= CAPACITY {
                let victim = entries.keys().next().cloned();
                if let Some(victim) = victim {
                    entries.remove(&victim);
                }
            }
        }
        entries.insert(
            name.into(),
            Entry {
                id,
                file,
                opened: Instant::now(),
            },
        );
    }

    /// Closes the files kept for longer than [`MAX_AGE`].
    pub fn sweep(&self) {
        self.lock()
            .retain(|_, entry| entry.opened.elapsed() < MAX_AGE);
    }

    /// Drops whatever is kept for `name` (it was removed).
    pub fn forget(&self, name: &str) {
        self.lock().remove(name);
    }

    /// How many files are kept open.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, Entry>> {
        // The map stays consistent whatever a panicking holder did.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ino: u64, ctime: i64) -> FileId {
        FileId {
            dev: (8, 1),
            ino,
            mode: 0o100_644,
            ctime: (ctime, 0),
        }
    }

    fn file() -> Arc<File> {
        Arc::new(tempfile::tempfile().expect("temp file"))
    }

    #[test]
    fn a_kept_file_is_used_only_while_it_is_unchanged() {
        let cache = OpenFiles::default();
        let kept = file();
        cache.insert("a", id(1, 10), Arc::clone(&kept));
        let got = cache.get("a", id(1, 10)).expect("unchanged: kept");
        assert!(Arc::ptr_eq(&got, &kept));
        assert!(cache.get("b", id(1, 10)).is_none(), "another name");
        // A change (ctime) or another inode: not used, and dropped.
        assert!(cache.get("a", id(1, 11)).is_none());
        assert_eq!(cache.len(), 0);
        cache.insert("a", id(1, 10), file());
        assert!(cache.get("a", id(2, 10)).is_none());
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn forget_closes_and_old_entries_are_neither_used_nor_kept() {
        let cache = OpenFiles::default();
        cache.insert("a", id(1, 1), file());
        cache.insert("b", id(2, 1), file());
        cache.forget("a");
        assert!(cache.get("a", id(1, 1)).is_none());
        assert_eq!(cache.len(), 1);
        let aged = Instant::now()
            .checked_sub(MAX_AGE)
            .expect("the clock is past MAX_AGE");
        cache.lock().get_mut("b").expect("b kept").opened = aged;
        cache.insert("c", id(3, 1), file());
        cache.sweep();
        assert_eq!(cache.len(), 1, "b is past MAX_AGE, c is not");
        assert!(cache.get("c", id(3, 1)).is_some());
    }

    #[test]
    fn it_never_keeps_more_than_its_capacity() {
        let cache = OpenFiles::default();
        for n in 0..CAPACITY as u64 * 2 {
            cache.insert(&format!("f{n}"), id(n, 1), file());
            assert!(cache.len() <= CAPACITY);
        }
        assert_eq!(cache.len(), CAPACITY);
        let last = CAPACITY as u64 * 2 - 1;
        assert!(cache.get(&format!("f{last}"), id(last, 1)).is_some());
    }
}
