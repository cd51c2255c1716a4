//! Integration tests of the reference server: each starts the real binary
//! on port 0 in its own temp dir (see `support`).

mod commands;
mod concurrency;
mod faults;
mod kept_open;
mod launch;
mod limits;
mod logging;
mod memory;
mod parking;
mod security;
mod support;
mod upload;
