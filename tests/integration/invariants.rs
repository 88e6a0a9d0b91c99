//! Property tests: random scenarios from `scenario_gen.rs`, and on every run of every variant, every model
//! invariant in [`INVARIANTS`] checked from outside: a shadow model written here from the trace, the opt-in
//! layer record ([`pullsim::model::run_recorded`]) and the spec (the input), never by re-reading the state
//! the model computed for the same purpose. Model counters (registry bytes, summary figures) are only
//! compared against what the shadow derives.
//!
//! Each case is named by its seed: `scenario_gen::generate(SEED)` is its scenario (`PULLSIM_GEN_SEED=SEED cargo
//! test --test integration print_generated_scenario -- --nocapture` prints it). A failing case is shrunk by
//! proptest and printed as YAML with the failing invariants; no failure file is written. Environment:
//! `PULLSIM_INVARIANTS_CASES=N` changes the number of cases (default [`CASES`]); `PULLSIM_INVARIANTS_SURVEY=1`
//! runs every case without shrinking and prints how many cases each invariant failed on (for checking that a
//! deliberate breakage of the model is caught, and by what).
//!
//! To add an invariant for a new feature: write `fn my_invariant(c: &Ctx) -> Result<(), String>` next to the
//! others (derive what it needs from `c.out.trace`, `c.layers` and `c.spec`; [`Facts`] has the common
//! per-pull and per-pod facts) and list it in [`INVARIANTS`].

use crate::scenario_gen::{self, GenScenario, Knobs};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, TestCaseError, TestError};
use pullsim::model::image_ref::{ImageRef, PullPolicy};
use pullsim::model::kubelet::credentials::pull_credentials;
use pullsim::model::spec::{
    Action, ClusterSpec, DaemonSetUpdate, DeploymentStrategy, PinDigests, PodManagementPolicy, PoolId,
    StatefulSetUpdate, VerificationPolicy, WorkloadKind, WorkloadStrategy,
};
use pullsim::model::trace::{LayerRecord, LayerStep, PodId, PullFailure, TraceEvent, TraceKind};
use pullsim::model::{self, RunOutput};
use pullsim::report::events::kind_name;
use pullsim::report::summary::{Summary, VariantSummary};
use pullsim::report::VariantRun;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Cases of the invariant test.
pub const CASES: u64 = 256;

/// Cases of the determinism test (each runs every variant five times).
pub const DETERMINISM_CASES: u64 = 24;

/// Seed of the first case; case `i` is `BASE_SEED + i`.
pub const BASE_SEED: u64 = 0x5eed_0000;

const S: u64 = 1_000_000;
/// The kubelet's image backoff: 10 s, doubling, at most 300 s, forgotten after more than 600 s idle.
const BACKOFF_INITIAL: u64 = 10 * S;
const BACKOFF_MAX: u64 = 300 * S;
const BACKOFF_EXPIRY: u64 = 600 * S;
/// A failed sync is due again after 10-15 s and runs on the next 1 s tick of its node's sync ticker.
const REQUEUE_MIN: u64 = 10 * S;
const REQUEUE_MAX_EXCLUSIVE: u64 = 16 * S;

type Check = fn(&Ctx<'_>) -> Result<(), String>;

/// Every invariant, by name, in the order they are checked.
pub const INVARIANTS: &[(&str, Check)] = &[
    ("time_never_goes_backwards", time_never_goes_backwards),
    ("timeline_is_applied_as_written", timeline_is_applied_as_written),
    ("nodes_join_and_leave_as_the_timeline_says", nodes_join_and_leave_as_the_timeline_says),
    ("registry_bytes_equal_node_bytes", registry_bytes_equal_node_bytes),
    ("no_layer_fetched_twice_or_while_present", no_layer_fetched_twice_or_while_present),
    ("links_never_exceed_their_capacity", links_never_exceed_their_capacity),
    ("puller_keeps_its_limit_and_fifo_order", puller_keeps_its_limit_and_fifo_order),
    ("one_pull_per_pod_at_a_time", one_pull_per_pod_at_a_time),
    ("backoff_doubles_from_10s_to_300s", backoff_doubles_from_10s_to_300s),
    ("no_pull_inside_an_open_backoff_window", no_pull_inside_an_open_backoff_window),
    ("every_pull_start_has_a_qps_token", every_pull_start_has_a_qps_token),
    ("pull_outcomes_follow_the_registries", pull_outcomes_follow_the_registries),
    ("containers_run_a_digest_their_reference_resolved_to", containers_run_a_digest_their_reference_resolved_to),
    ("image_presence_decides_pulls", image_presence_decides_pulls),
    ("pods_are_all_accounted_for", pods_are_all_accounted_for),
    ("failed_syncs_are_retried_after_10_to_16s", failed_syncs_are_retried_after_10_to_16s),
    ("scheduler_binds_to_the_least_loaded_node", scheduler_binds_to_the_least_loaded_node),
    ("workloads_follow_their_desired_state", workloads_follow_their_desired_state),
    ("controllers_keep_their_strategy", controllers_keep_their_strategy),
    (
        "private_images_run_without_credentials_only_when_present",
        private_images_run_without_credentials_only_when_present,
    ),
];

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

// ---------------------------------------------------------------------------------------------------------
// What every invariant sees
// ---------------------------------------------------------------------------------------------------------

/// One run of one variant, with the facts the invariants share.
pub struct Ctx<'a> {
    /// The input.
    pub spec: &'a ClusterSpec,
    /// The run.
    pub out: &'a RunOutput,
    /// Its layer record.
    pub layers: &'a [LayerRecord],
    /// Its summary.json figures.
    pub summary: VariantSummary,
    /// Derived facts.
    pub f: Facts,
}

/// How a pull ended, from the trace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum End {
    /// `pull_completed` with this image and byte count.
    Completed(u32, u64),
    /// `pull_failed`.
    Failed(PullFailure),
    /// `pull_cancelled`.
    Cancelled,
}

/// One pull, from the trace and the spec.
#[derive(Debug, Clone)]
pub struct PullFacts {
    /// Its pod.
    pub pod: u32,
    /// Its container in start order.
    pub container: u32,
    /// The image as written.
    pub image: String,
    /// Parsed.
    pub reference: Option<ImageRef>,
    /// The registry of its host, if the spec has one.
    pub registry: Option<usize>,
    /// The node of its pod when it was queued.
    pub node: Option<usize>,
    /// `pull_queued` time.
    pub queued: Option<u64>,
    /// `pull_started` time.
    pub started: Option<u64>,
    /// End time and how.
    pub end: Option<(u64, End)>,
    /// When its manifest answer is due (started + latency), if it got past the throttle and has a registry.
    pub tau: Option<u64>,
    /// What its reference resolves to at `tau` from the spec's tags and pushes.
    pub resolved: Option<u32>,
    /// At a private registry: how it is refused at `tau` when no credential it carries is accepted.
    pub denied: Option<PullFailure>,
    /// At a private registry: the credentials refused before the try answered at `tau`.
    pub refused: u32,
}

/// Facts shared by the invariants, derived from the trace and the spec.
pub struct Facts {
    /// Pool of each node, by node id (nodes_join_and_leave_as_the_timeline_says checks them against the spec).
    pub node_pool: Vec<usize>,
    /// Trace index of each node's `node_added` (0 for the nodes the run starts with).
    pub node_added: Vec<usize>,
    /// Trace index of each node's `node_removed`, if it left.
    pub node_removed: Vec<Option<usize>>,
    /// Node of each pod (`pod_scheduled`).
    pub pod_node: Vec<Option<usize>>,
    /// Every pull.
    pub pulls: Vec<PullFacts>,
    /// (registry, repository, tag) -> (time, image) from the spec's tags (time 0) and pushes, in order.
    pub tags: BTreeMap<(usize, String, String), Vec<(u64, u32)>>,
    /// (registry, repository) -> (time, image) of every manifest addressable by digest there.
    pub manifests: BTreeMap<(usize, String), Vec<(u64, u32)>>,
    /// Per registry: outage windows `[from, to)`.
    pub outages: Vec<Vec<(u64, u64)>>,
    /// End of the run.
    pub end: u64,
}

impl Facts {
    fn new(spec: &ClusterSpec, out: &RunOutput) -> Facts {
        let node_pool: Vec<usize> = out.world.nodes.iter().map(|n| n.pool.0 as usize).collect();
        let mut node_added = vec![0; node_pool.len()];
        let mut node_removed = vec![None; node_pool.len()];
        for (i, e) in out.trace.iter().enumerate() {
            match e.kind {
                TraceKind::NodeAdded { node } => node_added[node.0 as usize] = i,
                TraceKind::NodeRemoved { node } => node_removed[node.0 as usize] = Some(i),
                _ => {}
            }
        }
        let mut tags: BTreeMap<(usize, String, String), Vec<(u64, u32)>> = BTreeMap::new();
        let mut manifests: BTreeMap<(usize, String), Vec<(u64, u32)>> = BTreeMap::new();
        for (r, reg) in spec.registries.iter().enumerate() {
            for (repo, rs) in &reg.repositories {
                manifests.entry((r, repo.clone())).or_default();
                for (tag, image) in &rs.tags {
                    tags.entry((r, repo.clone(), tag.clone())).or_default().push((0, image.0));
                    manifests.entry((r, repo.clone())).or_default().push((0, image.0));
                }
            }
        }
        let mut outages = vec![Vec::new(); spec.registries.len()];
        for e in &spec.timeline {
            let at = e.at.as_micros();
            match &e.action {
                Action::PushTag { registry, repository, tag, image } => {
                    let r = registry.0 as usize;
                    tags.entry((r, repository.clone(), tag.clone())).or_default().push((at, image.0));
                    manifests.entry((r, repository.clone())).or_default().push((at, image.0));
                }
                Action::RegistryOutage { registry, duration } => {
                    outages[registry.0 as usize].push((at, at + duration.as_micros()));
                }
                _ => {}
            }
        }
        let w = &out.world;
        let mut pulls: Vec<PullFacts> = w
            .pulls
            .iter()
            .map(|p| {
                let image = w.template(p.pod).container(p.container as usize).image.clone();
                let reference = ImageRef::parse(&image).ok();
                let registry =
                    reference.as_ref().and_then(|r| spec.registries.iter().position(|x| x.host == r.registry));
                PullFacts {
                    pod: p.pod.0,
                    container: p.container,
                    image,
                    reference,
                    registry,
                    node: None,
                    queued: None,
                    started: None,
                    end: None,
                    tau: None,
                    resolved: None,
                    denied: None,
                    refused: 0,
                }
            })
            .collect();
        let mut pod_node = vec![None; w.pods.len()];
        for e in &out.trace {
            let t = e.t.as_micros();
            match &e.kind {
                TraceKind::PodScheduled { pod, node } => pod_node[pod.0 as usize] = Some(node.0 as usize),
                TraceKind::PullQueued { pull } => {
                    let p = &mut pulls[pull.0 as usize];
                    p.queued = Some(t);
                    p.node = pod_node[p.pod as usize];
                }
                TraceKind::PullStarted { pull } => pulls[pull.0 as usize].started = Some(t),
                TraceKind::PullCompleted { pull, image, bytes, .. } => {
                    pulls[pull.0 as usize].end.get_or_insert((t, End::Completed(image.0, *bytes)));
                }
                TraceKind::PullFailed { pull, failure } => {
                    pulls[pull.0 as usize].end.get_or_insert((t, End::Failed(*failure)));
                }
                TraceKind::PullCancelled { pull } => {
                    pulls[pull.0 as usize].end.get_or_insert((t, End::Cancelled));
                }
                _ => {}
            }
        }
        let mut f = Facts {
            node_pool,
            node_added,
            node_removed,
            pod_node,
            pulls: Vec::new(),
            tags,
            manifests,
            outages,
            end: out.end.as_micros(),
        };
        for p in &mut pulls {
            let rejected_at_start = matches!(p.end, Some((t, e)) if Some(t) == p.started
                && matches!(e, End::Failed(PullFailure::QpsExceeded) | End::Cancelled));
            if let (Some(s), Some(r), Some(reference), false) = (p.started, p.registry, &p.reference, rejected_at_start)
            {
                let latency = spec.registries[r].latency.as_micros();
                let mut tau = s + latency;
                // A private registry: one manifest request per credential the kubelet finds, in order, until
                // one is accepted (or an outage answers first); with none accepted the last try is refused.
                if let (Some(auth), Some(node)) = (&spec.registries[r].auth, p.node) {
                    let pod = &out.world.pods[p.pod as usize];
                    let pool = out.world.nodes[node].pool;
                    let template = out.world.template(PodId(p.pod));
                    let creds = pull_credentials(spec, &pod.namespace, template, pool, &reference.name()).credentials;
                    let mut j = 0;
                    while !f.down(r, tau)
                        && !creds.get(j).is_some_and(|c| auth.accepts(&c.username, &reference.repository))
                    {
                        if j + 1 < creds.len() {
                            j += 1;
                            tau += latency;
                        } else {
                            p.denied = Some(if creds.is_empty() {
                                PullFailure::AccessDenied
                            } else {
                                PullFailure::Unauthorized
                            });
                            break;
                        }
                    }
                    p.refused = j as u32;
                }
                p.tau = Some(tau);
                p.resolved = if p.denied.is_some() { None } else { f.resolve(spec, r, reference, tau) };
            }
        }
        f.pulls = pulls;
        f
    }

    /// What `reference` resolves to on registry `r` at `t` (pushes at `t` included: timeline events are
    /// queued before any answer of the same instant).
    fn resolve(&self, spec: &ClusterSpec, r: usize, reference: &ImageRef, t: u64) -> Option<u32> {
        match &reference.digest {
            Some(d) => {
                let image = spec.images.iter().position(|i| i.digest == *d)? as u32;
                let pushed = self.manifests.get(&(r, reference.repository.clone()))?;
                pushed.iter().any(|(at, i)| *at <= t && *i == image).then_some(image)
            }
            None => {
                let tag = reference.effective_tag().unwrap_or("latest").to_string();
                let history = self.tags.get(&(r, reference.repository.clone(), tag))?;
                history.iter().rev().find(|(at, _)| *at <= t).map(|(_, i)| *i)
            }
        }
    }

    /// Whether `reference` resolved to `image` at some instant up to `t`.
    fn ever_resolved_to(&self, spec: &ClusterSpec, r: usize, reference: &ImageRef, image: u32, t: u64) -> bool {
        match &reference.digest {
            Some(d) => {
                spec.images[image as usize].digest == *d
                    && self
                        .manifests
                        .get(&(r, reference.repository.clone()))
                        .is_some_and(|m| m.iter().any(|(at, i)| *at <= t && *i == image))
            }
            None => {
                let tag = reference.effective_tag().unwrap_or("latest").to_string();
                self.tags
                    .get(&(r, reference.repository.clone(), tag))
                    .is_some_and(|h| h.iter().any(|(at, i)| *at <= t && *i == image))
            }
        }
    }

    /// Whether registry `r` answers 503 at `t`.
    fn down(&self, r: usize, t: u64) -> bool {
        self.outages[r].iter().any(|(from, to)| *from <= t && t < *to)
    }

