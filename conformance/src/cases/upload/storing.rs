//! What an upload stores (UPLOAD-3, UPLOAD-4): `150`, the bytes, `226`,
//! at the sizes around a buffer and up to 64 MiB, complete and visible to
//! every connection once `226` is sent.

use crate::cases::{big, random};
use crate::ctx::Ctx;
use crate::expect::{Expect as _, download, size_is, upload};
use crate::fail::{Fail, ensure};

pub(super) fn basic(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    let mut files: Vec<(String, Vec<u8>)> = [0usize, 1, 4095, 4096, 4097]
        .iter()
        .map(|n| (format!("u{n}.bin"), random(*n, 100 + *n as u64)))
        .collect();
    files.push((
        "commands.txt".into(),
        b"ls\nbyebye\nupload 1 x\r\n".to_vec(),
    ));
    files.push(("docs/new.txt".into(), b"in a subdirectory".to_vec()));
    files.push(("empty/first".into(), b"1".to_vec()));
    for (name, data) in &files {
        upload(&mut c, name, data, "UPLOAD-3")?;
    }
    for (name, data) in &files {
        ensure(
            ctx.read(name).as_deref() == Some(data.as_slice()),
            "UPLOAD-4",
            format!(
                "{name} on disk holding exactly the {} bytes sent",
                data.len()
            ),
            format!("{:?} bytes", ctx.read(name).map(|d| d.len())),
        )?;
    }
    c.cmd("ls docs")?;
    c.expect_listing(&["new.txt", "readme.md"], "UPLOAD-4")?;
    c.expect_open("UPLOAD-3")
}

pub(super) fn visible(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut a = ctx.conn()?;
    let mut b = ctx.conn()?;
    upload(&mut a, "vis.txt", b"now visible", "UPLOAD-4")?;
    ensure(
        ctx.read("vis.txt").as_deref() == Some(b"now visible".as_slice()),
        "UPLOAD-4",
        "vis.txt on disk with the uploaded bytes",
        format!("{:?}", ctx.read("vis.txt")),
    )?;
    b.cmd("size vis.txt")?;
    size_is(&mut b, 11, "UPLOAD-4")?;
    download(&mut b, "vis.txt", b"now visible", "UPLOAD-4")?;
    b.cmd("ls")?;
    b.expect_listing(
        &[
            "a.txt",
            "café/",
            "docs/",
            "empty/",
            "my file.txt",
            "vis.txt",
            "zero.bin",
        ],
        "UPLOAD-4",
    )
}

pub(super) fn mib(ctx: &mut Ctx) -> Result<(), Fail> {
    let data = random((1 << 20) + 1, 11);
    ctx.start()?;
    let mut c = ctx.conn()?;
    upload(&mut c, "mib.bin", &data, "UPLOAD-4")?;
    ensure(
        ctx.read("mib.bin").as_deref() == Some(data.as_slice()),
        "UPLOAD-4",
        "mib.bin on disk identical to the bytes sent",
        "different content on disk",
    )?;
    download(&mut c, "mib.bin", &data, "DOWNLOAD-1")
}

pub(super) fn huge(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    upload(&mut c, "big.bin", big(), "UPLOAD-4")?;
    ensure(
        ctx.read("big.bin").as_deref() == Some(big()),
        "UPLOAD-4",
        "big.bin on disk identical to the 64 MiB sent",
        format!(
            "{:?} bytes on disk, content differs",
            ctx.read("big.bin").map(|d| d.len())
        ),
    )?;
    c.cmd("size big.bin")?;
    size_is(&mut c, 64 << 20, "UPLOAD-4")
}
