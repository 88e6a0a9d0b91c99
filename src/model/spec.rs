//! What a run is given: the validated, fully resolved description of registries, images, node pools,
//! workloads and the timeline. The scenario layer builds it; nothing in it needs checking again.

use super::image_ref::{ImageRef, ImageRefError, PullPolicy};
use crate::engine::{SimDuration, SimTime};
use std::collections::BTreeMap;

/// Index of a layer (blob) in [`ClusterSpec::layers`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LayerId(pub u32);

/// Index of an image manifest in [`ClusterSpec::images`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImageId(pub u32);

/// Index of a registry in [`ClusterSpec::registries`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegistryId(pub u32);

/// Index of a node pool in [`ClusterSpec::node_pools`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PoolId(pub u32);

/// Index of a workload in [`ClusterSpec::workloads`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkloadId(pub u32);

/// A layer blob: content-addressed, shared by every image that lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerSpec {
    /// The scenario's name for it.
    pub name: String,
    /// Its `sha256:` digest.
    pub digest: String,
    /// Compressed size as transferred.
    pub size_bytes: u64,
}

/// An image manifest: an ordered list of layers, addressed by the digest of its canonical text.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageSpec {
    /// The scenario's name for it.
    pub name: String,
    /// The manifest digest (`sha256:` + 64 hex).
    pub digest: String,
    /// Its layers, base first.
    pub layers: Vec<LayerId>,
}

/// One repository in a registry: tags pointing at manifests, plus every manifest ever pushed there
/// (a registry keeps a manifest addressable by digest after its tag moves on).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RepositorySpec {
    /// Tag -> manifest at the start of the run.
    pub tags: BTreeMap<String, ImageId>,
}

/// A registry host with its egress bandwidth and request latency.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistrySpec {
    /// Host with optional port, as it appears in normalised references (`docker.io`, `localhost:5000`).
    pub host: String,
    /// Egress bandwidth shared by all transfers from it; `None` = unlimited.
    pub bandwidth_bps: Option<u64>,
    /// Round trip of one request (manifest or blob) before data flows.
    pub latency: SimDuration,
    /// Repositories by path (`team/app`, `library/nginx`).
    pub repositories: BTreeMap<String, RepositorySpec>,
    /// Who may read what, when the registry requires authentication; `None` = anonymous reads.
    pub auth: Option<RegistryAuth>,
}

/// A private registry's access rules: which usernames may read which repositories. Passwords are not checked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RegistryAuth {
    /// Username -> repository prefixes it may read (`team` covers `team` and `team/...`; `*` every repository).
    pub accept: BTreeMap<String, Vec<String>>,
}

impl RegistryAuth {
    /// Whether `username` may read `repository`.
    pub fn accepts(&self, username: &str, repository: &str) -> bool {
        self.accept.get(username).is_some_and(|prefixes| {
            prefixes.iter().any(|p| {
                let p = p.trim_end_matches('/');
                p == "*" || repository == p || repository.strip_prefix(p).is_some_and(|rest| rest.starts_with('/'))
            })
        })
    }
}

/// One entry of a docker config (`auths.<location>`), after its `auth` field is decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// Where it comes from: `secret <namespace>/<name>` or `node <pool>`.
    pub source: String,
    /// `username` (or the user part of `auth`).
    pub username: String,
}

/// The type of a Secret, as far as the kubelet's keyring cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretType {
    /// `kubernetes.io/dockerconfigjson` (its `.dockerconfigjson` payload).
    DockerConfigJson,
    /// `kubernetes.io/dockercfg` (its `.dockercfg` payload).
    Dockercfg,
    /// Any other type: the kubelet ignores it for pulls.
    Other(String),
}

/// A Secret a pod may name in `imagePullSecrets`.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretSpec {
    /// Its type.
    pub kind: SecretType,
    /// Its docker config entries: location as written -> credential, in location order.
    pub auths: Vec<(String, Credential)>,
}

