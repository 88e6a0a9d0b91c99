//! Random small, valid scenarios for property tests (`invariants.rs`), as YAML text.
//!
//! [`scenario`] is a proptest [`Strategy`] of [`GenScenario`]: a structured description whose every
//! cross-reference (a layer of an image, the image a tag points to, the registry and repository of a
//! reference, the workload of a timeline entry, ...) is a [`proptest::sample::Index`] resolved modulo the
//! current length of what it points into. So any shrink (a registry, workload or timeline entry removed, an
//! index or a size made smaller) still renders to a valid scenario. [`GenScenario::to_yaml`] renders it;
//! [`generate`] gives the scenario of one seed without a test runner (the test
//! `print_generated_scenario` prints it for `PULLSIM_GEN_SEED`), and [`parse_checked`] loads a generated text,
//! failing loudly if it is invalid (that is a generator bug).
//!
//! What a scenario can contain: 1-3 registries (plain hosts, `localhost:5000`, `docker.io` with familiar
//! names such as `nginx:v1`), with or without bandwidth and latency, 1-3 repositories each with initial tags
//! (including a numeric-looking `1.10`); layers shared between images, some with explicit digests, images
//! with derived or explicit digests; 1-3 node pools of 0-3 nodes with NIC and disk bandwidths,
//! `maxConcurrentDownloads` and every valid combination of `serializeImagePulls`, `maxParallelImagePulls`,
//! `registryPullQPS` and `registryBurst` (including QPS 0 = unlimited and burst 0 = always throttled), and
//! preloaded images by tag, digest and tag@digest, and `cancelPullOnPodDelete`; Deployments (default,
//! RollingUpdate with int and percent maxSurge/maxUnavailable, Recreate), DaemonSets (all pools or a list;
//! RollingUpdate with maxUnavailable/maxSurge, OnDelete), StatefulSets (OrderedReady or Parallel; RollingUpdate
//! with a partition, OnDelete) and bare Pods in several namespaces, with `minReadySeconds`,
//! `terminationGracePeriodSeconds`, init containers (with a `runDuration`) and several app containers (with
//! `readinessDelay` and `terminationDelay`), every `imagePullPolicy` and the defaulted one, references by tag,
//! by no tag (`latest`), by digest and by tag@digest, and references that fail: a missing tag or repository,
//! an unknown host, an unknown digest, a name that does not parse; the ImageLocality scheduler; a timeline of
//! `pushTag` (also to a new repository), `scale`, `setImage`, `setImagePullPolicy`, `addNodes`, `removeNodes`,
//! `replaceNodes` and `registryOutage`; private registries (`auth.accept` by user and repository), Secrets of
//! the docker config types and another in the namespaces, with entries keyed by host, `https://host/v2/`,
//! host/repository, a `*.` glob, an unrelated host or Docker Hub's index key, written as `username` or a base64
//! `auth`, pods' `imagePullSecrets` (some naming no Secret) and pools' `nodeCredentials`; and 0-2 variants
//! patching kubelet settings, a registry's bandwidth and latency, the seed, replicas, admission, or dropping the
//! timeline.
//!
//! Adding a knob for a new feature (credential providers, GC, mirrors): add a field to the `Gen*` struct it
//! belongs to (or a new `GenAction`/`GenVariant`/`GenRef` case), draw it in the matching strategy function
//! below (weights keep old cases common), render it in `to_yaml`, and add a limit to [`Knobs`] if its size
//! matters. Keep every reference an `Index` so shrinking stays valid.

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use pullsim::model::digest::{layer_digest, manifest_digest, sha256_digest};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Registry hosts a scenario may use; `docker.io` references are also written in familiar form.
pub const HOSTS: [&str; 4] = ["r0.example.com", "localhost:5000", "docker.io", "mirror.example.org:8443"];

/// Repository paths under a host other than `docker.io`.
const REPOS: [&str; 3] = ["app", "team/web", "lib/base"];

/// Repository paths under `docker.io` (normalised: one-component names carry `library/`).
const HUB_REPOS: [&str; 3] = ["library/nginx", "team/app", "library/busybox"];

/// Tags; `1.10` checks that a numeric-looking tag keeps its text.
pub const TAGS: [&str; 5] = ["v1", "v2", "latest", "1.10", "stable"];

/// A host no registry of any scenario has (pulls fail with "no such host").
const UNKNOWN_HOST: &str = "unknown.example.net";

/// Namespaces besides the default one.
const NAMESPACES: [&str; 3] = ["default", "team-a", "team-b"];

/// Usernames of credentials and of registries' `accept`.
const USERS: [&str; 3] = ["alice", "bob", "mallory"];

/// Secret types: the two the kubelet reads and one it ignores.
const SECRET_TYPES: [&str; 3] = ["kubernetes.io/dockerconfigjson", "kubernetes.io/dockercfg", "Opaque"];

/// `imagePullCredentialsVerificationPolicy` values.
const VERIFICATION_POLICIES: [&str; 4] =
    ["NeverVerify", "NeverVerifyPreloadedImages", "NeverVerifyAllowlistedImages", "AlwaysVerify"];

/// Size limits of generated scenarios; [`Knobs::default`] keeps a few hundred runs well under a minute in a
/// debug build.
#[derive(Debug, Clone, Copy)]
pub struct Knobs {
    /// Most registries (at least 1).
    pub max_registries: usize,
    /// Most layers (at least 1).
    pub max_layers: usize,
    /// Most images (at least 1).
    pub max_images: usize,
    /// Most node pools (at least 1).
    pub max_pools: usize,
    /// Most nodes per pool at the start.
    pub max_nodes_per_pool: u32,
    /// Most workloads (at least 1).
    pub max_workloads: usize,
    /// Most replicas of a Deployment, initially or after a scale.
    pub max_replicas: u32,
    /// Most timeline entries.
    pub max_timeline: usize,
    /// Fewest variants besides the base.
    pub min_variants: usize,
    /// Most variants besides the base.
    pub max_variants: usize,
    /// Shortest run, in seconds.
    pub min_duration_s: u32,
    /// Longest run, in seconds (20 min lets backoff windows reach 300 s).
    pub max_duration_s: u32,
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            max_registries: 3,
            max_layers: 7,
            max_images: 5,
            max_pools: 3,
            max_nodes_per_pool: 3,
            max_workloads: 4,
            max_replicas: 5,
            max_timeline: 8,
            min_variants: 0,
            max_variants: 2,
            min_duration_s: 30,
            max_duration_s: 1200,
        }
    }
}

/// A generated scenario, before rendering.
#[derive(Debug, Clone)]
pub struct GenScenario {
    /// `spec.seed`.
    pub seed: u64,
    /// `spec.duration` in seconds.
    pub duration_s: u32,
    /// Layers `l0`, `l1`, ...
    pub layers: Vec<GenLayer>,
    /// Images `img0`, `img1`, ...
    pub images: Vec<GenImage>,
    /// Registries.
    pub registries: Vec<GenRegistry>,
    /// Pools `p0`, `p1`, ...
    pub pools: Vec<GenPool>,
    /// Workloads: Deployments `d<i>`, Pods `s<i>`.
    pub workloads: Vec<GenWorkload>,
    /// Timeline entries.
    pub timeline: Vec<GenEntry>,
    /// Variants `var-0`, `var-1`, ...
    pub variants: Vec<GenVariant>,
    /// `spec.admission`, if any.
    pub admission: Option<GenAdmission>,
    /// `spec.scheduler.imageLocality` (written only when true).
    pub image_locality: bool,
    /// Private registries and credentials, drawn after everything else so that they leave the other draws
    /// of a seed as they were.
    pub access: GenAccess,
}

/// One `auth.accept` grant: a user (into [`USERS`]) and a repository (into the registry's repos) or `*`.
pub type GenAccept = (Index, Option<Index>);

/// Private registries and credentials, each list indexed like what it belongs to (an entry past the end of a
/// list means none).
#[derive(Debug, Clone, Default)]
pub struct GenAccess {
    /// Per registry: `auth.accept`, when private.
    pub auth: Vec<Option<Vec<GenAccept>>>,
    /// Per pool: `nodeCredentials.auths`, or not written.
    pub node_credentials: Vec<Option<Vec<GenCred>>>,
    /// Per workload: `imagePullSecrets`, into the secrets, one past the end naming a Secret that does not exist.
    pub pull_secrets: Vec<Vec<Index>>,
    /// Secrets `sec<i>`, each in a namespace.
    pub secrets: Vec<GenSecret>,
    /// Per pool: the KubeletEnsureSecretPulledImages gate (written when `Some`) and the verification policy (into
    /// [`VERIFICATION_POLICIES`], written when `Some`).
    pub verification: Vec<(Option<bool>, Option<Index>)>,
    /// Per namespace: the `default` ServiceAccount's `imagePullSecrets` (into the secrets, one past the end
    /// naming none that exists), or no ServiceAccount written.
    pub default_accounts: Vec<Option<Vec<Index>>>,
}

/// A Secret of `spec.namespaces`.
#[derive(Debug, Clone)]
pub struct GenSecret {
    /// Into [`NAMESPACES`].
    pub namespace: Index,
    /// Into [`SECRET_TYPES`].
    pub kind: Index,
    /// Its `auths`.
    pub creds: Vec<GenCred>,
}

/// One `auths` entry of a docker config.
#[derive(Debug, Clone)]
pub struct GenCred {
    /// Into the scenario's registries.
    pub registry: Index,
    /// How the location is written (see `location`).
    pub form: u8,
    /// Into the registry's repositories (for a location with a path).
    pub repo: Index,
    /// Into [`USERS`].
    pub user: Index,
    /// Written as a base64 `auth` instead of `username`.
    pub encoded: bool,
}

