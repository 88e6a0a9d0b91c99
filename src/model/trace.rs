//! The trace: every observable thing a run did, in order, with ids into the run's state. The report layer
//! turns it into events.jsonl and the summary; ids keep it small at fleet scale.

use super::spec::{ImageId, LayerId, RegistryId, WorkloadId};
use crate::engine::{SimDuration, SimTime};

/// A node of the cluster (index into the run's nodes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

/// A pod (index into the run's pods; pods are never reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PodId(pub u32);

/// One image pull request handed to a node's puller (index into the run's pulls).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PullId(pub u32);

/// Why a pull or an image check failed, with the kubelet's waiting reason and message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullFailure {
    /// The node's registryPullQPS bucket had no token (throttled image service).
    QpsExceeded,
    /// The registry has no such repository, tag or digest (404 on the manifest).
    ManifestUnknown,
    /// The registry answered 503 (an outage).
    RegistryUnavailable,
    /// No registry of that host exists in the scenario.
    NoSuchHost,
    /// The pod was deleted; the kubelet cancelled the sync's context.
    Cancelled,
    /// A private registry refused an anonymous pull (401, then `insufficient_scope` from its token service).
    AccessDenied,
    /// A private registry refused every credential the kubelet tried (401 on each).
    Unauthorized,
}

