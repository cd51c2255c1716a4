//! The scripted server a client case plays: a listener on 127.0.0.1:0
//! ([`Stage`]) and one accepted connection seen from the server's side
//! ([`Peer`]): it reads the client's command lines and upload data, and
//! sends what the case says ([`Out`]) in the pieces it says ([`Pieces`]).
//!
//! The bytes are moved by [`wire::Conn`](crate::wire::Conn), the server
//! suite's deadline-bounded connection, whose own log (written from a
//! client's side) is discarded here: a `Peer` logs from the server's side
//! into the case's log, so that the transcript reads as in the server
//! suite, `C:` the client (now the program graded) and `S:` the server
//! (now the suite):
//!
//! ```text
//! S: 220 mftp/1 ready
//! C: upload 5 notes.txt
//! S: 150 5
//! C: <5 bytes>
//! S: 226 5
//! ```
//!
//! Every read has a deadline (one step unless a case says otherwise), so a
//! client that hangs fails one case instead of hanging the run. Like
//! `wire.rs`, this module names a clause only where the caller passes one.
//!
//! # Layout
//! - this file: the listener ([`Stage`]) and how a wait for the client
//!   ends ([`Arrival`]);
//! - `out.rs`: what the server sends ([`Out`]) and in which writes
//!   ([`Pieces`]);
//! - `peer.rs`: one connection ([`Peer`]): sending, and reading a line;
//! - `judge.rs`: what the client sends, judged against what a case
//!   expects (command lines, upload data, silence, the end of a session).

mod judge;
mod out;
mod peer;

pub use judge::{Next, is_command};
pub use out::{APART, GAP, Out, Pieces};
pub use peer::{End, Peer};

use crate::target::POLL;
use std::io;
use std::net::{TcpListener, TcpStream};
use std::process::ExitStatus;
use std::time::Instant;

/// The listening socket of one run of the client.
pub struct Stage {
    listener: TcpListener,
    pub port: u16,
}

/// How a wait for the client's connection ended.
pub enum Arrival {
    Connected(TcpStream),
    /// The client exited without connecting.
    Exited(ExitStatus),
    TimedOut,
}

impl Stage {
    /// Listens on a fresh port of 127.0.0.1.
    ///
    /// # Errors
    /// The socket could not be bound.
    pub fn bind() -> io::Result<Stage> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        Ok(Stage { listener, port })
    }

    /// Waits until `deadline` for the client to connect, asking `exited`
    /// whether it has exited meanwhile.
    pub fn accept(
        &self,
        deadline: Instant,
        exited: &mut dyn FnMut() -> Option<ExitStatus>,
    ) -> Arrival {
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    if stream.set_nonblocking(false).is_ok() {
                        return Arrival::Connected(stream);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => {}
            }
            if let Some(status) = exited() {
                // One last look: it may have connected and exited since.
                if let Ok((stream, _)) = self.listener.accept()
                    && stream.set_nonblocking(false).is_ok()
                {
                    return Arrival::Connected(stream);
                }
                return Arrival::Exited(status);
            }
            if Instant::now() >= deadline {
                return Arrival::TimedOut;
            }
            std::thread::sleep(POLL);
        }
    }

    /// Whether another connection is waiting to be accepted (and takes it,
    /// so that it is closed).
    #[must_use]
    pub fn another_connection(&self) -> bool {
        self.listener.accept().is_ok()
    }
}
