//! `class::shard` and `class::merge`: `K/N` parsing, a deterministic
//! split of the jobs, and the rules a merge of shards keeps.

use super::fixtures::{job, synthetic_class};
use super::{R, ensure};
use conformance::class::{manifest, merge, model, shard};

pub(super) fn shards() -> R {
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

pub(super) fn merge_rules() -> R {
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