    /// The pod a trace event concerns, if any.
    fn pod_of(&self, kind: &TraceKind) -> Option<u32> {
        match kind {
            TraceKind::PodCreated { pod }
            | TraceKind::PodScheduled { pod, .. }
            | TraceKind::PodDeleted { pod }
            | TraceKind::PodRunning { pod }
            | TraceKind::Backoff { pod, .. }
            | TraceKind::ImagePresent { pod, .. }
            | TraceKind::ImageNeverPull { pod, .. }
            | TraceKind::InvalidImageName { pod, .. }
            | TraceKind::ContainerStarted { pod, .. }
            | TraceKind::ContainerExited { pod, .. }
            | TraceKind::PullSecretsMissing { pod } => Some(pod.0),
            TraceKind::PullQueued { pull }
            | TraceKind::CredentialRefused { pull, .. }
            | TraceKind::PullStarted { pull }
            | TraceKind::PullCompleted { pull, .. }
            | TraceKind::PullFailed { pull, .. }
            | TraceKind::PullCancelled { pull } => Some(self.pulls[pull.0 as usize].pod),
            _ => None,
        }
    }
}

impl<'a> Ctx<'a> {
    /// The context of one run.
    pub fn new(name: &str, spec: &'a ClusterSpec, out: &'a RunOutput, layers: &'a [LayerRecord]) -> Ctx<'a> {
        let summary = VariantSummary::of(&VariantRun { name, seed: spec.seed, output: out });
        Ctx { spec, out, layers, summary, f: Facts::new(spec, out) }
    }

    fn pod(&self, pod: u32) -> String {
        self.out.world.pod_key(PodId(pod))
    }

    /// The live nodes a DaemonSet `w` selects just before trace index `i`.
    fn daemon_nodes(&self, w: usize, i: usize) -> Vec<usize> {
        let WorkloadStrategy::DaemonSet { pools, .. } = &self.spec.workloads[w].strategy else {
            return Vec::new();
        };
        (0..self.f.node_pool.len())
            .filter(|&n| {
                self.f.node_added[n] < i.max(1)
                    && self.f.node_removed[n].is_none_or(|r| r >= i)
                    && (pools.is_empty() || pools.iter().any(|p| p.0 as usize == self.f.node_pool[n]))
            })
            .collect()
    }

    /// How many pods above `desired` workload `w` may run during a rollout: a Deployment's maxSurge; a
    /// DaemonSet's maxSurge per node (at most one extra pod each); none for the others.
    fn surge(&self, w: usize, desired: u32) -> u32 {
        match self.spec.workloads[w].strategy {
            WorkloadStrategy::Deployment(DeploymentStrategy::RollingUpdate { max_surge, max_unavailable }) => {
                pullsim::model::control::deployment::fenceposts(max_surge, max_unavailable, desired).0
            }
            WorkloadStrategy::DaemonSet { update: DaemonSetUpdate::RollingUpdate { max_surge, .. }, .. } => {
                max_surge.scaled(desired, true).min(desired)
            }
            _ => 0,
        }
    }

    fn node(&self, node: usize) -> String {
        self.out.world.nodes.get(node).map_or_else(|| format!("node#{node}"), |n| n.name.clone())
    }

    fn layer(&self, layer: u32) -> &str {
        &self.spec.layers[layer as usize].name
    }

    fn image(&self, image: u32) -> &str {
        &self.spec.images[image as usize].name
    }

    fn pull(&self, pull: u32) -> String {
        let p = &self.f.pulls[pull as usize];
        format!("pull {pull} ({} container {} image {:?})", self.pod(p.pod), p.container, p.image)
    }

    /// The (name, image, policy) of each container of a pod, in start order.
    fn containers(&self, pod: u32) -> Vec<(String, String, PullPolicy)> {
        self.out
            .world
            .template(PodId(pod))
            .in_start_order()
            .map(|c| (c.name.clone(), c.image.clone(), c.pull_policy))
            .collect()
    }

    fn kubelet(&self, node: usize) -> pullsim::model::spec::KubeletConfig {
        self.spec.node_pools[self.f.node_pool[node]].kubelet
    }
}

/// Seconds, for messages.
fn secs(us: u64) -> String {
    format!("{}.{:06}s", us / S, us % S)
}

/// The trace grouped by instant: (start, end) index ranges of records sharing a time.
fn instants(trace: &[TraceEvent]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < trace.len() {
        let mut j = i + 1;
        while j < trace.len() && trace[j].t == trace[i].t {
            j += 1;
        }
        out.push((i, j));
        i = j;
    }
    out
}

// ---------------------------------------------------------------------------------------------------------
// The invariants
// ---------------------------------------------------------------------------------------------------------

/// Simulated time never goes backwards (trace and layer record), nothing happens after the end, and a run
/// that was not cut short ends at its duration.
fn time_never_goes_backwards(c: &Ctx<'_>) -> Result<(), String> {
    let mut last = 0;
    for (i, e) in c.out.trace.iter().enumerate() {
        let t = e.t.as_micros();
        ensure!(
            t >= last,
            "trace record {i} ({}) at {} comes after one at {}",
            kind_name(&e.kind),
            secs(t),
            secs(last)
        );
        last = t;
    }
    ensure!(last <= c.f.end, "the trace goes on to {} after the run's end at {}", secs(last), secs(c.f.end));
    let mut last = 0;
    for (i, r) in c.layers.iter().enumerate() {
        let t = r.t.as_micros();
        ensure!(t >= last, "layer record {i} ({:?}) at {} comes after one at {}", r.step, secs(t), secs(last));
        ensure!(t <= c.f.end, "layer record {i} at {} is after the run's end", secs(t));
        last = t;
    }
    ensure!(!c.out.truncated, "a small generated scenario reached the trace limit");
    ensure!(c.f.end == c.spec.duration.as_micros(), "the run ended at {}, not at its duration", secs(c.f.end));
    Ok(())
}

/// Every timeline entry happens at its time, in file order for ties, with its effect as written: pushes,
/// scales, image updates and pull policy changes (an unchanged one does nothing), outages whose end merges
/// with an earlier one still running. Nodes have their own invariant.
fn timeline_is_applied_as_written(c: &Ctx<'_>) -> Result<(), String> {
    // With pinned templates an update is a change only when the pinned image differs.
    let mut pins = Pins::new(c);
    let pin_templates = c.spec.admission.pin_digests == Some(PinDigests::Template);
    let stored =
        |pins: &Pins<'_>, image: &str, at: u64| if pin_templates { pins.pin(image, at) } else { image.to_string() };
    let mut images: Vec<Vec<(String, String)>> = c
        .spec
        .workloads
        .iter()
        .map(|w| w.template.in_start_order().map(|x| (x.name.clone(), stored(&pins, &x.image, 0))).collect())
        .collect();
    let mut policies: Vec<Vec<(String, PullPolicy)>> = c
        .spec
        .workloads
        .iter()
        .map(|w| w.template.in_start_order().map(|x| (x.name.clone(), x.pull_policy)).collect())
        .collect();
    let mut down_until = vec![0u64; c.spec.registries.len()];
    let mut expected: Vec<(u64, String)> = Vec::new();
    for e in &c.spec.timeline {
        let at = e.at.as_micros();
        pins.apply(&e.action, at);
        match &e.action {
            Action::PushTag { registry, repository, tag, image } => {
                expected.push((at, format!("tag_pushed {} {repository}:{tag} -> {}", registry.0, image.0)))
            }
            Action::Scale { workload, replicas } => expected.push((at, format!("scaled {} {replicas}", workload.0))),
            Action::SetImage { workload, container, image } => {
                // Admission pins the whole new template, so a container left unpinned earlier may be pinned now.
                let cur = &mut images[workload.0 as usize];
                let next: Vec<(String, String)> = cur
                    .iter()
                    .map(|(n, i)| (n.clone(), stored(&pins, if n == container { image } else { i }, at)))
                    .collect();
                if *cur != next {
                    *cur = next;
                    expected.push((at, format!("image_updated {} {container} {image}", workload.0)));
                }
            }
            Action::SetImagePullPolicy { workload, container, policy } => {
                let cur = &mut policies[workload.0 as usize];
                if let Some(x) = cur.iter_mut().find(|(n, _)| n == container) {
                    if x.1 != *policy {
                        x.1 = *policy;
                        expected
                            .push((at, format!("pull_policy_updated {} {container} {}", workload.0, policy.as_str())));
                    }
                }
            }
            // Checked by nodes_join_and_leave_as_the_timeline_says.
            Action::AddNodes { .. } | Action::RemoveNodes { .. } | Action::ReplaceNodes { .. } => {}
            Action::RegistryOutage { registry, duration } => {
                let d = &mut down_until[registry.0 as usize];
                *d = (*d).max(at + duration.as_micros());
                expected.push((at, format!("registry_outage {} until {}", registry.0, *d)));
            }
        }
    }
    let actual: Vec<(u64, String)> = c
        .out
        .trace
        .iter()
        .filter_map(|e| {
            let s = match &e.kind {
                TraceKind::TagPushed { registry, repository, tag, image } => {
                    format!("tag_pushed {} {repository}:{tag} -> {}", registry.0, image.0)
                }
                TraceKind::Scaled { workload, replicas } => format!("scaled {} {replicas}", workload.0),
                TraceKind::ImageUpdated { workload, container, image } => {
                    format!("image_updated {} {container} {image}", workload.0)
                }
                TraceKind::PullPolicyUpdated { workload, container, policy } => {
                    format!("pull_policy_updated {} {container} {}", workload.0, policy.as_str())
                }
                TraceKind::RegistryDown { registry, until } => {
                    format!("registry_outage {} until {}", registry.0, until.as_micros())
                }
                _ => return None,
            };
            Some((e.t.as_micros(), s))
        })
        .collect();
    for (i, (want, got)) in expected.iter().zip(&actual).enumerate() {
        ensure!(
            want == got,
            "timeline effect {i}: expected {:?} at {}, the trace has {:?} at {}",
            want.1,
            secs(want.0),
            got.1,
            secs(got.0)
        );
    }
    ensure!(
        expected.len() == actual.len(),
        "the timeline should have {} effects, the trace has {}",
        expected.len(),
        actual.len()
    );
    Ok(())
}

/// Nodes: the run starts with each pool's `count` nodes, pool by pool; node ids are handed out in order; at
/// each instant a pool gains the nodes its `addNodes` name plus one for each node a replacement removed there;
/// `removeNodes` takes the newest live nodes of its pool when it runs; every other removal is of a node a
/// replacement cordoned, once no pod but DaemonSet pods is left on it; `replaceNodes` cordons only nodes among
/// the oldest `count` live, uncordoned nodes of its pool at its time, at most `maxUnavailable` (summed over the
/// pool's replacements) cordoned and not yet removed at once.
fn nodes_join_and_leave_as_the_timeline_says(c: &Ctx<'_>) -> Result<(), String> {
    let pools = c.spec.node_pools.len();
    let total = c.f.node_pool.len();
    let mut known = 0;
    for (p, pool) in c.spec.node_pools.iter().enumerate() {
        for _ in 0..pool.count {
            ensure!(
                c.f.node_pool.get(known) == Some(&p),
                "node {known} should be one of pool {p}'s first nodes, it is of pool {:?}",
                c.f.node_pool.get(known)
            );
            known += 1;
        }
    }
    let (mut cordoned, mut removed) = (vec![false; total], vec![false; total]);
    // Live pods other than DaemonSet pods on each node.
    let mut on_node: Vec<BTreeSet<u32>> = vec![BTreeSet::new(); total];
    let mut candidates: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); pools];
    let mut budget = vec![0u32; pools];
    let is_daemon =
        |pod: u32| c.spec.workloads[c.out.world.pods[pod as usize].workload.0 as usize].kind == WorkloadKind::DaemonSet;
    let timeline: Vec<(u64, &Action)> = c.spec.timeline.iter().map(|e| (e.at.as_micros(), &e.action)).collect();
    let mut next = 0;
    let trace = &c.out.trace;
    let mut bounds = instants(trace);
    bounds.push((trace.len(), trace.len()));
    let live_in = |pool: usize, known: usize, removed: &[bool]| -> Vec<usize> {
        (0..known).filter(|&n| c.f.node_pool[n] == pool && !removed[n]).collect()
    };
    for (a, b) in bounds {
        let t = trace.get(a).map_or(u64::MAX, |e| e.t.as_micros());
        // The timeline's node actions up to this instant; those before it had nothing to do. Within an instant
        // they may run after other events of the same time, so removals are matched as they come.
        let mut pending = vec![0u32; pools];
        let mut want_added = vec![0u32; pools];
        while next < timeline.len() && timeline[next].0 <= t {
            let (at, action) = timeline[next];
            next += 1;
            match action {
                Action::AddNodes { pool, count } => {
                    ensure!(*count == 0 || at == t, "addNodes at {} added no node then", secs(at));
                    want_added[pool.0 as usize] += count;
                }
                Action::RemoveNodes { pool, count } => {
                    let live = live_in(pool.0 as usize, known, &removed).len();
                    ensure!(live == 0 || *count == 0 || at == t, "removeNodes at {} removed no node then", secs(at));
                    if at == t {
                        pending[pool.0 as usize] += count;
                    }
                }
                Action::ReplaceNodes { pool, count, max_unavailable } => {
                    let p = pool.0 as usize;
                    let live = live_in(p, known, &removed);
                    candidates[p].extend(live.into_iter().filter(|&n| !cordoned[n]).take(*count as usize));
                    budget[p] += (*max_unavailable).max(1);
                    // Nodes added at this instant before the replacement ran may be among its oldest.
                    candidates[p].extend(known..total);
                }
                _ => {}
            }
        }
        let (mut added, mut replaced, mut either) = (vec![0u32; pools], vec![0u32; pools], vec![0u32; pools]);
        // The nodes that existed when a removeNodes took its first node: it picked its victims among them.
        let mut frozen: Vec<Option<usize>> = vec![None; pools];
        for e in &trace[a..b] {
            match &e.kind {
                TraceKind::NodeAdded { node } => {
                    let n = node.0 as usize;
                    ensure!(n == known && n < total, "node {n} added at {} when the next node id is {known}", secs(t));
                    known += 1;
                    added[c.f.node_pool[n]] += 1;
                }
                TraceKind::NodeCordoned { node } => {
                    let n = node.0 as usize;
                    let p = c.f.node_pool[n];
                    ensure!(
                        n < known && !removed[n] && !cordoned[n],
                        "{} cordoned at {} (known {}, removed {}, cordoned {})",
                        c.node(n),
                        secs(t),
                        n < known,
                        removed[n],
                        cordoned[n]
                    );
                    ensure!(
                        candidates[p].contains(&n),
                        "{} cordoned at {} but no replaceNodes of its pool took it (candidates {:?})",
                        c.node(n),
                        secs(t),
                        candidates[p]
                    );
                    cordoned[n] = true;
                    let draining = (0..known).filter(|&m| c.f.node_pool[m] == p && cordoned[m] && !removed[m]).count();
                    ensure!(
                        draining as u32 <= budget[p],
                        "at {} pool {p} has {draining} cordoned nodes, its replacements allow {}",
                        secs(t),
                        budget[p]
                    );
                }
                TraceKind::NodeRemoved { node } => {
                    let n = node.0 as usize;
                    ensure!(n < known && !removed[n], "{} removed at {} but it is not live", c.node(n), secs(t));
                    let p = c.f.node_pool[n];
                    let among = frozen[p].unwrap_or(known);
                    let live = live_in(p, among, &removed);
                    let newest = live.iter().rev().take(pending[p] as usize).any(|&m| m == n);
                    removed[n] = true;
                    let drained = on_node[n].is_empty();
                    if newest {
                        frozen[p] = Some(among);
                        pending[p] -= 1;
                        either[p] += (cordoned[n] && drained) as u32;
                    } else {
                        ensure!(
                            cordoned[n],
                            "{} removed at {}: not the newest node of its pool for a removeNodes, and no replacement cordoned it",
                            c.node(n),
                            secs(t)
                        );
                        ensure!(
                            drained,
                            "{} removed at {} by its replacement with pods {:?} still on it",
                            c.node(n),
                            secs(t),
                            on_node[n].iter().map(|p| c.pod(*p)).collect::<Vec<_>>()
                        );
                        replaced[p] += 1;
                    }
                }
                TraceKind::PodScheduled { pod, node } if !is_daemon(pod.0) => {
                    on_node[node.0 as usize].insert(pod.0);
                }
                TraceKind::PodDeleted { pod } => {
                    if let Some(n) = c.f.pod_node[pod.0 as usize] {
                        on_node[n].remove(&pod.0);
                    }
                }
                _ => {}
            }
        }
        for p in 0..pools {
            ensure!(
                pending[p] == 0 || live_in(p, known, &removed).is_empty(),
                "removeNodes at {} left {} of pool {p}'s nodes it should have removed",
                secs(t),
                pending[p]
            );
            // A cordoned, drained newest node removed while a removeNodes waits may be either's.
            ensure!(
                (want_added[p] + replaced[p]..=want_added[p] + replaced[p] + either[p]).contains(&added[p]),
                "at {} pool {p} gained {} nodes; addNodes names {} and replacements removed {} (+{} either way)",
                secs(t),
                added[p],
                want_added[p],
                replaced[p],
                either[p]
            );
        }
    }
    ensure!(known == total, "the run has {total} nodes, the trace added {known}");
    Ok(())
}