/// The kubelet settings that shape pulling (KubeletConfiguration).
///
/// ## Default values
/// - `serializeImagePulls`: true
/// - `maxParallelImagePulls`: unset (no limit when pulls are not serialised)
/// - `registryPullQPS`: 5 (0 = no limit)
/// - `registryBurst`: 10
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KubeletConfig {
    /// `serializeImagePulls`.
    pub serialize_image_pulls: bool,
    /// `maxParallelImagePulls`.
    pub max_parallel_image_pulls: Option<u32>,
    /// `registryPullQPS`.
    pub registry_pull_qps: u32,
    /// `registryBurst`.
    pub registry_burst: u32,
    /// Not a kubelet field: a what-if that cancels a deleted pod's pull at once, as the kubelet would if
    /// kubernetes issue #125050 were fixed. The real kubelet (false) lets the pull run to completion.
    pub cancel_pull_on_pod_delete: bool,
    /// The `KubeletEnsureSecretPulledImages` feature gate (on by default from Kubernetes 1.35, Beta).
    pub ensure_secret_pulled_images: bool,
    /// `imagePullCredentialsVerificationPolicy` (with the gate on).
    pub verification_policy: VerificationPolicy,
}

/// `imagePullCredentialsVerificationPolicy`: when a present image must be pulled again with the pod's own
/// credentials before the pod may use it (pkg/kubelet/images/pullmanager, KEP-2535).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VerificationPolicy {
    /// Never: any pod uses any present image.
    NeverVerify,
    /// Images the kubelet pulled are verified; preloaded ones are not (the default).
    #[default]
    NeverVerifyPreloadedImages,
    /// Every image is verified unless `preloadedImagesVerificationAllowlist` matches it as written.
    NeverVerifyAllowlistedImages,
    /// Every image is verified.
    AlwaysVerify,
}

impl VerificationPolicy {
    /// The name as written in KubeletConfiguration.
    pub fn as_str(self) -> &'static str {
        match self {
            VerificationPolicy::NeverVerify => "NeverVerify",
            VerificationPolicy::NeverVerifyPreloadedImages => "NeverVerifyPreloadedImages",
            VerificationPolicy::NeverVerifyAllowlistedImages => "NeverVerifyAllowlistedImages",
            VerificationPolicy::AlwaysVerify => "AlwaysVerify",
        }
    }
}

impl Default for KubeletConfig {
    fn default() -> Self {
        KubeletConfig {
            serialize_image_pulls: true,
            max_parallel_image_pulls: None,
            registry_pull_qps: 5,
            registry_burst: 10,
            cancel_pull_on_pod_delete: false,
            ensure_secret_pulled_images: true,
            verification_policy: VerificationPolicy::NeverVerifyPreloadedImages,
        }
    }
}

/// An image baked into a pool's node image, resolved when the scenario starts.
#[derive(Debug, Clone, PartialEq)]
pub struct PreloadedImage {
    /// The normalised reference it is known by on the node.
    pub reference: ImageRef,
    /// The manifest it is.
    pub image: ImageId,
}

/// A group of identical nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct NodePoolSpec {
    /// Pool name; nodes are called `<pool>-<index>`.
    pub name: String,
    /// Nodes at the start.
    pub count: u32,
    /// NIC bandwidth; `None` = unlimited.
    pub bandwidth_bps: Option<u64>,
    /// Unpack (decompress and write) throughput; `None` = unpacking takes no time.
    pub disk_write_bps: Option<u64>,
    /// containerd's `max_concurrent_downloads`: layers fetched at once per pull (default 3).
    pub max_concurrent_downloads: u32,
    /// Kubelet settings.
    pub kubelet: KubeletConfig,
    /// Images present on every new node of the pool.
    pub preloaded: Vec<PreloadedImage>,
    /// The node's docker `config.json` entries (location -> credential), in location order.
    pub node_credentials: Vec<(String, Credential)>,
    /// `preloadedImagesVerificationAllowlist`: normalised names, or prefixes ending in `/*`.
    pub verification_allowlist: Vec<String>,
}

