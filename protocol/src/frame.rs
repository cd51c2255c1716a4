//! Line framing: turns a byte stream into command or reply lines.
//!
//! TCP delivers a byte stream, so a line may arrive in pieces and several
//! lines may arrive at once (FRAME-3). A [`LineBuffer`] takes the bytes as
//! they are read and hands out whole lines; what follows a line stays in it
//! (the next pipelined command, or data that arrived with a `150`, PIPE-2)
//! until the caller takes it. It does no I/O itself: the server, the client
//! and the benchmarks each read their own socket into it.

/// The longest command line, LF and any CR included (FRAME-4).
pub const MAX_LINE: usize = 4096;

/// The longest reply line (or listing line) a client accepts, LF
/// included. spec.md caps only command lines, but every reply field is
/// short; this only stops a runaway server from filling a client's memory.
pub const MAX_REPLY_LINE: usize = 64 * 1024;

/// Why a line could not be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// `limit` bytes arrived without an LF (FRAME-4).
    #[error("line longer than {limit} bytes")]
    TooLong {
        /// The limit that was exceeded.
        limit: usize,
    },
}

/// Why [`LineBuffer::read_line`] returned no line.
#[derive(Debug, thiserror::Error)]
pub enum ReadLineError<E> {
    /// The line is over the limit (FRAME-4).
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// The reader reported the end of the stream before a whole line.
    #[error("the connection closed")]
    Closed,
    /// The reader failed.
    #[error(transparent)]
    Read(E),
}

/// A fixed-size input buffer that cuts lines out of a byte stream.
///
/// ```text
/// [ used | pending: line LF line LF partial-line | spare ]
///          ^start                                ^end
/// ```
///
/// [`LineBuffer::read_line`] takes the next whole line, calling the
/// caller's read function as often as it needs more bytes. Its memory
/// never grows: a line longer than the limit is an error as soon as that
/// many bytes are pending without an LF (FRAME-4), however the bytes were
/// split into reads.
#[derive(Debug)]
pub struct LineBuffer {
    /// Never shorter than `limit`, so that there is room to read whenever
    /// no line is complete.
    buf: Box<[u8]>,
    /// `buf[start..end]` is received and not yet taken.
    start: usize,
    end: usize,
    /// The longest line, LF and any CR included.
    limit: usize,
}

impl LineBuffer {
    /// A buffer for lines of at most `limit` bytes that reads up to
    /// `capacity` bytes at once (at least `limit`).
    #[must_use]
    pub fn new(limit: usize, capacity: usize) -> Self {
        Self {
            buf: vec![0; capacity.max(limit).max(1)].into_boxed_slice(),
            start: 0,
            end: 0,
            limit,
        }
    }

    /// Takes the next whole line, without its LF and without one CR before
    /// the LF (FRAME-2). `Ok(None)` means "not enough data yet": read more
    /// into [`LineBuffer::spare`].
    ///
    /// # Errors
    /// [`FrameError::TooLong`] once `limit` bytes are pending without an LF
    /// among them; the line is not taken, so asking again answers the same.
    #[cfg(test)]
    fn next_line(&mut self) -> Result<Option<&[u8]>, FrameError> {
        Ok(self.find_line()?.map(|(from, to)| &self.buf[from..to]))
    }

    /// Reads with `read` until a whole line is here, then takes it: the
    /// line without its LF and without one CR before the LF (FRAME-2).
    /// `read` fills the slice it is given and
    /// returns how many bytes it put there, 0 at the end of the stream; it
    /// is called only when no whole line is pending, so it is the place to
    /// flush queued output before waiting.
    ///
    /// # Errors
    /// A line over the limit ([`FrameError::TooLong`] once `limit` bytes
    /// are pending without an LF among them), the end of the stream before
    /// a whole line, or what `read` returned.
    pub fn read_line<E>(
        &mut self,
        mut read: impl FnMut(&mut [u8]) -> Result<usize, E>,
    ) -> Result<&[u8], ReadLineError<E>> {
        let (from, to) = loop {
            if let Some(found) = self.find_line()? {
                break found;
            }
            match read(self.spare()).map_err(ReadLineError::Read)? {
                0 => return Err(ReadLineError::Closed),
                n => self.filled(n),
            }
        };
        Ok(&self.buf[from..to])
    }

