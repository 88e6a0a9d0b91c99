//! Nodes joining and leaving: `addNodes` (a pool scales up), `removeNodes` (the newest nodes of a pool go; the
//! pod garbage collector deletes their pods at once and their controllers recreate them elsewhere), and
//! `replaceNodes`, a rolling node-image upgrade as managed node pools do it: `maxUnavailable` old nodes at a
//! time are cordoned and drained (their pods other than DaemonSet pods are evicted, with their grace period),
//! removed once no evicted pod remains, and replaced by as many new nodes, which start with only the pool's
//! preloaded images. The next batch starts when no pod of the cluster is Pending, i.e. the evicted pods run
//! again elsewhere (standing in for a PodDisruptionBudget); a pod that never runs stalls the upgrade, as a
//! budget would.

use crate::model::kubelet::backoff::Backoff;
use crate::model::kubelet::puller::ImagePuller;
use crate::model::kubelet::token_bucket::TokenBucket;
use crate::model::runtime::image_store::ImageStore;
use crate::model::sim::{Event, Sim};
use crate::model::spec::{PoolId, WorkloadKind};
use crate::model::trace::{NodeId, PodId, TraceKind};
use crate::model::world::{Node, NodeReplacement};
use std::collections::VecDeque;

impl Sim {
    /// Adds `count` nodes to a pool; `announce` emits `node_added` (not for the nodes a run starts with).
    pub(crate) fn add_nodes(&mut self, pool: PoolId, count: u32, announce: bool) -> Vec<NodeId> {
        let mut added = Vec::new();
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
            let relist = rand::Rng::random_range(&mut self.rng.stream(&format!("pleg/{name}")), 0..1_000_000);
            let node = Node {
                sync_tick_phase: crate::engine::SimDuration::from_micros(phase),
                pleg_relist_phase: crate::engine::SimDuration::from_micros(relist),
                name,
                pool,
                nic: self.world.network.add_link(spec.bandwidth_bps),
                disk: self.world.network.add_link(spec.disk_write_bps),
                puller,
                limiter,
                backoff: Backoff::default(),
                store,
                pull_records: Default::default(),
                max_concurrent_downloads: spec.max_concurrent_downloads,
                bound: Vec::new(),
                cordoned: false,
                removed: false,
            };
            let id = NodeId(self.world.nodes.len() as u32);
            self.world.nodes.push(node);
            self.world.schedulable.insert((0, id));
            if announce {
                self.emit(TraceKind::NodeAdded { node: id });
            }
            added.push(id);
        }
        self.schedule_pending();
        self.sync_daemon_sets();
        added
    }

    /// Asks every DaemonSet's controller to look at the nodes again.
    pub(crate) fn sync_daemon_sets(&mut self) {
        for w in 0..self.world.workloads.len() {
            if self.world.spec.workloads[w].kind == WorkloadKind::DaemonSet {
                self.request_sync(crate::model::spec::WorkloadId(w as u32));
            }
        }
    }

    /// Live pods bound to `node`, oldest first.
    fn pods_on(&self, node: NodeId) -> Vec<PodId> {
        let mut pods = self.world.nodes[node.0 as usize].bound.clone();
        pods.sort_unstable();
        pods
    }

    /// The newest `count` live nodes of a pool leave.
    pub(crate) fn remove_newest_nodes(&mut self, pool: PoolId, count: u32) {
        let victims: Vec<NodeId> = (0..self.world.nodes.len() as u32)
            .rev()
            .map(NodeId)
            .filter(|n| {
                let n = &self.world.nodes[n.0 as usize];
                n.pool == pool && !n.removed
            })
            .take(count as usize)
            .collect();
        for node in victims {
            self.remove_node(node);
        }
    }

    /// A node leaves the cluster: its pods are gone at once and their pulls end with it.
    pub(crate) fn remove_node(&mut self, node: NodeId) {
        let n = &mut self.world.nodes[node.0 as usize];
        if n.removed {
            return;
        }
        if !n.cordoned {
            self.world.schedulable.remove(&(n.bound.len() as u32, node));
        }
        n.removed = true;
        // The node leaves first, then its pods go with it (the pod garbage collector's orphan deletion).
        self.emit(TraceKind::NodeRemoved { node });
        let pods = self.pods_on(node);
        let mut pulls = Vec::new();
        for &pod in &pods {
            if let Some(pull) = self.world.pods[pod.0 as usize].worker.pulling.take() {
                self.world.pulls[pull.0 as usize].cancelled = true;
                pulls.push(pull);
            }
        }
        for &pod in &pods {
            self.on_pod_gone(pod);
        }
        for pull in pulls {
            self.cancel_pull(pull);
        }
        self.sync_daemon_sets();
    }

    /// Starts a rolling replacement of `count` of the pool's nodes, oldest first.
    pub(crate) fn replace_nodes(&mut self, pool: PoolId, count: u32, max_unavailable: u32) {
        let queue: VecDeque<NodeId> = (0..self.world.nodes.len() as u32)
            .map(NodeId)
            .filter(|n| {
                let n = &self.world.nodes[n.0 as usize];
                n.pool == pool && !n.removed && !n.cordoned
            })
            .take(count as usize)
            .collect();
        self.world.replacements.push(NodeReplacement {
            pool,
            queue,
            max_unavailable: max_unavailable.max(1),
            draining: Vec::new(),
            started: false,
        });
        self.check_replacements();
    }

    /// Moves every rolling node replacement on as far as it can go now.
    pub(crate) fn check_replacements(&mut self) {
        if self.world.replacements.is_empty() {
            return;
        }
        // Taken out while they act, so that the pods they delete do not re-enter here.
        let mut all = std::mem::take(&mut self.world.replacements);
        for r in &mut all {
            self.step_replacement(r);
        }
        all.retain(|r| !r.queue.is_empty() || !r.draining.is_empty());
        all.append(&mut self.world.replacements);
        self.world.replacements = all;
    }

    /// Starts the next batch when none is draining (and the previous one's pods run), or finishes the batch
    /// whose nodes are drained: removes them and adds as many new ones.
    fn step_replacement(&mut self, r: &mut NodeReplacement) {
        if r.draining.is_empty() {
            if r.queue.is_empty() || (r.started && self.world.pending_pods > 0) {
                return;
            }
            r.started = true;
            let batch: Vec<NodeId> = (0..r.max_unavailable).filter_map(|_| r.queue.pop_front()).collect();
            for &node in &batch {
                let n = &mut self.world.nodes[node.0 as usize];
                let newly = !n.cordoned && !n.removed;
                n.cordoned = true;
                if newly {
                    self.world.schedulable.remove(&(n.bound.len() as u32, node));
                    self.emit(TraceKind::NodeCordoned { node });
                }
            }
            let evict: Vec<PodId> =
                batch.iter().flat_map(|&n| self.pods_on(n)).filter(|p| !self.is_daemon_pod(*p)).collect();
            r.draining = batch;
            self.delete_pods(&evict);
        }
        let drained =
            r.draining.iter().all(|&n| self.world.nodes[n.0 as usize].bound.iter().all(|&p| self.is_daemon_pod(p)));
        if !drained {
            return;
        }
        let batch = std::mem::take(&mut r.draining);
        // A node that left meanwhile (removeNodes, or another replacement) is not replaced: the upgrade swaps
        // each node it removes for a new one and leaves the pool's size as it is.
        let mut removed = 0;
        for &node in &batch {
            if !self.world.nodes[node.0 as usize].removed {
                self.remove_node(node);
                removed += 1;
            }
        }
        self.add_nodes(r.pool, removed, true);
        // The next batch waits until the controllers have placed the pods the new nodes and the drain call for
        // (their syncs are queued for this instant) and those pods run.
        if !r.queue.is_empty() {
            self.queue.push(self.now, Event::NodeReplacementCheck);
        }
    }

    fn is_daemon_pod(&self, pod: PodId) -> bool {
        let w = self.world.pods[pod.0 as usize].workload;
        self.world.spec.workloads[w.0 as usize].kind == WorkloadKind::DaemonSet
    }
}
