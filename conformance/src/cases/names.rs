//! The name rules of section 4, through every command that takes a name.

use super::line;
use crate::case::Case;
use crate::ctx::{Ctx, fixture};
use crate::expect::{
    Expect as _, absent, download, every_command, missing, size_is, stored, upload,
};
use crate::fail::{Fail, ensure};

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "NAME-1",
            "names that are not valid UTF-8 get 553 from every command",
            &[("NAME-1", "ce323e66868b")],
            invalid_utf8,
        ),
        Case::new(
            "NAME-2",
            "names over 1024 bytes get 553 and a 1024-byte name works",
            &[("NAME-2", "162006ad2982"), ("NAME-7", "02930a007a63")],
            long_names,
        ),
        Case::new(
            "NAME-3",
            "absolute names, empty components and 256-byte components get 553",
            &[("NAME-3", "04f624b29369")],
            empty_components,
        ),
        Case::new(
            "NAME-4",
            "components `.` and `..` get 553 and names like `...` are ordinary",
            &[("NAME-4", "cc566ff53b6a")],
            dots,
        ),
        Case::new(
            "NAME-5",
            "control bytes, DEL and backslash in names get 553",
            &[("NAME-5", "1af7a878e93a")],
            forbidden_bytes,
        ),
        Case::new(
            "NAME-6",
            "a forbidden name gets 553 even when such an entry exists",
            &[("NAME-6", "c63232ffd973")],
            checked_before_fs,
        ),
        Case::new(
            "NAME-7",
            "names are case-sensitive and spaces and UTF-8 work everywhere",
            &[("NAME-7", "02930a007a63")],
            usable_names,
        ),
        Case::new(
            "NAME-3",
            "name limits count UTF-8 bytes, not characters",
            &[("NAME-3", "04f624b29369"), ("NAME-2", "162006ad2982")],
            limits_count_bytes,
        )
        .no_snapshot(),
        Case::new(
            "NAME-7",
            "NFC and NFD spellings are different names",
            &[("NAME-7", "02930a007a63"), ("UPLOAD-5", "b266f0e193c3")],
            no_normalization,
        ),
        Case::new(
            "NAME-8",
            "reserved `.mftp` names get 553 or are ordinary names",
            &[("NAME-8", "a06c439a5671")],
            reserved_names,
        )
        .no_snapshot(),
        Case::new(
            "NAME-9",
            "a path through a file or a missing directory gets 550",
            &[("NAME-9", "ed83cd327b00"), ("UPLOAD-2", "24890dc8f7d6")],
            through_a_file,
        ),
    ]
}

fn invalid_utf8(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    let names: &[&[u8]] = &[
        b"\xff.txt",
        b"caf\xc3",
        b"\xc0\xaf",
        b"\xed\xa0\x80x",
        b"docs/\xfe",
        b"\xf8\x88\x80\x80\x80",
    ];
    for n in names {
        every_command(&mut c, n, 553, "NAME-1")?;
    }
    c.expect_open("NAME-1")
}

fn long_names(ctx: &mut Ctx) -> Result<(), Fail> {
    let comp = |ch: char, n: usize| ch.to_string().repeat(n);
    let dir = [
        comp('d', 200),
        comp('e', 200),
        comp('f', 200),
        comp('g', 200),
    ]
    .join("/");
    ctx.mkdir(&dir)?;
    let ok = format!("{dir}/{}", comp('h', 1024 - dir.len() - 1));
    let long = format!("{dir}/{}", comp('h', 1024 - dir.len()));
    assert_eq!((ok.len(), long.len()), (1024, 1025), "name lengths");
    ctx.start()?;
    let mut c = ctx.conn()?;
    every_command(&mut c, long.as_bytes(), 553, "NAME-2")?;
    let deeper = format!("{long}/x");
    c.send(&line("size", deeper.as_bytes()))?;
    c.expect(553, "NAME-2")?;
    upload(&mut c, &ok, b"max", "NAME-2")?;
    c.cmd(&format!("size {ok}"))?;
    size_is(&mut c, 3, "NAME-2")?;
    download(&mut c, &ok, b"max", "NAME-2")?;
    c.cmd(&format!("ls {dir}"))?;
    let leaf = &ok[dir.len() + 1..];
    c.expect_listing(&[leaf], "NAME-2")?;
    c.cmd(&format!("rm {ok}"))?;
    c.expect(250, "NAME-2")?;
    Ok(())
}

