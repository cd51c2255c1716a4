//! What the client sends, judged against what a case expects: a command
//! line (CLIENT-5's comparison), `upload <size> NAME` (CLIENT-14), upload
//! data byte for byte, silence, a close, the end of a session. A wrong
//! line is blamed on the clause that decides it (a `connme` where another
//! command was due is CLIENT-4's).

use super::peer::{End, Peer};
use crate::fail::{Fail, FailKind, around_difference};
use crate::transcript::{Event, escape};
use crate::wire::{Closing, DataCut};
use std::time::{Duration, Instant};

impl Peer {
    /// Reads the command line `want` (CLIENT-5: the verb in any letter
    /// case, the argument byte for byte, LF or CR LF; for a command without
    /// argument one SP after the verb is accepted, CMD-3). A `connme` line
    /// where another command was due is CLIENT-4's failure (`connme`
    /// while not connected sends none); anything else is `clause`'s.
    ///
    /// # Errors
    /// Another line, or none.
    pub fn expect_command(&mut self, want: &str, clause: &'static str) -> Result<(), Fail> {
        self.expect_line(want.as_bytes(), clause)
    }

    /// As [`Peer::expect_command`], with the line given as bytes.
    ///
    /// # Errors
    /// Another line, or none.
    pub fn expect_line(&mut self, want: &[u8], clause: &'static str) -> Result<(), Fail> {
        self.at = escape(want);
        self.clause = clause;
        let expected = format!(
            "the command line `{}` (the verb in any letter case; LF or CR LF)",
            escape(want)
        );
        let raw = self.command(clause, &expected)?;
        let (want_verb, _) = split(want);
        let (verb, _) = split(body(&raw));
        if is_command_bytes(&raw, want) {
            return Ok(());
        }
        // The right command with another argument is the name's form
        // (CLIENT-5); a `connme` line where another command was due is
        // CLIENT-4's; any other command is the case's.
        let clause = if verb.eq_ignore_ascii_case(want_verb) {
            "CLIENT-5"
        } else {
            blame_connme(&raw, clause)
        };
        Err(self.fail(FailKind::Mismatch, clause, expected, shown_line(&raw)))
    }

    /// Reads `upload <size> NAME` for a file of `len` bytes: a size field
    /// (1 to 20 digits, UPLOAD-1) of another value is CLIENT-14's failure,
    /// another name CLIENT-5's, another command `clause`'s.
    ///
    /// # Errors
    /// Another line, or none.
    pub fn expect_upload(
        &mut self,
        len: u64,
        name: &str,
        clause: &'static str,
    ) -> Result<(), Fail> {
        let want = format!("upload {len} {name}");
        self.at = format!("upload {name}");
        self.clause = clause;
        let expected = format!(
            "the command line `{want}`: the file's exact length in bytes, then its name as typed"
        );
        let raw = self.command(clause, &expected)?;
        let (verb, arg) = split(body(&raw));
        if !verb.eq_ignore_ascii_case(b"upload") {
            let clause = blame_connme(&raw, clause);
            return Err(self.fail(FailKind::Mismatch, clause, expected, shown_line(&raw)));
        }
        let arg = arg.unwrap_or_default();
        let (size, got_name) = match arg.iter().position(|&b| b == b' ') {
            Some(i) => (&arg[..i], &arg[i + 1..]),
            None => (arg, &b""[..]),
        };
        let size_ok = (1..=20).contains(&size.len())
            && size.iter().all(u8::is_ascii_digit)
            && std::str::from_utf8(size)
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                == Some(len);
        if !size_ok {
            return Err(self.fail(
                FailKind::Mismatch,
                "CLIENT-14",
                expected,
                format!("{} (the file has {len} bytes)", shown_line(&raw)),
            ));
        }
        if got_name != name.as_bytes() {
            return Err(self.fail(FailKind::Mismatch, "CLIENT-5", expected, shown_line(&raw)));
        }
        Ok(())
    }

