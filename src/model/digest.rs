//! Content digests. A scenario names layers and images; pullsim gives each a real `sha256:` digest so that
//! references by digest look and behave as they do against a registry: a layer's digest is the SHA-256 of a
//! stable text naming it, and an image's digest is the SHA-256 of its canonical OCI manifest (config blob and
//! layer descriptors in order), so two images with the same layers but different names differ, and the same
//! scenario always yields the same digests.

use sha2::{Digest, Sha256};

/// `sha256:` + lowercase hex of the SHA-256 of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in hash {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The digest of a layer called `name` when the scenario gives none.
pub fn layer_digest(name: &str) -> String {
    sha256_digest(format!("pullsim layer {name}").as_bytes())
}

/// The canonical OCI image manifest of image `name` with `layers` as (digest, size) pairs.
pub fn manifest_text(name: &str, layers: &[(&str, u64)]) -> String {
    let config = format!("{{\"pullsim.image\":{}}}", serde_json::Value::String(name.to_string()));
    let config_digest = sha256_digest(config.as_bytes());
    let descriptors: Vec<String> = layers
        .iter()
        .map(|(d, size)| {
            format!(
                "{{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"{d}\",\"size\":{size}}}"
            )
        })
        .collect();
    format!(
        "{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"{config_digest}\",\"size\":{}}},\"layers\":[{}]}}",
        config.len(),
        descriptors.join(",")
    )
}

/// The digest of image `name`'s canonical manifest.
pub fn manifest_digest(name: &str, layers: &[(&str, u64)]) -> String {
    sha256_digest(manifest_text(name, layers).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_empty_input_is_the_well_known_value() {
        assert_eq!(sha256_digest(b""), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn manifest_digest_is_stable_and_depends_on_name_and_layers() {
        let l = layer_digest("base");
        let a = manifest_digest("app-v1", &[(&l, 10)]);
        assert_eq!(a, manifest_digest("app-v1", &[(&l, 10)]));
        assert_ne!(a, manifest_digest("app-v2", &[(&l, 10)]));
        assert_ne!(a, manifest_digest("app-v1", &[(&l, 11)]));
        assert_eq!(a.len(), 71);
        let text = manifest_text("app-v1", &[(&l, 10)]);
        assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok(), "the manifest is valid JSON");
    }
}
