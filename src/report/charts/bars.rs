//! Registry load: bytes served, manifest requests, blob requests and failed requests per registry, one bar per
//! variant in each registry's group.

use super::*;
use crate::report::summary::RegistrySummary;

/// Per registry, per variant: the value (`None` when the variant has no such registry).
type Values = Vec<Vec<Option<u64>>>;

pub(super) fn section(input: &ChartInput<'_>) -> Result<Section> {
    let mut hosts: Vec<&str> = Vec::new();
    for s in input.summaries {
        for h in s.registries.keys() {
            if !hosts.contains(&h.as_str()) {
                hosts.push(h);
            }
        }
    }
    hosts.sort_unstable();
    let names: Vec<&str> = input.summaries.iter().map(|s| s.name.as_str()).collect();
    let legend: Vec<LegendItem> = names
        .iter()
        .enumerate()
        .map(|(i, n)| LegendItem { text: n.to_string(), colour: colour(i), line: false })
        .collect();
    let value = |f: fn(&RegistrySummary) -> u64| -> Values {
        hosts.iter().map(|h| input.summaries.iter().map(|s| s.registries.get(*h).map(f)).collect()).collect()
    };
    let panels: [(&str, Values, bool); 4] = [
        ("Bytes served", value(|r| r.bytes), true),
        ("Manifest requests", value(|r| r.manifest_requests), false),
        ("Blob requests", value(|r| r.blob_requests), false),
        ("Failed requests (404, 503)", value(|r| r.failed_requests), false),
    ];
    let title = "Registry load per variant";
    let top = header_height(true, &legend, WIDTH);
    let svg = svg((WIDTH, top as u32 + 2 * 300), |root| {
        header(
            root,
            title,
            Some("per registry, one bar per variant; a missing bar means the variant has no such registry"),
            &legend,
        )?;
        let (_, area) = root.split_vertically(top);
        for (panel, (heading, values, bytes)) in area.split_evenly((2, 2)).iter().zip(&panels) {
            bar_panel(root, panel, heading, &hosts, values, *bytes)?;
        }
        Ok(())
    })?;
    Ok(Section {
        heading: "Registry load".to_string(),
        intro: "What each registry served in each variant: layer bytes whose transfer finished, manifest requests \
                (one per pull that reached the registry), blob requests (one per layer fetched) and requests \
                answered with an error."
            .to_string(),
        charts: vec![Chart { file: "registry-load.svg".to_string(), title: title.to_string(), svg }],
    })
}

fn bar_panel(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    panel: &DrawingArea<SVGBackend<'_>, Shift>,
    heading: &str,
    hosts: &[&str],
    values: &[Vec<Option<u64>>],
    bytes: bool,
) -> Result<()> {
    let max = values.iter().flatten().flatten().copied().max().unwrap_or(0);
    let (div, unit) = if bytes { byte_unit(max) } else { (1.0, "") };
    let shown = |v: u64| -> String {
        if bytes {
            crate::units::format_bytes(v)
        } else {
            v.to_string()
        }
    };
    let (px, py) = panel.get_pixel_range();
    label(root, heading, (px.start + 70, py.start + 6), &bold(13.5), HPos::Left, VPos::Top)?;
    let integer = !bytes;
    let ytop = if max == 0 { 1.0 } else { max as f64 / div * 1.18 };
    let groups = hosts.len().max(1);
    let mut chart = ChartBuilder::on(panel)
        .margin_left(8)
        .margin_right(20)
        .margin_top(30)
        .margin_bottom(4)
        .x_label_area_size(30)
        .y_label_area_size(62)
        .build_cartesian_2d(0.0..groups as f64, 0.0..ytop)?;
    let y_desc = if bytes { format!("bytes ({unit})") } else { "requests".to_string() };
    let y_fmt = |v: &f64| if integer && *v != v.round() { String::new() } else { number(*v) };
    let mut mesh = chart.configure_mesh();
    mesh.disable_x_mesh()
        .x_labels(0)
        .y_labels(if integer { (ytop.floor() as usize + 1).clamp(2, 6) } else { 6 })
        .y_desc(y_desc)
        .y_label_formatter(&y_fmt);
    super::house_mesh(&mut mesh).draw()?;
    for (g, row) in values.iter().enumerate() {
        let n = row.len().max(1) as f64;
        let w = 0.8 / n;
        for (i, v) in row.iter().enumerate() {
            let Some(v) = v else { continue };
            let x0 = g as f64 + 0.1 + w * i as f64;
            let x1 = x0 + w * 0.9;
            let y = *v as f64 / div;
            chart.draw_series(std::iter::once(Rectangle::new([(x0, 0.0), (x1, y)], colour(i).filled())))?;
            let (a, top) = chart.backend_coord(&(x0, y));
            let (b, _) = chart.backend_coord(&(x1, y));
            let text = shown(*v);
            if max > 0 && text_width(&text, 11.0) <= b - a + 8 {
                label(root, &text, ((a + b) / 2, top - 3), &font(11.0), HPos::Center, VPos::Bottom)?;
            }
        }
        let (a, base) = chart.backend_coord(&(g as f64, 0.0));
        let (b, _) = chart.backend_coord(&(g as f64 + 1.0, 0.0));
        let fit = ((b - a) as f64 / (12.0 * 0.58)) as usize;
        let host = ellipsize(hosts.get(g).copied().unwrap_or(""), fit.max(4));
        label(root, &host, ((a + b) / 2, base + 8), &font(12.0), HPos::Center, VPos::Top)?;
    }
    if max == 0 {
        let (x, y) = chart.backend_coord(&(groups as f64 / 2.0, 0.5));
        label(root, "none in any variant", (x, y), &font(13.0).color(&MUTED), HPos::Center, VPos::Center)?;
    }
    Ok(())
}
