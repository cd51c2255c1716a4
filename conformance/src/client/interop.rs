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

use super::launch::{HOST, Running, Setup};
use crate::cases::random;
use crate::class::report::html::esc;
use crate::disk::{Node, tree};
use crate::options::{ClientSpec, ServerSpec};
use crate::runner::indent;
use crate::target::{POLL, Server, shell_quote, tail};
use crate::transcript::{Event, Log, render};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
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

/// The files of the fixed script.
struct Fixture {
    hello: Vec<u8>,
    my_file: Vec<u8>,
    naive: Vec<u8>,
    big: Vec<u8>,
    readme: Vec<u8>,
    up: Vec<u8>,
    text: Vec<u8>,
}

const TEXT_NAME: &str = "ünï cødé.txt";

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            hello: b"hello\n".to_vec(),
            my_file: b"a name with a space\n".to_vec(),
            naive: (0..=255u8).collect(),
            big: random(3 << 20, 3),
            readme: b"read me\n".to_vec(),
            up: random((1 << 20) + 7, 7),
            text: "h\u{e9}llo w\u{f6}rld \u{20ac}\u{1f600}\r\n"
                .as_bytes()
                .to_vec(),
        }
    }

    fn seed(&self, root: &Path, work: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(root.join("docs"))?;
        std::fs::create_dir_all(root.join("café"))?;
        std::fs::write(root.join("hello.txt"), &self.hello)?;
        std::fs::write(root.join("my file.txt"), &self.my_file)?;
        std::fs::write(root.join("café/naïve.bin"), &self.naive)?;
        std::fs::write(root.join("big.bin"), &self.big)?;
        std::fs::write(root.join("docs/readme.md"), &self.readme)?;
        std::fs::write(work.join("up.bin"), &self.up)?;
        std::fs::write(work.join(TEXT_NAME), &self.text)
    }
}

/// The script of session 1, which must succeed.
const SESSION: &str = "connme\nls\nls docs\nsize big.bin\ndownload big.bin\ndownload my file.txt\ndownload café/naïve.bin\nupload up.bin\nupload ünï cødé.txt\nrm hello.txt\nls\nbyebye\n";
/// The script of session 2, which must fail.
const FAILING: &str = "connme\nsize nope.txt\n";

/// Runs every client against every server, one cell after another.
#[must_use]
pub fn run(plan: &Plan) -> Grid {
    let started = Instant::now();
    let fixture = Fixture::new();
    let mut cells = Vec::new();
    for client in &plan.clients {
        for server in &plan.servers {
            cells.push(run_cell(plan, &fixture, client, server));
        }
    }
    Grid {
        clients: plan.clients.iter().map(|c| c.name.clone()).collect(),
        servers: plan.servers.iter().map(|s| s.name.clone()).collect(),
        cells,
        secs: started.elapsed().as_secs_f64(),
    }
}

/// Collects the checks of one cell.
#[derive(Default)]
struct Checks(Vec<Check>);

impl Checks {
    fn check(&mut self, what: impl Into<String>, result: Result<(), String>) -> bool {
        let ok = result.is_ok();
        self.0.push(Check {
            what: what.into(),
            ok,
            detail: result.err().unwrap_or_default(),
        });
        ok
    }
}

