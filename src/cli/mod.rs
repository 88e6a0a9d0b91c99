//! The command line: `run`, `merge`, `validate`, `explain image` and `explain credentials`. Each command returns its exit code — 0 done,
//! 2 bad input (the scenario or reference is invalid), 1 anything else (e.g. the output folder cannot be
//! written) — and prints what a person needs: the error with file, line and field, or the summary.

mod explain;
pub mod sweep;

use crate::model::{self, spec::ClusterSpec};
use crate::report;
use crate::scenario::{self, Scenario, ScenarioError};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Exit code for bad input.
pub const EXIT_BAD_INPUT: i32 = 2;
/// Exit code for other failures.
pub const EXIT_FAILURE: i32 = 1;

/// pullsim: simulate how Kubernetes nodes pull container images.
#[derive(Debug, Parser)]
#[command(name = "pullsim", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario (the base and every variant, then its sweep if any) and write its report: summary.json,
    /// events.jsonl, SVG charts, index.html, report.md (and sweep.json).
    Run {
        /// Scenario file (YAML).
        file: PathBuf,
        /// Output folder [default: reports/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Seed for every variant, instead of spec.seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Run only this variant (`base` for the unpatched scenario); repeatable.
        #[arg(long)]
        variant: Vec<String>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
        /// Run every variant twice and check that both runs produce the same events (exit 1 if not).
        #[arg(long)]
        check_determinism: bool,
        /// Sweep options (spec.sweep, --seeds, --set, --shard).
        #[command(flatten)]
        sweep: self::sweep::SweepArgs,
        /// Node whose pulls the Gantt charts show [default: the node with the most pulls in the first variant].
        #[arg(long, value_name = "NAME")]
        gantt_node: Option<String>,
    },
    /// Join the shard files of a sweep (`run --shard I/N`) and write OUT_DIR/sweep.json, as one machine would.
    Merge {
        /// Folder to write sweep.json into.
        out_dir: PathBuf,
        /// Shard files (sweep-shard-I-of-N.json), or folders holding them.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check a scenario file and print what it defines.
    Validate {
        /// Scenario file (YAML).
        file: PathBuf,
    },
    /// Explain things the kubelet derives.
    Explain {
        /// What to explain.
        #[command(subcommand)]
        what: Explain,
    },
}

/// `explain` topics.
#[derive(Debug, Subcommand)]
pub enum Explain {
    /// Parse an image reference as the kubelet does: normalised name, parts, default pull policy.
    Image {
        /// The image reference, e.g. nginx, registry.example.com:5000/team/app:v1.
        reference: String,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Which `auths` keys of a docker config.json the kubelet's keyring matches for an image, in the order it
    /// tries their credentials.
    Credentials {
        /// The docker config file (`{"auths": {...}}`, or a legacy `.dockercfg` map).
        #[arg(long)]
        config: PathBuf,
        /// The image reference.
        image: String,
        /// Print exactly a JSON array of the matching keys as written, in try order.
        #[arg(long)]
        json: bool,
    },
}

/// Runs the parsed command line; returns the exit code.
pub fn main(cli: Cli) -> i32 {
    match cli.command {
        Command::Run { file, out, seed, variant, quiet, check_determinism, gantt_node, sweep } => {
            run(&file, RunOptions { out, seed, only: variant, quiet, check_determinism, gantt_node, sweep })
        }
        Command::Validate { file } => validate(&file),
        Command::Merge { out_dir, shards, quiet } => self::sweep::merge(&out_dir, &shards, quiet),
        Command::Explain { what: Explain::Image { reference, json } } => explain::image(&reference, json),
        Command::Explain { what: Explain::Credentials { config, image, json } } => {
            explain::credentials(&config, &image, json)
        }
    }
}

/// Writes a line to standard output. A closed pipe (`pullsim ... | head`) ends the program quietly; any other
/// write error is reported with exit code 1.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if !$crate::cli::STDOUT_CLOSED.load(std::sync::atomic::Ordering::Relaxed) {
            if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
                $crate::cli::stdout_failed(e);
            }
        }
    }};
}
pub(crate) use outln;

/// Set once standard output is a closed pipe: printing stops, the work (and the files it writes) goes on.
#[doc(hidden)]
pub static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A write to standard output failed: a closed pipe only stops the printing; anything else ends the program.
#[doc(hidden)]
pub fn stdout_failed(e: std::io::Error) {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        STDOUT_CLOSED.store(true, std::sync::atomic::Ordering::Relaxed);
        return;
    }
    eprintln!("error: cannot write to standard output: {e}");
    std::process::exit(EXIT_FAILURE)
}

