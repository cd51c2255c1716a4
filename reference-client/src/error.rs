//! Everything that can go wrong in a command, and the exit status each
//! kind of failure maps to (documented in `--help`, see `main.rs`).

use std::io;

/// Exit status: every command succeeded.
pub const EXIT_OK: u8 = 0;
/// Exit status: a command failed (server error reply or local error).
pub const EXIT_FAILED: u8 = 1;
/// Exit status: bad command line or unknown command.
pub const EXIT_USAGE: u8 = 2;
/// Exit status: could not connect, or the connection was lost.
pub const EXIT_CONNECTION: u8 = 3;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// A command that needs a connection was given before `connme`.
    #[error("not connected: type 'connme' to connect to {addr}")]
    NotConnected {
        /// The configured `host:port`.
        addr: String,
    },
    /// The TCP connection could not be opened.
    #[error("could not connect to {addr}: {source}")]
    Connect {
        /// The configured `host:port`.
        addr: String,
        /// What the operating system said.
        source: io::Error,
    },
    /// The server answered with an error reply (4xx or 5xx).
    #[error("error {code}: {} (server said: {text})", meaning(*code))]
    Server {
        /// The reply code.
        code: u16,
        /// The reply's free text, for the human.
        text: String,
    },
    /// The connection ended or stopped answering in the middle of a command.
    #[error("connection lost: {0}")]
    ConnectionLost(String),
    /// The server sent something mftp/1 does not allow; the connection is
    /// dropped because its state is unknown.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// A download would overwrite a local file.
    #[error("{path} already exists; remove it or use --force to overwrite it")]
    LocalExists {
        /// The local path.
        path: String,
    },
    /// A local file could not be read or written.
    #[error("{context}: {source}")]
    Local {
        /// What was being done, with the path.
        context: String,
        /// What the operating system said.
        source: io::Error,
    },
    /// A name that mftp/1 does not allow (spec.md section 4); not sent.
    #[error("name {name:?} not allowed: {reason}")]
    BadName {
        /// The name as typed.
        name: String,
        /// The rule it breaks.
        reason: String,
    },
    /// The transfer's progress hook cancelled it (Ctrl-C at the prompt);
    /// the connection is dropped.
    #[error("interrupted: {0} abandoned")]
    Cancelled(&'static str),
    /// A command line that could not be understood.
    #[error("{0}")]
    Usage(String),
}

impl ClientError {
    /// The process exit status for this failure.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            ClientError::NotConnected { .. }
            | ClientError::Connect { .. }
            | ClientError::ConnectionLost(_)
            | ClientError::Protocol(_) => EXIT_CONNECTION,
            // 421: the server is closing the connection (LIMIT-1, LIMIT-3).
            ClientError::Server { code: 421, .. } => EXIT_CONNECTION,
            ClientError::Usage(_) => EXIT_USAGE,
            ClientError::Cancelled(_) => crate::interrupt::EXIT_INTERRUPTED,
            ClientError::Server { .. }
            | ClientError::LocalExists { .. }
            | ClientError::Local { .. }
            | ClientError::BadName { .. } => EXIT_FAILED,
        }
    }

    /// A local I/O error with what was being done.
    pub fn local(context: impl Into<String>, source: io::Error) -> Self {
        ClientError::Local {
            context: context.into(),
            source,
        }
    }
}

/// A short human meaning of a reply code; unknown codes by their first
/// digit (spec.md section 15).
#[must_use]
pub fn meaning(code: u16) -> &'static str {
    match mftp_protocol::Code::from_number(code) {
        Some(known) => known.meaning(),
        None => match code / 100 {
            1 | 2 => "unexpected success reply",
            4 => "temporary failure",
            _ => "failed",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_read_as_one_line_with_the_code() {
        let err = ClientError::Server {
            code: 550,
            text: "no such file".to_owned(),
        };
        assert_eq!(
            err.to_string(),
            "error 550: no such file or directory (server said: no such file)"
        );
        assert_eq!(err.exit_code(), EXIT_FAILED);
    }

    #[test]
    fn unknown_codes_go_by_their_first_digit() {
        assert_eq!(meaning(499), "temporary failure");
        assert_eq!(meaning(599), "failed");
    }
}
