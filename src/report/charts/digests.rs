//! Per workload: running app containers by manifest over time, one panel per variant with shared axes, tag
//! pushes and rollouts marked as labelled vertical lines, and shaded beneath, the containers that ran a
//! digest their reference no longer named (stale, see [`crate::report::drift`]). All variants are shown because they usually differ
//! precisely in which versions run (pull policy, tag timing); the base alone would hide that.

use super::*;
use crate::engine::SimTime;
use crate::model::spec::WorkloadId;
use crate::report::drift::{self, Drift};
use crate::report::series::{self, DigestSeries, Marker, MAX_POINTS};

/// The shade of stale containers.
const STALE: RGBColor = RGBColor(246, 206, 190);

/// The sum of several step series (each point holds until the next).
fn sum_steps(series: &[&[(SimTime, u32)]]) -> Vec<(SimTime, u32)> {
    let mut times: Vec<SimTime> = series.iter().flat_map(|s| s.iter().map(|p| p.0)).collect();
    times.sort_unstable();
    times.dedup();
    let mut at = vec![0usize; series.len()];
    let mut out: Vec<(SimTime, u32)> = Vec::with_capacity(times.len());
    for t in times {
        let mut total = 0;
        for (s, i) in series.iter().zip(at.iter_mut()) {
            while *i < s.len() && s[*i].0 <= t {
                *i += 1;
            }
            total += if *i > 0 { s[*i - 1].1 } else { 0 };
        }
        if out.last().is_none_or(|p| p.1 != total) {
            out.push((t, total));
        }
    }
    out
}

/// Most workloads charted; beyond that, those that ran the most digests at once are chosen.
const MAX_WORKLOADS: usize = 8;

/// Height of one variant's panel, without marker label rows.
const PANEL: i32 = 210;

/// A line of the chart, identified across variants.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    container: String,
    digest: String,
    image: String,
}

/// A line of one panel: its key's index and its step points.
type Line = (usize, Vec<(SimTime, u32)>);

pub(super) fn section(input: &ChartInput<'_>) -> Result<Section> {
    let all: Vec<Vec<DigestSeries>> = input.runs.iter().map(|r| series::digests(r.output)).collect();
    let drifts: Vec<Vec<(WorkloadId, String, Drift)>> =
        input.runs.iter().map(|r| drift::drift_with_steps(r.output)).collect();
    // Workload names in the order of the first variant that has them (spec order is name order).
    let mut names: Vec<&str> = Vec::new();
    for r in input.runs {
        for w in &r.output.world.spec.workloads {
            if !names.contains(&w.name.as_str()) {
                names.push(&w.name);
            }
        }
    }
    let total = names.len();
    if names.len() > MAX_WORKLOADS {
        let most = |name: &str| {
            input
                .summaries
                .iter()
                .filter_map(|s| s.workloads.get(name))
                .map(|w| w.max_distinct_digests)
                .max()
                .unwrap_or(0)
        };
        let mut ranked = names.clone();
        ranked.sort_by_key(|n| std::cmp::Reverse(most(n)));
        ranked.truncate(MAX_WORKLOADS);
        names.retain(|n| ranked.contains(n));
    }
    let mut charts = Vec::new();
    for name in &names {
        charts.push(workload_chart(input, &all, &drifts, name)?);
    }
    let mut intro = "Running app containers of each workload by manifest (image name from the scenario and a short \
                     digest), one panel per variant on the same axes. Two or more lines above zero at once mean \
                     pods ran different versions side by side. Vertical lines mark tag pushes to a repository \
                     the workload pulls from and the workload's rollouts (setImage, setImagePullPolicy). The \
                     shaded area counts the containers running a digest that their reference (as written in the \
                     current template) no longer resolves to: stale pods."
        .to_string();
    if total > names.len() {
        intro.push_str(&format!(
            " {} of {total} workloads are shown: those that ran the most digests at once (summary.json lists all).",
            names.len()
        ));
    }
    Ok(Section { heading: "Versions running, per workload".to_string(), intro, charts })
}

