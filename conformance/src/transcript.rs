//! What was said on the wire, kept per case, shown two ways:
//!
//! - **raw**, for failure messages: every byte, control bytes escaped, free
//!   text included, so a student sees exactly what their server sent;
//! - **normalized**, for snapshots: codes and the fields the grammar fixes
//!   stay exact, free text becomes `…`, data becomes `<N bytes>`:
//!
//! ```text
//! C: upload 5 a.txt
//! S: 150 5
//! C: <5 bytes>
//! S: 226 5
//! ```
//!
//! With more than one connection the second one's lines read `C2:`/`S2:`,
//! and so on.

use crate::model::{is_dec, is_reserved};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};

/// One thing that happened, on connection `conn` (1-based).
#[derive(Clone, Debug)]
pub enum Event {
    /// Command bytes written by the suite (one or more lines, maybe partial).
    Sent {
        conn: usize,
        bytes: Vec<u8>,
        how: Option<String>,
    },
    /// Raw upload data written by the suite.
    SentData { conn: usize, n: usize },
    /// A reply line, raw, LF (and any CR) included.
    Reply { conn: usize, raw: Vec<u8> },
    /// A listing entry line, raw.
    Entry { conn: usize, raw: Vec<u8> },
    /// Upload data written one byte per write.
    SentDataSlowly { conn: usize, n: usize },
    /// `n` data bytes received (download).
    Data { conn: usize, n: usize },
    /// The server closed the connection.
    Closed { conn: usize },
    /// The suite closed the connection.
    Hangup { conn: usize },
    /// A remark by the suite, e.g. "(the server starts with --idle-timeout 1)".
    Note(String),
}

/// Shared log of a case, appended to by each of its connections.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<Event>>>);

impl Log {
    pub fn push(&self, e: Event) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(e);
    }

    pub fn note(&self, s: impl Into<String>) {
        self.push(Event::Note(s.into()));
    }

    #[must_use]
    pub fn events(&self) -> Vec<Event> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

fn tags(conn: usize) -> (String, String) {
    if conn <= 1 {
        ("C:".into(), "S:".into())
    } else {
        (format!("C{conn}:"), format!("S{conn}:"))
    }
}

/// Escapes bytes for display: printable ASCII and UTF-8 as they are, others
/// as `\r`, `\t`, `\xNN`; a run of 16 or more equal bytes as `[a × 4090]`.
#[must_use]
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let run = bytes[i..].iter().take_while(|&&x| x == b).count();
        if run >= 16 {
            let _ = write!(out, "[{} × {run}]", escape_one(&[b]));
            i += run;
            continue;
        }
        // Take one UTF-8 character if one starts here.
        let width = match b {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => 1,
        };
        if width > 1
            && let Some(chunk) = bytes.get(i..i + width)
            && let Ok(s) = std::str::from_utf8(chunk)
        {
            out.push_str(s);
            i += width;
            continue;
        }
        out.push_str(&escape_one(&[b]));
        i += 1;
    }
    out
}

fn escape_one(b: &[u8]) -> String {
    match b[0] {
        b'\r' => "\\r".into(),
        b'\n' => "\\n".into(),
        b'\t' => "\\t".into(),
        b'\\' => "\\\\".into(),
        c @ 0x20..=0x7E => (c as char).to_string(),
        c => format!("\\x{c:02x}"),
    }
}

/// Makes trailing spaces visible (`size a.txt\x20`), since they are part of
/// an argument (CMD-5) and editors strip them.
fn visible_end(mut s: String) -> String {
    let trimmed = s.trim_end_matches(' ').len();
    let n = s.len() - trimmed;
    s.truncate(trimmed);
    for _ in 0..n {
        s.push_str("\\x20");
    }
    s
}

/// Splits sent bytes into display lines: `ls` for `ls\n`, `ls\r` for
/// `ls\r\n`, and `xyz (no LF)` for a trailing partial line.
fn sent_lines(bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        match rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                out.push(visible_end(escape(&rest[..i])));
                rest = &rest[i + 1..];
            }
            None => {
                out.push(format!("{} (no LF)", visible_end(escape(rest))));
                rest = &[];
            }
        }
    }
    out
}

fn strip_eol(raw: &[u8]) -> &[u8] {
    let r = raw.strip_suffix(b"\n").unwrap_or(raw);
    r.strip_suffix(b"\r").unwrap_or(r)
}

