//! What the scripted server sends ([`Out`]: reply lines, listing entries,
//! data, each as the transcript shows it) and in which writes it goes out
//! ([`Pieces`]).

use std::time::Duration;

/// What one part of an [`Out`] is, for the transcript.
pub(super) enum Part {
    Reply(Vec<u8>),
    Entry(Vec<u8>),
    Data(usize),
}

/// Bytes the scripted server sends, with how the transcript shows them.
#[derive(Default)]
pub struct Out {
    pub(super) bytes: Vec<u8>,
    pub(super) parts: Vec<Part>,
}

impl Out {
    #[must_use]
    pub fn new() -> Out {
        Out::default()
    }

    /// A reply line: `line` and LF.
    #[must_use]
    pub fn reply(self, line: &str) -> Out {
        let mut raw = line.as_bytes().to_vec();
        raw.push(b'\n');
        self.reply_raw(&raw)
    }

    /// A reply line exactly as given (its CR LF or LF included).
    #[must_use]
    pub fn reply_raw(mut self, raw: &[u8]) -> Out {
        self.bytes.extend_from_slice(raw);
        self.parts.push(Part::Reply(raw.to_vec()));
        self
    }

    /// A listing entry line exactly as given (its LF included).
    #[must_use]
    pub fn entry_raw(mut self, raw: &[u8]) -> Out {
        self.bytes.extend_from_slice(raw);
        self.parts.push(Part::Entry(raw.to_vec()));
        self
    }

    /// `200 <n>` and the n entries, each ended by LF.
    #[must_use]
    pub fn listing(self, entries: &[&str]) -> Out {
        let mut out = self.reply(&format!("200 {}", entries.len()));
        for e in entries {
            out = out.entry_raw(format!("{e}\n").as_bytes());
        }
        out
    }

    /// Raw data bytes (a download).
    #[must_use]
    pub fn data(mut self, bytes: &[u8]) -> Out {
        self.bytes.extend_from_slice(bytes);
        self.parts.push(Part::Data(bytes.len()));
        self
    }

    /// How many bytes this is.
    #[must_use]
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// In which writes an [`Out`] goes out.
#[derive(Clone, Debug)]
pub enum Pieces {
    /// One write.
    Whole,
    /// One write per part (a reply line, an entry line, a block of data),
    /// with a pause after each: what a server that writes as it goes
    /// sends, and what a client that takes one `recv` for one line gets
    /// while it waits. Cases where segmentation is not the subject send
    /// this ([`APART`]), so that such a client fails CLIENT-7's cases and
    /// not every case with a listing or a download.
    Parts(Duration),
    /// One byte per write, with a pause after each.
    Bytewise(Duration),
    /// Writes of these sizes in turn, the rest in one last write, with a
    /// pause after each.
    Sizes(Vec<usize>, Duration),
}

/// Parts apart, [`GAP`] between writes.
pub const APART: Pieces = Pieces::Parts(GAP);

/// The least time between two [`Out`]s (and between the parts of
/// [`Pieces::Parts`]): a client waiting in `recv` gets each in a read of
/// its own, so that only the cases about segmentation (CLIENT-7) see what
/// a client that takes one `recv` for one reply does with two.
pub const GAP: Duration = Duration::from_millis(20);
