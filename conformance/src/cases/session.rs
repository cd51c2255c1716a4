//! Greeting, `connme`, `byebye`, verbs and arguments (sections 3, 5, 11).

use crate::case::Case;
use crate::ctx::{Ctx, fixture};
use crate::expect::{Expect as _, absent, count_is, download, size_is, steps, stored, upload};
use crate::fail::{Fail, ensure};

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "FRAME-1",
            "the server greets with `220 mftp/1` before reading anything",
            &[("FRAME-1", "8719bce715f0")],
            greeting,
        ),
        Case::new(
            "CONNME-1",
            "connme repeats the greeting and the connection stays open",
            &[("CONNME-1", "c10569803a74")],
            connme,
        ),
        Case::new(
            "CMD-4",
            "connme and byebye with an argument get 501 and nothing else",
            &[("CMD-4", "fda81cf4bead"), ("CMD-3", "7f744335bbd3")],
            no_argument_verbs,
        ),
        Case::new(
            "BYEBYE-1",
            "byebye gets 221 and the server closes the connection",
            &[("BYEBYE-1", "53eef47d99f3")],
            byebye,
        ),
        Case::new(
            "CMD-1",
            "verbs are matched case-insensitively",
            &[("CMD-1", "8d513d986893")],
            case_insensitive,
        ),
        Case::new(
            "CMD-2",
            "unknown verbs get 500 and the connection stays open",
            &[("CMD-2", "c11e3aacb36c")],
            unknown_verbs,
        ),
        Case::new(
            "CMD-3",
            "a missing or empty argument gets 501",
            &[("CMD-3", "7f744335bbd3")],
            missing_argument,
        ),
        Case::new(
            "CMD-5",
            "the argument is taken literally, leading and trailing spaces included",
            &[("CMD-5", "e26a87afa2bb")],
            literal_argument,
        ),
        Case::new(
            "CMD-6",
            "after every error reply the next command is served",
            &[("CMD-6", "ae5673c5bfbc")],
            stays_open,
        ),
        Case::new(
            "FRAME-1",
            "input sent before the greeting is answered after it",
            &[("FRAME-1", "8719bce715f0")],
            input_before_the_greeting,
        ),
        Case::new(
            "CMD-1",
            "only ASCII letters are folded: `ſize` and `lſ` get 500",
            &[("CMD-1", "8d513d986893"), ("CMD-2", "c11e3aacb36c")],
            ascii_folding_only,
        ),
        Case::new(
            "CMD-2",
            "TAB does not separate the verb from the argument",
            &[("CMD-2", "c11e3aacb36c"), ("CMD-6", "ae5673c5bfbc")],
            tab_is_not_a_separator,
        ),
        Case::new(
            "CMD-7",
            "permission errors get 550 or 451 and the connection stays open",
            &[("CMD-7", "6a6c0313bd96"), ("CMD-6", "ae5673c5bfbc")],
            permission_errors,
        )
        .no_snapshot(),
    ]
}

fn greeting(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.connect()?;
    c.expect_greeting("FRAME-1")?;
    // A command served after the greeting; one entry, so that a listing in
    // another order or without `/` (LS-2, LS-3) does not stop this case.
    c.cmd("ls docs")?;
    c.expect_listing(&["readme.md"], "LS-1")
}

fn connme(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    for _ in 0..2 {
        c.cmd("connme")?;
        c.expect_greeting("CONNME-1")?;
    }
    c.cmd("size a.txt")?;
    size_is(&mut c, 5, "CONNME-1")
}

fn no_argument_verbs(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    // Lower-case verbs: CMD-1 is checked by its own case. The argument of
    // `byebye  ` is one SP, an argument only if taken literally (CMD-5).
    for (l, clause) in [
        ("connme now", "CMD-4"),
        ("connme x", "CMD-4"),
        ("byebye x", "CMD-4"),
        ("byebye  ", "CMD-5"),
        ("byebye please", "CMD-4"),
    ] {
        c.cmd(l)?;
        c.expect(501, clause)?;
    }
    c.cmd("connme")?;
    c.expect_greeting("CMD-4")?;
    // CMD-3: a single SP and nothing else is no argument at all.
    c.cmd("connme ")?;
    c.expect_greeting("CMD-3")?;
    c.cmd("byebye ")?;
    c.expect(221, "CMD-3")?;
    c.expect_closed("BYEBYE-1")
}

