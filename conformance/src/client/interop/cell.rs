//! One cell of the grid: a fresh root seeded with the fixture, the server
//! behind the recording proxy, the client's two sessions in a fresh
//! working directory, then the checks of what both sides hold and what
//! the client showed.

use super::proxy::Proxy;
use super::{Cell, Check, Implementation, Plan};
use crate::cases::random;
use crate::client::launch::{Running, Setup};
use crate::disk::{Node, tree};
use crate::options::{ClientSpec, ServerSpec};
use crate::runner::indent;
use crate::target::{Server, tail};
use crate::transcript::{Log, render};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

/// The files of the fixed script.
pub(super) struct Fixture {
    hello: Vec<u8>,
    my_file: Vec<u8>,
    naive: Vec<u8>,
    big: Vec<u8>,
    readme: Vec<u8>,
    up: Vec<u8>,
    text: Vec<u8>,
}

const TEXT_NAME: &str = "ünï cødé.txt";

impl Fixture {
    pub(super) fn new() -> Fixture {
        Fixture {
            hello: b"hello\n".to_vec(),
            my_file: b"a name with a space\n".to_vec(),
            naive: (0..=255u8).collect(),
            big: random(3 << 20, 3),
            readme: b"read me\n".to_vec(),
            up: random((1 << 20) + 7, 7),
            text: "h\u{e9}llo w\u{f6}rld \u{20ac}\u{1f600}\r\n"
                .as_bytes()
                .to_vec(),
        }
    }

    fn seed(&self, root: &Path, work: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(root.join("docs"))?;
        std::fs::create_dir_all(root.join("café"))?;
        std::fs::write(root.join("hello.txt"), &self.hello)?;
        std::fs::write(root.join("my file.txt"), &self.my_file)?;
        std::fs::write(root.join("café/naïve.bin"), &self.naive)?;
        std::fs::write(root.join("big.bin"), &self.big)?;
        std::fs::write(root.join("docs/readme.md"), &self.readme)?;
        std::fs::write(work.join("up.bin"), &self.up)?;
        std::fs::write(work.join(TEXT_NAME), &self.text)
    }
}

/// The script of session 1, which must succeed.
const SESSION: &str = "connme\nls\nls docs\nsize big.bin\ndownload big.bin\ndownload my file.txt\ndownload café/naïve.bin\nupload up.bin\nupload ünï cødé.txt\nrm hello.txt\nls\nbyebye\n";
/// The script of session 2, which must fail.
const FAILING: &str = "connme\nsize nope.txt\n";

/// Collects the checks of one cell.
#[derive(Default)]
struct Checks(Vec<Check>);

impl Checks {
    fn check(&mut self, what: impl Into<String>, result: Result<(), String>) -> bool {
        let ok = result.is_ok();
        self.0.push(Check {
            what: what.into(),
            ok,
            detail: result.err().unwrap_or_default(),
        });
        ok
    }
}

