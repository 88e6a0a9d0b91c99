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
}

impl Default for KubeletConfig {
    fn default() -> Self {
        KubeletConfig {
            serialize_image_pulls: true,
            max_parallel_image_pulls: None,
            registry_pull_qps: 5,
            registry_burst: 10,
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
}

impl ContainerSpec {
    /// A container whose policy is `policy`, or the API server's default for `image` when `None`.
    pub fn new(name: &str, image: &str, policy: Option<PullPolicy>) -> Self {
        ContainerSpec {
            name: name.to_string(),
            image: image.to_string(),
            parsed: ImageRef::parse(image),
            pull_policy: policy.unwrap_or_else(|| super::image_ref::default_pull_policy(image)),
        }
    }
}

/// A pod template: init containers run first, in order, then the app containers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PodTemplate {
    /// `initContainers`.
    pub init_containers: Vec<ContainerSpec>,
    /// `containers`.
    pub containers: Vec<ContainerSpec>,
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
    /// A Deployment: `replicas` pods from a template, replaced when the template changes.
    Deployment,
    /// A bare Pod.
    Pod,
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
    /// Replicas at the start.
    pub replicas: u32,
    /// The pod template.
    pub template: PodTemplate,
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
    /// Most trace records the run may keep before it stops early (normally [`crate::model::MAX_TRACE_EVENTS`]).
    pub max_trace_events: usize,
}
