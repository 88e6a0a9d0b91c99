//! The work-count regression gate: deterministic measures of the work a fixed scenario costs (events the loop
//! processes, trace records, progressive-filling updates and flows re-rated) compared with
//! benches/baseline-work.json. Unlike timings, these are the same on every machine, so a real regression
//! fails here and noise never does. `PULLSIM_UPDATE_BASELINE=1 cargo test perf_gate` records new figures.

use crate::common::repo_path;
use serde_json::{json, Value};

/// How far above its baseline a count may go.
const TOLERANCE: f64 = 0.10;

fn measure(file: &str) -> Value {
    let scenario = pullsim::scenario::load(&repo_path(file)).unwrap_or_else(|e| panic!("{e}"));
    let out = pullsim::model::run(&scenario.variants[0].spec);
    json!({
        "eventsProcessed": out.events_processed,
        "traceRecords": out.trace.len(),
        "fullUpdates": out.network.full_updates,
        "flowsRerated": out.network.flows_rerated,
    })
}

#[test]
fn perf_gate_work_counts_stay_within_ten_percent_of_the_baseline() {
    let path = repo_path("benches/baseline-work.json");
    let mut now = serde_json::Map::new();
    for name in ["cluster-100", "fleet-10k-pods", "fleet-node-bound", "fleet-rollout-10k"] {
        now.insert(name.to_string(), measure(&format!("benches/scenarios/{name}.yaml")));
    }
    if std::env::var_os("PULLSIM_UPDATE_BASELINE").is_some() {
        let text = serde_json::to_string_pretty(&Value::Object(now)).unwrap() + "\n";
        std::fs::write(&path, text).unwrap();
        return;
    }
    let base: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut regressions = Vec::new();
    for (name, figures) in &now {
        for (key, value) in figures.as_object().unwrap() {
            let (v, b) = (value.as_f64().unwrap(), base[name][key].as_f64().unwrap_or(0.0));
            if v > b * (1.0 + TOLERANCE) + 1.0 {
                regressions.push(format!("{name}.{key}: {v} now, baseline {b}"));
            }
        }
    }
    assert!(
        regressions.is_empty(),
        "work grew more than {}% above benches/baseline-work.json:\n{}\n(if intended: PULLSIM_UPDATE_BASELINE=1 cargo test perf_gate)",
        TOLERANCE * 100.0,
        regressions.join("\n")
    );
}