fn empty_components(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    let c256 = "x".repeat(256);
    let names: Vec<Vec<u8>> = vec![
        b"/a.txt".to_vec(),
        b"/".to_vec(),
        b"docs/".to_vec(),
        b"docs//readme.md".to_vec(),
        b"//etc/passwd".to_vec(),
        c256.clone().into_bytes(),
        format!("docs/{c256}").into_bytes(),
    ];
    for n in &names {
        every_command(&mut c, n, 553, "NAME-3")?;
    }
    let c255 = "y".repeat(255);
    upload(&mut c, &c255, b"ok", "NAME-3")?;
    c.cmd(&format!("size {c255}"))?;
    size_is(&mut c, 2, "NAME-3")?;
    c.expect_open("NAME-3")
}

fn dots(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    let names: &[&[u8]] = &[
        b".",
        b"..",
        b"./a.txt",
        b"docs/../a.txt",
        b"docs/.",
        b"docs/..",
        b"../outside/secret.txt",
        b"../root/a.txt",
        b"docs/./readme.md",
    ];
    for n in names {
        every_command(&mut c, n, 553, "NAME-4")?;
    }
    absent(&mut c, "size ...", "NAME-4")?;
    upload(&mut c, "...", b"3", "NAME-4")?;
    upload(&mut c, ".hidden", b"h", "NAME-4")?;
    upload(&mut c, "a..b", b"ab", "NAME-4")?;
    c.cmd("size ...")?;
    size_is(&mut c, 1, "NAME-4")
}

fn forbidden_bytes(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    let names: &[&[u8]] = &[
        b"a\x01b",
        b"a\x7fb",
        b"docs\\readme.md",
        b"\\a.txt",
        b"a\tb",
        b"a\x00b",
        b"a\rb",
        b"\x1b[31mred",
        b"docs/a\x1fb",
    ];
    for n in names {
        every_command(&mut c, n, 553, "NAME-5")?;
    }
    c.expect_open("NAME-5")
}

fn checked_before_fs(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.file("back\\slash.txt", b"bs")?;
    ctx.file("tab\tname.txt", b"tab")?;
    ctx.mkdir("ctl\u{1}dir")?;
    let before = ctx.root_tree();
    ctx.start()?;
    let mut c = ctx.conn()?;
    for n in [
        &b"back\\slash.txt"[..],
        b"tab\tname.txt",
        b"ctl\x01dir",
        b"../outside/secret.txt",
        b"docs/../a.txt",
    ] {
        every_command(&mut c, n, 553, "NAME-6")?;
    }
    c.expect_open("NAME-6")?;
    ctx.expect_root(&before, "NAME-6")
}

fn usable_names(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    for n in ["A.TXT", "A.txt", "a.TXT", "DOCS/readme.md", "Docs"] {
        absent(&mut c, &format!("size {n}"), "NAME-7")?;
    }
    c.cmd("size my file.txt")?;
    size_is(&mut c, fixture::MY_FILE.len() as u64, "NAME-7")?;
    download(&mut c, "café/naïve.bin", &fixture::all_bytes(), "NAME-7")?;
    let names = [
        "my new file.txt",
        "café/naïve2.bin",
        "日本語 テキスト.txt",
        "emoji 🦀.bin",
        "a:b*?<>|\"'.txt",
        "~$#%&()=+,;@[]^`{}!.txt",
        "-dash",
        "A.txt",
    ];
    for (i, n) in names.iter().enumerate() {
        let data = format!("content {i}\n");
        upload(&mut c, n, data.as_bytes(), "NAME-7")?;
        stored(ctx, n, data.as_bytes(), "NAME-7")?;
        c.cmd(&format!("size {n}"))?;
        size_is(&mut c, data.len() as u64, "NAME-7")?;
        download(&mut c, n, data.as_bytes(), "NAME-7")?;
    }
    c.cmd("ls café")?;
    c.expect_listing(&["naïve.bin", "naïve2.bin"], "NAME-7")?;
    download(&mut c, "a.txt", fixture::A_TXT, "NAME-7")?;
    for n in names {
        c.cmd(&format!("rm {n}"))?;
        c.expect(250, "NAME-7")?;
    }
    c.cmd("ls")?;
    c.expect_listing(fixture::ROOT_LISTING, "NAME-7")
}