/// A container of a pod template, with its pull policy already defaulted.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerSpec {
    /// Container name.
    pub name: String,
    /// The image as written.
    pub image: String,
    /// The image parsed as the kubelet parses it (an error becomes InvalidImageName at pull time).
    pub parsed: Result<ImageRef, ImageRefError>,
    /// imagePullPolicy, defaulted once when the object was created (pkg/apis/core/v1/defaults.go).
    pub pull_policy: PullPolicy,
    /// App container: time from its start until its readiness probe first passes (pullsim's stand-in for a
    /// probe; 0 = Ready at once).
    pub readiness_delay: SimDuration,
    /// Time the container takes to exit after SIGTERM (capped by the pod's terminationGracePeriodSeconds).
    pub termination_delay: SimDuration,
    /// Init container: how long it runs before exiting successfully.
    pub run_duration: SimDuration,
}

impl ContainerSpec {
    /// A container whose policy is `policy`, or the API server's default for `image` when `None`.
    pub fn new(name: &str, image: &str, policy: Option<PullPolicy>) -> Self {
        ContainerSpec {
            name: name.to_string(),
            image: image.to_string(),
            parsed: ImageRef::parse(image),
            pull_policy: policy.unwrap_or_else(|| super::image_ref::default_pull_policy(image)),
            readiness_delay: SimDuration::ZERO,
            termination_delay: SimDuration::ZERO,
            run_duration: SimDuration::ZERO,
        }
    }

    /// The same container with another image (a `setImage` or a pinned digest): imagePullPolicy and every
    /// other field stay as they are (the API server does not re-default the policy on update).
    pub fn with_image(&self, image: &str) -> Self {
        ContainerSpec { image: image.to_string(), parsed: ImageRef::parse(image), ..self.clone() }
    }
}

/// `terminationGracePeriodSeconds` when a pod does not set it (`DefaultTerminationGracePeriodSeconds`).
pub const DEFAULT_TERMINATION_GRACE: SimDuration = SimDuration::from_secs(30);

/// A pod template: init containers run first, in order, then the app containers.
#[derive(Debug, Clone, PartialEq)]
pub struct PodTemplate {
    /// `initContainers`.
    pub init_containers: Vec<ContainerSpec>,
    /// `containers`.
    pub containers: Vec<ContainerSpec>,
    /// `terminationGracePeriodSeconds` (default 30 s).
    pub termination_grace: SimDuration,
    /// `imagePullSecrets`: names of Secrets in the pod's namespace, in order. When the template lists none,
    /// the ServiceAccount admission plugin's copy of its ServiceAccount's list, made when the scenario is read
    /// (ServiceAccounts do not change during a run, so every pod would get the same copy).
    pub image_pull_secrets: Vec<String>,
    /// `serviceAccountName` (default `default`).
    pub service_account: String,
}

impl Default for PodTemplate {
    fn default() -> Self {
        PodTemplate {
            init_containers: Vec::new(),
            containers: Vec::new(),
            termination_grace: DEFAULT_TERMINATION_GRACE,
            image_pull_secrets: Vec::new(),
            service_account: "default".to_string(),
        }
    }
}

impl PodTemplate {
    /// Every container in the order the kubelet starts them.
    pub fn in_start_order(&self) -> impl Iterator<Item = &ContainerSpec> {
        self.init_containers.iter().chain(&self.containers)
    }

    /// Number of containers of both kinds.
    pub fn len(&self) -> usize {
        self.init_containers.len() + self.containers.len()
    }

    /// Whether there is no container.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`-th container in start order.
    pub fn container(&self, i: usize) -> &ContainerSpec {
        if i < self.init_containers.len() {
            &self.init_containers[i]
        } else {
            &self.containers[i - self.init_containers.len()]
        }
    }

    /// Whether the `i`-th container in start order is an init container.
    pub fn is_init(&self, i: usize) -> bool {
        i < self.init_containers.len()
    }
}

/// The kind of workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkloadKind {
    /// A Deployment: `replicas` pods from a template through one ReplicaSet per template revision.
    Deployment,
    /// A DaemonSet: one pod per node of the pools it selects.
    DaemonSet,
    /// A StatefulSet: pods with stable ordinals `<name>-0`, `<name>-1`, ...
    StatefulSet,
    /// A bare Pod.
    Pod,
}

impl WorkloadKind {
    /// The kind as the API writes it.
    pub fn name(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::Pod => "Pod",
        }
    }
}

