//! What the charts plot, derived from a run's trace by replaying it: latency samples and CDF points, pods by
//! phase over time, running containers by digest over time, tag pushes and rollouts, and the pulls of one node
//! as Gantt bars. Pure functions of a [`RunOutput`]; the drawing is in `charts/`.

use crate::engine::SimTime;
use crate::model::spec::{ImageId, WorkloadId};
use crate::model::trace::{NodeId, PodId, PullFailure, PullId, TraceKind};
use crate::model::RunOutput;
use std::collections::BTreeMap;

/// Most points kept per time series or CDF line, so that charts stay small at fleet scale.
pub const MAX_POINTS: usize = 2000;

/// Most pulls one Gantt chart shows.
pub const MAX_GANTT_PULLS: usize = 200;

/// Queued -> completed of every successful pull, in microseconds, in completion order.
pub fn pull_latencies_us(out: &RunOutput) -> Vec<u64> {
    out.trace
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::PullCompleted { including_waiting, .. } => Some(including_waiting.as_micros()),
            _ => None,
        })
        .collect()
}

/// Created -> running of every pod that got there, in microseconds, in the order they started.
pub fn pod_start_latencies_us(out: &RunOutput) -> Vec<u64> {
    out.trace
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::PodRunning { pod } => Some(e.t.since(out.world.pods[pod.0 as usize].created).as_micros()),
            _ => None,
        })
        .collect()
}

/// The empirical CDF of `values_us` as points (value in ms, fraction of values <= it): one point per distinct
/// value, ascending. With more than `max_points` distinct values, evenly spaced ones are kept, always the
/// first and the last.
pub fn cdf(values_us: &[u64], max_points: usize) -> Vec<(f64, f64)> {
    let mut v = values_us.to_vec();
    v.sort_unstable();
    let n = v.len() as f64;
    let mut points: Vec<(f64, f64)> = Vec::new();
    for (i, x) in v.iter().enumerate() {
        let last_of_run = v.get(i + 1) != Some(x);
        if last_of_run {
            points.push((*x as f64 / 1000.0, (i + 1) as f64 / n));
        }
    }
    thin(points, max_points)
}

/// Keeps at most `max` evenly spaced items of `items` (by index), the first and last included.
pub fn thin<T: Clone>(items: Vec<T>, max: usize) -> Vec<T> {
    if items.len() <= max || max < 2 {
        return items;
    }
    let last = items.len() - 1;
    (0..max).map(|k| items[k * last / (max - 1)].clone()).collect()
}

/// Samples a step series (value from each point's time until the next point's) at `max` evenly spaced
/// instants from 0 to `end`, when it has more than `max` points; otherwise returns it unchanged. Before its
/// first point the series is `T::default()`.
pub fn sample_steps<T: Clone + Default>(series: Vec<(SimTime, T)>, end: SimTime, max: usize) -> Vec<(SimTime, T)> {
    if series.len() <= max || max < 2 {
        return series;
    }
    let end = end.as_micros();
    let mut out = Vec::with_capacity(max);
    let mut i = 0usize;
    let mut current = T::default();
    for k in 0..max as u64 {
        let t = SimTime::from_micros(end / (max as u64 - 1) * k + end % (max as u64 - 1) * k / (max as u64 - 1));
        while i < series.len() && series[i].0 <= t {
            current = series[i].1.clone();
            i += 1;
        }
        out.push((t, current.clone()));
    }
    out
}

/// Live pods in each phase.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PhaseCounts {
    /// Pending or ContainerCreating: waiting for a node, a pull or a retry, with no image error showing.
    pub pending: u32,
    /// ErrImagePull, ImagePullBackOff, ErrImageNeverPull or InvalidImageName: the last image event of one of
    /// the pod's containers was a failure or a refusal.
    pub failing: u32,
    /// Every container started.
    pub running: u32,
}

