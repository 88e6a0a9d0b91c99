//! A Gantt chart of one node's pulls per variant: for each pull (at most [`MAX_GANTT_PULLS`], in queue order)
//! the wait for the puller, the manifest request and downloads, and the unpacking after the last download;
//! failed and cancelled attempts are coloured and marked with the reason.

use super::*;
use crate::engine::SimTime;
use crate::model::trace::{NodeId, PullFailure};
use crate::report::series::{self, GanttBar, PullOutcome, Stage, MAX_GANTT_PULLS};

const WAITING: RGBColor = RGBColor(200, 200, 200);
const TRANSFER: RGBColor = RGBColor(0, 114, 178);
const UNPACK: RGBColor = RGBColor(230, 159, 0);
const FAILED: RGBColor = RGBColor(213, 94, 0);
const CANCELLED: RGBColor = RGBColor(110, 110, 110);

/// The node the Gantt charts show: `requested`, or else the node with the most pulls in the first run (the
/// base when it ran), ties to the first in node order; `None` when the first run has no node.
pub fn gantt_node_name(runs: &[VariantRun<'_>], requested: Option<&str>) -> Option<String> {
    if let Some(name) = requested {
        return Some(name.to_string());
    }
    let first = runs.first()?.output;
    series::busiest_node(first).map(|n| first.world.nodes[n.0 as usize].name.clone())
}

pub(super) fn section(input: &ChartInput<'_>) -> Result<Section> {
    let mut charts = Vec::new();
    for run in input.runs {
        charts.push(chart(run, input.gantt_node)?);
    }
    Ok(Section {
        heading: format!("Pulls on node {}", input.gantt_node),
        intro: format!(
            "Every pull on node {} in queue order (one chart per variant, at most {MAX_GANTT_PULLS} pulls each): grey while \
             queued for the puller, blue from the start of the pull (manifest request, layer downloads) to the \
             end of its last download, orange while the last layers unpack. Failed attempts are drawn in red \
             from their start and marked with the reason; a retry is a new pull on a new row.",
            input.gantt_node
        ),
        charts,
    })
}

fn short_reason(outcome: PullOutcome) -> Option<&'static str> {
    match outcome {
        PullOutcome::Completed | PullOutcome::Unfinished => None,
        PullOutcome::Failed(f) => Some(match f {
            PullFailure::QpsExceeded => "\u{2715} QPS exceeded",
            PullFailure::ManifestUnknown => "\u{2715} 404 manifest unknown",
            PullFailure::RegistryUnavailable => "\u{2715} 503 unavailable",
            PullFailure::NoSuchHost => "\u{2715} no such host",
            PullFailure::Cancelled => "\u{2715} cancelled",
            PullFailure::AccessDenied => "\u{2715} access denied",
            PullFailure::Unauthorized => "\u{2715} 401 unauthorized",
        }),
        PullOutcome::Cancelled => Some("\u{2715} cancelled (pod deleted)"),
    }
}

