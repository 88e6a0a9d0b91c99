//! sweep.json (statistics per variant and point, and every run's raw figures), shard files, and the merge of
//! shards back into the sweep.json a single machine writes.

use super::figures::PointFigures;
use super::plan::Plan;
use super::RunRecord;
use crate::scenario::MAX_SWEEP_RUNS;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `format` of sweep.json.
pub const SWEEP_FORMAT: &str = "pullsim-sweep/v1";
/// `format` of a shard file.
pub const SHARD_FORMAT: &str = "pullsim-sweep-shard/v1";
/// What `stdDev` means, written into sweep.json.
pub const STD_DEV_KIND: &str = "sample standard deviation over the seeds (divided by n - 1); null when n < 2";

/// The whole sweep.json.
#[derive(Debug, Clone)]
pub struct SweepReport {
    /// [`SWEEP_FORMAT`].
    pub format: &'static str,
    /// `metadata.name`.
    pub scenario: String,
    /// Hash of the plan (and so of the scenario text).
    pub plan_sha256: String,
    /// [`STD_DEV_KIND`].
    pub std_dev: &'static str,
    /// The plan.
    pub plan: Plan,
    /// Statistics per variant and point, in run order.
    pub points: Vec<PointSummary>,
    /// Every run's figures, in run order.
    pub runs: Vec<RunRecord>,
}

/// The statistics of one variant at one point.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PointSummary {
    /// Variant name.
    pub variant: String,
    /// Point number.
    pub point: u64,
    /// Each parameter's value at this point, by path.
    pub parameters: serde_json::Map<String, serde_json::Value>,
    /// The seeds run.
    pub seeds: Vec<u64>,
    /// Runs that stopped at the trace limit.
    #[serde(skip_serializing_if = "is_zero")]
    pub truncated_runs: u64,
    /// Statistics of the key figures.
    pub figures: PointFigures,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

impl SweepReport {
    /// The report of `plan` from all its runs' records, in run order.
    pub fn build(plan: Plan, runs: Vec<RunRecord>) -> Result<SweepReport, String> {
        if runs.len() as u64 != plan.runs() || runs.iter().enumerate().any(|(i, r)| r.run != i as u64) {
            return Err(format!("expected runs 0 to {} in order, got {} records", plan.runs(), runs.len()));
        }
        let mut points = Vec::new();
        let mut at = 0;
        for v in &plan.variants {
            let n = v.seeds.len();
            for point in 0..plan.points() {
                let group = &runs[at..at + n];
                at += n;
                let parameters = plan
                    .parameters
                    .iter()
                    .zip(plan.point_values(point))
                    .map(|(p, v)| (p.path.clone(), v.clone()))
                    .collect();
                let figures: Vec<_> = group.iter().map(|r| &r.figures).collect();
                points.push(PointSummary {
                    variant: v.name.clone(),
                    point,
                    parameters,
                    seeds: group.iter().map(|r| r.seed).collect(),
                    truncated_runs: group.iter().filter(|r| r.truncated).count() as u64,
                    figures: PointFigures::of(&figures),
                });
            }
        }
        Ok(SweepReport {
            format: SWEEP_FORMAT,
            scenario: plan.scenario.clone(),
            plan_sha256: plan.sha256(),
            std_dev: STD_DEV_KIND,
            plan,
            points,
            runs,
        })
    }

    /// sweep.json's text: indented, except that each run's record is one line.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Head<'a> {
            format: &'a str,
            scenario: &'a str,
            plan_sha256: &'a str,
            std_dev: &'a str,
            plan: &'a Plan,
            points: &'a [PointSummary],
        }
        let head = Head {
            format: self.format,
            scenario: &self.scenario,
            plan_sha256: &self.plan_sha256,
            std_dev: self.std_dev,
            plan: &self.plan,
            points: &self.points,
        };
        // Plain data in memory: serialising cannot fail.
        let mut json = serde_json::to_string_pretty(&head).unwrap_or_default();
        json.truncate(json.trim_end_matches(['}', '\n']).len());
        json.push_str(",\n  \"runs\": [");
        for (i, r) in self.runs.iter().enumerate() {
            json.push_str(if i == 0 { "\n    " } else { ",\n    " });
            json.push_str(&serde_json::to_string(r).unwrap_or_default());
        }
        json.push_str(if self.runs.is_empty() { "]\n}\n" } else { "\n  ]\n}\n" });
        json
    }

    /// Writes `dir/sweep.json`; returns its path.
    pub fn write(&self, dir: &Path) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join("sweep.json");
        std::fs::write(&path, self.to_json())?;
        Ok(path)
    }
}

