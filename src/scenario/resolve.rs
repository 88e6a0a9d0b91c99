//! Raw scenario -> [`ClusterSpec`]: every check a scenario needs, collected rather than stopping at the first,
//! each with the field path it concerns. Absurd sizes are refused here, before the model allocates anything.
//! Kubelet settings are defaulted and validated exactly as the kubelet does (pkg/kubelet/apis/config/v1beta1
//! defaults.go, validation/validation.go): a configuration the kubelet refuses to start with is an error.

use super::location::FieldPath;
use super::raw::*;
use crate::engine::{SimDuration, SimTime};
use crate::model::digest::{layer_digest, manifest_digest};
use crate::model::image_ref::{ImageRef, PullPolicy};
use crate::model::spec::*;
use crate::units::{parse_bandwidth_bps, parse_duration_us, parse_size_bytes};
use std::collections::{BTreeMap, BTreeSet};

/// Most nodes a run may have (all pools, all timeline additions).
pub const MAX_NODES: u64 = 200_000;
/// Most pods a run may ask for at once (sum over workloads of their largest replica count).
pub const MAX_PODS: u64 = 2_000_000;
/// Most timeline entries.
pub const MAX_TIMELINE: usize = 100_000;
/// Most layers in one image.
pub const MAX_LAYERS_PER_IMAGE: usize = 1_000;
/// Longest request latency.
pub const MAX_LATENCY_US: u64 = 3_600_000_000;

/// One problem found, at a field path.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Where.
    pub path: FieldPath,
    /// What was wrong and what was expected.
    pub message: String,
}

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, path: &FieldPath, message: impl Into<String>) {
        self.0.push(Problem { path: path.clone(), message: message.into() });
    }
}

