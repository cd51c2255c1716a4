//! Wire types of mftp/1 with no I/O, shared by the reference server, the
//! reference client and the benchmarks so that they cannot drift apart.
//! Every wire form they use is encoded and parsed here, both ways.
//!
//! Everything here follows `spec.md`; doc comments cite its clause IDs.
//!
//! # Layout
//! - [`frame`]: a [`LineBuffer`] that cuts command and reply lines out of a
//!   byte stream (FRAME-2, FRAME-3), with the line limits (FRAME-4,
//!   [`MAX_REPLY_LINE`]).
//! - [`name`]: the name rules of section 4 (NAME-1 … NAME-5).
//! - [`request`]: command lines as a [`Request`] enum: parsing (server) and
//!   encoding (client).
//! - [`reply`]: reply codes; reply lines, encoded by [`encode_reply`] and
//!   parsed by [`ReplyLine`] and [`Reply`]; the `213` text ([`FileSizeText`]
//!   one way, [`FileSize`] the other).
//! - [`listing`]: the entry lines of `ls` as an [`Entry`], both ways.
//!
//! The conformance suite deliberately does not use this crate to judge
//! replies: it checks raw bytes against spec.md, so a bug shared by this
//! crate and the server cannot pass unseen.

pub mod frame;
pub mod listing;
pub mod name;
pub mod reply;
pub mod request;

pub use frame::{FrameError, LineBuffer, MAX_LINE, MAX_REPLY_LINE, ReadLineError};
pub use listing::{BadEntry, Entry};
pub use name::{Name, NameError};
pub use reply::{BadReply, Code, FileSize, FileSizeText, Reply, ReplyLine, encode_reply};
pub use request::{ParseError, Request};

/// The protocol tag sent in every greeting (`220 mftp/1 …`, FRAME-1).
pub const PROTOCOL: &str = "mftp/1";

/// The text of the reference server's greeting (FRAME-1, CONNME-1); the
/// benchmarks' baseline greets with a line of the same length.
pub const GREETING: &str = "mftp/1 ready";

/// The default TCP port of the reference server and client.
pub const DEFAULT_PORT: u16 = 2121;

#[cfg(test)]
mod tests {
    #[test]
    fn the_greeting_starts_with_the_protocol_tag() {
        // FRAME-1: `220 mftp/1 [SP text]`.
        let rest = super::GREETING.strip_prefix(super::PROTOCOL);
        assert!(rest.is_some_and(|rest| rest.is_empty() || rest.starts_with(' ')));
    }
}
