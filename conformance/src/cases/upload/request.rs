//! What `upload` refuses or accepts before any data (UPLOAD-1, UPLOAD-2):
//! malformed and foreign size fields, leading zeros and 20 digits, the
//! order of the checks, sizes up to 2^63-1.

use crate::cases::random;
use crate::ctx::Ctx;
use crate::expect::{Expect as _, count_is, rejected};
use crate::fail::{Fail, ensure};

pub(super) fn malformed(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let before = ctx.root_tree();
    let mut c = ctx.conn()?;
    for arg in [
        "five x.txt",
        "5",
        "5 ",
        "-5 x.txt",
        "+5 x.txt",
        "5.0 x.txt",
        "0x10 x.txt",
        " 5 x.txt",
        "5\tx.txt",
        "5x y.txt",
        "123456789012345678901 x.txt",
        "9223372036854775808 x.txt",
        "99999999999999999999 x.txt",
        "x.txt 5",
    ] {
        c.send(format!("upload {arg}\nconnme\n").as_bytes())?;
        c.expect(501, "UPLOAD-1")?;
        c.expect_greeting("PIPE-2")?;
    }
    // Nothing was created: seen on disk, not through another command.
    ctx.expect_root(&before, "UPLOAD-1")
}

pub(super) fn leading_zeros(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    for (field, name, data) in [
        ("00000000000000000005", "z.txt", &b"12345"[..]),
        ("007", "seven.txt", b"1234567"),
        ("00", "nothing.txt", b""),
    ] {
        c.cmd(&format!("upload {field} {name}"))?;
        count_is(&mut c, 150, data.len() as u64, "UPLOAD-1", "UPLOAD-3")?;
        c.send_data(data)?;
        count_is(&mut c, 226, data.len() as u64, "UPLOAD-3", "UPLOAD-3")?;
        ensure(
            ctx.read(name).as_deref() == Some(data),
            "UPLOAD-4",
            format!("{name} holding the {} bytes sent", data.len()),
            format!("{:?}", ctx.read(name).map(|d| d.len())),
        )?;
    }
    Ok(())
}

pub(super) fn order(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let before = ctx.root_tree();
    let mut c = ctx.conn()?;
    for (arg, code) in [
        ("x ../a.txt", 501),
        ("5 ../a.txt", 553),
        ("5 docs/../a.txt", 553),
        ("5 /a.txt", 553),
        ("5 nope/new.txt", 550),
        ("5 nope/a.txt", 550),
        ("5 a.txt/new.txt", 551),
        ("5 a.txt", 554),
        ("5 docs", 554),
        ("5 docs/readme.md", 554),
        ("0 a.txt", 554),
    ] {
        c.send(format!("upload {arg}\nconnme\n").as_bytes())?;
        c.expect(code, "UPLOAD-2")?;
        c.expect_greeting("PIPE-2")?;
    }
    ctx.expect_root(&before, "UPLOAD-2")
}

pub(super) fn huge_existing(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    c.cmd("upload 9223372036854775807 a.txt")?;
    c.expect_one_of(&[
        (554, "UPLOAD-5"),
        (
            552,
            "LIMIT-4: a server-chosen upload limit, checked before existence",
        ),
    ])?;
    c.cmd("connme")?;
    c.expect_greeting("UPLOAD-2")?;
    Ok(())
}

/// UPLOAD-1 (1.1): size tokens that other languages' integer parsers accept.
pub(super) fn foreign_size_tokens(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    for arg in [
        "+5 a.bin",
        "5_0 a.bin",
        " 5 a.bin",
        "\u{665} a.bin",
        "\u{FF15} a.bin",
        "000000000000000000005 a.bin",
        "0x5 a.bin",
        "5.0 a.bin",
        "-0 a.bin",
        "1e1 a.bin",
        "5 ",
        "5\ta.bin",
    ] {
        rejected(
            &mut c,
            &format!("upload {arg}"),
            501,
            "UPLOAD-1",
            "UPLOAD-1",
        )?;
    }
    ensure(
        ctx.read("a.bin").is_none(),
        "UPLOAD-1",
        "no file a.bin",
        "a.bin was created",
    )
}

/// UPLOAD-3 (1.1): `150` for any announced size; the announcement is not
/// an allocation size. The client then gives up; nothing remains (SEC-4).
pub(super) fn huge_announcements(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let before = ctx.root_tree();
    for (n, name) in [
        (9_223_372_036_854_775_807u64, "huge.bin"),
        (5 << 30, "five-gib.bin"),
        ((1 << 32) + 5, "four-gib.bin"),
        ((1 << 31) + 5, "two-gib.bin"),
    ] {
        let mut c = ctx.conn()?;
        c.cmd(&format!("upload {n} {name}"))?;
        count_is(&mut c, 150, n, "UPLOAD-3", "UPLOAD-3")?;
        c.send_data(&random(64 << 10, n))?;
        c.hangup();
    }
    ctx.expect_root(&before, "SEC-4")
}
