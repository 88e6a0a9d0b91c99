//! Network bandwidth shared max-min fairly. Each transfer (a layer download, an unpack) is a flow over one or
//! two links — a registry's egress, a node's NIC, a node's disk — and gets the max-min fair rate found by
//! progressive filling: the link with the smallest fair share is saturated first, its flows frozen at that
//! share, and the rest refilled. A change only re-rates the connected component of finite links it touches
//! (an unlimited link joins nothing), and a flow whose rate did not change keeps its scheduled completion
//! (its generation stays the same).

use crate::engine::{SimDuration, SimTime};
use std::cmp::Ordering;
use std::collections::{BTreeSet, BinaryHeap};

/// A link: a registry's egress, a node's NIC or a node's disk write path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkId(pub u32);

/// A transfer in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FlowId(pub u32);

#[derive(Debug, Clone)]
struct Link {
    capacity_bps: Option<f64>,
    flows: BTreeSet<FlowId>,
    /// Scratch for progressive filling.
    left_bps: f64,
    unfrozen: u32,
    version: u32,
    mark: u32,
}

#[derive(Debug, Clone)]
struct Flow<T> {
    links: Vec<LinkId>,
    remaining_bits: f64,
    rate_bps: f64,
    last_update: SimTime,
    generation: u32,
    frozen: bool,
    mark: u32,
    payload: Option<T>,
}

/// A flow whose completion time changed: schedule a completion event for (`flow`, `generation`) at `at`;
/// events carrying an older generation are stale and must be ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reschedule {
    /// The flow.
    pub flow: FlowId,
    /// Its generation after the change.
    pub generation: u32,
    /// When it will finish at its new rate.
    pub at: SimTime,
}

/// All links and flows of one run, carrying a payload `T` per flow (what the transfer is for).
#[derive(Debug, Clone)]
pub struct Network<T> {
    links: Vec<Link>,
    flows: Vec<Flow<T>>,
    free: Vec<u32>,
    mark: u32,
    active: usize,
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

impl<T> Network<T> {
    /// An empty network.
    pub fn new() -> Self {
        Network { links: Vec::new(), flows: Vec::new(), free: Vec::new(), mark: 0, active: 0 }
    }

    /// Adds a link of `capacity_bps` bits per second (`None` = unlimited).
    pub fn add_link(&mut self, capacity_bps: Option<u64>) -> LinkId {
        let id = LinkId(self.links.len() as u32);
        self.links.push(Link {
            capacity_bps: capacity_bps.map(|c| c as f64),
            flows: BTreeSet::new(),
            left_bps: 0.0,
            unfrozen: 0,
            version: 0,
            mark: 0,
        });
        id
    }

    /// Flows in progress.
    pub fn active_flows(&self) -> usize {
        self.active
    }

    /// The current rate of `flow` in bits per second.
    pub fn rate_bps(&self, flow: FlowId) -> f64 {
        self.flows[flow.0 as usize].rate_bps
    }

