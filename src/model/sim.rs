//! The loop: pops events in (time, insertion) order and dispatches each in one `match` to the kubelet,
//! runtime or controller code. Builds the initial world from a [`ClusterSpec`] and returns the trace.

use super::spec::{ClusterSpec, LayerId};
use super::trace::{LayerRecord, LayerStep, PodId, PullFailure, PullId, TraceEvent, TraceKind};
use super::world::{Registry, Repository, World};
use crate::engine::{EventQueue, RngStreams, SimTime};
use crate::model::network::bandwidth::{LinkDue, LinkId, Network};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The closed set of things that can happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    /// Timeline entry `i` of the spec.
    Timeline(u32),
    /// The pod worker syncs `pod` (stale if `generation` is old).
    PodSync { pod: PodId, generation: u32 },
    /// A pull ended before reaching the registry (throttled, unknown host).
    PullRejected { pull: PullId, failure: PullFailure },
    /// The registry answered a pull's manifest request.
    ManifestResponse { pull: PullId },
    /// The registry answered a blob request; data starts flowing.
    BlobResponse { pull: PullId, layer: LayerId },
    /// The end of an instant in which flows started: rate them together.
    NetworkFlush,
    /// A link's first flow may have finished (stale if `generation` is old).
    LinkDue { link: LinkId, generation: u32 },
    /// A workload's controller syncs (queued at most once per instant).
    WorkloadSync(super::spec::WorkloadId),
    /// A running pod's readiness delay has passed.
    PodReady(PodId),
    /// A Ready pod has been Ready for minReadySeconds.
    PodAvailable(PodId),
    /// A terminating pod's containers have exited: it is gone.
    PodGone(PodId),
    /// A batch of replacement nodes joined: look at the rolling node replacements again once the controllers
    /// have reacted (queued after their syncs of the same instant).
    NodeReplacementCheck,
    /// An init container's run is over: it exits successfully.
    ContainerExited { pod: PodId, container: u32 },
}

/// What a run produced.
#[derive(Debug)]
pub struct RunOutput {
    /// Final state (names, counters, what runs where).
    pub world: World,
    /// Everything that happened, in order.
    pub trace: Vec<TraceEvent>,
    /// Events the loop processed (a deterministic work measure).
    pub events_processed: u64,
    /// When the run stopped.
    pub end: SimTime,
    /// Set when the run stopped early because its trace reached [`MAX_TRACE_EVENTS`].
    pub truncated: bool,
    /// Bandwidth-sharing work counters (deterministic; the regression gate compares them).
    pub network: crate::model::network::bandwidth::NetworkStats,
}

/// Most trace records one run keeps (about 4 GiB of memory). A scenario whose pods fail and retry for a very
/// long simulated time would otherwise grow without bound; such a run stops there and says so.
pub const MAX_TRACE_EVENTS: usize = 50_000_000;

/// A run in progress.
pub(crate) struct Sim {
    pub(crate) world: World,
    pub(crate) queue: EventQueue<Event>,
    pub(crate) trace: Vec<TraceEvent>,
    pub(crate) now: SimTime,
    pub(crate) rng: RngStreams,
    /// A `NetworkFlush` is queued for the current instant.
    pub(crate) flush_queued: bool,
    /// Layer steps, kept only for [`run_recorded`].
    pub(crate) layer_log: Option<Vec<LayerRecord>>,
}

/// Runs `spec` to its duration and returns the trace and final state.
pub fn run(spec: &ClusterSpec) -> RunOutput {
    run_with(spec, None).0
}

/// Runs `spec` exactly as [`run`] does (same trace, same final state) and also returns every
/// [`LayerRecord`]: each blob request, dropped answer, transfer and unpack, in the order they happened. For
/// tests that check the model's invariants from outside; [`run`] keeps no such record.
pub fn run_recorded(spec: &ClusterSpec) -> (RunOutput, Vec<LayerRecord>) {
    let (out, log) = run_with(spec, Some(Vec::new()));
    (out, log.unwrap_or_default())
}

fn run_with(spec: &ClusterSpec, layer_log: Option<Vec<LayerRecord>>) -> (RunOutput, Option<Vec<LayerRecord>>) {
    let mut sim = Sim::new(spec.clone(), layer_log);
    let end = SimTime::ZERO + spec.duration;
    let mut processed = 0u64;
    let mut truncated = false;
    while let Some(t) = sim.queue.peek_time() {
        if t > end {
            break;
        }
        if sim.trace.len() >= spec.max_trace_events {
            truncated = true;
            break;
        }
        let Some((t, event)) = sim.queue.pop() else {
            break;
        };
        sim.now = t;
        processed += 1;
        sim.handle(event);
    }
    let end = if truncated { sim.now } else { end };
    let network = sim.world.network.stats();
    let out = RunOutput { world: sim.world, trace: sim.trace, events_processed: processed, end, truncated, network };
    (out, sim.layer_log)
}

