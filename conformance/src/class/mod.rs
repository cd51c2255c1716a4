//! Grading a whole class: `mftp-grade MANIFEST.toml` runs the suite
//! against many implementations, scores them, and writes the formats
//! courses use (see the "Grading a class" section of the README).
//!
//! # Layout
//! - [`manifest`]: the TOML manifest (implementations, settings, limits).
//! - [`points`]: what each clause is worth; what a cell earns.
//! - [`model`]: the class result model every report is a view of, and the
//!   pure functions that build it from what the runner saw.
//! - [`run`]: grading, a bounded number at once, each through the
//!   `conformance` binary as a subprocess; reruns; progress bars.
//! - [`sandbox`]: bubblewrap and the resource limits.
//! - [`diagnosis`]: first contact: one explanation when every case stops
//!   at the same first step, with a hint from a probe of the server.
//! - [`procfs`]: what `/proc` says (children, listening ports).
//! - [`shard`], [`merge`]: grading on several machines.
//! - [`report`]: the writers (HTML, Markdown, JSON, JUnit, TAP, Gradescope,
//!   GitHub Classroom, terminal).
//! - [`cli`]: the command line.

pub mod cli;
pub mod diagnosis;
pub mod manifest;
pub mod merge;
pub mod model;
pub mod points;
pub mod procfs;
pub mod report;
pub mod run;
pub mod sandbox;
pub mod shard;
