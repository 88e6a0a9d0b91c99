//! Private registries and the credentials the kubelet tries: pod pull secrets, then the node's config.json,
//! each tried in the keyring's order until the registry accepts one, every try a manifest request.

use crate::common::run_yaml;
use pullsim::model::trace::{PullFailure, TraceKind};
use pullsim::model::RunOutput;

const HEAD: &str = "apiVersion: pullsim/v1\nkind: Scenario\nmetadata: {name: creds}\nspec:\n";

/// One 10 MiB image at reg.example.com/team/app (100 ms latency) that only `alice` may read, one node, and
/// one pod in namespace team-a with `secrets` as its imagePullSecrets; `extra` is spliced into the pool. The run
/// lasts 5 s, shorter than the first back-off, so the registry sees the first pull only.
fn private(secrets: &str, pool_extra: &str) -> String {
    format!(
        "{HEAD}  duration: 5s
  layers: {{l: 10MiB}}
  images: {{app: {{layers: [l]}}}}
  registries:
    reg.example.com:
      latency: 100ms
      repositories: {{team/app: {{tags: {{v1: app}}}}, other/app: {{tags: {{v1: app}}}}}}
      auth: {{accept: {{alice: [team]}}}}
  namespaces:
    team-a:
      secrets:
        good: {{type: kubernetes.io/dockerconfigjson, auths: {{reg.example.com: {{username: alice, password: s3cret}}}}}}
        bad: {{type: kubernetes.io/dockerconfigjson, auths: {{reg.example.com: {{username: mallory, password: x}}}}}}
        opaque: {{type: Opaque, auths: {{reg.example.com: {{username: alice}}}}}}
        encoded: {{type: kubernetes.io/dockercfg, auths: {{\"https://reg.example.com/v1/\": {{auth: \"YWxpY2U6czNjcmV0\"}}}}}}
  nodePools:
    p: {{count: 1, bandwidth: 1Gbps{pool_extra}}}
  workloads:
    web:
      kind: Pod
      namespace: team-a
      spec:
        imagePullSecrets: [{secrets}]
        containers: [{{name: c, image: reg.example.com/team/app:v1}}]
"
    )
}

/// (manifest requests, failed requests) of the only registry, and how the first pull ended.
fn outcome(out: &RunOutput) -> (u64, u64, Option<Result<u64, PullFailure>>) {
    let stats = &out.world.registries[0].stats;
    let end = out.trace.iter().find_map(|e| match e.kind {
        TraceKind::PullCompleted { pull, .. } if pull.0 == 0 => Some(Ok(e.t.as_micros())),
        TraceKind::PullFailed { pull, failure } if pull.0 == 0 => Some(Err(failure)),
        _ => None,
    });
    (stats.manifest_requests, stats.failed_requests, end)
}

#[test]
fn an_anonymous_pull_of_a_private_image_is_denied_and_backs_off() {
    let out = run_yaml(&private("", ""));
    assert_eq!(outcome(&out), (1, 1, Some(Err(PullFailure::AccessDenied))));
    assert!(out.trace.iter().any(|e| matches!(e.kind, TraceKind::Backoff { refused: false, .. })));
    assert!(PullFailure::AccessDenied.message().starts_with("pull access denied"));
}

#[test]
fn the_kubelet_tries_each_credential_in_order_one_request_each() {
    // bad (mallory) is refused, good (alice) accepted: two manifest requests, the second 100 ms later.
    let out = run_yaml(&private("{name: bad}, {name: good}", ""));
    let (requests, failed, end) = outcome(&out);
    assert_eq!((requests, failed), (2, 1));
    // 100 ms refused + 100 ms manifest + 100 ms blob + 10 MiB at 1 Gbps (83.886 ms, rounded up).
    assert_eq!(end, Some(Ok(383_887)));
}

#[test]
fn only_refused_credentials_fail_with_401_and_no_anonymous_try() {
    let out = run_yaml(&private("{name: bad}", ""));
    assert_eq!(outcome(&out), (1, 1, Some(Err(PullFailure::Unauthorized))));
}

#[test]
fn a_missing_secret_and_one_of_another_type_are_skipped() {
    let out = run_yaml(&private("{name: nowhere}, {name: opaque}, {name: good}", ""));
    assert_eq!(outcome(&out).0, 1);
    assert!(matches!(outcome(&out).2, Some(Ok(_))));
    let out = run_yaml(&private("{name: nowhere}, {name: opaque}", ""));
    assert_eq!(outcome(&out), (1, 1, Some(Err(PullFailure::AccessDenied))));
}

#[test]
fn a_base64_auth_entry_gives_its_username() {
    let out = run_yaml(&private("{name: encoded}", ""));
    assert_eq!(outcome(&out).0, 1);
    assert!(matches!(outcome(&out).2, Some(Ok(_))));
}

#[test]
fn node_credentials_come_after_the_pods_and_serve_every_pod() {
    let node = ", nodeCredentials: {auths: {reg.example.com: {username: alice}}}";
    let out = run_yaml(&private("", node));
    assert_eq!(outcome(&out).0, 1);
    assert!(matches!(outcome(&out).2, Some(Ok(_))));
    // The pod's refused secret is tried first, then the node's.
    let out = run_yaml(&private("{name: bad}", node));
    assert_eq!(outcome(&out).0, 2);
    assert!(matches!(outcome(&out).2, Some(Ok(_))));
}

#[test]
fn a_credential_is_accepted_only_for_the_repositories_it_may_read() {
    let text = private("{name: good}", "").replace("reg.example.com/team/app:v1", "reg.example.com/other/app:v1");
    assert_eq!(outcome(&run_yaml(&text)), (1, 1, Some(Err(PullFailure::Unauthorized))));
}

#[test]
fn a_public_registry_ignores_credentials() {
    let text = private("{name: bad}", "").replace("      auth: {accept: {alice: [team]}}\n", "");
    assert_eq!(outcome(&run_yaml(&text)).0, 1);
    assert!(matches!(outcome(&run_yaml(&text)).2, Some(Ok(_))));
}

/// Two tenants on one node: team-a's `web` holds alice's secret, team-b's `intruder` holds nothing; both run
/// reg.example.com/team/app:v1 with `policy`. `preloaded` bakes the image into the node.
fn tenants(policy: &str, preloaded: bool) -> String {
    let preload = if preloaded { ", preloaded: [reg.example.com/team/app:v1]" } else { "" };
    format!(
        "{HEAD}  duration: 5s
  layers: {{l: 10MiB}}
  images: {{app: {{layers: [l]}}}}
  registries:
    reg.example.com:
      latency: 100ms
      repositories: {{team/app: {{tags: {{v1: app}}}}}}
      auth: {{accept: {{alice: [team]}}}}
  namespaces:
    team-a:
      secrets:
        good: {{type: kubernetes.io/dockerconfigjson, auths: {{reg.example.com: {{username: alice}}}}}}
  nodePools:
    p: {{count: 1, bandwidth: 1Gbps{preload}}}
  workloads:
    web:
      kind: Pod
      namespace: team-a
      spec:
        imagePullSecrets: [{{name: good}}]
        containers: [{{name: c, image: reg.example.com/team/app:v1, imagePullPolicy: {policy}}}]
"
    )
}

fn access(text: &str) -> pullsim::report::access::Access {
    let s = pullsim::scenario::parse("inline.yaml", text).unwrap_or_else(|e| panic!("{e}"));
    let out = pullsim::model::run(&s.variants[0].spec);
    pullsim::report::access::of(&out).expect("a private registry")
}

/// `tenants` plus team-b's pod without credentials, created at 2 s (after `web` pulled) by a scale of a
/// Deployment from 0.
fn with_intruder(text: &str, policy: &str) -> String {
    format!(
        "{text}    intruder:
      kind: Deployment
      namespace: team-b
      replicas: 0
      template: {{spec: {{containers: [{{name: c, image: reg.example.com/team/app:v1, imagePullPolicy: {policy}}}]}}}}
  timeline:
    - {{at: 2s, scale: {{workload: intruder, replicas: 1}}}}
"
    )
}

/// `text` with the kubelet's KubeletEnsureSecretPulledImages gate off, as before Kubernetes 1.35.
fn gate_off(text: &str) -> String {
    text.replace(
        "bandwidth: 1Gbps",
        "bandwidth: 1Gbps, kubelet: {featureGates: {KubeletEnsureSecretPulledImages: false}}",
    )
}

#[test]
fn a_pod_without_credentials_runs_a_private_image_another_tenant_pulled() {
    let a = access(&gate_off(&with_intruder(&tenants("IfNotPresent", false), "IfNotPresent")));
    assert_eq!(a.unauthorized_starts, 1, "{a:?}");
    let start = &a.unauthorized[0];
    assert_eq!((start.pod.as_str(), start.node.as_str()), ("team-b/intruder-0", "p-0"));
    assert_eq!(start.source, "pulled by team-a/web");
    // With Always the intruder's pull asks the registry, which refuses it: nothing runs without credentials.
    let a = access(&gate_off(&with_intruder(&tenants("IfNotPresent", false), "Always")));
    assert_eq!(a.unauthorized_starts, 0);
    // KubeletEnsureSecretPulledImages (on by default from 1.35): the image team-a pulled with its secret must
    // be pulled again with the intruder's credentials, and is refused.
    let text = with_intruder(&tenants("IfNotPresent", false), "IfNotPresent");
    assert_eq!(access(&text).unauthorized_starts, 0);
    let s = pullsim::scenario::parse("inline.yaml", &text).unwrap();
    let out = pullsim::model::run(&s.variants[0].spec);
    let denied = out
        .trace
        .iter()
        .filter(|e| matches!(e.kind, TraceKind::PullFailed { failure: PullFailure::AccessDenied, .. }))
        .count();
    assert_eq!(denied, 1, "the intruder's verification pull is refused");
    // NeverVerify: the present image is used by anyone again.
    let never = text.replace(
        "bandwidth: 1Gbps",
        "bandwidth: 1Gbps, kubelet: {imagePullCredentialsVerificationPolicy: NeverVerify}",
    );
    assert_eq!(access(&never).unauthorized_starts, 1);
}

#[test]
fn ensure_secret_pulled_images_lets_a_pod_with_the_secret_that_pulled_the_image_use_it() {
    // A second team-a pod, created at 2 s on the same node, holds the secret that pulled the image: no pull.
    let text = tenants("IfNotPresent", false).replace("kind: Pod", "kind: Deployment\n      replicas: 1").replace(
        "      spec:\n        imagePullSecrets: [{name: good}]\n        containers:",
        "      template:\n       spec:\n        imagePullSecrets: [{name: good}]\n        containers:",
    ) + "  timeline:\n    - {at: 2s, scale: {workload: web, replicas: 2}}\n";
    let s = pullsim::scenario::parse("inline.yaml", &text).unwrap_or_else(|e| panic!("{e}"));
    let out = pullsim::model::run(&s.variants[0].spec);
    let pulls = out.trace.iter().filter(|e| matches!(e.kind, TraceKind::PullQueued { .. })).count();
    let present = out.trace.iter().filter(|e| matches!(e.kind, TraceKind::ImagePresent { .. })).count();
    assert_eq!((pulls, present), (1, 1));
}

#[test]
fn a_preloaded_private_image_runs_without_credentials() {
    let a = access(&with_intruder(&tenants("IfNotPresent", true), "IfNotPresent"));
    assert_eq!(a.unauthorized_starts, 1);
    assert_eq!(a.unauthorized[0].source, "preloaded");
}

#[test]
fn summary_json_has_access_only_when_a_registry_requires_authentication() {
    let s = pullsim::scenario::parse("inline.yaml", &tenants("IfNotPresent", false)).unwrap();
    let out = pullsim::model::run(&s.variants[0].spec);
    assert!(pullsim::report::access::of(&out).is_some());
    let public = tenants("IfNotPresent", false).replace("      auth: {accept: {alice: [team]}}\n", "");
    let s = pullsim::scenario::parse("inline.yaml", &public).unwrap();
    assert!(pullsim::report::access::of(&pullsim::model::run(&s.variants[0].spec)).is_none());
}

/// scenarios/private-registry-tenants.yaml: team-b's pods without a credential for team-a's image run it where
/// team-a pulled it with a kubelet before 1.35, nowhere with the 1.35 default or AlwaysPullImages, everywhere
/// with a node credential that may read all (then they hold one) or with the image in the node image (then the
/// 1.35 default does not check), and nowhere with AlwaysVerify.
#[test]
fn the_tenants_scenario_shows_who_runs_what_they_may_not_pull() {
    let starts = |variant: &str| {
        let out = crate::common::run("private-registry-tenants", variant);
        let a = pullsim::report::access::of(&out).expect("a private registry");
        let running =
            out.world.workloads[1].pods.iter().filter(|p| out.world.pods[p.0 as usize].running_at.is_some()).count();
        (a.unauthorized_starts, a.unauthorized.iter().map(|s| s.source.clone()).collect::<Vec<_>>(), running)
    };
    let billing = |i: u32| format!("pulled by team-a/billing-{i}");
    assert_eq!(starts("kubelet-1-34"), (2, vec![billing(0), billing(1)], 2));
    assert_eq!(starts("base"), (0, vec![], 0));
    assert_eq!(starts("always-pull-images"), (0, vec![], 0));
    assert_eq!(starts("node-credential"), (0, vec![], 4));
    assert_eq!(starts("preloaded"), (4, vec!["preloaded".to_string(); 4], 4));
    assert_eq!(starts("preloaded-always-verify"), (0, vec![], 0));
}

#[test]
fn a_pod_without_pull_secrets_gets_its_service_accounts() {
    let sa = "      serviceAccounts:\n        builder: {imagePullSecrets: [{name: good}]}\n        default: {imagePullSecrets: [{name: bad}]}\n";
    let with_sa = |secrets: &str, account: &str| {
        private(secrets, "").replace("  nodePools:\n", &format!("{sa}  nodePools:\n")).replace(
            "        imagePullSecrets: [",
            &format!("        serviceAccountName: {account}\n        imagePullSecrets: ["),
        )
    };
    // No secrets of its own: the ServiceAccount's are copied in.
    let out = run_yaml(&with_sa("", "builder"));
    assert_eq!(outcome(&out).0, 1);
    assert!(matches!(outcome(&out).2, Some(Ok(_))));
    // The default ServiceAccount when none is named.
    let out = run_yaml(&with_sa("", "\"\""));
    assert_eq!(outcome(&out), (1, 1, Some(Err(PullFailure::Unauthorized))));
    // A pod that lists any secret keeps its own list; the ServiceAccount's are not merged in.
    let out = run_yaml(&with_sa("{name: bad}", "builder"));
    assert_eq!(outcome(&out), (1, 1, Some(Err(PullFailure::Unauthorized))));
}

#[test]
fn a_service_account_that_does_not_exist_is_refused_like_admission_refuses_the_pods() {
    let text = private("", "")
        .replace("        imagePullSecrets: [", "        serviceAccountName: nobody\n        imagePullSecrets: [");
    let e = pullsim::scenario::parse("inline.yaml", &text).unwrap_err().to_string();
    assert!(
        e.contains("spec.workloads.web.spec.serviceAccountName: no ServiceAccount \"nobody\" in namespace \"team-a\""),
        "{e}"
    );
    // `default` needs no declaration: every namespace has one.
    let text = private("", "")
        .replace("        imagePullSecrets: [", "        serviceAccountName: default\n        imagePullSecrets: [");
    assert!(pullsim::scenario::parse("inline.yaml", &text).is_ok());
}

#[test]
fn refused_credentials_and_missing_secrets_are_events() {
    let out = run_yaml(&private("{name: nowhere}, {name: bad}, {name: good}", ""));
    let mut lines = Vec::new();
    pullsim::report::events::write_jsonl(&mut lines, "base", &out).unwrap();
    let text = String::from_utf8(lines).unwrap();
    let kinds: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| ["credential_refused", "pull_secrets_missing"].contains(&v["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert_eq!(kinds[0]["kind"], "pull_secrets_missing");
    assert_eq!(kinds[0]["secrets"], "nowhere");
    assert_eq!(
        kinds[0]["event"],
        "Unable to retrieve some image pull secrets (nowhere); attempting to pull the image may not succeed."
    );
    assert_eq!(kinds[1]["kind"], "credential_refused");
    assert_eq!(
        (kinds[1]["credential"].as_str(), kinds[1]["username"].as_str()),
        (Some("secret team-a/bad"), Some("mallory"))
    );
    assert_eq!(kinds[1]["t_ms"], 100.0);
}

/// scenarios/credential-tries.yaml: two stale config.json entries sort before the working glob, so each of the
/// 20 pulls is refused twice (40 failed requests, 400 ms more) unless they are removed or a pull secret comes
/// first.
#[test]
fn the_credential_tries_scenario_pays_two_refusals_per_pull() {
    let figures = |variant: &str| {
        let out = crate::common::run("credential-tries", variant);
        let s = &out.world.registries[0].stats;
        let refused = out.trace.iter().filter(|e| matches!(e.kind, TraceKind::CredentialRefused { .. })).count();
        (s.manifest_requests, s.failed_requests, refused)
    };
    assert_eq!(figures("base"), (60, 40, 40));
    assert_eq!(figures("stale-entries-removed"), (20, 0, 0));
    assert_eq!(figures("pull-secret"), (20, 0, 0));
}
