//! Rollouts as the controllers do them: RollingUpdate bounds over a whole trace, Recreate's wait for every
//! old pod, DaemonSets following their nodes, StatefulSets in ordinal order, node removal and replacement,
//! and the scheduler's ImageLocality score.

use crate::common::run_yaml_with;
use pullsim::engine::SimDuration;
use pullsim::model::spec::{
    ClusterSpec, DaemonSetUpdate, DeploymentStrategy, IntOrPercent, PodManagementPolicy, StatefulSetUpdate,
    WorkloadKind, WorkloadStrategy,
};
use pullsim::model::trace::TraceKind;
use pullsim::model::RunOutput;
use std::collections::{BTreeMap, BTreeSet};

const HEAD: &str = "apiVersion: pullsim/v1\nkind: Scenario\nmetadata: {name: rollout}\nspec:\n";

/// `replicas` pods of team/app:v1 (preloaded) on `nodes` nodes, switched to :v2 (40 MiB to pull at 100 Mbps,
/// about 3.4 s) at 10 s, with a 5 s readiness delay on the app container.
fn rollout_yaml(nodes: u32, replicas: u32, extra: &str) -> String {
    format!(
        "{HEAD}  duration: 5m
  layers: {{base: 10MiB, v1: 1MiB, v2: 40MiB}}
  images: {{v1: {{layers: [base, v1]}}, v2: {{layers: [base, v2]}}}}
  registries:
    r.example.com: {{repositories: {{app: {{tags: {{v1: v1, v2: v2}}}}}}}}
  nodePools: {{p: {{count: {nodes}, bandwidth: 100Mbps, preloaded: [r.example.com/app:v1]}}}}
  workloads:
    web: {{kind: Deployment, replicas: {replicas}, template: {{spec: {{containers: [{{name: c, image: r.example.com/app:v1}}]}}}}}}
  timeline:
    - {{at: 10s, setImage: {{workload: web, image: r.example.com/app:v2}}}}
{extra}"
    )
}

fn readiness(spec: &mut ClusterSpec, delay: u64) {
    for w in &mut spec.workloads {
        for c in &mut w.template.containers {
            c.readiness_delay = SimDuration::from_secs(delay);
        }
    }
}

/// (active pods, available pods) after every instant of the trace, for workload 0.
fn counts_after_each_instant(out: &RunOutput) -> Vec<(u64, usize, usize)> {
    let mut active = BTreeSet::new();
    let mut ready = BTreeSet::new();
    let mut result = Vec::new();
    for (i, e) in out.trace.iter().enumerate() {
        match e.kind {
            TraceKind::PodCreated { pod } => {
                active.insert(pod);
            }
            TraceKind::PodReady { pod } => {
                ready.insert(pod);
            }
            TraceKind::PodTerminating { pod } | TraceKind::PodDeleted { pod } => {
                active.remove(&pod);
                ready.remove(&pod);
            }
            _ => {}
        }
        if out.trace.get(i + 1).is_none_or(|n| n.t != e.t) {
            result.push((e.t.as_micros(), active.len(), ready.len()));
        }
    }
    result
}

#[test]
fn a_rolling_update_of_ten_replicas_stays_within_thirteen_pods_and_eight_available() {
    let out = run_yaml_with(&rollout_yaml(10, 10, ""), |s| readiness(s, 5));
    let counts = counts_after_each_instant(&out);
    let after_start: Vec<_> = counts.iter().filter(|(t, _, _)| *t >= 10_000_000).collect();
    assert!(after_start.iter().all(|(_, a, _)| *a <= 13), "more than 10 + 3 surge: {after_start:?}");
    assert!(after_start.iter().all(|(_, _, r)| *r >= 8), "fewer than 10 - 2 available: {after_start:?}");
    // The bounds are reached: the rollout surges to 13 and dips to 8 available.
    assert!(after_start.iter().any(|(_, a, _)| *a == 13));
    assert!(after_start.iter().any(|(_, _, r)| *r == 8));
    // It completes: every pod runs v2, and the revision-1 rollout is reported complete.
    let running = &out.world.workloads[0].running["c"];
    assert_eq!(
        running.iter().map(|(i, n)| (out.world.spec.images[i.0 as usize].name.clone(), *n)).collect::<Vec<_>>(),
        [("v2".to_string(), 10)]
    );
    let done: Vec<_> = out
        .trace
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::RolloutCompleted { revision, .. } => Some((revision, e.t.as_micros())),
            _ => None,
        })
        .collect();
    assert_eq!(done.len(), 2);
    assert_eq!(done[0], (0, 5_000_000), "the first pods are Ready after their 5 s delay");
    assert!(done[1].0 == 1 && done[1].1 > 10_000_000 + 3 * 5_000_000, "{done:?}");
}