impl PhaseCounts {
    fn slot(&mut self, phase: Phase) -> Option<&mut u32> {
        match phase {
            Phase::Gone => None,
            Phase::Pending => Some(&mut self.pending),
            Phase::Failing => Some(&mut self.failing),
            Phase::Running => Some(&mut self.running),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Gone,
    Pending,
    Failing,
    Running,
}

/// What one trace event does to a pod.
enum Op {
    Created,
    Deleted,
    Running,
    Failing(u32, bool),
}

/// Per-pod replay state.
#[derive(Default, Clone)]
struct PodReplay {
    created: bool,
    deleted: bool,
    running: bool,
    /// Containers (start order) whose last image event was a failure or refusal.
    failing: Vec<bool>,
}

impl PodReplay {
    fn phase(&self) -> Phase {
        if !self.created || self.deleted {
            Phase::Gone
        } else if self.running {
            Phase::Running
        } else if self.failing.iter().any(|f| *f) {
            Phase::Failing
        } else {
            Phase::Pending
        }
    }
    fn set_failing(&mut self, container: u32, failing: bool) {
        let i = container as usize;
        if self.failing.len() <= i {
            self.failing.resize(i + 1, false);
        }
        self.failing[i] = failing;
    }
}

/// Live pods by phase after every instant at which they changed, starting with all zeros at time 0. Replays
/// the trace: a pod is pending from `pod_created`, failing while the last image event (pull queued, started,
/// completed or failed, backoff, image present or never-pull, invalid name, container started) of one of its
/// containers is a failure or a refusal, running from `pod_running`, and gone from `pod_deleted`.
pub fn phases(out: &RunOutput) -> Vec<(SimTime, PhaseCounts)> {
    let w = &out.world;
    let mut pods = vec![PodReplay::default(); w.pods.len()];
    let mut counts = PhaseCounts::default();
    let mut series = vec![(SimTime::ZERO, counts)];
    let pull_target = |pull: &PullId| {
        let p = &w.pulls[pull.0 as usize];
        (p.pod, p.container)
    };
    for e in &out.trace {
        let (pod, op) = match &e.kind {
            TraceKind::PodCreated { pod } => (*pod, Op::Created),
            TraceKind::PodDeleted { pod } => (*pod, Op::Deleted),
            TraceKind::PodRunning { pod } => (*pod, Op::Running),
            TraceKind::PullQueued { pull }
            | TraceKind::PullStarted { pull }
            | TraceKind::PullCompleted { pull, .. } => {
                let (pod, c) = pull_target(pull);
                (pod, Op::Failing(c, false))
            }
            TraceKind::PullFailed { pull, failure } => {
                let (pod, c) = pull_target(pull);
                (pod, Op::Failing(c, *failure != PullFailure::Cancelled))
            }
            TraceKind::Backoff { pod, container, .. }
            | TraceKind::ImageNeverPull { pod, container }
            | TraceKind::InvalidImageName { pod, container } => (*pod, Op::Failing(*container, true)),
            TraceKind::ImagePresent { pod, container, .. } | TraceKind::ContainerStarted { pod, container, .. } => {
                (*pod, Op::Failing(*container, false))
            }
            _ => continue,
        };
        let p = &mut pods[pod.0 as usize];
        let before = p.phase();
        match op {
            Op::Created => p.created = true,
            Op::Deleted => p.deleted = true,
            Op::Running => p.running = true,
            Op::Failing(c, failing) => p.set_failing(c, failing),
        }
        let after = p.phase();
        if before == after {
            continue;
        }
        if let Some(slot) = counts.slot(before) {
            *slot -= 1;
        }
        if let Some(slot) = counts.slot(after) {
            *slot += 1;
        }
        push_step(&mut series, e.t, counts);
    }
    series
}

/// Appends `(t, v)`, replacing the last point when it is at the same instant.
fn push_step<T>(series: &mut Vec<(SimTime, T)>, t: SimTime, v: T) {
    match series.last_mut() {
        Some(last) if last.0 == t => last.1 = v,
        _ => series.push((t, v)),
    }
}

/// One line of a workload's digest chart: an app container running one manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestKey {
    /// App container name.
    pub container: String,
    /// The manifest.
    pub image: ImageId,
}

/// Running app containers of one workload by (container, manifest) over time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DigestSeries {
    /// The lines, in the order they first ran.
    pub keys: Vec<DigestKey>,
    /// After every instant at which a count changed: the count per key (as long as `keys`), starting with
    /// all zeros at time 0.
    pub points: Vec<(SimTime, Vec<u32>)>,
}