impl Sim {
    fn new(spec: ClusterSpec, layer_log: Option<Vec<LayerRecord>>) -> Sim {
        let mut network = Network::new();
        let registries: Vec<Registry> = spec
            .registries
            .iter()
            .map(|r| Registry {
                host: r.host.clone(),
                egress: network.add_shared_link(r.bandwidth_bps),
                latency: r.latency,
                repositories: r
                    .repositories
                    .iter()
                    .map(|(path, repo)| {
                        let manifests: BTreeSet<_> = repo.tags.values().copied().collect();
                        (path.clone(), Repository { tags: repo.tags.clone(), manifests })
                    })
                    .collect(),
                down_until: SimTime::ZERO,
                stats: Default::default(),
            })
            .collect();
        let registry_by_host =
            registries.iter().enumerate().map(|(i, r)| (r.host.clone(), super::spec::RegistryId(i as u32))).collect();
        let image_by_digest: BTreeMap<_, _> =
            spec.images.iter().enumerate().map(|(i, im)| (im.digest.clone(), super::spec::ImageId(i as u32))).collect();
        let workloads = spec
            .workloads
            .iter()
            .map(|w| super::world::Workload {
                replicas: w.replicas,
                revisions: vec![w.template.clone()],
                current: 0,
                replica_sets: Vec::new(),
                stable_revision: 0,
                rolling_out: None,
                sync_queued: false,
                pods: BTreeSet::new(),
                next_ordinal: 0,
                running: BTreeMap::new(),
                max_distinct: 0,
            })
            .collect();
        let rng = RngStreams::new(spec.seed);
        let pools = spec.node_pools.len();
        let world = World {
            nodes: Vec::new(),
            pool_next_index: vec![0; pools],
            pods: Vec::new(),
            pulls: Vec::new(),
            registries,
            registry_by_host,
            image_by_digest,
            workloads,
            schedulable: BTreeSet::new(),
            unscheduled: VecDeque::new(),
            network,
            pending_pods: 0,
            replacements: Vec::new(),
            next_start_node: 0,
            spec,
        };
        let mut sim = Sim {
            world,
            queue: EventQueue::new(),
            trace: Vec::new(),
            now: SimTime::ZERO,
            rng,
            flush_queued: false,
            layer_log,
        };
        sim.start();
        sim
    }

    /// Records a trace event at the current time.
    pub(crate) fn emit(&mut self, kind: TraceKind) {
        self.trace.push(TraceEvent { t: self.now, kind });
    }

    /// Appends a layer step at the current time when the run keeps them ([`run_recorded`]).
    #[inline]
    pub(crate) fn record_layer(&mut self, pull: PullId, layer: LayerId, step: LayerStep) {
        if let Some(log) = self.layer_log.as_mut() {
            log.push(LayerRecord { t: self.now, pull, layer, step });
        }
    }

    /// Schedules the completion events of re-rated links, and the end-of-instant flush if flows wait for it.
    pub(crate) fn schedule_flows(&mut self, due: Vec<LinkDue>) {
        if self.world.network.needs_flush() && !self.flush_queued {
            self.flush_queued = true;
            self.queue.push(self.now, Event::NetworkFlush);
        }
        for d in due {
            self.queue.push(d.at, Event::LinkDue { link: d.link, generation: d.generation });
        }
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Timeline(i) => self.apply_timeline(i as usize),
            Event::WorkloadSync(w) => self.sync_workload(w),
            Event::PodReady(pod) => self.on_pod_ready(pod),
            Event::PodAvailable(pod) => self.on_pod_available(pod),
            Event::PodGone(pod) => self.on_pod_gone(pod),
            Event::NodeReplacementCheck => self.check_replacements(),
            Event::ContainerExited { pod, container } => self.on_init_container_exited(pod, container as usize),
            Event::PodSync { pod, generation } => self.sync_pod(pod, generation),
            Event::PullRejected { pull, failure } => self.finish_pull(pull, Err(failure)),
            Event::ManifestResponse { pull } => self.on_manifest_response(pull),
            Event::BlobResponse { pull, layer } => self.on_blob_response(pull, layer),
            Event::NetworkFlush => {
                self.flush_queued = false;
                let due = self.world.network.flush(self.now);
                self.schedule_flows(due);
            }
            Event::LinkDue { link, generation } => {
                if let Some((done, due)) = self.world.network.due(self.now, link, generation) {
                    self.schedule_flows(due);
                    for purpose in done {
                        self.on_flow_done(purpose);
                    }
                }
            }
        }
    }
}
