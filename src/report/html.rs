//! index.html: one self-contained page (inline CSS and SVG, no script, no external reference) with the
//! scenario's description, a table comparing the variants with the best value of each row marked, the
//! charts, and the scenario file itself. Also the comparison table's rows, shared with report.md.

use super::charts::Section;
use super::summary::{Summary, VariantSummary};
use std::fmt::Write;

/// Which value of a row is best.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// The lowest.
    Lower,
    /// The highest.
    Higher,
}

/// One row of the comparison table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// What the row shows.
    pub label: String,
    /// One cell per variant, as shown.
    pub cells: Vec<String>,
    /// Whether each cell holds the row's best value.
    pub best: Vec<bool>,
}

/// Marks the best of `values` (`None` = no value): every value equal to the lowest or highest, when at
/// least two variants have a value and not all of those are equal.
pub fn best_of(values: &[Option<f64>], better: Better) -> Vec<bool> {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let (lo, hi) = present.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    if present.len() < 2 || lo == hi {
        return vec![false; values.len()];
    }
    let target = match better {
        Better::Lower => lo,
        Better::Higher => hi,
    };
    values.iter().map(|v| *v == Some(target)).collect()
}

/// Which cells of a row get the mark, judged on what the reader sees: a cell that reads the same as a best
/// one is as good, and a row whose cells all read the same marks nothing.
pub fn mark_best(cells: &[String], values: &[Option<f64>], better: Better) -> Vec<bool> {
    let best_values = best_of(values, better);
    let shown: Vec<&String> = cells.iter().zip(&best_values).filter(|(_, b)| **b).map(|(c, _)| c).collect();
    let mut best: Vec<bool> = cells.iter().zip(values).map(|(c, v)| v.is_some() && shown.contains(&c)).collect();
    if best.iter().all(|b| *b) {
        best.iter_mut().for_each(|b| *b = false);
    }
    best
}

/// A latency as the terminal summary shows it: `30ms`, `17.2s`, `-` without a value.
fn ms(v: Option<f64>) -> String {
    match v {
        None => "-".to_string(),
        Some(ms) if ms >= 1000.0 => format!("{:.1}s", ms / 1000.0),
        Some(ms) => format!("{ms:.0}ms"),
    }
}

/// Most workloads with a row of their own; beyond that one row gives the most over all workloads.
const WORKLOAD_ROWS: usize = 8;