/// For every workload (by id), its running app containers by digest over time: `container_started` of an app
/// container adds one, `pod_deleted` removes the pod's started app containers. Init containers are not counted.
pub fn digests(out: &RunOutput) -> Vec<DigestSeries> {
    let w = &out.world;
    let mut series: Vec<DigestSeries> = vec![DigestSeries::default(); w.workloads.len()];
    let mut counts: Vec<Vec<u32>> = vec![Vec::new(); w.workloads.len()];
    for s in &mut series {
        s.points.push((SimTime::ZERO, Vec::new()));
    }
    // Pod -> indexes (into its workload's keys) of its started app containers.
    let mut started: BTreeMap<PodId, Vec<usize>> = BTreeMap::new();
    for e in &out.trace {
        let (wl, changed) = match &e.kind {
            TraceKind::ContainerStarted { pod, container, image } => {
                let template = w.template(*pod);
                if template.is_init(*container as usize) {
                    continue;
                }
                let wl = w.pods[pod.0 as usize].workload.0 as usize;
                let key = DigestKey { container: template.container(*container as usize).name.clone(), image: *image };
                let s = &mut series[wl];
                let k = match s.keys.iter().position(|x| *x == key) {
                    Some(k) => k,
                    None => {
                        s.keys.push(key);
                        counts[wl].push(0);
                        s.keys.len() - 1
                    }
                };
                counts[wl][k] += 1;
                started.entry(*pod).or_default().push(k);
                (wl, true)
            }
            TraceKind::PodDeleted { pod } => {
                let wl = w.pods[pod.0 as usize].workload.0 as usize;
                let ks = started.remove(pod).unwrap_or_default();
                for k in &ks {
                    counts[wl][*k] -= 1;
                }
                (wl, !ks.is_empty())
            }
            _ => continue,
        };
        if changed {
            push_step(&mut series[wl].points, e.t, counts[wl].clone());
        }
    }
    for (s, c) in series.iter_mut().zip(&counts) {
        for p in &mut s.points {
            p.1.resize(c.len(), 0);
        }
    }
    series
}

/// A mark on a workload's digest chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// When.
    pub t: SimTime,
    /// What, e.g. `push team/app:latest -> app-v2` or `setImage app -> team/app:v2`.
    pub label: String,
}

/// Tag pushes (`tag_pushed`) to a repository that one of the workload's templates (any revision) pulls
/// from, and the workload's rollouts (`image_updated`), in time order.
pub fn markers(out: &RunOutput, workload: WorkloadId) -> Vec<Marker> {
    let w = &out.world;
    let wl = &w.workloads[workload.0 as usize];
    let mut repos: Vec<(String, String)> = Vec::new();
    for rev in &wl.revisions {
        for c in rev.in_start_order() {
            if let Ok(r) = &c.parsed {
                repos.push((r.registry.clone(), r.repository.clone()));
            }
        }
    }
    let mut marks = Vec::new();
    for e in &out.trace {
        match &e.kind {
            TraceKind::TagPushed { registry, repository, tag, image } => {
                let host = &w.registries[registry.0 as usize].host;
                if repos.iter().any(|(h, r)| h == host && r == repository) {
                    let name = &w.spec.images[image.0 as usize].name;
                    marks.push(Marker { t: e.t, label: format!("push {repository}:{tag} \u{2192} {name}") });
                }
            }
            TraceKind::ImageUpdated { workload: id, container, image } if *id == workload => {
                let short = image.rsplit_once('/').map_or(image.as_str(), |(_, s)| s);
                marks.push(Marker { t: e.t, label: format!("setImage {container} \u{2192} {short}") });
            }
            TraceKind::PullPolicyUpdated { workload: id, container, policy } if *id == workload => {
                marks.push(Marker { t: e.t, label: format!("policy {container} \u{2192} {}", policy.as_str()) });
            }
            _ => {}
        }
    }
    marks
}

