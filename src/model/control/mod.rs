//! The control plane: workload controllers that create and delete pods, the scheduler, the timeline, and
//! the API server's mutating admission.

pub mod admission;
mod controller;