#[test]
fn recreate_creates_no_new_pod_until_every_old_one_is_gone() {
    let out = run_yaml_with(&rollout_yaml(4, 4, ""), |s| {
        s.workloads[0].strategy = WorkloadStrategy::Deployment(DeploymentStrategy::Recreate);
        s.workloads[0].template.containers[0].termination_delay = SimDuration::from_secs(7);
    });
    let gone: Vec<u64> =
        out.trace.iter().filter(|e| matches!(e.kind, TraceKind::PodDeleted { .. })).map(|e| e.t.as_micros()).collect();
    assert_eq!(gone, vec![17_000_000; 4], "the old containers take 7 s to exit");
    let created: Vec<u64> =
        out.trace.iter().filter(|e| matches!(e.kind, TraceKind::PodCreated { .. })).map(|e| e.t.as_micros()).collect();
    assert_eq!(created[4..], [17_000_000; 4]);
}

#[test]
fn a_termination_delay_is_cut_at_the_grace_period() {
    let out = run_yaml_with(&rollout_yaml(1, 1, ""), |s| {
        s.workloads[0].strategy = WorkloadStrategy::Deployment(DeploymentStrategy::Recreate);
        s.workloads[0].template.containers[0].termination_delay = SimDuration::from_secs(600);
    });
    let gone = out.trace.iter().find(|e| matches!(e.kind, TraceKind::PodDeleted { .. })).unwrap().t.as_micros();
    assert_eq!(gone, 40_000_000, "killed at terminationGracePeriodSeconds (30 s)");
}

#[test]
fn proportional_scaling_mid_rollout_keeps_the_ratio_of_replica_sets() {
    // 10 replicas with a new revision that cannot become Ready within the run: scaled to 20 mid-rollout.
    let extra = "    - {at: 20s, scale: {workload: web, replicas: 20}}\n";
    let out = run_yaml_with(&rollout_yaml(10, 10, extra), |s| readiness(s, 1000));
    let w = &out.world.workloads[0];
    let sizes: Vec<u32> = w.replica_sets.iter().map(|r| r.replicas).collect();
    // Before the scale: old 8 (10 - 2 unavailable), new 5 (13 - 8); the max-replicas annotation is 13.
    // getReplicaSetFraction: old 8*25/13 = 15.38 -> 15 (+7), new 5*25/13 = 9.6 -> 10 (+5), 25 in all.
    assert_eq!(sizes, vec![15, 10]);
    assert_eq!(w.replica_sets.iter().map(|r| r.max_annotation).collect::<Vec<_>>(), vec![25, 25]);
}

