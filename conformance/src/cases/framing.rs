//! Line framing: CR LF, segmentation, line length, empty lines, reply
//! syntax (section 2).

use crate::case::Case;
use crate::ctx::{Ctx, fixture};
use crate::expect::{Expect as _, count_is, size_is, steps, stored, upload};
use crate::fail::Fail;
use crate::transcript::Event;
use std::time::Duration;

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "FRAME-2",
            "CR LF and LF end a command line alike and only one CR is removed",
            &[("FRAME-2", "918bd9a371a0")],
            crlf,
        ),
        Case::new(
            "FRAME-3",
            "a command sent one byte per write is one command",
            &[("FRAME-3", "23a6da2f0abe")],
            slow_client,
        ),
        Case::new(
            "FRAME-4",
            "a line of exactly 4096 bytes is processed normally",
            &[("FRAME-4", "bd18de416b47")],
            line_4096,
        ),
        Case::new(
            "FRAME-4",
            "4096 bytes without LF get 500 and the connection is closed",
            &[("FRAME-4", "bd18de416b47")],
            line_too_long,
        ),
        Case::new(
            "FRAME-5",
            "an empty line gets 500 and the connection stays open",
            &[("FRAME-5", "94c685a291fd")],
            empty_line,
        ),
        Case::new(
            "FRAME-6",
            "every reply line is a code, SP and text without control bytes, ended by LF",
            &[("FRAME-6", "7bb5723bc704")],
            reply_syntax,
        ),
        Case::new(
            "FRAME-8",
            "reply and listing entry lines are not sent with CR before LF",
            &[("FRAME-8", "cdd5ea7d2eeb")],
            no_cr,
        )
        .no_snapshot(),
        Case::new(
            "FRAME-7",
            "replies to 4096-byte command lines stay within 8192 bytes",
            &[
                ("FRAME-7", "b9a69fd47b26"),
                ("NAME-2", "162006ad2982"),
                ("CMD-2", "c11e3aacb36c"),
            ],
            replies_to_long_lines,
        )
        .no_snapshot(),
        Case::new(
            "FRAME-9",
            "after the 500 to a too-long line the connection ends in order, not with a reset",
            &[("FRAME-9", "426200972ff5"), ("FRAME-4", "bd18de416b47")],
            lingering_close,
        )
        .no_snapshot(),
        Case::new(
            "FRAME-10",
            "commands sent before a half-close are answered, then the server closes",
            &[("FRAME-10", "e9bed41516c2")],
            half_close,
        ),
    ]
}

fn crlf(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    // A one-entry listing: its order and `/` are LS-2/LS-3's business.
    c.send(b"ls docs\r\n")?;
    c.expect_listing(&["readme.md"], "FRAME-2")?;
    c.send(b"size a.txt\r\n")?;
    size_is(&mut c, 5, "FRAME-2")?;
    c.send(b"download a.txt\r\n")?;
    count_is(&mut c, 150, 5, "FRAME-2", "DOWNLOAD-1")?;
    c.expect_data(fixture::A_TXT, "DOWNLOAD-1")?;
    c.send(b"upload 3 crlf.txt\r\n")?;
    count_is(&mut c, 150, 3, "FRAME-2", "UPLOAD-3")?;
    c.send_data(b"a\r\n")?;
    count_is(&mut c, 226, 3, "FRAME-2", "UPLOAD-3")?;
    // Stored as `crlf.txt`, not `crlf.txt\r`.
    stored(ctx, "crlf.txt", b"a\r\n", "FRAME-2")?;
    c.send(b"size crlf.txt\n")?;
    size_is(&mut c, 3, "FRAME-2")?;
    c.send(b"connme\r\n")?;
    c.expect_greeting("FRAME-2")?;
    // Only one CR is removed: the verb is "connme\r", not a verb (CMD-2).
    // (A CR left in an argument would be stripped along with it by a server
    // that trims arguments, which is CMD-5's business.) Last, since what
    // follows an unknown verb is CMD-2's business.
    c.send(b"connme\r\r\n")?;
    c.expect(500, "FRAME-2").map(|_| ())
}

fn slow_client(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    let pause = Duration::from_millis(2);
    // LF alone: CR LF is FRAME-2's business.
    c.send_slowly(b"size a.txt\n", pause)?;
    size_is(&mut c, 5, "FRAME-3")?;
    c.send_slowly(b"upload 4 slow.txt\n", pause)?;
    count_is(&mut c, 150, 4, "FRAME-3", "UPLOAD-3")?;
    c.send_data_slowly(b"a\nb\n", pause)?;
    count_is(&mut c, 226, 4, "FRAME-3", "UPLOAD-3")?;
    stored(ctx, "slow.txt", b"a\nb\n", "FRAME-3")?;
    c.send_slowly(b"download slow.txt\n", pause)?;
    count_is(&mut c, 150, 4, "FRAME-3", "DOWNLOAD-1")?;
    c.expect_data(b"a\nb\n", "DOWNLOAD-1")?;
    upload(&mut c, "fast.txt", b"ok", "FRAME-3")
}