/// Bytes sent by registries equal bytes received by nodes: each transfer moves exactly its layer's size; each
/// registry's byte counter (and summary.json) is the sum of its transfers; each pull's fetched bytes (and a
/// completed pull's `bytes`) the sum of the transfers it owned; the totals agree.
fn registry_bytes_equal_node_bytes(c: &Ctx<'_>) -> Result<(), String> {
    let mut by_registry = vec![0u64; c.spec.registries.len()];
    let mut by_pull = vec![0u64; c.f.pulls.len()];
    let mut by_node = vec![0u64; c.f.node_pool.len()];
    for r in c.layers {
        if let LayerStep::TransferDone { bytes } = r.step {
            let size = c.spec.layers[r.layer.0 as usize].size_bytes;
            ensure!(
                bytes == size,
                "a transfer of layer {} moved {bytes} bytes; the layer has {size}",
                c.layer(r.layer.0)
            );
            let p = &c.f.pulls[r.pull.0 as usize];
            let reg = p.registry.ok_or_else(|| format!("{} moved a layer without a registry", c.pull(r.pull.0)))?;
            let node = p.node.ok_or_else(|| format!("{} moved a layer without a node", c.pull(r.pull.0)))?;
            by_registry[reg] += bytes;
            by_pull[r.pull.0 as usize] += bytes;
            by_node[node] += bytes;
        }
    }
    for (i, reg) in c.out.world.registries.iter().enumerate() {
        ensure!(
            reg.stats.bytes == by_registry[i],
            "registry {} counts {} bytes served; its transfers moved {}",
            reg.host,
            reg.stats.bytes,
            by_registry[i]
        );
        let reported = c.summary.registries.get(&reg.host).map(|s| s.bytes);
        ensure!(reported == Some(by_registry[i]), "summary.json says {} served {reported:?} bytes", reg.host);
    }
    for (i, p) in c.out.world.pulls.iter().enumerate() {
        ensure!(
            p.fetched_bytes == by_pull[i],
            "{} counts {} bytes fetched; its transfers moved {}",
            c.pull(i as u32),
            p.fetched_bytes,
            by_pull[i]
        );
        if let Some((_, End::Completed(_, bytes))) = c.f.pulls[i].end {
            ensure!(
                bytes == by_pull[i],
                "{} completed with {bytes} bytes; its transfers moved {}",
                c.pull(i as u32),
                by_pull[i]
            );
        }
    }
    let sent: u64 = c.out.world.registries.iter().map(|r| r.stats.bytes).sum();
    let received: u64 = by_node.iter().sum();
    ensure!(sent == received, "registries sent {sent} bytes, nodes received {received}");
    let completed: u64 =
        c.f.pulls.iter().filter_map(|p| if let Some((_, End::Completed(_, b))) = p.end { Some(b) } else { None }).sum();
    ensure!(c.summary.pulls.bytes == completed, "summary.json pulls.bytes {} != {completed}", c.summary.pulls.bytes);
    Ok(())
}

/// Per (node, layer): a blob is requested only when the node neither has it nor is fetching it; each step
/// follows the one before (request -> answer after the registry's latency -> transfer -> unpack, or a dropped
/// answer in an outage or after the pull ended); a pull never has more than `maxConcurrentDownloads` blob
/// requests out, never requests after it ended, and requests only layers of the manifest it resolved; no
/// transfer or unpack is faster than its links allow; a completed pull has every layer of its image present.
fn no_layer_fetched_twice_or_while_present(c: &Ctx<'_>) -> Result<(), String> {
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum St {
        Requested(u32, u64),
        Flowing(u32, u64),
        Unpacking(u32, u64),
    }
    let mut present: BTreeMap<(usize, u32), u64> = BTreeMap::new();
    for (n, pool) in c.f.node_pool.iter().enumerate() {
        for pre in &c.spec.node_pools[*pool].preloaded {
            for l in &c.spec.images[pre.image.0 as usize].layers {
                present.insert((n, l.0), 0);
            }
        }
    }
    let mut state: BTreeMap<(usize, u32), St> = BTreeMap::new();
    let mut inflight = vec![0u32; c.f.pulls.len()];
    let min_time = |bits: u64, caps: &[Option<u64>]| -> u64 {
        match caps.iter().flatten().min() {
            Some(cap) => (u128::from(bits) * u128::from(S)).div_ceil(u128::from(*cap)) as u64,
            None => 0,
        }
    };
    for r in c.layers {
        let (t, pull, layer) = (r.t.as_micros(), r.pull.0, r.layer.0);
        let p = &c.f.pulls[pull as usize];
        let node = p.node.ok_or_else(|| format!("{} has a layer step but no node", c.pull(pull)))?;
        let reg = p.registry.ok_or_else(|| format!("{} has a layer step but no registry", c.pull(pull)))?;
        let latency = c.spec.registries[reg].latency.as_micros();
        let key = (node, layer);
        let what = format!("layer {} on {} for {}", c.layer(layer), c.node(node), c.pull(pull));
        let pool = &c.spec.node_pools[c.f.node_pool[node]];
        let size = c.spec.layers[layer as usize].size_bytes;
        match r.step {
            LayerStep::Requested => {
                ensure!(!present.contains_key(&key), "{what}: requested at {} although the node has it", secs(t));
                ensure!(
                    !state.contains_key(&key),
                    "{what}: requested at {} while it is already being fetched ({:?})",
                    secs(t),
                    state[&key]
                );
                ensure!(
                    p.end.is_none_or(|(e, _)| e >= t),
                    "{what}: requested at {} after the pull ended at {}",
                    secs(t),
                    secs(p.end.map_or(0, |e| e.0))
                );
                let image =
                    p.resolved.ok_or_else(|| format!("{what}: requested though its reference resolved to nothing"))?;
                ensure!(
                    c.spec.images[image as usize].layers.iter().any(|l| l.0 == layer),
                    "{what}: not a layer of {}, the manifest its reference resolved to",
                    c.image(image)
                );
                inflight[pull as usize] += 1;
                ensure!(
                    inflight[pull as usize] <= pool.max_concurrent_downloads,
                    "{what}: {} blob requests out at once; maxConcurrentDownloads is {}",
                    inflight[pull as usize],
                    pool.max_concurrent_downloads
                );
                state.insert(key, St::Requested(pull, t));
            }
            LayerStep::Dropped | LayerStep::TransferStarted => {
                let Some(St::Requested(owner, at)) = state.get(&key).copied() else {
                    return Err(format!(
                        "{what}: {:?} at {} without a request ({:?})",
                        r.step,
                        secs(t),
                        state.get(&key)
                    ));
                };
                ensure!(owner == pull, "{what}: answered for pull {pull}, requested by pull {owner}");
                ensure!(
                    t == at + latency,
                    "{what}: answered at {}, requested at {} with latency {}",
                    secs(t),
                    secs(at),
                    secs(latency)
                );
                if r.step == LayerStep::Dropped {
                    ensure!(
                        c.f.down(reg, t) || p.end.is_some_and(|(e, _)| e <= t),
                        "{what}: answer dropped at {} though the registry is up and the pull goes on",
                        secs(t)
                    );
                    inflight[pull as usize] -= 1;
                    state.remove(&key);
                } else {
                    ensure!(!c.f.down(reg, t), "{what}: data flows at {} during an outage of its registry", secs(t));
                    ensure!(
                        p.end.is_none_or(|(e, _)| e >= t),
                        "{what}: data flows at {} for a pull that ended at {}",
                        secs(t),
                        secs(p.end.map_or(0, |e| e.0))
                    );
                    state.insert(key, St::Flowing(pull, t));
                }
            }
            LayerStep::TransferDone { .. } => {
                let Some(St::Flowing(owner, at)) = state.get(&key).copied() else {
                    return Err(format!(
                        "{what}: transfer done at {} without a transfer ({:?})",
                        secs(t),
                        state.get(&key)
                    ));
                };
                ensure!(owner == pull, "{what}: transfer of pull {owner} finished as pull {pull}'s");
                let caps = [c.spec.registries[reg].bandwidth_bps, pool.bandwidth_bps];
                let need = min_time(size * 8, &caps);
                ensure!(
                    t - at + 2 >= need,
                    "{what}: {size} bytes moved in {} but the links allow no less than {}",
                    secs(t - at),
                    secs(need)
                );
                inflight[pull as usize] -= 1;
                state.insert(key, St::Unpacking(pull, t));
            }
            LayerStep::Unpacked => {
                let Some(St::Unpacking(owner, at)) = state.get(&key).copied() else {
                    return Err(format!(
                        "{what}: unpacked at {} without having arrived ({:?})",
                        secs(t),
                        state.get(&key)
                    ));
                };
                ensure!(owner == pull, "{what}: unpack of pull {owner} finished as pull {pull}'s");
                let need = min_time(size * 8, &[pool.disk_write_bps]);
                ensure!(
                    t - at + 2 >= need,
                    "{what}: unpacked in {} but the disk allows no less than {}",
                    secs(t - at),
                    secs(need)
                );
                state.remove(&key);
                present.insert(key, t);
            }
        }
    }
    for (i, p) in c.f.pulls.iter().enumerate() {
        if let (Some((t, End::Completed(image, _))), Some(node)) = (p.end, p.node) {
            for l in &c.spec.images[image as usize].layers {
                let since = present.get(&(node, l.0)).copied();
                ensure!(
                    since.is_some_and(|s| s <= t),
                    "{} completed at {} but layer {} of {} is not on {} then (present since {:?})",
                    c.pull(i as u32),
                    secs(t),
                    c.layer(l.0),
                    c.image(image),
                    c.node(node),
                    since.map(secs)
                );
            }
        }
    }
    Ok(())
}

/// No link carries more than its capacity: for every window between a transfer's start and another's end,
/// the bits of the transfers wholly inside it fit the link's capacity over the window (registry egress and
/// node NIC for layer transfers, node disk for unpacks; 2 µs of slack per transfer for rounding).
fn links_never_exceed_their_capacity(c: &Ctx<'_>) -> Result<(), String> {
    /// A link's capacity and the (start, end, bits) of the transfers over it.
    type Link = (u64, Vec<(u64, u64, u64)>);
    let mut links: BTreeMap<String, Link> = BTreeMap::new();
    let mut started: BTreeMap<(u32, u32), u64> = BTreeMap::new();
    let mut arrived: BTreeMap<(u32, u32), u64> = BTreeMap::new();
    for r in c.layers {
        let key = (r.pull.0, r.layer.0);
        let p = &c.f.pulls[r.pull.0 as usize];
        let (Some(node), Some(reg)) = (p.node, p.registry) else { continue };
        let pool = &c.spec.node_pools[c.f.node_pool[node]];
        let bits = c.spec.layers[r.layer.0 as usize].size_bytes * 8;
        let t = r.t.as_micros();
        match r.step {
            LayerStep::TransferStarted => {
                started.insert(key, t);
            }
            LayerStep::TransferDone { .. } => {
                let Some(t0) = started.remove(&key) else { continue };
                arrived.insert(key, t);
                let host = &c.spec.registries[reg].host;
                if let Some(cap) = c.spec.registries[reg].bandwidth_bps {
                    links.entry(format!("egress of {host}")).or_insert((cap, Vec::new())).1.push((t0, t, bits));
                }
                if let Some(cap) = pool.bandwidth_bps {
                    links.entry(format!("NIC of {}", c.node(node))).or_insert((cap, Vec::new())).1.push((t0, t, bits));
                }
            }
            LayerStep::Unpacked => {
                let Some(t0) = arrived.remove(&key) else { continue };
                if let Some(cap) = pool.disk_write_bps {
                    links.entry(format!("disk of {}", c.node(node))).or_insert((cap, Vec::new())).1.push((t0, t, bits));
                }
            }
            _ => {}
        }
    }
    for (name, (cap, mut iv)) in links {
        iv.sort();
        for i in 0..iv.len() {
            if i > 0 && iv[i - 1].0 == iv[i].0 {
                continue;
            }
            let s = iv[i].0;
            let mut inside: Vec<(u64, u64)> = iv[i..].iter().map(|x| (x.1, x.2)).collect();
            inside.sort();
            let mut bits = 0u128;
            for (k, (e, b)) in inside.iter().enumerate() {
                bits += u128::from(*b);
                let window = u128::from(e - s) + 2 * (k as u128 + 1);
                let allowed = u128::from(cap) * window / u128::from(S) + bits / 1_000_000 + 64;
                ensure!(
                    bits <= allowed,
                    "{name} ({cap} bit/s) carried {bits} bits of {} transfers in [{}, {}]: more than it can",
                    k + 1,
                    secs(s),
                    secs(*e)
                );
            }
        }
    }
    Ok(())
}

