//! `ls` of a directory with 10,000 entries: one command, a `200 10000`
//! reply and 10,000 entry lines; then `baseline/readdir_10000`: the same
//! directory read, typed and sorted locally, the least work an `ls` of it
//! needs.

use std::hint::black_box;

use benches::bench;
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
    let entries = Some(Throughput::Elements(ENTRIES as u64));

    bench(c, "ls", "10000", entries.clone(), 0, |b| {
        b.iter(|| {
            let count = client.ls(Some(&big)).expect("ls");
            assert_eq!(count, ENTRIES as u64);
        });
    });
    bench(c, "baseline", "readdir_10000", entries, 0, |b| {
        b.iter(|| {
            let mut names: Vec<(String, bool)> = std::fs::read_dir(&dir)
                .expect("read_dir")
                .map(|entry| {
                    let entry = entry.expect("entry");
                    let is_dir = entry.file_type().expect("file type").is_dir();
                    (entry.file_name().to_string_lossy().into_owned(), is_dir)
                })
                .collect();
            names.sort_unstable();
            black_box(names)
        });
    });
}

criterion_group!(benches, listing);
criterion_main!(benches);
