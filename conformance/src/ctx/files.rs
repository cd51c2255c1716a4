//! What a case adds to the standard fixture (directories, files with any
//! name bytes, links, sparse files, FIFOs, sockets, permissions, a tmpfs
//! root) and what it reads back from disk, the server unasked: a file,
//! the root's tree, and whether the root holds what it held before.

use super::{Ctx, harness};
use crate::disk::{Tree, tree, tree_diff, without_reserved_dirs};
use crate::fail::Fail;
use crate::model::RESERVED_PREFIX;
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

impl Ctx {
    /// `root/rel` as a path.
    #[must_use]
    pub fn path(&self, rel: &str) -> PathBuf {
        if rel.is_empty() {
            self.root.clone()
        } else {
            self.root.join(rel)
        }
    }

    /// Creates directory `root/rel` (and parents).
    ///
    /// # Errors
    /// File system error.
    pub fn mkdir(&self, rel: &str) -> Result<(), Fail> {
        std::fs::create_dir_all(self.path(rel)).map_err(|e| harness(&e))
    }

    /// Writes file `root/rel`.
    ///
    /// # Errors
    /// File system error.
    pub fn file(&self, rel: &str, content: &[u8]) -> Result<(), Fail> {
        std::fs::write(self.path(rel), content).map_err(|e| harness(&e))
    }

    /// Writes a file whose name is raw bytes (not UTF-8, control bytes…).
    ///
    /// # Errors
    /// File system error.
    pub fn file_raw(&self, dir: &str, name: &[u8], content: &[u8]) -> Result<(), Fail> {
        let p = self.path(dir).join(std::ffi::OsStr::from_bytes(name));
        std::fs::write(p, content).map_err(|e| harness(&e))
    }

    /// Creates symbolic link `root/rel` pointing at `target` (as given).
    ///
    /// # Errors
    /// File system error.
    pub fn symlink(&self, rel: &str, target: impl AsRef<Path>) -> Result<(), Fail> {
        std::os::unix::fs::symlink(target, self.path(rel)).map_err(|e| harness(&e))
    }

    /// Moves the case to a fresh fixture on tmpfs (`/dev/shm`), which holds
    /// sparse files up to 2^63 - 1 bytes; skips the case where there is
    /// none. Call before starting the server.
    ///
    /// # Errors
    /// Skip without tmpfs; the fixture could not be written.
    pub fn move_to_tmpfs(&mut self) -> Result<(), Fail> {
        const TMPFS_MAGIC: i64 = 0x0102_1994;
        let shm = Path::new("/dev/shm");
        let is_tmpfs = rustix::fs::statfs(shm).is_ok_and(|s| s.f_type == TMPFS_MAGIC);
        if !is_tmpfs {
            return Err(Fail::skip(
                "no tmpfs at /dev/shm: files above 2^53 bytes cannot be made here, so this case is not run",
            ));
        }
        *self = Ctx::new_in(Some(shm))?;
        Ok(())
    }

    /// Makes `root/rel` a sparse file of `len` bytes (zeros, no space used).
    ///
    /// # Errors
    /// The file system refuses the length.
    pub fn sparse(&self, rel: &str, len: u64) -> Result<(), Fail> {
        std::fs::File::create(self.path(rel))
            .and_then(|f| f.set_len(len))
            .map_err(|e| Fail::harness(format!("sparse file of {len} bytes: {e}")))
    }

    /// Makes `root/rel` a FIFO (named pipe) with no writer.
    ///
    /// # Errors
    /// The file system refuses.
    pub fn fifo(&self, rel: &str) -> Result<(), Fail> {
        use rustix::fs::{CWD, FileType, Mode, mknodat};
        mknodat(
            CWD,
            self.path(rel),
            FileType::Fifo,
            Mode::from_raw_mode(0o644),
            0,
        )
        .map_err(|e| Fail::harness(format!("mkfifo: {e}")))
    }

    /// Makes `root/rel` a Unix socket file (nobody listens on it later).
    ///
    /// # Errors
    /// The file system refuses.
    pub fn unix_socket(&self, rel: &str) -> Result<(), Fail> {
        std::os::unix::net::UnixListener::bind(self.path(rel))
            .map(drop)
            .map_err(|e| Fail::harness(format!("socket file: {e}")))
    }

    /// Whether `root/rel` is (still) a FIFO.
    #[must_use]
    pub fn is_fifo(&self, rel: &str) -> bool {
        use std::os::unix::fs::FileTypeExt as _;
        std::fs::symlink_metadata(self.path(rel)).is_ok_and(|m| m.file_type().is_fifo())
    }

    /// Sets the permission bits of `root/rel`.
    ///
    /// # Errors
    /// The file system refuses.
    pub fn chmod(&self, rel: &str, mode: u32) -> Result<(), Fail> {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(self.path(rel), std::fs::Permissions::from_mode(mode))
            .map_err(|e| harness(&e))
    }

    /// Whether the suite runs as root, for which permissions do not apply.
    #[must_use]
    pub fn running_as_root() -> bool {
        rustix::process::geteuid().is_root()
    }

    /// Reads `root/rel` (None if absent).
    #[must_use]
    pub fn read(&self, rel: &str) -> Option<Vec<u8>> {
        std::fs::read(self.path(rel)).ok()
    }

    /// The file tree of the root.
    #[must_use]
    pub fn root_tree(&self) -> Tree {
        tree(&self.root)
    }

    /// Waits (up to 2 s, SEC-4) until the root holds exactly `before`,
    /// allowing empty directories under reserved `.mftp*` names.
    ///
    /// # Errors
    /// Leftovers or missing entries after 2 s.
    pub fn expect_root(&self, before: &Tree, clause: &'static str) -> Result<(), Fail> {
        // SEC-4 allows 2 s; half a step more keeps a loaded grading
        // machine from failing a correct server.
        let deadline = Instant::now() + Duration::from_secs(2) + self.step() / 2;
        loop {
            let now = without_reserved_dirs(&tree(&self.root));
            let want = without_reserved_dirs(before);
            if now == want {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(Fail::mismatch(
                    clause,
                    format!(
                        "the root holds exactly what it held before (empty `{RESERVED_PREFIX}*` directories allowed)"
                    ),
                    tree_diff(&want, &now),
                )
                .at("checking the root on disk"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
