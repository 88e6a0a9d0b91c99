//! Scenario files: YAML in, a validated and resolved [`Scenario`] out (one [`ClusterSpec`] per variant).
//! All input errors are found here, with file, line/column, field and what was expected; the model never
//! sees an unchecked value.
//!
//! A variant is a JSON merge patch (RFC 7386) over `spec`: maps keyed by name (registries, node pools,
//! workloads) let a patch reach any field, and `null` removes one.
//!
//! `spec.sweep` lists seeds and parameter values; each parameter combination (a sweep point) is one more
//! merge patch, applied over each variant's. [`Scenario::check_sweep`] checks every point of every variant
//! before anything runs; `crate::sweep` runs them.

mod error;
pub mod location;
mod raw;
mod resolve;
mod words;
pub mod yaml;

pub use error::{Diagnostic, ScenarioError};
pub use resolve::{Problem, MAX_LATENCY_US, MAX_LAYERS_PER_IMAGE, MAX_NODES, MAX_PODS, MAX_TIMELINE};

use crate::model::spec::ClusterSpec;
use location::{FieldPath, SourceMap};
use raw::{RawScenario, RawSpec};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Largest scenario file accepted.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The name of the unpatched scenario among the variants.
pub const BASE_VARIANT: &str = "base";

/// One runnable variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// `base` or the variant's key.
    pub name: String,
    /// What the model runs.
    pub spec: ClusterSpec,
}

/// A loaded scenario: the base first, then each variant in name order.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.description`.
    pub description: Option<String>,
    /// The file's text, for reports.
    pub source: String,
    /// Variants, base first.
    pub variants: Vec<Variant>,
    /// `spec.sweep`, checked against every variant; `None` when the file has none.
    pub sweep: Option<Sweep>,
    /// What sweep points are built from.
    sources: Sources,
}

/// Most runs one sweep may plan: variants x points x seeds.
pub const MAX_SWEEP_RUNS: u64 = 100_000;

/// Most values (JSON nodes of a variant's spec, times sweep points) a sweep's check may resolve. Resolving
/// costs about a microsecond a value on one core, so the check of the largest sweep accepted stays under a
/// second on a two-core machine (10,000,000 let a fuzzed sweep of 40,000 points load for 3 to 5 s).
pub const MAX_SWEEP_CHECK_VALUES: u64 = 1_000_000;

/// The values of a JSON tree, containers included.
fn count_values(v: &serde_json::Value) -> u64 {
    1 + match v {
        serde_json::Value::Object(m) => m.values().map(count_values).sum(),
        serde_json::Value::Array(a) => a.iter().map(count_values).sum(),
        _ => 0,
    }
}

/// Most problems of a file reported at once; the rest are counted.
pub const MAX_PROBLEMS: usize = 100;

/// Most sweep problems reported at once; the rest are counted.
const MAX_SWEEP_PROBLEMS: usize = 20;

/// A sweep: `spec.sweep` of the file, or one built or changed on the command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    /// The seeds each (variant, point) runs with; `None`: each variant's own seed.
    pub seeds: Option<Vec<u64>>,
    /// The swept parameters. The points are the cartesian product of their values, the first parameter
    /// varying slowest; with no parameter there is one point, the variant itself.
    pub parameters: Vec<SweepParameter>,
}

/// One swept parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepParameter {
    /// The path as written, relative to `spec`.
    pub path: String,
    /// The map keys it names, from `spec` down (see [`parse_sweep_path`]).
    pub keys: Vec<String>,
    /// Its values, in order; `null` removes the key.
    pub values: Vec<serde_json::Value>,
    /// Its index in the file's `spec.sweep.parameters`; `None` when it was given on the command line.
    pub file_index: Option<usize>,
}

impl Sweep {
    /// The number of points (1 without parameters), saturating at `u64::MAX`.
    pub fn points(&self) -> u64 {
        self.parameters.iter().fold(1u64, |n, p| n.saturating_mul(p.values.len() as u64))
    }

    /// For point `point` (below [`Sweep::points`]), the index of each parameter's value.
    pub fn point_indexes(&self, point: u64) -> Vec<usize> {
        point_indexes(self.parameters.iter().map(|p| p.values.len()), point)
    }

