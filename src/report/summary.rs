//! summary.json: per variant, the figures users compare — pulls and failures, bytes and requests per
//! registry, pull and pod-start latency percentiles, and per workload the digests running at the end and
//! the most distinct digests that ran at once.

use super::percentiles::Percentiles;
use super::VariantRun;
use crate::model::spec::WorkloadStrategy;
use crate::model::trace::TraceKind;
use crate::model::world::ContainerState;
use serde::Serialize;
use std::collections::BTreeMap;

/// The whole summary.json.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// `metadata.name`.
    pub scenario: String,
    /// `metadata.description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Base first, then variants in name order.
    pub variants: Vec<VariantSummary>,
}

/// Pull counts of one variant.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PullCounts {
    /// Pulls the image manager asked for.
    pub queued: u64,
    /// Pulls the puller started.
    pub started: u64,
    /// Pulls that succeeded.
    pub completed: u64,
    /// Pulls that failed (ErrImagePull).
    pub failed: u64,
    /// Pulls cancelled because their pod was deleted (not counted as failed).
    pub cancelled: u64,
    /// Failures by message.
    pub failed_by_message: BTreeMap<String, u64>,
    /// Syncs refused inside a backoff window (ImagePullBackOff).
    pub back_off_refusals: u64,
    /// Bytes downloaded by all pulls.
    pub bytes: u64,
}

/// One registry's load.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrySummary {
    /// Manifest requests.
    pub manifest_requests: u64,
    /// Blob requests.
    pub blob_requests: u64,
    /// Requests answered with an error.
    pub failed_requests: u64,
    /// Bytes served.
    pub bytes: u64,
}

/// Pod counts.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodCounts {
    /// Pods created.
    pub created: u64,
    /// Pods deleted.
    pub deleted: u64,
    /// Live pods running at the end.
    pub running_at_end: u64,
    /// Live pods not running at the end.
    pub not_running_at_end: u64,
}

/// One workload at the end of the run.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadSummary {
    /// Desired replicas at the end (a DaemonSet: the live nodes of its pools).
    pub replicas: u32,
    /// Live pods running at the end.
    pub running_pods: u64,
    /// App container -> digest -> running containers at the end.
    pub running_by_digest: BTreeMap<String, BTreeMap<String, u32>>,
    /// Most distinct digests one app container ran at once.
    pub max_distinct_digests: u32,
    /// App container -> its tag drift (see [`super::drift`]).
    pub drift: BTreeMap<String, DriftSummary>,
}

/// The tag drift of one app container of a workload.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DriftSummary {
    /// Simulated seconds during which more than one digest ran in running pods.
    pub mixed_version_seconds: f64,
    /// Share of running pod-seconds whose digest was not what the reference as written resolved to at that
    /// moment; `null` when no pod ran.
    pub stale_pod_seconds_share: Option<f64>,
    /// One entry per tag push that moved a tag the container used.
    pub convergence: Vec<ConvergenceSummary>,
    /// Most distinct digests running at once.
    pub max_distinct_digests: u32,
    /// Distinct digests running at the end.
    pub digests_at_end: u32,
}

/// When a tag moved and when every running pod first ran the new digest.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConvergenceSummary {
    /// The push.
    pub push_ms: f64,
    /// Converged; `null` if never within the run.
    pub converged_ms: Option<f64>,
}

impl DriftSummary {
    fn of(d: &super::drift::Drift) -> DriftSummary {
        DriftSummary {
            mixed_version_seconds: d.mixed_version_us as f64 / 1e6,
            stale_pod_seconds_share: d.stale_share(),
            convergence: d
                .convergence
                .iter()
                .map(|c| ConvergenceSummary {
                    push_ms: c.push.as_millis_f64(),
                    converged_ms: c.converged.map(|t| t.as_millis_f64()),
                })
                .collect(),
            max_distinct_digests: d.max_distinct_digests,
            digests_at_end: d.digests_at_end,
        }
    }
}

/// The figures of one variant.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VariantSummary {
    /// Variant name.
    pub name: String,
    /// Seed.
    pub seed: u64,
    /// Simulated time covered.
    pub duration_ms: f64,
    /// True when the run stopped early at the trace limit; the figures cover `durationMs` only.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// Events processed by the loop.
    pub events_processed: u64,
    /// Pulls.
    pub pulls: PullCounts,
    /// Registries by host.
    pub registries: BTreeMap<String, RegistrySummary>,
    /// Pull latency including waiting for the puller (queued -> completed), successful pulls.
    pub pull_latency_ms: Percentiles,
    /// Pull duration once started (started -> completed), successful pulls.
    pub pull_duration_ms: Percentiles,
    /// Pod creation -> all app containers running, pods that got there.
    pub pod_start_latency_ms: Percentiles,
    /// Pods.
    pub pods: PodCounts,
    /// Workloads by name.
    pub workloads: BTreeMap<String, WorkloadSummary>,
    /// Container starts without an accepted credential; only when a registry requires authentication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<super::access::Access>,
}