    /// Reads `want.len()` bytes of upload data and compares them with
    /// `want`, naming the first differing offset; each read must make
    /// progress within one step.
    ///
    /// # Errors
    /// Other bytes, fewer bytes, or a close.
    pub fn expect_data(&mut self, want: &[u8], clause: &'static str) -> Result<(), Fail> {
        let expected = format!("{} data bytes, the file's content", want.len());
        let mut pos = 0;
        let mut chunk = vec![0u8; 1 << 20];
        while pos < want.len() {
            let room = (want.len() - pos).min(chunk.len());
            let cut = match self.conn.read_data(&mut chunk[..room]) {
                Ok(k) => {
                    let got = &chunk[..k];
                    if let Some(i) = got.iter().zip(&want[pos..]).position(|(a, b)| a != b) {
                        self.log_upload(pos + i);
                        let (want_there, got_there) = around_difference(want, pos, got, i);
                        return Err(self.fail(
                            FailKind::Mismatch,
                            clause,
                            format!("{expected}; {want_there}"),
                            got_there,
                        ));
                    }
                    pos += k;
                    continue;
                }
                Err(cut) => cut,
            };
            self.log_upload(pos);
            return Err(match cut {
                DataCut::Stalled => self.fail(
                    FailKind::Timeout,
                    clause,
                    expected,
                    crate::fail::stalled_after(pos, self.step),
                ),
                DataCut::Closed | DataCut::Broken(_) => {
                    self.log_hangup();
                    self.fail(
                        FailKind::Closed,
                        clause,
                        expected,
                        format!("the client closed the connection after {pos} of them"),
                    )
                }
            });
        }
        self.log_upload(want.len());
        Ok(())
    }

    fn log_upload(&self, n: usize) {
        self.log.push(Event::SentData { conn: self.id, n });
    }

    /// The client sends nothing and keeps the connection open for `time`
    /// (a bounded look for something that must not happen).
    ///
    /// # Errors
    /// It sent bytes (logged) or closed.
    pub fn expect_quiet(
        &mut self,
        time: Duration,
        clause: &'static str,
        expected: &str,
    ) -> Result<(), Fail> {
        let step = self.conn.step;
        self.conn.step = time;
        let got = self.conn.await_close();
        self.conn.step = step;
        match got {
            Closing::Open => Ok(()),
            Closing::Sent => {
                let so_far = self.conn.so_far();
                let mut buf = vec![0u8; 1 << 16];
                if let Ok(n) = self.conn.read_data(&mut buf) {
                    self.log.push(Event::Sent {
                        conn: self.id,
                        bytes: buf[..n].to_vec(),
                        how: None,
                    });
                }
                Err(self.fail(
                    FailKind::Mismatch,
                    clause,
                    expected,
                    format!("it sent {so_far}"),
                ))
            }
            Closing::Closed | Closing::Reset => {
                self.log_hangup();
                Err(self.fail(
                    FailKind::Closed,
                    clause,
                    expected,
                    "it closed the connection",
                ))
            }
        }
    }

    /// Waits up to `limit` for the client to close the connection; a
    /// `byebye` line first is allowed (and not answered). Returns how long
    /// it took, and whether `byebye` came first.
    ///
    /// # Errors
    /// Other bytes, or still open at `limit`.
    pub fn expect_hangup(
        &mut self,
        limit: Duration,
        clause: &'static str,
        expected: &str,
    ) -> Result<(Duration, bool), Fail> {
        let started = Instant::now();
        let step = self.conn.step;
        self.conn.step = limit;
        let got = self.conn.await_close();
        self.conn.step = step;
        match got {
            Closing::Closed | Closing::Reset => {
                self.log_hangup();
                Ok((started.elapsed(), false))
            }
            Closing::Open => Err(self.fail(
                FailKind::Timeout,
                clause,
                expected,
                format!(
                    "TIMEOUT: the connection is still open after {:.1} s",
                    limit.as_secs_f64()
                ),
            )),
            Closing::Sent => {
                let raw = self.command(clause, expected)?;
                if is_command(&raw, "byebye") {
                    let left = limit.saturating_sub(started.elapsed());
                    self.expect_hangup(left, clause, expected)?;
                    return Ok((started.elapsed(), true));
                }
                let clause = blame_connme(&raw, clause);
                Err(self.fail(FailKind::Mismatch, clause, expected, shown_line(&raw)))
            }
        }
    }

