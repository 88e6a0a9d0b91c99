//! The kubelet's image-pull backoff: client-go `util/flowcontrol/backoff.go` as built by
//! `flowcontrol.NewBackOff(imageBackOffPeriod=10s, MaxImageBackOff=300s)` in pkg/kubelet/kubelet.go
//! (no jitter in the backoff itself; the randomness is in the pod worker's requeue).

use crate::engine::{SimDuration, SimTime};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy)]
struct Entry {
    backoff: SimDuration,
    last_update: SimTime,
}

/// Per-key exponential backoff, mirroring client-go's `flowcontrol.Backoff`.
///
/// ## Default values
/// - initial: 10 s (`imageBackOffPeriod`)
/// - max: 300 s (`MaxImageBackOff`)
#[derive(Debug, Clone)]
pub struct Backoff<K: Ord> {
    initial: SimDuration,
    max: SimDuration,
    entries: BTreeMap<K, Entry>,
}

impl<K: Ord> Default for Backoff<K> {
    fn default() -> Self {
        Backoff::new(SimDuration::from_secs(10), SimDuration::from_secs(300))
    }
}

impl<K: Ord> Backoff<K> {
    /// A backoff starting at `initial` and doubling up to `max`.
    pub fn new(initial: SimDuration, max: SimDuration) -> Self {
        Backoff { initial, max, entries: BTreeMap::new() }
    }

    /// `hasExpired`: an entry idle for more than twice the max is forgotten (`eventTime.Sub(lastUpdate) > 2*max`).
    fn has_expired(&self, e: &Entry, now: SimTime) -> bool {
        now.since(e.last_update) > self.max * 2
    }

    /// `Next`: records a failure at `now`. A new or expired entry starts at `initial`; otherwise the delay
    /// doubles, capped at `max`. Returns the new delay.
    pub fn next(&mut self, key: K, now: SimTime) -> SimDuration {
        let (initial, max) = (self.initial, self.max);
        let expired = self.entries.get(&key).is_none_or(|e| self.has_expired(e, now));
        let entry = self.entries.entry(key).or_insert(Entry { backoff: initial, last_update: now });
        entry.backoff = if expired { initial } else { (entry.backoff * 2).min(max) };
        entry.last_update = now;
        entry.backoff
    }

    /// `IsInBackOffSinceUpdate`: whether `now` is still inside the window opened by the last failure
    /// (`now - lastUpdate < backoff`), unless the entry has expired.
    pub fn is_in_backoff_since_update(&self, key: &K, now: SimTime) -> bool {
        match self.entries.get(key) {
            None => false,
            Some(e) if self.has_expired(e, now) => false,
            Some(e) => now.since(e.last_update) < e.backoff,
        }
    }

    /// When the current window for `key` ends, if there is one.
    pub fn window_end(&self, key: &K) -> Option<SimTime> {
        self.entries.get(key).map(|e| e.last_update + e.backoff)
    }

    /// `GC`: drops every entry idle for more than twice the max (the image manager calls it after a success).
    pub fn gc(&mut self, now: SimTime) {
        let max2 = self.max * 2;
        self.entries.retain(|_, e| now.since(e.last_update) <= max2);
    }

    /// Number of keys tracked.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key is tracked.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: u64) -> SimTime {
        SimTime::from_micros(x * 1_000_000)
    }

    #[test]
    fn doubles_from_ten_seconds_and_caps_at_three_hundred() {
        let mut b = Backoff::default();
        let delays: Vec<u64> = (0..8).map(|i| b.next("k", s(i)).as_micros() / 1_000_000).collect();
        assert_eq!(delays, [10, 20, 40, 80, 160, 300, 300, 300]);
    }

    #[test]
    fn window_is_half_open_at_its_end() {
        let mut b = Backoff::default();
        b.next("k", s(100));
        assert!(b.is_in_backoff_since_update(&"k", s(100)));
        assert!(b.is_in_backoff_since_update(&"k", SimTime::from_micros(109_999_999)));
        assert!(!b.is_in_backoff_since_update(&"k", s(110)));
        assert!(!b.is_in_backoff_since_update(&"other", s(100)));
    }

    #[test]
    fn resets_after_idle_for_more_than_twice_the_max() {
        let mut b = Backoff::default();
        b.next("k", s(0));
        b.next("k", s(10)); // 20 s
        assert_eq!(b.next("k", s(610)).as_micros(), 40_000_000, "600 s idle is not more than 2 x max");
        assert_eq!(b.next("k", s(1211)).as_micros(), 10_000_000, "601 s idle resets");
    }

    #[test]
    fn gc_drops_only_idle_entries() {
        let mut b = Backoff::default();
        b.next("old", s(0));
        b.next("new", s(500));
        b.gc(s(601));
        assert_eq!(b.len(), 1);
        assert!(b.window_end(&"new").is_some());
    }
}
