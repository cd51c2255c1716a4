//! Unit tests of `src/class/` (run as trials of `tests/class.rs`), and the
//! format checkers the integration trials share: each checks a format
//! against the fields its documentation names.

use base64::Engine as _;
use conformance::class::diagnosis::{self, Contact, Probe};
use conformance::class::manifest;
use conformance::class::model::{self, CellStatus, ClassReport, Observed, Outcome};
use conformance::class::points::{self, Scoring};
use conformance::class::report;
use conformance::class::{merge, shard};
use conformance::report::{CaseResult, Status};
use conformance::spec::Level;
use libtest_mimic::{Failed, Trial};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

type R = Result<(), Failed>;

pub fn trials() -> Vec<Trial> {
    vec![
        Trial::test(
            "unit: manifest: defaults, resolution, errors",
            manifest_parse,
        ),
        Trial::test(
            "unit: points: defaults, sections, clauses, hidden, what a cell earns",
            points_table,
        ),
        Trial::test(
            "unit: model: clause cells, flaky from reruns, score, failure parts",
            model_cells,
        ),
        Trial::test(
            "unit: diagnosis: same first step; hints from the probe",
            diagnosis_hints,
        ),
        Trial::test("unit: shard: K/N parsing and a deterministic split", shards),
        Trial::test(
            "unit: merge: refuses mixed classes, repeated and missing shards",
            merge_rules,
        ),
        Trial::test(
            "unit: formats of a synthetic class against their documented fields",
            synthetic_formats,
        ),
        Trial::test(
            "unit: the suite's own JUnit: every testcase has name and classname",
            suite_junit,
        ),
        Trial::test(
            "unit: text from outside loses its control characters",
            cleaning,
        ),
    ]
}

fn ensure(cond: bool, what: impl Into<String>) -> R {
    if cond {
        Ok(())
    } else {
        Err(what.into().into())
    }
}

const MINIMAL: &str = r#"
name = "c"
[[implementation]]
name = "a"
command = "./s --root {root} --port {port}"
"#;

fn manifest_parse() -> R {
    let m = manifest::parse(MINIMAL)?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("m.toml");
    std::fs::write(
        &path,
        format!("{MINIMAL}workdir = \"sub/../w\"\nsetup = \"make\"\nstep_timeout = 2\n[defaults]\ntime_limit = 30\n"),
    )
    .map_err(|e| e.to_string())?;
    // `[defaults]` after [[implementation]] is a table of the manifest.
    let loaded = manifest::load(&path)?;
    let jobs = loaded.jobs(None);
    let j = &jobs[0];
    ensure(m.implementations.len() == 1, "one implementation")?;
    ensure(
        j.workdir == dir.path().join("w"),
        format!("workdir {}", j.workdir.display()),
    )?;
    ensure(j.setup.as_deref() == Some("make"), "setup")?;
    ensure(j.step_timeout == Some(2.0), "step_timeout")?;
    ensure(
        j.time_limit == Duration::from_secs(30),
        format!("time_limit from [defaults]: {:?}", j.time_limit),
    )?;
    ensure(
        j.limits
            == manifest::Limits {
                cpu_seconds: Some(60),
                memory_mb: Some(4096),
                file_size_mb: Some(1024),
                processes: Some(0),
            },
        format!("default limits {:?}", j.limits),
    )?;
    ensure(loaded.sha256.len() == 64, "manifest hash")?;
    for (bad, why) in [
        (
            "name = \"c\"\n[[implementation]]\nname = \"a\"\ncomand = \"x {root} {port}\"\n",
            "unknown",
        ),
        (
            "name = \"c\"\n[[implementation]]\nname = \"a\"\ncommand = \"x {root}\"\n",
            "{port}",
        ),
        (
            &format!(
                "{MINIMAL}[[implementation]]\nname = \"a\"\ncommand = \"y {{root}} {{port}}\"\n"
            ),
            "two implementations",
        ),
        ("name = \"c\"\n", "no [[implementation]]"),
        (
            &format!("{MINIMAL}[scoring.sections]\n\"99\" = 5\n"),
            "names no section",
        ),
        (
            &format!("{MINIMAL}[scoring]\nhidden = [\"NOPE-*\"]\n"),
            "matches no clause",
        ),
        (
            &format!("{MINIMAL}[scoring.clauses]\n\"NOPE-1\" = 1\n"),
            "not a clause",
        ),
        (
            &format!("{MINIMAL}[scoring]\nflaky = \"half\"\n"),
            "unknown variant",
        ),
        (&format!("{MINIMAL}time_limit = -1\n"), "positive"),
    ] {
        match manifest::parse(bad) {
            Err(e) if e.contains(why) => {}
            other => {
                return Err(format!(
                    "manifest {bad:?}: expected an error with {why:?}, got {other:?}"
                )
                .into());
            }
        }
    }
    Ok(())
}

