//! SVG charts of a run, drawn with plotters' SVG backend (text stays `<text>`, no fonts are read): latency
//! CDFs, pods by phase, running containers by digest, registry load, and a Gantt chart of one node's pulls.
//! Every chart is a pure function of the runs, so the same runs give byte-identical SVG.

mod bars;
mod cdf;
mod digests;
mod gantt;
mod phases;

use super::summary::VariantSummary;
use super::VariantRun;
use plotters::chart::MeshStyle;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub use gantt::gantt_node_name;

/// One chart, ready to be written as `file` and inlined into index.html.
#[derive(Debug, Clone)]
pub struct Chart {
    /// File name in the output folder.
    pub file: String,
    /// Short title (also the image's alt text).
    pub title: String,
    /// The SVG document.
    pub svg: String,
}

/// A group of charts under one heading of the report.
#[derive(Debug, Clone)]
pub struct Section {
    /// Heading.
    pub heading: String,
    /// What the charts show, one or two sentences (plain text).
    pub intro: String,
    /// The charts.
    pub charts: Vec<Chart>,
}

/// Everything the charts are drawn from.
pub struct ChartInput<'a> {
    /// The runs, base first.
    pub runs: &'a [VariantRun<'a>],
    /// Their summaries, in the same order.
    pub summaries: &'a [VariantSummary],
    /// The node whose pulls the Gantt charts show.
    pub gantt_node: &'a str,
}

/// Draws every chart.
pub fn render_all(input: &ChartInput<'_>) -> std::result::Result<Vec<Section>, DrawError> {
    Ok(vec![
        cdf::section(input)?,
        phases::section(input)?,
        digests::section(input)?,
        bars::section(input)?,
        gantt::section(input)?,
    ])
}

/// A chart could not be drawn (drawing into a string does not fail in practice).
pub type DrawError = Box<dyn std::error::Error + Send + Sync>;

pub(crate) type Result<T> = std::result::Result<T, DrawError>;

/// Colour-blind-safe colours (Okabe & Ito), for variants and digests, in order of use.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 0, 0),       // black
    RGBColor(153, 153, 153), // grey
];

/// The colour of the `i`-th variant or digest (repeats after eight).
fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

const TEXT: RGBColor = RGBColor(34, 34, 34);
const MUTED: RGBColor = RGBColor(90, 90, 90);
const GRID: RGBColor = RGBColor(225, 225, 225);
const AXIS: RGBColor = RGBColor(120, 120, 120);

/// Width of every chart, in pixels.
const WIDTH: u32 = 960;

/// A sans-serif font of `px` pixels (plotters writes `font-size` as size / 1.24).
fn font(px: f64) -> TextStyle<'static> {
    ("sans-serif", px * 1.24).into_font().color(&TEXT)
}

/// A bold sans-serif font of `px` pixels.
fn bold(px: f64) -> TextStyle<'static> {
    ("sans-serif", px * 1.24, FontStyle::Bold).into_font().color(&TEXT)
}

/// Estimated width in pixels of `s` in a `px` font: a little wider than the average sans-serif glyph, so
/// that layouts built on it leave room.
fn text_width(s: &str, px: f64) -> i32 {
    (s.chars().count() as f64 * px * 0.58).ceil() as i32
}

/// Cuts `s` to `max` characters, ending with an ellipsis when cut.
fn ellipsize(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('\u{2026}');
        t
    }
}

/// Draws `s` at `(x, y)` (absolute pixels) anchored by `h` and `v`.
fn label(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    s: &str,
    (x, y): (i32, i32),
    style: &TextStyle<'_>,
    h: HPos,
    v: VPos,
) -> Result<()> {
    root.draw(&Text::new(s.to_string(), (x, y), style.pos(Pos::new(h, v))))?;
    Ok(())
}

/// A legend entry: a swatch of `colour` (a filled box, or a line when `line`) and its text.
struct LegendItem {
    text: String,
    colour: RGBColor,
    line: bool,
}

