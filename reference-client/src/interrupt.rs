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

/// `progress`, cancelled by Ctrl-C while its transfer runs.
pub fn on_ctrl_c<P: Progress>(progress: P) -> Interruptible<P> {
    Interruptible {
        inner: progress,
        transfer: None,
    }
}

/// See [`on_ctrl_c`].
pub struct Interruptible<P> {
    inner: P,
    /// Present from `begin` to `end`: the transfer Ctrl-C would stop.
    transfer: Option<Transfer>,
}

impl<P: Progress> Progress for Interruptible<P> {
    fn begin(&mut self, total: u64) {
        self.inner.begin(total);
        self.transfer = Some(Transfer::begin());
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
        self.transfer = None;
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
