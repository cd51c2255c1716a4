//! Many clients at once (section 12).

use super::{big, random};
use crate::case::Case;
use crate::ctx::{Ctx, fixture};
use crate::expect::{Expect as _, absent, count_is, download, download_as, names, size_is, upload};
use crate::fail::{Fail, ensure};
use std::time::Instant;

/// The fixture root's listing once these cases have added `big.bin`.
const ROOT_WITH_BIG: &[&str] = &[
    "a.txt",
    "big.bin",
    "café/",
    "docs/",
    "empty/",
    "my file.txt",
    "zero.bin",
];

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "CONC-1",
            "50 concurrent clients upload and download at once",
            &[("CONC-1", "9f0a3f1d2593")],
            fifty,
        )
        .no_snapshot()
        .slow(),
        Case::new(
            "CONC-1",
            "idle, slow and mid-transfer clients do not delay another",
            &[("CONC-1", "9f0a3f1d2593"), ("FRAME-3", "23a6da2f0abe")],
            not_delayed,
        )
        .no_snapshot()
        .slow(),
        Case::new(
            "CONC-2",
            "garbage and disconnects affect only their own connection",
            &[("CONC-2", "6204c60c5fc3"), ("SEC-4", "6f2e42731876")],
            garbage,
        )
        .no_snapshot()
        .slow(),
        Case::new(
            "CONC-2",
            "clients that reset mid-upload and mid-download affect nothing else",
            &[("CONC-2", "6204c60c5fc3"), ("SEC-4", "6f2e42731876")],
            resets,
        )
        .no_snapshot(),
        Case::new(
            "CONC-3",
            "with 256 open files at most the server serves hundreds of commands and connections",
            &[("CONC-3", "a40d9fc0847c")],
            no_leaks,
        )
        .no_snapshot()
        .slow(),
    ]
}

fn fifty(ctx: &mut Ctx) -> Result<(), Fail> {
    const N: usize = 50;
    ctx.start()?;
    let mut conns = Vec::new();
    for _ in 0..N {
        conns.push(ctx.conn()?);
    }
    let results: Vec<Result<(), Fail>> = std::thread::scope(|s| {
        let hs: Vec<_> = conns
            .into_iter()
            .enumerate()
            .map(|(i, mut c)| {
                s.spawn(move || {
                    let data = random(8192, 500 + i as u64);
                    let name = format!("c{i}.bin");
                    upload(&mut c, &name, &data, "CONC-1")?;
                    // Another client's bytes would be CONC-1's failure.
                    download_as(&mut c, &name, &data, "CONC-1", "CONC-1")?;
                    c.cmd(&format!("size {name}"))?;
                    size_is(&mut c, 8192, "CONC-1")?;
                    download(&mut c, "a.txt", fixture::A_TXT, "CONC-1")
                })
            })
            .collect();
        hs.into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Fail::harness("client thread panicked")))
            })
            .collect()
    });
    for r in results {
        r?;
    }
    for i in 0..N {
        ensure(
            ctx.read(&format!("c{i}.bin")).as_deref()
                == Some(random(8192, 500 + i as u64).as_slice()),
            "CONC-1",
            format!("c{i}.bin stored intact"),
            "missing or different",
        )?;
    }
    Ok(())
}

fn not_delayed(ctx: &mut Ctx) -> Result<(), Fail> {
    let data = &big()[..16 << 20];
    ctx.file("big.bin", data)?;
    ctx.start()?;
    let _idle = ctx.conn()?;
    let mut uploading = ctx.conn()?;
    uploading.cmd("upload 100000 up.bin")?;
    uploading.expect_count(150, 100_000, "UPLOAD-3")?;
    let up = random(100_000, 77);
    uploading.send_data(&up[..50_000])?;
    let mut downloading = ctx.conn()?;
    downloading.cmd("download big.bin")?;
    downloading.expect_count(150, data.len() as u64, "DOWNLOAD-1")?;
    let mut slow = ctx.conn()?;
    slow.send(b"siz")?;
    let started = Instant::now();
    let mut other = ctx.conn()?;
    other.cmd("ls")?;
    names(&mut other, ROOT_WITH_BIG, "CONC-1", "ls").map_err(|f| {
        // The upload in progress listed: UPLOAD-6's failure, not CONC-1's.
        if f.actual.contains("\"up.bin\"") {
            Fail {
                clause: "UPLOAD-6",
                ..f
            }
        } else {
            f
        }
    })?;
    download(&mut other, "a.txt", fixture::A_TXT, "CONC-1")?;
    upload(&mut other, "other.txt", b"other", "CONC-1")?;
    ctx.log.note(format!(
        "the fresh client was served in {} ms",
        started.elapsed().as_millis()
    ));
    uploading.send_data(&up[50_000..])?;
    uploading.expect_count(226, 100_000, "UPLOAD-3")?;
    // The rest of a command line split over two writes (FRAME-3).
    slow.send(b"e a.txt\n")?;
    size_is(&mut slow, 5, "FRAME-3")?;
    downloading.expect_data(data, "DOWNLOAD-1")?;
    Ok(())
}

