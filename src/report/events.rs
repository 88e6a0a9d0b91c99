//! events.jsonl: one JSON object a line, in the order things happened, each with `t_ms`, `variant`, `kind`
//! and the names involved (pod as namespace/name, node, image as written, digest). docs/outputs.md lists the
//! kinds and their fields.

use crate::model::trace::{NodeId, PodId, PullId, TraceKind};
use crate::model::world::World;
use crate::model::RunOutput;
use serde_json::{json, Map, Value};
use std::io::Write;

/// The `kind` string of a trace event.
pub fn kind_name(kind: &TraceKind) -> &'static str {
    match kind {
        TraceKind::PodCreated { .. } => "pod_created",
        TraceKind::PodScheduled { .. } => "pod_scheduled",
        TraceKind::PodDeleted { .. } => "pod_deleted",
        TraceKind::PodRunning { .. } => "pod_running",
        TraceKind::PullQueued { .. } => "pull_queued",
        TraceKind::PullStarted { .. } => "pull_started",
        TraceKind::PullCompleted { .. } => "pull_completed",
        TraceKind::PullFailed { .. } => "pull_failed",
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

/// Writes the trace of one variant's run as JSON lines.
pub fn write_jsonl(out: &mut impl Write, variant: &str, run: &RunOutput) -> std::io::Result<()> {
    let names = Names(&run.world);
    let w = &run.world;
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
            TraceKind::PodDeleted { pod } => names.pod(&mut m, *pod),
            TraceKind::PodRunning { pod } => {
                names.pod(&mut m, *pod);
                let p = &w.pods[pod.0 as usize];
                m.insert("start_latency_ms".into(), json!((e.t - p.created).as_millis_f64()));
            }
            TraceKind::PullQueued { pull } | TraceKind::PullStarted { pull } => names.pull(&mut m, *pull),
            TraceKind::PullCompleted { pull, image, bytes, duration, including_waiting } => {
                names.pull(&mut m, *pull);
                names.digest(&mut m, *image);
                m.insert("bytes".into(), (*bytes).into());
                m.insert("duration_ms".into(), json!(duration.as_millis_f64()));
                m.insert("including_waiting_ms".into(), json!(including_waiting.as_millis_f64()));
            }
            TraceKind::PullFailed { pull, failure } => {
                names.pull(&mut m, *pull);
                m.insert("reason".into(), "ErrImagePull".into());
                m.insert("message".into(), failure.message().into());
            }
            TraceKind::Backoff { pod, container, until, refused } => {
                names.pod_container(&mut m, *pod, *container);
                m.insert("until_ms".into(), json!(until.as_millis_f64()));
                m.insert("reason".into(), if *refused { "ImagePullBackOff" } else { "ErrImagePull" }.into());
            }
            TraceKind::ImagePresent { pod, container, image }
            | TraceKind::ContainerStarted { pod, container, image } => {
                names.pod_container(&mut m, *pod, *container);
                names.digest(&mut m, *image);
            }
            TraceKind::ImageNeverPull { pod, container } => {
                names.pod_container(&mut m, *pod, *container);
                m.insert("reason".into(), "ErrImageNeverPull".into());
            }
            TraceKind::InvalidImageName { pod, container } => {
                names.pod_container(&mut m, *pod, *container);
                m.insert("reason".into(), "InvalidImageName".into());
            }
            TraceKind::TagPushed { registry, repository, tag, image } => {
                m.insert("registry".into(), w.registries[registry.0 as usize].host.clone().into());
                m.insert("repository".into(), repository.clone().into());
                m.insert("tag".into(), tag.clone().into());
                names.digest(&mut m, *image);
            }
            TraceKind::NodeAdded { node } => names.node(&mut m, *node),
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
        }
        serde_json::to_writer(&mut *out, &Value::Object(m))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
