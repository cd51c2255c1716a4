//! The interactive prompt: line editing, Tab completion (`complete.rs`)
//! and history (rustyline), `help`, the seven commands, `quit`/`exit`.
//!
//! The prompt never dies with a command: errors are shown and a dropped
//! connection only sends the session back to "not connected".
//!
//! A rustyline editor takes over SIGINT for as long as it lives, which
//! would swallow Ctrl-C while a command runs. So an editor lives only for
//! the reading of one line (it restores our handler when dropped, see
//! `interrupt.rs`), and the history is carried from one to the next. Its
//! helper borrows the session for that time, to list remote directories
//! for completion; the listings outlive it ([`Listings`]).
//!
//! History is kept in the user's data directory:
//! `$XDG_DATA_HOME/mftp/history`, or `~/.local/share/mftp/history`.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{CompletionType, Config, Context, DefaultEditor, Editor, Helper};

use crate::command::{Command, parse_line};
use crate::complete::{self, Listings};
use crate::error::{EXIT_FAILED, EXIT_OK};
use crate::session::{Flow, Session};

/// Lines of history kept (rustyline's default).
const HISTORY_LINES: usize = 1000;

/// Runs the prompt until `byebye`, `quit`, `exit` or end of input (Ctrl-D).
pub fn run(session: &mut Session) -> u8 {
    let history_path = history_file();
    let mut history = match load_history(history_path.as_deref()) {
        Ok(history) => history,
        Err(e) => {
            session
                .out()
                .note(&format!("error: cannot start the prompt: {e}"));
            return EXIT_FAILED;
        }
    };
    session.out().info(&format!(
        "mftp/1 client. Type 'connme' to connect to {}, 'help' for the commands.",
        session.config().addr()
    ));
    let listings = RefCell::new(Listings::default());
    loop {
        let prompt = if session.is_connected() {
            format!("mftp {}> ", session.config().addr())
        } else {
            "mftp> ".to_owned()
        };
        let line = match read_line(&prompt, &history, session, &listings) {
            Ok(line) => line,
            // Ctrl-C abandons the line being typed, as in a shell.
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => {
                session.close();
                break;
            }
            Err(e) => {
                session
                    .out()
                    .note(&format!("error: cannot read the prompt: {e}"));
                session.close();
                break;
            }
        };
        if !line.trim().is_empty() && history.last() != Some(&line) {
            history.push(line.clone());
            if history.len() > HISTORY_LINES {
                history.remove(0);
            }
        }
        let flow = parse_line(&line).and_then(|command| {
            command.map_or(Ok(Flow::Continue), |c| {
                if changes_listings(&c) {
                    listings.borrow_mut().clear();
                }
                session.run(c)
            })
        });
        match flow {
            Ok(Flow::Continue) => {}
            Ok(Flow::Leave) => break,
            Err(error) => session.out().error(&error),
        }
    }
    if let Some(path) = &history_path {
        let saved = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .map_err(ReadlineError::from)
            .and_then(|()| editor_with::<()>(&history, None))
            .and_then(|mut editor| editor.save_history(path));
        if let Err(e) = saved {
            session.out().note(&format!(
                "note: history not saved to {}: {e}",
                path.display()
            ));
        }
    }
    EXIT_OK
}

/// Commands after which the remote listings kept for completion may be
/// out of date (or belong to another connection).
fn changes_listings(command: &Command) -> bool {
    matches!(
        command,
        Command::Connme | Command::Upload { .. } | Command::Rm(_) | Command::Byebye | Command::Quit
    )
}

/// Completion at the prompt: local names from the working directory,
/// remote names from the session (see `complete.rs`).
struct Prompt<'a> {
    session: RefCell<&'a mut Session>,
    listings: &'a RefCell<Listings>,
    cwd: PathBuf,
}

impl Completer for Prompt<'_> {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let mut session = self.session.borrow_mut();
        let mut listings = self.listings.borrow_mut();
        let now = Instant::now();
        let (start, found) = complete::complete(
            line,
            pos,
            &mut |dir| complete::local_names(&self.cwd, dir),
            &mut |dir| listings.get(dir, now, |d| session.remote_names(d)),
        );
        let pairs = found
            .into_iter()
            .map(|c| Pair {
                display: c.display,
                replacement: c.replacement,
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for Prompt<'_> {
    type Hint = String;
}

impl Highlighter for Prompt<'_> {}

impl Validator for Prompt<'_> {}

impl Helper for Prompt<'_> {}

/// Reads one line with a fresh editor that knows the history so far and
/// completes with `session`'s names.
fn read_line(
    prompt: &str,
    history: &[String],
    session: &mut Session,
    listings: &RefCell<Listings>,
) -> Result<String, ReadlineError> {
    let helper = Prompt {
        session: RefCell::new(session),
        listings,
        cwd: std::env::current_dir().unwrap_or_default(),
    };
    let mut editor = editor_with(history, Some(helper))?;
    editor.readline(prompt)
}

/// An editor with `history`, completing as bash does: the longest common
/// prefix on the first Tab, the list of candidates on the second.
fn editor_with<H: Helper>(
    history: &[String],
    helper: Option<H>,
) -> Result<Editor<H, DefaultHistory>, ReadlineError> {
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .max_history_size(HISTORY_LINES)?
        .build();
    let mut editor = Editor::with_config(config)?;
    editor.set_helper(helper);
    for line in history {
        editor.add_history_entry(line.as_str())?;
    }
    Ok(editor)
}

/// The history saved by an earlier session: from `path`, or from the file
/// of earlier versions (`~/.mftp_history`) while `path` does not exist.
fn load_history(path: Option<&Path>) -> Result<Vec<String>, ReadlineError> {
    let mut editor = DefaultEditor::new()?;
    let old = home().map(|home| home.join(".mftp_history"));
    let from = match path {
        Some(p) if p.exists() => Some(p.to_path_buf()),
        _ => old,
    };
    if let Some(from) = from {
        // A missing or unreadable history file is an empty history.
        let _ = editor.load_history(&from);
    }
    Ok(editor.history().iter().cloned().collect())
}

/// `$HOME`, when there is one.
fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|home| !home.is_empty())
        .map(PathBuf::from)
}

/// `$XDG_DATA_HOME/mftp/history`, else `~/.local/share/mftp/history`
/// (the XDG base directory rules: a relative `XDG_DATA_HOME` is ignored).
fn history_file() -> Option<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| home().map(|home| home.join(".local/share")))?;
    Some(data.join("mftp").join("history"))
}