/// Resolves `spec` (already stripped of its variants) into a [`ClusterSpec`]; `at` is the path of the spec
/// itself (`spec`). Returns every problem found.
pub(crate) fn resolve_spec(raw: &RawSpec, at: &FieldPath) -> Result<ClusterSpec, Vec<Problem>> {
    let mut p = Problems::default();
    let duration = match parse_duration_us(&raw.duration.0) {
        Ok(0) => {
            p.add(&at.key("duration"), "expected a duration above zero");
            0
        }
        Ok(d) => d,
        Err(e) => {
            p.add(&at.key("duration"), e.to_string());
            0
        }
    };

    // Layers.
    let mut layers = Vec::new();
    let mut layer_ids = BTreeMap::new();
    let mut seen_layer_digests: BTreeMap<String, String> = BTreeMap::new();
    for (name, l) in &raw.layers {
        let path = at.key("layers").key(name);
        let (size, digest) = match l {
            RawLayer::Size(q) => (q, None),
            RawLayer::Full(f) => (&f.size, f.digest.clone()),
        };
        let size_bytes = parse_size_bytes(&size.0).unwrap_or_else(|e| {
            p.add(&path, e.to_string());
            0
        });
        if let Some(d) = &digest {
            check_digest(&mut p, &path.key("digest"), d);
        }
        if !valid_object_name(name) {
            p.add(&path, OBJECT_NAME_RULE);
        }
        let digest = digest.unwrap_or_else(|| layer_digest(name));
        if let Some(other) = seen_layer_digests.insert(digest.clone(), name.clone()) {
            p.add(&path.key("digest"), format!("digest {digest} is also the digest of layer {other:?}"));
        }
        layer_ids.insert(name.clone(), LayerId(layers.len() as u32));
        layers.push(LayerSpec { name: name.clone(), digest, size_bytes });
    }

    // Images.
    let mut images = Vec::new();
    let mut image_ids = BTreeMap::new();
    let mut seen_digests: BTreeMap<String, String> = BTreeMap::new();
    for (name, im) in &raw.images {
        let path = at.key("images").key(name);
        if !valid_object_name(name) {
            p.add(&path, OBJECT_NAME_RULE);
        }
        if im.layers.is_empty() {
            p.add(&path.key("layers"), "expected at least one layer");
        }
        if im.layers.len() > MAX_LAYERS_PER_IMAGE {
            p.add(&path.key("layers"), format!("at most {MAX_LAYERS_PER_IMAGE} layers per image"));
        }
        let mut ids = Vec::new();
        for (i, l) in im.layers.iter().enumerate() {
            match layer_ids.get(l) {
                Some(id) => ids.push(*id),
                None => p.add(
                    &path.key("layers").index(i),
                    format!("unknown layer {l:?}; known: {}", list(layer_ids.keys())),
                ),
            }
        }
        let descriptors: Vec<(&str, u64)> =
            ids.iter().map(|id| (layers[id.0 as usize].digest.as_str(), layers[id.0 as usize].size_bytes)).collect();
        let digest = match &im.digest {
            Some(d) => {
                check_digest(&mut p, &path.key("digest"), d);
                d.clone()
            }
            None => manifest_digest(name, &descriptors),
        };
        if let Some(other) = seen_digests.insert(digest.clone(), name.clone()) {
            p.add(&path.key("digest"), format!("digest {digest} is also the digest of image {other:?}"));
        }
        image_ids.insert(name.clone(), ImageId(images.len() as u32));
        images.push(ImageSpec { name: name.clone(), digest, layers: ids });
    }

    // Registries.
    let mut registries = Vec::new();
    let mut registry_ids = BTreeMap::new();
    for (host, r) in &raw.registries {
        let path = at.key("registries").key(host);
        let host_ok = matches!(ImageRef::parse(&format!("{host}/probe")), Ok(parsed) if parsed.registry == *host);
        if !host_ok {
            p.add(&path, format!("{host:?} is not a registry host as image references name it (e.g. registry.example.com, localhost:5000, docker.io)"));
        }
        let bandwidth_bps = opt_bandwidth(&mut p, &path.key("bandwidth"), &r.bandwidth);
        let latency = match &r.latency {
            None => 0,
            Some(q) => match parse_duration_us(&q.0) {
                Ok(v) if v > MAX_LATENCY_US => {
                    p.add(&path.key("latency"), "expected a latency of at most 1h");
                    0
                }
                Ok(v) => v,
                Err(e) => {
                    p.add(&path.key("latency"), e.to_string());
                    0
                }
            },
        };
        let mut repositories = BTreeMap::new();
        for (repo, rr) in &r.repositories {
            let rpath = path.key("repositories").key(repo);
            // Under a host that is not one, every repository would look wrong too: check the path
            // under a stand-in host, so that the host's problem is reported once.
            let check_host = if host_ok { host.as_str() } else { "registry.example.com" };
            match ImageRef::parse(&format!("{check_host}/{repo}")) {
                Ok(parsed) if parsed.registry == check_host && parsed.repository == *repo && parsed.tag.is_none() => {}
                Ok(parsed) => p.add(
                    &rpath,
                    format!(
                        "{repo:?} is not a repository path in its normal form (images under {host} would name it {:?})",
                        parsed.repository
                    ),
                ),
                Err(e) => p.add(&rpath, format!("invalid repository path: {e}")),
            }
            let mut tags = BTreeMap::new();
            for (tag, image) in &rr.tags {
                let tpath = rpath.key("tags").key(tag);
                if !valid_tag(tag) {
                    p.add(&tpath, "invalid tag: expected [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
                }
                match image_ids.get(image) {
                    Some(id) => {
                        tags.insert(tag.clone(), *id);
                    }
                    None => p.add(&tpath, format!("unknown image {image:?}; known: {}", list(image_ids.keys()))),
                }
            }
            repositories.insert(repo.clone(), RepositorySpec { tags });
        }
        let auth = r.auth.as_ref().and_then(|a| {
            let apath = path.key("auth");
            for (user, prefixes) in &a.accept {
                if user.is_empty() {
                    p.add(&apath.key("accept"), "a username is not empty");
                }
                for (i, prefix) in prefixes.iter().enumerate() {
                    if prefix.trim_end_matches('/').is_empty() {
                        p.add(
                            &apath.key("accept").key(user).index(i),
                            "expected a repository prefix (team, team/app) or * for every repository",
                        );
                    }
                }
            }
            a.required.unwrap_or(true).then(|| RegistryAuth { accept: a.accept.clone() })
        });
        registry_ids.insert(host.clone(), RegistryId(registries.len() as u32));
        registries.push(RegistrySpec {
            host: host.clone(),
            bandwidth_bps,
            latency: SimDuration::from_micros(latency),
            repositories,
            auth,
        });
    }

    // Node pools.
    let mut node_pools = Vec::new();
    let mut pool_ids = BTreeMap::new();
    let mut total_nodes: u64 = 0;
    for (name, np) in &raw.node_pools {
        let path = at.key("nodePools").key(name);
        if !valid_name(name) {
            p.add(&path, "pool names are lowercase letters, digits and '-'");
        }
        let count = bounded(&mut p, &path.key("count"), np.count, 0, MAX_NODES);
        total_nodes += count;
        let kubelet = resolve_kubelet(&mut p, &path, &np.kubelet);
        let max_concurrent_downloads = np
            .max_concurrent_downloads
            .map_or(3, |v| bounded(&mut p, &path.key("maxConcurrentDownloads"), v, 1, 1_000) as u32);
        let mut preloaded = Vec::new();
        for (i, r) in np.preloaded.iter().enumerate() {
            let ppath = path.key("preloaded").index(i);
            match resolve_at_start(r, &registries, &registry_ids, &images) {
                Ok((reference, image)) => preloaded.push(PreloadedImage { reference, image }),
                Err(e) => p.add(&ppath, e),
            }
        }
        let node_credentials = np.node_credentials.as_ref().map_or_else(Vec::new, |c| {
            docker_config(&mut p, &path.key("nodeCredentials").key("auths"), &c.auths, &format!("node {name}"))
        });
        pool_ids.insert(name.clone(), PoolId(node_pools.len() as u32));
        node_pools.push(NodePoolSpec {
            node_credentials,
            verification_allowlist: resolve_allowlist(&mut p, &path, &np.kubelet),
            name: name.clone(),
            count: count as u32,
            bandwidth_bps: opt_bandwidth(&mut p, &path.key("bandwidth"), &np.bandwidth),
            disk_write_bps: opt_bandwidth(&mut p, &path.key("diskWrite"), &np.disk_write),
            max_concurrent_downloads,
            kubelet,
            preloaded,
        });
    }

    // Workloads.
    let mut workloads = Vec::new();
    let mut workload_ids = BTreeMap::new();
    let mut peak_pods: BTreeMap<String, u64> = BTreeMap::new();
    let mut daemon_sets: Vec<String> = Vec::new();
    for (name, w) in &raw.workloads {
        let path = at.key("workloads").key(name);
        if !valid_name(name) {
            p.add(&path, "workload names are lowercase letters, digits and '-'");
        }
        let namespace = w.namespace.clone().unwrap_or_else(|| "default".to_string());
        if !valid_name(&namespace) {
            p.add(&path.key("namespace"), "namespaces are lowercase letters, digits and '-'");
        }
        let kind = match w.kind.as_str() {
            "Deployment" => Some(WorkloadKind::Deployment),
            "DaemonSet" => Some(WorkloadKind::DaemonSet),
            "StatefulSet" => Some(WorkloadKind::StatefulSet),
            "Pod" => Some(WorkloadKind::Pod),
            other => {
                p.add(&path.key("kind"), format!("expected Deployment, DaemonSet, StatefulSet or Pod, got {other:?}"));
                None
            }
        };
        let (replicas, pod_spec, spec_path) = match kind {
            Some(WorkloadKind::Pod) => {
                if w.replicas.is_some() {
                    p.add(&path.key("replicas"), "a Pod has no replicas");
                }
                if w.template.is_some() {
                    p.add(&path.key("template"), "a Pod has spec, not template");
                }
                if w.spec.is_none() {
                    p.add(&path, "a Pod needs spec.containers");
                }
                (1, w.spec.as_ref(), path.key("spec"))
            }
            Some(k) => {
                let kind_name = w.kind.as_str();
                if w.spec.is_some() {
                    p.add(&path.key("spec"), format!("a {kind_name} has template.spec, not spec"));
                }
                if w.template.is_none() {
                    p.add(&path, format!("a {kind_name} needs template.spec.containers"));
                }
                let replicas = if k == WorkloadKind::DaemonSet {
                    if w.replicas.is_some() {
                        p.add(
                            &path.key("replicas"),
                            "a DaemonSet has no replicas: it runs one pod on each node of its nodePools",
                        );
                    }
                    0
                } else {
                    w.replicas.map_or(1, |r| bounded(&mut p, &path.key("replicas"), r, 0, MAX_PODS))
                };
                (replicas, w.template.as_ref().map(|t| &t.spec), path.key("template").key("spec"))
            }
            None => (0, None, path.clone()),
        };
        let strategy = resolve_strategy(&mut p, &path, w, kind, &pool_ids);
        let min_ready = match (kind, w.min_ready_seconds) {
            (_, None) => 0,
            (Some(WorkloadKind::Pod), Some(_)) => {
                p.add(&path.key("minReadySeconds"), "a Pod has no minReadySeconds: it belongs to controllers");
                0
            }
            (_, Some(v)) => bounded(&mut p, &path.key("minReadySeconds"), v, 0, MAX_SECONDS),
        };
        let kind = kind.unwrap_or(WorkloadKind::Pod);
        let template = pod_spec.map(|s| resolve_pod_spec(&mut p, &spec_path, s)).unwrap_or_default();
        if kind == WorkloadKind::DaemonSet {
            daemon_sets.push(name.clone());
        } else {
            peak_pods.insert(name.clone(), replicas);
        }
        workload_ids.insert(name.clone(), WorkloadId(workloads.len() as u32));
        workloads.push(WorkloadSpec {
            name: name.clone(),
            namespace,
            kind,
            replicas: replicas as u32,
            template,
            strategy,
            min_ready: SimDuration::from_secs(min_ready),
        });
    }
    // A bare Pod is named after its workload; a controller's pods are <name>-<ordinal>. They must not collide.
    for pod in workloads.iter().filter(|w| w.kind == WorkloadKind::Pod) {
        let clash = workloads.iter().find(|d| {
            d.kind != WorkloadKind::Pod
                && d.namespace == pod.namespace
                && pod.name.strip_prefix(&format!("{}-", d.name)).is_some_and(|n| n.bytes().all(|c| c.is_ascii_digit()))
        });
        if let Some(d) = clash {
            p.add(
                &at.key("workloads").key(&pod.name),
                format!(
                    "Pod {:?} would have the same name as a pod of {} {:?} in namespace {:?}",
                    pod.name,
                    d.kind.name(),
                    d.name,
                    d.namespace
                ),
            );
        }
    }

    // Timeline.
    if raw.timeline.len() > MAX_TIMELINE {
        p.add(&at.key("timeline"), format!("at most {MAX_TIMELINE} timeline entries"));
    }
    let mut timeline = Vec::new();
    for (i, e) in raw.timeline.iter().enumerate().take(MAX_TIMELINE) {
        let path = at.key("timeline").index(i);
        let at_us = match parse_duration_us(&e.at.0) {
            Ok(v) => v,
            Err(err) => {
                p.add(&path.key("at"), err.to_string());
                continue;
            }
        };
        if at_us > duration && duration > 0 {
            p.add(&path.key("at"), "expected a time within the run's duration");
        }
        let actions = [
            e.push_tag.is_some(),
            e.scale.is_some(),
            e.set_image.is_some(),
            e.set_image_pull_policy.is_some(),
            e.add_nodes.is_some(),
            e.remove_nodes.is_some(),
            e.replace_nodes.is_some(),
            e.registry_outage.is_some(),
        ];
        if actions.iter().filter(|x| **x).count() != 1 {
            p.add(
                &path,
                "expected exactly one action: pushTag, scale, setImage, setImagePullPolicy, addNodes, removeNodes, \
                 replaceNodes or registryOutage",
            );
            continue;
        }
        let action = if let Some(a) = &e.push_tag {
            let apath = path.key("pushTag");
            let image = image_ids.get(&a.manifest).copied();
            if image.is_none() {
                p.add(
                    &apath.key("manifest"),
                    format!("unknown image {:?}; known: {}", a.manifest, list(image_ids.keys())),
                );
            }
            match ImageRef::parse(&a.image) {
                Ok(r) if r.digest.is_some() || r.tag.is_none() => {
                    p.add(
                        &apath.key("image"),
                        "expected a reference with a tag and no digest, e.g. registry.example.com/team/app:latest",
                    );
                    None
                }
                Ok(r) => match (registry_ids.get(&r.registry), image) {
                    (Some(reg), Some(image)) => Some(Action::PushTag {
                        registry: *reg,
                        repository: r.repository.clone(),
                        tag: r.tag.clone().unwrap_or_default(),
                        image,
                    }),
                    (None, _) => {
                        p.add(
                            &apath.key("image"),
                            format!("unknown registry {:?}; known: {}", r.registry, list(registry_ids.keys())),
                        );
                        None
                    }
                    _ => None,
                },
                Err(err) => {
                    p.add(&apath.key("image"), format!("invalid image reference: {err}"));
                    None
                }
            }
        } else if let Some(a) = &e.scale {
            let apath = path.key("scale");
            let replicas = bounded(&mut p, &apath.key("replicas"), a.replicas, 0, MAX_PODS);
            let found = controller(&mut p, &apath, &a.workload, &workload_ids, &workloads, Controllers::Scalable);
            found.map(|w| {
                let peak = peak_pods.entry(a.workload.clone()).or_default();
                *peak = (*peak).max(replicas);
                Action::Scale { workload: w, replicas: replicas as u32 }
            })
        } else if let Some(a) = &e.set_image {
            let apath = path.key("setImage");
            let found = controller(&mut p, &apath, &a.workload, &workload_ids, &workloads, Controllers::Any);
            let container =
                found.and_then(|w| template_container(&mut p, &apath, &workloads[w.0 as usize], &a.container));
            if a.image.is_empty() {
                p.add(&apath.key("image"), "expected an image");
            }
            found.zip(container).map(|(w, container)| Action::SetImage {
                workload: w,
                container,
                image: a.image.clone(),
            })
        } else if let Some(a) = &e.set_image_pull_policy {
            let apath = path.key("setImagePullPolicy");
            let found = controller(&mut p, &apath, &a.workload, &workload_ids, &workloads, Controllers::Any);
            let container =
                found.and_then(|w| template_container(&mut p, &apath, &workloads[w.0 as usize], &a.container));
            let policy = PullPolicy::parse(&a.policy);
            if policy.is_none() {
                p.add(&apath.key("policy"), format!("expected Always, IfNotPresent or Never, got {:?}", a.policy));
            }
            match (found, container, policy) {
                (Some(w), Some(container), Some(policy)) => {
                    Some(Action::SetImagePullPolicy { workload: w, container, policy })
                }
                _ => None,
            }
        } else if let Some(a) = &e.add_nodes {
            let apath = path.key("addNodes");
            let count = bounded(&mut p, &apath.key("count"), a.count, 1, MAX_NODES);
            total_nodes += count;
            match pool_ids.get(&a.pool) {
                Some(pool) => Some(Action::AddNodes { pool: *pool, count: count as u32 }),
                None => {
                    p.add(
                        &apath.key("pool"),
                        format!("unknown node pool {:?}; known: {}", a.pool, list(pool_ids.keys())),
                    );
                    None
                }
            }
        } else if let Some(a) = &e.remove_nodes {
            let apath = path.key("removeNodes");
            let count = bounded(&mut p, &apath.key("count"), a.count, 1, MAX_NODES);
            known_pool(&mut p, &apath, &a.pool, &pool_ids).map(|pool| Action::RemoveNodes { pool, count: count as u32 })
        } else if let Some(a) = &e.replace_nodes {
            let apath = path.key("replaceNodes");
            let count = bounded(&mut p, &apath.key("count"), a.count, 1, MAX_NODES);
            // Each replaced node is a new node: count them against the run's node limit.
            total_nodes += count;
            let max_unavailable =
                a.max_unavailable.map_or(1, |v| bounded(&mut p, &apath.key("maxUnavailable"), v, 1, MAX_NODES));
            known_pool(&mut p, &apath, &a.pool, &pool_ids).map(|pool| Action::ReplaceNodes {
                pool,
                count: count as u32,
                max_unavailable: max_unavailable as u32,
            })
        } else if let Some(a) = &e.registry_outage {
            let apath = path.key("registryOutage");
            let d = match parse_duration_us(&a.duration.0) {
                Ok(0) => {
                    p.add(&apath.key("duration"), "expected a duration above zero");
                    0
                }
                Ok(d) => d,
                Err(err) => {
                    p.add(&apath.key("duration"), err.to_string());
                    0
                }
            };
            match registry_ids.get(&a.registry) {
                Some(r) => Some(Action::RegistryOutage { registry: *r, duration: SimDuration::from_micros(d) }),
                None => {
                    p.add(
                        &apath.key("registry"),
                        format!("unknown registry {:?}; known: {}", a.registry, list(registry_ids.keys())),
                    );
                    None
                }
            }
        } else {
            None
        };
        if let Some(action) = action {
            timeline.push(TimelineEvent { at: SimTime::from_micros(at_us), action });
        }
    }
    timeline.sort_by_key(|e| e.at);

    if total_nodes > MAX_NODES {
        p.add(&at.key("nodePools"), format!("{total_nodes} nodes in all; at most {MAX_NODES} are supported"));
    }
    // A DaemonSet may run a pod on every node the run ever has.
    for d in daemon_sets {
        peak_pods.insert(d, total_nodes);
    }
    let total_pods: u64 = peak_pods.values().sum();
    if total_pods > MAX_PODS {
        p.add(&at.key("workloads"), format!("up to {total_pods} pods at once; at most {MAX_PODS} are supported"));
    }

    let admission = match &raw.admission {
        None => Admission::default(),
        Some(a) => {
            let pin_digests = match a.pin_digests.as_deref() {
                None => None,
                Some("Pod") => Some(PinDigests::Pod),
                Some("Template") => Some(PinDigests::Template),
                Some(other) => {
                    p.add(&at.key("admission").key("pinDigests"), format!("expected Pod or Template, got {other:?}"));
                    None
                }
            };
            Admission { always_pull_images: a.always_pull_images.unwrap_or(false), pin_digests }
        }
    };
    let scheduler =
        SchedulerSpec { image_locality: raw.scheduler.as_ref().and_then(|s| s.image_locality).unwrap_or(false) };
    let mut secrets: BTreeMap<String, BTreeMap<String, SecretSpec>> = BTreeMap::new();
    for (ns, n) in &raw.namespaces {
        let npath = at.key("namespaces").key(ns);
        if !valid_name(ns) {
            p.add(&npath, "namespaces are lowercase letters, digits and '-'");
        }
        for (name, s) in &n.secrets {
            let spath = npath.key("secrets").key(name);
            let kind = match s.kind.as_str() {
                "kubernetes.io/dockerconfigjson" => SecretType::DockerConfigJson,
                "kubernetes.io/dockercfg" => SecretType::Dockercfg,
                "" => {
                    p.add(&spath.key("type"), "expected a Secret type such as kubernetes.io/dockerconfigjson");
                    SecretType::Other(String::new())
                }
                other => SecretType::Other(other.to_string()),
            };
            let auths = docker_config(&mut p, &spath.key("auths"), &s.auths, &format!("secret {ns}/{name}"));
            secrets.entry(ns.clone()).or_default().insert(name.clone(), SecretSpec { kind, auths });
        }
    }
    // The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount): a pod that lists no
    // imagePullSecrets gets its ServiceAccount's, names only, in order; a ServiceAccount other than `default`
    // (which every namespace has) that does not exist makes it refuse every pod.
    for (name, w) in &raw.workloads {
        let Some(spec) = workloads.iter_mut().find(|s| s.name == *name) else { continue };
        let template = &mut spec.template;
        let accounts = raw.namespaces.get(&spec.namespace).map(|n| &n.service_accounts);
        match accounts.and_then(|a| a.get(&template.service_account)) {
            Some(sa) => {
                if template.image_pull_secrets.is_empty() {
                    template.image_pull_secrets = sa.image_pull_secrets.iter().map(|r| r.name.clone()).collect();
                }
            }
            None if template.service_account == "default" => {}
            None => {
                let pod_spec = if w.kind == "Pod" { "spec" } else { "template" };
                let mut path = at.key("workloads").key(name).key(pod_spec);
                if pod_spec == "template" {
                    path = path.key("spec");
                }
                p.add(
                    &path.key("serviceAccountName"),
                    format!(
                        "no ServiceAccount {:?} in namespace {:?} (spec.namespaces.{}.serviceAccounts): the ServiceAccount admission plugin would refuse every pod (Forbidden)",
                        template.service_account, spec.namespace, spec.namespace
                    ),
                );
            }
        }
    }
    if !p.0.is_empty() {
        return Err(p.0);
    }
    Ok(ClusterSpec {
        admission,
        scheduler,
        secrets,
        seed: raw.seed.unwrap_or(0),
        duration: SimDuration::from_micros(duration),
        layers,
        images,
        registries,
        node_pools,
        workloads,
        timeline,
        max_trace_events: crate::model::MAX_TRACE_EVENTS,
    })
}

/// KubeletConfiguration defaulting (v1beta1 defaults.go) and validation (validation.go) for the pull fields.
fn resolve_kubelet(p: &mut Problems, pool: &FieldPath, k: &RawKubelet) -> KubeletConfig {
    let path = pool.key("kubelet");
    let max = k.max_parallel_image_pulls;
    // serializeImagePulls defaults to true unless maxParallelImagePulls >= 2 is set.
    let serialize = k.serialize_image_pulls.unwrap_or(!matches!(max, Some(m) if m >= 2));
    let fails = "the kubelet fails to start: invalid configuration:";
    if let Some(m) = max {
        if m < 1 {
            p.add(
                &path.key("maxParallelImagePulls"),
                format!("{fails} maxParallelImagePulls {m} must be a positive number"),
            );
        } else if serialize && m > 1 {
            p.add(
                &path.key("maxParallelImagePulls"),
                format!("{fails} maxParallelImagePulls cannot be larger than 1 unless SerializeImagePulls (--serialize-image-pulls) is set to false"),
            );
        } else if m > 1_000_000 {
            p.add(&path.key("maxParallelImagePulls"), "expected at most 1000000");
        }
    }
    let qps = k.registry_pull_qps.unwrap_or(5);
    if qps < 0 {
        p.add(
            &path.key("registryPullQPS"),
            format!("{fails} registryPullQPS (--registry-qps) {qps} must not be a negative number"),
        );
    }
    for (key, v) in [("registryPullQPS", k.registry_pull_qps), ("registryBurst", k.registry_burst)] {
        if v.is_some_and(|v| v > i64::from(i32::MAX)) {
            p.add(
                &path.key(key),
                format!("expected a 32-bit integer (at most {}), as the kubelet's field is", i32::MAX),
            );
        }
    }
    let burst = k.registry_burst.unwrap_or(10);
    if burst < 0 {
        p.add(
            &path.key("registryBurst"),
            format!("{fails} registryBurst (--registry-burst) {burst} must not be a negative number"),
        );
    }
    KubeletConfig {
        serialize_image_pulls: serialize,
        max_parallel_image_pulls: max.filter(|m| (1..=1_000_000).contains(m)).map(|m| m as u32),
        registry_pull_qps: qps.clamp(0, i64::from(i32::MAX)) as u32,
        registry_burst: burst.clamp(0, i64::from(i32::MAX)) as u32,
        cancel_pull_on_pod_delete: k.cancel_pull_on_pod_delete.unwrap_or(false),
        ensure_secret_pulled_images: k
            .feature_gates
            .as_ref()
            .and_then(|g| g.ensure_secret_pulled_images)
            .unwrap_or(true),
        verification_policy: match k.image_pull_credentials_verification_policy.as_deref() {
            None | Some("NeverVerifyPreloadedImages") => VerificationPolicy::NeverVerifyPreloadedImages,
            Some("NeverVerify") => VerificationPolicy::NeverVerify,
            Some("NeverVerifyAllowlistedImages") => VerificationPolicy::NeverVerifyAllowlistedImages,
            Some("AlwaysVerify") => VerificationPolicy::AlwaysVerify,
            Some(other) => {
                p.add(
                    &path.key("imagePullCredentialsVerificationPolicy"),
                    format!("{fails} expected NeverVerify, NeverVerifyPreloadedImages, NeverVerifyAllowlistedImages or AlwaysVerify, got {other:?}"),
                );
                VerificationPolicy::default()
            }
        },
    }
}

/// `preloadedImagesVerificationAllowlist` validation: each entry a normalised image name without tag or digest
/// (`docker.io/library/nginx`, not `nginx`), or such a prefix ending in `/*`.
fn resolve_allowlist(p: &mut Problems, pool: &FieldPath, k: &RawKubelet) -> Vec<String> {
    let list = k.preloaded_images_verification_allowlist.clone().unwrap_or_default();
    for (i, entry) in list.iter().enumerate() {
        let (body, prefix) = match entry.strip_suffix("/*") {
            Some(body) => (body, true),
            None => (entry.as_str(), false),
        };
        let normal = prefix
            || ImageRef::parse(body).ok().is_some_and(|r| r.name() == body && r.tag.is_none() && r.digest.is_none());
        if body.is_empty() || body.contains(['*', ' ']) || !normal {
            p.add(
                &pool.key("kubelet").key("preloadedImagesVerificationAllowlist").index(i),
                "expected a normalised image name without tag or digest (docker.io/library/nginx), or such a prefix ending in /*",
            );
        }
    }
    list
}

fn resolve_pod_spec(p: &mut Problems, path: &FieldPath, s: &RawPodSpec) -> PodTemplate {
    if s.containers.is_empty() {
        p.add(&path.key("containers"), "expected at least one container");
    }
    let mut names = BTreeSet::new();
    let mut conv = |p: &mut Problems, list: &[RawContainer], key: &str| -> Vec<ContainerSpec> {
        list.iter()
            .enumerate()
            .map(|(i, c)| {
                let cpath = path.key(key).index(i);
                if !names.insert(c.name.clone()) {
                    p.add(&cpath.key("name"), format!("duplicate container name {:?}", c.name));
                }
                if !valid_name(&c.name) {
                    p.add(
                        &cpath.key("name"),
                        "container names are 1-63 lowercase letters, digits and '-' (a DNS label)",
                    );
                }
                if c.image.is_empty() {
                    p.add(&cpath.key("image"), "Required value: expected an image");
                }
                let policy = c.image_pull_policy.as_deref().and_then(|s| {
                    let parsed = PullPolicy::parse(s);
                    if parsed.is_none() {
                        p.add(
                            &cpath.key("imagePullPolicy"),
                            format!("expected Always, IfNotPresent or Never, got {s:?}"),
                        );
                    }
                    parsed
                });
                let mut spec = ContainerSpec::new(&c.name, &c.image, policy);
                if let Some(q) = &c.readiness_delay {
                    if key == "initContainers" {
                        p.add(
                            &cpath.key("readinessDelay"),
                            "an init container is never Ready: readinessDelay belongs to containers",
                        );
                    }
                    spec.readiness_delay = delay(p, &cpath.key("readinessDelay"), q);
                }
                if let Some(q) = &c.termination_delay {
                    spec.termination_delay = delay(p, &cpath.key("terminationDelay"), q);
                }
                if let Some(q) = &c.run_duration {
                    if key == "containers" {
                        p.add(
                            &cpath.key("runDuration"),
                            "an app container runs until its pod is deleted: runDuration belongs to initContainers",
                        );
                    }
                    spec.run_duration = delay(p, &cpath.key("runDuration"), q);
                }
                spec
            })
            .collect()
    };
    let init_containers = conv(p, &s.init_containers, "initContainers");
    let containers = conv(p, &s.containers, "containers");
    let termination_grace = match s.termination_grace_period_seconds {
        None => DEFAULT_TERMINATION_GRACE,
        Some(v) => SimDuration::from_secs(bounded(p, &path.key("terminationGracePeriodSeconds"), v, 0, MAX_SECONDS)),
    };
    let image_pull_secrets = s.image_pull_secrets.iter().map(|r| r.name.clone()).collect();
    let service_account = match s.service_account_name.as_deref() {
        None | Some("") => "default".to_string(),
        Some(name) => {
            if !valid_name(name) {
                p.add(&path.key("serviceAccountName"), "ServiceAccount names are lowercase letters, digits and '-'");
            }
            name.to_string()
        }
    };
    PodTemplate { init_containers, containers, termination_grace, image_pull_secrets, service_account }
}

/// A docker config's `auths`, as the kubelet reads them (credentialprovider/config.go): a non-empty `auth`
/// (base64 of `username:password`, padded or not) overrides `username`; its user part is what the registry
/// checks. A malformed `auth` makes the kubelet refuse the whole payload; here it is refused as bad input.
fn docker_config(
    p: &mut Problems,
    path: &FieldPath,
    auths: &BTreeMap<String, RawAuthEntry>,
    source: &str,
) -> Vec<(String, Credential)> {
    use base64::Engine;
    let mut out = Vec::new();
    for (loc, e) in auths {
        let username = match e.auth.as_deref().filter(|a| !a.is_empty()) {
            None => e.username.clone().unwrap_or_default(),
            Some(a) => {
                let engine = if a.trim().ends_with('=') {
                    &base64::engine::general_purpose::STANDARD
                } else {
                    &base64::engine::general_purpose::STANDARD_NO_PAD
                };
                let decoded = engine.decode(a.trim()).ok().and_then(|b| String::from_utf8(b).ok());
                match decoded.as_deref().and_then(|d| d.split_once(':')) {
                    Some((user, _)) => user.to_string(),
                    None => {
                        p.add(
                            &path.key(loc).key("auth"),
                            "unable to parse auth field, must be formatted as base64(username:password)",
                        );
                        String::new()
                    }
                }
            }
        };
        out.push((loc.clone(), Credential { source: source.to_string(), username }));
    }
    out
}

/// Resolves a preloaded reference against the registries as they are at the start of the run.
fn resolve_at_start(
    r: &str,
    registries: &[RegistrySpec],
    registry_ids: &BTreeMap<String, RegistryId>,
    images: &[ImageSpec],
) -> Result<(ImageRef, ImageId), String> {
    let reference = ImageRef::parse(r).map_err(|e| format!("invalid image reference: {e}"))?;
    let reg = registry_ids
        .get(&reference.registry)
        .ok_or_else(|| format!("unknown registry {:?}; known: {}", reference.registry, list(registry_ids.keys())))?;
    let repo = registries[reg.0 as usize]
        .repositories
        .get(&reference.repository)
        .ok_or_else(|| format!("registry {} has no repository {:?}", reference.registry, reference.repository))?;
    let image = match &reference.digest {
        Some(d) => images
            .iter()
            .position(|im| im.digest == *d)
            .map(|i| ImageId(i as u32))
            .filter(|i| repo.tags.values().any(|t| t == i))
            .ok_or_else(|| format!("no image with digest {d} is tagged in {}", reference.name()))?,
        None => {
            let tag = reference.effective_tag().unwrap_or("latest");
            *repo.tags.get(tag).ok_or_else(|| format!("{} has no tag {tag:?} at the start", reference.name()))?
        }
    };
    Ok((reference, image))
}

/// Which workloads a timeline action applies to.
#[derive(Clone, Copy, PartialEq)]
enum Controllers {
    /// `scale`: Deployments and StatefulSets (a DaemonSet follows its nodes).
    Scalable,
    /// Template changes: every controller.
    Any,
}

/// The controller called `name` for a timeline action at `path`, or a problem there: unknown, or of a kind
/// the action does not apply to.
fn controller(
    p: &mut Problems,
    path: &FieldPath,
    name: &str,
    ids: &BTreeMap<String, WorkloadId>,
    workloads: &[WorkloadSpec],
    which: Controllers,
) -> Option<WorkloadId> {
    match ids.get(name) {
        Some(w) => {
            let kind = workloads[w.0 as usize].kind;
            let ok = match which {
                Controllers::Scalable => matches!(kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet),
                Controllers::Any => kind != WorkloadKind::Pod,
            };
            if !ok {
                let message = match which {
                    Controllers::Scalable => {
                        format!("only a Deployment or a StatefulSet can be scaled ({name:?} is a {})", kind.name())
                    }
                    Controllers::Any => format!(
                        "only a Deployment's, DaemonSet's or StatefulSet's template can be updated ({name:?} is a Pod)"
                    ),
                };
                p.add(&path.key("workload"), message);
                return None;
            }
            Some(*w)
        }
        None => {
            p.add(&path.key("workload"), format!("unknown workload {name:?}; known: {}", list(ids.keys())));
            None
        }
    }
}

/// The pool called `name` for a node action at `path`, or a problem there.
fn known_pool(p: &mut Problems, path: &FieldPath, name: &str, ids: &BTreeMap<String, PoolId>) -> Option<PoolId> {
    let found = ids.get(name).copied();
    if found.is_none() {
        p.add(&path.key("pool"), format!("unknown node pool {name:?}; known: {}", list(ids.keys())));
    }
    found
}

/// Most seconds in an int32 seconds field of the API (minReadySeconds, terminationGracePeriodSeconds).
const MAX_SECONDS: u64 = i32::MAX as u64;

/// A container's delay (readinessDelay, terminationDelay, runDuration): a duration, zero allowed.
fn delay(p: &mut Problems, path: &FieldPath, q: &Quantity) -> SimDuration {
    match parse_duration_us(&q.0) {
        Ok(v) if v > MAX_SECONDS * 1_000_000 => {
            p.add(path, format!("expected at most {MAX_SECONDS}s"));
            SimDuration::ZERO
        }
        Ok(v) => SimDuration::from_micros(v),
        Err(e) => {
            p.add(path, e.to_string());
            SimDuration::ZERO
        }
    }
}

/// An `IntOrString` field of a rolling update: a whole number or `"N%"` (at most 100% when `at_most_100`),
/// as apps/v1 validation checks it (ValidatePositiveIntOrPercent, IsNotMoreThan100Percent).
fn int_or_percent(p: &mut Problems, path: &FieldPath, raw: &RawIntOrPercent, at_most_100: bool) -> IntOrPercent {
    match raw {
        RawIntOrPercent::Int(v) => IntOrPercent::Int(bounded(p, path, *v, 0, MAX_PODS) as u32),
        RawIntOrPercent::Text(t) => {
            let n =
                t.strip_suffix('%').filter(|n| !n.is_empty() && n.len() <= 9 && n.bytes().all(|b| b.is_ascii_digit()));
            match n.map(|n| n.parse::<u32>().unwrap_or(u32::MAX)) {
                Some(v) if at_most_100 && v > 100 => {
                    p.add(path, format!("must not be greater than 100%, got {t:?}"));
                    IntOrPercent::Percent(100)
                }
                Some(v) => IntOrPercent::Percent(v),
                None => {
                    p.add(path, format!("must be a whole number or a percentage (e.g. 25%), got {t:?}"));
                    IntOrPercent::Int(0)
                }
            }
        }
    }
}

/// A workload's controller settings: `strategy` (Deployment), `updateStrategy` (DaemonSet, StatefulSet),
/// `podManagementPolicy` (StatefulSet), `nodePools` (DaemonSet), defaulted as apps/v1 defaults them and
/// checked as its validation does; a field of another kind is refused.
fn resolve_strategy(
    p: &mut Problems,
    path: &FieldPath,
    w: &RawWorkload,
    kind: Option<WorkloadKind>,
    pool_ids: &BTreeMap<String, PoolId>,
) -> WorkloadStrategy {
    let kind_name = w.kind.as_str();
    let Some(kind) = kind else { return WorkloadStrategy::Pod };
    let refuse = |p: &mut Problems, given: bool, key: &str, whose: &str| {
        if given {
            p.add(&path.key(key), format!("{key} is a field of a {whose}, not of a {kind_name}"));
        }
    };
    if kind != WorkloadKind::Deployment {
        refuse(p, w.strategy.is_some(), "strategy", "Deployment (DaemonSets and StatefulSets have updateStrategy)");
    }
    if !matches!(kind, WorkloadKind::DaemonSet | WorkloadKind::StatefulSet) {
        refuse(
            p,
            w.update_strategy.is_some(),
            "updateStrategy",
            "DaemonSet or StatefulSet (a Deployment has strategy)",
        );
    }
    if kind != WorkloadKind::StatefulSet {
        refuse(p, w.pod_management_policy.is_some(), "podManagementPolicy", "StatefulSet");
    }
    if kind != WorkloadKind::DaemonSet {
        refuse(p, w.node_pools.is_some(), "nodePools", "DaemonSet");
    }
    // The strategy's type, defaulted to RollingUpdate; rollingUpdate is refused with another type.
    let strategy_type = |p: &mut Problems, key: &str, s: &RawStrategy, other: &str| -> bool {
        let spath = path.key(key);
        match s.kind.as_deref() {
            None | Some("RollingUpdate") => true,
            Some(t) if t == other => {
                if s.rolling_update.is_some() {
                    p.add(&spath.key("rollingUpdate"), format!("may not be specified when strategy type is '{other}'"));
                }
                false
            }
            Some(t) => {
                p.add(&spath.key("type"), format!("expected RollingUpdate or {other}, got {t:?}"));
                true
            }
        }
    };
    match kind {
        WorkloadKind::Pod => WorkloadStrategy::Pod,
        WorkloadKind::Deployment => {
            let Some(s) = &w.strategy else { return WorkloadStrategy::Deployment(Default::default()) };
            if !strategy_type(p, "strategy", s, "Recreate") {
                return WorkloadStrategy::Deployment(DeploymentStrategy::Recreate);
            }
            let rpath = path.key("strategy").key("rollingUpdate");
            let ru = s.rolling_update.as_ref();
            if ru.is_some_and(|r| r.partition.is_some()) {
                p.add(&rpath.key("partition"), "partition is a field of a StatefulSet's rollingUpdate");
            }
            let max_surge = ru
                .and_then(|r| r.max_surge.as_ref())
                .map_or(IntOrPercent::Percent(25), |v| int_or_percent(p, &rpath.key("maxSurge"), v, false));
            let max_unavailable = ru
                .and_then(|r| r.max_unavailable.as_ref())
                .map_or(IntOrPercent::Percent(25), |v| int_or_percent(p, &rpath.key("maxUnavailable"), v, true));
            if max_surge.literal() == 0 && max_unavailable.literal() == 0 {
                p.add(&rpath.key("maxUnavailable"), "may not be 0 when maxSurge is 0");
            }
            WorkloadStrategy::Deployment(DeploymentStrategy::RollingUpdate { max_surge, max_unavailable })
        }
        WorkloadKind::DaemonSet => {
            let pools = match &w.node_pools {
                None => Vec::new(),
                Some(names) if names.is_empty() => {
                    p.add(&path.key("nodePools"), "expected at least one pool (leave nodePools out for every pool)");
                    Vec::new()
                }
                Some(names) => {
                    let mut pools = Vec::new();
                    for (i, name) in names.iter().enumerate() {
                        let ipath = path.key("nodePools").index(i);
                        match pool_ids.get(name) {
                            Some(id) if pools.contains(id) => p.add(&ipath, format!("pool {name:?} is listed twice")),
                            Some(id) => pools.push(*id),
                            None => {
                                p.add(&ipath, format!("unknown node pool {name:?}; known: {}", list(pool_ids.keys())))
                            }
                        }
                    }
                    pools.sort();
                    pools
                }
            };
            let update = match &w.update_strategy {
                None => DaemonSetUpdate::default(),
                Some(s) if !strategy_type(p, "updateStrategy", s, "OnDelete") => DaemonSetUpdate::OnDelete,
                Some(s) => {
                    let rpath = path.key("updateStrategy").key("rollingUpdate");
                    let ru = s.rolling_update.as_ref();
                    if ru.is_some_and(|r| r.partition.is_some()) {
                        p.add(&rpath.key("partition"), "partition is a field of a StatefulSet's rollingUpdate");
                    }
                    let max_unavailable = ru
                        .and_then(|r| r.max_unavailable.as_ref())
                        .map_or(IntOrPercent::Int(1), |v| int_or_percent(p, &rpath.key("maxUnavailable"), v, true));
                    let max_surge = ru
                        .and_then(|r| r.max_surge.as_ref())
                        .map_or(IntOrPercent::Int(0), |v| int_or_percent(p, &rpath.key("maxSurge"), v, true));
                    if max_surge.literal() == 0 && max_unavailable.literal() == 0 {
                        p.add(&rpath.key("maxUnavailable"), "may not be 0 when maxSurge is 0");
                    }
                    DaemonSetUpdate::RollingUpdate { max_unavailable, max_surge }
                }
            };
            WorkloadStrategy::DaemonSet { update, pools }
        }
        WorkloadKind::StatefulSet => {
            let policy = match w.pod_management_policy.as_deref() {
                None | Some("OrderedReady") => PodManagementPolicy::OrderedReady,
                Some("Parallel") => PodManagementPolicy::Parallel,
                Some(other) => {
                    p.add(
                        &path.key("podManagementPolicy"),
                        format!("expected OrderedReady or Parallel, got {other:?}"),
                    );
                    PodManagementPolicy::OrderedReady
                }
            };
            let update = match &w.update_strategy {
                None => StatefulSetUpdate::default(),
                Some(s) if !strategy_type(p, "updateStrategy", s, "OnDelete") => StatefulSetUpdate::OnDelete,
                Some(s) => {
                    let rpath = path.key("updateStrategy").key("rollingUpdate");
                    let ru = s.rolling_update.as_ref();
                    if ru.is_some_and(|r| r.max_surge.is_some() || r.max_unavailable.is_some()) {
                        p.add(
                            &rpath,
                            "a StatefulSet's rollingUpdate takes partition only (maxSurge is not a StatefulSet \
                             field; maxUnavailable is an alpha feature pullsim does not model)",
                        );
                    }
                    let partition = ru
                        .and_then(|r| r.partition)
                        .map_or(0, |v| bounded(p, &rpath.key("partition"), v, 0, MAX_PODS) as u32);
                    StatefulSetUpdate::RollingUpdate { partition }
                }
            };
            WorkloadStrategy::StatefulSet { policy, update }
        }
    }
}

fn opt_bandwidth(p: &mut Problems, path: &FieldPath, q: &Option<Quantity>) -> Option<u64> {
    let q = q.as_ref()?;
    match parse_bandwidth_bps(&q.0) {
        Ok(0) => {
            p.add(path, "expected a bandwidth above zero (omit it for unlimited)");
            None
        }
        Ok(v) => Some(v),
        Err(e) => {
            p.add(path, e.to_string());
            None
        }
    }
}

fn bounded(p: &mut Problems, path: &FieldPath, v: i64, min: u64, max: u64) -> u64 {
    if v < min as i64 || v as u64 > max {
        p.add(path, format!("expected a whole number from {min} to {max}, got {v}"));
        return min;
    }
    v as u64
}

fn check_digest(p: &mut Problems, path: &FieldPath, d: &str) {
    let ok = d
        .strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    if !ok {
        p.add(path, "expected sha256: followed by 64 lowercase hex digits");
    }
}

fn valid_tag(t: &str) -> bool {
    let b = t.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

const OBJECT_NAME_RULE: &str = "names are 1-253 characters: letters, digits, '.', '_' or '-'";

/// Names of layers and images: free-form but printable and short.
fn valid_object_name(n: &str) -> bool {
    !n.is_empty() && n.len() <= 253 && n.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 63
        && n.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && !n.starts_with('-')
        && !n.ends_with('-')
}

/// The container a timeline action names in a workload's template: `container` when given and there, else
/// the only container.
fn template_container(
    p: &mut Problems,
    apath: &FieldPath,
    workload: &WorkloadSpec,
    container: &Option<String>,
) -> Option<String> {
    let t = &workload.template;
    let names: Vec<&str> = t.in_start_order().map(|c| c.name.as_str()).collect();
    match container {
        Some(c) if names.contains(&c.as_str()) => Some(c.clone()),
        Some(c) => {
            p.add(
                &apath.key("container"),
                if names.is_empty() {
                    format!("unknown container {c:?}; the template has no containers")
                } else {
                    format!("unknown container {c:?}; the template has {}", names.join(", "))
                },
            );
            None
        }
        None if t.containers.len() == 1 && t.init_containers.is_empty() => Some(t.containers[0].name.clone()),
        None => {
            p.add(apath, "the template has several containers: name one with container");
            None
        }
    }
}

fn list<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<&str> = names.map(|s| s.as_str()).collect();
    if v.is_empty() {
        "none".to_string()
    } else {
        v.join(", ")
    }
}

/// Checks the shape of `spec.sweep` (`at` is its path): seeds, parameter paths, value lists. Whether each
/// point gives a valid spec is checked later, against the variants ([`super::Scenario::check_sweep`]).
pub(crate) fn resolve_sweep(raw: &RawSweep, at: &FieldPath) -> Result<super::Sweep, Vec<Problem>> {
    let mut p = Problems::default();
    let max = super::MAX_SWEEP_RUNS;
    if raw.seeds.is_none() && raw.parameters.is_none() {
        p.add(at, "expected seeds, parameters or both");
    }
    let seeds = match &raw.seeds {
        None => None,
        Some(RawSeeds::List(list)) => {
            let path = at.key("seeds");
            if list.is_empty() {
                p.add(&path, "expected at least one seed");
            } else if list.len() as u64 > max {
                p.add(&path, format!("{} seeds; a sweep runs at most {max}", list.len()));
            } else {
                let mut seen = BTreeSet::new();
                for (i, s) in list.iter().enumerate() {
                    if !seen.insert(*s) {
                        p.add(&path.index(i), format!("seed {s} appears twice; each seed runs once"));
                    }
                }
            }
            Some(list.clone())
        }
        Some(RawSeeds::Range(r)) => {
            let path = at.key("seeds");
            let count = bounded(&mut p, &path.key("count"), r.count, 1, max);
            if r.from.checked_add(count - 1).is_none() {
                p.add(&path.key("from"), format!("seeds from {} on would pass the largest seed {}", r.from, u64::MAX));
                None
            } else if p.0.is_empty() {
                Some((r.from..=r.from + (count - 1)).collect())
            } else {
                None
            }
        }
    };
    let mut parameters: Vec<super::SweepParameter> = Vec::new();
    if let Some(list) = &raw.parameters {
        let lpath = at.key("parameters");
        if list.is_empty() {
            p.add(&lpath, "expected at least one parameter (or leave parameters out)");
        }
        for (i, rp) in list.iter().enumerate() {
            let ppath = lpath.index(i);
            let keys = match super::parse_sweep_path(&rp.path) {
                Ok(k) => k,
                Err(e) => {
                    p.add(&ppath.key("path"), e);
                    continue;
                }
            };
            if rp.values.is_empty() {
                p.add(&ppath.key("values"), "expected at least one value");
            }
            if rp.values.len() as u64 > max {
                p.add(&ppath.key("values"), format!("{} values; a sweep runs at most {max}", rp.values.len()));
            }
            if let Some(other) = parameters.iter().find(|o| overlaps(&o.keys, &keys)) {
                p.add(
                    &ppath.key("path"),
                    format!(
                        "{:?} overlaps {:?} (parameters[{}]): a field can be swept by one parameter only",
                        rp.path,
                        other.path,
                        other.file_index.unwrap_or(0)
                    ),
                );
                continue;
            }
            parameters.push(super::SweepParameter {
                path: rp.path.clone(),
                keys,
                values: rp.values.clone(),
                file_index: Some(i),
            });
        }
    }
    if !p.0.is_empty() {
        return Err(p.0);
    }
    Ok(super::Sweep { seeds, parameters })
}

/// Whether one key path is a prefix of the other (a merge patch cannot set both independently).
pub(crate) fn overlaps(a: &[String], b: &[String]) -> bool {
    a.iter().zip(b).all(|(x, y)| x == y)
}