impl VariantSummary {
    /// Summarises one run.
    pub fn of(run: &VariantRun<'_>) -> VariantSummary {
        let out = run.output;
        let w = &out.world;
        let mut pulls = PullCounts::default();
        let (mut latency, mut duration, mut start) = (Vec::new(), Vec::new(), Vec::new());
        let mut pods = PodCounts::default();
        for e in &out.trace {
            match &e.kind {
                TraceKind::PullQueued { .. } => pulls.queued += 1,
                TraceKind::PullStarted { .. } => pulls.started += 1,
                TraceKind::PullCompleted { bytes, duration: d, including_waiting, .. } => {
                    pulls.completed += 1;
                    pulls.bytes += bytes;
                    latency.push(including_waiting.as_micros());
                    duration.push(d.as_micros());
                }
                TraceKind::PullFailed { failure, .. } => {
                    pulls.failed += 1;
                    *pulls.failed_by_message.entry(failure.message().to_string()).or_default() += 1;
                }
                TraceKind::PullCancelled { .. } => pulls.cancelled += 1,
                TraceKind::Backoff { refused: true, .. } => pulls.back_off_refusals += 1,
                TraceKind::PodCreated { .. } => pods.created += 1,
                TraceKind::PodDeleted { .. } => pods.deleted += 1,
                TraceKind::PodRunning { pod } => {
                    start.push((e.t - w.pods[pod.0 as usize].created).as_micros());
                }
                _ => {}
            }
        }
        let running = |p: &crate::model::world::Pod| p.containers.iter().all(ContainerState::started);
        for p in w.pods.iter().filter(|p| !p.deleted) {
            if running(p) {
                pods.running_at_end += 1;
            } else {
                pods.not_running_at_end += 1;
            }
        }
        let registries = w
            .registries
            .iter()
            .map(|r| {
                let s = r.stats;
                let summary = RegistrySummary {
                    manifest_requests: s.manifest_requests,
                    blob_requests: s.blob_requests,
                    failed_requests: s.failed_requests,
                    bytes: s.bytes,
                };
                (r.host.clone(), summary)
            })
            .collect();
        let mut drift: BTreeMap<u32, BTreeMap<String, DriftSummary>> = BTreeMap::new();
        for (workload, container, d) in super::drift::drift(out) {
            drift.entry(workload.0).or_default().insert(container, DriftSummary::of(&d));
        }
        let workloads = w
            .workloads
            .iter()
            .zip(&w.spec.workloads)
            .enumerate()
            .map(|(i, (wl, spec))| {
                let running_by_digest = wl
                    .running
                    .iter()
                    .filter(|(_, m)| !m.is_empty())
                    .map(|(c, m)| {
                        let by = m.iter().map(|(img, n)| (w.spec.images[img.0 as usize].digest.clone(), *n)).collect();
                        (c.clone(), by)
                    })
                    .collect();
                let running_pods = wl.pods.iter().filter(|p| running(&w.pods[p.0 as usize])).count() as u64;
                // A DaemonSet wants one pod per live node of its pools (desiredNumberScheduled).
                let replicas = match &spec.strategy {
                    WorkloadStrategy::DaemonSet { pools, .. } => {
                        w.nodes.iter().filter(|n| !n.removed && (pools.is_empty() || pools.contains(&n.pool))).count()
                            as u32
                    }
                    _ => wl.replicas,
                };
                let summary = WorkloadSummary {
                    replicas,
                    running_pods,
                    running_by_digest,
                    max_distinct_digests: wl.max_distinct,
                    drift: drift.remove(&(i as u32)).unwrap_or_default(),
                };
                (spec.name.clone(), summary)
            })
            .collect();
        VariantSummary {
            name: run.name.to_string(),
            seed: run.seed,
            duration_ms: out.end.as_millis_f64(),
            truncated: out.truncated,
            events_processed: out.events_processed,
            pulls,
            registries,
            pull_latency_ms: Percentiles::of_micros(latency),
            pull_duration_ms: Percentiles::of_micros(duration),
            pod_start_latency_ms: Percentiles::of_micros(start),
            pods,
            workloads,
            access: super::access::of(out),
        }
    }
}
