//! `echo-server`: the same plain, threaded echo as `baseline/echo`, in a
//! process of its own, for the `baseline/echo_process` diagnostic: the
//! reference server is a separate process from the benchmark client, and on
//! a VM a switch between processes costs more than one between threads.
//!
//! Prints `listening on ADDR` on stdout, then serves until stdin closes
//! (its parent ended), so it never outlives the benchmark.

fn main() -> anyhow::Result<()> {
    let server = benches::baseline::EchoServer::start()?;
    println!("listening on {}", server.addr());
    let mut sink = String::new();
    while std::io::stdin().read_line(&mut sink)? > 0 {
        sink.clear();
    }
    Ok(())
}
