//! `mftp-interop`: every listed client against every listed server through
//! a fixed script of real transfers, as a client × server grid
//! (`conformance::client::interop`).
//!
//! ```text
//! mftp-interop                                  # reference and Python, clients × servers
//! mftp-interop --client 'alice=python3 /abs/alice/client.py --host {host} --port {port}' \
//!              --server 'bob=python3 bob/server.py --root {root} --port {port}' \
//!              --html interop.html --markdown interop.md
//! ```
//!
//! Exit status: 0 when every cell passes, 1 when one fails, 2 when the grid
//! could not be run (bad options, no reference binaries).

use conformance::client::interop::{self, Implementation};
use std::path::PathBuf;
use std::time::Duration;

const USAGE: &str = "\
usage: mftp-interop [--client [NAME=]TEMPLATE]... [--server [NAME=]TEMPLATE]...
                    [--html PATH] [--markdown PATH] [--session-timeout SECS]
                    [--startup-timeout SECS]

Runs every client against every server through two sessions of real
transfers and prints a client × server grid; --html and --markdown write it
with each failing cell linked to its transcript.

  --client T   a client, started as `sh -c T` in a fresh working directory
               with {host} and {port} replaced (spec.md section 17.1); give
               absolute paths in it
  --server T   a server, started as `sh -c T` in this directory with {root}
               and {port} replaced (spec.md section 16)
Without --client (or --server) the reference client (server) and the
bundled Python one, when python3 runs it, are used.

Exit status: 0 all green, 1 a cell fails, 2 the grid could not be run.";

fn main() {
    match run() {
        Ok(green) => std::process::exit(i32::from(!green)),
        Err(e) => {
            eprintln!("mftp-interop: {e}\n\n{USAGE}");
            std::process::exit(2);
        }
    }
}

fn run() -> Result<bool, String> {
    let base_dir = std::env::current_dir().map_err(|e| e.to_string())?;
    let mut plan = interop::default_plan(base_dir)?;
    let (mut clients, mut servers) = (Vec::new(), Vec::new());
    let (mut html, mut markdown) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--client" => clients.push(Implementation::parse(&value()?)?),
            "--server" => servers.push(Implementation::parse(&value()?)?),
            "--html" => html = Some(PathBuf::from(value()?)),
            "--markdown" => markdown = Some(PathBuf::from(value()?)),
            "--session-timeout" => plan.session = secs(&value()?)?,
            "--startup-timeout" => plan.startup = secs(&value()?)?,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if !clients.is_empty() {
        plan.clients = clients;
    }
    if !servers.is_empty() {
        plan.servers = servers;
    }
    let grid = interop::run(&plan);
    print!("{}", grid.terminal());
    if let Some(p) = html {
        std::fs::write(&p, grid.html()).map_err(|e| format!("{}: {e}", p.display()))?;
        println!("HTML: {}", p.display());
    }
    if let Some(p) = markdown {
        std::fs::write(&p, grid.markdown()).map_err(|e| format!("{}: {e}", p.display()))?;
        println!("Markdown: {}", p.display());
    }
    Ok(grid.passed())
}

fn secs(v: &str) -> Result<Duration, String> {
    v.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("expected a positive number of seconds, got {v:?}"))
}