/// The rows of the comparison table, one column per variant.
pub fn comparison_rows(variants: &[VariantSummary]) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut push = |label: String, cells: Vec<String>, values: Vec<Option<f64>>, better: Better| {
        let best = mark_best(&cells, &values, better);
        rows.push(Row { label, cells, best });
    };
    let count = |label: &str, f: &dyn Fn(&VariantSummary) -> u64, better: Better| {
        let values: Vec<Option<f64>> = variants.iter().map(|v| Some(f(v) as f64)).collect();
        (label.to_string(), variants.iter().map(|v| f(v).to_string()).collect::<Vec<_>>(), values, better)
    };
    let running: Vec<String> = variants
        .iter()
        .map(|v| format!("{} of {}", v.pods.running_at_end, v.pods.running_at_end + v.pods.not_running_at_end))
        .collect();
    let running_values = variants.iter().map(|v| Some(v.pods.running_at_end as f64)).collect();
    push("Pods running at end (of live pods)".to_string(), running, running_values, Better::Higher);
    type Pick = fn(&VariantSummary) -> Option<f64>;
    let latencies: [(&str, Pick); 6] = [
        ("Pull latency p50", |v| v.pull_latency_ms.p50),
        ("Pull latency p90", |v| v.pull_latency_ms.p90),
        ("Pull latency p99", |v| v.pull_latency_ms.p99),
        ("Pod start p50", |v| v.pod_start_latency_ms.p50),
        ("Pod start p90", |v| v.pod_start_latency_ms.p90),
        ("Pod start p99", |v| v.pod_start_latency_ms.p99),
    ];
    // A variant whose pulls fail fast can look quick: latencies are compared only between equal failure counts.
    let failures_differ = variants.windows(2).any(|w| w[0].pulls.failed != w[1].pulls.failed);
    for (label, pick) in latencies {
        let values: Vec<Option<f64>> = variants.iter().map(pick).collect();
        let cells: Vec<String> = values.iter().map(|v| ms(*v)).collect();
        if failures_differ {
            // No values to compare: no mark.
            push(format!("{label} (not marked: failed pulls differ)"), cells, vec![None; values.len()], Better::Lower);
        } else {
            push(label.to_string(), cells, values, Better::Lower);
        }
    }
    for (label, cells, values, better) in [
        count("Failed pulls", &|v| v.pulls.failed, Better::Lower),
        count("Back-off refusals (ImagePullBackOff)", &|v| v.pulls.back_off_refusals, Better::Lower),
    ] {
        push(label, cells, values, better);
    }
    if variants.iter().any(|v| v.access.is_some()) {
        let starts = |v: &VariantSummary| v.access.as_ref().map(|a| a.unauthorized_starts);
        let cells = variants.iter().map(|v| starts(v).map_or("-".to_string(), |n| n.to_string())).collect();
        let values = variants.iter().map(|v| starts(v).map(|n| n as f64)).collect();
        push("Private-image starts without credentials".to_string(), cells, values, Better::Lower);
    }
    let mut hosts: Vec<&String> = variants.iter().flat_map(|v| v.registries.keys()).collect();
    hosts.sort_unstable();
    hosts.dedup();
    for host in hosts {
        let regs: Vec<_> = variants.iter().map(|v| v.registries.get(host)).collect();
        let bytes: Vec<Option<f64>> = regs.iter().map(|r| r.map(|r| r.bytes as f64)).collect();
        let cells = regs.iter().map(|r| r.map_or("-".to_string(), |r| crate::units::format_bytes(r.bytes)));
        push(format!("Bytes from {host}"), cells.collect(), bytes, Better::Lower);
        let total: Vec<Option<f64>> =
            regs.iter().map(|r| r.map(|r| (r.manifest_requests + r.blob_requests) as f64)).collect();
        let cells = regs.iter().map(|r| {
            r.map_or("-".to_string(), |r| {
                format!("{} ({} + {})", r.manifest_requests + r.blob_requests, r.manifest_requests, r.blob_requests)
            })
        });
        push(format!("Requests to {host} (manifest + blob)"), cells.collect(), total, Better::Lower);
    }
    let mut workloads: Vec<&String> = variants.iter().flat_map(|v| v.workloads.keys()).collect();
    workloads.sort_unstable();
    workloads.dedup();
    // Drift rows are marked by stale share alone, so that a variant does not earn a mark for running fewer
    // digests when all its pods run a stale one.
    let mut drift_rows = |label: String, cells: Vec<String>, stale: &[Option<f64>]| {
        let mut best = best_of(stale, Better::Lower);
        if best.iter().all(|b| *b) || cells.windows(2).all(|w| w[0] == w[1]) {
            best.iter_mut().for_each(|b| *b = false);
        }
        rows.push(Row { label, cells, best });
    };
    let show = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map_or("-".to_string(), f);
    let percent = |share: f64| format!("{:.1}%", share * 100.0);
    let seconds = |s: f64| crate::units::format_duration_us((s * 1e3).round() as u64 * 1000);
    if workloads.len() <= WORKLOAD_ROWS {
        for name in workloads {
            let mut containers: Vec<&String> =
                variants.iter().filter_map(|v| v.workloads.get(name)).flat_map(|w| w.drift.keys()).collect();
            containers.sort_unstable();
            containers.dedup();
            let single = containers.len() == 1;
            for c in containers {
                let of = if single { name.to_string() } else { format!("{name}/{c}") };
                let d: Vec<_> = variants.iter().map(|v| v.workloads.get(name).and_then(|w| w.drift.get(c))).collect();
                let stale: Vec<Option<f64>> = d.iter().map(|d| d.and_then(|d| d.stale_pod_seconds_share)).collect();
                let cells = stale.iter().map(|v| show(*v, &percent)).collect();
                drift_rows(format!("Stale pod-time, {of}"), cells, &stale);
                let cells = d.iter().map(|d| show(d.map(|d| d.mixed_version_seconds), &seconds)).collect();
                drift_rows(format!("Mixed-version time, {of}"), cells, &stale);
                let cells =
                    d.iter().map(|d| show(d.map(|d| f64::from(d.max_distinct_digests)), &|v| v.to_string())).collect();
                drift_rows(format!("Max digests at once, {of}"), cells, &stale);
                if d.iter().flatten().any(|d| !d.convergence.is_empty()) {
                    let cells = d
                        .iter()
                        .map(|d| match d {
                            None => "-".to_string(),
                            Some(d) if d.convergence.is_empty() => "-".to_string(),
                            Some(d) => d
                                .convergence
                                .iter()
                                .map(|k| {
                                    k.converged_ms.map_or("never".to_string(), |done| seconds((done - k.push_ms) / 1e3))
                                })
                                .collect::<Vec<_>>()
                                .join(", "),
                        })
                        .collect();
                    drift_rows(format!("Converged after each tag push, {of}"), cells, &stale);
                }
            }
        }
    } else {
        let worst = |v: &VariantSummary| {
            v.workloads
                .values()
                .flat_map(|w| w.drift.values())
                .filter_map(|d| d.stale_pod_seconds_share)
                .max_by(f64::total_cmp)
        };
        let stale: Vec<Option<f64>> = variants.iter().map(worst).collect();
        let cells = stale.iter().map(|v| show(*v, &percent)).collect();
        drift_rows(format!("Stale pod-time, worst of {} workloads", workloads.len()), cells, &stale);
        let values: Vec<Option<f64>> = variants
            .iter()
            .map(|v| v.workloads.values().map(|w| w.max_distinct_digests).max().map(f64::from))
            .collect();
        let cells = values.iter().map(|v| v.map_or("-".to_string(), |v| v.to_string())).collect();
        drift_rows(format!("Max digests at once, any of {} workloads", workloads.len()), cells, &stale);
    }
    rows
}

