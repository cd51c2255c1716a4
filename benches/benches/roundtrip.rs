//! `roundtrip`: latency of small commands on an open connection, and of a
//! new session.
//!
//! - `roundtrip/size`: one `size` command and its `213` reply.
//! - `roundtrip/size_pipelined_100`: 100 `size` lines in one write, then
//!   the 100 replies (PIPE-1); the figure is per batch.
//! - `roundtrip/connect`: TCP connect and the `220` greeting: what a client
//!   pays before its first command (an FTP client also logs in and opens a
//!   data connection per transfer).

use benches::client::{Client, name};
use benches::files::{self, MIB};
use benches::server::Server;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn roundtrip(c: &mut Criterion) {
    // Before the server starts: it inherits the CPU, as the echo servers of
    // `baseline` do.
    let _pin = benches::pin_to_one_cpu();
    let server = Server::start(&[]).expect("start the reference server");
    files::create_random(&server.root().join("f.bin"), MIB).expect("create file");
    let file = name("f.bin");
    let mut client = Client::connect(server.addr()).expect("connect");
    assert_eq!(client.size(&file).expect("size"), MIB);

    let mut group = c.benchmark_group("roundtrip");
    benches::plan(&mut group, None, 0);
    group.bench_function("size", |b| {
        b.iter(|| client.size(&file).expect("size"));
    });
    group.bench_function("connect", |b| {
        b.iter(|| Client::connect(server.addr()).expect("connect"));
    });
    // Last: criterion cannot unset a group's throughput.
    benches::plan(&mut group, Some(Throughput::Elements(100)), 0);
    group.bench_function("size_pipelined_100", |b| {
        b.iter(|| client.size_pipelined(&file, 100).expect("pipelined size"));
    });
    group.finish();
}

criterion_group!(benches, roundtrip);
criterion_main!(benches);
