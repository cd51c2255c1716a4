//! `small-downloads`: where a 4 KiB download's time goes, with the
//! client's own work taken out. One client, as small as can be (it writes
//! a request and reads until it has the reply's bytes, parsing nothing),
//! downloads a 4 KiB file from three servers in turns, pinned with them to
//! CPU 0:
//!
//! - the reference server (`--log-level warn`);
//! - `baseline-server least-mftp`: the least an mftp/1 server can do for
//!   `download NAME` (`benches::least_mftp`);
//! - `baseline-server transfer`: the plain transfer, no name, no text.
//!
//! ```text
//! cargo build --release -p benches --bins     # it starts baseline-server
//! cargo run --release -p benches --bin small-downloads               # ~30 s
//! cargo run --release -p benches --bin small-downloads -- --rounds 80
//! ```
//!
//! Each round times 3,000 downloads from each server, in the opposite
//! order every other round; the medians over the rounds are printed, and
//! the ratios as throughput (higher is better). The criterion figures
//! (`download/4KiB` and its baselines) also count the benchmark client's
//! parsing of the mftp/1 reply, which the plain transfer does not have.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Instant;

use anyhow::{Context as _, ensure};
use benches::client::greeted_session;
use benches::server::{BaselineProcess, Server};

const SIZE: usize = 4096;
const PER_ROUND: u32 = 3_000;

fn main() -> anyhow::Result<()> {
    let rounds: usize = match std::env::args().nth(1).as_deref() {
        Some("--rounds") => std::env::args()
            .nth(2)
            .context("--rounds needs a number")?
            .parse()?,
        Some(other) => {
            anyhow::bail!("unknown argument {other}; usage: small-downloads [--rounds N]")
        }
        None => 40,
    };
    // Before the servers start: they inherit the CPU.
    let _pin = benches::pin_to_one_cpu();
    let server = Server::start(&[])?;
    let file = server.root().join("4KiB.bin");
    benches::files::create_random(&file, SIZE as u64)?;
    let helper = std::env::current_exe()?.with_file_name("baseline-server");
    ensure!(
        helper.exists(),
        "{} is missing: build it first (cargo build --release -p benches --bins)",
        helper.display()
    );
    let helper = helper.to_str().context("a UTF-8 path to baseline-server")?;
    let root = server.root().as_os_str();
    let least = BaselineProcess::start(helper, ["least-mftp".as_ref(), root])?;
    let plain = BaselineProcess::transfer(helper, [file.as_os_str()])?;

    let mut plain_request = vec![b'D'];
    plain_request.extend_from_slice(&(SIZE as u64).to_le_bytes());
    let greeting = benches::baseline::greeting();
    let mftp_request = b"download 4KiB.bin\n".as_slice();
    // "150 4096\n" and the bytes.
    let mftp_reply = SIZE + 9;
    let mut targets = [
        (
            "reference server",
            greeted_session(server.addr(), &greeting)?,
            mftp_request,
            mftp_reply,
        ),
        (
            "least mftp/1 server",
            greeted_session(least.addr(), &greeting)?,
            mftp_request,
            mftp_reply,
        ),
        (
            "plain transfer",
            connect(plain.addr())?,
            &plain_request[..],
            SIZE,
        ),
    ];
    let mut times: [Vec<f64>; 3] = Default::default();
    let mut buf = vec![0_u8; 64 * 1024];
    for round in 0..rounds {
        for k in 0..targets.len() {
            let i = if round % 2 == 0 {
                k
            } else {
                targets.len() - 1 - k
            };
            let (_, stream, request, reply) = &mut targets[i];
            let start = Instant::now();
            for _ in 0..PER_ROUND {
                stream.write_all(request)?;
                let mut got = 0;
                while got < *reply {
                    let n = stream.read(&mut buf[got..])?;
                    ensure!(n > 0, "the server closed the connection");
                    got += n;
                }
                ensure!(got == *reply, "more bytes than one reply");
            }
            times[i].push(start.elapsed().as_secs_f64() * 1e6 / f64::from(PER_ROUND));
        }
    }
    let medians = times.map(|mut t| {
        t.sort_by(f64::total_cmp);
        t[t.len() / 2]
    });
    for ((name, ..), median) in targets.iter().zip(medians) {
        println!("{name:>20}: {median:.2} µs per 4 KiB download (median of {rounds} rounds)");
    }
    let [reference, least, plain] = medians;
    println!("reference ÷ least mftp/1: {:.3}", least / reference);
    println!("least mftp/1 ÷ plain:     {:.3}", plain / least);
    println!("reference ÷ plain:        {:.3}", plain / reference);
    Ok(())
}

fn connect(addr: std::net::SocketAddr) -> anyhow::Result<TcpStream> {
    let stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    Ok(stream)
}
