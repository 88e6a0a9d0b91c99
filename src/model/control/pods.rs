//! Pod objects as the API server and the kubelet's status manager see them: creation, the Ready condition
//! (every app container started and past its readiness delay), availability after `minReadySeconds`
//! (pkg/api/v1/pod/util.go `IsPodAvailable`), deletion with a grace period, and the moment a pod is gone.
//!
//! Deletion follows the kubelet (pkg/kubelet/kubelet.go SyncPod runs the runtime's SyncPod under
//! `context.WithoutCancel`; kubernetes issue #125050 is open): a pod deleted while its sync is blocked on a
//! pull stays terminating until that sync is over — the pull runs to completion, keeps its puller slot, leaves
//! the image on the node, and the sync may still start containers. Only then are its containers stopped: each
//! exits after its `terminationDelay`, or is killed at `terminationGracePeriodSeconds` (at least 2 s,
//! kuberuntime's minimum shutdown window), and the pod is gone when the last has exited. A terminating pod
//! keeps running its digest until then; controllers stop counting it at once. The pool setting
//! `kubelet.cancelPullOnPodDelete` is the what-if in which the pull is cancelled at deletion instead.

use crate::engine::SimDuration;
use crate::model::sim::{Event, Sim};
use crate::model::spec::{ImageId, WorkloadId, WorkloadKind};
use crate::model::trace::{NodeId, PodId, TraceKind};
use crate::model::world::{ContainerState, Pod, PodWorker, VictimKey, WaitingReason};

/// kuberuntime's `minimumGracePeriodInSeconds`: every container gets at least this long to stop.
pub const MINIMUM_GRACE_PERIOD: SimDuration = SimDuration::from_secs(2);

impl Sim {
    /// Asks for a sync of the workload's controller at this instant (once, however often it is asked).
    pub(crate) fn request_sync(&mut self, workload: WorkloadId) {
        let w = &mut self.world.workloads[workload.0 as usize];
        if !w.sync_queued {
            w.sync_queued = true;
            self.queue.push(self.now, Event::WorkloadSync(workload));
        }
    }

    /// Creates a pod of `workload` from template `revision`: named `<workload>-<ordinal>` (a bare Pod keeps its
    /// name), admitted, then bound to `node` (a DaemonSet's pod) or handed to the scheduler.
    pub(crate) fn create_pod(
        &mut self,
        workload: WorkloadId,
        revision: u32,
        ordinal: Option<u32>,
        node: Option<NodeId>,
    ) -> PodId {
        let w = &mut self.world.workloads[workload.0 as usize];
        let spec = &self.world.spec.workloads[workload.0 as usize];
        let ordinal = ordinal.unwrap_or_else(|| {
            w.next_ordinal += 1;
            w.next_ordinal - 1
        });
        let name = match spec.kind {
            WorkloadKind::Pod => spec.name.clone(),
            _ => format!("{}-{}", spec.name, ordinal),
        };
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
        let id = PodId(self.world.pods.len() as u32);
        self.world.workloads[workload.0 as usize].pods.insert(id);
        self.world.pods.push(Pod {
            name,
            namespace,
            workload,
            revision,
            node: None,
            created: self.now,
            running_at: None,
            ready_due: self.now,
            ready_at: None,
            available: false,
            terminating: false,
            stopping: false,
            deleted: false,
            ordinal,
            containers,
            worker: PodWorker::default(),
            admitted,
        });
        self.world.pending_pods += 1;
        if let Some(rs) = self.replica_set_of(id) {
            let key = self.victim_key(id);
            let rs = &mut self.world.workloads[workload.0 as usize].replica_sets[rs];
            rs.active += 1;
            rs.victims.insert(key);
        }
        self.emit(TraceKind::PodCreated { pod: id });
        match node {
            Some(node) => self.bind_to(id, node),
            None => self.schedule(id),
        }
        id
    }

    /// The ReplicaSet a pod belongs to, for a Deployment's pod that is not terminating.
    pub(crate) fn replica_set_of(&self, pod: PodId) -> Option<usize> {
        let p = &self.world.pods[pod.0 as usize];
        let kind = self.world.spec.workloads[p.workload.0 as usize].kind;
        (kind == WorkloadKind::Deployment && !p.terminating && !p.deleted).then_some(p.revision as usize)
    }

