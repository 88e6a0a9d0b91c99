//! Scenario input errors through `scenario::parse`: each mistake is reported with the file, the line and
//! column where they are knowable, the field and what was expected; every problem of a file at once; never
//! a panic. Most cases are one edit of the valid scenario [`BASE`].

use pullsim::scenario::location::Location;
use pullsim::scenario::{self, Diagnostic, ScenarioError};

const FILE: &str = "checks.yaml";

/// A valid scenario using every section. Line numbers in the expectations below refer to it.
const BASE: &str = "\
apiVersion: pullsim/v1
kind: Scenario
metadata:
  name: checks
spec:
  seed: 7
  duration: 10m
  layers:
    base: 100MiB
    app: {size: 20MiB}
  images:
    app-v1: {layers: [base, app]}
    app-v2:
      layers: [base]
  registries:
    registry.example.com:
      bandwidth: 1Gbps
      latency: 20ms
      repositories:
        team/app: {tags: {v1: app-v1, v2: app-v2}}
  nodePools:
    pool:
      count: 2
      bandwidth: 1Gbps
      kubelet:
        serializeImagePulls: false
        maxParallelImagePulls: 2
  workloads:
    web:
      kind: Deployment
      replicas: 3
      template:
        spec:
          containers:
            - name: app
              image: registry.example.com/team/app:v1
              imagePullPolicy: IfNotPresent
    job:
      kind: Pod
      spec: {containers: [{name: main, image: registry.example.com/team/app:v2}]}
  timeline:
    - at: 1m
      scale: {workload: web, replicas: 5}
    - at: 2m
      setImage: {workload: web, container: app, image: registry.example.com/team/app:v2}
    - at: 3m
      pushTag: {image: registry.example.com/team/app:v1, manifest: app-v2}
  variants:
    serial:
      nodePools: {pool: {kubelet: {serializeImagePulls: null, maxParallelImagePulls: null}}}
";

/// The patch of variant `serial` (line 50).
const SERIAL_PATCH: &str =
    "      nodePools: {pool: {kubelet: {serializeImagePulls: null, maxParallelImagePulls: null}}}";

/// [`BASE`] with `from`, which must occur exactly once, replaced by `to`.
#[track_caller]
fn with(from: &str, to: &str) -> String {
    with_all(&[(from, to)])
}

/// [`BASE`] with several such edits.
#[track_caller]
fn with_all(edits: &[(&str, &str)]) -> String {
    let mut text = BASE.to_string();
    for (from, to) in edits {
        assert_eq!(text.matches(from).count(), 1, "edit {from:?} must match once");
        text = text.replacen(from, to, 1);
    }
    text
}

/// The diagnostics of an invalid `text`.
#[track_caller]
fn diagnostics(text: &str) -> Vec<Diagnostic> {
    match scenario::parse(FILE, text) {
        Ok(s) => panic!(
            "expected errors, but the scenario is valid (variants {:?})",
            s.variants.iter().map(|v| &v.name).collect::<Vec<_>>()
        ),
        Err(ScenarioError::Invalid(d)) => d,
        Err(e) => panic!("expected ScenarioError::Invalid, got {e}"),
    }
}

/// `text` is invalid with exactly `expected.len()` diagnostics, each displayed line containing its own
/// expected fragment (in any order).
#[track_caller]
fn check(text: &str, expected: &[&str]) {
    let lines: Vec<String> = diagnostics(text).iter().map(|d| d.to_string()).collect();
    let all = lines.join("\n");
    assert_eq!(lines.len(), expected.len(), "wanted {} diagnostics, got:\n{all}", expected.len());
    let mut used = vec![false; lines.len()];
    for want in expected {
        let hit = (0..lines.len()).find(|&i| !used[i] && lines[i].contains(want));
        match hit {
            Some(i) => used[i] = true,
            None => panic!("no diagnostic contains {want:?}; got:\n{all}"),
        }
    }
}

/// `text` is valid; returns what it resolves to.
#[track_caller]
fn valid(text: &str) -> scenario::Scenario {
    scenario::parse(FILE, text).unwrap_or_else(|e| panic!("expected a valid scenario, got:\n{e}"))
}

#[test]
fn the_base_scenario_is_valid() {
    let s = valid(BASE);
    let names: Vec<&str> = s.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["base", "serial"]);
    let base = &s.variants[0].spec.node_pools[0].kubelet;
    assert!(!base.serialize_image_pulls);
    assert_eq!(base.max_parallel_image_pulls, Some(2));
    // The variant removes both settings: the kubelet defaults to serial pulls.
    let serial = &s.variants[1].spec.node_pools[0].kubelet;
    assert!(serial.serialize_image_pulls);
    assert_eq!(serial.max_parallel_image_pulls, None);
}

#[test]
fn yaml_syntax_errors_give_line_and_column() {
    // An unclosed flow mapping: reported where the parser gives up, with where the mapping began.
    check(
        &with("    app: {size: 20MiB}\n", "    app: {size: 20MiB\n"),
        &["checks.yaml:11:9: did not find expected ',' or '}', while parsing a flow mapping at line 10 column 10"],
    );
    check(
        &with("app-v1: {layers: [base, app]}", "app-v1: {layers: [base, app}"),
        &["checks.yaml:12:32: did not find expected ',' or ']', while parsing a flow sequence at line 12 column 22"],
    );
    // An unclosed quote runs to the end of the file; the message says where it started.
    check(
        &with("name: checks", "name: \"checks"),
        &["checks.yaml:51:1: found unexpected end of stream, while scanning a quoted scalar at line 4 column 9"],
    );
    check(&with("  seed: 7\n", "\tseed: 7\n"), &["checks.yaml:6:1: a tab in the indentation: YAML indents with spaces only (found character that cannot start any token"]);
    check(
        &with("    app: {size: 20MiB}\n", "     app: {size: 20MiB}\n"),
        &["checks.yaml:10:9: mapping values are not allowed in this context"],
    );
    check(
        &format!("{BASE}---\nkind: Other\n"),
        &["checks.yaml:51:1: the file holds more than one YAML document (a line ---); a scenario is one document"],
    );
}

