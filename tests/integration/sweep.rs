//! Sweeps: `spec.sweep` checked up front with file, line, column, variant and point; the bundled sweep's
//! statistics; output independent of the thread count; shards merged back into the single-machine
//! sweep.json byte for byte; bad shard input refused with exit code 2.

use crate::common::{load, pullsim, repo_path};
use pullsim::model;
use pullsim::scenario::{self, ScenarioError};
use pullsim::sweep::{self, output::PointSummary, Plan, RunFigures, Stat, SweepReport};
use std::path::{Path, PathBuf};

const FILE: &str = "sweep.yaml";

/// A valid scenario with a sweep; line numbers in the tests below refer to it.
const SWEPT: &str = "\
apiVersion: pullsim/v1
kind: Scenario
metadata:
  name: sweep-checks
spec:
  duration: 1m
  layers: {a: 10MiB}
  images: {img: {layers: [a]}}
  registries:
    r.example.com:
      latency: 10ms
      repositories: {team/app: {tags: {v1: img}}}
  nodePools:
    pool:
      count: 1
      kubelet: {serializeImagePulls: false}
  workloads:
    web:
      kind: Deployment
      replicas: 2
      template: {spec: {containers: [{name: app, image: r.example.com/team/app:v1}]}}
  variants:
    fast:
      registries: {r.example.com: {latency: 1ms}}
  sweep:
    seeds: [1, 2]
    parameters:
      - path: nodePools.pool.kubelet.maxParallelImagePulls
        values: [1, 4]
";

/// [`SWEPT`] with `from` (which must occur once) replaced by `to`.
#[track_caller]
fn swept_with(from: &str, to: &str) -> String {
    assert_eq!(SWEPT.matches(from).count(), 1, "{from:?}");
    SWEPT.replacen(from, to, 1)
}

/// The diagnostics of invalid `text`, one string each.
#[track_caller]
fn problems(text: &str) -> Vec<String> {
    match scenario::parse(FILE, text) {
        Ok(_) => panic!("expected errors, the scenario is valid"),
        Err(ScenarioError::Invalid(d)) => d.iter().map(ToString::to_string).collect(),
        Err(e) => panic!("{e}"),
    }
}

/// A fresh folder under the system temp folder.
fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pullsim-sweep-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// The whole bundled sweep, run in the library on the current rayon pool.
fn bundled_report() -> SweepReport {
    let scenario = load("sweep-max-parallel");
    let sweep = scenario.sweep.clone().expect("the bundled sweep scenario has a sweep");
    let names: Vec<&str> = scenario.variants.iter().map(|v| v.name.as_str()).collect();
    let plan = Plan::new(&scenario, &sweep, &names, None);
    let runs: Vec<u64> = (0..plan.runs()).collect();
    let records = sweep::execute(&scenario, &plan, &runs, &|| {}).expect("runs");
    SweepReport::build(plan, records).expect("complete")
}

fn mean(s: &Stat) -> f64 {
    s.mean.expect("a mean")
}

fn points<'a>(report: &'a SweepReport, variant: &str) -> Vec<&'a PointSummary> {
    report.points.iter().filter(|p| p.variant == variant).collect()
}

#[test]
fn a_valid_sweep_is_kept_with_its_points() {
    let sc = scenario::parse(FILE, SWEPT).unwrap_or_else(|e| panic!("{e}"));
    let sw = sc.sweep.as_ref().expect("sweep");
    assert_eq!(sw.seeds.as_deref(), Some(&[1, 2][..]));
    assert_eq!(sw.points(), 2);
    assert_eq!(sw.describe_point(1), "nodePools.pool.kubelet.maxParallelImagePulls=4");
    // Each point is a merge patch over each variant: `fast` keeps its latency and gets the limit.
    let spec = sc.patched_spec("fast", &sw.point_patch(1)).unwrap();
    assert_eq!(spec.node_pools[0].kubelet.max_parallel_image_pulls, Some(4));
    assert_eq!(spec.registries[0].latency.as_micros(), 1000);
    // `seeds: {from, count}` and a list of seeds mean the same.
    let range = scenario::parse(FILE, &swept_with("seeds: [1, 2]", "seeds: {from: 1, count: 2}")).unwrap();
    assert_eq!(range.sweep.unwrap().seeds, sw.seeds);
}

