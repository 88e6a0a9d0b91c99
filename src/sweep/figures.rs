//! The figures of one sweep run (raw, exact integers: they travel through shard files) and their statistics
//! over the seeds of a point: mean, sample standard deviation, min and max.

use crate::report::percentiles::Percentiles;
use crate::report::summary::VariantSummary;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The key figures of one run. Times are whole microseconds; `null` percentiles mean an empty sample (no
/// pull completed, no pod started).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunFigures {
    /// Live pods running at the end.
    pub pods_running_at_end: u64,
    /// Pulls that succeeded.
    pub pulls_completed: u64,
    /// Pulls that failed (ErrImagePull).
    pub pulls_failed: u64,
    /// Syncs refused inside a back-off window (ImagePullBackOff).
    pub back_off_refusals: u64,
    /// Bytes served, by registry host.
    pub registry_bytes: BTreeMap<String, u64>,
    /// Manifest plus blob requests, by registry host.
    pub registry_requests: BTreeMap<String, u64>,
    /// Pull latency including waiting for the puller, successful pulls.
    pub pull_latency_us: Quantiles,
    /// Pod creation to all app containers running, pods that got there.
    pub pod_start_us: Quantiles,
    /// Most distinct digests one app container ran at once, by workload.
    pub max_distinct_digests: BTreeMap<String, u64>,
}

/// p50, p90 and p99 of a sample, in microseconds (nearest rank, as summary.json).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quantiles {
    /// Median.
    pub p50: Option<u64>,
    /// 90th percentile.
    pub p90: Option<u64>,
    /// 99th percentile.
    pub p99: Option<u64>,
}

impl Quantiles {
    fn of(p: &Percentiles) -> Quantiles {
        // summary.json holds whole microseconds divided by 1000; this gives them back exactly.
        let us = |ms: Option<f64>| ms.map(|v| (v * 1000.0).round() as u64);
        Quantiles { p50: us(p.p50), p90: us(p.p90), p99: us(p.p99) }
    }
}

impl RunFigures {
    /// The figures of a run's summary.
    pub fn of(s: &VariantSummary) -> RunFigures {
        RunFigures {
            pods_running_at_end: s.pods.running_at_end,
            pulls_completed: s.pulls.completed,
            pulls_failed: s.pulls.failed,
            back_off_refusals: s.pulls.back_off_refusals,
            registry_bytes: s.registries.iter().map(|(h, r)| (h.clone(), r.bytes)).collect(),
            registry_requests: s
                .registries
                .iter()
                .map(|(h, r)| (h.clone(), r.manifest_requests + r.blob_requests))
                .collect(),
            pull_latency_us: Quantiles::of(&s.pull_latency_ms),
            pod_start_us: Quantiles::of(&s.pod_start_latency_ms),
            max_distinct_digests: s
                .workloads
                .iter()
                .map(|(name, w)| (name.clone(), u64::from(w.max_distinct_digests)))
                .collect(),
        }
    }
}

/// Statistics of one figure over the runs of a point. `n` counts the runs that had a value (a percentile of
/// an empty sample has none); the others are `null` when `n` is 0. `stdDev` is the sample standard deviation
/// (divided by n - 1), `null` when `n` is below 2.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stat {
    /// Runs with a value.
    pub n: usize,
    /// Mean.
    pub mean: Option<f64>,
    /// Sample standard deviation.
    pub std_dev: Option<f64>,
    /// Smallest value.
    pub min: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
}

impl Stat {
    /// Statistics of `values`, each divided by `unit` (1000 turns microseconds into milliseconds).
    pub fn of(values: &[u64], unit: f64) -> Stat {
        let n = values.len();
        if n == 0 {
            return Stat { n, mean: None, std_dev: None, min: None, max: None };
        }
        let sum: u128 = values.iter().map(|&v| u128::from(v)).sum();
        let mean = sum as f64 / n as f64;
        let std_dev = (n >= 2).then(|| {
            let squares: f64 = values.iter().map(|&v| (v as f64 - mean).powi(2)).sum();
            (squares / (n - 1) as f64).sqrt() / unit
        });
        let (min, max) = (values.iter().min().copied(), values.iter().max().copied());
        Stat {
            n,
            mean: Some(mean / unit),
            std_dev,
            min: min.map(|v| v as f64 / unit),
            max: max.map(|v| v as f64 / unit),
        }
    }
}