/// A layer blob.
#[derive(Debug, Clone)]
pub struct GenLayer {
    /// Bytes.
    pub size: u64,
    /// Written with an explicit digest.
    pub explicit_digest: bool,
}

/// An image manifest.
#[derive(Debug, Clone)]
pub struct GenImage {
    /// Its layers (indexes into the layers; a repeat is dropped).
    pub layers: Vec<Index>,
    /// Written with an explicit digest.
    pub explicit_digest: bool,
}

/// A registry.
#[derive(Debug, Clone)]
pub struct GenRegistry {
    /// Into [`HOSTS`]; a host already taken falls back to `r<i>.example.com`.
    pub host: Index,
    /// Egress bandwidth as written, or unlimited.
    pub bandwidth: Option<&'static str>,
    /// Latency as written, or none.
    pub latency: Option<&'static str>,
    /// Repositories (at least one).
    pub repos: Vec<GenRepo>,
}

/// A repository and its initial tags.
#[derive(Debug, Clone)]
pub struct GenRepo {
    /// Into the host's repository paths; a repeat merges into the first.
    pub path: Index,
    /// (tag into [`TAGS`], image).
    pub tags: Vec<(Index, Index)>,
}

/// A node pool.
#[derive(Debug, Clone)]
pub struct GenPool {
    /// Nodes at the start.
    pub count: u32,
    /// NIC bandwidth as written.
    pub bandwidth: Option<&'static str>,
    /// Disk write bandwidth as written.
    pub disk: Option<&'static str>,
    /// `maxConcurrentDownloads`.
    pub max_concurrent_downloads: Option<u32>,
    /// Kubelet settings.
    pub kubelet: GenKubelet,
    /// `kubelet.cancelPullOnPodDelete`, or not written.
    pub cancel_pull: Option<bool>,
    /// Preloaded images.
    pub preloaded: Vec<GenPreload>,
}

/// Kubelet settings, valid by construction (`None` = not written).
#[derive(Debug, Clone, Copy)]
pub struct GenKubelet {
    /// `serializeImagePulls`.
    pub serialize: Option<bool>,
    /// `maxParallelImagePulls`.
    pub max_parallel: Option<u32>,
    /// `registryPullQPS`.
    pub qps: Option<u32>,
    /// `registryBurst`.
    pub burst: Option<u32>,
}

/// A preloaded image: an initial tag of a repository, written by tag, digest or tag@digest.
#[derive(Debug, Clone)]
pub struct GenPreload {
    /// Registry.
    pub registry: Index,
    /// Repository.
    pub repo: Index,
    /// Initial tag of that repository (a repository without tags preloads nothing).
    pub tag: Index,
    /// 0: by tag, 1: by digest, 2: tag@digest with the digest of another initial tag of the repository.
    pub form: u8,
    /// The other tag for form 2.
    pub other: Index,
}

/// A workload.
#[derive(Debug, Clone)]
pub struct GenWorkload {
    /// Its kind and controller settings.
    pub kind: GenKind,
    /// `minReadySeconds` (controllers only), or not written.
    pub min_ready_s: Option<u32>,
    /// `terminationGracePeriodSeconds`, or not written.
    pub grace_s: Option<u32>,
    /// Into [`NAMESPACES`]; `None` leaves the key out.
    pub namespace: Option<Index>,
    /// Init containers `init-<i>`.
    pub init: Vec<GenContainer>,
    /// App containers `c<i>` (at least one).
    pub containers: Vec<GenContainer>,
}

/// A workload kind with its controller's settings (`None` fields are not written: the apps/v1 defaults).
#[derive(Debug, Clone)]
pub enum GenKind {
    /// A bare Pod `s<i>`.
    Pod,
    /// A Deployment `d<i>`.
    Deployment {
        /// Replicas.
        replicas: u32,
        /// `strategy`.
        strategy: Option<GenDeploymentStrategy>,
    },
    /// A DaemonSet `ds<i>`.
    DaemonSet {
        /// `nodePools` (indexes into the pools; empty leaves the key out: every pool).
        pools: Vec<Index>,
        /// `updateStrategy`: `None` the default, `Some(None)` OnDelete, `Some(Some((maxUnavailable, maxSurge)))`
        /// RollingUpdate with those keys (each may be left out).
        update: Option<Option<(Option<&'static str>, Option<&'static str>)>>,
    },
    /// A StatefulSet `ss<i>`.
    StatefulSet {
        /// Replicas.
        replicas: u32,
        /// `podManagementPolicy`.
        policy: Option<&'static str>,
        /// `updateStrategy`: `None` the default, `Some(None)` OnDelete, `Some(Some(partition))` RollingUpdate.
        update: Option<Option<u32>>,
    },
}

/// A Deployment's `strategy`.
#[derive(Debug, Clone)]
pub enum GenDeploymentStrategy {
    /// RollingUpdate with `maxSurge` and `maxUnavailable` as written (each may be left out; never both 0).
    RollingUpdate(Option<&'static str>, Option<&'static str>),
    /// Recreate.
    Recreate,
}

impl GenKind {
    /// Replicas of a Deployment or a StatefulSet.
    pub fn replicas(&self) -> Option<u32> {
        match self {
            GenKind::Deployment { replicas, .. } | GenKind::StatefulSet { replicas, .. } => Some(*replicas),
            _ => None,
        }
    }

    /// The `kind` as written.
    fn name(&self) -> &'static str {
        match self {
            GenKind::Pod => "Pod",
            GenKind::Deployment { .. } => "Deployment",
            GenKind::DaemonSet { .. } => "DaemonSet",
            GenKind::StatefulSet { .. } => "StatefulSet",
        }
    }

    /// The controller's fields, one line each (`strategy`, `updateStrategy`, `nodePools`, ...).
    fn fields(&self, g: &GenScenario) -> Vec<String> {
        let pair = |a: &str, x: Option<&str>, b: &str, y: Option<&str>| {
            let mut keys = Vec::new();
            // A percent is a string, a count a number (the string "1" is refused, as the API does).
            let text = |v: &str| if v.ends_with('%') { format!("\"{v}\"") } else { v.to_string() };
            if let Some(x) = x {
                keys.push(format!("{a}: {}", text(x)));
            }
            if let Some(y) = y {
                keys.push(format!("{b}: {}", text(y)));
            }
            keys.join(", ")
        };
        let mut out = Vec::new();
        match self {
            GenKind::Pod => {}
            GenKind::Deployment { strategy, .. } => match strategy {
                None => {}
                Some(GenDeploymentStrategy::Recreate) => out.push("strategy: {type: Recreate}".to_string()),
                Some(GenDeploymentStrategy::RollingUpdate(s, u)) => out.push(format!(
                    "strategy: {{type: RollingUpdate, rollingUpdate: {{{}}}}}",
                    pair("maxSurge", *s, "maxUnavailable", *u)
                )),
            },
            GenKind::DaemonSet { pools, update } => {
                let mut names: Vec<String> = Vec::new();
                for p in pools {
                    let name = format!("p{}", pick(&g.pools, p));
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
                if !names.is_empty() {
                    out.push(format!("nodePools: [{}]", names.join(", ")));
                }
                match update {
                    None => {}
                    Some(None) => out.push("updateStrategy: {type: OnDelete}".to_string()),
                    Some(Some((u, s))) => out.push(format!(
                        "updateStrategy: {{type: RollingUpdate, rollingUpdate: {{{}}}}}",
                        pair("maxUnavailable", *u, "maxSurge", *s)
                    )),
                }
            }
            GenKind::StatefulSet { policy, update, .. } => {
                if let Some(p) = policy {
                    out.push(format!("podManagementPolicy: {p}"));
                }
                match update {
                    None => {}
                    Some(None) => out.push("updateStrategy: {type: OnDelete}".to_string()),
                    Some(Some(p)) => out.push(format!("updateStrategy: {{rollingUpdate: {{partition: {p}}}}}")),
                }
            }
        }
        out
    }
}

/// A container.
#[derive(Debug, Clone)]
pub struct GenContainer {
    /// Its image.
    pub image: GenRef,
    /// `imagePullPolicy`, or defaulted.
    pub policy: Option<&'static str>,
    /// `readinessDelay` (app containers) or `runDuration` (init containers), or not written.
    pub delay: Option<&'static str>,
    /// `terminationDelay`, or not written.
    pub termination: Option<&'static str>,
}

/// An image reference.
#[derive(Debug, Clone)]
pub enum GenRef {
    /// An initial tag of a repository (or, in a repository without tags, one of [`TAGS`]).
    Tag {
        /// Registry.
        registry: Index,
        /// Repository.
        repo: Index,
        /// Tag.
        tag: Index,
        /// How the name is spelled (familiar forms under docker.io).
        spelling: Index,
    },
    /// No tag: `latest`.
    Untagged {
        /// Registry.
        registry: Index,
        /// Repository.
        repo: Index,
        /// Spelling.
        spelling: Index,
    },
    /// By digest: an image tagged in the repository, or (`foreign`) any image, which resolves only once pushed.
    Digest {
        /// Registry.
        registry: Index,
        /// Repository.
        repo: Index,
        /// Image.
        image: Index,
        /// Any image, not one tagged there.
        foreign: bool,
        /// Spelling.
        spelling: Index,
    },
    /// `tag@digest`, resolved by the digest: of an image tagged in the repository (under any tag), or
    /// (`foreign`) of any image.
    TagDigest {
        /// Registry.
        registry: Index,
        /// Repository.
        repo: Index,
        /// Tag (from [`TAGS`]).
        tag: Index,
        /// Image.
        image: Index,
        /// Any image, not one tagged there.
        foreign: bool,
        /// Spelling.
        spelling: Index,
    },
    /// A tag from [`TAGS`] that the repository may lack (missing until a push, or forever).
    AnyTag {
        /// Registry.
        registry: Index,
        /// Repository.
        repo: Index,
        /// Tag.
        tag: Index,
    },
    /// A repository no registry has.
    MissingRepo {
        /// Registry.
        registry: Index,
    },
    /// A host with no registry.
    UnknownHost,
    /// A digest no image has.
    UnknownDigest {
        /// Registry.
        registry: Index,
        /// Repository.
        repo: Index,
    },
    /// A reference that does not parse (InvalidImageName).
    Invalid,
}