/// Runs `client` against `server` and checks the outcome.
pub(super) fn run_cell(
    plan: &Plan,
    fixture: &Fixture,
    client: &Implementation,
    server: &Implementation,
) -> Cell {
    let started = Instant::now();
    let mut checks = Checks::default();
    let log = Log::default();
    let mut client_output = String::new();
    let mut server_stderr = String::new();
    let outcome = (|| -> Result<(), String> {
        let dir = tempfile::Builder::new()
            .prefix("mftp-interop-")
            .tempdir()
            .map_err(|e| format!("temp dir: {e}"))?;
        let (root, work, home) = (
            dir.path().join("root"),
            dir.path().join("work"),
            dir.path().join("home"),
        );
        for d in [&root, &work, &home] {
            std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        fixture
            .seed(&root, &work)
            .map_err(|e| format!("fixture: {e}"))?;
        let spec = ServerSpec::Template(server.command.clone());
        let mut srv =
            match Server::start(&spec, &plan.base_dir, &root, dir.path(), &[], plan.startup) {
                Ok(s) => s,
                Err(e) => {
                    checks.check("the server starts (LAUNCH-1)", Err(e.to_string()));
                    return Ok(());
                }
            };
        srv.spare = None;
        let client_spec = ClientSpec::Template(client.command.clone());
        let session = |n: usize, script: &str, out: &mut String| -> Result<Option<i32>, String> {
            let proxy =
                Proxy::start(srv.port, n, log.clone()).map_err(|e| format!("proxy: {e}"))?;
            let stdin = dir.path().join(format!("stdin-{n}.txt"));
            std::fs::write(&stdin, script).map_err(|e| format!("{e}"))?;
            let tag = format!("client-{n}");
            let setup = Setup {
                work: &work,
                home: &home,
                stdin: &stdin,
                log_dir: dir.path(),
                tag: &tag,
            };
            log.note(format!(
                "session {n}: {}",
                script.trim_end().replace('\n', " / ")
            ));
            let mut running = Running::start(&client_spec, &setup, proxy.port, &[])
                .map_err(|e| format!("could not start the client: {e}"))?;
            let status = running.wait_exit(plan.session);
            proxy.finish();
            let _ = writeln!(
                out,
                "session {n}, stdout:\n{}\nsession {n}, stderr:\n{}",
                indent(&tail(&dir.path().join(format!("{tag}.stdout")), 40)),
                indent(&tail(&dir.path().join(format!("{tag}.stderr")), 40))
            );
            match status {
                Some(st) => Ok(Some(st.code().unwrap_or(-1))),
                None => Ok(None),
            }
        };

        let status = session(1, SESSION, &mut client_output)?;
        let output_1 = read_output(dir.path(), "client-1");
        let finished = checks.check(
            format!("session 1 ends within {} s", plan.session.as_secs()),
            status
                .map(drop)
                .ok_or_else(|| "the client was still running and was killed".to_string()),
        );
        if finished {
            checks.check(
                "session 1 exits with status 0 (CLIENT-2)",
                match status {
                    Some(0) => Ok(()),
                    other => Err(format!("exit status {}", other.unwrap_or(-1))),
                },
            );
        }
        let saved: [(&str, &[u8]); 5] = [
            ("big.bin", &fixture.big),
            ("my file.txt", &fixture.my_file),
            ("naïve.bin", &fixture.naive),
            ("up.bin", &fixture.up),
            (TEXT_NAME, &fixture.text),
        ];
        checks.check(
            "downloads saved intact, local files unchanged, nothing else left (CLIENT-17, DOWNLOAD-1)",
            same_tree(&work, "the client's working directory", &saved),
        );
        let stored: [(&str, &[u8]); 6] = [
            ("big.bin", &fixture.big),
            ("my file.txt", &fixture.my_file),
            ("café/naïve.bin", &fixture.naive),
            ("docs/readme.md", &fixture.readme),
            ("up.bin", &fixture.up),
            (TEXT_NAME, &fixture.text),
        ];
        checks.check(
            "uploads stored intact, hello.txt removed (CLIENT-16, UPLOAD-4, RM-1)",
            same_tree(&root, "the server's root", &stored),
        );
        checks.check(
            "the listings and the size are shown (CLIENT-12, CLIENT-13)",
            shown(&output_1, &["docs/", "big.bin", "my file.txt", "readme.md"])
                .and_then(|()| shown_any(&output_1, &["3145728", "3.00"])),
        );

        let status = session(2, FAILING, &mut client_output)?;
        let output_2 = read_output(dir.path(), "client-2");
        checks.check(
            "session 2 (size of a missing file) exits non-zero and shows the 550 (CLIENT-2, CLIENT-8, SIZE-3)",
            match status {
                None => Err("the client was still running and was killed".into()),
                Some(0) => Err("exit status 0".into()),
                Some(_) => shown_any(&output_2, &["550"]),
            },
        );
        if let Some(st) = srv.exit_status() {
            checks.check(
                "the server keeps running (CONC-2)",
                Err(format!("it exited: {}", crate::target::describe_status(st))),
            );
        }
        server_stderr = srv.stderr_tail(12);
        Ok(())
    })();
    if let Err(e) = outcome {
        checks.check("the cell could be run", Err(e));
    }
    Cell {
        client: client.name.clone(),
        server: server.name.clone(),
        checks: checks.0,
        transcript: render(&log.events(), false),
        client_output,
        server_stderr,
        secs: started.elapsed().as_secs_f64(),
    }
}

fn read_output(dir: &Path, tag: &str) -> String {
    let mut s = std::fs::read_to_string(dir.join(format!("{tag}.stdout"))).unwrap_or_default();
    s.push('\n');
    s.push_str(&std::fs::read_to_string(dir.join(format!("{tag}.stderr"))).unwrap_or_default());
    s
}

fn shown(output: &str, needles: &[&str]) -> Result<(), String> {
    match needles.iter().find(|n| !output.contains(**n)) {
        None => Ok(()),
        Some(n) => Err(format!("the client's output does not contain {n:?}")),
    }
}

fn shown_any(output: &str, needles: &[&str]) -> Result<(), String> {
    if needles.iter().any(|n| output.contains(n)) {
        Ok(())
    } else {
        Err(format!("the client's output contains none of {needles:?}"))
    }
}

/// `dir` holds exactly the files `want` (and their directories), with
/// these contents; server-reserved `.mftp*` directories are allowed.
fn same_tree(dir: &Path, label: &str, want: &[(&str, &[u8])]) -> Result<(), String> {
    let mut problems = Vec::new();
    for (name, bytes) in want {
        match std::fs::read(dir.join(name)) {
            Ok(got) if got == *bytes => {}
            Ok(got) => problems.push(format!(
                "{name}: {} bytes, expected {} (first difference at offset {})",
                got.len(),
                bytes.len(),
                got.iter()
                    .zip(bytes.iter())
                    .position(|(a, b)| a != b)
                    .unwrap_or(got.len().min(bytes.len()))
            )),
            Err(e) => problems.push(format!("{name}: {e}")),
        }
    }
    let expected: BTreeMap<String, ()> = want
        .iter()
        .flat_map(|(name, _)| {
            let mut parts = Vec::new();
            let mut at = String::new();
            for c in name.split('/') {
                if !at.is_empty() {
                    at.push('/');
                }
                at.push_str(c);
                parts.push((at.clone(), ()));
            }
            parts
        })
        .collect();
    for (name, node) in tree(dir) {
        let reserved = crate::model::is_reserved(&name) && node == Node::Dir;
        if !expected.contains_key(&name) && !reserved {
            problems.push(format!("unexpected entry {name:?}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("in {label}: {}", problems.join("; ")))
    }
}
