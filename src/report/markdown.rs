//! report.md: the comparison table in Markdown and the charts as relative image links, for reading the
//! report on GitHub.

use super::charts::Section;
use super::html::{comparison_rows, meta_line, BEST_LEGEND};
use super::summary::Summary;
use std::fmt::Write;

/// Escapes text for a Markdown table cell or paragraph.
fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '|' | '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The whole report.md.
pub fn render(summary: &Summary, sections: &[Section]) -> String {
    let mut m = String::new();
    let _ = writeln!(m, "# pullsim report: {}\n", cell(&summary.scenario));
    if let Some(d) = &summary.description {
        let _ = writeln!(m, "{}\n", cell(d));
    }
    let _ = writeln!(m, "{}\n", cell(&meta_line(summary)));
    for v in summary.variants.iter().filter(|v| v.truncated) {
        let _ = writeln!(
            m,
            "> **Note:** variant {} stopped early at its trace limit; its figures and charts cover the simulated \
             time it reached.\n",
            cell(&v.name)
        );
    }
    let _ = writeln!(m, "A self-contained version with the charts inline is [index.html](index.html).\n");
    let _ = writeln!(m, "## Comparison\n");
    m.push_str("| variant |");
    for v in &summary.variants {
        let _ = write!(m, " {} |", cell(&v.name));
    }
    m.push_str("\n| --- |");
    for _ in &summary.variants {
        m.push_str(" ---: |");
    }
    m.push('\n');
    for row in comparison_rows(&summary.variants) {
        let _ = write!(m, "| {} |", cell(&row.label));
        for (c, best) in row.cells.iter().zip(&row.best) {
            if *best {
                let _ = write!(m, " **{}** \u{2605} |", cell(c));
            } else {
                let _ = write!(m, " {} |", cell(c));
            }
        }
        m.push('\n');
    }
    let _ = writeln!(m, "\n{}\n", cell(BEST_LEGEND));
    for s in sections {
        let _ = writeln!(m, "## {}\n\n{}\n", cell(&s.heading), cell(&s.intro));
        for c in &s.charts {
            let _ = writeln!(m, "![{}]({})\n", cell(&c.title), c.file);
        }
    }
    let _ = writeln!(
        m,
        "The figures come from [summary.json](summary.json); every event is in [events.jsonl](events.jsonl)."
    );
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_markdown() {
        assert_eq!(cell("a|b_c"), "a\\|b\\_c");
    }
}