/// When a timeline entry happens.
#[derive(Debug, Clone, Copy)]
pub enum GenAt {
    /// In thousandths of the run's duration.
    Permille(u16),
    /// In the first seconds, while the first pulls are in flight (milliseconds, at most the duration).
    EarlyMs(u32),
}

/// A timeline entry.
#[derive(Debug, Clone)]
pub struct GenEntry {
    /// When.
    pub at: GenAt,
    /// What.
    pub action: GenAction,
}

/// A timeline action.
#[derive(Debug, Clone)]
pub enum GenAction {
    /// Points a tag at an image; `repo` may name one repository past the existing ones, a new one.
    PushTag {
        /// Registry.
        registry: Index,
        /// Repository, or a new one.
        repo: Index,
        /// Tag.
        tag: Index,
        /// Image.
        image: Index,
    },
    /// Scales a Deployment (skipped when there is none).
    Scale {
        /// Workload (among the Deployments).
        workload: Index,
        /// New replicas.
        replicas: u32,
    },
    /// Changes a container's image in a Deployment (skipped when there is none).
    SetImage {
        /// Workload (among the Deployments).
        workload: Index,
        /// Container in start order.
        container: Index,
        /// Leave `container` out when the template has exactly one container.
        omit_single: bool,
        /// The new image.
        image: GenRef,
    },
    /// Changes a container's imagePullPolicy (a rollout).
    SetImagePullPolicy {
        /// Workload (among the Deployments).
        workload: Index,
        /// Container in start order.
        container: Index,
        /// The new policy.
        policy: &'static str,
    },
    /// Adds nodes.
    AddNodes {
        /// Pool.
        pool: Index,
        /// How many.
        count: u32,
    },
    /// Removes the newest nodes of a pool.
    RemoveNodes {
        /// Pool.
        pool: Index,
        /// How many.
        count: u32,
    },
    /// A rolling replacement of a pool's oldest nodes.
    ReplaceNodes {
        /// Pool.
        pool: Index,
        /// How many.
        count: u32,
        /// `maxUnavailable`, or not written (1).
        max_unavailable: Option<u32>,
    },
    /// A registry outage.
    Outage {
        /// Registry.
        registry: Index,
        /// How long, in seconds.
        duration_s: u32,
    },
}

/// A variant's patch.
#[derive(Debug, Clone)]
pub enum GenVariant {
    /// Replaces a pool's kubelet settings.
    Kubelet {
        /// Pool.
        pool: Index,
        /// New settings.
        kubelet: GenKubelet,
    },
    /// Changes a registry's bandwidth and latency (`None` removes the key).
    Registry {
        /// Registry.
        registry: Index,
        /// Bandwidth.
        bandwidth: Option<&'static str>,
        /// Latency.
        latency: Option<&'static str>,
    },
    /// Mutating admission (replaces the base's).
    Admission(GenAdmission),
    /// Another seed.
    Seed(u64),
    /// No timeline.
    NoTimeline,
    /// Other replicas for a Deployment (skipped, becoming a seed change, when there is none).
    Replicas {
        /// Workload (among the Deployments).
        workload: Index,
        /// Replicas.
        replicas: u32,
    },
}

// ---------------------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------------------

/// Scenarios within [`Knobs::default`].
pub fn scenario() -> impl Strategy<Value = GenScenario> {
    scenario_with(Knobs::default())
}

/// Scenarios within `k`.
pub fn scenario_with(k: Knobs) -> impl Strategy<Value = GenScenario> {
    let head = (0u64..1000, k.min_duration_s..=k.max_duration_s);
    let blobs = (
        prop::collection::vec(layer(), 1..=k.max_layers),
        prop::collection::vec(image(), 1..=k.max_images),
        prop::collection::vec(registry(), 1..=k.max_registries),
    );
    let cluster = (
        prop::collection::vec(pool(k), 1..=k.max_pools),
        prop::collection::vec(workload(k), 1..=k.max_workloads),
        prop::collection::vec(entry(k), 0..=k.max_timeline),
        prop::collection::vec(variant(k), k.min_variants..=k.max_variants.max(k.min_variants)),
        prop::option::weighted(0.25, admission()),
        prop::bool::weighted(0.15),
    );
    (head, blobs, cluster, access(k)).prop_map(
        |(
            (seed, duration_s),
            (layers, images, registries),
            (pools, workloads, timeline, variants, admission, image_locality),
            access,
        )| {
            GenScenario {
                seed,
                duration_s,
                layers,
                images,
                registries,
                pools,
                workloads,
                timeline,
                variants,
                admission,
                image_locality,
                access,
            }
        },
    )
}

fn access(k: Knobs) -> impl Strategy<Value = GenAccess> {
    let accept = prop::collection::vec((any::<Index>(), prop::option::weighted(0.7, any::<Index>())), 0..=3);
    (
        prop::collection::vec(prop::option::weighted(0.15, accept), k.max_registries),
        prop::collection::vec(prop::option::weighted(0.25, prop::collection::vec(cred(), 1..=2)), k.max_pools),
        prop::collection::vec(prop::collection::vec(any::<Index>(), 0..=2), k.max_workloads),
        prop::collection::vec(secret(), 0..=3),
        prop::collection::vec(
            prop::option::weighted(0.3, prop::collection::vec(any::<Index>(), 1..=2)),
            NAMESPACES.len(),
        ),
        prop::collection::vec(
            (prop::option::weighted(0.2, any::<bool>()), prop::option::weighted(0.3, any::<Index>())),
            k.max_pools,
        ),
    )
        .prop_map(|(auth, node_credentials, pull_secrets, secrets, default_accounts, verification)| GenAccess {
            auth,
            node_credentials,
            pull_secrets,
            secrets,
            default_accounts,
            verification,
        })
}

fn cred() -> impl Strategy<Value = GenCred> {
    (any::<Index>(), 0u8..6, any::<Index>(), any::<Index>(), prop::bool::weighted(0.25))
        .prop_map(|(registry, form, repo, user, encoded)| GenCred { registry, form, repo, user, encoded })
}

fn secret() -> impl Strategy<Value = GenSecret> {
    (any::<Index>(), any::<Index>(), prop::collection::vec(cred(), 0..=3))
        .prop_map(|(namespace, kind, creds)| GenSecret { namespace, kind, creds })
}

fn layer() -> impl Strategy<Value = GenLayer> {
    let size = prop_oneof![
        3 => prop::sample::select(vec![0u64, 1024, 1 << 20, 5 << 20, 20 << 20, 64 << 20, 150_000_000]),
        2 => 0u64..100_000_000,
    ];
    (size, prop::bool::weighted(0.2)).prop_map(|(size, explicit_digest)| GenLayer { size, explicit_digest })
}

fn image() -> impl Strategy<Value = GenImage> {
    (prop::collection::vec(any::<Index>(), 1..=4), prop::bool::weighted(0.25))
        .prop_map(|(layers, explicit_digest)| GenImage { layers, explicit_digest })
}

fn opt<T: Clone + std::fmt::Debug + 'static>(p: f64, values: Vec<T>) -> impl Strategy<Value = Option<T>> {
    prop::option::weighted(p, prop::sample::select(values))
}

fn registry_bandwidth() -> impl Strategy<Value = Option<&'static str>> {
    opt(0.7, vec!["100Mbps", "1Gbps", "1.5Gbps", "10Gbps", "40MB/s"])
}

fn registry_latency() -> impl Strategy<Value = Option<&'static str>> {
    opt(0.8, vec!["0", "5ms", "50ms", "200ms", "1.5s", "4s"])
}

fn registry() -> impl Strategy<Value = GenRegistry> {
    let repo = (any::<Index>(), prop::collection::vec((any::<Index>(), any::<Index>()), 0..=3))
        .prop_map(|(path, tags)| GenRepo { path, tags });
    (any::<Index>(), registry_bandwidth(), registry_latency(), prop::collection::vec(repo, 1..=3))
        .prop_map(|(host, bandwidth, latency, repos)| GenRegistry { host, bandwidth, latency, repos })
}

/// Every valid combination of the pull fields, the defaults more often.
pub fn kubelet() -> impl Strategy<Value = GenKubelet> {
    let pullers = prop_oneof![
        2 => Just((None, None)),
        1 => prop::sample::select(vec![None, Some(1u32)]).prop_map(|m| (Some(true), m)),
        2 => prop::sample::select(vec![1u32, 2, 3, 4]).prop_map(|m| (None, Some(m))),
        2 => prop::sample::select(vec![None, Some(1u32), Some(2), Some(3)]).prop_map(|m| (Some(false), m)),
    ];
    let qps = opt(0.6, vec![0u32, 1, 2, 5, 10]);
    let burst = prop_oneof![
        30 => opt(0.6, vec![1u32, 2, 3, 10]),
        1 => Just(Some(0u32)),
    ];
    (pullers, qps, burst).prop_map(|((serialize, max_parallel), qps, burst)| GenKubelet {
        serialize,
        max_parallel,
        qps,
        burst,
    })
}

