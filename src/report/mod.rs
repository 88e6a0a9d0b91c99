//! Reports: a run's trace and final state turned into events.jsonl, summary.json, a short text summary, SVG
//! charts, index.html and report.md. Everything here reads the model's output; nothing feeds back into a run.

pub mod access;
pub mod charts;
pub mod drift;
pub mod events;
pub mod html;
pub mod markdown;
pub mod percentiles;
pub mod series;
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

/// Writes `summary.json`, `events.jsonl`, the SVG charts, `index.html` and `report.md` for all `runs` of
/// scenario `scenario` (described by `description`, read from the file text `source`) into `dir`. The Gantt
/// charts show `gantt_node`, or by default the node with the most pulls in the first run.
pub fn write_outputs(
    dir: &Path,
    scenario: &str,
    description: Option<&str>,
    source: &str,
    gantt_node: Option<&str>,
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
    let node = charts::gantt_node_name(runs, gantt_node).unwrap_or_else(|| "(none)".to_string());
    let input = charts::ChartInput { runs, summaries: &summary.variants, gantt_node: &node };
    let sections = charts::render_all(&input).map_err(|e| std::io::Error::other(e.to_string()))?;
    for chart in sections.iter().flat_map(|s| &s.charts) {
        std::fs::write(dir.join(&chart.file), &chart.svg)?;
    }
    std::fs::write(dir.join("index.html"), html::render(&summary, source, &sections))?;
    std::fs::write(dir.join("report.md"), markdown::render(&summary, &sections))?;
    Ok(summary)
}
