//! `ls` of a directory with 10,000 entries: one command, a `200 10000`
//! reply and 10,000 entry lines. Compare with `baseline/readdir_10000`, the
//! same directory read and sorted locally.

use benches::client::{Client, name};
use benches::server::Server;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const ENTRIES: usize = 10_000;

fn listing(c: &mut Criterion) {
    let server = Server::start(&[]).expect("start the reference server");
    let dir = server.root().join("big");
    std::fs::create_dir(&dir).expect("create big/");
    benches::create_entries(&dir, ENTRIES).expect("create entries");
    let big = name("big");
    let mut client = Client::connect(server.addr()).expect("connect");

    let mut group = c.benchmark_group("ls");
    benches::plan(&mut group, Some(Throughput::Elements(ENTRIES as u64)), 0);
    group.bench_function("10000", |b| {
        b.iter(|| {
            let count = client.ls(Some(&big)).expect("ls");
            assert_eq!(count, ENTRIES as u64);
        });
    });
    group.finish();
}

criterion_group!(benches, listing);
criterion_main!(benches);