    /// The merge patch of point `point`.
    pub fn point_patch(&self, point: u64) -> serde_json::Value {
        let idx = self.point_indexes(point);
        merge_patch(self.parameters.iter().zip(idx).map(|(p, i)| (p.keys.as_slice(), &p.values[i])))
    }

    /// `path=value, path=value` of point `point`, for messages.
    pub fn describe_point(&self, point: u64) -> String {
        let idx = self.point_indexes(point);
        let parts: Vec<String> =
            self.parameters.iter().zip(idx).map(|(p, i)| format!("{}={}", p.path, p.values[i])).collect();
        parts.join(", ")
    }
}

/// The value index of each of parameters with `lens` values at point `point`: mixed radix, the first
/// parameter the most significant digit.
pub fn point_indexes(lens: impl DoubleEndedIterator<Item = usize> + ExactSizeIterator, point: u64) -> Vec<usize> {
    let mut idx = vec![0; lens.len()];
    let mut rest = point;
    for (i, n) in lens.enumerate().rev() {
        let n = n.max(1) as u64;
        idx[i] = (rest % n) as usize;
        rest /= n;
    }
    idx
}

/// The merge patch that sets each key path to its value: `{"a": {"b": v}}` for `a.b = v`.
pub fn merge_patch<'a>(
    assignments: impl IntoIterator<Item = (&'a [String], &'a serde_json::Value)>,
) -> serde_json::Value {
    let mut patch = serde_json::Value::Object(serde_json::Map::new());
    for (keys, value) in assignments {
        let Some((last, parents)) = keys.split_last() else { continue };
        let mut at = &mut patch;
        for k in parents {
            let serde_json::Value::Object(m) = at else { break };
            at = m.entry(k.clone()).or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
        }
        if let serde_json::Value::Object(m) = at {
            m.insert(last.clone(), value.clone());
        }
    }
    patch
}

/// Reads a sweep parameter path: map keys from `spec` down, separated by `.`; a key containing `.` (a
/// registry host) is written in quotes and brackets, as error messages print it:
/// `registries["registry.example.com"].latency`. A leading `spec.` is allowed. List elements cannot be
/// addressed (a merge patch replaces a list whole), nor `seed` (set by the sweep's seeds), `variants` or
/// `sweep`.
pub fn parse_sweep_path(text: &str) -> Result<Vec<String>, String> {
    let example = "expected a path into spec such as nodePools.pool-a.kubelet.maxParallelImagePulls";
    let t = text.trim();
    let t = match t.strip_prefix("spec") {
        Some(rest) if rest.starts_with('.') => &rest[1..],
        Some(rest) if rest.starts_with('[') => rest,
        _ => t,
    };
    let chars: Vec<char> = t.chars().collect();
    let mut keys = Vec::new();
    let mut i = 0;
    let mut expect_key = true;
    while i < chars.len() {
        match chars[i] {
            '[' => {
                i += 1;
                if chars.get(i) != Some(&'"') {
                    return Err(format!(
                        "{text:?}: list elements cannot be swept one by one (a merge patch replaces a list \
                         whole): sweep the whole list; quote keys in brackets as [\"key\"]"
                    ));
                }
                i += 1;
                let mut key = String::new();
                loop {
                    match chars.get(i) {
                        None => return Err(format!("{text:?}: unclosed quote")),
                        Some('\\') => {
                            key.extend(chars.get(i + 1));
                            i += 2;
                        }
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some(c) => {
                            key.push(*c);
                            i += 1;
                        }
                    }
                }
                if chars.get(i) != Some(&']') {
                    return Err(format!("{text:?}: expected ] after the quoted key"));
                }
                i += 1;
                keys.push(key);
                expect_key = false;
            }
            '.' if !expect_key => {
                i += 1;
                expect_key = true;
                if i == chars.len() {
                    return Err(format!("{text:?}: {example}"));
                }
            }
            _ if expect_key => {
                let start = i;
                while i < chars.len() && !matches!(chars[i], '.' | '[' | ']' | '"') && !chars[i].is_whitespace() {
                    i += 1;
                }
                if i == start {
                    return Err(format!("{text:?}: {example}"));
                }
                keys.push(chars[start..i].iter().collect());
                expect_key = false;
            }
            _ => return Err(format!("{text:?}: {example}")),
        }
    }
    match keys.first().map(String::as_str) {
        None => Err(format!("{text:?}: {example}")),
        Some("seed") => Err("spec.seed is set by the sweep's seeds: use seeds (or --seeds) instead".to_string()),
        Some(k @ ("variants" | "sweep")) => Err(format!("a sweep cannot change spec.{k}")),
        Some(_) if keys.iter().any(String::is_empty) => Err(format!("{text:?}: empty key")),
        Some(_) => Ok(keys),
    }
}

