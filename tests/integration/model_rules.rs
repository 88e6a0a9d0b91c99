//! Small inline scenarios, one kubelet or runtime rule each.

use crate::common::{run_yaml, run_yaml_with};
use pullsim::model::trace::TraceKind;

const HEAD: &str = "apiVersion: pullsim/v1\nkind: Scenario\nmetadata: {name: rule}\nspec:\n";

fn completions(out: &pullsim::model::RunOutput) -> Vec<(String, u64)> {
    out.trace
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::PullCompleted { pull, .. } => {
                Some((out.world.pod_key(out.world.pulls[pull.0 as usize].pod), e.t.as_micros()))
            }
            _ => None,
        })
        .collect()
}

/// A pull that waits for a layer another pull is fetching also waits for it to be unpacked.
#[test]
fn a_pull_sharing_a_layer_in_flight_completes_when_that_layer_is_unpacked() {
    let out = run_yaml(&format!(
        "{HEAD}  duration: 1m
  layers: {{base: 100MB}}
  images: {{a: {{layers: [base]}}, b: {{layers: [base]}}}}
  registries:
    r.example.com: {{repositories: {{a: {{tags: {{v1: a}}}}, b: {{tags: {{v1: b}}}}}}}}
  nodePools: {{p: {{count: 1, bandwidth: 100MB/s, diskWrite: 100MB/s, kubelet: {{serializeImagePulls: false}}}}}}
  workloads:
    a: {{kind: Pod, spec: {{containers: [{{name: c, image: r.example.com/a:v1}}]}}}}
    b: {{kind: Pod, spec: {{containers: [{{name: c, image: r.example.com/b:v1}}]}}}}
"
    ));
    // One second to download 100 MB at 100 MB/s, one more to unpack it; the second pull downloads nothing.
    assert_eq!(completions(&out), vec![("default/a".to_string(), 2_000_000), ("default/b".to_string(), 2_000_000)]);
    assert_eq!(out.world.registries[0].stats.blob_requests, 1);
    let downloaded: Vec<_> = out.world.pulls.iter().map(|p| p.downloaded_at.map(|t| t.as_micros())).collect();
    assert_eq!(downloaded, vec![Some(1_000_000), Some(1_000_000)], "both saw the download end before the unpack");
}

/// imagePullPolicy is defaulted once, from the image the object was created with: a later change to
/// `:latest` keeps IfNotPresent, so the node's old `latest` is used without asking the registry.
#[test]
fn pull_policy_is_not_re_defaulted_when_the_image_changes() {
    let out = run_yaml(&format!(
        "{HEAD}  duration: 5m
  layers: {{l1: 10MiB, l2: 10MiB}}
  images: {{v1: {{layers: [l1]}}, v2: {{layers: [l2]}}}}
  registries:
    r.example.com: {{repositories: {{app: {{tags: {{v1: v1, latest: v1}}}}}}}}
  nodePools: {{p: {{count: 1, preloaded: [r.example.com/app:v1, r.example.com/app:latest]}}}}
  workloads:
    web: {{kind: Deployment, replicas: 2, template: {{spec: {{containers: [{{name: c, image: r.example.com/app:v1}}]}}}}}}
  timeline:
    - {{at: 1m, pushTag: {{image: r.example.com/app:latest, manifest: v2}}}}
    - {{at: 2m, setImage: {{workload: web, image: r.example.com/app:latest}}}}
"
    ));
    assert_eq!(out.world.registries[0].stats.manifest_requests, 0);
    let running = &out.world.workloads[0].running["c"];
    assert_eq!(
        running.iter().map(|(i, n)| (out.world.spec.images[i.0 as usize].name.as_str(), *n)).collect::<Vec<_>>(),
        vec![("v1", 2)]
    );
    let created = out.trace.iter().filter(|e| matches!(e.kind, TraceKind::PodCreated { .. })).count();
    assert_eq!(created, 4, "the rollout replaced both pods");
}

