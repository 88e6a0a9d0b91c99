//! Integration tests, one binary: whole scenarios with exact figures, determinism, the CLI, and input errors.

mod cli;
mod common;
mod corpus;
mod credentials;
mod determinism;
mod drift;
mod fuzz_regressions;
mod invariants;
mod model_rules;
mod perf_gate;
mod readme;
mod remedies;
mod report_files;
mod rollouts;
mod scenario_gen;
mod scenarios;
mod sweep;
mod validation;