/// What sweep points are built from: the spec as JSON and the variants' patches.
#[derive(Debug, Clone)]
struct Sources {
    file: String,
    patches: BTreeMap<String, serde_json::Value>,
    /// `spec` as JSON without `variants` and `sweep`.
    spec_json: serde_json::Value,
}

impl PartialEq for Sources {
    fn eq(&self, other: &Sources) -> bool {
        // spec_json follows from the text, which Scenario compares.
        self.file == other.file && self.patches == other.patches
    }
}

impl Scenario {
    /// Variant `variant` as JSON: the file's spec with the variant's patch applied.
    fn variant_json(&self, variant: &str) -> Result<serde_json::Value, Problem> {
        let spec_path = FieldPath::root().key("spec");
        let mut v = self.sources.spec_json.clone();
        if variant != BASE_VARIANT {
            match self.sources.patches.get(variant) {
                Some(patch) => json_patch::merge(&mut v, patch),
                None => {
                    return Err(Problem { path: spec_path.key("variants"), message: format!("no variant {variant:?}") })
                }
            }
        }
        Ok(v)
    }

    /// Variant `variant` with the merge patch `patch` (a sweep point) applied over it, checked and resolved.
    pub fn patched_spec(&self, variant: &str, patch: &serde_json::Value) -> Result<ClusterSpec, Vec<Problem>> {
        let mut merged = self.variant_json(variant).map_err(|p| vec![p])?;
        json_patch::merge(&mut merged, patch);
        resolve_json(&merged)
    }

