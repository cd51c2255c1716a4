//! Wire types of mftp/1 with no I/O, shared by the reference server and
//! client so that they cannot drift apart.
//!
//! Everything here follows `spec.md`; doc comments cite its clause IDs.
//!
//! # Layout
//! - [`frame`]: cutting command and reply lines out of a byte buffer
//!   (FRAME-2, FRAME-4).
//! - [`name`]: the name rules of section 4 (NAME-1 … NAME-5).
//! - [`request`]: command lines as a [`Request`] enum: parsing (server) and
//!   encoding (client).
//! - [`reply`]: reply codes, reply lines, and the `size` megabyte formula.
//!
//! The conformance suite deliberately does not use this crate to judge
//! replies: it checks raw bytes against spec.md, so a bug shared by this
//! crate and the server cannot pass unseen.

pub mod frame;
pub mod name;
pub mod reply;
pub mod request;

pub use frame::{FrameError, MAX_LINE, take_line};
pub use name::{Name, NameError};
pub use reply::{Code, FileSizeText, Megabytes, Reply, ReplyLine, megabytes};
pub use request::{ParseError, Request};

/// The protocol tag sent in every greeting (`220 mftp/1 …`, FRAME-1).
pub const PROTOCOL: &str = "mftp/1";

/// The default TCP port of the reference server and client.
pub const DEFAULT_PORT: u16 = 2121;
