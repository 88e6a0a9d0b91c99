//! The scenario file as written: serde structs that mirror the YAML one to one, with camelCase keys and no
//! unknown fields allowed. Nothing here is checked beyond types; `resolve.rs` turns it into a `ClusterSpec`.

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// A quantity written as a string (`90s`, `120MiB`, `1Gbps`) or a bare number (`0`, `1024`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Quantity(pub String);

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Quantity;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a quantity such as 90s, 120MiB or 1Gbps")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Quantity, E> {
                Ok(Quantity(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Quantity, E> {
                Ok(Quantity(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Quantity, E> {
                Ok(Quantity(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Quantity, E> {
                Ok(Quantity(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a scenario: a map with apiVersion, kind, metadata and spec"
)]
pub(crate) struct RawScenario {
    pub(crate) api_version: String,
    pub(crate) kind: String,
    pub(crate) metadata: RawMetadata,
    pub(crate) spec: RawSpec,
}

/// `metadata`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a map with name and an optional description")]
pub(crate) struct RawMetadata {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) description: Option<String>,
}

/// `spec`.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a map of spec fields (duration, layers, images, registries, nodePools, namespaces, workloads, timeline, admission, scheduler, variants, sweep)"
)]
pub(crate) struct RawSpec {
    #[serde(default)]
    pub(crate) seed: Option<u64>,
    pub(crate) duration: Quantity,
    #[serde(default)]
    pub(crate) layers: BTreeMap<String, RawLayer>,
    #[serde(default)]
    pub(crate) images: BTreeMap<String, RawImage>,
    #[serde(default)]
    pub(crate) registries: BTreeMap<String, RawRegistry>,
    #[serde(default)]
    pub(crate) node_pools: BTreeMap<String, RawNodePool>,
    #[serde(default)]
    pub(crate) namespaces: BTreeMap<String, RawNamespace>,
    #[serde(default)]
    pub(crate) workloads: BTreeMap<String, RawWorkload>,
    #[serde(default)]
    pub(crate) timeline: Vec<RawTimelineEntry>,
    #[serde(default)]
    pub(crate) variants: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub(crate) sweep: Option<RawSweep>,
    #[serde(default)]
    pub(crate) admission: Option<RawAdmission>,
    #[serde(default)]
    pub(crate) scheduler: Option<RawScheduler>,
}

/// `spec.namespaces.<name>`: what a namespace holds that pulls read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a map with secrets and serviceAccounts")]
pub(crate) struct RawNamespace {
    #[serde(default)]
    pub(crate) secrets: BTreeMap<String, RawSecret>,
    #[serde(default)]
    pub(crate) service_accounts: BTreeMap<String, RawServiceAccount>,
}

/// A ServiceAccount: the pull secrets it gives the pods that name it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a map with imagePullSecrets")]
pub(crate) struct RawServiceAccount {
    #[serde(default)]
    pub(crate) image_pull_secrets: Vec<RawLocalObjectReference>,
}

/// A Secret: its type and, for the docker config types, the `auths` of its payload.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a map with type and auths")]
pub(crate) struct RawSecret {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) auths: BTreeMap<String, RawAuthEntry>,
}

/// One `auths` entry of a docker config.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a map with username and password, or auth")]
pub(crate) struct RawAuthEntry {
    #[serde(default)]
    pub(crate) username: Option<String>,
    /// Not checked by pullsim's registries; accepted so that real entries paste in.
    #[serde(default)]
    #[allow(dead_code)]
    pub(crate) password: Option<String>,
    #[serde(default)]
    pub(crate) auth: Option<String>,
    /// Deprecated in docker configs; ignored.
    #[serde(default)]
    #[allow(dead_code)]
    pub(crate) email: Option<String>,
}

/// A node's docker `config.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a map with auths")]
pub(crate) struct RawDockerConfig {
    #[serde(default)]
    pub(crate) auths: BTreeMap<String, RawAuthEntry>,
}

/// `registries.<host>.auth`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a map with required and accept")]
pub(crate) struct RawRegistryAuth {
    #[serde(default)]
    pub(crate) required: Option<bool>,
    #[serde(default)]
    pub(crate) accept: BTreeMap<String, Vec<String>>,
}

/// `imagePullSecrets` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a map with name")]
pub(crate) struct RawLocalObjectReference {
    #[serde(default)]
    pub(crate) name: String,
}

/// `spec.scheduler`: the scheduler's scoring plugins.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a map with imageLocality")]
pub(crate) struct RawScheduler {
    #[serde(default)]
    pub(crate) image_locality: Option<bool>,
}

/// An `IntOrString` of the apps/v1 API: a whole number or a percent such as `"25%"`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawIntOrPercent {
    Int(i64),
    Text(String),
}

impl<'de> Deserialize<'de> for RawIntOrPercent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RawIntOrPercent;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number or a percent such as 25%")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawIntOrPercent, E> {
                Ok(RawIntOrPercent::Text(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawIntOrPercent, E> {
                Whole.visit_u64(v).map(RawIntOrPercent::Int)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawIntOrPercent, E> {
                Ok(RawIntOrPercent::Int(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// A Deployment's `strategy`, or a DaemonSet's or StatefulSet's `updateStrategy`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a map with type and an optional rollingUpdate")]
pub(crate) struct RawStrategy {
    #[serde(default, rename = "type")]
    pub(crate) kind: Option<String>,
    #[serde(default)]
    pub(crate) rolling_update: Option<RawRollingUpdate>,
}

/// `rollingUpdate` of a strategy: maxSurge and maxUnavailable (Deployment, DaemonSet) or partition
/// (StatefulSet).
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a map with maxSurge and maxUnavailable (Deployment, DaemonSet) or partition (StatefulSet)"
)]
pub(crate) struct RawRollingUpdate {
    #[serde(default)]
    pub(crate) max_surge: Option<RawIntOrPercent>,
    #[serde(default)]
    pub(crate) max_unavailable: Option<RawIntOrPercent>,
    #[serde(default, deserialize_with = "opt_whole")]
    pub(crate) partition: Option<i64>,
}

/// `spec.admission`: mutating admission the API server runs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a map with alwaysPullImages and/or pinDigests")]
pub(crate) struct RawAdmission {
    #[serde(default)]
    pub(crate) always_pull_images: Option<bool>,
    #[serde(default)]
    pub(crate) pin_digests: Option<String>,
}

/// `spec.sweep`: seeds and parameter lists to run every variant over.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a map with seeds and/or parameters")]
pub(crate) struct RawSweep {
    #[serde(default)]
    pub(crate) seeds: Option<RawSeeds>,
    /// `None` when absent; `Some(empty)` is an error.
    #[serde(default)]
    pub(crate) parameters: Option<Vec<RawSweepParameter>>,
}

/// `sweep.seeds`: a list, or `{from, count}`.
#[derive(Debug)]
pub(crate) enum RawSeeds {
    List(Vec<u64>),
    Range(RawSeedRange),
}

impl<'de> Deserialize<'de> for RawSeeds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawSeeds;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of seeds such as [1, 2, 3], or a map {from, count}")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawSeeds, A::Error> {
                let mut seeds = Vec::new();
                while let Some(s) = seq.next_element::<u64>()? {
                    seeds.push(s);
                }
                Ok(RawSeeds::List(seeds))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<RawSeeds, A::Error> {
                RawSeedRange::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawSeeds::Range)
            }
        }
        d.deserialize_any(V)
    }
}

/// `sweep.seeds: {from, count}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a map with from and count")]
pub(crate) struct RawSeedRange {
    pub(crate) from: u64,
    #[serde(deserialize_with = "whole")]
    pub(crate) count: i64,
}

/// One entry of `sweep.parameters`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a map with path and values")]
pub(crate) struct RawSweepParameter {
    pub(crate) path: String,
    pub(crate) values: Vec<serde_json::Value>,
}

/// A layer: its size, or its size and digest.
#[derive(Debug)]
pub(crate) enum RawLayer {
    Size(Quantity),
    Full(RawLayerFull),
}

/// Not `#[serde(untagged)]`: that would report any mistake in one layer as "data did not match any
/// variant" at the `layers` map; this way an unknown key or a bad type is reported where it is.
impl<'de> Deserialize<'de> for RawLayer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawLayer;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a layer size such as 120MiB, or a map with size and an optional digest")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawLayer, E> {
                Ok(RawLayer::Size(Quantity(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawLayer, E> {
                Ok(RawLayer::Size(Quantity(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawLayer, E> {
                Ok(RawLayer::Size(Quantity(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawLayer, E> {
                Ok(RawLayer::Size(Quantity(v.to_string())))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<RawLayer, A::Error> {
                RawLayerFull::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawLayer::Full)
            }
        }
        d.deserialize_any(V)
    }
}

/// A count or limit: an integer, reported as "a whole number" rather than as a Rust type when it is
/// not one.
struct Whole;

impl Visitor<'_> for Whole {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &"a smaller whole number"))
    }
}

fn whole<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    d.deserialize_i64(Whole)
}

fn opt_whole<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a whole number")
        }
        fn visit_none<E: de::Error>(self) -> Result<Option<i64>, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Option<i64>, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Option<i64>, D2::Error> {
            whole(d).map(Some)
        }
    }
    d.deserialize_option(V)
}

/// `{size, digest}` form of a layer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a map with size and an optional digest")]
pub(crate) struct RawLayerFull {
    pub(crate) size: Quantity,
    #[serde(default)]
    pub(crate) digest: Option<String>,
}

/// An image manifest.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a map with layers and an optional digest")]
pub(crate) struct RawImage {
    pub(crate) layers: Vec<String>,
    #[serde(default)]
    pub(crate) digest: Option<String>,
}

/// A registry.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a map of registry fields (bandwidth, latency, repositories, auth)"
)]
pub(crate) struct RawRegistry {
    #[serde(default)]
    pub(crate) bandwidth: Option<Quantity>,
    #[serde(default)]
    pub(crate) latency: Option<Quantity>,
    #[serde(default)]
    pub(crate) repositories: BTreeMap<String, RawRepository>,
    #[serde(default)]
    pub(crate) auth: Option<RawRegistryAuth>,
}

/// A repository.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a map with tags")]
pub(crate) struct RawRepository {
    #[serde(default)]
    pub(crate) tags: BTreeMap<String, String>,
}

/// A node pool.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a map of node pool fields (count, bandwidth, diskWrite, maxConcurrentDownloads, kubelet, preloaded, nodeCredentials)"
)]
pub(crate) struct RawNodePool {
    #[serde(deserialize_with = "whole")]
    pub(crate) count: i64,
    #[serde(default)]
    pub(crate) bandwidth: Option<Quantity>,
    #[serde(default)]
    pub(crate) disk_write: Option<Quantity>,
    #[serde(default, deserialize_with = "opt_whole")]
    pub(crate) max_concurrent_downloads: Option<i64>,
    #[serde(default)]
    pub(crate) kubelet: RawKubelet,
    #[serde(default)]
    pub(crate) preloaded: Vec<String>,
    /// The node's docker `config.json`.
    #[serde(default)]
    pub(crate) node_credentials: Option<RawDockerConfig>,
}

/// The KubeletConfiguration fields that shape pulls.
#[derive(Debug, Default, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a map of kubelet fields (serializeImagePulls, maxParallelImagePulls, registryPullQPS, registryBurst, cancelPullOnPodDelete, featureGates, imagePullCredentialsVerificationPolicy, preloadedImagesVerificationAllowlist)"
)]
pub(crate) struct RawKubelet {
    #[serde(default)]
    pub(crate) serialize_image_pulls: Option<bool>,
    #[serde(default, rename = "maxParallelImagePulls", deserialize_with = "opt_whole")]
    pub(crate) max_parallel_image_pulls: Option<i64>,
    #[serde(default, rename = "registryPullQPS", deserialize_with = "opt_whole")]
    pub(crate) registry_pull_qps: Option<i64>,
    #[serde(default, deserialize_with = "opt_whole")]
    pub(crate) registry_burst: Option<i64>,
    /// pullsim's switch, not a KubeletConfiguration field: cancel the pulls of a pod that is deleted.
    #[serde(default)]
    pub(crate) cancel_pull_on_pod_delete: Option<bool>,
    #[serde(default)]
    pub(crate) feature_gates: Option<RawFeatureGates>,
    #[serde(default)]
    pub(crate) image_pull_credentials_verification_policy: Option<String>,
    #[serde(default)]
    pub(crate) preloaded_images_verification_allowlist: Option<Vec<String>>,
}