    /// Checks `sweep` against the variants named `variants`, before anything runs: at most
    /// [`MAX_SWEEP_RUNS`] runs; each parameter path leads into spec (through entries of named maps such as
    /// `nodePools` that exist); and every point gives every variant a valid spec. Problems are reported on
    /// this scenario's file, located in its `spec.sweep` when the parameter comes from there, and name the
    /// variant and the point.
    pub fn check_sweep(&self, sweep: &Sweep, variants: &[&str]) -> Result<(), ScenarioError> {
        use rayon::prelude::*;
        let map = std::cell::OnceCell::new();
        let map = || map.get_or_init(|| SourceMap::new(&self.source));
        let file = self.sources.file.clone();
        let sweep_path = FieldPath::root().key("spec").key("sweep");
        let param_path = |i: usize| sweep_path.key("parameters").index(i);
        let diag = |location, path, variant: Option<&str>, message| Diagnostic {
            file: file.clone(),
            location,
            path,
            variant: variant.map(str::to_string),
            message,
        };
        let seeds = sweep.seeds.as_ref().map_or(1, |s| s.len() as u64);
        let points = sweep.points();
        let runs = (variants.len() as u64).saturating_mul(points).saturating_mul(seeds);
        if runs > MAX_SWEEP_RUNS {
            let at = if self.sweep.is_some() { map().locate(&sweep_path) } else { None };
            let message = format!(
                "the sweep plans {} variants x {points} points x {seeds} seeds = {runs} runs; at most {MAX_SWEEP_RUNS} are supported",
                variants.len()
            );
            return Err(ScenarioError::Invalid(vec![diag(at, sweep_path.clone(), None, message)]));
        }
        // Paths, per variant: each problem once.
        let mut problems = Vec::new();
        let mut seen = BTreeSet::new();
        let mut jsons = Vec::new();
        for v in variants {
            let json = match self.variant_json(v) {
                Ok(j) => j,
                Err(p) => return Err(ScenarioError::Invalid(vec![diag(None, p.path, Some(v), p.message)])),
            };
            for p in &sweep.parameters {
                if let Err(message) = check_sweep_path(&json, &p.keys) {
                    if seen.insert((p.path.clone(), message.clone())) {
                        let at = p.file_index.and_then(|i| map().locate(&param_path(i).key("path")));
                        let path = FieldPath(
                            std::iter::once("spec")
                                .chain(p.keys.iter().map(String::as_str))
                                .map(|k| location::PathSeg::Key(k.to_string()))
                                .collect(),
                        );
                        problems.push(diag(at, path, Some(v), message));
                    }
                }
            }
            jsons.push(json);
        }
        if !problems.is_empty() {
            return Err(ScenarioError::Invalid(problems));
        }
        // Every point resolves a whole copy of its variant's spec: refuse a sweep whose check alone would
        // resolve more than MAX_SWEEP_CHECK_VALUES values, before resolving any.
        let values: u64 = jsons.iter().map(count_values).sum();
        let work = values.saturating_mul(points);
        if work > MAX_SWEEP_CHECK_VALUES {
            let at = if self.sweep.is_some() { map().locate(&sweep_path) } else { None };
            let message = format!(
                "the sweep's {points} points over {} variants of {values} values in all would resolve {work} \
                 values; at most {MAX_SWEEP_CHECK_VALUES} are checked before a run: sweep fewer points or \
                 write a smaller spec",
                variants.len()
            );
            return Err(ScenarioError::Invalid(vec![diag(at, sweep_path.clone(), None, message)]));
        }
        // Points: every (variant, point) resolved, in parallel; reported in order.
        let pairs: Vec<(usize, u64)> = (0..variants.len()).flat_map(|v| (0..points).map(move |p| (v, p))).collect();
        let found: Vec<Vec<Problem>> = pairs
            .par_iter()
            .map(|&(v, point)| {
                let mut merged = jsons[v].clone();
                json_patch::merge(&mut merged, &sweep.point_patch(point));
                resolve_json(&merged).err().unwrap_or_default()
            })
            .collect();
        // The same problem (field and message) at several points or in several variants is reported once,
        // at the first, with a count of the others.
        let mut groups: Vec<(usize, u64, Problem, usize)> = Vec::new();
        let mut group_of: BTreeMap<(FieldPath, String), usize> = BTreeMap::new();
        for (&(v, point), ps) in pairs.iter().zip(found) {
            for p in ps {
                match group_of.get(&(p.path.clone(), p.message.clone())) {
                    Some(&g) => groups[g].3 += 1,
                    None => {
                        group_of.insert((p.path.clone(), p.message.clone()), groups.len());
                        groups.push((v, point, p, 0));
                    }
                }
            }
        }
        let shown = groups.len().min(MAX_SWEEP_PROBLEMS);
        for (v, point, p, more) in groups.drain(..shown) {
            let idx = sweep.point_indexes(point);
            let rel: Vec<&str> = p.path.0[1..]
                .iter()
                .map_while(|s| match s {
                    location::PathSeg::Key(k) => Some(k.as_str()),
                    location::PathSeg::Index(_) => None,
                })
                .collect();
            // The parameter the problem is under (or above), the one sharing the longest prefix.
            let blamed = sweep
                .parameters
                .iter()
                .enumerate()
                .filter(|(_, sp)| sp.keys.iter().zip(&rel).all(|(a, b)| a == b))
                .max_by_key(|(_, sp)| sp.keys.len().min(rel.len()));
            let at = match blamed {
                Some((i, sp)) => sp.file_index.and_then(|fi| map().locate(&param_path(fi).key("values").index(idx[i]))),
                None => map().locate(&p.path),
            };
            let also = match more {
                0 => String::new(),
                n => format!("; the same at {n} more sweep points or variants"),
            };
            let message = format!("{} (at sweep point {point}: {}{also})", p.message, sweep.describe_point(point));
            problems.push(diag(at, p.path, Some(variants[v]), message));
        }
        if !groups.is_empty() {
            let message = format!("and {} more problems at other sweep points", groups.len());
            problems.push(diag(None, FieldPath::root(), None, message));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ScenarioError::Invalid(problems))
        }
    }
}

