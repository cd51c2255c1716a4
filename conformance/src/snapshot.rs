//! Accepted normalized transcripts (`snapshots/*.snap`, insta) and the
//! comparison of a case's transcript with its own.

use crate::case::Case;
use crate::fail::Fail;
use crate::runner::indent;
use std::path::{Path, PathBuf};

/// Where accepted snapshots live.
#[must_use]
pub fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots")
}

/// Compares `text`, the normalized transcript of `case`, with its accepted
/// snapshot; a missing snapshot is a harness error (a new one is written
/// as `.snap.new` for review).
///
/// # Errors
/// No accepted snapshot, or a different transcript.
pub fn check(case: &Case, text: &str) -> Result<(), Fail> {
    let slug = case.slug();
    let file = snapshot_dir().join(format!("{slug}.snap"));
    let missing = !file.exists();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(snapshot_dir());
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(format!(
        "{}\nnormalized transcript: codes and fields exact, free text as …",
        case.name()
    ));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(slug.clone(), text));
    }));
    if missing {
        return Err(Fail::harness(format!(
            "no accepted snapshot {} (a new one may have been written as .snap.new: check it against spec.md, then rename it)",
            file.display()
        )));
    }
    result.map_err(|_| {
        Fail::mismatch(
            "",
            format!("the normalized transcript accepted in {}", file.display()),
            format!("this normalized transcript:\n{}", indent(text)),
        )
        .at("comparing the normalized transcript with its snapshot")
    })
}