#[test]
fn wrong_types_say_what_was_expected() {
    check(
        &with("count: 2", "count: two"),
        &["checks.yaml:23:7: spec.nodePools.pool.count: expected a whole number, got the text \"two\""],
    );
    check(
        &with("count: 2", "count: 1.5"),
        &["checks.yaml:23:7: spec.nodePools.pool.count: expected a whole number, got the number 1.5"],
    );
    check(
        &with("serializeImagePulls: false", "serializeImagePulls: nope"),
        &["checks.yaml:26:9: spec.nodePools.pool.kubelet.serializeImagePulls: expected true or false, got the text \"nope\""],
    );
    check(
        &with("base: 100MiB", "base: true"),
        &["checks.yaml:9:5: spec.layers.base: expected a layer size such as 120MiB, or a map with size and an optional digest, got true"],
    );
    check(
        &with(
            "    pool:\n      count: 2\n      bandwidth: 1Gbps\n      kubelet:\n        serializeImagePulls: false\n        maxParallelImagePulls: 2\n",
            "    pool: 5\n",
        ),
        &["checks.yaml:22:5: spec.nodePools.pool: expected a map of node pool fields (count, bandwidth, diskWrite, maxConcurrentDownloads, kubelet, preloaded, nodeCredentials), got the number 5"],
    );
    check(
        "- a\n- b\n",
        &["checks.yaml:1:1: expected a scenario: a map with apiVersion, kind, metadata and spec, got a list of 2 items"],
    );
    check(
        &with("apiVersion: pullsim/v1", "apiVersion: pullsim/v2"),
        &["checks.yaml:1:1: apiVersion: expected pullsim/v1, got \"pullsim/v2\""],
    );
    check(
        &with("kind: Scenario", "kind: Deployment"),
        &["checks.yaml:2:1: kind: expected Scenario, got \"Deployment\""],
    );
}

#[test]
fn unknown_keys_are_errors_at_every_depth() {
    check(
        &with("kind: Scenario\n", "kind: Scenario\nstatus: {}\n"),
        &["checks.yaml:3:1: unknown field \"status\"; expected one of apiVersion, kind, metadata, spec"],
    );
    check(
        &with("  timeline:\n", "  timelines: []\n  timeline:\n"),
        &["checks.yaml:41:3: spec: unknown field \"timelines\"; did you mean \"timeline\"? (expected one of seed, duration, layers, images, registries, nodePools, namespaces, workloads, timeline, variants, sweep, admission, scheduler)"],
    );
    check(
        &with("      replicas: 3", "      replica: 3"),
        &["checks.yaml:31:7: spec.workloads.web: unknown field \"replica\"; did you mean \"replicas\"? (expected one of kind, namespace, replicas, strategy, updateStrategy, podManagementPolicy, nodePools, minReadySeconds, template, spec)"],
    );
    check(
        &with("imagePullPolicy: IfNotPresent", "imagePullPolicyy: IfNotPresent"),
        &["checks.yaml:37:15: spec.workloads.web.template.spec.containers[0]: unknown field \"imagePullPolicyy\"; did you mean \"imagePullPolicy\"? (expected one of name, image, imagePullPolicy, readinessDelay, terminationDelay, runDuration)"],
    );
    check(
        &with("        serializeImagePulls: false\n", "        serializeImagePull: false\n"),
        &["checks.yaml:26:9: spec.nodePools.pool.kubelet: unknown field \"serializeImagePull\"; did you mean \"serializeImagePulls\"? (expected one of serializeImagePulls, maxParallelImagePulls, registryPullQPS, registryBurst, cancelPullOnPodDelete, featureGates, imagePullCredentialsVerificationPolicy, preloadedImagesVerificationAllowlist)"],
    );
    // A layer written as a map is checked like any other map, at the key that is wrong.
    check(
        &with("app: {size: 20MiB}", "app: {size: 20MiB, digets: x}"),
        &["checks.yaml:10:24: spec.layers.app: unknown field \"digets\"; did you mean \"digest\"? (expected one of size, digest)"],
    );
}

#[test]
fn a_key_written_twice_is_an_error_at_the_second() {
    check(
        &with("    app: {size: 20MiB}\n", "    app: {size: 20MiB}\n    app: 1MiB\n"),
        &["checks.yaml:11:5: spec.layers: duplicate key \"app\": each key may appear only once"],
    );
    check(
        &with("  workloads:\n", "    pool: {count: 1}\n  workloads:\n"),
        &["checks.yaml:28:5: spec.nodePools: duplicate key \"pool\""],
    );
    check(
        &with("{v1: app-v1, v2: app-v2}", "{v1: app-v1, v2: app-v2, v1: app-v2}"),
        &["checks.yaml:20:51: spec.registries[\"registry.example.com\"].repositories.team/app.tags: duplicate key \"v1\": each key may appear only once"],
    );
    check(
        &with("  seed: 7\n", "  seed: 7\n  seed: 8\n"),
        &["checks.yaml:7:3: spec: duplicate key \"seed\": each key may appear only once"],
    );
}

#[test]
fn missing_required_fields_are_named() {
    check(&with("  duration: 10m\n", ""), &["checks.yaml:5:1: spec: missing field duration: it is required here"]);
    check(
        &with("  name: checks\n", "  description: no name\n"),
        &["checks.yaml:3:1: metadata: missing field name: it is required here"],
    );
    check(
        &with("              image: registry.example.com/team/app:v1\n", ""),
        &["checks.yaml:35:15: spec.workloads.web.template.spec.containers[0]: missing field image: it is required here"],
    );
    check(
        &with("app: {size: 20MiB}", "app: {digest: x}"),
        &["checks.yaml:10:5: spec.layers.app: missing field size: it is required here"],
    );
    check(
        &with(
            "      template:\n        spec:\n          containers:\n            - name: app\n              image: registry.example.com/team/app:v1\n              imagePullPolicy: IfNotPresent\n",
            "",
        ),
        &[
            "checks.yaml:29:5: spec.workloads.web: a Deployment needs template.spec.containers",
            // The timeline's setImage then has no container to update, and says so plainly.
            "checks.yaml:39:33: spec.timeline[1].setImage.container: unknown container \"app\"; the template has no containers",
        ],
    );
}