/// A template that does not change makes no rollout; a bare Pod is named after its workload.
#[test]
fn set_image_to_the_same_image_replaces_nothing_and_bare_pods_keep_their_name() {
    let out = run_yaml(&format!(
        "{HEAD}  duration: 5m
  layers: {{l1: 10MiB}}
  images: {{v1: {{layers: [l1]}}}}
  registries:
    r.example.com: {{repositories: {{app: {{tags: {{v1: v1}}}}}}}}
  nodePools: {{p: {{count: 1}}}}
  workloads:
    web: {{kind: Deployment, replicas: 2, template: {{spec: {{containers: [{{name: c, image: r.example.com/app:v1}}]}}}}}}
    solo: {{kind: Pod, spec: {{containers: [{{name: c, image: r.example.com/app:v1}}]}}}}
  timeline:
    - {{at: 1m, setImage: {{workload: web, image: r.example.com/app:v1}}}}
"
    ));
    let names: Vec<String> = out
        .trace
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::PodCreated { pod } => Some(out.world.pod_key(pod)),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["default/solo", "default/web-0", "default/web-1"]);
    assert!(!out.trace.iter().any(|e| matches!(e.kind, TraceKind::PodDeleted { .. } | TraceKind::ImageUpdated { .. })));
}

/// Overlapping outages merge; requests answered while the registry is down fail with 503.
#[test]
fn overlapping_outages_report_the_merged_end() {
    let out = run_yaml(&format!(
        "{HEAD}  duration: 10m
  layers: {{l1: 10MiB}}
  images: {{v1: {{layers: [l1]}}}}
  registries:
    r.example.com: {{latency: 10ms, repositories: {{app: {{tags: {{v1: v1}}}}}}}}
  nodePools: {{p: {{count: 1}}}}
  workloads:
    web: {{kind: Deployment, replicas: 0, template: {{spec: {{containers: [{{name: c, image: r.example.com/app:v1}}]}}}}}}
  timeline:
    - {{at: 10s, registryOutage: {{registry: r.example.com, duration: 2m}}}}
    - {{at: 20s, registryOutage: {{registry: r.example.com, duration: 30s}}}}
    - {{at: 30s, scale: {{workload: web, replicas: 1}}}}
"
    ));
    let ends: Vec<u64> = out
        .trace
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::RegistryDown { until, .. } => Some(until.as_micros() / 1_000_000),
            _ => None,
        })
        .collect();
    assert_eq!(ends, vec![130, 130]);
    let failures: Vec<u64> = out
        .trace
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::PullFailed { failure, .. } => {
                assert_eq!(failure.message(), "unexpected status: 503 Service Unavailable");
                Some(e.t.as_micros())
            }
            _ => None,
        })
        .collect();
    assert!(!failures.is_empty() && failures.iter().all(|t| *t < 130_000_000));
    let started = out.trace.iter().find(|e| matches!(e.kind, TraceKind::PodRunning { .. })).expect("runs after").t;
    assert!(started.as_micros() >= 130_000_000);
}

fn deletion_scenario() -> String {
    format!(
        "{HEAD}  duration: 2m
  layers: {{big: 1GiB, small: 1MiB}}
  images: {{v1: {{layers: [big]}}, v2: {{layers: [small]}}}}
  registries:
    r.example.com: {{repositories: {{app: {{tags: {{v1: v1, v2: v2}}}}}}}}
  nodePools: {{p: {{count: 1, bandwidth: 1Gbps}}}}
  workloads:
    web: {{kind: Deployment, replicas: 3, template: {{spec: {{containers: [{{name: c, image: r.example.com/app:v1}}]}}}}}}
  timeline:
    - {{at: 1s, setImage: {{workload: web, image: r.example.com/app:v2}}}}
"
    )
}

fn recreate(spec: &mut pullsim::model::spec::ClusterSpec) {
    spec.workloads[0].strategy =
        pullsim::model::spec::WorkloadStrategy::Deployment(pullsim::model::spec::DeploymentStrategy::Recreate);
}