    /// Room to read into, after the pending bytes (which it first moves to
    /// the front). Never empty while no whole line is pending, since the
    /// buffer is at least `limit` long.
    fn spare(&mut self) -> &mut [u8] {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        &mut self.buf[self.end..]
    }

    /// Records that `n` bytes were read into [`LineBuffer::spare`] (at
    /// most its length).
    fn filled(&mut self, n: usize) {
        self.end = (self.end + n).min(self.buf.len());
    }

    /// The bytes received and not taken yet: after a line, the start of
    /// the data that came with it.
    #[must_use]
    pub fn pending(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Drops the first `n` pending bytes (at most all of them), once the
    /// caller has used them as data.
    pub fn consume(&mut self, n: usize) {
        self.start += n.min(self.end - self.start);
    }

    /// Moves pending bytes into `out`, as many as fit; returns how many.
    pub fn take_pending(&mut self, out: &mut [u8]) -> usize {
        let n = out.len().min(self.end - self.start);
        out[..n].copy_from_slice(&self.buf[self.start..self.start + n]);
        self.start += n;
        n
    }

    /// Finds the next line and takes it; returns where it lies in `buf`.
    fn find_line(&mut self) -> Result<Option<(usize, usize)>, FrameError> {
        let Some((len, used)) = take_line(self.pending(), self.limit)? else {
            return Ok(None);
        };
        let from = self.start;
        self.start += used;
        Ok(Some((from, from + len)))
    }
}

/// Finds one line at the front of `buf`, if a whole one is there: returns
/// the length of the line without its LF and without one CR before the LF
/// (FRAME-2), and the number of bytes it uses up. `Ok(None)` means "not
/// enough data yet". A buffer holding `limit` or more bytes with no LF
/// among the first `limit` is [`FrameError::TooLong`].
fn take_line(buf: &[u8], limit: usize) -> Result<Option<(usize, usize)>, FrameError> {
    let window = &buf[..buf.len().min(limit)];
    match window.iter().position(|&b| b == b'\n') {
        Some(lf) => {
            let len = if lf > 0 && buf[lf - 1] == b'\r' {
                lf - 1
            } else {
                lf
            };
            Ok(Some((len, lf + 1)))
        }
        None if buf.len() >= limit => Err(FrameError::TooLong { limit }),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A buffer holding `bytes`, with room for more.
    fn holding(bytes: &[u8]) -> LineBuffer {
        let mut lines = LineBuffer::new(MAX_LINE, 2 * MAX_LINE);
        lines.spare()[..bytes.len()].copy_from_slice(bytes);
        lines.filled(bytes.len());
        lines
    }

    fn line(bytes: &[u8]) -> Result<Option<Vec<u8>>, FrameError> {
        holding(bytes).next_line().map(|l| l.map(<[u8]>::to_vec))
    }

    #[test]
    fn lf_and_crlf_end_a_line() {
        // FRAME-2
        assert_eq!(line(b"ls\n"), Ok(Some(b"ls".to_vec())));
        assert_eq!(line(b"ls\r\n"), Ok(Some(b"ls".to_vec())));
        assert_eq!(line(b"\n"), Ok(Some(Vec::new())));
        assert_eq!(line(b"\r\n"), Ok(Some(Vec::new())));
    }

    #[test]
    fn only_one_cr_is_stripped() {
        // FRAME-2: "that one CR is removed"; no other byte is altered.
        assert_eq!(line(b"ls\r\r\n"), Ok(Some(b"ls\r".to_vec())));
        assert_eq!(line(b"a\rb\n"), Ok(Some(b"a\rb".to_vec())));
    }

    #[test]
    fn partial_line_waits_for_more() {
        // FRAME-3
        assert_eq!(line(b""), Ok(None));
        assert_eq!(line(b"downl"), Ok(None));
        let mut lines = holding(b"downl");
        assert_eq!(lines.next_line(), Ok(None));
        lines.spare()[..6].copy_from_slice(b"oad a\n");
        lines.filled(6);
        assert_eq!(lines.next_line(), Ok(Some(&b"download a"[..])));
    }

    #[test]
    fn several_lines_come_out_one_at_a_time() {
        // FRAME-3, PIPE-1
        let mut lines = holding(b"ls\nsize a\nupl");
        assert_eq!(lines.next_line(), Ok(Some(&b"ls"[..])));
        assert_eq!(lines.next_line(), Ok(Some(&b"size a"[..])));
        assert_eq!(lines.next_line(), Ok(None));
        assert_eq!(lines.pending(), b"upl");
    }

    #[test]
    fn data_after_a_line_stays_pending() {
        // PIPE-2: upload data may arrive with its command line.
        let mut lines = holding(b"upload 5 a\n12345ls\n");
        assert_eq!(lines.next_line(), Ok(Some(&b"upload 5 a"[..])));
        let mut data = [0_u8; 5];
        assert_eq!(lines.take_pending(&mut data), 5);
        assert_eq!(&data, b"12345");
        assert_eq!(lines.next_line(), Ok(Some(&b"ls"[..])));
        let mut lines = holding(b"150 3\nabc");
        assert_eq!(lines.next_line(), Ok(Some(&b"150 3"[..])));
        assert_eq!(lines.pending(), b"abc");
        lines.consume(10);
        assert_eq!(lines.pending(), b"");
    }

    #[test]
    fn line_of_exactly_the_limit_is_accepted() {
        // FRAME-4: "A line of exactly 4096 bytes is processed normally."
        let mut bytes = vec![b'x'; MAX_LINE - 1];
        bytes.push(b'\n');
        let got = line(&bytes).expect("framing").expect("line");
        assert_eq!(got.len(), MAX_LINE - 1);
    }

    #[test]
    fn limit_without_lf_is_too_long() {
        // FRAME-4: "As soon as 4096 bytes have arrived without an LF"
        let too_long = Err(FrameError::TooLong { limit: MAX_LINE });
        assert_eq!(line(&vec![b'x'; MAX_LINE]), too_long);
        assert_eq!(line(&vec![b'x'; MAX_LINE - 1]), Ok(None));
        // An LF after the limit does not count.
        let mut bytes = vec![b'x'; MAX_LINE];
        bytes.push(b'\n');
        assert_eq!(line(&bytes), too_long);
    }

    #[test]
    fn memory_stays_fixed_however_the_bytes_come() {
        // FRAME-4: "it never buffers more than 4096 bytes of one command
        // line": one byte at a time, the error comes at the limit, with room
        // to read left until then.
        let mut lines = LineBuffer::new(MAX_LINE, MAX_LINE);
        for _ in 0..MAX_LINE {
            assert_eq!(lines.next_line(), Ok(None));
            let spare = lines.spare();
            assert!(!spare.is_empty());
            spare[0] = b'x';
            lines.filled(1);
        }
        assert!(lines.next_line().is_err());
    }

    #[test]
    fn read_line_reads_until_a_line_is_whole() {
        let mut chunks = [&b"si"[..], b"ze a\r", b"\nls"].into_iter();
        let mut lines = LineBuffer::new(MAX_LINE, MAX_LINE);
        let mut read = |spare: &mut [u8]| -> Result<usize, ()> {
            let chunk = chunks.next().unwrap_or_default();
            spare[..chunk.len()].copy_from_slice(chunk);
            Ok(chunk.len())
        };
        assert_eq!(lines.read_line(&mut read).ok(), Some(&b"size a"[..]));
        assert!(matches!(
            lines.read_line(&mut read),
            Err(ReadLineError::Closed)
        ));
        let mut lines = LineBuffer::new(4, 4);
        let read = |spare: &mut [u8]| -> Result<usize, ()> {
            spare.fill(b'x');
            Ok(spare.len())
        };
        assert!(matches!(
            lines.read_line(read),
            Err(ReadLineError::Frame(FrameError::TooLong { limit: 4 }))
        ));
    }
}