    /// Where the pod stands in its ReplicaSet's deletion order.
    pub(crate) fn victim_key(&self, pod: PodId) -> VictimKey {
        let p = &self.world.pods[pod.0 as usize];
        let phase = match (p.node, p.running_at, p.ready_at) {
            (None, _, _) => 0,
            (Some(_), None, _) => 1,
            (Some(_), Some(_), None) => 2,
            (Some(_), Some(_), Some(_)) => 3,
        };
        VictimKey {
            phase,
            ready: std::cmp::Reverse(p.ready_at.unwrap_or(crate::engine::SimTime::ZERO)),
            pod: std::cmp::Reverse(pod),
        }
    }

    /// Applies `change` to a pod, keeping its ReplicaSet's deletion order up to date.
    pub(crate) fn change_pod(&mut self, pod: PodId, change: impl FnOnce(&mut Pod)) {
        let rs = self.replica_set_of(pod);
        if let Some(rs) = rs {
            let key = self.victim_key(pod);
            let w = self.world.pods[pod.0 as usize].workload;
            self.world.workloads[w.0 as usize].replica_sets[rs].victims.remove(&key);
        }
        change(&mut self.world.pods[pod.0 as usize]);
        if let Some(rs) = rs {
            let key = self.victim_key(pod);
            let w = self.world.pods[pod.0 as usize].workload;
            self.world.workloads[w.0 as usize].replica_sets[rs].victims.insert(key);
        }
    }

    /// Marks a container started and counts it in its workload's drift figures.
    pub(crate) fn record_container_started(&mut self, pod: PodId, i: usize, image: ImageId) {
        self.world.pods[pod.0 as usize].containers[i] = ContainerState::Running(image);
        let template = self.world.template(pod);
        if !template.is_init(i) {
            let name = template.container(i).name.clone();
            let due = self.now + template.container(i).readiness_delay;
            let p = &mut self.world.pods[pod.0 as usize];
            p.ready_due = p.ready_due.max(due);
            let w = &mut self.world.workloads[p.workload.0 as usize];
            let by_image = w.running.entry(name).or_default();
            *by_image.entry(image).or_default() += 1;
            w.max_distinct = w.max_distinct.max(by_image.len() as u32);
        }
        self.emit(TraceKind::ContainerStarted { pod, container: i as u32, image });
    }

    /// Every app container of the pod runs (the kubelet's sync marked it running).
    pub(crate) fn on_pod_running(&mut self, pod: PodId) {
        let p = &self.world.pods[pod.0 as usize];
        if p.terminating {
            return;
        }
        self.world.pending_pods -= 1;
        let (at, workload) = (p.ready_due.max(self.now), p.workload);
        if at == self.now {
            self.on_pod_ready(pod);
        } else {
            self.queue.push(at, Event::PodReady(pod));
        }
        self.request_sync(workload);
        self.check_replacements();
    }

    /// The pod's Ready condition becomes True.
    pub(crate) fn on_pod_ready(&mut self, pod: PodId) {
        let p = &self.world.pods[pod.0 as usize];
        if p.terminating || p.deleted || p.ready_at.is_some() {
            return;
        }
        let now = self.now;
        self.change_pod(pod, |p| p.ready_at = Some(now));
        self.emit(TraceKind::PodReady { pod });
        let workload = self.world.pods[pod.0 as usize].workload;
        let min_ready = self.world.spec.workloads[workload.0 as usize].min_ready;
        if min_ready.is_zero() {
            self.on_pod_available(pod);
        } else {
            self.queue.push(self.now + min_ready, Event::PodAvailable(pod));
        }
        self.request_sync(workload);
    }

    /// The pod has been Ready for minReadySeconds.
    pub(crate) fn on_pod_available(&mut self, pod: PodId) {
        let p = &mut self.world.pods[pod.0 as usize];
        if p.terminating || p.deleted || p.available {
            return;
        }
        p.available = true;
        let workload = p.workload;
        if let Some(rs) = self.replica_set_of(pod) {
            self.world.workloads[workload.0 as usize].replica_sets[rs].available += 1;
        }
        self.request_sync(workload);
    }

