//! `upload` (section 9).

use super::{big, random};
use crate::case::Case;
use crate::ctx::{Ctx, fixture};
use crate::disk::tree_diff;
use crate::expect::Reply;
use crate::expect::{Expect as _, absent, count_is, download, rejected, size_is, stored, upload};
use crate::fail::{Fail, ensure};
use std::sync::Barrier;

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "UPLOAD-1",
            "a malformed size or a missing name gets 501 and no data is read",
            &[("UPLOAD-1", "a6b5a5ca8c28"), ("PIPE-2", "064e9936195e")],
            malformed,
        ),
        Case::new(
            "UPLOAD-1",
            "size fields with leading zeros and 20 digits are accepted",
            &[("UPLOAD-1", "a6b5a5ca8c28"), ("UPLOAD-3", "305613a77ba8")],
            leading_zeros,
        ),
        Case::new(
            "UPLOAD-2",
            "checks run in order: size, name, parent, existence",
            &[("UPLOAD-2", "24890dc8f7d6"), ("PIPE-2", "064e9936195e")],
            order,
        ),
        Case::new(
            "UPLOAD-2",
            "an upload of 2^63-1 bytes to an existing name is refused before any data",
            &[("UPLOAD-2", "24890dc8f7d6"), ("UPLOAD-5", "b266f0e193c3")],
            huge_existing,
        )
        .no_snapshot(),
        Case::new(
            "UPLOAD-3",
            "upload of 0, 1, 4095, 4096, 4097 bytes gets 150 then 226 and stores the bytes",
            &[("UPLOAD-3", "305613a77ba8"), ("UPLOAD-4", "5b3d2fc25df5")],
            basic,
        ),
        Case::new(
            "UPLOAD-4",
            "after 226 the file is complete and visible to every connection",
            &[("UPLOAD-4", "5b3d2fc25df5"), ("UPLOAD-6", "0934af2ded3d")],
            visible,
        ),
        Case::new(
            "UPLOAD-4",
            "1 MiB + 1 of random bytes is stored intact",
            &[("UPLOAD-4", "5b3d2fc25df5"), ("DOWNLOAD-1", "c26fba13c235")],
            mib,
        ),
        Case::new(
            "UPLOAD-4",
            "64 MiB of random bytes is stored intact",
            &[("UPLOAD-4", "5b3d2fc25df5")],
            huge,
        )
        .slow(),
        Case::new(
            "UPLOAD-5",
            "upload never replaces a file, directory or symbolic link",
            &[("UPLOAD-5", "b266f0e193c3")],
            never_replaces,
        ),
        Case::new(
            "UPLOAD-5",
            "of 8 racing uploads of one name exactly one gets 226",
            &[
                ("UPLOAD-5", "b266f0e193c3"),
                ("UPLOAD-3", "305613a77ba8"),
                ("SEC-4", "6f2e42731876"),
            ],
            race,
        )
        .no_snapshot()
        .slow(),
        Case::new(
            "UPLOAD-6",
            "an upload in progress is invisible to ls, size and download",
            &[("UPLOAD-6", "0934af2ded3d"), ("LS-5", "ee5e6dc879d5")],
            invisible,
        ),
        Case::new(
            "UPLOAD-6",
            "a client that disconnects mid-upload leaves nothing behind",
            &[
                ("UPLOAD-6", "0934af2ded3d"),
                ("SEC-4", "6f2e42731876"),
                ("CONC-2", "6204c60c5fc3"),
            ],
            disconnect,
        ),
        Case::new(
            "UPLOAD-1",
            "size tokens other languages accept (+5, 5_0, Arabic digits, 21 digits) get 501",
            &[("UPLOAD-1", "a6b5a5ca8c28")],
            foreign_size_tokens,
        ),
        Case::new(
            "UPLOAD-3",
            "announced sizes up to 2^63-1 get 150 and an abandoned upload leaves nothing",
            &[("UPLOAD-3", "305613a77ba8"), ("SEC-4", "6f2e42731876")],
            huge_announcements,
        )
        .no_snapshot(),
        Case::new(
            "UPLOAD-5",
            "two uploads of one name interleaved step by step: the first to finish wins",
            &[("UPLOAD-5", "b266f0e193c3"), ("UPLOAD-3", "305613a77ba8")],
            interleaved_race,
        )
        .no_snapshot(),
        Case::new(
            "UPLOAD-6",
            "rm of a name being uploaded gets 550 and the upload completes",
            &[("UPLOAD-6", "0934af2ded3d"), ("UPLOAD-4", "5b3d2fc25df5")],
            rm_during_upload,
        ),
    ]
}

