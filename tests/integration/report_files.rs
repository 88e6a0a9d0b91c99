//! The charts and pages `run` writes: byte-identical when run twice, index.html self-contained with a chart
//! for every SVG and the comparison table, report.md linking only files that exist, and `--gantt-node`.

use crate::common::{pullsim, repo_path};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pullsim-report-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn run_to(scenario: &str, dir: &Path, extra: &[&str]) -> BTreeMap<String, Vec<u8>> {
    let file = repo_path(&format!("scenarios/{scenario}.yaml"));
    let mut args = vec!["run", file.to_str().unwrap(), "--quiet", "--out", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let (code, _, err) = pullsim(&args);
    assert_eq!(code, 0, "{err}");
    files(dir)
}

/// Every file in `dir` by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            (path.file_name().unwrap().to_str().unwrap().to_string(), std::fs::read(&path).unwrap())
        })
        .collect()
}

fn text(files: &BTreeMap<String, Vec<u8>>, name: &str) -> String {
    String::from_utf8(files.get(name).unwrap_or_else(|| panic!("{name} was not written")).clone()).unwrap()
}

#[test]
fn a_run_writes_identical_charts_and_pages_twice() {
    let (a, b) = (temp_dir("a"), temp_dir("b"));
    let first = run_to("always-vs-ifnotpresent", &a, &[]);
    let second = run_to("always-vs-ifnotpresent", &b, &[]);
    assert_eq!(first.keys().collect::<Vec<_>>(), second.keys().collect::<Vec<_>>());
    for (name, bytes) in &first {
        assert!(*bytes == second[name], "{name} differs between two runs");
    }
    let svgs: Vec<&String> = first.keys().filter(|n| n.ends_with(".svg")).collect();
    for expected in ["pull-latency-cdf.svg", "pod-start-cdf.svg", "pods-by-phase.svg", "digests-web.svg"] {
        assert!(first.contains_key(expected), "{expected} missing; wrote {:?}", first.keys());
    }
    for expected in ["registry-load.svg", "gantt-base.svg", "gantt-ifnotpresent.svg", "gantt-serial.svg"] {
        assert!(first.contains_key(expected), "{expected} missing");
    }
    for name in &svgs {
        let svg = text(&first, name);
        assert!(svg.starts_with("<svg ") && svg.trim_end().ends_with("</svg>"), "{name} is not one SVG document");
        assert!(svg.contains("<text"), "{name} has no text");
    }

    let html = text(&first, "index.html");
    assert!(!html.contains("http://") && !html.contains("https://"), "index.html refers to a network address");
    assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<link"));
    assert_eq!(html.matches("<svg").count(), svgs.len(), "one inline <svg> per chart file");
    assert!(html.contains("<table>") && html.contains("Pod start p99") && html.contains("class=\"best\""));
    for variant in ["base", "ifnotpresent", "serial"] {
        assert!(html.contains(&format!("<th>{variant}</th>")), "table column for {variant}");
    }
    // The scenario file, escaped, in a <pre>.
    assert!(html.contains("<pre><code>apiVersion: pullsim/v1"));
    assert!(html.contains("image: registry.example.com/team/app:latest}]"));

    let md = text(&first, "report.md");
    assert!(md.contains("| Pod start p50 |"));
    let links: Vec<&str> = md.split("](").skip(1).filter_map(|s| s.split(')').next()).collect();
    assert!(links.len() >= svgs.len(), "report.md links every chart: {links:?}");
    for link in &links {
        assert!(first.contains_key(*link), "report.md links {link}, which was not written");
    }
    for svg in &svgs {
        assert!(links.contains(&svg.as_str()), "report.md does not show {svg}");
    }
    let _ = std::fs::remove_dir_all(a);
    let _ = std::fs::remove_dir_all(b);
}

#[test]
fn gantt_node_picks_the_node_and_an_unknown_one_is_bad_input() {
    let dir = temp_dir("gantt");
    let default = run_to("registry-qps-storm", &dir, &[]);
    let gantt = text(&default, "gantt-base.svg");
    assert!(gantt.contains("Pulls on node pool-0"), "the busiest node by default");
    assert!(gantt.contains("QPS exceeded"), "failed pulls are marked with their reason");
    let chosen = run_to("registry-outage", &dir, &["--gantt-node", "pool-12"]);
    assert!(text(&chosen, "gantt-base.svg").contains("Pulls on node pool-12, variant base"));
    assert!(text(&chosen, "index.html").contains("Pulls on node pool-12"));
    let file = repo_path("scenarios/registry-outage.yaml");
    let (code, _, err) =
        pullsim(&["run", file.to_str().unwrap(), "--quiet", "--out", dir.to_str().unwrap(), "--gantt-node", "nope-1"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--gantt-node \"nope-1\""), "{err}");
    // A node that a rolling node replacement adds (6 nodes, 4 added, 6 replaced: general-10..general-15).
    let replaced = run_to("daemonset-pool-growth", &dir, &["--variant", "replace-nodes", "--gantt-node", "general-15"]);
    assert!(text(&replaced, "gantt-replace-nodes.svg").contains("Pulls on node general-15"));
    let _ = std::fs::remove_dir_all(dir);
}