fn byebye(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    c.cmd("byebye")?;
    c.expect(221, "BYEBYE-1")?;
    c.expect_closed("BYEBYE-1")
}

fn case_insensitive(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    // Listings of at most one entry: their order and `/` are LS-2/LS-3's.
    c.cmd("LS empty")?;
    c.expect_listing(&[], "CMD-1")?;
    c.cmd("Ls docs")?;
    c.expect_listing(&["readme.md"], "CMD-1")?;
    c.cmd("SIZE a.txt")?;
    size_is(&mut c, 5, "CMD-1")?;
    c.cmd("DownLoad a.txt")?;
    count_is(&mut c, 150, 5, "CMD-1", "DOWNLOAD-1")?;
    c.expect_data(fixture::A_TXT, "DOWNLOAD-1")?;
    c.cmd("CONNME")?;
    c.expect_greeting("CMD-1")?;
    c.cmd("UPLOAD 3 up.txt")?;
    count_is(&mut c, 150, 3, "CMD-1", "UPLOAD-3")?;
    c.send_data(b"abc")?;
    count_is(&mut c, 226, 3, "CMD-1", "UPLOAD-3")?;
    c.cmd("rM up.txt")?;
    c.expect(250, "CMD-1")?;
    c.cmd("ByeBye")?;
    c.expect(221, "CMD-1")?;
    c.expect_closed("BYEBYE-1")
}

fn unknown_verbs(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    let lines: &[&[u8]] = &[
        b"list\n",
        b"dir a.txt\n",
        b"ls2\n",
        b"l s\n",
        b"ls\tdocs\n",
        b"size\ta.txt\n",
        b"_ls\n",
        b"\xff\xfe\n",
        b"gr\xc3\xb6\xc3\x9fe a.txt\n",
        b"get a.txt\n",
    ];
    for l in lines {
        c.send(l)?;
        c.expect(500, "CMD-2")?;
    }
    c.expect_open("CMD-2")
}

fn missing_argument(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    for l in [
        "size",
        "size ",
        "download",
        "download ",
        "rm",
        "rm ",
        "upload",
        "upload ",
    ] {
        c.cmd(l)?;
        c.expect(501, "CMD-3")?;
    }
    // An empty argument is no argument: `ls ` lists the root.
    c.cmd("ls ")?;
    c.expect_listing(fixture::ROOT_LISTING, "CMD-3")?;
    c.expect_open("CMD-3")
}

fn literal_argument(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.file(" lead.txt", b"lead")?;
    ctx.file("trail.txt ", b"trailing")?;
    ctx.start()?;
    let mut c = ctx.conn()?;
    c.cmd("size  lead.txt")?;
    size_is(&mut c, 4, "CMD-5")?;
    absent(&mut c, "size lead.txt", "CMD-5")?;
    c.cmd("size trail.txt ")?;
    size_is(&mut c, 8, "CMD-5")?;
    absent(&mut c, "size trail.txt", "CMD-5")?;
    absent(&mut c, "size a.txt ", "CMD-5")?;
    download(&mut c, " lead.txt", b"lead", "CMD-5")?;
    upload(&mut c, "  two spaces  ", b"xy", "CMD-5")?;
    stored(ctx, "  two spaces  ", b"xy", "CMD-5")
}

