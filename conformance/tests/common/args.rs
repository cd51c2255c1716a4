//! The suite's own options, which `cargo test -p conformance -- --server X`
//! passes to every test target: taken out before libtest-mimic reads the
//! rest, and a target that grades the workspace's own fixtures skips
//! itself when an implementation to grade is given.

use conformance::options::Options;
use libtest_mimic::Arguments;

/// What makes a target skip itself: an implementation to grade, named by
/// one of the suite's options or by one of these variables.
pub struct Grading {
    /// Variables that, when set and not empty, name one.
    pub vars: &'static [&'static str],
    /// What the target says when it skips, after "skipped, ".
    pub says: &'static str,
}

/// A server to grade.
pub const SERVER: Grading = Grading {
    vars: &["MFTP_SERVER", "MFTP_SERVER_CMD"],
    says: "a server to grade was given (--server/--server-cmd/MFTP_SERVER/MFTP_SERVER_CMD)",
};

/// A server or a client to grade.
pub const SERVER_OR_CLIENT: Grading = Grading {
    vars: &[
        "MFTP_SERVER",
        "MFTP_SERVER_CMD",
        "MFTP_CLIENT",
        "MFTP_CLIENT_CMD",
    ],
    says: "a server or client to grade was given (--server/--server-cmd/--client/--client-cmd or MFTP_SERVER*/MFTP_CLIENT*)",
};

/// The libtest arguments of `target` (the process's own, the suite's
/// options taken out; `default_threads` trials at a time unless
/// `--test-threads` says), or `None` when `skip_when` holds: the target
/// then says so (unless only listing) and should return.
pub fn libtest_arguments(
    target: &str,
    skip_when: &Grading,
    default_threads: usize,
) -> Option<Arguments> {
    let mut argv = std::env::args();
    let argv0 = argv.next().unwrap_or_else(|| target.into());
    let (grading, rest) = split(argv.collect());
    let from_env = skip_when
        .vars
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    if grading || from_env {
        if !rest.iter().any(|a| a == "--list") {
            println!("{target}: skipped, {}", skip_when.says);
        }
        return None;
    }
    let mut args = Arguments::from_iter(std::iter::once(argv0).chain(rest));
    args.test_threads.get_or_insert(default_threads);
    Some(args)
}

/// The suite's options as the suite itself reads them, and the target's
/// libtest arguments (the rest), for a target that looks at the options;
/// a malformed one ends the process with exit status 2.
pub fn suite_options(target: &str) -> (Options, Arguments) {
    let mut argv = std::env::args();
    let argv0 = argv.next().unwrap_or_else(|| target.into());
    match conformance::options::parse(argv.collect()) {
        Ok((opts, rest)) => (
            opts,
            Arguments::from_iter(std::iter::once(argv0).chain(rest)),
        ),
        Err(e) => {
            eprintln!("{target}: {e}");
            std::process::exit(2);
        }
    }
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