fn times(out: &pullsim::model::RunOutput, kind: &str) -> Vec<u64> {
    out.trace.iter().filter(|e| pullsim::report::events::kind_name(&e.kind) == kind).map(|e| e.t.as_micros()).collect()
}

/// A deleted pod's pull is not cancelled (the kubelet runs SyncPod under `context.WithoutCancel`; kubernetes
/// issue #125050): with Recreate, the three v1 pods deleted at 1 s stay terminating while the first one's
/// pull of 1 GiB runs to its end (8.6 s at 1 Gbps) and the other two, queued behind it on the serial puller,
/// then find its layer present; their containers even start, and only then are they gone. The new pods'
/// pulls wait behind them.
#[test]
fn a_deleted_pods_pull_still_completes_and_the_next_serial_pull_waits_for_it() {
    let out = run_yaml_with(&deletion_scenario(), recreate);
    assert!(times(&out, "pull_cancelled").is_empty());
    let completed = times(&out, "pull_completed");
    assert_eq!(completed.len(), 6, "three 1 GiB pulls for deleted pods, then three for v2");
    let gib_s = (8u64 << 30) as f64 / 1e9;
    for (k, t) in completed[..3].iter().enumerate() {
        let expect = (gib_s * 1e6) as u64;
        assert!(t.abs_diff(expect) < 10_000, "pull {k} of a deleted pod completed at {t} us, expected ~{expect}");
    }
    assert_eq!(
        times(&out, "container_started").iter().filter(|t| **t < completed[3]).count(),
        3,
        "the deleted pods start their containers"
    );
    let gone = times(&out, "pod_deleted");
    assert_eq!(gone.len(), 3);
    for (g, c) in gone.iter().zip(&completed[..3]) {
        assert_eq!(g, c, "a deleted pod is gone when its sync (its pull) is over");
    }
    // Recreate creates the new pods only after the last old pod is gone; their pulls start after it.
    let created = times(&out, "pod_created");
    assert!(created[3..].iter().all(|t| *t >= gone[2]));
    assert!(completed[3..].iter().all(|t| *t > completed[2]));
    assert_eq!(out.world.registries[0].stats.manifest_requests, 6);
}

/// The what-if `kubelet.cancelPullOnPodDelete`: the running pull is aborted at once, queued pulls fail as
/// soon as the puller reaches them (after the throttle took a token), and nothing of theirs reaches the
/// registry.
#[test]
fn cancel_pull_on_pod_delete_cancels_running_and_queued_pulls() {
    let out = run_yaml_with(&deletion_scenario(), |spec| {
        recreate(spec);
        spec.node_pools[0].kubelet.cancel_pull_on_pod_delete = true;
    });
    assert_eq!(times(&out, "pull_cancelled"), vec![1_000_000; 3]);
    assert!(times(&out, "pull_failed").is_empty(), "a cancelled pull is not a failure");
    // Only the first v1 pull ever reached the registry; the three v2 pulls follow at once.
    assert_eq!(out.world.registries[0].stats.manifest_requests, 1 + 3);
    let running = times(&out, "pod_running");
    assert_eq!(running.len(), 3);
    assert!(running.iter().all(|t| *t < 1_100_000), "{running:?}");
}

/// A run whose trace reaches its limit stops there and says so, instead of growing without bound.
#[test]
fn a_run_stops_early_at_its_trace_limit_and_says_so() {
    let scenario = crate::common::load("never-policy");
    let mut spec = scenario.variants.iter().find(|v| v.name == "not-preloaded").unwrap().spec.clone();
    let full = pullsim::model::run(&spec);
    assert!(!full.truncated);
    spec.max_trace_events = 20;
    let cut = pullsim::model::run(&spec);
    assert!(cut.truncated);
    // The loop stops before the first event past the limit; one event may add a few records.
    assert!((20..30).contains(&cut.trace.len()), "{}", cut.trace.len());
    assert!(cut.end < full.end);
    assert_eq!(cut.trace[..], full.trace[..cut.trace.len()], "the same events up to the cut");
}

