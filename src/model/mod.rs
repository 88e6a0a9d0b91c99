//! The model: the kubelet's image pulling, the container runtime, registries, bandwidth and a minimal control
//! plane, as plain state machines reacting to events over simulated time. Each file models one Kubernetes
//! concept and names the source it mirrors.

pub mod admission;
pub mod backoff;
pub mod bandwidth;
mod controller;
pub mod digest;
pub mod image_ref;
pub mod image_store;
mod kubelet;
pub mod pod_worker;
pub mod puller;
mod runtime;
mod sim;
pub mod spec;
pub mod token_bucket;
pub mod trace;
pub mod world;

pub use sim::{run, run_recorded, RunOutput, MAX_TRACE_EVENTS};
