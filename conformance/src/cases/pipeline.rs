//! Pipelining (section 12).

use crate::case::Case;
use crate::ctx::{Ctx, fixture};
use crate::expect::{Expect as _, count_is, missing, size_is};
use crate::fail::Fail;

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "PIPE-1",
            "several commands in one write are answered in order",
            &[
                ("PIPE-1", "e6d0d9a971f7"),
                ("FRAME-3", "23a6da2f0abe"),
                ("DOWNLOAD-2", "73172c28ff7e"),
            ],
            in_order,
        ),
        Case::new(
            "PIPE-2",
            "bytes after upload data or a rejected upload are command lines",
            &[("PIPE-2", "064e9936195e"), ("UPLOAD-3", "305613a77ba8")],
            after_upload,
        ),
    ]
}

fn in_order(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    // One-entry listings: their order and `/` are LS-2/LS-3's business.
    c.send(b"connme\nls caf\xc3\xa9\nsize a.txt\ndownload a.txt\nsize nope\nls docs\n\ndownload caf\xc3\xa9/na\xc3\xafve.bin\nsize docs\nbyebye\n")?;
    c.expect_greeting("PIPE-1")?;
    c.expect_listing(&["naïve.bin"], "PIPE-1")?;
    size_is(&mut c, 5, "PIPE-1")?;
    count_is(&mut c, 150, 5, "PIPE-1", "DOWNLOAD-1")?;
    c.expect_data(fixture::A_TXT, "PIPE-1")?;
    missing(&mut c, "size nope", "PIPE-1")?;
    c.expect_listing(&["readme.md"], "PIPE-1")?;
    // The empty line's 500 is FRAME-5's.
    c.expect(500, "FRAME-5")?;
    count_is(&mut c, 150, 256, "PIPE-1", "DOWNLOAD-1")?;
    c.expect_data(&fixture::all_bytes(), "PIPE-1")?;
    c.expect(551, "PIPE-1")?;
    c.expect(221, "PIPE-1")?;
    c.expect_closed("BYEBYE-1")
}

fn after_upload(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    c.cmd("upload 3 p.txt")?;
    c.expect_count(150, 3, "UPLOAD-3")?;
    c.send_data_then(b"abc", b"size p.txt\nls docs\n")?;
    count_is(&mut c, 226, 3, "PIPE-2", "UPLOAD-3")?;
    size_is(&mut c, 3, "PIPE-2")?;
    c.expect_listing(&["readme.md"], "PIPE-2")?;
    // The "data" of a rejected upload is a command line.
    c.send(b"upload 5 a.txt\nhello\nsize a.txt\n")?;
    c.expect(554, "UPLOAD-5")?;
    c.expect(500, "PIPE-2")?;
    // Still open after that 500.
    size_is(&mut c, 5, "CMD-6")?;
    c.send(b"upload 5 nope/x\nconnme\n")?;
    c.expect(550, "UPLOAD-2")?;
    c.expect_greeting("PIPE-2")?;
    Ok(())
}
