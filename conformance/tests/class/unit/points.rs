//! `class::points`: what a clause is worth (defaults, sections, clause
//! overrides, hidden globs) and what a cell earns under each rule.

use super::{R, ensure};
use conformance::class::model::CellStatus;
use conformance::class::points::{self, FlakyRule, Scoring, SkipRule};
use conformance::spec::Level;

pub(super) fn points_table() -> R {
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
    let rules = |flaky, skip| Scoring {
        flaky,
        skip,
        ..Scoring::default()
    };
    let default = Scoring::default;
    let cases = [
        (CellStatus::Pass, None, default(), (2.0, 2.0)),
        (CellStatus::Fail, None, default(), (0.0, 2.0)),
        (CellStatus::Blocked, None, default(), (0.0, 2.0)),
        (CellStatus::Skip, None, default(), (0.0, 0.0)),
        (CellStatus::Untestable, None, default(), (0.0, 0.0)),
        (CellStatus::Flaky, Some((1, 4)), default(), (0.5, 2.0)),
        (
            CellStatus::Flaky,
            Some((1, 4)),
            rules(FlakyRule::Zero, SkipRule::Exclude),
            (0.0, 2.0),
        ),
        (
            CellStatus::Flaky,
            Some((1, 4)),
            rules(FlakyRule::Full, SkipRule::Exclude),
            (2.0, 2.0),
        ),
        (
            CellStatus::Skip,
            None,
            rules(FlakyRule::Ratio, SkipRule::Zero),
            (0.0, 2.0),
        ),
        (
            CellStatus::Skip,
            None,
            rules(FlakyRule::Ratio, SkipRule::Full),
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
