//! Command lines (spec.md 17.2): the verb and the name as typed, one
//! command at a time.

use super::{C5, C6, C14, QUIET, case};
use crate::client::ClientCase;
use crate::client::ctx::{Ctx, Exit};
use crate::client::stage::{APART, Out};
use crate::fail::Fail;

pub fn cases() -> Vec<ClientCase> {
    vec![
        case(
            "CLIENT-5",
            "names go on the wire as typed: spaces, UTF-8, paths, no Unicode normalization",
            &[C5, C14],
            names_as_typed,
        ),
        case(
            "CLIENT-6",
            "the next command waits until the reply, the whole listing and all data have arrived",
            &[C6],
            one_at_a_time,
        ),
    ]
}

/// `café.txt` spelled with `e` and U+0301 (NFD): a client must not turn it
/// into U+00E9 (NFC), which names another file (NAME-7).
const NFD: &str = "cafe\u{301}.txt";

fn names_as_typed(ctx: &mut Ctx) -> Result<(), Fail> {
    let up = "ünï cødé.txt";
    ctx.local(up, b"abc")?;
    ctx.launch(&format!(
        "connme\nls my dir\nsize my file.txt\nrm café/naïve.bin\nsize {NFD}\ndownload 😀 x.bin\nls docs/sub dir\nupload {up}\n"
    ))?;
    let mut s = ctx.session()?;
    s.expect_command("ls my dir", "CLIENT-5")?;
    s.send(Out::new().listing(&["inner.txt"]), &APART)?;
    s.expect_command("size my file.txt", "CLIENT-5")?;
    s.reply("213 20 0.00 MB")?;
    s.expect_command("rm café/naïve.bin", "CLIENT-5")?;
    s.reply("250 removed")?;
    s.expect_command(&format!("size {NFD}"), "CLIENT-5")?;
    s.reply("213 3 0.00 MB")?;
    s.expect_command("download 😀 x.bin", "CLIENT-5")?;
    s.send(Out::new().reply("150 4").data(b"\xf0\x9f\x98\x80"), &APART)?;
    s.expect_command("ls docs/sub dir", "CLIENT-5")?;
    s.send(Out::new().listing(&[]), &APART)?;
    s.expect_upload(3, up, "CLIENT-5")?;
    s.reply("150 3")?;
    s.expect_data(b"abc", "CLIENT-5")?;
    s.reply("226 3")?;
    s.expect_end("CLIENT-1")?;
    ctx.wait_exit()?;
    ctx.expect_work(&[("😀 x.bin", b"\xf0\x9f\x98\x80")], "CLIENT-17")?;
    ctx.expect_exit(Exit::Success)?;
    Ok(())
}

fn one_at_a_time(ctx: &mut Ctx) -> Result<(), Fail> {
    let wait = "nothing from the client until the command before is complete";
    ctx.launch("connme\nls\nsize a.txt\ndownload b.bin\nrm b.bin\n")?;
    let mut s = ctx.session()?;
    s.expect_command("ls", "CLIENT-6")?;
    s.expect_quiet(QUIET, "CLIENT-6", wait)?;
    s.send(Out::new().reply("200 2").entry_raw(b"a.txt\n"), &APART)?;
    s.expect_quiet(QUIET, "CLIENT-6", wait)?;
    s.send(Out::new().entry_raw(b"b.bin\n"), &APART)?;
    s.expect_command("size a.txt", "CLIENT-6")?;
    s.reply("213 5 0.00 MB")?;
    s.expect_command("download b.bin", "CLIENT-6")?;
    s.send(Out::new().reply("150 6").data(b"abc"), &APART)?;
    s.expect_quiet(QUIET, "CLIENT-6", wait)?;
    s.send(Out::new().data(b"def"), &APART)?;
    s.expect_command("rm b.bin", "CLIENT-6")?;
    s.reply("250 removed")?;
    s.expect_end("CLIENT-1")?;
    ctx.wait_exit()?;
    ctx.expect_work(&[("b.bin", b"abcdef")], "CLIENT-17")?;
    ctx.expect_exit(Exit::Success)?;
    Ok(())
}
