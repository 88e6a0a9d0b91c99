//! The bundled scenarios, each checked against the figures the kubelet's behaviour implies.

use crate::common::run;
use pullsim::engine::SimTime;
use pullsim::model::trace::{PodId, PullFailure, TraceEvent, TraceKind};
use pullsim::model::RunOutput;

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

/// Microseconds to move `bytes` at `bps`, rounded up as the model rounds.
fn transfer_us(bytes: u64, bps: u64) -> u64 {
    (bytes * 8 * 1_000_000).div_ceil(bps)
}

fn running_times(out: &RunOutput) -> Vec<(String, u64)> {
    out.trace
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::PodRunning { pod } => Some((out.world.pod_key(pod), e.t.as_micros())),
            _ => None,
        })
        .collect()
}

fn pod_events(out: &RunOutput, name: &str) -> Vec<TraceEvent> {
    let pod = |p: PodId| out.world.pod_key(p) == name;
    out.trace
        .iter()
        .filter(|e| match &e.kind {
            TraceKind::PullQueued { pull }
            | TraceKind::PullFailed { pull, .. }
            | TraceKind::PullCompleted { pull, .. } => pod(out.world.pulls[pull.0 as usize].pod),
            TraceKind::Backoff { pod: p, .. } | TraceKind::PodRunning { pod: p } => pod(*p),
            _ => false,
        })
        .cloned()
        .collect()
}

#[test]
fn serial_pulls_finish_at_one_two_and_three_times_a_single_pull() {
    let one = transfer_us(GIB, 1_000_000_000);
    assert_eq!(one, 8_589_935);
    let out = run("serial-vs-parallel", "base");
    let t: Vec<u64> = running_times(&out).into_iter().map(|(_, t)| t).collect();
    assert_eq!(t, vec![one, 2 * one, 3 * one]);
}

#[test]
fn unlimited_parallel_pulls_share_the_nic_and_finish_together() {
    let out = run("serial-vs-parallel", "parallel");
    let together = transfer_us(3 * GIB, 1_000_000_000);
    let t = running_times(&out);
    assert_eq!(t.len(), 3);
    assert!(t.iter().all(|(_, x)| *x == together), "{t:?} all at {together}");
}

#[test]
fn max_parallel_two_runs_two_together_then_the_third_alone() {
    let out = run("serial-vs-parallel", "max-parallel-2");
    let two = transfer_us(2 * GIB, 1_000_000_000);
    let one = transfer_us(GIB, 1_000_000_000);
    let t: Vec<u64> = running_times(&out).into_iter().map(|(_, t)| t).collect();
    assert_eq!(t, vec![two, two, two + one]);
}