fn run_cell(
    plan: &Plan,
    fixture: &Fixture,
    client: &Implementation,
    server: &Implementation,
) -> Cell {
    let started = Instant::now();
    let mut checks = Checks::default();
    let log = Log::default();
    let mut client_output = String::new();
    let mut server_stderr = String::new();
    let outcome = (|| -> Result<(), String> {
        let dir = tempfile::Builder::new()
            .prefix("mftp-interop-")
            .tempdir()
            .map_err(|e| format!("temp dir: {e}"))?;
        let (root, work, home) = (
            dir.path().join("root"),
            dir.path().join("work"),
            dir.path().join("home"),
        );
        for d in [&root, &work, &home] {
            std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        fixture
            .seed(&root, &work)
            .map_err(|e| format!("fixture: {e}"))?;
        let spec = ServerSpec::Template(server.command.clone());
        let mut srv =
            match Server::start(&spec, &plan.base_dir, &root, dir.path(), &[], plan.startup) {
                Ok(s) => s,
                Err(e) => {
                    checks.check("the server starts (LAUNCH-1)", Err(e.to_string()));
                    return Ok(());
                }
            };
        srv.spare = None;
        let client_spec = ClientSpec::Template(client.command.clone());
        let session = |n: usize, script: &str, out: &mut String| -> Result<Option<i32>, String> {
            let proxy =
                Proxy::start(srv.port, n, log.clone()).map_err(|e| format!("proxy: {e}"))?;
            let stdin = dir.path().join(format!("stdin-{n}.txt"));
            std::fs::write(&stdin, script).map_err(|e| format!("{e}"))?;
            let tag = format!("client-{n}");
            let setup = Setup {
                work: &work,
                home: &home,
                stdin: &stdin,
                log_dir: dir.path(),
                tag: &tag,
            };
            log.note(format!(
                "session {n}: {}",
                script.trim_end().replace('\n', " / ")
            ));
            let mut running = Running::start(&client_spec, &setup, proxy.port, &[])
                .map_err(|e| format!("could not start the client: {e}"))?;
            let status = running.wait_exit(plan.session);
            proxy.finish();
            let _ = writeln!(
                out,
                "session {n}, stdout:\n{}\nsession {n}, stderr:\n{}",
                indent(&tail(&dir.path().join(format!("{tag}.stdout")), 40)),
                indent(&tail(&dir.path().join(format!("{tag}.stderr")), 40))
            );
            match status {
                Some(st) => Ok(Some(st.code().unwrap_or(-1))),
                None => Ok(None),
            }
        };

        let status = session(1, SESSION, &mut client_output)?;
        let output_1 = read_output(dir.path(), "client-1");
        let finished = checks.check(
            format!("session 1 ends within {} s", plan.session.as_secs()),
            status
                .map(drop)
                .ok_or_else(|| "the client was still running and was killed".to_string()),
        );
        if finished {
            checks.check(
                "session 1 exits with status 0 (CLIENT-2)",
                match status {
                    Some(0) => Ok(()),
                    other => Err(format!("exit status {}", other.unwrap_or(-1))),
                },
            );
        }
        let saved: [(&str, &[u8]); 5] = [
            ("big.bin", &fixture.big),
            ("my file.txt", &fixture.my_file),
            ("naïve.bin", &fixture.naive),
            ("up.bin", &fixture.up),
            (TEXT_NAME, &fixture.text),
        ];
        checks.check(
            "downloads saved intact, local files unchanged, nothing else left (CLIENT-17, DOWNLOAD-1)",
            same_tree(&work, "the client's working directory", &saved),
        );
        let stored: [(&str, &[u8]); 6] = [
            ("big.bin", &fixture.big),
            ("my file.txt", &fixture.my_file),
            ("café/naïve.bin", &fixture.naive),
            ("docs/readme.md", &fixture.readme),
            ("up.bin", &fixture.up),
            (TEXT_NAME, &fixture.text),
        ];
        checks.check(
            "uploads stored intact, hello.txt removed (CLIENT-16, UPLOAD-4, RM-1)",
            same_tree(&root, "the server's root", &stored),
        );
        checks.check(
            "the listings and the size are shown (CLIENT-12, CLIENT-13)",
            shown(&output_1, &["docs/", "big.bin", "my file.txt", "readme.md"])
                .and_then(|()| shown_any(&output_1, &["3145728", "3.00"])),
        );

        let status = session(2, FAILING, &mut client_output)?;
        let output_2 = read_output(dir.path(), "client-2");
        checks.check(
            "session 2 (size of a missing file) exits non-zero and shows the 550 (CLIENT-2, CLIENT-8, SIZE-3)",
            match status {
                None => Err("the client was still running and was killed".into()),
                Some(0) => Err("exit status 0".into()),
                Some(_) => shown_any(&output_2, &["550"]),
            },
        );
        if let Some(st) = srv.exit_status() {
            checks.check(
                "the server keeps running (CONC-2)",
                Err(format!("it exited: {}", crate::target::describe_status(st))),
            );
        }
        server_stderr = srv.stderr_tail(12);
        Ok(())
    })();
    if let Err(e) = outcome {
        checks.check("the cell could be run", Err(e));
    }
    Cell {
        client: client.name.clone(),
        server: server.name.clone(),
        checks: checks.0,
        transcript: render(&log.events(), false),
        client_output,
        server_stderr,
        secs: started.elapsed().as_secs_f64(),
    }
}

fn read_output(dir: &Path, tag: &str) -> String {
    let mut s = std::fs::read_to_string(dir.join(format!("{tag}.stdout"))).unwrap_or_default();
    s.push('\n');
    s.push_str(&std::fs::read_to_string(dir.join(format!("{tag}.stderr"))).unwrap_or_default());
    s
}

fn shown(output: &str, needles: &[&str]) -> Result<(), String> {
    match needles.iter().find(|n| !output.contains(**n)) {
        None => Ok(()),
        Some(n) => Err(format!("the client's output does not contain {n:?}")),
    }
}

fn shown_any(output: &str, needles: &[&str]) -> Result<(), String> {
    if needles.iter().any(|n| output.contains(n)) {
        Ok(())
    } else {
        Err(format!("the client's output contains none of {needles:?}"))
    }
}

/// `dir` holds exactly the files `want` (and their directories), with
/// these contents; server-reserved `.mftp*` directories are allowed.
fn same_tree(dir: &Path, label: &str, want: &[(&str, &[u8])]) -> Result<(), String> {
    let mut problems = Vec::new();
    for (name, bytes) in want {
        match std::fs::read(dir.join(name)) {
            Ok(got) if got == *bytes => {}
            Ok(got) => problems.push(format!(
                "{name}: {} bytes, expected {} (first difference at offset {})",
                got.len(),
                bytes.len(),
                got.iter()
                    .zip(bytes.iter())
                    .position(|(a, b)| a != b)
                    .unwrap_or(got.len().min(bytes.len()))
            )),
            Err(e) => problems.push(format!("{name}: {e}")),
        }
    }
    let expected: BTreeMap<String, ()> = want
        .iter()
        .flat_map(|(name, _)| {
            let mut parts = Vec::new();
            let mut at = String::new();
            for c in name.split('/') {
                if !at.is_empty() {
                    at.push('/');
                }
                at.push_str(c);
                parts.push((at.clone(), ()));
            }
            parts
        })
        .collect();
    for (name, node) in tree(dir) {
        let reserved = crate::model::is_reserved(&name) && node == Node::Dir;
        if !expected.contains_key(&name) && !reserved {
            problems.push(format!("unexpected entry {name:?}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("in {label}: {}", problems.join("; ")))
    }
}

/// Which way bytes went through the proxy.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Way {
    /// Client to server.
    Up,
    /// Server to client.
    Down,
}

/// What the proxy saw, in order.
enum Seen {
    Bytes(Way, Vec<u8>),
    /// That side closed its sending direction.
    End(Way),
}

/// A TCP proxy on 127.0.0.1 in front of a server, recording both
/// directions of the one connection it serves. Every thread it starts
/// ends when [`Proxy::finish`] shuts its sockets down.
struct Proxy {
    port: u16,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    pumps: Arc<Mutex<Vec<JoinHandle<()>>>>,
    conn: usize,
    log: Log,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Proxy {
    fn start(server_port: u16, conn: usize, log: Log) -> std::io::Result<Proxy> {
        let listener = TcpListener::bind((HOST, 0))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let stop = Arc::new(AtomicBool::new(false));
        let streams: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let pumps: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let acceptor = {
            let (stop, streams, seen, pumps) =
                (stop.clone(), streams.clone(), seen.clone(), pumps.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let Ok((client, _)) = listener.accept() else {
                        std::thread::sleep(POLL);
                        continue;
                    };
                    let Ok(server) = TcpStream::connect((HOST, server_port)) else {
                        let _ = client.shutdown(Shutdown::Both);
                        continue;
                    };
                    let _ = client.set_nonblocking(false);
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
                        continue;
                    };
                    lock(&streams).extend(
                        [client.try_clone(), server.try_clone()]
                            .into_iter()
                            .flatten(),
                    );
                    let up = pump(client, server, Way::Up, seen.clone());
                    let down = pump(s2, c2, Way::Down, seen.clone());
                    lock(&pumps).extend([up, down]);
                }
            })
        };
        Ok(Proxy {
            port,
            stop,
            acceptor: Some(acceptor),
            streams,
            seen,
            pumps,
            conn,
            log,
        })
    }

    /// Stops the proxy and logs what it saw as transcript events.
    fn finish(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(a) = self.acceptor.take() {
            let _ = a.join();
        }
        for s in lock(&self.streams).iter() {
            let _ = s.shutdown(Shutdown::Both);
        }
        let pumps = std::mem::take(&mut *lock(&self.pumps));
        for p in pumps {
            let _ = p.join();
        }
        let seen = std::mem::take(&mut *lock(&self.seen));
        for e in transcript(&seen, self.conn) {
            self.log.push(e);
        }
    }
}

/// Copies `from` to `to`, recording each chunk before forwarding it.
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    way: Way,
    seen: Arc<Mutex<Vec<Seen>>>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => {
                    lock(&seen).push(Seen::End(way));
                    let _ = to.shutdown(Shutdown::Write);
                    return;
                }
                Ok(n) => {
                    lock(&seen).push(Seen::Bytes(way, buf[..n].to_vec()));
                    if to.write_all(&buf[..n]).is_err() {
                        let _ = from.shutdown(Shutdown::Both);
                        return;
                    }
                }
            }
        }
    })
}

