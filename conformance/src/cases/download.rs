//! `download` (section 8).

use super::{big, random};
use crate::case::Case;
use crate::ctx::{Ctx, fixture};
use crate::expect::{Expect as _, absent, count_is, download, rejected, size_is};
use crate::fail::{Fail, ensure};

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "DOWNLOAD-1",
            "download returns the exact bytes of files of 0, 1, 4095, 4096 and 4097 bytes",
            &[("DOWNLOAD-1", "c26fba13c235")],
            small,
        ),
        Case::new(
            "DOWNLOAD-1",
            "download returns 1 MiB + 1 of random bytes intact",
            &[("DOWNLOAD-1", "c26fba13c235")],
            mib,
        ),
        Case::new(
            "DOWNLOAD-1",
            "download returns 64 MiB of random bytes intact",
            &[("DOWNLOAD-1", "c26fba13c235")],
            huge,
        )
        .slow(),
        Case::new(
            "DOWNLOAD-2",
            "after the last data byte the next command is served",
            &[("DOWNLOAD-2", "73172c28ff7e")],
            back_to_commands,
        ),
        Case::new(
            "DOWNLOAD-3",
            "download of a missing name, a directory or a bad name gets 550, 551, 553 and no data",
            &[("DOWNLOAD-3", "1c74b74efca7")],
            errors,
        ),
        Case::new(
            "DOWNLOAD-4",
            "a file that shrinks during download is sent whole or the connection is closed",
            &[("DOWNLOAD-4", "fabf84059b6c")],
            shrinking,
        )
        .no_snapshot()
        .slow(),
        Case::new(
            "DOWNLOAD-4",
            "a file that grows during download is sent as announced and nothing more",
            &[
                ("DOWNLOAD-4", "fabf84059b6c"),
                ("DOWNLOAD-1", "c26fba13c235"),
            ],
            grows_during_download,
        )
        .no_snapshot(),
        Case::new(
            "DOWNLOAD-4",
            "a file removed during download is sent whole or the connection is closed",
            &[("DOWNLOAD-4", "fabf84059b6c"), ("RM-1", "7e6bcb633424")],
            removed_during_download,
        )
        .no_snapshot(),
        Case::new(
            "DOWNLOAD-1",
            "a sparse file of 4 GiB + 5 bytes arrives whole (heavy: run with --include-ignored)",
            &[
                ("DOWNLOAD-1", "c26fba13c235"),
                ("DOWNLOAD-2", "73172c28ff7e"),
            ],
            whole_beyond_32_bits,
        )
        .no_snapshot()
        .heavy(),
    ]
}

fn small(ctx: &mut Ctx) -> Result<(), Fail> {
    let sizes = [0usize, 1, 4095, 4096, 4097];
    for n in sizes {
        ctx.file(&format!("d{n}.bin"), &random(n, n as u64))?;
    }
    ctx.start()?;
    let mut c = ctx.conn()?;
    for n in sizes {
        download(
            &mut c,
            &format!("d{n}.bin"),
            &random(n, n as u64),
            "DOWNLOAD-1",
        )?;
    }
    download(
        &mut c,
        "café/naïve.bin",
        &fixture::all_bytes(),
        "DOWNLOAD-1",
    )
}

fn mib(ctx: &mut Ctx) -> Result<(), Fail> {
    let data = random((1 << 20) + 1, 7);
    ctx.file("mib.bin", &data)?;
    ctx.start()?;
    let mut c = ctx.conn()?;
    download(&mut c, "mib.bin", &data, "DOWNLOAD-1")
}

fn huge(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.file("big.bin", big())?;
    ctx.start()?;
    let mut c = ctx.conn()?;
    download(&mut c, "big.bin", big(), "DOWNLOAD-1")?;
    c.expect_open("DOWNLOAD-2")
}