/// The normalized form of one reply line: fields exact, free text `…`.
#[must_use]
pub fn normalize_reply(raw: &[u8]) -> String {
    let line = strip_eol(raw);
    let Ok(text) = std::str::from_utf8(line) else {
        return format!("!! {}", escape(line));
    };
    let bad = || format!("!! {}", escape(line));
    let mut words = text.split(' ');
    let code = words.next().unwrap_or("");
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return bad();
    }
    match code {
        "150" | "200" | "226" => match words.next() {
            Some(n) if is_dec(n) => format!("{code} {n}"),
            _ => bad(),
        },
        "213" => match (words.next(), words.next(), words.next()) {
            (Some(n), Some(mb), Some("MB")) if is_dec(n) => format!("213 {n} {mb} MB"),
            _ => bad(),
        },
        "220" => match words.next() {
            Some("mftp/1") => "220 mftp/1".into(),
            _ => bad(),
        },
        _ => format!("{code} …"),
    }
}

/// Renders `events` in raw (`normalized = false`) or normalized form.
///
/// Normalized, a listing leaves out entries under reserved names (NAME-8:
/// a server may list its own) and counts only the others in its `200 n`,
/// and an entry's one allowed CR (FRAME-6) is dropped.
#[must_use]
pub fn render(events: &[Event], normalized: bool) -> String {
    let mut out = String::new();
    // Per connection: where its last `200 <n>` line starts in `out`, and n.
    let mut listing_at: std::collections::HashMap<usize, (usize, u64)> =
        std::collections::HashMap::new();
    for e in events {
        if normalized && let Event::Reply { conn, raw } = e {
            let line = normalize_reply(raw);
            if let Some(n) = line.strip_prefix("200 ").and_then(|n| n.parse().ok()) {
                listing_at.insert(*conn, (out.len(), n));
            }
        }
        if normalized && let Event::Entry { conn, raw } = e {
            let body = strip_eol(raw);
            let name = body.strip_suffix(b"/").unwrap_or(body);
            if is_reserved(name) {
                if let Some((at, n)) = listing_at.get_mut(conn) {
                    let old = format!("200 {n}");
                    *n = n.saturating_sub(1);
                    let start = out[*at..].find(&old).map_or(*at, |i| *at + i);
                    out.replace_range(start..start + old.len(), &format!("200 {n}"));
                }
                continue;
            }
            let entry = escape(body);
            let _ = writeln!(out, "{} {}", tags(*conn).1, visible_end(entry));
            continue;
        }
        match e {
            Event::Sent { conn, bytes, how } => {
                let (c, _) = tags(*conn);
                let lines = sent_lines(bytes);
                for (i, l) in lines.iter().enumerate() {
                    let _ = write!(out, "{c} {l}");
                    if i + 1 == lines.len()
                        && let Some(how) = how
                    {
                        let _ = write!(out, "   ({how})");
                    }
                    out.push('\n');
                }
            }
            Event::SentData { conn, n } => {
                let _ = writeln!(out, "{} <{n} bytes>", tags(*conn).0);
            }
            Event::Reply { conn, raw } => {
                let s = tags(*conn).1;
                if normalized {
                    let _ = writeln!(out, "{s} {}", normalize_reply(raw));
                } else {
                    let _ = writeln!(
                        out,
                        "{s} {}",
                        escape(raw.strip_suffix(b"\n").unwrap_or(raw))
                    );
                }
            }
            Event::Entry { conn, raw } => {
                let entry = escape(raw.strip_suffix(b"\n").unwrap_or(raw));
                let _ = writeln!(out, "{} {}", tags(*conn).1, visible_end(entry));
            }
            Event::SentDataSlowly { conn, n } => {
                let _ = writeln!(out, "{} <{n} bytes>   (one byte per write)", tags(*conn).0);
            }
            Event::Data { conn, n } => {
                let _ = writeln!(out, "{} <{n} bytes>", tags(*conn).1);
            }
            Event::Closed { conn } => {
                let _ = writeln!(out, "{} (connection closed by the server)", tags(*conn).1);
            }
            Event::Hangup { conn } => {
                let _ = writeln!(out, "{} (client closes the connection)", tags(*conn).0);
            }
            Event::Note(n) => {
                let _ = writeln!(out, "-- {n}");
            }
        }
    }
    out
}
