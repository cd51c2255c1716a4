//! The test context: a temp dir with the server's root, a local working
//! directory and a home, and a running server that is killed on drop.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

use tempfile::TempDir;

/// How long a server may take to print its `listening on` line.
const SERVER_START: Duration = Duration::from_secs(30);

/// The client under test.
pub fn client_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_reference-client"))
}

/// The one place that decides which server the tests run against.
///
/// The workspace's `reference-server`, found beside the client's binary
/// (cargo only exposes `CARGO_BIN_EXE_` for the crate's own binaries) and
/// built once if it is missing. `MFTP_TEST_SERVER` may name another
/// server command (words split at blanks, for example
/// `python3 conformance/fixtures/python-server/server.py`); it is then
/// started as `COMMAND --root DIR --port 0`.
fn server_command() -> Command {
    if let Some(custom) = std::env::var("MFTP_TEST_SERVER")
        .ok()
        .filter(|s| !s.trim().is_empty())
    {
        let mut words = custom.split_whitespace();
        let mut command = Command::new(words.next().expect("a non-empty command"));
        command.args(words);
        return command;
    }
    Command::new(reference_server())
}

fn reference_server() -> &'static Path {
    static SERVER: OnceLock<PathBuf> = OnceLock::new();
    SERVER.get_or_init(|| {
        let dir = client_bin()
            .parent()
            .expect("the client binary lives in a directory")
            .to_owned();
        let server = dir.join(format!("reference-server{}", std::env::consts::EXE_SUFFIX));
        if !server.exists() {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
            let status = Command::new(cargo)
                .args(["build", "-p", "reference-server"])
                .status()
                .expect("run cargo build -p reference-server");
            assert!(status.success(), "cargo build -p reference-server failed");
        }
        server
    })
}

/// A running server and the directories of one test.
pub struct Ctx {
    tmp: TempDir,
    server: Option<Child>,
    /// The port the server listens on (127.0.0.1).
    pub port: u16,
}

impl Ctx {
    /// Starts a server on an empty root.
    pub fn new() -> Self {
        let tmp = TempDir::new().expect("temp dir");
        for dir in ["root", "local", "home"] {
            std::fs::create_dir(tmp.path().join(dir)).expect("create test dirs");
        }
        let mut command = server_command();
        command
            .arg("--root")
            .arg(tmp.path().join("root"))
            .args(["--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut server = command.spawn().expect("start the server");
        let stdout = server.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        // Read the first line with a deadline, then keep draining so that
        // the server never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        let line = match rx.recv_timeout(SERVER_START) {
            Ok(line) => line,
            Err(e) => {
                let _ = server.kill();
                let _ = server.wait();
                panic!("server did not say 'listening on' within {SERVER_START:?}: {e}");
            }
        };
        let port = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|addr| addr.rsplit_once(':'))
            .and_then(|(_, port)| port.parse().ok());
        let Some(port) = port else {
            let _ = server.kill();
            let _ = server.wait();
            panic!("unexpected first line from the server: {line:?}");
        };
        Self {
            tmp,
            server: Some(server),
            port,
        }
    }

    /// The server's root.
    pub fn root(&self) -> PathBuf {
        self.tmp.path().join("root")
    }

    /// The client's working directory.
    pub fn local(&self) -> PathBuf {
        self.tmp.path().join("local")
    }

    /// `$HOME` for the client (its history file goes below it, in
    /// `.local/share/mftp/`: `XDG_DATA_HOME` is not passed on).
    pub fn home(&self) -> PathBuf {
        self.tmp.path().join("home")
    }

    /// Writes a file under the server's root.
    pub fn put(&self, name: &str, bytes: &[u8]) {
        write(&self.root().join(name), bytes);
    }

    /// Makes a directory under the server's root.
    pub fn mkdir(&self, name: &str) {
        std::fs::create_dir_all(self.root().join(name)).expect("mkdir under root");
    }

    /// Writes a file in the client's working directory.
    pub fn put_local(&self, name: &str, bytes: &[u8]) {
        write(&self.local().join(name), bytes);
    }

    /// A file under the server's root.
    pub fn root_file(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.root().join(name)).expect("read a file under root")
    }

    /// A file in the client's working directory.
    pub fn local_file(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.local().join(name)).expect("read a local file")
    }

    /// The names in the client's working directory, sorted.
    pub fn local_names(&self) -> Vec<String> {
        names(&self.local())
    }

    /// The names at the top of the server's root, sorted, without the
    /// server's reserved entries (spec.md section 4).
    pub fn root_names(&self) -> Vec<String> {
        let mut names = names(&self.root());
        names.retain(|name| !name.starts_with(".mftp"));
        names
    }

    /// The client, pointed at this server, in the local directory.
    pub fn client(&self) -> assert_cmd::Command {
        self.client_at(self.port)
    }

    /// The client pointed at another port.
    pub fn client_at(&self, port: u16) -> assert_cmd::Command {
        let mut command = assert_cmd::Command::from_std(self.std_client_at(port));
        command.timeout(Duration::from_secs(60));
        command
    }

    /// The client as a plain `std::process::Command` (for the pty tests).
    pub fn client_std(&self) -> Command {
        self.std_client_at(self.port)
    }

    fn std_client_at(&self, port: u16) -> Command {
        let mut command = Command::new(client_bin());
        command
            .current_dir(self.local())
            .env("HOME", self.home())
            .env_remove("XDG_DATA_HOME")
            .args(["--port", &port.to_string(), "--timeout", "20"]);
        command
    }

    /// Kills the server (to test lost connections).
    pub fn stop_server(&mut self) {
        if let Some(mut server) = self.server.take() {
            let _ = server.kill();
            let _ = server.wait();
        }
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        self.stop_server();
    }
}

/// A port on which nothing listens (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    listener.local_addr().expect("local addr").port()
}

fn write(path: &Path, bytes: &[u8]) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create parent dirs");
    }
    std::fs::write(path, bytes).expect("write a test file");
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|entry| {
            entry
                .expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}
