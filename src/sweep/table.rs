//! The short terminal table of a sweep: one row per variant and point, means with their spread.

use super::figures::Stat;
use super::output::SweepReport;
use std::fmt::Write;

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn ms(v: f64) -> String {
    if v >= 1000.0 {
        format!("{:.1}s", v / 1000.0)
    } else {
        format!("{v:.0}ms")
    }
}

/// `mean ±sd` (the spread left out when it is zero or unknown).
fn cell(s: &Stat, fmt: fn(f64) -> String) -> String {
    match (s.mean, s.std_dev) {
        (None, _) => "-".to_string(),
        (Some(m), Some(sd)) if sd > 0.0 => format!("{} ±{}", fmt(m), fmt(sd)),
        (Some(m), _) => fmt(m),
    }
}

/// Column headers for the parameters: the last key of each path, or the whole path when two share it.
fn parameter_headers(paths: &[&str]) -> Vec<String> {
    let last = |p: &str| {
        crate::scenario::parse_sweep_path(p).ok().and_then(|k| k.last().cloned()).unwrap_or_else(|| p.to_string())
    };
    paths
        .iter()
        .map(|p| if paths.iter().filter(|q| last(q) == last(p)).count() > 1 { p.to_string() } else { last(p) })
        .collect()
}

/// `1 run`, `2 runs`.
pub(crate) fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The table of `report`.
pub fn render(report: &SweepReport) -> String {
    let plan = &report.plan;
    let paths: Vec<&str> = plan.parameters.iter().map(|p| p.path.as_str()).collect();
    let mut header = vec!["variant".to_string()];
    header.extend(parameter_headers(&paths));
    header.extend(
        ["seeds", "running", "pulls ok", "failed", "back-off", "pull p50", "pull p99", "start p99", "downloaded"]
            .map(String::from),
    );
    let mut rows = vec![header];
    for p in &report.points {
        let f = &p.figures;
        let mut row = vec![p.variant.clone()];
        row.extend(p.parameters.values().map(|v| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        }));
        // Bytes served by all registries, per run.
        let bytes: Vec<u64> = report
            .runs
            .iter()
            .filter(|r| r.variant == p.variant && r.point == p.point)
            .map(|r| r.figures.registry_bytes.values().sum())
            .collect();
        let downloaded = Stat::of(&bytes, 1.0);
        row.push(p.seeds.len().to_string());
        row.push(cell(&f.pods_running_at_end, number));
        row.push(cell(&f.pulls_completed, number));
        row.push(cell(&f.pulls_failed, number));
        row.push(cell(&f.back_off_refusals, number));
        row.push(cell(&f.pull_latency_ms.p50, ms));
        row.push(cell(&f.pull_latency_ms.p99, ms));
        row.push(cell(&f.pod_start_ms.p99, ms));
        row.push(cell(&downloaded, |b| crate::units::format_bytes(b.round() as u64)));
        rows.push(row);
    }
    let widths: Vec<usize> =
        (0..rows[0].len()).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "sweep {}: {}; each cell is the mean over the seeds ± the sample standard deviation",
        plan.scenario,
        plural(plan.runs(), "run")
    );
    for r in &rows {
        let cells: Vec<String> = r.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        let _ = writeln!(out, "  {}", cells.join("  ").trim_end());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_columns_are_named_by_their_last_key_unless_two_share_it() {
        let paths = ["nodePools.a.bandwidth", "nodePools.b.bandwidth", "registries[\"r.example.com\"]"];
        assert_eq!(parameter_headers(&paths), ["nodePools.a.bandwidth", "nodePools.b.bandwidth", "r.example.com"]);
        assert_eq!(parameter_headers(&["nodePools.a.kubelet.registryBurst"]), ["registryBurst"]);
        assert_eq!((plural(1, "run"), plural(0, "seed")), ("1 run".to_string(), "0 seeds".to_string()));
    }
}
