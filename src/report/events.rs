//! events.jsonl: one JSON object a line, in the order things happened, each with `t_ms`, `variant`, `kind`
//! and the names involved (pod as namespace/name, node, image as written, digest). Where the kubelet records a
//! Kubernetes Event, `event` carries its message as `kubectl describe pod` shows it (image_manager.go).
//! docs/outputs.md lists the kinds and their fields.

use crate::engine::SimDuration;
use crate::model::image_ref::ImageRef;
use crate::model::trace::{NodeId, PodId, PullId, TraceKind};
use crate::model::world::World;
use crate::model::RunOutput;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::io::Write;

/// The `kind` string of a trace event.
pub fn kind_name(kind: &TraceKind) -> &'static str {
    match kind {
        TraceKind::PodCreated { .. } => "pod_created",
        TraceKind::PodScheduled { .. } => "pod_scheduled",
        TraceKind::PodDeleted { .. } => "pod_deleted",
        TraceKind::PodRunning { .. } => "pod_running",
        TraceKind::PodTerminating { .. } => "pod_terminating",
        TraceKind::PodReady { .. } => "pod_ready",
        TraceKind::NodeRemoved { .. } => "node_removed",
        TraceKind::NodeCordoned { .. } => "node_cordoned",
        TraceKind::PullSecretsMissing { .. } => "pull_secrets_missing",
        TraceKind::CredentialRefused { .. } => "credential_refused",
        TraceKind::RolloutStarted { .. } => "rollout_started",
        TraceKind::RolloutCompleted { .. } => "rollout_completed",
        TraceKind::ContainerExited { .. } => "container_exited",
        TraceKind::PullQueued { .. } => "pull_queued",
        TraceKind::PullStarted { .. } => "pull_started",
        TraceKind::PullCompleted { .. } => "pull_completed",
        TraceKind::PullFailed { .. } => "pull_failed",
        TraceKind::PullCancelled { .. } => "pull_cancelled",
        TraceKind::Backoff { .. } => "backoff",
        TraceKind::ImagePresent { .. } => "image_present",
        TraceKind::ImageNeverPull { .. } => "image_never_pull",
        TraceKind::InvalidImageName { .. } => "invalid_image_name",
        TraceKind::ContainerStarted { .. } => "container_started",
        TraceKind::TagPushed { .. } => "tag_pushed",
        TraceKind::NodeAdded { .. } => "node_added",
        TraceKind::RegistryDown { .. } => "registry_outage",
        TraceKind::Scaled { .. } => "scaled",
        TraceKind::ImageUpdated { .. } => "image_updated",
        TraceKind::PullPolicyUpdated { .. } => "pull_policy_updated",
    }
}

struct Names<'a>(&'a World);

impl Names<'_> {
    fn pod(&self, m: &mut Map<String, Value>, pod: PodId) {
        m.insert("pod".into(), self.0.pod_key(pod).into());
    }
    fn node(&self, m: &mut Map<String, Value>, node: NodeId) {
        m.insert("node".into(), self.0.nodes[node.0 as usize].name.clone().into());
    }
    fn container(&self, m: &mut Map<String, Value>, pod: PodId, i: u32) {
        let c = self.0.template(pod).container(i as usize);
        m.insert("container".into(), c.name.clone().into());
        m.insert("image".into(), c.image.clone().into());
    }
    fn pod_container(&self, m: &mut Map<String, Value>, pod: PodId, i: u32) {
        self.pod(m, pod);
        self.container(m, pod, i);
        if let Some(node) = self.0.pods[pod.0 as usize].node {
            self.node(m, node);
        }
    }
    fn pull(&self, m: &mut Map<String, Value>, pull: PullId) {
        let p = &self.0.pulls[pull.0 as usize];
        m.insert("pull".into(), pull.0.into());
        self.pod_container(m, p.pod, p.container);
    }
    fn digest(&self, m: &mut Map<String, Value>, image: crate::model::spec::ImageId) {
        m.insert("digest".into(), self.0.spec.images[image.0 as usize].digest.clone().into());
    }
}

/// Go's `time.Duration.String()` for a span of whole microseconds: `850ms`, `1.5s`, `2m30.25s`, `1h0m0s`.
pub fn go_duration(d: SimDuration) -> String {
    let us = d.as_micros();
    let trim = |whole: u64, frac: u64, digits: usize| -> String {
        let f = format!("{frac:0digits$}");
        let f = f.trim_end_matches('0');
        if f.is_empty() {
            whole.to_string()
        } else {
            format!("{whole}.{f}")
        }
    };
    if us == 0 {
        "0s".to_string()
    } else if us < 1_000 {
        format!("{us}µs")
    } else if us < 1_000_000 {
        format!("{}ms", trim(us / 1_000, us % 1_000, 3))
    } else {
        let (h, m, s) = (us / 3_600_000_000, us / 60_000_000 % 60, us % 60_000_000);
        let secs = format!("{}s", trim(s / 1_000_000, s % 1_000_000, 6));
        match (h, m) {
            (0, 0) => secs,
            (0, m) => format!("{m}m{secs}"),
            (h, m) => format!("{h}h{m}m{secs}"),
        }
    }
}