fn points_table() -> R {
    let s = Scoring::default();
    let w = s.worth();
    let must = conformance::spec::clauses()
        .iter()
        .find(|c| c.level == Level::Must && !points::untestable(&c.id))
        .ok_or("a MUST clause")?;
    let should = conformance::spec::clauses()
        .iter()
        .find(|c| c.level == Level::Should)
        .ok_or("a SHOULD clause")?;
    ensure(w[&must.id].points == 2.0, "MUST = 2")?;
    ensure(w[&should.id].points == 1.0, "SHOULD = 1")?;
    ensure(
        w["FRAME-11"].points == 0.0 && w["UPLOAD-7"].points == 0.0,
        "untestable = 0",
    )?;
    let mut s2 = Scoring::default();
    s2.sections.insert("7".into(), 10.0);
    s2.clauses.insert("SIZE-2".into(), 4.0);
    s2.hidden.push("SIZE-*".into());
    s2.check()?;
    let w2 = s2.worth();
    let size: Vec<&conformance::spec::Clause> = conformance::spec::clauses()
        .iter()
        .filter(|c| c.section.starts_with("7 "))
        .collect();
    let total: f64 = size
        .iter()
        .filter(|c| c.id != "SIZE-2")
        .map(|c| w2[&c.id].points)
        .sum();
    ensure(
        (total - 10.0).abs() < 1e-9,
        format!("section 7 shares 10 besides SIZE-2: {total}"),
    )?;
    ensure(
        w2["SIZE-2"].points == 4.0 && w2["SIZE-2"].hidden && !w2["FRAME-1"].hidden,
        "clause override and hidden",
    )?;
    ensure(
        points::glob("SEC-*", "SEC-12")
            && !points::glob("SEC-*", "XSEC-1")
            && points::glob("*-1", "LS-1")
            && points::glob("A*B*C", "AxxBxC"),
        "glob",
    )?;
    // What a cell earns.
    let cases = [
        (CellStatus::Pass, None, Scoring::default(), (2.0, 2.0)),
        (CellStatus::Fail, None, Scoring::default(), (0.0, 2.0)),
        (CellStatus::Blocked, None, Scoring::default(), (0.0, 2.0)),
        (CellStatus::Skip, None, Scoring::default(), (0.0, 0.0)),
        (CellStatus::Untestable, None, Scoring::default(), (0.0, 0.0)),
        (
            CellStatus::Flaky,
            Some((1, 4)),
            Scoring::default(),
            (0.5, 2.0),
        ),
        (
            CellStatus::Flaky,
            Some((1, 4)),
            Scoring {
                flaky: points::FlakyRule::Zero,
                ..Scoring::default()
            },
            (0.0, 2.0),
        ),
        (
            CellStatus::Flaky,
            Some((1, 4)),
            Scoring {
                flaky: points::FlakyRule::Full,
                ..Scoring::default()
            },
            (2.0, 2.0),
        ),
        (
            CellStatus::Skip,
            None,
            Scoring {
                skip: points::SkipRule::Zero,
                ..Scoring::default()
            },
            (0.0, 2.0),
        ),
        (
            CellStatus::Skip,
            None,
            Scoring {
                skip: points::SkipRule::Full,
                ..Scoring::default()
            },
            (2.0, 2.0),
        ),
    ];
    for (st, ratio, sc, want) in cases {
        let got = points::earn(st, 2.0, ratio, &sc);
        ensure(
            got == want,
            format!(
                "{st:?} {ratio:?} flaky={:?} skip={:?}: {got:?}, expected {want:?}",
                sc.flaky, sc.skip
            ),
        )?;
    }
    Ok(())
}

fn case(
    name: &str,
    clauses: &[&str],
    status: Status,
    failed: Option<&str>,
    message: Option<&str>,
) -> CaseResult {
    let id = clauses[0];
    let c = conformance::spec::clause(id);
    CaseResult {
        name: name.into(),
        id: id.into(),
        level: c.map_or(Level::Must, |c| c.level),
        section: c.map_or_else(String::new, |c| c.section.clone()),
        clauses: clauses.iter().map(|s| (*s).to_string()).collect(),
        status,
        failed_clause: failed.map(str::to_string),
        duration_ms: 5,
        message: message.map(str::to_string),
    }
}

