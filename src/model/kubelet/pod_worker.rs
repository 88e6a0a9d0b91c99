//! The pod worker's requeue after a failed sync (pkg/kubelet/pod_workers.go `completeWork`, v1.35): the pod is
//! due again after `wait.Jitter(backOffPeriod=10s, workerBackOffPeriodJitterFactor=0.5)`, i.e. uniformly in
//! [10 s, 15 s) — ErrImagePull and ErrImagePullBackOff carry no backoff expiry (only CrashLoopBackOff does),
//! so both take this path. A due pod is picked up by the kubelet's sync loop on the next tick of its 1 s
//! `syncTicker`. Pulls only happen inside syncs, so this sets the instants of every retry.

use crate::engine::{SimDuration, SimTime};
use rand::Rng;

/// `backOffPeriod` in pod_workers.go.
pub const BACKOFF_PERIOD: SimDuration = SimDuration::from_secs(10);

/// `workerBackOffPeriodJitterFactor` in pod_workers.go.
pub const BACKOFF_JITTER_FACTOR: f64 = 0.5;

/// `wait.Jitter(d, factor)`: `d + rand.Float64()*factor*d`.
pub fn jitter(d: SimDuration, factor: f64, rng: &mut impl Rng) -> SimDuration {
    let extra = rng.random::<f64>() * factor * d.as_micros() as f64;
    SimDuration::from_micros(d.as_micros() + extra as u64)
}

/// Period of the kubelet's `syncTicker` (pkg/kubelet/kubelet.go `syncLoop`).
pub const SYNC_TICK: SimDuration = SimDuration::from_secs(1);

/// The first tick of a ticker with period [`SYNC_TICK`] and offset `phase` at or after `due`.
pub fn next_tick(due: SimTime, phase: SimDuration) -> SimTime {
    let period = SYNC_TICK.as_micros();
    let first = phase.as_micros() % period;
    let due = due.as_micros();
    if due <= first {
        return SimTime::from_micros(first);
    }
    let k = (due - first).div_ceil(period);
    SimTime::from_micros(first + k * period)
}

/// Delay before a pod whose sync failed is due again.
pub fn requeue_after_error(rng: &mut impl Rng) -> SimDuration {
    jitter(BACKOFF_PERIOD, BACKOFF_JITTER_FACTOR, rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn requeue_is_between_ten_and_fifteen_seconds() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let delays: Vec<u64> = (0..10_000).map(|_| requeue_after_error(&mut rng).as_micros()).collect();
        assert!(delays.iter().all(|d| (10_000_000..15_000_000).contains(d)));
        let mean = delays.iter().sum::<u64>() as f64 / delays.len() as f64;
        assert!((mean - 12_500_000.0).abs() < 100_000.0, "uniform jitter, mean {mean}");
    }

    #[test]
    fn due_syncs_wait_for_the_next_ticker_tick() {
        let phase = SimDuration::from_micros(250_000);
        let t = SimTime::from_micros;
        assert_eq!(next_tick(t(0), phase), t(250_000));
        assert_eq!(next_tick(t(250_000), phase), t(250_000));
        assert_eq!(next_tick(t(250_001), phase), t(1_250_000));
        assert_eq!(next_tick(t(12_100_000), phase), t(12_250_000));
        assert_eq!(next_tick(t(12_250_000), SimDuration::ZERO), t(13_000_000));
    }
}
