//! Sweeps: every variant over several seeds and parameter values, run in parallel, summarised per point as
//! mean, sample standard deviation, min and max over the seeds (`sweep.json`).
//!
//! A [`Plan`] numbers the runs (variant by variant, point by point, seed by seed). [`execute`] runs any
//! subset of them with rayon and returns their figures in run order, so the output does not depend on the
//! number of threads. A shard (`--shard I/N`) runs the runs whose number is I modulo N and writes their raw
//! figures; [`output::merge`] checks a set of shards and rebuilds the exact `sweep.json` a single machine
//! writes. This layer sits beside `report`: it reads `scenario`, runs `model`, and summarises with `report`.

pub mod figures;
pub mod output;
pub mod plan;
pub mod table;

pub use figures::{PointFigures, RunFigures, Stat};
pub use output::{ShardFile, ShardId, SweepReport};
pub use plan::{Plan, PlanParameter, PlanVariant, RunKey};

use crate::model;
use crate::report::{summary::VariantSummary, VariantRun};
use crate::scenario::Scenario;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The figures of one run of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunRecord {
    /// Run number in the plan.
    pub run: u64,
    /// Variant name.
    pub variant: String,
    /// Point number.
    pub point: u64,
    /// Seed.
    pub seed: u64,
    /// Set when the run stopped at the trace limit.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// Its key figures.
    pub figures: RunFigures,
}

/// Runs the runs numbered `runs` of `plan` over `scenario`, in parallel on the current rayon pool, and
/// returns their records in the order of `runs`. `progress` is called once per finished run (from any
/// thread). Fails only if a point does not resolve, which [`Scenario::check_sweep`] rules out beforehand.
pub fn execute(
    scenario: &Scenario,
    plan: &Plan,
    runs: &[u64],
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<RunRecord>, String> {
    runs.par_iter()
        .map(|&index| {
            let key = plan.run(index).ok_or_else(|| format!("run {index} is not in the plan"))?;
            let variant = &plan.variants[key.variant].name;
            let patch = plan.point_patch(key.point)?;
            let mut spec = scenario.patched_spec(variant, &patch).map_err(|ps| {
                let first = ps.first().map(|p| format!("{}: {}", p.path, p.message)).unwrap_or_default();
                format!("variant {variant:?} at sweep point {}: {first}", key.point)
            })?;
            spec.seed = key.seed;
            let output = model::run(&spec);
            let summary = VariantSummary::of(&VariantRun { name: variant, seed: key.seed, output: &output });
            progress();
            Ok(RunRecord {
                run: index,
                variant: variant.clone(),
                point: key.point,
                seed: key.seed,
                truncated: output.truncated,
                figures: RunFigures::of(&summary),
            })
        })
        .collect()
}