const SIZE_FAIL: &str = "FAIL SIZE-2\nclause:    SIZE-2 MUST — …\nstep:      size s131072\nexpected:  `213 131072 0.13 MB` (optionally SP and text)\nactual:    213 131072 0.12 MB\ntranscript up to the failure (raw):\n    S: 220 mftp/1 ready\n    C: size s131072\n    S: 213 131072 0.12 MB\n\nserver stderr (last lines):\n    started\n";

/// A suite report: SIZE-2 failing in two cases (one of them flaky in the
/// reruns), LS-1 blocked by LS-3, LIMIT-1 skipped, the rest of the cases
/// passing.
fn synthetic_report() -> conformance::report::Report {
    let cases = vec![
        case(
            "SIZE-2 MUST a",
            &["SIZE-2"],
            Status::Fail,
            Some("SIZE-2"),
            Some(SIZE_FAIL),
        ),
        case(
            "SIZE-2 MUST b",
            &["SIZE-2"],
            Status::Fail,
            Some("SIZE-2"),
            Some(SIZE_FAIL),
        ),
        case(
            "LS-3 MUST order",
            &["LS-3", "LS-1"],
            Status::Fail,
            Some("LS-3"),
            Some("FAIL LS-3\nactual:    b a\n"),
        ),
        case(
            "LIMIT-1 MUST idle",
            &["LIMIT-1"],
            Status::Skip,
            None,
            Some("the server refused --idle-timeout 1\nmore"),
        ),
        case("SIZE-1 MUST ok", &["SIZE-1"], Status::Pass, None, None),
        case("FRAME-1 MUST ok", &["FRAME-1"], Status::Pass, None, None),
    ];
    conformance::report::build(
        "x".into(),
        cases,
        Vec::new(),
        Duration::from_secs(1),
        None,
        false,
    )
}

fn job(name: &str, index: usize) -> manifest::Job {
    manifest::Job {
        index,
        name: name.into(),
        notes: "n".into(),
        command: "./s --root {root} --port {port}".into(),
        workdir: "/w".into(),
        setup: None,
        time_limit: Duration::from_secs(60),
        setup_time_limit: Duration::from_secs(60),
        startup_timeout: None,
        step_timeout: None,
        require_limits: false,
        test_threads: None,
        suite_args: Vec::new(),
        limits: manifest::Limits::default(),
    }
}

/// A class of one or more synthetic columns.
fn synthetic_class(names: &[&str]) -> ClassReport {
    let scoring = Scoring {
        hidden: vec!["LS-*".into()],
        ..Scoring::default()
    };
    let rows = model::clause_rows(&scoring);
    let mut implementations = Vec::new();
    for (k, n) in names.iter().enumerate() {
        let j = job(n, k);
        let rerun = |c: &str| format!("cd /w && conformance --exact '{c}'");
        let mut reruns = BTreeMap::new();
        reruns.insert("SIZE-2 MUST a".to_string(), (1, 2));
        reruns.insert("SIZE-2 MUST b".to_string(), (0, 2));
        reruns.insert("LS-3 MUST order".to_string(), (0, 2));
        let o = Observed {
            job: &j,
            outcome: Outcome::Graded,
            detail: String::new(),
            report: Some(synthetic_report()),
            reruns,
            diagnosis: None,
            sandbox: None,
            limits: "none".into(),
            duration_s: 1.5,
            rerun_command: &rerun,
        };
        implementations.push(model::build_impl(&o, &rows, &scoring));
    }
    let mut r = ClassReport {
        format_version: model::FORMAT_VERSION,
        kind: model::KIND.into(),
        class: "synthetic <class> & \"co\"".into(),
        manifest: "m.toml".into(),
        manifest_sha256: "0".repeat(64),
        suite_version: conformance::report::SUITE_VERSION.into(),
        spec_sha256: conformance::spec::spec_sha256(),
        total_implementations: names.len(),
        shards: Vec::new(),
        scoring,
        clauses: rows,
        implementations,
        sandboxed: false,
        summary: model::Summary::default(),
    };
    model::finalize(&mut r, None);
    r
}

