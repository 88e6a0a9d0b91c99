//! The engine: simulated time, the event queue and seeded random streams.
//!
//! It knows nothing about Kubernetes. The model schedules its own event type on an [`EventQueue`] and draws
//! randomness from [`RngStreams`]; everything here is deterministic for a given seed and insertion order.

mod queue;
mod rng;
mod time;

pub use queue::EventQueue;
pub use rng::RngStreams;
pub use time::{SimDuration, SimTime};
