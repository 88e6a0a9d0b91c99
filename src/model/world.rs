//! The cluster's state during a run: nodes, pods, pulls, registries, workloads and the network, as plain
//! structs in Vecs indexed by ids. The loop that advances it lives in `sim.rs`; the behaviour in
//! `kubelet.rs`, `runtime.rs` and `controller.rs`.

use super::image_ref::ImageRef;
pub use super::registry::{Registry, RegistryStats, Repository};
use super::spec::{ClusterSpec, ImageId, LayerId, PodTemplate, PoolId, RegistryId, WorkloadId};
use super::trace::{NodeId, PodId, PullId};
use crate::engine::{SimDuration, SimTime};
use crate::model::kubelet::backoff::Backoff;
use crate::model::kubelet::puller::ImagePuller;
use crate::model::kubelet::token_bucket::TokenBucket;
use crate::model::network::bandwidth::{LinkId, Network};
use crate::model::runtime::image_store::ImageStore;
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// A node: its links, its kubelet's puller, limiter and backoff, and its runtime's storage.
#[derive(Debug)]
pub struct Node {
    /// `<pool>-<index>`.
    pub name: String,
    /// The pool it came from.
    pub pool: PoolId,
    /// NIC link.
    pub nic: LinkId,
    /// Disk (unpack) link.
    pub disk: LinkId,
    /// The kubelet's puller.
    pub puller: ImagePuller<PullId>,
    /// registryPullQPS bucket; `None` when registryPullQPS is 0.
    pub limiter: Option<TokenBucket>,
    /// The image manager's backoff, keyed like the kubelet's (pod UID, image).
    pub backoff: Backoff<(PodId, String)>,
    /// The runtime's images and layers.
    pub store: ImageStore,
    /// KubeletEnsureSecretPulledImages: who may use which pulled image.
    pub pull_records: crate::model::kubelet::pull_records::PullRecords,
    /// containerd `max_concurrent_downloads`.
    pub max_concurrent_downloads: u32,
    /// The live pods bound to the node (bound and not deleted), in no particular order: what a drain and the
    /// pod garbage collector list by `spec.nodeName`, and the scheduler counts.
    pub bound: Vec<PodId>,
    /// Offset of this kubelet's 1 s sync ticker.
    pub sync_tick_phase: SimDuration,
    /// Offset of this kubelet's 1 s generic PLEG relist, which notices an exited container.
    pub pleg_relist_phase: SimDuration,
    /// Unschedulable (cordoned for a drain): the scheduler no longer picks it.
    pub cordoned: bool,
    /// Gone from the cluster.
    pub removed: bool,
}

/// Why a container is not running (the kubelet's waiting reasons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitingReason {
    /// Not looked at yet, or its image is being pulled.
    ContainerCreating,
    /// The last pull failed.
    ErrImagePull,
    /// A sync found the backoff window open.
    ImagePullBackOff,
    /// Never policy, image absent.
    ErrImageNeverPull,
    /// The name does not parse.
    InvalidImageName,
}

/// A container's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerState {
    /// Not started.
    Waiting(WaitingReason),
    /// Started with this manifest and not exited.
    Running(ImageId),
    /// An init container that ran with this manifest and exited successfully.
    Exited(ImageId),
}

impl ContainerState {
    /// Started, whether still running or (an init container) exited successfully.
    pub fn started(&self) -> bool {
        matches!(self, ContainerState::Running(_) | ContainerState::Exited(_))
    }
}

/// The pod worker's progress through one sync (pkg/kubelet/pod_workers.go + SyncPod).
#[derive(Debug, Default)]
pub struct PodWorker {
    /// Next container (start order) to look at in the current sync.
    pub next: usize,
    /// Whether the current sync has failed somewhere.
    pub failed: bool,
    /// The pull the sync is blocked on.
    pub pulling: Option<PullId>,
    /// Generation of the scheduled sync; older sync events are stale.
    pub generation: u32,
    /// This pod worker's jitter stream, made on first use.
    pub rng: Option<Box<ChaCha8Rng>>,
}

