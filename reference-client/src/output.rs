//! All printing: results on stdout, errors on stderr, progress bars on
//! stderr only when it is a terminal.

use std::io::{IsTerminal, Write};
use std::ops::ControlFlow;
use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mftp_protocol::{Entry, FileSize, Reply};

use crate::client::Progress;
use crate::error::ClientError;

/// A transfer shorter than this shows no bar ("longer than a moment").
const BAR_DELAY: Duration = Duration::from_millis(300);

/// Where and how results are shown.
pub struct Output {
    /// At the interactive prompt: a few extra words for a person (for
    /// example "(empty)" for an empty listing) that scripts do not want.
    interactive: bool,
}

impl Output {
    /// Output for the prompt (`interactive`) or for one-shot and scripts.
    #[must_use]
    pub fn new(interactive: bool) -> Self {
        Self { interactive }
    }

    /// The server's greeting after `connme`.
    pub fn greeting(&self, addr: &str, greeting: &Reply, already: bool) {
        let how = if already {
            "still connected to"
        } else {
            "connected to"
        };
        println!("{how} {addr}: {} {}", greeting.code, greeting.text);
    }

    /// A listing, one entry a line, directories ending with `/`.
    pub fn listing(&self, entries: &[Entry]) {
        let mut out = std::io::stdout().lock();
        if entries.is_empty() && self.interactive {
            let _ = writeln!(out, "(empty)");
        }
        for entry in entries {
            let mark = if entry.is_dir { "/" } else { "" };
            let _ = writeln!(out, "{}{mark}", entry.name);
        }
    }

    /// The answer to `size`, in MB as the server reports it.
    pub fn size(&self, name: &str, size: &FileSize) {
        println!("{name}: {} MB ({} bytes)", size.megabytes, size.bytes);
    }

    /// A finished download.
    pub fn downloaded(&self, name: &str, path: &Path, bytes: u64) {
        println!("downloaded {name} ({bytes} bytes) to {}", path.display());
    }

    /// A finished upload.
    pub fn uploaded(&self, path: &Path, name: &str, bytes: u64) {
        println!("uploaded {} as {name} ({bytes} bytes)", path.display());
    }

    /// A finished `rm`.
    pub fn removed(&self, name: &str) {
        println!("removed {name}");
    }

    /// After `byebye`.
    pub fn goodbye(&self, addr: &str) {
        println!("disconnected from {addr}");
    }

    /// A line of help or information.
    pub fn info(&self, text: &str) {
        println!("{text}");
    }

    /// A failed command, as one short line on stderr.
    pub fn error(&self, error: &ClientError) {
        match error {
            // Already reads "error 550: …".
            ClientError::Server { .. } => eprintln!("{error}"),
            _ => eprintln!("error: {error}"),
        }
    }

    /// The connection was dropped after a failure; at the prompt, say
    /// how to get it back.
    pub fn disconnected(&self, addr: &str) {
        if self.interactive {
            eprintln!("disconnected from {addr}; type 'connme' to connect again");
        }
    }

    /// A note on stderr (for example "the connection was lost").
    pub fn note(&self, text: &str) {
        eprintln!("{text}");
    }

    /// A progress display for one transfer.
    #[must_use]
    pub fn progress(&self, label: &str) -> TransferProgress {
        TransferProgress {
            label: label.to_owned(),
            enabled: std::io::stderr().is_terminal(),
            started: Instant::now(),
            total: 0,
            done: 0,
            bar: None,
        }
    }
}

/// A progress bar with bytes, rate and ETA, on stderr, that appears only
/// when a transfer takes longer than a moment and stderr is a terminal.
pub struct TransferProgress {
    label: String,
    enabled: bool,
    started: Instant,
    total: u64,
    done: u64,
    bar: Option<ProgressBar>,
}

impl Progress for TransferProgress {
    fn begin(&mut self, total: u64) {
        self.started = Instant::now();
        self.total = total;
        self.done = 0;
    }

    fn advance(&mut self, bytes: u64) -> ControlFlow<()> {
        self.done += bytes;
        if let Some(bar) = &self.bar {
            bar.set_position(self.done);
        } else if self.enabled && self.done < self.total && self.started.elapsed() >= BAR_DELAY {
            let bar = ProgressBar::with_draw_target(Some(self.total), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
            )
            .map(|s| s.progress_chars("=> "));
            if let Ok(style) = style {
                bar.set_style(style);
            }
            bar.set_message(self.label.clone());
            bar.set_position(self.done);
            self.bar = Some(bar);
        }
        ControlFlow::Continue(())
    }

    fn end(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