fn malformed(ctx: &mut Ctx) -> Result<(), Fail> {
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

fn leading_zeros(ctx: &mut Ctx) -> Result<(), Fail> {
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

fn order(ctx: &mut Ctx) -> Result<(), Fail> {
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

fn huge_existing(ctx: &mut Ctx) -> Result<(), Fail> {
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

fn basic(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    let mut files: Vec<(String, Vec<u8>)> = [0usize, 1, 4095, 4096, 4097]
        .iter()
        .map(|n| (format!("u{n}.bin"), random(*n, 100 + *n as u64)))
        .collect();
    files.push((
        "commands.txt".into(),
        b"ls\nbyebye\nupload 1 x\r\n".to_vec(),
    ));
    files.push(("docs/new.txt".into(), b"in a subdirectory".to_vec()));
    files.push(("empty/first".into(), b"1".to_vec()));
    for (name, data) in &files {
        upload(&mut c, name, data, "UPLOAD-3")?;
    }
    for (name, data) in &files {
        ensure(
            ctx.read(name).as_deref() == Some(data.as_slice()),
            "UPLOAD-4",
            format!(
                "{name} on disk holding exactly the {} bytes sent",
                data.len()
            ),
            format!("{:?} bytes", ctx.read(name).map(|d| d.len())),
        )?;
    }
    c.cmd("ls docs")?;
    c.expect_listing(&["new.txt", "readme.md"], "UPLOAD-4")?;
    c.expect_open("UPLOAD-3")
}

fn visible(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut a = ctx.conn()?;
    let mut b = ctx.conn()?;
    upload(&mut a, "vis.txt", b"now visible", "UPLOAD-4")?;
    ensure(
        ctx.read("vis.txt").as_deref() == Some(b"now visible".as_slice()),
        "UPLOAD-4",
        "vis.txt on disk with the uploaded bytes",
        format!("{:?}", ctx.read("vis.txt")),
    )?;
    b.cmd("size vis.txt")?;
    size_is(&mut b, 11, "UPLOAD-4")?;
    download(&mut b, "vis.txt", b"now visible", "UPLOAD-4")?;
    b.cmd("ls")?;
    b.expect_listing(
        &[
            "a.txt",
            "café/",
            "docs/",
            "empty/",
            "my file.txt",
            "vis.txt",
            "zero.bin",
        ],
        "UPLOAD-4",
    )
}

fn mib(ctx: &mut Ctx) -> Result<(), Fail> {
    let data = random((1 << 20) + 1, 11);
    ctx.start()?;
    let mut c = ctx.conn()?;
    upload(&mut c, "mib.bin", &data, "UPLOAD-4")?;
    ensure(
        ctx.read("mib.bin").as_deref() == Some(data.as_slice()),
        "UPLOAD-4",
        "mib.bin on disk identical to the bytes sent",
        "different content on disk",
    )?;
    download(&mut c, "mib.bin", &data, "DOWNLOAD-1")
}

fn huge(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    upload(&mut c, "big.bin", big(), "UPLOAD-4")?;
    ensure(
        ctx.read("big.bin").as_deref() == Some(big()),
        "UPLOAD-4",
        "big.bin on disk identical to the 64 MiB sent",
        format!(
            "{:?} bytes on disk, content differs",
            ctx.read("big.bin").map(|d| d.len())
        ),
    )?;
    c.cmd("size big.bin")?;
    size_is(&mut c, 64 << 20, "UPLOAD-4")
}

fn never_replaces(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.symlink("lnk.txt", "a.txt")?;
    ctx.symlink("dangling", "nowhere")?;
    ctx.symlink("esc.txt", "../outside/secret.txt")?;
    ctx.symlink("lnkdir", "docs")?;
    ctx.start()?;
    let before = ctx.root_tree();
    let mut c = ctx.conn()?;
    for name in [
        "a.txt",
        "docs",
        "empty",
        "docs/readme.md",
        "lnk.txt",
        "dangling",
        "esc.txt",
        "lnkdir",
        "zero.bin",
    ] {
        rejected(
            &mut c,
            &format!("upload 3 {name}"),
            554,
            "UPLOAD-5",
            "UPLOAD-2",
        )?;
    }
    ctx.expect_root(&before, "UPLOAD-5")
}

/// What one racer saw.
#[derive(Debug)]
enum Race {
    Won,
    LostBefore,
    LostAfter,
}

fn race(ctx: &mut Ctx) -> Result<(), Fail> {
    const N: usize = 8;
    const LEN: usize = 256 * 1024;
    ctx.start()?;
    let before = ctx.root_tree();
    let mut conns = Vec::new();
    for _ in 0..N {
        conns.push(ctx.conn()?);
    }
    let barrier = Barrier::new(N);
    let results: Vec<Result<Race, Fail>> = std::thread::scope(|s| {
        let handles: Vec<_> = conns
            .into_iter()
            .enumerate()
            .map(|(i, mut c)| {
                let barrier = &barrier;
                s.spawn(move || {
                    let data = random(LEN, 1000 + i as u64);
                    barrier.wait();
                    c.cmd(&format!("upload {LEN} race.bin"))?;
                    let r: Reply =
                        c.expect_one_of(&[(150, "UPLOAD-3"), (554, "UPLOAD-5: lost before data")])?;
                    if r.code == 554 {
                        c.expect_open("UPLOAD-2")?;
                        return Ok(Race::LostBefore);
                    }
                    c.send_data(&data)?;
                    let r =
                        c.expect_one_of(&[(226, "UPLOAD-3"), (554, "UPLOAD-5: lost after data")])?;
                    c.expect_open("UPLOAD-3")?;
                    Ok(if r.code == 226 {
                        Race::Won
                    } else {
                        Race::LostAfter
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Fail::harness("racer thread panicked")))
            })
            .collect()
    });
    let mut outcomes = Vec::new();
    for r in results {
        outcomes.push(r?);
    }
    let winners: Vec<usize> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| matches!(o, Race::Won))
        .map(|(i, _)| i)
        .collect();
    ctx.log.note(format!("outcomes: {outcomes:?}"));
    ensure(
        winners.len() == 1,
        "UPLOAD-5",
        "exactly one upload gets 226; the others get 554 before or after their data",
        format!("{} got 226: {outcomes:?}", winners.len()),
    )?;
    let want = random(LEN, 1000 + winners[0] as u64);
    ensure(
        ctx.read("race.bin").as_deref() == Some(want.as_slice()),
        "UPLOAD-5",
        format!(
            "race.bin holding exactly the bytes of the winner (client {})",
            winners[0] + 1
        ),
        "other content (mixed or another client's bytes)",
    )?;
    let mut expected = before;
    expected.insert(
        "race.bin".into(),
        crate::disk::tree(&ctx.root)
            .remove("race.bin")
            .unwrap_or(crate::disk::Node::Other),
    );
    ctx.expect_root(&expected, "SEC-4")
}

fn invisible(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let data = random(1000, 5);
    let mut a = ctx.conn()?;
    let mut b = ctx.conn()?;
    a.cmd("upload 1000 wip.bin")?;
    a.expect_count(150, 1000, "UPLOAD-3")?;
    a.send_data(&data[..500])?;
    // A round trip on `a` is impossible mid-data; `b`'s first reply comes
    // after the server has had the 500 bytes for as long as `b` takes.
    b.cmd("ls")?;
    b.expect_listing(fixture::ROOT_LISTING, "UPLOAD-6")?;
    absent(&mut b, "size wip.bin", "UPLOAD-6")?;
    absent(&mut b, "download wip.bin", "UPLOAD-6")?;
    a.send_data(&data[500..])?;
    a.expect_count(226, 1000, "UPLOAD-3")?;
    b.cmd("size wip.bin")?;
    size_is(&mut b, 1000, "UPLOAD-4")
}

fn disconnect(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let before = ctx.root_tree();
    let mut a = ctx.conn()?;
    a.cmd("upload 1000 gone.bin")?;
    a.expect_count(150, 1000, "UPLOAD-3")?;
    a.send_data(&random(500, 9))?;
    a.hangup();
    let mut b = ctx.conn()?;
    b.cmd("upload 1000 gone2.bin")?;
    b.expect_count(150, 1000, "UPLOAD-3")?;
    b.hangup();
    let mut c = ctx.conn()?;
    c.cmd("upload 10 gone3.bin")?;
    c.hangup();
    let mut d = ctx.conn()?;
    ctx.expect_root(&before, "UPLOAD-6").map_err(|f| {
        let diff = tree_diff(&before, &ctx.root_tree());
        Fail {
            actual: format!("2 s after the clients left, the root still differs: {diff}"),
            ..f
        }
    })?;
    for n in ["gone.bin", "gone2.bin", "gone3.bin"] {
        absent(&mut d, &format!("size {n}"), "UPLOAD-6")?;
    }
    Ok(())
}

/// UPLOAD-1 (1.1): size tokens that other languages' integer parsers accept.
fn foreign_size_tokens(ctx: &mut Ctx) -> Result<(), Fail> {
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
fn huge_announcements(ctx: &mut Ctx) -> Result<(), Fail> {
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

/// UPLOAD-5: two uploads of one name, interleaved step by step.
fn interleaved_race(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut a = ctx.conn()?;
    let mut b = ctx.conn()?;
    a.cmd("upload 5 race.txt")?;
    count_is(&mut a, 150, 5, "UPLOAD-5", "UPLOAD-3")?;
    b.cmd("upload 5 race.txt")?;
    let first = b.expect_one_of(&[(150, "UPLOAD-5"), (554, "UPLOAD-5")])?;
    a.send_data(b"AAAAA")?;
    count_is(&mut a, 226, 5, "UPLOAD-5", "UPLOAD-3")?;
    if first.code == 150 {
        b.send_data(b"BBBBB")?;
        b.expect(554, "UPLOAD-5")?;
    }
    stored(ctx, "race.txt", b"AAAAA", "UPLOAD-5")?;
    b.expect_open("CMD-6")?;
    download(&mut b, "race.txt", b"AAAAA", "UPLOAD-5")
}

/// UPLOAD-6 (1.1): `rm` of a name being uploaded finds nothing.
fn rm_during_upload(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut a = ctx.conn()?;
    let mut b = ctx.conn()?;
    a.cmd("upload 5 up.txt")?;
    count_is(&mut a, 150, 5, "UPLOAD-6", "UPLOAD-3")?;
    a.send_data(b"ab")?;
    absent(&mut b, "rm up.txt", "UPLOAD-6")?;
    a.send_data(b"cde")?;
    count_is(&mut a, 226, 5, "UPLOAD-6", "UPLOAD-3")?;
    stored(ctx, "up.txt", b"abcde", "UPLOAD-6")?;
    download(&mut b, "up.txt", b"abcde", "UPLOAD-4")
}