fn pool(k: Knobs) -> impl Strategy<Value = GenPool> {
    let preload = (any::<Index>(), any::<Index>(), any::<Index>(), 0u8..3, any::<Index>())
        .prop_map(|(registry, repo, tag, form, other)| GenPreload { registry, repo, tag, form, other });
    (
        0..=k.max_nodes_per_pool,
        opt(0.6, vec!["200Mbps", "1Gbps", "2.5Gbps"]),
        opt(0.5, vec!["100MB/s", "400MB/s", "1GB/s"]),
        opt(0.4, vec![1u32, 2, 3, 5]),
        kubelet(),
        prop::option::weighted(0.3, any::<bool>()),
        prop::collection::vec(preload, 0..=2),
    )
        .prop_map(|(count, bandwidth, disk, max_concurrent_downloads, kubelet, cancel_pull, preloaded)| GenPool {
            count,
            bandwidth,
            disk,
            max_concurrent_downloads,
            kubelet,
            cancel_pull,
            preloaded,
        })
}

/// References: mostly ones that resolve, often enough ones that fail.
pub fn reference() -> impl Strategy<Value = GenRef> {
    let i = || any::<Index>();
    let foreign = || prop::bool::weighted(0.2);
    prop_oneof![
        14 => (i(), i(), i(), i()).prop_map(|(registry, repo, tag, spelling)| GenRef::Tag { registry, repo, tag, spelling }),
        2 => (i(), i(), i()).prop_map(|(registry, repo, spelling)| GenRef::Untagged { registry, repo, spelling }),
        3 => (i(), i(), i(), foreign(), i()).prop_map(|(registry, repo, image, foreign, spelling)| {
            GenRef::Digest { registry, repo, image, foreign, spelling }
        }),
        2 => (i(), i(), i(), i(), foreign(), i()).prop_map(|(registry, repo, tag, image, foreign, spelling)| {
            GenRef::TagDigest { registry, repo, tag, image, foreign, spelling }
        }),
        1 => (i(), i(), i()).prop_map(|(registry, repo, tag)| GenRef::AnyTag { registry, repo, tag }),
        1 => i().prop_map(|registry| GenRef::MissingRepo { registry }),
        1 => Just(GenRef::UnknownHost),
        1 => (i(), i()).prop_map(|(registry, repo)| GenRef::UnknownDigest { registry, repo }),
        1 => Just(GenRef::Invalid),
    ]
}

fn policy() -> impl Strategy<Value = Option<&'static str>> {
    opt(0.5, vec!["Always", "Always", "IfNotPresent", "IfNotPresent", "Never"])
}

fn container() -> impl Strategy<Value = GenContainer> {
    (
        reference(),
        policy(),
        opt(0.3, vec!["0s", "500ms", "1500ms", "5s", "40s"]),
        opt(0.25, vec!["0s", "2s", "7s", "45s"]),
    )
        .prop_map(|(image, policy, delay, termination)| GenContainer { image, policy, delay, termination })
}

/// `maxSurge`/`maxUnavailable` values as written.
const INT_OR_PERCENT: [&str; 6] = ["0", "1", "2", "25%", "50%", "100%"];

fn int_or_percent() -> impl Strategy<Value = Option<&'static str>> {
    opt(0.7, INT_OR_PERCENT.to_vec())
}

fn kind(k: Knobs) -> impl Strategy<Value = GenKind> {
    let deployment_strategy = prop_oneof![
        4 => Just(None),
        3 => (int_or_percent(), int_or_percent()).prop_map(|(s, u)| {
            // The API refuses maxSurge and maxUnavailable both 0 (an unset maxSurge is 25%).
            let s = if s == Some("0") && u == Some("0") { Some("1") } else { s };
            Some(GenDeploymentStrategy::RollingUpdate(s, u))
        }),
        1 => Just(Some(GenDeploymentStrategy::Recreate)),
    ];
    let ds_update = prop_oneof![
        3 => Just(None),
        2 => (int_or_percent(), int_or_percent()).prop_map(|(u, s)| {
            // maxUnavailable 0 needs a maxSurge other than 0 (unset: 1 and 0).
            let zero_surge = s.is_none_or(|s| s == "0");
            let u = if u == Some("0") && zero_surge { Some("1") } else { u };
            Some(Some((u, s)))
        }),
        1 => Just(Some(None)),
    ];
    let ss_update = prop_oneof![
        3 => Just(None),
        2 => (0u32..=3).prop_map(|p| Some(Some(p))),
        1 => Just(Some(None)),
    ];
    prop_oneof![
        1 => Just(GenKind::Pod),
        3 => (0..=k.max_replicas, deployment_strategy)
            .prop_map(|(replicas, strategy)| GenKind::Deployment { replicas, strategy }),
        1 => (prop::collection::vec(any::<Index>(), 0..=2), ds_update)
            .prop_map(|(pools, update)| GenKind::DaemonSet { pools, update }),
        2 => (0..=k.max_replicas, opt(0.6, vec!["OrderedReady", "Parallel"]), ss_update)
            .prop_map(|(replicas, policy, update)| GenKind::StatefulSet { replicas, policy, update }),
    ]
}

fn workload(k: Knobs) -> impl Strategy<Value = GenWorkload> {
    (
        kind(k),
        opt(0.25, vec![0u32, 1, 5]),
        opt(0.3, vec![0u32, 1, 5, 30]),
        prop::option::weighted(0.5, any::<Index>()),
        prop::collection::vec(container(), 0..=2),
        prop::collection::vec(container(), 1..=3),
    )
        .prop_map(|(kind, min_ready_s, grace_s, namespace, init, containers)| GenWorkload {
            kind,
            min_ready_s,
            grace_s,
            namespace,
            init,
            containers,
        })
}

fn entry(k: Knobs) -> impl Strategy<Value = GenEntry> {
    let i = || any::<Index>();
    let action = prop_oneof![
        3 => (i(), i(), i(), i()).prop_map(|(registry, repo, tag, image)| GenAction::PushTag { registry, repo, tag, image }),
        2 => (i(), 0..=k.max_replicas + 1).prop_map(|(workload, replicas)| GenAction::Scale { workload, replicas }),
        2 => (i(), i(), any::<bool>(), reference()).prop_map(|(workload, container, omit_single, image)| {
            GenAction::SetImage { workload, container, omit_single, image }
        }),
        1 => (i(), i(), prop::sample::select(vec!["Always", "IfNotPresent", "Never"]))
            .prop_map(|(workload, container, policy)| GenAction::SetImagePullPolicy { workload, container, policy }),
        1 => (i(), 1u32..=2).prop_map(|(pool, count)| GenAction::AddNodes { pool, count }),
        1 => (i(), 1u32..=2).prop_map(|(pool, count)| GenAction::RemoveNodes { pool, count }),
        1 => (i(), 1u32..=3, opt(0.6, vec![1u32, 2])).prop_map(|(pool, count, max_unavailable)| {
            GenAction::ReplaceNodes { pool, count, max_unavailable }
        }),
        2 => (i(), 1u32..=150).prop_map(|(registry, duration_s)| GenAction::Outage { registry, duration_s }),
    ];
    let at = prop_oneof![
        2 => (0u16..=1000).prop_map(GenAt::Permille),
        1 => (0u32..=10_000).prop_map(GenAt::EarlyMs),
    ];
    (at, action).prop_map(|(at, action)| GenEntry { at, action })
}

/// `spec.admission`: the AlwaysPullImages plugin and digest pinning.
#[derive(Debug, Clone)]
pub struct GenAdmission {
    /// `alwaysPullImages`.
    pub always_pull_images: bool,
    /// `pinDigests`: `Pod`, `Template` or unset.
    pub pin_digests: Option<&'static str>,
}

impl GenAdmission {
    fn to_yaml(&self) -> String {
        let pin = self.pin_digests.map_or("null".to_string(), str::to_string);
        format!("{{alwaysPullImages: {}, pinDigests: {pin}}}", self.always_pull_images)
    }
}

fn admission() -> impl Strategy<Value = GenAdmission> {
    (any::<bool>(), opt(0.7, vec!["Pod", "Template"]))
        .prop_map(|(always_pull_images, pin_digests)| GenAdmission { always_pull_images, pin_digests })
}

fn variant(k: Knobs) -> impl Strategy<Value = GenVariant> {
    prop_oneof![
        3 => (any::<Index>(), kubelet()).prop_map(|(pool, kubelet)| GenVariant::Kubelet { pool, kubelet }),
        2 => (any::<Index>(), registry_bandwidth(), registry_latency())
            .prop_map(|(registry, bandwidth, latency)| GenVariant::Registry { registry, bandwidth, latency }),
        2 => admission().prop_map(GenVariant::Admission),
        1 => (0u64..1000).prop_map(GenVariant::Seed),
        1 => Just(GenVariant::NoTimeline),
        1 => (any::<Index>(), 0..=k.max_replicas).prop_map(|(workload, replicas)| GenVariant::Replicas { workload, replicas }),
    ]
}

// ---------------------------------------------------------------------------------------------------------
// Plain entry points
// ---------------------------------------------------------------------------------------------------------

/// A test runner whose random stream is fixed by `seed` (ChaCha), with no failure persistence.
pub fn runner(seed: u64, config: Config) -> TestRunner {
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&(seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)).to_le_bytes());
    }
    TestRunner::new_with_rng(
        Config { failure_persistence: None, ..config },
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    )
}

/// The scenario drawn for `seed` (the same value tree the property tests start from for that seed).
pub fn generate_scenario(seed: u64) -> GenScenario {
    let mut r = runner(seed, Config::default());
    scenario().new_tree(&mut r).expect("the scenario strategy never rejects").current()
}