fn model_cells() -> R {
    let r = synthetic_class(&["a"]);
    let i = &r.implementations[0];
    let cell = |id: &str| i.cells.get(id).cloned().ok_or(format!("no cell {id}"));
    // SIZE-2 fails stably in case b, so it stays failing (a flaky case
    // beside a failing one does not make the clause flaky).
    ensure(
        cell("SIZE-2")?.status == CellStatus::Fail,
        format!("SIZE-2 {:?}", cell("SIZE-2")?),
    )?;
    ensure(cell("LS-3")?.status == CellStatus::Fail, "LS-3 fail")?;
    ensure(
        cell("LS-1")?.status == CellStatus::Blocked && cell("LS-1")?.blocked_by == ["LS-3"],
        "LS-1 blocked by LS-3",
    )?;
    ensure(
        cell("LIMIT-1")?.status == CellStatus::Skip
            && cell("LIMIT-1")?.note.as_deref() == Some("the server refused --idle-timeout 1"),
        format!("LIMIT-1 {:?}", cell("LIMIT-1")?),
    )?;
    ensure(
        cell("FRAME-11")?.status == CellStatus::Untestable,
        "FRAME-11 untestable",
    )?;
    ensure(
        cell("SIZE-1")?.status == CellStatus::Pass && cell("SIZE-1")?.points == 2.0,
        "SIZE-1 pass",
    )?;
    ensure(
        cell("CMD-1")?.status == CellStatus::NotRun && cell("CMD-1")?.max_points == 2.0,
        "CMD-1 not run",
    )?;
    let a = i
        .failures
        .iter()
        .find(|f| f.case == "SIZE-2 MUST a")
        .ok_or("failure a")?;
    ensure(
        a.status == "flaky" && a.passes == 1 && a.runs == 3,
        format!("case a: {a:?}"),
    )?;
    ensure(
        a.step == "size s131072"
            && a.actual == "213 131072 0.12 MB"
            && a.expected.starts_with("`213 131072 0.13 MB`"),
        format!("parts: {a:?}"),
    )?;
    ensure(
        a.transcript == "S: 220 mftp/1 ready\nC: size s131072\nS: 213 131072 0.12 MB",
        format!("transcript {:?}", a.transcript),
    )?;
    ensure(
        a.server.contains("server stderr")
            && a.rerun == "cd /w && conformance --exact 'SIZE-2 MUST a'",
        format!("server/rerun {a:?}"),
    )?;
    let sum: f64 = i.cells.values().map(|c| c.points).sum();
    ensure((i.score - sum).abs() < 1e-9, "score is the sum")?;
    // Now case b passes its reruns too: SIZE-2 is flaky, worth the worst
    // pass ratio of its cases.
    let scoring = Scoring::default();
    let rows = model::clause_rows(&scoring);
    let j = job("a", 0);
    let rerun = |c: &str| c.to_string();
    let mut reruns = BTreeMap::new();
    reruns.insert("SIZE-2 MUST a".to_string(), (2, 2));
    reruns.insert("SIZE-2 MUST b".to_string(), (1, 2));
    let o = Observed {
        job: &j,
        outcome: Outcome::Graded,
        detail: String::new(),
        report: Some(synthetic_report()),
        reruns,
        diagnosis: None,
        sandbox: None,
        limits: String::new(),
        duration_s: 0.0,
        rerun_command: &rerun,
    };
    let i2 = model::build_impl(&o, &rows, &scoring);
    let c = i2.cells.get("SIZE-2").ok_or("SIZE-2")?;
    ensure(
        c.status == CellStatus::Flaky && c.ratio == Some((1, 3)),
        format!("SIZE-2 {c:?}"),
    )?;
    ensure(
        (c.points - 2.0 / 3.0).abs() < 1e-9,
        format!("flaky points {}", c.points),
    )?;
    // Not graded at all: every testable cell is not-graded, worth 0.
    let o = Observed {
        report: None,
        outcome: Outcome::BuildFailed,
        detail: "make: *** [all] Error 1\x1b[0m".into(),
        ..o
    };
    let i3 = model::build_impl(&o, &rows, &scoring);
    ensure(
        i3.score == 0.0 && i3.max_score > 100.0 && !i3.graded(),
        "not graded",
    )?;
    ensure(
        i3.cells
            .values()
            .all(|c| matches!(c.status, CellStatus::NotGraded | CellStatus::Untestable)),
        "not-graded cells",
    )?;
    ensure(
        i3.detail == "make: *** [all] Error 1\\x1b[0m",
        format!("detail cleaned: {:?}", i3.detail),
    )?;
    Ok(())
}