/// Whether a run of `spec` has a node called `name` (`<pool>-<index>`, counting nodes added by the timeline).
fn has_node(spec: &ClusterSpec, name: &str) -> bool {
    spec.node_pools.iter().enumerate().any(|(i, pool)| {
        let Some(index) = name.strip_prefix(&format!("{}-", pool.name)).and_then(|n| n.parse::<u64>().ok()) else {
            return false;
        };
        let added: u64 = spec
            .timeline
            .iter()
            .filter_map(|e| match e.action {
                // A replaced node's successor takes the next index, as an added node does.
                model::spec::Action::AddNodes { pool, count }
                | model::spec::Action::ReplaceNodes { pool, count, .. }
                    if pool.0 as usize == i =>
                {
                    Some(u64::from(count))
                }
                _ => None,
            })
            .sum();
        index < u64::from(pool.count) + added && name == format!("{}-{index}", pool.name)
    })
}

/// Loads a scenario; an unreadable or invalid file is bad input (exit 2).
fn load(file: &std::path::Path) -> Result<Scenario, i32> {
    scenario::load(file).map_err(|e: ScenarioError| {
        eprintln!("error: {e}");
        EXIT_BAD_INPUT
    })
}

/// Options of `pullsim run`.
struct RunOptions {
    out: Option<PathBuf>,
    seed: Option<u64>,
    only: Vec<String>,
    quiet: bool,
    check_determinism: bool,
    sweep: self::sweep::SweepArgs,
    gantt_node: Option<String>,
}

/// A running digest of one run's events.jsonl as the report writes it, so that two runs compare without
/// holding either text (a fleet's events run to gigabytes). With `lines`, also a short digest of each line,
/// to find where two runs part.
#[derive(Default)]
struct EventsDigest {
    whole: sha2::Sha256,
    line: sha2::Sha256,
    lines: Option<Vec<u64>>,
}

impl std::io::Write for EventsDigest {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        self.whole.update(buf);
        if let Some(lines) = &mut self.lines {
            for piece in buf.split_inclusive(|c| *c == b'\n') {
                self.line.update(piece);
                if piece.ends_with(b"\n") {
                    let d = std::mem::take(&mut self.line).finalize();
                    lines.push(u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]));
                }
            }
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The digest of the events of one run, and with `per_line` the digest of each of its lines.
fn events_digest(name: &str, out: &model::RunOutput, per_line: bool) -> (Vec<u8>, Vec<u64>) {
    use sha2::Digest;
    let mut d = EventsDigest { lines: per_line.then(Vec::new), ..EventsDigest::default() };
    // Writing into a digest cannot fail.
    let _ = report::events::write_jsonl(&mut d, name, out);
    (d.whole.finalize().to_vec(), d.lines.unwrap_or_default())
}