/// The YAML text of the scenario drawn for `seed`.
pub fn generate(seed: u64) -> String {
    generate_scenario(seed).to_yaml()
}

/// Loads a generated scenario, panicking with the text and the diagnostics if it does not load: a generated
/// scenario must always be valid.
#[track_caller]
pub fn parse_checked(yaml: &str) -> pullsim::scenario::Scenario {
    pullsim::scenario::parse("generated.yaml", yaml)
        .unwrap_or_else(|e| panic!("generator bug: a generated scenario does not load:\n{e}\n--- scenario ---\n{yaml}"))
}

// ---------------------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------------------

/// One repository as rendered: path and initial tags in order.
struct RepoCat {
    path: String,
    tags: Vec<(&'static str, usize)>,
}

/// Names and digests that references and entries resolve against.
struct Catalog {
    layer_digests: Vec<String>,
    image_digests: Vec<String>,
    /// Per registry: host and repositories.
    registries: Vec<(String, Vec<RepoCat>)>,
    /// Indexes of the workloads that can be scaled (Deployments and StatefulSets).
    scalable: Vec<usize>,
    /// Indexes of the workloads with a controller and a template (Deployments, DaemonSets, StatefulSets).
    controllers: Vec<usize>,
}

impl GenScenario {
    /// A docker config's `auths` as a flow map's entries.
    fn auths(&self, c: &Catalog, creds: &[GenCred]) -> String {
        use base64::Engine;
        let mut entries: BTreeMap<String, String> = BTreeMap::new();
        for g in creds {
            let (host, repos) = &c.registries[pick(&c.registries, &g.registry)];
            let location = match g.form {
                0 => host.clone(),
                1 => format!("https://{host}/v2/"),
                2 => format!("{host}/{}", repos[pick(repos, &g.repo)].path),
                3 => host.split_once('.').map_or_else(|| host.clone(), |(_, rest)| format!("*.{rest}")),
                4 => "other.example.net".to_string(),
                _ => "https://index.docker.io/v1/".to_string(),
            };
            let user = USERS[pick(&USERS, &g.user)];
            let value = if g.encoded {
                let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:pw"));
                format!("{{auth: \"{auth}\"}}")
            } else {
                format!("{{username: {user}, password: pw}}")
            };
            entries.entry(location).or_insert(value);
        }
        entries.iter().map(|(l, v)| format!("\"{l}\": {v}")).collect::<Vec<_>>().join(", ")
    }
}

fn pick<T>(v: &[T], i: &Index) -> usize {
    i.index(v.len())
}

impl GenScenario {
    fn catalog(&self) -> Catalog {
        let layer_digests: Vec<String> = (0..self.layers.len())
            .map(|i| {
                if self.layers[i].explicit_digest {
                    sha256_digest(format!("generated layer {i}").as_bytes())
                } else {
                    layer_digest(&format!("l{i}"))
                }
            })
            .collect();
        let image_digests = (0..self.images.len())
            .map(|i| {
                if self.images[i].explicit_digest {
                    sha256_digest(format!("generated image {i}").as_bytes())
                } else {
                    let descriptors: Vec<(&str, u64)> = self
                        .image_layers(i)
                        .into_iter()
                        .map(|l| (layer_digests[l].as_str(), self.layers[l].size))
                        .collect();
                    manifest_digest(&format!("img{i}"), &descriptors)
                }
            })
            .collect();
        let mut hosts: Vec<String> = Vec::new();
        let mut registries = Vec::new();
        for (ri, r) in self.registries.iter().enumerate() {
            let mut host = HOSTS[pick(&HOSTS, &r.host)].to_string();
            if hosts.contains(&host) {
                host = format!("r{ri}.example.com");
            }
            hosts.push(host.clone());
            let paths: &[&str] = if host == "docker.io" { &HUB_REPOS } else { &REPOS };
            let mut repos: Vec<RepoCat> = Vec::new();
            for repo in &r.repos {
                let path = paths[pick(paths, &repo.path)].to_string();
                let at = match repos.iter().position(|c| c.path == path) {
                    Some(at) => at,
                    None => {
                        repos.push(RepoCat { path, tags: Vec::new() });
                        repos.len() - 1
                    }
                };
                for (tag, image) in &repo.tags {
                    let tag = TAGS[pick(&TAGS, tag)];
                    if !repos[at].tags.iter().any(|(t, _)| *t == tag) {
                        repos[at].tags.push((tag, pick(&self.images, image)));
                    }
                }
            }
            registries.push((host, repos));
        }
        let scalable = (0..self.workloads.len()).filter(|w| self.workloads[*w].kind.replicas().is_some()).collect();
        let controllers =
            (0..self.workloads.len()).filter(|w| !matches!(self.workloads[*w].kind, GenKind::Pod)).collect();
        Catalog { layer_digests, image_digests, registries, scalable, controllers }
    }

    /// The distinct layers of image `i`, in order.
    fn image_layers(&self, i: usize) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for l in &self.images[i].layers {
            let l = pick(&self.layers, l);
            if !out.contains(&l) {
                out.push(l);
            }
        }
        out
    }

    /// The text of a reference.
    fn reference(&self, c: &Catalog, r: &GenRef) -> String {
        let repo_of = |registry: &Index, repo: &Index| -> (usize, usize) {
            let ri = pick(&c.registries, registry);
            (ri, pick(&c.registries[ri].1, repo))
        };
        let name = |ri: usize, pi: usize, spelling: Option<&Index>| -> String {
            let (host, repos) = &c.registries[ri];
            let path = &repos[pi].path;
            if host != "docker.io" {
                return format!("{host}/{path}");
            }
            let short = path.strip_prefix("library/");
            let forms: Vec<String> = match short {
                Some(s) => {
                    vec![s.to_string(), format!("docker.io/{path}"), path.clone(), format!("index.docker.io/{path}")]
                }
                None => vec![path.clone(), format!("docker.io/{path}")],
            };
            forms[spelling.map_or(0, |s| pick(&forms, s))].clone()
        };
        match r {
            GenRef::Tag { registry, repo, tag, spelling } => {
                let (ri, pi) = repo_of(registry, repo);
                let tags = &c.registries[ri].1[pi].tags;
                let tag = if tags.is_empty() { TAGS[pick(&TAGS, tag)] } else { tags[pick(tags, tag)].0 };
                format!("{}:{tag}", name(ri, pi, Some(spelling)))
            }
            GenRef::Untagged { registry, repo, spelling } => {
                let (ri, pi) = repo_of(registry, repo);
                name(ri, pi, Some(spelling))
            }
            GenRef::Digest { registry, repo, image, foreign, spelling } => {
                let (ri, pi) = repo_of(registry, repo);
                let tags = &c.registries[ri].1[pi].tags;
                let img =
                    if *foreign || tags.is_empty() { pick(&self.images, image) } else { tags[pick(tags, image)].1 };
                format!("{}@{}", name(ri, pi, Some(spelling)), c.image_digests[img])
            }
            GenRef::TagDigest { registry, repo, tag, image, foreign, spelling } => {
                let (ri, pi) = repo_of(registry, repo);
                let tags = &c.registries[ri].1[pi].tags;
                let img =
                    if *foreign || tags.is_empty() { pick(&self.images, image) } else { tags[pick(tags, image)].1 };
                format!("{}:{}@{}", name(ri, pi, Some(spelling)), TAGS[pick(&TAGS, tag)], c.image_digests[img])
            }
            GenRef::AnyTag { registry, repo, tag } => {
                let (ri, pi) = repo_of(registry, repo);
                format!("{}:{}", name(ri, pi, None), TAGS[pick(&TAGS, tag)])
            }
            GenRef::MissingRepo { registry } => {
                format!("{}/missing/repo:v1", c.registries[pick(&c.registries, registry)].0)
            }
            GenRef::UnknownHost => format!("{UNKNOWN_HOST}/app:v1"),
            GenRef::UnknownDigest { registry, repo } => {
                let (ri, pi) = repo_of(registry, repo);
                format!("{}@{}", name(ri, pi, None), sha256_digest(b"no such manifest"))
            }
            GenRef::Invalid => format!("{}/Not_Lower:v1", c.registries[0].0),
        }
    }

    /// A preloaded reference, if the repository has initial tags.
    fn preload(&self, c: &Catalog, p: &GenPreload) -> Option<String> {
        let ri = pick(&c.registries, &p.registry);
        let (host, repos) = &c.registries[ri];
        let repo = &repos[pick(repos, &p.repo)];
        if repo.tags.is_empty() {
            return None;
        }
        let (tag, image) = repo.tags[pick(&repo.tags, &p.tag)];
        let name = format!("{host}/{}", repo.path);
        Some(match p.form {
            0 => format!("{name}:{tag}"),
            1 => format!("{name}@{}", c.image_digests[image]),
            _ => {
                let other = repo.tags[pick(&repo.tags, &p.other)].1;
                format!("{name}:{tag}@{}", c.image_digests[other])
            }
        })
    }

    fn duration_ms(&self) -> u64 {
        u64::from(self.duration_s) * 1000
    }

    fn workload_name(&self, w: usize) -> String {
        let prefix = match self.workloads[w].kind {
            GenKind::Pod => "s",
            GenKind::Deployment { .. } => "d",
            GenKind::DaemonSet { .. } => "ds",
            GenKind::StatefulSet { .. } => "ss",
        };
        format!("{prefix}{w}")
    }