#[test]
fn a_daemon_set_follows_its_pools_nodes_and_updates_one_node_at_a_time() {
    let extra = "    - {at: 30s, addNodes: {pool: p, count: 2}}\n";
    let out = run_yaml_with(&rollout_yaml(4, 1, extra), |s| {
        s.workloads[0].kind = WorkloadKind::DaemonSet;
        s.workloads[0].strategy = WorkloadStrategy::DaemonSet { update: DaemonSetUpdate::default(), pools: vec![] };
        readiness(s, 5);
    });
    // Four pods at once, one per node; two more when the nodes join.
    let created: Vec<u64> =
        out.trace.iter().filter(|e| matches!(e.kind, TraceKind::PodCreated { .. })).map(|e| e.t.as_micros()).collect();
    assert_eq!(created[..4], [0; 4]);
    let per_node: BTreeMap<u32, u32> =
        out.world.pods.iter().filter(|p| !p.deleted).fold(BTreeMap::new(), |mut m, p| {
            *m.entry(p.node.unwrap().0).or_default() += 1;
            m
        });
    assert_eq!(per_node.len(), 6);
    assert!(per_node.values().all(|n| *n == 1));
    // maxUnavailable 1: after the update starts, never more than one node lacks a Ready pod.
    let counts = counts_after_each_instant(&out);
    for (t, _, ready) in counts.iter().filter(|(t, _, _)| (10_000_000..30_000_000).contains(t)) {
        assert!(*ready >= 3, "at {t} us only {ready} of 4 nodes have a Ready pod");
    }
    let running = &out.world.workloads[0].running["c"];
    assert_eq!(running.values().sum::<u32>(), 6);
}

#[test]
fn a_stateful_set_starts_in_ordinal_order_and_updates_from_the_highest_ordinal_down() {
    let out = run_yaml_with(&rollout_yaml(3, 3, ""), |s| {
        s.workloads[0].kind = WorkloadKind::StatefulSet;
        s.workloads[0].strategy = WorkloadStrategy::StatefulSet {
            policy: PodManagementPolicy::OrderedReady,
            update: StatefulSetUpdate::RollingUpdate { partition: 1 },
        };
        readiness(s, 2);
    });
    let created: Vec<(u64, String)> = out
        .trace
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::PodCreated { pod } => Some((e.t.as_micros(), out.world.pod_key(pod))),
            _ => None,
        })
        .collect();
    let names: Vec<&str> = created.iter().map(|(_, n)| n.as_str()).collect();
    // 0, 1, 2 two seconds apart (each after the previous is Ready), then 2 and 1 replaced; 0 stays (partition 1).
    assert_eq!(names, ["default/web-0", "default/web-1", "default/web-2", "default/web-2", "default/web-1"]);
    assert_eq!(created[..3].iter().map(|(t, _)| *t).collect::<Vec<_>>(), [0, 2_000_000, 4_000_000]);
    let pods: Vec<(u32, u32)> = out.world.pods.iter().filter(|p| !p.deleted).map(|p| (p.ordinal, p.revision)).collect();
    assert_eq!(pods, [(0, 0), (2, 1), (1, 1)]);
}

#[test]
fn removed_and_replaced_nodes_send_their_pods_elsewhere_and_new_nodes_start_cold() {
    let extra = "    - {at: 1m, removeNodes: {pool: p, count: 1}}\n    - {at: 2m, replaceNodes: {pool: p, count: 3, maxUnavailable: 1}}\n";
    let out = run_yaml_with(&rollout_yaml(4, 4, extra), |_| {});
    let removed = out.trace.iter().filter(|e| matches!(e.kind, TraceKind::NodeRemoved { .. })).count();
    assert_eq!(removed, 4, "one removed, three replaced");
    let added = out.trace.iter().filter(|e| matches!(e.kind, TraceKind::NodeAdded { .. })).count();
    assert_eq!(added, 3);
    // Every pod runs at the end, on live nodes, and the new nodes pulled v2 (they hold only v1 preloaded).
    let live: Vec<_> = out.world.pods.iter().filter(|p| !p.deleted).collect();
    assert_eq!(live.len(), 4);
    assert!(live.iter().all(|p| p.running_at.is_some() && !out.world.nodes[p.node.unwrap().0 as usize].removed));
    let node_names: BTreeSet<&str> =
        live.iter().map(|p| out.world.nodes[p.node.unwrap().0 as usize].name.as_str()).collect();
    assert!(node_names.iter().all(|n| ["p-4", "p-5", "p-6"].contains(n)), "{node_names:?}");
}

