//! Tag drift, per workload and app container, read from the trace: how long more than one digest ran at
//! once (`mixedVersionSeconds`), what share of running pod-time ran a digest other than the one the
//! container's reference resolves to at the registry at that instant (`stalePodSecondsShare`), and, for each
//! tag push that moved a tag the workload uses, when every running pod first ran the new digest
//! (`convergence`).
//!
//! "The container's reference" is the image as the user wrote it in the workload's current template: a rollout
//! to `:v2` makes the pods still on `:v1` stale until they are replaced. A reference with a digest resolves to
//! that digest, so it is never stale; a tag resolves through the registry's tag history (the scenario's tags,
//! then each `pushTag`); a tag or host the registries do not have resolves to nothing, so whatever runs is
//! stale.

use crate::engine::SimTime;
use crate::model::image_ref::ImageRef;
use crate::model::spec::{ImageId, RegistryId, WorkloadId};
use crate::model::trace::{PodId, TraceKind};
use crate::model::world::World;
use crate::model::RunOutput;
use std::collections::BTreeMap;

/// The drift figures of one app container of one workload.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Drift {
    /// Time during which more than one digest ran at once, in microseconds.
    pub mixed_version_us: u64,
    /// Running container-time whose digest was not what the reference resolved to, in microsecond-pods.
    pub stale_pod_us: u128,
    /// All running container-time, in microsecond-pods.
    pub running_pod_us: u128,
    /// One entry per tag push that moved a tag the container's reference named at the time.
    pub convergence: Vec<Convergence>,
    /// Most distinct digests that ran at once.
    pub max_distinct_digests: u32,
    /// Distinct digests running at the end.
    pub digests_at_end: u32,
    /// Stale containers over time, as steps (each point holds until the next); filled only by
    /// [`drift_with_steps`].
    pub stale_steps: Vec<(SimTime, u32)>,
}

impl Drift {
    /// `stale_pod_us / running_pod_us`; `None` when nothing ran.
    pub fn stale_share(&self) -> Option<f64> {
        (self.running_pod_us > 0).then(|| self.stale_pod_us as f64 / self.running_pod_us as f64)
    }
}

/// When a tag moved, and when the workload first ran only the new digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Convergence {
    /// The push.
    pub push: SimTime,
    /// The first instant at or after the push with at least one running container and every running container
    /// on the new digest; `None` if that never happened within the run.
    pub converged: Option<SimTime>,
}

/// What a reference names at a registry.
#[derive(Debug, Clone, PartialEq)]
enum Target {
    /// A digest (the manifest, if any registry has it).
    Digest(Option<ImageId>),
    /// A tag of a repository (on a registry of the scenario, if any).
    Tag(Option<RegistryId>, String, String),
    /// An image name that does not parse.
    Invalid,
}

type Tags = BTreeMap<(RegistryId, String, String), ImageId>;

fn target(world: &World, image: &str) -> Target {
    match ImageRef::parse(image) {
        Err(_) => Target::Invalid,
        Ok(r) => match &r.digest {
            Some(d) => Target::Digest(world.image_by_digest.get(d).copied()),
            None => Target::Tag(
                world.registry_by_host.get(&r.registry).copied(),
                r.repository.clone(),
                r.effective_tag().unwrap_or_default().to_string(),
            ),
        },
    }
}

fn resolve(target: &Target, tags: &Tags) -> Option<ImageId> {
    match target {
        Target::Digest(image) => *image,
        Target::Tag(Some(registry), repository, tag) => {
            tags.get(&(*registry, repository.clone(), tag.clone())).copied()
        }
        Target::Tag(None, ..) | Target::Invalid => None,
    }
}

/// One app container of one workload while the trace is read.
struct Track {
    target: Target,
    resolved: Option<ImageId>,
    running: BTreeMap<ImageId, u32>,
    total: u32,
    since: SimTime,
    /// Indexes into `figures.convergence` not yet converged, with the digest they wait for.
    pending: Vec<(usize, ImageId)>,
    figures: Drift,
    /// Whether to record `figures.stale_steps`.
    steps: bool,
}

impl Track {
    /// Running containers on a digest the reference does not resolve to now.
    fn stale(&self) -> u32 {
        self.total - self.resolved.and_then(|i| self.running.get(&i)).copied().unwrap_or(0)
    }

    /// Adds the time from `since` to `t` at the current state.
    fn advance(&mut self, t: SimTime) {
        let dt = t.since(self.since).as_micros();
        if self.running.len() > 1 {
            self.figures.mixed_version_us += dt;
        }
        self.figures.stale_pod_us += u128::from(dt) * u128::from(self.stale());
        self.figures.running_pod_us += u128::from(dt) * u128::from(self.total);
        self.since = t;
    }

    /// Records the stale count after a change at `t` (one point per instant).
    fn record(&mut self, t: SimTime) {
        if !self.steps {
            return;
        }
        let stale = self.stale();
        let steps = &mut self.figures.stale_steps;
        if steps.last().is_some_and(|p| p.0 == t) {
            steps.pop();
        }
        if steps.last().is_none_or(|p| p.1 != stale) {
            steps.push((t, stale));
        }
    }