/// The puller: pulls start in the order they were queued on their node, never more at once than the serial
/// (1) or parallel (`maxParallelImagePulls`, or unlimited) puller allows, only queued pulls start and only
/// started ones end, and at the end of every instant no node has a free slot while pulls wait.
fn puller_keeps_its_limit_and_fifo_order(c: &Ctx<'_>) -> Result<(), String> {
    let nodes = c.f.node_pool.len();
    let limit: Vec<Option<u32>> = (0..nodes)
        .map(|n| {
            let k = c.kubelet(n);
            if k.serialize_image_pulls {
                Some(1)
            } else {
                k.max_parallel_image_pulls
            }
        })
        .collect();
    let mut waiting: Vec<VecDeque<u32>> = vec![VecDeque::new(); nodes];
    let mut running = vec![0u32; nodes];
    let mut started = vec![false; c.f.pulls.len()];
    let trace = &c.out.trace;
    for (a, b) in instants(trace) {
        let mut touched = BTreeSet::new();
        for e in &trace[a..b] {
            let t = e.t.as_micros();
            let (pull, starts) = match &e.kind {
                TraceKind::PullQueued { pull } => {
                    let node = c.f.pulls[pull.0 as usize].node.ok_or("a pull was queued for a pod without a node")?;
                    waiting[node].push_back(pull.0);
                    touched.insert(node);
                    continue;
                }
                TraceKind::PullStarted { pull } => (pull.0, true),
                TraceKind::PullCompleted { pull, .. }
                | TraceKind::PullFailed { pull, .. }
                | TraceKind::PullCancelled { pull } => (pull.0, false),
                _ => continue,
            };
            let node = c.f.pulls[pull as usize].node.ok_or("a pull without a node")?;
            touched.insert(node);
            if starts {
                let front = waiting[node].pop_front();
                ensure!(
                    front == Some(pull),
                    "{} started at {} on {}, but the first pull waiting there is {:?} (FIFO)",
                    c.pull(pull),
                    secs(t),
                    c.node(node),
                    front
                );
                running[node] += 1;
                started[pull as usize] = true;
                ensure!(
                    limit[node].is_none_or(|l| running[node] <= l),
                    "{} pulls run at once on {} at {}; its puller allows {:?}",
                    running[node],
                    c.node(node),
                    secs(t),
                    limit[node]
                );
            } else {
                ensure!(started[pull as usize], "{} ended at {} without having started", c.pull(pull), secs(t));
                running[node] -= 1;
            }
        }
        for n in touched {
            ensure!(
                waiting[n].is_empty() || limit[n].is_some_and(|l| running[n] >= l),
                "at the end of {} {} has {} pulls running (limit {:?}) and {} waiting",
                secs(trace[a].t.as_micros()),
                c.node(n),
                running[n],
                limit[n],
                waiting[n].len()
            );
        }
    }
    Ok(())
}

/// A pod never has two pulls at once, and pulls are only queued for live, scheduled pods on their own node.
fn one_pull_per_pod_at_a_time(c: &Ctx<'_>) -> Result<(), String> {
    let mut outstanding: Vec<Option<u32>> = vec![None; c.f.pod_node.len()];
    let mut deleted = vec![false; c.f.pod_node.len()];
    let mut node_of: Vec<Option<usize>> = vec![None; c.f.pod_node.len()];
    for e in &c.out.trace {
        let t = e.t.as_micros();
        match &e.kind {
            TraceKind::PodScheduled { pod, node } => node_of[pod.0 as usize] = Some(node.0 as usize),
            TraceKind::PodDeleted { pod } => deleted[pod.0 as usize] = true,
            TraceKind::PullQueued { pull } => {
                let p = &c.f.pulls[pull.0 as usize];
                let pod = p.pod as usize;
                ensure!(!deleted[pod], "{} queued at {} for a deleted pod", c.pull(pull.0), secs(t));
                ensure!(node_of[pod].is_some(), "{} queued at {} for an unscheduled pod", c.pull(pull.0), secs(t));
                ensure!(
                    outstanding[pod].is_none(),
                    "{} queued at {} while pull {:?} of the same pod is not over",
                    c.pull(pull.0),
                    secs(t),
                    outstanding[pod]
                );
                outstanding[pod] = Some(pull.0);
            }
            TraceKind::PullCompleted { pull, .. }
            | TraceKind::PullFailed { pull, .. }
            | TraceKind::PullCancelled { pull } => {
                let pod = c.f.pulls[pull.0 as usize].pod as usize;
                ensure!(
                    outstanding[pod] == Some(pull.0),
                    "{} ended at {} but the pod's outstanding pull is {:?}",
                    c.pull(pull.0),
                    secs(t),
                    outstanding[pod]
                );
                outstanding[pod] = None;
            }
            _ => {}
        }
    }
    Ok(())
}

/// The image backoff of client-go's `flowcontrol.Backoff` as the kubelet builds it, replayed per (pod, image
/// as written): each failure of a live pod's pull opens a window of 10 s, then double the last one, at most
/// 300 s, back to 10 s after more than 600 s without a failure.
#[derive(Default)]
struct BackoffShadow {
    /// (pod, image) -> (window, last failure), with the history of windows for messages.
    entries: BTreeMap<(u32, String), (u64, u64, Vec<u64>)>,
}

impl BackoffShadow {
    /// Records a failure at `t`; returns the window.
    fn fail(&mut self, key: (u32, String), t: u64) -> u64 {
        let e = self.entries.entry(key).or_insert((0, 0, Vec::new()));
        let window = if e.0 == 0 || t - e.1 > BACKOFF_EXPIRY { BACKOFF_INITIAL } else { (e.0 * 2).min(BACKOFF_MAX) };
        *e = (window, t, std::mem::take(&mut e.2));
        e.2.push(window / S);
        window
    }

    /// The open window's end at `t`, if one is open.
    fn open_until(&self, key: &(u32, String), t: u64) -> Option<u64> {
        let (window, last, _) = self.entries.get(key)?;
        (*window > 0 && t - last <= BACKOFF_EXPIRY && t - last < *window).then_some(last + window)
    }

    fn history(&self, key: &(u32, String)) -> Vec<u64> {
        self.entries.get(key).map(|e| e.2.clone()).unwrap_or_default()
    }
}

/// Every failed pull of a live pod opens exactly one backoff window, reported at once, whose length follows
/// 10 s doubling to 300 s with the reset after more than 600 s idle; no window opens without a failure.
fn backoff_doubles_from_10s_to_300s(c: &Ctx<'_>) -> Result<(), String> {
    let mut shadow = BackoffShadow::default();
    let mut deleted = vec![false; c.f.pod_node.len()];
    let mut expect: BTreeMap<u32, (u64, u32, u64, (u32, String))> = BTreeMap::new();
    for e in &c.out.trace {
        let t = e.t.as_micros();
        if let Some(pod) = c.f.pod_of(&e.kind) {
            if let Some((at, ..)) = expect.get(&pod) {
                ensure!(*at == t, "{}: the window for its failed pull at {} was never reported", c.pod(pod), secs(*at));
            }
        }
        match &e.kind {
            TraceKind::PodDeleted { pod } => deleted[pod.0 as usize] = true,
            TraceKind::PullFailed { pull, .. } => {
                let p = &c.f.pulls[pull.0 as usize];
                if !deleted[p.pod as usize] {
                    let key = (p.pod, p.image.clone());
                    let window = shadow.fail(key.clone(), t);
                    ensure!(!expect.contains_key(&p.pod), "{}: two failures without a window", c.pod(p.pod));
                    expect.insert(p.pod, (t, p.container, t + window, key));
                }
            }
            TraceKind::Backoff { pod, container, until, refused: false } => {
                let Some((at, want_c, want_until, key)) = expect.remove(&pod.0) else {
                    return Err(format!(
                        "{} container {container}: a backoff window opened at {} without a failed pull",
                        c.pod(pod.0),
                        secs(t)
                    ));
                };
                ensure!(
                    *container == want_c,
                    "{}: window for container {container}, the failed pull was for {want_c}",
                    c.pod(pod.0)
                );
                ensure!(
                    until.as_micros() == want_until,
                    "{} image {:?}: failure at {} opened a window until {}, expected {} (windows so far in s: {:?}; 10 s doubling to 300 s, reset after 600 s idle)",
                    c.pod(pod.0),
                    key.1,
                    secs(at),
                    secs(until.as_micros()),
                    secs(want_until),
                    shadow.history(&key)
                );
            }
            _ => {}
        }
    }
    ensure!(
        expect.is_empty(),
        "failed pulls without a backoff window: {:?}",
        expect.keys().map(|p| c.pod(*p)).collect::<Vec<_>>()
    );
    Ok(())
}

/// No pull is queued for a (pod, image) whose backoff window is open, and every ImagePullBackOff refusal
/// happens inside an open window and names its end.
fn no_pull_inside_an_open_backoff_window(c: &Ctx<'_>) -> Result<(), String> {
    let mut shadow = BackoffShadow::default();
    let mut deleted = vec![false; c.f.pod_node.len()];
    for e in &c.out.trace {
        let t = e.t.as_micros();
        match &e.kind {
            TraceKind::PodDeleted { pod } => deleted[pod.0 as usize] = true,
            TraceKind::PullFailed { pull, .. } => {
                let p = &c.f.pulls[pull.0 as usize];
                if !deleted[p.pod as usize] {
                    shadow.fail((p.pod, p.image.clone()), t);
                }
            }
            TraceKind::PullQueued { pull } => {
                let p = &c.f.pulls[pull.0 as usize];
                let key = (p.pod, p.image.clone());
                if let Some(until) = shadow.open_until(&key, t) {
                    return Err(format!(
                        "{} queued at {} inside the backoff window open until {} (windows in s: {:?})",
                        c.pull(pull.0),
                        secs(t),
                        secs(until),
                        shadow.history(&key)
                    ));
                }
            }
            TraceKind::Backoff { pod, container, until, refused: true } => {
                let image = c.containers(pod.0)[*container as usize].1.clone();
                let key = (pod.0, image);
                let open = shadow.open_until(&key, t);
                ensure!(
                    open == Some(until.as_micros()),
                    "{} container {container}: ImagePullBackOff at {} until {}, but the window is {:?} (windows in s: {:?})",
                    c.pod(pod.0),
                    secs(t),
                    secs(until.as_micros()),
                    open.map(secs),
                    shadow.history(&key)
                );
            }
            _ => {}
        }
    }
    Ok(())
}

/// Replays each node's registryPullQPS/registryBurst limiter over its pull starts, as the generic cell rate
/// algorithm (a token bucket that starts full is GCRA with emission interval 1/qps and tolerance burst-1):
/// a pull that found a token must go on, one that did not must fail with "pull QPS exceeded" at once (or be
/// cancelled at that instant, which ends it before the refusal is answered), and with
/// registryPullQPS 0 nothing is throttled. A pull its puller starts after the node left takes no token and is
/// cancelled at once.
fn every_pull_start_has_a_qps_token(c: &Ctx<'_>) -> Result<(), String> {
    // Theoretical arrival time per node, in units of µs x qps.
    let mut tat: Vec<u128> = vec![0; c.f.node_pool.len()];
    for (i, e) in c.out.trace.iter().enumerate() {
        let TraceKind::PullStarted { pull } = e.kind else { continue };
        let t = e.t.as_micros();
        let p = &c.f.pulls[pull.0 as usize];
        let node = p.node.ok_or("a started pull without a node")?;
        if c.f.node_removed[node].is_some_and(|r| r < i) {
            ensure!(
                p.end == Some((t, End::Cancelled)),
                "{} started at {} on {}, which had left, and ended {:?}",
                c.pull(pull.0),
                secs(t),
                c.node(node),
                p.end
            );
            continue;
        }
        let k = c.kubelet(node);
        let throttled = p.end == Some((t, End::Failed(PullFailure::QpsExceeded)));
        if k.registry_pull_qps == 0 {
            ensure!(
                !throttled,
                "{} throttled at {} on {}, whose registryPullQPS is 0 (no limit)",
                c.pull(pull.0),
                secs(t),
                c.node(node)
            );
            continue;
        }
        let (qps, burst) = (u128::from(k.registry_pull_qps), u128::from(k.registry_burst));
        let now = u128::from(t) * qps;
        let token = burst > 0 && now + (burst - 1) * u128::from(S) >= tat[node];
        if token {
            tat[node] = tat[node].max(now) + u128::from(S);
        }
        // A pull refused a token may still be cancelled first, at the same instant (its pod deleted, its node
        // gone): the cancellation ends it before the refusal is answered.
        let cancelled_at_once = p.end == Some((t, End::Cancelled));
        ensure!(
            token != throttled || (!token && cancelled_at_once),
            "{} started at {} on {} (registryPullQPS {}, registryBurst {}): the bucket {} a token, yet the pull {}",
            c.pull(pull.0),
            secs(t),
            c.node(node),
            k.registry_pull_qps,
            k.registry_burst,
            if token { "had" } else { "had no" },
            if throttled { "failed with \"pull QPS exceeded\"" } else { "went on" }
        );
    }
    for (i, p) in c.f.pulls.iter().enumerate() {
        if let Some((t, End::Failed(PullFailure::QpsExceeded))) = p.end {
            ensure!(
                p.started == Some(t),
                "{} throttled at {} but started at {:?}",
                c.pull(i as u32),
                secs(t),
                p.started.map(secs)
            );
        }
    }
    Ok(())
}

/// How each started pull ends follows from the spec alone: an unknown host fails at once; otherwise the
/// manifest answer is due one latency after the start (at a private registry, one latency per credential
/// tried, until one is accepted; refused when none is: "access denied" without credentials, 401 with) and
/// fails with 503 during an outage, with "manifest unknown" when the reference resolves to nothing then, and else the pull can only complete with the
/// manifest it resolved to then, or fail with 503 on a blob answered during an outage, or be cancelled. A
/// completed pull reports its durations from its own start and queueing.
fn pull_outcomes_follow_the_registries(c: &Ctx<'_>) -> Result<(), String> {
    for (i, p) in c.f.pulls.iter().enumerate() {
        let name = || c.pull(i as u32);
        let Some(s) = p.started else {
            ensure!(p.end.is_none(), "{} ended without starting", name());
            continue;
        };
        if let Some((t, End::Completed(_, _))) = p.end {
            let duration = c.out.trace.iter().find_map(|e| match e.kind {
                TraceKind::PullCompleted { pull, duration, including_waiting, .. } if pull.0 == i as u32 => {
                    Some((duration.as_micros(), including_waiting.as_micros()))
                }
                _ => None,
            });
            let queued = p.queued.unwrap_or(s);
            ensure!(
                duration == Some((t - s, t - queued)),
                "{}: durations {:?}, expected {:?}",
                name(),
                duration,
                (t - s, t - queued)
            );
        }
        if matches!(p.end, Some((t, End::Failed(PullFailure::QpsExceeded) | End::Cancelled)) if t == s) {
            continue;
        }
        let Some(reg) = p.registry else {
            let unparsed = p.reference.is_none();
            ensure!(!unparsed, "{} started although its image does not parse", name());
            ensure!(
                p.end == Some((s, End::Failed(PullFailure::NoSuchHost))),
                "{}: its host has no registry, yet it ended {:?} (started at {})",
                name(),
                p.end,
                secs(s)
            );
            continue;
        };
        ensure!(
            !matches!(p.end, Some((_, End::Failed(PullFailure::NoSuchHost)))),
            "{}: \"no such host\" for a known host",
            name()
        );
        let tau = p.tau.ok_or_else(|| format!("{}: no manifest answer time", name()))?;
        match p.end {
            None => continue,
            Some((_, End::Cancelled)) => continue,
            Some((t, e)) => {
                ensure!(
                    t >= tau,
                    "{} ended {:?} at {}, before its manifest answer due at {}",
                    name(),
                    e,
                    secs(t),
                    secs(tau)
                )
            }
        }
        let (t, end) = p.end.expect("checked above");
        let refused = c
            .out
            .trace
            .iter()
            .filter(|e| matches!(e.kind, TraceKind::CredentialRefused { pull, .. } if pull.0 == i as u32))
            .count() as u32;
        ensure!(
            refused == p.refused,
            "{}: {refused} credential_refused events, but {} credentials are refused before its answer at {}",
            name(),
            p.refused,
            secs(tau)
        );
        if c.f.down(reg, tau) {
            ensure!(
                (t, end) == (tau, End::Failed(PullFailure::RegistryUnavailable)),
                "{}: its manifest answer at {} falls in an outage, yet it ended {end:?} at {}",
                name(),
                secs(tau),
                secs(t)
            );
            continue;
        }
        if let Some(refused) = p.denied {
            ensure!(
                (t, end) == (tau, End::Failed(refused)),
                "{}: no credential it carries is accepted, so its last try at {} is refused ({refused:?}), yet it ended {end:?} at {}",
                name(),
                secs(tau),
                secs(t)
            );
            continue;
        }
        match (p.resolved, end) {
            (None, _) => ensure!(
                (t, end) == (tau, End::Failed(PullFailure::ManifestUnknown)),
                "{}: nothing matches its reference at {}, yet it ended {end:?} at {}",
                name(),
                secs(tau),
                secs(t)
            ),
            (Some(want), End::Completed(got, _)) => ensure!(
                got == want,
                "{}: completed with {} but its reference resolved to {} at {}",
                name(),
                c.image(got),
                c.image(want),
                secs(tau)
            ),
            (Some(want), End::Failed(PullFailure::RegistryUnavailable)) => ensure!(
                t > tau && c.f.down(reg, t),
                "{}: failed with 503 at {} outside any outage (resolved {} at {})",
                name(),
                secs(t),
                c.image(want),
                secs(tau)
            ),
            (Some(want), e) => {
                return Err(format!(
                    "{}: resolved {} at {} yet ended {e:?} at {}",
                    name(),
                    c.image(want),
                    secs(tau),
                    secs(t)
                ))
            }
        }
    }
    Ok(())
}

