//! The kubelet side of a pod's start: the pod worker's sync walks the containers in start order (init
//! containers, then app containers — never two pulls of one pod at once) and asks the image manager
//! (pkg/kubelet/images/image_manager.go `EnsureImageExists`) for each image:
//! invalid name -> InvalidImageName; policy says no pull -> present or ErrImageNeverPull; backoff window open
//! -> ImagePullBackOff; else a pull through the node's puller, whose failure opens the backoff (`Next`) and whose
//! success runs `GC`. A failed init container ends the sync; a failed app container does not stop the others
//! (kuberuntime SyncPod). A failed sync is requeued by the pod worker. One init container starts per sync
//! (kuberuntime computeInitContainerActions): the sync ends there, and the next comes from the PLEG relist that
//! notices its exit; app containers start in the sync after the last init container exited.

use crate::engine::SimTime;
use crate::model::image_ref::{ImageRef, PullPolicy};
use crate::model::kubelet::pod_worker;
use crate::model::sim::{Event, Sim};
use crate::model::spec::ImageId;
use crate::model::trace::{PodId, PullFailure, PullId, TraceKind};
use crate::model::world::{ContainerState, Pull, WaitingReason};
use std::collections::VecDeque;

/// The image manager's verdict for one container, reached before anything changes.
enum Decision {
    InvalidName,
    Present(ImageId),
    NeverPull,
    InBackoff(SimTime),
    /// Pull the image (as written) by this reference.
    Pull(String, ImageRef),
}

/// What `EnsureImageExists` decided for one container.
enum Ensure {
    /// The container can start with this manifest.
    Ready(ImageId),
    /// A pull was handed to the puller; the sync waits for it.
    Pulling,
    /// The container cannot start in this sync.
    Failed,
}

impl Sim {
    /// A pod worker sync fires.
    pub(crate) fn sync_pod(&mut self, pod: PodId, generation: u32) {
        let p = &mut self.world.pods[pod.0 as usize];
        if p.deleted || p.terminating || p.worker.generation != generation || p.worker.pulling.is_some() {
            return;
        }
        p.worker.next = 0;
        p.worker.failed = false;
        // getPullSecretsForPod's warning, once per sync here (how often the kubelet calls it was not verified).
        let template = self.world.template(pod);
        if !template.image_pull_secrets.is_empty() {
            let secrets = self.world.spec.secrets.get(&self.world.pods[pod.0 as usize].namespace);
            let missing =
                template.image_pull_secrets.iter().any(|n| !n.is_empty() && secrets.is_none_or(|s| !s.contains_key(n)));
            if missing {
                self.emit(TraceKind::PullSecretsMissing { pod });
            }
        }
        self.continue_sync(pod);
    }

    /// Walks the containers from where the sync stands until it blocks on a pull or ends.
    fn continue_sync(&mut self, pod: PodId) {
        let len = self.world.template(pod).len();
        loop {
            let i = self.world.pods[pod.0 as usize].worker.next;
            if i >= len {
                break;
            }
            match self.world.pods[pod.0 as usize].containers[i] {
                // An init container still running: computePodActions waits for it to exit.
                ContainerState::Running(_) if self.world.template(pod).is_init(i) => break,
                ContainerState::Running(_) | ContainerState::Exited(_) => {
                    self.world.pods[pod.0 as usize].worker.next += 1;
                    continue;
                }
                ContainerState::Waiting(_) => {}
            }
            match self.ensure_image_exists(pod, i) {
                Ensure::Ready(image) => {
                    if !self.start_container(pod, i, image) {
                        break;
                    }
                }
                Ensure::Pulling => return,
                Ensure::Failed => {
                    let is_init = self.world.template(pod).is_init(i);
                    let w = &mut self.world.pods[pod.0 as usize].worker;
                    w.failed = true;
                    if is_init {
                        break;
                    }
                    w.next += 1;
                }
            }
        }
        self.complete_sync(pod);
    }

