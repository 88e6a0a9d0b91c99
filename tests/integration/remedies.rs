//! The drift remedies a variant can switch on, on the case every platform engineer meets: ten pods on ten
//! nodes, five of which already hold the old digest of `:latest` when the tag moves and the pods are
//! (re)created. Each remedy gives an exact split of old and new digests.

use crate::common::run_yaml;
use pullsim::model::trace::TraceKind;
use pullsim::model::RunOutput;

/// `warm` nodes were built with `:latest` (v1) baked in; `cold` ones have nothing. The Deployment starts with
/// no pods; `latest` moves to v2 at 1m; the Deployment scales to 10 at 2m.
fn scenario(policy: &str, admission: &str) -> String {
    format!(
        "apiVersion: pullsim/v1
kind: Scenario
metadata: {{name: remedies}}
spec:
  duration: 5m
  layers: {{one: 10MiB, two: 10MiB}}
  images: {{v1: {{layers: [one]}}, v2: {{layers: [two]}}}}
  registries:
    r.example.com: {{latency: 10ms, repositories: {{app: {{tags: {{latest: v1}}}}}}}}
  nodePools:
    warm: {{count: 5, preloaded: [r.example.com/app:latest]}}
    cold: {{count: 5}}
  workloads:
    web:
      kind: Deployment
      replicas: 0
      template: {{spec: {{containers: [{{name: app, image: r.example.com/app:latest{policy}}}]}}}}
  timeline:
    - {{at: 1m, pushTag: {{image: r.example.com/app:latest, manifest: v2}}}}
    - {{at: 2m, scale: {{workload: web, replicas: 10}}}}
{admission}"
    )
}

/// (containers started on v1, on v2).
fn split(out: &RunOutput) -> (usize, usize) {
    let names: Vec<&str> = out
        .trace
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::ContainerStarted { image, .. } => Some(out.world.spec.images[image.0 as usize].name.as_str()),
            _ => None,
        })
        .collect();
    (names.iter().filter(|n| **n == "v1").count(), names.iter().filter(|n| **n == "v2").count())
}

fn manifest_requests(out: &RunOutput) -> u64 {
    out.world.registries[0].stats.manifest_requests
}

#[test]
fn ifnotpresent_splits_five_old_five_new() {
    let out = run_yaml(&scenario(", imagePullPolicy: IfNotPresent", ""));
    assert_eq!(split(&out), (5, 5));
    assert_eq!(manifest_requests(&out), 5, "only the cold nodes ask");
}

#[test]
fn always_runs_ten_new() {
    let out = run_yaml(&scenario("", ""));
    assert_eq!(split(&out), (0, 10));
    assert_eq!(manifest_requests(&out), 10);
}

#[test]
fn always_pull_images_overrides_ifnotpresent() {
    let out = run_yaml(&scenario(", imagePullPolicy: IfNotPresent", "  admission: {alwaysPullImages: true}\n"));
    assert_eq!(split(&out), (0, 10));
    assert_eq!(manifest_requests(&out), 10);
    // The template stays as written: the plugin mutates pods.
    assert_eq!(out.world.workloads[0].revisions.len(), 1);
    assert_eq!(format!("{:?}", out.world.workloads[0].revisions[0].containers[0].pull_policy), "IfNotPresent");
}

#[test]
fn pinning_the_template_runs_the_digest_the_tag_had_when_the_template_was_created() {
    let out = run_yaml(&scenario("", "  admission: {pinDigests: Template}\n"));
    assert_eq!(split(&out), (10, 0), "pinned to v1 at creation, before the push");
    // One resolution when the Deployment was created, then one manifest request per pull.
    assert_eq!(manifest_requests(&out), 1 + 10);
    let image = &out.world.workloads[0].revisions[0].containers[0].image;
    assert!(image.starts_with("r.example.com/app:latest@sha256:"), "{image}");
}

#[test]
fn pinning_each_pod_runs_the_digest_the_tag_had_when_the_pod_was_created() {
    let out = run_yaml(&scenario(", imagePullPolicy: IfNotPresent", "  admission: {pinDigests: Pod}\n"));
    assert_eq!(split(&out), (0, 10), "each pod pinned to v2 at 2m; IfNotPresent finds no v2 anywhere");
    // Ten resolutions at 2m, then ten pulls.
    assert_eq!(manifest_requests(&out), 10 + 10);
}

#[test]
fn a_pin_that_cannot_resolve_leaves_the_image_as_written() {
    let text = scenario("", "  admission: {pinDigests: Template}\n")
        .replace("r.example.com/app:latest}]", "r.example.com/app:nope}]");
    let out = run_yaml(&text);
    assert_eq!(out.world.workloads[0].revisions[0].containers[0].image, "r.example.com/app:nope");
    let failed_pulls = out.trace.iter().filter(|e| matches!(e.kind, TraceKind::PullFailed { .. })).count() as u64;
    let stats = out.world.registries[0].stats;
    assert!(failed_pulls >= 10);
    assert_eq!(
        (stats.manifest_requests, stats.failed_requests),
        (1 + failed_pulls, 1 + failed_pulls),
        "the resolution, then every pull, find no tag"
    );
}

#[test]
fn set_image_pull_policy_rolls_the_pods_out() {
    let text = scenario("", "").replace(
        "    - {at: 2m, scale: {workload: web, replicas: 10}}\n",
        "    - {at: 2m, scale: {workload: web, replicas: 10}}\n    - {at: 3m, setImagePullPolicy: {workload: web, policy: Never}}\n",
    );
    let out = run_yaml(&text);
    // Ten pods run v2 from 2m; at 3m they are replaced by ten with Never, which find v2 on every node.
    assert_eq!(split(&out), (0, 20));
    let present = out.trace.iter().filter(|e| matches!(e.kind, TraceKind::ImagePresent { .. })).count();
    assert_eq!(present, 10);
    assert!(out.trace.iter().any(|e| matches!(e.kind, TraceKind::PullPolicyUpdated { .. })));
}