/// Shard I of N: the runs whose number is I modulo N. I counts from 0, as a Kubernetes Indexed Job's
/// `JOB_COMPLETION_INDEX` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardId {
    /// I, from 0.
    pub index: u64,
    /// N.
    pub count: u64,
}

impl ShardId {
    /// Reads `I/N`.
    pub fn parse(text: &str) -> Result<ShardId, String> {
        let bad = || {
            format!(
                "--shard {text:?}: expected I/N with 0 <= I < N, e.g. 0/4 (I counts from 0, as JOB_COMPLETION_INDEX)"
            )
        };
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count): (u64, u64) = (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if count == 0 || index >= count {
            return Err(bad());
        }
        if count > MAX_SWEEP_RUNS {
            return Err(format!("--shard {text:?}: at most {MAX_SWEEP_RUNS} shards"));
        }
        Ok(ShardId { index, count })
    }

    /// The run numbers of this shard among `total` runs.
    pub fn runs(&self, total: u64) -> Vec<u64> {
        (self.index..total).step_by(self.count as usize).collect()
    }

    /// `sweep-shard-I-of-N.json`.
    pub fn file_name(&self) -> String {
        format!("sweep-shard-{}-of-{}.json", self.index, self.count)
    }
}

/// A shard file: the plan and the raw figures of the shard's runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShardFile {
    /// [`SHARD_FORMAT`].
    pub format: String,
    /// Hash of `plan`; shards of one sweep share it.
    pub plan_sha256: String,
    /// Which shard.
    pub shard: ShardId,
    /// The whole sweep's plan.
    pub plan: Plan,
    /// This shard's runs, in run order.
    pub runs: Vec<RunRecord>,
}

impl ShardFile {
    /// Writes `dir/sweep-shard-I-of-N.json`; returns its path.
    pub fn write(&self, dir: &Path) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(self.shard.file_name());
        let mut json = serde_json::to_string(self).map_err(std::io::Error::other)?;
        json.push('\n');
        std::fs::write(&path, json)?;
        Ok(path)
    }
}

/// Whether a file name is that of a shard file.
fn is_shard_name(name: &str) -> bool {
    name.strip_prefix("sweep-shard-")
        .and_then(|r| r.strip_suffix(".json"))
        .and_then(|r| r.split_once("-of-"))
        .is_some_and(|(i, n)| i.parse::<u64>().is_ok() && n.parse::<u64>().is_ok())
}

