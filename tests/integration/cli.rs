//! The pullsim binary: exit codes (0 done, 2 bad input), error messages on stderr with file, line, column
//! and field, and `explain image` as the kubelet reads references.

use crate::common::{pullsim, repo_path};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A file under the system temp folder with a name no other test (or test run) uses; removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &str) -> TempFile {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("pullsim-cli-{}-{n}-{name}", std::process::id()));
        std::fs::write(&path, contents).expect("write temp file");
        TempFile(path)
    }

    fn arg(&self) -> &str {
        self.0.to_str().expect("temp path is UTF-8")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A folder path under the system temp folder that does not exist (for `run --out`).
fn unused_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pullsim-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A small scenario whose node pool count (line 9, column 7) is out of range.
const INVALID: &str = "\
apiVersion: pullsim/v1
kind: Scenario
metadata:
  name: cli-invalid
spec:
  duration: 1m
  nodePools:
    pool:
      count: -1
";

fn bundled_scenarios() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_path("scenarios"))
        .expect("scenarios folder")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    files
}

#[test]
fn validate_accepts_every_bundled_scenario() {
    let files = bundled_scenarios();
    assert!(!files.is_empty(), "no scenarios found");
    for file in files {
        let rel = Path::new("scenarios").join(file.file_name().unwrap());
        let rel = rel.to_str().unwrap();
        let (code, out, err) = pullsim(&["validate", rel]);
        assert_eq!(code, 0, "{rel}: stderr:\n{err}");
        assert!(out.starts_with(&format!("{rel}: valid scenario ")), "{rel}: {out}");
        assert!(out.contains("variants: base"), "{rel}: {out}");
        assert!(err.is_empty(), "{rel}: {err}");
    }
}

#[test]
fn validate_reports_an_invalid_file_with_location_and_field_and_exits_2() {
    let file = TempFile::new("invalid.yaml", INVALID);
    let (code, out, err) = pullsim(&["validate", file.arg()]);
    assert_eq!(code, 2, "stderr:\n{err}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(
        err.trim_end(),
        format!(
            "error: {}:9:7: spec.nodePools.pool.count: expected a whole number from 0 to 200000, got -1",
            file.arg()
        )
    );
}

#[test]
fn validate_reports_every_problem_one_per_line() {
    let text = INVALID.replace("duration: 1m", "duration: soon") + "      kubelet: {maxParallelImagePulls: 0}\n";
    let file = TempFile::new("several.yaml", &text);
    let (code, _, err) = pullsim(&["validate", file.arg()]);
    assert_eq!(code, 2);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    let f = file.arg();
    assert!(lines[0].starts_with(&format!("error: {f}:6:3: spec.duration: expected a duration")), "{err}");
    assert!(err.contains(&format!("{f}:9:7: spec.nodePools.pool.count: ")), "{err}");
    assert!(
        err.contains(&format!("{f}:10:17: spec.nodePools.pool.kubelet.maxParallelImagePulls: the kubelet fails to start: invalid configuration: maxParallelImagePulls 0 must be a positive number")),
        "{err}"
    );
}

#[test]
fn validate_reports_a_yaml_syntax_error_with_line_and_column() {
    let file = TempFile::new("syntax.yaml", "apiVersion: pullsim/v1\nkind: \"Scenario\n");
    let (code, _, err) = pullsim(&["validate", file.arg()]);
    assert_eq!(code, 2);
    assert_eq!(
        err.trim_end(),
        format!(
            "error: {}:3:1: found unexpected end of stream, while scanning a quoted scalar at line 2 column 7",
            file.arg()
        )
    );
}

#[test]
fn validate_on_a_missing_file_exits_2_saying_it_cannot_be_read() {
    let missing = std::env::temp_dir().join(format!("pullsim-cli-{}-missing.yaml", std::process::id()));
    let missing = missing.to_str().unwrap();
    let (code, out, err) = pullsim(&["validate", missing]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.starts_with(&format!("error: {missing}: cannot read: ")), "{err}");
    assert!(err.contains("No such file"), "{err}");
}