/// NAME-2 and NAME-3 count bytes of UTF-8, not characters.
fn limits_count_bytes(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    // 256 bytes in 128 characters: one byte too long.
    let long_component = "\u{E9}".repeat(128);
    every_command(&mut c, long_component.as_bytes(), 553, "NAME-3")?;
    let ok = euro_component();
    upload(&mut c, &ok, b"255", "NAME-3")?;
    c.cmd(&format!("size {ok}"))?;
    size_is(&mut c, 3, "NAME-3")?;
    // 1025 bytes in 345 characters.
    let too_long = format!("{ok}/{ok}/{ok}/{ok}/a");
    every_command(&mut c, too_long.as_bytes(), 553, "NAME-2")?;
    // 1024 bytes: a legal name of directories that do not exist.
    let last = format!("{}ab", "\u{20AC}".repeat(84));
    let limit = format!("{ok}/{ok}/{ok}/{last}/a");
    absent(&mut c, &format!("size {limit}"), "NAME-2")
}

/// NAME-7 (1.1): no Unicode normalization; NFC and NFD are two names.
fn no_normalization(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.file("\u{E9}.txt", b"nfc")?;
    ctx.start()?;
    let mut c = ctx.conn()?;
    absent(&mut c, "size e\u{301}.txt", "NAME-7")?;
    absent(&mut c, "download cafe\u{301}/na\u{EF}ve.bin", "NAME-7")?;
    absent(&mut c, "ls cafe\u{301}", "NAME-7")?;
    upload(&mut c, "e\u{301}.txt", b"nfd", "NAME-7")?;
    stored(ctx, "e\u{301}.txt", b"nfd", "NAME-7")?;
    ensure(
        ctx.read("\u{E9}.txt").as_deref() == Some(&b"nfc"[..]),
        "NAME-7",
        "the NFC file `\u{E9}.txt` unchanged",
        "it changed",
    )?;
    download(&mut c, "\u{E9}.txt", b"nfc", "NAME-7")?;
    download(&mut c, "e\u{301}.txt", b"nfd", "NAME-7")
}

/// NAME-8 (1.1): a reserved name is refused (553) or ordinary (here
/// absent: 550).
fn reserved_names(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    for l in [
        "size .mftp-suite-none",
        "download .mftp-suite-none",
        "ls .mftp-suite-none",
        "rm .mftp-suite-none",
        "size .mftp",
    ] {
        c.cmd(l)?;
        c.expect_one_of(&[(553, "NAME-8"), (550, "NAME-8")])?;
    }
    c.expect_open("CMD-6")
}

/// NAME-9 (1.1): a path through a file or a missing directory names
/// nothing (550); an upload whose parent is a file is 551 (UPLOAD-2).
fn through_a_file(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    for l in [
        "size a.txt/x",
        "download a.txt/x",
        "rm a.txt/x",
        "ls a.txt/x",
        "size docs/readme.md/x/y",
        "upload 3 a.txt/d/x",
        "size nope/x",
        "download nope/x",
        "ls nope/x",
    ] {
        // `551` (a file taken for a directory) is NAME-9's failure;
        // another error code is the command's missing-name clause.
        c.cmd(l)?;
        missing(&mut c, l, "NAME-9").map_err(|f| {
            if f.actual.starts_with("551") {
                Fail {
                    clause: "NAME-9",
                    ..f
                }
            } else {
                f
            }
        })?;
    }
    c.cmd("upload 3 a.txt/x")?;
    c.expect(551, "UPLOAD-2")?;
    c.expect_open("CMD-6")?;
    c.cmd("size a.txt")?;
    size_is(&mut c, 5, "NAME-9")
}

/// 255 bytes in 85 characters: a legal component.
fn euro_component() -> String {
    "\u{20AC}".repeat(85)
}
