//! The control plane: the workload controllers that create and delete pods (Deployment with its
//! ReplicaSets, DaemonSet, StatefulSet), pod objects and their lifecycle, the scheduler, nodes joining and
//! leaving, the timeline, and the API server's mutating admission.

pub mod admission;
mod daemon_set;
pub mod deployment;
mod nodes;
pub mod pods;
mod replica_set;
pub mod scheduler;
mod stateful_set;
mod timeline;