fn stays_open(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    steps(
        &mut c,
        &[
            ("", 500, "FRAME-5"),
            ("nope", 500, "CMD-2"),
            ("size", 501, "CMD-3"),
            ("size nope", 550, "SIZE-3"),
            ("size docs", 551, "SIZE-3"),
            ("size ../a.txt", 553, "NAME-4"),
            ("upload 5 a.txt", 554, "UPLOAD-5"),
            ("upload x a.txt", 501, "UPLOAD-1"),
            ("rm docs", 551, "RM-2"),
            ("ls a.txt", 551, "LS-4"),
            ("connme x", 501, "CMD-4"),
            ("byebye x", 501, "CMD-4"),
        ],
    )?;
    c.cmd("size a.txt")?;
    size_is(&mut c, 5, "CMD-6")?;
    c.cmd("ls docs")?;
    c.expect_listing(&["readme.md"], "CMD-6")
}

/// FRAME-1: input sent before the greeting is kept and answered after it.
fn input_before_the_greeting(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.connect()?;
    c.send(b"size a.txt\n")?;
    c.expect_greeting("FRAME-1")?;
    size_is(&mut c, 5, "FRAME-1")
}

/// CMD-1 (1.1): only ASCII letters fold; Unicode case mapping would turn
/// `ſize` (U+017F) into `SIZE` and `lſ` into `LS`.
fn ascii_folding_only(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    steps(
        &mut c,
        &[
            ("\u{17F}ize a.txt", 500, "CMD-1"),
            ("l\u{17F}", 500, "CMD-1"),
            ("\u{17F}IZE a.txt", 500, "CMD-1"),
            ("size a.txt", 213, "SIZE-1"),
        ],
    )
}

/// CMD-2 and section 3: only SP separates; TAB is an ordinary byte, so
/// `size<TAB>a.txt` is one unknown verb.
fn tab_is_not_a_separator(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut c = ctx.conn()?;
    steps(
        &mut c,
        &[
            ("size\ta.txt", 500, "CMD-2"),
            ("ls\tdocs", 500, "CMD-2"),
            ("rm\ta.txt", 500, "CMD-2"),
            ("connme", 220, "CMD-6"),
        ],
    )?;
    c.cmd("size a.txt")?;
    size_is(&mut c, 5, "CMD-2")
}

/// CMD-7 (1.1): permission errors are 550 or 451 and the connection stays
/// open. Root reads everything, so this runs only as another user.
fn permission_errors(ctx: &mut Ctx) -> Result<(), Fail> {
    if Ctx::running_as_root() {
        return Err(Fail::skip(
            "the suite runs as root, which ignores file permissions: CMD-7 cannot be provoked",
        ));
    }
    ctx.file("locked.txt", b"locked")?;
    ctx.mkdir("locked")?;
    ctx.file("locked/inner.txt", b"inner")?;
    ctx.mkdir("ro")?;
    ctx.file("ro/keep.txt", b"keep")?;
    ctx.chmod("locked.txt", 0o000)?;
    ctx.chmod("locked", 0o000)?;
    ctx.chmod("ro", 0o555)?;
    ctx.start()?;
    let mut c = ctx.conn()?;
    for l in [
        "download locked.txt",
        "ls locked",
        "size locked/inner.txt",
        "download locked/inner.txt",
        "rm ro/keep.txt",
    ] {
        c.cmd(l)?;
        c.expect_one_of(&[(550, "CMD-7"), (451, "CMD-7")])?;
        c.expect_open("CMD-7")?;
    }
    c.cmd("upload 3 ro/new.txt")?;
    let r = c.expect_one_of(&[(150, "CMD-7"), (550, "CMD-7"), (451, "CMD-7")])?;
    if r.code == 150 {
        c.send_data(b"new")?;
        c.expect(451, "CMD-7")?;
    }
    c.expect_open("CMD-7")?;
    let ok = ctx.read("ro/keep.txt").as_deref() == Some(&b"keep"[..]);
    ctx.chmod("locked.txt", 0o644)?;
    ctx.chmod("locked", 0o755)?;
    ctx.chmod("ro", 0o755)?;
    ensure(ok, "CMD-7", "ro/keep.txt still there", "it was removed")
}