    /// The sync is over: requeue a failed one, or mark the pod running.
    fn complete_sync(&mut self, pod: PodId) {
        let p = &self.world.pods[pod.0 as usize];
        let becomes_running = p.running_at.is_none() && p.containers.iter().all(ContainerState::started);
        if p.terminating {
            // The sync of a deleted pod ran to its end (SyncPod is not cancelled): now the pod worker stops it.
            if becomes_running {
                self.world.pods[pod.0 as usize].running_at = Some(self.now);
                self.emit(TraceKind::PodRunning { pod });
            }
            if !self.world.pods[pod.0 as usize].stopping {
                self.stop_pod(pod);
            }
            return;
        }
        if p.worker.failed {
            let name = format!("pod-worker/{}/{}", p.namespace, p.name);
            let rng =
                self.world.pods[pod.0 as usize].worker.rng.get_or_insert_with(|| Box::new(self.rng.stream(&name)));
            let due = self.now + pod_worker::requeue_after_error(rng.as_mut());
            let node = self.world.pods[pod.0 as usize].node.map_or(0, |n| n.0 as usize);
            let at = pod_worker::next_tick(due, self.world.nodes[node].sync_tick_phase);
            let w = &mut self.world.pods[pod.0 as usize].worker;
            w.generation += 1;
            let generation = w.generation;
            self.queue.push(at, Event::PodSync { pod, generation });
        } else if becomes_running {
            let now = self.now;
            self.change_pod(pod, |p| p.running_at = Some(now));
            self.emit(TraceKind::PodRunning { pod });
            self.on_pod_running(pod);
        }
    }

    /// Starts container `i` with `image`; returns whether the sync goes on to the next container. An init
    /// container ends the sync (computeInitContainerActions starts one per sync): it exits after its
    /// `runDuration`, and the sync that starts the next comes when the PLEG relist notices the exit.
    fn start_container(&mut self, pod: PodId, i: usize, image: ImageId) -> bool {
        self.record_container_started(pod, i, image);
        let template = self.world.template(pod);
        if template.is_init(i) {
            let at = self.now + template.container(i).run_duration;
            self.queue.push(at, Event::ContainerExited { pod, container: i as u32 });
            return false;
        }
        self.world.pods[pod.0 as usize].worker.next += 1;
        true
    }

    /// An init container exits successfully; the generic PLEG's next relist (every 1 s) notices it and the pod
    /// worker syncs the pod at once (pkg/kubelet/kubelet.go `genericPlegRelistPeriod`).
    pub(crate) fn on_init_container_exited(&mut self, pod: PodId, i: usize) {
        let p = &mut self.world.pods[pod.0 as usize];
        // A terminating pod's containers are being stopped: the kill decides when it is gone.
        let ContainerState::Running(image) = p.containers[i] else { return };
        if p.deleted || p.terminating {
            return;
        }
        p.containers[i] = ContainerState::Exited(image);
        p.worker.generation += 1;
        let generation = p.worker.generation;
        let node = p.node.map_or(0, |n| n.0 as usize);
        self.emit(TraceKind::ContainerExited { pod, container: i as u32 });
        let at = pod_worker::next_tick(self.now, self.world.nodes[node].pleg_relist_phase);
        self.queue.push(at, Event::PodSync { pod, generation });
    }

    fn set_waiting(&mut self, pod: PodId, i: usize, reason: WaitingReason) {
        self.world.pods[pod.0 as usize].containers[i] = ContainerState::Waiting(reason);
    }