fn chart(run: &VariantRun<'_>, node_name: &str) -> Result<Chart> {
    let out = run.output;
    let w = &out.world;
    let node = w.nodes.iter().position(|n| n.name == node_name).map(|i| NodeId(i as u32));
    let mut bars = node.map(|n| series::gantt(out, n)).unwrap_or_default();
    let total = bars.len();
    bars.truncate(MAX_GANTT_PULLS);
    let legend = [
        LegendItem { text: "queued (waiting for the puller)".into(), colour: WAITING, line: false },
        LegendItem { text: "manifest + download".into(), colour: TRANSFER, line: false },
        LegendItem { text: "unpacking".into(), colour: UNPACK, line: false },
        LegendItem { text: "failed attempt".into(), colour: FAILED, line: false },
        LegendItem { text: "cancelled".into(), colour: CANCELLED, line: false },
    ];
    let failed = bars.iter().filter(|b| matches!(b.outcome, PullOutcome::Failed(_))).count();
    let subtitle = match (node, total) {
        (None, _) => format!("no node {node_name} in this variant"),
        (Some(_), t) if t > bars.len() => {
            format!("the first {} of {t} pulls in queue order (the rest are cut); {failed} of those failed", bars.len())
        }
        (Some(_), 0) => "no pulls".to_string(),
        (Some(_), t) => format!("{t} pulls in queue order, {failed} failed"),
    };
    let labels: Vec<String> = bars
        .iter()
        .map(|b| {
            let pod = &w.pods[b.pod.0 as usize];
            let c = w.template(b.pod).container(b.container as usize);
            ellipsize(&format!("#{} {}/{}", b.pull.0, pod.name, c.name), 34)
        })
        .collect();
    let label_w = labels.iter().map(|l| text_width(l, 11.0)).max().unwrap_or(40).max(40) + 12;
    let rows = bars.len().max(1);
    let row_h = (480 / rows as i32).clamp(12, 26);
    let top = header_height(true, &legend, WIDTH);
    let height = top + 20 + row_h * rows as i32 + 50;
    let title = format!("Pulls on node {node_name}, variant {}", run.name);
    let svg = svg((WIDTH, height as u32), |root| {
        header(root, &title, Some(&subtitle), &legend)?;
        let (_, area) = root.split_vertically(top);
        if bars.is_empty() {
            let msg =
                if node.is_some() { "No pulls on this node." } else { "The node does not exist in this variant." };
            return empty_note(&area, msg);
        }
        let t0 = bars.iter().map(|b| b.queued).min().unwrap_or(SimTime::ZERO);
        let t1 = bars.iter().map(|b| b.end).max().unwrap_or(t0);
        let span = t1.since(t0).as_micros().max(1_000);
        let unit = TimeUnit::for_span(t1.as_micros().max(span));
        let pad = span as f64 * 0.02 / unit.us;
        let (x0, x1) = ((unit.of(t0) - pad).max(0.0), unit.of(t1) + pad + span as f64 * 0.12 / unit.us);
        let mut chart = ChartBuilder::on(&area)
            .margin_left(8)
            .margin_right(24)
            .margin_top(16)
            .x_label_area_size(44)
            .y_label_area_size(label_w)
            .build_cartesian_2d(x0..x1, 0.0..rows as f64)?;
        let x_fmt = |v: &f64| number(*v);
        let mut mesh = chart.configure_mesh();
        mesh.disable_y_mesh()
            .y_labels(0)
            .x_labels(12)
            .x_desc(format!("time since start ({})", unit.name))
            .x_label_formatter(&x_fmt);
        super::house_mesh(&mut mesh).draw()?;
        let plot_right = chart.backend_coord(&(x1, 0.0)).0;
        for (i, (bar, text)) in bars.iter().zip(&labels).enumerate() {
            let y_hi = (rows - i) as f64 - 0.15;
            let y_lo = (rows - i - 1) as f64 + 0.15;
            let (lx, ly) = chart.backend_coord(&(x0, (rows - i) as f64 - 0.5));
            label(root, text, (lx - 8, ly), &font(11.0), HPos::Right, VPos::Center)?;
            // In pixels, each stage at least 2 px wide so that short pulls stay visible.
            let mut right = i32::MIN;
            for (stage, a, b) in bar.stages() {
                let (xa, top) = chart.backend_coord(&(unit.of(a), y_hi));
                let (xb, bottom) = chart.backend_coord(&(unit.of(b), y_lo));
                let xa = xa.max(right);
                let xb = xb.max(xa + 2);
                right = xb;
                root.draw(&Rectangle::new([(xa, top), (xb, bottom)], stage_colour(stage, bar.outcome).filled()))?;
            }
            mark_end(root, &chart, bar, unit, (y_lo, y_hi), plot_right)?;
        }
        Ok(())
    })?;
    Ok(Chart { file: format!("gantt-{}.svg", file_stem(run.name)), title, svg })
}

fn stage_colour(stage: Stage, outcome: PullOutcome) -> RGBColor {
    match (stage, outcome) {
        (Stage::Waiting, _) => WAITING,
        (_, PullOutcome::Failed(_)) => FAILED,
        (_, PullOutcome::Cancelled) => CANCELLED,
        (Stage::Transferring, _) => TRANSFER,
        (Stage::Unpacking, _) => UNPACK,
    }
}

/// Marks how a bar ended: a cross and the reason after a failed or cancelled attempt, an arrow and "running
/// at end" after an unfinished one.
fn mark_end(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    chart: &ChartContext<
        '_,
        SVGBackend<'_>,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    bar: &GanttBar,
    unit: TimeUnit,
    (y_lo, y_hi): (f64, f64),
    plot_right: i32,
) -> Result<()> {
    let (x, top) = chart.backend_coord(&(unit.of(bar.end), y_hi));
    let (_, bottom) = chart.backend_coord(&(unit.of(bar.end), y_lo));
    let mid = (top + bottom) / 2;
    let text = match bar.outcome {
        PullOutcome::Unfinished => "\u{2192} not finished at end",
        other => match short_reason(other) {
            Some(t) => t,
            None => return Ok(()),
        },
    };
    let colour = match bar.outcome {
        PullOutcome::Failed(_) => FAILED,
        _ => CANCELLED,
    };
    // A failure at the instant it started has no width: a short tick keeps it visible.
    root.draw(&Rectangle::new([(x - 1, top), (x + 1, bottom)], colour.filled()))?;
    let px = 11.0;
    if x + 5 + text_width(text, px) <= plot_right {
        label(root, text, (x + 5, mid), &font(px).color(&colour), HPos::Left, VPos::Center)?;
    }
    Ok(())
}
