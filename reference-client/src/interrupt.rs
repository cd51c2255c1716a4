//! Ctrl-C (and SIGTERM, SIGHUP) during a transfer abandons the transfer
//! cleanly, so that a download's temporary file is removed; at any other
//! time it ends the client as usual.
//!
//! At the prompt itself rustyline reads Ctrl-C as a key (the terminal is in
//! raw mode), so the handler only runs while a command is working.

use std::sync::atomic::{AtomicBool, Ordering};

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

/// True once Ctrl-C was pressed during the current transfer.
pub fn requested() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Marks a transfer in progress for as long as it lives.
pub struct Transfer(());

impl Transfer {
    /// A transfer begins.
    #[must_use]
    pub fn begin() -> Self {
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