/// An `IntOrString` count: a whole number, or a percent of a total (intstr.GetScaledValueFromIntOrPercent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntOrPercent {
    /// A count.
    Int(u32),
    /// A percent (`"25%"`).
    Percent(u32),
}

impl IntOrPercent {
    /// The count for `total`: a percent rounded up or down as asked, an int as written.
    pub fn scaled(self, total: u32, round_up: bool) -> u32 {
        match self {
            IntOrPercent::Int(n) => n,
            IntOrPercent::Percent(p) => {
                let x = p as u64 * total as u64;
                (if round_up { x.div_ceil(100) } else { x / 100 }) as u32
            }
        }
    }

    /// The number as written (a percent's number): what API validation compares with 0.
    pub fn literal(self) -> u32 {
        match self {
            IntOrPercent::Int(n) | IntOrPercent::Percent(n) => n,
        }
    }
}

/// A Deployment's `strategy` (apps/v1; default RollingUpdate 25%/25%).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeploymentStrategy {
    /// New ReplicaSet up, old ones down, within the surge and unavailability bounds.
    RollingUpdate {
        /// `maxSurge` (rounded up).
        max_surge: IntOrPercent,
        /// `maxUnavailable` (rounded down).
        max_unavailable: IntOrPercent,
    },
    /// Every old pod gone before any new one is created.
    Recreate,
}

impl Default for DeploymentStrategy {
    fn default() -> Self {
        DeploymentStrategy::RollingUpdate {
            max_surge: IntOrPercent::Percent(25),
            max_unavailable: IntOrPercent::Percent(25),
        }
    }
}

/// A DaemonSet's `updateStrategy` (default RollingUpdate, maxUnavailable 1, maxSurge 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DaemonSetUpdate {
    /// Replace old pods node by node within the bounds (both rounded up).
    RollingUpdate {
        /// `maxUnavailable`.
        max_unavailable: IntOrPercent,
        /// `maxSurge`.
        max_surge: IntOrPercent,
    },
    /// Replace a pod only when it is deleted.
    OnDelete,
}

impl Default for DaemonSetUpdate {
    fn default() -> Self {
        DaemonSetUpdate::RollingUpdate { max_unavailable: IntOrPercent::Int(1), max_surge: IntOrPercent::Int(0) }
    }
}

/// A StatefulSet's `updateStrategy` (default RollingUpdate with partition 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatefulSetUpdate {
    /// From the highest ordinal down to `partition`, one pod at a time.
    RollingUpdate {
        /// Ordinals below it keep their revision.
        partition: u32,
    },
    /// Replace a pod only when it is deleted.
    OnDelete,
}

impl Default for StatefulSetUpdate {
    fn default() -> Self {
        StatefulSetUpdate::RollingUpdate { partition: 0 }
    }
}

/// A StatefulSet's `podManagementPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PodManagementPolicy {
    /// Create in ordinal order, each after the previous is Running and Ready; delete in reverse.
    #[default]
    OrderedReady,
    /// Create and delete all at once.
    Parallel,
}

/// What the workload's controller does, per kind.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum WorkloadStrategy {
    /// A bare Pod: no controller.
    #[default]
    Pod,
    /// Deployment.
    Deployment(DeploymentStrategy),
    /// DaemonSet.
    DaemonSet {
        /// `updateStrategy`.
        update: DaemonSetUpdate,
        /// Pools whose nodes run it (empty: every pool).
        pools: Vec<PoolId>,
    },
    /// StatefulSet.
    StatefulSet {
        /// `podManagementPolicy`.
        policy: PodManagementPolicy,
        /// `updateStrategy`.
        update: StatefulSetUpdate,
    },
}

/// A workload and its pod template.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadSpec {
    /// Name (pods are `<name>-<ordinal>`).
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// Kind.
    pub kind: WorkloadKind,
    /// Replicas at the start (a DaemonSet's count follows its nodes).
    pub replicas: u32,
    /// The pod template.
    pub template: PodTemplate,
    /// The controller's strategy (matches `kind`).
    pub strategy: WorkloadStrategy,
    /// `minReadySeconds`: how long a Ready pod must stay Ready to count as available.
    pub min_ready: SimDuration,
}

