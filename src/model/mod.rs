//! The model: the kubelet's image pulling, the container runtime, registries, bandwidth and the control
//! plane, as plain state machines reacting to events over simulated time. Each component has its folder, as
//! in Kubernetes: `kubelet/` (pkg/kubelet: pod worker, image manager, backoff, puller, QPS bucket),
//! `runtime/` (containerd: the pull, the image store), `registry/`, `network/` (bandwidth sharing) and
//! `control/` (workload controllers, scheduler, admission). Each file models one concept and names the source
//! it mirrors.

pub mod control;
pub mod digest;
pub mod image_ref;
pub mod kubelet;
pub mod network;
pub mod registry;
pub mod runtime;
mod sim;
pub mod spec;
pub mod trace;
pub mod world;

pub use sim::{run, run_recorded, RunOutput, MAX_TRACE_EVENTS};