/// A pod.
#[derive(Debug)]
pub struct Pod {
    /// `<workload>-<ordinal>`.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// Owning workload.
    pub workload: WorkloadId,
    /// Template revision of the workload it was created from.
    pub revision: u32,
    /// Node it is bound to.
    pub node: Option<NodeId>,
    /// Creation time.
    pub created: SimTime,
    /// When all app containers first ran.
    pub running_at: Option<SimTime>,
    /// The latest instant an app container started so far plus its readiness delay.
    pub ready_due: SimTime,
    /// When the Ready condition became True.
    pub ready_at: Option<SimTime>,
    /// Ready for `minReadySeconds` (and not terminating): what controllers count as available.
    pub available: bool,
    /// Deleted (deletionTimestamp set): controllers no longer count it; it runs until its containers exit.
    pub terminating: bool,
    /// The termination has begun: the pod worker's sync is over and the containers are being stopped.
    pub stopping: bool,
    /// Gone from the API. Gone pods stay in the table; their events are ignored.
    pub deleted: bool,
    /// StatefulSet ordinal; for other kinds the creation counter.
    pub ordinal: u32,
    /// Container states in start order.
    pub containers: Vec<ContainerState>,
    /// Pod worker state.
    pub worker: PodWorker,
    /// The pod's own template when admission changed it (AlwaysPullImages, pinDigests Pod).
    pub admitted: Option<Box<PodTemplate>>,
}

/// One pull handed to a node's runtime.
#[derive(Debug)]
pub struct Pull {
    /// Node.
    pub node: NodeId,
    /// Pod that asked.
    pub pod: PodId,
    /// Container index in start order.
    pub container: u32,
    /// The image as written in the pod spec (the backoff key).
    pub image: String,
    /// Its parsed reference.
    pub reference: ImageRef,
    /// When the image manager asked.
    pub queued: SimTime,
    /// When the puller started it.
    pub started: Option<SimTime>,
    /// Finished either way.
    pub done: bool,
    /// Its pod was deleted: the sync's context is cancelled.
    pub cancelled: bool,
    /// Registry serving it.
    pub registry: Option<RegistryId>,
    /// Manifest it resolved to.
    pub image_id: Option<ImageId>,
    /// Layers this pull still has to request.
    pub to_fetch: VecDeque<LayerId>,
    /// Layer requests of this pull in flight.
    pub fetching: u32,
    /// Layers it still needs present (its own and others' in flight or unpacking).
    pub pending: u32,
    /// Bytes this pull downloaded.
    pub fetched_bytes: u64,
    /// When the last layer it needed finished downloading (its own or another pull's); unpacking may go on
    /// after that. `None` if it needed no download.
    pub downloaded_at: Option<SimTime>,
    /// Which of the pod's credentials the current manifest request carries (a private registry only).
    pub attempt: u32,
}

/// A Deployment's ReplicaSet: one per distinct template revision (the index is the revision).
#[derive(Debug, Clone, Default)]
pub struct ReplicaSet {
    /// `spec.replicas`.
    pub replicas: u32,
    /// `deployment.kubernetes.io/desired-replicas`, written at each scale.
    pub desired_annotation: u32,
    /// `deployment.kubernetes.io/max-replicas`, written at each scale.
    pub max_annotation: u32,
    /// `status.replicas`: its pods that are not terminating.
    pub active: u32,
    /// `status.availableReplicas`.
    pub available: u32,
    /// Its active pods, in the order the ReplicaSet controller deletes them (first = first to go).
    pub victims: BTreeSet<VictimKey>,
}

/// A pod's place in its ReplicaSet's deletion order (replica_set.go getPodsToDelete, ActivePodsWithRanks):
/// unscheduled before scheduled, Pending before Running, not Ready before Ready, Ready more recently before
/// Ready longer, newer before older.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct VictimKey {
    /// 0 unscheduled, 1 pending, 2 running not ready, 3 ready.
    pub phase: u8,
    /// Reverse of the ready time (more recently ready first).
    pub ready: std::cmp::Reverse<SimTime>,
    /// Reverse of the pod id (newer first).
    pub pod: std::cmp::Reverse<PodId>,
}

