//! The suite's own options, which `cargo test -p conformance -- --server X`
//! passes to every test target: taken out before libtest-mimic reads the
//! rest, and a target that grades the workspace's own fixtures skips
//! itself when an implementation to grade is given.

use libtest_mimic::Arguments;

/// The environment variables that name a server to grade.
pub const SERVER_VARS: &[&str] = &["MFTP_SERVER", "MFTP_SERVER_CMD"];

/// The environment variables that name a server or a client to grade.
pub const SERVER_OR_CLIENT_VARS: &[&str] = &[
    "MFTP_SERVER",
    "MFTP_SERVER_CMD",
    "MFTP_CLIENT",
    "MFTP_CLIENT_CMD",
];

/// When a target skips itself, and what it says then.
pub struct Skip {
    /// The target's name, first word of the line it prints.
    pub target: &'static str,
    /// Variables that, when set and not empty, name an implementation to
    /// grade (besides the options, which always do).
    pub vars: &'static [&'static str],
    /// Why it skips, after "skipped, ".
    pub because: &'static str,
}

/// The target's libtest arguments (the process's own, the suite's options
/// taken out), or `None` when an implementation to grade was given: the
/// target then says so (unless only listing) and should return.
pub fn libtest_arguments(skip: &Skip) -> Option<Arguments> {
    let mut argv = std::env::args();
    let argv0 = argv.next().unwrap_or_else(|| skip.target.into());
    let (grading, rest) = split(argv.collect());
    let from_env = skip
        .vars
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    if grading || from_env {
        if !rest.iter().any(|a| a == "--list") {
            println!("{}: skipped, {}", skip.target, skip.because);
        }
        return None;
    }
    Some(Arguments::from_iter(std::iter::once(argv0).chain(rest)))
}

/// Pulls the suite's options (and their values) out of `args` (argv\[0\]
/// left out). Returns whether a server or client to grade was given, and
/// the rest.
pub fn split(args: Vec<String>) -> (bool, Vec<String>) {
    let mut grading = false;
    let mut rest = Vec::new();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let flag = arg.split_once('=').map_or(arg.as_str(), |(f, _)| f);
        if conformance::options::FLAG_OPTIONS.contains(&flag) {
            continue;
        }
        if !conformance::options::VALUE_OPTIONS.contains(&flag) {
            rest.push(arg);
            continue;
        }
        grading |= matches!(
            flag,
            "--server" | "--server-cmd" | "--client" | "--client-cmd"
        );
        if !arg.contains('=') {
            let _ = it.next();
        }
    }
    (grading, rest)
}