#[test]
fn bad_durations_sizes_and_bandwidths_are_explained() {
    check(
        &with("duration: 10m", "duration: 10 minutes"),
        &["checks.yaml:7:3: spec.duration: expected a duration like 90s, 5m, 1h30m or 250ms, got \"10 minutes\""],
    );
    check(
        &with("duration: 10m", "duration: 600"),
        &["checks.yaml:7:3: spec.duration: expected a duration like 90s, 5m, 1h30m or 250ms, got \"600\": a unit is required after each number"],
    );
    check(&with("duration: 10m", "duration: 0"), &["checks.yaml:7:3: spec.duration: expected a duration above zero"]);
    check(
        &with("base: 100MiB", "base: 100mb"),
        &["checks.yaml:9:5: spec.layers.base: expected a size like 512B, 120MiB, 1.5GiB or 500M, got \"100mb\": unknown unit \"mb\"; accepted units are B, kB (or KB)"],
    );
    check(
        &with("bandwidth: 1Gbps\n      latency", "bandwidth: 1gbps\n      latency"),
        &["checks.yaml:17:7: spec.registries[\"registry.example.com\"].bandwidth: expected a bandwidth like 1Gbps, 800Mbps or 125MB/s, got \"1gbps\": unknown unit \"gbps\""],
    );
    check(
        &with("      count: 2\n      bandwidth: 1Gbps", "      count: 2\n      bandwidth: 0bps"),
        &["checks.yaml:24:7: spec.nodePools.pool.bandwidth: expected a bandwidth above zero (omit it for unlimited)"],
    );
    check(
        &with("latency: 20ms", "latency: -5ms"),
        &["checks.yaml:18:7: spec.registries[\"registry.example.com\"].latency: expected a duration like 90s, 5m, 1h30m or 250ms, got \"-5ms\": negative durations are not allowed"],
    );
    check(
        &with("app: {size: 20MiB}", "app: {size: 20MiB, digest: sha256:abc}"),
        &["checks.yaml:10:24: spec.layers.app.digest: expected sha256: followed by 64 lowercase hex digits"],
    );
}

#[test]
fn zero_and_negative_counts_are_refused_with_the_range() {
    check(
        &with("count: 2", "count: -1"),
        &["checks.yaml:23:7: spec.nodePools.pool.count: expected a whole number from 0 to 200000, got -1"],
    );
    check(
        &with("      bandwidth: 1Gbps\n      kubelet", "      bandwidth: 1Gbps\n      maxConcurrentDownloads: 0\n      kubelet"),
        &["checks.yaml:25:7: spec.nodePools.pool.maxConcurrentDownloads: expected a whole number from 1 to 1000, got 0"],
    );
    check(
        &with("replicas: 5}", "replicas: -1}"),
        &["checks.yaml:43:30: spec.timeline[0].scale.replicas: expected a whole number from 0 to 2000000, got -1"],
    );
    check(
        &with(
            "      pushTag: {image: registry.example.com/team/app:v1, manifest: app-v2}",
            "      addNodes: {pool: pool, count: 0}",
        ),
        &["checks.yaml:47:30: spec.timeline[2].addNodes.count: expected a whole number from 1 to 200000, got 0"],
    );
}

#[test]
fn unknown_references_list_what_is_known() {
    check(
        &with("[base, app]", "[base, ap]"),
        &["checks.yaml:12:29: spec.images.app-v1.layers[1]: unknown layer \"ap\"; known: app, base"],
    );
    check(
        &with("v2: app-v2}", "v2: app-v3}"),
        &["checks.yaml:20:39: spec.registries[\"registry.example.com\"].repositories.team/app.tags.v2: unknown image \"app-v3\"; known: app-v1, app-v2"],
    );
    check(
        &with("pushTag: {image: registry.example.com", "pushTag: {image: other.example.com"),
        &["checks.yaml:47:17: spec.timeline[2].pushTag.image: unknown registry \"other.example.com\"; known: registry.example.com"],
    );
    check(
        &with("manifest: app-v2}", "manifest: app-v9}"),
        &["checks.yaml:47:58: spec.timeline[2].pushTag.manifest: unknown image \"app-v9\"; known: app-v1, app-v2"],
    );
    check(
        &with("scale: {workload: web", "scale: {workload: wbe"),
        &["checks.yaml:43:15: spec.timeline[0].scale.workload: unknown workload \"wbe\"; known: job, web"],
    );
    check(
        &with(
            "      pushTag: {image: registry.example.com/team/app:v1, manifest: app-v2}",
            "      addNodes: {pool: gpu, count: 1}",
        ),
        &["checks.yaml:47:18: spec.timeline[2].addNodes.pool: unknown node pool \"gpu\"; known: pool"],
    );
    check(
        &with(
            "      pushTag: {image: registry.example.com/team/app:v1, manifest: app-v2}",
            "      registryOutage: {registry: docker.io, duration: 0}",
        ),
        &[
            "checks.yaml:47:24: spec.timeline[2].registryOutage.registry: unknown registry \"docker.io\"; known: registry.example.com",
            "checks.yaml:47:45: spec.timeline[2].registryOutage.duration: expected a duration above zero",
        ],
    );
    check(
        &with("        maxParallelImagePulls: 2\n", "        maxParallelImagePulls: 2\n      preloaded: [registry.example.com/team/app:v9]\n"),
        &["checks.yaml:28:19: spec.nodePools.pool.preloaded[0]: registry.example.com/team/app has no tag \"v9\" at the start"],
    );
}

#[test]
fn registry_repository_and_tag_names_must_be_valid() {
    check(
        &with("{v1: app-v1,", "{v1+x: app-v1,"),
        &["checks.yaml:20:27: spec.registries[\"registry.example.com\"].repositories.team/app.tags.v1+x: invalid tag: expected [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"],
    );
    check(
        &with("team/app: {tags", "Team/App: {tags"),
        &["checks.yaml:20:9: spec.registries[\"registry.example.com\"].repositories.Team/App: invalid repository path: invalid reference format: repository name (Team/App) must be lowercase"],
    );
    // A bad host is reported once, not again for each of its repositories.
    check(
        &with("    registry.example.com:\n", "    Registry_Example:\n"),
        &[
            "checks.yaml:16:5: spec.registries.Registry_Example: \"Registry_Example\" is not a registry host as image references name it",
            "checks.yaml:47:17: spec.timeline[2].pushTag.image: unknown registry \"registry.example.com\"; known: Registry_Example",
        ],
    );
}