fn garbage(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.file("big.bin", &big()[..4 << 20])?;
    ctx.start()?;
    let before = ctx.root_tree();
    let mut early = ctx.conn()?;
    let mut g = ctx.conn()?;
    let mut junk = random(3000, 3);
    junk.retain(|&b| b != b'\n');
    junk.extend_from_slice(b"\n\x00\xff\n");
    let _ = g.send(&junk);
    g.hangup();
    let mut half = ctx.conn()?;
    half.send(b"size a.t")?;
    half.hangup();
    let mut dl = ctx.conn()?;
    dl.cmd("download big.bin")?;
    dl.expect_count(150, 4 << 20, "DOWNLOAD-1")?;
    let _ = dl.read_upto(1000);
    dl.hangup();
    let mut up = ctx.conn()?;
    up.cmd("upload 1000 x.bin")?;
    up.expect_count(150, 1000, "UPLOAD-3")?;
    up.send_data(&[0; 10])?;
    up.hangup();
    let mut long = ctx.conn()?;
    let _ = long.send(&[b'z'; 5000]);
    let _ = long.read_upto(64);
    long.hangup();
    let raw = ctx.connect()?;
    raw.hangup();
    // Leftovers of the aborted upload are seen on disk first (SEC-4), so
    // that a listing showing them does not count against CONC-2.
    ctx.expect_root(&before, "SEC-4")?;
    early.cmd("ls")?;
    names(&mut early, ROOT_WITH_BIG, "CONC-2", "ls")?;
    let mut late = ctx.conn()?;
    late.cmd("size a.txt")?;
    size_is(&mut late, 5, "CONC-2")
}

/// CONC-2 (1.1): clients that reset their connection mid-upload and
/// mid-download affect nothing else; nothing of the upload remains.
fn resets(ctx: &mut Ctx) -> Result<(), Fail> {
    let data = big();
    ctx.file("big.bin", data)?;
    ctx.start()?;
    let before = ctx.root_tree();
    let mut up = ctx.conn()?;
    up.cmd("upload 1048576 reset.bin")?;
    count_is(&mut up, 150, 1 << 20, "CONC-2", "UPLOAD-3")?;
    up.send_data(&random(100 << 10, 9))?;
    up.reset();
    let mut down = ctx.conn()?;
    down.cmd("download big.bin")?;
    count_is(&mut down, 150, data.len() as u64, "CONC-2", "DOWNLOAD-1")?;
    let _ = down.read_upto(1 << 20);
    down.reset();
    let mut c = ctx.conn()?;
    c.cmd("size a.txt")?;
    size_is(&mut c, 5, "CONC-2")?;
    c.hangup();
    ctx.expect_root(&before, "SEC-4")
}

/// CONC-3 (1.1): started with 256 open files at most, the server serves
/// hundreds of downloads, failed opens, aborted uploads and connections.
fn no_leaks(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start_with_open_files_limit(256)?;
    let mut c = ctx.conn()?;
    for i in 0..300 {
        download(&mut c, "a.txt", fixture::A_TXT, "CONC-3")
            .map_err(|f| f.at(format!("download {} of 300", i + 1)))?;
        absent(&mut c, "download nope.txt", "CONC-3")?;
        absent(&mut c, "size nope/x", "CONC-3")?;
        c.cmd("ls docs")?;
        names(&mut c, &["readme.md"], "CONC-3", "ls docs")?;
    }
    for i in 0..150 {
        let mut u = ctx
            .conn()
            .map_err(|f| f.at(format!("connection {} of 150", i + 1)))?;
        u.cmd(&format!("upload 10 aborted{i}.bin"))?;
        count_is(&mut u, 150, 10, "CONC-3", "UPLOAD-3")?;
        u.send_data(b"12345")?;
        u.hangup();
    }
    // 20 at once still fit.
    let mut open = Vec::new();
    for _ in 0..20 {
        open.push(ctx.conn()?);
    }
    for o in &mut open {
        download(o, "café/naïve.bin", &fixture::all_bytes(), "CONC-3")?;
    }
    c.expect_open("CONC-3")
}
