//! `baseline-server`: a baseline server in a process of its own. The
//! reference server is a separate process from the benchmark client, and
//! on a VM a switch between processes costs more than one between threads
//! of one process: with client and server pinned to one CPU, two such
//! switches per round trip. A baseline that is a thread of the benchmark
//! would not pay them, and every small pinned ratio would charge them to
//! the server (measured in `benches/README.md`, "A baseline in its own
//! process").
//!
//! - `baseline-server echo`: the plain, threaded echo of `baseline/echo`,
//!   for `baseline/echo_process`;
//! - `baseline-server greeter`: the greeter of `baseline/connect`, which
//!   accepts, greets and closes;
//! - `baseline-server least-mftp DIR`: the least an mftp/1 server does for
//!   `download NAME` of a file in DIR (`benches::least_mftp`);
//! - `baseline-server transfer FILE...`: the raw transfer server of
//!   `baseline/download/<size>` and `baseline/upload/<size>`, serving
//!   downloads from the given files (see `benches::baseline`).
//!
//! Prints `listening on ADDR` on stdout, then serves until stdin closes
//! (its parent ended), so it never outlives the benchmark.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use benches::baseline::{BaselineServer, EchoServer, Greeter};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args_os().skip(1);
    let mode = args
        .next()
        .context("usage: baseline-server echo | greeter | least-mftp DIR | transfer FILE...")?;
    // Each kind is kept alive until stdin closes.
    let (addr, _server): (SocketAddr, Box<dyn std::any::Any>) = match mode.to_str() {
        Some("echo") => {
            let server = EchoServer::start()?;
            (server.addr(), Box::new(server))
        }
        Some("greeter") => {
            let server = Greeter::start()?;
            (server.addr(), Box::new(server))
        }
        Some("least-mftp") => {
            let dir = PathBuf::from(args.next().context("least-mftp needs a folder")?);
            let server = benches::least_mftp::LeastMftp::start(&dir)?;
            (server.addr(), Box::new(server))
        }
        Some("transfer") => {
            let files: Vec<PathBuf> = args.map(PathBuf::from).collect();
            let paths: Vec<&std::path::Path> = files.iter().map(PathBuf::as_path).collect();
            let server = BaselineServer::start(&paths)?;
            (server.addr(), Box::new(server))
        }
        _ => bail!("usage: baseline-server echo | greeter | least-mftp DIR | transfer FILE..."),
    };
    println!("listening on {addr}");
    let mut sink = String::new();
    while std::io::stdin().read_line(&mut sink)? > 0 {
        sink.clear();
    }
    Ok(())
}
