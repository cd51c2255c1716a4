//! A recording TCP proxy in front of the server of a cell: both directions
//! of the connection it serves, in order, and their transcript cut into
//! replies, entries and data as the transcript of a case is.

use crate::client::launch::HOST;
use crate::target::POLL;
use crate::transcript::{Event, Log};
use std::io::{Read as _, Write as _};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

/// Which way bytes went through the proxy.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Way {
    /// Client to server.
    Up,
    /// Server to client.
    Down,
}

/// What the proxy saw, in order.
enum Seen {
    Bytes(Way, Vec<u8>),
    /// That side closed its sending direction.
    End(Way),
}

/// A TCP proxy on 127.0.0.1 in front of a server, recording both
/// directions of the one connection it serves. Every thread it starts
/// ends when [`Proxy::finish`] shuts its sockets down.
pub(super) struct Proxy {
    /// Where the client connects.
    pub(super) port: u16,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    pumps: Arc<Mutex<Vec<JoinHandle<()>>>>,
    conn: usize,
    log: Log,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Proxy {
    pub(super) fn start(server_port: u16, conn: usize, log: Log) -> std::io::Result<Proxy> {
        let listener = TcpListener::bind((HOST, 0))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let stop = Arc::new(AtomicBool::new(false));
        let streams: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let pumps: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let acceptor = {
            let (stop, streams, seen, pumps) =
                (stop.clone(), streams.clone(), seen.clone(), pumps.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let Ok((client, _)) = listener.accept() else {
                        std::thread::sleep(POLL);
                        continue;
                    };
                    let Ok(server) = TcpStream::connect((HOST, server_port)) else {
                        let _ = client.shutdown(Shutdown::Both);
                        continue;
                    };
                    let _ = client.set_nonblocking(false);
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
                        continue;
                    };
                    lock(&streams).extend(
                        [client.try_clone(), server.try_clone()]
                            .into_iter()
                            .flatten(),
                    );
                    let up = pump(client, server, Way::Up, seen.clone());
                    let down = pump(s2, c2, Way::Down, seen.clone());
                    lock(&pumps).extend([up, down]);
                }
            })
        };
        Ok(Proxy {
            port,
            stop,
            acceptor: Some(acceptor),
            streams,
            seen,
            pumps,
            conn,
            log,
        })
    }

    /// Stops the proxy and logs what it saw as transcript events.
    pub(super) fn finish(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(a) = self.acceptor.take() {
            let _ = a.join();
        }
        for s in lock(&self.streams).iter() {
            let _ = s.shutdown(Shutdown::Both);
        }
        let pumps = std::mem::take(&mut *lock(&self.pumps));
        for p in pumps {
            let _ = p.join();
        }
        let seen = std::mem::take(&mut *lock(&self.seen));
        for e in transcript(&seen, self.conn) {
            self.log.push(e);
        }
    }
}

/// Copies `from` to `to`, recording each chunk before forwarding it.
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    way: Way,
    seen: Arc<Mutex<Vec<Seen>>>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => {
                    lock(&seen).push(Seen::End(way));
                    let _ = to.shutdown(Shutdown::Write);
                    return;
                }
                Ok(n) => {
                    lock(&seen).push(Seen::Bytes(way, buf[..n].to_vec()));
                    if to.write_all(&buf[..n]).is_err() {
                        let _ = from.shutdown(Shutdown::Both);
                        return;
                    }
                }
            }
        }
    })
}