#[test]
fn containers_and_workloads_are_checked_like_the_api_server_does() {
    check(
        &with(
            "            - name: app\n",
            "            - name: app\n              image: registry.example.com/team/app:v1\n            - name: app\n",
        ),
        &["checks.yaml:37:15: spec.workloads.web.template.spec.containers[1].name: duplicate container name \"app\""],
    );
    check(
        &with("imagePullPolicy: IfNotPresent", "imagePullPolicy: Sometimes"),
        &["checks.yaml:37:15: spec.workloads.web.template.spec.containers[0].imagePullPolicy: expected Always, IfNotPresent or Never, got \"Sometimes\""],
    );
    check(
        &with("imagePullPolicy: IfNotPresent", "imagePullPolicy: always"),
        &["imagePullPolicy: expected Always, IfNotPresent or Never, got \"always\""],
    );
    check(
        &with("image: registry.example.com/team/app:v1\n", "image: \"\"\n"),
        &["checks.yaml:36:15: spec.workloads.web.template.spec.containers[0].image: Required value: expected an image"],
    );
    check(
        &with("{containers: [{name: main, image: registry.example.com/team/app:v2}]}", "{containers: []}"),
        &["checks.yaml:40:14: spec.workloads.job.spec.containers: expected at least one container"],
    );
    check(
        &with("kind: Pod", "kind: Job"),
        &["checks.yaml:39:7: spec.workloads.job.kind: expected Deployment, DaemonSet, StatefulSet or Pod, got \"Job\""],
    );
    check(
        &with("      kind: Pod\n", "      kind: Pod\n      replicas: 2\n"),
        &["checks.yaml:40:7: spec.workloads.job.replicas: a Pod has no replicas"],
    );
}

#[test]
fn kubelet_settings_it_refuses_to_start_with_are_errors_naming_the_pool() {
    check(
        &with("maxParallelImagePulls: 2", "maxParallelImagePulls: 0"),
        &["checks.yaml:27:9: spec.nodePools.pool.kubelet.maxParallelImagePulls: the kubelet fails to start: invalid configuration: maxParallelImagePulls 0 must be a positive number"],
    );
    check(
        &with("maxParallelImagePulls: 2", "maxParallelImagePulls: -3"),
        &["maxParallelImagePulls -3 must be a positive number"],
    );
    check(
        &with("serializeImagePulls: false", "serializeImagePulls: true"),
        &["checks.yaml:27:9: spec.nodePools.pool.kubelet.maxParallelImagePulls: the kubelet fails to start: invalid configuration: maxParallelImagePulls cannot be larger than 1 unless SerializeImagePulls (--serialize-image-pulls) is set to false"],
    );
    // A second pool with the conflict: the path names that pool.
    check(
        &with(
            "  workloads:\n",
            "    gpu:\n      count: 1\n      kubelet: {serializeImagePulls: true, maxParallelImagePulls: 5}\n  workloads:\n",
        ),
        &["checks.yaml:30:44: spec.nodePools.gpu.kubelet.maxParallelImagePulls: the kubelet fails to start: invalid configuration: maxParallelImagePulls cannot be larger than 1"],
    );
    check(
        &with("maxParallelImagePulls: 2\n", "maxParallelImagePulls: 2\n        registryPullQPS: -1\n"),
        &["checks.yaml:28:9: spec.nodePools.pool.kubelet.registryPullQPS: the kubelet fails to start: invalid configuration: registryPullQPS (--registry-qps) -1 must not be a negative number"],
    );
    check(
        &with("maxParallelImagePulls: 2\n", "maxParallelImagePulls: 2\n        registryBurst: -5\n"),
        &["checks.yaml:28:9: spec.nodePools.pool.kubelet.registryBurst: the kubelet fails to start: invalid configuration: registryBurst (--registry-burst) -5 must not be a negative number"],
    );
}

#[test]
fn kubelet_defaults_serialize_to_false_when_only_max_parallel_is_set() {
    // serializeImagePulls unset and maxParallelImagePulls >= 2: valid, and pulls run in parallel.
    let s = valid(&with("        serializeImagePulls: false\n", ""));
    let k = &s.variants[0].spec.node_pools[0].kubelet;
    assert!(!k.serialize_image_pulls);
    assert_eq!(k.max_parallel_image_pulls, Some(2));
    // maxParallelImagePulls 1 alone keeps serial pulls; so does serializeImagePulls alone.
    let s = valid(&with(
        "        serializeImagePulls: false\n        maxParallelImagePulls: 2\n",
        "        maxParallelImagePulls: 1\n",
    ));
    assert!(s.variants[0].spec.node_pools[0].kubelet.serialize_image_pulls);
    let s = valid(&with("        maxParallelImagePulls: 2\n", ""));
    let k = &s.variants[0].spec.node_pools[0].kubelet;
    assert!(!k.serialize_image_pulls);
    assert_eq!(k.max_parallel_image_pulls, None);
    // Settings left empty read as unset.
    valid(&with(
        "        serializeImagePulls: false\n        maxParallelImagePulls: 2\n",
        "        maxParallelImagePulls:\n",
    ));
}