/// Cuts what the proxy saw into transcript events: command lines and
/// upload data from the client; reply lines, listing entries and download
/// data from the server (the `150` after a `download` or `upload` and the
/// `200 n` of a listing say how many bytes or lines follow).
fn transcript(seen: &[Seen], conn: usize) -> Vec<Event> {
    #[derive(PartialEq)]
    enum Last {
        Download,
        Upload,
        Other,
    }
    let mut out = Vec::new();
    let (mut up_line, mut down_line) = (Vec::new(), Vec::new());
    let (mut up_data, mut down_data, mut entries) = (0u64, 0u64, 0u64);
    let (mut up_count, mut down_count) = (0usize, 0usize);
    let mut last = Last::Other;
    for s in seen {
        match s {
            Seen::Bytes(Way::Up, bytes) => {
                let mut rest = bytes.as_slice();
                while !rest.is_empty() {
                    if up_data > 0 {
                        let k = usize::try_from(up_data)
                            .unwrap_or(usize::MAX)
                            .min(rest.len());
                        up_data -= k as u64;
                        up_count += k;
                        rest = &rest[k..];
                        if up_data == 0 {
                            out.push(Event::SentData { conn, n: up_count });
                            up_count = 0;
                        }
                        continue;
                    }
                    let Some(i) = rest.iter().position(|&b| b == b'\n') else {
                        up_line.extend_from_slice(rest);
                        break;
                    };
                    up_line.extend_from_slice(&rest[..=i]);
                    rest = &rest[i + 1..];
                    let verb = up_line.split(|&b| b == b' ').next().unwrap_or(b"");
                    last = if verb.eq_ignore_ascii_case(b"download") {
                        Last::Download
                    } else if verb.eq_ignore_ascii_case(b"upload") {
                        Last::Upload
                    } else {
                        Last::Other
                    };
                    out.push(Event::Sent {
                        conn,
                        bytes: std::mem::take(&mut up_line),
                        how: None,
                    });
                }
            }
            Seen::Bytes(Way::Down, bytes) => {
                let mut rest = bytes.as_slice();
                while !rest.is_empty() {
                    if down_data > 0 {
                        let k = usize::try_from(down_data)
                            .unwrap_or(usize::MAX)
                            .min(rest.len());
                        down_data -= k as u64;
                        down_count += k;
                        rest = &rest[k..];
                        if down_data == 0 {
                            out.push(Event::Data {
                                conn,
                                n: down_count,
                            });
                            down_count = 0;
                        }
                        continue;
                    }
                    let Some(i) = rest.iter().position(|&b| b == b'\n') else {
                        down_line.extend_from_slice(rest);
                        break;
                    };
                    down_line.extend_from_slice(&rest[..=i]);
                    rest = &rest[i + 1..];
                    let raw = std::mem::take(&mut down_line);
                    if entries > 0 {
                        entries -= 1;
                        out.push(Event::Entry { conn, raw });
                        continue;
                    }
                    let text = String::from_utf8_lossy(&raw);
                    let mut words = text.trim_end().split(' ');
                    let code = words.next().unwrap_or("");
                    let n = words
                        .next()
                        .and_then(|w| w.parse::<u64>().ok())
                        .unwrap_or(0);
                    match code {
                        "150" if last == Last::Download => down_data = n,
                        "150" if last == Last::Upload => up_data = n,
                        "200" => entries = n,
                        _ => {}
                    }
                    out.push(Event::Reply { conn, raw });
                }
            }
            Seen::End(way) => {
                if *way == Way::Up && up_count > 0 {
                    out.push(Event::SentData { conn, n: up_count });
                    up_count = 0;
                }
                if *way == Way::Down && down_count > 0 {
                    out.push(Event::Data {
                        conn,
                        n: down_count,
                    });
                    down_count = 0;
                }
                let partial = if *way == Way::Up {
                    &mut up_line
                } else {
                    &mut down_line
                };
                if !partial.is_empty() {
                    let bytes = std::mem::take(partial);
                    out.push(if *way == Way::Up {
                        Event::Sent {
                            conn,
                            bytes,
                            how: Some("no LF".into()),
                        }
                    } else {
                        Event::Reply { conn, raw: bytes }
                    });
                }
                out.push(if *way == Way::Up {
                    Event::Hangup { conn }
                } else {
                    Event::Closed { conn }
                });
            }
        }
    }
    out
}

