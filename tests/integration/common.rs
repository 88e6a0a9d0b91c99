//! Shared helpers: load a bundled scenario, run one variant, read its trace.

use pullsim::model::{self, RunOutput};
use pullsim::scenario::{self, Scenario};
use std::path::{Path, PathBuf};

/// Path of a file in the repository.
pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Loads `scenarios/<name>.yaml`, panicking with the diagnostics if it is invalid.
#[track_caller]
pub fn load(name: &str) -> Scenario {
    let path = repo_path(&format!("scenarios/{name}.yaml"));
    scenario::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs variant `variant` of bundled scenario `name`.
#[track_caller]
pub fn run(name: &str, variant: &str) -> RunOutput {
    let s = load(name);
    let v = s.variants.iter().find(|v| v.name == variant).unwrap_or_else(|| panic!("no variant {variant}"));
    model::run(&v.spec)
}

/// Runs the pullsim binary with `args`; returns (exit code, stdout, stderr).
pub fn pullsim(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pullsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run pullsim");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Parses scenario `text` and runs its base variant.
#[track_caller]
pub fn run_yaml(text: &str) -> RunOutput {
    let s = scenario::parse("inline.yaml", text).unwrap_or_else(|e| panic!("{e}"));
    model::run(&s.variants[0].spec)
}

/// Parses scenario `text`, lets `edit` change its base spec, and runs it.
#[track_caller]
pub fn run_yaml_with(text: &str, edit: impl FnOnce(&mut pullsim::model::spec::ClusterSpec)) -> RunOutput {
    let s = scenario::parse("inline.yaml", text).unwrap_or_else(|e| panic!("{e}"));
    let mut spec = s.variants[0].spec.clone();
    edit(&mut spec);
    model::run(&spec)
}
