//! Expectations: what the server must have said, and which clause to blame
//! when it did not.
//!
//! [`Expect`] is an extension trait on [`Conn`], so a case reads as a
//! dialogue, `c.cmd("size a.txt")?; c.expect_size(5)?;`, while `wire.rs`
//! keeps only byte moving: the one `use crate::expect::Expect as _` line of
//! a case file says where its judgements come from. (An inherent `impl
//! Conn` in this module would read the same at call sites, but would hide
//! from a reader of `wire.rs` that half of `Conn`'s methods live here.)
//! The helpers that span several steps or re-attribute a failure
//! (`upload`, `size_is`, `rejected`, …, in `steps.rs`) and the listing
//! helper `names` are free functions taking `&mut Conn`: they are
//! sequences, not one reply, and some also look at the disk (`&Ctx`).
//!
//! # Attribution
//!
//! A case stops at its first failing step and the report blames the clause
//! that step names (see `report/mod.rs`). Every reply line is checked
//! against FRAME-6 as it arrives, wherever it comes. Beyond that the
//! helpers name the most specific clause the observation contradicts, so
//! that a server with one bug is not blamed for the clause a case happens
//! to be about:
//!
//! - a reply with the wrong code means the command was not served as the
//!   case needs: the case's clause (`clause`);
//! - the right code with a wrong field is the command's own clause (`150 6`
//!   for a 5-byte file is DOWNLOAD-1, a wrong `<mb>` is SIZE-2);
//! - "missing" with the wrong error code is the command's missing-name
//!   clause (SIZE-3, DOWNLOAD-3, LS-4, RM-2, UPLOAD-2); a success reply
//!   where a name must be absent is the case's clause;
//! - bytes stored under another name are the case's clause; bytes not
//!   (yet) stored when `226` arrived are UPLOAD-4;
//! - a listing in another order is LS-3's, one that differs only in `/`
//!   LS-2's, an entry that is not one valid name component LS-5's.

use crate::fail::{Fail, FailKind, around_difference};
use crate::model::{is_dec, megabytes};
use crate::transcript::escape;
use crate::wire::{Closing, Conn, Cut, DataCut, MAX_LINE};
use std::time::Duration;

mod listing;
mod steps;

pub use listing::names;
pub use steps::{
    absent, count_is, download, download_as, every_command, missing, rejected, size_is, steps,
    stored, upload,
};

/// One reply line, checked against FRAME-6.
#[derive(Clone, Debug)]
pub struct Reply {
    pub code: u16,
    /// Everything after `NNN ` (fields and free text), without CR LF.
    pub text: String,
    /// The line as received.
    pub raw: Vec<u8>,
}

impl Reply {
    /// The whitespace-separated word `i` after the code (a field).
    #[must_use]
    pub fn field(&self, i: usize) -> Option<&str> {
        self.text.split(' ').nth(i)
    }

    /// The line for messages: escaped, without the LF.
    #[must_use]
    pub fn shown(&self) -> String {
        escape(self.raw.strip_suffix(b"\n").unwrap_or(&self.raw))
    }

    /// Parses a reply line (LF included) by FRAME-6: three digits 1xx-5xx,
    /// one SP, text that is UTF-8 without control bytes (0x00-0x1F, 0x7F;
    /// C1 characters such as U+0085 are text); one CR before the LF is
    /// allowed.
    ///
    /// # Errors
    /// Why the line breaks FRAME-6.
    pub fn parse(raw: Vec<u8>) -> Result<Reply, &'static str> {
        let body = raw.strip_suffix(b"\n").unwrap_or(&raw);
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        if body.len() < 4
            || !body[..3].iter().all(u8::is_ascii_digit)
            || !(b'1'..=b'5').contains(&body[0])
        {
            return Err("does not start with a code 100-599");
        }
        if body[3] != b' ' {
            return Err("the code is not followed by one SP");
        }
        let Ok(text) = std::str::from_utf8(&body[4..]) else {
            return Err("the text is not valid UTF-8");
        };
        if text.bytes().any(|b| b < 0x20 || b == 0x7F) {
            return Err("the text contains a control byte (0x00-0x1F or 0x7F)");
        }
        let code = body[..3]
            .iter()
            .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
        let text = text.to_string();
        Ok(Reply { code, text, raw })
    }
}

