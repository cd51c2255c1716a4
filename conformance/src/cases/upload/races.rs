//! One name, several writers (UPLOAD-5, UPLOAD-6): an upload never
//! replaces anything, of racing uploads exactly one wins, and an upload in
//! progress is invisible, survives an `rm` of its name, and leaves nothing
//! behind when abandoned.

use crate::cases::random;
use crate::ctx::{Ctx, fixture};
use crate::disk::tree_diff;
use crate::expect::Reply;
use crate::expect::{Expect as _, absent, count_is, download, rejected, size_is, stored};
use crate::fail::{Fail, ensure};
use std::sync::Barrier;

pub(super) fn never_replaces(ctx: &mut Ctx) -> Result<(), Fail> {
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

pub(super) fn race(ctx: &mut Ctx) -> Result<(), Fail> {
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

pub(super) fn invisible(ctx: &mut Ctx) -> Result<(), Fail> {
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

pub(super) fn disconnect(ctx: &mut Ctx) -> Result<(), Fail> {
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

/// UPLOAD-5: two uploads of one name, interleaved step by step.
pub(super) fn interleaved_race(ctx: &mut Ctx) -> Result<(), Fail> {
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
pub(super) fn rm_during_upload(ctx: &mut Ctx) -> Result<(), Fail> {
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
