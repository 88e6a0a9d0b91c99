//! Network bandwidth shared max-min fairly. Each transfer (a layer download, an unpack) is a flow over one or
//! two links — a registry's egress, a node's NIC, a node's disk — and gets the max-min fair rate found by
//! progressive filling: the link with the smallest fair share is saturated first, its flows frozen at that
//! share, and the rest refilled.
//!
//! Flows frozen at the same link (their bottleneck) all get that link's share, so they form a group with one
//! virtual clock (bits served to each member) and one completion event: the member with the smallest finish
//! mark. A change re-rates only the connected component of finite links it touches (an unlimited link joins
//! nothing), and moves at most one event per link, not one per flow.
//!
//! Fleet fast path: while every registry (a *shared* link) is the bottleneck of all its flows and no node
//! could be saturated at those rates (checked with the bound `max over nodes of flows/capacity x max registry
//! share < 1`), the max-min rates are simply `capacity / flows` per registry, so a flow starting or ending only
//! changes its registry's group rate: O(log n) instead of a recomputation over the whole cluster.

use crate::engine::{SimDuration, SimTime};
use std::cmp::Ordering;
use std::collections::{BTreeSet, BinaryHeap};

/// A link: a registry's egress, a node's NIC or a node's disk write path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkId(pub u32);

/// A transfer in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FlowId(pub u32);

/// An `f64` ordered by `total_cmp`, for ordered sets.
#[derive(Debug, Clone, Copy)]
struct Ordf(f64);
impl PartialEq for Ordf {
    fn eq(&self, o: &Self) -> bool {
        self.0.total_cmp(&o.0) == Ordering::Equal
    }
}
impl Eq for Ordf {}
impl PartialOrd for Ordf {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Ordf {
    fn cmp(&self, o: &Self) -> Ordering {
        self.0.total_cmp(&o.0)
    }
}

#[derive(Debug, Clone)]
struct Link {
    capacity_bps: Option<f64>,
    shared: bool,
    /// Every flow crossing the link.
    flows: BTreeSet<FlowId>,
    /// Flows crossing it of the fast path's kind: `[registry]` or `[registry, node]`.
    a_flows: u32,
    /// Other flows crossing it.
    b_flows: u32,
    /// On a node link: registry links of its fast-path flows, with how many flows each.
    registries: Vec<(LinkId, u32)>,
    /// On a registry link: its nodes by fast-path flows per bit/s of NIC capacity (the fast path's bound).
    node_load: BTreeSet<(Ordf, LinkId)>,
    /// On a registry link: the sum of its flows' node shares (NIC capacity / flows on the NIC), which is what
    /// it would serve if every node were the bottleneck.
    demand_bps: f64,
    /// The group: flows whose bottleneck is this link, by finish mark on the virtual clock.
    group: BTreeSet<(Ordf, FlowId)>,
    /// Per-flow rate of the group.
    rate_bps: f64,
    /// Bits served to each group member since the clock's epoch.
    vclock: f64,
    vclock_at: SimTime,
    /// Generation of the link's completion event; older events are stale.
    generation: u32,
    // Scratch for progressive filling.
    left_bps: f64,
    unfrozen: u32,
    version: u32,
    mark: u32,
}

impl Link {
    fn advance(&mut self, now: SimTime) {
        if self.rate_bps.is_finite() && self.rate_bps > 0.0 {
            self.vclock += self.rate_bps * now.since(self.vclock_at).as_micros() as f64 / 1e6;
        }
        self.vclock_at = now;
    }
}

#[derive(Debug, Clone)]
struct Flow<T> {
    links: Vec<LinkId>,
    /// The link whose group it is in.
    group: LinkId,
    /// Finish mark on the group's virtual clock; for a flow being (re)placed, its remaining bits.
    finish: f64,
    /// Of the fast path's kind: `[registry]` or `[registry, node]`.
    class_a: bool,
    /// Started but not yet rated: waits for [`Network::flush`] (or any progressive filling that reaches it).
    pending: bool,
    frozen: bool,
    mark: u32,
    payload: Option<T>,
}

/// A link's completion event moved: schedule (`link`, `generation`) at `at`; events carrying an older
/// generation are stale and must be ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkDue {
    /// The link whose group has its next completion then.
    pub link: LinkId,
    /// The link's event generation.
    pub generation: u32,
    /// When its first member finishes at the current rate.
    pub at: SimTime,
}

/// Work counters, for benchmarks and the regression gate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetworkStats {
    /// Changes handled by the fleet fast path.
    pub fast_updates: u64,
    /// Changes handled by progressive filling over a component.
    pub full_updates: u64,
    /// Flows re-rated by progressive filling, summed over all full updates.
    pub flows_rerated: u64,
}