    /// What the client does next, within one step: a command line
    /// (logged), or a close.
    ///
    /// # Errors
    /// Neither within one step.
    pub fn next(&mut self, clause: &'static str, expected: &str) -> Result<Next, Fail> {
        match self.conn.await_close() {
            Closing::Closed | Closing::Reset => {
                self.log_hangup();
                Ok(Next::Closed)
            }
            Closing::Open => Err(self.fail(
                FailKind::Timeout,
                clause,
                expected,
                format!(
                    "TIMEOUT: nothing within {:.1} s, and the connection is still open",
                    self.step.as_secs_f64()
                ),
            )),
            Closing::Sent => Ok(Next::Line(self.command(clause, expected)?)),
        }
    }

    /// Answers a `byebye` just read with `221`; the client must then close
    /// (`clause` otherwise).
    ///
    /// # Errors
    /// It does not close within one step.
    pub fn answer_byebye(&mut self, clause: &'static str) -> Result<(), Fail> {
        self.at = "byebye".into();
        self.clause = "CLIENT-10";
        self.reply("221 bye")?;
        self.expect_hangup(
            self.step,
            clause,
            "after `221` the client closes the connection",
        )?;
        Ok(())
    }

    /// After the script's last command: the client ends the session, by
    /// `byebye` (answered with `221`, after which it must close) or by
    /// closing the connection. Anything else, or nothing within one step,
    /// is `clause`'s failure.
    ///
    /// # Errors
    /// Another command, or neither within one step.
    pub fn expect_end(&mut self, clause: &'static str) -> Result<End, Fail> {
        self.at = "(end of input)".into();
        let expected = "once its input has ended, the client ends the session: `byebye`, or it closes the connection";
        match self.next(clause, expected)? {
            Next::Closed => Ok(End::Closed),
            Next::Line(raw) if is_command(&raw, "byebye") => {
                self.answer_byebye(clause)?;
                Ok(End::Byebye)
            }
            Next::Line(raw) => Err(self.fail(
                FailKind::Mismatch,
                blame_connme(&raw, clause),
                expected,
                shown_line(&raw),
            )),
        }
    }
}

/// A `connme` line where another was due is CLIENT-4's failure (`connme`
/// while not connected sends none); another line is `clause`'s.
fn blame_connme(raw: &[u8], clause: &'static str) -> &'static str {
    if is_command(raw, "connme") {
        "CLIENT-4"
    } else {
        clause
    }
}

/// What a client did next.
pub enum Next {
    /// It sent this command line (LF included).
    Line(Vec<u8>),
    /// It closed the connection.
    Closed,
}

/// Whether `raw` is the command line `want` (CLIENT-5's comparison:
/// the verb in any letter case, the argument exact, CR LF or LF).
#[must_use]
pub fn is_command(raw: &[u8], want: &str) -> bool {
    is_command_bytes(raw, want.as_bytes())
}

fn is_command_bytes(raw: &[u8], want: &[u8]) -> bool {
    let (want_verb, want_arg) = split(want);
    let (verb, arg) = split(body(raw));
    let same_arg = match (want_arg, arg) {
        (None | Some(b""), None | Some(b"")) => true,
        (Some(w), Some(g)) => w == g,
        _ => false,
    };
    verb.eq_ignore_ascii_case(want_verb) && same_arg
}

/// A line without its LF and one CR.
fn body(raw: &[u8]) -> &[u8] {
    let b = raw.strip_suffix(b"\n").unwrap_or(raw);
    b.strip_suffix(b"\r").unwrap_or(b)
}

/// Verb and argument: split at the first SP (section 3).
fn split(line: &[u8]) -> (&[u8], Option<&[u8]>) {
    match line.iter().position(|&b| b == b' ') {
        Some(i) => (&line[..i], Some(&line[i + 1..])),
        None => (line, None),
    }
}

/// A received line for messages: escaped, its LF left out, trailing
/// spaces visible.
fn shown_line(raw: &[u8]) -> String {
    let s = escape(raw.strip_suffix(b"\n").unwrap_or(raw));
    let trimmed = s.trim_end_matches(' ');
    format!("{trimmed}{}", "\\x20".repeat(s.len() - trimmed.len()))
}