/// Statistics of p50, p90 and p99, in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuantileStats {
    /// Of the medians.
    pub p50: Stat,
    /// Of the 90th percentiles.
    pub p90: Stat,
    /// Of the 99th percentiles.
    pub p99: Stat,
}

/// The statistics of every key figure over the runs of one point.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PointFigures {
    /// Pods running at the end.
    pub pods_running_at_end: Stat,
    /// Pulls completed.
    pub pulls_completed: Stat,
    /// Pulls failed.
    pub pulls_failed: Stat,
    /// Back-off refusals.
    pub back_off_refusals: Stat,
    /// Bytes served, by registry.
    pub registry_bytes: BTreeMap<String, Stat>,
    /// Requests (manifest + blob), by registry.
    pub registry_requests: BTreeMap<String, Stat>,
    /// Pull latency including waiting, milliseconds.
    pub pull_latency_ms: QuantileStats,
    /// Pod start latency, milliseconds.
    pub pod_start_ms: QuantileStats,
    /// Most distinct digests at once, by workload.
    pub max_distinct_digests: BTreeMap<String, Stat>,
}

impl PointFigures {
    /// Statistics over `runs`, in their order.
    pub fn of(runs: &[&RunFigures]) -> PointFigures {
        let count = |f: fn(&RunFigures) -> u64| Stat::of(&runs.iter().map(|r| f(r)).collect::<Vec<_>>(), 1.0);
        let keyed = |f: fn(&RunFigures) -> &BTreeMap<String, u64>| {
            let keys: std::collections::BTreeSet<&String> = runs.iter().flat_map(|r| f(r).keys()).collect();
            keys.into_iter()
                .map(|k| {
                    let values: Vec<u64> = runs.iter().filter_map(|r| f(r).get(k).copied()).collect();
                    (k.clone(), Stat::of(&values, 1.0))
                })
                .collect()
        };
        let quantiles = |f: fn(&RunFigures) -> &Quantiles| {
            let of = |g: fn(&Quantiles) -> Option<u64>| {
                Stat::of(&runs.iter().filter_map(|r| g(f(r))).collect::<Vec<_>>(), 1000.0)
            };
            QuantileStats { p50: of(|q| q.p50), p90: of(|q| q.p90), p99: of(|q| q.p99) }
        };
        PointFigures {
            pods_running_at_end: count(|r| r.pods_running_at_end),
            pulls_completed: count(|r| r.pulls_completed),
            pulls_failed: count(|r| r.pulls_failed),
            back_off_refusals: count(|r| r.back_off_refusals),
            registry_bytes: keyed(|r| &r.registry_bytes),
            registry_requests: keyed(|r| &r.registry_requests),
            pull_latency_ms: quantiles(|r| &r.pull_latency_us),
            pod_start_ms: quantiles(|r| &r.pod_start_us),
            max_distinct_digests: keyed(|r| &r.max_distinct_digests),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_standard_deviation_min_max_and_units() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations sum to 32, sample variance 32/7.
        let s = Stat::of(&[2, 4, 4, 4, 5, 5, 7, 9], 1.0);
        assert_eq!((s.n, s.mean, s.min, s.max), (8, Some(5.0), Some(2.0), Some(9.0)));
        assert_eq!(s.std_dev, Some((32.0f64 / 7.0).sqrt()));
        let ms = Stat::of(&[1500, 2500], 1000.0);
        assert_eq!((ms.mean, ms.min, ms.max), (Some(2.0), Some(1.5), Some(2.5)));
        assert_eq!(ms.std_dev, Some(500_000f64.sqrt() / 1000.0));
    }

    #[test]
    fn equal_values_have_no_spread_and_small_samples_no_deviation() {
        let s = Stat::of(&[7_000_000_001; 10], 1.0);
        assert_eq!((s.mean, s.std_dev), (Some(7_000_000_001.0), Some(0.0)));
        assert_eq!(Stat::of(&[3], 1.0).std_dev, None);
        let e = Stat::of(&[], 1.0);
        assert_eq!((e.n, e.mean, e.std_dev, e.min), (0, None, None, None));
    }
}
