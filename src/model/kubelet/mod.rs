//! The kubelet (pkg/kubelet): the pod worker's sync and the image manager (`sync`), the pod worker's requeue
//! and sync ticker (`pod_worker`), the image pull backoff (`backoff`), the serial or parallel puller
//! (`puller`), the registryPullQPS bucket (`token_bucket`), the credential keyring (`keyring`), the credentials a pull
//! tries (`credentials`) and KubeletEnsureSecretPulledImages' records (`pull_records`).

pub mod backoff;
pub mod credentials;
pub mod keyring;
pub mod pod_worker;
pub mod pull_records;
pub mod puller;
mod sync;
pub mod token_bucket;
