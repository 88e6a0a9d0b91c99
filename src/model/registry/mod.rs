//! A registry during the run: its repositories (live tags and every manifest pushed), its egress link and
//! request latency, its outage window and its request counters.

use crate::engine::{SimDuration, SimTime};
use crate::model::network::bandwidth::LinkId;
use crate::model::spec::ImageId;
use std::collections::{BTreeMap, BTreeSet};

/// Request and byte counts of one registry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegistryStats {
    /// Manifest requests (tag or digest resolution).
    pub manifest_requests: u64,
    /// Blob requests.
    pub blob_requests: u64,
    /// Requests answered with an error (404, 503).
    pub failed_requests: u64,
    /// Bytes served.
    pub bytes: u64,
}

/// A repository's live tags and every manifest pushed to it.
#[derive(Debug, Clone, Default)]
pub struct Repository {
    /// Tag -> manifest now.
    pub tags: BTreeMap<String, ImageId>,
    /// Manifests addressable by digest.
    pub manifests: BTreeSet<ImageId>,
}

/// A registry during the run.
#[derive(Debug)]
pub struct Registry {
    /// Host.
    pub host: String,
    /// Egress link.
    pub egress: LinkId,
    /// Request round trip.
    pub latency: SimDuration,
    /// Repositories by path.
    pub repositories: BTreeMap<String, Repository>,
    /// Answers 503 until then.
    pub down_until: SimTime,
    /// Counters.
    pub stats: RegistryStats,
}
