//! `pullsim explain image REF`: what the kubelet makes of an image reference.

use super::outln;
use crate::model::image_ref::{default_pull_policy, ImageRef};
use serde_json::json;

/// Prints the reference's normalised form, parts and default pull policy; exit 2 if it is invalid.
pub(super) fn image(input: &str, as_json: bool) -> i32 {
    let policy = default_pull_policy(input);
    let parsed = ImageRef::parse(input);
    if as_json {
        let v = match &parsed {
            Ok(r) => json!({
                "input": input,
                "valid": true,
                "normalized": r.normalized(),
                "registry": r.registry,
                "repository": r.repository,
                "tag": r.effective_tag(),
                "digest": r.digest,
                "pullRef": r.pull_ref(),
                "defaultPullPolicy": policy.as_str(),
            }),
            Err(e) => json!({
                "input": input,
                "valid": false,
                "error": e.to_string(),
                "normalized": null,
                "registry": null,
                "repository": null,
                "tag": null,
                "digest": null,
                "pullRef": null,
                "defaultPullPolicy": policy.as_str(),
            }),
        };
        outln!("{v}");
    } else {
        match &parsed {
            Ok(r) => {
                outln!("input:              {input}");
                outln!("normalized:         {}", r.normalized());
                outln!("registry:           {}", r.registry);
                outln!("repository:         {}", r.repository);
                let tag_note = if r.tag.is_none() && r.digest.is_none() { " (defaulted)" } else { "" };
                outln!("tag:                {}{tag_note}", r.effective_tag().unwrap_or("-"));
                outln!("digest:             {}", r.digest.as_deref().unwrap_or("-"));
                outln!("pulled as:          {}", r.pull_ref());
                outln!("default pull policy: {}", policy.as_str());
            }
            Err(e) => {
                eprintln!("error: {input:?} is not a valid image reference: {e}");
                eprintln!("  a pod using it waits with InvalidImageName (default pull policy {})", policy.as_str());
            }
        }
    }
    if parsed.is_ok() {
        0
    } else {
        super::EXIT_BAD_INPUT
    }
}
