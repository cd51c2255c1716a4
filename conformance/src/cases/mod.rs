//! The cases, one module per area of spec.md. Each case names the clauses
//! it covers with the hash of their text when the case was written.
//!
//! To add a case: write `fn my_case(ctx: &mut Ctx) -> Result<(), Fail>` in
//! the module of its area, add `Case::new(id, title, covers, my_case)` to
//! that module's `cases()` (with `.no_snapshot()` if its transcript can
//! differ between correct servers, `.slow()` if it takes seconds), run the
//! suite against the reference server, check the new `snapshots/*.snap.new`
//! by eye against spec.md, and rename it to `.snap`. The `TRACE` check
//! prints the hash to record.
//!
//! The expectations a case uses, and the rules by which they blame a
//! clause, are in `expect/`; this module keeps the list of cases and the
//! data they send.

use crate::case::Case;
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

/// `VERB NAME\n` with a name given as raw bytes.
#[must_use]
pub fn line(verb: &str, name: &[u8]) -> Vec<u8> {
    let mut v = format!("{verb} ").into_bytes();
    v.extend_from_slice(name);
    v.push(b'\n');
    v
}
