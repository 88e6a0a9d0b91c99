//! Pods by phase over time, one panel per variant with shared axes: stacked areas of running, pending (or
//! ContainerCreating) and failing (ErrImagePull, ImagePullBackOff and the other image errors) pods.

use super::*;
use crate::engine::SimTime;
use crate::report::series::{self, PhaseCounts, MAX_POINTS};

const RUNNING: RGBColor = RGBColor(0, 158, 115);
const PENDING: RGBColor = RGBColor(240, 190, 60);
const FAILING: RGBColor = RGBColor(213, 94, 0);

/// Height of one variant's panel.
const PANEL: u32 = 230;

/// The top of one stacked layer.
type Height = fn(&PhaseCounts) -> u32;

pub(super) fn section(input: &ChartInput<'_>) -> Result<Section> {
    let end = input.runs.iter().map(|r| r.output.end).max().unwrap_or(SimTime::ZERO);
    let all: Vec<Vec<(SimTime, PhaseCounts)>> =
        input.runs.iter().map(|r| series::sample_steps(series::phases(r.output), r.output.end, MAX_POINTS)).collect();
    let ymax = all.iter().flatten().map(|(_, c)| c.pending + c.failing + c.running).max().unwrap_or(0).max(1);
    let unit = TimeUnit::for_span(end.as_micros());
    let legend = [
        LegendItem { text: "Running".into(), colour: RUNNING, line: false },
        LegendItem { text: "Pending / ContainerCreating".into(), colour: PENDING, line: false },
        LegendItem {
            text: "ErrImagePull / ImagePullBackOff (or another image error)".into(),
            colour: FAILING,
            line: false,
        },
    ];
    let n = all.len().max(1) as u32;
    let title = "Pods by phase over time";
    let height = header_height(true, &legend, WIDTH) as u32 + PANEL * n;
    let svg = svg((WIDTH, height), |root| {
        let top = header(root, title, Some("live pods, stacked; one panel per variant, same axes"), &legend)?;
        let (_, area) = root.split_vertically(top);
        let panels = area.split_evenly((all.len().max(1), 1));
        for (i, (panel, points)) in panels.iter().zip(&all).enumerate() {
            let last = i + 1 == all.len();
            let mut chart = ChartBuilder::on(panel)
                .margin_left(8)
                .margin_right(24)
                .margin_top(22)
                .x_label_area_size(if last { 44 } else { 26 })
                .y_label_area_size(62)
                .build_cartesian_2d(0.0..unit.of(end), 0u32..ymax + ymax / 12 + 1)?;
            let x_desc = if last { format!("time since start ({})", unit.name) } else { String::new() };
            style_mesh(&mut chart, &x_desc, "pods", &|v| number(*v), &|v| v.to_string(), (12, 6))?;
            let (px, py) = panel.get_pixel_range();
            let name = input.runs[i].name;
            label(root, &format!("variant {name}"), (px.start + 72, py.start + 4), &bold(13.0), HPos::Left, VPos::Top)?;
            // Top-down: the total in the failing colour, then running + pending, then running.
            let layers: [(RGBColor, Height); 3] = [
                (FAILING, |c| c.running + c.pending + c.failing),
                (PENDING, |c| c.running + c.pending),
                (RUNNING, |c| c.running),
            ];
            for (colour, height) in layers {
                let mut pts = vec![(0.0, 0u32)];
                let mut prev = 0;
                for (t, c) in points {
                    let x = unit.of(*t);
                    let y = height(c);
                    pts.push((x, prev));
                    pts.push((x, y));
                    prev = y;
                }
                pts.push((unit.of(input.runs[i].output.end), prev));
                pts.push((unit.of(input.runs[i].output.end), 0));
                if pts.iter().any(|p| p.1 > 0) {
                    chart.draw_series(std::iter::once(Polygon::new(pts, colour.filled())))?;
                }
            }
        }
        Ok(())
    })?;
    Ok(Section {
        heading: "Pods by phase".to_string(),
        intro: "Live pods in each phase, replayed from the trace: running once every container started; \
                failing while the last image event of one of its containers was a failure or a refusal \
                (ErrImagePull, ImagePullBackOff, ErrImageNeverPull, InvalidImageName); pending otherwise \
                (waiting for a node, the puller, a pull or a retry). Deleted pods leave the chart."
            .to_string(),
        charts: vec![Chart { file: "pods-by-phase.svg".to_string(), title: title.to_string(), svg }],
    })
}
