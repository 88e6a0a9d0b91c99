//! Who ran what they could not have pulled (the multi-tenant warning of the Kubernetes "Images" page): each
//! container start of an image from a registry that requires authentication, by a pod that holds no
//! credential the registry accepts for that repository — neither its pull secrets nor its node's
//! `config.json`, looked up as the kubelet would look them up — because the image was already on the node:
//! preloaded with the node image, or pulled earlier by another pod.

use crate::model::image_ref::ImageRef;
use crate::model::kubelet::credentials::pull_credentials;
use crate::model::spec::ImageId;
use crate::model::trace::{PodId, TraceKind};
use crate::model::RunOutput;
use serde::Serialize;
use std::collections::BTreeMap;

/// `access` in summary.json: present when a registry of the scenario requires authentication.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Access {
    /// Container starts without an accepted credential.
    pub unauthorized_starts: u64,
    /// Each of them, in the order they happened.
    pub unauthorized: Vec<UnauthorizedStart>,
}

/// One container start without an accepted credential.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UnauthorizedStart {
    /// When, in simulated milliseconds.
    pub t_ms: f64,
    /// `namespace/name`.
    pub pod: String,
    /// Container name.
    pub container: String,
    /// The image as written.
    pub image: String,
    /// The manifest digest it ran.
    pub digest: String,
    /// Node.
    pub node: String,
    /// How the image got there: `preloaded`, or `pulled by <namespace/name>`.
    pub source: String,
}

/// The access figures of one run, or `None` when every registry serves anyone.
pub fn of(out: &RunOutput) -> Option<Access> {
    let w = &out.world;
    let spec = &w.spec;
    if spec.registries.iter().all(|r| r.auth.is_none()) {
        return None;
    }
    // (node, manifest) -> the pod whose pull last brought it there.
    let mut pulled_by: BTreeMap<(u32, ImageId), PodId> = BTreeMap::new();
    let mut unauthorized = Vec::new();
    for e in &out.trace {
        match e.kind {
            TraceKind::PullCompleted { pull, image, .. } => {
                let p = &w.pulls[pull.0 as usize];
                pulled_by.insert((p.node.0, image), p.pod);
            }
            TraceKind::ContainerStarted { pod, container, image } => {
                let p = &w.pods[pod.0 as usize];
                let Some(node) = p.node else { continue };
                let template = w.template(pod);
                let c = template.container(container as usize);
                let Ok(reference) = ImageRef::parse(&c.image) else { continue };
                let Some(auth) =
                    spec.registries.iter().find(|r| r.host == reference.registry).and_then(|r| r.auth.as_ref())
                else {
                    continue;
                };
                let pool = w.nodes[node.0 as usize].pool;
                let found = pull_credentials(spec, &p.namespace, template, pool, &reference.name());
                if found.credentials.iter().any(|cred| auth.accepts(&cred.username, &reference.repository)) {
                    continue;
                }
                let source = match pulled_by.get(&(node.0, image)) {
                    Some(&by) if by != pod => format!("pulled by {}", w.pod_key(by)),
                    _ => "preloaded".to_string(),
                };
                unauthorized.push(UnauthorizedStart {
                    t_ms: e.t.as_millis_f64(),
                    pod: w.pod_key(pod),
                    container: c.name.clone(),
                    image: c.image.clone(),
                    digest: spec.images[image.0 as usize].digest.clone(),
                    node: w.nodes[node.0 as usize].name.clone(),
                    source,
                });
            }
            _ => {}
        }
    }
    Some(Access { unauthorized_starts: unauthorized.len() as u64, unauthorized })
}
