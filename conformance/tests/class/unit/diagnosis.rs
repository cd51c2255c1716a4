//! `class::diagnosis`: most cases stopping at the same first step is one
//! diagnosis, and the probe of the server turns it into a hint.

use super::fixtures::case;
use super::{R, ensure};
use conformance::class::diagnosis::{self, Contact, Probe};
use conformance::report::{CaseResult, Status};
use std::time::Duration;

pub(super) fn diagnosis_hints() -> R {
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
