//! The plan of a sweep: which variants, which parameter values, which seeds, and so the numbered list of runs.
//! A plan is plain data (it is stored in every shard file and in sweep.json), and its hash ties shards to one
//! scenario text and one sweep.

use crate::model::digest::sha256_digest;
use crate::scenario::{self, Scenario, Sweep};
use serde::{Deserialize, Serialize};

/// Everything that decides the runs of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Plan {
    /// `metadata.name`.
    pub scenario: String,
    /// `metadata.description`, trimmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// SHA-256 of the scenario file's text.
    pub scenario_sha256: String,
    /// The swept parameters; points are their cartesian product, the first varying slowest.
    pub parameters: Vec<PlanParameter>,
    /// The variants run, in order, each with its seeds.
    pub variants: Vec<PlanVariant>,
}

/// One swept parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanParameter {
    /// Path into spec, as written.
    pub path: String,
    /// Values, in order.
    pub values: Vec<serde_json::Value>,
}

/// One variant of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanVariant {
    /// Variant name (`base` for the unpatched scenario).
    pub name: String,
    /// Seeds each of its points runs with.
    pub seeds: Vec<u64>,
}

/// Run number `index` of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunKey {
    /// Index into [`Plan::variants`].
    pub variant: usize,
    /// Point number.
    pub point: u64,
    /// Seed.
    pub seed: u64,
}

impl Plan {
    /// The plan of `sweep` over the variants named `variants` of `scenario` (already checked with
    /// [`Scenario::check_sweep`]). Without sweep seeds each variant runs with its own seed, or `seed` when
    /// given (`run --seed`).
    pub fn new(scenario: &Scenario, sweep: &Sweep, variants: &[&str], seed: Option<u64>) -> Plan {
        let variants = variants
            .iter()
            .map(|name| {
                let own = scenario.variants.iter().find(|v| v.name == *name).map_or(0, |v| v.spec.seed);
                let seeds = sweep.seeds.clone().unwrap_or_else(|| vec![seed.unwrap_or(own)]);
                PlanVariant { name: name.to_string(), seeds }
            })
            .collect();
        let parameters = sweep
            .parameters
            .iter()
            .map(|p| PlanParameter { path: p.path.clone(), values: p.values.iter().map(normalise).collect() })
            .collect();
        Plan {
            scenario: scenario.name.clone(),
            description: scenario.description.as_deref().map(|d| d.trim().to_string()),
            scenario_sha256: sha256_digest(scenario.source.as_bytes()),
            parameters,
            variants,
        }
    }

    /// SHA-256 of the plan as JSON (which includes the scenario text's hash): equal plans, equal hashes.
    pub fn sha256(&self) -> String {
        // Serialising plain data into memory cannot fail.
        sha256_digest(&serde_json::to_vec(self).unwrap_or_default())
    }

    /// Number of points (1 without parameters).
    pub fn points(&self) -> u64 {
        self.parameters.iter().fold(1u64, |n, p| n.saturating_mul(p.values.len() as u64))
    }

    /// Number of runs: for each variant, points x seeds.
    pub fn runs(&self) -> u64 {
        let points = self.points();
        self.variants.iter().fold(0u64, |n, v| n.saturating_add(points.saturating_mul(v.seeds.len() as u64)))
    }

    /// Run `index` (below [`Plan::runs`]): runs are numbered variant by variant, point by point within a
    /// variant, seed by seed within a point.
    pub fn run(&self, index: u64) -> Option<RunKey> {
        let points = self.points();
        let mut rest = index;
        for (variant, v) in self.variants.iter().enumerate() {
            let seeds = v.seeds.len() as u64;
            let block = points * seeds;
            if rest < block {
                return Some(RunKey { variant, point: rest / seeds, seed: v.seeds[(rest % seeds) as usize] });
            }
            rest -= block;
        }
        None
    }

    /// Each parameter's value at point `point`.
    pub fn point_values(&self, point: u64) -> Vec<&serde_json::Value> {
        let idx = scenario::point_indexes(self.parameters.iter().map(|p| p.values.len()), point);
        self.parameters.iter().zip(idx).map(|(p, i)| &p.values[i]).collect()
    }

    /// The merge patch of point `point`.
    pub fn point_patch(&self, point: u64) -> Result<serde_json::Value, String> {
        let keys = self
            .parameters
            .iter()
            .map(|p| scenario::parse_sweep_path(&p.path).map_err(|e| format!("sweep parameter {}: {e}", p.path)))
            .collect::<Result<Vec<_>, _>>()?;
        let values = self.point_values(point);
        Ok(scenario::merge_patch(keys.iter().map(Vec::as_slice).zip(values)))
    }

    /// `path=value, ...` of point `point`; empty without parameters.
    pub fn describe_point(&self, point: u64) -> String {
        let parts: Vec<String> =
            self.parameters.iter().zip(self.point_values(point)).map(|(p, v)| format!("{}={v}", p.path)).collect();
        parts.join(", ")
    }
}

/// A value as it reads back from JSON, so that a plan compares and hashes the same after a trip through a
/// shard file (only numbers can change: JSON readers may round a float's last digit).
fn normalise(v: &serde_json::Value) -> serde_json::Value {
    serde_json::to_string(v).ok().and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_else(|| v.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(seeds: &[&[u64]], values: &[usize]) -> Plan {
        Plan {
            scenario: "s".into(),
            description: None,
            scenario_sha256: "x".into(),
            parameters: values
                .iter()
                .enumerate()
                .map(|(i, n)| PlanParameter { path: format!("p{i}"), values: (0..*n).map(|v| v.into()).collect() })
                .collect(),
            variants: seeds
                .iter()
                .enumerate()
                .map(|(i, s)| PlanVariant { name: format!("v{i}"), seeds: s.to_vec() })
                .collect(),
        }
    }

    #[test]
    fn runs_are_numbered_variant_then_point_then_seed() {
        let p = plan(&[&[7, 8], &[9]], &[2, 3]);
        assert_eq!((p.points(), p.runs()), (6, 18));
        let keys: Vec<(usize, u64, u64)> =
            (0..p.runs()).map(|i| p.run(i).unwrap()).map(|k| (k.variant, k.point, k.seed)).collect();
        assert_eq!(keys[..4], [(0, 0, 7), (0, 0, 8), (0, 1, 7), (0, 1, 8)]);
        assert_eq!(keys[11], (0, 5, 8));
        assert_eq!(keys[12..], [(1, 0, 9), (1, 1, 9), (1, 2, 9), (1, 3, 9), (1, 4, 9), (1, 5, 9)]);
        assert_eq!(p.run(18), None);
        // The first parameter varies slowest.
        let v: Vec<i64> = p.point_values(4).iter().map(|v| v.as_i64().unwrap()).collect();
        assert_eq!(v, [1, 1]);
        assert_eq!(p.describe_point(5), "p0=1, p1=2");
    }

    #[test]
    fn a_plan_without_parameters_has_one_point_and_its_hash_follows_its_content() {
        let p = plan(&[&[1, 2, 3]], &[]);
        assert_eq!((p.points(), p.runs()), (1, 3));
        assert_eq!(p.point_patch(0).unwrap(), serde_json::json!({}));
        let mut q = p.clone();
        assert_eq!(p.sha256(), q.sha256());
        q.variants[0].seeds.push(4);
        assert_ne!(p.sha256(), q.sha256());
    }
}
