//! The container runtime's pull (containerd): the kubelet's throttle first (registryPullQPS, TryAccept),
//! then one manifest request to resolve the reference, then the missing layers fetched
//! `max_concurrent_downloads` at a time (each a blob request, then a flow over the registry's egress and the
//! node's NIC; a layer already in flight for another pull is waited for, not fetched twice), each unpacked
//! over the node's disk link as soon as it has arrived (containerd's unpacker applies layers while later ones
//! download). A layer counts as present once unpacked; the pull completes when all of its layers are. An image whose layers are all present costs only the manifest
//! request — which is what `Always` pays for an image the node already has.

use crate::model::runtime::image_store::LayerState;
use crate::model::sim::{Event, Sim};
use crate::model::spec::LayerId;
use crate::model::trace::{LayerStep, PullFailure, PullId, TraceKind};
use crate::model::world::FlowPurpose;

impl Sim {
    /// The pod of `pull` was deleted: the kubelet cancels its sync's context. A pull still waiting for the
    /// puller fails as soon as it starts; a running one is aborted now (layer transfers already flowing finish
    /// into the content store).
    pub(crate) fn cancel_pull(&mut self, pull: PullId) {
        let p = &mut self.world.pulls[pull.0 as usize];
        p.cancelled = true;
        if p.started.is_some() && !p.done {
            self.finish_pull(pull, Err(PullFailure::Cancelled));
        }
    }

    /// The puller gave `pull` its slot.
    pub(crate) fn start_pull(&mut self, pull: PullId) {
        self.world.pulls[pull.0 as usize].started = Some(self.now);
        self.emit(TraceKind::PullStarted { pull });
        let p = &self.world.pulls[pull.0 as usize];
        let node = &mut self.world.nodes[p.node.0 as usize];
        if node.removed {
            // The node is gone with its kubelet: what its puller still held ends without a request.
            self.queue.push(self.now, Event::PullRejected { pull, failure: PullFailure::Cancelled });
            return;
        }
        if let Some(limiter) = node.limiter.as_mut() {
            if !limiter.try_accept(self.now) {
                self.queue.push(self.now, Event::PullRejected { pull, failure: PullFailure::QpsExceeded });
                return;
            }
        }
        if p.cancelled {
            // The throttle took its token before the runtime saw the cancelled context.
            self.queue.push(self.now, Event::PullRejected { pull, failure: PullFailure::Cancelled });
            return;
        }
        let Some(&registry) = self.world.registry_by_host.get(&p.reference.registry) else {
            self.queue.push(self.now, Event::PullRejected { pull, failure: PullFailure::NoSuchHost });
            return;
        };
        self.world.pulls[pull.0 as usize].registry = Some(registry);
        let r = &mut self.world.registries[registry.0 as usize];
        r.stats.manifest_requests += 1;
        let at = self.now + r.latency;
        self.queue.push(at, Event::ManifestResponse { pull });
    }

    /// At a private registry, whether the manifest request of `pull` is refused: `None` when it is (401) and
    /// another credential is left to try, `Some(failure)` when it is and none is; the outer `None` when it is
    /// accepted or the registry is public.
    fn refused_credential(&self, pull: PullId, reg: usize) -> Option<Option<PullFailure>> {
        let auth = self.world.spec.registries[reg].auth.as_ref()?;
        let p = &self.world.pulls[pull.0 as usize];
        let pod = &self.world.pods[p.pod.0 as usize];
        let pool = self.world.nodes[p.node.0 as usize].pool;
        let found = crate::model::kubelet::credentials::pull_credentials(
            &self.world.spec,
            &pod.namespace,
            self.world.template(p.pod),
            pool,
            &p.reference.name(),
        );
        let attempt = p.attempt as usize;
        let accepted =
            found.credentials.get(attempt).is_some_and(|c| auth.accepts(&c.username, &p.reference.repository));
        if accepted {
            return None;
        }
        Some(if attempt + 1 < found.credentials.len() {
            None
        } else if found.credentials.is_empty() {
            Some(PullFailure::AccessDenied)
        } else {
            Some(PullFailure::Unauthorized)
        })
    }

    /// KubeletEnsureSecretPulledImages: who may use the image `pull` brought (the credential it used: the
    /// accepted one at a private registry, the first one at a public registry, which accepts any).
    fn record_pulled(&mut self, pull: PullId, image: crate::model::spec::ImageId) {
        let p = &self.world.pulls[pull.0 as usize];
        let pool = self.world.nodes[p.node.0 as usize].pool;
        if !self.world.spec.node_pools[pool.0 as usize].kubelet.ensure_secret_pulled_images {
            return;
        }
        let repository = p.reference.name();
        let template = self.world.template(p.pod);
        // Without pull secrets or node credentials every pull is anonymous: no lookup needed.
        let found = if template.image_pull_secrets.is_empty()
            && self.world.spec.node_pools[pool.0 as usize].node_credentials.is_empty()
        {
            Default::default()
        } else {
            crate::model::kubelet::credentials::pull_credentials(
                &self.world.spec,
                &self.world.pods[p.pod.0 as usize].namespace,
                template,
                pool,
                &repository,
            )
        };
        let used = found.credentials.get(p.attempt as usize);
        let node = p.node;
        self.world.nodes[node.0 as usize].pull_records.record(image, &repository, used);
    }

