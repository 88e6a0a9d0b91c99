//! The start of a run and its timeline: nodes are built, every workload is created (its controller's first
//! sync), then each timeline entry acts at its instant — tag pushes, scale changes, template changes
//! (`setImage`, `setImagePullPolicy`: a new revision that the workload's controller rolls out), node
//! additions, removals and replacements, registry outages.

use crate::model::sim::{Event, Sim};
use crate::model::spec::{Action, PodTemplate, PoolId, WorkloadId, WorkloadKind};
use crate::model::trace::TraceKind;

impl Sim {
    /// Builds the nodes, creates every workload and schedules the timeline.
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
            let workload = WorkloadId(w as u32);
            if self.world.spec.workloads[w].kind != WorkloadKind::Pod {
                self.world.workloads[w].rolling_out = Some(0);
                self.emit(TraceKind::RolloutStarted { workload, revision: 0 });
            }
            self.sync_workload(workload);
        }
        for i in 0..self.world.spec.timeline.len() {
            let at = self.world.spec.timeline[i].at;
            self.queue.push(at, Event::Timeline(i as u32));
        }
    }

    /// The workload's controller syncs.
    pub(crate) fn sync_workload(&mut self, workload: WorkloadId) {
        self.world.workloads[workload.0 as usize].sync_queued = false;
        match self.world.spec.workloads[workload.0 as usize].kind {
            WorkloadKind::Deployment => self.sync_deployment(workload),
            WorkloadKind::DaemonSet => self.sync_daemon_set(workload),
            WorkloadKind::StatefulSet => self.sync_stateful_set(workload),
            WorkloadKind::Pod => {
                let w = &self.world.workloads[workload.0 as usize];
                if w.next_ordinal == 0 {
                    self.create_pod(workload, 0, None, None);
                }
            }
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
                self.sync_workload(workload);
            }
            Action::SetImage { workload, container, image } => {
                let w = &self.world.workloads[workload.0 as usize];
                let mut template = w.revisions[w.current as usize].clone();
                for c in template.init_containers.iter_mut().chain(template.containers.iter_mut()) {
                    if c.name == container {
                        // imagePullPolicy was defaulted when the object was created; it is not re-defaulted.
                        *c = c.with_image(&image);
                    }
                }
                self.admit_template(&mut template);
                if self.roll_out(workload, template) {
                    self.emit(TraceKind::ImageUpdated { workload, container, image });
                    self.start_rollout(workload);
                }
            }
            Action::SetImagePullPolicy { workload, container, policy } => {
                let w = &self.world.workloads[workload.0 as usize];
                let mut template = w.revisions[w.current as usize].clone();
                for c in template.init_containers.iter_mut().chain(template.containers.iter_mut()) {
                    if c.name == container {
                        c.pull_policy = policy;
                    }
                }
                if self.roll_out(workload, template) {
                    self.emit(TraceKind::PullPolicyUpdated { workload, container, policy });
                    self.start_rollout(workload);
                }
            }
            Action::AddNodes { pool, count } => {
                self.add_nodes(pool, count, true);
            }
            Action::RemoveNodes { pool, count } => self.remove_newest_nodes(pool, count),
            Action::ReplaceNodes { pool, count, max_unavailable } => self.replace_nodes(pool, count, max_unavailable),
            Action::RegistryOutage { registry, duration } => {
                let r = &mut self.world.registries[registry.0 as usize];
                // Overlapping outages merge: the registry is down until the later end.
                r.down_until = r.down_until.max(self.now + duration);
                let until = r.down_until;
                self.emit(TraceKind::RegistryDown { registry, until });
            }
        }
    }

    /// Makes `template` the workload's current revision: an equal earlier revision is reused (the Deployment
    /// controller's `FindNewReplicaSet` takes the oldest ReplicaSet with an equal template), a new one is
    /// appended. False (and nothing changes) when it equals the current one.
    fn roll_out(&mut self, workload: WorkloadId, template: PodTemplate) -> bool {
        let w = &mut self.world.workloads[workload.0 as usize];
        if w.revisions[w.current as usize] == template {
            return false;
        }
        w.current = match w.revisions.iter().position(|t| *t == template) {
            Some(i) => i as u32,
            None => {
                w.revisions.push(template);
                (w.revisions.len() - 1) as u32
            }
        };
        true
    }

    /// The controller begins rolling out the current revision.
    fn start_rollout(&mut self, workload: WorkloadId) {
        let w = &mut self.world.workloads[workload.0 as usize];
        let revision = w.current;
        w.rolling_out = Some(revision);
        self.emit(TraceKind::RolloutStarted { workload, revision });
        if self.world.spec.workloads[workload.0 as usize].kind == WorkloadKind::Pod {
            // A bare pod is replaced (the resolver allows no template change for one; kept for what-ifs).
            let old: Vec<_> = self.world.workloads[workload.0 as usize].pods.iter().copied().collect();
            self.delete_pods(&old);
            self.create_pod(workload, revision, None, None);
            return;
        }
        self.sync_workload(workload);
    }
}