#[test]
fn serial_pull_waits_are_reported_apart_from_pull_duration() {
    let out = run("serial-vs-parallel", "base");
    let one = transfer_us(GIB, 1_000_000_000);
    let figures: Vec<(u64, u64)> = out
        .trace
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::PullCompleted { duration, including_waiting, bytes, .. } => {
                assert_eq!(*bytes, GIB);
                Some((duration.as_micros(), including_waiting.as_micros()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(figures, vec![(one, one), (one, 2 * one), (one, 3 * one)]);
}

/// Backoff windows double from 10 s to the 300 s cap; retries happen only on requeued syncs (10-15 s apart,
/// on a 1 s tick), never inside a window; the pod starts at its first attempt after the tag exists.
#[test]
fn missing_tag_backs_off_exponentially_and_retries_only_on_requeued_syncs() {
    let out = run("backoff-missing-tag", "base");
    let push = SimTime::from_micros(360_000_000);
    // RollingUpdate of 2 replicas (surge 1, maxUnavailable 0): one new pod, web-2, backs off; both old pods
    // keep serving until it runs, and only then is web-3 created.
    let web3_created = out
        .trace
        .iter()
        .find(|e| matches!(e.kind, TraceKind::PodCreated { pod } if out.world.pod_key(pod) == "default/web-3"))
        .expect("web-3 is created")
        .t;
    assert!(web3_created >= push);
    for name in ["default/web-2"] {
        let events = pod_events(&out, name);
        let mut windows = Vec::new();
        let mut window_end: Option<SimTime> = None;
        let mut last_sync: Option<SimTime> = None;
        for e in &events {
            let sync_start = matches!(e.kind, TraceKind::PullQueued { .. } | TraceKind::Backoff { refused: true, .. });
            if sync_start {
                if let Some(prev) = last_sync {
                    let gap = e.t.as_micros() - prev.as_micros();
                    assert!((10_000_000..16_000_000).contains(&gap), "{name}: syncs {gap} us apart");
                }
                last_sync = Some(e.t);
            }
            match &e.kind {
                TraceKind::PullQueued { .. } => {
                    assert!(window_end.is_none_or(|w| e.t >= w), "{name}: pull at {} inside window", e.t);
                }
                TraceKind::Backoff { refused: true, until, .. } => {
                    assert_eq!(Some(*until), window_end);
                    assert!(e.t < *until, "{name}: refused at {} after the window", e.t);
                }
                TraceKind::Backoff { refused: false, until, .. } => {
                    windows.push((*until - e.t).as_micros() / 1_000_000);
                    window_end = Some(*until);
                }
                TraceKind::PullFailed { failure, .. } => {
                    assert_eq!(*failure, PullFailure::ManifestUnknown)
                }
                _ => {}
            }
        }
        assert_eq!(windows, vec![10, 20, 40, 80, 160], "{name}");
        let started = events.iter().find(|e| matches!(e.kind, TraceKind::PodRunning { .. })).expect("starts").t;
        let last_attempt = events.iter().rev().find(|e| matches!(e.kind, TraceKind::PullQueued { .. })).unwrap().t;
        assert!(last_attempt >= push && last_attempt >= window_end.unwrap());
        assert!(started >= last_attempt);
    }
    let reg = &out.world.registries[0].stats;
    assert_eq!(reg.failed_requests, 5, "five failed attempts of the one new pod");
    assert_eq!(reg.manifest_requests, 7);
    assert_eq!(reg.bytes, 2 * 12 * MIB, "only the v2 layer is new on each node");
}

#[test]
fn tag_pushed_before_the_rollout_pulls_once_per_pod_without_failures() {
    let out = run("backoff-missing-tag", "pushed-first");
    assert!(!out.trace.iter().any(|e| matches!(e.kind, TraceKind::PullFailed { .. } | TraceKind::Backoff { .. })));
    let reg = &out.world.registries[0].stats;
    assert_eq!((reg.manifest_requests, reg.blob_requests, reg.bytes), (2, 2, 2 * 12 * MIB));
}

fn digests_at_end(out: &RunOutput) -> Vec<(String, u32)> {
    out.world.workloads[0].running["app"]
        .iter()
        .map(|(img, n)| (out.world.spec.images[img.0 as usize].name.clone(), *n))
        .collect()
}

#[test]
fn always_sees_the_moved_tag_and_runs_two_versions_side_by_side() {
    let out = run("always-vs-ifnotpresent", "base");
    let pulls: Vec<(u64, u64)> = out
        .trace
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::PullCompleted { bytes, .. } => Some((e.t.as_micros() / 1_000_000, bytes)),
            _ => None,
        })
        .collect();
    assert_eq!(pulls.len(), 20);
    // The first ten find v1 on the node: a manifest request, nothing downloaded.
    assert!(pulls[..10].iter().all(|(t, b)| *t == 0 && *b == 0), "{pulls:?}");
    // The ten pods of the scale-up get v2: only its 22 MiB top layer is new.
    assert!(pulls[10..].iter().all(|(t, b)| *t >= 180 && *b == 22 * MIB), "{pulls:?}");
    let reg = &out.world.registries[0].stats;
    assert_eq!((reg.manifest_requests, reg.blob_requests, reg.bytes), (20, 10, 220 * MIB));
    assert_eq!(digests_at_end(&out), vec![("app-v1".into(), 10), ("app-v2".into(), 10)]);
    assert_eq!(out.world.workloads[0].max_distinct, 2);
}

#[test]
fn ifnotpresent_keeps_the_old_digest_after_the_tag_moves() {
    let out = run("always-vs-ifnotpresent", "ifnotpresent");
    let reg = &out.world.registries[0].stats;
    assert_eq!((reg.manifest_requests, reg.blob_requests, reg.bytes), (0, 0, 0));
    assert_eq!(digests_at_end(&out), vec![("app-v1".into(), 20)]);
    assert_eq!(out.world.workloads[0].max_distinct, 1);
}

#[test]
fn never_uses_the_preloaded_image_without_registry_traffic() {
    let out = run("never-policy", "base");
    assert_eq!(running_times(&out).iter().map(|(_, t)| *t).collect::<Vec<_>>(), vec![0, 0, 0]);
    let present = out.trace.iter().filter(|e| matches!(e.kind, TraceKind::ImagePresent { .. })).count();
    assert_eq!(present, 3);
    assert_eq!(out.world.registries[0].stats.manifest_requests, 0);
}

#[test]
fn never_without_the_image_fails_every_sync_and_never_pulls() {
    let out = run("never-policy", "not-preloaded");
    assert!(running_times(&out).is_empty());
    assert!(out.world.pulls.is_empty());
    assert_eq!(out.world.registries[0].stats.manifest_requests, 0);
    let mut per_pod = std::collections::BTreeMap::<u32, Vec<u64>>::new();
    for e in &out.trace {
        if let TraceKind::ImageNeverPull { pod, .. } = e.kind {
            per_pod.entry(pod.0).or_default().push(e.t.as_micros());
        }
    }
    assert_eq!(per_pod.len(), 3);
    for times in per_pod.values() {
        assert_eq!(times[0], 0);
        // Requeued every 10-15 s (plus the tick) over two minutes: 8 to 12 syncs.
        assert!((8..=12).contains(&times.len()), "{times:?}");
        assert!(times.windows(2).all(|w| (10_000_000..16_000_000).contains(&(w[1] - w[0]))));
    }
}

#[test]
fn registry_qps_lets_the_burst_through_and_fails_the_rest_at_once() {
    let out = run("registry-qps-storm", "base");
    let at_zero = |f: fn(&TraceKind) -> bool| out.trace.iter().filter(|e| e.t == SimTime::ZERO && f(&e.kind)).count();
    assert_eq!(at_zero(|k| matches!(k, TraceKind::PullStarted { .. })), 30);
    assert_eq!(at_zero(|k| matches!(k, TraceKind::PullFailed { failure: PullFailure::QpsExceeded, .. })), 20);
    assert_eq!(out.world.registries[0].stats.manifest_requests, 30, "throttled pulls never reach the registry");
    let t = running_times(&out);
    assert_eq!(t.len(), 30);
    assert_eq!(t.iter().filter(|(_, x)| *x < 1_000_000).count(), 10);
    assert!(t.iter().filter(|(_, x)| *x >= 1_000_000).all(|(_, x)| *x >= 10_000_000), "retried on requeued syncs");
}

#[test]
fn without_a_qps_limit_every_pull_starts_at_once() {
    let out = run("registry-qps-storm", "no-limit");
    assert!(!out.trace.iter().any(|e| matches!(e.kind, TraceKind::PullFailed { .. })));
    assert!(running_times(&out).iter().all(|(_, t)| *t < 1_000_000));
}

#[test]
fn after_an_outage_each_pod_waits_for_its_own_backoff_window_and_next_sync() {
    let out = run("registry-outage", "base");
    let (down, up) = (60_000_000, 240_000_000);
    let mut window_end = std::collections::BTreeMap::new();
    for e in &out.trace {
        match &e.kind {
            TraceKind::PullFailed { failure, .. } => {
                assert_eq!(*failure, PullFailure::RegistryUnavailable);
                assert!((down..up).contains(&e.t.as_micros()), "a failure outside the outage at {}", e.t);
            }
            TraceKind::Backoff { pod, until, refused: false, .. } => {
                window_end.insert(*pod, *until);
            }
            TraceKind::PodRunning { pod } if out.world.pods[pod.0 as usize].created.as_micros() > 0 => {
                assert!(e.t.as_micros() >= up, "a new pod ran during the outage");
                assert!(e.t >= window_end[pod], "a pod ran before its backoff window ended");
            }
            _ => {}
        }
    }
    assert_eq!(window_end.len(), 10, "every pod of the scale-up backed off");
    let slowest =
        out.trace.iter().filter(|e| matches!(e.kind, TraceKind::PodRunning { .. })).map(|e| e.t).max().unwrap();
    assert!(slowest.as_micros() > up + 10_000_000, "recovery is spread beyond the outage's end");
    let calm = run("registry-outage", "no-outage");
    assert!(!calm.trace.iter().any(|e| matches!(e.kind, TraceKind::PullFailed { .. })));
    let calm_slowest =
        calm.trace.iter().filter(|e| matches!(e.kind, TraceKind::PodRunning { .. })).map(|e| e.t.as_micros()).max();
    assert!(calm_slowest.unwrap() < 125_000_000);
}

/// Digests running at the end, by image name.
fn running_images(out: &pullsim::model::RunOutput) -> Vec<(String, u32)> {
    let w = &out.world;
    w.workloads[0].running["app"].iter().map(|(img, n)| (w.spec.images[img.0 as usize].name.clone(), *n)).collect()
}

#[test]
fn the_v1_to_latest_trap_runs_an_image_nobody_deployed_on_the_old_nodes() {
    // IfNotPresent, defaulted for :v1, survives the switch to :latest: the old nodes' v0 runs.
    let base = run("v1-to-latest-trap", "base");
    // The rolling update (surge 2, maxUnavailable 2) places two new pods on old nodes, which find v0.
    assert_eq!(running_images(&base), vec![("app-v0".to_string(), 2), ("app-v2".to_string(), 6)]);
    for remedy in ["explicit-always", "always-pull-images", "pin-template", "fix-policy-later"] {
        let out = run("v1-to-latest-trap", remedy);
        assert_eq!(running_images(&out), vec![("app-v2".to_string(), 8)], "{remedy}");
    }
    // Each remedy has a registry cost: Always asks at every pod start; the pinned template asks at creation and
    // at the switch, and its pods then pull by digest.
    let requests = |v: &str| run("v1-to-latest-trap", v).world.registries[0].stats.manifest_requests;
    assert_eq!(requests("base"), 12);
    assert_eq!(requests("always-pull-images"), 16);
    assert_eq!(requests("pin-template"), 16);
}

/// Images running in container `container` of workload 0 at the end, by image name.
fn running_at_end(out: &RunOutput, container: &str) -> Vec<(String, u32)> {
    out.world.workloads[0].running[container]
        .iter()
        .map(|(img, n)| (out.world.spec.images[img.0 as usize].name.clone(), *n))
        .collect()
}

#[test]
fn a_daemon_set_keeps_two_builds_after_its_pool_grows_across_a_push() {
    let split = |v: &str| running_at_end(&run("daemonset-pool-growth", v), "shipper");
    // The six first nodes keep 1.4, the four added after the push pull :stable = 1.5; Always changes nothing,
    // since a DaemonSet does not recreate a healthy pod.
    let two = vec![("agent-1-4".to_string(), 6), ("agent-1-5".to_string(), 4)];
    assert_eq!(split("base"), two);
    assert_eq!(split("always"), two);
    // The pinned template names 1.4's digest on every node, including the new ones.
    assert_eq!(split("pin-template"), vec![("agent-1-4".to_string(), 10)]);
    // A rollout, or new nodes (the DaemonSet's pods are not drained: they go with their node), bring 1.5 everywhere.
    assert_eq!(split("roll-to-version"), vec![("agent-1-5".to_string(), 10)]);
    let replaced = run("daemonset-pool-growth", "replace-nodes");
    assert_eq!(running_at_end(&replaced, "shipper"), vec![("agent-1-5".to_string(), 10)]);
    // Six nodes replaced two at a time: each batch goes only when the previous batch's new pods run.
    let batches: Vec<u64> = replaced
        .trace
        .iter()
        .filter(|e| matches!(e.kind, TraceKind::NodeRemoved { .. }))
        .map(|e| e.t.as_micros())
        .collect();
    assert_eq!(batches.len(), 6);
    assert!(batches.chunks(2).all(|b| b[0] == b[1]), "{batches:?}");
    assert!(batches[0] < batches[2] && batches[2] < batches[4], "{batches:?}");
}

#[test]
fn a_tag_pushed_again_during_a_rolling_update_leaves_two_builds_unless_the_template_is_pinned() {
    let split = |v: &str| running_at_end(&run("rolling-update-repush", v), "web");
    let (v2, hotfix) = ("web-v2".to_string(), "web-v2-hotfix".to_string());
    // IfNotPresent: the nodes that pulled :v2 before the push keep starting the first build.
    assert_eq!(split("base"), vec![(v2.clone(), 8), (hotfix.clone(), 16)]);
    // Always (by admission) and per-pod pinning: only the pods created before the push keep it.
    assert_eq!(split("always-pull-images"), vec![(v2.clone(), 4), (hotfix.clone(), 20)]);
    assert_eq!(split("pin-pod"), vec![(v2.clone(), 4), (hotfix.clone(), 20)]);
    // The pinned template: one build, the first, everywhere; a rollout to the hotfix's digest ends it.
    assert_eq!(split("pin-template"), vec![(v2, 24)]);
    assert_eq!(split("pin-template-then-roll"), vec![(hotfix, 24)]);
    let base = run("rolling-update-repush", "base");
    assert_eq!(base.world.workloads[0].max_distinct, 3, "v1, v2 and the hotfix at once during the rollout");
}
