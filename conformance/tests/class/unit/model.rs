//! `class::model`: a column's cells from a suite report and its reruns
//! (failing, blocked, skipped, flaky, not graded), its score, the parts of
//! a failure, and text from outside cleaned of control characters.

use super::fixtures::{job, observed, synthetic_class};
use super::{R, ensure};
use conformance::class::model::{self, CellStatus, Observed, Outcome};
use conformance::class::points::Scoring;

pub(super) fn model_cells() -> R {
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
    let o = observed(
        &j,
        &[("SIZE-2 MUST a", (2, 2)), ("SIZE-2 MUST b", (1, 2))],
        &rerun,
    );
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

pub(super) fn cleaning() -> R {
    let got = model::clean("a\x1b[31mb\x00c\td\ne\u{7f}");
    ensure(got == "a\\x1b[31mb\\x00c\td\ne\\x7f", format!("{got:?}"))
}