/// `kubelet.featureGates`: the gates that shape pulls.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a map with KubeletEnsureSecretPulledImages")]
pub(crate) struct RawFeatureGates {
    #[serde(default, rename = "KubeletEnsureSecretPulledImages")]
    pub(crate) ensure_secret_pulled_images: Option<bool>,
}

/// A workload.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a map of workload fields (kind, namespace, replicas, strategy, updateStrategy, podManagementPolicy, nodePools, minReadySeconds, template, spec)"
)]
pub(crate) struct RawWorkload {
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) namespace: Option<String>,
    #[serde(default, deserialize_with = "opt_whole")]
    pub(crate) replicas: Option<i64>,
    /// Deployment: `strategy`.
    #[serde(default)]
    pub(crate) strategy: Option<RawStrategy>,
    /// DaemonSet, StatefulSet: `updateStrategy`.
    #[serde(default)]
    pub(crate) update_strategy: Option<RawStrategy>,
    /// StatefulSet: `podManagementPolicy`.
    #[serde(default)]
    pub(crate) pod_management_policy: Option<String>,
    /// DaemonSet: the pools whose nodes run it (pullsim's stand-in for a nodeSelector).
    #[serde(default)]
    pub(crate) node_pools: Option<Vec<String>>,
    #[serde(default, deserialize_with = "opt_whole")]
    pub(crate) min_ready_seconds: Option<i64>,
    /// Deployment: the pod template.
    #[serde(default)]
    pub(crate) template: Option<RawTemplate>,
    /// Pod: the pod spec.
    #[serde(default)]
    pub(crate) spec: Option<RawPodSpec>,
}

