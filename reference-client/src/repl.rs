//! The interactive prompt: line editing and history (rustyline), `help`,
//! the seven commands, `quit`/`exit`.
//!
//! The prompt never dies with a command: errors are shown and a dropped
//! connection only sends the session back to "not connected".

use std::path::PathBuf;

use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;

use crate::command::parse_line;
use crate::error::{ClientError, EXIT_FAILED, EXIT_OK};
use crate::session::{Flow, Session};

/// Runs the prompt until `byebye`, `quit`, `exit` or end of input (Ctrl-D).
pub fn run(session: &mut Session) -> u8 {
    let mut editor = match DefaultEditor::new() {
        Ok(editor) => editor,
        Err(e) => {
            session
                .out()
                .note(&format!("error: cannot start the prompt: {e}"));
            return EXIT_FAILED;
        }
    };
    let history = history_file();
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
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
        let line = match editor.readline(&prompt) {
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
        if !line.trim().is_empty() {
            let _ = editor.add_history_entry(line.as_str());
        }
        let flow = parse_line(&line)
            .and_then(|command| command.map_or(Ok(Flow::Continue), |c| session.run(c)));
        match flow {
            Ok(Flow::Continue) => {}
            Ok(Flow::Leave) => break,
            Err(error) => report(session, &error),
        }
    }
    if let Some(path) = &history {
        let _ = editor.save_history(path);
    }
    EXIT_OK
}

fn report(session: &Session, error: &ClientError) {
    session.out().error(error);
}

/// `$HOME/.mftp_history`, when there is a home.
fn history_file() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|home| !home.is_empty())
        .map(|home| PathBuf::from(home).join(".mftp_history"))
}
