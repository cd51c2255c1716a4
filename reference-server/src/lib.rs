//! The reference mftp/1 server: complete against `spec.md`, confined to its
//! root, atomic on upload, bounded in memory.
//!
//! # Layout
//! - [`server`]: accept loop, connection limit (LIMIT-3), a task per
//!   client, graceful shutdown.
//! - `idle`: a client without a thread — greeted, then waiting in the event
//!   loop for input, its idle timer or the stop signal.
//! - `session`: a client with a thread — its commands, one after the
//!   other, until it goes quiet or ends.
//! - `connection`: one socket — framed command lines in, queued replies and
//!   `sendfile` data out, idle timeout (LIMIT-1), parking. I/O only.
//! - `cmd`: what each command means, one file per command.
//! - [`storage`]: the file operations behind a trait; [`storage::fs`] keeps
//!   every name inside the root with `cap-std` and links uploads into place.
//! - `shutdown`: the stop signal, and the registry of client sockets it
//!   reaches.
//!
//! Every wire form (command lines, reply lines, listing lines, the line
//! buffer) comes from `mftp_protocol`, shared with the client. Only
//! [`run`], its [`Config`] and [`Context`], and the [`storage`] behind it
//! are public: the binary needs nothing else.

mod cmd;
mod connection;
mod idle;
pub mod server;
mod session;
mod shutdown;
pub mod storage;

pub use cmd::{Context, Limits};
pub use server::{Config, run};