#[test]
fn timeline_entries_need_one_action_in_time() {
    check(
        &with("      scale: {workload: web, replicas: 5}\n", ""),
        &["checks.yaml:42:7: spec.timeline[0]: expected exactly one action: pushTag, scale, setImage, setImagePullPolicy, addNodes, removeNodes, replaceNodes or registryOutage"],
    );
    check(
        &with(
            "      scale: {workload: web, replicas: 5}\n",
            "      scale: {workload: web, replicas: 5}\n      addNodes: {pool: pool, count: 1}\n",
        ),
        &["checks.yaml:42:7: spec.timeline[0]: expected exactly one action"],
    );
    check(
        &with("- at: 3m", "- at: 11m"),
        &["checks.yaml:46:7: spec.timeline[2].at: expected a time within the run's duration"],
    );
    check(
        &with("- at: 1m", "- at: soon"),
        &["checks.yaml:42:7: spec.timeline[0].at: expected a duration like 90s, 5m, 1h30m or 250ms, got \"soon\""],
    );
    let digest = format!("sha256:{}", "a".repeat(64));
    check(
        &with(
            "pushTag: {image: registry.example.com/team/app:v1,",
            &format!("pushTag: {{image: registry.example.com/team/app@{digest},"),
        ),
        &["checks.yaml:47:17: spec.timeline[2].pushTag.image: expected a reference with a tag and no digest"],
    );
    check(
        &with("pushTag: {image: registry.example.com/team/app:v1,", "pushTag: {image: registry.example.com/team/app,"),
        &["checks.yaml:47:17: spec.timeline[2].pushTag.image: expected a reference with a tag and no digest"],
    );
    check(
        &with("container: app,", "container: sidecar,"),
        &["checks.yaml:45:33: spec.timeline[1].setImage.container: unknown container \"sidecar\"; the template has app"],
    );
    check(
        &with("scale: {workload: web", "scale: {workload: job"),
        &["checks.yaml:43:15: spec.timeline[0].scale.workload: only a Deployment or a StatefulSet can be scaled (\"job\" is a Pod)"],
    );
    check(
        &with("setImage: {workload: web,", "setImage: {workload: job,"),
        &["checks.yaml:45:18: spec.timeline[1].setImage.workload: only a Deployment's, DaemonSet's or StatefulSet's template can be updated (\"job\" is a Pod)"],
    );
    check(
        &with("scale: {workload: web", "scale: {workload: webb"),
        &["checks.yaml:43:15: spec.timeline[0].scale.workload: unknown workload \"webb\"; known: job, web"],
    );
}

#[test]
fn a_bad_value_in_a_variant_is_located_inside_its_patch() {
    let text =
        with(SERIAL_PATCH, "      nodePools: {pool: {kubelet: {serializeImagePulls: true, maxParallelImagePulls: 4}}}");
    check(
        &text,
        &["checks.yaml:50:63: spec.nodePools.pool.kubelet.maxParallelImagePulls: the kubelet fails to start: invalid configuration: maxParallelImagePulls cannot be larger than 1 unless SerializeImagePulls (--serialize-image-pulls) is set to false (in variant \"serial\")"],
    );
    // The same, field by field.
    let d = &diagnostics(&text)[0];
    assert_eq!(d.file, FILE);
    assert_eq!(d.location, Some(Location { line: 50, column: 63 }));
    assert_eq!(d.path.to_string(), "spec.nodePools.pool.kubelet.maxParallelImagePulls");
    assert_eq!(d.variant.as_deref(), Some("serial"));
}

#[test]
fn variant_errors_say_which_variant() {
    check(
        &with(SERIAL_PATCH, "      nodePools: {pool: {kubelet: {maxParallelImagePulls: lots}}}"),
        &["checks.yaml:50:36: spec.nodePools.pool.kubelet.maxParallelImagePulls: expected a whole number, got the text \"lots\" (in variant \"serial\")"],
    );
    let typo = with(SERIAL_PATCH, "      nodePools: {pool: {kubelet: {serializeImagePull: false}}}");
    check(
        &typo,
        &["checks.yaml:50:36: spec.nodePools.pool.kubelet: unknown field \"serializeImagePull\"; did you mean \"serializeImagePulls\"? (expected one of serializeImagePulls, maxParallelImagePulls, registryPullQPS, registryBurst, cancelPullOnPodDelete, featureGates, imagePullCredentialsVerificationPolicy, preloadedImagesVerificationAllowlist) (in variant \"serial\")"],
    );
    assert!(diagnostics(&typo)[0].to_string().ends_with("(in variant \"serial\")"));
    check(
        &with(SERIAL_PATCH, "      images: {app-v2: {layers: [gone]}}"),
        &["checks.yaml:50:34: spec.images.app-v2.layers[0]: unknown layer \"gone\"; known: app, base (in variant \"serial\")"],
    );
    // Removing a layer the base still uses: the reference in the base is what breaks.
    check(
        &with(SERIAL_PATCH, "      layers: {app: null}"),
        &["checks.yaml:12:29: spec.images.app-v1.layers[1]: unknown layer \"app\"; known: base (in variant \"serial\")"],
    );
    check(
        &with(SERIAL_PATCH, "      duration: null"),
        &["checks.yaml:49:5: spec: missing field duration: it is required here (in variant \"serial\")"],
    );
    check(
        &with("    serial:\n", "    base:\n"),
        &["checks.yaml:49:5: spec.variants.base: variant names are 1-63 lowercase letters, digits, '-' or '_', and not \"base\""],
    );
    check(
        &with("    serial:\n", "    \"my variant\":\n"),
        &["checks.yaml:49:5: spec.variants[\"my variant\"]: variant names are 1-63 lowercase letters, digits, '-' or '_'"],
    );
    check(
        &with("    serial:\n", "    Serial:\n"),
        &["checks.yaml:49:5: spec.variants.Serial: variant names are 1-63 lowercase letters"],
    );
    check(
        &with(&format!("    serial:\n{SERIAL_PATCH}\n"), "    serial: [1, 2]\n"),
        &["checks.yaml:49:5: spec.variants.serial: expected a map: a merge patch over spec"],
    );
    check(
        &with(&format!("    serial:\n{SERIAL_PATCH}\n"), "    serial: nope\n"),
        &["checks.yaml:49:5: spec.variants.serial: expected a map: a merge patch over spec"],
    );
    check(
        &with(SERIAL_PATCH, &format!("      variants: {{x: {{}}}}\n{SERIAL_PATCH}")),
        &["checks.yaml:50:7: spec.variants.serial.variants: a variant cannot define variants"],
    );
}

#[test]
fn a_problem_of_the_base_is_reported_once_not_once_per_variant() {
    let text =
        with_all(&[("count: 2", "count: -1"), (SERIAL_PATCH, &format!("{SERIAL_PATCH}\n    other: {{seed: 9}}"))]);
    check(&text, &["checks.yaml:23:7: spec.nodePools.pool.count: expected a whole number from 0 to 200000, got -1"]);
    assert_eq!(diagnostics(&text)[0].variant, None);
}

