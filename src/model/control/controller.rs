//! The control plane, kept minimal: workload controllers that create and delete pods, a scheduler that binds
//! each pod to the node with the fewest pods (ties: the oldest node), and the timeline of pushes, scale
//! changes, image updates, node additions and registry outages.
//!
//! An image update replaces every pod of the workload at once (a Recreate without termination time);
//! RollingUpdate comes with the rollout model. A scale-down deletes pods that are not running first, newest
//! first, then running pods, newest first (the ReplicaSet's ranking, simplified).

use crate::model::kubelet::backoff::Backoff;
use crate::model::kubelet::puller::ImagePuller;
use crate::model::kubelet::token_bucket::TokenBucket;
use crate::model::runtime::image_store::ImageStore;
use crate::model::sim::{Event, Sim};
use crate::model::spec::{Action, PoolId, WorkloadId, WorkloadKind};
use crate::model::trace::{NodeId, PodId, TraceKind};
use crate::model::world::{ContainerState, Node, Pod, PodWorker, WaitingReason};

impl Sim {
    /// Builds the nodes, creates every workload's pods and schedules the timeline.
    pub(crate) fn start(&mut self) {
        for p in 0..self.world.spec.node_pools.len() {
            let count = self.world.spec.node_pools[p].count;
            self.add_nodes(PoolId(p as u32), count, false);
        }
        for w in 0..self.world.workloads.len() {
            let mut template = std::mem::take(&mut self.world.workloads[w].revisions[0]);
            self.admit_template(&mut template);
            self.world.workloads[w].revisions[0] = template;
        }
        for w in 0..self.world.workloads.len() {
            for _ in 0..self.world.workloads[w].replicas {
                self.create_pod(WorkloadId(w as u32));
            }
        }
        for i in 0..self.world.spec.timeline.len() {
            let at = self.world.spec.timeline[i].at;
            self.queue.push(at, Event::Timeline(i as u32));
        }
    }

    pub(crate) fn apply_timeline(&mut self, i: usize) {
        let action = self.world.spec.timeline[i].action.clone();
        match action {
            Action::PushTag { registry, repository, tag, image } => {
                let repo =
                    self.world.registries[registry.0 as usize].repositories.entry(repository.clone()).or_default();
                repo.tags.insert(tag.clone(), image);
                repo.manifests.insert(image);
                self.emit(TraceKind::TagPushed { registry, repository, tag, image });
            }
            Action::Scale { workload, replicas } => {
                self.world.workloads[workload.0 as usize].replicas = replicas;
                self.emit(TraceKind::Scaled { workload, replicas });
                self.reconcile(workload);
            }
            Action::SetImage { workload, container, image } => {
                let w = &mut self.world.workloads[workload.0 as usize];
                let mut template = w.revisions.last().cloned().unwrap_or_default();
                for c in template.init_containers.iter_mut().chain(template.containers.iter_mut()) {
                    if c.name == container {
                        // imagePullPolicy was defaulted when the object was created; it is not re-defaulted.
                        *c = c.with_image(&image);
                    }
                }
                self.admit_template(&mut template);
                if self.roll_out(workload, template) {
                    self.emit(TraceKind::ImageUpdated { workload, container, image });
                    self.replace_pods(workload);
                }
            }
            Action::SetImagePullPolicy { workload, container, policy } => {
                let w = &self.world.workloads[workload.0 as usize];
                let mut template = w.revisions.last().cloned().unwrap_or_default();
                for c in template.init_containers.iter_mut().chain(template.containers.iter_mut()) {
                    if c.name == container {
                        c.pull_policy = policy;
                    }
                }
                if self.roll_out(workload, template) {
                    self.emit(TraceKind::PullPolicyUpdated { workload, container, policy });
                    self.replace_pods(workload);
                }
            }
            Action::AddNodes { pool, count } => self.add_nodes(pool, count, true),
            Action::RemoveNodes { .. } | Action::ReplaceNodes { .. } => {}
            Action::RegistryOutage { registry, duration } => {
                let r = &mut self.world.registries[registry.0 as usize];
                // Overlapping outages merge: the registry is down until the later end.
                r.down_until = r.down_until.max(self.now + duration);
                let until = r.down_until;
                self.emit(TraceKind::RegistryDown { registry, until });
            }
        }
    }

