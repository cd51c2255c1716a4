//! `ls` and `size` (spec.md 17.3): every entry shown, exactly n entries
//! read, the size shown.

use super::{C12, C13, case};
use crate::client::ClientCase;
use crate::client::ctx::{Ctx, Exit};
use crate::client::stage::{APART, Out};
use crate::fail::Fail;

pub fn cases() -> Vec<ClientCase> {
    vec![
        case(
            "CLIENT-12",
            "ls shows every entry (spaces, UTF-8, one that looks like a reply) and reads none after 200 0",
            &[C12],
            entries,
        ),
        case(
            "CLIENT-13",
            "size shows the byte count or the megabytes, up to 2^63 - 1 bytes",
            &[C13],
            sizes,
        ),
    ]
}

const ENTRIES: &[&str] = &[
    "550 nope",
    "a.txt",
    "café/",
    "docs/",
    "my file.txt",
    "\u{1f600}.bin",
];

fn entries(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.launch("connme\nls\nls empty\nsize a.txt\n")?;
    let mut s = ctx.session()?;
    s.expect_command("ls", "CLIENT-12")?;
    s.send(Out::new().listing(ENTRIES), &APART)?;
    s.expect_command("ls empty", "CLIENT-12")?;
    s.send(Out::new().listing(&[]), &APART)?;
    // A client still waiting for an entry after `200 0` never sends this.
    s.expect_command("size a.txt", "CLIENT-12")?;
    s.reply("213 5 0.00 MB")?;
    s.expect_end("CLIENT-1")?;
    ctx.wait_exit()?;
    ctx.expect_output(ENTRIES, "CLIENT-12")?;
    ctx.expect_exit(Exit::Success)?;
    Ok(())
}

fn sizes(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.launch("connme\nsize a.bin\nsize huge.bin\n")?;
    let mut s = ctx.session()?;
    s.expect_command("size a.bin", "CLIENT-13")?;
    s.reply("213 131072 0.13 MB")?;
    s.expect_command("size huge.bin", "CLIENT-13")?;
    s.reply("213 9223372036854775807 8796093022208.00 MB")?;
    s.expect_end("CLIENT-1")?;
    ctx.wait_exit()?;
    ctx.expect_output_any(&["131072", "0.13"], "CLIENT-13", "the size of a.bin")?;
    ctx.expect_output_any(
        &["9223372036854775807", "8796093022208.00"],
        "CLIENT-13",
        "the size of huge.bin",
    )?;
    ctx.expect_exit(Exit::Success)?;
    Ok(())
}
