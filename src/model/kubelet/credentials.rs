//! Which credentials the kubelet tries for a pull (pkg/kubelet/images/image_manager.go,
//! pkg/kubelet/kuberuntime/kuberuntime_image.go, pkg/credentialprovider/secrets; docs/notes/credential-sources.md
//! §2.3-3.3): the pod's `imagePullSecrets` that exist in its namespace and have a docker config type, added in
//! their order into one keyring, then the node's `config.json` keyring, each looked up for the image's
//! normalised repository ([`super::keyring`]). A missing secret is skipped (the kubelet logs it and records a
//! `FailedToRetrieveImagePullSecret` warning); a secret of another type is ignored without a word. With no
//! credential the pull is anonymous; with some, `PullImage` tries them one after another until one works and
//! never falls back to an anonymous pull.

use super::keyring::Keyring;
use crate::model::spec::{ClusterSpec, Credential, PodTemplate, PoolId, SecretType};

/// What the kubelet finds for one pull.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PullCredentials {
    /// The credentials to try, in order.
    pub credentials: Vec<Credential>,
    /// The `imagePullSecrets` names that do not exist in the pod's namespace.
    pub missing_secrets: Vec<String>,
}

/// The credentials a pod of `namespace` with `template` on a node of `pool` tries for `repository` (the image's
/// normalised name, `docker.io/library/nginx`).
pub fn pull_credentials(
    spec: &ClusterSpec,
    namespace: &str,
    template: &PodTemplate,
    pool: PoolId,
    repository: &str,
) -> PullCredentials {
    let mut pod: Keyring<Credential> = Keyring::default();
    let mut missing_secrets = Vec::new();
    let secrets = spec.secrets.get(namespace);
    for name in template.image_pull_secrets.iter().filter(|n| !n.is_empty()) {
        match secrets.and_then(|s| s.get(name)) {
            None => missing_secrets.push(name.clone()),
            Some(s) if matches!(s.kind, SecretType::DockerConfigJson | SecretType::Dockercfg) => {
                pod.add(s.auths.iter().map(|(loc, c)| (loc.as_str(), c.clone())))
            }
            Some(_) => {}
        }
    }
    let mut node: Keyring<Credential> = Keyring::default();
    node.add(spec.node_pools[pool.0 as usize].node_credentials.iter().map(|(loc, c)| (loc.as_str(), c.clone())));
    let mut credentials = pod.lookup(repository);
    credentials.extend(node.lookup(repository));
    PullCredentials { credentials, missing_secrets }
}
