//! Finding the reference server's (or client's) binary, and building it
//! with cargo when it is missing or older than its sources.

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

/// Why a reference binary (`reference-server`, `reference-client`) is not
/// at hand. The texts end up in the suite's summary ("no --server given
/// and …").
#[derive(Clone, Debug)]
pub enum FindError {
    /// Not next to the running executable, and `$CARGO` is not set.
    NoCargo(&'static str),
    /// The workspace directory the suite was built in is unknown.
    NoWorkspace,
    /// Cargo could not be run.
    Cargo(&'static str, String),
    /// `cargo build` failed (its own output went to stderr).
    BuildFailed(&'static str, String),
    /// Built, yet not where it was looked for.
    NotFound(PathBuf),
}

impl std::fmt::Display for FindError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FindError::NoCargo(p) => write!(
                f,
                "the {p} binary is missing (and cargo is not at hand to build it)"
            ),
            FindError::NoWorkspace => write!(f, "no workspace directory"),
            FindError::Cargo(p, e) => write!(f, "could not run cargo to build the {p}: {e}"),
            FindError::BuildFailed(p, status) => write!(f, "building the {p} failed ({status})"),
            FindError::NotFound(path) => {
                write!(f, "{} was not found after building it", path.display())
            }
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
    cell.get_or_init(|| find_or_build(SERVER, profile)).clone()
}

/// The reference client's binary for the running executable's profile,
/// found or built as [`reference_server_binary_for`] finds the server's
/// (sources: the reference-client and protocol crates, the workspace
/// manifest and lock file).
///
/// # Errors
/// Not found, or the build failed.
pub fn reference_client_binary() -> Result<PathBuf, FindError> {
    static CELL: OnceLock<Result<PathBuf, FindError>> = OnceLock::new();
    CELL.get_or_init(|| find_or_build(CLIENT, Profile::current()))
        .clone()
}

/// A binary of the workspace: its package (and binary) name.
#[derive(Clone, Copy)]
struct Package(&'static str);

const SERVER: Package = Package("reference-server");
const CLIENT: Package = Package("reference-client");

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

/// Where the binary of `package` and `profile` is, if it is there.
fn existing(package: Package, profile: Profile) -> Option<PathBuf> {
    let name = format!("{}{}", package.0, std::env::consts::EXE_SUFFIX);
    let dir = profile_dir()?;
    let dir = if Profile::current() == profile {
        dir
    } else {
        dir.parent()?.join(profile.dir_name())
    };
    Some(dir.join(name)).filter(|p| p.is_file())
}

fn find_or_build(package: Package, profile: Profile) -> Result<PathBuf, FindError> {
    let Some(cargo) = std::env::var_os("CARGO") else {
        return existing(package, profile).ok_or(FindError::NoCargo(package.0));
    };
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or(FindError::NoWorkspace)?
        .to_path_buf();
    // Up to date already (as after `cargo test --workspace`, which builds
    // it): building again would cost a rebuild of its dependencies with
    // `-p reference-server`'s own feature set, ~15 s on a fresh clone.
    if let Some(binary) = existing(package, profile)
        && modified(&binary) >= newest_source(&workspace, package)
    {
        return Ok(binary);
    }
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet", "-p", package.0]);
    if profile == Profile::Release {
        build.arg("--release");
    }
    let status = build
        .current_dir(&workspace)
        .stdin(Stdio::null())
        .status()
        .map_err(|e| FindError::Cargo(package.0, e.to_string()))?;
    if !status.success() {
        return Err(FindError::BuildFailed(package.0, status.to_string()));
    }
    existing(package, profile)
        .ok_or_else(|| FindError::NotFound(profile_dir().unwrap_or_default().join(package.0)))
}

/// When a file was last modified; the epoch if that cannot be read.
fn modified(path: &Path) -> SystemTime {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

/// The newest modification time among a reference binary's sources: its
/// crate, the protocol crate, and the workspace manifest and lock file.
fn newest_source(workspace: &Path, package: Package) -> SystemTime {
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
    for part in [package.0, "protocol", "Cargo.toml", "Cargo.lock"] {
        walk(&workspace.join(part), &mut newest, 8);
    }
    newest
}
