//! `download` (spec.md 17.3): exactly the announced bytes, saved under the
//! name's last component, only when complete, nothing left behind, never
//! over a local file.

use super::{C2, C7, C17, C18, C19, PAUSE, QUIET, case};
use crate::cases::random;
use crate::client::ClientCase;
use crate::client::ctx::{Ctx, Exit};
use crate::client::stage::{APART, Next, Out, Pieces, is_command};
use crate::fail::Fail;

pub fn cases() -> Vec<ClientCase> {
    vec![
        case(
            "CLIENT-17",
            "download saves exactly the announced bytes, whatever they are, under the name's last component",
            &[C17],
            exact,
        ),
        case(
            "CLIENT-17",
            "data in odd pieces, and data in one write with the 150 line",
            &[C17, C7],
            pieces,
        ),
        case(
            "CLIENT-17",
            "a 16 MiB download arrives intact",
            &[C17],
            large,
        )
        .slow(),
        case(
            "CLIENT-17",
            "an error reply saves nothing",
            &[C17, C2],
            error_saves_nothing,
        ),
        case(
            "CLIENT-18",
            "the file appears under its name only when every byte has arrived",
            &[C18],
            appears_complete,
        ),
        case(
            "CLIENT-18",
            "a connection lost mid-download leaves nothing behind, also after a huge announced size",
            &[C18, C2],
            lost,
        ),
        case(
            "CLIENT-19",
            "an existing local file or directory is never replaced",
            &[C19, C2],
            no_overwrite,
        ),
    ]
}

/// Data that looks like replies and command lines, and every byte value.
fn tricky() -> Vec<u8> {
    let mut v = b"\n226 5\n550 x\r\n150 9\n".to_vec();
    v.extend(0..=255u8);
    v
}

fn exact(ctx: &mut Ctx) -> Result<(), Fail> {
    let bytes = tricky();
    ctx.launch(
        "connme\ndownload bytes.bin\ndownload empty.bin\ndownload docs/readme.md\ndownload café naïve.bin\nsize a.txt\n",
    )?;
    let mut s = ctx.session()?;
    let files: [(&str, &[u8]); 4] = [
        ("bytes.bin", &bytes),
        ("empty.bin", b""),
        ("docs/readme.md", b"read me\n"),
        ("café naïve.bin", b"\x00\xff\n"),
    ];
    for (name, data) in files {
        s.expect_command(&format!("download {name}"), "CLIENT-17")?;
        s.send(
            Out::new().reply(&format!("150 {}", data.len())).data(data),
            &APART,
        )?;
    }
    // The byte after the data begins the next reply.
    s.expect_command("size a.txt", "CLIENT-17")?;
    s.reply("213 5 0.00 MB")?;
    s.expect_end("CLIENT-1")?;
    ctx.wait_exit()?;
    ctx.expect_work(
        &[
            ("bytes.bin", &bytes),
            ("empty.bin", b""),
            ("readme.md", b"read me\n"),
            ("café naïve.bin", b"\x00\xff\n"),
        ],
        "CLIENT-17",
    )?;
    ctx.expect_exit(Exit::Success)?;
    Ok(())
}

fn pieces(ctx: &mut Ctx) -> Result<(), Fail> {
    let a = random(10_000, 17);
    let b = random(10_000, 71);
    ctx.launch("connme\ndownload a.bin\ndownload b.bin\n")?;
    let mut s = ctx.session()?;
    s.expect_command("download a.bin", "CLIENT-17")?;
    s.reply(&format!("150 {}", a.len()))?;
    s.send(
        Out::new().data(&a),
        &Pieces::Sizes(vec![1, 2, 3, 5, 8, 4096], PAUSE),
    )?;
    s.expect_command("download b.bin", "CLIENT-17")?;
    // The reply and the start of the data in one write: a client that
    // drops what came with the reply waits for bytes that never come.
    let head = Out::new().reply(&format!("150 {}", b.len())).data(&b[..10]);
    s.send(head, &Pieces::Whole)?;
    s.send(
        Out::new().data(&b[10..]),
        &Pieces::Sizes(vec![7, 1000], PAUSE),
    )?;
    s.expect_end("CLIENT-7")?;
    ctx.wait_exit()?;
    ctx.expect_work(&[("a.bin", &a), ("b.bin", &b)], "CLIENT-17")?;
    ctx.expect_exit(Exit::Success)?;
    Ok(())
}

