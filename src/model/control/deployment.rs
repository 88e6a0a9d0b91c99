//! The Deployment controller (pkg/controller/deployment, read at release-1.33 and v1.35.4 as recorded in
//! docs/notes/rollout-sources.md §1): one ReplicaSet per template revision, the newest scaled up and the old
//! ones scaled down within `maxSurge` / `maxUnavailable` (rolling.go `reconcileNewReplicaSet`,
//! `NewRSNewReplicas`, `reconcileOldReplicaSets`, `cleanupUnhealthyReplicas`,
//! `scaleDownOldReplicaSetsForRollingUpdate`), Recreate (recreate.go: old ReplicaSets to 0, then wait until no
//! old pod exists, terminating ones included, then the new one at full size), and proportional scaling when
//! `replicas` changes mid-rollout (sync.go `scale`, `getReplicaSetFraction` with the max-replicas annotation).
//!
//! Each sync does what one controller sync does; syncs repeat at the same instant while the ReplicaSets'
//! pods change, as informer events would trigger them. ReplicaSet status has no lag: a pod counts as
//! available at the instant it has been Ready for minReadySeconds.

use crate::model::sim::Sim;
use crate::model::spec::{DeploymentStrategy, IntOrPercent, WorkloadId, WorkloadStrategy};
use crate::model::trace::TraceKind;
use crate::model::world::ReplicaSet;

/// Most controller syncs of one workload at one instant (a guard; a sync loop settles in a few).
const MAX_SYNCS_PER_INSTANT: u32 = 64;

/// `deploymentutil.ResolveFenceposts` then `MaxSurge` / `MaxUnavailable` for a RollingUpdate of `replicas`.
pub fn fenceposts(max_surge: IntOrPercent, max_unavailable: IntOrPercent, replicas: u32) -> (u32, u32) {
    let surge = max_surge.scaled(replicas, true);
    let mut unavailable = max_unavailable.scaled(replicas, false);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    let unavailable = if replicas == 0 { 0 } else { unavailable.min(replicas) };
    (surge, unavailable)
}

/// `integer.RoundToInt32`: half away from zero.
fn round_half_away(x: f64) -> i64 {
    if x < 0.0 {
        (x - 0.5) as i64
    } else {
        (x + 0.5) as i64
    }
}

impl Sim {
    fn deployment_strategy(&self, workload: WorkloadId) -> DeploymentStrategy {
        match self.world.spec.workloads[workload.0 as usize].strategy {
            WorkloadStrategy::Deployment(s) => s,
            _ => DeploymentStrategy::default(),
        }
    }

    /// (maxSurge, maxUnavailable) resolved for the Deployment's current replicas; (0, 0) for Recreate.
    fn bounds(&self, workload: WorkloadId) -> (u32, u32) {
        let r = self.world.workloads[workload.0 as usize].replicas;
        match self.deployment_strategy(workload) {
            DeploymentStrategy::RollingUpdate { max_surge, max_unavailable } => {
                fenceposts(max_surge, max_unavailable, r)
            }
            DeploymentStrategy::Recreate => (0, 0),
        }
    }

    /// Sets a ReplicaSet's replicas with the annotations `scaleReplicaSet` writes; true if anything changed.
    fn scale_rs(&mut self, workload: WorkloadId, rs: usize, replicas: u32) -> bool {
        let (surge, _) = self.bounds(workload);
        let w = &mut self.world.workloads[workload.0 as usize];
        let r = w.replicas;
        let set = &mut w.replica_sets[rs];
        let changed = set.replicas != replicas || set.desired_annotation != r || set.max_annotation != r + surge;
        set.replicas = replicas;
        set.desired_annotation = r;
        set.max_annotation = r + surge;
        changed
    }

