//! `rm` (section 10).

use crate::case::Case;
use crate::ctx::{Ctx, fixture};
use crate::expect::{Expect as _, absent, size_is};
use crate::fail::{Fail, ensure};

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "RM-1",
            "rm removes a file and it is gone for every connection",
            &[("RM-1", "7e6bcb633424")],
            removes,
        ),
        Case::new(
            "RM-2",
            "rm of a missing name, a directory or a bad name gets 550, 551, 553",
            &[("RM-2", "de966b855050")],
            errors,
        ),
        Case::new(
            "RM-3",
            "rm of a link to a file in the root removes the link, not the file",
            &[("RM-3", "c5e7b7669976"), ("SEC-2", "8ab36a486f54")],
            link,
        ),
        Case::new(
            "RM-4",
            "rm of a link to a directory gets 551 and changes nothing",
            &[("RM-4", "a25fc870a5d6")],
            rm_link_to_directory,
        ),
    ]
}

fn removes(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let mut a = ctx.conn()?;
    let mut b = ctx.conn()?;
    for n in ["a.txt", "my file.txt", "café/naïve.bin", "zero.bin"] {
        a.cmd(&format!("rm {n}"))?;
        a.expect(250, "RM-1")?;
        ensure(
            ctx.read(n).is_none(),
            "RM-1",
            format!("{n} gone from disk"),
            "it is still there",
        )?;
        absent(&mut b, &format!("size {n}"), "RM-1")?;
    }
    a.cmd("rm a.txt")?;
    a.expect(550, "RM-2")?;
    // Gone from listings too (an empty one: order and `/` are LS-2/LS-3's).
    b.cmd("ls café")?;
    b.expect_listing(&[], "RM-1")
}

fn errors(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let before = ctx.root_tree();
    let mut c = ctx.conn()?;
    // A name that breaks a rule gets 553 from every command: those rows are
    // the name rule's (NAME-3, NAME-4).
    for (l, code, clause) in [
        ("rm nope", 550, "RM-2"),
        ("rm docs/nope", 550, "RM-2"),
        ("rm nope/x", 550, "RM-2"),
        ("rm docs", 551, "RM-2"),
        ("rm empty", 551, "RM-2"),
        ("rm ../outside/secret.txt", 553, "NAME-4"),
        ("rm /a.txt", 553, "NAME-3"),
        ("rm docs/", 553, "NAME-3"),
        ("rm docs/../a.txt", 553, "NAME-4"),
    ] {
        c.cmd(l)?;
        c.expect(code, clause)?;
    }
    ctx.expect_root(&before, "RM-2")?;
    c.expect_open("RM-2")
}

fn link(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.symlink("ln.txt", "a.txt")?;
    ctx.symlink("docs/ln2.md", "readme.md")?;
    ctx.start()?;
    let mut c = ctx.conn()?;
    for n in ["ln.txt", "docs/ln2.md"] {
        c.cmd(&format!("rm {n}"))?;
        c.expect(250, "RM-3")?;
        ensure(
            std::fs::symlink_metadata(ctx.path(n)).is_err(),
            "RM-3",
            format!("the link {n} removed"),
            "it is still there",
        )?;
    }
    ensure(
        ctx.read("a.txt").as_deref() == Some(fixture::A_TXT)
            && ctx.read("docs/readme.md").as_deref() == Some(fixture::README),
        "RM-3",
        "the links' targets a.txt and docs/readme.md untouched",
        "a target was removed or changed",
    )?;
    c.cmd("size a.txt")?;
    size_is(&mut c, 5, "RM-3")?;
    c.cmd("ls docs")?;
    c.expect_listing(&["readme.md"], "RM-3")
}

/// RM-4 (1.1): `rm` of a link to a directory is 551; nothing changes.
fn rm_link_to_directory(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.symlink("dl", "docs")?;
    ctx.start()?;
    let before = ctx.root_tree();
    let mut c = ctx.conn()?;
    c.cmd("rm dl")?;
    c.expect(551, "RM-4")?;
    c.cmd("ls dl")?;
    c.expect_listing(&["readme.md"], "RM-4")?;
    ctx.expect_root(&before, "RM-4")
}
