//! The launch contract and the session (spec.md 17.1, 17.2): commands run
//! in order and the client exits at the end of its input, exit statuses,
//! `--timeout`, `connme`, bounded waits, `byebye`.

use super::{C1, C2, C3, C4, C5, C8, C9, C10, C11, C18, QUIET, case};
use crate::client::ClientCase;
use crate::client::ctx::{Ctx, Exit};
use crate::client::stage::{APART, Arrival, End, Out, Peer};
use crate::fail::{Fail, FailKind};
use std::time::Duration;

pub fn cases() -> Vec<ClientCase> {
    vec![
        case(
            "CLIENT-1",
            "commands run in order, the client exits when its input ends and saves nothing but downloads",
            &[C1, C2, C5],
            in_order,
        ),
        case(
            "CLIENT-2",
            "the exit status is non-zero after an error reply, a refused connection and a lost one",
            &[C2],
            exit_status,
        ),
        case(
            "CLIENT-3",
            "--timeout SECONDS is honoured, or refused at once with a non-zero status",
            &[C3],
            timeout_option,
        ),
        case(
            "CLIENT-4",
            "connme reads the greeting before sending anything, sends no connme line, opens one connection",
            &[C4],
            connme,
        ),
        case(
            "CLIENT-4",
            "a 421 instead of the greeting fails connme and is shown",
            &[C4, C8],
            refused_greeting,
        ),
        case(
            "CLIENT-9",
            "a silent server: the client gives up within its timeout and 2 s, leaving no partial download",
            &[C9, C18],
            silent,
        )
        .slow(),
        case(
            "CLIENT-10",
            "byebye keeps the connection open until the 221 arrives",
            &[C10],
            byebye,
        ),
        case(
            "CLIENT-11",
            "at the end of its input the client ends the session with byebye",
            &[C11],
            byebye_at_end,
        ),
    ]
}

fn in_order(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.launch("connme\nls\nsize a.txt\nrm a.txt\nls docs\n")?;
    let mut s = ctx.session()?;
    s.expect_command("ls", "CLIENT-1")?;
    s.send(Out::new().listing(&["a.txt", "docs/"]), &APART)?;
    s.expect_command("size a.txt", "CLIENT-1")?;
    s.reply("213 5 0.00 MB")?;
    s.expect_command("rm a.txt", "CLIENT-1")?;
    s.reply("250 removed")?;
    s.expect_command("ls docs", "CLIENT-1")?;
    s.send(Out::new().listing(&["readme.md"]), &APART)?;
    s.expect_end("CLIENT-1")?;
    ctx.wait_exit()?;
    ctx.expect_work(&[], "CLIENT-1")?;
    ctx.expect_exit(Exit::Success)?;
    Ok(())
}

fn exit_status(ctx: &mut Ctx) -> Result<(), Fail> {
    // An error reply.
    ctx.launch("connme\nsize nope.txt\n")?;
    let mut s = ctx.session()?;
    s.expect_command("size nope.txt", "CLIENT-2")?;
    s.reply("550 no such file")?;
    s.expect_end("CLIENT-1")?;
    ctx.expect_exit(Exit::Failure)?;

    // Nobody listens.
    ctx.launch_unreachable("connme\nls\n")?;
    ctx.expect_exit(Exit::Failure)?;

    // The server goes away before it answers.
    ctx.launch("connme\nsize a.txt\n")?;
    let mut s = ctx.session()?;
    s.expect_command("size a.txt", "CLIENT-2")?;
    s.close();
    ctx.expect_exit(Exit::Failure)?;

    // The server goes away in the middle of a listing.
    ctx.launch("connme\nls\n")?;
    let mut s = ctx.session()?;
    s.expect_command("ls", "CLIENT-2")?;
    s.send(Out::new().reply("200 3").entry_raw(b"a.txt\n"), &APART)?;
    s.close();
    ctx.wait_exit()?;
    ctx.expect_work(&[], "CLIENT-1")?;
    ctx.expect_exit(Exit::Failure)?;
    Ok(())
}

fn timeout_option(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.launch_with("connme\nls\n", &["--timeout", "5"])?;
    match ctx.arrival()? {
        Arrival::Connected(stream) => {
            // Honoured: the client works with it.
            let mut s = ctx.adopt(stream)?;
            s.greet()?;
            s.expect_command("ls", "CLIENT-3")?;
            s.send(Out::new().listing(&["a.txt"]), &APART)?;
            s.expect_end("CLIENT-1")?;
            ctx.expect_exit(Exit::Success)?;
            Ok(())
        }
        Arrival::Exited(status) if status.code().is_some_and(|c| c != 0) => {
            // Refused, as CLIENT-3 allows.
            ctx.log.note(format!(
                "the client refused --timeout ({}): allowed, and the cases that need it are skipped",
                crate::target::describe_status(status)
            ));
            Ok(())
        }
        Arrival::Exited(status) => Err(Fail::mismatch(
            "CLIENT-3",
            "the client honours `--timeout 5`, or refuses it with a non-zero exit status without connecting",
            format!(
                "it exited ({}) without connecting",
                crate::target::describe_status(status)
            ),
        )
        .at("starting the client with --timeout 5")),
        Arrival::TimedOut => Err(Fail {
            kind: FailKind::Timeout,
            clause: "CLIENT-3",
            step: "starting the client with --timeout 5".into(),
            expected: "the client connects (it honours --timeout) or exits at once (it refuses it)"
                .into(),
            actual: "TIMEOUT: neither within the start-up timeout".into(),
        }),
    }
}

