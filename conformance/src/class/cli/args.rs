//! The options of `mftp-grade` (see [`super::USAGE`]).

use super::outputs::Outputs;
use crate::class::model::Shard;
use crate::class::shard;
use std::path::PathBuf;

/// The options as given.
#[derive(Default, Debug)]
pub(super) struct Args {
    pub(super) positional: Vec<String>,
    pub(super) parallel: Option<usize>,
    pub(super) reruns: Option<u32>,
    pub(super) shard: Option<Shard>,
    pub(super) only: Vec<String>,
    pub(super) previous: Option<PathBuf>,
    pub(super) sandbox: Option<bool>,
    pub(super) suite: Option<PathBuf>,
    pub(super) tmpdir: Option<PathBuf>,
    pub(super) progress: bool,
    pub(super) partial: bool,
    pub(super) outputs: Outputs,
    pub(super) server_cmd: Option<String>,
    pub(super) startup_timeout: Option<f64>,
}

/// Parses the options; `Err("")` for `--help`.
pub(super) fn parse_args(argv: Vec<String>) -> Result<Args, String> {
    let mut a = Args {
        progress: true,
        ..Args::default()
    };
    let mut it = argv.into_iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = || -> Result<String, String> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => it.next().ok_or_else(|| format!("{flag} needs a value")),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => return Err(String::new()),
            "--parallel" => {
                a.parallel = Some(
                    value()?
                        .parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or("--parallel: expected a number of at least 1")?,
                );
            }
            "--reruns" => {
                a.reruns = Some(
                    value()?
                        .parse()
                        .map_err(|_| "--reruns: expected a number")?,
                );
            }
            "--shard" => a.shard = Some(shard::parse(&value()?)?),
            "--only" => a.only.push(value()?),
            "--previous" => a.previous = Some(PathBuf::from(value()?)),
            "--sandbox" => a.sandbox = Some(true),
            "--no-sandbox" => a.sandbox = Some(false),
            "--suite" => a.suite = Some(PathBuf::from(value()?)),
            "--tmpdir" => a.tmpdir = Some(PathBuf::from(value()?)),
            "--no-progress" => a.progress = false,
            "--partial" => a.partial = true,
            "--out" => a.outputs.out = Some(PathBuf::from(value()?)),
            "--html" => a.outputs.html = Some(PathBuf::from(value()?)),
            "--markdown" => a.outputs.markdown = Some(PathBuf::from(value()?)),
            "--json" => a.outputs.json = Some(PathBuf::from(value()?)),
            "--junit" => a.outputs.junit = Some(PathBuf::from(value()?)),
            "--tap" => a.outputs.tap = Some(PathBuf::from(value()?)),
            "--gradescope" => a.outputs.gradescope = Some(PathBuf::from(value()?)),
            "--classroom" => a.outputs.classroom = Some(inline.clone().map(PathBuf::from)),
            "--server-cmd" => a.server_cmd = Some(value()?),
            "--startup-timeout" => {
                a.startup_timeout = Some(
                    value()?
                        .parse()
                        .ok()
                        .filter(|s: &f64| s.is_finite() && *s > 0.0)
                        .ok_or("--startup-timeout: expected seconds")?,
                );
            }
            f if f.starts_with('-') && f.len() > 1 => return Err(format!("unknown option {f}")),
            _ => a.positional.push(arg),
        }
    }
    Ok(a)
}
