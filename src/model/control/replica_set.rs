//! The ReplicaSet controller (pkg/controller/replicaset/replica_set.go `manageReplicas`): a ReplicaSet with
//! fewer active (not terminating) pods than `spec.replicas` creates the difference; one with more deletes the
//! first in its deletion order (`getPodsToDelete` with `ActivePodsWithRanks`): unscheduled, then Pending, then
//! not Ready, then Ready more recently, then newer. Simplified: the "doubled-up on a node" rank and the
//! log2 buckets of ready time with random UID ties are replaced by exact ready time, then pod age; the
//! `burstReplicas` (500) and slow-start batches per sync are not modelled (all are created at once).

use crate::model::sim::Sim;
use crate::model::spec::WorkloadId;
use crate::model::trace::PodId;

impl Sim {
    /// Brings the active pods of the workload's ReplicaSet `rs` to its `spec.replicas`; true if it acted.
    pub(crate) fn manage_replica_set(&mut self, workload: WorkloadId, rs: usize) -> bool {
        let set = &self.world.workloads[workload.0 as usize].replica_sets[rs];
        let (want, have) = (set.replicas, set.active);
        if have < want {
            for _ in have..want {
                self.create_pod(workload, rs as u32, None, None);
            }
            return true;
        }
        if have > want {
            let victims: Vec<PodId> = set.victims.iter().take((have - want) as usize).map(|k| k.pod.0).collect();
            self.delete_pods(&victims);
            return true;
        }
        false
    }
}