    /// Stores `template` as the workload's new revision; false (and nothing changes) when it equals the current
    /// one: an unchanged template makes no new ReplicaSet and replaces no pod.
    fn roll_out(&mut self, workload: WorkloadId, template: crate::model::spec::PodTemplate) -> bool {
        let w = &mut self.world.workloads[workload.0 as usize];
        if w.revisions.last() == Some(&template) {
            return false;
        }
        w.revisions.push(template);
        true
    }

    /// Replaces every pod of the workload with one of its current revision.
    fn replace_pods(&mut self, workload: WorkloadId) {
        let old = self.world.workloads[workload.0 as usize].pods.clone();
        self.delete_pods(old);
        self.reconcile(workload);
    }

    /// Creates or deletes pods until the workload has its desired replicas.
    fn reconcile(&mut self, workload: WorkloadId) {
        let w = &self.world.workloads[workload.0 as usize];
        let (want, have) = (w.replicas as usize, w.pods.len());
        for _ in have..want {
            self.create_pod(workload);
        }
        if have > want {
            let mut victims = self.world.workloads[workload.0 as usize].pods.clone();
            // Not running before running, then newest first.
            victims.sort_by_key(|p| (self.world.pods[p.0 as usize].running_at.is_some(), std::cmp::Reverse(p.0)));
            victims.truncate(have - want);
            self.delete_pods(victims);
        }
    }

    fn add_nodes(&mut self, pool: PoolId, count: u32, announce: bool) {
        for _ in 0..count {
            let spec = &self.world.spec.node_pools[pool.0 as usize];
            let index = self.world.pool_next_index[pool.0 as usize];
            self.world.pool_next_index[pool.0 as usize] += 1;
            let k = spec.kubelet;
            let puller = if k.serialize_image_pulls {
                ImagePuller::serial()
            } else {
                ImagePuller::parallel(k.max_parallel_image_pulls)
            };
            let limiter = (k.registry_pull_qps > 0).then(|| TokenBucket::new(k.registry_pull_qps, k.registry_burst));
            let mut store = ImageStore::default();
            for pre in &spec.preloaded {
                let layers = &self.world.spec.images[pre.image.0 as usize].layers;
                let tag = pre.reference.digest.is_none().then(|| pre.reference.effective_tag()).flatten();
                store.add_image(&pre.reference.name(), tag, pre.image, layers);
            }
            let name = format!("{}-{}", spec.name, index);
            let phase = rand::Rng::random_range(&mut self.rng.stream(&format!("kubelet/{name}")), 0..1_000_000);
            let node = Node {
                sync_tick_phase: crate::engine::SimDuration::from_micros(phase),
                name,
                pool,
                nic: self.world.network.add_link(spec.bandwidth_bps),
                disk: self.world.network.add_link(spec.disk_write_bps),
                puller,
                limiter,
                backoff: Backoff::default(),
                store,
                max_concurrent_downloads: spec.max_concurrent_downloads,
                pods: 0,
            };
            let id = NodeId(self.world.nodes.len() as u32);
            self.world.nodes.push(node);
            self.world.schedulable.insert((0, id));
            if announce {
                self.emit(TraceKind::NodeAdded { node: id });
            }
        }
        while let Some(pod) = self.world.unscheduled.pop_front() {
            if !self.world.pods[pod.0 as usize].deleted {
                self.bind(pod);
            }
        }
    }

