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
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawScenario {
    pub(crate) api_version: String,
    pub(crate) kind: String,
    pub(crate) metadata: RawMetadata,
    pub(crate) spec: RawSpec,
}

/// `metadata`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawMetadata {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) description: Option<String>,
}

/// `spec`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
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
    pub(crate) workloads: BTreeMap<String, RawWorkload>,
    #[serde(default)]
    pub(crate) timeline: Vec<RawTimelineEntry>,
    #[serde(default)]
    pub(crate) variants: BTreeMap<String, serde_json::Value>,
}

/// A layer: its size, or its size and digest.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum RawLayer {
    Size(Quantity),
    Full(RawLayerFull),
}

/// `{size, digest}` form of a layer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawLayerFull {
    pub(crate) size: Quantity,
    #[serde(default)]
    pub(crate) digest: Option<String>,
}

/// An image manifest.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawImage {
    pub(crate) layers: Vec<String>,
    #[serde(default)]
    pub(crate) digest: Option<String>,
}

/// A registry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawRegistry {
    #[serde(default)]
    pub(crate) bandwidth: Option<Quantity>,
    #[serde(default)]
    pub(crate) latency: Option<Quantity>,
    #[serde(default)]
    pub(crate) repositories: BTreeMap<String, RawRepository>,
}

/// A repository.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawRepository {
    #[serde(default)]
    pub(crate) tags: BTreeMap<String, String>,
}

/// A node pool.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawNodePool {
    pub(crate) count: i64,
    #[serde(default)]
    pub(crate) bandwidth: Option<Quantity>,
    #[serde(default)]
    pub(crate) disk_write: Option<Quantity>,
    #[serde(default)]
    pub(crate) max_concurrent_downloads: Option<i64>,
    #[serde(default)]
    pub(crate) kubelet: RawKubelet,
    #[serde(default)]
    pub(crate) preloaded: Vec<String>,
}

/// The KubeletConfiguration fields that shape pulls.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawKubelet {
    #[serde(default)]
    pub(crate) serialize_image_pulls: Option<bool>,
    #[serde(default, rename = "maxParallelImagePulls")]
    pub(crate) max_parallel_image_pulls: Option<i64>,
    #[serde(default, rename = "registryPullQPS")]
    pub(crate) registry_pull_qps: Option<i64>,
    #[serde(default)]
    pub(crate) registry_burst: Option<i64>,
}

/// A workload.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawWorkload {
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) namespace: Option<String>,
    #[serde(default)]
    pub(crate) replicas: Option<i64>,
    /// Deployment: the pod template.
    #[serde(default)]
    pub(crate) template: Option<RawTemplate>,
    /// Pod: the pod spec.
    #[serde(default)]
    pub(crate) spec: Option<RawPodSpec>,
}

/// `template`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawTemplate {
    /// Accepted so that templates can be pasted from manifests; labels do not affect pulling.
    #[serde(default)]
    #[allow(dead_code)]
    pub(crate) metadata: Option<serde_json::Value>,
    pub(crate) spec: RawPodSpec,
}

/// A pod spec: only what pulling needs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawPodSpec {
    #[serde(default)]
    pub(crate) init_containers: Vec<RawContainer>,
    #[serde(default)]
    pub(crate) containers: Vec<RawContainer>,
}

/// A container.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawContainer {
    pub(crate) name: String,
    pub(crate) image: String,
    #[serde(default)]
    pub(crate) image_pull_policy: Option<String>,
}

/// A timeline entry: `at` and exactly one action.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawTimelineEntry {
    pub(crate) at: Quantity,
    #[serde(default)]
    pub(crate) push_tag: Option<RawPushTag>,
    #[serde(default)]
    pub(crate) scale: Option<RawScale>,
    #[serde(default)]
    pub(crate) set_image: Option<RawSetImage>,
    #[serde(default)]
    pub(crate) add_nodes: Option<RawAddNodes>,
    #[serde(default)]
    pub(crate) registry_outage: Option<RawRegistryOutage>,
}

/// `pushTag`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawPushTag {
    pub(crate) image: String,
    pub(crate) manifest: String,
}

/// `scale`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawScale {
    pub(crate) workload: String,
    pub(crate) replicas: i64,
}

/// `setImage`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawSetImage {
    pub(crate) workload: String,
    #[serde(default)]
    pub(crate) container: Option<String>,
    pub(crate) image: String,
}

/// `addNodes`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawAddNodes {
    pub(crate) pool: String,
    pub(crate) count: i64,
}

/// `registryOutage`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawRegistryOutage {
    pub(crate) registry: String,
    pub(crate) duration: Quantity,
}
