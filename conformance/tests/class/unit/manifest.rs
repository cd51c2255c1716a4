//! `class::manifest`: defaults, `[defaults]`, paths resolved against the
//! manifest, and the errors of a bad one.

use super::{R, ensure};
use conformance::class::manifest;
use std::time::Duration;

const MINIMAL: &str = r#"
name = "c"
[[implementation]]
name = "a"
command = "./s --root {root} --port {port}"
"#;

pub(super) fn manifest_parse() -> R {
    let m = manifest::parse(MINIMAL)?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("m.toml");
    std::fs::write(
        &path,
        format!("{MINIMAL}workdir = \"sub/../w\"\nsetup = \"make\"\nstep_timeout = 2\n[defaults]\ntime_limit = 30\n"),
    )
    .map_err(|e| e.to_string())?;
    // `[defaults]` after [[implementation]] is a table of the manifest.
    let loaded = manifest::load(&path)?;
    let jobs = loaded.jobs(None);
    let j = &jobs[0];
    ensure(m.implementations.len() == 1, "one implementation")?;
    ensure(
        j.workdir == dir.path().join("w"),
        format!("workdir {}", j.workdir.display()),
    )?;
    ensure(j.setup.as_deref() == Some("make"), "setup")?;
    ensure(j.step_timeout == Some(2.0), "step_timeout")?;
    ensure(
        j.time_limit == Duration::from_secs(30),
        format!("time_limit from [defaults]: {:?}", j.time_limit),
    )?;
    ensure(
        j.limits
            == manifest::Limits {
                cpu_seconds: Some(60),
                memory_mb: Some(4096),
                file_size_mb: Some(1024),
                processes: Some(0),
            },
        format!("default limits {:?}", j.limits),
    )?;
    ensure(loaded.sha256.len() == 64, "manifest hash")?;
    for (bad, why) in [
        (
            "name = \"c\"\n[[implementation]]\nname = \"a\"\ncomand = \"x {root} {port}\"\n",
            "unknown",
        ),
        (
            "name = \"c\"\n[[implementation]]\nname = \"a\"\ncommand = \"x {root}\"\n",
            "{port}",
        ),
        (
            "name = \"c\"\n[[implementation]]\nname = \"a\"\n",
            "`command` is missing",
        ),
        (
            "name = \"c\"\n[[implementation]]\ncommand = \"x {root} {port}\"\n",
            "no `name`",
        ),
        (
            &format!(
                "{MINIMAL}[[implementation]]\nname = \"a\"\ncommand = \"y {{root}} {{port}}\"\n"
            ),
            "two implementations",
        ),
        ("name = \"c\"\n", "no [[implementation]]"),
        (
            &format!("{MINIMAL}[scoring.sections]\n\"99\" = 5\n"),
            "names no section",
        ),
        (
            &format!("{MINIMAL}[scoring]\nhidden = [\"NOPE-*\"]\n"),
            "matches no clause",
        ),
        (
            &format!("{MINIMAL}[scoring.clauses]\n\"NOPE-1\" = 1\n"),
            "not a clause",
        ),
        (
            &format!("{MINIMAL}[scoring]\nflaky = \"half\"\n"),
            "unknown variant",
        ),
        (&format!("{MINIMAL}time_limit = -1\n"), "positive"),
    ] {
        match manifest::parse(bad) {
            Err(e) if e.contains(why) => {}
            other => {
                return Err(format!(
                    "manifest {bad:?}: expected an error with {why:?}, got {other:?}"
                )
                .into());
            }
        }
    }
    Ok(())
}
