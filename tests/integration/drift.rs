//! Tag drift figures on small scenarios whose every instant can be worked out by hand: the registry answers at
//! once and bandwidth is unlimited, so each container starts at the instant its pod is bound.

use crate::common::run_yaml;
use pullsim::report::drift::{drift, Convergence, Drift};

/// Two nodes, a Deployment of two `:latest` pods; `latest` moves from v1 to v2 at 1m; `then` follows.
fn scenario(policy: &str, then: &str) -> String {
    format!(
        "apiVersion: pullsim/v1
kind: Scenario
metadata: {{name: drift}}
spec:
  duration: 4m
  layers: {{one: 10MiB, two: 10MiB}}
  images: {{v1: {{layers: [one]}}, v2: {{layers: [two]}}}}
  registries:
    r.example.com: {{latency: 0s, repositories: {{app: {{tags: {{latest: v1, v2: v2}}}}}}}}
  nodePools: {{pool: {{count: 2}}}}
  workloads:
    web:
      kind: Deployment
      replicas: 2
      template: {{spec: {{containers: [{{name: app, image: r.example.com/app:latest{policy}}}]}}}}
  timeline:
    - {{at: 1m, pushTag: {{image: r.example.com/app:latest, manifest: v2}}}}
{then}"
    )
}

#[track_caller]
fn only(text: &str) -> Drift {
    let out = run_yaml(text);
    let mut all = drift(&out);
    assert_eq!(all.len(), 1, "one workload with one app container");
    let (_, container, d) = all.remove(0);
    assert_eq!(container, "app");
    d
}

const MIN: u128 = 60_000_000;

#[test]
fn always_mixes_versions_after_a_scale_up_and_half_the_pod_time_is_stale() {
    let d = only(&scenario("", "    - {at: 2m, scale: {workload: web, replicas: 4}}\n"));
    // 0-1m: 2 pods on v1, which latest names: fresh. 1m-2m: 2 pods on v1, latest names v2: stale.
    // 2m-4m: 2 on v1 (stale) and 2 new ones pulled v2: mixed.
    assert_eq!(d.mixed_version_us, 120_000_000);
    assert_eq!((d.stale_pod_us, d.running_pod_us), (2 * MIN + 4 * MIN, 4 * MIN + 8 * MIN));
    assert_eq!(d.stale_share(), Some(0.5));
    assert_eq!(d.convergence, vec![Convergence { push: secs(60), converged: None }]);
    assert_eq!((d.max_distinct_digests, d.digests_at_end), (2, 2));
}

#[test]
fn ifnotpresent_never_mixes_but_every_pod_stays_stale() {
    let d = only(&scenario(", imagePullPolicy: IfNotPresent", "    - {at: 2m, scale: {workload: web, replicas: 4}}\n"));
    // The new pods land on nodes that hold v1 under latest: no pull, v1 again.
    assert_eq!(d.mixed_version_us, 0);
    assert_eq!((d.stale_pod_us, d.running_pod_us), (2 * MIN + 8 * MIN, 12 * MIN));
    assert_eq!((d.max_distinct_digests, d.digests_at_end), (1, 1));
}

#[test]
fn a_rollout_to_the_new_digest_converges_the_push() {
    let d =
        only(&scenario("", "    - {at: 2m, setImage: {workload: web, container: app, image: r.example.com/app:v2}}\n"));
    // Every pod is replaced at 2m and starts v2 at once.
    assert_eq!(d.convergence, vec![Convergence { push: secs(60), converged: Some(secs(120)) }]);
    assert_eq!(d.mixed_version_us, 0);
    // Stale from the push until the replacement: 2 pods x 1m.
    assert_eq!(d.stale_pod_us, 2 * MIN);
    assert_eq!(d.digests_at_end, 1);
}

#[test]
fn a_reference_by_digest_is_never_stale() {
    let digest = {
        let out = run_yaml(&scenario("", ""));
        out.world.spec.images[0].digest.clone()
    };
    let text = scenario("", "").replace("app:latest}]", &format!("app@{digest}}}]"));
    let d = only(&text);
    assert_eq!((d.stale_pod_us, d.running_pod_us), (0, 8 * MIN));
    assert!(d.convergence.is_empty(), "a digest names no tag that can move");
}

fn secs(s: u64) -> pullsim::engine::SimTime {
    pullsim::engine::SimTime::ZERO + pullsim::engine::SimDuration::from_micros(s * 1_000_000)
}