/// `template`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a map with spec and an optional metadata")]
pub(crate) struct RawTemplate {
    /// Accepted so that templates can be pasted from manifests; labels do not affect pulling.
    #[serde(default)]
    #[allow(dead_code)]
    pub(crate) metadata: Option<serde_json::Value>,
    pub(crate) spec: RawPodSpec,
}

/// A pod spec: only what pulling needs.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a map with containers and optional initContainers, imagePullSecrets, serviceAccountName and terminationGracePeriodSeconds"
)]
pub(crate) struct RawPodSpec {
    #[serde(default, deserialize_with = "opt_whole")]
    pub(crate) termination_grace_period_seconds: Option<i64>,
    #[serde(default)]
    pub(crate) init_containers: Vec<RawContainer>,
    #[serde(default)]
    pub(crate) containers: Vec<RawContainer>,
    #[serde(default)]
    pub(crate) image_pull_secrets: Vec<RawLocalObjectReference>,
    #[serde(default)]
    pub(crate) service_account_name: Option<String>,
}

/// A container.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a map with name, image and optional imagePullPolicy, readinessDelay, terminationDelay and runDuration"
)]
pub(crate) struct RawContainer {
    pub(crate) name: String,
    pub(crate) image: String,
    #[serde(default)]
    pub(crate) image_pull_policy: Option<String>,
    /// App container: from its start to Ready.
    #[serde(default)]
    pub(crate) readiness_delay: Option<Quantity>,
    /// How long it takes to exit after SIGTERM.
    #[serde(default)]
    pub(crate) termination_delay: Option<Quantity>,
    /// Init container: how long it runs before exiting successfully.
    #[serde(default)]
    pub(crate) run_duration: Option<Quantity>,
}

