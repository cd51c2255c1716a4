//! Grades any mftp/1 server against `spec.md`, clause by clause.
//!
//! The suite starts the server under test once per case, in a temp dir of
//! its own, drives it over raw TCP bytes, and names every case after the
//! spec clauses it checks. See `README.md` for how to run it.
//!
//! # Independent of the `protocol` crate, on purpose
//!
//! The suite does not depend on the workspace's `protocol` crate, and must
//! not. The reference server and client are built on that crate; a grader
//! that parsed replies and names with it would share its bugs, and a bug
//! shared by the server and the grader passes unseen. So every rule the
//! suite judges by is written here again from `spec.md` alone: the reply
//! grammar (FRAME-6, in [`expect`]), the name rules and the SIZE-2 formula
//! ([`model`]), each applied by the suite's own parsing to the raw bytes
//! received. The independent Python server of the kill table
//! (`fixtures/python-server`) checks the suite from the other side.
//!
//! # Layout
//! Running a grade:
//! - [`harness`]: the entry point of `tests/grade.rs` and the binary
//!   (options, smoke launch, trials, summary, exit status).
//! - [`options`]: the suite's own options; the rest go to libtest-mimic.
//! - [`target`]: launching the server under test, waiting for it, reaping
//!   it, ports, the Ctrl-C registry.
//! - [`runner`]: runs one case, then the checks every case gets, and
//!   explains a failure.
//! - [`snapshot`]: accepted normalized transcripts and the comparison.
//!
//! What a case is and works with:
//! - [`case`]: the `Case` type (`Case::new(id, title, covers, run)`).
//! - [`ctx`]: its context: temp dir, standard fixture, server, connections.
//! - [`disk`]: what is on disk (trees and their difference), seen without
//!   the server.
//! - [`wire`]: one connection: sends, lines, data, close detection, with a
//!   deadline on every read; it judges nothing.
//! - [`expect`]: expectations and clause blame: the `Expect` trait on a
//!   connection, listings, and the helpers over several steps.
//! - [`fail`]: what a failed step says.
//! - [`transcript`]: the raw and normalized transcript of a case.
//! - [`cases`]: the cases, one module per area of the spec, and the data
//!   they send.
//!
//! The spec and the results:
//! - [`spec`]: clauses parsed from the compiled-in `spec.md`, their hashes.
//! - [`model`]: what spec.md fixes, as data and formulas (reserved prefix,
//!   `dec`, name components, megabytes).
//! - [`trace`]: traceability and self-checks of the suite (`TRACE …`).
//! - [`report`]: the result model, and the summary, JSON and JUnit views.
//!
//! Grading a client instead (`--client`, `--client-cmd`):
//! - [`client`]: the client suite: a scripted server per case, the client
//!   started by the launch contract of spec.md section 17.1, its cases, and
//!   the client × server interop grid (`mftp-interop`).
//!
//! Grading many implementations at once (`mftp-grade`):
//! - [`class`]: manifest, points, runs, sandbox, shards, and the class
//!   reports (HTML grid, Markdown, JSON, JUnit, TAP, Gradescope, GitHub
//!   Classroom).
//!
//! For the other crates' tests and benchmarks:
//! - [`reference`](mod@reference): find or build the reference server, start it and wait
//!   for `listening on ADDR`, kill and reap it on drop.

pub mod case;
pub mod cases;
pub mod class;
pub mod client;
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
