//! pullsim: a deterministic discrete-event simulator of how Kubernetes nodes pull container images.
//!
//! Layers, top-down: [`scenario`] (YAML -> validated, resolved input) -> [`model`] (kubelet, registries,
//! network, workloads as plain state machines) -> [`engine`] (clock, event queue, rng streams). [`report`]
//! turns a model run's trace into summary.json, events.jsonl and the terminal summary. Lower layers never
//! import upper ones; see ARCHITECTURE.md.
#![warn(missing_docs, unreachable_pub)]

pub mod cli;
pub mod engine;
pub mod model;
pub mod report;
pub mod scenario;
pub mod sweep;
pub mod units;