    /// The scenario file.
    pub fn to_yaml(&self) -> String {
        let c = self.catalog();
        let mut y = String::new();
        let w = &mut y;
        let _ = writeln!(w, "apiVersion: pullsim/v1\nkind: Scenario\nmetadata:\n  name: generated");
        let _ = writeln!(w, "  description: A random scenario from tests/integration/scenario_gen.rs.");
        let _ = writeln!(w, "spec:\n  seed: {}\n  duration: {}s", self.seed, self.duration_s);
        let _ = writeln!(w, "  layers:");
        for (i, l) in self.layers.iter().enumerate() {
            let size = size_text(l.size);
            if l.explicit_digest {
                let _ = writeln!(w, "    l{i}: {{size: {size}, digest: \"{}\"}}", c.layer_digests[i]);
            } else {
                let _ = writeln!(w, "    l{i}: {size}");
            }
        }
        let _ = writeln!(w, "  images:");
        for i in 0..self.images.len() {
            let layers: Vec<String> = self.image_layers(i).iter().map(|l| format!("l{l}")).collect();
            let digest = if self.images[i].explicit_digest {
                format!(", digest: \"{}\"", c.image_digests[i])
            } else {
                String::new()
            };
            let _ = writeln!(w, "    img{i}: {{layers: [{}]{digest}}}", layers.join(", "));
        }
        let _ = writeln!(w, "  registries:");
        for (ri, (host, repos)) in c.registries.iter().enumerate() {
            let r = &self.registries[ri];
            let _ = writeln!(w, "    \"{host}\":");
            if let Some(b) = r.bandwidth {
                let _ = writeln!(w, "      bandwidth: {b}");
            }
            if let Some(l) = r.latency {
                let _ = writeln!(w, "      latency: {l}");
            }
            let _ = writeln!(w, "      repositories:");
            for repo in repos {
                let tags: Vec<String> = repo.tags.iter().map(|(t, i)| format!("{t}: img{i}")).collect();
                let _ = writeln!(w, "        {}: {{tags: {{{}}}}}", repo.path, tags.join(", "));
            }
            if let Some(Some(accept)) = self.access.auth.get(ri) {
                let mut users: BTreeMap<&str, Vec<String>> = BTreeMap::new();
                for (user, repo) in accept {
                    let prefix = repo.as_ref().map_or("\"*\"".to_string(), |i| repos[pick(repos, i)].path.clone());
                    users.entry(USERS[pick(&USERS, user)]).or_default().push(prefix);
                }
                let accept: Vec<String> = users.iter().map(|(u, p)| format!("{u}: [{}]", p.join(", "))).collect();
                let _ = writeln!(w, "      auth: {{accept: {{{}}}}}", accept.join(", "));
            }
        }
        let _ = writeln!(w, "  nodePools:");
        for (pi, p) in self.pools.iter().enumerate() {
            let _ = writeln!(w, "    p{pi}:\n      count: {}", p.count);
            if let Some(b) = p.bandwidth {
                let _ = writeln!(w, "      bandwidth: {b}");
            }
            if let Some(d) = p.disk {
                let _ = writeln!(w, "      diskWrite: {d}");
            }
            if let Some(m) = p.max_concurrent_downloads {
                let _ = writeln!(w, "      maxConcurrentDownloads: {m}");
            }
            let mut k = kubelet_fields(&p.kubelet, false);
            if let Some(b) = p.cancel_pull {
                k.push(format!("cancelPullOnPodDelete: {b}"));
            }
            if let Some((gate, policy)) = self.access.verification.get(pi) {
                if let Some(g) = gate {
                    k.push(format!("featureGates: {{KubeletEnsureSecretPulledImages: {g}}}"));
                }
                if let Some(i) = policy {
                    let policy = VERIFICATION_POLICIES[pick(&VERIFICATION_POLICIES, i)];
                    k.push(format!("imagePullCredentialsVerificationPolicy: {policy}"));
                    if policy == "NeverVerifyAllowlistedImages" {
                        let (host, repos) = &c.registries[0];
                        k.push(format!("preloadedImagesVerificationAllowlist: [\"{host}/{}\"]", repos[0].path));
                    }
                }
            }
            if !k.is_empty() {
                let _ = writeln!(w, "      kubelet: {{{}}}", k.join(", "));
            }
            let pre: Vec<String> =
                p.preloaded.iter().filter_map(|x| self.preload(&c, x)).map(|r| format!("\"{r}\"")).collect();
            if !pre.is_empty() {
                let _ = writeln!(w, "      preloaded: [{}]", pre.join(", "));
            }
            if let Some(Some(creds)) = self.access.node_credentials.get(pi) {
                let _ = writeln!(w, "      nodeCredentials: {{auths: {{{}}}}}", self.auths(&c, creds));
            }
        }
        let secret_name = |i: &Index| match i.index(self.access.secrets.len() + 1) {
            n if n == self.access.secrets.len() => "{name: missing}".to_string(),
            n => format!("{{name: sec{n}}}"),
        };
        let mut by_ns: BTreeMap<&str, (Vec<String>, Option<String>)> = BTreeMap::new();
        for (si, s) in self.access.secrets.iter().enumerate() {
            let kind = SECRET_TYPES[pick(&SECRET_TYPES, &s.kind)];
            by_ns
                .entry(NAMESPACES[pick(&NAMESPACES, &s.namespace)])
                .or_default()
                .0
                .push(format!("sec{si}: {{type: {kind}, auths: {{{}}}}}", self.auths(&c, &s.creds)));
        }
        for (ni, account) in self.access.default_accounts.iter().enumerate() {
            if let (Some(names), Some(ns)) = (account, NAMESPACES.get(ni)) {
                let names: Vec<String> = names.iter().map(secret_name).collect();
                by_ns.entry(ns).or_default().1 = Some(format!("default: {{imagePullSecrets: [{}]}}", names.join(", ")));
            }
        }
        if !by_ns.is_empty() {
            let _ = writeln!(w, "  namespaces:");
            for (ns, (secrets, account)) in by_ns {
                let _ = writeln!(w, "    {ns}:");
                if !secrets.is_empty() {
                    let _ = writeln!(w, "      secrets:");
                    for s in secrets {
                        let _ = writeln!(w, "        {s}");
                    }
                }
                if let Some(a) = account {
                    let _ = writeln!(w, "      serviceAccounts:\n        {a}");
                }
            }
        }
        let _ = writeln!(w, "  workloads:");
        for (wi, wl) in self.workloads.iter().enumerate() {
            let _ = writeln!(w, "    {}:", self.workload_name(wi));
            let _ = writeln!(w, "      kind: {}", wl.kind.name());
            if let Some(ns) = &wl.namespace {
                let _ = writeln!(w, "      namespace: {}", NAMESPACES[pick(&NAMESPACES, ns)]);
            }
            if let Some(n) = wl.kind.replicas() {
                let _ = writeln!(w, "      replicas: {n}");
            }
            for line in wl.kind.fields(self) {
                let _ = writeln!(w, "      {line}");
            }
            let indent = if let GenKind::Pod = wl.kind {
                let _ = writeln!(w, "      spec:");
                "        "
            } else {
                if let Some(m) = wl.min_ready_s {
                    let _ = writeln!(w, "      minReadySeconds: {m}");
                }
                let _ = writeln!(w, "      template:\n        metadata: {{labels: {{app: x}}}}\n        spec:");
                "          "
            };
            if let Some(g) = wl.grace_s {
                let _ = writeln!(w, "{indent}terminationGracePeriodSeconds: {g}");
            }
            let pull_secrets = self.access.pull_secrets.get(wi).map_or(&[][..], |v| &v[..]);
            if !pull_secrets.is_empty() {
                let names: Vec<String> = pull_secrets.iter().map(secret_name).collect();
                let _ = writeln!(w, "{indent}imagePullSecrets: [{}]", names.join(", "));
            }
            for (key, list, prefix) in [("initContainers", &wl.init, "init-"), ("containers", &wl.containers, "c")] {
                if list.is_empty() {
                    continue;
                }
                let _ = writeln!(w, "{indent}{key}:");
                let delay_key = if prefix == "c" { "readinessDelay" } else { "runDuration" };
                for (ci, ct) in list.iter().enumerate() {
                    let image = self.reference(&c, &ct.image);
                    let mut extra = ct.policy.map(|p| format!(", imagePullPolicy: {p}")).unwrap_or_default();
                    if let Some(d) = ct.delay {
                        let _ = write!(extra, ", {delay_key}: {d}");
                    }
                    if let Some(d) = ct.termination {
                        let _ = write!(extra, ", terminationDelay: {d}");
                    }
                    let _ = writeln!(w, "{indent}  - {{name: {prefix}{ci}, image: \"{image}\"{extra}}}");
                }
            }
        }
        let entries: Vec<String> = self.timeline.iter().filter_map(|e| self.entry(&c, e)).collect();
        if !entries.is_empty() {
            let _ = writeln!(w, "  timeline:");
            for e in entries {
                let _ = writeln!(w, "    - {e}");
            }
        }
        if let Some(a) = &self.admission {
            let _ = writeln!(w, "  admission: {}", a.to_yaml());
        }
        if self.image_locality {
            let _ = writeln!(w, "  scheduler: {{imageLocality: true}}");
        }
        if !self.variants.is_empty() {
            let _ = writeln!(w, "  variants:");
            for (vi, v) in self.variants.iter().enumerate() {
                let _ = writeln!(w, "    var-{vi}: {}", self.variant(&c, v));
            }
        }
        y
    }

