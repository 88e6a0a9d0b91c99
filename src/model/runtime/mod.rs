//! The container runtime (containerd 2.x): the CRI pull with its manifest and layer requests and unpacking
//! (`pull`), and the node's content and image store (`image_store`).

pub mod image_store;
mod pull;