/// Reads replies, listings and data from a [`Conn`] and judges them.
pub trait Expect {
    /// Reads one reply line and checks it against FRAME-6; a close or a
    /// timeout is `clause`'s failure.
    ///
    /// # Errors
    /// Timeout, close, or a malformed reply line.
    fn reply(&mut self, clause: &'static str) -> Result<Reply, Fail>;

    /// Reads a reply whose code must be `code`.
    ///
    /// # Errors
    /// Any other reply, or no reply.
    fn expect(&mut self, code: u16, clause: &'static str) -> Result<Reply, Fail>;

    /// Reads a reply whose code must be one of `allowed`, each with the
    /// clause that allows it.
    ///
    /// # Errors
    /// Any other reply, or no reply.
    fn expect_one_of(&mut self, allowed: &[(u16, &'static str)]) -> Result<Reply, Fail>;

    /// Reads the greeting `220 mftp/1 [text]`.
    ///
    /// # Errors
    /// Anything else.
    fn expect_greeting(&mut self, clause: &'static str) -> Result<Reply, Fail>;

    /// Sends `connme` and expects the greeting: the connection is open and
    /// nothing stray (data, extra lines) was queued before it.
    ///
    /// # Errors
    /// Anything but the greeting.
    fn expect_open(&mut self, clause: &'static str) -> Result<(), Fail>;

    /// Reads `CODE <dec>` where the number must be `n` (150, 226).
    ///
    /// # Errors
    /// Any other reply.
    fn expect_count(&mut self, code: u16, n: u64, clause: &'static str) -> Result<Reply, Fail>;

    /// Reads `213 <bytes> <mb> MB` for a file of `n` bytes (SIZE-1, SIZE-2).
    ///
    /// # Errors
    /// Any other reply.
    fn expect_size(&mut self, n: u64) -> Result<Reply, Fail>;

    /// Reads a listing `200 <n>` plus n entries and returns the entries as
    /// sent (without LF); each must be one valid name component (LS-5).
    ///
    /// # Errors
    /// A malformed listing.
    fn listing(&mut self, clause: &'static str) -> Result<Vec<Vec<u8>>, Fail>;

    /// Reads a listing that must be exactly `want` (entries with `/` for
    /// directories, in order), entries under reserved names left out.
    ///
    /// # Errors
    /// Any other listing.
    fn expect_listing(&mut self, want: &[&str], clause: &'static str) -> Result<(), Fail>;

    /// Reads `want.len()` data bytes and compares them with `want` as they
    /// arrive (large reads, nothing kept), naming the first differing
    /// offset.
    ///
    /// # Errors
    /// Different bytes, a close, or no progress within one step.
    fn expect_data(&mut self, want: &[u8], clause: &'static str) -> Result<(), Fail>;

    /// Expects the server to close the connection with nothing more sent.
    ///
    /// # Errors
    /// More bytes, or the connection still open after one step.
    fn expect_closed(&mut self, clause: &'static str) -> Result<(), Fail>;

    /// As [`Expect::expect_closed`], and the end must be orderly (a FIN),
    /// not a reset (FRAME-9).
    ///
    /// # Errors
    /// More bytes, a reset, or the connection still open after one step.
    fn expect_orderly_close(&mut self, clause: &'static str) -> Result<(), Fail>;

    /// As [`Expect::expect_data`], reading at most `chunk` bytes at a time
    /// with `pause` between reads: a client that reads slowly but never
    /// stops.
    ///
    /// # Errors
    /// As [`Expect::expect_data`].
    fn expect_data_paced(
        &mut self,
        want: &[u8],
        chunk: usize,
        pause: Duration,
        clause: &'static str,
    ) -> Result<(), Fail>;
}

impl Expect for Conn {
    fn reply(&mut self, clause: &'static str) -> Result<Reply, Fail> {
        let raw = self.reply_line();
        let raw = line(self, raw, clause, "a reply line")?;
        let body = raw.strip_suffix(b"\n").unwrap_or(&raw);
        let shown = escape(body.strip_suffix(b"\r").unwrap_or(body));
        Reply::parse(raw).map_err(|why| {
            fail(
                self,
                FailKind::Mismatch,
                "FRAME-6",
                "a reply line `code SP text LF`: three digits 1xx-5xx, one SP, UTF-8 text without control bytes",
                format!("{shown:?}: {why}"),
            )
        })
    }

    fn expect(&mut self, code: u16, clause: &'static str) -> Result<Reply, Fail> {
        self.expect_one_of(&[(code, clause)])
    }

    fn expect_one_of(&mut self, allowed: &[(u16, &'static str)]) -> Result<Reply, Fail> {
        let clause = allowed.first().map_or("", |a| a.1);
        let r = self.reply(clause)?;
        if allowed.iter().any(|(c, _)| *c == r.code) {
            return Ok(r);
        }
        Err(fail(
            self,
            FailKind::Mismatch,
            clause,
            outcomes(allowed),
            r.shown(),
        ))
    }

    fn expect_greeting(&mut self, clause: &'static str) -> Result<Reply, Fail> {
        let r = self.reply(clause)?;
        if r.code == 220 && (r.text == "mftp/1" || r.text.starts_with("mftp/1 ")) {
            return Ok(r);
        }
        Err(fail(
            self,
            FailKind::Mismatch,
            clause,
            "the greeting `220 mftp/1` (optionally SP and text)",
            r.shown(),
        ))
    }

    fn expect_open(&mut self, clause: &'static str) -> Result<(), Fail> {
        self.cmd("connme")?;
        self.expect_greeting(clause).map(|_| ())
    }

    fn expect_count(&mut self, code: u16, n: u64, clause: &'static str) -> Result<Reply, Fail> {
        let r = self.reply(clause)?;
        let want = format!("`{code} {n}` (optionally SP and text)");
        if r.code != code {
            return Err(fail(self, FailKind::Mismatch, clause, want, r.shown()));
        }
        match r.field(0) {
            Some(f) if is_dec(f) && f == n.to_string() => Ok(r),
            Some(f) if f.parse::<u64>().ok() == Some(n) => Err(fail(
                self,
                FailKind::Mismatch,
                clause,
                want,
                format!("{} (leading zeros: `dec` has none)", r.shown()),
            )),
            _ => Err(fail(self, FailKind::Mismatch, clause, want, r.shown())),
        }
    }

    fn expect_size(&mut self, n: u64) -> Result<Reply, Fail> {
        let r = self.reply("SIZE-1")?;
        let mb = megabytes(n);
        let want = format!("`213 {n} {mb} MB` (optionally SP and text)");
        if r.code != 213 || r.field(0) != Some(n.to_string().as_str()) || r.field(2) != Some("MB") {
            return Err(fail(self, FailKind::Mismatch, "SIZE-1", want, r.shown()));
        }
        if r.field(1) != Some(mb.as_str()) {
            return Err(fail(self, FailKind::Mismatch, "SIZE-2", want, r.shown()));
        }
        Ok(r)
    }

    fn listing(&mut self, clause: &'static str) -> Result<Vec<Vec<u8>>, Fail> {
        listing::listing(self, clause)
    }

    fn expect_listing(&mut self, want: &[&str], clause: &'static str) -> Result<(), Fail> {
        listing::expect_listing(self, want, clause)
    }

    fn expect_data(&mut self, want: &[u8], clause: &'static str) -> Result<(), Fail> {
        self.expect_data_paced(want, 1 << 20, Duration::ZERO, clause)
    }

    fn expect_orderly_close(&mut self, clause: &'static str) -> Result<(), Fail> {
        match self.await_close() {
            Closing::Reset => Err(fail(
                self,
                FailKind::Mismatch,
                clause,
                "an orderly end of stream after the reply (the server drains unread input before closing)",
                "a reset: the server closed with unread input, which can destroy the reply at the client",
            )),
            _ => self.expect_closed(clause),
        }
    }

    fn expect_data_paced(
        &mut self,
        want: &[u8],
        chunk_len: usize,
        pause: Duration,
        clause: &'static str,
    ) -> Result<(), Fail> {
        let mut pos = 0;
        let mut chunk = vec![0u8; chunk_len];
        while pos < want.len() {
            if !pause.is_zero() && pos > 0 {
                std::thread::sleep(pause);
            }
            let room = (want.len() - pos).min(chunk_len);
            let cut = match self.read_data(&mut chunk[..room]) {
                Ok(k) => {
                    compare(self, &chunk[..k], want, pos, clause)?;
                    pos += k;
                    continue;
                }
                Err(cut) => cut,
            };
            self.log_data(pos);
            let expected = format!("{} data bytes", want.len());
            return Err(match cut {
                DataCut::Closed => {
                    self.log_closed();
                    fail(
                        self,
                        FailKind::Closed,
                        clause,
                        expected,
                        format!("the server closed the connection after {pos} of them"),
                    )
                }
                DataCut::Stalled => fail(
                    self,
                    FailKind::Timeout,
                    clause,
                    expected,
                    crate::fail::stalled_after(pos, self.step),
                ),
                DataCut::Broken(e) => fail(
                    self,
                    FailKind::Closed,
                    clause,
                    expected,
                    format!("{e} after {pos} bytes"),
                ),
            });
        }
        self.log_data(want.len());
        Ok(())
    }

    fn expect_closed(&mut self, clause: &'static str) -> Result<(), Fail> {
        match self.await_close() {
            Closing::Closed | Closing::Reset => Ok(()),
            Closing::Sent => Err(fail(
                self,
                FailKind::Mismatch,
                clause,
                "the server closes the connection, sending nothing more",
                format!("it sent {}", self.so_far()),
            )),
            Closing::Open => Err(fail(
                self,
                FailKind::Timeout,
                clause,
                "the server closes the connection",
                format!("TIMEOUT: still open after {:.1} s", self.step.as_secs_f64()),
            )),
        }
    }
}

/// A failure at the connection's current step.
fn fail(
    c: &Conn,
    kind: FailKind,
    clause: &'static str,
    expected: impl Into<String>,
    actual: impl Into<String>,
) -> Fail {
    Fail::new(kind, clause, c.last_sent(), expected, actual)
}

/// The line `read` returned, or why there is none: a close or a timeout
/// is `clause`'s failure, a runaway line FRAME-6's.
fn line(
    c: &Conn,
    read: Result<Vec<u8>, Cut>,
    clause: &'static str,
    what: &str,
) -> Result<Vec<u8>, Fail> {
    read.map_err(|cut| match cut {
        Cut::Runaway(len) => fail(
            c,
            FailKind::Mismatch,
            "FRAME-7",
            format!("{what} of at most {MAX_LINE} bytes, ended by LF"),
            format!("{len} bytes without LF: {}", c.so_far()),
        ),
        Cut::Closed => fail(
            c,
            FailKind::Closed,
            clause,
            what.to_string(),
            format!(
                "the server closed the connection; received before that: {}",
                c.so_far()
            ),
        ),
        Cut::TimedOut => fail(
            c,
            FailKind::Timeout,
            clause,
            what.to_string(),
            format!(
                "TIMEOUT: nothing complete within {:.1} s; received so far: {}",
                c.step.as_secs_f64(),
                c.so_far()
            ),
        ),
    })
}

/// Compares `got`, the data bytes from offset `at`, with `want`.
fn compare(c: &Conn, got: &[u8], want: &[u8], at: usize, clause: &'static str) -> Result<(), Fail> {
    if got == &want[at..at + got.len()] {
        return Ok(());
    }
    let i = got
        .iter()
        .zip(&want[at..])
        .position(|(a, b)| a != b)
        .unwrap_or(0);
    c.log_data(at + i);
    let (expected, actual) = around_difference(want, at, got, i);
    Err(fail(
        c,
        FailKind::Mismatch,
        clause,
        format!("{} bytes identical to the file; {expected}", want.len()),
        actual,
    ))
}

/// "one of: `550` (SIZE-3), `553` (NAME-4)".
#[must_use]
pub fn outcomes(allowed: &[(u16, &'static str)]) -> String {
    let list: Vec<String> = allowed
        .iter()
        .map(|(c, cl)| format!("`{c}` ({cl})"))
        .collect();
    if list.len() == 1 {
        list[0].clone()
    } else {
        format!("one of: {}", list.join(", "))
    }
}