/// How a pull ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullOutcome {
    /// `pull_completed`.
    Completed,
    /// `pull_failed`.
    Failed(PullFailure),
    /// `pull_cancelled`: its pod was deleted.
    Cancelled,
    /// Still queued or running when the run ended.
    Unfinished,
}

/// One pull on a node's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GanttBar {
    /// The pull.
    pub pull: PullId,
    /// Its pod.
    pub pod: PodId,
    /// Container index in start order.
    pub container: u32,
    /// Handed to the puller.
    pub queued: SimTime,
    /// Started by the puller.
    pub started: Option<SimTime>,
    /// Its last needed layer finished downloading.
    pub downloaded: Option<SimTime>,
    /// Completed, failed or cancelled; the run's end if unfinished.
    pub end: SimTime,
    /// How it ended.
    pub outcome: PullOutcome,
}

/// A stretch of a Gantt bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Queued, waiting for a puller slot.
    Waiting,
    /// Manifest request and layer downloads.
    Transferring,
    /// Unpacking after the last download, until completion.
    Unpacking,
}

impl GanttBar {
    /// The non-empty stretches of the bar in time order: waiting (queued -> started), transferring
    /// (started -> downloaded, or -> end when nothing was downloaded), unpacking (downloaded -> end).
    pub fn stages(&self) -> Vec<(Stage, SimTime, SimTime)> {
        let started = self.started.unwrap_or(self.end).min(self.end);
        let downloaded = self.downloaded.unwrap_or(self.end).clamp(started, self.end);
        [
            (Stage::Waiting, self.queued, started),
            (Stage::Transferring, started, downloaded),
            (Stage::Unpacking, downloaded, self.end),
        ]
        .into_iter()
        .filter(|(_, a, b)| b > a)
        .collect()
    }
}

/// Pulls queued on each node (by node id).
pub fn pulls_per_node(out: &RunOutput) -> Vec<u32> {
    let mut n = vec![0u32; out.world.nodes.len()];
    for p in &out.world.pulls {
        n[p.node.0 as usize] += 1;
    }
    n
}

/// The node with the most pulls; ties go to the first in node order; `None` without nodes.
pub fn busiest_node(out: &RunOutput) -> Option<NodeId> {
    let counts = pulls_per_node(out);
    let best = counts.iter().copied().max()?;
    counts.iter().position(|c| *c == best).map(|i| NodeId(i as u32))
}

