//! Scenario files: YAML in, a validated and resolved [`Scenario`] out (one [`ClusterSpec`] per variant).
//! All input errors are found here, with file, line/column, field and what was expected; the model never
//! sees an unchecked value.
//!
//! A variant is a JSON merge patch (RFC 7386) over `spec`: maps keyed by name (registries, node pools,
//! workloads) let a patch reach any field, and `null` removes one.

mod error;
pub mod location;
mod raw;
mod resolve;
pub mod units;

pub use error::{Diagnostic, ScenarioError};
pub use resolve::{Problem, MAX_LATENCY_US, MAX_LAYERS_PER_IMAGE, MAX_NODES, MAX_PODS, MAX_TIMELINE};

use crate::model::spec::ClusterSpec;
use location::{FieldPath, SourceMap};
use raw::{RawScenario, RawSpec};
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
}

/// Reads and validates the scenario at `path`.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let io = |source| ScenarioError::Io { file: file.clone(), source };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > MAX_FILE_BYTES {
        return Err(ScenarioError::Invalid(vec![Diagnostic {
            file,
            location: None,
            path: FieldPath::root(),
            variant: None,
            message: format!("file is {len} bytes; scenarios are at most {MAX_FILE_BYTES} bytes"),
        }]));
    }
    let text = std::fs::read_to_string(path).map_err(io)?;
    parse(&file, &text)
}

/// Validates scenario `text`; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
    // A UTF-8 byte-order mark (as some editors write) is not part of the YAML; libyaml would misread
    // the first line. SourceMap skips it too, so columns agree.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let map = SourceMap::new(text);
    let diag = |path: FieldPath, variant: Option<&str>, message: String| Diagnostic {
        file: file.to_string(),
        location: map.locate(&path),
        path,
        variant: variant.map(str::to_string),
        message,
    };
    let raw: RawScenario = match serde_yaml::from_str(text) {
        Ok(r) => r,
        Err(e) => return Err(ScenarioError::Invalid(vec![yaml_error(file, &e)])),
    };
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
    let mut variants = Vec::new();
    // Problems of the base spec, reported once: a variant that inherits one does not repeat it.
    let mut base_problems = Vec::new();
    match resolve::resolve_spec(&raw.spec, &spec_path) {
        Ok(spec) => variants.push(Variant { name: BASE_VARIANT.to_string(), spec }),
        Err(ps) => {
            problems.extend(ps.iter().map(|p| diag(p.path.clone(), None, p.message.clone())));
            base_problems = ps;
        }
    }
    if !raw.spec.variants.is_empty() {
        // The spec as plain data, for merge patches.
        let base = spec_value(text).map_err(|e| ScenarioError::Invalid(vec![diag(spec_path.clone(), None, e)]))?;
        for (vname, patch) in &raw.spec.variants {
            let vpath = spec_path.key("variants").key(vname);
            if vname == BASE_VARIANT
                || vname.is_empty()
                || vname.len() > 63
                || !vname.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
            {
                problems.push(diag(
                    vpath.clone(),
                    None,
                    "variant names are 1-63 letters, digits, '-' or '_', and not \"base\"".to_string(),
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
            let mut merged = base.clone();
            json_patch::merge(&mut merged, patch);
            let raw_spec: RawSpec = match serde_path_to_error::deserialize(&merged) {
                Ok(s) => s,
                Err(e) => {
                    let path = json_path(e.path());
                    let inner = e.into_inner().to_string();
                    // Point into the patch when the bad field is there, else into the base spec.
                    let in_patch = prefix(&vpath, &path);
                    let at = if map.locate(&in_patch).is_some_and(|_| exists(patch, &path)) {
                        in_patch
                    } else {
                        prefix(&spec_path, &path)
                    };
                    problems.push(Diagnostic { path: prefix(&spec_path, &path), ..diag(at, Some(vname), inner) });
                    continue;
                }
            };
            match resolve::resolve_spec(&raw_spec, &spec_path) {
                Ok(spec) => variants.push(Variant { name: vname.clone(), spec }),
                Err(ps) => problems.extend(ps.into_iter().filter(|p| !base_problems.contains(p)).map(|p| {
                    let rel = FieldPath(p.path.0[1..].to_vec());
                    let at = if exists(patch, &rel) { prefix(&vpath, &rel) } else { p.path.clone() };
                    Diagnostic { path: p.path, ..diag(at, Some(vname), p.message) }
                })),
            }
        }
    }
    if !problems.is_empty() {
        return Err(ScenarioError::Invalid(problems));
    }
    Ok(Scenario { name, description: raw.metadata.description, source: text.to_string(), variants })
}

/// `spec` of the file as JSON, without `variants`.
fn spec_value(text: &str) -> Result<serde_json::Value, String> {
    // Straight to JSON, so that keys keep their text as written (a tag `1.10` stays "1.10", as in the base).
    let mut v: serde_json::Value = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    let spec = v.get_mut("spec").map(serde_json::Value::take).unwrap_or_default();
    let mut spec = spec;
    if let Some(m) = spec.as_object_mut() {
        m.remove("variants");
    }
    strip_nulls(&mut spec);
    Ok(spec)
}

/// Drops map entries whose value is null. The base spec reads `layers:` or `kubelet:` with nothing
/// after it as absent; as JSON, a null would be a wrong type in every variant instead.
fn strip_nulls(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

fn yaml_error(file: &str, e: &serde_yaml::Error) -> Diagnostic {
    let location = e.location().map(|l| location::Location { line: l.line(), column: l.column() });
    let mut message = e.to_string();
    // serde_yaml puts " at line L column C" after the problem; the location is printed in front
    // instead. Any other position (e.g. where an unclosed flow sequence or quote started) stays.
    if let Some(l) = location {
        let at = format!(" at line {} column {}", l.line, l.column);
        if let Some(i) = message.find(&at) {
            message.replace_range(i..i + at.len(), "");
        }
    }
    Diagnostic { file: file.to_string(), location, path: FieldPath::root(), variant: None, message }
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
    let mut v = patch;
    for seg in &path.0 {
        v = match (seg, v) {
            (location::PathSeg::Key(k), serde_json::Value::Object(m)) => match m.get(k) {
                Some(x) => x,
                None => return false,
            },
            (location::PathSeg::Index(i), serde_json::Value::Array(a)) => match a.get(*i) {
                Some(x) => x,
                None => return false,
            },
            _ => return false,
        };
    }
    true
}
