//! Finding the reference server's binary, and building it with cargo when
//! it is missing or older than its sources.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::SystemTime;

/// The cargo profile of a reference-server build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// `cargo build`, in `target/debug`: tests.
    Dev,
    /// `cargo build --release`, in `target/release`: benchmarks.
    Release,
}

impl Profile {
    /// The profile the running executable was built with, judged by the
    /// directory it runs from (`target/release/…` for `cargo bench` and
    /// `--release`, `target/debug/…` otherwise).
    #[must_use]
    pub fn current() -> Profile {
        match profile_dir().as_deref().and_then(Path::file_name) {
            Some(dir) if dir == "release" => Profile::Release,
            _ => Profile::Dev,
        }
    }

    fn dir_name(self) -> &'static str {
        match self {
            Profile::Dev => "debug",
            Profile::Release => "release",
        }
    }
}

/// Why the reference server binary is not at hand. The texts end up in
/// the suite's summary ("no --server given and …").
#[derive(Clone, Debug)]
pub enum FindError {
    /// Not next to the running executable, and `$CARGO` is not set.
    NoCargo,
    /// The workspace directory the suite was built in is unknown.
    NoWorkspace,
    /// Cargo could not be run.
    Cargo(String),
    /// `cargo build` failed (its own output went to stderr).
    BuildFailed(String),
    /// Built, yet not where it was looked for.
    NotFound(PathBuf),
}

impl std::fmt::Display for FindError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FindError::NoCargo => write!(
                f,
                "the reference server binary is missing (and cargo is not at hand to build it)"
            ),
            FindError::NoWorkspace => write!(f, "no workspace directory"),
            FindError::Cargo(e) => {
                write!(f, "could not run cargo to build the reference server: {e}")
            }
            FindError::BuildFailed(status) => {
                write!(f, "building the reference server failed ({status})")
            }
            FindError::NotFound(_) => write!(
                f,
                "the reference server binary was not found after building it"
            ),
        }
    }
}

impl std::error::Error for FindError {}

/// The reference server's binary for the running executable's profile
/// (see [`Profile::current`]): `target/debug/reference-server` for tests,
/// `target/release/reference-server` for benchmarks.
///
/// # Errors
/// See [`reference_server_binary_for`].
pub fn reference_server_binary() -> Result<PathBuf, FindError> {
    reference_server_binary_for(Profile::current())
}

/// The reference server's binary in the target directory of the running
/// executable, built with cargo first when cargo runs us (`$CARGO` is set)
/// and the binary is missing or older than its sources (the
/// reference-server and protocol crates, the workspace manifest and lock
/// file). Without cargo, the binary must be there already. Looked up once
/// per profile and process; concurrent callers wait for one build.
///
/// # Errors
/// Not found, or the build failed.
pub fn reference_server_binary_for(profile: Profile) -> Result<PathBuf, FindError> {
    static DEV: OnceLock<Result<PathBuf, FindError>> = OnceLock::new();
    static RELEASE: OnceLock<Result<PathBuf, FindError>> = OnceLock::new();
    let cell = match profile {
        Profile::Dev => &DEV,
        Profile::Release => &RELEASE,
    };
    cell.get_or_init(|| find_or_build(profile)).clone()
}

/// The directory of the running executable, `deps/` left: where cargo puts
/// the binaries of its profile.
fn profile_dir() -> Option<PathBuf> {
    let mut dir = std::env::current_exe().ok()?;
    dir.pop();
    if dir.ends_with("deps") {
        dir.pop();
    }
    Some(dir)
}

/// Where the binary of `profile` is, if it is there.
fn existing(profile: Profile) -> Option<PathBuf> {
    let name = format!("reference-server{}", std::env::consts::EXE_SUFFIX);
    let dir = profile_dir()?;
    let dir = if Profile::current() == profile {
        dir
    } else {
        dir.parent()?.join(profile.dir_name())
    };
    Some(dir.join(name)).filter(|p| p.is_file())
}

fn find_or_build(profile: Profile) -> Result<PathBuf, FindError> {
    let Some(cargo) = std::env::var_os("CARGO") else {
        return existing(profile).ok_or(FindError::NoCargo);
    };
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or(FindError::NoWorkspace)?
        .to_path_buf();
    // Up to date already (as after `cargo test --workspace`, which builds
    // it): building again would cost a rebuild of its dependencies with
    // `-p reference-server`'s own feature set, ~15 s on a fresh clone.
    if let Some(binary) = existing(profile)
        && modified(&binary) >= newest_source(&workspace)
    {
        return Ok(binary);
    }
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet", "-p", "reference-server"]);
    if profile == Profile::Release {
        build.arg("--release");
    }
    let status = build
        .current_dir(&workspace)
        .stdin(Stdio::null())
        .status()
        .map_err(|e| FindError::Cargo(e.to_string()))?;
    if !status.success() {
        return Err(FindError::BuildFailed(status.to_string()));
    }
    existing(profile).ok_or_else(|| {
        FindError::NotFound(profile_dir().unwrap_or_default().join("reference-server"))
    })
}

/// When a file was last modified; the epoch if that cannot be read.
fn modified(path: &Path) -> SystemTime {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

/// The newest modification time among the reference server's sources:
/// its crate, the protocol crate, and the workspace manifest and lock file.
fn newest_source(workspace: &Path) -> SystemTime {
    fn walk(path: &Path, newest: &mut SystemTime, depth: usize) {
        *newest = (*newest).max(modified(path));
        if depth == 0 || !path.is_dir() {
            return;
        }
        for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
            walk(&entry.path(), newest, depth - 1);
        }
    }
    let mut newest = SystemTime::UNIX_EPOCH;
    for part in ["reference-server", "protocol", "Cargo.toml", "Cargo.lock"] {
        walk(&workspace.join(part), &mut newest, 8);
    }
    newest
}