fn workload_chart(
    input: &ChartInput<'_>,
    all: &[Vec<DigestSeries>],
    drifts: &[Vec<(WorkloadId, String, Drift)>],
    name: &str,
) -> Result<Chart> {
    struct Panel<'a> {
        variant: &'a str,
        end: SimTime,
        /// (key index, points) per line; `None` when the variant has no such workload.
        lines: Option<Vec<Line>>,
        markers: Vec<Marker>,
        /// Stale containers of all the workload's app containers, as steps.
        stale: Vec<(SimTime, u32)>,
    }
    let mut keys: Vec<Key> = Vec::new();
    let mut panels = Vec::new();
    for ((run, series), drift) in input.runs.iter().zip(all).zip(drifts) {
        let w = &run.output.world;
        let id = w.spec.workloads.iter().position(|s| s.name == name);
        let steps: Vec<&[(SimTime, u32)]> = drift
            .iter()
            .filter(|(wid, ..)| Some(wid.0 as usize) == id)
            .map(|(.., d)| d.stale_steps.as_slice())
            .collect();
        let stale = series::sample_steps(sum_steps(&steps), run.output.end, MAX_POINTS);
        let lines = id.map(|id| {
            let s = &series[id];
            s.keys
                .iter()
                .enumerate()
                .map(|(k, key)| {
                    let image = &w.spec.images[key.image.0 as usize];
                    let key = Key {
                        container: key.container.clone(),
                        digest: image.digest.clone(),
                        image: image.name.clone(),
                    };
                    let idx = keys.iter().position(|x| *x == key).unwrap_or_else(|| {
                        keys.push(key);
                        keys.len() - 1
                    });
                    let pts: Vec<(SimTime, u32)> = s.points.iter().map(|(t, c)| (*t, c[k])).collect();
                    (idx, series::sample_steps(pts, run.output.end, MAX_POINTS))
                })
                .collect()
        });
        let markers = id.map(|id| series::markers(run.output, WorkloadId(id as u32))).unwrap_or_default();
        panels.push(Panel { variant: run.name, end: run.output.end, lines, markers, stale });
    }
    // Group the lines by container (name order), each container's digests in the order they first ran.
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|a, b| keys[*a].container.cmp(&keys[*b].container));
    let rank: Vec<usize> = {
        let mut r = vec![0; keys.len()];
        for (pos, k) in order.iter().enumerate() {
            r[*k] = pos;
        }
        r
    };
    let keys: Vec<Key> = order.iter().map(|k| keys[*k].clone()).collect();
    for p in &mut panels {
        for (k, _) in p.lines.iter_mut().flatten() {
            *k = rank[*k];
        }
    }
    let containers = {
        let mut c: Vec<&str> = keys.iter().map(|k| k.container.as_str()).collect();
        c.dedup();
        c.len()
    };
    let mut legend: Vec<LegendItem> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let short = &k.digest[..k.digest.len().min(19)];
            let text = if containers > 1 {
                format!("{}: {} ({short})", k.container, k.image)
            } else {
                format!("{} ({short})", k.image)
            };
            LegendItem { text, colour: colour(i), line: true }
        })
        .collect();
    if panels.iter().any(|p| p.stale.iter().any(|s| s.1 > 0)) {
        legend.push(LegendItem {
            text: "stale: a digest the reference no longer names".into(),
            colour: STALE,
            line: false,
        });
    }
    let end = panels.iter().map(|p| p.end).max().unwrap_or(SimTime::ZERO);
    let unit = TimeUnit::for_span(end.as_micros());
    let ymax = panels
        .iter()
        .filter_map(|p| p.lines.as_ref())
        .flatten()
        .flat_map(|(_, pts)| pts.iter().map(|p| p.1))
        .max()
        .unwrap_or(0)
        .max(1);
    // Marker labels go in rows above each panel's plot, each row free of overlaps.
    let (plot_left, plot_right) = (8 + 62, WIDTH as i32 - 24);
    let x_px = |t: SimTime| {
        let span = end.as_micros().max(1) as f64;
        plot_left + ((plot_right - plot_left) as f64 * t.as_micros() as f64 / span).round() as i32
    };
    let rows: Vec<Vec<(usize, bool)>> = panels.iter().map(|p| marker_rows(&p.markers, x_px, plot_right)).collect();
    let label_rows = rows.iter().flatten().map(|(r, _)| r + 1).max().unwrap_or(0) as i32;
    let panel_h = PANEL + label_rows * 15;
    let title = format!("Workload {name}: running containers by digest");
    let height = header_height(true, &legend, WIDTH) + panel_h * panels.len() as i32;
    let svg = svg((WIDTH, height as u32), |root| {
        let top = header(root, &title, Some("one panel per variant, same axes"), &legend)?;
        let (_, area) = root.split_vertically(top);
        let areas = area.split_evenly((panels.len().max(1), 1));
        for (i, (panel_area, panel)) in areas.iter().zip(&panels).enumerate() {
            let last = i + 1 == panels.len();
            let (px, py) = panel_area.get_pixel_range();
            let head = 22 + label_rows * 15;
            label(
                root,
                &format!("variant {}", panel.variant),
                (px.start + 72, py.start + 4),
                &bold(13.0),
                HPos::Left,
                VPos::Top,
            )?;
            let Some(lines) = &panel.lines else {
                let (_, rest) = panel_area.split_vertically(head);
                empty_note(&rest, &format!("No workload {name} in this variant."))?;
                continue;
            };
            let mut chart = ChartBuilder::on(panel_area)
                .margin_left(8)
                .margin_right(24)
                .margin_top(head)
                .x_label_area_size(if last { 44 } else { 26 })
                .y_label_area_size(62)
                .build_cartesian_2d(0.0..unit.of(end), 0u32..ymax + ymax / 12 + 1)?;
            let x_desc = if last { format!("time since start ({})", unit.name) } else { String::new() };
            style_mesh(&mut chart, &x_desc, "containers", &|v| number(*v), &|v| v.to_string(), (12, 6))?;
            let y_top = ymax + ymax / 12 + 1;
            if panel.stale.iter().any(|p| p.1 > 0) {
                let mut pts = vec![(0.0, 0u32)];
                let mut prev = 0;
                for (t, c) in &panel.stale {
                    pts.push((unit.of(*t), prev));
                    pts.push((unit.of(*t), *c));
                    prev = *c;
                }
                pts.push((unit.of(panel.end), prev));
                pts.push((unit.of(panel.end), 0));
                chart.draw_series(std::iter::once(Polygon::new(pts, STALE.filled())))?;
            }
            for m in &panel.markers {
                let x = unit.of(m.t);
                chart
                    .draw_series(std::iter::once(PathElement::new(vec![(x, 0), (x, y_top)], MUTED.stroke_width(1))))?;
            }
            // Lines that coincide would hide each other: earlier digests are drawn wider, underneath.
            for (k, pts) in lines {
                let width = (2.0 + 1.5 * (keys.len() - 1 - k) as f64).min(7.0) as u32;
                let mut path = Vec::with_capacity(pts.len() * 2 + 1);
                let mut prev = 0;
                // A line starts when its digest first runs.
                let first = pts.iter().position(|p| p.1 > 0).unwrap_or(pts.len());
                for (t, c) in &pts[first..] {
                    path.push((unit.of(*t), prev));
                    path.push((unit.of(*t), *c));
                    prev = *c;
                }
                path.push((unit.of(panel.end), prev));
                chart.draw_series(std::iter::once(PathElement::new(path, colour(*k).stroke_width(width))))?;
            }
            if lines.iter().all(|(_, pts)| pts.iter().all(|p| p.1 == 0)) {
                let (x, y) = chart.backend_coord(&(unit.of(end) / 2.0, y_top / 2));
                let note = format!("No container of {name} ran in this variant.");
                label(root, &note, (x, y), &font(13.0).color(&MUTED), HPos::Center, VPos::Center)?;
            }
            let plot_top = py.start + head;
            for (m, (row, left)) in panel.markers.iter().zip(&rows[i]) {
                let (x, _) = chart.backend_coord(&(unit.of(m.t), 0));
                let y = plot_top - 4 - (label_rows - 1 - *row as i32) * 15;
                let (ax, h) = if *left { (x - 3, HPos::Right) } else { (x + 3, HPos::Left) };
                label(root, &m.label, (ax, y), &font(11.5).color(&MUTED), h, VPos::Bottom)?;
            }
        }
        Ok(())
    })?;
    Ok(Chart { file: format!("digests-{}.svg", file_stem(name)), title, svg })
}