fn large(ctx: &mut Ctx) -> Result<(), Fail> {
    let big = random(16 << 20, 16);
    ctx.launch("connme\ndownload big.bin\n")?;
    let mut s = ctx.session()?;
    s.expect_command("download big.bin", "CLIENT-17")?;
    s.send(
        Out::new().reply(&format!("150 {}", big.len())).data(&big),
        &APART,
    )?;
    s.expect_end("CLIENT-1")?;
    ctx.wait_exit()?;
    ctx.expect_work(&[("big.bin", &big)], "CLIENT-17")?;
    ctx.expect_exit(Exit::Success)?;
    Ok(())
}

fn error_saves_nothing(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.launch("connme\ndownload nope.bin\n")?;
    let mut s = ctx.session()?;
    s.expect_command("download nope.bin", "CLIENT-17")?;
    s.reply("550 no such file")?;
    s.expect_end("CLIENT-1")?;
    ctx.wait_exit()?;
    ctx.expect_work(&[], "CLIENT-17")?;
    ctx.expect_exit(Exit::Failure)?;
    Ok(())
}

fn appears_complete(ctx: &mut Ctx) -> Result<(), Fail> {
    let data = random(8192, 18);
    ctx.launch("connme\ndownload part.bin\n")?;
    let mut s = ctx.session()?;
    s.expect_command("download part.bin", "CLIENT-18")?;
    s.send(Out::new().reply("150 8192").data(&data[..4096]), &APART)?;
    ctx.expect_absent_for(
        "part.bin",
        QUIET,
        "CLIENT-18",
        "nothing under the name `part.bin` until all 8192 bytes have arrived (a temporary file under another name may exist)",
    )?;
    s.send(Out::new().data(&data[4096..]), &APART)?;
    s.expect_end("CLIENT-1")?;
    ctx.wait_exit()?;
    ctx.expect_work(&[("part.bin", &data)], "CLIENT-18")?;
    ctx.expect_exit(Exit::Success)?;
    Ok(())
}

fn lost(ctx: &mut Ctx) -> Result<(), Fail> {
    let data = random(4000, 19);
    for announced in ["10000", "9223372036854775807"] {
        ctx.launch("connme\ndownload cut.bin\n")?;
        let mut s = ctx.session()?;
        s.expect_command("download cut.bin", "CLIENT-18")?;
        s.send(
            Out::new().reply(&format!("150 {announced}")).data(&data),
            &APART,
        )?;
        s.close();
        ctx.wait_exit()?;
        ctx.expect_work(&[], "CLIENT-18")?;
        ctx.expect_exit(Exit::Failure)?;
    }
    Ok(())
}

fn no_overwrite(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.local("a.txt", b"precious local data")?;
    ctx.local_dir("x.bin")?;
    for name in ["a.txt", "x.bin"] {
        ctx.launch(&format!("connme\ndownload {name}\n"))?;
        let mut s = ctx.session()?;
        let expected =
            "the client refuses at once, or downloads without saving over the local entry";
        s.at(format!("download {name} (a local {name} exists)"));
        // The client may ask the server first, or not at all.
        if let Next::Line(raw) = s.next("CLIENT-19", expected)? {
            if is_command(&raw, &format!("download {name}")) {
                s.send(Out::new().reply("150 5").data(b"hello"), &APART)?;
                s.expect_end("CLIENT-1")?;
            } else if is_command(&raw, "byebye") {
                s.answer_byebye("CLIENT-1")?;
            } else {
                return Err(Fail::mismatch(
                    "CLIENT-19",
                    expected,
                    format!("it sent {:?}", String::from_utf8_lossy(&raw)),
                ));
            }
        }
        ctx.wait_exit()?;
        ctx.expect_work(&[], "CLIENT-19")?;
        ctx.expect_exit(Exit::Failure)?;
    }
    Ok(())
}