#[test]
fn an_empty_section_reads_as_absent_in_variants_too() {
    check(
        &with("  layers:\n    base: 100MiB\n    app: {size: 20MiB}\n", "  layers:\n"),
        &[
            "checks.yaml:10:23: spec.images.app-v1.layers[0]: unknown layer \"base\"; known: none",
            "checks.yaml:10:29: spec.images.app-v1.layers[1]: unknown layer \"app\"; known: none",
            "checks.yaml:12:16: spec.images.app-v2.layers[0]: unknown layer \"base\"; known: none",
        ],
    );
    valid(&with(
        "      kubelet:\n        serializeImagePulls: false\n        maxParallelImagePulls: 2\n",
        "      kubelet:\n",
    ));
}

#[test]
fn absurd_sizes_are_refused_before_anything_is_allocated() {
    check(
        &with("count: 2", "count: 10000000"),
        &["checks.yaml:23:7: spec.nodePools.pool.count: expected a whole number from 0 to 200000, got 10000000"],
    );
    check(
        &with("replicas: 3", "replicas: 100000000"),
        &["checks.yaml:31:7: spec.workloads.web.replicas: expected a whole number from 0 to 2000000, got 100000000"],
    );
    check(
        &with("replicas: 5}", "replicas: 100000000}"),
        &["checks.yaml:43:30: spec.timeline[0].scale.replicas: expected a whole number from 0 to 2000000, got 100000000"],
    );
    check(
        &with("base: 100MiB", "base: 10EiB"),
        &["checks.yaml:9:5: spec.layers.base: expected a size like 512B, 120MiB, 1.5GiB or 500M, got \"10EiB\": exceeds the limit of 1PiB"],
    );
    check(
        &with("base: 100MiB", "base: 99999999999999999999999999TiB"),
        &["checks.yaml:9:5: spec.layers.base: expected a size like 512B, 120MiB, 1.5GiB or 500M, got \"99999999999999999999999999TiB\": exceeds the limit of 1PiB"],
    );
    check(
        &with("maxParallelImagePulls: 2", "maxParallelImagePulls: 99999999999999999999999"),
        &["checks.yaml:27:32: spec.nodePools.pool.kubelet.maxParallelImagePulls: 99999999999999999999999 is beyond the largest whole number a scenario can hold (18446744073709551615)"],
    );
    // Each pool within bounds, but too many nodes in all once the timeline adds some.
    check(
        &with(
            "      pushTag: {image: registry.example.com/team/app:v1, manifest: app-v2}",
            "      addNodes: {pool: pool, count: 199999}",
        ),
        &["checks.yaml:21:3: spec.nodePools: 200001 nodes in all; at most 200000 are supported"],
    );
    // Counts within bounds one by one, too many pods together: the scaled-up Deployment and the Pod.
    check(
        &with_all(&[("replicas: 3", "replicas: 1000000"), ("replicas: 5}", "replicas: 2000000}")]),
        &["checks.yaml:28:3: spec.workloads: up to 2000001 pods at once; at most 2000000 are supported"],
    );
}

