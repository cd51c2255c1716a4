//! `ls` (section 6).

use crate::case::Case;
use crate::ctx::{Ctx, fixture};
use crate::expect::{Expect as _, rejected};
use crate::fail::Fail;

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "LS-1",
            "ls lists the root and ls DIR lists DIR, one component per line",
            &[("LS-1", "15e3e85b9b6c")],
            lists,
        ),
        Case::new(
            "LS-2",
            "directories end with `/` and files do not",
            &[("LS-2", "cc77c80700f0")],
            kinds,
        ),
        Case::new(
            "LS-3",
            "entries are sorted by the bytes of their names without the `/`",
            &[("LS-3", "5a98e011c565")],
            sorted,
        ),
        Case::new(
            "LS-4",
            "ls of a missing directory, a file or a bad name gets 550, 551, 553",
            &[("LS-4", "395625bd5123")],
            errors,
        ),
        Case::new(
            "LS-5",
            "unnameable entries, escaping links and special files are left out",
            &[
                ("LS-5", "ee5e6dc879d5"),
                ("SEC-2", "8ab36a486f54"),
                ("SEC-3", "4ce944015c3c"),
            ],
            left_out,
        ),
        Case::new(
            "LS-3",
            "characters beyond U+FFFF sort by bytes, not UTF-16 code units",
            &[("LS-3", "5a98e011c565")],
            byte_order_beyond_the_bmp,
        ),
    ]
}

fn lists(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.mkdir("docs/sub")?;
    ctx.file("docs/sub/deep.txt", b"deep")?;
    ctx.start()?;
    let mut c = ctx.conn()?;
    c.cmd("ls")?;
    c.expect_listing(fixture::ROOT_LISTING, "LS-1")?;
    c.cmd("ls docs")?;
    c.expect_listing(&["readme.md", "sub/"], "LS-1")?;
    c.cmd("ls docs/sub")?;
    c.expect_listing(&["deep.txt"], "LS-1")?;
    c.cmd("ls empty")?;
    c.expect_listing(&[], "LS-1")?;
    c.cmd("ls café")?;
    c.expect_listing(&["naïve.bin"], "LS-1")?;
    c.expect_open("LS-1")
}

fn kinds(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.mkdir("kinds/b-dir")?;
    ctx.mkdir("kinds/c.d")?;
    ctx.mkdir("kinds/e")?;
    ctx.file("kinds/a-file", b"a")?;
    ctx.file("kinds/d", b"d")?;
    ctx.file("kinds/e/inner", b"i")?;
    ctx.start()?;
    let mut c = ctx.conn()?;
    c.cmd("ls kinds")?;
    c.expect_listing(&["a-file", "b-dir/", "c.d/", "d", "e/"], "LS-2")
}

fn sorted(ctx: &mut Ctx) -> Result<(), Fail> {
    let files = [
        "B", "a", "Z", "_", "é", "e", "a b", "ab", "a-", "x.txt", "x-y", "~", "0", "ä", "A", "10",
        "9",
    ];
    let dirs = ["x", "ab.d", "Dir"];
    ctx.mkdir("sort")?;
    for f in files {
        ctx.file(&format!("sort/{f}"), b"")?;
    }
    for d in dirs {
        ctx.mkdir(&format!("sort/{d}"))?;
    }
    let mut want: Vec<(&str, bool)> = files
        .iter()
        .map(|f| (*f, false))
        .chain(dirs.iter().map(|d| (*d, true)))
        .collect();
    want.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let want: Vec<String> = want
        .iter()
        .map(|(n, d)| {
            if *d {
                format!("{n}/")
            } else {
                (*n).to_string()
            }
        })
        .collect();
    let want: Vec<&str> = want.iter().map(String::as_str).collect();
    ctx.start()?;
    let mut c = ctx.conn()?;
    c.cmd("ls sort")?;
    c.expect_listing(&want, "LS-3")
}

fn errors(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    // A name that breaks a rule gets 553 from every command: those rows are
    // the name rule's (NAME-3, NAME-4).
    for (l, code, clause) in [
        ("ls nope", 550, "LS-4"),
        ("ls docs/nope", 550, "LS-4"),
        ("ls a.txt", 551, "LS-4"),
        ("ls docs/readme.md", 551, "LS-4"),
        ("ls ../outside", 553, "NAME-4"),
        ("ls /docs", 553, "NAME-3"),
        ("ls docs/", 553, "NAME-3"),
        ("ls ..", 553, "NAME-4"),
    ] {
        // Then connme: no entry lines may follow an error.
        rejected(&mut c, l, code, clause, "LS-4")?;
    }
    Ok(())
}

fn left_out(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.mkdir("odd/okdir")?;
    ctx.file("odd/ok.txt", b"ok")?;
    ctx.file_raw("odd", b"\xff.bin", b"x")?;
    ctx.file_raw("odd", b"tab\tname", b"x")?;
    ctx.file_raw("odd", b"nl\nname", b"x")?;
    ctx.file_raw("odd", b"back\\slash", b"x")?;
    ctx.file_raw("odd", b"del\x7f", b"x")?;
    ctx.symlink("odd/esc", "../../outside/secret.txt")?;
    ctx.symlink("odd/escdir", "../../outside")?;
    ctx.symlink("odd/abs", ctx.outside.join("secret.txt"))?;
    ctx.symlink("odd/dangling", "nowhere")?;
    ctx.symlink("odd/loop", "loop")?;
    ctx.symlink("odd/in.txt", "ok.txt")?;
    ctx.symlink("odd/indir", "okdir")?;
    let _sock = std::os::unix::net::UnixListener::bind(ctx.path("odd/sock"))
        .map_err(|e| Fail::harness(format!("fixture socket: {e}")))?;
    ctx.start()?;
    let mut c = ctx.conn()?;
    c.cmd("ls odd")?;
    c.expect_listing(&["in.txt", "indir/", "ok.txt", "okdir/"], "LS-5")?;
    c.expect_open("LS-5")
}

/// LS-3: byte order, which UTF-16 code-unit order (Java, JavaScript, C#)
/// gets wrong for characters beyond U+FFFF.
fn byte_order_beyond_the_bmp(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.mkdir("u")?;
    for n in [
        "\u{1F600}.txt",
        "\u{FF21}.txt",
        "z.txt",
        "\u{E000}.txt",
        "\u{E9}.txt",
    ] {
        ctx.file(&format!("u/{n}"), b"")?;
    }
    ctx.start()?;
    let mut c = ctx.conn()?;
    c.cmd("ls u")?;
    c.expect_listing(
        &[
            "z.txt",
            "\u{E9}.txt",
            "\u{E000}.txt",
            "\u{FF21}.txt",
            "\u{1F600}.txt",
        ],
        "LS-3",
    )
}
