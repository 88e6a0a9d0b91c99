//! `KubeletEnsureSecretPulledImages` (pkg/kubelet/images/pullmanager, KEP-2535; read at the 1.35 types:
//! docs/notes/credential-sources.md §5): the kubelet records which credentials pulled each image, and before a
//! pod uses an image already on the node it may have to pull it again with the pod's own credentials.
//!
//! - A successful pull records, under the image and the normalised repository it was pulled as, who may use it:
//!   everyone (`nodePodsAccessible`) when it was pulled anonymously or with the node's credentials, else the
//!   secret whose credential it used. Once everyone may, that stays.
//! - `MustAttemptImagePull`: with the policy not asking for a check (NeverVerify; NeverVerifyPreloadedImages
//!   for an image the kubelet did not pull; NeverVerifyAllowlistedImages for an image the allowlist matches as
//!   written) the image is used. Otherwise it is used only when a record for it and that repository lets
//!   everyone use it, or names one of the pod's secrets or the same username (the kubelet compares credential
//!   hashes, and pullsim's credentials are usernames); else the kubelet pulls it again, as an ordinary pull with
//!   the pod's credentials (ErrImageNeverPull under Never).

use crate::model::spec::{Credential, ImageId, VerificationPolicy};
use std::collections::{BTreeMap, BTreeSet};

/// Who may use one image pulled under one repository name on a node.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PulledRecord {
    /// `nodePodsAccessible`.
    pub anyone: bool,
    /// The secrets (`secret <namespace>/<name>`) whose credentials pulled it.
    pub secrets: BTreeSet<String>,
    /// Their usernames (the credential hash, as far as pullsim's credentials go).
    pub usernames: BTreeSet<String>,
}

/// A node's pulled records.
#[derive(Debug, Clone, Default)]
pub struct PullRecords {
    records: BTreeMap<(ImageId, String), PulledRecord>,
    pulled: BTreeSet<ImageId>,
}

impl PullRecords {
    /// A pull of `image` as `repository` succeeded with `used` (`None`: anonymously).
    pub fn record(&mut self, image: ImageId, repository: &str, used: Option<&Credential>) {
        self.pulled.insert(image);
        let r = self.records.entry((image, repository.to_string())).or_default();
        match used {
            Some(c) if c.source.starts_with("secret ") && !r.anyone => {
                r.secrets.insert(c.source.clone());
                r.usernames.insert(c.username.clone());
            }
            Some(c) if c.source.starts_with("secret ") => {}
            _ => {
                r.anyone = true;
                r.secrets.clear();
                r.usernames.clear();
            }
        }
    }

    /// Whether a pod must pull `image` (present on the node) again before using it: `written` is the image as
    /// the pod wrote it, `repository` its normalised name, `credentials` what the kubelet would find for the pod
    /// (looked up only when needed, as the kubelet's lookup is lazy).
    pub fn must_attempt_pull(
        &self,
        policy: VerificationPolicy,
        allowlist: &[String],
        image: ImageId,
        written: &str,
        repository: &str,
        credentials: impl FnOnce() -> Vec<Credential>,
    ) -> bool {
        let verify = match policy {
            VerificationPolicy::NeverVerify => false,
            VerificationPolicy::NeverVerifyPreloadedImages => self.pulled.contains(&image),
            VerificationPolicy::NeverVerifyAllowlistedImages => !allowlisted(allowlist, written),
            VerificationPolicy::AlwaysVerify => true,
        };
        if !verify {
            return false;
        }
        let Some(r) = self.records.get(&(image, repository.to_string())) else { return true };
        if r.anyone {
            return false;
        }
        !credentials()
            .iter()
            .filter(|c| c.source.starts_with("secret "))
            .any(|c| r.secrets.contains(&c.source) || r.usernames.contains(&c.username))
    }
}

/// `preloadedImagesVerificationAllowlist` matching, against the image as written (tag included): an exact
/// entry, or a prefix entry `…/*` as the string prefix `…/`.
fn allowlisted(allowlist: &[String], written: &str) -> bool {
    allowlist.iter().any(|p| match p.strip_suffix('*') {
        Some(prefix) => written.starts_with(prefix),
        None => p == written,
    })
}