    fn entry(&self, c: &Catalog, e: &GenEntry) -> Option<String> {
        let at = match e.at {
            GenAt::Permille(p) => self.duration_ms() * u64::from(p) / 1000,
            GenAt::EarlyMs(ms) => u64::from(ms).min(self.duration_ms()),
        };
        let action = match &e.action {
            GenAction::PushTag { registry, repo, tag, image } => {
                let ri = pick(&c.registries, registry);
                let (host, repos) = &c.registries[ri];
                let pi = repo.index(repos.len() + 1);
                let path = if pi < repos.len() { repos[pi].path.as_str() } else { "pushed/new" };
                let tag = TAGS[pick(&TAGS, tag)];
                format!("pushTag: {{image: \"{host}/{path}:{tag}\", manifest: img{}}}", pick(&self.images, image))
            }
            GenAction::Scale { workload, replicas } => {
                if c.scalable.is_empty() {
                    return None;
                }
                let wi = c.scalable[pick(&c.scalable, workload)];
                format!("scale: {{workload: {}, replicas: {replicas}}}", self.workload_name(wi))
            }
            GenAction::SetImage { workload, container, omit_single, image } => {
                if c.controllers.is_empty() {
                    return None;
                }
                let wi = c.controllers[pick(&c.controllers, workload)];
                let wl = &self.workloads[wi];
                let names: Vec<String> = (0..wl.init.len())
                    .map(|i| format!("init-{i}"))
                    .chain((0..wl.containers.len()).map(|i| format!("c{i}")))
                    .collect();
                let single = wl.init.is_empty() && wl.containers.len() == 1;
                let target = if single && *omit_single {
                    String::new()
                } else {
                    format!("container: {}, ", names[pick(&names, container)])
                };
                let image = self.reference(c, image);
                format!("setImage: {{workload: {}, {target}image: \"{image}\"}}", self.workload_name(wi))
            }
            GenAction::SetImagePullPolicy { workload, container, policy } => {
                if c.controllers.is_empty() {
                    return None;
                }
                let wi = c.controllers[pick(&c.controllers, workload)];
                let wl = &self.workloads[wi];
                let names: Vec<String> = (0..wl.init.len())
                    .map(|i| format!("init-{i}"))
                    .chain((0..wl.containers.len()).map(|i| format!("c{i}")))
                    .collect();
                let name = &names[pick(&names, container)];
                format!(
                    "setImagePullPolicy: {{workload: {}, container: {name}, policy: {policy}}}",
                    self.workload_name(wi)
                )
            }
            GenAction::AddNodes { pool, count } => {
                format!("addNodes: {{pool: p{}, count: {count}}}", pick(&self.pools, pool))
            }
            GenAction::RemoveNodes { pool, count } => {
                format!("removeNodes: {{pool: p{}, count: {count}}}", pick(&self.pools, pool))
            }
            GenAction::ReplaceNodes { pool, count, max_unavailable } => {
                let m = max_unavailable.map(|m| format!(", maxUnavailable: {m}")).unwrap_or_default();
                format!("replaceNodes: {{pool: p{}, count: {count}{m}}}", pick(&self.pools, pool))
            }
            GenAction::Outage { registry, duration_s } => {
                let host = &c.registries[pick(&c.registries, registry)].0;
                format!("registryOutage: {{registry: \"{host}\", duration: {duration_s}s}}")
            }
        };
        Some(format!("{{at: {at}ms, {action}}}"))
    }

    fn variant(&self, c: &Catalog, v: &GenVariant) -> String {
        match v {
            GenVariant::Kubelet { pool, kubelet } => {
                format!(
                    "{{nodePools: {{p{}: {{kubelet: {{{}}}}}}}}}",
                    pick(&self.pools, pool),
                    kubelet_fields(kubelet, true).join(", ")
                )
            }
            GenVariant::Registry { registry, bandwidth, latency } => {
                let host = &c.registries[pick(&c.registries, registry)].0;
                format!(
                    "{{registries: {{\"{host}\": {{bandwidth: {}, latency: {}}}}}}}",
                    bandwidth.unwrap_or("null"),
                    latency.unwrap_or("null")
                )
            }
            GenVariant::Admission(a) => format!("{{admission: {}}}", a.to_yaml()),
            GenVariant::Seed(s) => format!("{{seed: {s}}}"),
            GenVariant::NoTimeline => "{timeline: []}".to_string(),
            GenVariant::Replicas { workload, replicas } => {
                if c.scalable.is_empty() {
                    return format!("{{seed: {}}}", self.seed + 1);
                }
                let wi = c.scalable[pick(&c.scalable, workload)];
                format!("{{workloads: {{{}: {{replicas: {replicas}}}}}}}", self.workload_name(wi))
            }
        }
    }
}

/// The kubelet map's fields; with `nulls`, unset fields are written as `null` (a patch that replaces them).
fn kubelet_fields(k: &GenKubelet, nulls: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = |key: &str, v: Option<String>| match v {
        Some(v) => out.push(format!("{key}: {v}")),
        None if nulls => out.push(format!("{key}: null")),
        None => {}
    };
    field("serializeImagePulls", k.serialize.map(|b| b.to_string()));
    field("maxParallelImagePulls", k.max_parallel.map(|m| m.to_string()));
    field("registryPullQPS", k.qps.map(|m| m.to_string()));
    field("registryBurst", k.burst.map(|m| m.to_string()));
    out
}

/// A size in one of the accepted spellings, exactly `bytes`.
fn size_text(bytes: u64) -> String {
    const MIB: u64 = 1 << 20;
    if bytes > 0 && bytes % MIB == 0 {
        format!("{}MiB", bytes / MIB)
    } else if bytes > 0 && bytes % 1_000_000 == 0 {
        format!("{}MB", bytes / 1_000_000)
    } else if bytes > 0 && bytes % 1024 == 0 {
        format!("{}KiB", bytes / 1024)
    } else {
        bytes.to_string()
    }
}

/// Counts of what a batch of generated scenarios contains, to see that the generator reaches every feature.
#[derive(Debug, Default)]
struct Coverage {
    counts: BTreeMap<&'static str, u32>,
}

impl Coverage {
    fn add(&mut self, what: &'static str, yes: bool) {
        if yes {
            *self.counts.entry(what).or_default() += 1;
        }
    }
}

