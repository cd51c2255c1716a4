//! Checks of the suite itself, run as trials named `TRACE …`: traceability
//! between spec.md and the cases — the server's clauses and server cases,
//! the `CLIENT-n` clauses and client cases — and self-tests of the harness.

use crate::case::Case;
use crate::cases;
use crate::expect::Reply;
use crate::model::megabytes;
use crate::snapshot::snapshot_dir;
use crate::spec::{self, Role};
use crate::transcript::{Event, normalize_reply, render};
use std::collections::{BTreeMap, BTreeSet};

/// A self-check.
pub struct Check {
    pub name: &'static str,
    pub run: fn() -> Result<(), String>,
}

/// All self-checks.
#[must_use]
pub fn checks() -> Vec<Check> {
    vec![
        Check {
            name: "TRACE traceability: every clause of spec.md has a case",
            run: every_clause_has_a_case,
        },
        Check {
            name: "TRACE traceability: every case names real clauses at the text it was written for",
            run: cases_name_real_clauses,
        },
        Check {
            name: "TRACE traceability: case names are unique and start with ID and level",
            run: names,
        },
        Check {
            name: "TRACE traceability: every CLIENT clause of spec.md has a client case",
            run: every_client_clause_has_a_case,
        },
        Check {
            name: "TRACE traceability: client cases name real clauses at their text, server cases no CLIENT clause",
            run: client_cases_name_real_clauses,
        },
        Check {
            name: "TRACE traceability: client case names are unique and start with ID and level",
            run: client_names,
        },
        Check {
            name: "TRACE snapshots: every accepted snapshot belongs to a case",
            run: snapshots_referenced,
        },
        Check {
            name: "TRACE self-test: SIZE-2 formula reproduces the table in spec.md",
            run: size_table,
        },
        Check {
            name: "TRACE self-test: normalized replies keep fields and mask free text",
            run: normalization,
        },
        Check {
            name: "TRACE self-test: reply text may hold C1 characters but no C0 or DEL (FRAME-6, 1.1)",
            run: reply_text,
        },
        Check {
            name: "TRACE self-test: normalized listings leave out reserved entries and a CR (NAME-8, FRAME-6)",
            run: reserved_listing,
        },
    ]
}

/// Clauses no server case can check, with the reason; every report lists
/// them, and the traceability check accepts them without a case.
pub const UNTESTABLE: &[(&str, &str)] = &[
    (
        "FRAME-11",
        "a requirement on clients and graders, not servers: this suite compares codes and fields only (normalized transcripts mask free text; see the self-test of normalization); the client suite (--client) checks clients against it",
    ),
    (
        "UPLOAD-7",
        "fsync before `226` cannot be observed over the wire: a server that skips it behaves the same until the machine loses power",
    ),
];

/// `CLIENT-n` clauses no client case can check, with the reason.
pub const CLIENT_UNTESTABLE: &[(&str, &str)] = &[];

/// The clauses a grading of `role` cannot check, with the reason; every
/// report lists them.
#[must_use]
pub fn untestable(role: Role) -> &'static [(&'static str, &'static str)] {
    match role {
        Role::Server => UNTESTABLE,
        Role::Client => CLIENT_UNTESTABLE,
    }
}

fn every_clause_has_a_case() -> Result<(), String> {
    let clauses = spec::clauses();
    if clauses.len() < 10 {
        return Err(format!(
            "spec.md parsed into only {} clauses: is the parser broken?",
            clauses.len()
        ));
    }
    let mut ids = BTreeSet::new();
    for c in spec::all_clauses() {
        if !ids.insert(c.id.as_str()) {
            return Err(format!("clause ID {} appears twice in spec.md", c.id));
        }
    }
    every_clause_covered(cases::all(), Role::Server)
        .map_err(|missing| format!("clauses without any case: {missing:?}"))
}

fn every_client_clause_has_a_case() -> Result<(), String> {
    if spec::client_clauses().is_empty() {
        return Err("spec.md parsed into no CLIENT clauses: is the parser broken?".into());
    }
    every_clause_covered(crate::client::all(), Role::Client)
        .map_err(|missing| format!("CLIENT clauses without any client case: {missing:?}"))
}

/// Every clause of `role` is covered by a case of `all` or listed as
/// untestable; the IDs of those that are not.
fn every_clause_covered<X>(all: &[Case<X>], role: Role) -> Result<(), Vec<&'static str>> {
    let covered: BTreeSet<&str> = all
        .iter()
        .flat_map(|c| c.covers.iter().map(|x| x.0))
        .chain(untestable(role).iter().map(|u| u.0))
        .collect();
    let missing: Vec<&str> = spec::clauses_for(role)
        .iter()
        .map(|c| c.id.as_str())
        .filter(|id| !covered.contains(id))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing)
    }
}

fn cases_name_real_clauses() -> Result<(), String> {
    let mut problems = covers_problems(cases::all());
    for case in cases::all() {
        for (id, _) in case.covers {
            if spec::clause(id).is_some_and(|c| c.role() == Role::Client) {
                problems.push(format!(
                    "{}: a server case names the client clause {id}",
                    case.name()
                ));
            }
        }
    }
    one_a_line(&problems)
}

