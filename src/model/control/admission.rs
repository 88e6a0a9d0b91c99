//! Admission: what the API server's mutating admission does to a pod or a workload's template before it is
//! stored. Two remedies for tag drift, each one switch of `spec.admission`:
//!
//! - **AlwaysPullImages** (plugin/pkg/admission/alwayspullimages): every container of every new pod (init
//!   containers too) gets `imagePullPolicy: Always`. The workload's template is left as written.
//! - **pinDigests** (what third-party controllers such as digest-pinning webhooks do): each container image
//!   written with a tag and no digest is resolved at the registry at the instant of admission and rewritten to
//!   `name:tag@digest`, either per pod (`Pod`, at each pod's creation) or in the workload's template
//!   (`Template`, when the workload is created and at each template change). Each resolution is one manifest
//!   request to the registry at that instant. A tag the registry does not have, an unknown host or a registry
//!   in an outage leaves the image as written (the webhook fails open); a failed request is counted as such.
//!   The pull policy stays what the API server defaulted from the image as written.

use crate::model::image_ref::PullPolicy;
use crate::model::sim::Sim;
use crate::model::spec::{PinDigests, PodTemplate};

impl Sim {
    /// `template` with each tagged image pinned to the digest its tag names now, one manifest request each.
    pub(crate) fn pin_digests(&mut self, template: &mut PodTemplate) {
        for c in template.init_containers.iter_mut().chain(template.containers.iter_mut()) {
            let Ok(reference) = &c.parsed else { continue };
            if reference.digest.is_some() {
                continue;
            }
            let Some(&registry) = self.world.registry_by_host.get(&reference.registry) else { continue };
            let r = &mut self.world.registries[registry.0 as usize];
            r.stats.manifest_requests += 1;
            if self.now < r.down_until {
                r.stats.failed_requests += 1;
                continue;
            }
            let tag = reference.effective_tag().unwrap_or("latest");
            let Some(&image) = r.repositories.get(&reference.repository).and_then(|repo| repo.tags.get(tag)) else {
                r.stats.failed_requests += 1;
                continue;
            };
            let digest = &self.world.spec.images[image.0 as usize].digest;
            let pinned = format!("{}:{tag}@{digest}", reference.name());
            *c = c.with_image(&pinned);
        }
    }

    /// The template a new pod gets from `template` after admission, when admission changes it.
    pub(crate) fn admit_pod(&mut self, template: &PodTemplate) -> Option<PodTemplate> {
        let admission = self.world.spec.admission;
        if !admission.mutates_pods() {
            return None;
        }
        let mut admitted = template.clone();
        if admission.pin_digests == Some(PinDigests::Pod) {
            self.pin_digests(&mut admitted);
        }
        if admission.always_pull_images {
            for c in admitted.init_containers.iter_mut().chain(admitted.containers.iter_mut()) {
                c.pull_policy = PullPolicy::Always;
            }
        }
        (admitted != *template).then_some(admitted)
    }

    /// A workload template being stored (at creation or at a change): pinned when admission pins templates.
    pub(crate) fn admit_template(&mut self, template: &mut PodTemplate) {
        if self.world.spec.admission.pin_digests == Some(PinDigests::Template) {
            self.pin_digests(template);
        }
    }
}
