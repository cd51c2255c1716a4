//! `reference-client`: the mftp/1 client people use at a prompt and in
//! scripts.
//!
//! # Layout
//! - `main.rs`: the command line (clap) and the three modes: one-shot,
//!   script (stdin not a terminal) and the interactive prompt.
//! - `command.rs`: the words typed at the prompt or in a script.
//! - `session.rs`: runs commands; holds the connection state.
//! - `client.rs`: the blocking mftp/1 connection, one method per command;
//!   wire forms from `mftp_protocol`, no printing and no signals.
//! - `interrupt.rs`: Ctrl-C, wired to a transfer's progress hook.
//! - `repl.rs`: the interactive prompt.
//! - `complete.rs`: Tab completion at the prompt (commands, local and
//!   remote names).
//! - `output.rs`: all printing, progress bars included.
//! - `error.rs`: failures and their exit statuses.

mod client;
mod command;
mod complete;
mod error;
mod interrupt;
mod output;
mod repl;
mod session;

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::command::{Command, parse_line};
use crate::error::{ClientError, EXIT_OK};
use crate::output::Output;
use crate::session::{Config, Flow, Session};

const AFTER_HELP: &str = "\
Modes:
  With a command (ls, size, download, upload, rm, connme) the client
  connects, runs it, disconnects and exits.
  Without one, it reads commands from stdin when stdin is not a terminal
  (one per line, as typed at the prompt; blank lines and '#' comments are
  skipped; 'connme', or else the first command that needs the server,
  opens the connection; the first failure stops the script unless
  --keep-going; at the end of input it says byebye), and otherwise shows
  the interactive prompt (type 'help' there).

Exit status:
  0  success
  1  a command failed: an error reply from the server, or a local error
     (file exists, cannot read or write a file, name not allowed)
  2  usage error: bad command line, or an unknown command in a script
  3  could not connect, or the connection was lost (or not open)
  130  interrupted (Ctrl-C); a download in progress leaves no file behind

Errors are printed on stderr; results on stdout.";

/// The mftp/1 reference client.
#[derive(Debug, Parser)]
#[command(name = "reference-client", version, about, after_help = AFTER_HELP)]
struct Cli {
    /// Server host name or address.
    #[arg(long, global = true, default_value = "127.0.0.1")]
    host: String,
    /// Server port.
    #[arg(long, global = true, default_value_t = mftp_protocol::DEFAULT_PORT)]
    port: u16,
    /// Let downloads replace existing local files.
    #[arg(long, global = true)]
    force: bool,
    /// Seconds to wait for the server to connect or answer.
    #[arg(long, global = true, default_value_t = 30, value_name = "SECONDS")]
    timeout: u64,
    /// In script mode, go on after a failed command (the exit status is
    /// still that of the first failure).
    #[arg(long)]
    keep_going: bool,
    #[command(subcommand)]
    command: Option<OneShot>,
}

/// Commands run once, without the prompt.
#[derive(Debug, Subcommand)]
enum OneShot {
    /// Connect and show the server's greeting.
    Connme,
    /// List the root or DIR; directories end with '/'.
    Ls {
        /// Directory to list.
        dir: Option<String>,
    },
    /// Show the size of NAME in MB.
    Size {
        /// Remote file name.
        name: String,
    },
    /// Save NAME into the current directory (or --output).
    Download {
        /// Remote file name.
        name: String,
        /// Local file or directory to save into.
        #[arg(short, long, value_name = "PATH")]
        output: Option<PathBuf>,
    },
    /// Send the local file PATH.
    Upload {
        /// Local file.
        path: PathBuf,
        /// Remote name (default: the file name of PATH).
        #[arg(long = "as", value_name = "NAME")]
        name: Option<String>,
    },
    /// Remove NAME on the server.
    Rm {
        /// Remote file name.
        name: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    interrupt::install();
    let config = Config {
        host: cli.host,
        port: cli.port,
        timeout: Duration::from_secs(cli.timeout.max(1)),
        force: cli.force,
    };
    let code = match cli.command {
        Some(one) => one_shot(config, one),
        None if std::io::stdin().is_terminal() => {
            repl::run(&mut Session::new(config, Output::new(true)))
        }
        None => script(config, cli.keep_going),
    };
    ExitCode::from(code)
}

/// Connects, runs one command, says goodbye.
fn one_shot(config: Config, one: OneShot) -> u8 {
    let mut session = Session::new(config, Output::new(false)).connecting_on_demand();
    let command = match one {
        // Connecting shows the greeting: nothing else to run.
        OneShot::Connme => None,
        OneShot::Ls { dir } => Some(Command::Ls(dir)),
        OneShot::Size { name } => Some(Command::Size(name)),
        OneShot::Download { name, output } => Some(Command::Download { name, output }),
        OneShot::Upload { path, name } => Some(Command::Upload { path, name }),
        OneShot::Rm { name } => Some(Command::Rm(name)),
    };
    let result = session.run(command.unwrap_or(Command::Connme)).map(drop);
    session.close();
    match result {
        Ok(()) => EXIT_OK,
        Err(error) => {
            session.out().error(&error);
            error.exit_code()
        }
    }
}

/// Reads commands from stdin, one per line (spec.md section 17.1).
///
/// Nothing is connected before the first command: `connme` opens the
/// connection and reads the greeting without sending a `connme` line
/// (CLIENT-4); a script that starts with another command connects for it.
fn script(config: Config, keep_going: bool) -> u8 {
    let mut session = Session::new(config, Output::new(false)).connecting_on_demand();
    let mut status = EXIT_OK;
    let stdin = std::io::stdin().lock();
    for (index, line) in stdin.split(b'\n').enumerate() {
        let line = match line {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                let error = ClientError::local("cannot read stdin", e);
                session.out().error(&error);
                status = error.exit_code();
                break;
            }
        };
        let result = parse_line(&line)
            .and_then(|command| command.map_or(Ok(Flow::Continue), |c| session.run(c)));
        match result {
            Ok(Flow::Continue) => {}
            Ok(Flow::Leave) => break,
            Err(error) => {
                session
                    .out()
                    .note(&format!("line {}: {}", index + 1, line.trim()));
                session.out().error(&error);
                if status == EXIT_OK {
                    status = error.exit_code();
                }
                if !keep_going {
                    break;
                }
            }
        }
    }
    session.close();
    status
}