fn run(file: &std::path::Path, opts: RunOptions) -> i32 {
    let RunOptions { out, seed, only, quiet, check_determinism, gantt_node, sweep } = opts;
    let only = only.as_slice();
    let scenario = match load(file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    for name in only {
        if !scenario.variants.iter().any(|v| &v.name == name) {
            let known: Vec<&str> = scenario.variants.iter().map(|v| v.name.as_str()).collect();
            eprintln!("error: --variant {name:?}: no such variant; the scenario has {}", known.join(", "));
            return EXIT_BAD_INPUT;
        }
    }
    let selected: Vec<_> = scenario.variants.iter().filter(|v| only.is_empty() || only.contains(&v.name)).collect();
    // A sweep (spec.sweep, --seeds, --set) runs after the variants as written; a shard runs only its part.
    let names: Vec<&str> = selected.iter().map(|v| v.name.as_str()).collect();
    let sweep = match self::sweep::prepare(file, &scenario, &names, seed, &sweep) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if let Some(node) = &gantt_node {
        if !selected.iter().any(|v| has_node(&v.spec, node)) {
            eprintln!("error: --gantt-node {node:?}: no variant has such a node (nodes are named <pool>-<index>)");
            return EXIT_BAD_INPUT;
        }
    }
    let sweep_dir = out.clone().unwrap_or_else(|| PathBuf::from("reports").join(&scenario.name));
    if let Some(p) = &sweep {
        if !quiet {
            outln!("{}", self::sweep::announce(p));
        }
        if p.shard.is_some() {
            return self::sweep::execute(&scenario, p, &sweep_dir, quiet);
        }
    }
    let specs: Vec<(String, ClusterSpec)> = selected
        .iter()
        .map(|v| {
            let mut spec = v.spec.clone();
            spec.seed = seed.unwrap_or(spec.seed);
            (v.name.clone(), spec)
        })
        .collect();
    let outputs: Vec<(String, u64, model::RunOutput)> =
        specs.iter().map(|(name, spec)| (name.clone(), spec.seed, model::run(spec))).collect();
    if check_determinism {
        for ((name, spec), (_, _, first)) in specs.iter().zip(&outputs) {
            let second = model::run(spec);
            if events_digest(name, first, false).0 != events_digest(name, &second, false).0 {
                let (a, b) = (events_digest(name, first, true).1, events_digest(name, &second, true).1);
                let line = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
                eprintln!("error: non-determinism detected in variant {name:?} at event line {}", line + 1);
                eprintln!(
                    "reproduce with: pullsim run {} --variant {name} --seed {} --check-determinism",
                    file.display(),
                    spec.seed
                );
                return EXIT_FAILURE;
            }
        }
        if !quiet {
            outln!("determinism: each variant gave the same events twice");
        }
    }
    for (name, _, out) in &outputs {
        if out.truncated {
            eprintln!(
                "warning: variant {name:?} stopped at {} of simulated time: it reached {} events; \
                 its figures cover that much (shorten spec.duration or fix what keeps failing)",
                out.end,
                model::MAX_TRACE_EVENTS
            );
        }
    }
    let runs: Vec<report::VariantRun<'_>> =
        outputs.iter().map(|(name, seed, output)| report::VariantRun { name, seed: *seed, output }).collect();
    let dir = out.unwrap_or_else(|| PathBuf::from("reports").join(&scenario.name));
    let (description, node) = (scenario.description.as_deref(), gantt_node.as_deref());
    match report::write_outputs(&dir, &scenario.name, description, &scenario.source, node, &runs) {
        Ok(summary) => {
            if let Some(p) = &sweep {
                if !quiet {
                    outln!("wrote {}: the report of the variants as written, without the sweep", dir.display());
                }
                return self::sweep::execute(&scenario, p, &sweep_dir, quiet);
            }
            if !quiet {
                outln!("{}", report::text::render(&summary).trim_end());
                outln!("wrote {}", dir.display());
            }
            0
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", dir.display());
            EXIT_FAILURE
        }
    }
}

fn validate(file: &std::path::Path) -> i32 {
    let scenario = match load(file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    outln!("{}: valid scenario {:?}", file.display(), scenario.name);
    let Some(base) = scenario.variants.first() else {
        return 0;
    };
    let s = &base.spec;
    let nodes: u32 = s.node_pools.iter().map(|p| p.count).sum();
    let pods: u32 = s.workloads.iter().map(|w| w.replicas).sum();
    outln!(
        "  {} layers, {} images, {} registries, {} nodes in {} pools, {} pods in {} workloads, {} timeline events",
        s.layers.len(),
        s.images.len(),
        s.registries.len(),
        nodes,
        s.node_pools.len(),
        pods,
        s.workloads.len(),
        s.timeline.len()
    );
    for im in &s.images {
        outln!("  image {} {}", im.name, im.digest);
    }
    let names: Vec<&str> = scenario.variants.iter().map(|v| v.name.as_str()).collect();
    outln!("  variants: {}", names.join(", "));
    if let Some(sweep) = &scenario.sweep {
        let seeds = sweep.seeds.as_ref().map_or("the variant's seed".to_string(), |s| format!("{} seeds", s.len()));
        outln!("  sweep: {} points x {seeds} per variant", sweep.points());
    }
    for w in &s.workloads {
        for c in w.template.in_start_order() {
            if let Err(e) = &c.parsed {
                outln!("  note: workload {} container {}: image {:?} is invalid ({e}); its pods will wait with InvalidImageName", w.name, c.name, c.image);
            } else if let Ok(r) = &c.parsed {
                if !s.registries.iter().any(|reg| reg.host == r.registry) {
                    outln!(
                        "  note: workload {} container {}: no registry {:?} in the scenario; pulls will fail",
                        w.name,
                        c.name,
                        r.registry
                    );
                }
            }
        }
    }
    0
}
