//! Ctrl-C (and SIGTERM, SIGHUP) during a transfer abandons the transfer
//! cleanly, so that a download's temporary file is removed; at any other
//! time it ends the client as usual.
//!
//! The wire layer (`client.rs`) knows nothing of signals: a transfer stops
//! when its [`Progress`] says so. [`on_ctrl_c`] wraps a progress display
//! into one that marks the transfer in progress for the handler and says
//! stop once Ctrl-C was pressed.
//!
//! At the prompt itself rustyline reads Ctrl-C as a key (the terminal is in
//! raw mode), so the handler only runs while a command is working.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::client::Progress;

/// Exit status after an interrupt (128 + SIGINT), as shells report it.
pub const EXIT_INTERRUPTED: u8 = 130;

static IN_TRANSFER: AtomicBool = AtomicBool::new(false);
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Installs the handler; without it (if installing fails) Ctrl-C simply
/// ends the process.
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        if IN_TRANSFER.load(Ordering::SeqCst) {
            INTERRUPTED.store(true, Ordering::SeqCst);
        } else {
            std::process::exit(i32::from(EXIT_INTERRUPTED));
        }
    });
}

/// `progress`, cancelled by Ctrl-C from now until it is dropped. Create it
/// before the transfer's temporary file: a Ctrl-C that comes before the
/// first bytes (while the command is sent and its reply awaited) is then
/// kept, and stops the transfer at its first progress step, instead of
/// ending the process and leaving the file behind.
pub fn on_ctrl_c<P: Progress>(progress: P) -> Interruptible<P> {
    Interruptible {
        inner: progress,
        _transfer: Transfer::begin(),
    }
}

/// See [`on_ctrl_c`].
pub struct Interruptible<P> {
    inner: P,
    /// The transfer Ctrl-C would stop, for as long as this lives.
    _transfer: Transfer,
}

impl<P: Progress> Progress for Interruptible<P> {
    fn begin(&mut self, total: u64) {
        self.inner.begin(total);
    }

    fn advance(&mut self, bytes: u64) -> ControlFlow<()> {
        self.inner.advance(bytes)?;
        if INTERRUPTED.load(Ordering::SeqCst) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    fn end(&mut self) {
        self.inner.end();
    }
}

/// Marks a transfer in progress for as long as it lives.
struct Transfer(());

impl Transfer {
    /// A transfer begins.
    fn begin() -> Self {
        INTERRUPTED.store(false, Ordering::SeqCst);
        IN_TRANSFER.store(true, Ordering::SeqCst);
        Self(())
    }
}

impl Drop for Transfer {
    fn drop(&mut self) {
        IN_TRANSFER.store(false, Ordering::SeqCst);
    }
}