    /// Marks the pending pushes whose digest every running container now runs.
    fn check_converged(&mut self, t: SimTime) {
        let (running, total, figures) = (&self.running, self.total, &mut self.figures);
        self.pending.retain(|&(i, image)| {
            let done = total > 0 && running.get(&image) == Some(&total);
            if done {
                figures.convergence[i].converged = Some(t);
            }
            !done
        });
    }

    fn start(&mut self, t: SimTime, image: ImageId) {
        self.advance(t);
        *self.running.entry(image).or_default() += 1;
        self.total += 1;
        self.figures.max_distinct_digests = self.figures.max_distinct_digests.max(self.running.len() as u32);
        self.check_converged(t);
        self.record(t);
    }

    fn stop(&mut self, t: SimTime, image: ImageId) {
        self.advance(t);
        if let Some(n) = self.running.get_mut(&image) {
            *n -= 1;
            if *n == 0 {
                self.running.remove(&image);
            }
            self.total -= 1;
        }
        self.check_converged(t);
        self.record(t);
    }
}

/// The drift figures of every app container of every workload, in workload order and then container order.
pub fn drift(out: &RunOutput) -> Vec<(WorkloadId, String, Drift)> {
    walk(out, false)
}

/// [`drift`] with each container's stale count over time ([`Drift::stale_steps`]), for charts.
pub fn drift_with_steps(out: &RunOutput) -> Vec<(WorkloadId, String, Drift)> {
    walk(out, true)
}

fn walk(out: &RunOutput, steps: bool) -> Vec<(WorkloadId, String, Drift)> {
    let world = &out.world;
    let mut tags: Tags = BTreeMap::new();
    for (r, registry) in world.spec.registries.iter().enumerate() {
        for (repository, repo) in &registry.repositories {
            for (tag, image) in &repo.tags {
                tags.insert((RegistryId(r as u32), repository.clone(), tag.clone()), *image);
            }
        }
    }
    let mut tracks: BTreeMap<(WorkloadId, String), Track> = BTreeMap::new();
    let mut order = Vec::new();
    for (w, spec) in world.spec.workloads.iter().enumerate() {
        for c in &spec.template.containers {
            let target = target(world, &c.image);
            let resolved = resolve(&target, &tags);
            let track = Track {
                target,
                resolved,
                running: BTreeMap::new(),
                total: 0,
                since: SimTime::ZERO,
                pending: Vec::new(),
                figures: Drift::default(),
                steps,
            };
            let key = (WorkloadId(w as u32), c.name.clone());
            order.push(key.clone());
            tracks.insert(key, track);
        }
    }
    // App containers running now, by pod.
    let mut running: BTreeMap<PodId, Vec<(String, ImageId)>> = BTreeMap::new();
    for e in &out.trace {
        match &e.kind {
            TraceKind::ContainerStarted { pod, container, image } => {
                let template = world.template(*pod);
                if template.is_init(*container as usize) {
                    continue;
                }
                let name = template.container(*container as usize).name.clone();
                let key = (world.pods[pod.0 as usize].workload, name);
                if let Some(track) = tracks.get_mut(&key) {
                    track.start(e.t, *image);
                    running.entry(*pod).or_default().push((key.1, *image));
                }
            }
            TraceKind::PodDeleted { pod } => {
                let workload = world.pods[pod.0 as usize].workload;
                for (name, image) in running.remove(pod).unwrap_or_default() {
                    if let Some(track) = tracks.get_mut(&(workload, name)) {
                        track.stop(e.t, image);
                    }
                }
            }
            TraceKind::TagPushed { registry, repository, tag, image } => {
                let before = tags.insert((*registry, repository.clone(), tag.clone()), *image);
                let moved = Target::Tag(Some(*registry), repository.clone(), tag.clone());
                for track in tracks.values_mut().filter(|t| t.target == moved) {
                    track.advance(e.t);
                    track.resolved = Some(*image);
                    if before != Some(*image) {
                        track.pending.push((track.figures.convergence.len(), *image));
                        track.figures.convergence.push(Convergence { push: e.t, converged: None });
                        track.check_converged(e.t);
                    }
                    track.record(e.t);
                }
            }
            TraceKind::ImageUpdated { workload, container, image } => {
                if let Some(track) = tracks.get_mut(&(*workload, container.clone())) {
                    track.advance(e.t);
                    track.target = target(world, image);
                    track.resolved = resolve(&track.target, &tags);
                    track.record(e.t);
                }
            }
            _ => {}
        }
    }
    order
        .into_iter()
        .filter_map(|key| {
            let mut track = tracks.remove(&key)?;
            track.advance(out.end);
            track.figures.digests_at_end = track.running.len() as u32;
            Some((key.0, key.1, track.figures))
        })
        .collect()
}
