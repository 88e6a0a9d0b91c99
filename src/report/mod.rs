//! Reports: a run's trace and final state turned into events.jsonl, summary.json and a short text summary.
//! Everything here reads the model's output; nothing feeds back into a run.

pub mod events;
pub mod percentiles;
pub mod summary;
pub mod text;

use crate::model::RunOutput;
use std::io::Write;
use std::path::Path;

/// One finished run of one variant.
pub struct VariantRun<'a> {
    /// Variant name.
    pub name: &'a str,
    /// Seed it ran with.
    pub seed: u64,
    /// What it produced.
    pub output: &'a RunOutput,
}

/// Writes `summary.json` and `events.jsonl` for all `runs` of scenario `scenario` (described by
/// `description`) into `dir`.
pub fn write_outputs(
    dir: &Path,
    scenario: &str,
    description: Option<&str>,
    runs: &[VariantRun<'_>],
) -> std::io::Result<summary::Summary> {
    std::fs::create_dir_all(dir)?;
    let summary = summary::Summary {
        scenario: scenario.to_string(),
        description: description.map(|d| d.trim().to_string()),
        variants: runs.iter().map(summary::VariantSummary::of).collect(),
    };
    let mut json = serde_json::to_string_pretty(&summary).map_err(std::io::Error::other)?;
    json.push('\n');
    std::fs::write(dir.join("summary.json"), json)?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("events.jsonl"))?);
    for run in runs {
        events::write_jsonl(&mut out, run.name, run.output)?;
    }
    out.flush()?;
    Ok(summary)
}
