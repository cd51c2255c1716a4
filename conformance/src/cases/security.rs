//! Confinement to the root (section 14).

use crate::case::Case;
use crate::ctx::{Ctx, fixture};
use crate::disk::{tree, tree_diff};
use crate::expect::{Expect as _, download, every_command, rejected, size_is, stored, upload};
use crate::fail::{Fail, ensure};

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "SEC-1",
            "no name reaches outside the root",
            &[
                ("SEC-1", "08e4dc0d4133"),
                ("NAME-4", "cc566ff53b6a"),
                ("NAME-3", "6dea590696ae"),
            ],
            confined,
        ),
        Case::new(
            "SEC-2",
            "links that stay inside the root behave as their targets",
            &[("SEC-2", "b43225f8ef7a"), ("LS-2", "cc77c80700f0")],
            inside_links,
        ),
        Case::new(
            "SEC-3",
            "links that escape the root are absent and nothing outside is read or changed",
            &[
                ("SEC-3", "5773667f06df"),
                ("SEC-1", "08e4dc0d4133"),
                ("UPLOAD-5", "b266f0e193c3"),
            ],
            escaping_links,
        ),
        Case::new(
            "SEC-4",
            "failed and aborted uploads leave the root as it was",
            &[("SEC-4", "6f2e42731876"), ("UPLOAD-6", "da4c2e13d254")],
            no_leftovers,
        ),
    ]
}

fn confined(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let outside_before = tree(&ctx.outside);
    let mut c = ctx.conn()?;
    for n in [
        &b"../outside/secret.txt"[..],
        b"../outside",
        b"../outside/new.txt",
        b"../../etc/passwd",
        b"/etc/passwd",
        b"docs/../../outside/secret.txt",
        b"..",
        b"../root/docs",
    ] {
        every_command(&mut c, n, 553, "SEC-1")?;
    }
    let now = tree(&ctx.outside);
    ensure(
        now == outside_before,
        "SEC-1",
        "nothing outside the root changed",
        tree_diff(&outside_before, &now),
    )?;
    ensure(
        !ctx.outside.join("new.txt").exists() && !ctx.dir.path().join("new.txt").exists(),
        "SEC-1",
        "no file created next to the root",
        "a file was created outside the root",
    )
}

fn inside_links(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.symlink("lnk.txt", "a.txt")?;
    ctx.symlink("lnkdir", "docs")?;
    ctx.symlink("docs/up.txt", "../a.txt")?;
    ctx.symlink("deep", "docs/../café")?;
    ctx.start()?;
    let mut c = ctx.conn()?;
    c.cmd("ls")?;
    c.expect_listing(
        &[
            "a.txt",
            "café/",
            "deep/",
            "docs/",
            "empty/",
            "lnk.txt",
            "lnkdir/",
            "my file.txt",
            "zero.bin",
        ],
        "SEC-2",
    )?;
    c.cmd("size lnk.txt")?;
    size_is(&mut c, 5, "SEC-2")?;
    download(&mut c, "lnk.txt", fixture::A_TXT, "SEC-2")?;
    c.cmd("ls lnkdir")?;
    c.expect_listing(&["readme.md", "up.txt"], "SEC-2")?;
    c.cmd("size lnkdir/readme.md")?;
    size_is(&mut c, fixture::README.len() as u64, "SEC-2")?;
    download(&mut c, "docs/up.txt", fixture::A_TXT, "SEC-2")?;
    download(&mut c, "lnkdir/up.txt", fixture::A_TXT, "SEC-2")?;
    download(&mut c, "deep/naïve.bin", &fixture::all_bytes(), "SEC-2")?;
    c.cmd("size deep")?;
    c.expect(551, "SEC-2")?;
    upload(&mut c, "lnkdir/via-link.txt", b"via", "SEC-2")?;
    // Stored through the link, in docs/.
    stored(ctx, "docs/via-link.txt", b"via", "SEC-2")
}

fn escaping_links(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.symlink("esc.txt", "../outside/secret.txt")?;
    ctx.symlink("abs.txt", ctx.outside.join("secret.txt"))?;
    // Absolute, and pointing inside the root: still counts as outside.
    ctx.symlink("absin.txt", ctx.root.join("a.txt"))?;
    ctx.symlink("escdir", "../outside")?;
    ctx.symlink("dangling", "nowhere")?;
    ctx.symlink("loop", "loop")?;
    ctx.symlink("docs/esc2", "../../outside/dir")?;
    ctx.start()?;
    let outside_before = tree(&ctx.outside);
    let mut c = ctx.conn()?;
    c.cmd("ls")?;
    c.expect_listing(fixture::ROOT_LISTING, "SEC-3")?;
    c.cmd("ls docs")?;
    c.expect_listing(&["readme.md"], "SEC-3")?;
    for l in [
        "size esc.txt",
        "download esc.txt",
        "rm esc.txt",
        "size abs.txt",
        "download abs.txt",
        "rm abs.txt",
        "size absin.txt",
        "download absin.txt",
        "rm absin.txt",
        "ls escdir",
        "size escdir/secret.txt",
        "download escdir/secret.txt",
        "rm escdir/secret.txt",
        "ls escdir/dir",
        "upload 3 escdir/new.txt",
        "ls docs/esc2",
        "download docs/esc2/inner.txt",
        "upload 3 docs/esc2/new.txt",
        "size dangling",
        "download dangling",
        "ls dangling",
        "size loop",
        "download loop",
    ] {
        // Then connme: nothing (entries, data) follows; a wrong error code
        // for a missing name is the command's clause (see `missing`).
        rejected(&mut c, l, 550, "SEC-3", "SEC-3")?;
    }
    c.cmd("upload 3 esc.txt")?;
    c.expect(554, "UPLOAD-5")?;
    c.cmd("upload 3 dangling")?;
    c.expect(554, "UPLOAD-5")?;
    let now = tree(&ctx.outside);
    ensure(
        now == outside_before,
        "SEC-3",
        "nothing outside the root read-changed",
        tree_diff(&outside_before, &now),
    )?;
    ensure(
        std::fs::read(ctx.outside.join("secret.txt"))
            .ok()
            .as_deref()
            == Some(fixture::SECRET),
        "SEC-3",
        "outside/secret.txt unchanged",
        "it changed",
    )
}

fn no_leftovers(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.start()?;
    let before = ctx.root_tree();
    let mut a = ctx.conn()?;
    for (arg, code, clause) in [
        ("5 a.txt", 554, "UPLOAD-5"),
        ("5 nope/x", 550, "UPLOAD-2"),
        ("5 ../x", 553, "NAME-4"),
        ("5 a.txt/x", 551, "UPLOAD-2"),
    ] {
        rejected(&mut a, &format!("upload {arg}"), code, clause, "UPLOAD-2")?;
    }
    // One connection at a time: concurrency is CONC-1's business.
    a.hangup();
    let mut b = ctx.conn()?;
    b.cmd("upload 100 ab1.bin")?;
    b.expect_count(150, 100, "UPLOAD-3")?;
    b.send_data(&[7; 50])?;
    b.hangup();
    let mut d = ctx.conn()?;
    d.cmd("upload 100 docs/ab2.bin")?;
    d.expect_count(150, 100, "UPLOAD-3")?;
    d.hangup();
    // Seen on disk, not through another command.
    ctx.expect_root(&before, "SEC-4")
}
