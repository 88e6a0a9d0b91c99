//! Same scenario + seed => byte-identical outputs; a different seed changes the jittered instants; adding
//! nodes elsewhere does not shift a pod's random draws.

use crate::common::{load, pullsim, repo_path};
use pullsim::model::{self, trace::TraceKind};
use std::path::{Path, PathBuf};

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pullsim-det-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn run_to(scenario: &str, dir: &Path, extra: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let file = repo_path(&format!("scenarios/{scenario}.yaml"));
    let mut args = vec!["run", file.to_str().unwrap(), "--quiet", "--out", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let (code, _, err) = pullsim(&args);
    assert_eq!(code, 0, "{err}");
    (std::fs::read(dir.join("summary.json")).unwrap(), std::fs::read(dir.join("events.jsonl")).unwrap())
}

#[test]
fn every_bundled_scenario_gives_byte_identical_outputs_when_run_twice() {
    let mut names: Vec<String> = std::fs::read_dir(repo_path("scenarios"))
        .unwrap()
        .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_string))
        .collect();
    names.sort();
    assert!(names.len() >= 4);
    for name in names {
        let (a, b) = (temp_dir(&format!("{name}-a")), temp_dir(&format!("{name}-b")));
        let first = run_to(&name, &a, &[]);
        let second = run_to(&name, &b, &[]);
        assert!(first.0 == second.0, "{name}: summary.json differs between runs");
        assert!(first.1 == second.1, "{name}: events.jsonl differs between runs");
        assert!(!first.1.is_empty());
        let _ = std::fs::remove_dir_all(a);
        let _ = std::fs::remove_dir_all(b);
    }
}

#[test]
fn another_seed_moves_the_jittered_retries() {
    let (a, b) = (temp_dir("seed-a"), temp_dir("seed-b"));
    let first = run_to("backoff-missing-tag", &a, &["--seed", "1"]);
    let second = run_to("backoff-missing-tag", &b, &["--seed", "2"]);
    assert_ne!(first.1, second.1);
    let again = run_to("backoff-missing-tag", &a, &["--seed", "1"]);
    assert_eq!(first.1, again.1);
}

#[test]
fn adding_a_node_pool_does_not_shift_other_pods_draws() {
    let scenario = load("never-policy");
    let base = &scenario.variants.iter().find(|v| v.name == "not-preloaded").unwrap().spec;
    let mut bigger = base.clone();
    let mut extra = bigger.node_pools[0].clone();
    extra.name = "zzz-extra".into();
    extra.count = 5;
    bigger.node_pools.push(extra);
    let syncs = |spec: &pullsim::model::spec::ClusterSpec| -> Vec<(String, u64)> {
        let out = model::run(spec);
        out.trace
            .iter()
            .filter_map(|e| match e.kind {
                TraceKind::ImageNeverPull { pod, .. } => Some((out.world.pod_key(pod), e.t.as_micros())),
                _ => None,
            })
            .collect()
    };
    let before = syncs(base);
    assert!(before.len() > 20);
    assert_eq!(before, syncs(&bigger));
}
