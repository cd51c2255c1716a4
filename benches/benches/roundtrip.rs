//! `roundtrip`: latency of small commands on an open connection, and of a
//! new session, each followed at once by its baseline.
//!
//! - `roundtrip/size`: one `size` command and its `213` reply; then
//!   `baseline/echo` (a plain, threaded TCP echo of a 20-byte message, the
//!   limit) and two diagnostics: `baseline/echo_epoll` (the echo from an
//!   epoll loop) and `baseline/echo_tokio` (from a tokio multi-thread
//!   runtime with a read timeout, how the server worked before it moved to
//!   a thread per client).
//! - `roundtrip/connect`: TCP connect and the `220` greeting, what a client
//!   pays before its first command (an FTP client also logs in and opens a
//!   data connection per transfer); then `baseline/connect`: connect and a
//!   17-byte greeting from a server that accepts, greets and closes on one
//!   thread, in a process of its own as the server is. Both through
//!   `benches::client::greeted_session`.
//! - `roundtrip/size_pipelined_100`: 100 `size` lines in one write, then the
//!   100 replies (PIPE-1), per batch; then `baseline/echo_pipelined_100`.
//!
//! Everything here runs pinned to one CPU; see `benches::pin_to_one_cpu`.

use std::net::TcpStream;

use benches::baseline::{EchoServer, EpollEchoServer, TokioEchoServer, echo, greeting, size_reply};
use benches::client::{Client, greeted_session, name};
use benches::files::{self, MIB};
use benches::server::{BaselineProcess, Server};
use benches::{bench, pin_to_one_cpu};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn connect(addr: std::net::SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect echo");
    stream.set_nodelay(true).expect("nodelay");
    stream
}

fn roundtrip(c: &mut Criterion) {
    // Before any server starts: they inherit the CPU.
    let _pin = pin_to_one_cpu();
    let server = Server::start(&[]).expect("start the reference server");
    files::create_random(&server.root().join("f.bin"), MIB).expect("create file");
    let file = name("f.bin");
    let mut client = Client::connect(server.addr()).expect("connect");
    assert_eq!(client.size(&file).expect("size"), MIB);

    let echo_server = EchoServer::start().expect("echo server");
    let mut echo_stream = connect(echo_server.addr());
    let epoll_server = EpollEchoServer::start().expect("epoll echo server");
    let mut epoll_stream = connect(epoll_server.addr());
    let tokio_server = TokioEchoServer::start().expect("tokio echo server");
    let mut tokio_stream = connect(tokio_server.addr());
    let echo_process = BaselineProcess::start(env!("CARGO_BIN_EXE_baseline-server"), ["echo"])
        .expect("start baseline-server echo");
    let mut echo_process_stream = connect(echo_process.addr());
    let greeter = BaselineProcess::start(env!("CARGO_BIN_EXE_baseline-server"), ["greeter"])
        .expect("start baseline-server greeter");
    let greeting = greeting();
    // The reply to `size f.bin`, so that both sides move as many bytes.
    let message = size_reply(MIB);
    let mut scratch = vec![0_u8; message.len() * 100];
    let batch = message.repeat(100);

    bench(c, "roundtrip", "size", None, 0, |b| {
        b.iter(|| client.size(&file).expect("size"));
    });
    bench(c, "baseline", "echo", None, 0, |b| {
        b.iter(|| echo(&mut echo_stream, &message, &mut scratch).expect("echo"));
    });
    bench(c, "baseline", "echo_epoll", None, 0, |b| {
        b.iter(|| echo(&mut epoll_stream, &message, &mut scratch).expect("echo"));
    });
    bench(c, "baseline", "echo_process", None, 0, |b| {
        b.iter(|| echo(&mut echo_process_stream, &message, &mut scratch).expect("echo"));
    });
    bench(c, "baseline", "echo_tokio", None, 0, |b| {
        b.iter(|| echo(&mut tokio_stream, &message, &mut scratch).expect("echo"));
    });

    bench(c, "roundtrip", "connect", None, 0, |b| {
        b.iter(|| greeted_session(server.addr(), &greeting).expect("connect"));
    });
    bench(c, "baseline", "connect", None, 0, |b| {
        b.iter(|| greeted_session(greeter.addr(), &greeting).expect("connect"));
    });

    let hundred = Some(Throughput::Elements(100));
    bench(
        c,
        "roundtrip",
        "size_pipelined_100",
        hundred.clone(),
        0,
        |b| {
            b.iter(|| client.size_pipelined(&file, 100).expect("pipelined size"));
        },
    );
    bench(c, "baseline", "echo_pipelined_100", hundred, 0, |b| {
        b.iter(|| echo(&mut echo_stream, &batch, &mut scratch).expect("echo"));
    });
}

criterion_group!(benches, roundtrip);
criterion_main!(benches);