fn connme(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.launch("connme\nls\n")?;
    let mut s = ctx.accept()?;
    s.expect_quiet(
        QUIET,
        "CLIENT-4",
        "nothing from the client before the greeting: it reads the greeting first",
    )?;
    s.reply("220 mftp/1 hello there")?;
    s.expect_command("ls", "CLIENT-4")?;
    s.send(Out::new().listing(&["a.txt"]), &APART)?;
    s.expect_end("CLIENT-1")?;
    ctx.expect_exit(Exit::Success)?;
    if ctx.another_connection() {
        return Err(Fail::mismatch(
            "CLIENT-4",
            "one connection for the session",
            "the client opened a second connection",
        )
        .at("(after the session)"));
    }
    Ok(())
}

fn refused_greeting(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.launch("connme\nls\n")?;
    let mut s = ctx.accept()?;
    s.reply("421 too many connections, try later")?;
    s.close();
    ctx.wait_exit()?;
    ctx.expect_output_any(
        &["421", "too many connections, try later"],
        "CLIENT-8",
        "the error reply",
    )?;
    ctx.expect_exit(Exit::Failure)?;
    Ok(())
}

/// The client's own timeout in [`silent`], and how much later than it the
/// suite waits (CLIENT-9's 2 s, plus 1 s for a loaded machine).
const TIMEOUT: Duration = Duration::from_secs(1);
const GRACE: Duration = Duration::from_secs(3);

/// The client gives up on `s` no earlier than its timeout (less a tenth,
/// for when the suite's clock started) and no later than [`GRACE`] after.
/// A client that ends the session sooner with `byebye` took the command
/// for complete: `early`'s failure; one that just closes sooner does not
/// honour `--timeout` (CLIENT-3).
fn gives_up(s: &mut Peer, waiting_for: &str, early: &'static str) -> Result<(), Fail> {
    let expected = format!(
        "the client gives up waiting for {waiting_for}: it closes the connection after its timeout (--timeout 1) and no more than 2 s later"
    );
    let (took, byebye) = s.expect_hangup(TIMEOUT + GRACE, "CLIENT-9", &expected)?;
    if took < TIMEOUT.mul_f64(0.9) {
        let (clause, how) = if byebye {
            (early, "it said `byebye` and closed the connection")
        } else {
            ("CLIENT-3", "it closed the connection")
        };
        return Err(Fail::mismatch(
            clause,
            expected,
            format!("{how} after {:.2} s", took.as_secs_f64()),
        ));
    }
    Ok(())
}

fn silent(ctx: &mut Ctx) -> Result<(), Fail> {
    let opt = ["--timeout", "1"];
    // No greeting.
    ctx.launch_with("connme\n", &opt)?;
    let mut s = ctx.accept()?;
    s.at("connme (the server sends no greeting)");
    gives_up(&mut s, "the greeting", "CLIENT-4")?;
    ctx.expect_exit(Exit::Failure)?;

    // No reply.
    ctx.launch_with("connme\nsize a.txt\n", &opt)?;
    let mut s = ctx.session()?;
    s.expect_command("size a.txt", "CLIENT-9")?;
    gives_up(&mut s, "a reply", "CLIENT-6")?;
    ctx.expect_exit(Exit::Failure)?;

    // Download data stops coming.
    ctx.launch_with("connme\ndownload a.bin\n", &opt)?;
    let mut s = ctx.session()?;
    s.expect_command("download a.bin", "CLIENT-9")?;
    s.send(Out::new().reply("150 10").data(b"0123"), &APART)?;
    gives_up(&mut s, "the rest of the data", "CLIENT-17")?;
    ctx.wait_exit()?;
    ctx.expect_work(&[], "CLIENT-18")?;
    ctx.expect_exit(Exit::Failure)?;
    Ok(())
}

fn byebye(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.launch("connme\nbyebye\n")?;
    let mut s = ctx.session()?;
    s.expect_command("byebye", "CLIENT-10")?;
    s.expect_quiet(
        QUIET,
        "CLIENT-10",
        "the connection stays open until the `221` arrives",
    )?;
    s.answer_byebye("CLIENT-10")?;
    ctx.expect_exit(Exit::Success)?;
    Ok(())
}

fn byebye_at_end(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.launch("connme\nls\n")?;
    let mut s = ctx.session()?;
    s.expect_command("ls", "CLIENT-11")?;
    s.send(Out::new().listing(&["a.txt"]), &APART)?;
    if s.expect_end("CLIENT-1")? == End::Closed {
        return Err(Fail::mismatch(
            "CLIENT-11",
            "`byebye`, answered by `221`, before the client closes the connection at the end of its input",
            "the client closed the connection without `byebye`",
        )
        .at("(end of input)"));
    }
    ctx.expect_exit(Exit::Success)?;
    Ok(())
}