/// A workload during the run.
#[derive(Debug)]
pub struct Workload {
    /// Desired replicas.
    pub replicas: u32,
    /// Distinct template revisions, in the order they were first used.
    pub revisions: Vec<PodTemplate>,
    /// The revision the workload's template is now (the update revision).
    pub current: u32,
    /// Deployment: its ReplicaSets, by revision.
    pub replica_sets: Vec<ReplicaSet>,
    /// StatefulSet: the revision its pods were at when its last update finished (`currentRevision`).
    pub stable_revision: u32,
    /// A rollout of this revision has started and not yet completed.
    pub rolling_out: Option<u32>,
    /// A controller sync is queued for this instant.
    pub sync_queued: bool,
    /// Pods that exist (including terminating ones), by id.
    pub pods: BTreeSet<PodId>,
    /// Next pod ordinal.
    pub next_ordinal: u32,
    /// App container name -> manifest -> running containers.
    pub running: BTreeMap<String, BTreeMap<ImageId, u32>>,
    /// Most distinct manifests running at once for one app container.
    pub max_distinct: u32,
}

/// What a flow moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowPurpose {
    /// A layer blob from a registry to a node, fetched by `pull`.
    Layer {
        /// Owner pull.
        pull: PullId,
        /// Layer.
        layer: LayerId,
    },
    /// Unpacking a layer `pull` fetched onto the node's disk.
    Unpack {
        /// Owner pull.
        pull: PullId,
        /// Layer.
        layer: LayerId,
    },
}

/// Every piece of cluster state.
#[derive(Debug)]
pub struct World {
    /// The input, for names, layers and images.
    pub spec: ClusterSpec,
    /// Nodes by id.
    pub nodes: Vec<Node>,
    /// Next index per pool.
    pub pool_next_index: Vec<u32>,
    /// Pods by id.
    pub pods: Vec<Pod>,
    /// Pulls by id.
    pub pulls: Vec<Pull>,
    /// Registries by id.
    pub registries: Vec<Registry>,
    /// Registry host -> id.
    pub registry_by_host: BTreeMap<String, RegistryId>,
    /// Manifest digest -> image.
    pub image_by_digest: BTreeMap<String, ImageId>,
    /// Workloads by id.
    pub workloads: Vec<Workload>,
    /// Nodes ordered by (pods bound, id): the scheduler's view.
    pub schedulable: BTreeSet<(u32, NodeId)>,
    /// Pods waiting for a node, oldest first.
    pub unscheduled: VecDeque<PodId>,
    /// Bandwidth.
    pub network: Network<FlowPurpose>,
    /// Pods created and not running, not terminating and not gone (the rolling node replacement waits for 0).
    pub pending_pods: u32,
    /// Rolling node replacements in progress.
    pub replacements: Vec<NodeReplacement>,
    /// The scheduler's rotating start index into the node list (`nextStartNodeIndex`).
    pub next_start_node: usize,
}

/// A `replaceNodes` in progress: the batch being drained, and the nodes still to replace.
#[derive(Debug, Clone)]
pub struct NodeReplacement {
    /// Pool.
    pub pool: PoolId,
    /// Old nodes not yet drained, oldest first.
    pub queue: VecDeque<NodeId>,
    /// Nodes drained at once.
    pub max_unavailable: u32,
    /// The batch being drained.
    pub draining: Vec<NodeId>,
    /// The first batch has been taken.
    pub started: bool,
}

impl World {
    /// The template of a workload's revision.
    pub fn revision(&self, workload: WorkloadId, revision: u32) -> &PodTemplate {
        &self.workloads[workload.0 as usize].revisions[revision as usize]
    }

    /// The template a pod was created from, as admission left it.
    pub fn template(&self, pod: PodId) -> &PodTemplate {
        let p = &self.pods[pod.0 as usize];
        match &p.admitted {
            Some(t) => t,
            None => &self.workloads[p.workload.0 as usize].revisions[p.revision as usize],
        }
    }

    /// `namespace/name` of a pod.
    pub fn pod_key(&self, pod: PodId) -> String {
        let p = &self.pods[pod.0 as usize];
        format!("{}/{}", p.namespace, p.name)
    }
}
