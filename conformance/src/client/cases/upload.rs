//! `upload` (spec.md 17.3): the exact byte count, no data before `150` or
//! after an error, exactly the announced bytes, then the reply.

use super::{C2, C8, C14, C15, C16, QUIET, case};
use crate::cases::random;
use crate::client::ClientCase;
use crate::client::ctx::{Ctx, Exit};
use crate::fail::Fail;

pub fn cases() -> Vec<ClientCase> {
    vec![
        case(
            "CLIENT-14",
            "upload announces the length in bytes of binary, UTF-8, CR LF and empty files",
            &[C14, C16],
            exact_length,
        ),
        case(
            "CLIENT-14",
            "upload of a missing local file or a directory sends nothing and fails",
            &[C14, C2],
            missing_local,
        ),
        case(
            "CLIENT-15",
            "no upload data before 150",
            &[C15, C16],
            waits_for_150,
        ),
        case(
            "CLIENT-15",
            "no upload data after an error reply or a 150 with another count",
            &[C15, C2],
            refused,
        ),
        case(
            "CLIENT-16",
            "exactly the announced bytes of 8 MiB, then nothing until the reply; an error after the data fails",
            &[C16, C8],
            exact_data,
        ),
    ]
}

/// Every byte value, then bytes that are not UTF-8 and line ends.
fn binary() -> Vec<u8> {
    let mut v: Vec<u8> = (0..=255u8).collect();
    v.extend_from_slice(b"\xff\xfe\xc3(\r\n\n");
    v
}

/// More bytes than characters: 2-, 3- and 4-byte characters, CR LF.
const TEXT: &str = "h\u{e9}llo w\u{f6}rld \u{20ac}\u{1f600}\r\nline 2\r\n";

fn exact_length(ctx: &mut Ctx) -> Result<(), Fail> {
    let bin = binary();
    ctx.local("bytes.bin", &bin)?;
    ctx.local("utf8.txt", TEXT.as_bytes())?;
    ctx.local("empty.txt", b"")?;
    ctx.launch("connme\nupload bytes.bin\nupload utf8.txt\nupload empty.txt\n")?;
    let mut s = ctx.session()?;
    for (name, bytes) in [
        ("bytes.bin", bin.as_slice()),
        ("utf8.txt", TEXT.as_bytes()),
        ("empty.txt", b"".as_slice()),
    ] {
        let n = bytes.len();
        s.expect_upload(n as u64, name, "CLIENT-14")?;
        s.reply(&format!("150 {n}"))?;
        s.expect_data(bytes, "CLIENT-16")?;
        s.reply(&format!("226 {n}"))?;
    }
    s.expect_end("CLIENT-1")?;
    ctx.wait_exit()?;
    ctx.expect_work(&[], "CLIENT-1")?;
    ctx.expect_exit(Exit::Success)?;
    Ok(())
}

fn missing_local(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.local_dir("adir")?;
    for name in ["nope.txt", "adir"] {
        ctx.launch(&format!("connme\nupload {name}\n"))?;
        let mut s = ctx.session()?;
        s.at(format!("upload {name} (no such local file)"));
        s.expect_end("CLIENT-14")?;
        ctx.expect_exit(Exit::Failure)?;
    }
    ctx.expect_work(&[], "CLIENT-1")
}

/// Upload data that a server reading it as command lines would execute
/// (the warning of section 9).
const EVIL: &[u8] = b"rm victim.txt\n";

fn waits_for_150(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.local("evil.txt", EVIL)?;
    ctx.launch("connme\nupload evil.txt\n")?;
    let mut s = ctx.session()?;
    s.expect_upload(EVIL.len() as u64, "evil.txt", "CLIENT-15")?;
    s.expect_quiet(QUIET, "CLIENT-15", "no data before `150`")?;
    s.reply(&format!("150 {}", EVIL.len()))?;
    s.expect_data(EVIL, "CLIENT-16")?;
    s.reply(&format!("226 {}", EVIL.len()))?;
    s.expect_end("CLIENT-1")?;
    ctx.expect_exit(Exit::Success)?;
    Ok(())
}

fn refused(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.local("evil.txt", EVIL)?;
    // An error reply, then a `150` announcing another count than the file's.
    for reply in ["554 already exists", "150 7"] {
        ctx.launch("connme\nupload evil.txt\n")?;
        let mut s = ctx.session()?;
        s.expect_upload(EVIL.len() as u64, "evil.txt", "CLIENT-15")?;
        s.reply(reply)?;
        // Data sent now would be read as the command `rm victim.txt`.
        s.expect_end("CLIENT-15")?;
        ctx.expect_exit(Exit::Failure)?;
    }
    Ok(())
}

fn exact_data(ctx: &mut Ctx) -> Result<(), Fail> {
    let big = random((8 << 20) + 3, 14);
    ctx.local("big.bin", &big)?;
    ctx.launch("connme\nupload big.bin\nsize big.bin\n")?;
    let mut s = ctx.session()?;
    s.expect_upload(big.len() as u64, "big.bin", "CLIENT-16")?;
    s.reply(&format!("150 {}", big.len()))?;
    s.expect_data(&big, "CLIENT-16")?;
    s.expect_quiet(
        QUIET,
        "CLIENT-16",
        "nothing more until the reply: no extra byte, no next command, the connection open",
    )?;
    s.reply(&format!("226 {}", big.len()))?;
    s.expect_command("size big.bin", "CLIENT-16")?;
    s.reply(&format!("213 {} 8.00 MB", big.len()))?;
    s.expect_end("CLIENT-1")?;
    ctx.expect_exit(Exit::Success)?;

    // The server fails the upload after the data.
    ctx.local("x.txt", b"12345")?;
    ctx.launch("connme\nupload x.txt\n")?;
    let mut s = ctx.session()?;
    s.expect_upload(5, "x.txt", "CLIENT-16")?;
    s.reply("150 5")?;
    s.expect_data(b"12345", "CLIENT-16")?;
    s.reply("452 insufficient storage")?;
    s.expect_end("CLIENT-1")?;
    ctx.wait_exit()?;
    ctx.expect_output_any(
        &["452", "insufficient storage"],
        "CLIENT-8",
        "the error reply",
    )?;
    ctx.expect_exit(Exit::Failure)?;
    Ok(())
}