/// Checks that `keys` lead into `spec` (a variant's spec as JSON): through maps, never into a list or a
/// single value, and only to entries of named maps (`layers`, `nodePools`, ...) that exist. A field that is
/// not set is fine (the patch sets it; whether the field exists at all is checked when the point resolves).
fn check_sweep_path(spec: &serde_json::Value, keys: &[String]) -> Result<(), String> {
    let mut at = Some(spec);
    for (depth, k) in keys.iter().enumerate() {
        let parent = &keys[..depth];
        let shown = || {
            FieldPath(
                std::iter::once("spec")
                    .chain(parent.iter().map(String::as_str))
                    .map(|s| location::PathSeg::Key(s.to_string()))
                    .collect(),
            )
        };
        let next = match at {
            Some(serde_json::Value::Object(m)) => m.get(k),
            None => None,
            Some(serde_json::Value::Array(_)) => {
                return Err(format!(
                    "{} is a list: a merge patch replaces a list whole, so sweep {} itself",
                    shown(),
                    shown()
                ))
            }
            Some(_) => return Err(format!("{} is a single value, with no field {k:?}", shown())),
        };
        if next.is_none() {
            if let Some(kind) = named_map(parent) {
                let known: Vec<&str> = match at {
                    Some(serde_json::Value::Object(m)) => m.keys().map(String::as_str).collect(),
                    _ => Vec::new(),
                };
                let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
                return Err(format!("no {kind} {k:?} in {}; known: {known}", shown()));
            }
        }
        at = next;
    }
    Ok(())
}

/// What an entry of the map at `path` (keys from spec down) is, when that map is keyed by name.
fn named_map(path: &[String]) -> Option<&'static str> {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    match p.as_slice() {
        ["layers"] => Some("layer"),
        ["images"] => Some("image"),
        ["registries"] => Some("registry"),
        ["nodePools"] => Some("node pool"),
        ["workloads"] => Some("workload"),
        ["registries", _, "repositories"] => Some("repository"),
        ["registries", _, "repositories", _, "tags"] => Some("tag"),
        _ => None,
    }
}

/// Resolves a spec given as JSON (a variant's, with a sweep point applied).
fn resolve_json(merged: &serde_json::Value) -> Result<ClusterSpec, Vec<Problem>> {
    let spec_path = FieldPath::root().key("spec");
    let raw: RawSpec = serde_path_to_error::deserialize(merged).map_err(|e| {
        let (_, shown, message) = typed_error(e);
        vec![Problem { path: prefix(&spec_path, &shown), message }]
    })?;
    resolve::resolve_spec(&raw, &spec_path)
}

/// Reads and validates the scenario at `path`. At most [`MAX_FILE_BYTES`] are read, so a stream (a FIFO,
/// `/dev/zero`, standard input) is refused as soon as it passes the limit.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    use std::io::Read;
    let file = path.display().to_string();
    let io = |source| ScenarioError::Io { file: file.clone(), source };
    let mut bytes = Vec::new();
    std::fs::File::open(path).map_err(io)?.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        let message = format!(
            "the file is larger than {} ({MAX_FILE_BYTES} bytes), the most a scenario may be",
            crate::units::format_bytes(MAX_FILE_BYTES)
        );
        return Err(invalid(&file, None, message));
    }
    let text = yaml::decode(&bytes).map_err(|e| invalid(&file, e.location, e.message))?;
    parse(&file, text)
}

/// One problem of the whole file.
fn invalid(file: &str, location: Option<location::Location>, message: String) -> ScenarioError {
    ScenarioError::Invalid(vec![Diagnostic {
        file: file.to_string(),
        location,
        path: FieldPath::root(),
        variant: None,
        message,
    }])
}