/// Writes the trace of one variant's run as JSON lines.
pub fn write_jsonl(out: &mut impl Write, variant: &str, run: &RunOutput) -> std::io::Result<()> {
    let names = Names(&run.world);
    let w = &run.world;
    // The last pull error per (pod, image), which the kubelet appends to "Back-off pulling image".
    let mut last_error: BTreeMap<(u32, &str), &str> = BTreeMap::new();
    let image_of = |pod: PodId, c: u32| w.template(pod).container(c as usize).image.as_str();
    for e in &run.trace {
        let mut m = Map::new();
        m.insert("t_ms".into(), json!(e.t.as_millis_f64()));
        m.insert("variant".into(), variant.into());
        m.insert("kind".into(), kind_name(&e.kind).into());
        match &e.kind {
            TraceKind::PodCreated { pod } => {
                names.pod(&mut m, *pod);
                let wl = w.pods[pod.0 as usize].workload;
                m.insert("workload".into(), w.spec.workloads[wl.0 as usize].name.clone().into());
            }
            TraceKind::PodScheduled { pod, node } => {
                names.pod(&mut m, *pod);
                names.node(&mut m, *node);
            }
            TraceKind::PodDeleted { pod } | TraceKind::PodTerminating { pod } | TraceKind::PodReady { pod } => {
                names.pod(&mut m, *pod)
            }
            TraceKind::PullSecretsMissing { pod } => {
                names.pod(&mut m, *pod);
                let p = &w.pods[pod.0 as usize];
                let have = w.spec.secrets.get(&p.namespace);
                let missing: Vec<&str> = w
                    .template(*pod)
                    .image_pull_secrets
                    .iter()
                    .filter(|n| !n.is_empty() && have.is_none_or(|s| !s.contains_key(*n)))
                    .map(String::as_str)
                    .collect();
                m.insert("secrets".into(), missing.join(", ").into());
                m.insert("reason".into(), "FailedToRetrieveImagePullSecret".into());
                m.insert(
                    "event".into(),
                    format!(
                        "Unable to retrieve some image pull secrets ({}); attempting to pull the image may not succeed.",
                        missing.join(", ")
                    )
                    .into(),
                );
            }
            TraceKind::CredentialRefused { pull, attempt } => {
                names.pull(&mut m, *pull);
                let p = &w.pulls[pull.0 as usize];
                let pool = w.nodes[p.node.0 as usize].pool;
                let found = crate::model::kubelet::credentials::pull_credentials(
                    &w.spec,
                    &w.pods[p.pod.0 as usize].namespace,
                    w.template(p.pod),
                    pool,
                    &p.reference.name(),
                );
                if let Some(c) = found.credentials.get(*attempt as usize) {
                    m.insert("credential".into(), c.source.clone().into());
                    m.insert("username".into(), c.username.clone().into());
                }
                m.insert("message".into(), "401 Unauthorized".into());
            }
            TraceKind::ContainerExited { pod, container } => {
                names.pod(&mut m, *pod);
                m.insert("container".into(), w.template(*pod).container(*container as usize).name.clone().into());
            }
            TraceKind::RolloutStarted { workload, revision } | TraceKind::RolloutCompleted { workload, revision } => {
                m.insert("workload".into(), w.spec.workloads[workload.0 as usize].name.clone().into());
                m.insert("revision".into(), (*revision).into());
            }
            TraceKind::PodRunning { pod } => {
                names.pod(&mut m, *pod);
                let p = &w.pods[pod.0 as usize];
                m.insert("start_latency_ms".into(), json!((e.t - p.created).as_millis_f64()));
            }
            TraceKind::PullQueued { pull } => {
                names.pull(&mut m, *pull);
                let image = &w.pulls[pull.0 as usize].image;
                m.insert("event".into(), format!("Pulling image {image:?}").into());
            }
            TraceKind::PullStarted { pull } | TraceKind::PullCancelled { pull } => names.pull(&mut m, *pull),
            TraceKind::PullCompleted { pull, image, bytes, duration, including_waiting } => {
                names.pull(&mut m, *pull);
                names.digest(&mut m, *image);
                m.insert("bytes".into(), (*bytes).into());
                m.insert("duration_ms".into(), json!(duration.as_millis_f64()));
                m.insert("including_waiting_ms".into(), json!(including_waiting.as_millis_f64()));
                let size: u64 =
                    w.spec.images[image.0 as usize].layers.iter().map(|l| w.spec.layers[l.0 as usize].size_bytes).sum();
                let message = format!(
                    "Successfully pulled image {:?} in {} ({} including waiting). Image size: {size} bytes.",
                    w.pulls[pull.0 as usize].image,
                    go_duration(*duration),
                    go_duration(*including_waiting)
                );
                m.insert("event".into(), message.into());
            }
            TraceKind::PullFailed { pull, failure } => {
                names.pull(&mut m, *pull);
                let p = &w.pulls[pull.0 as usize];
                m.insert("reason".into(), "ErrImagePull".into());
                m.insert("message".into(), failure.message().into());
                let message = format!("Failed to pull image {:?}: {}", p.image, failure.message());
                m.insert("event".into(), message.into());
                last_error.insert((p.pod.0, p.image.as_str()), failure.message());
            }
            TraceKind::Backoff { pod, container, until, refused } => {
                names.pod_container(&mut m, *pod, *container);
                m.insert("until_ms".into(), json!(until.as_millis_f64()));
                m.insert("reason".into(), if *refused { "ImagePullBackOff" } else { "ErrImagePull" }.into());
                if *refused {
                    let image = image_of(*pod, *container);
                    let last = last_error.get(&(pod.0, image)).copied().unwrap_or_default();
                    let message = format!("Back-off pulling image {:?}: ErrImagePull: {last}", image);
                    m.insert("event".into(), message.into());
                }
            }
            TraceKind::ImagePresent { pod, container, image } => {
                names.pod_container(&mut m, *pod, *container);
                names.digest(&mut m, *image);
                let message = format!("Container image {:?} already present on machine", image_of(*pod, *container));
                m.insert("event".into(), message.into());
            }
            TraceKind::ContainerStarted { pod, container, image } => {
                names.pod_container(&mut m, *pod, *container);
                names.digest(&mut m, *image);
            }
            TraceKind::ImageNeverPull { pod, container } => {
                names.pod_container(&mut m, *pod, *container);
                m.insert("reason".into(), "ErrImageNeverPull".into());
                let message = format!(
                    "Container image {:?} is not present with pull policy of Never",
                    image_of(*pod, *container)
                );
                m.insert("event".into(), message.into());
            }
            TraceKind::InvalidImageName { pod, container } => {
                names.pod_container(&mut m, *pod, *container);
                m.insert("reason".into(), "InvalidImageName".into());
                let image = image_of(*pod, *container);
                let err = ImageRef::parse(image).err().map(|e| e.to_string()).unwrap_or_default();
                let message =
                    format!("Failed to apply default image tag {image:?}: couldn't parse image name {image:?}: {err}");
                m.insert("event".into(), message.into());
            }
            TraceKind::TagPushed { registry, repository, tag, image } => {
                m.insert("registry".into(), w.registries[registry.0 as usize].host.clone().into());
                m.insert("repository".into(), repository.clone().into());
                m.insert("tag".into(), tag.clone().into());
                names.digest(&mut m, *image);
            }
            TraceKind::NodeAdded { node } | TraceKind::NodeCordoned { node } | TraceKind::NodeRemoved { node } => {
                names.node(&mut m, *node)
            }
            TraceKind::RegistryDown { registry, until } => {
                m.insert("registry".into(), w.registries[registry.0 as usize].host.clone().into());
                m.insert("until_ms".into(), json!(until.as_millis_f64()));
            }
            TraceKind::Scaled { workload, replicas } => {
                m.insert("workload".into(), w.spec.workloads[workload.0 as usize].name.clone().into());
                m.insert("replicas".into(), (*replicas).into());
            }
            TraceKind::ImageUpdated { workload, container, image } => {
                m.insert("workload".into(), w.spec.workloads[workload.0 as usize].name.clone().into());
                m.insert("container".into(), container.clone().into());
                m.insert("image".into(), image.clone().into());
            }
            TraceKind::PullPolicyUpdated { workload, container, policy } => {
                m.insert("workload".into(), w.spec.workloads[workload.0 as usize].name.clone().into());
                m.insert("container".into(), container.clone().into());
                m.insert("imagePullPolicy".into(), policy.as_str().into());
            }
        }
        serde_json::to_writer(&mut *out, &Value::Object(m))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_go_prints_them() {
        let cases = [
            (0, "0s"),
            (999, "999µs"),
            (30_000, "30ms"),
            (1_500, "1.5ms"),
            (8_589_935, "8.589935s"),
            (90_000_000, "1m30s"),
            (150_250_000, "2m30.25s"),
            (3_600_000_000, "1h0m0s"),
        ];
        for (us, want) in cases {
            assert_eq!(go_duration(SimDuration::from_micros(us)), want, "{us} us");
        }
    }
}