fn diagnosis_hints() -> R {
    // Every case stops at the greeting.
    let msg = "FAIL FRAME-1\nstep:      connected\nexpected:  the greeting `220 mftp/1`\nactual:    TIMEOUT after 5.0 s: nothing arrived\n";
    let mut cases: Vec<CaseResult> = (0..20)
        .map(|k| {
            case(
                &format!("CMD-{k} MUST x"),
                &["CMD-1"],
                Status::Fail,
                Some("FRAME-1"),
                Some(msg),
            )
        })
        .collect();
    cases.push(case(
        "LAUNCH-2 MUST y",
        &["LAUNCH-2"],
        Status::Pass,
        None,
        None,
    ));
    let rep = conformance::report::build(
        "x".into(),
        cases.clone(),
        Vec::new(),
        Duration::ZERO,
        None,
        false,
    );
    let contact = diagnosis::detect(&rep).ok_or("not detected")?;
    match &contact {
        Contact::SameStep {
            clause,
            step,
            cases,
            ran,
            ..
        } if clause == "FRAME-1" && step == "connected" && *cases == 20 && *ran == 21 => {}
        other => return Err(format!("{other:?}").into()),
    }
    // A few scattered failures are not first contact.
    let rep2 = conformance::report::build(
        "x".into(),
        cases[..3].to_vec(),
        Vec::new(),
        Duration::ZERO,
        None,
        false,
    );
    ensure(
        diagnosis::detect(&rep2).is_none(),
        "three failures are read one by one",
    )?;
    // Hints from the probe.
    let base = Probe {
        port: 20001,
        waited_s: 10.0,
        connected: true,
        ..Probe::default()
    };
    let hints = [
        (
            Probe {
                greeting: String::new(),
                after_ls: "500 unknown\\n".into(),
                ..base.clone()
            },
            "sent nothing before the first command; after `ls` it answered `500 unknown`",
        ),
        (
            Probe {
                greeting: "hello\\n".into(),
                ..base.clone()
            },
            "greets with `hello` instead of `220 mftp/1`",
        ),
        (
            Probe {
                greeting: "220 mftp/1 ready".into(),
                ..base.clone()
            },
            "has no final LF",
        ),
        (
            Probe {
                greeting: String::new(),
                closed_before_command: true,
                ..base.clone()
            },
            "closes it without sending anything",
        ),
        (
            Probe {
                connected: false,
                listening: vec![("127.0.0.1".into(), 2121)],
                ..base.clone()
            },
            "started with `--port 20001` but listens on 127.0.0.1:2121",
        ),
        (
            Probe {
                connected: false,
                listening: vec![("[::1]".into(), 20001)],
                ..base.clone()
            },
            "IPv6-only",
        ),
        (
            Probe {
                connected: false,
                ..base.clone()
            },
            "listens on no TCP port within 10 s",
        ),
        (
            Probe {
                connected: false,
                exited: Some("exit status 2".into()),
                stderr_tail: "Traceback\nNameError: x".into(),
                ..base.clone()
            },
            "exits at once (exit status 2)",
        ),
    ];
    for (p, want) in hints {
        let d = diagnosis::explain(&contact, Some(&p));
        ensure(
            d.hint.contains(want),
            format!("probe {p:?}: hint {:?} lacks {want:?}", d.hint),
        )?;
    }
    // A greeting that is right: the common failure itself is the hint.
    let d = diagnosis::explain(
        &contact,
        Some(&Probe {
            greeting: "220 mftp/1 hi\\n".into(),
            ..base
        }),
    );
    ensure(
        d.hint.contains("expected the greeting") && d.summary.contains("20 of 21 cases"),
        format!("{d:?}"),
    )?;
    Ok(())
}

fn shards() -> R {
    ensure(
        shard::parse("2/4").is_ok_and(|s| s.index == 2 && s.count == 4),
        "2/4",
    )?;
    for bad in ["0/2", "3/2", "1", "a/b", "1/0"] {
        ensure(shard::parse(bad).is_err(), format!("{bad} accepted"))?;
    }
    let jobs: Vec<manifest::Job> = (0..7).map(|k| job(&format!("j{k}"), k)).collect();
    let mut seen = Vec::new();
    for k in 1..=3 {
        let s = shard::parse(&format!("{k}/3"))?;
        let part: Vec<usize> = shard::select(jobs.clone(), s)
            .iter()
            .map(|j| j.index)
            .collect();
        ensure(
            part.len() >= 2 && part.len() <= 3,
            format!("shard {k}/3: {part:?}"),
        )?;
        seen.extend(part);
    }
    seen.sort_unstable();
    ensure(
        seen == (0..7).collect::<Vec<_>>(),
        format!("every job once: {seen:?}"),
    )
}