/// The image manager's events name the image as written (`imgRef`); `:latest` is appended only to what the
/// runtime is asked to pull.
#[test]
fn event_messages_name_the_image_as_written() {
    let out = run_yaml(&format!(
        "{HEAD}  duration: 1m
  layers: {{base: 1MB}}
  images: {{a: {{layers: [base]}}}}
  registries:
    r.example.com: {{repositories: {{app: {{tags: {{latest: a}}}}}}}}
  nodePools: {{p: {{count: 1}}}}
  workloads:
    a: {{kind: Pod, spec: {{containers: [{{name: c, image: r.example.com/app}}]}}}}
"
    ));
    let mut jsonl = Vec::new();
    pullsim::report::events::write_jsonl(&mut jsonl, "base", &out).unwrap();
    let text = String::from_utf8(jsonl).unwrap();
    assert!(text.contains(r#""event":"Pulling image \"r.example.com/app\"""#), "{text}");
    assert!(text.contains(r#"Successfully pulled image \"r.example.com/app\" in"#), "{text}");
    assert!(!text.contains("app:latest\\\""), "{text}");
}

/// Init containers run one per sync (kuberuntime computeInitContainerActions): each starts in its own sync,
/// runs its `runDuration`, and the next sync comes when the generic PLEG's 1 s relist notices the exit; init
/// images are pulled just before each one starts, and the app container starts only after the last init
/// container exited.
#[test]
fn init_containers_run_one_per_sync_and_the_next_waits_for_the_relist() {
    let yaml = format!(
        "{HEAD}  duration: 2m
  layers: {{a: 100MB, b: 100MB}}
  images: {{one: {{layers: [a]}}, two: {{layers: [b]}}}}
  registries:
    r.example.com: {{repositories: {{first: {{tags: {{v1: one}}}}, second: {{tags: {{v1: two}}}}}}}}
  nodePools: {{p: {{count: 1, bandwidth: 1Gbps, preloaded: [r.example.com/first:v1]}}}}
  workloads:
    job:
      kind: Pod
      spec:
        initContainers:
          - {{name: migrate, image: r.example.com/first:v1, runDuration: 5s}}
          - {{name: seed, image: r.example.com/second:v1, runDuration: 2500ms}}
        containers:
          - {{name: app, image: r.example.com/first:v1}}
"
    );
    let out = run_yaml(&yaml);
    let steps: Vec<(String, u64)> = out
        .trace
        .iter()
        .filter_map(|e| {
            let name = pullsim::report::events::kind_name(&e.kind);
            matches!(name, "container_started" | "container_exited" | "pull_queued" | "pull_completed" | "pod_running")
                .then(|| (name.to_string(), e.t.as_micros()))
        })
        .collect();
    let names: Vec<&str> = steps.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "container_started",
            "container_exited",
            "pull_queued",
            "pull_completed",
            "container_started",
            "container_exited",
            "container_started",
            "pod_running"
        ],
        "{steps:?}"
    );
    let t: Vec<u64> = steps.iter().map(|(_, t)| *t).collect();
    assert_eq!(t[1] - t[0], 5_000_000, "migrate runs its 5 s");
    assert!(t[2] >= t[1] && t[2] - t[1] < 1_000_000, "the relist notices the exit within 1 s: {steps:?}");
    assert_eq!(t[4], t[3], "seed starts when its pull completes");
    assert_eq!(t[5] - t[4], 2_500_000, "seed runs its 2.5 s");
    assert!(t[6] >= t[5] && t[6] - t[5] < 1_000_000, "the app starts in the sync after the relist: {steps:?}");
    // Both relists are on the node's 1 s relist grid.
    assert_eq!((t[6] - t[2]) % 1_000_000, 0, "{steps:?}");
    assert_eq!(t[7], t[6]);
}
