//! The kubelet's image pullers (pkg/kubelet/images/puller.go). `serializeImagePulls: true` gives the serial
//! puller: one worker draining a FIFO queue. `false` gives the parallel puller: a goroutine per pull, limited
//! by a semaphore of `maxParallelImagePulls` tokens (unlimited when unset). Blocked senders on a Go channel are
//! served in arrival order, so both are a FIFO with a concurrency limit; the serial queue's capacity of 10
//! only makes the eleventh caller block, which keeps the same order.

use std::collections::VecDeque;

/// A FIFO of pull requests with at most `limit` running at once (`None` = unlimited).
#[derive(Debug, Clone)]
pub struct ImagePuller<P> {
    limit: Option<u32>,
    running: u32,
    waiting: VecDeque<P>,
}

impl<P> ImagePuller<P> {
    /// The serial puller (one at a time).
    pub fn serial() -> Self {
        Self::parallel(Some(1))
    }

    /// The parallel puller with an optional `maxParallelImagePulls`.
    pub fn parallel(limit: Option<u32>) -> Self {
        ImagePuller { limit, running: 0, waiting: VecDeque::new() }
    }

    /// Offers a pull. Returns it back if it may start now; otherwise it waits its turn.
    pub fn enqueue(&mut self, pull: P) -> Option<P> {
        if self.limit.is_none_or(|l| self.running < l) {
            self.running += 1;
            Some(pull)
        } else {
            self.waiting.push_back(pull);
            None
        }
    }

    /// A running pull finished (either way). Returns the next waiting pull, which starts now.
    pub fn finish(&mut self) -> Option<P> {
        match self.waiting.pop_front() {
            Some(next) => Some(next),
            None => {
                self.running = self.running.saturating_sub(1);
                None
            }
        }
    }

    /// Pulls running now.
    pub fn running(&self) -> u32 {
        self.running
    }

    /// Pulls waiting for a slot.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_runs_one_at_a_time_in_arrival_order() {
        let mut p = ImagePuller::serial();
        assert_eq!(p.enqueue(1), Some(1));
        assert_eq!(p.enqueue(2), None);
        assert_eq!(p.enqueue(3), None);
        assert_eq!(p.finish(), Some(2));
        assert_eq!(p.finish(), Some(3));
        assert_eq!(p.finish(), None);
        assert_eq!(p.running(), 0);
    }

    #[test]
    fn parallel_limit_admits_n_then_queues() {
        let mut p = ImagePuller::parallel(Some(2));
        let started: Vec<_> = (1..=4).filter_map(|i| p.enqueue(i)).collect();
        assert_eq!(started, [1, 2]);
        assert_eq!((p.running(), p.waiting()), (2, 2));
        assert_eq!(p.finish(), Some(3));
        assert_eq!(p.running(), 2);
    }

    #[test]
    fn unlimited_parallel_never_queues() {
        let mut p = ImagePuller::parallel(None);
        assert!((0..1000).all(|i| p.enqueue(i).is_some()));
        assert_eq!(p.waiting(), 0);
    }
}