fn merge_rules() -> R {
    let mut a = synthetic_class(&["a", "b"]);
    let mut b = synthetic_class(&["c"]);
    a.shards = vec![model::Shard { index: 1, count: 2 }];
    b.shards = vec![model::Shard { index: 2, count: 2 }];
    b.implementations[0].index = 2;
    let m = merge::merge(vec![b.clone(), a.clone()], false, None)?;
    ensure(
        m.shards.is_empty()
            && m.implementations
                .iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>()
                == ["a", "b", "c"],
        "merged in manifest order, whole",
    )?;
    ensure(
        merge::merge(vec![a.clone()], false, None).is_err_and(|e| e.contains("missing shard 2/2")),
        "missing shard",
    )?;
    ensure(
        merge::merge(vec![a.clone()], true, None).is_ok_and(|r| r.shards.len() == 1),
        "--partial",
    )?;
    ensure(
        merge::merge(vec![a.clone(), a.clone()], false, None)
            .is_err_and(|e| e.contains("given twice")),
        "repeated shard",
    )?;
    let mut other = b.clone();
    other.manifest_sha256 = "1".repeat(64);
    ensure(
        merge::merge(vec![a, other], false, None).is_err_and(|e| e.contains("manifest")),
        "another manifest",
    )
}

/// Checks a Gradescope results.json against the documented fields.
pub fn check_gradescope(v: &Value, score: f64, max: f64) -> Vec<String> {
    let mut p = Vec::new();
    if !v["score"].is_number() {
        p.push("score is not a number".into());
    }
    if !v["execution_time"].is_number() {
        p.push("execution_time is not a number".into());
    }
    if !v["output"].is_string() {
        p.push("output is not a string".into());
    }
    let Some(tests) = v["tests"].as_array() else {
        p.push("tests is not an array".into());
        return p;
    };
    let mut sum = 0.0;
    let mut max_sum = 0.0;
    for t in tests {
        for (k, ok) in [
            ("name", t["name"].is_string()),
            ("number", t["number"].is_string()),
            ("score", t["score"].is_number()),
            ("max_score", t["max_score"].is_number()),
            (
                "status",
                matches!(t["status"].as_str(), Some("passed" | "failed")),
            ),
            ("output", t["output"].is_string()),
            (
                "visibility",
                matches!(
                    t["visibility"].as_str(),
                    Some("visible" | "hidden" | "after_due_date" | "after_published")
                ),
            ),
            (
                "tags",
                t["tags"]
                    .as_array()
                    .is_some_and(|a| a.iter().all(Value::is_string)),
            ),
        ] {
            if !ok {
                p.push(format!("test {}: field {k} = {}", t["name"], t[k]));
            }
        }
        sum += t["score"].as_f64().unwrap_or(0.0);
        max_sum += t["max_score"].as_f64().unwrap_or(0.0);
    }
    if (sum - v["score"].as_f64().unwrap_or(-1.0)).abs() > 0.05
        || (sum - score).abs() > 0.05
        || (max_sum - max).abs() > 0.05
    {
        p.push(format!(
            "score {} and tests' sum {sum}/{max_sum} vs the model's {score}/{max}",
            v["score"]
        ));
    }
    p
}

/// Decodes a GitHub Classroom result.
pub fn decode_classroom(b64: &str) -> Result<Value, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| format!("base64: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("JSON: {e}"))
}

/// Checks a GitHub Classroom result against the reporter's fields.
pub fn check_classroom(v: &Value) -> Vec<String> {
    let mut p = Vec::new();
    if v["version"] != 1 {
        p.push(format!("version {}", v["version"]));
    }
    if !matches!(v["status"].as_str(), Some("pass" | "fail" | "error")) {
        p.push(format!("status {}", v["status"]));
    }
    let Some(max) = v["max_score"].as_f64() else {
        p.push("max_score is not a number".into());
        return p;
    };
    let mut sum = 0.0;
    for t in v["tests"].as_array().into_iter().flatten() {
        if !t["name"].is_string()
            || !t["message"].is_string()
            || !t["score"].is_number()
            || !matches!(t["status"].as_str(), Some("pass" | "fail" | "error"))
        {
            p.push(format!("test {t}"));
        }
        sum += t["score"].as_f64().unwrap_or(0.0);
    }
    if sum > max + 0.05 {
        p.push(format!("tests add up to {sum} > max_score {max}"));
    }
    p
}

