//! `--json PATH`: the class result model itself, pretty-printed: the input
//! of `merge` and of `--previous`. Versioned (`format_version`, `kind`),
//! stamped with the suite version and the spec hash; each
//! implementation's results are keyed by clause ID (`cells`), never by
//! position.

use crate::class::model::ClassReport;

/// The class JSON.
///
/// # Errors
/// Serialization failure (none in practice: the model is plain data).
pub fn render(r: &ClassReport) -> Result<String, String> {
    serde_json::to_string_pretty(r).map_err(|e| e.to_string())
}