/// Validates scenario `text`; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
    // A UTF-8 byte-order mark (as some editors write) is not part of the YAML. SourceMap skips it too, so
    // columns agree.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Built only when a problem needs a place: a valid file is parsed once.
    let map = std::cell::OnceCell::new();
    let map = || map.get_or_init(|| SourceMap::new(text));
    let mut doc = yaml::read(text).map_err(|e| {
        // The reader names the map or list of what it refused when it can; else the place names it.
        let path = match (e.path, e.location) {
            (Some(path), _) => path,
            (None, Some(at)) => map().path_at(at),
            (None, None) => FieldPath::root(),
        };
        let d = Diagnostic { file: file.to_string(), location: e.location, path, variant: None, message: e.message };
        ScenarioError::Invalid(vec![d])
    })?;
    // A problem of the whole document is placed where its content starts (a top-level scalar has no key).
    let diag = |path: FieldPath, variant: Option<&str>, message: String| Diagnostic {
        file: file.to_string(),
        location: map().locate(&path).or_else(|| path.0.is_empty().then(|| content_start(text))),
        path,
        variant: variant.map(str::to_string),
        message,
    };
    // `kubelet:` with nothing after it reads as absent (a null would be a wrong type), but an entry of a map
    // keyed by name (`job:` under workloads) must have a body. Variant patches keep their nulls: there a null
    // removes a key.
    if let Some(spec) = doc.get_mut("spec").and_then(serde_json::Value::as_object_mut) {
        spec.retain(|_, v| !v.is_null());
        for (k, v) in spec.iter_mut() {
            if k != "variants" {
                strip_nulls(v, &mut vec![k.clone()]);
            }
        }
    }
    let raw: RawScenario = serde_path_to_error::deserialize(&doc).map_err(|e| {
        let (at, path, message) = typed_error(e);
        // Only on this error path is the text read again, to see the nulls stripped below.
        let written = yaml::read(text).unwrap_or_default();
        let (at, path, message) = written_null(&written, at, path, message);
        ScenarioError::Invalid(vec![Diagnostic { path, ..diag(at, None, message) }])
    })?;
    let mut problems = Vec::new();
    if raw.api_version != "pullsim/v1" {
        problems.push(diag(
            FieldPath::root().key("apiVersion"),
            None,
            format!("expected pullsim/v1, got {:?}", raw.api_version),
        ));
    }
    if raw.kind != "Scenario" {
        problems.push(diag(FieldPath::root().key("kind"), None, format!("expected Scenario, got {:?}", raw.kind)));
    }
    let name = raw.metadata.name.clone();
    if name.is_empty()
        || name.len() > 100
        || !name.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        || name.starts_with('.')
    {
        problems.push(diag(
            FieldPath::root().key("metadata").key("name"),
            None,
            "expected a name of letters, digits, '-', '_' or '.' (it names the report folder)".to_string(),
        ));
    }
    let spec_path = FieldPath::root().key("spec");
    let sweep = match &raw.spec.sweep {
        None => None,
        Some(rs) => match resolve::resolve_sweep(rs, &spec_path.key("sweep")) {
            Ok(s) => Some(s),
            Err(ps) => {
                problems.extend(ps.into_iter().map(|p| diag(p.path, None, p.message)));
                None
            }
        },
    };
    // The spec as plain data without variants and sweep, for merge patches.
    let mut base = doc.get_mut("spec").map(serde_json::Value::take).unwrap_or_default();
    if let Some(m) = base.as_object_mut() {
        m.remove("variants");
        m.remove("sweep");
    }
    let mut variants = Vec::new();
    // Problems of the base spec, reported once: a variant that inherits one does not repeat it.
    let mut base_problems = BTreeSet::new();
    let mut hidden = 0;
    match resolve::resolve_spec(&raw.spec, &spec_path) {
        Ok(spec) => variants.push(Variant { name: BASE_VARIANT.to_string(), spec }),
        Err(ps) => {
            // Only the problems shown are located: locating tens of thousands would take long.
            hidden += ps.len().saturating_sub(MAX_PROBLEMS);
            problems.extend(ps.iter().take(MAX_PROBLEMS).map(|p| diag(p.path.clone(), None, p.message.clone())));
            base_problems = ps.into_iter().map(|p| (p.path, p.message)).collect();
        }
    }
    for (vname, patch) in &raw.spec.variants {
        let vpath = spec_path.key("variants").key(vname);
        if vname == BASE_VARIANT
            || vname.is_empty()
            || vname.len() > 63
            || !vname.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_')
        {
            problems.push(diag(
                vpath.clone(),
                None,
                "variant names are 1-63 lowercase letters, digits, '-' or '_', and not \"base\"".to_string(),
            ));
            continue;
        }
        if !patch.is_object() {
            problems.push(diag(vpath.clone(), None, "expected a map: a merge patch over spec".to_string()));
            continue;
        }
        if patch.get("variants").is_some() {
            problems.push(diag(vpath.key("variants"), None, "a variant cannot define variants".to_string()));
            continue;
        }
        if patch.get("sweep").is_some() {
            problems.push(diag(
                vpath.key("sweep"),
                None,
                "a variant cannot define a sweep: spec.sweep runs over every variant".to_string(),
            ));
            continue;
        }
        let mut merged = base.clone();
        json_patch::merge(&mut merged, patch);
        let raw_spec: RawSpec = match serde_path_to_error::deserialize(&merged) {
            Ok(s) => s,
            Err(e) => {
                let (path, shown, message) = typed_error(e);
                let message = match new_entry(&base, patch, &path) {
                    Some(note) => format!("{note}; {message}"),
                    None => message,
                };
                // Point into the patch when the bad field is there, else into the base spec.
                let in_patch = prefix(&vpath, &path);
                let at = if exists(patch, &path) { in_patch } else { prefix(&spec_path, &path) };
                problems.push(Diagnostic { path: prefix(&spec_path, &shown), ..diag(at, Some(vname), message) });
                continue;
            }
        };
        match resolve::resolve_spec(&raw_spec, &spec_path) {
            Ok(spec) => variants.push(Variant { name: vname.clone(), spec }),
            Err(ps) => {
                let own: Vec<Problem> =
                    ps.into_iter().filter(|p| !base_problems.contains(&(p.path.clone(), p.message.clone()))).collect();
                hidden += own.len().saturating_sub(MAX_PROBLEMS);
                problems.extend(own.into_iter().take(MAX_PROBLEMS).map(|p| {
                    let rel = FieldPath(p.path.0[1..].to_vec());
                    let at = if exists(patch, &rel) { prefix(&vpath, &rel) } else { p.path.clone() };
                    Diagnostic { path: p.path, ..diag(at, Some(vname), p.message) }
                }));
            }
        }
    }
    if problems.len() + hidden > MAX_PROBLEMS {
        let more = problems.len() + hidden - MAX_PROBLEMS;
        problems.truncate(MAX_PROBLEMS);
        problems.push(Diagnostic {
            file: file.to_string(),
            location: None,
            path: FieldPath::root(),
            variant: None,
            message: format!("and {more} more problems (the first {MAX_PROBLEMS} are shown)"),
        });
    }
    if !problems.is_empty() {
        return Err(ScenarioError::Invalid(problems));
    }
    let sources = Sources { file: file.to_string(), patches: raw.spec.variants, spec_json: base };
    let scenario =
        Scenario { name, description: raw.metadata.description, source: text.to_string(), variants, sweep, sources };
    if let Some(sweep) = &scenario.sweep {
        let names: Vec<&str> = scenario.variants.iter().map(|v| v.name.as_str()).collect();
        scenario.check_sweep(sweep, &names)?;
    }
    Ok(scenario)
}

