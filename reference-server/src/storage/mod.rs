//! Storage: what the commands need from the file system, apart from the
//! network.
//!
//! Commands see only the [`Storage`] trait and a [`StorageError`] whose
//! [`ErrorKind`] maps to a reply code in exactly one place
//! ([`ErrorKind::code`]). The one implementation, [`fs::FsStorage`], confines
//! every name to the root with `cap-std`.

pub mod fs;
pub mod open_files;

use std::io;

use mftp_protocol::{Code, Entry, Name};

/// What went wrong, as far as the client needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Absent, outside the root, or not a file or directory (SEC-3).
    NotFound,
    /// A directory where a file is needed, or the reverse.
    WrongKind,
    /// An upload's name is taken (UPLOAD-5).
    Exists,
    /// The disk is full.
    NoSpace,
    /// Any other I/O failure.
    Io,
}

impl ErrorKind {
    /// The reply code for this kind: the one place storage errors meet the
    /// protocol.
    #[must_use]
    pub fn code(self) -> Code {
        match self {
            ErrorKind::NotFound => Code::NotFound,
            ErrorKind::WrongKind => Code::WrongKind,
            ErrorKind::Exists => Code::Exists,
            ErrorKind::NoSpace => Code::NoSpace,
            ErrorKind::Io => Code::IoError,
        }
    }
}

/// A storage failure: its kind for the client, its cause for the log.
#[derive(Debug, thiserror::Error)]
#[error("{kind:?}: {source}")]
pub struct StorageError {
    /// What the client is told.
    pub kind: ErrorKind,
    /// What the operator is told.
    #[source]
    pub source: io::Error,
}

impl StorageError {
    /// An error of `kind` with a fixed description.
    #[must_use]
    pub fn new(kind: ErrorKind, what: &'static str) -> Self {
        Self {
            kind,
            source: io::Error::other(what),
        }
    }
}

/// The result of a storage operation.
pub type Result<T> = std::result::Result<T, StorageError>;

/// The file operations behind the seven commands. Implementations keep
/// every name inside their root (SEC-1).
pub trait Storage: Send + Sync + 'static {
    /// The entries of the root (`None`) or of a directory, sorted by name
    /// bytes, without entries the protocol cannot show (LS-5).
    fn list(&self, dir: Option<&Name>) -> Result<Vec<Entry>>;

    /// The length of a regular file.
    fn file_size(&self, name: &Name) -> Result<u64>;

    /// Opens a regular file for reading; returns it with its length. The
    /// file may be shared with other downloads of the same name: read it
    /// at explicit offsets (`sendfile` with an offset, `pread`).
    fn open_file(&self, name: &Name) -> Result<(std::sync::Arc<std::fs::File>, u64)>;

    /// Removes a file, or a link to one (RM-1, RM-3).
    fn remove_file(&self, name: &Name) -> Result<()>;

    /// Housekeeping the server runs every few seconds: closing files kept
    /// open past their time ([`open_files::OpenFiles::sweep`]).
    fn tidy(&self) {}

    /// Checks that `name` can be uploaded (UPLOAD-2's file-system checks)
    /// and starts a hidden temporary file for it.
    fn begin_upload(&self, name: &Name) -> Result<Box<dyn Upload>>;
}

/// An upload in progress: invisible until [`Upload::commit`] (UPLOAD-6).
/// Dropping it without committing removes everything it wrote.
pub trait Upload: Send {
    /// Appends data.
    fn write(&mut self, data: &[u8]) -> Result<()>;

    /// Flushes to stable storage and makes the file visible under its name,
    /// never replacing an existing entry (UPLOAD-4, UPLOAD-5).
    fn commit(self: Box<Self>) -> Result<()>;
}