/// Every container starts with the manifest the image manager just found (on the node or by a pull of that
/// container), and that manifest is one its reference resolved to at some instant up to then: one of the
/// tag's values (initial tags and pushes) or the digest itself, pushed to that repository.
fn containers_run_a_digest_their_reference_resolved_to(c: &Ctx<'_>) -> Result<(), String> {
    let mut ready: BTreeMap<(u32, u32), u32> = BTreeMap::new();
    for e in &c.out.trace {
        let t = e.t.as_micros();
        match &e.kind {
            TraceKind::ImagePresent { pod, container, image } => {
                ready.insert((pod.0, *container), image.0);
            }
            TraceKind::PullCompleted { pull, image, .. } => {
                let p = &c.f.pulls[pull.0 as usize];
                ready.insert((p.pod, p.container), image.0);
            }
            TraceKind::ContainerStarted { pod, container, image } => {
                let found = ready.remove(&(pod.0, *container));
                ensure!(
                    found == Some(image.0),
                    "{} container {container} started at {} with {}, but its image check or pull gave {:?}",
                    c.pod(pod.0),
                    secs(t),
                    c.image(image.0),
                    found.map(|i| c.image(i))
                );
                let written = c.containers(pod.0)[*container as usize].1.clone();
                let reference = ImageRef::parse(&written)
                    .map_err(|_| format!("{} started {written:?}, which does not parse", c.pod(pod.0)))?;
                let reg = c
                    .spec
                    .registries
                    .iter()
                    .position(|r| r.host == reference.registry)
                    .ok_or_else(|| format!("{} started {written:?}, whose host has no registry", c.pod(pod.0)))?;
                ensure!(
                    c.f.ever_resolved_to(c.spec, reg, &reference, image.0, t),
                    "{} container {container} runs {} ({}) for {written:?}, which never resolved to it up to {}",
                    c.pod(pod.0),
                    c.image(image.0),
                    c.spec.images[image.0 as usize].digest,
                    secs(t)
                );
            }
            _ => {}
        }
    }
    Ok(())
}

/// A shadow of each node's image store: preloaded images, then every completed pull, known by digest in its
/// repository and, for a reference without a digest, by `name:tag` (containerd's CRI stores a `tag@digest`
/// pull under its digest only, as a preloaded `tag@digest` is). Each container check must agree with it: an
/// invalid name is InvalidImageName; "already present" only for IfNotPresent/Never with the shadow's
/// manifest; ErrImageNeverPull only for Never without the image; a pull (or a backoff refusal) only for
/// Always or without the image, so an IfNotPresent container on a node that has its image makes no request.
fn image_presence_decides_pulls(c: &Ctx<'_>) -> Result<(), String> {
    #[derive(Default, Clone)]
    struct Store {
        tags: BTreeMap<String, u32>,
        digests: BTreeSet<(String, u32)>,
        // KubeletEnsureSecretPulledImages: images the kubelet pulled, and per (image, repository) who may use
        // it: None = everyone, else the (secret, username) pairs that pulled it.
        pulled: BTreeSet<u32>,
        records: BTreeMap<(u32, String), Users>,
    }
    // Who may use a recorded image: `None` = every pod, else the (secret, username) pairs that pulled it.
    type Users = Option<BTreeSet<(String, String)>>;
    let mut stores: Vec<Store> = c
        .f
        .node_pool
        .iter()
        .map(|p| {
            let mut s = Store::default();
            for pre in &c.spec.node_pools[*p].preloaded {
                let name = pre.reference.name();
                if pre.reference.digest.is_none() {
                    s.tags.insert(format!("{name}:{}", pre.reference.effective_tag().unwrap_or("latest")), pre.image.0);
                }
                s.digests.insert((name, pre.image.0));
            }
            s
        })
        .collect();
    let digest_image = |d: &str| c.spec.images.iter().position(|i| i.digest == d).map(|i| i as u32);
    let lookup = |s: &Store, r: &ImageRef| -> Option<u32> {
        match &r.digest {
            Some(d) => digest_image(d).filter(|i| s.digests.contains(&(r.name(), *i))),
            None => s.tags.get(&format!("{}:{}", r.name(), r.effective_tag().unwrap_or("latest"))).copied(),
        }
    };
    let mut node_of: Vec<Option<usize>> = vec![None; c.f.pod_node.len()];
    for e in &c.out.trace {
        let t = e.t.as_micros();
        let (pod, container, what) = match &e.kind {
            TraceKind::PodScheduled { pod, node } => {
                node_of[pod.0 as usize] = Some(node.0 as usize);
                continue;
            }
            TraceKind::PullCompleted { pull, image, .. } => {
                let p = &c.f.pulls[pull.0 as usize];
                let (Some(node), Some(r)) = (p.node, &p.reference) else { continue };
                let s = &mut stores[node];
                if r.digest.is_none() {
                    s.tags.insert(format!("{}:{}", r.name(), r.effective_tag().unwrap_or("latest")), image.0);
                }
                s.digests.insert((r.name(), image.0));
                let pool = c.f.node_pool[node];
                if c.spec.node_pools[pool].kubelet.ensure_secret_pulled_images {
                    let template = c.out.world.template(PodId(p.pod));
                    let ns = &c.out.world.pods[p.pod as usize].namespace;
                    let creds = pull_credentials(c.spec, ns, template, PoolId(pool as u32), &r.name()).credentials;
                    s.pulled.insert(image.0);
                    let entry = s.records.entry((image.0, r.name())).or_insert_with(|| Some(BTreeSet::new()));
                    match creds.get(p.refused as usize) {
                        Some(cr) if cr.source.starts_with("secret ") => {
                            if let Some(set) = entry {
                                set.insert((cr.source.clone(), cr.username.clone()));
                            }
                        }
                        _ => *entry = None,
                    }
                }
                continue;
            }
            TraceKind::InvalidImageName { pod, container } => (pod.0, *container, "invalid"),
            TraceKind::ImagePresent { pod, container, .. } => (pod.0, *container, "present"),
            TraceKind::ImageNeverPull { pod, container } => (pod.0, *container, "never"),
            TraceKind::Backoff { pod, container, refused: true, .. } => (pod.0, *container, "refused"),
            TraceKind::PullQueued { pull } => {
                let p = &c.f.pulls[pull.0 as usize];
                (p.pod, p.container, "pull")
            }
            _ => continue,
        };
        let (cname, image, policy) = c.containers(pod)[container as usize].clone();
        let at = || format!("{} container {cname} ({image:?}, {policy}) at {}", c.pod(pod), secs(t));
        let parsed = ImageRef::parse(&image);
        if what == "invalid" {
            ensure!(parsed.is_err(), "{}: InvalidImageName for a reference that parses", at());
            continue;
        }
        let r = parsed.map_err(|e| format!("{}: {what} for a reference that does not parse ({e})", at()))?;
        let node = node_of[pod as usize].ok_or_else(|| format!("{}: checked on no node", at()))?;
        let mut has = lookup(&stores[node], &r);
        // With KubeletEnsureSecretPulledImages, a present image the policy asks to verify counts as absent
        // unless a record lets this pod use it.
        let pool = c.f.node_pool[node];
        let k = c.spec.node_pools[pool].kubelet;
        if let (Some(i), true, false) = (has, k.ensure_secret_pulled_images, policy == PullPolicy::Always) {
            let s = &stores[node];
            let allow = &c.spec.node_pools[pool].verification_allowlist;
            let verify = match k.verification_policy {
                VerificationPolicy::NeverVerify => false,
                VerificationPolicy::NeverVerifyPreloadedImages => s.pulled.contains(&i),
                VerificationPolicy::NeverVerifyAllowlistedImages => !allow.iter().any(|a| match a.strip_suffix('*') {
                    Some(prefix) => image.starts_with(prefix),
                    None => *a == image,
                }),
                VerificationPolicy::AlwaysVerify => true,
            };
            let usable = !verify
                || match s.records.get(&(i, r.name())) {
                    None => false,
                    Some(None) => true,
                    Some(Some(set)) => {
                        let template = c.out.world.template(PodId(pod));
                        let ns = &c.out.world.pods[pod as usize].namespace;
                        pull_credentials(c.spec, ns, template, PoolId(pool as u32), &r.name())
                            .credentials
                            .iter()
                            .filter(|cr| cr.source.starts_with("secret "))
                            .any(|cr| set.iter().any(|(src, user)| *src == cr.source || *user == cr.username))
                    }
                };
            if !usable {
                has = None;
            }
        }
        match what {
            "present" => {
                let TraceKind::ImagePresent { image: got, .. } = e.kind else { unreachable!() };
                ensure!(policy != PullPolicy::Always, "{}: \"already present\" for an Always container", at());
                ensure!(
                    has == Some(got.0),
                    "{}: \"already present\" as {}, but {} has {:?} for it",
                    at(),
                    c.image(got.0),
                    c.node(node),
                    has.map(|i| c.image(i))
                );
            }
            "never" => ensure!(
                policy == PullPolicy::Never && has.is_none(),
                "{}: ErrImageNeverPull, but {} has {:?}",
                at(),
                c.node(node),
                has.map(|i| c.image(i))
            ),
            _ => ensure!(
                policy == PullPolicy::Always || (policy == PullPolicy::IfNotPresent && has.is_none()),
                "{}: {} although {} has {:?} for it",
                at(),
                if what == "pull" { "pulled (a registry request)" } else { "refused in backoff" },
                c.node(node),
                has.map(|i| c.image(i))
            ),
        }
    }
    Ok(())
}

/// Pods are all accounted for: each is created once and deleted at most once; each container starts at most
/// once, init containers in order before anything after them; a pod runs exactly when its last container
/// starts; at the end, created = deleted + running + not running, every workload has its desired replicas,
/// and summary.json's pod counts, running pods and running digests per workload (and the most distinct
/// digests at once) are what the trace shows.
fn pods_are_all_accounted_for(c: &Ctx<'_>) -> Result<(), String> {
    let n = c.f.pod_node.len();
    let (mut created, mut deleted, mut running) = (vec![false; n], vec![false; n], vec![false; n]);
    let mut started: BTreeMap<(u32, u32), u32> = BTreeMap::new();
    let mut due_running: BTreeMap<u32, u64> = BTreeMap::new();
    let mut by_digest: Vec<BTreeMap<String, BTreeMap<u32, u32>>> = vec![BTreeMap::new(); c.spec.workloads.len()];
    let mut max_distinct = vec![0u32; c.spec.workloads.len()];
    let workload = |pod: u32| c.out.world.pods[pod as usize].workload.0 as usize;
    for e in &c.out.trace {
        let t = e.t.as_micros();
        match &e.kind {
            TraceKind::PodCreated { pod } => {
                ensure!(!created[pod.0 as usize], "{} created twice", c.pod(pod.0));
                created[pod.0 as usize] = true;
            }
            TraceKind::PodDeleted { pod } => {
                let p = pod.0 as usize;
                ensure!(
                    created[p] && !deleted[p],
                    "{} deleted at {} (created {}, deleted {})",
                    c.pod(pod.0),
                    secs(t),
                    created[p],
                    deleted[p]
                );
                deleted[p] = true;
                let names = c.containers(pod.0);
                let init = c.out.world.template(*pod).init_containers.len();
                for ((_, i), image) in started.range((pod.0, 0)..=(pod.0, u32::MAX)) {
                    if *i as usize >= init {
                        let m = by_digest[workload(pod.0)].entry(names[*i as usize].0.clone()).or_default();
                        let k = m.get_mut(image).expect("counted when it started");
                        *k -= 1;
                        if *k == 0 {
                            m.remove(image);
                        }
                    }
                }
            }
            TraceKind::ContainerStarted { pod, container, image } => {
                let p = pod.0 as usize;
                ensure!(
                    created[p] && !deleted[p],
                    "{} container {container} started at {} on a pod not alive",
                    c.pod(pod.0),
                    secs(t)
                );
                ensure!(
                    started.insert((pod.0, *container), image.0).is_none(),
                    "{} container {container} started twice",
                    c.pod(pod.0)
                );
                let template = c.out.world.template(*pod);
                let init = template.init_containers.len();
                for j in 0..(*container as usize).min(init) {
                    ensure!(
                        started.contains_key(&(pod.0, j as u32)),
                        "{} container {container} started at {} before init container {j}",
                        c.pod(pod.0),
                        secs(t)
                    );
                }
                if *container as usize >= init {
                    let name = template.container(*container as usize).name.clone();
                    let w = workload(pod.0);
                    let m = by_digest[w].entry(name).or_default();
                    *m.entry(image.0).or_default() += 1;
                    max_distinct[w] = max_distinct[w].max(m.len() as u32);
                }
                if (0..template.len() as u32).all(|j| started.contains_key(&(pod.0, j))) {
                    due_running.insert(pod.0, t);
                }
            }
            TraceKind::PodRunning { pod } => {
                ensure!(!running[pod.0 as usize], "{} running twice", c.pod(pod.0));
                ensure!(
                    due_running.remove(&pod.0) == Some(t),
                    "{} reported running at {} but its last container did not start then",
                    c.pod(pod.0),
                    secs(t)
                );
                running[pod.0 as usize] = true;
            }
            _ => {}
        }
    }
    ensure!(due_running.is_empty(), "pods with every container started but never running: {:?}", due_running);
    let count = |v: &[bool]| v.iter().filter(|x| **x).count() as u64;
    let (c_n, d_n) = (count(&created), count(&deleted));
    let live: Vec<usize> = (0..n).filter(|p| created[*p] && !deleted[*p]).collect();
    let run_n = live.iter().filter(|p| running[**p]).count() as u64;
    let pods = &c.summary.pods;
    ensure!(c_n == n as u64, "{} pods exist but {c_n} were created", n);
    ensure!(
        (pods.created, pods.deleted, pods.running_at_end, pods.not_running_at_end)
            == (c_n, d_n, run_n, live.len() as u64 - run_n),
        "summary.json pods {pods:?}; the trace gives created {c_n} = deleted {d_n} + running {run_n} + not running {}",
        live.len() as u64 - run_n
    );
    for (w, spec) in c.spec.workloads.iter().enumerate() {
        let mut desired = match spec.kind {
            WorkloadKind::Pod => 1,
            WorkloadKind::DaemonSet => c.daemon_nodes(w, c.out.trace.len()).len() as u32,
            _ => spec.replicas,
        };
        for e in &c.spec.timeline {
            if let Action::Scale { workload, replicas } = e.action {
                if workload.0 as usize == w {
                    desired = replicas;
                }
            }
        }
        let mine: Vec<&usize> = live.iter().filter(|p| workload(**p as u32) == w).collect();
        // A rollout may still be under way at the end: between desired and desired + maxSurge active pods;
        // exactly desired once the last rollout completed after the last change.
        let active = mine.iter().filter(|p| !c.out.world.pods[***p].terminating).count() as u32;
        let surge = c.surge(w, desired);
        // A StatefulSet or DaemonSet also changes when a node comes or goes, or one of its pods is deleted.
        let settles = spec.kind == WorkloadKind::Deployment;
        let last_change = c
            .out
            .trace
            .iter()
            .rposition(|e| match &e.kind {
                TraceKind::Scaled { workload, .. }
                | TraceKind::ImageUpdated { workload, .. }
                | TraceKind::PullPolicyUpdated { workload, .. } => workload.0 as usize == w,
                TraceKind::PodTerminating { pod } => !settles && workload(pod.0) == w,
                TraceKind::NodeAdded { .. } | TraceKind::NodeCordoned { .. } | TraceKind::NodeRemoved { .. } => {
                    !settles
                }
                _ => false,
            })
            .unwrap_or(0);
        let completed = c.out.trace[last_change..]
            .iter()
            .any(|e| matches!(e.kind, TraceKind::RolloutCompleted { workload, .. } if workload.0 as usize == w));
        if spec.kind == WorkloadKind::Pod {
            // A bare pod is gone for good once a drain or its node leaving deletes it.
            let gone =
                c.out.trace.iter().any(|e| matches!(e.kind, TraceKind::PodTerminating { pod } if workload(pod.0) == w));
            ensure!(active == !gone as u32, "Pod {} has {active} active pods at the end (deleted: {gone})", spec.name);
        } else {
            // A StatefulSet or DaemonSet may also be short while a pod it replaces terminates, and an
            // OrderedReady StatefulSet short or long while it waits for a pod to be Ready (its creations are
            // bounded by controllers_keep_their_strategy).
            let bounded = spec.kind != WorkloadKind::StatefulSet;
            ensure!(
                (!bounded || active <= desired + surge) && (!completed || active == desired),
                "workload {} has {active} active pods at the end, wants {desired} (+{surge} surge; rollout completed: {completed})",
                spec.name
            );
        }
        let ws =
            c.summary.workloads.get(&spec.name).ok_or_else(|| format!("summary.json lacks workload {}", spec.name))?;
        let run_w = mine.iter().filter(|p| running[***p]).count() as u64;
        ensure!(
            ws.running_pods == run_w,
            "summary.json: workload {} runs {} pods, the trace shows {run_w}",
            spec.name,
            ws.running_pods
        );
        let shadow: BTreeMap<String, BTreeMap<String, u32>> = by_digest[w]
            .iter()
            .filter(|(_, m)| !m.is_empty())
            .map(|(n, m)| (n.clone(), m.iter().map(|(i, k)| (c.spec.images[*i as usize].digest.clone(), *k)).collect()))
            .collect();
        ensure!(
            ws.running_by_digest == shadow,
            "summary.json: workload {} runs {:?}, the trace shows {shadow:?}",
            spec.name,
            ws.running_by_digest
        );
        ensure!(
            ws.max_distinct_digests == max_distinct[w],
            "summary.json: workload {} ran at most {} digests at once, the trace shows {}",
            spec.name,
            ws.max_distinct_digests,
            max_distinct[w]
        );
    }
    Ok(())
}