#[test]
fn image_locality_sends_pods_to_nodes_that_hold_their_image() {
    // Two nodes hold a 500 MiB image, two do not: with ImageLocality, 2 replicas go to the warm nodes.
    let yaml = format!(
        "{HEAD}  duration: 1m
  layers: {{big: 500MiB}}
  images: {{v1: {{layers: [big]}}}}
  registries:
    r.example.com: {{repositories: {{app: {{tags: {{v1: v1}}}}}}}}
  nodePools:
    cold: {{count: 2}}
    warm: {{count: 2, preloaded: [r.example.com/app:v1]}}
  workloads:
    web: {{kind: Deployment, replicas: 2, template: {{spec: {{containers: [{{name: c, image: r.example.com/app:v1}}]}}}}}}
"
    );
    let pools = |out: &RunOutput| -> Vec<String> {
        out.world.pods.iter().map(|p| out.world.nodes[p.node.unwrap().0 as usize].name.clone()).collect()
    };
    let spread = run_yaml_with(&yaml, |_| {});
    assert_eq!(pools(&spread), ["cold-0", "cold-1"]);
    let local = run_yaml_with(&yaml, |s| s.scheduler.image_locality = true);
    assert_eq!(pools(&local), ["warm-0", "warm-1"]);
    assert_eq!(local.world.registries[0].stats.bytes, 0);
    let _ = IntOrPercent::Int(0);
}

#[test]
fn the_controller_fields_read_from_yaml_as_apps_v1_defaults_them() {
    let yaml = format!(
        "{HEAD}  duration: 1m
  layers: {{base: 10MiB}}
  images: {{v1: {{layers: [base]}}}}
  registries:
    r.example.com: {{repositories: {{app: {{tags: {{v1: v1}}}}}}}}
  nodePools:
    a: {{count: 1, kubelet: {{cancelPullOnPodDelete: true}}}}
    b: {{count: 1}}
  scheduler: {{imageLocality: true}}
  workloads:
    plain: {{kind: Deployment, template: {{spec: {{containers: [{{name: c, image: r.example.com/app:v1}}]}}}}}}
    tuned:
      kind: Deployment
      minReadySeconds: 10
      strategy: {{rollingUpdate: {{maxSurge: 3, maxUnavailable: 0}}}}
      template:
        spec:
          terminationGracePeriodSeconds: 5
          containers: [{{name: c, image: r.example.com/app:v1, readinessDelay: 1500ms, terminationDelay: 7s}}]
    old: {{kind: Deployment, strategy: {{type: Recreate}}, template: {{spec: {{containers: [{{name: c, image: r.example.com/app:v1}}]}}}}}}
    agent: {{kind: DaemonSet, nodePools: [b], template: {{spec: {{containers: [{{name: c, image: r.example.com/app:v1}}]}}}}}}
    manual: {{kind: DaemonSet, updateStrategy: {{type: OnDelete}}, template: {{spec: {{containers: [{{name: c, image: r.example.com/app:v1}}]}}}}}}
    db:
      kind: StatefulSet
      replicas: 3
      podManagementPolicy: Parallel
      updateStrategy: {{rollingUpdate: {{partition: 2}}}}
      template: {{spec: {{containers: [{{name: c, image: r.example.com/app:v1}}]}}}}
  timeline:
    - {{at: 10s, scale: {{workload: db, replicas: 4}}}}
    - {{at: 20s, setImage: {{workload: agent, image: r.example.com/app:v1}}}}
    - {{at: 30s, removeNodes: {{pool: a, count: 1}}}}
    - {{at: 40s, replaceNodes: {{pool: b, count: 1}}}}
"
    );
    let s = pullsim::scenario::parse("inline.yaml", &yaml).unwrap_or_else(|e| panic!("{e}"));
    let spec = &s.variants[0].spec;
    let w = |name: &str| spec.workloads.iter().find(|w| w.name == name).unwrap();
    assert_eq!(w("plain").strategy, WorkloadStrategy::Deployment(DeploymentStrategy::default()));
    assert_eq!(
        w("tuned").strategy,
        WorkloadStrategy::Deployment(DeploymentStrategy::RollingUpdate {
            max_surge: IntOrPercent::Int(3),
            max_unavailable: IntOrPercent::Int(0),
        })
    );
    assert_eq!(w("tuned").min_ready, SimDuration::from_secs(10));
    let t = &w("tuned").template;
    assert_eq!(t.termination_grace, SimDuration::from_secs(5));
    assert_eq!(t.containers[0].readiness_delay, SimDuration::from_micros(1_500_000));
    assert_eq!(t.containers[0].termination_delay, SimDuration::from_secs(7));
    assert_eq!(w("plain").template.termination_grace, SimDuration::from_secs(30));
    assert_eq!(w("old").strategy, WorkloadStrategy::Deployment(DeploymentStrategy::Recreate));
    assert_eq!(w("agent").kind, WorkloadKind::DaemonSet);
    let b = pullsim::model::spec::PoolId(1);
    assert_eq!(w("agent").strategy, WorkloadStrategy::DaemonSet { update: DaemonSetUpdate::default(), pools: vec![b] });
    assert_eq!(w("manual").strategy, WorkloadStrategy::DaemonSet { update: DaemonSetUpdate::OnDelete, pools: vec![] });
    assert_eq!(
        w("db").strategy,
        WorkloadStrategy::StatefulSet {
            policy: PodManagementPolicy::Parallel,
            update: StatefulSetUpdate::RollingUpdate { partition: 2 },
        }
    );
    assert!(spec.scheduler.image_locality);
    assert!(spec.node_pools[0].kubelet.cancel_pull_on_pod_delete);
    assert!(!spec.node_pools[1].kubelet.cancel_pull_on_pod_delete);
    // And it runs: the DaemonSet on pool b only, the StatefulSet scaled to 4.
    let out = pullsim::model::run(spec);
    let agent = spec.workloads.iter().position(|w| w.name == "agent").unwrap();
    let agent_nodes: BTreeSet<&str> = out
        .world
        .pods
        .iter()
        .filter(|p| p.workload.0 as usize == agent)
        .map(|p| out.world.nodes[p.node.unwrap().0 as usize].name.as_str())
        .collect();
    assert!(agent_nodes.iter().all(|n| n.starts_with("b-")), "{agent_nodes:?}");
    let db = spec.workloads.iter().position(|w| w.name == "db").unwrap();
    assert_eq!(out.world.pods.iter().filter(|p| p.workload.0 as usize == db && !p.deleted).count(), 4);
}

