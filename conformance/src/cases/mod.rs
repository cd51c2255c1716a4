//! The cases, one module per area of spec.md. Each case names the clauses
//! it covers with the hash of their text when the case was written.
//!
//! To add a case: write `fn my_case(ctx: &mut Ctx) -> Result<(), Fail>` in
//! the module of its area, add a `Case { id, title, covers, run, .. }` to
//! that module's `cases()`, run the suite against the reference server,
//! check the new `snapshots/*.snap.new` by eye against spec.md, and rename it
//! to `.snap`. The `TRACE` check prints the hash to record.

use crate::case::Case;
use crate::fail::Fail;
use crate::wire::Conn;
use rand::{RngCore as _, SeedableRng as _};
use std::sync::OnceLock;

mod concurrency;
mod download;
mod framing;
mod launch;
mod limits;
mod ls;
mod names;
mod pipeline;
mod rm;
mod security;
mod session;
mod size;
mod upload;

/// Every case, in declaration order.
pub fn all() -> &'static [Case] {
    static ALL: OnceLock<Vec<Case>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v = Vec::new();
        v.extend(session::cases());
        v.extend(framing::cases());
        v.extend(names::cases());
        v.extend(ls::cases());
        v.extend(size::cases());
        v.extend(download::cases());
        v.extend(upload::cases());
        v.extend(rm::cases());
        v.extend(pipeline::cases());
        v.extend(concurrency::cases());
        v.extend(limits::cases());
        v.extend(security::cases());
        v.extend(launch::cases());
        v
    })
}

/// `len` seeded random bytes; from 256 bytes up, every byte value occurs.
#[must_use]
pub fn random(len: usize, seed: u64) -> Vec<u8> {
    let mut v = vec![0u8; len];
    rand::rngs::SmallRng::seed_from_u64(seed).fill_bytes(&mut v);
    if len >= 256 {
        let step = len / 256;
        for b in 0..=255u8 {
            v[usize::from(b) * step] = b;
        }
    }
    v
}

/// 64 MiB of random bytes, made once per run.
pub fn big() -> &'static [u8] {
    static BIG: OnceLock<Vec<u8>> = OnceLock::new();
    BIG.get_or_init(|| random(64 << 20, 64))
}

/// `upload N NAME`, `150 N`, the data, `226 N`.
///
/// # Errors
/// Any step fails.
pub fn upload(c: &mut Conn, name: &str, data: &[u8], clause: &'static str) -> Result<(), Fail> {
    let n = data.len() as u64;
    c.cmd(&format!("upload {n} {name}"))?;
    c.expect_count(150, n, clause)?;
    c.send_data(data)?;
    c.expect_count(226, n, clause)?;
    Ok(())
}

/// `download NAME`, `150 N`, exactly `want`.
///
/// # Errors
/// Any step fails.
pub fn download(c: &mut Conn, name: &str, want: &[u8], clause: &'static str) -> Result<(), Fail> {
    c.cmd(&format!("download {name}"))?;
    c.expect_count(150, want.len() as u64, clause)?;
    c.expect_data(want, clause)
}

/// `VERB NAME\n` with a name given as raw bytes.
#[must_use]
pub fn line(verb: &str, name: &[u8]) -> Vec<u8> {
    let mut v = format!("{verb} ").into_bytes();
    v.extend_from_slice(name);
    v.push(b'\n');
    v
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
        c.send(&line(verb, name))?;
        c.expect(code, clause)?;
    }
    Ok(())
}

/// Sends each line and expects its code, each with the clause that decides
/// it; a close after an error reply is blamed on CMD-6 (it must stay open).
///
/// # Errors
/// The first step that fails.
pub fn steps(c: &mut Conn, table: &[(&str, u16, &'static str)]) -> Result<(), Fail> {
    for (l, code, clause) in table {
        c.cmd(l)?;
        c.expect(*code, clause).map_err(|f| {
            if f.kind == crate::fail::FailKind::Closed {
                Fail {
                    clause: "CMD-6",
                    ..f
                }
            } else {
                f
            }
        })?;
    }
    Ok(())
}