/// JUnit: well-formed XML (Python's parser) in which every `testcase` has
/// `name` and `classname`, `count` of them.
pub fn check_junit(path: &Path, count: usize) -> Result<(), String> {
    let script = r#"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = list(root.iter("testcase"))
bad = [c.attrib for c in cases if not c.get("name") or not c.get("classname")]
print(len(cases), len(bad))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "not well-formed XML: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text
        .split_whitespace()
        .map(|n| n.parse::<usize>().unwrap_or(usize::MAX));
    let (n, bad) = (it.next().unwrap_or(0), it.next().unwrap_or(1));
    if bad != 0 {
        return Err(format!("{bad} testcases without name or classname"));
    }
    if n != count {
        return Err(format!("{n} testcases, expected {count}"));
    }
    Ok(())
}

/// TAP 14: the version line, plans that match the test points, numbers in
/// order, subtests indented four spaces and announced, YAML blocks closed.
pub fn check_tap(text: &str) -> Vec<String> {
    let mut p = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    if lines.first() != Some(&"TAP version 14") {
        p.push("first line is not `TAP version 14`".into());
    }
    check_tap_level(&lines[1.min(lines.len())..], "", &mut p);
    p
}

fn check_tap_level(lines: &[&str], indent: &str, p: &mut Vec<String>) {
    let mine: Vec<(usize, &str)> = lines
        .iter()
        .enumerate()
        .filter_map(|(k, l)| l.strip_prefix(indent).map(|r| (k, r)))
        .filter(|(_, r)| !r.starts_with(' '))
        .collect();
    let plan = mine.iter().find_map(|(_, l)| l.strip_prefix("1.."));
    let points: Vec<(usize, &str)> = mine
        .iter()
        .filter(|(_, l)| l.starts_with("ok ") || l.starts_with("not ok "))
        .copied()
        .collect();
    match plan.and_then(|n| n.parse::<usize>().ok()) {
        Some(n) if n == points.len() => {}
        other => p.push(format!(
            "{indent:?}: plan {other:?} for {} test points",
            points.len()
        )),
    }
    for (want, (_, l)) in points.iter().enumerate() {
        let num = l
            .trim_start_matches("not ")
            .trim_start_matches("ok ")
            .split(' ')
            .next()
            .unwrap_or("");
        if num != (want + 1).to_string() {
            p.push(format!(
                "{indent:?}: test point {num} where {} was due",
                want + 1
            ));
            break;
        }
    }
    // YAML blocks: `  ---` after a point, closed by `  ...`.
    let mut open = false;
    for l in lines.iter().filter_map(|l| l.strip_prefix(indent)) {
        if l == "  ---" {
            open = true;
        } else if l == "  ..." {
            if !open {
                p.push(format!("{indent:?}: `...` without `---`"));
            }
            open = false;
        }
    }
    if open {
        p.push(format!("{indent:?}: a YAML block is not closed"));
    }
    // Subtests: `# Subtest: NAME` then lines indented four more, then the
    // parent's point.
    if indent.is_empty() {
        let mut k = 0;
        while k < lines.len() {
            if lines[k].starts_with("# Subtest: ") {
                let start = k + 1;
                let mut end = start;
                while end < lines.len() && lines[end].starts_with("    ") {
                    end += 1;
                }
                if !lines
                    .get(end)
                    .is_some_and(|l| l.starts_with("ok ") || l.starts_with("not ok "))
                {
                    p.push(format!(
                        "subtest at line {k} is not followed by its test point"
                    ));
                }
                check_tap_level(&lines[start..end], "    ", p);
                k = end;
            } else {
                k += 1;
            }
        }
    }
}

