//! The kubelet's registry pull limiter: registryPullQPS / registryBurst form a token bucket
//! (client-go `flowcontrol.NewTokenBucketRateLimiter`, golang.org/x/time/rate) checked with `TryAccept`
//! by the throttled image service (pkg/kubelet/images/helpers.go). A pull that finds no token fails at
//! once with "pull QPS exceeded"; it does not wait.

use crate::engine::SimTime;

const MICRO: u64 = 1_000_000;

/// A token bucket that starts full and refills continuously at `qps` tokens per second up to `burst`.
/// Tokens are kept in millionths so that integer time refills exactly.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    qps: u64,
    burst: u64,
    micro_tokens: u64,
    last: SimTime,
}

impl TokenBucket {
    /// A full bucket of `burst` tokens refilled at `qps` per second.
    pub fn new(qps: u32, burst: u32) -> Self {
        let burst = u64::from(burst);
        TokenBucket { qps: u64::from(qps), burst, micro_tokens: burst * MICRO, last: SimTime::ZERO }
    }

    fn refill(&mut self, now: SimTime) {
        let dt = now.since(self.last).as_micros();
        self.last = self.last.max(now);
        let cap = self.burst * MICRO;
        self.micro_tokens = self.micro_tokens.saturating_add(dt.saturating_mul(self.qps)).min(cap);
    }

    /// `TryAccept`: takes one token if one is free at `now`.
    pub fn try_accept(&mut self, now: SimTime) -> bool {
        self.refill(now);
        if self.micro_tokens >= MICRO {
            self.micro_tokens -= MICRO;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_one_token_every_two_hundred_ms_at_five_qps() {
        let mut b = TokenBucket::new(5, 10);
        let t0 = SimTime::ZERO;
        assert_eq!((0..12).filter(|_| b.try_accept(t0)).count(), 10);
        assert!(!b.try_accept(SimTime::from_micros(199_999)));
        assert!(b.try_accept(SimTime::from_micros(200_000)));
        assert!(!b.try_accept(SimTime::from_micros(200_000)));
    }

    #[test]
    fn refill_stops_at_burst() {
        let mut b = TokenBucket::new(5, 2);
        assert!(b.try_accept(SimTime::ZERO));
        let later = SimTime::from_micros(3_600 * MICRO);
        assert_eq!((0..5).filter(|_| b.try_accept(later)).count(), 2);
    }

    #[test]
    fn zero_burst_never_accepts() {
        let mut b = TokenBucket::new(5, 0);
        assert!(!b.try_accept(SimTime::from_micros(10 * MICRO)));
    }
}