#[test]
fn run_on_an_invalid_file_exits_2_and_writes_nothing() {
    let file = TempFile::new("run-invalid.yaml", INVALID);
    let out_dir = unused_dir("run-invalid-out");
    let (code, out, err) = pullsim(&["run", file.arg(), "--out", out_dir.to_str().unwrap()]);
    assert_eq!(code, 2, "stderr:\n{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains(&format!("{}:9:7: spec.nodePools.pool.count", file.arg())), "{err}");
    assert!(!out_dir.exists(), "run wrote {}", out_dir.display());
}

#[test]
fn run_with_an_unknown_variant_exits_2_naming_the_known_ones() {
    let out_dir = unused_dir("run-nope-out");
    let (code, out, err) =
        pullsim(&["run", "scenarios/serial-vs-parallel.yaml", "--variant", "nope", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    assert_eq!(
        err.trim_end(),
        "error: --variant \"nope\": no such variant; the scenario has base, max-parallel-2, parallel"
    );
    assert!(!out_dir.exists(), "run wrote {}", out_dir.display());
}

#[test]
fn a_command_line_mistake_exits_2_with_usage() {
    let (code, _, err) = pullsim(&["frobnicate"]);
    assert_eq!(code, 2);
    assert!(err.contains("Usage:"), "{err}");
    let (code, _, err) = pullsim(&["explain", "image"]);
    assert_eq!(code, 2);
    assert!(err.contains("<REFERENCE>"), "{err}");
}

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// `explain image --json REF`: the JSON object on stdout, and the exit code.
#[track_caller]
fn explain(reference: &str) -> (i32, Value) {
    let (code, out, err) = pullsim(&["explain", "image", "--json", "--", reference]);
    assert!(err.is_empty(), "{reference:?}: stderr {err}");
    let v: Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{reference:?}: stdout is not JSON ({e}): {out}"));
    assert_eq!(v["input"], reference, "{reference:?}: {v}");
    (code, v)
}

/// A valid reference: exit 0 and these parts. `tag` and `digest` are null when absent.
#[track_caller]
fn check_valid(
    reference: &str,
    normalized: &str,
    registry: &str,
    repository: &str,
    tag: Option<&str>,
    digest: Option<&str>,
    policy: &str,
) {
    let (code, v) = explain(reference);
    assert_eq!(code, 0, "{reference:?}: {v}");
    let want = serde_json::json!({
        "input": reference,
        "valid": true,
        "normalized": normalized,
        "registry": registry,
        "repository": repository,
        "tag": tag,
        "digest": digest,
        "defaultPullPolicy": policy,
    });
    for (key, value) in want.as_object().unwrap() {
        assert_eq!(&v[key], value, "{reference:?}: key {key} in {v}");
    }
    assert!(v.get("error").is_none(), "{reference:?}: {v}");
}

/// An invalid reference: exit 2, valid false, an error containing `error`, and no parts. The default
/// pull policy is still IfNotPresent: the API server defaults it from a tag it could not parse.
#[track_caller]
fn check_invalid(reference: &str, error: &str) {
    let (code, v) = explain(reference);
    assert_eq!(code, 2, "{reference:?}: {v}");
    assert_eq!(v["valid"], false, "{reference:?}: {v}");
    let message = v["error"].as_str().unwrap_or_else(|| panic!("{reference:?}: no error in {v}"));
    assert!(message.contains(error), "{reference:?}: error {message:?} lacks {error:?}");
    for key in ["normalized", "registry", "repository", "tag", "digest"] {
        assert_eq!(v[key], Value::Null, "{reference:?}: key {key} in {v}");
    }
    assert_eq!(v["defaultPullPolicy"], "IfNotPresent", "{reference:?}: {v}");
}

#[test]
fn explain_image_reads_valid_references_as_the_kubelet_does() {
    let d = DIGEST;
    let lib = "library/nginx";
    let hub = "docker.io";
    // Docker Hub names: docker.io and library/ filled in, tag latest when none; latest means Always.
    check_valid("nginx", "docker.io/library/nginx:latest", hub, lib, Some("latest"), None, "Always");
    check_valid("nginx:latest", "docker.io/library/nginx:latest", hub, lib, Some("latest"), None, "Always");
    check_valid("nginx:1.25", "docker.io/library/nginx:1.25", hub, lib, Some("1.25"), None, "IfNotPresent");
    check_valid("docker.io/nginx", "docker.io/library/nginx:latest", hub, lib, Some("latest"), None, "Always");
    check_valid("index.docker.io/nginx", "docker.io/library/nginx:latest", hub, lib, Some("latest"), None, "Always");
    check_valid("library/nginx", "docker.io/library/nginx:latest", hub, lib, Some("latest"), None, "Always");
    check_valid(
        "docker.io/library/nginx:1.25",
        "docker.io/library/nginx:1.25",
        hub,
        lib,
        Some("1.25"),
        None,
        "IfNotPresent",
    );
    check_valid(
        "bitnami/redis:7.2",
        "docker.io/bitnami/redis:7.2",
        hub,
        "bitnami/redis",
        Some("7.2"),
        None,
        "IfNotPresent",
    );
    // Tags are case-sensitive: only "latest" means Always.
    check_valid("nginx:LATEST", "docker.io/library/nginx:LATEST", hub, lib, Some("LATEST"), None, "IfNotPresent");
    check_valid("nginx:_x", "docker.io/library/nginx:_x", hub, lib, Some("_x"), None, "IfNotPresent");
    let long_tag = "t".repeat(128);
    check_valid(
        &format!("nginx:{long_tag}"),
        &format!("docker.io/library/nginx:{long_tag}"),
        hub,
        lib,
        Some(&long_tag),
        None,
        "IfNotPresent",
    );
    // Digests: no tag is defaulted; a written latest tag still means Always.
    check_valid(
        &format!("nginx@{d}"),
        &format!("docker.io/library/nginx@{d}"),
        hub,
        lib,
        None,
        Some(d),
        "IfNotPresent",
    );
    check_valid(
        &format!("nginx:latest@{d}"),
        &format!("docker.io/library/nginx:latest@{d}"),
        hub,
        lib,
        Some("latest"),
        Some(d),
        "Always",
    );
    check_valid(
        &format!("nginx:1.25@{d}"),
        &format!("docker.io/library/nginx:1.25@{d}"),
        hub,
        lib,
        Some("1.25"),
        Some(d),
        "IfNotPresent",
    );
    let sha512 = format!("sha512:{}", "ab".repeat(64));
    check_valid(
        &format!("nginx@{sha512}"),
        &format!("docker.io/library/nginx@{sha512}"),
        hub,
        lib,
        None,
        Some(&sha512),
        "IfNotPresent",
    );
    // Other registries: a first element with '.', ':' or an upper-case letter, or localhost, is a host.
    check_valid(
        "localhost:5000/a/b:t",
        "localhost:5000/a/b:t",
        "localhost:5000",
        "a/b",
        Some("t"),
        None,
        "IfNotPresent",
    );
    check_valid("localhost/foo", "localhost/foo:latest", "localhost", "foo", Some("latest"), None, "Always");
    check_valid(
        "registry.example.com:443/team/app",
        "registry.example.com:443/team/app:latest",
        "registry.example.com:443",
        "team/app",
        Some("latest"),
        None,
        "Always",
    );
    check_valid("[::1]:5000/x:y", "[::1]:5000/x:y", "[::1]:5000", "x", Some("y"), None, "IfNotPresent");
    check_valid("[2001:db8::1]/x", "[2001:db8::1]/x:latest", "[2001:db8::1]", "x", Some("latest"), None, "Always");
    check_valid(
        "127.0.0.1:5000/debian",
        "127.0.0.1:5000/debian:latest",
        "127.0.0.1:5000",
        "debian",
        Some("latest"),
        None,
        "Always",
    );
    check_valid("test:5000/repo", "test:5000/repo:latest", "test:5000", "repo", Some("latest"), None, "Always");
    check_valid("Docker/docker", "Docker/docker:latest", "Docker", "docker", Some("latest"), None, "Always");
    check_valid(
        "gcr.io/distroless/static:nonroot",
        "gcr.io/distroless/static:nonroot",
        "gcr.io",
        "distroless/static",
        Some("nonroot"),
        None,
        "IfNotPresent",
    );
    check_valid(
        "ghcr.io/org/team/app:v1.2.3",
        "ghcr.io/org/team/app:v1.2.3",
        "ghcr.io",
        "org/team/app",
        Some("v1.2.3"),
        None,
        "IfNotPresent",
    );
    check_valid(
        "my.registry:5000/ns/img:tag_1.0-x",
        "my.registry:5000/ns/img:tag_1.0-x",
        "my.registry:5000",
        "ns/img",
        Some("tag_1.0-x"),
        None,
        "IfNotPresent",
    );
    check_valid(
        "example.com/some_separator__underscore/myimage",
        "example.com/some_separator__underscore/myimage:latest",
        "example.com",
        "some_separator__underscore/myimage",
        Some("latest"),
        None,
        "Always",
    );
    // Without a '/', "localhost:5000" is Docker Hub's library/localhost with tag 5000.
    check_valid(
        "localhost:5000",
        "docker.io/library/localhost:5000",
        hub,
        "library/localhost",
        Some("5000"),
        None,
        "IfNotPresent",
    );
}

#[test]
fn explain_image_rejects_invalid_references_with_exit_2() {
    let hex64 = "0123456789abcdef".repeat(4);
    check_invalid("Nginx", "invalid reference format: repository name (library/Nginx) must be lowercase");
    check_invalid("Nginx:latest", "must be lowercase");
    check_invalid("registry.example.com/Team/app", "repository name (Team/app) must be lowercase");
    check_invalid("", "invalid reference format");
    check_invalid("a:", "invalid reference format");
    check_invalid("nginx:", "invalid reference format");
    check_invalid(":tag", "invalid reference format");
    check_invalid("a@sha256:short", "invalid reference format");
    check_invalid(&format!("a@sha256:{}", "a".repeat(32)), "invalid checksum digest length");
    check_invalid(&format!("nginx@sha256:{}", "A".repeat(64)), "invalid checksum digest format");
    check_invalid(&format!("nginx@md5:{}", "a".repeat(32)), "unsupported digest algorithm");
    check_invalid("nginx@", "invalid reference format");
    check_invalid(&format!("@{DIGEST}"), "invalid reference format");
    check_invalid("nginx:1.25!", "invalid reference format");
    check_invalid("nginx:.x", "invalid reference format");
    check_invalid("nginx:1.25:1", "invalid reference format");
    check_invalid(&format!("nginx:{}", "t".repeat(129)), "invalid reference format");
    check_invalid(&hex64, &format!("invalid repository name ({hex64}), cannot specify 64-byte hexadecimal strings"));
    check_invalid("https://github.com/docker/docker", "invalid reference format");
    check_invalid("a//b", "invalid reference format");
    check_invalid("-nginx", "invalid reference format");
    check_invalid(" nginx", "invalid reference format");
    check_invalid("localhost:http/name", "invalid reference format");
    check_invalid(&"a".repeat(250), "repository name must not be more than 255 characters");
}

#[test]
fn explain_image_prints_a_readable_table_without_json() {
    let (code, out, err) = pullsim(&["explain", "image", "nginx"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "\
input:              nginx
normalized:         docker.io/library/nginx:latest
registry:           docker.io
repository:         library/nginx
tag:                latest (defaulted)
digest:             -
pulled as:          docker.io/library/nginx:latest
default pull policy: Always
"
    );
    let (code, out, err) = pullsim(&["explain", "image", "Nginx"]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    assert_eq!(
        err,
        "error: \"Nginx\" is not a valid image reference: invalid reference format: repository name (library/Nginx) must be lowercase\n  a pod using it waits with InvalidImageName (default pull policy IfNotPresent)\n"
    );
}

#[test]
fn check_determinism_runs_each_variant_twice_and_says_so() {
    let out = std::env::temp_dir().join(format!("pullsim-cli-det-{}", std::process::id()));
    let (code, stdout, stderr) = crate::common::pullsim(&[
        "run",
        "scenarios/backoff-missing-tag.yaml",
        "--check-determinism",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("determinism: each variant gave the same events twice\n"), "{stdout}");
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn explain_credentials_lists_the_matching_keys_in_the_kubelets_order() {
    let dir = std::env::temp_dir().join(format!("pullsim-explain-credentials-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.json");
    std::fs::write(
        &config,
        r#"{"auths": {"*.example.com/app": {}, "https://reg.example.com/v2/": {}, "reg.example.com/app": {},
            "reg?.example.com": {}, "https://index.docker.io/v1/": {}, "reg.example.com:5000": {}}}"#,
    )
    .unwrap();
    let c = config.to_str().unwrap();
    let json = |image: &str| {
        let (code, out, err) = pullsim(&["explain", "credentials", "--config", c, image, "--json"]);
        assert_eq!(code, 0, "{err}");
        out.trim().to_string()
    };
    // Reverse byte order of the normalised keys, not the most specific first; the glob comes last.
    assert_eq!(
        json("reg.example.com/app:v1"),
        r#"["reg.example.com/app","https://reg.example.com/v2/","*.example.com/app"]"#
    );
    assert_eq!(json("reg.example.com:5000/app"), r#"["reg.example.com:5000"]"#);
    // Docker Hub falls back to index.docker.io; nothing matches another host.
    assert_eq!(json("nginx"), r#"["https://index.docker.io/v1/"]"#);
    assert_eq!(json("quay.io/team/app"), "[]");
    let (code, out, _) = pullsim(&["explain", "credentials", "--config", c, "quay.io/team/app"]);
    assert_eq!(code, 0);
    assert!(out.contains("no key matches: the pull is anonymous"), "{out}");
    // Bad input exits 2 with the reason.
    let (code, _, err) = pullsim(&["explain", "credentials", "--config", c, "Bad/Name"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a valid image reference"), "{err}");
    let missing = dir.join("missing.json");
    let (code, _, err) = pullsim(&["explain", "credentials", "--config", missing.to_str().unwrap(), "nginx"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read it"), "{err}");
    std::fs::write(&config, "[1, 2]").unwrap();
    let (code, _, err) = pullsim(&["explain", "credentials", "--config", c, "nginx"]);
    assert_eq!(code, 2);
    assert!(err.contains("expected a docker config"), "{err}");
    std::fs::write(&config, "{\"auths\": ").unwrap();
    let (code, _, err) = pullsim(&["explain", "credentials", "--config", c, "nginx"]);
    assert_eq!(code, 2);
    assert!(err.contains("not JSON"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