#[test]
fn several_problems_are_all_reported_at_once() {
    let text = with_all(&[
        ("duration: 10m", "duration: 10 minutes"),
        ("[base, app]", "[base, ap]"),
        ("count: 2", "count: -3"),
        ("imagePullPolicy: IfNotPresent", "imagePullPolicy: Sometimes"),
        ("container: app,", "container: sidecar,"),
        ("serializeImagePulls: null, maxParallelImagePulls: null", "maxParallelImagePulls: 0"),
    ]);
    check(
        &text,
        &[
            "checks.yaml:7:3: spec.duration: expected a duration like",
            "checks.yaml:12:29: spec.images.app-v1.layers[1]: unknown layer \"ap\"",
            "checks.yaml:23:7: spec.nodePools.pool.count: expected a whole number from 0 to 200000, got -3",
            "checks.yaml:37:15: spec.workloads.web.template.spec.containers[0].imagePullPolicy: expected Always, IfNotPresent or Never",
            "checks.yaml:45:33: spec.timeline[1].setImage.container: unknown container \"sidecar\"",
            "checks.yaml:50:36: spec.nodePools.pool.kubelet.maxParallelImagePulls: the kubelet fails to start: invalid configuration: maxParallelImagePulls 0 must be a positive number (in variant \"serial\")",
        ],
    );
    // The error's Display is one line per problem.
    let err = scenario::parse(FILE, &text).unwrap_err().to_string();
    assert_eq!(err.lines().count(), 6, "{err}");
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_yaml() {
    let s = valid(&format!("\u{feff}{BASE}"));
    assert_eq!(s.name, "checks");
    // Columns count from after the mark.
    check(&format!("\u{feff}{}", with("count: 2", "count: -1")), &["checks.yaml:23:7: spec.nodePools.pool.count"]);
}

/// Deterministic damage to [`BASE`]: each line deleted, each line doubled, each pair of neighbours
/// swapped, each line indented one more space, and the text cut at 60 points.
fn mutations() -> Vec<String> {
    let lines: Vec<&str> = BASE.lines().collect();
    let join = |v: Vec<&str>| v.join("\n") + "\n";
    let mut out = Vec::new();
    for i in 0..lines.len() {
        let mut v = lines.clone();
        v.remove(i);
        out.push(join(v));
        let mut v = lines.clone();
        v.insert(i, lines[i]);
        out.push(join(v));
        let mut v = lines.clone();
        let indented = format!(" {}", lines[i]);
        v[i] = &indented;
        out.push(join(v));
        if i + 1 < lines.len() {
            let mut v = lines.clone();
            v.swap(i, i + 1);
            out.push(join(v));
        }
    }
    let cuts = 60;
    for k in 0..cuts {
        let at = BASE.len() * k / cuts;
        out.push(BASE[..at].to_string());
    }
    out
}

#[test]
fn damaged_scenarios_give_errors_never_panics() {
    let texts = mutations();
    assert!(texts.len() >= 200, "{} mutations", texts.len());
    let (mut ok, mut invalid) = (0, 0);
    for text in &texts {
        match scenario::parse(FILE, text) {
            Ok(_) => ok += 1,
            Err(ScenarioError::Invalid(ds)) => {
                invalid += 1;
                assert!(!ds.is_empty(), "an error without diagnostics for:\n{text}");
                let last_line = text.lines().count() + 1;
                for d in &ds {
                    assert!(d.to_string().starts_with(FILE), "{d}");
                    assert!(!d.message.is_empty(), "{d}");
                    if let Some(l) = d.location {
                        assert!(
                            l.line >= 1 && l.line <= last_line && l.column >= 1,
                            "{d} is outside the text:\n{text}"
                        );
                    }
                }
            }
            Err(e) => panic!("unexpected error kind {e}"),
        }
    }
    // Some damage is harmless (deleting `seed: 7`, say); most is not.
    assert!(invalid > ok, "{invalid} invalid, {ok} valid");
}

#[test]
fn names_digests_and_kubelet_integers_are_checked() {
    check(
        &with("    app: {size: 20MiB}", "    app: {size: 20MiB, digest: \"sha256:1111111111111111111111111111111111111111111111111111111111111111\"}\n    app2: {size: 1MiB, digest: \"sha256:1111111111111111111111111111111111111111111111111111111111111111\"}"),
        &["checks.yaml:11:24: spec.layers.app2.digest: digest sha256:1111111111111111111111111111111111111111111111111111111111111111 is also the digest of layer \"app\""],
    );
    check(
        &with("            - name: app\n", "            - name: App_1\n"),
        &[
            "checks.yaml:35:15: spec.workloads.web.template.spec.containers[0].name: container names are 1-63 lowercase letters",
            "spec.timeline[1].setImage.container: unknown container \"app\"",
        ],
    );
    check(
        &with(
            "        maxParallelImagePulls: 2\n",
            "        maxParallelImagePulls: 2\n        registryBurst: 3000000000\n",
        ),
        &["spec.nodePools.pool.kubelet.registryBurst: expected a 32-bit integer (at most 2147483647)"],
    );
    check(
        &with("    job:\n", "    web-7:\n"),
        &["spec.workloads.web-7: Pod \"web-7\" would have the same name as a pod of Deployment \"web\""],
    );
}

#[test]
fn numeric_tags_mean_the_same_in_the_base_and_in_variants() {
    let s = valid(&with("{tags: {v1: app-v1, v2: app-v2}}", "{tags: {v1: app-v1, v2: app-v2, 1.10: app-v1}}"));
    for v in &s.variants {
        let repo = &v.spec.registries[0].repositories["team/app"];
        assert!(repo.tags.contains_key("1.10"), "variant {} reads the tag as {:?}", v.name, repo.tags.keys());
    }
}

// The defects a hostile tester found, one test each.

#[test]
fn nan_and_infinity_in_a_variant_patch_are_refused_in_the_patch() {
    // As JSON they would become null, which deletes the key: unlimited bandwidth, exit 0.
    for (value, shown) in [(".inf", ".inf"), (".nan", ".nan"), ("-.Inf", "-.inf"), (".NaN", ".nan")] {
        check(
            &with(SERIAL_PATCH, &format!("      nodePools: {{pool: {{bandwidth: {value}}}}}")),
            &[&format!(
                "checks.yaml:50:37: spec.variants.serial.nodePools.pool.bandwidth: {shown} is not a number a scenario can use: expected a finite number"
            )],
        );
    }
    // In the base, refused once: no second error blamed on a variant that inherits it.
    check(
        &with("bandwidth: 1Gbps\n      kubelet", "bandwidth: .inf\n      kubelet"),
        &["checks.yaml:24:18: spec.nodePools.pool.bandwidth: .inf is not a number a scenario can use"],
    );
    // 1e400 is no number JSON can hold either: exponents are refused where they are written.
    check(
        &with(SERIAL_PATCH, "      layers: {base: 1e400}"),
        &["checks.yaml:50:22: spec.variants.serial.layers: 1e400: numbers are written without an exponent here (as digits, or a quantity with a unit such as 1MB or 90s)"],
    );
}

#[test]
fn a_number_where_text_is_expected_gives_one_answer_with_or_without_variants() {
    let bad = ("image: registry.example.com/team/app:v1\n", "image: 42\n");
    let want = "checks.yaml:36:15: spec.workloads.web.template.spec.containers[0].image: expected a string, got the number 42 (write it in quotes if you mean text)";
    check(&with_all(&[bad]), &[want]);
    let without_variants = with_all(&[bad]);
    let without_variants = &without_variants[..without_variants.find("  variants:").unwrap()];
    check(without_variants, &[want]);
    // Quoted, it is the image "42" (docker.io/library/42).
    let s = valid(&with_all(&[(bad.0, "image: \"42\"\n")]));
    let images = s.variants[0].spec.workloads.iter().flat_map(|w| &w.template.containers).map(|c| c.image.as_str());
    assert!(images.clone().any(|i| i == "42"), "{:?}", images.collect::<Vec<_>>());
}

#[test]
fn a_stream_is_refused_once_past_the_size_limit_without_reading_it_all() {
    // /dev/zero has no length; it used to be read until memory ran out.
    let e = scenario::load(std::path::Path::new("/dev/zero")).unwrap_err().to_string();
    assert_eq!(e, "/dev/zero: the file is larger than 16MiB (16777216 bytes), the most a scenario may be");
}

#[test]
fn deep_nesting_is_refused_at_its_place_before_the_yaml_parser_sees_it() {
    // 100,000 nested '[' in 200 kB took libyaml's scanner about a minute.
    let deep = with("base: 100MiB", &format!("base: {}", "[".repeat(100_000)));
    check(&deep, &["checks.yaml:9:266: nested deeper than 64 levels; a scenario needs about ten"]);
    let maps = with("base: 100MiB", &format!("base: {}", "{a: ".repeat(40_000)));
    check(&maps, &["checks.yaml:9:255: spec.layers.base.a: nested deeper than 64 levels"]);
}

#[test]
fn an_alias_bomb_is_refused_at_the_alias() {
    let mut bomb = String::from("  lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..9 {
        let p = i - 1;
        bomb.push_str(&format!(
            "  lol{i}: &l{i} [*l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}]\n"
        ));
    }
    check(
        &with("  seed: 7\n", &bomb),
        &["checks.yaml:11:59: spec.lol5: aliases here expand to more than 1000000 values (a \"billion laughs\" alias bomb?)"],
    );
}

#[test]
fn text_that_is_not_utf8_is_refused_with_its_place() {
    let dir = std::env::temp_dir().join(format!("pullsim-encodings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(BASE.encode_utf16().flat_map(u16::to_le_bytes));
    // é written as a Latin-1 byte.
    let latin1: Vec<u8> = with("checks", "ch\u{e9}cks")
        .replace('\u{e9}', "\u{1}")
        .bytes()
        .map(|b| if b == 1 { 0xE9 } else { b })
        .collect();
    let cases: [(&str, Vec<u8>, &str); 3] = [
        ("utf16.yaml", utf16, "1:1: the file is UTF-16 (little-endian) text; scenarios are UTF-8: save it as UTF-8"),
        (
            "nul.yaml",
            with("count: 2", "count: 2\0").into_bytes(),
            "23:15: a NUL byte: scenarios are UTF-8 text (is this a binary file?)",
        ),
        ("latin1.yaml", latin1, "4:11: byte 0xE9 is not UTF-8: scenarios are UTF-8 text; save the file as UTF-8"),
    ];
    for (name, bytes, want) in &cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let e = scenario::load(&path).unwrap_err().to_string();
        assert_eq!(e, format!("{}:{want}", path.display()), "{name}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn messages_speak_as_a_person_would_not_in_rust_types() {
    // serde says "expected u64", "as u128", "unit value"; a person says none of these.
    check(
        &with("  seed: 7\n", "  seed: -1\n"),
        &["checks.yaml:6:3: spec.seed: expected a whole number from 0 to 18446744073709551615, got the number -1"],
    );
    check(
        &with("  seed: 7\n", "  seed: 18446744073709551616\n"),
        &["checks.yaml:6:9: spec.seed: 18446744073709551616 is beyond the largest whole number a scenario can hold (18446744073709551615)"],
    );
    check(
        &with("  name: checks\n", "  name:\n"),
        &["checks.yaml:4:3: metadata.name: expected a string, got nothing (null)"],
    );
    check(
        &with("serializeImagePulls: false", "serializeImagePulls: [false]"),
        &["checks.yaml:26:9: spec.nodePools.pool.kubelet.serializeImagePulls: expected true or false, got a list"],
    );
}

#[test]
fn an_error_inside_a_flow_map_split_across_lines_keeps_its_place() {
    check(
        &with("    app: {size: 20MiB}\n", "    app: {size: 20MiB,\n      digest: nope}\n"),
        &["checks.yaml:11:7: spec.layers.app.digest: expected sha256: followed by 64 lowercase hex digits"],
    );
    check(
        &with("      bandwidth: 1Gbps\n      kubelet:", "      bandwidth: {\n        fast: yes}\n      kubelet:"),
        &["checks.yaml:24:7: spec.nodePools.pool.bandwidth: expected a quantity such as 90s, 120MiB or 1Gbps, got a map"],
    );
}

#[test]
fn an_entry_of_a_named_map_needs_a_body_and_a_required_field_a_value() {
    // `job:` with nothing after it used to make the workload vanish without a word.
    check(
        &with("    job:\n      kind: Pod\n      spec: {containers: [{name: main, image: registry.example.com/team/app:v2}]}\n", "    job:\n"),
        &["checks.yaml:38:5: spec.workloads.job: expected a map of workload fields (kind, namespace, replicas, strategy, updateStrategy, podManagementPolicy, nodePools, minReadySeconds, template, spec), got nothing (null)"],
    );
    check(
        &with("count: 2", "count:"),
        &["checks.yaml:23:7: spec.nodePools.pool.count: count has no value: it is required here"],
    );
}

#[test]
fn a_variant_that_misspells_a_name_is_told_it_adds_a_new_entry() {
    check(
        &with(SERIAL_PATCH, "      workloads: {jbo: {replicas: 2}}"),
        &["checks.yaml:50:19: spec.workloads.jbo: the base spec has no workload \"jbo\" (known: \"job\", \"web\"), so this variant adds a new one; missing field kind: it is required here (in variant \"serial\")"],
    );
}

#[test]
fn a_file_that_is_one_value_is_refused_where_the_value_is() {
    check("# a comment\n\n  hello world\n", &["checks.yaml:3:3: expected a scenario: a map with apiVersion, kind, metadata and spec, got the text \"hello world\""]);
    check(
        "",
        &["checks.yaml:1:1: expected a scenario: a map with apiVersion, kind, metadata and spec, got nothing (null)"],
    );
}

#[test]
fn many_problems_are_capped_and_counted() {
    let layers: String = (0..300).map(|i| format!("    l{i}: lots\n")).collect();
    let text = with("    base: 100MiB\n", &format!("    base: 100MiB\n{layers}"));
    let d = diagnostics(&text);
    assert_eq!(d.len(), scenario::MAX_PROBLEMS + 1);
    assert_eq!(d.last().unwrap().to_string(), "checks.yaml: and 200 more problems (the first 100 are shown)");
}

#[test]
fn a_name_cannot_forge_a_line_of_output() {
    let text = with("    job:\n", "    \"job\\nerror: fake.yaml:1:1: all good\":\n");
    let shown = scenario::parse(FILE, &text).unwrap_err().to_string();
    assert!(!shown.lines().any(|l| l.starts_with("error: fake.yaml")), "{shown}");
    assert!(shown.contains("[\"job\\nerror: fake.yaml:1:1: all good\"]"), "{shown}");
}

#[test]
fn control_characters_and_exponents_are_refused_where_written() {
    check(&with("seed: 7", "seed: 7\u{7}"), &["checks.yaml:6:10: control character U+0007 is not allowed"]);
    check(
        &with("count: 2", "count: 2e3"),
        &["checks.yaml:23:14: spec.nodePools.pool: 2e3: numbers are written without an exponent here"],
    );
}