/// All links and flows of one run, carrying a payload `T` per flow (what the transfer is for).
#[derive(Debug, Clone)]
pub struct Network<T> {
    links: Vec<Link>,
    flows: Vec<Flow<T>>,
    free: Vec<u32>,
    mark: u32,
    /// Group of flows no finite link constrains: they complete at once.
    instant: LinkId,
    shared: Vec<LinkId>,
    /// Links crossed by both fast-path flows and others (the fast path needs none).
    mixed_links: u32,
    /// Which fast path's precondition held after the last change.
    regime: Regime,
    /// Flows started this instant and waiting for one progressive filling in [`Network::flush`].
    pending: Vec<FlowId>,
    /// Fast-path flows over a registry alone, or over a registry and an unlimited node link (neither regime
    /// covers them).
    unbound_flows: u32,
    stats: NetworkStats,
}

impl<T> Default for Network<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(PartialEq)]
struct Share(f64, u32, u32);
impl Eq for Share {}
impl PartialOrd for Share {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Share {
    /// Min-heap on (share, link id).
    fn cmp(&self, o: &Self) -> Ordering {
        o.0.total_cmp(&self.0).then(o.1.cmp(&self.1))
    }
}

/// Margin kept by the fast path's bound, so that float error never decides a tie.
const BOUND: f64 = 1.0 - 1e-9;

/// Margin of the node-bound check, whose registry demands are running sums (their rounding drifts slowly).
const NODE_BOUND: f64 = 1.0 - 1e-6;

/// Which exact shortcut the current allocation allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Regime {
    /// Every registry is the bottleneck of all its flows: rate = registry capacity / its flows.
    RegistryBound,
    /// Every node is the bottleneck of all its flows: rate = NIC capacity / its flows.
    NodeBound,
    /// Neither: every change runs progressive filling over its component.
    General,
}

impl<T> Network<T> {
    /// An empty network.
    pub fn new() -> Self {
        let mut n = Network {
            links: Vec::new(),
            flows: Vec::new(),
            free: Vec::new(),
            mark: 0,
            instant: LinkId(0),
            shared: Vec::new(),
            mixed_links: 0,
            regime: Regime::RegistryBound,
            pending: Vec::new(),
            unbound_flows: 0,
            stats: NetworkStats::default(),
        };
        n.instant = n.push_link(None, false);
        n.links[0].rate_bps = f64::INFINITY;
        n
    }

    fn push_link(&mut self, capacity_bps: Option<u64>, shared: bool) -> LinkId {
        let id = LinkId(self.links.len() as u32);
        self.links.push(Link {
            capacity_bps: capacity_bps.map(|c| c as f64),
            shared,
            flows: BTreeSet::new(),
            a_flows: 0,
            b_flows: 0,
            registries: Vec::new(),
            node_load: BTreeSet::new(),
            demand_bps: 0.0,
            group: BTreeSet::new(),
            rate_bps: 0.0,
            vclock: 0.0,
            vclock_at: SimTime::ZERO,
            generation: 0,
            left_bps: 0.0,
            unfrozen: 0,
            version: 0,
            mark: 0,
        });
        id
    }

    /// Adds a link of `capacity_bps` bits per second (`None` = unlimited): a node's NIC or disk.
    pub fn add_link(&mut self, capacity_bps: Option<u64>) -> LinkId {
        self.push_link(capacity_bps, false)
    }

    /// Adds a link many nodes share (a registry's egress).
    pub fn add_shared_link(&mut self, capacity_bps: Option<u64>) -> LinkId {
        let id = self.push_link(capacity_bps, true);
        self.shared.push(id);
        id
    }

    /// Work counters so far.
    pub fn stats(&self) -> NetworkStats {
        self.stats
    }

    /// The current rate of `flow` in bits per second (infinite if nothing constrains it).
    pub fn rate_bps(&self, flow: FlowId) -> f64 {
        self.links[self.flows[flow.0 as usize].group.0 as usize].rate_bps
    }

    fn finite(&self, l: LinkId) -> bool {
        self.links[l.0 as usize].capacity_bps.is_some()
    }

