//! The words a person types at the prompt (or writes in a script), parsed
//! into a [`Command`].
//!
//! The verb is case-insensitive like on the wire (CMD-1). A name is the
//! rest of the line, as on the wire (CMD-5), except that leading and
//! trailing blanks are trimmed, as a person at a prompt expects; to keep
//! them, or for any name, quote the whole name with `'…'` or `"…"`.

use std::path::{Path, PathBuf};

use crate::error::ClientError;

/// One command of the prompt or a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Connect (or, when connected, check the server is alive).
    Connme,
    /// List the root or a directory.
    Ls(Option<String>),
    /// Show a file's size in MB.
    Size(String),
    /// Save a remote file locally.
    Download {
        /// The remote name.
        name: String,
        /// Where to save it; `None` is the current directory under the last
        /// component of the name.
        output: Option<PathBuf>,
    },
    /// Send a local file.
    Upload {
        /// The local file.
        path: PathBuf,
        /// The remote name; `None` is the local file name.
        name: Option<String>,
    },
    /// Remove a remote file.
    Rm(String),
    /// Disconnect and leave.
    Byebye,
    /// Show the commands.
    Help,
    /// Leave (disconnecting first when connected).
    Quit,
}

/// The help shown by `help` at the prompt.
pub const HELP: &str = "\
commands:
  connme               connect to the server and show its greeting
  ls [DIR]             list the root or DIR (directories end with '/')
  size NAME            show the size of NAME in MB
  download NAME        save NAME into the current directory
  upload PATH [NAME]   send the local file PATH (as NAME; default: its file name)
  rm NAME              remove NAME on the server
  byebye               disconnect and leave
  help                 show this help
  quit, exit           leave (disconnecting first)
Names are the rest of the line (spaces included); quote a name with '...'
or \"...\" to keep leading or trailing spaces. Tab completes commands,
local names after 'upload' and remote names after the others.";

/// Parses one line; `Ok(None)` for a blank line or a `#` comment.
pub fn parse_line(line: &str) -> Result<Option<Command>, ClientError> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let (verb, rest) = match line.split_once(char::is_whitespace) {
        Some((verb, rest)) => (verb, rest.trim()),
        None => (line, ""),
    };
    let verb = verb.to_ascii_lowercase();
    let usage = |text: &str| Err(ClientError::Usage(format!("usage: {text}")));
    let command = match (verb.as_str(), rest.is_empty()) {
        ("connme", true) => Command::Connme,
        ("byebye", true) => Command::Byebye,
        ("help" | "?", _) => Command::Help,
        ("quit" | "exit", true) => Command::Quit,
        ("connme" | "byebye" | "quit" | "exit", false) => {
            return usage(&format!("{verb} (it takes no argument)"));
        }
        ("ls", true) => Command::Ls(None),
        ("ls", false) => Command::Ls(Some(unquote(rest).to_owned())),
        ("size", false) => Command::Size(unquote(rest).to_owned()),
        ("rm", false) => Command::Rm(unquote(rest).to_owned()),
        ("download", false) => Command::Download {
            name: unquote(rest).to_owned(),
            output: None,
        },
        ("upload", false) => upload(rest)?,
        ("size" | "rm" | "download", true) => return usage(&format!("{verb} NAME")),
        ("upload", true) => return usage("upload PATH [NAME]"),
        _ => {
            return Err(ClientError::Usage(format!(
                "unknown command '{verb}'; type 'help' for the list"
            )));
        }
    };
    Ok(Some(command))
}

/// `upload PATH [NAME]`: a whole argument naming a local file is one path
/// (so `upload my file.txt` works); otherwise shell-like words.
fn upload(rest: &str) -> Result<Command, ClientError> {
    let whole = local_path(unquote(rest));
    if whole.is_file() {
        return Ok(Command::Upload {
            path: whole,
            name: None,
        });
    }
    let words = words(rest)?;
    let (path, name) = match words.as_slice() {
        [path] => (path, None),
        [path, name] => (path, Some(name)),
        [path, flag, name] if flag == "--as" || flag == "as" => (path, Some(name)),
        _ => {
            return Err(ClientError::Usage(
                "usage: upload PATH [NAME] (quote paths and names that contain spaces)".to_owned(),
            ));
        }
    };
    Ok(Command::Upload {
        path: local_path(path),
        name: name.cloned(),
    })
}

/// A local path as typed; a leading `~/` is the home directory, as in a
/// shell.
fn local_path(text: &str) -> PathBuf {
    match (text.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) if !home.is_empty() => Path::new(&home).join(rest),
        _ => PathBuf::from(text),
    }
}

/// Removes one pair of matching quotes around the whole text.
fn unquote(text: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = text.strip_prefix(quote).and_then(|t| t.strip_suffix(quote)) {
            return inner;
        }
    }
    text
}

/// Splits at blanks, honouring `'…'`, `"…"` and backslash escapes.
fn words(text: &str) -> Result<Vec<String>, ClientError> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_default().push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                word.get_or_insert_default();
            }
            (None, '\\') => {
                if let Some(next) = chars.next() {
                    word.get_or_insert_default().push(next);
                }
            }
            (None, c) if c.is_whitespace() => words.extend(word.take()),
            (None, c) => word.get_or_insert_default().push(c),
        }
    }
    if quote.is_some() {
        return Err(ClientError::Usage("unclosed quote".to_owned()));
    }
    words.extend(word);
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Command {
        parse_line(line).expect("valid line").expect("not blank")
    }

    #[test]
    fn the_seven_words() {
        assert_eq!(parse("connme"), Command::Connme);
        assert_eq!(parse("LS"), Command::Ls(None));
        assert_eq!(parse("ls docs"), Command::Ls(Some("docs".to_owned())));
        assert_eq!(parse("size a b.txt"), Command::Size("a b.txt".to_owned()));
        assert_eq!(parse("rm  x "), Command::Rm("x".to_owned()));
        assert_eq!(
            parse("download 'a '"),
            Command::Download {
                name: "a ".to_owned(),
                output: None
            }
        );
        assert_eq!(parse("byebye"), Command::Byebye);
    }

    #[test]
    fn upload_words() {
        assert_eq!(
            parse("upload /no/such/x.bin"),
            Command::Upload {
                path: PathBuf::from("/no/such/x.bin"),
                name: None
            }
        );
        assert_eq!(
            parse("upload '/no/such/my file' --as \"remote name\""),
            Command::Upload {
                path: PathBuf::from("/no/such/my file"),
                name: Some("remote name".to_owned())
            }
        );
        assert_eq!(
            parse("upload /no/such/a b"),
            Command::Upload {
                path: PathBuf::from("/no/such/a"),
                name: Some("b".to_owned())
            }
        );
    }

    #[test]
    fn blanks_comments_and_mistakes() {
        assert_eq!(parse_line("   ").expect("blank"), None);
        assert_eq!(parse_line("# note").expect("comment"), None);
        for bad in [
            "frobnicate",
            "rm",
            "size ",
            "connme now",
            "upload",
            "upload 'a",
        ] {
            assert!(
                matches!(parse_line(bad), Err(ClientError::Usage(_))),
                "{bad:?}"
            );
        }
    }
}
