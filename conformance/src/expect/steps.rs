//! Expectations over several steps (a command and its replies, an upload,
//! a download, a table of commands), and the ones that re-attribute a
//! failure to the most specific clause the observation contradicts (see
//! the attribution rules in `expect/mod.rs`).

use super::Expect as _;
use crate::ctx::Ctx;
use crate::disk::Node;
use crate::fail::{Fail, FailKind};
use crate::model::is_reserved;
use crate::spec;
use crate::wire::Conn;
use sha2::{Digest as _, Sha256};
use std::time::Duration;

/// `f` re-attributed to `to` when it is a failure of clause `from`.
fn blame(f: Fail, from: &'static str, to: &'static str, when: impl Fn(&Fail) -> bool) -> Fail {
    if f.clause == from && when(&f) {
        Fail { clause: to, ..f }
    } else {
        f
    }
}

/// Did the failed expectation see a reply line starting with `prefix`?
/// (`actual` of a mismatch is the reply line as received.)
fn replied(f: &Fail, prefix: &str) -> bool {
    f.kind == FailKind::Mismatch && f.actual.starts_with(prefix)
}

/// Reads `213 <n> <mb> MB`. Another code, a close or a timeout means the
/// `size` command was not served as the case needs (`clause`); a `213`
/// with wrong fields is SIZE-1/SIZE-2.
///
/// # Errors
/// Any other reply.
pub fn size_is(c: &mut Conn, n: u64, clause: &'static str) -> Result<(), Fail> {
    c.expect_size(n)
        .map(|_| ())
        .map_err(|f| blame(f, "SIZE-1", clause, |f| !replied(f, "213 ")))
}

/// Reads `CODE <n>` (150, 226): another code is `clause`'s failure, the
/// right code with another number is `count_clause`'s (DOWNLOAD-1,
/// UPLOAD-3).
///
/// # Errors
/// Any other reply.
pub fn count_is(
    c: &mut Conn,
    code: u16,
    n: u64,
    clause: &'static str,
    count_clause: &'static str,
) -> Result<(), Fail> {
    let prefix = format!("{code} ");
    c.expect_count(code, n, clause)
        .map(|_| ())
        .map_err(|f| blame(f, clause, count_clause, |f| replied(f, &prefix)))
}

/// The clause that fixes the code for a missing name, by verb.
fn missing_clause(line: &str) -> &'static str {
    match line.split(' ').next().unwrap_or("") {
        "size" => "SIZE-3",
        "download" => "DOWNLOAD-3",
        "ls" => "LS-4",
        "rm" => "RM-2",
        "upload" => "UPLOAD-2",
        _ => "CMD-6",
    }
}

/// Reads the `550` answering `line` (already sent): a success reply (the
/// name was found) is `clause`'s failure, another error code is the verb's
/// missing-name clause.
///
/// # Errors
/// Any other reply.
pub fn missing(c: &mut Conn, line: &str, clause: &'static str) -> Result<(), Fail> {
    c.expect(550, clause).map(|_| ()).map_err(|f| {
        blame(f, clause, missing_clause(line), |f| {
            f.kind == FailKind::Mismatch && !f.actual.starts_with(['1', '2'])
        })
    })
}

/// Sends `line` and expects `550` (see [`missing`]).
///
/// # Errors
/// Any other reply.
pub fn absent(c: &mut Conn, line: &str, clause: &'static str) -> Result<(), Fail> {
    c.cmd(line)?;
    missing(c, line, clause)
}

/// Sends `line`, expects the error `code` (`clause`), then `connme` and the
/// greeting (`then`): nothing (entries, data) followed the error reply and
/// the connection reads commands again. The two are sent one after the
/// other, not in one write, so that only cases about pipelining depend on
/// FRAME-3 and PIPE-1.
///
/// # Errors
/// Any other reply.
pub fn rejected(
    c: &mut Conn,
    line: &str,
    code: u16,
    clause: &'static str,
    then: &'static str,
) -> Result<(), Fail> {
    c.cmd(line)?;
    if code == 550 {
        missing(c, line, clause)?;
    } else {
        c.expect(code, clause)?;
    }
    c.cmd("connme")?;
    c.expect_greeting(then).map(|_| ())
}