    /// Starts a transfer of `bits` over `links` at `now`. Returns its id and the links whose next completion
    /// moved.
    pub fn start(&mut self, now: SimTime, links: &[LinkId], bits: u64, payload: T) -> (FlowId, Vec<LinkDue>) {
        let shared = links.iter().filter(|l| self.links[l.0 as usize].shared).count();
        let class_a = shared == 1 && links.len() <= 2 && self.links[links[0].0 as usize].shared;
        let flow = Flow {
            links: links.to_vec(),
            group: self.instant,
            finish: bits as f64,
            class_a,
            pending: false,
            frozen: false,
            mark: 0,
            payload: Some(payload),
        };
        let id = match self.free.pop() {
            Some(i) => {
                self.flows[i as usize] = flow;
                FlowId(i)
            }
            None => {
                self.flows.push(flow);
                FlowId(self.flows.len() as u32 - 1)
            }
        };
        for l in links {
            self.links[l.0 as usize].flows.insert(id);
        }
        self.count_flow(links, class_a, 1);
        if !links.iter().any(|l| self.finite(*l)) {
            // No finite link constrains it: it completes at once.
            let g = self.instant;
            self.links[g.0 as usize].group.insert((Ordf(0.0), id));
            return (id, self.reschedule(now, &[g]));
        }
        if let Some(g) = self.fast_group(links) {
            self.stats.fast_updates += 1;
            let link = &mut self.links[g.0 as usize];
            link.advance(now);
            link.rate_bps = fair_share(link);
            let finish = link.vclock + bits as f64;
            link.group.insert((Ordf(finish), id));
            let f = &mut self.flows[id.0 as usize];
            f.group = g;
            f.finish = finish;
            return (id, self.reschedule(now, &[g]));
        }
        // Progressive filling waits for the end of the instant, so that the flows starting together (pods
        // synced on the same tick, layers answered by the same round trip) are rated once, not once each.
        self.flows[id.0 as usize].pending = true;
        self.pending.push(id);
        (id, Vec::new())
    }

