//! Runs [`Command`]s against the configured server: the one place that
//! holds the connection state shared by the prompt, scripts and one-shot
//! commands.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mftp_protocol::Name;

use crate::client::Client;
use crate::command::{Command, HELP};
use crate::error::ClientError;
use crate::interrupt;
use crate::output::Output;

/// What the user configured on the command line.
#[derive(Debug, Clone)]
pub struct Config {
    /// Server host name or address.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Connect, read and write timeout.
    pub timeout: Duration,
    /// Downloads may replace existing local files.
    pub force: bool,
}

impl Config {
    /// `host:port`, for messages.
    #[must_use]
    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// Whether to go on reading commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Read the next command.
    Continue,
    /// `byebye`, `quit` or `exit`: stop.
    Leave,
}

/// The connection (if any) and how to show results.
pub struct Session {
    config: Config,
    client: Option<Client>,
    out: Output,
    /// A command that needs a connection while there is none opens one
    /// first (scripts and one-shot commands, as spec.md CLIENT-4 allows);
    /// otherwise it fails with "not connected" (the prompt).
    on_demand: bool,
}

impl Session {
    /// A session that is not connected yet; only `connme` connects.
    #[must_use]
    pub fn new(config: Config, out: Output) -> Self {
        Self {
            config,
            client: None,
            out,
            on_demand: false,
        }
    }

    /// The session connects by itself for a command that needs it.
    #[must_use]
    pub fn connecting_on_demand(mut self) -> Self {
        self.on_demand = true;
        self
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The output, for callers that print around commands.
    #[must_use]
    pub fn out(&self) -> &Output {
        &self.out
    }

    /// True while a connection is open.
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.client.is_some()
    }

    /// Connects without printing the greeting (for a command that needs a
    /// connection, in one-shot and script mode).
    fn connect_quietly(&mut self) -> Result<(), ClientError> {
        let (client, _greeting) =
            Client::connect(&self.config.host, self.config.port, self.config.timeout)?;
        self.client = Some(client);
        Ok(())
    }

    /// Runs one command. A command that leaves the connection unusable
    /// drops it, so the next command says "not connected".
    pub fn run(&mut self, command: Command) -> Result<Flow, ClientError> {
        let result = self.dispatch(command);
        if self.client.as_ref().is_some_and(Client::is_broken) {
            self.client = None;
            self.out.disconnected(&self.config.addr());
        }
        result
    }

    /// The names in remote directory `dir` (`None`: the root), for Tab
    /// completion at the prompt: asked on the open connection only, and
    /// quietly (the prompt is being edited); `None` when not connected or
    /// when `ls` fails. A connection the listing broke is dropped, as
    /// [`Session::run`] drops it.
    pub fn remote_names(&mut self, dir: Option<&str>) -> Option<Vec<crate::complete::Name>> {
        let dir = dir.map(name).transpose().ok()?;
        let client = self.client.as_mut()?;
        let listed = client.ls(dir.as_ref());
        if client.is_broken() {
            self.client = None;
        }
        Some(
            listed
                .ok()?
                .into_iter()
                .map(|e| crate::complete::Name {
                    name: e.name,
                    is_dir: e.is_dir,
                })
                .collect(),
        )
    }

    /// Says goodbye to the server if connected; errors do not matter any
    /// more at this point.
    pub fn close(&mut self) {
        if let Some(client) = self.client.take() {
            let _ = client.byebye();
        }
    }

    fn dispatch(&mut self, command: Command) -> Result<Flow, ClientError> {
        match command {
            Command::Connme => self.connme()?,
            Command::Ls(dir) => {
                let dir = dir.as_deref().map(name).transpose()?;
                let entries = self.client()?.ls(dir.as_ref())?;
                self.out.listing(&entries);
            }
            Command::Size(text) => {
                let name = name(&text)?;
                let size = self.client()?.size(&name)?;
                self.out.size(name.as_str(), &size);
            }
            Command::Download { name: text, output } => self.download(&text, output.as_deref())?,
            Command::Upload { path, name } => self.upload(&path, name.as_deref())?,
            Command::Rm(text) => {
                let name = name(&text)?;
                self.client()?.rm(&name)?;
                self.out.removed(name.as_str());
            }
            Command::Byebye => {
                if let Some(client) = self.client.take() {
                    // Leaving either way: a connection that is already gone
                    // needs no goodbye.
                    let _ = client.byebye();
                    self.out.goodbye(&self.config.addr());
                }
                return Ok(Flow::Leave);
            }
            Command::Help => self.out.info(HELP),
            Command::Quit => {
                self.close();
                return Ok(Flow::Leave);
            }
        }
        Ok(Flow::Continue)
    }