/// Every pull of `node`, in the order they were queued.
pub fn gantt(out: &RunOutput, node: NodeId) -> Vec<GanttBar> {
    let w = &out.world;
    let mut ends: BTreeMap<PullId, (SimTime, PullOutcome)> = BTreeMap::new();
    for e in &out.trace {
        let (pull, outcome) = match &e.kind {
            TraceKind::PullCompleted { pull, .. } => (*pull, PullOutcome::Completed),
            TraceKind::PullFailed { pull, failure } => (*pull, PullOutcome::Failed(*failure)),
            TraceKind::PullCancelled { pull } => (*pull, PullOutcome::Cancelled),
            _ => continue,
        };
        if w.pulls[pull.0 as usize].node == node {
            ends.insert(pull, (e.t, outcome));
        }
    }
    w.pulls
        .iter()
        .enumerate()
        .filter(|(_, p)| p.node == node)
        .map(|(i, p)| {
            let id = PullId(i as u32);
            let (end, outcome) = ends.get(&id).copied().unwrap_or((out.end.max(p.queued), PullOutcome::Unfinished));
            GanttBar {
                pull: id,
                pod: p.pod,
                container: p.container,
                queued: p.queued,
                started: p.started,
                downloaded: p.downloaded_at,
                end,
                outcome,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model;

    fn run(yaml: &str, variant: usize) -> RunOutput {
        let s = crate::scenario::parse("inline.yaml", yaml).unwrap_or_else(|e| panic!("{e}"));
        model::run(&s.variants[variant].spec)
    }

    const MS: u64 = 1000;

    /// One node, two pods of a 10 MiB image behind a serial puller on an 80 Mbps NIC (about 1.3 s per pull),
    /// a second workload whose tag exists only from 5 s on (failures, backoff, then success), and a push of a
    /// new manifest at 20 s followed by a scale-up.
    const SMALL: &str = r#"
apiVersion: pullsim/v1
kind: Scenario
metadata: {name: small}
spec:
  seed: 3
  duration: 2m
  layers: {base: 10MiB, v2: 1MiB}
  images:
    app-v1: {layers: [base]}
    app-v2: {layers: [base, v2]}
  registries:
    reg.example.com:
      latency: 0s
      repositories:
        team/app: {tags: {v1: app-v1}}
        team/late: {tags: {}}
  nodePools:
    pool:
      count: 1
      bandwidth: 80Mbps
      diskWrite: 40MiB/s
      kubelet: {registryPullQPS: 0}
  workloads:
    web:
      kind: Deployment
      replicas: 2
      template:
        spec:
          containers: [{name: app, image: reg.example.com/team/app:v1, imagePullPolicy: Always}]
    late:
      kind: Pod
      spec: {containers: [{name: app, image: reg.example.com/team/late:v1}]}
  timeline:
    - {at: 5s, pushTag: {image: reg.example.com/team/late:v1, manifest: app-v1}}
    - {at: 20s, pushTag: {image: reg.example.com/team/app:v1, manifest: app-v2}}
    - {at: 30s, scale: {workload: web, replicas: 3}}
"#;

    #[test]
    fn cdf_has_one_point_per_distinct_value_and_ends_at_one() {
        assert_eq!(cdf(&[3000, 1000, 1000, 2000], 100), vec![(1.0, 0.5), (2.0, 0.75), (3.0, 1.0)]);
        assert!(cdf(&[], 100).is_empty());
        let many: Vec<u64> = (1..=10_000).collect();
        let c = cdf(&many, 50);
        assert_eq!(c.len(), 50);
        assert_eq!(c[0], (0.001, 1.0 / 10_000.0));
        assert_eq!(*c.last().unwrap(), (10.0, 1.0));
        assert!(c.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1));
    }

    #[test]
    fn sampling_keeps_short_series_and_samples_long_ones() {
        let s: Vec<(SimTime, u32)> = (0..10).map(|i| (SimTime::from_micros(i * 10), i as u32)).collect();
        assert_eq!(sample_steps(s.clone(), SimTime::from_micros(100), 10), s);
        let sampled = sample_steps(s, SimTime::from_micros(100), 3);
        let at = |i: usize| (sampled[i].0.as_micros(), sampled[i].1);
        assert_eq!((at(0), at(1), at(2)), ((0, 0), (50, 5), (100, 9)));
    }

    #[test]
    fn phases_follow_pods_through_failure_backoff_and_running() {
        let out = run(SMALL, 0);
        let series = phases(&out);
        let at = |t_ms: u64| {
            series.iter().rev().find(|(t, _)| t.as_micros() <= t_ms * MS).map(|(_, c)| *c).unwrap_or_default()
        };
        // At the start: three pods created; `late` failed at once (manifest unknown), the web pods pull.
        assert_eq!(series[0], (SimTime::ZERO, PhaseCounts { pending: 2, failing: 1, running: 0 }));
        // `late` stays failing (backoff) until its retry after the tag exists.
        assert_eq!(at(3_000), PhaseCounts { pending: 0, failing: 1, running: 2 });
        assert_eq!(at(13_000).failing, 1);
        // By 20 s the two web pods (about 1 s each, serially) and `late` (retried after 5 s) all run.
        assert_eq!(at(19_000), PhaseCounts { pending: 0, failing: 0, running: 3 });
        // The scale-up at 30 s adds a pending pod that runs a little later.
        assert_eq!(at(30_000).pending, 1);
        assert_eq!(*series.last().map(|(_, c)| c).unwrap(), PhaseCounts { pending: 0, failing: 0, running: 4 });
        // Times strictly increase; totals never exceed the pods that exist.
        assert!(series.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(series.iter().all(|(_, c)| c.pending + c.failing + c.running <= 4));
    }

    #[test]
    fn digests_count_running_app_containers_per_manifest() {
        let out = run(SMALL, 0);
        let all = digests(&out);
        let id = |name: &str| out.world.spec.workloads.iter().position(|w| w.name == name).unwrap();
        let web = &all[id("web")];
        let names: Vec<&str> =
            web.keys.iter().map(|k| out.world.spec.images[k.image.0 as usize].name.as_str()).collect();
        assert_eq!(names, ["app-v1", "app-v2"]);
        assert!(web.points.iter().all(|(_, c)| c.len() == 2));
        assert_eq!(web.points.last().unwrap().1, vec![2, 1]);
        // Before the push only v1 ran.
        assert!(web.points.iter().filter(|(t, _)| t.as_micros() < 20_000 * MS).all(|(_, c)| c[1] == 0));
        assert_eq!(all[id("late")].points.last().unwrap().1, vec![1]);
        let marks = markers(&out, WorkloadId(id("web") as u32));
        assert_eq!(marks.len(), 1);
        assert_eq!(marks[0].t.as_micros(), 20_000 * MS);
        assert_eq!(marks[0].label, "push team/app:v1 \u{2192} app-v2");
    }

    #[test]
    fn gantt_bars_split_each_pull_into_waiting_transfer_and_unpack() {
        let out = run(SMALL, 0);
        assert_eq!(busiest_node(&out), Some(NodeId(0)));
        let bars = gantt(&out, NodeId(0));
        assert_eq!(bars.len(), out.world.pulls.len());
        assert!(bars.windows(2).all(|w| w[0].pull < w[1].pull && w[0].queued <= w[1].queued));
        let stages = |b: &GanttBar| b.stages().iter().map(|s| s.0).collect::<Vec<_>>();
        // Serial puller: the first web pull downloads (about 1 s at 80 Mbps) and unpacks (0.25 s at 40 MiB/s);
        // the second waits for it and then finds every layer present.
        let web: Vec<&GanttBar> =
            bars.iter().filter(|b| out.world.pods[b.pod.0 as usize].name.starts_with("web")).collect();
        assert_eq!(web[0].outcome, PullOutcome::Completed);
        assert_eq!(stages(web[0]), [Stage::Transferring, Stage::Unpacking]);
        let unpack = web[0].end.since(web[0].downloaded.unwrap());
        assert_eq!(unpack.as_micros(), 250_000);
        assert_eq!(stages(web[1]), [Stage::Waiting]);
        assert_eq!(web[1].started, Some(web[0].end));
        // Stages tile the bar.
        for b in &bars {
            let s = b.stages();
            assert!(s.windows(2).all(|w| w[0].2 == w[1].1));
            if let (Some(first), Some(last)) = (s.first(), s.last()) {
                assert_eq!((first.1, last.2), (b.queued, b.end));
            }
        }
        // `late`'s first pull failed with manifest unknown, at once.
        let late = bars.iter().find(|b| out.world.pods[b.pod.0 as usize].name == "late").unwrap();
        assert_eq!(late.outcome, PullOutcome::Failed(PullFailure::ManifestUnknown));
        assert_eq!(late.downloaded, None);
    }
}