#[test]
fn sweep_points_resolve_exactly_like_the_variants_of_every_bundled_scenario() {
    // The sweep builds each point's spec from JSON; with an empty point it must be the variant itself.
    for entry in std::fs::read_dir(repo_path("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        let sc = scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        for v in &sc.variants {
            let spec = sc.patched_spec(&v.name, &serde_json::json!({})).unwrap();
            assert!(spec == v.spec, "{}: variant {} differs when built for a sweep", path.display(), v.name);
        }
    }
}

#[test]
fn a_sweep_problem_names_file_line_column_field_variant_and_point() {
    // maxParallelImagePulls 4 needs serializeImagePulls false, which variant `fast` turns back on.
    let text = swept_with(
        "      registries: {r.example.com: {latency: 1ms}}",
        "      nodePools: {pool: {kubelet: {serializeImagePulls: true}}}",
    );
    let p = problems(&text);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert!(
        p[0].starts_with(
            "sweep.yaml:29:21: spec.nodePools.pool.kubelet.maxParallelImagePulls: the kubelet fails to start"
        ),
        "{}",
        p[0]
    );
    assert!(
        p[0].ends_with("(at sweep point 1: nodePools.pool.kubelet.maxParallelImagePulls=4) (in variant \"fast\")"),
        "{}",
        p[0]
    );
}

#[test]
fn every_kind_of_sweep_mistake_is_reported_where_it_is() {
    let cases: &[(&str, &str, &str)] = &[
        ("    seeds: [1, 2]\n", "    seeds: [1, 2]\n    colour: red\n", "sweep.yaml:27:5: spec.sweep: unknown field \"colour\"; expected one of seeds, parameters"),
        ("seeds: [1, 2]", "seeds: []", "sweep.yaml:26:5: spec.sweep.seeds: expected at least one seed"),
        ("seeds: [1, 2]", "seeds: [1, 2, 1]", "spec.sweep.seeds[2]: seed 1 appears twice"),
        ("seeds: [1, 2]", "seeds: {from: 1, count: 0}", "spec.sweep.seeds.count: expected a whole number from 1 to 100000, got 0"),
        ("values: [1, 4]", "values: []", "sweep.yaml:29:9: spec.sweep.parameters[0].values: expected at least one value"),
        (
            "path: nodePools.pool.kubelet",
            "path: nodePools.other.kubelet",
            "sweep.yaml:28:9: spec.nodePools.other.kubelet.maxParallelImagePulls: no node pool \"other\" in spec.nodePools; known: pool (in variant \"base\")",
        ),
        (
            "path: nodePools.pool.kubelet.maxParallelImagePulls",
            "path: nodePools.pool.kubelet.maxParalelImagePulls",
            "sweep.yaml:29:18: spec.nodePools.pool.kubelet: unknown field \"maxParalelImagePulls\"; did you mean \"maxParallelImagePulls\"? (expected one of serializeImagePulls, maxParallelImagePulls, registryPullQPS, registryBurst, cancelPullOnPodDelete, featureGates, imagePullCredentialsVerificationPolicy, preloadedImagesVerificationAllowlist) (at sweep point 0: nodePools.pool.kubelet.maxParalelImagePulls=1; the same at 3 more sweep points or variants) (in variant \"base\")",
        ),
        (
            "path: nodePools.pool.kubelet.maxParallelImagePulls",
            "path: workloads.web.template.spec.containers.image",
            "spec.workloads.web.template.spec.containers.image: spec.workloads.web.template.spec.containers is a list",
        ),
        ("path: nodePools.pool.kubelet.maxParallelImagePulls", "path: seed", "spec.seed is set by the sweep's seeds"),
        ("path: nodePools.pool.kubelet.maxParallelImagePulls", "path: timeline[0]", "list elements cannot be swept"),
        ("values: [1, 4]", "values: [1, 0]", "sweep.yaml:29:21: spec.nodePools.pool.kubelet.maxParallelImagePulls: the kubelet fails to start: invalid configuration: maxParallelImagePulls 0 must be a positive number (at sweep point 1"),
        (
            "      registries: {r.example.com: {latency: 1ms}}",
            "      sweep: {seeds: [3]}",
            "sweep.yaml:24:7: spec.variants.fast.sweep: a variant cannot define a sweep",
        ),
        (
            "seeds: [1, 2]",
            "seeds: {from: 1, count: 50001}",
            "sweep.yaml:25:3: spec.sweep: the sweep plans 2 variants x 2 points x 50001 seeds = 200004 runs; at most 100000",
        ),
    ];
    for (from, to, want) in cases {
        let p = problems(&swept_with(from, to));
        assert!(p.iter().any(|l| l.contains(want)), "{to:?}: wanted {want:?}, got {p:#?}");
    }
    // Overlapping parameters would be applied in an arbitrary order.
    let overlap = swept_with(
        "        values: [1, 4]\n",
        "        values: [1, 4]\n      - path: nodePools.pool\n        values: [{count: 2}]\n",
    );
    let p = problems(&overlap);
    assert!(p[0].contains("spec.sweep.parameters[1].path: \"nodePools.pool\" overlaps"), "{p:#?}");
}

