//! vsftpd on loopback, for the `peers` bench: started standalone in the
//! foreground from a configuration written to a temporary directory,
//! anonymous logins with uploads and deletes allowed, killed and reaped on
//! drop (also when a benchmark panics), with the session processes it
//! forked.
//!
//! Layout of the temporary directory (`mftp-bench-vsftpd-*`):
//!
//! ```text
//! vsftpd.conf    the configuration (see `config`)
//! vsftpd.log     its transfer log (`xferlog_enable=YES`, as Debian ships it)
//! output.txt     its stdout and stderr (start-up errors)
//! empty/         secure_chroot_dir: empty, not writable by its users
//! root/          anon_root, the chroot of anonymous sessions (not writable:
//!                vsftpd 3.0 refuses a writable chroot root for them)
//! root/pub/      where the files are: world-writable, FTP path `pub/NAME`
//! ```
//!
//! vsftpd needs root (it chroots and changes user per session) and the
//! `ftp` user its Debian package creates; anonymous files are owned by
//! `ftp`.

use std::fs::File;
use std::net::{SocketAddr, TcpListener};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use tempfile::TempDir;

use crate::ftp::FtpClient;

/// Where Debian's `vsftpd` package installs the server.
pub const BINARY: &str = "/usr/sbin/vsftpd";

/// How long vsftpd may take to greet its first client.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether vsftpd is installed at [`BINARY`].
#[must_use]
pub fn installed() -> bool {
    Path::new(BINARY).is_file()
}

/// A running vsftpd; killed and reaped on drop, its directory removed.
#[derive(Debug)]
pub struct Vsftpd {
    /// The listening process. Declared first: gone before the directory.
    child: Child,
    addr: SocketAddr,
    dir: TempDir,
}

impl Vsftpd {
    /// Writes a configuration and starts vsftpd on a free loopback port,
    /// then waits (at most 10 s) until it greets a client. A port taken
    /// meanwhile by someone else is retried with another.
    pub fn start() -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("mftp-bench-vsftpd-")
            .tempdir()
            .context("cannot create vsftpd's directory")?;
        // Its session processes run as `ftp` and `nobody`: they must be
        // able to reach root/ and root/pub, and write in pub/.
        set_mode(dir.path(), 0o755)?;
        for (sub, mode) in [("empty", 0o755), ("root", 0o755), ("root/pub", 0o777)] {
            let path = dir.path().join(sub);
            std::fs::create_dir(&path).with_context(|| format!("create {}", path.display()))?;
            set_mode(&path, mode)?;
        }
        let mut last_error = None;
        for _ in 0..5 {
            match Self::start_in(&dir) {
                Ok((child, addr)) => return Ok(Self { child, addr, dir }),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("vsftpd did not start")))
    }

    fn start_in(dir: &TempDir) -> anyhow::Result<(Child, SocketAddr)> {
        // A free port: the kernel's pick, released for vsftpd. Another
        // process may take it first; the caller then tries again.
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let conf = dir.path().join("vsftpd.conf");
        std::fs::write(&conf, config(dir.path(), port)).context("write vsftpd.conf")?;
        let output = File::create(dir.path().join("output.txt"))?;
        let child = Command::new(BINARY)
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(output.try_clone()?)
            .stderr(output)
            .spawn()
            .with_context(|| format!("cannot run {BINARY}"))?;
        let mut guard = Reaper(Some(child));
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let child = guard.0.as_mut().context("vsftpd gone")?;
            if let Some(status) = child.try_wait()? {
                let said =
                    std::fs::read_to_string(dir.path().join("output.txt")).unwrap_or_default();
                bail!("vsftpd exited ({status}) before greeting: {}", said.trim());
            }
            match FtpClient::connect(addr) {
                Ok(probe) => {
                    probe.quit();
                    let child = guard.0.take().context("vsftpd gone")?;
                    return Ok((child, addr));
                }
                Err(e) if Instant::now() >= deadline => {
                    return Err(e.context(format!("vsftpd did not greet on {addr} within 10 s")));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    /// Where it listens (127.0.0.1).
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The directory that FTP paths `pub/NAME` name.
    #[must_use]
    pub fn files(&self) -> PathBuf {
        self.dir.path().join("root").join("pub")
    }

    /// The FTP path of `name` in [`Self::files`].
    #[must_use]
    pub fn path(name: &str) -> String {
        format!("pub/{name}")
    }

    /// The listening process's id.
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// How many bytes and lines vsftpd has logged so far.
    #[must_use]
    pub fn logged(&self) -> Option<(u64, u64)> {
        let text = std::fs::read(self.dir.path().join("vsftpd.log")).ok()?;
        let lines = text.iter().filter(|&&b| b == b'\n').count() as u64;
        Some((text.len() as u64, lines))
    }
}

impl Drop for Vsftpd {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// Kills and reaps a child that has not been handed over yet.
struct Reaper(Option<Child>);

impl Drop for Reaper {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            stop(child);
        }
    }
}

/// Kills the processes `child` forked (vsftpd's sessions, which make
/// themselves session leaders, so a process group would miss them), then
/// `child` itself, and reaps it. The sessions, orphaned, are reaped by
/// init.
fn stop(child: &mut Child) {
    use rustix::process::{Pid, Signal, kill_process};
    for pid in descendants(child.id()) {
        if let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) {
            let _ = kill_process(pid, Signal::KILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The processes below `root` (children, their children, …), from
/// `/proc/PID/stat`.
fn descendants(root: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let parents: Vec<(u32, u32)> = entries
        .filter_map(|entry| {
            let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // "PID (COMM) STATE PPID …"; COMM may hold spaces and parens.
            let after = &stat[stat.rfind(')')? + 1..];
            let ppid = after.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid))
        })
        .collect();
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|&&(_, ppid)| ppid == parent)
                .map(|&(pid, _)| pid),
        );
        i += 1;
    }
    found.remove(0);
    found
}

fn set_mode(path: &Path, mode: u32) -> anyhow::Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("chmod {mode:o} {}", path.display()))
}

/// The configuration: vsftpd's defaults, plus what a standalone,
/// foreground, anonymous, writable server on loopback needs, plus the
/// transfer log Debian's packaged configuration turns on.
fn config(dir: &Path, port: u16) -> String {
    let dir = dir.display();
    format!(
        "\
# Written by the mftp benches (benches/src/vsftpd.rs).
listen=YES
listen_ipv6=NO
background=NO
listen_address=127.0.0.1
listen_port={port}
anonymous_enable=YES
local_enable=NO
no_anon_password=YES
anon_root={dir}/root
write_enable=YES
anon_upload_enable=YES
anon_mkdir_write_enable=YES
anon_other_write_enable=YES
anon_umask=022
allow_writeable_chroot=YES
secure_chroot_dir={dir}/empty
nopriv_user=nobody
ftp_username=ftp
seccomp_sandbox=NO
pasv_enable=YES
pasv_address=127.0.0.1
max_clients=0
max_per_ip=0
idle_session_timeout=3600
data_connection_timeout=300
dirmessage_enable=NO
xferlog_enable=YES
vsftpd_log_file={dir}/vsftpd.log
"
    )
}