/// The x position of each legend entry and its line (0 = first), wrapping at `width`.
fn legend_layout(legend: &[LegendItem], width: i32) -> Vec<(i32, i32)> {
    let mut x = 16;
    let mut line = 0;
    legend
        .iter()
        .map(|item| {
            let w = 22 + text_width(&item.text, LEGEND_PX) + 18;
            if x + w > width - 8 && x > 16 {
                x = 16;
                line += 1;
            }
            let at = (x, line);
            x += w;
            at
        })
        .collect()
}

const LEGEND_PX: f64 = 12.5;

/// Height of what [`header`] draws.
fn header_height(subtitle: bool, legend: &[LegendItem], width: u32) -> i32 {
    let lines = legend_layout(legend, width as i32).last().map_or(0, |(_, l)| l + 1);
    38 + if subtitle { 20 } else { 0 } + if lines > 0 { 2 + 20 * lines } else { 0 } + 4
}

/// Draws the title, an optional subtitle and the legend (wrapped to the width) at the top of `root`;
/// returns the height used ([`header_height`]).
fn header(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    title: &str,
    subtitle: Option<&str>,
    legend: &[LegendItem],
) -> Result<i32> {
    let width = root.dim_in_pixel().0;
    let mut y = 12;
    label(root, title, (16, y), &bold(17.0), HPos::Left, VPos::Top)?;
    y += 26;
    if let Some(sub) = subtitle {
        label(root, sub, (16, y), &font(12.5).color(&MUTED), HPos::Left, VPos::Top)?;
        y += 20;
    }
    y += 2;
    for (item, (x, line)) in legend.iter().zip(legend_layout(legend, width as i32)) {
        let y = y + 20 * line;
        let style = item.colour.filled();
        if item.line {
            root.draw(&Rectangle::new([(x, y + 6), (x + 16, y + 9)], style))?;
        } else {
            root.draw(&Rectangle::new([(x, y + 1), (x + 14, y + 13)], style))?;
        }
        label(root, &item.text, (x + 22, y + 7), &font(LEGEND_PX), HPos::Left, VPos::Center)?;
    }
    Ok(header_height(subtitle.is_some(), legend, width))
}

/// Draws `message` in the middle of `area` (for a chart with nothing to plot).
fn empty_note(area: &DrawingArea<SVGBackend<'_>, Shift>, message: &str) -> Result<()> {
    let (w, h) = area.dim_in_pixel();
    area.draw(&Rectangle::new([(16, 0), (w as i32 - 16, h as i32 - 8)], GRID.stroke_width(1)))?;
    area.draw(&Text::new(
        message.to_string(),
        (w as i32 / 2, h as i32 / 2),
        font(14.0).color(&MUTED).pos(Pos::new(HPos::Center, VPos::Center)),
    ))?;
    Ok(())
}

/// A unit of simulated time for an axis.
#[derive(Debug, Clone, Copy, PartialEq)]
struct TimeUnit {
    /// Microseconds per unit.
    us: f64,
    /// Its symbol.
    name: &'static str,
}

impl TimeUnit {
    /// The unit that suits a span of `span_us` microseconds: ms below 2 s, s below 10 min, min below 5 h,
    /// else h.
    fn for_span(span_us: u64) -> TimeUnit {
        match span_us {
            s if s < 2_000_000 => TimeUnit { us: 1e3, name: "ms" },
            s if s < 600_000_000 => TimeUnit { us: 1e6, name: "s" },
            s if s < 18_000_000_000 => TimeUnit { us: 60e6, name: "min" },
            _ => TimeUnit { us: 3600e6, name: "h" },
        }
    }

    /// `t` in this unit.
    fn of(self, t: crate::engine::SimTime) -> f64 {
        t.as_micros() as f64 / self.us
    }
}