impl PullFailure {
    /// The message carried by ErrImagePull.
    pub fn message(self) -> &'static str {
        match self {
            PullFailure::QpsExceeded => "pull QPS exceeded",
            PullFailure::ManifestUnknown => "not found: manifest unknown",
            PullFailure::RegistryUnavailable => "unexpected status: 503 Service Unavailable",
            PullFailure::NoSuchHost => "dial tcp: lookup: no such host",
            PullFailure::Cancelled => "context canceled",
            PullFailure::AccessDenied => {
                "pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed"
            }
            PullFailure::Unauthorized => "failed to authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized",
        }
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq)]
pub enum TraceKind {
    /// A pod object was created.
    PodCreated {
        /// Pod.
        pod: PodId,
    },
    /// The scheduler bound a pod to a node.
    PodScheduled {
        /// Pod.
        pod: PodId,
        /// Node.
        node: NodeId,
    },
    /// A pod is gone: its containers have exited after its deletion (or its node was removed).
    PodDeleted {
        /// Pod.
        pod: PodId,
    },
    /// A pod was deleted (it has a deletionTimestamp): controllers no longer count it, its containers are
    /// being stopped within terminationGracePeriodSeconds and keep running until then.
    PodTerminating {
        /// Pod.
        pod: PodId,
    },
    /// A pod's Ready condition became True (every app container started and passed its readiness delay).
    PodReady {
        /// Pod.
        pod: PodId,
    },
    /// All of a pod's app containers run.
    PodRunning {
        /// Pod.
        pod: PodId,
    },
    /// The image manager asked the puller for an image ("Pulling image").
    PullQueued {
        /// Pull.
        pull: PullId,
    },
    /// The puller started the pull (it got its slot).
    PullStarted {
        /// Pull.
        pull: PullId,
    },
    /// The pull succeeded ("Successfully pulled image ... in X (Y including waiting)").
    PullCompleted {
        /// Pull.
        pull: PullId,
        /// The manifest pulled.
        image: ImageId,
        /// Bytes downloaded by this pull.
        bytes: u64,
        /// Started -> completed.
        duration: SimDuration,
        /// Queued -> completed.
        including_waiting: SimDuration,
    },
    /// The pull failed: ErrImagePull.
    PullFailed {
        /// Pull.
        pull: PullId,
        /// Why.
        failure: PullFailure,
    },
    /// The pull was cancelled because its pod was deleted.
    PullCancelled {
        /// Pull.
        pull: PullId,
    },
    /// A failed pull opened (or widened) the backoff window, or a sync found it still open
    /// ("Back-off pulling image", ImagePullBackOff).
    Backoff {
        /// Pod.
        pod: PodId,
        /// Container index in start order.
        container: u32,
        /// When the window ends.
        until: SimTime,
        /// True when a sync was refused inside the window (ImagePullBackOff) rather than a window opened.
        refused: bool,
    },
    /// The image was present and the policy did not ask for a pull ("already present on machine").
    ImagePresent {
        /// Pod.
        pod: PodId,
        /// Container index in start order.
        container: u32,
        /// The manifest found.
        image: ImageId,
    },
    /// Never policy and the image is absent: ErrImageNeverPull.
    ImageNeverPull {
        /// Pod.
        pod: PodId,
        /// Container index in start order.
        container: u32,
    },
    /// The image name does not parse: InvalidImageName.
    InvalidImageName {
        /// Pod.
        pod: PodId,
        /// Container index in start order.
        container: u32,
    },
    /// A container started with this manifest.
    ContainerStarted {
        /// Pod.
        pod: PodId,
        /// Container index in start order.
        container: u32,
        /// The manifest it runs.
        image: ImageId,
    },
    /// A tag now points to another manifest.
    TagPushed {
        /// Registry.
        registry: RegistryId,
        /// Repository path.
        repository: String,
        /// Tag.
        tag: String,
        /// New manifest.
        image: ImageId,
    },
    /// A node joined.
    NodeAdded {
        /// Node.
        node: NodeId,
    },
    /// A sync found `imagePullSecrets` that do not exist in the pod's namespace: the kubelet's
    /// `FailedToRetrieveImagePullSecret` warning. Its pulls go on without them.
    PullSecretsMissing {
        /// Pod.
        pod: PodId,
    },
    /// A private registry refused (401) the credential a pull carried, its `attempt`-th (from 0); the next one
    /// is tried.
    CredentialRefused {
        /// Pull.
        pull: PullId,
        /// Which of the pod's credentials.
        attempt: u32,
    },
    /// A node was cordoned (marked unschedulable) for a drain by replaceNodes: the scheduler no longer picks
    /// it; DaemonSet pods stay and may still be placed on it.
    NodeCordoned {
        /// Node.
        node: NodeId,
    },
    /// A node left the cluster (removeNodes, or replaced by replaceNodes).
    NodeRemoved {
        /// Node.
        node: NodeId,
    },
    /// A workload's controller began rolling out a new template revision.
    RolloutStarted {
        /// Workload.
        workload: WorkloadId,
        /// Revision (0 is the template the workload was created with).
        revision: u32,
    },
    /// Every desired pod of the workload is of `revision` and available, and no older pod is active (a
    /// Deployment's old pods may still be terminating: DeploymentComplete counts active pods only).
    RolloutCompleted {
        /// Workload.
        workload: WorkloadId,
        /// Revision.
        revision: u32,
    },
    /// An init container exited successfully.
    ContainerExited {
        /// Pod.
        pod: PodId,
        /// Container index in start order.
        container: u32,
    },
    /// A registry outage began.
    RegistryDown {
        /// Registry.
        registry: RegistryId,
        /// When it ends.
        until: SimTime,
    },
    /// A workload's replica count changed.
    Scaled {
        /// Workload.
        workload: WorkloadId,
        /// New count.
        replicas: u32,
    },
    /// A workload's template got a new imagePullPolicy for a container.
    PullPolicyUpdated {
        /// Workload.
        workload: WorkloadId,
        /// Container name.
        container: String,
        /// New policy.
        policy: super::image_ref::PullPolicy,
    },
    /// A workload's template got a new image.
    ImageUpdated {
        /// Workload.
        workload: WorkloadId,
        /// Container name.
        container: String,
        /// New image as written.
        image: String,
    },
}

/// One trace record.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceEvent {
    /// When.
    pub t: SimTime,
    /// What.
    pub kind: TraceKind,
}

/// One step in the life of a layer blob on a node, which the trace does not carry (layers are not in
/// events.jsonl). Recorded only by [`crate::model::run_recorded`], for tests that check the model from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerStep {
    /// The pull sent a blob request for the layer to its registry.
    Requested,
    /// The blob answer was a 503, or came after the pull had ended: no data flowed and the pull gave the
    /// layer up (another pull waiting for it may request it next).
    Dropped,
    /// The blob answer came: the layer's bytes start to flow from the registry to the node.
    TransferStarted,
    /// The last byte arrived; `bytes` were counted as served by the registry and as fetched by the pull.
    TransferDone {
        /// Bytes moved.
        bytes: u64,
    },
    /// The layer is unpacked over the node's disk and now present on the node.
    Unpacked,
}

/// A [`LayerStep`] of layer `layer` for pull `pull` (on that pull's node) at time `t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerRecord {
    /// When.
    pub t: SimTime,
    /// The pull that requested (owns) the layer's download.
    pub pull: PullId,
    /// The layer.
    pub layer: LayerId,
    /// What happened.
    pub step: LayerStep,
}
