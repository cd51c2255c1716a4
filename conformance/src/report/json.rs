//! The JSON report (`--report-json`): the [`Report`] serialized as it is.

use super::Report;
use std::path::Path;

/// Writes the JSON report.
///
/// # Errors
/// I/O or serialization failure.
pub fn write_json(r: &Report, path: &Path) -> anyhow::Result<()> {
    let f = std::fs::File::create(path)?;
    serde_json::to_writer_pretty(std::io::BufWriter::new(f), r)?;
    Ok(())
}