/// Every generated scenario loads, its derived digests are what the generator computed, and a batch of them
/// reaches every feature the generator claims to cover.
#[test]
fn generated_scenarios_load_and_cover_every_feature() {
    use pullsim::model::image_ref::{ImageRef, PullPolicy};
    use pullsim::model::spec::{
        Action, DaemonSetUpdate, DeploymentStrategy, PinDigests, PodManagementPolicy, StatefulSetUpdate, WorkloadKind,
        WorkloadStrategy,
    };
    let mut cov = Coverage::default();
    for seed in 0..256u64 {
        let g = generate_scenario(seed);
        let yaml = g.to_yaml();
        let s = parse_checked(&yaml);
        assert_eq!(yaml, generate(seed), "seed {seed}: generation is deterministic");
        let spec = &s.variants[0].spec;
        let c = g.catalog();
        let digests: Vec<&str> = spec.images.iter().map(|i| i.digest.as_str()).collect();
        let expected: Vec<&str> = c.image_digests.iter().map(String::as_str).collect();
        assert_eq!(digests, expected, "seed {seed}: image digests (the generator writes digest references with them)");
        cov.add("variants", s.variants.len() > 1);
        cov.add("several registries", spec.registries.len() > 1);
        cov.add("registry bandwidth", spec.registries.iter().any(|r| r.bandwidth_bps.is_some()));
        cov.add("registry latency", spec.registries.iter().any(|r| r.latency.as_micros() > 0));
        cov.add("docker.io", spec.registries.iter().any(|r| r.host == "docker.io"));
        cov.add("several pools", spec.node_pools.len() > 1);
        cov.add("no initial node", spec.node_pools.iter().all(|p| p.count == 0));
        let k =
            |f: &dyn Fn(&pullsim::model::spec::KubeletConfig) -> bool| spec.node_pools.iter().any(|p| f(&p.kubelet));
        cov.add("serial puller", k(&|k| k.serialize_image_pulls));
        cov.add("parallel unlimited", k(&|k| !k.serialize_image_pulls && k.max_parallel_image_pulls.is_none()));
        cov.add(
            "parallel limited",
            k(&|k| !k.serialize_image_pulls && k.max_parallel_image_pulls.is_some_and(|m| m > 1)),
        );
        cov.add("qps 0 (unlimited)", k(&|k| k.registry_pull_qps == 0));
        cov.add("burst 0", k(&|k| k.registry_pull_qps > 0 && k.registry_burst == 0));
        cov.add("small burst", k(&|k| k.registry_pull_qps > 0 && (1..=3).contains(&k.registry_burst)));
        cov.add("disk bandwidth", spec.node_pools.iter().any(|p| p.disk_write_bps.is_some()));
        cov.add("preloaded", spec.node_pools.iter().any(|p| !p.preloaded.is_empty()));
        cov.add(
            "preloaded by digest",
            spec.node_pools.iter().flat_map(|p| &p.preloaded).any(|p| p.reference.digest.is_some()),
        );
        let layer_uses: usize = spec.images.iter().map(|i| i.layers.len()).sum();
        let distinct: std::collections::BTreeSet<_> = spec.images.iter().flat_map(|i| i.layers.iter()).collect();
        cov.add("shared layers", layer_uses > distinct.len());
        cov.add("bare Pod", spec.workloads.iter().any(|w| w.kind == WorkloadKind::Pod));
        cov.add("Deployment", spec.workloads.iter().any(|w| w.kind == WorkloadKind::Deployment));
        cov.add("init containers", spec.workloads.iter().any(|w| !w.template.init_containers.is_empty()));
        cov.add("several containers", spec.workloads.iter().any(|w| w.template.containers.len() > 1));
        cov.add("namespaces", spec.workloads.iter().any(|w| w.namespace != "default"));
        cov.add("private registry", spec.registries.iter().any(|r| r.auth.is_some()));
        cov.add("node credentials", spec.node_pools.iter().any(|p| !p.node_credentials.is_empty()));
        cov.add("pull secrets", spec.workloads.iter().any(|w| !w.template.image_pull_secrets.is_empty()));
        cov.add("ServiceAccount pull secrets", yaml.contains("serviceAccounts:"));
        cov.add(
            "KubeletEnsureSecretPulledImages off",
            spec.node_pools.iter().any(|p| !p.kubelet.ensure_secret_pulled_images),
        );
        cov.add(
            "AlwaysVerify",
            spec.node_pools
                .iter()
                .any(|p| p.kubelet.verification_policy == pullsim::model::spec::VerificationPolicy::AlwaysVerify),
        );
        cov.add(
            "missing pull secret",
            spec.workloads.iter().any(|w| {
                let have = spec.secrets.get(&w.namespace);
                w.template.image_pull_secrets.iter().any(|n| have.is_none_or(|s| !s.contains_key(n)))
            }),
        );
        cov.add(
            "secret of another type",
            spec.secrets
                .values()
                .flat_map(|s| s.values())
                .any(|s| matches!(s.kind, pullsim::model::spec::SecretType::Other(_))),
        );
        let containers: Vec<_> = spec.workloads.iter().flat_map(|w| w.template.in_start_order()).collect();
        for (what, p) in
            [("Always", PullPolicy::Always), ("IfNotPresent", PullPolicy::IfNotPresent), ("Never", PullPolicy::Never)]
        {
            cov.add(what, containers.iter().any(|c| c.pull_policy == p));
        }
        let parsed: Vec<Result<ImageRef, _>> = containers.iter().map(|c| ImageRef::parse(&c.image)).collect();
        cov.add("by tag", parsed.iter().flatten().any(|r| r.tag.is_some() && r.digest.is_none()));
        cov.add("no tag", parsed.iter().flatten().any(|r| r.tag.is_none() && r.digest.is_none()));
        cov.add("by digest", parsed.iter().flatten().any(|r| r.tag.is_none() && r.digest.is_some()));
        cov.add("tag@digest", parsed.iter().flatten().any(|r| r.tag.is_some() && r.digest.is_some()));
        cov.add("invalid name", parsed.iter().any(|r| r.is_err()));
        cov.add("unknown host", containers.iter().any(|c| c.image.starts_with(UNKNOWN_HOST)));
        cov.add("familiar name", containers.iter().any(|c| !c.image.contains('.') && !c.image.contains("localhost")));
        let actions = |f: &dyn Fn(&Action) -> bool| spec.timeline.iter().any(|e| f(&e.action));
        cov.add("pushTag", actions(&|a| matches!(a, Action::PushTag { .. })));
        cov.add("scale", actions(&|a| matches!(a, Action::Scale { .. })));
        cov.add("setImage", actions(&|a| matches!(a, Action::SetImage { .. })));
        cov.add("addNodes", actions(&|a| matches!(a, Action::AddNodes { .. })));
        cov.add("registryOutage", actions(&|a| matches!(a, Action::RegistryOutage { .. })));
        cov.add("setImagePullPolicy", actions(&|a| matches!(a, Action::SetImagePullPolicy { .. })));
        cov.add("long run (>= 15 min)", spec.duration.as_micros() >= 900_000_000);
        let admissions: Vec<_> = s.variants.iter().map(|v| v.spec.admission).collect();
        cov.add("alwaysPullImages", admissions.iter().any(|a| a.always_pull_images));
        cov.add("pinDigests Pod", admissions.iter().any(|a| a.pin_digests == Some(PinDigests::Pod)));
        cov.add("pinDigests Template", admissions.iter().any(|a| a.pin_digests == Some(PinDigests::Template)));
        let strategy = |f: &dyn Fn(&WorkloadStrategy) -> bool| spec.workloads.iter().any(|w| f(&w.strategy));
        cov.add("DaemonSet", strategy(&|s| matches!(s, WorkloadStrategy::DaemonSet { .. })));
        cov.add(
            "DaemonSet on some pools",
            strategy(&|s| matches!(s, WorkloadStrategy::DaemonSet { pools, .. } if !pools.is_empty())),
        );
        cov.add(
            "DaemonSet surge",
            strategy(&|s| {
                matches!(s, WorkloadStrategy::DaemonSet { update: DaemonSetUpdate::RollingUpdate { max_surge, .. }, .. }
                    if max_surge.literal() > 0)
            }),
        );
        cov.add(
            "OnDelete",
            strategy(&|s| {
                matches!(
                    s,
                    WorkloadStrategy::DaemonSet { update: DaemonSetUpdate::OnDelete, .. }
                        | WorkloadStrategy::StatefulSet { update: StatefulSetUpdate::OnDelete, .. }
                )
            }),
        );
        cov.add("StatefulSet", strategy(&|s| matches!(s, WorkloadStrategy::StatefulSet { .. })));
        cov.add(
            "StatefulSet Parallel",
            strategy(&|s| matches!(s, WorkloadStrategy::StatefulSet { policy: PodManagementPolicy::Parallel, .. })),
        );
        cov.add(
            "StatefulSet partition",
            strategy(&|s| {
                matches!(s, WorkloadStrategy::StatefulSet { update: StatefulSetUpdate::RollingUpdate { partition }, .. }
                    if *partition > 0)
            }),
        );
        cov.add("Recreate", strategy(&|s| matches!(s, WorkloadStrategy::Deployment(DeploymentStrategy::Recreate))));
        cov.add(
            "RollingUpdate without surge",
            strategy(&|s| {
                matches!(s, WorkloadStrategy::Deployment(DeploymentStrategy::RollingUpdate { max_surge, .. })
                    if max_surge.literal() == 0)
            }),
        );
        cov.add("minReadySeconds", spec.workloads.iter().any(|w| w.min_ready.as_micros() > 0));
        cov.add("readinessDelay", containers.iter().any(|c| c.readiness_delay.as_micros() > 0));
        cov.add("terminationDelay", containers.iter().any(|c| c.termination_delay.as_micros() > 0));
        cov.add("runDuration", containers.iter().any(|c| c.run_duration.as_micros() > 0));
        cov.add(
            "short grace period",
            spec.workloads.iter().any(|w| w.template.termination_grace.as_micros() < 30_000_000),
        );
        cov.add("removeNodes", actions(&|a| matches!(a, Action::RemoveNodes { .. })));
        cov.add("replaceNodes", actions(&|a| matches!(a, Action::ReplaceNodes { .. })));
        cov.add("imageLocality", spec.scheduler.image_locality);
        cov.add("cancelPullOnPodDelete", spec.node_pools.iter().any(|p| p.kubelet.cancel_pull_on_pod_delete));
    }
    println!("generator coverage over 256 seeds: {:?}", cov.counts);
    let expected = [
        "setImagePullPolicy",
        "alwaysPullImages",
        "pinDigests Pod",
        "pinDigests Template",
        "variants",
        "several registries",
        "registry bandwidth",
        "registry latency",
        "docker.io",
        "several pools",
        "no initial node",
        "serial puller",
        "parallel unlimited",
        "parallel limited",
        "qps 0 (unlimited)",
        "burst 0",
        "small burst",
        "disk bandwidth",
        "preloaded",
        "preloaded by digest",
        "shared layers",
        "bare Pod",
        "Deployment",
        "init containers",
        "several containers",
        "namespaces",
        "Always",
        "IfNotPresent",
        "Never",
        "by tag",
        "no tag",
        "by digest",
        "tag@digest",
        "invalid name",
        "unknown host",
        "familiar name",
        "pushTag",
        "scale",
        "setImage",
        "addNodes",
        "registryOutage",
        "long run (>= 15 min)",
        "DaemonSet",
        "DaemonSet on some pools",
        "DaemonSet surge",
        "OnDelete",
        "StatefulSet",
        "StatefulSet Parallel",
        "StatefulSet partition",
        "Recreate",
        "RollingUpdate without surge",
        "minReadySeconds",
        "readinessDelay",
        "terminationDelay",
        "runDuration",
        "short grace period",
        "removeNodes",
        "replaceNodes",
        "imageLocality",
        "cancelPullOnPodDelete",
        "private registry",
        "node credentials",
        "pull secrets",
        "missing pull secret",
        "secret of another type",
        "ServiceAccount pull secrets",
        "KubeletEnsureSecretPulledImages off",
        "AlwaysVerify",
    ];
    for what in expected {
        let n = cov.counts.get(what).copied().unwrap_or(0);
        assert!(n >= 3, "the generator produced {what:?} in only {n} of 256 scenarios");
    }
}

/// Prints the scenario of one seed, to reproduce a failing case by hand:
/// `PULLSIM_GEN_SEED=0x5eed003c cargo test --test integration print_generated_scenario -- --ignored --nocapture`
/// (hexadecimal with `0x`, else decimal).
#[test]
fn print_generated_scenario() {
    // Without PULLSIM_GEN_SEED it checks the first case's scenario loads, and prints nothing.
    let text = std::env::var("PULLSIM_GEN_SEED").ok();
    let seed = match text.as_deref() {
        None => 0x5eed_0000,
        Some(t) => match t.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => t.parse(),
        }
        .unwrap_or_else(|_| panic!("PULLSIM_GEN_SEED={t:?}: expected a seed such as 0x5eed003c or 42")),
    };
    let yaml = generate(seed);
    parse_checked(&yaml);
    if text.is_some() {
        println!("{yaml}");
    }
}
