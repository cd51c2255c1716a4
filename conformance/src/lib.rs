//! Grades any mftp/1 server against `spec.md`, clause by clause.
//!
//! The suite starts the server under test once per case, in a temp dir of
//! its own, drives it over raw TCP bytes, and names every case after the
//! spec clauses it checks. See `README.md` for how to run it.
//!
//! # Layout
//! - [`harness`]: the entry point of `tests/grade.rs` (options, smoke
//!   launch, trials, summary, exit status).
//! - [`options`]: the suite's own options; the rest go to libtest-mimic.
//! - [`spec`]: clauses parsed from the compiled-in `spec.md`, their hashes.
//! - [`target`]: launching, waiting for and reaping server processes.
//! - [`wire`]: one connection: raw sends, reply lines, data, deadlines.
//! - [`transcript`]: the raw and normalized transcript of a case.
//! - [`case`]: a case, its context (temp dir, fixture, server), the runner
//!   that explains failures and compares snapshots.
//! - [`fail`]: what a failed step says.
//! - [`cases`]: the cases, one module per area of the spec.
//! - [`trace`]: traceability and self-checks of the suite.
//! - [`report`]: summary, JSON and JUnit reports.

pub mod case;
pub mod cases;
pub mod ctx;
pub mod disk;
pub mod expect;
pub mod fail;
pub mod harness;
pub mod model;
pub mod options;
pub mod reference;
pub mod report;
pub mod runner;
pub mod snapshot;
pub mod spec;
pub mod target;
pub mod trace;
pub mod transcript;
pub mod wire;