    fn registry_of(&self, pull: PullId) -> usize {
        self.world.pulls[pull.0 as usize].registry.map_or(0, |r| r.0 as usize)
    }

    pub(crate) fn on_manifest_response(&mut self, pull: PullId) {
        let reg = self.registry_of(pull);
        let p = &self.world.pulls[pull.0 as usize];
        if p.done {
            return; // cancelled while the request was out
        }
        let r = &mut self.world.registries[reg];
        if self.now < r.down_until {
            r.stats.failed_requests += 1;
            return self.finish_pull(pull, Err(PullFailure::RegistryUnavailable));
        }
        if let Some(refused) = self.refused_credential(pull, reg) {
            let r = &mut self.world.registries[reg];
            r.stats.failed_requests += 1;
            let latency = r.latency;
            match refused {
                // The next credential: one more CRI PullImage, one more manifest request.
                None => {
                    r.stats.manifest_requests += 1;
                    let attempt = self.world.pulls[pull.0 as usize].attempt;
                    self.world.pulls[pull.0 as usize].attempt += 1;
                    self.emit(TraceKind::CredentialRefused { pull, attempt });
                    self.queue.push(self.now + latency, Event::ManifestResponse { pull });
                }
                Some(failure) => self.finish_pull(pull, Err(failure)),
            }
            return;
        }
        let p = &self.world.pulls[pull.0 as usize];
        let r = &mut self.world.registries[reg];
        let resolved = r.repositories.get(&p.reference.repository).and_then(|repo| match &p.reference.digest {
            Some(d) => self.world.image_by_digest.get(d).filter(|i| repo.manifests.contains(i)).copied(),
            None => repo.tags.get(p.reference.effective_tag().unwrap_or("latest")).copied(),
        });
        let Some(image) = resolved else {
            r.stats.failed_requests += 1;
            return self.finish_pull(pull, Err(PullFailure::ManifestUnknown));
        };
        let node = p.node;
        let layers = self.world.spec.images[image.0 as usize].layers.clone();
        let store = &mut self.world.nodes[node.0 as usize].store;
        let mut pending = 0;
        let mut to_fetch = Vec::new();
        for layer in layers {
            match store.layer(layer) {
                Some(LayerState::Present) => {}
                Some(LayerState::Downloading { .. }) => {
                    store.wait_for(layer, pull);
                    pending += 1;
                }
                None => {
                    store.begin_download(layer, pull);
                    to_fetch.push(layer);
                    pending += 1;
                }
            }
        }
        let p = &mut self.world.pulls[pull.0 as usize];
        p.image_id = Some(image);
        p.pending = pending;
        p.to_fetch.extend(to_fetch);
        if pending == 0 {
            self.finish_pull(pull, Ok(()));
        } else {
            self.fill_fetch_slots(pull);
        }
    }

    /// Sends blob requests until the pull has `max_concurrent_downloads` in flight.
    fn fill_fetch_slots(&mut self, pull: PullId) {
        let reg = self.registry_of(pull);
        let max = self.world.nodes[self.world.pulls[pull.0 as usize].node.0 as usize].max_concurrent_downloads;
        loop {
            let p = &mut self.world.pulls[pull.0 as usize];
            if p.done || p.fetching >= max {
                return;
            }
            let Some(layer) = p.to_fetch.pop_front() else {
                return;
            };
            p.fetching += 1;
            let r = &mut self.world.registries[reg];
            r.stats.blob_requests += 1;
            let at = self.now + r.latency;
            self.queue.push(at, Event::BlobResponse { pull, layer });
            self.record_layer(pull, layer, LayerStep::Requested);
        }
    }

    pub(crate) fn on_blob_response(&mut self, pull: PullId, layer: LayerId) {
        let reg = self.registry_of(pull);
        if self.world.pulls[pull.0 as usize].done {
            self.world.pulls[pull.0 as usize].fetching -= 1;
            self.record_layer(pull, layer, LayerStep::Dropped);
            self.abandon_layer(pull, layer);
            return;
        }
        let r = &mut self.world.registries[reg];
        if self.now < r.down_until {
            r.stats.failed_requests += 1;
            self.world.pulls[pull.0 as usize].fetching -= 1;
            self.record_layer(pull, layer, LayerStep::Dropped);
            self.abandon_layer(pull, layer);
            return self.finish_pull(pull, Err(PullFailure::RegistryUnavailable));
        }
        let egress = r.egress;
        self.record_layer(pull, layer, LayerStep::TransferStarted);
        let nic = self.world.nodes[self.world.pulls[pull.0 as usize].node.0 as usize].nic;
        let bits = self.world.spec.layers[layer.0 as usize].size_bytes.saturating_mul(8);
        let (_, reschedules) =
            self.world.network.start(self.now, &[egress, nic], bits, FlowPurpose::Layer { pull, layer });
        self.schedule_flows(reschedules);
    }