    /// Whether flows started this instant wait for [`Network::flush`]; the caller runs it once, after the
    /// other events of the same instant.
    pub fn needs_flush(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Rates the flows started since the last flush: when the regime still holds with them counted, each joins
    /// its registry's (or node's) group; otherwise one progressive filling per component they touch.
    pub fn flush(&mut self, now: SimTime) -> Vec<LinkDue> {
        let pending: Vec<FlowId> =
            std::mem::take(&mut self.pending).into_iter().filter(|f| self.flows[f.0 as usize].pending).collect();
        if pending.is_empty() {
            return Vec::new();
        }
        if let Some(groups) = self.regime_groups(&pending) {
            self.stats.fast_updates += pending.len() as u64;
            let mut touched: Vec<LinkId> = groups.clone();
            touched.sort_unstable();
            touched.dedup();
            for &g in &touched {
                let link = &mut self.links[g.0 as usize];
                link.advance(now);
                link.rate_bps = fair_share(link);
            }
            for (f, g) in pending.into_iter().zip(groups) {
                let link = &mut self.links[g.0 as usize];
                let flow = &mut self.flows[f.0 as usize];
                flow.pending = false;
                flow.group = g;
                flow.finish += link.vclock;
                link.group.insert((Ordf(flow.finish), f));
            }
            return self.reschedule(now, &touched);
        }
        let mut seeds: Vec<LinkId> = pending.iter().flat_map(|f| self.flows[f.0 as usize].links.clone()).collect();
        seeds.sort_unstable();
        seeds.dedup();
        self.rerate(now, &seeds)
    }

    /// The group of each pending flow if the current regime holds with all of them counted, else `None`.
    fn regime_groups(&self, pending: &[FlowId]) -> Option<Vec<LinkId>> {
        let holds = match self.regime {
            Regime::RegistryBound => self.bound_holds(),
            Regime::NodeBound => self.node_bound_holds(),
            Regime::General => false,
        };
        if !holds {
            return None;
        }
        pending
            .iter()
            .map(|f| {
                let [r, n] = self.flows[f.0 as usize].links[..] else { return None };
                let (rl, nl) = (&self.links[r.0 as usize], &self.links[n.0 as usize]);
                if !rl.shared || nl.shared {
                    return None;
                }
                match self.regime {
                    Regime::RegistryBound => rl.capacity_bps.map(|_| r),
                    Regime::NodeBound => nl.capacity_bps.map(|_| n),
                    Regime::General => None,
                }
            })
            .collect()
    }

    /// The completion event (`link`, `generation`) fired at `now`. Returns `None` if it is stale; otherwise
    /// removes every flow of the link's group that has finished and returns their payloads (in finish order)
    /// and the links whose next completion moved.
    pub fn due(&mut self, now: SimTime, link: LinkId, generation: u32) -> Option<(Vec<T>, Vec<LinkDue>)> {
        let l = &mut self.links[link.0 as usize];
        if l.generation != generation || l.group.is_empty() {
            return None;
        }
        l.advance(now);
        let instant = link == self.instant;
        // Anything left with less than a microsecond of service has finished (completion times round up).
        let horizon = l.vclock + l.rate_bps * 1e-6 + 1e-6;
        let mut done = Vec::new();
        while let Some(&(Ordf(finish), f)) = l.group.first() {
            if !instant && finish > horizon {
                break;
            }
            l.group.pop_first();
            done.push(f);
        }
        let mut payloads = Vec::with_capacity(done.len());
        let mut seeds = Vec::new();
        let mut all_fast = self.regime != Regime::General;
        for &f in &done {
            let flow = &mut self.flows[f.0 as usize];
            let links = std::mem::take(&mut flow.links);
            if let Some(p) = flow.payload.take() {
                payloads.push(p);
            }
            let class_a = flow.class_a;
            for l in &links {
                self.links[l.0 as usize].flows.remove(&f);
            }
            self.count_flow(&links, class_a, -1);
            if self.fast_group(&links) != Some(link) {
                all_fast = false;
            }
            seeds.extend(links);
            self.free.push(f.0);
        }
        let out = if instant {
            self.reschedule(now, &[link])
        } else if all_fast {
            // `fast_group` checked the regime's condition after each removal.
            self.stats.fast_updates += 1;
            let l = &mut self.links[link.0 as usize];
            l.rate_bps = fair_share(l);
            self.reschedule(now, &[link])
        } else {
            seeds.sort_unstable();
            seeds.dedup();
            self.rerate(now, &seeds)
        };
        Some((payloads, out))
    }

    /// The group a `[registry, node]` flow that just came or went belongs to under the current regime, if the
    /// regime still holds after the change (flow counts already updated): its registry while registries are
    /// the bottleneck, its node while nodes are. `None` means progressive filling must decide.
    fn fast_group(&self, links: &[LinkId]) -> Option<LinkId> {
        let [r, n] = links else { return None };
        let (rl, nl) = (&self.links[r.0 as usize], &self.links[n.0 as usize]);
        if !rl.shared || nl.shared || !self.pending.is_empty() {
            return None;
        }
        match self.regime {
            Regime::RegistryBound if rl.capacity_bps.is_some() && self.bound_holds() => Some(*r),
            Regime::NodeBound if nl.capacity_bps.is_some() && self.node_bound_holds() => Some(*n),
            _ => None,
        }
    }

    /// Whether node-bound rates (`NIC capacity / flows` per node) are the max-min rates: no link mixes
    /// fast-path flows with others, every such flow crosses a finite node link, and every finite registry
    /// serves less than its capacity at those rates.
    fn node_bound_holds(&self) -> bool {
        if self.mixed_links > 0 || self.unbound_flows > 0 {
            return false;
        }
        self.shared.iter().all(|r| {
            let l = &self.links[r.0 as usize];
            l.flows.is_empty() || l.capacity_bps.is_none_or(|c| l.demand_bps < c * NODE_BOUND)
        })
    }

    /// Counts a flow of class A (fast-path kind) or B in or out of its links.
    fn count_flow(&mut self, links: &[LinkId], class_a: bool, delta: i32) {
        for l in links {
            let link = &mut self.links[l.0 as usize];
            let was_mixed = link.a_flows > 0 && link.b_flows > 0;
            if class_a {
                link.a_flows = link.a_flows.saturating_add_signed(delta);
            } else {
                link.b_flows = link.b_flows.saturating_add_signed(delta);
            }
            let is_mixed = link.a_flows > 0 && link.b_flows > 0;
            match (was_mixed, is_mixed) {
                (false, true) => self.mixed_links += 1,
                (true, false) => self.mixed_links -= 1,
                _ => {}
            }
        }
        match (class_a, links) {
            (true, [r, n]) => self.count_node_load(*r, *n, delta),
            (true, _) => self.unbound_flows = self.unbound_flows.saturating_add_signed(delta),
            _ => {}
        }
    }

    /// A `[registry r, node n]` flow came (`delta` 1) or went (-1): n's load changed in every registry it
    /// downloads from. `n.a_flows` is already updated.
    fn count_node_load(&mut self, r: LinkId, n: LinkId, delta: i32) {
        let node = &self.links[n.0 as usize];
        let Some(cap) = node.capacity_bps else {
            self.unbound_flows = self.unbound_flows.saturating_add_signed(delta);
            return;
        };
        let (k_old, k_new) = (node.a_flows.saturating_add_signed(-delta), node.a_flows);
        let old = Ordf(f64::from(k_old) / cap);
        let new = Ordf(f64::from(k_new) / cap);
        let share = |k: u32| if k == 0 { 0.0 } else { cap / f64::from(k) };
        let mut regs = std::mem::take(&mut self.links[n.0 as usize].registries);
        for (x, count) in &regs {
            self.links[x.0 as usize].demand_bps -= f64::from(*count) * share(k_old);
        }
        match regs.iter().position(|(x, _)| *x == r) {
            Some(i) => {
                regs[i].1 = regs[i].1.saturating_add_signed(delta);
                if regs[i].1 == 0 {
                    regs.remove(i);
                    self.links[r.0 as usize].node_load.remove(&(old, n));
                }
            }
            None => regs.push((r, 1)),
        }
        for (x, count) in &regs {
            let reg = &mut self.links[x.0 as usize];
            reg.demand_bps += f64::from(*count) * share(k_new);
            reg.node_load.remove(&(old, n));
            reg.node_load.insert((new, n));
        }
        let reg = &mut self.links[r.0 as usize];
        if reg.a_flows == 0 {
            reg.demand_bps = 0.0; // no drift survives an idle registry
        }
        self.links[n.0 as usize].registries = regs;
    }

    /// Whether registry-bound rates (`capacity / flows` per registry) are the max-min rates: no link mixes
    /// fast-path flows with others, every registry with flows is finite, and no node's NIC would be saturated
    /// at those rates. Per registry r the cheap bound `flows_n / capacity_n x capacity_r / flows_r < 1` clears
    /// most nodes at once (sorted by load); the few it does not clear are checked exactly, summing their
    /// flows' rates over all their registries.
    fn bound_holds(&self) -> bool {
        /// Nodes checked exactly before giving up on the fast path for this change.
        const MAX_SUSPECTS: usize = 64;
        if self.mixed_links > 0 {
            return false;
        }
        let share = |r: LinkId| -> Option<f64> {
            let l = &self.links[r.0 as usize];
            l.capacity_bps.map(|c| c / l.flows.len().max(1) as f64)
        };
        let mut suspects = 0;
        for r in &self.shared {
            let l = &self.links[r.0 as usize];
            if l.flows.is_empty() {
                continue;
            }
            let Some(lambda) = share(*r) else { return false };
            for (Ordf(load), n) in l.node_load.iter().rev() {
                if load * lambda < BOUND {
                    break;
                }
                suspects += 1;
                if suspects > MAX_SUSPECTS {
                    return false;
                }
                let node = &self.links[n.0 as usize];
                let mut total = 0.0;
                for (x, count) in &node.registries {
                    match share(*x) {
                        Some(s) => total += f64::from(*count) * s,
                        None => return false,
                    }
                }
                if total >= node.capacity_bps.unwrap_or(f64::INFINITY) * BOUND {
                    return false;
                }
            }
        }
        true
    }

    /// Moves the completion events of `links` to their groups' first finishers.
    fn reschedule(&mut self, now: SimTime, links: &[LinkId]) -> Vec<LinkDue> {
        let mut out = Vec::with_capacity(links.len());
        for &id in links {
            let instant = id == self.instant;
            let l = &mut self.links[id.0 as usize];
            l.generation = l.generation.wrapping_add(1);
            let Some(&(Ordf(finish), _)) = l.group.first() else { continue };
            let at = if instant { now } else { now + transfer_time(finish - l.vclock, l.rate_bps) };
            out.push(LinkDue { link: id, generation: l.generation, at });
        }
        out
    }

    /// Re-rates the component reachable from `seeds` by progressive filling. A pending flow's `finish`
    /// holds its size.
    fn rerate(&mut self, now: SimTime, seeds: &[LinkId]) -> Vec<LinkDue> {
        self.stats.full_updates += 1;
        self.mark = self.mark.wrapping_add(1);
        let mark = self.mark;
        let mut comp_links: Vec<u32> = Vec::new();
        let mut comp_flows: Vec<u32> = Vec::new();
        let mut stack: Vec<u32> = seeds.iter().map(|l| l.0).collect();
        while let Some(l) = stack.pop() {
            let link = &mut self.links[l as usize];
            // Unlimited links constrain nothing, so they do not join flows into one component.
            if link.mark == mark || link.capacity_bps.is_none() {
                continue;
            }
            link.mark = mark;
            comp_links.push(l);
            for f in &link.flows {
                let flow = &mut self.flows[f.0 as usize];
                if flow.mark != mark {
                    flow.mark = mark;
                    comp_flows.push(f.0);
                    stack.extend(flow.links.iter().map(|x| x.0));
                }
            }
        }
        comp_links.sort_unstable();
        comp_flows.sort_unstable();
        self.stats.flows_rerated += comp_flows.len() as u64;
        // Remaining bits of every flow, read off its group's clock.
        for &l in &comp_links {
            self.links[l as usize].advance(now);
        }
        for &f in &comp_flows {
            let flow = &self.flows[f as usize];
            if flow.pending {
                self.flows[f as usize].pending = false;
            } else {
                let remaining = (flow.finish - self.links[flow.group.0 as usize].vclock).max(0.0);
                self.flows[f as usize].finish = remaining;
            }
            self.flows[f as usize].frozen = false;
        }
        // Progressive filling over the component's links.
        let mut heap = BinaryHeap::new();
        for &l in &comp_links {
            let link = &mut self.links[l as usize];
            link.version = link.version.wrapping_add(1);
            link.group.clear();
            link.vclock = 0.0;
            link.rate_bps = 0.0;
            if let Some(c) = link.capacity_bps {
                link.left_bps = c;
                link.unfrozen = link.flows.len() as u32;
                if link.unfrozen > 0 {
                    heap.push(Share(c / f64::from(link.unfrozen), l, link.version));
                }
            }
        }
        let mut members: Vec<FlowId> = Vec::new();
        while let Some(Share(share, l, version)) = heap.pop() {
            if self.links[l as usize].version != version || self.links[l as usize].unfrozen == 0 {
                continue;
            }
            let share = share.max(0.0);
            self.links[l as usize].rate_bps = share;
            members.clear();
            members.extend(self.links[l as usize].flows.iter().copied());
            for &f in &members {
                let flow = &mut self.flows[f.0 as usize];
                if flow.frozen {
                    continue;
                }
                flow.frozen = true;
                flow.group = LinkId(l);
                let finish = flow.finish;
                self.links[l as usize].group.insert((Ordf(finish), f));
                for i in 0..self.flows[f.0 as usize].links.len() {
                    let other = self.flows[f.0 as usize].links[i];
                    let link = &mut self.links[other.0 as usize];
                    if link.capacity_bps.is_none() {
                        continue;
                    }
                    link.unfrozen -= 1;
                    link.left_bps = (link.left_bps - share).max(0.0);
                    link.version = link.version.wrapping_add(1);
                    if other.0 != l && link.unfrozen > 0 {
                        heap.push(Share(link.left_bps / f64::from(link.unfrozen), other.0, link.version));
                    }
                }
            }
        }
        self.regime = if self.bound_holds() {
            Regime::RegistryBound
        } else if self.node_bound_holds() {
            Regime::NodeBound
        } else {
            Regime::General
        };
        let links: Vec<LinkId> = comp_links.into_iter().map(LinkId).collect();
        self.reschedule(now, &links)
    }
}

/// The rate every member of a link's group gets when the link is the bottleneck of all its flows.
fn fair_share(l: &Link) -> f64 {
    match (l.capacity_bps, l.flows.len()) {
        (_, 0) => 0.0,
        (None, _) => f64::INFINITY,
        (Some(c), n) => c / n as f64,
    }
}

/// Time to move `bits` at `rate_bps`, rounded up to the next microsecond.
fn transfer_time(bits: f64, rate_bps: f64) -> SimDuration {
    if bits <= 0.0 || rate_bps.is_infinite() {
        return SimDuration::ZERO;
    }
    if rate_bps <= 0.0 {
        return SimDuration::from_micros(u64::MAX);
    }
    let us = (bits * 1e6 / rate_bps).ceil();
    SimDuration::from_micros(if us >= u64::MAX as f64 { u64::MAX } else { us as u64 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use std::collections::BTreeMap;

    const GBPS: u64 = 1_000_000_000;

    fn t(us: u64) -> SimTime {
        SimTime::from_micros(us)
    }

    /// Drives a network the way the simulator does: an event queue of link completions.
    struct Driver<T> {
        net: Network<T>,
        due: BTreeMap<(SimTime, u32), LinkDue>,
        seq: u32,
    }

    impl<T> Driver<T> {
        fn new(net: Network<T>) -> Self {
            Driver { net, due: BTreeMap::new(), seq: 0 }
        }
        fn push(&mut self, r: Vec<LinkDue>) {
            for d in r {
                self.seq += 1;
                self.due.insert((d.at, self.seq), d);
            }
        }
        fn start(&mut self, now: SimTime, links: &[LinkId], bits: u64, p: T) -> FlowId {
            let (id, r) = self.net.start(now, links, bits, p);
            self.push(r);
            self.flush(now);
            id
        }
        /// What the simulator does at the end of an instant.
        fn flush(&mut self, now: SimTime) {
            let r = self.net.flush(now);
            self.push(r);
        }
        /// Runs completions up to and including `until`; returns (time, payload) in order.
        fn run_until(&mut self, until: SimTime) -> Vec<(SimTime, T)> {
            let mut out = Vec::new();
            while let Some((&(at, s), d)) = self.due.first_key_value() {
                if at > until {
                    break;
                }
                let d = *d;
                self.due.remove(&(at, s));
                if let Some((payloads, r)) = self.net.due(at, d.link, d.generation) {
                    out.extend(payloads.into_iter().map(|p| (at, p)));
                    self.push(r);
                }
            }
            out
        }
    }

    #[test]
    fn one_flow_takes_size_over_bandwidth() {
        let mut d = Driver::new(Network::new());
        let nic = d.net.add_link(Some(GBPS));
        d.start(t(0), &[nic], 8_000_000_000, "a");
        assert_eq!(d.run_until(t(u64::MAX)), vec![(t(8_000_000), "a")]);
    }

    #[test]
    fn equal_flows_share_a_link_and_finish_together() {
        let mut d = Driver::new(Network::new());
        let nic = d.net.add_link(Some(GBPS));
        for p in 0..3 {
            d.start(t(0), &[nic], 1_000_000_000, p);
        }
        assert_eq!(d.run_until(t(u64::MAX)), vec![(t(3_000_000), 0), (t(3_000_000), 1), (t(3_000_000), 2)]);
    }

    #[test]
    fn a_finished_flow_gives_its_share_back() {
        let mut d = Driver::new(Network::new());
        let nic = d.net.add_link(Some(GBPS));
        d.start(t(0), &[nic], 1_000_000_000, "small");
        d.start(t(0), &[nic], 3_000_000_000, "big");
        // small: 1 Gbit at 0.5 Gbps = 2 s; big then has 2 Gbit left at the full 1 Gbps.
        assert_eq!(d.run_until(t(u64::MAX)), vec![(t(2_000_000), "small"), (t(4_000_000), "big")]);
    }

    #[test]
    fn registry_bottleneck_is_shared_then_nic_limits_the_rest() {
        // Registry 1 Gbps; node A has 100 Mbps, node B and C 10 Gbps: A gets 100M, B and C 450M each.
        let mut n = Network::new();
        let reg = n.add_shared_link(Some(GBPS));
        let a = n.add_link(Some(100_000_000));
        let b = n.add_link(Some(10 * GBPS));
        let c = n.add_link(Some(10 * GBPS));
        let (fa, _) = n.start(t(0), &[reg, a], 1, ());
        let (fb, _) = n.start(t(0), &[reg, b], 1, ());
        let (fc, _) = n.start(t(0), &[reg, c], 1, ());
        n.flush(t(0));
        assert_eq!(n.rate_bps(fa), 100_000_000.0);
        assert_eq!(n.rate_bps(fb), 450_000_000.0);
        assert_eq!(n.rate_bps(fc), 450_000_000.0);
    }

    #[test]
    fn unlimited_links_complete_at_once() {
        let mut d = Driver::new(Network::new());
        let reg = d.net.add_shared_link(None);
        d.start(t(5), &[reg], 123, "a");
        d.start(t(5), &[], 123, "b");
        assert_eq!(d.run_until(t(5)), vec![(t(5), "a"), (t(5), "b")]);
    }

    #[test]
    fn an_unlimited_registry_does_not_couple_nodes() {
        let mut n = Network::new();
        let reg = n.add_shared_link(None);
        let a = n.add_link(Some(GBPS));
        let b = n.add_link(Some(GBPS));
        n.start(t(0), &[reg, a], 1_000_000_000, ());
        n.flush(t(0));
        let (_, mut r) = n.start(t(0), &[reg, b], 1_000_000_000, ());
        r.extend(n.flush(t(0)));
        assert_eq!(r, vec![LinkDue { link: b, generation: 1, at: t(1_000_000) }], "only node b's link moves");
    }

    #[test]
    fn flows_starting_together_are_rated_once_at_the_flush() {
        let mut n = Network::new();
        let nic = n.add_link(Some(GBPS));
        for i in 0..10 {
            let (_, r) = n.start(t(0), &[nic], 1_000_000_000, i);
            assert!(r.is_empty() && n.needs_flush());
        }
        let r = n.flush(t(0));
        assert!(!n.needs_flush());
        assert_eq!(r, vec![LinkDue { link: nic, generation: 1, at: t(10_000_000) }]);
        assert_eq!((n.stats().full_updates, n.stats().flows_rerated), (1, 10));
    }

    #[test]
    fn a_saturated_registry_takes_the_fast_path() {
        // 10 Gbps registry, 1,000 nodes of 10 Gbps: 10 Mbps per flow, far below any NIC.
        let mut d = Driver::new(Network::new());
        let reg = d.net.add_shared_link(Some(10 * GBPS));
        let nodes: Vec<_> = (0..1000).map(|_| d.net.add_link(Some(10 * GBPS))).collect();
        for (i, n) in nodes.iter().enumerate() {
            d.start(t(0), &[reg, *n], 10_000_000 * (1 + i as u64 % 3), i);
        }
        let stats = d.net.stats();
        assert!(stats.fast_updates >= 990, "{stats:?}");
        let done = d.run_until(t(u64::MAX));
        assert_eq!(done.len(), 1000);
        // 334 flows of 10 Mbit, 333 of 20, 333 of 30: the first group ends when 1000 x 10 Mbit went through.
        assert_eq!(done[0].0, t(1_000_000));
        assert!(d.net.stats().full_updates < 20, "{:?}", d.net.stats());
    }

    #[test]
    fn a_fat_registry_takes_the_node_fast_path() {
        // 100 Gbps registry, 200 nodes of 1 Gbps with 1-3 flows each: every node is the bottleneck.
        let mut d = Driver::new(Network::new());
        let reg = d.net.add_shared_link(Some(1_000 * GBPS));
        let nodes: Vec<_> = (0..200).map(|_| d.net.add_link(Some(GBPS))).collect();
        let mut first = None;
        for (i, n) in nodes.iter().enumerate() {
            for j in 0..=(i % 3) {
                let f = d.start(t(0), &[reg, *n], 1_000_000_000, (i, j));
                first.get_or_insert(f);
            }
        }
        let stats = d.net.stats();
        assert!(stats.fast_updates >= 390 && stats.full_updates <= 10, "{stats:?}");
        assert_eq!(d.net.rate_bps(first.unwrap()), 1_000_000_000.0, "the first node has one flow");
        let done = d.run_until(t(u64::MAX));
        assert_eq!(done.len(), 399);
        // One flow per node: 1 s; two: 2 s; three: 3 s.
        assert_eq!((done[0].0, done[398].0), (t(1_000_000), t(3_000_000)));
        assert!(d.net.stats().full_updates <= 10, "{:?}", d.net.stats());
    }

    /// Naive max-min by progressive filling over all flows: the shadow model.
    fn reference_rates(caps: &[Option<f64>], flows: &[Vec<usize>]) -> Vec<f64> {
        let mut rate = vec![f64::INFINITY; flows.len()];
        let mut frozen = vec![false; flows.len()];
        let mut left: Vec<f64> = caps.iter().map(|c| c.unwrap_or(f64::INFINITY)).collect();
        loop {
            let mut best: Option<(f64, usize)> = None;
            for (l, cap) in caps.iter().enumerate() {
                if cap.is_none() {
                    continue;
                }
                let n = flows.iter().enumerate().filter(|(i, ls)| !frozen[*i] && ls.contains(&l)).count();
                if n > 0 {
                    let share = left[l] / n as f64;
                    if best.is_none_or(|(s, _)| share < s) {
                        best = Some((share, l));
                    }
                }
            }
            let Some((share, l)) = best else { break };
            for (i, ls) in flows.iter().enumerate() {
                if !frozen[i] && ls.contains(&l) {
                    frozen[i] = true;
                    rate[i] = share;
                    for o in ls {
                        left[*o] -= share;
                    }
                }
            }
        }
        rate
    }

    /// Random starts and completions on random topologies, fast path included: after every change the rates
    /// equal a from-scratch progressive filling.
    #[test]
    fn rates_match_a_from_scratch_progressive_filling_at_every_step() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let (mut fast, mut full) = (0, 0);
        for round in 0..60 {
            let mut d = Driver::new(Network::new());
            let mut caps = vec![None];
            // Every third round has fat registries, so that nodes are the bottleneck (the node-bound regime).
            let fat = if round % 3 == 0 { 100 } else { 1 };
            let regs: Vec<_> = (0..rng.random_range(1..4))
                .map(|_| {
                    let c = (!rng.random_bool(0.15)).then(|| rng.random_range(1..50) * 100_000_000 * fat);
                    caps.push(c.map(|c| c as f64));
                    d.net.add_shared_link(c)
                })
                .collect();
            let nodes: Vec<_> = (0..rng.random_range(1..12))
                .map(|_| {
                    let c = rng.random_range(1..20) * 100_000_000;
                    caps.push(Some(c as f64));
                    d.net.add_link(Some(c))
                })
                .collect();
            let mut live: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
            let mut now = 0u64;
            for step in 0..80 {
                if rng.random_bool(0.6) {
                    // One to four flows start in the same instant, rated together at its end.
                    for _ in 0..rng.random_range(1..5) {
                        let r = regs[rng.random_range(0..regs.len())];
                        let n = nodes[rng.random_range(0..nodes.len())];
                        let links = if rng.random_bool(0.1) { vec![n] } else { vec![r, n] };
                        let bits = rng.random_range(1..2_000) * 1_000_000;
                        let (id, due) = d.net.start(t(now), &links, bits, step);
                        d.push(due);
                        live.insert(id.0 as usize, links.iter().map(|l| l.0 as usize).collect());
                    }
                    d.flush(t(now));
                } else {
                    now += rng.random_range(0..3_000_000);
                    for (_, _) in d.run_until(t(now)) {}
                    live.retain(|f, _| d.net.flows[*f].payload.is_some());
                }
                let ids: Vec<usize> = live.keys().copied().collect();
                let flows: Vec<Vec<usize>> = live.values().cloned().collect();
                let want = reference_rates(&caps, &flows);
                for (i, f) in ids.iter().enumerate() {
                    let got = d.net.rate_bps(FlowId(*f as u32));
                    let ok = (got - want[i]).abs() <= 1e-6 * want[i].max(1.0)
                        || (got.is_infinite() && want[i].is_infinite());
                    assert!(ok, "round {round} step {step}: flow {f} rate {got}, max-min {}", want[i]);
                }
            }
            fast += d.net.stats().fast_updates;
            full += d.net.stats().full_updates;
        }
        assert!(fast > 100 && full > 100, "both paths exercised: {fast} fast, {full} full");
    }
}