#[test]
fn many_bad_points_are_reported_up_to_a_limit() {
    let values: Vec<String> = (0..40).map(|i| format!("{}", -i)).collect();
    let text = swept_with("values: [1, 4]", &format!("values: [{}]", values.join(", ")));
    let p = problems(&text);
    // 40 bad values, each in 2 variants: the first 20 shown, each once, then a count of the rest.
    assert_eq!(p.len(), 21, "{p:#?}");
    assert!(p[0].contains("maxParallelImagePulls 0 must be a positive number (at sweep point 0"), "{}", p[0]);
    assert!(p[0].ends_with("; the same at 1 more sweep points or variants) (in variant \"base\")"), "{}", p[0]);
    assert!(p[20].ends_with("and 20 more problems at other sweep points"), "{}", p[20]);
}

#[test]
fn the_bundled_sweep_shows_faster_pulls_with_more_parallel_pulls_and_spread_only_where_there_is_randomness() {
    let report = bundled_report();
    assert_eq!(report.runs.len(), 80);
    let limits: Vec<serde_json::Value> =
        report.points.iter().map(|p| p.parameters["nodePools.pool.kubelet.maxParallelImagePulls"].clone()).collect();
    assert_eq!(limits, [1, 2, 4, 8, 1, 2, 4, 8].map(serde_json::Value::from));
    for p in &report.points {
        let f = &p.figures;
        assert_eq!(p.seeds, (1..=10).collect::<Vec<_>>());
        // Every pod gets its image; the registry serves the shared base layer once and each app layer once.
        assert_eq!((mean(&f.pods_running_at_end), f.pods_running_at_end.std_dev), (12.0, Some(0.0)));
        assert_eq!(mean(&f.pulls_completed), 12.0);
        assert_eq!(mean(&f.registry_bytes["registry.example.com"]), (160u64 << 20) as f64);
        assert_eq!(mean(&f.registry_requests["registry.example.com"]), 25.0);
        assert!(f.max_distinct_digests.values().all(|s| s.max == Some(1.0)));
    }

    // base: no pull fails, so nothing random happens and ten seeds give ten equal runs.
    let base = points(&report, "base");
    for p in &base {
        let f = &p.figures;
        assert_eq!(mean(&f.pulls_failed), 0.0);
        let all = [&f.pull_latency_ms.p50, &f.pull_latency_ms.p90, &f.pull_latency_ms.p99, &f.pod_start_ms.p99];
        for s in all {
            assert_eq!((s.n, s.std_dev), (10, Some(0.0)));
            assert_eq!(s.min, s.max);
        }
    }
    // ... and each wider limit hides more of the 100 ms request latency: every pull percentile falls.
    for w in base.windows(2) {
        let (a, b) = (&w[0].figures, &w[1].figures);
        assert!(mean(&b.pull_latency_ms.p50) < mean(&a.pull_latency_ms.p50));
        assert!(mean(&b.pull_latency_ms.p90) < mean(&a.pull_latency_ms.p90));
        assert!(mean(&b.pull_latency_ms.p99) < mean(&a.pull_latency_ms.p99));
        assert!(mean(&b.pod_start_ms.p99) < mean(&a.pod_start_ms.p99));
    }
    // Serial pulls of twelve images take well over a second; eight at once take under two thirds of that.
    let (one, eight) = (mean(&base[0].figures.pull_latency_ms.p99), mean(&base[3].figures.pull_latency_ms.p99));
    assert!(one > 3000.0 && eight < one * 2.0 / 3.0, "{one} {eight}");

    // throttled: the wider the limit, the more pulls start at once and find the QPS bucket empty. Those
    // failures come before any random draw, and with these ten seeds no retry fails again, so their count
    // has no spread; but the retries wait a jittered 10-15 s requeue, so the last pods start at different
    // times with different seeds.
    let throttled = points(&report, "throttled");
    let failed: Vec<f64> = throttled.iter().map(|p| mean(&p.figures.pulls_failed)).collect();
    assert!(failed.windows(2).all(|w| w[0] < w[1]) && failed[0] > 0.0, "{failed:?}");
    for p in &throttled {
        let f = &p.figures;
        assert_eq!(f.pulls_failed.std_dev, Some(0.0));
        let start = &f.pod_start_ms.p99;
        assert!(start.std_dev.unwrap() > 0.0 && start.min < start.max, "{start:?}");
        assert!(start.min.unwrap() > 10_000.0, "a failed pull is retried after at least 10 s: {start:?}");
    }
}