/// Cuts what the proxy saw into transcript events: command lines and
/// upload data from the client; reply lines, listing entries and download
/// data from the server (the `150` after a `download` or `upload` and the
/// `200 n` of a listing say how many bytes or lines follow).
fn transcript(seen: &[Seen], conn: usize) -> Vec<Event> {
    #[derive(PartialEq)]
    enum Last {
        Download,
        Upload,
        Other,
    }
    let mut out = Vec::new();
    let (mut up_line, mut down_line) = (Vec::new(), Vec::new());
    let (mut up_data, mut down_data, mut entries) = (0u64, 0u64, 0u64);
    let (mut up_count, mut down_count) = (0usize, 0usize);
    let mut last = Last::Other;
    for s in seen {
        match s {
            Seen::Bytes(Way::Up, bytes) => {
                let mut rest = bytes.as_slice();
                while !rest.is_empty() {
                    if up_data > 0 {
                        let k = usize::try_from(up_data)
                            .unwrap_or(usize::MAX)
                            .min(rest.len());
                        up_data -= k as u64;
                        up_count += k;
                        rest = &rest[k..];
                        if up_data == 0 {
                            out.push(Event::SentData { conn, n: up_count });
                            up_count = 0;
                        }
                        continue;
                    }
                    let Some(i) = rest.iter().position(|&b| b == b'\n') else {
                        up_line.extend_from_slice(rest);
                        break;
                    };
                    up_line.extend_from_slice(&rest[..=i]);
                    rest = &rest[i + 1..];
                    let verb = up_line.split(|&b| b == b' ').next().unwrap_or(b"");
                    last = if verb.eq_ignore_ascii_case(b"download") {
                        Last::Download
                    } else if verb.eq_ignore_ascii_case(b"upload") {
                        Last::Upload
                    } else {
                        Last::Other
                    };
                    out.push(Event::Sent {
                        conn,
                        bytes: std::mem::take(&mut up_line),
                        how: None,
                    });
                }
            }
            Seen::Bytes(Way::Down, bytes) => {
                let mut rest = bytes.as_slice();
                while !rest.is_empty() {
                    if down_data > 0 {
                        let k = usize::try_from(down_data)
                            .unwrap_or(usize::MAX)
                            .min(rest.len());
                        down_data -= k as u64;
                        down_count += k;
                        rest = &rest[k..];
                        if down_data == 0 {
                            out.push(Event::Data {
                                conn,
                                n: down_count,
                            });
                            down_count = 0;
                        }
                        continue;
                    }
                    let Some(i) = rest.iter().position(|&b| b == b'\n') else {
                        down_line.extend_from_slice(rest);
                        break;
                    };
                    down_line.extend_from_slice(&rest[..=i]);
                    rest = &rest[i + 1..];
                    let raw = std::mem::take(&mut down_line);
                    if entries > 0 {
                        entries -= 1;
                        out.push(Event::Entry { conn, raw });
                        continue;
                    }
                    let text = String::from_utf8_lossy(&raw);
                    let mut words = text.trim_end().split(' ');
                    let code = words.next().unwrap_or("");
                    let n = words
                        .next()
                        .and_then(|w| w.parse::<u64>().ok())
                        .unwrap_or(0);
                    match code {
                        "150" if last == Last::Download => down_data = n,
                        "150" if last == Last::Upload => up_data = n,
                        "200" => entries = n,
                        _ => {}
                    }
                    out.push(Event::Reply { conn, raw });
                }
            }
            Seen::End(way) => {
                if *way == Way::Up && up_count > 0 {
                    out.push(Event::SentData { conn, n: up_count });
                    up_count = 0;
                }
                if *way == Way::Down && down_count > 0 {
                    out.push(Event::Data {
                        conn,
                        n: down_count,
                    });
                    down_count = 0;
                }
                let partial = if *way == Way::Up {
                    &mut up_line
                } else {
                    &mut down_line
                };
                if !partial.is_empty() {
                    let bytes = std::mem::take(partial);
                    out.push(if *way == Way::Up {
                        Event::Sent {
                            conn,
                            bytes,
                            how: Some("no LF".into()),
                        }
                    } else {
                        Event::Reply { conn, raw: bytes }
                    });
                }
                out.push(if *way == Way::Up {
                    Event::Hangup { conn }
                } else {
                    Event::Closed { conn }
                });
            }
        }
    }
    out
}
