//! Unit tests of `src/class/`, run as trials of `tests/class.rs` (the
//! library has no test harness of its own): one module per module of
//! `src/class/` they test, and the synthetic reports they grade.

mod diagnosis;
mod fixtures;
mod formats;
mod manifest;
mod model;
mod points;
mod shards;

use libtest_mimic::{Failed, Trial};

type R = Result<(), Failed>;

pub fn trials() -> Vec<Trial> {
    vec![
        Trial::test(
            "unit: manifest: defaults, resolution, errors",
            manifest::manifest_parse,
        ),
        Trial::test(
            "unit: points: defaults, sections, clauses, hidden, what a cell earns",
            points::points_table,
        ),
        Trial::test(
            "unit: model: clause cells, flaky from reruns, score, failure parts",
            model::model_cells,
        ),
        Trial::test(
            "unit: diagnosis: same first step; hints from the probe",
            diagnosis::diagnosis_hints,
        ),
        Trial::test(
            "unit: shard: K/N parsing and a deterministic split",
            shards::shards,
        ),
        Trial::test(
            "unit: merge: refuses mixed classes, repeated and missing shards",
            shards::merge_rules,
        ),
        Trial::test(
            "unit: formats of a synthetic class against their documented fields",
            formats::synthetic_formats,
        ),
        Trial::test(
            "unit: the suite's own JUnit: every testcase has name and classname",
            formats::suite_junit,
        ),
        Trial::test(
            "unit: text from outside loses its control characters",
            model::cleaning,
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