/// The pod worker: a pod's first sync happens when it is bound; while it is not running and has no pull
/// out, its next sync comes 10-16 s after the last thing it did (a requeue of 10-15 s, then the next tick of
/// the node's 1 s sync ticker); a running pod is never synced again; and at the end no live, bound pod that
/// is not running has been left without a pull or a sync for 16 s or more.
fn failed_syncs_are_retried_after_10_to_16s(c: &Ctx<'_>) -> Result<(), String> {
    #[derive(Clone, Default)]
    struct P {
        bound: Option<u64>,
        first_sync_due: bool,
        last: Option<u64>,
        pulling: Option<u32>,
        running: bool,
        deleted: bool,
        /// An init container runs and exits at this time.
        init_exits: Option<u64>,
        /// An init container exited at this time: the PLEG relist syncs the pod within 1 s.
        relist_after: Option<u64>,
        terminating: bool,
    }
    let mut pods = vec![P::default(); c.f.pod_node.len()];
    for e in &c.out.trace {
        let t = e.t.as_micros();
        if let TraceKind::PodTerminating { pod } = e.kind {
            // Its running init container is killed with the pod: no exit, no next sync.
            let s = &mut pods[pod.0 as usize];
            s.init_exits = None;
            s.relist_after = None;
            s.terminating = true;
            continue;
        }
        let Some(pod) = c.f.pod_of(&e.kind) else { continue };
        let s = &mut pods[pod as usize];
        match &e.kind {
            TraceKind::PodCreated { .. } => continue,
            TraceKind::PodDeleted { .. } => {
                s.deleted = true;
                continue;
            }
            TraceKind::PodScheduled { .. } => {
                s.bound = Some(t);
                s.first_sync_due = true;
                s.last = Some(t);
                continue;
            }
            TraceKind::PullStarted { .. } => continue,
            _ if s.deleted => continue,
            _ => {}
        }
        let is_end = matches!(
            e.kind,
            TraceKind::PullCompleted { .. } | TraceKind::PullFailed { .. } | TraceKind::PullCancelled { .. }
        );
        ensure!(!s.running, "{} is running, yet at {} its worker did {}", c.pod(pod), secs(t), kind_name(&e.kind));
        if s.first_sync_due {
            ensure!(Some(t) == s.bound, "{} bound at {:?} first synced at {}", c.pod(pod), s.bound.map(secs), secs(t));
            s.first_sync_due = false;
        }
        if let Some(due) = s.init_exits.take() {
            ensure!(
                matches!(e.kind, TraceKind::ContainerExited { .. }) && t == due,
                "{}: an init container runs until {}, yet at {} its worker did {}",
                c.pod(pod),
                secs(due),
                secs(t),
                kind_name(&e.kind)
            );
            s.relist_after = Some(t);
            s.last = Some(t);
            continue;
        }
        if let Some(exit) = s.relist_after.take() {
            ensure!(
                t - exit < S,
                "{}: an init container exited at {} and the next sync step came at {} (the PLEG relists every 1 s)",
                c.pod(pod),
                secs(exit),
                secs(t)
            );
        } else if let (Some(last), None) = (s.last, s.pulling) {
            let gap = t - last;
            ensure!(
                gap == 0 || (REQUEUE_MIN..REQUEUE_MAX_EXCLUSIVE).contains(&gap),
                "{}: {} at {}, {} after its last sync step with no pull out (a failed sync is retried after 10-16 s)",
                c.pod(pod),
                kind_name(&e.kind),
                secs(t),
                secs(gap)
            );
        }
        s.last = Some(t);
        match &e.kind {
            TraceKind::PullQueued { pull } => s.pulling = Some(pull.0),
            _ if is_end => s.pulling = None,
            TraceKind::PodRunning { .. } => s.running = true,
            TraceKind::ContainerStarted { container, .. } => {
                let spec = c.out.world.template(PodId(pod)).container(*container as usize);
                if !s.terminating && c.out.world.template(PodId(pod)).is_init(*container as usize) {
                    s.init_exits = Some(t + spec.run_duration.as_micros());
                }
            }
            _ => {}
        }
    }
    for (pod, s) in pods.iter().enumerate() {
        if s.deleted || s.terminating || s.running || s.bound.is_none() || s.pulling.is_some() {
            continue;
        }
        if let Some(due) = s.init_exits {
            ensure!(due >= c.f.end, "{}: an init container due to exit at {} never did", c.pod(pod as u32), secs(due));
            continue;
        }
        if let Some(exit) = s.relist_after {
            ensure!(
                c.f.end - exit < S,
                "{}: an init container exited at {} and no sync followed",
                c.pod(pod as u32),
                secs(exit)
            );
            continue;
        }
        ensure!(!s.first_sync_due, "{} was bound at {:?} and never synced", c.pod(pod as u32), s.bound.map(secs));
        let last = s.last.unwrap_or(0);
        ensure!(
            c.f.end - last < REQUEUE_MAX_EXCLUSIVE,
            "{} is not running, has no pull out, and was last synced at {} ({} before the end): it was forgotten",
            c.pod(pod as u32),
            secs(last),
            secs(c.f.end - last)
        );
    }
    Ok(())
}

/// The scheduler: a pod is bound once, to a live node; a DaemonSet's pod to a node of its pools (cordoned or
/// not); any other pod to a node not cordoned, and without `imageLocality` to the one with the fewest bound pods
/// (ties: the oldest); at the end of every instant with a schedulable node every live pod is bound.
fn scheduler_binds_to_the_least_loaded_node(c: &Ctx<'_>) -> Result<(), String> {
    let initial: usize = c.spec.node_pools.iter().map(|p| p.count as usize).sum();
    // Live nodes and their bound pods.
    let mut load: BTreeMap<usize, u32> = (0..initial).map(|n| (n, 0)).collect();
    let mut cordoned: BTreeSet<usize> = BTreeSet::new();
    let mut node_of: Vec<Option<usize>> = vec![None; c.f.pod_node.len()];
    let mut live_unbound: BTreeSet<u32> = BTreeSet::new();
    let trace = &c.out.trace;
    for (a, b) in instants(trace) {
        for e in &trace[a..b] {
            let t = e.t.as_micros();
            match &e.kind {
                TraceKind::NodeAdded { node } => {
                    ensure!(load.insert(node.0 as usize, 0).is_none(), "node {} added twice", c.node(node.0 as usize));
                }
                TraceKind::NodeCordoned { node } => {
                    cordoned.insert(node.0 as usize);
                }
                TraceKind::NodeRemoved { node } => {
                    load.remove(&(node.0 as usize));
                }
                TraceKind::PodCreated { pod } => {
                    live_unbound.insert(pod.0);
                }
                TraceKind::PodScheduled { pod, node } => {
                    let n = node.0 as usize;
                    ensure!(live_unbound.remove(&pod.0), "{} bound twice or after deletion", c.pod(pod.0));
                    ensure!(
                        load.contains_key(&n),
                        "{} bound at {} to {}, not a live node",
                        c.pod(pod.0),
                        secs(t),
                        c.node(n)
                    );
                    let spec = &c.spec.workloads[c.out.world.pods[pod.0 as usize].workload.0 as usize];
                    if let WorkloadStrategy::DaemonSet { pools, .. } = &spec.strategy {
                        ensure!(
                            pools.is_empty() || pools.iter().any(|p| p.0 as usize == c.f.node_pool[n]),
                            "{} of DaemonSet {} bound to {}, not in its pools {:?}",
                            c.pod(pod.0),
                            spec.name,
                            c.node(n),
                            pools
                        );
                    } else {
                        ensure!(
                            !cordoned.contains(&n),
                            "{} bound at {} to cordoned {}",
                            c.pod(pod.0),
                            secs(t),
                            c.node(n)
                        );
                        if !c.spec.scheduler.image_locality {
                            let open = || load.iter().filter(|(n, _)| !cordoned.contains(n));
                            let min = open().map(|(_, l)| *l).min();
                            let best = open().find(|(_, l)| Some(**l) == min).map(|(n, _)| *n);
                            ensure!(
                                best == Some(n),
                                "{} bound at {} to {} ({:?} pods) but {:?} is the least loaded (loads {:?}, cordoned {:?})",
                                c.pod(pod.0),
                                secs(t),
                                c.node(n),
                                load.get(&n),
                                best.map(|b| c.node(b)),
                                load,
                                cordoned
                            );
                        }
                    }
                    *load.get_mut(&n).expect("checked") += 1;
                    node_of[pod.0 as usize] = Some(n);
                }
                TraceKind::PodDeleted { pod } => {
                    live_unbound.remove(&pod.0);
                    if let Some(l) = node_of[pod.0 as usize].and_then(|n| load.get_mut(&n)) {
                        *l -= 1;
                    }
                }
                _ => {}
            }
        }
        if load.keys().any(|n| !cordoned.contains(n)) {
            ensure!(
                live_unbound.is_empty(),
                "at the end of {} there are schedulable nodes but pods {:?} are not bound",
                secs(trace[a].t.as_micros()),
                live_unbound.iter().map(|p| c.pod(*p)).collect::<Vec<_>>()
            );
        }
    }
    Ok(())
}

