//! The interop grid: every listed client against every listed server,
//! through one fixed script of real transfers, shown as a client × server
//! grid of pass and fail with the transcript of each failure.
//!
//! Where the suites judge one program against spec.md with a scripted
//! peer, this runs two real implementations against each other: each cell
//! starts the server on a fresh root (section 16's launch contract), puts a
//! recording proxy in front of it, and runs the client (section 17.1's) in
//! a fresh working directory, twice:
//!
//! ```text
//! session 1 (must succeed, exit status 0)     session 2 (must fail)
//! connme                                      connme
//! ls                                          size nope.txt
//! ls docs
//! size big.bin
//! download big.bin
//! download my file.txt
//! download café/naïve.bin
//! upload up.bin
//! upload ünï cødé.txt
//! rm hello.txt
//! ls
//! byebye
//! ```
//!
//! Then it checks what both sides hold: the files the client saved and the
//! files the server stored, byte for byte; what was removed; what the
//! client showed (the listing, the size, the error of session 2); and the
//! exit statuses. The proxy records both directions, so a failing cell
//! comes with its two-sided transcript, cut into replies, entries and data
//! as the transcript of a case is.
//!
//! [`run`] returns a [`Grid`]; [`Grid::terminal`], [`Grid::markdown`] and
//! [`Grid::html`] are pure views of it (the HTML a single self-contained
//! file, each failing cell a link to its transcript). `mftp-interop` is
//! the command line.
//!
//! # Layout
//! - this file: the plan, the result types, [`run`], the default plan;
//! - `cell.rs`: one cell: its fixture, the two sessions, the checks;
//! - `proxy.rs`: the recording proxy, and its transcript;
//! - `views.rs`: the terminal, Markdown and HTML views of a grid.

mod cell;
mod proxy;
mod views;

use crate::target::shell_quote;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// One implementation in the grid: a name for the grid and the command
/// line that starts it (a template: `{root}` and `{port}` for a server,
/// `{host}` and `{port}` for a client).
#[derive(Clone, Debug)]
pub struct Implementation {
    pub name: String,
    pub command: String,
}

impl Implementation {
    /// `NAME=TEMPLATE`, or a bare template named after its first word.
    ///
    /// # Errors
    /// An empty template.
    pub fn parse(arg: &str) -> Result<Implementation, String> {
        let (name, command) = match arg.split_once('=') {
            Some((n, c)) if !n.is_empty() && !n.contains(' ') => (n.to_string(), c.to_string()),
            _ => {
                let first = arg.split_whitespace().next().unwrap_or("");
                let name = Path::new(first.trim_matches('\''))
                    .file_name()
                    .map_or_else(|| first.to_string(), |n| n.to_string_lossy().into_owned());
                (name, arg.to_string())
            }
        };
        if command.trim().is_empty() {
            return Err(format!("{arg:?}: no command"));
        }
        Ok(Implementation { name, command })
    }
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Plan {
    pub clients: Vec<Implementation>,
    pub servers: Vec<Implementation>,
    /// Where server commands run (relative paths in them resolve here).
    pub base_dir: PathBuf,
    /// How long a server may take to accept connections.
    pub startup: Duration,
    /// How long one session of the client may take, transfers included.
    pub session: Duration,
}

/// One check of a cell.
#[derive(Clone, Debug)]
pub struct Check {
    pub what: String,
    pub ok: bool,
    /// For a failed check: what was expected and what happened.
    pub detail: String,
}

/// One client against one server.
#[derive(Clone, Debug)]
pub struct Cell {
    pub client: String,
    pub server: String,
    pub checks: Vec<Check>,
    /// Both sessions, both directions, as the proxy saw them.
    pub transcript: String,
    /// The client's stdout and stderr, per session.
    pub client_output: String,
    /// The last lines of the server's stderr.
    pub server_stderr: String,
    pub secs: f64,
}

impl Cell {
    #[must_use]
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }

    /// The failed checks.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.ok)
    }

    /// The anchor of its section in the Markdown and HTML views.
    #[must_use]
    pub fn anchor(&self) -> String {
        format!(
            "{}--{}",
            crate::case::slug(&self.client),
            crate::case::slug(&self.server)
        )
    }
}

/// The result: a cell per client and server, clients as rows.
#[derive(Clone, Debug)]
pub struct Grid {
    pub clients: Vec<String>,
    pub servers: Vec<String>,
    pub cells: Vec<Cell>,
    pub secs: f64,
}

/// Runs every client against every server, one cell after another.
#[must_use]
pub fn run(plan: &Plan) -> Grid {
    let started = Instant::now();
    let fixture = cell::Fixture::new();
    let mut cells = Vec::new();
    for client in &plan.clients {
        for server in &plan.servers {
            cells.push(cell::run_cell(plan, &fixture, client, server));
        }
    }
    Grid {
        clients: plan.clients.iter().map(|c| c.name.clone()).collect(),
        servers: plan.servers.iter().map(|s| s.name.clone()).collect(),
        cells,
        secs: started.elapsed().as_secs_f64(),
    }
}

/// The default implementations of the grid: the workspace's reference
/// client and server, and the bundled Python ones where `python3` runs
/// them (the Python client once `fixtures/python-client/client.py` is
/// there).
///
/// # Errors
/// The reference binaries cannot be found or built.
pub fn default_plan(base_dir: PathBuf) -> Result<Plan, String> {
    let server = crate::reference::reference_server_binary().map_err(|e| e.to_string())?;
    let client = crate::reference::reference_client_binary().map_err(|e| e.to_string())?;
    let q = |p: &Path| shell_quote(&p.to_string_lossy());
    let mut clients = vec![Implementation {
        name: "reference-client".into(),
        command: format!("{} --host {{host}} --port {{port}}", q(&client)),
    }];
    let mut servers = vec![Implementation {
        name: "reference-server".into(),
        command: format!("{} --root {{root}} --port {{port}}", q(&server)),
    }];
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    if let Some(py) = python3() {
        let server_py = fixtures.join("python-server/server.py");
        if server_py.is_file() {
            servers.push(Implementation {
                name: "python-server".into(),
                command: format!(
                    "{} {} --root {{root}} --port {{port}}",
                    q(&py),
                    q(&server_py)
                ),
            });
        }
        let client_py = fixtures.join("python-client/client.py");
        if client_py.is_file() {
            clients.push(Implementation {
                name: "python-client".into(),
                command: format!(
                    "{} {} --host {{host}} --port {{port}}",
                    q(&py),
                    q(&client_py)
                ),
            });
        }
    }
    Ok(Plan {
        clients,
        servers,
        base_dir,
        startup: Duration::from_secs(10),
        session: Duration::from_secs(60),
    })
}

/// The interpreter `python3` runs (its absolute path: a version manager's
/// shim would cost more than Python's own start), if it runs.
#[must_use]
pub fn python3() -> Option<PathBuf> {
    let out = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let exe = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !exe.is_empty()).then(|| PathBuf::from(exe))
}
