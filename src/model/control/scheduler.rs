//! The scheduler. By default it binds each pod to the schedulable node with the fewest pods (ties: the oldest
//! node) — the outcome of the default profile's spreading on identical nodes. With `spec.scheduler.imageLocality`
//! it scores nodes as the default profile does (pkg/scheduler, v1.35.4, read in docs/notes/rollout-sources.md
//! §5) with the two plugins that differ between identical untainted nodes:
//!
//! - **PodTopologySpread** (weight 2), the system default constraint on `kubernetes.io/hostname` (maxSkew 3,
//!   ScheduleAnyway): raw score `count × ln(nodes + 2) + (maxSkew − 1)` where count is the workload's
//!   non-terminating pods on the node, rounded, then normalised to `100 × (max + min − s) / max`.
//! - **ImageLocality** (weight 1, imagelocality/image_locality.go): for each container, the image as written
//!   (`:latest` appended when it has no tag) matched exactly against the names the node reports
//!   (`name:tag`, `name@digest`), adding `size × nodes having it / all nodes`; the sum clamped to
//!   [23 MiB, 1000 MiB × containers] and scaled to 0..100.
//!
//! Only `numFeasibleNodesToFind` nodes are scored (all below 100 nodes; else `50 − N/125` percent, at least 5%
//! and at least 100 nodes), starting where the previous cycle stopped (`nextStartNodeIndex`); ties go to the
//! first node in that order. Not modelled: the node status lag (a just-pulled image counts at once) and the
//! 50-image cap of the node status.

use crate::model::sim::{Event, Sim};
use crate::model::trace::{NodeId, PodId, TraceKind};

const MIB: u64 = 1024 * 1024;
const MIN_THRESHOLD: u64 = 23 * MIB;
const MAX_CONTAINER_THRESHOLD: u64 = 1000 * MIB;

impl Sim {
    /// Binds a pod to the node the scheduler picks, or leaves it pending when no node is schedulable.
    pub(crate) fn schedule(&mut self, pod: PodId) {
        let node = if self.world.spec.scheduler.image_locality {
            self.best_scored_node(pod)
        } else {
            self.world.schedulable.first().map(|&(_, n)| n)
        };
        match node {
            Some(node) => self.bind_to(pod, node),
            None => self.world.unscheduled.push_back(pod),
        }
    }

    /// Binds a pod to `node` and hands it to that node's pod worker.
    pub(crate) fn bind_to(&mut self, pod: PodId, node: NodeId) {
        self.node_pods_changed(node, |bound| bound.push(pod));
        self.change_pod(pod, |p| p.node = Some(node));
        self.emit(TraceKind::PodScheduled { pod, node });
        self.queue.push(self.now, Event::PodSync { pod, generation: 0 });
    }

    /// A pod was bound to or left `node` (`change` edits its list of bound pods): keep the scheduler's view in
    /// step.
    pub(crate) fn node_pods_changed(&mut self, node: NodeId, change: impl FnOnce(&mut Vec<PodId>)) {
        let n = &mut self.world.nodes[node.0 as usize];
        let listed = !n.cordoned && !n.removed;
        if listed {
            self.world.schedulable.remove(&(n.bound.len() as u32, node));
        }
        change(&mut n.bound);
        if listed {
            self.world.schedulable.insert((n.bound.len() as u32, node));
        }
    }

    /// Binds pods that waited for a node, oldest first.
    pub(crate) fn schedule_pending(&mut self) {
        let waiting: Vec<PodId> = std::mem::take(&mut self.world.unscheduled).into();
        for pod in waiting {
            let p = &self.world.pods[pod.0 as usize];
            if !p.deleted && !p.terminating {
                self.schedule(pod);
            }
        }
    }

