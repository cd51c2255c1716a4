//! Confinement to the root (section 14).

use crate::case::Case;
use crate::ctx::{Ctx, fixture};
use crate::disk::{tree, tree_diff};
use crate::expect::{
    Expect as _, absent, download, every_command, rejected, size_is, stored, upload,
};
use crate::fail::{Fail, ensure};

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "SEC-1",
            "no name reaches outside the root",
            &[
                ("SEC-1", "b42f1c240f83"),
                ("NAME-4", "cc566ff53b6a"),
                ("NAME-3", "04f624b29369"),
            ],
            confined,
        ),
        Case::new(
            "SEC-2",
            "links that stay inside the root behave as their targets",
            &[("SEC-2", "8ab36a486f54"), ("LS-2", "cc77c80700f0")],
            inside_links,
        ),
        Case::new(
            "SEC-3",
            "links that escape the root are absent and nothing outside is read or changed",
            &[
                ("SEC-3", "4ce944015c3c"),
                ("SEC-1", "b42f1c240f83"),
                ("UPLOAD-5", "b266f0e193c3"),
            ],
            escaping_links,
        ),
        Case::new(
            "SEC-4",
            "failed and aborted uploads leave the root as it was",
            &[("SEC-4", "6f2e42731876"), ("UPLOAD-6", "0934af2ded3d")],
            no_leftovers,
        ),
        Case::new(
            "SEC-5",
            "FIFOs and sockets are absent and a FIFO never blocks the server",
            &[("SEC-5", "10239692b47f"), ("LS-5", "ee5e6dc879d5")],
            special_files,
        ),
        Case::new(
            "SEC-6",
            "links that leave the root and come back are followed or absent, consistently",
            &[
                ("SEC-6", "64a02f50cbad"),
                ("SEC-2", "8ab36a486f54"),
                ("SEC-3", "4ce944015c3c"),
            ],
            links_out_and_back,
        )
        .no_snapshot(),
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

/// SEC-5 (1.1): FIFOs and sockets are absent, and a FIFO without a writer
/// never blocks the server.
fn special_files(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.fifo("pipe")?;
    ctx.fifo("docs/pipe2")?;
    ctx.symlink("pipelink", "pipe")?;
    ctx.unix_socket("sock")?;
    ctx.start()?;
    let mut c = ctx.conn()?;
    for l in [
        "size pipe",
        "download pipe",
        "download docs/pipe2",
        "download pipelink",
        "size sock",
        "download sock",
        "ls pipe",
        "rm pipe",
        "rm sock",
    ] {
        absent(&mut c, l, "SEC-5")?;
    }
    c.cmd("upload 1 pipe")?;
    c.expect(554, "SEC-5")?;
    c.cmd("upload 1 pipe/x")?;
    c.expect(550, "SEC-5")?;
    c.cmd("ls")?;
    c.expect_listing(fixture::ROOT_LISTING, "SEC-5")?;
    c.cmd("ls docs")?;
    c.expect_listing(&["readme.md"], "SEC-5")?;
    ensure(
        ctx.is_fifo("pipe"),
        "SEC-5",
        "the FIFO left in place",
        "it was removed or replaced",
    )
}

/// SEC-6 (1.1): links that leave the root and come back in are followed or
/// absent, the same way for every command.
fn links_out_and_back(ctx: &mut Ctx) -> Result<(), Fail> {
    let root = ctx.root.clone();
    ctx.symlink("abs.txt", root.join("a.txt"))?;
    ctx.symlink("absdir", root.join("docs"))?;
    ctx.symlink("back.txt", "../root/a.txt")?;
    ctx.start()?;
    let mut c = ctx.conn()?;
    c.cmd("ls")?;
    let listed: Vec<String> = c
        .listing("SEC-6")?
        .iter()
        .map(|e| String::from_utf8_lossy(e).into_owned())
        .collect();
    for (link, is_dir) in [("abs.txt", false), ("absdir", true), ("back.txt", false)] {
        let shown = listed.iter().any(|e| e.trim_end_matches('/') == link);
        let how = if shown {
            "listed, so followed everywhere (SEC-2)"
        } else {
            "not listed, so absent everywhere (SEC-3)"
        };
        let clause = "SEC-6";
        // Each step keeps the clause it names (a wrong count is still
        // DOWNLOAD-1's); the message says which reading the server took.
        let at = |f: Fail| Fail {
            expected: format!("{} ({link} was {how})", f.expected),
            ..f
        };
        if is_dir {
            if shown {
                c.cmd(&format!("ls {link}"))?;
                c.expect_listing(&["readme.md"], clause).map_err(at)?;
                download(
                    &mut c,
                    &format!("{link}/readme.md"),
                    fixture::README,
                    clause,
                )
                .map_err(at)?;
            } else {
                for l in [format!("ls {link}"), format!("size {link}/readme.md")] {
                    absent(&mut c, &l, clause).map_err(at)?;
                }
            }
        } else if shown {
            c.cmd(&format!("size {link}"))?;
            size_is(&mut c, 5, clause).map_err(at)?;
            download(&mut c, link, fixture::A_TXT, clause).map_err(at)?;
            c.cmd(&format!("rm {link}"))?;
            c.expect(250, clause).map_err(at)?;
        } else {
            for l in [
                format!("size {link}"),
                format!("download {link}"),
                format!("rm {link}"),
            ] {
                c.cmd(&l)?;
                c.expect(550, clause).map_err(at)?;
            }
        }
    }
    ensure(
        ctx.read("a.txt").as_deref() == Some(fixture::A_TXT),
        "SEC-6",
        "a.txt untouched (rm of a link removes the link only)",
        "a.txt changed or was removed",
    )
}