    /// `EnsureImageExists` for container `i` of `pod`.
    fn ensure_image_exists(&mut self, pod: PodId, i: usize) -> Ensure {
        let Some(node_id) = self.world.pods[pod.0 as usize].node else {
            return Ensure::Failed;
        };
        // Decide on borrowed state; clone only what a pull keeps.
        let decision = {
            let c = self.world.template(pod).container(i);
            let node = &self.world.nodes[node_id.0 as usize];
            match &c.parsed {
                Err(_) => Decision::InvalidName,
                Ok(reference) => {
                    // imagePullPrecheck: Always does not look at the node's images at all.
                    let present = match c.pull_policy {
                        PullPolicy::Always => None,
                        _ => match &reference.digest {
                            // A digest no registry ever had cannot be on the node.
                            Some(d) => self
                                .world
                                .image_by_digest
                                .get(d)
                                .and_then(|d| node.store.lookup(&reference.name(), None, Some(*d))),
                            None => node.store.lookup(&reference.name(), reference.effective_tag(), None),
                        },
                    };
                    // KubeletEnsureSecretPulledImages: a present image may have to be pulled again with the
                    // pod's own credentials.
                    let k = self.world.spec.node_pools[node.pool.0 as usize].kubelet;
                    let verify = |image| {
                        k.ensure_secret_pulled_images && {
                            let spec = &self.world.spec;
                            let namespace = &self.world.pods[pod.0 as usize].namespace;
                            node.pull_records.must_attempt_pull(
                                k.verification_policy,
                                &spec.node_pools[node.pool.0 as usize].verification_allowlist,
                                image,
                                &c.image,
                                &reference.name(),
                                || {
                                    crate::model::kubelet::credentials::pull_credentials(
                                        spec,
                                        namespace,
                                        self.world.template(pod),
                                        node.pool,
                                        &reference.name(),
                                    )
                                    .credentials
                                },
                            )
                        }
                    };
                    let present = present.filter(|&image| !verify(image));
                    match (c.pull_policy, present) {
                        (PullPolicy::Never | PullPolicy::IfNotPresent, Some(image)) => Decision::Present(image),
                        (PullPolicy::Never, None) => Decision::NeverPull,
                        _ => {
                            let key = (pod, c.image.clone());
                            if node.backoff.is_in_backoff_since_update(&key, self.now) {
                                Decision::InBackoff(node.backoff.window_end(&key).unwrap_or(self.now))
                            } else {
                                Decision::Pull(key.1, reference.clone())
                            }
                        }
                    }
                }
            }
        };
        let (image, reference) = match decision {
            Decision::InvalidName => {
                self.set_waiting(pod, i, WaitingReason::InvalidImageName);
                self.emit(TraceKind::InvalidImageName { pod, container: i as u32 });
                return Ensure::Failed;
            }
            Decision::Present(image) => {
                self.emit(TraceKind::ImagePresent { pod, container: i as u32, image });
                return Ensure::Ready(image);
            }
            Decision::NeverPull => {
                self.set_waiting(pod, i, WaitingReason::ErrImageNeverPull);
                self.emit(TraceKind::ImageNeverPull { pod, container: i as u32 });
                return Ensure::Failed;
            }
            Decision::InBackoff(until) => {
                self.set_waiting(pod, i, WaitingReason::ImagePullBackOff);
                self.emit(TraceKind::Backoff { pod, container: i as u32, until, refused: true });
                return Ensure::Failed;
            }
            Decision::Pull(image, reference) => (image, reference),
        };
        let pull = PullId(self.world.pulls.len() as u32);
        self.world.pulls.push(Pull {
            node: node_id,
            pod,
            container: i as u32,
            image,
            reference,
            queued: self.now,
            started: None,
            done: false,
            cancelled: false,
            registry: None,
            image_id: None,
            to_fetch: VecDeque::new(),
            fetching: 0,
            pending: 0,
            fetched_bytes: 0,
            downloaded_at: None,
            attempt: 0,
        });
        self.set_waiting(pod, i, WaitingReason::ContainerCreating);
        self.world.pods[pod.0 as usize].worker.pulling = Some(pull);
        self.emit(TraceKind::PullQueued { pull });
        if let Some(p) = self.world.nodes[node_id.0 as usize].puller.enqueue(pull) {
            self.start_pull(p);
        }
        Ensure::Pulling
    }

    /// The image manager learns how a pull ended and the blocked sync goes on.
    pub(crate) fn on_pull_finished(&mut self, pull: PullId, result: Result<ImageId, PullFailure>) {
        let (pod, node, i) = {
            let p = &self.world.pulls[pull.0 as usize];
            (p.pod, p.node, p.container as usize)
        };
        if let Some(next) = self.world.nodes[node.0 as usize].puller.finish() {
            self.start_pull(next);
        }
        let p = &self.world.pods[pod.0 as usize];
        if p.deleted || p.worker.pulling != Some(pull) {
            return;
        }
        self.world.pods[pod.0 as usize].worker.pulling = None;
        match result {
            Ok(image) => {
                self.world.nodes[node.0 as usize].backoff.gc(self.now);
                if !self.start_container(pod, i, image) {
                    self.complete_sync(pod);
                    return;
                }
            }
            Err(_) => {
                let key = (pod, self.world.pulls[pull.0 as usize].image.clone());
                let delay = self.world.nodes[node.0 as usize].backoff.next(key, self.now);
                self.set_waiting(pod, i, WaitingReason::ErrImagePull);
                self.emit(TraceKind::Backoff { pod, container: i as u32, until: self.now + delay, refused: false });
                let is_init = self.world.template(pod).is_init(i);
                let w = &mut self.world.pods[pod.0 as usize].worker;
                w.failed = true;
                if is_init {
                    self.complete_sync(pod);
                    return;
                }
                w.next += 1;
            }
        }
        self.continue_sync(pod);
    }
}
