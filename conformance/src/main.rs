//! `conformance`: the same suite as `cargo test -p conformance`, as a
//! binary an instructor can copy next to forty student servers:
//! `conformance --server ./server` or `conformance --server-cmd '…'`.

fn main() {
    conformance::harness::main();
}