    fn create_pod(&mut self, workload: WorkloadId) -> PodId {
        let w = &mut self.world.workloads[workload.0 as usize];
        let spec = &self.world.spec.workloads[workload.0 as usize];
        let name = match spec.kind {
            WorkloadKind::Pod => spec.name.clone(),
            _ => format!("{}-{}", spec.name, w.next_ordinal),
        };
        w.next_ordinal += 1;
        let revision = (w.revisions.len() - 1) as u32;
        let containers =
            vec![ContainerState::Waiting(WaitingReason::ContainerCreating); w.revisions[revision as usize].len()];
        let namespace = spec.namespace.clone();
        // A pod gets a template of its own only when admission changes pods.
        let admitted = if self.world.spec.admission.mutates_pods() {
            let template = w.revisions[revision as usize].clone();
            self.admit_pod(&template).map(Box::new)
        } else {
            None
        };
        let w = &mut self.world.workloads[workload.0 as usize];
        let id = PodId(self.world.pods.len() as u32);
        w.pods.push(id);
        self.world.pods.push(Pod {
            name,
            namespace,
            workload,
            revision,
            node: None,
            created: self.now,
            running_at: None,
            deleted: false,
            containers,
            worker: PodWorker::default(),
            admitted,
        });
        self.emit(TraceKind::PodCreated { pod: id });
        if self.world.schedulable.is_empty() {
            self.world.unscheduled.push_back(id);
        } else {
            self.bind(id);
        }
        id
    }

    /// Binds a pod to the node with the fewest pods and hands it to that node's pod worker.
    fn bind(&mut self, pod: PodId) {
        let Some((count, node)) = self.world.schedulable.pop_first() else {
            self.world.unscheduled.push_back(pod);
            return;
        };
        self.world.schedulable.insert((count + 1, node));
        self.world.nodes[node.0 as usize].pods = count + 1;
        self.world.pods[pod.0 as usize].node = Some(node);
        self.emit(TraceKind::PodScheduled { pod, node });
        self.queue.push(self.now, Event::PodSync { pod, generation: 0 });
    }

    /// Deletes `pods` at one instant. All are marked deleted (and their pulls' contexts cancelled) before any
    /// running pull is aborted, so a puller freed by one abort never starts another doomed pull's request.
    fn delete_pods(&mut self, pods: Vec<PodId>) {
        let pulls: Vec<_> = pods.into_iter().filter_map(|p| self.delete_pod(p)).collect();
        for &pull in &pulls {
            self.world.pulls[pull.0 as usize].cancelled = true;
        }
        for pull in pulls {
            self.cancel_pull(pull);
        }
    }

    /// Marks one pod deleted; returns the pull its sync is blocked on, if any.
    fn delete_pod(&mut self, pod: PodId) -> Option<crate::model::trace::PullId> {
        let p = &mut self.world.pods[pod.0 as usize];
        if p.deleted {
            return None;
        }
        p.deleted = true;
        p.worker.generation += 1;
        let (workload, node, pulling) = (p.workload, p.node, p.worker.pulling);
        let w = &mut self.world.workloads[workload.0 as usize];
        w.pods.retain(|x| *x != pod);
        if let Some(node) = node {
            let n = &mut self.world.nodes[node.0 as usize];
            self.world.schedulable.remove(&(n.pods, node));
            n.pods -= 1;
            self.world.schedulable.insert((n.pods, node));
        }
        let template = self.world.template(pod).clone();
        let states = self.world.pods[pod.0 as usize].containers.clone();
        let w = &mut self.world.workloads[workload.0 as usize];
        for (i, state) in states.iter().enumerate() {
            if let (ContainerState::Running(image), false) = (state, template.is_init(i)) {
                if let Some(by_image) = w.running.get_mut(&template.container(i).name) {
                    if let Some(n) = by_image.get_mut(image) {
                        *n -= 1;
                        if *n == 0 {
                            by_image.remove(image);
                        }
                    }
                }
            }
        }
        self.emit(TraceKind::PodDeleted { pod });
        pulling
    }

    /// Marks a container started and counts it in its workload's drift figures.
    pub(crate) fn record_container_started(&mut self, pod: PodId, i: usize, image: crate::model::spec::ImageId) {
        self.world.pods[pod.0 as usize].containers[i] = ContainerState::Running(image);
        let template = self.world.template(pod);
        if !template.is_init(i) {
            let name = template.container(i).name.clone();
            let w = &mut self.world.workloads[self.world.pods[pod.0 as usize].workload.0 as usize];
            let by_image = w.running.entry(name).or_default();
            *by_image.entry(image).or_default() += 1;
            w.max_distinct = w.max_distinct.max(by_image.len() as u32);
        }
        self.emit(TraceKind::ContainerStarted { pod, container: i as u32, image });
    }
}