/// A tick value without trailing zeros: `5`, `2.5`, `0.25`.
fn number(v: f64) -> String {
    if v == v.round() && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Milliseconds as a short duration with its unit: `30ms`, `1.5s`, `2min`.
pub fn duration_ms(ms: f64) -> String {
    if ms < 1.0 && ms > 0.0 {
        format!("{}ms", number((ms * 1000.0).round() / 1000.0))
    } else if ms < 1000.0 {
        format!("{}ms", number(ms.round()))
    } else if ms < 10_000.0 {
        format!("{}s", number((ms / 10.0).round() / 100.0))
    } else if ms < 120_000.0 {
        format!("{}s", number((ms / 100.0).round() / 10.0))
    } else if ms < 7_200_000.0 {
        format!("{}min", number((ms / 6_000.0).round() / 10.0))
    } else {
        format!("{}h", number((ms / 360_000.0).round() / 10.0))
    }
}

/// A byte count in binary units chosen by `max`: (divisor, unit).
fn byte_unit(max: u64) -> (f64, &'static str) {
    match max {
        m if m >= 1 << 30 => ((1u64 << 30) as f64, "GiB"),
        m if m >= 1 << 20 => ((1u64 << 20) as f64, "MiB"),
        m if m >= 1 << 10 => ((1u64 << 10) as f64, "KiB"),
        _ => (1.0, "B"),
    }
}

/// A name usable in a file name: letters, digits, '-', '.' and '_' kept, anything else '_'. Workload and
/// variant names are lowercase already (the scenario layer checks), so two names never share a file.
fn file_stem(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') { c } else { '_' }).collect()
}

/// The mesh every cartesian chart uses: light grid, grey axes, 12 px labels.
fn style_mesh<X, Y>(
    chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<X, Y>>,
    x_desc: &str,
    y_desc: &str,
    x_fmt: &dyn Fn(&X::ValueType) -> String,
    y_fmt: &dyn Fn(&Y::ValueType) -> String,
    (x_labels, y_labels): (usize, usize),
) -> Result<()>
where
    X: Ranged + ValueFormatter<X::ValueType>,
    Y: Ranged + ValueFormatter<Y::ValueType>,
{
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(x_desc).y_desc(y_desc).x_labels(x_labels).y_labels(y_labels);
    mesh.x_label_formatter(x_fmt).y_label_formatter(y_fmt);
    house_mesh(&mut mesh).draw()?;
    Ok(())
}

/// The house look of every mesh: 12 px labels, 13 px axis titles, light grid lines only, grey axes.
fn house_mesh<'m, 'a, 'b, X, Y, DB>(mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>) -> &'m mut MeshStyle<'a, 'b, X, Y, DB>
where
    X: Ranged + ValueFormatter<X::ValueType>,
    Y: Ranged + ValueFormatter<Y::ValueType>,
    DB: DrawingBackend,
{
    mesh.label_style(font(12.0))
        .axis_desc_style(font(13.0))
        .bold_line_style(GRID.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS.stroke_width(1))
}

/// Renders a drawing of `width` x `height` pixels into an SVG string.
fn svg(
    (width, height): (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<()>,
) -> Result<String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    Ok(buf)
}

/// Variant `i`'s legend entry.
fn variant_item(i: usize, text: String) -> LegendItem {
    LegendItem { text, colour: colour(i), line: true }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_numbers() {
        assert_eq!(TimeUnit::for_span(1_999_999).name, "ms");
        assert_eq!(TimeUnit::for_span(300_000_000).name, "s");
        assert_eq!(TimeUnit::for_span(900_000_000).name, "min");
        assert_eq!(number(5.0), "5");
        assert_eq!(number(2.5), "2.5");
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(duration_ms(30.0), "30ms");
        assert_eq!(duration_ms(1500.0), "1.5s");
        assert_eq!(duration_ms(180_000.0), "3min");
        assert_eq!(byte_unit(220 << 20), ((1u64 << 20) as f64, "MiB"));
        assert_eq!(file_stem("web-2"), "web-2");
        assert_eq!(file_stem("a/b c"), "a_b_c");
        assert_eq!(ellipsize("abcdef", 4), "abc\u{2026}");
    }
}
