//! Tells every connection that the server is stopping.
//!
//! The server holds a [`tokio::sync::watch`] sender; each connection holds a
//! [`Shutdown`] and checks it whenever it waits for a new command, so
//! commands in flight finish and idle connections are told `421`.

use tokio::sync::watch;

/// A connection's view of the stop signal.
#[derive(Debug, Clone)]
pub struct Shutdown {
    receiver: watch::Receiver<bool>,
}

impl Shutdown {
    /// Wraps the receiving end of the server's stop channel.
    #[must_use]
    pub fn new(receiver: watch::Receiver<bool>) -> Self {
        Self { receiver }
    }

    /// True once the server has been told to stop.
    #[must_use]
    pub fn is_stopping(&self) -> bool {
        *self.receiver.borrow()
    }

    /// Completes when the server is told to stop (at once if it already
    /// has, or if the server is gone).
    pub async fn stopping(&mut self) {
        let _ = self.receiver.wait_for(|stop| *stop).await;
    }
}
