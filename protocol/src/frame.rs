//! Line framing: turns a byte buffer into command or reply lines.
//!
//! TCP delivers a byte stream, so a line may arrive in pieces and several
//! lines may arrive at once (FRAME-3). Callers keep a buffer, append what
//! they read, and call [`take_line`] until it answers `Ok(None)`.

/// The longest command line, LF and any CR included (FRAME-4).
pub const MAX_LINE: usize = 4096;

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

/// Takes one line from the front of `buf`, if a whole one is there.
///
/// Returns the line without its LF and without one CR before the LF
/// (FRAME-2), and the number of bytes it used up. `Ok(None)` means "not
/// enough data yet". A buffer holding `limit` or more bytes with no LF among
/// the first `limit` is [`FrameError::TooLong`].
///
/// ```
/// use mftp_protocol::take_line;
/// assert_eq!(take_line(b"ls\r\nsize a", 4096), Ok(Some((&b"ls"[..], 4))));
/// assert_eq!(take_line(b"size a", 4096), Ok(None));
/// ```
pub fn take_line(buf: &[u8], limit: usize) -> Result<Option<(&[u8], usize)>, FrameError> {
    let window = &buf[..buf.len().min(limit)];
    match window.iter().position(|&b| b == b'\n') {
        Some(lf) => {
            let line = &buf[..lf];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            Ok(Some((line, lf + 1)))
        }
        None if buf.len() >= limit => Err(FrameError::TooLong { limit }),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lf_and_crlf_end_a_line() {
        // FRAME-2
        assert_eq!(take_line(b"ls\n", MAX_LINE), Ok(Some((&b"ls"[..], 3))));
        assert_eq!(take_line(b"ls\r\n", MAX_LINE), Ok(Some((&b"ls"[..], 4))));
    }

    #[test]
    fn only_one_cr_is_stripped() {
        // FRAME-2: "that one CR is removed"; no other byte is altered.
        assert_eq!(
            take_line(b"ls\r\r\n", MAX_LINE),
            Ok(Some((&b"ls\r"[..], 5)))
        );
        assert_eq!(take_line(b"a\rb\n", MAX_LINE), Ok(Some((&b"a\rb"[..], 4))));
    }

    #[test]
    fn partial_line_waits_for_more() {
        // FRAME-3
        assert_eq!(take_line(b"", MAX_LINE), Ok(None));
        assert_eq!(take_line(b"downl", MAX_LINE), Ok(None));
    }

    #[test]
    fn several_lines_come_out_one_at_a_time() {
        // FRAME-3, PIPE-1
        let buf = b"ls\nsize a\n";
        let (first, used) = take_line(buf, MAX_LINE).expect("framing").expect("line");
        assert_eq!(first, b"ls");
        assert_eq!(
            take_line(&buf[used..], MAX_LINE),
            Ok(Some((&b"size a"[..], 7)))
        );
    }

    #[test]
    fn line_of_exactly_the_limit_is_accepted() {
        // FRAME-4: "A line of exactly 4096 bytes is processed normally."
        let mut line = vec![b'x'; MAX_LINE - 1];
        line.push(b'\n');
        let (got, used) = take_line(&line, MAX_LINE).expect("framing").expect("line");
        assert_eq!((got.len(), used), (MAX_LINE - 1, MAX_LINE));
    }

    #[test]
    fn limit_without_lf_is_too_long() {
        // FRAME-4: "As soon as 4096 bytes have arrived without an LF"
        let buf = vec![b'x'; MAX_LINE];
        assert_eq!(
            take_line(&buf, MAX_LINE),
            Err(FrameError::TooLong { limit: MAX_LINE })
        );
        assert_eq!(take_line(&buf[..MAX_LINE - 1], MAX_LINE), Ok(None));
    }

    #[test]
    fn lf_after_the_limit_does_not_count() {
        let mut buf = vec![b'x'; MAX_LINE];
        buf.push(b'\n');
        assert!(take_line(&buf, MAX_LINE).is_err());
    }
}