/// A timeline entry: `at` and exactly one action.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a map with at and one action (pushTag, scale, setImage, setImagePullPolicy, addNodes, removeNodes, replaceNodes or registryOutage)"
)]
pub(crate) struct RawTimelineEntry {
    pub(crate) at: Quantity,
    #[serde(default)]
    pub(crate) push_tag: Option<RawPushTag>,
    #[serde(default)]
    pub(crate) scale: Option<RawScale>,
    #[serde(default)]
    pub(crate) set_image: Option<RawSetImage>,
    #[serde(default)]
    pub(crate) set_image_pull_policy: Option<RawSetImagePullPolicy>,
    #[serde(default)]
    pub(crate) add_nodes: Option<RawAddNodes>,
    #[serde(default)]
    pub(crate) remove_nodes: Option<RawAddNodes>,
    #[serde(default)]
    pub(crate) replace_nodes: Option<RawReplaceNodes>,
    #[serde(default)]
    pub(crate) registry_outage: Option<RawRegistryOutage>,
}

/// `pushTag`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a map with image and manifest")]
pub(crate) struct RawPushTag {
    pub(crate) image: String,
    pub(crate) manifest: String,
}

/// `scale`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a map with workload and replicas")]
pub(crate) struct RawScale {
    pub(crate) workload: String,
    #[serde(deserialize_with = "whole")]
    pub(crate) replicas: i64,
}

/// `setImage`.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a map with workload, image and an optional container"
)]
pub(crate) struct RawSetImage {
    pub(crate) workload: String,
    #[serde(default)]
    pub(crate) container: Option<String>,
    pub(crate) image: String,
}

/// `setImagePullPolicy`.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a map with workload, policy and an optional container"
)]
pub(crate) struct RawSetImagePullPolicy {
    pub(crate) workload: String,
    #[serde(default)]
    pub(crate) container: Option<String>,
    pub(crate) policy: String,
}

/// `replaceNodes`.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a map with pool, count and an optional maxUnavailable"
)]
pub(crate) struct RawReplaceNodes {
    pub(crate) pool: String,
    #[serde(deserialize_with = "whole")]
    pub(crate) count: i64,
    #[serde(default, deserialize_with = "opt_whole")]
    pub(crate) max_unavailable: Option<i64>,
}

/// `addNodes` and `removeNodes`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a map with pool and count")]
pub(crate) struct RawAddNodes {
    pub(crate) pool: String,
    #[serde(deserialize_with = "whole")]
    pub(crate) count: i64,
}

/// `registryOutage`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a map with registry and duration")]
pub(crate) struct RawRegistryOutage {
    pub(crate) registry: String,
    pub(crate) duration: Quantity,
}
