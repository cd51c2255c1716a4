//! The interactive prompt: line editing and history (rustyline), `help`,
//! the seven commands, `quit`/`exit`.
//!
//! The prompt never dies with a command: errors are shown and a dropped
//! connection only sends the session back to "not connected".
//!
//! A rustyline editor takes over SIGINT for as long as it lives, which
//! would swallow Ctrl-C while a command runs. So an editor lives only for
//! the reading of one line (it restores our handler when dropped, see
//! `interrupt.rs`), and the history is carried from one to the next.

use std::path::PathBuf;

use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;

use crate::command::parse_line;
use crate::error::{EXIT_FAILED, EXIT_OK};
use crate::session::{Flow, Session};

/// Lines of history kept (rustyline's default).
const HISTORY_LINES: usize = 1000;

/// Runs the prompt until `byebye`, `quit`, `exit` or end of input (Ctrl-D).
pub fn run(session: &mut Session) -> u8 {
    let history_path = history_file();
    let mut history = match load_history(history_path.as_ref()) {
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
    loop {
        let prompt = if session.is_connected() {
            format!("mftp {}> ", session.config().addr())
        } else {
            "mftp> ".to_owned()
        };
        let line = match read_line(&prompt, &history) {
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
        let flow = parse_line(&line)
            .and_then(|command| command.map_or(Ok(Flow::Continue), |c| session.run(c)));
        match flow {
            Ok(Flow::Continue) => {}
            Ok(Flow::Leave) => break,
            Err(error) => session.out().error(&error),
        }
    }
    if let Some(path) = &history_path {
        let _ = editor_with(&history).and_then(|mut editor| editor.save_history(path));
    }
    EXIT_OK
}

/// Reads one line with a fresh editor that knows the history so far.
fn read_line(prompt: &str, history: &[String]) -> Result<String, ReadlineError> {
    let mut editor = editor_with(history)?;
    editor.readline(prompt)
}

fn editor_with(history: &[String]) -> Result<DefaultEditor, ReadlineError> {
    let mut editor = DefaultEditor::new()?;
    for line in history {
        editor.add_history_entry(line.as_str())?;
    }
    Ok(editor)
}

fn load_history(path: Option<&PathBuf>) -> Result<Vec<String>, ReadlineError> {
    let mut editor = DefaultEditor::new()?;
    if let Some(path) = path {
        // A missing or unreadable history file is an empty history.
        let _ = editor.load_history(path);
    }
    Ok(editor.history().iter().cloned().collect())
}

/// `$HOME/.mftp_history`, when there is a home.
fn history_file() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|home| !home.is_empty())
        .map(|home| PathBuf::from(home).join(".mftp_history"))
}
