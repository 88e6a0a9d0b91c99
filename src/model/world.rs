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
    /// containerd `max_concurrent_downloads`.
    pub max_concurrent_downloads: u32,
    /// Pods bound here and not deleted.
    pub pods: u32,
    /// Offset of this kubelet's 1 s sync ticker.
    pub sync_tick_phase: SimDuration,
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
    /// Started with this manifest (init containers count as started and done).
    Running(ImageId),
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
    /// Deleted pods stay in the table; their events are ignored.
    pub deleted: bool,
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
}

/// A workload during the run.
#[derive(Debug)]
pub struct Workload {
    /// Desired replicas.
    pub replicas: u32,
    /// Template revisions; the last is current.
    pub revisions: Vec<PodTemplate>,
    /// Live pods, oldest first.
    pub pods: Vec<PodId>,
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
}

impl World {
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
