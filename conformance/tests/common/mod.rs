//! What the suite's own test targets share (`kill_table`,
//! `client_kill_table`, `class`, and for their options `interop` and
//! `reference`): each includes this folder with
//! `mod common;` (Cargo makes a target of `tests/*.rs` and
//! `tests/*/main.rs` only, so this is no target of its own).
//!
//! # Layout
//! - [`args`]: the suite's options taken out of a target's arguments (or
//!   read, for a target that looks at them), and skipping the target when
//!   an implementation to grade is given.
//! - [`process`]: waiting for a child with a deadline, stopping it (or its
//!   process group), the last lines of its output.
//! - [`python`]: the `python3` the fixtures run under, resolved once.
//! - [`suite`]: one run of the `conformance` binary with its JSON report,
//!   and the clauses the report gives a status.
//! - [`table`]: what a kill table expects of a variant's failing clauses,
//!   its rows, and how its printed table marks them.

// Each target uses a part of these helpers: what one leaves unused is not
// dead code of the other.
#![allow(dead_code)]

pub mod args;
pub mod process;
pub mod python;
pub mod suite;
pub mod table;
