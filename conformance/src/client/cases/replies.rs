//! Reading replies (spec.md 17.2): a byte stream cut at LF whatever the
//! segmentation, one CR removed, free text ignored; error replies fail the
//! command and are shown.

use super::{C2, C7, C8, C12, C13, FRAME_11, PAUSE, case};
use crate::client::ClientCase;
use crate::client::ctx::{Ctx, Exit};
use crate::client::stage::{APART, Out, Pieces};
use crate::fail::Fail;

pub fn cases() -> Vec<ClientCase> {
    vec![
        case(
            "CLIENT-7",
            "replies, listings and data sent one byte per write are read whole",
            &[C7, C12, C13],
            bytewise,
        ),
        case(
            "CLIENT-7",
            "a reply line with its listing or its data in one write is used in full",
            &[C7],
            one_write,
        ),
        case(
            "CLIENT-7",
            "one CR before the LF of replies and entries is removed",
            &[C7, C12],
            crlf,
        ),
        case(
            "CLIENT-7",
            "free text after a reply's fields is ignored, numbers in it too (FRAME-11)",
            &[C7, FRAME_11],
            free_text,
        ),
        case(
            "CLIENT-8",
            "error replies, listed in section 15 or not, fail the command and are shown",
            &[C8, C2],
            errors,
        ),
    ]
}

fn bytewise(ctx: &mut Ctx) -> Result<(), Fail> {
    let slowly = Pieces::Bytewise(PAUSE);
    ctx.launch("connme\nls\nsize a.txt\ndownload a.txt\n")?;
    let mut s = ctx.accept()?;
    s.blame("CLIENT-7");
    s.send(Out::new().reply("220 mftp/1 ready"), &slowly)?;
    s.expect_command("ls", "CLIENT-7")?;
    s.send(Out::new().listing(&["a.txt", "docs/"]), &slowly)?;
    s.expect_command("size a.txt", "CLIENT-7")?;
    s.send(Out::new().reply("213 131072 0.13 MB"), &slowly)?;
    s.expect_command("download a.txt", "CLIENT-7")?;
    s.send(Out::new().reply("150 5").data(b"hello"), &slowly)?;
    s.expect_end("CLIENT-1")?;
    ctx.wait_exit()?;
    ctx.expect_output(&["a.txt", "docs/"], "CLIENT-12")?;
    ctx.expect_output_any(&["131072", "0.13"], "CLIENT-13", "the size")?;
    ctx.expect_work(&[("a.txt", b"hello")], "CLIENT-7")?;
    ctx.expect_exit(Exit::Success)?;
    Ok(())
}

fn one_write(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.launch("connme\nls\ndownload a.txt\nsize a.txt\n")?;
    let mut s = ctx.session()?;
    s.expect_command("ls", "CLIENT-7")?;
    s.send(
        Out::new().listing(&["a.txt", "b.txt", "docs/"]),
        &Pieces::Whole,
    )?;
    s.expect_command("download a.txt", "CLIENT-7")?;
    s.send(
        Out::new().reply("150 12").data(b"hello\nworld\n"),
        &Pieces::Whole,
    )?;
    s.expect_command("size a.txt", "CLIENT-7")?;
    s.reply("213 12 0.00 MB")?;
    s.expect_end("CLIENT-1")?;
    ctx.wait_exit()?;
    ctx.expect_output(&["a.txt", "b.txt", "docs/"], "CLIENT-12")?;
    ctx.expect_work(&[("a.txt", b"hello\nworld\n")], "CLIENT-7")?;
    ctx.expect_exit(Exit::Success)?;
    Ok(())
}

fn crlf(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.local("up.txt", b"abc")?;
    ctx.launch("connme\nls\nsize a.txt\ndownload a.txt\nupload up.txt\n")?;
    let mut s = ctx.accept()?;
    let whole = APART;
    s.send(Out::new().reply_raw(b"220 mftp/1\r\n"), &whole)?;
    s.expect_command("ls", "CLIENT-7")?;
    let listing = Out::new()
        .reply_raw(b"200 2\r\n")
        .entry_raw(b"a.txt\r\n")
        .entry_raw(b"docs/\r\n");
    s.send(listing, &whole)?;
    s.expect_command("size a.txt", "CLIENT-7")?;
    s.send(Out::new().reply_raw(b"213 5 0.00 MB\r\n"), &whole)?;
    s.expect_command("download a.txt", "CLIENT-7")?;
    s.send(Out::new().reply_raw(b"150 5\r\n").data(b"hello"), &whole)?;
    s.expect_upload(3, "up.txt", "CLIENT-7")?;
    s.send(Out::new().reply_raw(b"150 3\r\n"), &whole)?;
    s.expect_data(b"abc", "CLIENT-7")?;
    s.send(Out::new().reply_raw(b"226 3\r\n"), &whole)?;
    s.expect_end("CLIENT-1")?;
    ctx.wait_exit()?;
    ctx.expect_output(&["a.txt", "docs/"], "CLIENT-12")?;
    ctx.expect_output_lacks(&["a.txt\r", "docs/\r"], "CLIENT-7")?;
    ctx.expect_work(&[("a.txt", b"hello")], "CLIENT-7")?;
    ctx.expect_exit(Exit::Success)?;
    Ok(())
}

fn free_text(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.local("up.txt", b"abc")?;
    ctx.launch("connme\nls\nsize a.txt\ndownload a.txt\nupload up.txt\n")?;
    let mut s = ctx.accept()?;
    s.reply("220 mftp/1 ready: 150 9 and 421 are just words here")?;
    s.expect_command("ls", "FRAME-11")?;
    let listing = Out::new()
        .reply("200 2 entries (7 hidden)")
        .entry_raw(b"a.txt\n")
        .entry_raw(b"docs/\n");
    s.send(listing, &APART)?;
    s.expect_command("size a.txt", "FRAME-11")?;
    s.reply("213 5 0.00 MB (40 bits, not 7)")?;
    s.expect_command("download a.txt", "FRAME-11")?;
    s.send(
        Out::new().reply("150 5 bytes follow, not 9").data(b"hello"),
        &APART,
    )?;
    s.expect_upload(3, "up.txt", "FRAME-11")?;
    s.reply("150 3 go ahead, send 99")?;
    s.expect_data(b"abc", "FRAME-11")?;
    s.reply("226 3 stored; 550 would be an error")?;
    s.expect_end("CLIENT-1")?;
    ctx.wait_exit()?;
    ctx.expect_output(&["a.txt", "docs/"], "FRAME-11")?;
    ctx.expect_work(&[("a.txt", b"hello")], "FRAME-11")?;
    ctx.expect_exit(Exit::Success)?;
    Ok(())
}

fn errors(ctx: &mut Ctx) -> Result<(), Fail> {
    let runs: [(&str, &str, &str); 3] = [
        ("size nope.txt", "550", "no such file: nope.txt"),
        ("rm a.txt", "599", "an error section 15 does not list"),
        ("ls docs", "451", "local trouble, try later"),
    ];
    for (command, code, text) in runs {
        ctx.launch(&format!("connme\n{command}\n"))?;
        let mut s = ctx.session()?;
        s.expect_command(command, "CLIENT-8")?;
        s.reply(&format!("{code} {text}"))?;
        s.expect_end("CLIENT-1")?;
        ctx.wait_exit()?;
        ctx.expect_output_any(&[code, text], "CLIENT-8", "the error reply")?;
        ctx.expect_exit(Exit::Failure)?;
    }
    ctx.expect_work(&[], "CLIENT-1")
}