/// `size `, `n` times `fill`, then `end`: 5 + `n` + `end.len()` bytes.
fn size_line(fill: u8, n: usize, end: &[u8]) -> Vec<u8> {
    let mut l = b"size ".to_vec();
    l.extend(std::iter::repeat_n(fill, n));
    l.extend_from_slice(end);
    l
}

fn line_4096(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    // 5 + 4090 + LF = 4096 bytes: answered (the name is too long: 553).
    c.send(&size_line(b'a', 4090, b"\n"))?;
    c.expect(553, "FRAME-4")?;
    // The same length with CR LF.
    c.send(&size_line(b'b', 4089, b"\r\n"))?;
    c.expect(553, "FRAME-4")?;
    c.cmd("size a.txt")?;
    size_is(&mut c, 5, "FRAME-4")
}

fn line_too_long(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    c.send(&size_line(b'a', 4091, b""))?;
    c.expect(500, "FRAME-4")?;
    c.expect_closed("FRAME-4")?;
    // 4095 bytes and a CR are 4096 bytes without LF too.
    let mut c = ctx.conn()?;
    c.send(&size_line(b'a', 4090, b"\r"))?;
    c.expect(500, "FRAME-4")?;
    c.expect_closed("FRAME-4")?;
    let mut c = ctx.conn()?;
    c.cmd("size a.txt")?;
    size_is(&mut c, 5, "FRAME-4")
}

fn empty_line(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    c.send(b"\n")?;
    c.expect(500, "FRAME-5")?;
    c.send(b"\r\n")?;
    c.expect(500, "FRAME-5")?;
    c.expect_open("FRAME-5")
}

/// Many kinds of reply; `Expect::reply` checks each line against FRAME-6.
fn reply_syntax(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    c.cmd("connme")?;
    c.expect_greeting("FRAME-6")?;
    c.cmd("ls docs")?;
    c.expect_listing(&["readme.md"], "FRAME-6")?;
    c.cmd("size a.txt")?;
    size_is(&mut c, 5, "FRAME-6")?;
    upload(&mut c, "r.txt", b"r", "FRAME-6")?;
    steps(
        &mut c,
        &[
            ("rm r.txt", 250, "RM-1"),
            ("nope", 500, "CMD-2"),
            ("size", 501, "CMD-3"),
            ("size nope", 550, "SIZE-3"),
            ("size docs", 551, "SIZE-3"),
            ("size ../x", 553, "NAME-4"),
            ("upload 1 a.txt", 554, "UPLOAD-5"),
            ("byebye", 221, "BYEBYE-1"),
        ],
    )?;
    c.expect_closed("BYEBYE-1")
}

fn no_cr(ctx: &mut Ctx) -> Result<(), Fail> {
    reply_syntax(ctx)?;
    for e in ctx.log.events() {
        if let Event::Reply { raw, .. } | Event::Entry { raw, .. } = e
            && raw.ends_with(b"\r\n")
        {
            return Err(Fail::mismatch(
                "FRAME-8",
                "reply and entry lines ended by LF alone (a CR is accepted but SHOULD NOT be sent)",
                format!("{:?}", String::from_utf8_lossy(&raw)),
            ));
        }
    }
    Ok(())
}

/// FRAME-7: reply lines stay within 8192 bytes, even for the longest
/// command lines (a server may echo the name in its text).
fn replies_to_long_lines(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    // 4096-byte lines: `size ` + 4090 bytes of name + LF.
    let two_byte = "\u{E9}".repeat(2045);
    c.cmd(&format!("size {two_byte}"))?;
    c.expect(553, "NAME-2")?;
    let ascii = "a/".repeat(2045);
    c.cmd(&format!("size {}", &ascii[..4090]))?;
    c.expect(553, "NAME-2")?;
    c.cmd(&format!("xyzzy {}", "\u{E9}".repeat(2044)))?;
    c.expect(500, "CMD-2")?;
    c.expect_open("CMD-6")
}

/// FRAME-9 (SHOULD): after the closing `500` of a too-long line, with more
/// input unread, the connection ends in order (FIN), not with a reset.
fn lingering_close(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    // The server stops reading the line at 4096 bytes; the rest stays
    // unread unless it drains its input before closing.
    c.send_best_effort(&vec![b'x'; 4096 + (256 << 10)]);
    c.expect(500, "FRAME-4")?;
    c.expect_orderly_close("FRAME-9")
}

/// FRAME-10 (1.1): commands sent before a half-close are still answered.
fn half_close(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    c.send(b"size a.txt\nls docs\nsize zero.bin\n")?;
    c.shutdown_write()?;
    size_is(&mut c, 5, "FRAME-10")?;
    c.expect_listing(&["readme.md"], "FRAME-10")?;
    size_is(&mut c, 0, "FRAME-10")?;
    c.expect_closed("FRAME-10")
}