/// Workloads: a new pod gets one of the workload's template revisions as admission stores it (a proportional
/// scale may still create pods of an old revision); and at the end of every instant a workload has at most its
/// desired number of active (not terminating) pods plus its surge: a Deployment's maxSurge; a DaemonSet at
/// most one on each selected live node, two with maxSurge; a StatefulSet is bounded by ordinal when it creates
/// (controllers_keep_their_strategy, which also checks how controllers replace pods).
fn workloads_follow_their_desired_state(c: &Ctx<'_>) -> Result<(), String> {
    let nw = c.spec.workloads.len();
    let mut pins = Pins::new(c);
    let admission = c.spec.admission;
    let pin_templates = admission.pin_digests == Some(PinDigests::Template);
    // Every template revision each workload has had, as admission stored it (pinned when stored, when
    // templates are pinned); the last is current. A proportional scale may create pods of an old revision.
    let mut revisions: Vec<Vec<Vec<(String, String, PullPolicy)>>> = c
        .spec
        .workloads
        .iter()
        .map(|w| {
            vec![w
                .template
                .in_start_order()
                .map(|x| {
                    let image = if pin_templates { pins.pin(&x.image, 0) } else { x.image.clone() };
                    (x.name.clone(), image, x.pull_policy)
                })
                .collect()]
        })
        .collect();
    let mut desired: Vec<u32> =
        c.spec.workloads.iter().map(|w| if w.kind == WorkloadKind::Pod { 1 } else { w.replicas }).collect();
    let mut active: Vec<BTreeSet<u32>> = vec![BTreeSet::new(); nw];
    let workload = |pod: u32| c.out.world.pods[pod as usize].workload.0 as usize;
    let trace = &c.out.trace;
    for (a, b) in instants(trace) {
        for e in &trace[a..b] {
            let t = e.t.as_micros();
            pins.see(e);
            match &e.kind {
                TraceKind::PodCreated { pod } => {
                    let w = workload(pod.0);
                    let admitted: Vec<_> = revisions[w]
                        .iter()
                        .map(|template| {
                            let mut admitted = template.clone();
                            for x in &mut admitted {
                                if admission.pin_digests == Some(PinDigests::Pod) {
                                    x.1 = pins.pin(&x.1, t);
                                }
                                if admission.always_pull_images {
                                    x.2 = PullPolicy::Always;
                                }
                            }
                            admitted
                        })
                        .collect();
                    ensure!(
                        admitted.contains(&c.containers(pod.0)),
                        "{} created at {} from {:?}; the workload's revisions after admission are {:?}",
                        c.pod(pod.0),
                        secs(t),
                        c.containers(pod.0),
                        admitted
                    );
                    active[w].insert(pod.0);
                }
                TraceKind::PullPolicyUpdated { workload, container, policy } => {
                    let w = workload.0 as usize;
                    let mut next = revisions[w].last().cloned().unwrap_or_default();
                    if let Some(x) = next.iter_mut().find(|x| x.0 == *container) {
                        x.2 = *policy;
                    }
                    revisions[w].push(next);
                }
                TraceKind::Scaled { workload, replicas } => desired[workload.0 as usize] = *replicas,
                TraceKind::ImageUpdated { workload, container, image } => {
                    let w = workload.0 as usize;
                    let mut next = revisions[w].last().cloned().unwrap_or_default();
                    for x in &mut next {
                        if x.0 == *container {
                            x.1 = image.clone();
                        }
                        if pin_templates {
                            // Admission pins the whole new template.
                            x.1 = pins.pin(&x.1, t);
                        }
                    }
                    revisions[w].push(next);
                }
                TraceKind::PodTerminating { pod } | TraceKind::PodDeleted { pod } => {
                    active[workload(pod.0)].remove(&pod.0);
                }
                _ => {}
            }
        }
        let t = trace[a].t.as_micros();
        for w in 0..nw {
            let spec = &c.spec.workloads[w];
            if spec.kind == WorkloadKind::DaemonSet {
                desired[w] = c.daemon_nodes(w, b).len() as u32;
                let per_node = 1 + (c.surge(w, desired[w]) > 0) as usize;
                let mut on: BTreeMap<usize, usize> = BTreeMap::new();
                for p in &active[w] {
                    *on.entry(c.f.pod_node[*p as usize].unwrap_or(usize::MAX)).or_default() += 1;
                }
                if let Some((n, k)) = on.iter().find(|(_, k)| **k > per_node) {
                    return Err(format!(
                        "at the end of {} DaemonSet {} has {k} active pods on {}, at most {per_node} allowed",
                        secs(t),
                        spec.name,
                        c.node(*n)
                    ));
                }
                // No bound over all nodes: a node whose old pod is not available gets its new pod without
                // using maxSurge (daemon/update.go).
                continue;
            }
            if spec.kind == WorkloadKind::StatefulSet {
                // Bounded by ordinal at creation: a scale-down may wait for pods to be Ready.
                continue;
            }
            let limit = desired[w] + c.surge(w, desired[w]);
            ensure!(
                active[w].len() as u32 <= limit,
                "at the end of {} workload {} has {} active pods, at most {limit} allowed",
                secs(t),
                spec.name,
                active[w].len()
            );
        }
    }
    Ok(())
}

/// Controllers keep their strategy, pod by pod:
/// - a RollingUpdate Deployment that deletes an available pod (not for a scale, not a drain or a node leaving)
///   keeps at least desired − maxUnavailable available pods (Ready for minReadySeconds, not terminating);
/// - a Recreate Deployment creates a pod of a revision only when no pod of another revision is left;
/// - a StatefulSet creates ordinal k only below its desired count and when no other pod holds it, and with
///   OrderedReady only when every lower ordinal has a Ready pod not terminating; it deletes a pod below its
///   desired count only to update it: RollingUpdate, at or above `partition`, with every higher ordinal Ready
///   and not terminating;
/// - an OnDelete DaemonSet or StatefulSet and a bare Pod lose pods only to drains and leaving nodes;
/// - a rollout completes after it started, with no active pod of another revision left, and (Deployments,
///   StatefulSets) exactly the desired number of active pods, all available.
fn controllers_keep_their_strategy(c: &Ctx<'_>) -> Result<(), String> {
    #[derive(Clone, Default)]
    struct P {
        live: bool,
        terminating: bool,
        ready: Option<u64>,
    }
    let world = &c.out.world;
    let nw = c.spec.workloads.len();
    let mut pods = vec![P::default(); world.pods.len()];
    let mut of: Vec<BTreeSet<u32>> = vec![BTreeSet::new(); nw];
    let mut desired: Vec<u32> = c.spec.workloads.iter().map(|w| w.replicas).collect();
    let mut gone_node = vec![false; c.f.node_pool.len()];
    let mut started: BTreeSet<(usize, u32)> = BTreeSet::new();
    let workload = |pod: u32| world.pods[pod as usize].workload.0 as usize;
    let trace = &c.out.trace;
    for (a, b) in instants(trace) {
        let t = trace[a].t.as_micros();
        let scaled: BTreeSet<usize> = trace[a..b]
            .iter()
            .filter_map(|e| match e.kind {
                TraceKind::Scaled { workload, .. } => Some(workload.0 as usize),
                _ => None,
            })
            .collect();
        let available = |pods: &[P], of: &BTreeSet<u32>, w: usize| {
            let min_ready = c.spec.workloads[w].min_ready.as_micros();
            of.iter()
                .filter(|p| {
                    !pods[**p as usize].terminating && pods[**p as usize].ready.is_some_and(|r| r + min_ready <= t)
                })
                .count() as u32
        };
        let mut check_available: BTreeSet<usize> = BTreeSet::new();
        for e in &trace[a..b] {
            match &e.kind {
                TraceKind::Scaled { workload, replicas } => desired[workload.0 as usize] = *replicas,
                TraceKind::NodeCordoned { node } | TraceKind::NodeRemoved { node } => gone_node[node.0 as usize] = true,
                TraceKind::PodReady { pod } => pods[pod.0 as usize].ready = Some(t),
                TraceKind::RolloutStarted { workload, revision } => {
                    started.insert((workload.0 as usize, *revision));
                }
                TraceKind::PodCreated { pod } => {
                    let w = workload(pod.0);
                    let me = &world.pods[pod.0 as usize];
                    let spec = &c.spec.workloads[w];
                    match &spec.strategy {
                        WorkloadStrategy::Deployment(DeploymentStrategy::Recreate) => {
                            let other = of[w].iter().find(|p| world.pods[**p as usize].revision != me.revision);
                            ensure!(
                                other.is_none(),
                                "{} (revision {}) created at {} while {} of revision {} is still there",
                                c.pod(pod.0),
                                me.revision,
                                secs(t),
                                c.pod(*other.expect("some")),
                                world.pods[*other.expect("some") as usize].revision
                            );
                        }
                        WorkloadStrategy::StatefulSet { policy, .. } => {
                            ensure!(
                                me.ordinal < desired[w],
                                "{} created at {} with ordinal {}, wanting {} pods",
                                c.pod(pod.0),
                                secs(t),
                                me.ordinal,
                                desired[w]
                            );
                            let twin = of[w].iter().find(|p| world.pods[**p as usize].ordinal == me.ordinal);
                            ensure!(
                                twin.is_none(),
                                "{} created at {} while {} still holds ordinal {}",
                                c.pod(pod.0),
                                secs(t),
                                c.pod(*twin.expect("some")),
                                me.ordinal
                            );
                            if *policy == PodManagementPolicy::OrderedReady {
                                for k in 0..me.ordinal {
                                    let healthy = of[w].iter().any(|p| {
                                        world.pods[*p as usize].ordinal == k
                                            && !pods[*p as usize].terminating
                                            && pods[*p as usize].ready.is_some()
                                    });
                                    ensure!(
                                        healthy,
                                        "{} (ordinal {}) created at {} before ordinal {k} has a Ready pod (OrderedReady)",
                                        c.pod(pod.0),
                                        me.ordinal,
                                        secs(t)
                                    );
                                }
                            }
                        }
                        _ => {}
                    }
                    pods[pod.0 as usize].live = true;
                    of[w].insert(pod.0);
                }
                TraceKind::PodTerminating { pod } => {
                    let w = workload(pod.0);
                    let spec = &c.spec.workloads[w];
                    let min_ready = spec.min_ready.as_micros();
                    let me = &world.pods[pod.0 as usize];
                    let evicted = me.node.is_some_and(|n| gone_node[n.0 as usize]);
                    let was_available = pods[pod.0 as usize].ready.is_some_and(|r| r + min_ready <= t);
                    pods[pod.0 as usize].terminating = true;
                    if evicted {
                        continue;
                    }
                    match &spec.strategy {
                        WorkloadStrategy::Deployment(DeploymentStrategy::RollingUpdate { .. })
                            if was_available && !scaled.contains(&w) =>
                        {
                            check_available.insert(w);
                        }
                        WorkloadStrategy::StatefulSet { update, .. } if me.ordinal < desired[w] => {
                            let partition = match update {
                                StatefulSetUpdate::RollingUpdate { partition } => *partition,
                                StatefulSetUpdate::OnDelete => u32::MAX,
                            };
                            ensure!(
                                me.ordinal >= partition,
                                "{} (ordinal {}) deleted at {} below the update's partition ({update:?}), wanting {} pods",
                                c.pod(pod.0),
                                me.ordinal,
                                secs(t),
                                desired[w]
                            );
                            for k in me.ordinal + 1..desired[w] {
                                let healthy = of[w].iter().any(|p| {
                                    world.pods[*p as usize].ordinal == k
                                        && !pods[*p as usize].terminating
                                        && pods[*p as usize].ready.is_some()
                                });
                                ensure!(
                                    healthy,
                                    "{} (ordinal {}) deleted for an update at {} while ordinal {k} has no Ready pod",
                                    c.pod(pod.0),
                                    me.ordinal,
                                    secs(t)
                                );
                            }
                        }
                        WorkloadStrategy::DaemonSet { update: DaemonSetUpdate::OnDelete, .. }
                        | WorkloadStrategy::Pod => {
                            return Err(format!(
                                "{} of {} {} deleted at {}, but only a drain or its node leaving deletes it",
                                c.pod(pod.0),
                                spec.kind.name(),
                                spec.name,
                                secs(t)
                            ));
                        }
                        _ => {}
                    }
                }
                TraceKind::PodDeleted { pod } => {
                    let w = workload(pod.0);
                    pods[pod.0 as usize].live = false;
                    of[w].remove(&pod.0);
                }
                TraceKind::RolloutCompleted { workload, revision } => {
                    let w = workload.0 as usize;
                    let spec = &c.spec.workloads[w];
                    ensure!(
                        started.contains(&(w, *revision)),
                        "workload {} completed revision {revision} at {} without starting it",
                        spec.name,
                        secs(t)
                    );
                    // Deployments count only active pods (DeploymentComplete): old ones may still terminate.
                    let old = of[w]
                        .iter()
                        .find(|p| !pods[**p as usize].terminating && world.pods[**p as usize].revision != *revision);
                    ensure!(
                        old.is_none(),
                        "workload {} completed revision {revision} at {} with {} of revision {} left",
                        spec.name,
                        secs(t),
                        c.pod(*old.expect("some")),
                        world.pods[*old.expect("some") as usize].revision
                    );
                    if matches!(spec.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet) {
                        let n = of[w].iter().filter(|p| !pods[**p as usize].terminating).count() as u32;
                        let ok = available(&pods, &of[w], w);
                        ensure!(
                            n == desired[w] && ok == n,
                            "workload {} completed revision {revision} at {} with {n} pods, {ok} available, wanting {}",
                            spec.name,
                            secs(t),
                            desired[w]
                        );
                    }
                }
                _ => {}
            }
        }
        for w in check_available {
            let WorkloadStrategy::Deployment(DeploymentStrategy::RollingUpdate { max_surge, max_unavailable }) =
                c.spec.workloads[w].strategy
            else {
                continue;
            };
            let (_, unavailable) =
                pullsim::model::control::deployment::fenceposts(max_surge, max_unavailable, desired[w]);
            let ok = available(&pods, &of[w], w);
            ensure!(
                ok + unavailable >= desired[w],
                "Deployment {} deleted an available pod at {} and keeps {ok} available, below {} − maxUnavailable {unavailable}",
                c.spec.workloads[w].name,
                secs(t),
                desired[w]
            );
        }
    }
    Ok(())
}

/// Private registries: a container of a pod holding no credential the registry accepts for the repository
/// (its pull secrets and its node's `nodeCredentials`, as the kubelet finds them) starts only with a manifest
/// already on its node — preloaded, or brought by an earlier completed pull there — never with one its own
/// pull brought; and summary.json's `access` counts exactly those starts (and is absent without a private
/// registry).
fn private_images_run_without_credentials_only_when_present(c: &Ctx<'_>) -> Result<(), String> {
    let w = &c.out.world;
    let private = c.spec.registries.iter().any(|r| r.auth.is_some());
    ensure!(
        c.summary.access.is_some() == private,
        "summary.json access present: {}, a private registry: {private}",
        c.summary.access.is_some()
    );
    // (node, manifest) present: preloaded ones from the spec, then completed pulls.
    let mut present: BTreeSet<(usize, u32)> = BTreeSet::new();
    let mut own: BTreeMap<(u32, u32), u32> = BTreeMap::new();
    let mut unauthorized = 0u64;
    for (i, e) in c.out.trace.iter().enumerate() {
        match e.kind {
            TraceKind::PullCompleted { pull, image, .. } => {
                let p = &c.f.pulls[pull.0 as usize];
                if let Some(n) = p.node {
                    present.insert((n, image.0));
                }
                own.insert((p.pod, p.container), image.0);
            }
            TraceKind::ContainerStarted { pod, container, image } => {
                let Some(node) = c.f.pod_node[pod.0 as usize] else { continue };
                let pool = c.f.node_pool[node];
                let preloaded =
                    c.spec.node_pools[pool].preloaded.iter().any(|p| p.image == image) && c.f.node_added[node] <= i;
                let template = w.template(pod);
                let Ok(reference) = ImageRef::parse(&template.container(container as usize).image) else { continue };
                let Some(auth) =
                    c.spec.registries.iter().find(|r| r.host == reference.registry).and_then(|r| r.auth.as_ref())
                else {
                    continue;
                };
                let ns = &w.pods[pod.0 as usize].namespace;
                let creds = pull_credentials(
                    c.spec,
                    ns,
                    template,
                    pullsim::model::spec::PoolId(pool as u32),
                    &reference.name(),
                );
                if creds.credentials.iter().any(|cr| auth.accepts(&cr.username, &reference.repository)) {
                    continue;
                }
                unauthorized += 1;
                ensure!(
                    own.get(&(pod.0, container)) != Some(&image.0),
                    "{} container {container} holds no accepted credential for {}, yet its own pull brought {}",
                    c.pod(pod.0),
                    reference.name(),
                    c.image(image.0)
                );
                ensure!(
                    preloaded || present.contains(&(node, image.0)),
                    "{} container {container} started {} without a credential, and it was not on {}",
                    c.pod(pod.0),
                    c.image(image.0),
                    c.node(node)
                );
            }
            _ => {}
        }
    }
    if let Some(a) = &c.summary.access {
        ensure!(
            a.unauthorized_starts == unauthorized && a.unauthorized.len() as u64 == unauthorized,
            "summary.json access.unauthorizedStarts {} (list {}), the trace shows {unauthorized}",
            a.unauthorized_starts,
            a.unauthorized.len()
        );
    }
    Ok(())
}

