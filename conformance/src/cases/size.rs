//! `size` (section 7).

use crate::case::Case;
use crate::ctx::{Ctx, fixture};
use crate::expect::{Expect as _, count_is, size_is};
use crate::fail::{Fail, ensure};
use crate::model::megabytes;

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "SIZE-1",
            "size of a file gives `213 <bytes> <mb> MB`",
            &[("SIZE-1", "368c75a99bdf")],
            sizes,
        ),
        Case::new(
            "SIZE-2",
            "megabytes are rounded half away from zero (131072 bytes is 0.13)",
            &[("SIZE-2", "340bed96425e")],
            rounding,
        ),
        Case::new(
            "SIZE-2",
            "megabytes are exact for the largest file the file system holds",
            &[("SIZE-2", "340bed96425e")],
            huge,
        )
        .no_snapshot(),
        Case::new(
            "SIZE-3",
            "size of a missing name or a directory gets 550 or 551",
            &[("SIZE-3", "b4b2b7563df7")],
            errors,
        ),
        Case::new(
            "SIZE-1",
            "sizes past 2 GiB and 4 GiB are exact in size and download",
            &[("SIZE-1", "368c75a99bdf"), ("DOWNLOAD-1", "c26fba13c235")],
            beyond_32_bits,
        )
        .no_snapshot(),
        Case::new(
            "SIZE-2",
            "megabytes are exact above 2^53 bytes where floating point is not",
            &[("SIZE-2", "340bed96425e")],
            megabytes_beyond_doubles,
        )
        .no_snapshot(),
    ]
}

fn sizes(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    for (n, len) in [
        ("a.txt", 5),
        ("zero.bin", 0),
        ("my file.txt", fixture::MY_FILE.len()),
        ("café/naïve.bin", 256),
        ("docs/readme.md", fixture::README.len()),
    ] {
        c.cmd(&format!("size {n}"))?;
        c.expect_size(len as u64)?;
    }
    Ok(())
}

const ROUNDING: &[u64] = &[
    5242,
    5243,
    10485,
    10486,
    131_072,
    393_216,
    655_360,
    917_504,
    1_048_575,
    1_048_576,
    1_179_648,
    1_572_864,
    5_767_168,
    104_852_357,
    104_852_358,
];

fn rounding(ctx: &mut Ctx) -> Result<(), Fail> {
    for n in ROUNDING {
        let f = std::fs::File::create(ctx.path(&format!("s{n}")))
            .and_then(|f| f.set_len(*n))
            .map_err(|e| Fail::harness(format!("sparse file: {e}")));
        f?;
    }
    ctx.start()?;
    let mut c = ctx.conn()?;
    for n in ROUNDING {
        c.cmd(&format!("size s{n}"))?;
        c.expect_size(*n)?;
    }
    Ok(())
}

fn huge(ctx: &mut Ctx) -> Result<(), Fail> {
    let candidates: [u64; 6] = [
        i64::MAX as u64,
        1 << 62,
        1 << 52,
        (1 << 44) - 4096,
        1 << 43,
        1 << 40,
    ];
    let path = ctx.path("huge.bin");
    let file = std::fs::File::create(&path).map_err(|e| Fail::harness(format!("{e}")))?;
    let Some(n) = candidates.into_iter().find(|n| file.set_len(*n).is_ok()) else {
        return Err(Fail::skip(
            "the file system here cannot hold a sparse file of 1 TiB",
        ));
    };
    drop(file);
    ctx.log.note(format!(
        "huge.bin is a sparse file of {n} bytes ({} MB)",
        megabytes(n)
    ));
    ctx.start()?;
    let mut c = ctx.conn()?;
    c.cmd("size huge.bin")?;
    c.expect_size(n).map(|_| ())
}

fn errors(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    for (l, code) in [
        ("size nope", 550),
        ("size docs/nope", 550),
        ("size nope/x.txt", 550),
        ("size docs", 551),
        ("size empty", 551),
        ("size café", 551),
    ] {
        c.cmd(l)?;
        c.expect(code, "SIZE-3")?;
    }
    c.expect_open("SIZE-3")
}

/// SIZE-1 and DOWNLOAD-1 past 32 bits: sparse files of 2^31 + 5 and
/// 2^32 + 5 bytes (no disk space used).
fn beyond_32_bits(ctx: &mut Ctx) -> Result<(), Fail> {
    for (name, len) in [("2g.bin", (1u64 << 31) + 5), ("4g.bin", (1u64 << 32) + 5)] {
        ctx.sparse(name, len)?;
    }
    ctx.start()?;
    let mut c = ctx.conn()?;
    c.cmd("size 2g.bin")?;
    size_is(&mut c, (1 << 31) + 5, "SIZE-1")?;
    c.cmd("size 4g.bin")?;
    size_is(&mut c, (1 << 32) + 5, "SIZE-1")?;
    c.cmd("download 4g.bin")?;
    count_is(&mut c, 150, (1 << 32) + 5, "DOWNLOAD-1", "DOWNLOAD-1")?;
    let (head, _) = c.read_upto(1 << 20);
    ensure(
        head.len() == 1 << 20 && head.iter().all(|&b| b == 0),
        "DOWNLOAD-1",
        "the first MiB of the sparse file: zeros",
        format!(
            "{} bytes, {} of them not zero",
            head.len(),
            head.iter().filter(|&&b| b != 0).count()
        ),
    )?;
    c.hangup();
    Ok(())
}

/// SIZE-2 above 2^53 bytes, where floating point loses the hundredths:
/// sparse files on tmpfs, which allows files up to 2^63 - 1 bytes.
fn megabytes_beyond_doubles(ctx: &mut Ctx) -> Result<(), Fail> {
    // Each breaks a different float formula ("%.2f" of bytes/2^20,
    // floor(x*100 + 0.5)/100, round(x, 2)); the integer one gets all.
    let sizes = [
        18_014_398_509_350_911u64,
        9_007_199_254_872_063,
        1_152_921_504_606_852_219,
        1_152_921_504_606_715_903,
    ];
    ctx.move_to_tmpfs()?;
    for (i, n) in sizes.iter().enumerate() {
        ctx.sparse(&format!("huge{i}.bin"), *n)?;
    }
    ctx.start()?;
    let mut c = ctx.conn()?;
    for (i, n) in sizes.iter().enumerate() {
        c.cmd(&format!("size huge{i}.bin"))?;
        size_is(&mut c, *n, "SIZE-2")?;
    }
    Ok(())
}
