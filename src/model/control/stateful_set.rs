//! The StatefulSet controller (pkg/controller/statefulset/stateful_set_control.go; notes §3): pods
//! `<name>-0 .. <name>-(replicas−1)`, each ordinal recreated under the same name once its pod is gone.
//! OrderedReady (the default) creates the lowest missing ordinal only after every lower one is Running,
//! Ready and available, one per sync, and deletes surplus ordinals from the highest down, one at a time;
//! Parallel creates and deletes all at once. RollingUpdate (MaxUnavailableStatefulSet is off by default in
//! v1.35) deletes the highest-ordinal pod not at the update revision, one at a time, waiting for each
//! replacement to be healthy, down to `partition`; ordinals below it are recreated at the current revision.
//! OnDelete replaces a pod only when it is deleted.

use crate::model::sim::Sim;
use crate::model::spec::{PodManagementPolicy, StatefulSetUpdate, WorkloadId, WorkloadStrategy};
use crate::model::trace::{PodId, TraceKind};
use std::collections::BTreeMap;

impl Sim {
    fn healthy(&self, pod: PodId) -> bool {
        let p = &self.world.pods[pod.0 as usize];
        !p.terminating && p.ready_at.is_some() && p.available
    }

    /// One StatefulSet sync.
    pub(crate) fn sync_stateful_set(&mut self, workload: WorkloadId) {
        let (policy, update) = match self.world.spec.workloads[workload.0 as usize].strategy {
            WorkloadStrategy::StatefulSet { policy, update } => (policy, update),
            _ => (PodManagementPolicy::default(), StatefulSetUpdate::default()),
        };
        let monotonic = policy == PodManagementPolicy::OrderedReady;
        let w = &self.world.workloads[workload.0 as usize];
        let (replicas, cur, stable) = (w.replicas, w.current, w.stable_revision);
        let slots: BTreeMap<u32, PodId> = w.pods.iter().map(|&p| (self.world.pods[p.0 as usize].ordinal, p)).collect();
        let partition = match update {
            StatefulSetUpdate::RollingUpdate { partition } => partition,
            StatefulSetUpdate::OnDelete => 0,
        };
        for i in 0..replicas {
            match slots.get(&i) {
                None => {
                    let revision = if i >= partition { cur } else { stable };
                    self.create_pod(workload, revision, Some(i), None);
                    if monotonic {
                        return;
                    }
                }
                Some(&p) if !self.healthy(p) && monotonic => return,
                Some(_) => {}
            }
        }
        let condemned: Vec<PodId> = slots.range(replicas..).rev().map(|(_, &p)| p).collect();
        for p in condemned {
            if self.world.pods[p.0 as usize].terminating {
                if monotonic {
                    return;
                }
                continue;
            }
            self.delete_pods(&[p]);
            if monotonic {
                return;
            }
        }
        if let StatefulSetUpdate::RollingUpdate { partition } = update {
            for target in (partition..replicas).rev() {
                let Some(&p) = slots.get(&target) else { return };
                let pod = &self.world.pods[p.0 as usize];
                if pod.revision != cur && !pod.terminating {
                    self.delete_pods(&[p]);
                    return;
                }
                if !self.healthy(p) {
                    return;
                }
            }
        }
        let w = &self.world.workloads[workload.0 as usize];
        if let Some(revision) = w.rolling_out {
            let done = w.pods.len() as u32 == replicas
                && w.pods.iter().all(|&p| self.healthy(p) && self.world.pods[p.0 as usize].revision == cur);
            if done {
                let w = &mut self.world.workloads[workload.0 as usize];
                w.rolling_out = None;
                w.stable_revision = cur;
                self.emit(TraceKind::RolloutCompleted { workload, revision });
            }
        }
    }
}
