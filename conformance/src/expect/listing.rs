//! Listings (section 6): `200 <count>` and the entry lines, each one name
//! component (LS-5), directories with `/` (LS-2), in byte order (LS-3).
//! Entries under reserved names are left out before comparing: graders
//! never use them (section 4).

use super::{Expect as _, fail, line};
use crate::fail::{Fail, FailKind};
use crate::model::{is_component, is_dec, is_reserved};
use crate::transcript::escape;
use crate::wire::Conn;

/// See [`super::Expect::listing`].
pub(super) fn listing(c: &mut Conn, clause: &'static str) -> Result<Vec<Vec<u8>>, Fail> {
    let r = c.reply(clause)?;
    let count = match (r.code, r.field(0)) {
        (200, Some(f)) if is_dec(f) => f.parse::<usize>().ok(),
        _ => None,
    };
    let Some(count) = count else {
        return Err(fail(
            c,
            FailKind::Mismatch,
            clause,
            "a listing `200 <count>`",
            r.shown(),
        ));
    };
    if count > 100_000 {
        return Err(fail(
            c,
            FailKind::Mismatch,
            "LS-1",
            "a plausible entry count",
            r.shown(),
        ));
    }
    let mut entries = Vec::with_capacity(count);
    for i in 0..count {
        let read = c.entry_line();
        let raw = line(c, read, "LS-1", &format!("entry {} of {count}", i + 1))?;
        // One CR before the LF is accepted and removed (FRAME-6); FRAME-8
        // (SHOULD) has a case of its own.
        let body = &raw[..raw.len() - 1];
        let e = body.strip_suffix(b"\r").unwrap_or(body).to_vec();
        let name = e.strip_suffix(b"/").unwrap_or(&e);
        if !is_component(name) {
            let clause = if name == b"." || name == b".." {
                "LS-3"
            } else {
                "LS-5"
            };
            return Err(fail(
                c,
                FailKind::Mismatch,
                clause,
                "entries that are one valid component (section 4), `/` for directories, ended by LF",
                format!("entry {:?}", escape(&raw)),
            ));
        }
        entries.push(e);
    }
    Ok(entries)
}

/// The entries as text, without those under reserved names.
fn visible(entries: &[Vec<u8>]) -> Vec<String> {
    entries
        .iter()
        .filter(|e| !is_reserved(e))
        .map(|e| String::from_utf8_lossy(e).into_owned())
        .collect()
}

/// See [`super::Expect::expect_listing`]. Entries in another order are
/// LS-3's failure, entries that differ only in `/` LS-2's.
pub(super) fn expect_listing(
    c: &mut Conn,
    want: &[&str],
    clause: &'static str,
) -> Result<(), Fail> {
    let got_s = visible(&c.listing(clause)?);
    if got_s == want {
        return Ok(());
    }
    let mut clause = clause;
    let mut sorted_got = got_s.clone();
    sorted_got.sort_by(|a, b| {
        a.trim_end_matches('/')
            .as_bytes()
            .cmp(b.trim_end_matches('/').as_bytes())
    });
    let mut sorted_want: Vec<String> = want.iter().map(|s| (*s).to_string()).collect();
    sorted_want.sort_by(|a, b| {
        a.trim_end_matches('/')
            .as_bytes()
            .cmp(b.trim_end_matches('/').as_bytes())
    });
    if sorted_got == sorted_want {
        clause = "LS-3";
    } else {
        let strip = |v: &[String]| {
            v.iter()
                .map(|s| s.trim_end_matches('/').to_string())
                .collect::<Vec<_>>()
        };
        if strip(&sorted_got) == strip(&sorted_want) {
            clause = "LS-2";
        }
    }
    Err(fail(
        c,
        FailKind::Mismatch,
        clause,
        format!("200 {} then, in this order: {want:?}", want.len()),
        format!("200 {} then: {got_s:?}", got_s.len()),
    ))
}

/// Reads a listing whose entry names must be `want`, in any order and with
/// `/` not compared: for listings incidental to a case (LS-2 and LS-3 have
/// cases of their own). Only in cases without a snapshot, which would
/// compare the entries exactly anyway.
///
/// # Errors
/// Another set of names.
pub fn names(
    c: &mut Conn,
    want: &[&str],
    clause: &'static str,
    step: &str,
) -> Result<Vec<String>, Fail> {
    let key = |s: &str| s.trim_end_matches('/').to_string();
    let got = visible(&c.listing(clause)?);
    let mut a: Vec<String> = got.iter().map(|s| key(s)).collect();
    let mut b: Vec<String> = want.iter().map(|s| key(s)).collect();
    a.sort();
    b.sort();
    if a == b {
        return Ok(got);
    }
    Err(Fail::mismatch(
        clause,
        format!(
            "200 {} then these names in any order (`/` not compared): {b:?}",
            b.len()
        ),
        format!("200 {} then: {got:?}", got.len()),
    )
    .at(step))
}