    /// The Deployment controller's syncs at this instant, each followed by its ReplicaSets' controllers.
    pub(crate) fn sync_deployment(&mut self, workload: WorkloadId) {
        let revisions = self.world.workloads[workload.0 as usize].revisions.len();
        self.world.workloads[workload.0 as usize].replica_sets.resize_with(revisions, ReplicaSet::default);
        for _ in 0..MAX_SYNCS_PER_INSTANT {
            let scaled = self.deployment_step(workload);
            let mut managed = false;
            for rs in 0..revisions {
                managed |= self.manage_replica_set(workload, rs);
            }
            if !scaled && !managed {
                break;
            }
        }
        let w = &self.world.workloads[workload.0 as usize];
        let r = w.replicas;
        let new = &w.replica_sets[w.current as usize];
        let active: u32 = w.replica_sets.iter().map(|s| s.active).sum();
        let available: u32 = w.replica_sets.iter().map(|s| s.available).sum();
        if let Some(revision) = w.rolling_out {
            // deploymentutil.DeploymentComplete.
            if new.active == r && active == r && available == r {
                self.world.workloads[workload.0 as usize].rolling_out = None;
                self.emit(TraceKind::RolloutCompleted { workload, revision });
            }
        }
    }

    /// One sync of the Deployment: proportional scaling on a scaling event, else the strategy's step.
    fn deployment_step(&mut self, workload: WorkloadId) -> bool {
        let w = &self.world.workloads[workload.0 as usize];
        let r = w.replicas;
        let scaling_event = w.replica_sets.iter().any(|s| s.replicas > 0 && s.desired_annotation != r);
        let strategy = self.deployment_strategy(workload);
        if scaling_event {
            if let Some(changed) = self.proportional_scale(workload, strategy) {
                return changed;
            }
        }
        match strategy {
            DeploymentStrategy::RollingUpdate { max_surge, .. } => self.rolling_step(workload, max_surge),
            DeploymentStrategy::Recreate => self.recreate_step(workload),
        }
    }

    fn rolling_step(&mut self, workload: WorkloadId, max_surge: IntOrPercent) -> bool {
        let w = &self.world.workloads[workload.0 as usize];
        let (r, new) = (w.replicas, w.current as usize);
        // reconcileNewReplicaSet with NewRSNewReplicas.
        let new_replicas = w.replica_sets[new].replicas;
        let target = if new_replicas >= r {
            r
        } else {
            let surge = max_surge.scaled(r, true);
            let current: u32 = w.replica_sets.iter().map(|s| s.replicas).sum();
            let max_total = r + surge;
            if current >= max_total {
                new_replicas
            } else {
                new_replicas + (max_total - current).min(r - new_replicas)
            }
        };
        if target != new_replicas {
            return self.scale_rs(workload, new, target);
        }
        // reconcileOldReplicaSets.
        let (_, max_unavailable) = self.bounds(workload);
        let w = &self.world.workloads[workload.0 as usize];
        let old: Vec<usize> =
            (0..w.replica_sets.len()).filter(|&i| i != new && w.replica_sets[i].replicas > 0).collect();
        if old.is_empty() {
            return false;
        }
        let all: i64 = w.replica_sets.iter().map(|s| s.replicas as i64).sum();
        let min_available = r as i64 - max_unavailable as i64;
        let new_unavailable = w.replica_sets[new].replicas as i64 - w.replica_sets[new].available as i64;
        let max_scaled_down = all - min_available - new_unavailable;
        if max_scaled_down <= 0 {
            return false;
        }
        let mut total = 0i64;
        // cleanupUnhealthyReplicas: oldest first.
        for &i in &old {
            if total >= max_scaled_down {
                break;
            }
            let s = &self.world.workloads[workload.0 as usize].replica_sets[i];
            if s.replicas == s.available {
                continue;
            }
            let cut = (max_scaled_down - total).min(s.replicas as i64 - s.available as i64).max(0);
            let to = s.replicas - cut as u32;
            self.scale_rs(workload, i, to);
            total += cut;
        }
        // scaleDownOldReplicaSetsForRollingUpdate.
        let w = &self.world.workloads[workload.0 as usize];
        let available: i64 = w.replica_sets.iter().map(|s| s.available as i64).sum();
        if available > min_available {
            let to_cut = available - min_available;
            let mut cut_total = 0i64;
            for &i in &old {
                if cut_total >= to_cut {
                    break;
                }
                let s = &self.world.workloads[workload.0 as usize].replica_sets[i];
                if s.replicas == 0 {
                    continue;
                }
                let cut = (s.replicas as i64).min(to_cut - cut_total);
                let to = s.replicas - cut as u32;
                self.scale_rs(workload, i, to);
                cut_total += cut;
            }
            total += cut_total;
        }
        total > 0
    }

