//! The Python fixtures (the independent server and client, written from
//! spec.md alone) and the `python3` they run under, resolved once per test
//! process.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// `fixtures/python-server/server.py`.
pub fn server_py() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/python-server/server.py")
}

/// `fixtures/python-client/client.py`.
pub fn client_py() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/python-client/client.py")
}

/// The interpreter `python3` runs.
pub struct Python {
    /// Its absolute path: a version manager's `python3` on PATH may be a
    /// shell script (pyenv's shim) that costs more than Python's own start,
    /// paid again by each of the thousands of server starts of a table.
    pub exe: String,
    /// "Python 3.11.7".
    pub version: String,
}

/// `python3`, resolved once; an error message when it cannot run.
pub fn python() -> Result<&'static Python, String> {
    static PYTHON: OnceLock<Result<Python, String>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let out = Command::new("python3")
                .args([
                    "-c",
                    "import sys; print(sys.executable); print('Python', sys.version.split()[0])",
                ])
                .stdin(Stdio::null())
                .output();
            match out {
                Ok(o) if o.status.success() => {
                    let text = String::from_utf8_lossy(&o.stdout).into_owned();
                    let mut lines = text.lines();
                    let exe = lines.next().unwrap_or("").trim();
                    Ok(Python {
                        exe: if exe.is_empty() { "python3" } else { exe }.to_string(),
                        version: lines.next().unwrap_or("Python ?").trim().to_string(),
                    })
                }
                Ok(o) => Err(format!(
                    "`python3` failed ({}): {}",
                    o.status,
                    String::from_utf8_lossy(&o.stderr).trim()
                )),
                Err(e) => Err(format!("`python3` cannot be run: {e}")),
            }
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// `PATH` with the real Python interpreter's folder first, for commands
/// that say `python3`: a version manager's shim costs more than Python on
/// each of the hundreds of server starts.
pub fn path_env() -> &'static String {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        let old = std::env::var("PATH").unwrap_or_default();
        let dir = python()
            .ok()
            .and_then(|p| Path::new(&p.exe).parent().map(|d| d.display().to_string()))
            .filter(|d| !d.is_empty());
        match dir {
            Some(dir) => format!("{dir}:{old}"),
            None => old,
        }
    })
}