    /// Starts a transfer of `bits` over `links` at `now`. Returns its id and every flow (itself included)
    /// whose completion time changed.
    pub fn start(&mut self, now: SimTime, links: &[LinkId], bits: u64, payload: T) -> (FlowId, Vec<Reschedule>) {
        let flow = Flow {
            links: links.to_vec(),
            remaining_bits: bits as f64,
            rate_bps: f64::NAN,
            last_update: now,
            generation: 0,
            frozen: false,
            mark: 0,
            payload: Some(payload),
        };
        let id = match self.free.pop() {
            Some(i) => {
                let generation = self.flows[i as usize].generation;
                self.flows[i as usize] = Flow { generation, ..flow };
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
        self.active += 1;
        if links.iter().all(|l| self.links[l.0 as usize].capacity_bps.is_none()) {
            // No finite link constrains it: it completes at once.
            let f = &mut self.flows[id.0 as usize];
            f.rate_bps = f64::INFINITY;
            return (id, vec![Reschedule { flow: id, generation: f.generation, at: now }]);
        }
        let out = self.rerate(now, links);
        (id, out)
    }

    /// A completion event for (`flow`, `generation`) fired at `now`. Returns `None` if the event is stale;
    /// otherwise removes the flow and returns its payload and the flows whose completion time changed.
    pub fn complete(&mut self, now: SimTime, flow: FlowId, generation: u32) -> Option<(T, Vec<Reschedule>)> {
        let f = self.flows.get_mut(flow.0 as usize)?;
        if f.generation != generation || f.payload.is_none() {
            return None;
        }
        let payload = f.payload.take()?;
        f.generation = f.generation.wrapping_add(1);
        let links = std::mem::take(&mut f.links);
        for l in &links {
            self.links[l.0 as usize].flows.remove(&flow);
        }
        self.free.push(flow.0);
        self.active -= 1;
        let out = self.rerate(now, &links);
        Some((payload, out))
    }

    /// Re-rates the component reachable from `seeds` by progressive filling.
    fn rerate(&mut self, now: SimTime, seeds: &[LinkId]) -> Vec<Reschedule> {
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
        comp_flows.sort_unstable();
        // Advance every flow of the component to `now` at its old rate.
        let mut old_rates = Vec::with_capacity(comp_flows.len());
        for &f in &comp_flows {
            let flow = &mut self.flows[f as usize];
            if flow.rate_bps.is_finite() {
                let dt = now.since(flow.last_update).as_micros() as f64 / 1e6;
                flow.remaining_bits = (flow.remaining_bits - flow.rate_bps * dt).max(0.0);
            }
            flow.last_update = now;
            flow.frozen = false;
            old_rates.push(flow.rate_bps);
            flow.rate_bps = f64::INFINITY;
        }
        // Progressive filling over the finite links.
        let mut heap = BinaryHeap::new();
        for &l in &comp_links {
            let link = &mut self.links[l as usize];
            link.version = link.version.wrapping_add(1);
            if let Some(c) = link.capacity_bps {
                link.left_bps = c;
                link.unfrozen = link.flows.len() as u32;
                if link.unfrozen > 0 {
                    heap.push(Share(c / f64::from(link.unfrozen), l, link.version));
                }
            }
        }
        while let Some(Share(share, l, version)) = heap.pop() {
            if self.links[l as usize].version != version || self.links[l as usize].unfrozen == 0 {
                continue;
            }
            let share = share.max(0.0);
            let flows: Vec<FlowId> = self.links[l as usize].flows.iter().copied().collect();
            for f in flows {
                let flow = &mut self.flows[f.0 as usize];
                if flow.frozen {
                    continue;
                }
                flow.frozen = true;
                flow.rate_bps = share;
                for other in flow.links.clone() {
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
        let mut out = Vec::new();
        for (&f, old) in comp_flows.iter().zip(old_rates) {
            let flow = &mut self.flows[f as usize];
            if flow.rate_bps == old {
                continue;
            }
            if !old.is_nan() {
                flow.generation = flow.generation.wrapping_add(1);
            }
            let at = now + transfer_time(flow.remaining_bits, flow.rate_bps);
            out.push(Reschedule { flow: FlowId(f), generation: flow.generation, at });
        }
        out
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

    const GBPS: u64 = 1_000_000_000;

    fn t(us: u64) -> SimTime {
        SimTime::from_micros(us)
    }

    #[test]
    fn one_flow_takes_size_over_bandwidth() {
        let mut n = Network::new();
        let nic = n.add_link(Some(GBPS));
        let (_, r) = n.start(t(0), &[nic], 8_000_000_000, ());
        assert_eq!(r[0].at, t(8_000_000));
    }

    #[test]
    fn equal_flows_share_a_link_and_finish_together() {
        let mut n = Network::new();
        let nic = n.add_link(Some(GBPS));
        let mut last = Vec::new();
        for _ in 0..3 {
            last = n.start(t(0), &[nic], 1_000_000_000, ()).1;
        }
        assert_eq!(last.len(), 3);
        assert!(last.iter().all(|r| r.at == t(3_000_000)));
    }

    #[test]
    fn a_finished_flow_gives_its_share_back() {
        let mut n = Network::new();
        let nic = n.add_link(Some(GBPS));
        let (a, _) = n.start(t(0), &[nic], 1_000_000_000, "small");
        let (_, r) = n.start(t(0), &[nic], 3_000_000_000, "big");
        let small = r.iter().find(|x| x.flow == a).unwrap();
        assert_eq!(small.at, t(2_000_000));
        let (p, r) = n.complete(small.at, a, small.generation).unwrap();
        assert_eq!(p, "small");
        // big moved 1 Gbit in 2 s, has 2 Gbit left at the full 1 Gbps.
        assert_eq!(r[0].at, t(4_000_000));
        assert!(n.complete(t(9), a, small.generation).is_none(), "a stale event is ignored");
    }

    #[test]
    fn registry_bottleneck_is_shared_then_nic_limits_the_rest() {
        // Registry 1 Gbps; node A has 100 Mbps, node B and C 10 Gbps: A gets 100M, B and C 450M each.
        let mut n = Network::new();
        let reg = n.add_link(Some(GBPS));
        let a = n.add_link(Some(100_000_000));
        let b = n.add_link(Some(10 * GBPS));
        let c = n.add_link(Some(10 * GBPS));
        let (fa, _) = n.start(t(0), &[reg, a], 1, ());
        let (fb, _) = n.start(t(0), &[reg, b], 1, ());
        let (fc, _) = n.start(t(0), &[reg, c], 1, ());
        assert_eq!(n.rate_bps(fa), 100_000_000.0);
        assert_eq!(n.rate_bps(fb), 450_000_000.0);
        assert_eq!(n.rate_bps(fc), 450_000_000.0);
    }

    #[test]
    fn unlimited_links_complete_at_once() {
        let mut n = Network::new();
        let reg = n.add_link(None);
        let (_, r) = n.start(t(5), &[reg], 123, ());
        assert_eq!(r[0].at, t(5));
        let (_, r) = n.start(t(5), &[], 123, ());
        assert_eq!(r[0].at, t(5));
    }

    #[test]
    fn an_unlimited_registry_does_not_couple_nodes() {
        let mut n = Network::new();
        let reg = n.add_link(None);
        let a = n.add_link(Some(GBPS));
        let b = n.add_link(Some(GBPS));
        n.start(t(0), &[reg, a], 1_000_000_000, ());
        let (_, r) = n.start(t(0), &[reg, b], 1_000_000_000, ());
        assert_eq!(r.len(), 1, "starting a flow on node b re-rates only node b's flows");
        assert_eq!(r[0].at, t(1_000_000));
    }

    /// Max-min fairness, checked on random topologies: rates are feasible on every link, and every flow
    /// has a bottleneck — a saturated link on which no other flow gets more.
    #[test]
    fn random_topologies_are_max_min_fair() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for _ in 0..300 {
            let mut n = Network::new();
            let regs: Vec<_> =
                (0..rng.random_range(1..4)).map(|_| n.add_link(Some(rng.random_range(1..50) * 100_000_000))).collect();
            let nodes: Vec<_> =
                (0..rng.random_range(1..8)).map(|_| n.add_link(Some(rng.random_range(1..20) * 100_000_000))).collect();
            let mut flows = Vec::new();
            for _ in 0..rng.random_range(1..30) {
                let r = regs[rng.random_range(0..regs.len())];
                let d = nodes[rng.random_range(0..nodes.len())];
                flows.push((n.start(t(0), &[r, d], 1 << 40, ()).0, [r, d]));
            }
            let load = |l: LinkId| -> f64 {
                flows.iter().filter(|(_, ls)| ls.contains(&l)).map(|(f, _)| n.rate_bps(*f)).sum()
            };
            for l in regs.iter().chain(&nodes) {
                let cap = n.links[l.0 as usize].capacity_bps.unwrap();
                assert!(load(*l) <= cap * (1.0 + 1e-9), "link over capacity");
            }
            for (f, ls) in &flows {
                let rate = n.rate_bps(*f);
                assert!(rate > 0.0);
                let has_bottleneck = ls.iter().any(|l| {
                    let cap = n.links[l.0 as usize].capacity_bps.unwrap();
                    let saturated = load(*l) >= cap * (1.0 - 1e-9);
                    let max_on_link =
                        flows.iter().filter(|(_, o)| o.contains(l)).map(|(g, _)| n.rate_bps(*g)).fold(0.0, f64::max);
                    saturated && rate >= max_on_link * (1.0 - 1e-9)
                });
                assert!(has_bottleneck, "flow {f:?} at {rate} has no bottleneck");
            }
        }
    }
}
