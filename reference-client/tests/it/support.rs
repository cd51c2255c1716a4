//! The test context: a temp dir with the server's root, a local working
//! directory and a home, and a running server that is killed on drop (by
//! the workspace's one launcher, `conformance::reference`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use conformance::reference::{ReferenceServer, StartOptions, Stderr, reference_server_binary};
use tempfile::TempDir;

/// The client under test.
pub fn client_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_reference-client"))
}

/// The one place that decides which server the tests run against.
///
/// The workspace's `reference-server`, found (and built when missing or
/// older than its sources) by `conformance::reference`: cargo only exposes
/// `CARGO_BIN_EXE_` for the crate's own binaries. `MFTP_TEST_SERVER` may
/// name another server command (words split at blanks, for example
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
    let server = reference_server_binary().unwrap_or_else(|e| panic!("the reference server: {e}"));
    Command::new(server)
}

/// A running server and the directories of one test.
pub struct Ctx {
    /// Declared first: the server is killed before its temp dir goes.
    server: ReferenceServer,
    tmp: TempDir,
    /// The port the server listens on (127.0.0.1).
    pub port: u16,
}

impl Ctx {
    /// Starts a server on an empty root; its stderr goes to
    /// `server.stderr` beside the root, quoted if it does not come up.
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
            .stdin(Stdio::null());
        let options = StartOptions {
            stderr: Stderr::File(tmp.path().join("server.stderr")),
            ..StartOptions::default()
        };
        let server = ReferenceServer::start_with(command, &options)
            .unwrap_or_else(|e| panic!("the server did not start: {e}"));
        let port = server.port();
        Self { server, tmp, port }
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

    /// [`Ctx::client_std`] pointed at another port.
    pub fn client_std_at(&self, port: u16) -> Command {
        self.std_client_at(port)
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
        self.server.stop();
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