fn back_to_commands(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    download(&mut c, "a.txt", fixture::A_TXT, "DOWNLOAD-2")?;
    c.cmd("size a.txt")?;
    size_is(&mut c, 5, "DOWNLOAD-2")?;
    // The next commands in the same write as the download: the first reply
    // depends on several lines in one segment being several commands
    // (PIPE-1); the ones after the data on DOWNLOAD-2.
    c.send(b"download a.txt\nsize a.txt\ndownload zero.bin\nconnme\n")?;
    count_is(&mut c, 150, 5, "PIPE-1", "DOWNLOAD-1")?;
    c.expect_data(fixture::A_TXT, "DOWNLOAD-1")?;
    size_is(&mut c, 5, "DOWNLOAD-2")?;
    count_is(&mut c, 150, 0, "DOWNLOAD-2", "DOWNLOAD-1")?;
    c.expect_greeting("DOWNLOAD-2")?;
    Ok(())
}

fn errors(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    // Then connme: no data may follow an error. A name that breaks a rule
    // gets 553 from every command: those rows are the name rule's.
    for (l, code, clause) in [
        ("download nope", 550, "DOWNLOAD-3"),
        ("download docs/nope", 550, "DOWNLOAD-3"),
        ("download docs", 551, "DOWNLOAD-3"),
        ("download empty", 551, "DOWNLOAD-3"),
        ("download ../outside/secret.txt", 553, "NAME-4"),
        ("download /a.txt", 553, "NAME-3"),
    ] {
        rejected(&mut c, l, code, clause, "DOWNLOAD-3")?;
    }
    Ok(())
}

fn shrinking(ctx: &mut Ctx) -> Result<(), Fail> {
    let data = &big()[..32 << 20];
    ctx.file("shrink.bin", data)?;
    ctx.start()?;
    let mut c = ctx.conn()?;
    c.cmd("download shrink.bin")?;
    c.expect_count(150, data.len() as u64, "DOWNLOAD-1")?;
    let (head, _) = c.read_upto(64 * 1024);
    std::fs::OpenOptions::new()
        .write(true)
        .open(ctx.path("shrink.bin"))
        .and_then(|f| f.set_len(1 << 20))
        .map_err(|e| Fail::harness(format!("truncate: {e}")))?;
    ctx.log
        .note("the suite truncates shrink.bin to 1 MiB during the download");
    let (rest, closed) = c.read_upto(data.len() - head.len());
    let got = head.len() + rest.len();
    let received = head.iter().chain(&rest);
    // Bytes already queued by `sendfile(2)` reference the page cache, and
    // truncation zeroes the tail of a page it cuts: zeros there come from
    // the kernel, not the server, so they are tolerated before a close.
    let (mut differ, mut nonzero_differ) = (0usize, 0usize);
    for (a, b) in received.zip(&data[..got]) {
        if a != b {
            differ += 1;
            nonzero_differ += usize::from(*a != 0);
        }
    }
    if got == data.len() {
        return ensure(
            differ == 0,
            "DOWNLOAD-4",
            "all announced bytes equal to the file's bytes, or a close",
            format!(
                "all {got} bytes arrived but {differ} differ from the file (padding after it shrank?)"
            ),
        );
    }
    ensure(
        closed,
        "DOWNLOAD-4",
        format!(
            "all {} announced bytes, or the connection closed",
            data.len()
        ),
        format!(
            "{got} bytes, then nothing for {:.1} s with the connection open",
            c.step.as_secs_f64()
        ),
    )?;
    if differ > 0 {
        ctx.log.note(format!(
            "{differ} bytes before the close were zeros (page cache truncated under sendfile)"
        ));
    }
    ensure(
        nonzero_differ == 0,
        "DOWNLOAD-4",
        "bytes sent before the close are the file's bytes",
        format!("{nonzero_differ} of {got} bytes differ from the file"),
    )
}

