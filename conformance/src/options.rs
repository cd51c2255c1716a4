//! The suite's own command-line options, pulled out of the arguments before
//! the rest (filters, `--list`, `--nocapture`, `--test-threads`, …) go to
//! libtest-mimic.

use std::path::PathBuf;
use std::time::Duration;

/// How to start the server under test.
#[derive(Clone, Debug)]
pub enum ServerSpec {
    /// `PATH --root DIR --port PORT [options]`.
    Path(PathBuf),
    /// A shell command line with `{root}` and `{port}`, run by `sh -c`.
    Template(String),
}

impl ServerSpec {
    /// What reports show as "server".
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            ServerSpec::Path(p) => p.display().to_string(),
            ServerSpec::Template(t) => t.clone(),
        }
    }
}

/// How to start the client under test (spec.md section 17.1); set, it
/// makes the run grade that client instead of a server.
#[derive(Clone, Debug)]
pub enum ClientSpec {
    /// `PATH --host H --port P [options]`.
    Path(PathBuf),
    /// A shell command line with `{host}` and `{port}`, run by `sh -c` in
    /// the case's working directory.
    Template(String),
}

impl ClientSpec {
    /// What reports show as the program graded.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            ClientSpec::Path(p) => p.display().to_string(),
            ClientSpec::Template(t) => t.clone(),
        }
    }
}

/// Everything the suite reads from its own options.
#[derive(Clone, Debug)]
pub struct Options {
    /// `None`: grade the workspace's reference server (built if missing).
    pub server: Option<ServerSpec>,
    /// How long a server may take to accept connections (LAUNCH-1: 10 s).
    pub startup_timeout: Duration,
    /// How long one step (a reply line, a block of data) may take.
    pub step_timeout: Duration,
    pub report_json: Option<PathBuf>,
    pub junit: Option<PathBuf>,
    /// A refused optional option (LAUNCH-3) fails its cases instead of
    /// skipping them.
    pub require_limits: bool,
    /// Directory the user ran cargo from: relative paths are resolved here,
    /// since cargo runs test binaries inside the package directory.
    pub base_dir: PathBuf,
    /// `Some`: grade this client (the client suite) instead of a server.
    pub client: Option<ClientSpec>,
}

impl Options {
    /// What this run grades.
    #[must_use]
    pub fn role(&self) -> crate::spec::Role {
        if self.client.is_some() {
            crate::spec::Role::Client
        } else {
            crate::spec::Role::Server
        }
    }

    /// The command line of what this run grades, for reports.
    #[must_use]
    pub fn graded(&self) -> String {
        match (&self.client, &self.server) {
            (Some(c), _) => c.describe(),
            (None, Some(s)) => s.describe(),
            (None, None) => "(none)".into(),
        }
    }
}

