//! Integration tests of `reference-client` against the real reference
//! server, started on port 0 in a temporary directory for each test.
//!
//! One test binary, one module per area (see STYLE.md).

mod interactive;
mod oneshot;
mod script;
mod support;
mod transfer;