#[test]
fn a_sweep_run_is_the_plain_run_of_the_same_spec_and_seed() {
    // base at point 0 (limit 1, seed 1) is exactly the scenario's base variant as written.
    let scenario = load("sweep-max-parallel");
    let report = bundled_report();
    let plain = &scenario.variants[0];
    assert_eq!((plain.spec.seed, plain.spec.node_pools[0].kubelet.max_parallel_image_pulls), (1, Some(1)));
    let out = model::run(&plain.spec);
    let summary = pullsim::report::summary::VariantSummary::of(&pullsim::report::VariantRun {
        name: "base",
        seed: 1,
        output: &out,
    });
    assert_eq!(report.runs[0].figures, RunFigures::of(&summary));
    assert_eq!((report.runs[0].variant.as_str(), report.runs[0].point, report.runs[0].seed), ("base", 0, 1));
}

#[test]
fn the_output_is_byte_identical_with_one_and_four_threads() {
    let with = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
        pool.install(|| bundled_report().to_json())
    };
    let (one, four) = (with(1), with(4));
    assert!(one == four, "sweep.json differs between 1 and 4 threads");
    assert!(one.contains("\"runs\": [\n    {\"run\":0,"));
}

#[test]
fn run_writes_the_plain_report_and_the_sweep_and_the_committed_sweep_report_is_current() {
    let dir = temp_dir("run");
    let (code, out, err) = pullsim(&["run", "scenarios/sweep-max-parallel.yaml", "--out", s(&dir)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "no progress bar or warning outside a terminal: {err}");
    assert!(out.starts_with("sweep: 2 variants x 4 points x 10 seeds = 80 runs (--no-sweep runs only"), "{out}");
    assert!(out.contains("  variant    maxParallelImagePulls  seeds  running"), "{out}");
    assert!(out.contains(&format!("wrote {}", dir.join("sweep.json").display())), "{out}");
    let fresh = std::fs::read(dir.join("sweep.json")).unwrap();
    let committed = std::fs::read(repo_path("reports/sweep-max-parallel/sweep.json"))
        .expect("reports/sweep-max-parallel/sweep.json: regenerate the reports (see README)");
    assert!(fresh == committed, "reports/sweep-max-parallel/sweep.json is stale: regenerate the reports");
    // --no-sweep: the same plain report, and no sweep.
    let plain = temp_dir("no-sweep");
    let (code, out, err) = pullsim(&["run", "scenarios/sweep-max-parallel.yaml", "--no-sweep", "--out", s(&plain)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("scenario sweep-max-parallel\nvariant base (seed 1)"), "{out}");
    assert!(!plain.join("sweep.json").exists());
    for f in ["summary.json", "events.jsonl"] {
        assert_eq!(std::fs::read(dir.join(f)).unwrap(), std::fs::read(plain.join(f)).unwrap(), "{f}");
    }
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(plain);
}

#[test]
fn seeds_and_set_build_a_sweep_on_the_command_line() {
    let dir = temp_dir("cli");
    let args = [
        "run",
        "scenarios/serial-vs-parallel.yaml",
        "--variant",
        "parallel",
        "--seeds",
        "5..7",
        "--set",
        "nodePools.pool.bandwidth=1Gbps,2Gbps",
        "--quiet",
        "--out",
        s(&dir),
    ];
    let (code, out, err) = pullsim(&args);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(json["plan"]["variants"], serde_json::json!([{"name": "parallel", "seeds": [5, 6, 7]}]));
    let points = json["points"].as_array().unwrap();
    assert_eq!(points.len(), 2);
    // Three 1 GiB pulls sharing the NIC finish together: twice the bandwidth, half the time.
    let p99 = |i: usize| points[i]["figures"]["pullLatencyMs"]["p99"]["mean"].as_f64().unwrap();
    assert!((p99(0) / p99(1) - 2.0).abs() < 0.01, "{} {}", p99(0), p99(1));
    assert_eq!(points[1]["parameters"]["nodePools.pool.bandwidth"], "2Gbps");

    // A --set value that makes the spec invalid is bad input, named with its point.
    let (code, _, err) = pullsim(&[
        "run",
        "scenarios/serial-vs-parallel.yaml",
        "--set",
        "nodePools.pool.kubelet.maxParallelImagePulls=1,0",
        "--out",
        s(&dir),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("spec.nodePools.pool.kubelet.maxParallelImagePulls: the kubelet fails to start"), "{err}");
    assert!(
        err.contains("(at sweep point 1: nodePools.pool.kubelet.maxParallelImagePulls=0; the same at 2 more sweep points or variants) (in variant \"base\")"),
        "{err}"
    );
    for (bad, want) in [
        (&["--seeds", "9..1"][..], "--seeds \"9..1\": the range is empty"),
        (&["--set", "nodePools.nope.count=1"][..], "no node pool \"nope\""),
        // Read as a file's values are: NaN is not silently a null that deletes the key.
        (&["--set", "nodePools.pool.bandwidth=1Gbps,.nan"][..], ".nan is not a number a scenario can use"),
        (&["--set", "nodePools.pool.bandwidth=.inf"][..], ".inf is not a number a scenario can use"),
        (&["--shard", "0/2"][..], "--shard: scenarios/serial-vs-parallel.yaml has no spec.sweep"),
        (&["--seeds", "1,2", "--shard", "2/2"][..], "expected I/N with 0 <= I < N"),
    ] {
        let mut args = vec!["run", "scenarios/serial-vs-parallel.yaml", "--out", s(&dir)];
        args.extend_from_slice(bad);
        let (code, _, err) = pullsim(&args);
        assert_eq!(code, 2, "{bad:?}: {err}");
        assert!(err.contains(want), "{bad:?}: {err}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn merged_shards_give_the_single_machine_sweep_json_and_bad_shards_are_refused() {
    let (single, shards, merged) = (temp_dir("single"), temp_dir("shards"), temp_dir("merged"));
    let file = "scenarios/sweep-max-parallel.yaml";
    let (code, _, err) = pullsim(&["run", file, "--quiet", "--out", s(&single)]);
    assert_eq!(code, 0, "{err}");
    for i in 0..3 {
        let shard = format!("{i}/3");
        let (code, out, err) = pullsim(&["run", file, "--shard", &shard, "--out", s(&shards)]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains(&format!("shard {i}/3 runs {} of them", if i < 2 { 27 } else { 26 })), "{out}");
    }
    // A shard writes only its file.
    let mut names: Vec<String> =
        std::fs::read_dir(&shards).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["sweep-shard-0-of-3.json", "sweep-shard-1-of-3.json", "sweep-shard-2-of-3.json"]);
    let (code, out, err) = pullsim(&["merge", s(&merged), s(&shards)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("  throttled  8  "), "{out}");
    let want = std::fs::read(single.join("sweep.json")).unwrap();
    assert!(std::fs::read(merged.join("sweep.json")).unwrap() == want, "merged sweep.json differs");
    // Files in any order do as well.
    let shard_files: Vec<PathBuf> = (0..3).map(|i| shards.join(format!("sweep-shard-{i}-of-3.json"))).collect();
    let shard = |i: usize| shard_files[i].as_path();
    let (code, _, err) = pullsim(&["merge", s(&merged), s(shard(2)), s(shard(0)), s(shard(1)), "-q"]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read(merged.join("sweep.json")).unwrap() == want);

    // Bad input: exit 2 with a clear message.
    let other = temp_dir("other");
    let (code, _, err) = pullsim(&["run", file, "--seeds", "1..3", "--shard", "1/3", "--out", s(&other)]);
    assert_eq!(code, 0, "{err}");
    let other_shard = other.join("sweep-shard-1-of-3.json");
    let edited = other.join("edited.json");
    let text = std::fs::read_to_string(shard(1)).unwrap();
    std::fs::write(&edited, text.replacen("{\"run\":1,", "{\"run\":0,", 1)).unwrap();
    let edited_plan = other.join("edited-plan.json");
    std::fs::write(&edited_plan, text.replacen("\"values\":[1,2,4,8]", "\"values\":[1,2,4,16]", 1)).unwrap();
    let garbage = other.join("garbage.json");
    std::fs::write(&garbage, "{\"format\": 1").unwrap();
    let cases: Vec<(Vec<&str>, String)> = vec![
        (vec![s(shard(0)), s(shard(1))], "missing shard 2 of 3".to_string()),
        (vec![s(shard(0)), s(shard(1)), s(shard(2)), s(shard(1))], "shard 1/3 given twice".to_string()),
        (vec![s(shard(0)), s(&other_shard), s(shard(2))], "belongs to another scenario or sweep".to_string()),
        (vec![s(shard(0)), s(&edited_plan), s(shard(2))], "its plan does not match its planSha256".to_string()),
        (vec![s(&garbage)], format!("{}: not a pullsim sweep shard file", garbage.display())),
        (vec![s(shard(0)), s(&edited), s(shard(2))], "its runs are not those of shard 1/3 of the plan".to_string()),
        (vec![s(&single)], format!("{}: no sweep-shard-I-of-N.json files", single.display())),
    ];
    for (inputs, want) in cases {
        let mut args = vec!["merge", s(&merged)];
        args.extend(inputs.iter().copied());
        let (code, _, err) = pullsim(&args);
        assert_eq!(code, 2, "{inputs:?}: {err}");
        assert!(err.starts_with("error: ") && err.contains(&want), "{inputs:?}: wanted {want:?}, got {err}");
    }
    for d in [single, shards, merged, other] {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// The first ```text block after `heading` in `doc`: its `$ pullsim ...` command and the lines shown.
fn shown_example(doc: &str, heading: &str) -> (Vec<String>, Vec<String>) {
    let text = std::fs::read_to_string(repo_path(doc)).unwrap();
    let section = text.split(heading).nth(1).unwrap_or_else(|| panic!("{doc} has {heading:?}"));
    let block = section.split("```text\n").nth(1).and_then(|b| b.split("```").next()).expect("a text block");
    let mut lines = block.lines();
    let command = lines.next().and_then(|l| l.strip_prefix("$ pullsim ")).expect("a $ pullsim line");
    (command.split_whitespace().map(String::from).collect(), lines.map(String::from).collect())
}

#[test]
fn the_readme_sweep_example_is_what_the_command_prints() {
    let (args, shown) = shown_example("README.md", "## Sweeps");
    let dir = temp_dir("readme");
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    args.extend(["--out", s(&dir)]);
    let (code, out, err) = pullsim(&args);
    assert_eq!(code, 0, "{err}");
    let not_wrote = |l: &&str| !l.starts_with("wrote ");
    let printed: Vec<&str> = out.lines().filter(not_wrote).collect();
    let shown: Vec<&str> = shown.iter().map(String::as_str).filter(not_wrote).collect();
    assert_eq!(shown, printed);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_documented_sweep_table_is_what_the_bundled_sweep_prints() {
    let doc = std::fs::read_to_string(repo_path("docs/scenario-format.md")).unwrap();
    let table = pullsim::sweep::table::render(&bundled_report());
    assert!(doc.contains(&format!("```text\n{table}```")), "docs/scenario-format.md shows another table:\n{table}");
}

#[test]
fn a_sweep_whose_check_alone_would_take_long_is_refused_before_resolving_any_point() {
    // 300 points over a spec that ignored metadata makes large (59,049 values once its aliases expand): the
    // check would resolve 300 copies of it. Found by the fuzzer (tests/fuzz-regressions/loader/a9950942f90cacf1.yaml).
    let path = crate::common::repo_path("tests/fuzz-regressions/loader/a9950942f90cacf1.yaml");
    let e = pullsim::scenario::load(&path).unwrap_err().to_string();
    assert!(e.contains("spec.sweep: the sweep's 300 points over 1 variants of"), "{e}");
    assert!(e.contains("at most 1000000 are checked before a run"), "{e}");
}

#[test]
fn a_sweep_of_many_points_over_a_small_spec_is_refused_by_the_same_budget() {
    // 102 x 196 points over two variants of a spec of about 150 values: 6 million values, which the check
    // resolved for 3 to 5 s on a two-core machine before the budget was cut to a million. Found by the
    // fuzzer (tests/fuzz-regressions/loader/57c3a3a68b57d941.yaml).
    let path = crate::common::repo_path("tests/fuzz-regressions/loader/57c3a3a68b57d941.yaml");
    let e = pullsim::scenario::load(&path).unwrap_err().to_string();
    assert!(e.contains("points over 2 variants of"), "{e}");
    assert!(e.contains("at most 1000000 are checked before a run"), "{e}");
}