    /// `pull` gives up a layer it owned: another pull waiting for it takes it over.
    fn abandon_layer(&mut self, pull: PullId, layer: LayerId) {
        let node = self.world.pulls[pull.0 as usize].node;
        let pulls = &self.world.pulls;
        let heir = self.world.nodes[node.0 as usize].store.abandon_download(layer, |w| !pulls[w.0 as usize].done);
        if let Some(heir) = heir {
            self.world.pulls[heir.0 as usize].to_fetch.push_back(layer);
            self.fill_fetch_slots(heir);
        }
    }

    pub(crate) fn on_flow_done(&mut self, purpose: FlowPurpose) {
        match purpose {
            FlowPurpose::Layer { pull, layer } => {
                let size = self.world.spec.layers[layer.0 as usize].size_bytes;
                let reg = self.registry_of(pull);
                self.world.registries[reg].stats.bytes += size;
                self.record_layer(pull, layer, LayerStep::TransferDone { bytes: size });
                let owner = &mut self.world.pulls[pull.0 as usize];
                owner.fetching -= 1;
                owner.fetched_bytes += size;
                let node = owner.node;
                if !owner.done {
                    self.fill_fetch_slots(pull);
                }
                let now = self.now;
                let waiters = self.world.nodes[node.0 as usize].store.waiters(layer).to_vec();
                for w in waiters {
                    self.world.pulls[w.0 as usize].downloaded_at = Some(now);
                }
                // containerd's unpacker applies each layer as soon as it is fetched, over the node's disk.
                let disk = self.world.nodes[node.0 as usize].disk;
                let purpose = FlowPurpose::Unpack { pull, layer };
                let (_, reschedules) = self.world.network.start(self.now, &[disk], size.saturating_mul(8), purpose);
                self.schedule_flows(reschedules);
            }
            FlowPurpose::Unpack { pull, layer } => {
                self.record_layer(pull, layer, LayerStep::Unpacked);
                let node = self.world.pulls[pull.0 as usize].node;
                let waiters = self.world.nodes[node.0 as usize].store.finish_download(layer);
                for w in waiters {
                    let p = &mut self.world.pulls[w.0 as usize];
                    if p.done {
                        continue;
                    }
                    p.pending -= 1;
                    if p.pending == 0 {
                        self.finish_pull(w, Ok(()));
                    }
                }
            }
        }
    }

    /// The pull ends: record the image on success, hand queued layers on after a failure, tell the kubelet.
    pub(crate) fn finish_pull(&mut self, pull: PullId, result: Result<(), PullFailure>) {
        let p = &mut self.world.pulls[pull.0 as usize];
        if p.done {
            return;
        }
        p.done = true;
        let result = match (result, p.image_id) {
            (Ok(()), Some(image)) => {
                // containerd's CRI pulls `name@digest` for a reference with a digest (ParseDockerRef drops the
                // tag of `name:tag@digest`), so such an image is known by its digest only, as a preloaded one is.
                let name = p.reference.name();
                let tag =
                    p.reference.digest.is_none().then(|| p.reference.effective_tag().unwrap_or("latest").to_string());
                let started = p.started.unwrap_or(p.queued);
                let kind = TraceKind::PullCompleted {
                    pull,
                    image,
                    bytes: p.fetched_bytes,
                    duration: self.now - started,
                    including_waiting: self.now - p.queued,
                };
                let layers = &self.world.spec.images[image.0 as usize].layers;
                self.world.nodes[p.node.0 as usize].store.add_image(&name, tag.as_deref(), image, layers);
                self.record_pulled(pull, image);
                self.emit(kind);
                Ok(image)
            }
            (Ok(()), None) => Err(PullFailure::ManifestUnknown),
            (Err(f), _) => {
                let queued: Vec<LayerId> = p.to_fetch.drain(..).collect();
                for layer in queued {
                    self.abandon_layer(pull, layer);
                }
                if f == PullFailure::Cancelled {
                    self.emit(TraceKind::PullCancelled { pull });
                } else {
                    self.emit(TraceKind::PullFailed { pull, failure: f });
                }
                Err(f)
            }
        };
        self.on_pull_finished(pull, result);
    }
}