impl Grid {
    /// Whether every cell passed.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.cells.iter().all(Cell::passed)
    }

    /// The cell of `client` and `server`.
    #[must_use]
    pub fn cell(&self, client: &str, server: &str) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|c| c.client == client && c.server == server)
    }

    fn mark(&self, client: &str, server: &str) -> (bool, String) {
        match self.cell(client, server) {
            Some(c) if c.passed() => (true, "pass".into()),
            Some(c) => (false, format!("FAIL ({})", c.failures().count())),
            None => (false, "-".into()),
        }
    }

    /// The grid for the terminal, then every failure with its checks and
    /// transcript.
    #[must_use]
    pub fn terminal(&self) -> String {
        let mut s = String::new();
        let corner = "client \\ server";
        let width = self
            .clients
            .iter()
            .map(|c| c.chars().count())
            .chain([corner.len()])
            .max()
            .unwrap_or(0)
            + 2;
        let column = self
            .servers
            .iter()
            .map(|c| c.chars().count())
            .chain(["FAIL (99)".len()])
            .max()
            .unwrap_or(0)
            + 2;
        let _ = writeln!(
            s,
            "\ninterop: {} client(s) × {} server(s), two sessions of real transfers each ({:.1} s)\n",
            self.clients.len(),
            self.servers.len(),
            self.secs
        );
        let _ = write!(s, "{corner:width$}");
        for srv in &self.servers {
            let _ = write!(s, "{srv:column$}");
        }
        s.truncate(s.trim_end().len());
        s.push('\n');
        for cl in &self.clients {
            let _ = write!(s, "{cl:width$}");
            for srv in &self.servers {
                let _ = write!(s, "{:column$}", self.mark(cl, srv).1);
            }
            s.truncate(s.trim_end().len());
            s.push('\n');
        }
        for c in self.cells.iter().filter(|c| !c.passed()) {
            let _ = writeln!(s, "\nFAIL {} × {}:", c.client, c.server);
            for f in c.failures() {
                let _ = writeln!(s, "  {}\n    {}", f.what, f.detail);
            }
            let _ = writeln!(
                s,
                "  transcript (C: the client, S: the server):\n{}",
                indent(&indent(&c.transcript))
            );
        }
        let _ = writeln!(
            s,
            "\n{}",
            if self.passed() {
                "interop: all green"
            } else {
                "interop: FAILURES (see above)"
            }
        );
        s
    }

    /// The grid as Markdown: a table whose failing cells link to a section
    /// with the checks and the transcript.
    #[must_use]
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# mftp/1 interop: clients × servers\n");
        let _ = writeln!(
            s,
            "Each cell runs the client against the server through two sessions of real transfers (listings, sizes, downloads and uploads up to 3 MiB, names with spaces and UTF-8, a remove, an error); {:.1} s in all.\n",
            self.secs
        );
        let _ = write!(s, "| client \\ server |");
        for srv in &self.servers {
            let _ = write!(s, " {} |", md_cell(srv));
        }
        let _ = write!(s, "\n|---|");
        for _ in &self.servers {
            s.push_str("---|");
        }
        s.push('\n');
        for cl in &self.clients {
            let _ = write!(s, "| {} |", md_cell(cl));
            for srv in &self.servers {
                let text = match self.cell(cl, srv) {
                    Some(c) if c.passed() => "✅ pass".to_string(),
                    Some(c) => format!("❌ [FAIL ({})](#{})", c.failures().count(), c.anchor()),
                    None => "-".into(),
                };
                let _ = write!(s, " {text} |");
            }
            s.push('\n');
        }
        for c in self.cells.iter().filter(|c| !c.passed()) {
            let _ = writeln!(
                s,
                "\n<a id=\"{}\"></a>\n## {} × {}\n",
                c.anchor(),
                md_cell(&c.client),
                md_cell(&c.server)
            );
            for f in c.failures() {
                let _ = writeln!(s, "- **{}**: {}", md_cell(&f.what), md_cell(&f.detail));
            }
            let _ = writeln!(
                s,
                "\nTranscript (`C:` the client, `S:` the server):\n\n```text\n{}```\n\nClient output:\n\n```text\n{}```\n\nServer stderr (last lines):\n\n```text\n{}\n```",
                fence_safe(&c.transcript),
                fence_safe(&c.client_output),
                fence_safe(&c.server_stderr)
            );
        }
        s
    }

    /// The grid as one self-contained HTML page (inline CSS, no scripts, no
    /// network): a table whose failing cells link to their section.
    #[must_use]
    pub fn html(&self) -> String {
        let mut s = String::new();
        s.push_str(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>mftp/1 interop</title>\n<style>\n\
             body{font-family:system-ui,sans-serif;margin:2em;color:#222}\n\
             table{border-collapse:collapse}\n\
             th,td{border:1px solid #999;padding:.4em .8em;text-align:center}\n\
             th.row{text-align:left}\n\
             td.pass{background:#d8f5d0}\n\
             td.fail{background:#f9d0d0;font-weight:bold}\n\
             pre{background:#f4f4f4;padding:.6em;overflow-x:auto;font-size:90%}\n\
             section{margin-top:2em;border-top:2px solid #c33;padding-top:.5em}\n\
             </style>\n</head>\n<body>\n<h1>mftp/1 interop: clients × servers</h1>\n",
        );
        let _ = writeln!(
            s,
            "<p>Each cell runs the client against the server through two sessions of real transfers; {:.1}&nbsp;s in all. <strong id=\"verdict\">{}</strong></p>",
            self.secs,
            if self.passed() {
                "All green."
            } else {
                "Failures below."
            }
        );
        s.push_str("<table id=\"grid\">\n<tr><th>client \\ server</th>");
        for srv in &self.servers {
            let _ = write!(s, "<th>{}</th>", esc(srv));
        }
        s.push_str("</tr>\n");
        for cl in &self.clients {
            let _ = write!(s, "<tr><th class=\"row\">{}</th>", esc(cl));
            for srv in &self.servers {
                match self.cell(cl, srv) {
                    Some(c) if c.passed() => {
                        let _ = write!(s, "<td class=\"pass\">pass</td>");
                    }
                    Some(c) => {
                        let _ = write!(
                            s,
                            "<td class=\"fail\"><a href=\"#{}\">FAIL ({})</a></td>",
                            c.anchor(),
                            c.failures().count()
                        );
                    }
                    None => s.push_str("<td>-</td>"),
                }
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</table>\n");
        for c in self.cells.iter().filter(|c| !c.passed()) {
            let _ = writeln!(
                s,
                "<section id=\"{}\">\n<h2>{} × {}</h2>\n<ul>",
                c.anchor(),
                esc(&c.client),
                esc(&c.server)
            );
            for f in c.failures() {
                let _ = writeln!(
                    s,
                    "<li><strong>{}</strong>: {}</li>",
                    esc(&f.what),
                    esc(&f.detail)
                );
            }
            let _ = writeln!(
                s,
                "</ul>\n<h3>Transcript (C: the client, S: the server)</h3>\n<pre>{}</pre>\n<h3>Client output</h3>\n<pre>{}</pre>\n<h3>Server stderr (last lines)</h3>\n<pre>{}</pre>\n</section>",
                esc(&c.transcript),
                esc(&c.client_output),
                esc(&c.server_stderr)
            );
        }
        s.push_str("</body>\n</html>\n");
        s
    }
}

/// Text for a Markdown table cell or list item: `|` and newlines escaped.
fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Text for a fenced block: a line of three backticks cannot end it.
fn fence_safe(s: &str) -> String {
    s.replace("```", "`\u{200b}``")
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