    fn best_scored_node(&mut self, pod: PodId) -> Option<NodeId> {
        let all = self.world.nodes.len();
        let live: Vec<NodeId> =
            (0..all).map(|i| NodeId(i as u32)).filter(|n| !self.world.nodes[n.0 as usize].removed).collect();
        let total = live.len();
        if total == 0 {
            return None;
        }
        let want = feasible_nodes_to_find(total);
        let start = self.world.next_start_node % total;
        let mut feasible = Vec::with_capacity(want.min(total));
        let mut processed = 0;
        for k in 0..total {
            if feasible.len() >= want {
                break;
            }
            processed += 1;
            let n = live[(start + k) % total];
            if !self.world.nodes[n.0 as usize].cordoned {
                feasible.push(n);
            }
        }
        self.world.next_start_node = (start + processed) % total;
        if feasible.is_empty() {
            return None;
        }
        let workload = self.world.pods[pod.0 as usize].workload;
        let mut on_node = std::collections::BTreeMap::<NodeId, u64>::new();
        for &p in &self.world.workloads[workload.0 as usize].pods {
            let p = &self.world.pods[p.0 as usize];
            if let (Some(n), false) = (p.node, p.terminating) {
                *on_node.entry(n).or_default() += 1;
            }
        }
        let counts: Vec<u64> = feasible.iter().map(|n| on_node.get(n).copied().unwrap_or(0)).collect();
        let spread = topology_spread_scores(&counts);
        let template = self.world.template(pod).clone();
        let keys: Vec<String> = template.in_start_order().map(|c| normalized_image_name(&c.image)).collect();
        // Size and node count of every name, over every live node (the snapshot).
        let states: Vec<Option<(u64, u64)>> = keys
            .iter()
            .map(|key| {
                let mut size = 0;
                let mut nodes = 0u64;
                for &n in &live {
                    if let Some(image) = self.world.nodes[n.0 as usize]
                        .store
                        .status_image(key, |i| self.world.spec.images[i.0 as usize].digest.as_str())
                    {
                        nodes += 1;
                        size = self.image_size(image);
                    }
                }
                (nodes > 0).then_some((size, nodes))
            })
            .collect();
        let mut best: Option<(i64, NodeId)> = None;
        for (i, &n) in feasible.iter().enumerate() {
            let store = &self.world.nodes[n.0 as usize].store;
            let mut sum = 0u64;
            for (key, state) in keys.iter().zip(&states) {
                if let Some((size, nodes)) = state {
                    let digest = |i: crate::model::spec::ImageId| self.world.spec.images[i.0 as usize].digest.as_str();
                    if store.status_image(key, digest).is_some() {
                        sum += (*size as f64 * (*nodes as f64 / total as f64)) as u64;
                    }
                }
            }
            let score = 2 * spread[i] + image_locality_score(sum, keys.len());
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, n));
            }
        }
        best.map(|(_, n)| n)
    }

    /// Sum of an image's layer sizes (the node status `sizeBytes`).
    fn image_size(&self, image: crate::model::spec::ImageId) -> u64 {
        let spec = &self.world.spec;
        spec.images[image.0 as usize].layers.iter().map(|l| spec.layers[l.0 as usize].size_bytes).sum()
    }
}

/// `numFeasibleNodesToFind` with the default `percentageOfNodesToScore`.
pub fn feasible_nodes_to_find(nodes: usize) -> usize {
    if nodes < 100 {
        return nodes;
    }
    let pct = (50i64 - nodes as i64 / 125).max(5) as usize;
    (nodes * pct / 100).max(100)
}

/// PodTopologySpread's normalised scores for nodes holding `counts` matching pods (hostname, maxSkew 3).
pub fn topology_spread_scores(counts: &[u64]) -> Vec<i64> {
    let weight = ((counts.len() + 2) as f64).ln();
    let raw: Vec<i64> = counts.iter().map(|&c| (c as f64 * weight + 2.0).round() as i64).collect();
    let (max, min) = (raw.iter().copied().max().unwrap_or(0), raw.iter().copied().min().unwrap_or(0));
    raw.iter().map(|&s| if max == 0 { 100 } else { 100 * (max + min - s) / max }).collect()
}

/// ImageLocality's `calculatePriority`.
pub fn image_locality_score(sum: u64, containers: usize) -> i64 {
    let max = MAX_CONTAINER_THRESHOLD * containers.max(1) as u64;
    let sum = sum.clamp(MIN_THRESHOLD, max);
    (100 * (sum - MIN_THRESHOLD) / (max - MIN_THRESHOLD)) as i64
}

/// ImageLocality's `normalizedImageName`: `:latest` appended when no `:` follows the last `/`.
pub fn normalized_image_name(image: &str) -> String {
    let colon = image.rfind(':').map_or(-1, |i| i as i64);
    let slash = image.rfind('/').map_or(-1, |i| i as i64);
    if colon <= slash {
        format!("{image}:latest")
    } else {
        image.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_follows_the_scheduler() {
        assert_eq!(feasible_nodes_to_find(50), 50);
        assert_eq!(feasible_nodes_to_find(100), 100);
        assert_eq!(feasible_nodes_to_find(1000), 420);
        assert_eq!(feasible_nodes_to_find(10_000), 500);
    }

    #[test]
    fn image_locality_thresholds() {
        assert_eq!(image_locality_score(10 * MIB, 1), 0);
        assert_eq!(image_locality_score(500 * MIB, 1), 48);
        assert_eq!(image_locality_score(250 * MIB, 1), 23);
        assert_eq!(image_locality_score(5000 * MIB, 1), 100);
    }

    #[test]
    fn spreading_prefers_emptier_nodes() {
        let s = topology_spread_scores(&[0, 1, 0]);
        assert_eq!(s[0], s[2]);
        assert!(s[0] > s[1]);
        assert_eq!(normalized_image_name("nginx"), "nginx:latest");
        assert_eq!(normalized_image_name("localhost:5000/app"), "localhost:5000/app:latest");
        assert_eq!(normalized_image_name("a/b@sha256:00"), "a/b@sha256:00");
    }
}