    fn client(&mut self) -> Result<&mut Client, ClientError> {
        if self.client.is_none() && self.on_demand {
            self.connect_quietly()?;
        }
        let addr = self.config.addr();
        self.client
            .as_mut()
            .ok_or(ClientError::NotConnected { addr })
    }

    fn connme(&mut self) -> Result<(), ClientError> {
        let addr = self.config.addr();
        if let Some(client) = &mut self.client {
            // CONNME-1: on an open connection the server repeats its
            // greeting, which shows that it is still alive.
            let greeting = client.connme()?;
            self.out.greeting(&addr, &greeting, true);
        } else {
            let (client, greeting) =
                Client::connect(&self.config.host, self.config.port, self.config.timeout)?;
            self.client = Some(client);
            self.out.greeting(&addr, &greeting, false);
        }
        Ok(())
    }

    /// Downloads into a temporary file beside the target and renames it
    /// when every byte has arrived, so no truncated file ever carries the
    /// real name.
    fn download(&mut self, text: &str, output: Option<&Path>) -> Result<(), ClientError> {
        let name = name(text)?;
        // A checked name has no '/', '\', '.' or '..' in its last
        // component: it is a safe local file name.
        let file_name = name.file_name();
        let target = match output {
            Some(path) if path.is_dir() => path.join(file_name),
            Some(path) => path.to_owned(),
            None => PathBuf::from(file_name),
        };
        let shown = target.display().to_string();
        if target.is_dir() {
            return Err(ClientError::local(
                format!("cannot save to {shown}"),
                std::io::Error::other("it is a directory"),
            ));
        }
        if !self.config.force && target.symlink_metadata().is_ok() {
            return Err(ClientError::LocalExists { path: shown });
        }
        let mut progress = interrupt::on_ctrl_c(self.out.progress(&format!("download {name}")));
        let client = self.client()?;
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".mftp-download-").suffix(".part");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // Like any new file: 0666 less the umask (tempfile's default
            // is 0600).
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let mut temp = builder.tempfile_in(&dir).map_err(|e| {
            ClientError::local(format!("cannot create a file in {}", dir.display()), e)
        })?;
        let bytes = client.download(&name, temp.as_file_mut(), &mut progress)?;
        temp.as_file()
            .sync_all()
            .map_err(|e| ClientError::local(format!("cannot write {shown}"), e))?;
        let persisted = if self.config.force {
            temp.persist(&target).map(drop)
        } else {
            // Fails if the target appeared meanwhile: never overwrite
            // without --force.
            temp.persist_noclobber(&target).map(drop)
        };
        persisted.map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                ClientError::LocalExists {
                    path: shown.clone(),
                }
            } else {
                ClientError::local(format!("cannot save {shown}"), e.error)
            }
        })?;
        self.out.downloaded(name.as_str(), &target, bytes);
        Ok(())
    }

    /// Streams a local file; the remote name defaults to its file name.
    fn upload(&mut self, path: &Path, remote: Option<&str>) -> Result<(), ClientError> {
        let shown = path.display().to_string();
        let remote = match remote {
            Some(remote) => remote.to_owned(),
            None => path
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_owned)
                .ok_or_else(|| ClientError::BadName {
                    name: shown.clone(),
                    reason: "no usable file name; give the remote name too".to_owned(),
                })?,
        };
        let name = name(&remote)?;
        let mut file =
            File::open(path).map_err(|e| ClientError::local(format!("cannot open {shown}"), e))?;
        let meta = file
            .metadata()
            .map_err(|e| ClientError::local(format!("cannot read {shown}"), e))?;
        if !meta.is_file() {
            return Err(ClientError::local(
                format!("cannot upload {shown}"),
                std::io::Error::other("not a regular file"),
            ));
        }
        let mut progress = interrupt::on_ctrl_c(self.out.progress(&format!("upload {name}")));
        let client = self.client()?;
        let bytes = client.upload(&name, &mut file, meta.len(), &mut progress)?;
        self.out.uploaded(path, name.as_str(), bytes);
        Ok(())
    }
}

/// Checks a name against spec.md section 4 before sending it.
fn name(text: &str) -> Result<Name, ClientError> {
    Name::parse(text.as_bytes()).map_err(|e| ClientError::BadName {
        name: text.to_owned(),
        reason: e.to_string(),
    })
}