/// What "best" means, for the legend under the table.
pub const BEST_LEGEND: &str = "\u{2605} marks the best value of each row: the lowest latency, bytes, requests, \
    failed pulls, back-off refusals and private-image starts without credentials, the most pods running. Latency \
    rows are marked only when every variant failed as many pulls (a pull that fails fast is not a fast pull). \
    The drift rows of a workload (stale \
    pod-time, mixed-version time, digests at once, convergence) are all marked by the lowest stale share, so \
    that running one digest earns no mark when that digest is stale. A row where every variant has the same \
    value, or fewer than two have one, has no mark.";

/// HTML-escapes `s` for text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An SVG document as an element to inline in HTML: the XML namespace declaration (implied in HTML) is
/// dropped, so that the page names no external address.
fn inline_svg(svg: &str) -> String {
    svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
}

/// An id for a heading's anchor: lowercase letters and digits, '-' between words.
pub fn anchor(heading: &str) -> String {
    let mut out = String::new();
    for c in heading.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

const STYLE: &str = "\
body{margin:0;background:#f6f7f9;color:#222;font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
main{max-width:1000px;margin:0 auto;padding:24px 20px 48px;background:#fff}
h1{font-size:26px;margin:0 0 8px}h2{font-size:20px;margin:36px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:16px;margin:20px 0 6px}
p.meta,p.legend,p.note{color:#555;font-size:13.5px}
p.warn{background:#fff4e5;border-left:4px solid #e69f00;padding:8px 12px}
table{border-collapse:collapse;font-size:14px;margin:8px 0;width:100%}
th,td{border:1px solid #ddd;padding:5px 9px;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left;white-space:normal}
thead th{background:#f0f2f5}
td.best{background:#e3f4ec;font-weight:600}
figure{margin:14px 0 22px}figure svg{max-width:100%;height:auto;display:block;border:1px solid #eee}
figcaption{font-size:13px;color:#555;margin-top:4px}
nav ul{margin:4px 0;padding-left:20px}
pre{background:#f6f8fa;border:1px solid #e3e3e3;padding:12px;overflow-x:auto;font-size:13px;line-height:1.4}
code{font-size:13px}
";

/// The whole index.html.
pub fn render(summary: &Summary, source: &str, sections: &[Section]) -> String {
    let mut h = String::new();
    let name = escape(&summary.scenario);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>pullsim report: {name}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n"
    );
    let _ = writeln!(h, "<h1>pullsim report: {name}</h1>");
    if let Some(d) = &summary.description {
        let _ = writeln!(h, "<p>{}</p>", escape(d));
    }
    let _ = writeln!(h, "<p class=\"meta\">{}</p>", escape(&meta_line(summary)));
    for v in summary.variants.iter().filter(|v| v.truncated) {
        let _ = writeln!(
            h,
            "<p class=\"warn\">Variant {} stopped early at its trace limit, after {} of simulated time; its figures \
             and charts cover that much.</p>",
            escape(&v.name),
            ms(Some(v.duration_ms))
        );
    }
    let _ = writeln!(h, "<nav><ul>\n<li><a href=\"#comparison\">Comparison</a></li>");
    for s in sections {
        let _ = writeln!(h, "<li><a href=\"#{}\">{}</a></li>", anchor(&s.heading), escape(&s.heading));
    }
    let _ = writeln!(h, "<li><a href=\"#scenario\">Scenario file</a></li>\n</ul></nav>");
    let _ = writeln!(h, "<h2 id=\"comparison\">Comparison</h2>");
    table(&mut h, summary);
    let _ = writeln!(h, "<p class=\"legend\">{}</p>", escape(BEST_LEGEND));
    for s in sections {
        let _ = writeln!(h, "<h2 id=\"{}\">{}</h2>", anchor(&s.heading), escape(&s.heading));
        let _ = writeln!(h, "<p>{}</p>", escape(&s.intro));
        for c in &s.charts {
            let _ = writeln!(
                h,
                "<figure>\n{}<figcaption>{} (<a href=\"{}\">{}</a>)</figcaption>\n</figure>",
                inline_svg(&c.svg),
                escape(&c.title),
                escape(&c.file),
                escape(&c.file)
            );
        }
    }
    let _ = writeln!(h, "<h2 id=\"scenario\">Scenario file</h2>");
    let _ = writeln!(h, "<pre><code>{}</code></pre>", escape(source.trim_end()));
    let _ = writeln!(
        h,
        "<p class=\"note\">Written by <code>pullsim run</code>. The same folder holds <a href=\"summary.json\">summary.json</a> \
         (the figures), <a href=\"events.jsonl\">events.jsonl</a> (every event), report.md and the SVG charts.</p>"
    );
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

/// "3 variants (base, a, b); seeds 1; 5 minutes simulated."
pub fn meta_line(summary: &Summary) -> String {
    let names: Vec<&str> = summary.variants.iter().map(|v| v.name.as_str()).collect();
    let mut seeds: Vec<u64> = summary.variants.iter().map(|v| v.seed).collect();
    seeds.sort_unstable();
    seeds.dedup();
    let seeds: Vec<String> = seeds.iter().map(|s| s.to_string()).collect();
    let durations: Vec<f64> = summary.variants.iter().map(|v| v.duration_ms).collect();
    let longest = durations.iter().copied().fold(0.0, f64::max);
    format!(
        "{} variant{} ({}), seed{} {}, {} of simulated time. Simulated by pullsim; every figure below comes from \
         summary.json and events.jsonl in this folder.",
        names.len(),
        if names.len() == 1 { "" } else { "s" },
        names.join(", "),
        if seeds.len() == 1 { "" } else { "s" },
        seeds.join(", "),
        super::charts::duration_ms(longest)
    )
}

fn table(h: &mut String, summary: &Summary) {
    h.push_str("<table>\n<thead><tr><th>variant</th>");
    for v in &summary.variants {
        let _ = write!(h, "<th>{}</th>", escape(&v.name));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for row in comparison_rows(&summary.variants) {
        let _ = write!(h, "<tr><td>{}</td>", escape(&row.label));
        for (cell, best) in row.cells.iter().zip(&row.best) {
            if *best {
                let _ = write!(h, "<td class=\"best\">{} \u{2605}</td>", escape(cell));
            } else {
                let _ = write!(h, "<td>{}</td>", escape(cell));
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_marks_the_extreme_unless_all_tie() {
        let lower = best_of(&[Some(2.0), Some(1.0), Some(1.0), None], Better::Lower);
        assert_eq!(lower, [false, true, true, false]);
        assert_eq!(best_of(&[Some(2.0), Some(3.0)], Better::Higher), [false, true]);
        assert_eq!(best_of(&[Some(2.0), Some(2.0)], Better::Lower), [false, false]);
        assert_eq!(best_of(&[Some(2.0), None], Better::Lower), [false, false]);
    }

    #[test]
    fn cells_that_read_the_same_as_the_best_are_marked_too() {
        let cells = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let marks =
            mark_best(&cells(&["2.7s", "2.7s", "3.1s"]), &[Some(2712.0), Some(2698.0), Some(3100.0)], Better::Lower);
        assert_eq!(marks, [true, true, false]);
        let marks = mark_best(&cells(&["2.7s", "2.7s"]), &[Some(2712.0), Some(2698.0)], Better::Lower);
        assert_eq!(marks, [false, false], "all read the same: no mark");
    }

    #[test]
    fn escaping_and_anchors() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(anchor("Pulls on node pool-0"), "pulls-on-node-pool-0");
        assert_eq!(inline_svg("<svg width=\"1\" xmlns=\"http://www.w3.org/2000/svg\">"), "<svg width=\"1\">");
    }
}