/// The scheduler's scoring (`spec.scheduler`).
///
/// ## Default values
/// - `imageLocality`: false (pods go to the node with the fewest pods)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SchedulerSpec {
    /// Score nodes with the default profile's PodTopologySpread (weight 2) and ImageLocality (weight 1).
    pub image_locality: bool,
}

/// When the digest-pinning admission resolves tags (`spec.admission.pinDigests`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinDigests {
    /// At each pod's creation, for that pod.
    Pod,
    /// In the workload's template, when the workload is created and at each template change.
    Template,
}

/// The mutating admission the API server runs (see `model::control::admission`).
///
/// ## Default values
/// - `alwaysPullImages`: false
/// - `pinDigests`: unset (no pinning)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Admission {
    /// The AlwaysPullImages plugin.
    pub always_pull_images: bool,
    /// Digest pinning, and when.
    pub pin_digests: Option<PinDigests>,
}

impl Admission {
    /// Whether admission changes new pods (rather than only templates, or nothing).
    pub fn mutates_pods(&self) -> bool {
        self.always_pull_images || self.pin_digests == Some(PinDigests::Pod)
    }
}

/// Something that happens at a fixed time.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Points `tag` in a repository at another manifest (a `docker push`).
    PushTag {
        /// Registry.
        registry: RegistryId,
        /// Repository path.
        repository: String,
        /// Tag.
        tag: String,
        /// New manifest.
        image: ImageId,
    },
    /// Sets a workload's replicas.
    Scale {
        /// Workload.
        workload: WorkloadId,
        /// New replica count.
        replicas: u32,
    },
    /// Changes a container's image in a workload's template (a rollout; imagePullPolicy is not re-defaulted).
    SetImage {
        /// Workload.
        workload: WorkloadId,
        /// Container name.
        container: String,
        /// New image.
        image: String,
    },
    /// Changes a container's imagePullPolicy in a workload's template (a rollout).
    SetImagePullPolicy {
        /// Workload.
        workload: WorkloadId,
        /// Container name.
        container: String,
        /// New policy.
        policy: PullPolicy,
    },
    /// Adds nodes to a pool.
    AddNodes {
        /// Pool.
        pool: PoolId,
        /// How many.
        count: u32,
    },
    /// Removes the newest nodes of a pool; their pods are deleted and their controllers recreate them elsewhere.
    RemoveNodes {
        /// Pool.
        pool: PoolId,
        /// How many.
        count: u32,
    },
    /// A rolling node-image upgrade: `count` of the pool's nodes, oldest first, `max_unavailable` at a time, are
    /// drained and removed, each replaced by a new node that holds only the pool's preloaded images.
    ReplaceNodes {
        /// Pool.
        pool: PoolId,
        /// How many nodes to replace.
        count: u32,
        /// Nodes drained at once.
        max_unavailable: u32,
    },
    /// Makes a registry answer every request with 503 for a while.
    RegistryOutage {
        /// Registry.
        registry: RegistryId,
        /// How long.
        duration: SimDuration,
    },
}

/// A timeline entry.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEvent {
    /// When.
    pub at: SimTime,
    /// What.
    pub action: Action,
}

/// Everything one run needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterSpec {
    /// Seed of every random stream.
    pub seed: u64,
    /// Simulated time to run for.
    pub duration: SimDuration,
    /// Layers.
    pub layers: Vec<LayerSpec>,
    /// Image manifests.
    pub images: Vec<ImageSpec>,
    /// Registries.
    pub registries: Vec<RegistrySpec>,
    /// Node pools.
    pub node_pools: Vec<NodePoolSpec>,
    /// Workloads.
    pub workloads: Vec<WorkloadSpec>,
    /// Timeline, sorted by time (ties keep file order).
    pub timeline: Vec<TimelineEvent>,
    /// Mutating admission.
    pub admission: Admission,
    /// Scheduler scoring.
    pub scheduler: SchedulerSpec,
    /// Secrets by namespace, then name.
    pub secrets: BTreeMap<String, BTreeMap<String, SecretSpec>>,
    /// Most trace records the run may keep before it stops early (normally [`crate::model::MAX_TRACE_EVENTS`]).
    pub max_trace_events: usize,
}