/// When `path` (from spec down) runs through an entry of a map keyed by name that the patch adds and the base
/// spec lacks (a misspelt `workloads: {jbo: ...}`), a note saying so: the patch then defines a new entry, and
/// the error is most likely the name.
fn new_entry(base: &serde_json::Value, patch: &serde_json::Value, path: &FieldPath) -> Option<String> {
    let keys: Vec<String> = path
        .0
        .iter()
        .map_while(|s| match s {
            location::PathSeg::Key(k) => Some(k.clone()),
            location::PathSeg::Index(_) => None,
        })
        .collect();
    for depth in 1..keys.len() {
        let Some(kind) = named_map(&keys[..depth]) else { continue };
        let map_path = FieldPath(keys[..depth].iter().map(|k| location::PathSeg::Key(k.clone())).collect());
        let entry = map_path.key(&keys[depth]);
        if exists(patch, &entry) && !exists(base, &entry) {
            let known: Vec<String> = lookup(base, &map_path)
                .and_then(serde_json::Value::as_object)
                .map(|m| m.keys().map(|k| format!("{k:?}")).collect())
                .unwrap_or_default();
            let mut known = known;
            known.sort();
            let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
            return Some(format!(
                "the base spec has no {kind} {:?} (known: {known}), so this variant adds a new one",
                keys[depth]
            ));
        }
    }
    None
}

