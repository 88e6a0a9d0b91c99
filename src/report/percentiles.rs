//! Percentiles by the nearest-rank method: the p-th percentile of n sorted values is the value at rank
//! ceil(p/100 * n). Exact, and the same on every machine.

use serde::Serialize;

/// Count, p50, p90, p99 and max of a sample, in milliseconds (`null` when the sample is empty).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Percentiles {
    /// Sample size.
    pub count: usize,
    /// Median.
    pub p50: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
}

impl Percentiles {
    /// Percentiles of `values` (microseconds), reported in milliseconds.
    pub fn of_micros(mut values: Vec<u64>) -> Percentiles {
        values.sort_unstable();
        let at = |p: u64| -> Option<f64> {
            if values.is_empty() {
                return None;
            }
            let n = values.len() as u64;
            let rank = (p * n).div_ceil(100).max(1);
            Some(values[(rank - 1) as usize] as f64 / 1000.0)
        };
        Percentiles { count: values.len(), p50: at(50), p90: at(90), p99: at(99), max: at(100) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_on_one_to_a_hundred() {
        let p = Percentiles::of_micros((1..=100).map(|v| v * 1000).collect());
        assert_eq!((p.p50, p.p90, p.p99, p.max), (Some(50.0), Some(90.0), Some(99.0), Some(100.0)));
    }

    #[test]
    fn small_and_empty_samples() {
        let p = Percentiles::of_micros(vec![3000, 1000]);
        assert_eq!((p.count, p.p50, p.p99), (2, Some(1.0), Some(3.0)));
        let e = Percentiles::of_micros(vec![]);
        assert_eq!((e.count, e.p50, e.max), (0, None, None));
    }
}