/// The shard files named by `inputs`: files as given, and in each folder its `sweep-shard-I-of-N.json`
/// files in name order.
fn shard_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let entries = std::fs::read_dir(input).map_err(|e| format!("{}: cannot read: {e}", input.display()))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(is_shard_name))
                .collect();
            if found.is_empty() {
                return Err(format!("{}: no sweep-shard-I-of-N.json files in this folder", input.display()));
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

/// Reads and checks the shards named by `inputs` (files or folders) and rebuilds the sweep's report: all
/// shards must carry the same plan (same scenario text, same sweep) and the same N, each shard 0..N-1 must
/// be there exactly once, and each must hold exactly its runs.
pub fn merge(inputs: &[PathBuf]) -> Result<SweepReport, String> {
    let files = shard_files(inputs)?;
    let mut shards: Vec<(PathBuf, ShardFile)> = Vec::new();
    for f in files {
        let name = f.display().to_string();
        let text = std::fs::read_to_string(&f).map_err(|e| format!("{name}: cannot read: {e}"))?;
        let shard: ShardFile =
            serde_json::from_str(&text).map_err(|e| format!("{name}: not a pullsim sweep shard file: {e}"))?;
        if shard.format != SHARD_FORMAT {
            return Err(format!("{name}: format {:?}; expected {SHARD_FORMAT:?}", shard.format));
        }
        if shard.plan.sha256() != shard.plan_sha256 {
            return Err(format!("{name}: its plan does not match its planSha256 (the file was changed)"));
        }
        if shard.plan.runs() > MAX_SWEEP_RUNS || shard.shard.count == 0 || shard.shard.index >= shard.shard.count {
            return Err(format!(
                "{name}: shard {}/{} of {} runs is out of range",
                shard.shard.index,
                shard.shard.count,
                shard.plan.runs()
            ));
        }
        shards.push((f, shard));
    }
    let Some((first_path, first)) = shards.first() else {
        return Err("no shard files given".to_string());
    };
    let (plan, count) = (first.plan.clone(), first.shard.count);
    let mut by_index: BTreeMap<u64, &PathBuf> = BTreeMap::new();
    for (path, s) in &shards {
        if s.plan_sha256 != first.plan_sha256 {
            return Err(format!(
                "{}: belongs to another scenario or sweep than {} (plan {} vs {}; scenario {} vs {})",
                path.display(),
                first_path.display(),
                short(&s.plan_sha256),
                short(&first.plan_sha256),
                short(&s.plan.scenario_sha256),
                short(&first.plan.scenario_sha256)
            ));
        }
        if s.shard.count != count {
            return Err(format!(
                "{}: shard {}/{} but {} is one of {count} shards",
                path.display(),
                s.shard.index,
                s.shard.count,
                first_path.display()
            ));
        }
        if let Some(other) = by_index.insert(s.shard.index, path) {
            return Err(format!(
                "shard {}/{count} given twice: {} and {}",
                s.shard.index,
                other.display(),
                path.display()
            ));
        }
        let expected = s.shard.runs(plan.runs());
        let matches = s.runs.len() == expected.len()
            && s.runs.iter().zip(&expected).all(|(r, &i)| {
                r.run == i
                    && plan.run(i).is_some_and(|k| {
                        k.point == r.point && k.seed == r.seed && plan.variants[k.variant].name == r.variant
                    })
            });
        if !matches {
            return Err(format!(
                "{}: its runs are not those of shard {}/{count} of the plan",
                path.display(),
                s.shard.index
            ));
        }
    }
    let missing: Vec<String> = (0..count).filter(|i| !by_index.contains_key(i)).map(|i| i.to_string()).collect();
    if !missing.is_empty() {
        return Err(format!(
            "missing shard{} {} of {count} (shards count from 0)",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        ));
    }
    let mut runs: Vec<Option<RunRecord>> = vec![None; plan.runs() as usize];
    for (_, s) in shards {
        for r in s.runs {
            let i = r.run as usize;
            runs[i] = Some(r);
        }
    }
    let runs: Vec<RunRecord> = runs.into_iter().collect::<Option<_>>().ok_or("a run is missing from the shards")?;
    SweepReport::build(plan, runs)
}

fn short(hash: &str) -> &str {
    let h = hash.strip_prefix("sha256:").unwrap_or(hash);
    &h[..h.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_ids_count_from_zero() {
        assert_eq!(ShardId::parse("0/4"), Ok(ShardId { index: 0, count: 4 }));
        assert_eq!(ShardId::parse("3/4").unwrap().runs(10), [3, 7]);
        assert_eq!(ShardId::parse("2/3").unwrap().file_name(), "sweep-shard-2-of-3.json");
        for bad in ["4/4", "1/0", "-1/4", "1", "a/b", "1/2/3"] {
            assert!(ShardId::parse(bad).is_err(), "{bad}");
        }
        assert!(is_shard_name("sweep-shard-12-of-40.json"));
        assert!(!is_shard_name("sweep.json") && !is_shard_name("sweep-shard-x-of-2.json"));
    }
}
