//! The DaemonSet controller (pkg/controller/daemon: daemon_controller.go `podsShouldBeOnNode`, update.go
//! `rollingUpdate`; notes §2): one pod on every node of the pools it selects, created when a node has none
//! (a terminating pod still counts, so its replacement waits until it is gone), bound to that node directly.
//! RollingUpdate with maxSurge 0 deletes every unavailable old pod and up to `maxUnavailable − unavailable`
//! available ones per sync; with maxSurge > 0 it starts a new pod beside an old one (at once where the old is
//! unavailable, else up to maxSurge nodes at a time) and deletes the old pod when the new one is available,
//! or at once if the old one is not Ready; a node never keeps more than the oldest pod of the current
//! revision and the oldest of an older one (`podsShouldBeOnNode`'s surge rule).
//! Both counts round up; both 0 means maxUnavailable 1. Candidates are taken in node order (the controller
//! walks a Go map, whose order is random). OnDelete replaces a pod only when it is deleted.

use crate::model::sim::Sim;
use crate::model::spec::{DaemonSetUpdate, WorkloadId, WorkloadStrategy};
use crate::model::trace::{NodeId, PodId, TraceKind};
use std::collections::BTreeMap;

impl Sim {
    /// One DaemonSet sync.
    pub(crate) fn sync_daemon_set(&mut self, workload: WorkloadId) {
        let (update, pools) = match &self.world.spec.workloads[workload.0 as usize].strategy {
            WorkloadStrategy::DaemonSet { update, pools } => (*update, pools.clone()),
            _ => (DaemonSetUpdate::default(), Vec::new()),
        };
        let nodes: Vec<NodeId> = (0..self.world.nodes.len() as u32)
            .map(NodeId)
            .filter(|n| {
                let n = &self.world.nodes[n.0 as usize];
                !n.removed && (pools.is_empty() || pools.contains(&n.pool))
            })
            .collect();
        let cur = self.world.workloads[workload.0 as usize].current;
        let mut by_node: BTreeMap<NodeId, Vec<PodId>> = nodes.iter().map(|&n| (n, Vec::new())).collect();
        for &p in &self.world.workloads[workload.0 as usize].pods {
            if let Some(n) = self.world.pods[p.0 as usize].node {
                by_node.entry(n).or_default().push(p);
            }
        }
        // manage: a pod for every node that has none.
        for (&node, pods) in &by_node {
            if pods.is_empty() {
                self.create_pod(workload, cur, None, Some(node));
            }
        }
        let mut delete = Vec::new();
        if let DaemonSetUpdate::RollingUpdate { max_unavailable, max_surge } = update {
            let desired = nodes.len() as u32;
            let mut max_unavailable = max_unavailable.scaled(desired, true);
            let max_surge = max_surge.scaled(desired, true);
            if desired > 0 && max_unavailable == 0 && max_surge == 0 {
                max_unavailable = 1;
            }
            // (new, old) active pods per node.
            let split: Vec<(NodeId, Vec<PodId>, Vec<PodId>)> = nodes
                .iter()
                .map(|&n| {
                    let (new, old) = by_node[&n]
                        .iter()
                        .filter(|&&p| !self.world.pods[p.0 as usize].terminating)
                        .partition(|&&p| self.world.pods[p.0 as usize].revision == cur);
                    (n, new, old)
                })
                .collect();
            let available = |p: PodId| self.world.pods[p.0 as usize].available;
            if max_surge == 0 {
                let mut unavailable = 0u32;
                let mut allowed = Vec::new();
                let mut candidates = Vec::new();
                for (_, new, old) in &split {
                    match (new.as_slice(), old.as_slice()) {
                        (n, o) if n.len() > 1 || o.len() > 1 => unavailable += 1,
                        ([], []) | ([_], [_]) => unavailable += 1,
                        ([n], []) => unavailable += u32::from(!available(*n)),
                        ([], [o]) => {
                            if !available(*o) {
                                allowed.push(*o);
                                unavailable += 1;
                            } else if unavailable < max_unavailable {
                                candidates.push(*o);
                            }
                        }
                        _ => unreachable!("every shape of at most one pod each is matched above"),
                    }
                }
                let remaining = (max_unavailable.saturating_sub(unavailable) as usize).min(candidates.len());
                delete.extend(allowed);
                delete.extend(&candidates[..remaining]);
            } else {
                // manage (podsShouldBeOnNode with a surge): of the pods not terminating on a node, only the
                // oldest of the current revision and the oldest of another are kept, and the old one goes as
                // soon as it is not Ready or the new one is available. The rolling update waits for those
                // deletions (the controller's expectations) before it surges further.
                let ready = |p: PodId| self.world.pods[p.0 as usize].ready_at.is_some();
                let mut excess = Vec::new();
                for (_, new, old) in &split {
                    excess.extend(new.iter().skip(1).copied());
                    excess.extend(old.iter().skip(1).copied());
                    if let (Some(&n), Some(&o)) = (new.first(), old.first()) {
                        if !ready(o) || available(n) {
                            excess.push(o);
                        }
                    }
                }
                if !excess.is_empty() {
                    self.delete_pods(&excess);
                    return self.daemon_set_rollout_done(workload, &nodes);
                }
                let mut surging =
                    split.iter().filter(|(_, n, o)| !o.is_empty() && n.iter().any(|&p| !available(p))).count() as u32;
                let mut create = Vec::new();
                for (node, new, old) in &split {
                    match (new.first(), old.first()) {
                        (None, Some(&o)) if !available(o) => create.push(*node),
                        (None, Some(_)) if surging < max_surge => {
                            surging += 1;
                            create.push(*node);
                        }
                        (Some(&n), Some(_)) if available(n) => delete.extend(old.iter().copied()),
                        _ => {}
                    }
                }
                // The new pods are informer events: the next sync at this instant applies the surge rule to them.
                if !create.is_empty() {
                    self.request_sync(workload);
                }
                for node in create {
                    self.create_pod(workload, cur, None, Some(node));
                }
            }
        }
        self.delete_pods(&delete);
        self.daemon_set_rollout_done(workload, &nodes);
    }

    /// Complete: every selected node runs one available pod of the current revision and nothing else.
    fn daemon_set_rollout_done(&mut self, workload: WorkloadId, nodes: &[NodeId]) {
        let cur = self.world.workloads[workload.0 as usize].current;
        let w = &self.world.workloads[workload.0 as usize];
        if let Some(revision) = w.rolling_out {
            let done = nodes.len() as u32 == w.pods.len() as u32
                && w.pods.iter().all(|&p| {
                    let p = &self.world.pods[p.0 as usize];
                    p.revision == cur && p.available && !p.terminating
                });
            if done {
                self.world.workloads[workload.0 as usize].rolling_out = None;
                self.emit(TraceKind::RolloutCompleted { workload, revision });
            }
        }
    }
}