/// Markdown: table rows as wide as their header; every `](#x)` link has
/// its `<a id="x">`.
pub fn check_markdown(text: &str) -> Vec<String> {
    let mut p = Vec::new();
    let cells = |l: &str| l.replace("\\|", "").matches('|').count();
    let mut width = None;
    for l in text.lines() {
        if l.starts_with('|') {
            let w = cells(l);
            match width {
                None => width = Some(w),
                Some(h) if h != w => p.push(format!(
                    "row with {w} bars under a header of {h}: {}",
                    l.chars().take(80).collect::<String>()
                )),
                _ => {}
            }
        } else {
            width = None;
        }
    }
    for part in text.split("](#").skip(1) {
        let target = part.split(')').next().unwrap_or("");
        if !text.contains(&format!("<a id=\"{target}\"></a>")) {
            p.push(format!("link to #{target} has no anchor"));
        }
    }
    p
}

/// HTML: self-contained (no external URL loaded), every in-page link has
/// its id, the script's markers present.
pub fn check_html(text: &str) -> Vec<String> {
    let mut p = Vec::new();
    for bad in ["<link ", "src=\"http", "src='http", "@import", "url(http"] {
        if text.contains(bad) {
            p.push(format!("loads something from outside: {bad}"));
        }
    }
    for part in text.split("href=\"#").skip(1) {
        let target = part.split('"').next().unwrap_or("");
        if !target.is_empty() && !text.contains(&format!("id=\"{target}\"")) {
            p.push(format!("link to #{target} has no element with that id"));
        }
    }
    if !text.starts_with("<!DOCTYPE html>") || !text.contains("data-js-errors") {
        p.push("not the page's frame".into());
    }
    p
}

fn synthetic_formats() -> R {
    let r = synthetic_class(&["a <b>", "c&d"]);
    let mut p = Vec::new();
    for i in &r.implementations {
        let g = report::gradescope::render(&r, i);
        p.extend(check_gradescope(&g, i.score, i.max_score));
        let hidden = g["tests"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| t["name"].as_str().is_some_and(|n| n.starts_with("LS-")))
            .all(|t| t["visibility"] == "after_due_date");
        if !hidden {
            p.push("hidden LS-* clauses are visible on Gradescope".into());
        }
        let line = report::classroom::output_line("result", &r, i);
        let b64 = line
            .strip_prefix("result=")
            .and_then(|l| l.strip_suffix('\n'))
            .unwrap_or("");
        match decode_classroom(b64) {
            Ok(v) => {
                p.extend(check_classroom(&v));
                if v["status"] != "fail" {
                    p.push(format!("classroom status {}", v["status"]));
                }
                let leaks = v["tests"].as_array().into_iter().flatten().any(|t| {
                    t["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("LS-3 MUST"))
                });
                if leaks {
                    p.push("a hidden clause's details reach GitHub Classroom".into());
                }
            }
            Err(e) => p.push(e),
        }
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let junit = dir.path().join("j.xml");
    std::fs::write(&junit, report::junit::render(&r)?).map_err(|e| e.to_string())?;
    if let Err(e) = check_junit(&junit, 2 * (1 + r.clauses.len())) {
        p.push(format!("junit: {e}"));
    }
    p.extend(check_tap(&report::tap::render(&r)));
    p.extend(check_markdown(&report::markdown::render(&r)));
    let html = report::html::render(&r);
    p.extend(check_html(&html));
    if html.contains("<b>")
        || html.contains("a <b>")
        || !html.contains("a &lt;b&gt;")
        || !html.contains("synthetic &lt;class&gt; &amp; &quot;co&quot;")
    {
        p.push("the page does not escape names".into());
    }
    if !html.contains("cd /w &amp;&amp; conformance --exact &#39;SIZE-2 MUST a&#39;") {
        p.push("the page lacks the rerun line".into());
    }
    let json = report::json::render(&r)?;
    let back: ClassReport = serde_json::from_str(&json).map_err(|e| e.to_string())?;
    if report::html::render(&back) != html {
        p.push("the page of the JSON read back differs".into());
    }
    if p.is_empty() {
        Ok(())
    } else {
        Err(p.join("\n").into())
    }
}

fn suite_junit() -> R {
    let rep = synthetic_report();
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("suite.xml");
    conformance::report::write_junit(&rep, &path).map_err(|e| e.to_string())?;
    check_junit(&path, rep.cases.len() + rep.checks.len()).map_err(Into::into)
}

fn cleaning() -> R {
    let got = model::clean("a\x1b[31mb\x00c\td\ne\u{7f}");
    ensure(got == "a\\x1b[31mb\\x00c\td\ne\\x7f", format!("{got:?}"))
}