/// `Ok` without problems, else every problem, one a line.
fn one_a_line(problems: &[String]) -> Result<(), String> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Every case covers its own clause, and names clauses spec.md has, at the
/// text (hash) it was written for.
fn covers_problems<X>(all: &[Case<X>]) -> Vec<String> {
    let mut problems = Vec::new();
    for case in all {
        if !case.covers.iter().any(|c| c.0 == case.id) {
            problems.push(format!(
                "{}: its own clause {} is not in `covers`",
                case.name(),
                case.id
            ));
        }
        for (id, recorded) in case.covers {
            match spec::clause(id) {
                None => problems.push(format!("{}: names {id}, which spec.md does not have", case.name())),
                Some(c) if c.hash() != *recorded => problems.push(format!(
                    "{}: {id} was reworded since the case was written (recorded hash {recorded}, now {}): \
                     review the case against the clause's text, then record (\"{id}\", \"{}\")",
                    case.name(),
                    c.hash(),
                    c.hash()
                )),
                Some(_) => {}
            }
        }
    }
    problems
}

fn names() -> Result<(), String> {
    unique_names(cases::all())
}

/// Case names (and snapshot names) are unique and start with the primary
/// clause's ID and level.
fn unique_names<X>(all: &[Case<X>]) -> Result<(), String> {
    let mut seen = BTreeMap::new();
    for case in all {
        let name = case.name();
        if let Some(prev) = seen.insert(case.slug(), name.clone()) {
            return Err(format!(
                "two cases share a name (or snapshot name): {prev:?} and {name:?}"
            ));
        }
        let level = case.level().as_str();
        if !name.starts_with(&format!("{} {level} ", case.id)) {
            return Err(format!(
                "{name:?} does not start with its clause ID and level"
            ));
        }
    }
    Ok(())
}

fn client_cases_name_real_clauses() -> Result<(), String> {
    let mut problems = covers_problems(crate::client::all());
    for case in crate::client::all() {
        if !spec::clause(case.id).is_some_and(|c| c.role() == Role::Client) {
            problems.push(format!(
                "{}: a client case's own clause must be a CLIENT clause",
                case.name()
            ));
        }
    }
    one_a_line(&problems)
}

fn client_names() -> Result<(), String> {
    unique_names(crate::client::all())
}

fn snapshots_referenced() -> Result<(), String> {
    let wanted: BTreeSet<String> = cases::all()
        .iter()
        .filter(|c| c.snapshot)
        .map(|c: &Case| format!("{}.snap", c.slug()))
        .collect();
    let Ok(rd) = std::fs::read_dir(snapshot_dir()) else {
        return Err(format!(
            "no snapshot directory {}",
            snapshot_dir().display()
        ));
    };
    let orphans: Vec<String> = rd
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".snap") && !wanted.contains(n))
        .collect();
    if orphans.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "snapshots that no case uses (delete them): {orphans:?}"
        ))
    }
}

fn size_table() -> Result<(), String> {
    let mut rows = 0;
    for line in spec::SPEC_MD.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 3 {
            continue;
        }
        let Ok(bytes) = cells[1].parse::<u64>() else {
            continue;
        };
        let reply = cells[2].trim_matches('`');
        if !reply.starts_with("213 ") {
            continue;
        }
        rows += 1;
        let mine = format!("213 {bytes} {} MB", megabytes(bytes));
        if mine != reply {
            return Err(format!(
                "spec.md says {reply:?}, the suite computes {mine:?}"
            ));
        }
    }
    if rows < 5 {
        Err(format!("found only {rows} rows of the SIZE-2 table"))
    } else {
        Ok(())
    }
}

fn normalization() -> Result<(), String> {
    let cases: &[(&[u8], &str)] = &[
        (b"220 mftp/1 ready\r\n", "220 mftp/1"),
        (b"220 mftp/1\n", "220 mftp/1"),
        (b"150 5 here it comes\n", "150 5"),
        (b"213 131072 0.13 MB\n", "213 131072 0.13 MB"),
        (b"550 no such file\n", "550 …"),
        (b"150 05\n", "!! 150 05"),
    ];
    for (raw, want) in cases {
        let got = normalize_reply(raw);
        if got != *want {
            return Err(format!(
                "{:?} normalized to {got:?}, expected {want:?}",
                String::from_utf8_lossy(raw)
            ));
        }
    }
    Ok(())
}

fn reply_text() -> Result<(), String> {
    let ok: &[&[u8]] = &[
        "550 no such file: caf\u{e9}\u{85}x\n".as_bytes(),
        b"220 mftp/1\r\n",
        b"500 \n",
    ];
    let bad: &[&[u8]] = &[
        b"550 tab\there\n",
        b"550 del\x7f\n",
        b"550 not utf-8 \xff\n",
        b"55 short\n",
        b"600 code\n",
        b"550\tx\n",
    ];
    for raw in ok {
        if let Err(why) = Reply::parse(raw.to_vec()) {
            return Err(format!("{:?} refused: {why}", String::from_utf8_lossy(raw)));
        }
    }
    for raw in bad {
        if Reply::parse(raw.to_vec()).is_ok() {
            return Err(format!("{:?} accepted", String::from_utf8_lossy(raw)));
        }
    }
    Ok(())
}

fn reserved_listing() -> Result<(), String> {
    let ev = |raw: &[u8], entry: bool| {
        if entry {
            Event::Entry {
                conn: 1,
                raw: raw.to_vec(),
            }
        } else {
            Event::Reply {
                conn: 1,
                raw: raw.to_vec(),
            }
        }
    };
    let events = [
        ev(b"200 3 entries\n", false),
        ev(b"a.txt\r\n", true),
        ev(b".mftp-tmp/\n", true),
        ev(b"docs/\n", true),
    ];
    let got = render(&events, true);
    let want = "S: 200 2\nS: a.txt\nS: docs/\n";
    if got == want {
        Ok(())
    } else {
        Err(format!("rendered {got:?}, expected {want:?}"))
    }
}
