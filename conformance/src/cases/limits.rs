//! Operator limits (section 13), set through the launch contract
//! (LAUNCH-3); cases are skipped when the server refuses the option.

use super::big;
use super::random;
use crate::case::Case;
use crate::ctx::{Ctx, fixture, wait_for};
use crate::expect::{Expect as _, count_is, download, names, rejected, size_is, upload};
use crate::fail::{Fail, ensure};
use std::time::{Duration, Instant};

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "LIMIT-1",
            "an idle connection gets 421 and is closed; activity keeps one open",
            &[("LIMIT-1", "0f410a4d35ab"), ("LAUNCH-3", "15ab0339f170")],
            idle,
        )
        .no_snapshot()
        .slow(),
        Case::new(
            "LIMIT-2",
            "an upload ended by the idle timeout leaves nothing behind",
            &[
                ("LIMIT-2", "76331eb86acc"),
                ("LIMIT-1", "0f410a4d35ab"),
                ("SEC-4", "6f2e42731876"),
                ("LAUNCH-3", "15ab0339f170"),
            ],
            idle_upload,
        )
        .no_snapshot()
        .slow(),
        Case::new(
            "LIMIT-3",
            "a client over the connection limit gets 421; a freed slot serves again",
            &[("LIMIT-3", "47d270ca8ddb"), ("LAUNCH-3", "15ab0339f170")],
            max_connections,
        )
        .no_snapshot(),
        Case::new(
            "LIMIT-4",
            "an upload over the limit gets 552 before data and exactly the limit is accepted",
            &[
                ("LIMIT-4", "d912625e4126"),
                ("UPLOAD-2", "24890dc8f7d6"),
                ("LAUNCH-3", "15ab0339f170"),
            ],
            max_upload,
        ),
        Case::new(
            "LIMIT-1",
            "a download longer than the idle timeout does not use the timer up",
            &[("LIMIT-1", "0f410a4d35ab"), ("LAUNCH-3", "15ab0339f170")],
            idle_after_long_download,
        )
        .no_snapshot()
        .slow(),
        Case::new(
            "LIMIT-5",
            "started read-only, upload and rm get 556 and nothing changes",
            &[("LIMIT-5", "96067678feed"), ("LAUNCH-3", "15ab0339f170")],
            read_only,
        )
        .no_snapshot(),
    ]
}

/// The idle timeout the LIMIT-1 cases set: 2 s, so that a grading machine
/// under load that starves the suite for a second does not make a correct
/// server time the suite's own client out.
const IDLE: &str = "2";
const IDLE_TIMEOUT: Duration = Duration::from_secs(2);
/// LIMIT-1's latest `421`: 2 s after the timeout, plus 0.5 s for the
/// suite's own scheduling.
const LATEST_421: Duration = Duration::from_millis(4500);
/// The earliest: the timeout, less 0.3 s for the time between the server's
/// receiving the last byte and the suite's taking the time.
const EARLIEST_421: Duration = Duration::from_millis(1700);

fn idle(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start_with(&["--idle-timeout", IDLE])?;
    let t0 = Instant::now();
    let mut quiet = ctx.conn()?;
    let mut busy = ctx.conn()?;
    // Activity every 0.4 s for longer than the timeout keeps `busy` open.
    while t0.elapsed() < IDLE_TIMEOUT + Duration::from_millis(400) {
        std::thread::sleep(Duration::from_millis(400));
        busy.cmd("connme")?;
        busy.expect_greeting("LIMIT-1")?;
    }
    // The last byte `busy` sent was just answered: from here, silence.
    let busy_from = Instant::now();
    ctx.log.note(format!(
        "the busy client was still served after {} ms",
        t0.elapsed().as_millis()
    ));
    // The quiet client's `421` came while the busy one was served (it is
    // read only now, so its time is not measured).
    quiet.expect(421, "LIMIT-1")?;
    quiet.expect_closed("LIMIT-1")?;
    busy.expect(421, "LIMIT-1")?;
    let silent_for = busy_from.elapsed();
    busy.expect_closed("LIMIT-1")?;
    ensure(
        silent_for <= LATEST_421,
        "LIMIT-1",
        "421 no later than 2 s after the 2 s idle timeout",
        format!("421 after {} ms of silence", silent_for.as_millis()),
    )?;
    ensure(
        silent_for >= EARLIEST_421,
        "LIMIT-1",
        "421 only after 2 s without a byte",
        format!("421 after {} ms of silence", silent_for.as_millis()),
    )
}

