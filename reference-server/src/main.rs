//! `reference-server`: command line, logging, binding and signals.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Parser;
use reference_server::storage::fs::FsStorage;
use reference_server::{Config, Context, Limits};

/// Connections the kernel queues before the server accepts them.
const LISTEN_BACKLOG: i32 = 4096;

/// The folder served when `--root` is not given; created if absent.
const DEFAULT_ROOT: &str = "mftp-root";

/// The reference mftp/1 file-transfer server (see spec.md).
///
/// Serves the files under --root to mftp/1 clients. Once listening it prints
/// one line on stdout, `listening on ADDR:PORT`, so that scripts started
/// with `--port 0` can find the port. Logs go to stderr.
#[derive(Debug, Parser)]
#[command(version, about, long_about)]
struct Args {
    /// Directory to serve; must exist. Without it, ./mftp-root is used
    /// (and created if absent).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,

    /// Address to listen on. The default serves this machine only; mftp/1
    /// has no authentication, so widen it only on a trusted network.
    #[arg(long, value_name = "ADDR", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    listen: IpAddr,

    /// TCP port; 0 picks a free one (printed on stdout).
    #[arg(long, default_value_t = mftp_protocol::DEFAULT_PORT)]
    port: u16,

    /// Clients served at once; further clients get `421` and are closed.
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,

    /// Seconds without input before a client gets `421` and is closed.
    #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout: u64,

    /// Largest upload accepted, in bytes; larger ones get `552`.
    #[arg(long, value_name = "N")]
    max_upload_bytes: Option<u64>,

    /// Refuse uploads and removals with `556`.
    #[arg(long)]
    read_only: bool,

    /// Seconds that commands in flight may run after SIGINT/SIGTERM.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    shutdown_grace: u64,

    /// Log filter: error, warn, info, debug or trace (or a tracing
    /// directive). RUST_LOG, when set, wins.
    #[arg(long, value_name = "LEVEL", default_value = "info")]
    log_level: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    init_logging(&args.log_level);
    match serve(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("reference-server: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only for a person at a terminal: never escape codes in a log
    // file or a journal.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .init();
}

fn open_root(args: &Args) -> anyhow::Result<(PathBuf, FsStorage)> {
    let root = match &args.root {
        Some(root) => {
            if !root.is_dir() {
                bail!(
                    "--root {}: not an existing directory; create it or pick another",
                    root.display()
                );
            }
            root.clone()
        }
        None => {
            let root = PathBuf::from(DEFAULT_ROOT);
            std::fs::create_dir_all(&root).with_context(|| {
                format!("cannot create the default root ./{DEFAULT_ROOT}; pass --root DIR")
            })?;
            root
        }
    };
    let storage = FsStorage::open(&root, args.read_only).with_context(|| {
        format!(
            "cannot open --root {}; check its permissions",
            root.display()
        )
    })?;
    Ok((root, storage))
}

/// Each client holds a socket and maybe a file: allow as many descriptors
/// as the hard limit does, so `--max-connections` is not cut short by a
/// small default soft limit.
fn raise_fd_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        let raised = rustix::process::Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if let Err(error) = setrlimit(Resource::Nofile, raised) {
            tracing::warn!(%error, "cannot raise the open-file limit");
        }
    }
}

fn serve(args: &Args) -> anyhow::Result<()> {
    raise_fd_limit();
    let (root, storage) = open_root(args)?;
    let storage = Arc::new(storage);
    let max_connections = usize::try_from(args.max_connections)?;
    // One thread runs the accept loop and the signals; each client gets a
    // thread of the blocking pool (see server.rs), so the pool must hold
    // them all.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(reference_server::server::blocking_threads(max_connections))
        .thread_name("mftp-conn")
        .build()?;
    let served = runtime.block_on(async {
        // Over a file-size limit (RLIMIT_FSIZE) the kernel sends SIGXFSZ,
        // whose default action kills the process. With a handler installed
        // (tokio keeps it for the life of the process) the write fails with
        // EFBIG instead, and the upload gets `451` like any write error.
        if let Err(error) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(
            rustix::process::Signal::XFSZ.as_raw(),
        )) {
            tracing::warn!(%error, "cannot catch SIGXFSZ; a file-size limit would stop the server");
        }
        let addr = SocketAddr::new(args.listen, args.port);
        let listener = std::net::TcpListener::bind(addr).with_context(|| {
            format!("cannot listen on {addr}; is another server using it? try another --port")
        })?;
        // std listens with a backlog of 128; a burst of thousands of
        // clients needs more (the kernel caps it at net.core.somaxconn).
        // Listening again only changes the backlog.
        if let Err(error) = rustix::net::listen(&listener, LISTEN_BACKLOG) {
            tracing::warn!(%error, "cannot raise the listen backlog");
        }
        let local = listener.local_addr()?;
        println!("listening on {local}");
        tracing::info!(%local, root = %root.display(), "serving");
        let ctx = Context {
            storage: Arc::clone(&storage) as _,
            limits: Arc::new(Limits {
                idle_timeout: Duration::from_secs(args.idle_timeout),
                max_upload_bytes: args.max_upload_bytes,
                read_only: args.read_only,
            }),
        };
        let config = Config {
            max_connections,
            shutdown_grace: Duration::from_secs(args.shutdown_grace),
        };
        reference_server::run(listener, ctx, config, stop_signal()).await;
        anyhow::Ok(())
    });
    // Connections still busy after the grace period are cut when the
    // process exits; their partial uploads are removed below.
    runtime.shutdown_timeout(Duration::from_secs(1));
    served?;
    let removed = storage.remove_partials();
    tracing::info!(removed_partial_uploads = removed, "stopped");
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn stop_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(error) => {
            tracing::warn!(%error, "cannot watch SIGTERM; only Ctrl-C stops the server");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
