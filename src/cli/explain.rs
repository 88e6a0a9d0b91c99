//! `pullsim explain image REF`: what the kubelet makes of an image reference; `pullsim explain credentials
//! --config FILE IMAGE`: which keys of a docker config its keyring matches for the image, in try order.

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

/// The largest docker config read (the kubelet's `maxReadLength`, 10 MiB).
const MAX_CONFIG_BYTES: u64 = 10 << 20;

/// Prints the `auths` keys of `config` that the kubelet's keyring matches for `image`, in try order; exit 2 when
/// the file cannot be read or is not a docker config, or the image is invalid.
pub(super) fn credentials(config: &std::path::Path, image: &str, as_json: bool) -> i32 {
    let fail = |message: String| {
        eprintln!("error: {message}");
        super::EXIT_BAD_INPUT
    };
    let reference = match ImageRef::parse(image) {
        Ok(r) => r,
        Err(e) => return fail(format!("{image:?} is not a valid image reference: {e}")),
    };
    let shown = config.display();
    match std::fs::metadata(config) {
        Err(e) => return fail(format!("{shown}: cannot read it: {e}")),
        Ok(m) if m.len() > MAX_CONFIG_BYTES => {
            return fail(format!("{shown}: {} bytes, more than the kubelet reads (10 MiB)", m.len()))
        }
        Ok(_) => {}
    }
    let text = match std::fs::read_to_string(config) {
        Ok(t) => t,
        Err(e) => return fail(format!("{shown}: cannot read it: {e}")),
    };
    let value: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return fail(format!("{shown}:{}:{}: not JSON: {e}", e.line(), e.column())),
    };
    // config.json holds {"auths": {...}}; a legacy .dockercfg is the map itself.
    let auths = match value.get("auths").unwrap_or(&value) {
        serde_json::Value::Object(m) => m,
        _ => return fail(format!("{shown}: expected a docker config: an object with \"auths\", or a .dockercfg map")),
    };
    let mut keyring: crate::model::kubelet::keyring::Keyring<String> = Default::default();
    keyring.add(auths.keys().map(|k| (k.as_str(), k.clone())));
    let repository = reference.name();
    let keys = keyring.lookup(&repository);
    if as_json {
        outln!("{}", serde_json::Value::from(keys));
    } else {
        outln!("image:       {image}");
        outln!("repository:  {repository} (what the kubelet looks up)");
        if keys.is_empty() {
            outln!("no key matches: the pull is anonymous");
        } else {
            outln!("tried in this order:");
            for (i, k) in keys.iter().enumerate() {
                let key = crate::model::kubelet::keyring::key_of(k).unwrap_or_default();
                outln!("  {}. {k}   (keyring key {key})", i + 1);
            }
        }
    }
    0
}