fn idle_upload(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start_with(&["--idle-timeout", "1"])?;
    let before = ctx.root_tree();
    let mut c = ctx.conn()?;
    c.cmd("upload 1000 stalled.bin")?;
    c.expect_count(150, 1000, "UPLOAD-3")?;
    c.send_data(&random(10, 1))?;
    let r = c.reply("LIMIT-1")?;
    // `226` for 10 of 1000 bytes is UPLOAD-3's failure, not LIMIT-1's.
    ensure(
        r.code != 226,
        "UPLOAD-3",
        "`226` only once all 1000 bytes arrived",
        r.shown(),
    )?;
    ensure(
        r.code == 421,
        "LIMIT-1",
        "`421` after 1 s without a byte",
        r.shown(),
    )?;
    c.expect_closed("LIMIT-1")?;
    ctx.expect_root(&before, "LIMIT-2")
}

fn max_connections(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start_with(&["--max-connections", "2"])?;
    let mut a = ctx.conn()?;
    let mut b = ctx.conn()?;
    let mut c = ctx.connect()?;
    c.expect(421, "LIMIT-3")?;
    c.expect_closed("LIMIT-3")?;
    a.cmd("byebye")?;
    a.expect(221, "BYEBYE-1")?;
    a.expect_closed("BYEBYE-1")?;
    // Close our side too, as a real client does: a server may count a
    // half-closed socket as a connection until the peer has closed.
    a.hangup();
    // The server may take a moment to notice; retry for up to 2 s.
    let mut served = None;
    let mut last = String::new();
    let ok = wait_for(Duration::from_secs(2), || match ctx.connect() {
        Ok(mut d) => match d.reply("LIMIT-3") {
            Ok(r) if r.code == 220 => {
                served = Some(d);
                true
            }
            Ok(r) => {
                last = r.shown();
                false
            }
            Err(f) => {
                last = f.actual;
                false
            }
        },
        Err(f) => {
            last = f.actual;
            false
        }
    });
    ensure(
        ok,
        "LIMIT-3",
        "a new client is greeted once a connection has ended",
        format!("for 2 s: {last}"),
    )?;
    if let Some(mut d) = served {
        d.cmd("size a.txt")?;
        size_is(&mut d, 5, "LIMIT-3")?;
    }
    b.cmd("ls")?;
    names(&mut b, fixture::ROOT_LISTING, "LIMIT-3", "ls").map(|_| ())
}

fn max_upload(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start_with(&["--max-upload-bytes", "1000"])?;
    let mut c = ctx.conn()?;
    // The name is checked before the size limit (UPLOAD-2's order).
    for (arg, code, clause) in [
        ("1001 big.bin", 552, "LIMIT-4"),
        ("9223372036854775807 huge.bin", 552, "LIMIT-4"),
        ("1001 a.txt", 552, "LIMIT-4"),
        ("1001 nope/x.bin", 552, "LIMIT-4"),
        ("1001 ../x.bin", 553, "UPLOAD-2"),
    ] {
        rejected(&mut c, &format!("upload {arg}"), code, clause, "UPLOAD-2")?;
    }
    upload(&mut c, "exact.bin", &random(1000, 2), "LIMIT-4")?;
    c.cmd("size exact.bin")?;
    size_is(&mut c, 1000, "LIMIT-4")
}

/// LIMIT-1 (1.1): the idle timer starts when the server begins to wait, so
/// a download longer than the timeout does not use it up.
fn idle_after_long_download(ctx: &mut Ctx) -> Result<(), Fail> {
    let data = big();
    ctx.file("big.bin", data)?;
    ctx.start_with(&["--idle-timeout", IDLE])?;
    let mut c = ctx.conn()?;
    c.cmd("download big.bin")?;
    count_is(&mut c, 150, data.len() as u64, "LIMIT-1", "DOWNLOAD-1")?;
    // About 3 s of reading: longer than the timeout, never long without
    // reading.
    let t0 = std::time::Instant::now();
    c.expect_data_paced(data, 1 << 20, Duration::from_millis(45), "LIMIT-1")?;
    ctx.log.note(format!(
        "the download took {} ms (idle timeout 2 s)",
        t0.elapsed().as_millis()
    ));
    c.cmd("size a.txt")?;
    size_is(&mut c, 5, "LIMIT-1")
}

/// LIMIT-5 (1.1): `--read-only` refuses upload and rm with 556.
fn read_only(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start_with(&["--read-only"])?;
    let before = ctx.root_tree();
    let mut c = ctx.conn()?;
    rejected(&mut c, "upload 5 new.txt", 556, "LIMIT-5", "UPLOAD-2")?;
    rejected(&mut c, "upload 5 a.txt/../x", 553, "UPLOAD-2", "UPLOAD-2")?;
    rejected(&mut c, "rm a.txt", 556, "LIMIT-5", "CMD-6")?;
    c.cmd("size a.txt")?;
    size_is(&mut c, 5, "LIMIT-5")?;
    download(&mut c, "a.txt", fixture::A_TXT, "LIMIT-5")?;
    c.cmd("ls")?;
    c.expect_listing(fixture::ROOT_LISTING, "LIMIT-5")?;
    ctx.expect_root(&before, "LIMIT-5")
}
