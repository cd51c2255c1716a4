//! `cargo test -p conformance -- [--server PATH | --server-cmd TEMPLATE] [filters…]`
//!
//! A `harness = false` target: the suite reads its own options and passes
//! the rest to libtest-mimic.

fn main() {
    conformance::harness::main();
}
