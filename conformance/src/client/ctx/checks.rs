//! The checks of what the client did: its exit status (CLIENT-2), what its
//! output contains or lacks, what its working directory holds, and what
//! must not appear there for a while.

use super::{Ctx, harness};
use crate::disk::{file_node, tree, tree_diff};
use crate::fail::Fail;
use crate::target::describe_status;
use std::process::ExitStatus;
use std::time::Duration;

/// What the exit status of a run must say (CLIENT-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Status 0: every command succeeded.
    Success,
    /// A non-zero status: a command failed.
    Failure,
}

impl Ctx {
    /// Waits for the client to exit ([`Ctx::wait_exit`]); its status must
    /// say `want` (CLIENT-2: a signal is no exit status). Cases check what
    /// the client did (files, output) before they call this, so that a
    /// wrong status alone is blamed on CLIENT-2.
    ///
    /// # Errors
    /// Still running, killed by a signal, or the wrong status.
    pub fn expect_exit(&mut self, want: Exit) -> Result<ExitStatus, Fail> {
        let status = self.wait_exit()?;
        let ok = match want {
            Exit::Success => status.code() == Some(0),
            Exit::Failure => status.code().is_some_and(|c| c != 0),
        };
        if ok {
            return Ok(status);
        }
        let expected = match want {
            Exit::Success => "exit status 0: every command succeeded",
            Exit::Failure => "a non-zero exit status: a command failed",
        };
        Err(Fail::mismatch("CLIENT-2", expected, describe_status(status)).at("(exit status)"))
    }

    /// The client's stdout and stderr of the current run.
    ///
    /// # Errors
    /// No client launched.
    pub fn output(&mut self) -> Result<String, Fail> {
        Ok(self.running()?.output())
    }

    /// The output (stdout or stderr) contains every one of `needles`.
    ///
    /// # Errors
    /// One is missing.
    pub fn expect_output(&mut self, needles: &[&str], clause: &'static str) -> Result<(), Fail> {
        let out = self.output()?;
        for n in needles {
            if !out.contains(n) {
                return Err(output_fail(
                    clause,
                    format!("the client's output (stdout or stderr) contains {n:?}"),
                    "it does not",
                    &out,
                ));
            }
        }
        Ok(())
    }

    /// The output contains at least one of `alternatives`.
    ///
    /// # Errors
    /// None is there.
    pub fn expect_output_any(
        &mut self,
        alternatives: &[&str],
        clause: &'static str,
        what: &str,
    ) -> Result<(), Fail> {
        let out = self.output()?;
        if alternatives.iter().any(|a| out.contains(a)) {
            return Ok(());
        }
        let list: Vec<String> = alternatives.iter().map(|a| format!("{a:?}")).collect();
        Err(output_fail(
            clause,
            format!(
                "the client's output (stdout or stderr) shows {what}: it contains {}",
                list.join(" or ")
            ),
            "it does not",
            &out,
        ))
    }

    /// The working directory holds what it held when the run started plus
    /// exactly the files `saved` (name, content), nothing else (CLIENT-1:
    /// only downloads are saved there; `clause` for the files' content and
    /// for leftovers).
    ///
    /// # Errors
    /// Another tree.
    pub fn expect_work(&self, saved: &[(&str, &[u8])], clause: &'static str) -> Result<(), Fail> {
        let at = "checking the working directory";
        for (name, bytes) in saved {
            let path = self.work.join(name);
            let expected = format!(
                "the local file {name:?} holding exactly the {} bytes sent",
                bytes.len()
            );
            let got = match std::fs::symlink_metadata(&path) {
                Ok(m) if m.is_file() => std::fs::read(&path).map_err(|e| harness(&e))?,
                Ok(m) => {
                    let what = format!("{name:?} is not a regular file ({:?})", m.file_type());
                    return Err(Fail::mismatch(clause, expected, what).at(at));
                }
                Err(_) => {
                    return Err(Fail::mismatch(clause, expected, "there is no such file").at(at));
                }
            };
            if got != *bytes {
                let first = got.iter().zip(bytes.iter()).position(|(a, b)| a != b);
                let what = match first {
                    Some(i) => format!("{} bytes, differing first at offset {i}", got.len()),
                    None => format!("{} bytes, the same as far as both go", got.len()),
                };
                return Err(Fail::mismatch(clause, expected, what).at(at));
            }
        }
        let mut want = self.work_before.clone();
        for (name, bytes) in saved {
            want.insert((*name).to_string(), file_node(bytes));
        }
        let now = tree(&self.work);
        if now == want {
            return Ok(());
        }
        let expected = if saved.is_empty() {
            "the working directory as it was when the client started".to_string()
        } else {
            let names: Vec<&str> = saved.iter().map(|s| s.0).collect();
            format!("the working directory as it was when the client started, plus {names:?}")
        };
        Err(Fail::mismatch(clause, expected, tree_diff(&want, &now)).at(at))
    }

    /// The output contains none of `needles`.
    ///
    /// # Errors
    /// One is there.
    pub fn expect_output_lacks(
        &mut self,
        needles: &[&str],
        clause: &'static str,
    ) -> Result<(), Fail> {
        let out = self.output()?;
        for n in needles {
            if out.contains(n) {
                return Err(output_fail(
                    clause,
                    format!("the client's output (stdout or stderr) does not contain {n:?}"),
                    "it does",
                    &out,
                ));
            }
        }
        Ok(())
    }

    /// Nothing named `name` appears in the working directory for `time`
    /// (a bounded look for something that must not happen).
    ///
    /// # Errors
    /// It appears.
    pub fn expect_absent_for(
        &self,
        name: &str,
        time: Duration,
        clause: &'static str,
        expected: &str,
    ) -> Result<(), Fail> {
        let path = self.work.join(name);
        if crate::ctx::wait_for(time, || path.symlink_metadata().is_ok()) {
            let len = path.symlink_metadata().map(|m| m.len()).unwrap_or(0);
            return Err(Fail::mismatch(
                clause,
                expected,
                format!("{name:?} exists ({len} bytes so far) while the data is still coming"),
            )
            .at("watching the working directory during the download"));
        }
        Ok(())
    }
}

/// An output check's failure: what was expected, whether the output has
/// it, and the output itself (its last lines).
fn output_fail(clause: &'static str, expected: String, it: &str, out: &str) -> Fail {
    Fail::mismatch(
        clause,
        expected,
        format!("{it}; its output:\n{}", crate::runner::indent(&clip(out))),
    )
    .at("(output)")
}

/// At most the last 40 lines of `s`.
fn clip(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}
