//! Seeded random streams. Each component (a pod worker, a registry, ...) gets its own ChaCha stream derived
//! from the run seed and the component's stable name, so adding a node or a pod never shifts the draws of
//! another component.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

/// Hands out independent, reproducible random streams for one run.
#[derive(Debug, Clone, Copy)]
pub struct RngStreams {
    seed: u64,
}

impl RngStreams {
    /// Streams for the run seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        RngStreams { seed }
    }

    /// The stream of the component called `component` (e.g. `"pod-worker/default/web-3"`). The same seed and
    /// name always give the same stream; different names give independent streams.
    pub fn stream(&self, component: &str) -> ChaCha8Rng {
        let mut h = Sha256::new();
        h.update(self.seed.to_le_bytes());
        h.update(component.as_bytes());
        ChaCha8Rng::from_seed(h.finalize().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn same_seed_and_name_give_the_same_draws() {
        let a: Vec<u64> = RngStreams::new(7).stream("x").random_iter().take(4).collect();
        let b: Vec<u64> = RngStreams::new(7).stream("x").random_iter().take(4).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn names_and_seeds_separate_streams() {
        let base: u64 = RngStreams::new(7).stream("x").random();
        assert_ne!(base, RngStreams::new(7).stream("y").random::<u64>());
        assert_ne!(base, RngStreams::new(8).stream("x").random::<u64>());
    }
}