    /// Deletes `pods` at one instant (sets their deletionTimestamp). With `cancelPullOnPodDelete`, every pod is
    /// marked before any pull is cancelled, so a puller freed by one cancellation never starts another doomed
    /// pull's request.
    pub(crate) fn delete_pods(&mut self, pods: &[PodId]) {
        let mut cancelled = Vec::new();
        for &pod in pods {
            if let Some(pull) = self.mark_terminating(pod) {
                cancelled.push(pull);
            }
        }
        for &pull in &cancelled {
            self.world.pulls[pull.0 as usize].cancelled = true;
        }
        for pull in cancelled {
            self.cancel_pull(pull);
        }
        for &pod in pods {
            let p = &self.world.pods[pod.0 as usize];
            if p.terminating && !p.stopping && !p.deleted && p.worker.pulling.is_none() {
                self.stop_pod(pod);
            }
        }
    }

    /// Sets the deletionTimestamp; returns the pull to cancel when the node cancels pulls of deleted pods.
    fn mark_terminating(&mut self, pod: PodId) -> Option<crate::model::trace::PullId> {
        let p = &self.world.pods[pod.0 as usize];
        if p.terminating || p.deleted {
            return None;
        }
        let workload = p.workload;
        if let Some(rs) = self.replica_set_of(pod) {
            let key = self.victim_key(pod);
            let available = p.available;
            let rs = &mut self.world.workloads[workload.0 as usize].replica_sets[rs];
            rs.victims.remove(&key);
            rs.active -= 1;
            if available {
                rs.available -= 1;
            }
        }
        let p = &mut self.world.pods[pod.0 as usize];
        if p.running_at.is_none() {
            self.world.pending_pods -= 1;
        }
        p.terminating = true;
        p.available = false;
        p.worker.generation += 1;
        let cancel = p.node.is_some_and(|n| {
            let pool = self.world.nodes[n.0 as usize].pool;
            self.world.spec.node_pools[pool.0 as usize].kubelet.cancel_pull_on_pod_delete
        });
        let pulling = if cancel { p.worker.pulling.take() } else { None };
        self.emit(TraceKind::PodTerminating { pod });
        self.request_sync(workload);
        pulling
    }

    /// The terminating pod's sync is over: stop its containers; it is gone when the last has exited.
    pub(crate) fn stop_pod(&mut self, pod: PodId) {
        let p = &mut self.world.pods[pod.0 as usize];
        p.stopping = true;
        let template = self.world.template(pod);
        let window = template.termination_grace.max(MINIMUM_GRACE_PERIOD);
        let p = &self.world.pods[pod.0 as usize];
        let exit = (0..template.len())
            .filter(|&i| matches!(p.containers[i], ContainerState::Running(_)))
            .map(|i| template.container(i).termination_delay.min(window))
            .max()
            .unwrap_or(SimDuration::ZERO);
        if exit.is_zero() {
            self.on_pod_gone(pod);
        } else {
            self.queue.push(self.now + exit, Event::PodGone(pod));
        }
    }

    /// The pod is gone from the API (its containers exited, or its node was removed).
    pub(crate) fn on_pod_gone(&mut self, pod: PodId) {
        let p = &self.world.pods[pod.0 as usize];
        if p.deleted {
            return;
        }
        if !p.terminating {
            // Removed with its node, without a deletion first.
            self.mark_terminating(pod);
        }
        let p = &mut self.world.pods[pod.0 as usize];
        p.deleted = true;
        p.worker.generation += 1;
        let (workload, node) = (p.workload, p.node);
        self.world.workloads[workload.0 as usize].pods.remove(&pod);
        if let Some(node) = node {
            self.node_pods_changed(node, |bound| {
                if let Some(i) = bound.iter().position(|&p| p == pod) {
                    bound.swap_remove(i);
                }
            });
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
        self.request_sync(workload);
        self.check_replacements();
    }
}