/// Checks on disk that `name` holds exactly `data` after its `226`. Bytes
/// found under another name are `clause`'s failure (the name was not taken
/// as sent); otherwise the file is missing or incomplete: UPLOAD-4.
///
/// # Errors
/// The file does not hold `data`.
pub fn stored(ctx: &Ctx, name: &str, data: &[u8], clause: &'static str) -> Result<(), Fail> {
    let got = ctx.read(name);
    if got.as_deref() == Some(data) {
        return Ok(());
    }
    let sha = spec::hex(&Sha256::digest(data));
    let len = data.len() as u64;
    let elsewhere: Vec<String> = ctx
        .root_tree()
        .into_iter()
        .filter(|(k, n)| {
            k != name
                && !is_reserved(k)
                && *n
                    == Node::File {
                        len,
                        sha256: sha.clone(),
                    }
        })
        .map(|(k, _)| k)
        .collect();
    let expected = format!("after `226`, {name:?} holding the {len} bytes sent");
    if elsewhere.is_empty() {
        Err(Fail::mismatch(
            "UPLOAD-4",
            expected,
            match got {
                None => "no such file".to_string(),
                Some(g) => format!("{} other bytes", g.len()),
            },
        )
        .at(format!("checking {name:?} on disk")))
    } else {
        Err(Fail::mismatch(
            clause,
            expected,
            format!("the bytes were stored as {elsewhere:?}"),
        )
        .at(format!("checking {name:?} on disk")))
    }
}

/// `upload N NAME`, `150 N`, the data, `226 N`; a wrong code is `clause`'s
/// failure, a wrong count UPLOAD-3's.
///
/// # Errors
/// Any step fails.
pub fn upload(c: &mut Conn, name: &str, data: &[u8], clause: &'static str) -> Result<(), Fail> {
    let n = data.len() as u64;
    c.cmd(&format!("upload {n} {name}"))?;
    count_is(c, 150, n, clause, "UPLOAD-3")?;
    c.send_data(data)?;
    // Storing may take a while (the server SHOULD fsync, UPLOAD-7): the
    // wait for `226` grows by 1 s per 4 MiB on top of the step timeout.
    let step = c.step;
    c.step += Duration::from_secs_f64(data.len() as f64 / f64::from(4 << 20));
    let stored = count_is(c, 226, n, clause, "UPLOAD-3");
    let waited = c.step;
    c.step = step;
    stored.map_err(|mut f| {
        if f.kind == FailKind::Timeout {
            f.actual = format!(
                "{} (waited {:.1} s: the step timeout plus 1 s per 4 MiB uploaded, for storing and fsync)",
                f.actual,
                waited.as_secs_f64()
            );
        }
        f
    })
}

/// `download NAME`, `150 N`, exactly `want`; a wrong code is `clause`'s
/// failure, a wrong count or wrong bytes DOWNLOAD-1's.
///
/// # Errors
/// Any step fails.
pub fn download(c: &mut Conn, name: &str, want: &[u8], clause: &'static str) -> Result<(), Fail> {
    download_as(c, name, want, clause, "DOWNLOAD-1")
}

/// As [`download`], with wrong bytes blamed on `data_clause` (CONC-1: the
/// bytes of concurrent clients mixed up).
///
/// # Errors
/// Any step fails.
pub fn download_as(
    c: &mut Conn,
    name: &str,
    want: &[u8],
    clause: &'static str,
    data_clause: &'static str,
) -> Result<(), Fail> {
    c.cmd(&format!("download {name}"))?;
    count_is(c, 150, want.len() as u64, clause, "DOWNLOAD-1")?;
    c.expect_data(want, data_clause)
}

/// Sends `name` to every command that takes one and expects `code` from each.
///
/// # Errors
/// Any other reply.
pub fn every_command(
    c: &mut Conn,
    name: &[u8],
    code: u16,
    clause: &'static str,
) -> Result<(), Fail> {
    for verb in ["ls", "size", "download", "rm", "upload 1"] {
        c.send(&crate::cases::line(verb, name))?;
        c.expect(code, clause)?;
    }
    Ok(())
}

/// Sends each line and expects its code, each with the clause that decides
/// it. A close instead of a reply right after an error reply is blamed on
/// CMD-6 (the connection must stay open); a close at the first step, or
/// after a success, on the step's own clause.
///
/// # Errors
/// The first step that fails.
pub fn steps(c: &mut Conn, table: &[(&str, u16, &'static str)]) -> Result<(), Fail> {
    let mut after_error = false;
    for (l, code, clause) in table {
        let closed = |f: Fail| match f.kind {
            FailKind::Closed if after_error => Fail {
                clause: "CMD-6",
                ..f
            },
            FailKind::Closed => Fail { clause, ..f },
            _ => f,
        };
        c.cmd(l).map_err(closed)?;
        c.expect(*code, clause).map_err(closed)?;
        after_error = *code >= 400;
    }
    Ok(())
}
