//! Replays every input the fuzz harness (`examples/fuzz.rs`) ever kept under `tests/fuzz-regressions/`,
//! with the harness's checks except timing: a scenario (`loader/*.yaml`, read with `scenario::load`, which
//! decodes the bytes as the command line does) never makes the loader panic, its error names at least one
//! problem, each with a message, and never mentions a panic; when it loads, every variant runs (capped as
//! the harness caps it) without panicking. An image reference (`image-ref/*.txt`, the whole file, no
//! trailing newline) never makes the parser panic, and when it parses its normalised form re-parses to
//! itself and its `String()` form to the same reference. That an input loads quickly is not checked here
//! (a debug build is slow); the harness checks it. See `tests/fuzz-regressions/README.md`.

use pullsim::engine::{SimDuration, SimTime};
use pullsim::model::image_ref::ImageRef;
use pullsim::model::spec::{Action, ClusterSpec};
use pullsim::scenario::{self, ScenarioError};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

/// The files of `tests/fuzz-regressions/<dir>` ending in `.<ext>`, sorted.
fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let dir = crate::common::repo_path(&format!("tests/fuzz-regressions/{dir}"));
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some(ext))
        .collect();
    out.sort();
    out
}

/// The caps of `capped` in examples/fuzz.rs: 30 minutes, 200,000 trace records, 256 nodes and 1024
/// replicas shared out over the pools and workloads.
fn capped(spec: &ClusterSpec) -> ClusterSpec {
    let mut s = spec.clone();
    s.duration = s.duration.min(SimDuration::from_secs(30 * 60));
    s.max_trace_events = s.max_trace_events.min(200_000);
    let end = SimTime::ZERO + s.duration;
    s.timeline.retain(|t| t.at <= end);
    let share = |total: u32, n: usize| (total / (n.max(1) as u32)).max(1);
    let nodes = share(256, s.node_pools.len());
    let replicas = share(1024, s.workloads.len());
    for p in &mut s.node_pools {
        p.count = p.count.min(nodes);
    }
    for w in &mut s.workloads {
        w.replicas = w.replicas.min(replicas);
    }
    for t in &mut s.timeline {
        match &mut t.action {
            Action::Scale { replicas: r, .. } => *r = (*r).min(replicas),
            Action::AddNodes { count, .. } => *count = (*count).min(nodes),
            _ => {}
        }
    }
    s
}

/// What is wrong with the outcome of loading `path`, if anything.
fn check_scenario(path: &std::path::Path) -> Option<String> {
    let loaded = match catch_unwind(AssertUnwindSafe(|| scenario::load(path))) {
        Ok(r) => r,
        Err(_) => return Some("scenario::load panicked".to_string()),
    };
    match loaded {
        Err(e) => {
            let shown = e.to_string();
            if shown.contains("panicked") {
                return Some(format!("the error mentions a panic: {shown}"));
            }
            match &e {
                ScenarioError::Invalid(ds) if ds.is_empty() => Some("an error without diagnostics".to_string()),
                ScenarioError::Invalid(ds) => ds
                    .iter()
                    .find(|d| d.message.trim().is_empty())
                    .map(|d| format!("a diagnostic without a message: {d}")),
                _ => None,
            }
        }
        Ok(s) => s.variants.iter().find_map(|v| {
            let spec = capped(&v.spec);
            catch_unwind(AssertUnwindSafe(|| pullsim::model::run(&spec)))
                .err()
                .map(|_| format!("the model panicked running variant {:?}", v.name))
        }),
    }
}

/// What is wrong with the parse of reference `s`, if anything.
fn check_image_ref(s: &str) -> Option<String> {
    let parsed = match catch_unwind(|| ImageRef::parse(s)) {
        Ok(p) => p,
        Err(_) => return Some("ImageRef::parse panicked".to_string()),
    };
    let others = catch_unwind(|| {
        let _ = ImageRef::parse_reference(s);
        let _ = ImageRef::parse_named(s);
        let _ = pullsim::model::image_ref::validate_digest(s);
        let _ = pullsim::model::image_ref::apply_default_image_tag(s);
        let _ = pullsim::model::image_ref::default_pull_policy(s);
    });
    if others.is_err() {
        return Some("a function of model::image_ref panicked".to_string());
    }
    let r = parsed.ok()?;
    let n = r.normalized();
    match ImageRef::parse(&n).map(|again| again.normalized()) {
        Ok(again) if again == n => {}
        other => return Some(format!("normalised form {n:?} re-parses to {other:?}")),
    }
    let named = r.named_string();
    if ImageRef::parse(&named).as_ref() != Ok(&r) {
        return Some(format!("String() form {named:?} re-parses to {:?}", ImageRef::parse(&named)));
    }
    None
}

#[test]
fn kept_fuzz_scenarios_load_or_fail_cleanly_and_their_variants_run() {
    let files = files("loader", "yaml");
    assert!(files.len() >= 3, "expected the committed fuzz regressions, found {}", files.len());
    let failures: Vec<String> =
        files.iter().filter_map(|p| check_scenario(p).map(|why| format!("{}: {why}", p.display()))).collect();
    assert!(failures.is_empty(), "{} of {} kept inputs fail:\n{}", failures.len(), files.len(), failures.join("\n"));
}

#[test]
fn kept_fuzz_image_references_parse_without_panicking_and_round_trip() {
    let files = files("image-ref", "txt");
    assert!(files.len() >= 3, "expected the committed fuzz regressions, found {}", files.len());
    let mut failures = Vec::new();
    for p in &files {
        let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let s = String::from_utf8_lossy(&bytes);
        if let Some(why) = check_image_ref(&s) {
            failures.push(format!("{}: {why}", p.display()));
        }
    }
    assert!(failures.is_empty(), "{} of {} kept inputs fail:\n{}", failures.len(), files.len(), failures.join("\n"));
}