    fn recreate_step(&mut self, workload: WorkloadId) -> bool {
        let w = &self.world.workloads[workload.0 as usize];
        let (r, new) = (w.replicas, w.current as usize);
        let old: Vec<usize> =
            (0..w.replica_sets.len()).filter(|&i| i != new && w.replica_sets[i].replicas > 0).collect();
        let mut scaled = false;
        for i in old {
            scaled |= self.scale_rs(workload, i, 0);
        }
        if scaled {
            return true;
        }
        // oldPodsRunning: any pod of an old ReplicaSet that still exists, terminating or not.
        let w = &self.world.workloads[workload.0 as usize];
        if w.pods.iter().any(|p| self.world.pods[p.0 as usize].revision as usize != new) {
            return false;
        }
        if w.replica_sets[new].replicas != r {
            return self.scale_rs(workload, new, r);
        }
        false
    }

    /// sync.go `scale`; `None` when it leaves the work to the strategy.
    fn proportional_scale(&mut self, workload: WorkloadId, strategy: DeploymentStrategy) -> Option<bool> {
        let w = &self.world.workloads[workload.0 as usize];
        let (r, new) = (w.replicas, w.current as usize);
        let active: Vec<usize> = (0..w.replica_sets.len()).filter(|&i| w.replica_sets[i].replicas > 0).collect();
        if active.len() <= 1 {
            // FindActiveOrLatest: the one active, else the new one.
            let target = active.first().copied().unwrap_or(new);
            return Some(self.scale_rs(workload, target, r));
        }
        let n = &w.replica_sets[new];
        if n.replicas == r && n.desired_annotation == r && n.available == r {
            let mut changed = false;
            for i in active.into_iter().filter(|&i| i != new) {
                changed |= self.scale_rs(workload, i, 0);
            }
            return Some(changed);
        }
        if strategy == DeploymentStrategy::Recreate {
            return None;
        }
        let (surge, _) = self.bounds(workload);
        let allowed = if r > 0 { (r + surge) as i64 } else { 0 };
        let to_add = allowed - active.iter().map(|&i| w.replica_sets[i].replicas as i64).sum::<i64>();
        let mut order = active.clone();
        // ReplicaSetsBySizeNewer when adding, BySizeOlder when removing (revision order is creation order).
        if to_add > 0 {
            order.sort_by_key(|&i| (std::cmp::Reverse(w.replica_sets[i].replicas), std::cmp::Reverse(i)));
        } else {
            order.sort_by_key(|&i| (std::cmp::Reverse(w.replica_sets[i].replicas), i));
        }
        let mut sizes: Vec<(usize, i64)> = Vec::new();
        let mut added = 0i64;
        for &i in &order {
            let s = &w.replica_sets[i];
            let p = if to_add == 0 || to_add == added {
                0
            } else {
                let fraction = if r == 0 {
                    -(s.replicas as i64)
                } else {
                    let before = s.max_annotation as i64;
                    if before == 0 {
                        0
                    } else {
                        round_half_away(s.replicas as f64 * (r + surge) as f64 / before as f64) - s.replicas as i64
                    }
                };
                let allowed = to_add - added;
                if to_add > 0 {
                    fraction.min(allowed)
                } else {
                    fraction.max(allowed)
                }
            };
            sizes.push((i, s.replicas as i64 + p));
            added += p;
        }
        if let Some(first) = sizes.first_mut() {
            if to_add != 0 {
                first.1 = (first.1 + to_add - added).max(0);
            }
        }
        let mut changed = false;
        for (i, size) in sizes {
            changed |= self.scale_rs(workload, i, size.max(0) as u32);
        }
        Some(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fenceposts_round_surge_up_and_unavailability_down() {
        let p = IntOrPercent::Percent(25);
        assert_eq!(fenceposts(p, p, 1), (1, 0));
        assert_eq!(fenceposts(p, p, 3), (1, 0));
        assert_eq!(fenceposts(p, p, 4), (1, 1));
        assert_eq!(fenceposts(p, p, 10), (3, 2));
        assert_eq!(fenceposts(IntOrPercent::Int(0), IntOrPercent::Percent(10), 5), (0, 1));
        assert_eq!(round_half_away(2.5), 3);
        assert_eq!(round_half_away(-2.5), -3);
    }
}
