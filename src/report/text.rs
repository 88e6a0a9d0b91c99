//! The short text summary printed on the terminal after a run: one block per variant.

use super::summary::{Summary, VariantSummary};
use std::fmt::Write;

fn ms(v: Option<f64>) -> String {
    match v {
        None => "-".to_string(),
        Some(ms) if ms >= 1000.0 => format!("{:.1}s", ms / 1000.0),
        Some(ms) => format!("{ms:.0}ms"),
    }
}

fn bytes(b: u64) -> String {
    crate::units::format_bytes(b)
}

fn variant(out: &mut String, v: &VariantSummary) {
    let p = &v.pulls;
    let _ = writeln!(out, "variant {} (seed {})", v.name, v.seed);
    let _ = writeln!(
        out,
        "  pods      {} created, {} running at end, {} not running",
        v.pods.created, v.pods.running_at_end, v.pods.not_running_at_end
    );
    let _ = writeln!(
        out,
        "  pulls     {} completed, {} failed, {} back-off refusals, {} downloaded",
        p.completed,
        p.failed,
        p.back_off_refusals,
        bytes(p.bytes)
    );
    for (msg, n) in &p.failed_by_message {
        let _ = writeln!(out, "            {n} x {msg}");
    }
    let l = &v.pull_latency_ms;
    let _ = writeln!(
        out,
        "  pull      p50 {}  p90 {}  p99 {}  max {}  (incl. waiting)",
        ms(l.p50),
        ms(l.p90),
        ms(l.p99),
        ms(l.max)
    );
    let s = &v.pod_start_latency_ms;
    let _ = writeln!(out, "  pod start p50 {}  p90 {}  p99 {}  max {}", ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max));
    for (host, r) in &v.registries {
        let _ = writeln!(
            out,
            "  registry  {host}: {} manifest + {} blob requests, {} failed, {} served",
            r.manifest_requests,
            r.blob_requests,
            r.failed_requests,
            bytes(r.bytes)
        );
    }
    const SHOWN: usize = 8;
    for (name, w) in v.workloads.iter().take(SHOWN) {
        let digests: Vec<String> = w
            .running_by_digest
            .iter()
            .flat_map(|(c, m)| m.iter().map(move |(d, n)| format!("{c}={}..:{n}", &d[..d.len().min(19)])))
            .collect();
        let _ = writeln!(
            out,
            "  workload  {name}: {}/{} running, max {} digests at once, now {}",
            w.running_pods,
            w.replicas,
            w.max_distinct_digests,
            if digests.is_empty() { "-".to_string() } else { digests.join(" ") }
        );
    }
    // The workload container whose pods ran stale code the longest share of their time (the first in name
    // order among equals); none when no pod ran stale code or mixed versions.
    let worst = v
        .workloads
        .iter()
        .flat_map(|(w, s)| s.drift.iter().map(move |(c, d)| (w, c, d)))
        .filter_map(|(w, c, d)| d.stale_pod_seconds_share.map(|share| (share, w, c, d)))
        .filter(|(share, .., d)| *share > 0.0 || d.mixed_version_seconds > 0.0)
        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(a.1)));
    if let Some((share, w, c, d)) = worst {
        let converged: Vec<String> = d
            .convergence
            .iter()
            .map(|k| match k.converged_ms {
                Some(done) => crate::units::format_duration_us((done - k.push_ms).round() as u64 * 1000),
                None => "never".to_string(),
            })
            .collect();
        let _ = writeln!(
            out,
            "  drift     worst {w}/{c}: {:.1}% of pod-time stale, mixed versions {}, {} digests at end{}",
            share * 100.0,
            crate::units::format_duration_us((d.mixed_version_seconds * 1e3).round() as u64 * 1000),
            d.digests_at_end,
            if converged.is_empty() {
                String::new()
            } else {
                format!(", converged after push: {}", converged.join(", "))
            }
        );
    }
    if let Some(a) = &v.access {
        let first = a.unauthorized.first().map_or(String::new(), |s| {
            format!(
                " (first: {} on {} at {}, {})",
                s.pod,
                s.node,
                crate::units::format_duration_us((s.t_ms * 1e3).round() as u64),
                s.source
            )
        });
        let _ = writeln!(out, "  access    {} private-image starts without credentials{first}", a.unauthorized_starts);
    }
    if v.workloads.len() > SHOWN {
        let rest: Vec<_> = v.workloads.values().skip(SHOWN).collect();
        let running: u64 = rest.iter().map(|w| w.running_pods).sum();
        let replicas: u64 = rest.iter().map(|w| u64::from(w.replicas)).sum();
        let _ = writeln!(
            out,
            "  workload  ... {} more: {running}/{replicas} running (summary.json lists them all)",
            rest.len()
        );
    }
}

/// The terminal summary of a whole run.
pub fn render(summary: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "scenario {}", summary.scenario);
    for v in &summary.variants {
        variant(&mut out, v);
    }
    out
}