/// The value at `path`, if any.
fn lookup<'a>(v: &'a serde_json::Value, path: &FieldPath) -> Option<&'a serde_json::Value> {
    path.0.iter().try_fold(v, |v, seg| match (seg, v) {
        (location::PathSeg::Key(k), serde_json::Value::Object(m)) => m.get(k),
        (location::PathSeg::Index(i), serde_json::Value::Array(a)) => a.get(*i),
        _ => None,
    })
}

/// Drops map entries whose value is null, at every depth below `path` (keys from spec down), except the
/// entries of maps keyed by name, which then fail as "got nothing (null)" at their key.
fn strip_nulls(v: &mut serde_json::Value, path: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            if named_map(path).is_none() {
                m.retain(|_, x| !x.is_null());
            }
            for (k, x) in m.iter_mut() {
                path.push(k.clone());
                strip_nulls(x, path);
                path.pop();
            }
        }
        // List items have no key to keep.
        serde_json::Value::Array(a) => {
            path.push(String::new());
            a.iter_mut().for_each(|x| strip_nulls(x, path));
            path.pop();
        }
        _ => {}
    }
}

/// A required field written with no value (`count:`) was dropped as null, so serde calls it missing: say that
/// it has no value, at the field itself.
fn written_null(
    written: &serde_json::Value,
    at: FieldPath,
    shown: FieldPath,
    message: String,
) -> (FieldPath, FieldPath, String) {
    let Some(rest) = message.strip_prefix("missing field ") else { return (at, shown, message) };
    let field = rest.split(':').next().unwrap_or_default().to_string();
    let here = at.key(&field);
    if exists(written, &here) {
        (here.clone(), here, format!("{field} has no value: it is required here"))
    } else {
        (at, shown, message)
    }
}

/// Where the document's content starts: the first character that is not blank, a comment, a directive or a
/// document marker; 1:1 for a file with none.
fn content_start(text: &str) -> location::Location {
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') || t.starts_with('%') || t == "---" {
            continue;
        }
        let t = t.strip_prefix("--- ").map(str::trim_start).unwrap_or(t);
        let column = line.chars().count() - t.chars().count() + 1;
        return location::Location { line: i + 1, column };
    }
    location::Location { line: 1, column: 1 }
}

/// serde_path_to_error's error as (the path to locate, the path to show, the message in plain words). The
/// path of an unknown field ends at the field: it is located there but shown as the map holding it, since
/// the message names the field.
fn typed_error(e: serde_path_to_error::Error<serde_json::Error>) -> (FieldPath, FieldPath, String) {
    let at = json_path(e.path());
    let message = words::plain(&e.into_inner().to_string());
    let mut shown = at.clone();
    if message.starts_with("unknown field") {
        shown.0.pop();
    }
    (at, shown, message)
}

fn json_path(p: &serde_path_to_error::Path) -> FieldPath {
    use serde_path_to_error::Segment;
    FieldPath(
        p.iter()
            .filter_map(|s| match s {
                Segment::Seq { index } => Some(location::PathSeg::Index(*index)),
                Segment::Map { key } => Some(location::PathSeg::Key(key.clone())),
                Segment::Enum { variant } => Some(location::PathSeg::Key(variant.clone())),
                Segment::Unknown => None,
            })
            .collect(),
    )
}

fn prefix(base: &FieldPath, rel: &FieldPath) -> FieldPath {
    FieldPath(base.0.iter().chain(&rel.0).cloned().collect())
}

/// Whether `path` (relative to the patch) is present in the patch.
fn exists(patch: &serde_json::Value, path: &FieldPath) -> bool {
    lookup(patch, path).is_some()
}
