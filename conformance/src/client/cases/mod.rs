//! The client cases, one module per area of spec.md section 17. Each names
//! the clauses it covers with the hash of their text when the case was
//! written (the constants below; the `TRACE` check says which to update
//! when a clause is reworded).
//!
//! A case launches the client with a script on its standard input
//! (`ctx.launch("connme\nls\n")`), plays the server (`ctx.session()`, then
//! `s.expect_command("ls", …)`, `s.send(Out::new().listing(…), …)`), ends
//! the session (`s.expect_end(…)`), then checks the exit status, the output
//! where a clause fixes it, and the working directory. Client transcripts
//! are not snapshotted: correct clients differ in what they may choose
//! (`byebye` at the end or not, the verb's letter case, CR LF).
//!
//! Two bounded looks for something that must not happen use [`QUIET`]: no
//! bytes from the client while the server holds back a reply, and no
//! download file under its name while data is still coming. They prove
//! nothing by timing (a client that stays quiet passes at once when the
//! reply comes); a client that does the forbidden thing is caught as soon
//! as it does it within the window.

use super::ClientCase;
use super::ctx::Ctx;
use crate::case::Case;
use crate::fail::Fail;
use std::sync::OnceLock;
use std::time::Duration;

mod download;
mod lines;
mod listing;
mod replies;
mod session;
mod upload;

/// How long the scripted server watches for something a client must not
/// do before it goes on (send early, close early, show a partial file).
pub const QUIET: Duration = Duration::from_millis(300);

/// Pause between the writes of a reply sent in pieces.
pub const PAUSE: Duration = Duration::from_millis(2);

/// The clauses, with the hash of the text the cases were written against.
pub const C1: (&str, &str) = ("CLIENT-1", "98914670fdd2");
pub const C2: (&str, &str) = ("CLIENT-2", "ca5aec77bec6");
pub const C3: (&str, &str) = ("CLIENT-3", "d0d96dd5b622");
pub const C4: (&str, &str) = ("CLIENT-4", "1edb12a03765");
pub const C5: (&str, &str) = ("CLIENT-5", "05cbd2369ea4");
pub const C6: (&str, &str) = ("CLIENT-6", "c2388b4bbb32");
pub const C7: (&str, &str) = ("CLIENT-7", "ffbe6a4a648f");
pub const C8: (&str, &str) = ("CLIENT-8", "9a01f293911b");
pub const C9: (&str, &str) = ("CLIENT-9", "7d2ee6f8ad16");
pub const C10: (&str, &str) = ("CLIENT-10", "1887c4678673");
pub const C11: (&str, &str) = ("CLIENT-11", "6d2ba94cc61a");
pub const C12: (&str, &str) = ("CLIENT-12", "bedb8abddfbb");
pub const C13: (&str, &str) = ("CLIENT-13", "d0f94061f274");
pub const C14: (&str, &str) = ("CLIENT-14", "0a393ae7f5ed");
pub const C15: (&str, &str) = ("CLIENT-15", "1ad8776f47ac");
pub const C16: (&str, &str) = ("CLIENT-16", "9814959d27df");
pub const C17: (&str, &str) = ("CLIENT-17", "b8332af10898");
pub const C18: (&str, &str) = ("CLIENT-18", "628919000c62");
pub const C19: (&str, &str) = ("CLIENT-19", "fba975805aeb");
/// Clients never depend on free text (section 2).
pub const FRAME_11: (&str, &str) = ("FRAME-11", "edeb66244cbc");

/// A client case (never snapshotted, see the module docs).
const fn case(
    id: &'static str,
    title: &'static str,
    covers: &'static [(&'static str, &'static str)],
    run: fn(&mut Ctx) -> Result<(), Fail>,
) -> ClientCase {
    Case::new(id, title, covers, run).no_snapshot()
}

/// Every client case, in declaration order.
pub fn all() -> &'static [ClientCase] {
    static ALL: OnceLock<Vec<ClientCase>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v = Vec::new();
        v.extend(session::cases());
        v.extend(lines::cases());
        v.extend(replies::cases());
        v.extend(listing::cases());
        v.extend(upload::cases());
        v.extend(download::cases());
        v
    })
}
