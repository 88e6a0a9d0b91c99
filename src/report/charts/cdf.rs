//! Latency CDFs: pull latency (queued -> completed) and pod-start latency (created -> running), one line per
//! variant on one chart; a log x axis when the values span more than two decades.

use super::*;
use crate::report::series::{self, MAX_POINTS};
use plotters::coord::ranged1d::AsRangedCoord;

pub(super) fn section(input: &ChartInput<'_>) -> Result<Section> {
    let names: Vec<&str> = input.runs.iter().map(|r| r.name).collect();
    let pulls: Vec<Vec<u64>> = input.runs.iter().map(|r| series::pull_latencies_us(r.output)).collect();
    let starts: Vec<Vec<u64>> = input.runs.iter().map(|r| series::pod_start_latencies_us(r.output)).collect();
    Ok(Section {
        heading: "Latency".to_string(),
        intro: "Cumulative distributions: for each time on the x axis, the share of successful pulls (or of pods \
                that got to run) that took at most that long. Further left and higher is faster; identical lines \
                overlap (earlier variants are drawn wider underneath, and the legend says \"same as\"). Pull latency \
                includes the wait for the node's puller; pod start counts from pod creation, including time \
                unscheduled and failed attempts."
            .to_string(),
        charts: vec![
            chart(
                "pull-latency-cdf.svg",
                "Pull latency, queued \u{2192} completed (successful pulls)",
                "pull latency",
                "successful pulls",
                &names,
                &pulls,
            )?,
            chart(
                "pod-start-cdf.svg",
                "Pod start latency, created \u{2192} running",
                "pod start latency",
                "pods that reached running",
                &names,
                &starts,
            )?,
        ],
    })
}

fn chart(file: &str, title: &str, what: &str, sample: &str, names: &[&str], values: &[Vec<u64>]) -> Result<Chart> {
    let lines: Vec<Vec<(f64, f64)>> = values.iter().map(|v| series::cdf(v, MAX_POINTS)).collect();
    let sorted: Vec<Vec<u64>> = values
        .iter()
        .map(|v| {
            let mut v = v.clone();
            v.sort_unstable();
            v
        })
        .collect();
    let legend: Vec<LegendItem> = names
        .iter()
        .zip(&sorted)
        .enumerate()
        .map(|(i, (name, v))| {
            let p = crate::report::percentiles::Percentiles::of_micros(v.clone());
            let same = sorted[..i].iter().position(|earlier| earlier == v && !v.is_empty());
            let text = match (p.p50, p.p99, same) {
                (_, _, Some(j)) => format!("{name} (n={}, same as {})", p.count, names[j]),
                (Some(p50), Some(p99), None) => {
                    format!("{name} (n={}, p50 {}, p99 {})", p.count, duration_ms(p50), duration_ms(p99))
                }
                _ => format!("{name} (none)"),
            };
            variant_item(i, text)
        })
        .collect();
    let xs = || lines.iter().flatten().map(|p| p.0);
    let max = xs().fold(0.0f64, f64::max);
    let min_positive = xs().filter(|x| *x > 0.0).fold(f64::INFINITY, f64::min);
    let log = min_positive.is_finite() && max / min_positive >= 100.0;
    let svg = svg((WIDTH, 470), |root| {
        let top = header(root, title, Some(&format!("share of {sample} by {what}; one line per variant")), &legend)?;
        let (_, area) = root.split_vertically(top);
        if lines.iter().all(|l| l.is_empty()) {
            return empty_note(&area, &format!("No {sample} in any variant."));
        }
        if log {
            let lo = 10f64.powf(min_positive.log10().floor());
            let hi = 10f64.powf(max.log10().ceil()).max(lo * 10.0);
            let zeros = xs().any(|x| x < lo);
            let desc = if zeros {
                format!("{what} (log scale; values below {} drawn at the left edge)", duration_ms(lo))
            } else {
                format!("{what} (log scale)")
            };
            plot(&area, (lo..hi).log_scale(), lo, hi, &desc, &|v| duration_ms(*v), &lines)
        } else {
            let hi = if max > 0.0 { max * 1.05 } else { 1.0 };
            let unit = TimeUnit::for_span((hi * 1000.0) as u64);
            let scale = 1000.0 / unit.us;
            let desc = format!("{what} ({})", unit.name);
            plot(&area, 0.0..hi, 0.0, hi, &desc, &|v| number(v * scale), &lines)
        }
    })?;
    Ok(Chart { file: file.to_string(), title: title.to_string(), svg })
}

#[allow(clippy::too_many_arguments)]
fn plot<X>(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    x: X,
    lo: f64,
    hi: f64,
    x_desc: &str,
    x_fmt: &dyn Fn(&f64) -> String,
    lines: &[Vec<(f64, f64)>],
) -> Result<()>
where
    X: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(area)
        .margin_left(8)
        .margin_right(24)
        .margin_bottom(6)
        .x_label_area_size(44)
        .y_label_area_size(62)
        .build_cartesian_2d(x, 0.0..1.03)?;
    style_mesh(&mut chart, x_desc, "share (cumulative)", x_fmt, &|v| format!("{}%", number(v * 100.0)), (12, 11))?;
    let n = lines.len();
    // Identical lines would hide each other: earlier variants are drawn wider, underneath.
    for (i, line) in lines.iter().enumerate() {
        if line.is_empty() {
            continue;
        }
        let width = (2.0 + 2.5 * (n - 1 - i) as f64).min(9.0) as u32;
        let mut pts = Vec::with_capacity(line.len() * 2 + 2);
        let mut prev = 0.0;
        for (x, y) in line {
            let x = x.max(lo);
            pts.push((x, prev));
            pts.push((x, *y));
            prev = *y;
        }
        pts.push((hi, prev));
        chart.draw_series(std::iter::once(PathElement::new(pts, colour(i).stroke_width(width))))?;
    }
    Ok(())
}