/// A shadow of what the digest-pinning admission resolves: the registries' tags and outages as the trace moves
/// them, from the spec's initial tags.
struct Pins<'a> {
    c: &'a Ctx<'a>,
    tags: BTreeMap<(u32, String, String), u32>,
    down_until: Vec<u64>,
}

impl<'a> Pins<'a> {
    fn new(c: &'a Ctx<'a>) -> Pins<'a> {
        let mut tags = BTreeMap::new();
        for (r, reg) in c.spec.registries.iter().enumerate() {
            for (repo, rs) in &reg.repositories {
                for (tag, image) in &rs.tags {
                    tags.insert((r as u32, repo.clone(), tag.clone()), image.0);
                }
            }
        }
        Pins { c, tags, down_until: vec![0; c.spec.registries.len()] }
    }

    /// Follows the pushes and outages of the trace.
    fn see(&mut self, e: &TraceEvent) {
        match &e.kind {
            TraceKind::TagPushed { registry, repository, tag, image } => {
                self.tags.insert((registry.0, repository.clone(), tag.clone()), image.0);
            }
            TraceKind::RegistryDown { registry, until } => self.down_until[registry.0 as usize] = until.as_micros(),
            _ => {}
        }
    }

    /// Follows a timeline action of the spec at `at` (for checks that replay the spec, not the trace).
    fn apply(&mut self, action: &Action, at: u64) {
        match action {
            Action::PushTag { registry, repository, tag, image } => {
                self.tags.insert((registry.0, repository.clone(), tag.clone()), image.0);
            }
            Action::RegistryOutage { registry, duration } => {
                let d = &mut self.down_until[registry.0 as usize];
                *d = (*d).max(at + duration.as_micros());
            }
            _ => {}
        }
    }

    /// `image` pinned at `t` as the admission does: `name:tag@digest` when its registry is up and has the tag,
    /// else unchanged.
    fn pin(&self, image: &str, t: u64) -> String {
        let Ok(r) = ImageRef::parse(image) else { return image.to_string() };
        if r.digest.is_some() {
            return image.to_string();
        }
        let Some(reg) = self.c.spec.registries.iter().position(|x| x.host == r.registry) else {
            return image.to_string();
        };
        if t < self.down_until[reg] {
            return image.to_string();
        }
        let tag = r.effective_tag().unwrap_or("latest").to_string();
        match self.tags.get(&(reg as u32, r.repository.clone(), tag.clone())) {
            Some(i) => format!("{}:{tag}@{}", r.name(), self.c.spec.images[*i as usize].digest),
            None => image.to_string(),
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------------------

/// What the runs exercised, so that a generator change that stops reaching a behaviour fails loudly.
#[derive(Debug, Default)]
struct Exercised(BTreeMap<&'static str, u64>);

impl Exercised {
    fn add(&mut self, what: &'static str, n: u64) {
        *self.0.entry(what).or_default() += n;
    }

    fn of(&mut self, c: &Ctx<'_>) {
        let mut windows = BTreeSet::new();
        for e in &c.out.trace {
            match &e.kind {
                TraceKind::PullFailed { failure, .. } => self.add(failure.message(), 1),
                TraceKind::PullCancelled { .. } => self.add("pull cancelled", 1),
                TraceKind::PullCompleted { bytes: 0, .. } => self.add("pull of a present image", 1),
                TraceKind::PullCompleted { .. } => self.add("pull with downloads", 1),
                TraceKind::Backoff { refused: true, .. } => self.add("backoff refusal", 1),
                TraceKind::Backoff { refused: false, until, .. } => {
                    windows.insert((until.as_micros() - e.t.as_micros()) / S);
                }
                TraceKind::ImagePresent { .. } => self.add("image already present", 1),
                TraceKind::ImageNeverPull { .. } => self.add("ErrImageNeverPull", 1),
                TraceKind::InvalidImageName { .. } => self.add("InvalidImageName", 1),
                TraceKind::PodRunning { .. } => self.add("pod running", 1),
                TraceKind::PodTerminating { .. } => self.add("pod terminating", 1),
                TraceKind::NodeCordoned { .. } => self.add("node cordoned", 1),
                TraceKind::NodeRemoved { .. } => self.add("node removed", 1),
                TraceKind::RolloutCompleted { workload, .. } => self.add(
                    match c.spec.workloads[workload.0 as usize].kind {
                        WorkloadKind::Deployment => "rollout completed: Deployment",
                        WorkloadKind::DaemonSet => "rollout completed: DaemonSet",
                        WorkloadKind::StatefulSet => "rollout completed: StatefulSet",
                        WorkloadKind::Pod => "rollout completed: Pod",
                    },
                    1,
                ),
                _ => {}
            }
        }
        if let Some(a) = &c.summary.access {
            self.add("start without credentials", a.unauthorized_starts);
        }
        for w in windows {
            self.add(
                match w {
                    10 => "backoff 10s",
                    20..=160 => "backoff 20-160s",
                    300 => "backoff 300s",
                    _ => "backoff other",
                },
                1,
            );
        }
        let shared = c
            .f
            .pulls
            .iter()
            .filter(|p| matches!(p.end, Some((_, End::Completed(i, b)))
                if b > 0 && b < c.spec.images[i as usize].layers.iter().map(|l| c.spec.layers[l.0 as usize].size_bytes).sum()))
            .count();
        self.add("pull reusing some layers", shared as u64);
        self.add(
            "layer transfers",
            c.layers.iter().filter(|r| matches!(r.step, LayerStep::TransferDone { .. })).count() as u64,
        );
        self.add("dropped blob answers", c.layers.iter().filter(|r| r.step == LayerStep::Dropped).count() as u64);
    }
}

fn config() -> Config {
    Config { cases: 1, max_shrink_iters: 5000, max_shrink_time: 60_000, failure_persistence: None, ..Config::default() }
}

/// Runs every variant of a generated scenario and checks every invariant; the error lists every failure.
fn check(g: &GenScenario, exercised: Option<&RefCell<Exercised>>) -> Result<(), String> {
    let yaml = g.to_yaml();
    let s = scenario_gen::parse_checked(&yaml);
    let mut failures = Vec::new();
    for v in &s.variants {
        let (out, layers) = model::run_recorded(&v.spec);
        let ctx = Ctx::new(&v.name, &v.spec, &out, &layers);
        for (name, check) in INVARIANTS {
            if let Err(msg) = check(&ctx) {
                failures.push(format!("[{name}] (variant {}) {msg}", v.name));
            }
        }
        if let Some(x) = exercised {
            x.borrow_mut().of(&ctx);
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

fn cases(default: u64) -> u64 {
    std::env::var("PULLSIM_INVARIANTS_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn random_scenarios_keep_every_model_invariant() {
    let survey = std::env::var_os("PULLSIM_INVARIANTS_SURVEY").is_some();
    let exercised = RefCell::new(Exercised::default());
    let mut caught: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let strategy = scenario_gen::scenario();
    for i in 0..cases(CASES) {
        let seed = BASE_SEED + i;
        let mut runner = scenario_gen::runner(seed, config());
        let tree = strategy.new_tree(&mut runner).expect("the strategy never rejects");
        if survey {
            if let Err(why) = check(&tree.current(), Some(&exercised)) {
                for line in why.lines() {
                    let name = line.split(']').next().unwrap_or("").trim_start_matches('[').to_string();
                    let seeds = caught.entry(name).or_default();
                    let s = format!("{seed:#x}");
                    if seeds.last() != Some(&s) {
                        seeds.push(s);
                    }
                }
                eprintln!("case seed {seed:#x}:\n{why}\n");
            }
            continue;
        }
        let result = runner.run_one(tree, |g| check(&g, Some(&exercised)).map_err(TestCaseError::fail));
        match result {
            Ok(_) => {}
            Err(TestError::Fail(why, minimal)) => panic!(
                "case seed {seed:#x} breaks a model invariant (its scenario: scenario_gen::generate({seed:#x}); \
                 reproduce with PULLSIM_INVARIANTS_CASES={}).\nShrunk scenario:\n{}\nFailures of the shrunk scenario:\n{why}",
                i + 1,
                minimal.to_yaml()
            ),
            Err(TestError::Abort(why)) => panic!("case seed {seed:#x}: proptest aborted: {why}"),
        }
    }
    let exercised = exercised.into_inner();
    println!("exercised over {} cases: {:?}", cases(CASES), exercised.0);
    if survey {
        println!("invariants that failed, with the seeds of the failing cases:");
        for (name, seeds) in &caught {
            println!("  {name}: {} cases, first {:?}", seeds.len(), &seeds[..seeds.len().min(3)]);
        }
        assert!(caught.is_empty(), "invariants failed: {:?}", caught.keys().collect::<Vec<_>>());
        return;
    }
    if cases(CASES) >= CASES {
        for what in [
            "pull QPS exceeded",
            "not found: manifest unknown",
            "unexpected status: 503 Service Unavailable",
            "dial tcp: lookup: no such host",
            "pull cancelled",
            "pull of a present image",
            "pull with downloads",
            "pull reusing some layers",
            "backoff refusal",
            "backoff 10s",
            "backoff 20-160s",
            "backoff 300s",
            "image already present",
            "ErrImageNeverPull",
            "InvalidImageName",
            "pod running",
            "layer transfers",
            "dropped blob answers",
        ] {
            let n = exercised.0.get(what).copied().unwrap_or(0);
            assert!(n >= 5, "the generated scenarios exercised {what:?} only {n} times");
        }
    }
}

/// events.jsonl and summary.json of the variants `names` of `s`, run on the current rayon pool.
fn outputs(s: &pullsim::scenario::Scenario, names: &[&str]) -> Vec<(Vec<u8>, String)> {
    use rayon::prelude::*;
    let specs: Vec<_> = s.variants.iter().filter(|v| names.contains(&v.name.as_str())).collect();
    let runs: Vec<RunOutput> = specs.par_iter().map(|v| model::run(&v.spec)).collect();
    specs
        .iter()
        .zip(&runs)
        .map(|(v, out)| {
            let run = VariantRun { name: &v.name, seed: v.spec.seed, output: out };
            let mut events = Vec::new();
            pullsim::report::events::write_jsonl(&mut events, &v.name, out).expect("write to memory");
            let summary = Summary {
                scenario: s.name.clone(),
                description: s.description.clone(),
                variants: vec![VariantSummary::of(&run)],
            };
            (events, serde_json::to_string_pretty(&summary).expect("serialize") + "\n")
        })
        .collect()
}

/// Same scenario and seed, same bytes: each variant's events.jsonl and summary.json are identical when it runs
/// alone, with all the others, or with a subset of them, on 1 or on 4 rayon threads, and when the run keeps
/// its layer record.
fn check_determinism(s: &pullsim::scenario::Scenario) -> Result<(), String> {
    let names: Vec<&str> = s.variants.iter().map(|v| v.name.as_str()).collect();
    let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build().expect("thread pool");
    let (one, four) = (pool(1), pool(4));
    let alone: Vec<(Vec<u8>, String)> = names.iter().map(|n| one.install(|| outputs(s, &[n])).remove(0)).collect();
    let all_one = one.install(|| outputs(s, &names));
    let all_four = four.install(|| outputs(s, &names));
    for (i, name) in names.iter().enumerate() {
        ensure!(
            all_one[i].0 == alone[i].0,
            "variant {name}: events.jsonl differs between alone and with all (1 thread)"
        );
        ensure!(
            all_one[i].1 == alone[i].1,
            "variant {name}: summary.json differs between alone and with all (1 thread)"
        );
        ensure!(all_four[i].0 == alone[i].0, "variant {name}: events.jsonl differs on 4 threads");
        ensure!(all_four[i].1 == alone[i].1, "variant {name}: summary.json differs on 4 threads");
    }
    let subset: Vec<&str> = names.iter().skip(1).copied().collect();
    let some = four.install(|| outputs(s, &subset));
    for (i, name) in subset.iter().enumerate() {
        ensure!(some[i] == alone[i + 1], "variant {name}: outputs differ when run with {subset:?} only");
    }
    for (i, v) in s.variants.iter().enumerate() {
        let (out, _) = model::run_recorded(&v.spec);
        let mut events = Vec::new();
        pullsim::report::events::write_jsonl(&mut events, &v.name, &out).expect("write to memory");
        ensure!(events == alone[i].0, "variant {}: keeping the layer record changed events.jsonl", v.name);
    }
    Ok(())
}

#[test]
fn random_scenarios_give_identical_outputs_across_threads_and_variant_subsets() {
    let knobs = Knobs { min_variants: 2, ..Knobs::default() };
    let strategy = scenario_gen::scenario_with(knobs);
    for i in 0..cases(DETERMINISM_CASES).min(DETERMINISM_CASES) {
        let seed = BASE_SEED + 0x1_0000 + i;
        let mut runner = scenario_gen::runner(seed, config());
        let g = strategy.new_tree(&mut runner).expect("never rejects").current();
        let yaml = g.to_yaml();
        let s = scenario_gen::parse_checked(&yaml);
        assert!(s.variants.len() >= 3, "seed {seed:#x}: expected at least two variants");
        if let Err(e) = check_determinism(&s) {
            panic!("determinism case seed {seed:#x}: {e}\n--- scenario ---\n{yaml}");
        }
    }
}

/// Regression (found by these invariants): a pull of `name:tag@digest` is resolved by its digest, and
/// containerd stores it under the digest only, so it must not make the node know `name:tag`. Before the fix
/// `second-0` found "r.example.com/app:v1" present as manifest `two`, a digest `v1` never pointed to.
#[test]
fn a_tag_at_digest_pull_does_not_teach_the_node_the_tag() {
    let one = format!("sha256:{}", "1".repeat(64));
    let two = format!("sha256:{}", "2".repeat(64));
    let yaml = format!(
        "apiVersion: pullsim/v1\nkind: Scenario\nmetadata: {{name: tag-at-digest}}\nspec:
  duration: 1m
  layers: {{a: 1MiB, b: 1MiB}}
  images: {{one: {{layers: [a], digest: \"{one}\"}}, two: {{layers: [b], digest: \"{two}\"}}}}
  registries:
    r.example.com: {{repositories: {{app: {{tags: {{v1: one, v2: two}}}}}}}}
  nodePools: {{p: {{count: 1}}}}
  workloads:
    first: {{kind: Pod, spec: {{containers: [{{name: c, image: \"r.example.com/app:v1@{two}\"}}]}}}}
    second: {{kind: Deployment, replicas: 0, template: {{spec: {{containers: [{{name: c, image: \"r.example.com/app:v1\"}}]}}}}}}
  timeline:
    - {{at: 10s, scale: {{workload: second, replicas: 1}}}}
"
    );
    let s = scenario_gen::parse_checked(&yaml);
    let spec = &s.variants[0].spec;
    let (out, layers) = model::run_recorded(spec);
    let ctx = Ctx::new("base", spec, &out, &layers);
    for (name, check) in INVARIANTS {
        check(&ctx).unwrap_or_else(|e| panic!("[{name}] {e}"));
    }
    let started: Vec<(String, &str)> = out
        .trace
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::ContainerStarted { pod, image, .. } => {
                Some((out.world.pod_key(pod), spec.images[image.0 as usize].name.as_str()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(started, [("default/first".to_string(), "two"), ("default/second-0".to_string(), "one")]);
    assert_eq!(out.world.registries[0].stats.manifest_requests, 2, "second-0 pulls v1 itself");
}