/// DOWNLOAD-4 (1.1): a file that grows during a download is sent as
/// announced, and nothing more.
fn grows_during_download(ctx: &mut Ctx) -> Result<(), Fail> {
    let data = big();
    ctx.file("grow.bin", data)?;
    ctx.start()?;
    let mut c = ctx.conn()?;
    c.cmd("download grow.bin")?;
    count_is(&mut c, 150, data.len() as u64, "DOWNLOAD-1", "DOWNLOAD-1")?;
    {
        use std::io::Write as _;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(ctx.path("grow.bin"))
            .map_err(|e| Fail::harness(format!("append: {e}")))?;
        f.write_all(&[0xAB; 1 << 20])
            .map_err(|e| Fail::harness(format!("append: {e}")))?;
    }
    ctx.log
        .note("the suite appends 1 MiB to grow.bin during the download");
    c.expect_data(data, "DOWNLOAD-4")?;
    c.cmd("connme")?;
    c.expect_greeting("DOWNLOAD-4")
        .map(|_| ())
        .map_err(|f| Fail {
            clause: "DOWNLOAD-4",
            expected: format!(
                "nothing after the {} announced bytes: the next reply is the greeting",
                data.len()
            ),
            ..f
        })
}

/// DOWNLOAD-4 with RM-1: a file removed during its download is sent whole
/// (as it was) or the connection is closed; the name is gone at once.
fn removed_during_download(ctx: &mut Ctx) -> Result<(), Fail> {
    let data = big();
    ctx.file("gone.bin", data)?;
    ctx.start()?;
    let mut a = ctx.conn()?;
    let mut b = ctx.conn()?;
    a.cmd("download gone.bin")?;
    count_is(&mut a, 150, data.len() as u64, "DOWNLOAD-1", "DOWNLOAD-1")?;
    b.cmd("rm gone.bin")?;
    b.expect(250, "RM-1")?;
    absent(&mut b, "size gone.bin", "RM-1")?;
    let (got, closed) = a.read_upto(data.len());
    if got.len() == data.len() {
        ensure(
            got == data,
            "DOWNLOAD-4",
            "the file's bytes as they were",
            "other bytes",
        )?;
        return a.expect_open("DOWNLOAD-2");
    }
    ensure(
        closed,
        "DOWNLOAD-4",
        format!(
            "all {} announced bytes, or the connection closed",
            data.len()
        ),
        format!("{} bytes, then nothing with the connection open", got.len()),
    )?;
    ensure(
        got[..] == data[..got.len()],
        "DOWNLOAD-4",
        "bytes sent before the close are the file's bytes",
        "other bytes",
    )
}

/// DOWNLOAD-1 past 32 bits, every byte: a sparse file of 2^32 + 5 zeros
/// (no disk space; seconds of transfer, so only with `--include-ignored`).
/// Catches 32-bit offsets and `sendfile`'s per-call limit (2^31 - 4096).
fn whole_beyond_32_bits(ctx: &mut Ctx) -> Result<(), Fail> {
    let len: u64 = (1 << 32) + 5;
    ctx.sparse("4g.bin", len)?;
    ctx.start()?;
    let mut c = ctx.conn()?;
    c.cmd("download 4g.bin")?;
    count_is(&mut c, 150, len, "DOWNLOAD-1", "DOWNLOAD-1")?;
    let mut buf = vec![0u8; 1 << 20];
    let mut got: u64 = 0;
    while got < len {
        let room = usize::try_from((len - got).min(1 << 20)).unwrap_or(1 << 20);
        match c.read_data(&mut buf[..room]) {
            Ok(n) => {
                if let Some(i) = buf[..n].iter().position(|&b| b != 0) {
                    c.log_data(usize::try_from(got).unwrap_or(usize::MAX));
                    return Err(Fail::mismatch(
                        "DOWNLOAD-1",
                        format!("{len} zero bytes (the sparse file)"),
                        format!("byte {} is {:#04x}", got + i as u64, buf[i]),
                    )
                    .at("download 4g.bin"));
                }
                got += n as u64;
            }
            Err(cut) => {
                c.log_data(usize::try_from(got).unwrap_or(usize::MAX));
                return Err(Fail::mismatch(
                    "DOWNLOAD-1",
                    format!("{len} data bytes"),
                    format!("{got} arrived, then {cut:?}"),
                )
                .at("download 4g.bin"));
            }
        }
    }
    c.log_data(usize::try_from(got).unwrap_or(usize::MAX));
    c.expect_open("DOWNLOAD-2")
}