/// Assigns each marker label a row (0 = top) so that labels in a row do not overlap; a label that would run
/// past `right` is drawn to the left of its line (`true`).
fn marker_rows(markers: &[Marker], x_px: impl Fn(SimTime) -> i32, right: i32) -> Vec<(usize, bool)> {
    let mut row_ends: Vec<i32> = Vec::new();
    let mut out = Vec::new();
    for m in markers {
        let x = x_px(m.t);
        let w = text_width(&m.label, 11.5);
        let left = x + 3 + w > right;
        let (start, end) = if left { (x - 3 - w, x) } else { (x, x + 3 + w) };
        let row = match row_ends.iter().position(|e| *e + 8 < start) {
            Some(r) => r,
            None => {
                row_ends.push(i32::MIN);
                row_ends.len() - 1
            }
        };
        row_ends[row] = end;
        out.push((row, left));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_series_add_up() {
        let t = |s: u64| SimTime::from_micros(s);
        let a = [(t(0), 1), (t(10), 3)];
        let b = [(t(5), 2), (t(10), 0), (t(20), 1)];
        assert_eq!(sum_steps(&[&a, &b]), vec![(t(0), 1), (t(5), 3), (t(20), 4)]);
        assert_eq!(sum_steps(&[]), vec![]);
    }

    #[test]
    fn close_marker_labels_go_to_separate_rows() {
        let m = |s: u64| Marker { t: SimTime::from_micros(s * 1_000_000), label: "push team/app:v1 -> v2".into() };
        let rows = marker_rows(&[m(0), m(1), m(200), m(599)], |t| (t.as_micros() / 1_000_000) as i32, 600);
        assert_eq!(rows, vec![(0, false), (1, false), (0, false), (0, true)]);
    }
}