/// Regression (found by the random-scenario invariants, seed 0x5eed00b9): with maxSurge, a node keeps at most
/// the oldest pod of the current revision and the oldest of an older one, and an old pod that is not Ready
/// goes as soon as a new one is there (daemon_controller.go `podsShouldBeOnNode`). Before the fix, two template
/// changes while the pods could not start left three live pods on each node, one per revision.
#[test]
fn a_surging_daemon_set_keeps_at_most_two_pods_on_a_node() {
    let yaml = format!(
        "{HEAD}  duration: 30s
  layers: {{l0: 0}}
  images: {{img0: {{layers: [l0]}}}}
  registries:
    r0.example.com: {{repositories: {{app: {{tags: {{}}}}}}}}
  nodePools: {{p0: {{count: 2}}}}
  workloads:
    ds0:
      kind: DaemonSet
      updateStrategy: {{type: RollingUpdate, rollingUpdate: {{maxSurge: 1}}}}
      template: {{spec: {{containers: [{{name: c0, image: \"r0.example.com/app:1.10\"}}]}}}}
  timeline:
    - {{at: 0ms, setImage: {{workload: ds0, container: c0, image: \"r0.example.com/app:v1\"}}}}
    - {{at: 0ms, setImage: {{workload: ds0, container: c0, image: \"r0.example.com/app:v2\"}}}}
"
    );
    let out = run_yaml_with(&yaml, |_| {});
    let mut active: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
    for (i, e) in out.trace.iter().enumerate() {
        match e.kind {
            TraceKind::PodScheduled { pod, node } => {
                active.entry(node.0).or_default().insert(pod.0);
            }
            TraceKind::PodTerminating { pod } | TraceKind::PodDeleted { pod } => {
                for pods in active.values_mut() {
                    pods.remove(&pod.0);
                }
            }
            _ => {}
        }
        if out.trace.get(i + 1).is_none_or(|n| n.t != e.t) {
            assert!(active.values().all(|p| p.len() <= 2), "at {:?}: {active:?}", e.t);
        }
    }
    // Each node ends with the one pod of the last revision (none can start: the tag does not exist).
    let live: Vec<u32> = out.world.workloads[0].pods.iter().map(|p| out.world.pods[p.0 as usize].revision).collect();
    assert_eq!(live, [2, 2]);
}

/// Regression (found by the random-scenario invariants, seed 0x5eed0164): a node that a `removeNodes` takes
/// while a `replaceNodes` drains it is not replaced when the batch ends, so the pool keeps the size the
/// timeline gives it (2 - 1). Before the fix the drained batch added a node for each node it had queued.
#[test]
fn a_replacement_does_not_replace_a_node_removed_during_its_drain() {
    let extra = "    - {at: 1s, replaceNodes: {pool: p, count: 2, maxUnavailable: 2}}\n    - {at: 2s, removeNodes: {pool: p, count: 1}}\n";
    let out = run_yaml_with(&rollout_yaml(2, 2, extra), |s| {
        s.workloads[0].template.containers[0].termination_delay = SimDuration::from_secs(20);
    });
    let live = out.world.nodes.iter().filter(|n| !n.removed).count();
    assert_eq!(live, 1, "{:?}", out.world.nodes.iter().map(|n| (&n.name, n.removed)).collect::<Vec<_>>());
}

/// Regression (found by the random-scenario invariants, seed 0x5eed0036): when a node leaves, the pulls its
/// serial puller still queued end cancelled without a request. Before the fix each cancellation freed the
/// puller, which started the next queued pull on the removed node: it took a QPS token (and sent its manifest
/// request when the pull was not yet marked cancelled), and one that found no token failed with "pull QPS
/// exceeded" after the node was gone. Pod `a` queues its pull last (after its init container), so the
/// cancellations come in an order that starts queued pulls.
#[test]
fn the_pulls_queued_on_a_removed_node_end_cancelled_without_a_request() {
    let yaml = format!(
        "{HEAD}  duration: 1m
  layers: {{i: 1MiB, a: 40MiB, b: 40MiB, c: 40MiB}}
  images: {{i: {{layers: [i]}}, a: {{layers: [a]}}, b: {{layers: [b]}}, c: {{layers: [c]}}}}
  registries:
    r.example.com: {{repositories: {{i: {{tags: {{v1: i}}}}, a: {{tags: {{v1: a}}}}, b: {{tags: {{v1: b}}}}, c: {{tags: {{v1: c}}}}}}}}
  nodePools:
    p:
      count: 1
      bandwidth: 100Mbps
      preloaded: [r.example.com/i:v1]
      kubelet: {{serializeImagePulls: true, registryPullQPS: 1, registryBurst: 1}}
  workloads:
    a:
      kind: Pod
      spec:
        initContainers: [{{name: i, image: r.example.com/i:v1, runDuration: 200ms}}]
        containers: [{{name: c, image: r.example.com/a:v1}}]
    b: {{kind: Pod, spec: {{containers: [{{name: c, image: r.example.com/b:v1}}]}}}}
    c: {{kind: Pod, spec: {{containers: [{{name: c, image: r.example.com/c:v1}}]}}}}
  timeline:
    - {{at: 2s, removeNodes: {{pool: p, count: 1}}}}
"
    );
    let out = run_yaml_with(&yaml, |_| {});
    let ends: Vec<&str> = out
        .trace
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::PullCompleted { .. } => Some("completed"),
            TraceKind::PullFailed { .. } => Some("failed"),
            TraceKind::PullCancelled { .. } => Some("cancelled"),
            _ => None,
        })
        .collect();
    assert_eq!(ends, ["cancelled"; 3]);
    // Only the pull that was running when the node left reached the registry.
    assert_eq!(out.world.registries[0].stats.manifest_requests, 1);
}