pub const USAGE: &str = "\
mftp/1 conformance suite options (all others go to the test harness):
  --server PATH            server started as `PATH --root DIR --port PORT`
  --server-cmd 'TEMPLATE'  shell command line with {root} and {port}
  --startup-timeout SECS   how long the server may take to accept (default 10)
  --step-timeout SECS      limit for one I/O step before TIMEOUT (default 5)
  --report-json PATH       write a JSON report
  --junit PATH             write a JUnit XML report
  --require-limits         a refused optional option (--idle-timeout,
                           --max-connections, --max-upload-bytes, --read-only;
                           a client's --timeout) fails the cases that need it
                           instead of skipping
Grading a client instead (spec.md section 17):
  --client PATH            client started as `PATH --host H --port P`
  --client-cmd 'TEMPLATE'  shell command line with {host} and {port}, run in
                           the case's working directory (give absolute paths)
Environment: MFTP_SERVER, MFTP_SERVER_CMD, MFTP_CLIENT, MFTP_CLIENT_CMD,
MFTP_REPORT_JSON, MFTP_JUNIT, MFTP_REQUIRE_LIMITS work like the options above.";

/// The suite's own options, each taking a value; everything else goes to
/// the test harness.
pub const VALUE_OPTIONS: &[&str] = &[
    "--server",
    "--server-cmd",
    "--startup-timeout",
    "--step-timeout",
    "--report-json",
    "--junit",
    "--client",
    "--client-cmd",
];

/// The suite's own options that take no value.
pub const FLAG_OPTIONS: &[&str] = &["--require-limits"];

/// Splits `args` (without argv\[0\]) into the suite's options and the rest.
///
/// # Errors
/// A missing or malformed option value.
pub fn parse(args: Vec<String>) -> Result<(Options, Vec<String>), String> {
    let base_dir = std::env::var_os("PWD")
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."));
    let mut opts = Options {
        server: None,
        startup_timeout: Duration::from_secs(10),
        step_timeout: Duration::from_secs(5),
        report_json: std::env::var_os("MFTP_REPORT_JSON").map(PathBuf::from),
        junit: std::env::var_os("MFTP_JUNIT").map(PathBuf::from),
        require_limits: std::env::var_os("MFTP_REQUIRE_LIMITS").is_some(),
        base_dir,
        client: None,
    };
    if let Some(p) = std::env::var_os("MFTP_CLIENT") {
        opts.client = Some(ClientSpec::Path(PathBuf::from(p)));
    }
    if let Ok(t) = std::env::var("MFTP_CLIENT_CMD") {
        opts.client = Some(ClientSpec::Template(t));
    }
    if let Some(p) = std::env::var_os("MFTP_SERVER") {
        opts.server = Some(ServerSpec::Path(PathBuf::from(p)));
    }
    if let Ok(t) = std::env::var("MFTP_SERVER_CMD") {
        opts.server = Some(ServerSpec::Template(t));
    }
    let mut rest = Vec::new();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        if FLAG_OPTIONS.contains(&arg.as_str()) {
            opts.require_limits = true;
            continue;
        }
        if !VALUE_OPTIONS.contains(&flag.as_str()) {
            if flag == "--help" || flag == "-h" {
                eprintln!("{USAGE}\n");
            }
            rest.push(arg);
            continue;
        }
        let value = match inline {
            Some(v) => v,
            None => it.next().ok_or_else(|| format!("{flag} needs a value"))?,
        };
        match flag.as_str() {
            "--server" => opts.server = Some(ServerSpec::Path(PathBuf::from(value))),
            "--server-cmd" => {
                if !value.contains("{root}") || !value.contains("{port}") {
                    return Err("--server-cmd needs both {root} and {port}".into());
                }
                opts.server = Some(ServerSpec::Template(value));
            }
            "--startup-timeout" => opts.startup_timeout = secs(&flag, &value)?,
            "--step-timeout" => opts.step_timeout = secs(&flag, &value)?,
            "--report-json" => opts.report_json = Some(PathBuf::from(value)),
            "--junit" => opts.junit = Some(PathBuf::from(value)),
            "--client" => opts.client = Some(ClientSpec::Path(PathBuf::from(value))),
            "--client-cmd" => {
                if !value.contains("{host}") || !value.contains("{port}") {
                    return Err("--client-cmd needs both {host} and {port}".into());
                }
                opts.client = Some(ClientSpec::Template(value));
            }
            _ => unreachable!("flag checked against `known`"),
        }
    }
    if opts.client.is_some() && opts.server.is_some() {
        return Err(
            "give a server (--server, --server-cmd, MFTP_SERVER, MFTP_SERVER_CMD) or a client \
             (--client, --client-cmd, MFTP_CLIENT, MFTP_CLIENT_CMD) to grade, not both"
                .into(),
        );
    }
    if let Some(ClientSpec::Path(p)) = &opts.client
        && p.is_relative()
    {
        let p = p.strip_prefix(".").unwrap_or(p);
        opts.client = Some(ClientSpec::Path(opts.base_dir.join(p)));
    }
    if let Some(ServerSpec::Path(p)) = &opts.server
        && p.is_relative()
    {
        let p = p.strip_prefix(".").unwrap_or(p);
        opts.server = Some(ServerSpec::Path(opts.base_dir.join(p)));
    }
    for path in [&mut opts.report_json, &mut opts.junit]
        .into_iter()
        .flatten()
    {
        if path.is_relative() {
            *path = opts.base_dir.join(&*path);
        }
    }
    Ok((opts, rest))
}

fn secs(flag: &str, value: &str) -> Result<Duration, String> {
    value
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("{flag}: expected a positive number of seconds, got {value:?}"))
}
