//! A fuzz harness for the scenario loader and the image-reference parser that runs on the stable
//! toolchain: no nightly, no cargo-fuzz, no libFuzzer, no coverage instrumentation.
//!
//! ```text
//! cargo run --release --locked --example fuzz -- [--seconds N] [--seed S] [--target loader|image-ref|all]
//!                                                [--out DIR] [--replay FILE]...
//! ```
//!
//! - `--seconds N`: how long to fuzz, wall clock (default 60; `PULLSIM_FUZZ_SECONDS` replaces the default,
//!   the flag wins over both). The seed inputs always run once first, whatever N; minimising what failed
//!   takes at most a quarter of N more (at least 10 s, at most 2 min).
//! - `--seed S`: decimal or `0x` hex; without it one is taken from the clock. It is printed at the start
//!   with the command that reproduces the run. Each target draws from its own ChaCha stream derived from
//!   the seed, so the k-th input a target tries depends on the seed alone; only how many inputs fit in N
//!   seconds (and whether an input counts as slow) depends on the machine.
//! - `--target`: `loader`, `image-ref` or `all` (the default: the time is split evenly).
//! - `--out DIR`: where failing inputs are written, as `loader/<sha256 prefix>.yaml` and
//!   `image-ref/<sha256 prefix>.txt` (the exact input, no trailing newline added); default
//!   `tests/fuzz-regressions/` of this repository, which `tests/integration/fuzz_regressions.rs` replays.
//!   The run exits 1 when anything failed, 0 otherwise, 2 on bad arguments.
//! - `--replay FILE...`: runs the checks on saved inputs (`.txt`: an image reference, else a scenario) in
//!   this process and prints each outcome; exits 1 if any fails.
//!
//! ## How it works
//!
//! The inputs run in a child process (this program with `--worker`), fed over a pipe, so that a stack
//! overflow, an abort or a hang is caught too: the supervisor kills a worker whose load has run for
//! [`LOAD_KILL`] (or whose model runs have taken [`MODEL_KILL`]) and starts a new one.
//!
//! **Loader target.** Inputs start from `scenarios/*.yaml`, the YAML examples of `docs/*.md`,
//! `benches/scenarios/cluster-100.yaml`, scenarios written inline in the integration tests (copied below)
//! and every file already in `tests/fuzz-regressions/loader/`; each seed runs once as it is, then mutants
//! of the corpus run, each made by one to six stacked mutations of one family:
//! - tree level (half of the mutants): the text is read as a `serde_json::Value`; nodes are replaced by
//!   boundary values (numbers at the loader's limits and at integer widths, durations, sizes, bandwidths,
//!   names, hosts, references), deleted, duplicated, swapped, renamed to other schema keys, replaced by
//!   subtrees of other scenarios (preferring the same key), nested deeply, or given new keys; whole
//!   variants (merge patches along existing paths, with null, boundary or grafted leaves) and sweeps are
//!   added. The tree is written back with `serde_yaml::to_string`, so mutants are mostly structurally
//!   valid and reach the semantic checks and the model; placeholder strings then become YAML that JSON
//!   cannot hold (`.nan`, `.inf`, `1e400`, `18446744073709551616`, `-0`, `~`, tags).
//! - token level: YAML punctuation, anchors and aliases, an alias bomb, tags, tabs, CR, BOM, deep brackets,
//!   quotes, `.nan`, `.inf`, `1e400`, `-0`, `18446744073709551616`, huge and negative integers, unicode,
//!   NUL, long strings, `null`, document markers and directives, quantities at their limits, and the keys
//!   and values of `docs/scenario-format.md` (a built-in list plus every backquoted word of the docs) are
//!   inserted at line starts, after `: ` or anywhere, replace a value, or are inserted as `key: value`
//!   lines at an existing line's indentation; words are renamed throughout.
//! - byte and line level: bit flips, byte sets, inserts, span deletion and duplication, splicing two
//!   corpus files at line boundaries, copying a span of another file, line duplication, deletion, swaps
//!   and indentation changes.
//!
//! A mutant whose outcome (the set of diagnostics, generalised: names become `*`, numbers `N`, quoted
//! text `"…"`; or, for a valid scenario, the kinds of trace events its runs produced and the log2 of the
//! specs the loader resolved and of the input's size) was never seen joins the corpus, unless the loader
//! resolved [`MAX_CORPUS_RESOLUTIONS`] specs or more for it. A seed that fails is not mutated, and once an
//! input was slow, big sweeps and big data are made smaller (each slow mutant costs seconds). Each input goes through `pullsim::scenario::parse` under `catch_unwind`. A failure is:
//! a panic; a load taking more than [`LOAD_SLOW`]; an error whose text contains "panicked", with no
//! diagnostic or with an empty message. If the scenario loads, every variant runs through
//! `pullsim::model::run` on a copy of its spec with the duration, trace, node and replica counts capped
//! ([`capped`]); a failure is then also: a panic or a hang in the model, trace times going backwards or
//! past the end, variants not in base-then-name order, two loads of the same text differing, a sweep
//! point that `check_sweep` accepted but `patched_spec` refuses, a variant with an empty patch resolving to
//! something other than the base, and input the loader accepts although it must not: a non-finite float
//! in a variant patch or a sweep value (JSON has no NaN: it becomes `null`, which removes the key) or a
//! key that appears twice in one map (outside `template.metadata`, which is ignored).
//!
//! **Image-ref target.** Inputs are built from the reference grammar (domains, IPv4/IPv6 hosts, ports,
//! path components and separators, tags, digests of every length and algorithm, uppercase, unicode,
//! empty parts), mutated with character noise, or mutants of the string literals of
//! `src/model/image_ref.rs` and of image references in the scenarios. The checks: no panic; every public
//! function of `model::image_ref` agrees with [`oracle`], an independent transcription of
//! `distribution/reference` v0.6.0's regular expressions into the `regex` crate (whose leftmost-first
//! captures are Go's) with `go-digest` v1.0.0's `Digest.Validate`; a parsed reference's normalised form
//! re-parses to the same normalised form; its `String()` form and its familiar form (when Go's
//! normalisation maps it back) re-parse to the same reference.
//!
//! Failures are minimised (greedy removal of line and then character chunks while the same failure
//! remains, time-bounded) and written out; their paths are printed at the end with the throughput per
//! target and the distinct outcomes seen.

use pullsim::engine::{SimDuration, SimTime};
use pullsim::model::image_ref::{self, ImageRef};
use pullsim::model::spec::{Action, ClusterSpec};
use pullsim::scenario::{self, ScenarioError};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::{self, BufReader, Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A load taking longer than this (release build) is a failure.
const LOAD_SLOW: Duration = Duration::from_secs(2);
/// A worker still loading one input after this long is killed (the input counts as slow).
const LOAD_KILL: Duration = Duration::from_secs(5);
/// A worker whose model runs of one scenario take longer than this is killed (a model hang).
const MODEL_KILL: Duration = Duration::from_secs(30);
/// A worker taking longer than this for one image reference is killed (a hang).
const IMAGE_REF_KILL: Duration = Duration::from_secs(5);
/// Image references sent to the worker at once.
const IMAGE_REF_BATCH: usize = 256;
/// Longest mutant; longer ones are cut.
const MAX_INPUT_BYTES: usize = 512 * 1024;
/// Longest input that may join the corpus.
const MAX_CORPUS_INPUT_BYTES: usize = 64 * 1024;
/// Most corpus entries per target.
const MAX_CORPUS: usize = 4000;
/// An input whose load resolves this many specs (variants x sweep points) or more stays out of the
/// corpus: each of its mutants would cost a large part of a second.
const MAX_CORPUS_RESOLUTIONS: u64 = 1024;

/// Caps applied to a copy of each variant's spec before it runs (see [`capped`]).
pub const RUN_MAX_DURATION: SimDuration = SimDuration::from_secs(30 * 60);
/// Trace records one capped run may keep.
pub const RUN_MAX_TRACE_EVENTS: usize = 200_000;
/// Nodes of a capped run, shared out over its pools (each pool and each `addNodes` gets an equal share).
pub const RUN_MAX_NODES: u32 = 256;
/// Replicas of a capped run, shared out over its workloads (each workload and each `scale` gets an equal
/// share).
pub const RUN_MAX_REPLICAS: u32 = 1024;

const USAGE: &str = "usage: cargo run --release --locked --example fuzz -- [--seconds N] [--seed S] \
                     [--target loader|image-ref|all] [--out DIR] [--replay FILE]...";

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().map(String::as_str) == Some("--worker") {
        worker::main();
    }
    let args = match Args::parse(&argv) {
        Ok(a) => a,
        Err(e) if e == "help" => {
            println!("{USAGE}\n(see the top of examples/fuzz.rs)");
            std::process::exit(0);
        }
        Err(e) => {
            eprintln!("fuzz: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let code = if args.replay.is_empty() { supervise(&args) } else { replay(&args) };
    std::process::exit(code);
}

// ---------------------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Loader,
    ImageRef,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Loader => "loader",
            Target::ImageRef => "image-ref",
        }
    }

    fn byte(self) -> u8 {
        match self {
            Target::Loader => 0,
            Target::ImageRef => 1,
        }
    }

    fn dir_and_ext(self) -> (&'static str, &'static str) {
        match self {
            Target::Loader => ("loader", "yaml"),
            Target::ImageRef => ("image-ref", "txt"),
        }
    }
}

struct Args {
    seconds: f64,
    seed: u64,
    seed_given: bool,
    targets: Vec<Target>,
    target_arg: String,
    out: PathBuf,
    out_given: bool,
    replay: Vec<PathBuf>,
}

fn parse_seed(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let parsed = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse::<u64>(),
    };
    parsed.map_err(|_| format!("--seed {s:?}: expected a decimal or 0x-hex 64-bit number"))
}

impl Args {
    fn parse(argv: &[String]) -> Result<Args, String> {
        let mut seconds = match std::env::var("PULLSIM_FUZZ_SECONDS") {
            Ok(v) if !v.trim().is_empty() => {
                v.trim().parse::<f64>().map_err(|_| format!("PULLSIM_FUZZ_SECONDS={v:?}: expected a number"))?
            }
            _ => 60.0,
        };
        let mut seed = None;
        let mut target_arg = "all".to_string();
        let mut out = None;
        let mut replay = Vec::new();
        let mut i = 0;
        while i < argv.len() {
            let flag = argv[i].as_str();
            let value = |i: usize| argv.get(i + 1).cloned().ok_or_else(|| format!("{flag} needs a value"));
            match flag {
                "--seconds" => {
                    let v = value(i)?;
                    seconds = v.parse::<f64>().map_err(|_| format!("--seconds {v:?}: expected a number"))?;
                    i += 2;
                }
                "--seed" => {
                    seed = Some(parse_seed(&value(i)?)?);
                    i += 2;
                }
                "--target" => {
                    target_arg = value(i)?;
                    i += 2;
                }
                "--out" => {
                    out = Some(PathBuf::from(value(i)?));
                    i += 2;
                }
                "--replay" => {
                    replay.push(PathBuf::from(value(i)?));
                    i += 2;
                    while i < argv.len() && !argv[i].starts_with("--") {
                        replay.push(PathBuf::from(&argv[i]));
                        i += 1;
                    }
                }
                "-h" | "--help" => return Err("help".to_string()),
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        if !(seconds.is_finite() && seconds >= 0.0) {
            return Err(format!("--seconds {seconds}: expected a number of seconds, 0 or more"));
        }
        let targets = match target_arg.as_str() {
            "loader" => vec![Target::Loader],
            "image-ref" => vec![Target::ImageRef],
            "all" => vec![Target::Loader, Target::ImageRef],
            other => return Err(format!("--target {other:?}: expected loader, image-ref or all")),
        };
        let seed_given = seed.is_some();
        let seed = seed.unwrap_or_else(|| {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            (now.as_nanos() as u64) ^ (u64::from(std::process::id()) << 32)
        });
        let out_given = out.is_some();
        let out = out.unwrap_or_else(|| repo_path("tests/fuzz-regressions"));
        Ok(Args { seconds, seed, seed_given, targets, target_arg, out, out_given, replay })
    }

    fn reproduce_command(&self) -> String {
        let mut cmd = format!(
            "cargo run --release --locked --example fuzz -- --seconds {} --seed {} --target {}",
            self.seconds, self.seed, self.target_arg
        );
        if self.out_given {
            cmd.push_str(&format!(" --out {}", self.out.display()));
        }
        cmd
    }
}

fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

// ---------------------------------------------------------------------------------------------------------
// Outcomes and the worker protocol
// ---------------------------------------------------------------------------------------------------------

/// What one input did.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Outcome {
    /// Outcome class for the statistics: `ok`, `ok: ...` or the generalised first error message.
    pub category: String,
    /// Finer class: a mutant with a never-seen feedback joins the corpus.
    pub feedback: String,
    /// Set when the input found a bug.
    pub failure: Option<Failure>,
    /// Specs the loader resolved for it (variants x sweep points); a costly input stays out of the corpus.
    #[serde(default)]
    pub resolutions: u64,
}

/// A bug found by one input.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Failure {
    /// What kind of check failed, e.g. `loader-panic`, `loader-slow`, `image-ref-oracle`.
    pub kind: String,
    /// Identifies the bug: inputs with the same signature are taken as the same bug.
    pub signature: String,
    /// What happened (panic message and location, timing, the two disagreeing results, ...).
    pub detail: String,
    /// For a slow load: how long it took (or ran before it was killed), in milliseconds.
    #[serde(default)]
    pub slow_ms: Option<u64>,
}

impl Outcome {
    fn failed(kind: &str, signature: String, detail: String) -> Outcome {
        Outcome {
            category: format!("FAIL {kind}"),
            feedback: format!("FAIL {signature}"),
            failure: Some(Failure { kind: kind.to_string(), signature, detail, slow_ms: None }),
            resolutions: 0,
        }
    }
}

/// Worker -> supervisor.
#[derive(Debug, Serialize, Deserialize)]
enum Frame {
    /// The loader returned (after this many microseconds); the model runs come next.
    Loaded(u64),
    /// The input is done.
    Done(Outcome),
}

fn write_frame(out: &mut impl Write, frame: &Frame) -> io::Result<()> {
    let bytes = serde_json::to_vec(frame).map_err(io::Error::other)?;
    out.write_all(&(bytes.len() as u32).to_le_bytes())?;
    out.write_all(&bytes)?;
    out.flush()
}

fn read_frame(input: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    input.read_exact(&mut len)?;
    let mut buf = vec![0u8; u32::from_le_bytes(len) as usize];
    input.read_exact(&mut buf)?;
    Ok(buf)
}

fn write_request(out: &mut impl Write, target: Target, input: &[u8]) -> io::Result<()> {
    out.write_all(&[target.byte()])?;
    out.write_all(&(input.len() as u32).to_le_bytes())?;
    out.write_all(input)
}

// ---------------------------------------------------------------------------------------------------------
// The checks (run by the worker, and by --replay in this process)
// ---------------------------------------------------------------------------------------------------------

mod worker {
    use super::*;
    use std::cell::RefCell;

    thread_local! {
        static LAST_PANIC: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
    }

    /// Replaces the panic hook: a panic's message and location are kept for the report instead of
    /// being printed.
    pub fn install_panic_hook() {
        std::panic::set_hook(Box::new(|info| {
            let payload = info.payload();
            let msg = if let Some(s) = payload.downcast_ref::<&str>() {
                (*s).to_string()
            } else if let Some(s) = payload.downcast_ref::<String>() {
                s.clone()
            } else {
                "(non-string panic payload)".to_string()
            };
            let loc = info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column())).unwrap_or_default();
            LAST_PANIC.with(|p| *p.borrow_mut() = Some((msg, loc)));
        }));
    }

    /// The message and location of the last panic, taken.
    pub fn take_panic() -> (String, String) {
        LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_else(|| ("(no message)".into(), "unknown".into()))
    }

    pub fn main() -> ! {
        install_panic_hook();
        let mut input = BufReader::new(io::stdin().lock());
        let mut output = io::stdout().lock();
        loop {
            let mut head = [0u8; 5];
            if input.read_exact(&mut head).is_err() {
                std::process::exit(0);
            }
            let len = u32::from_le_bytes([head[1], head[2], head[3], head[4]]) as usize;
            let mut buf = vec![0u8; len];
            if input.read_exact(&mut buf).is_err() {
                std::process::exit(0);
            }
            let outcome = if head[0] == Target::Loader.byte() {
                check_loader(&buf, &mut |micros| {
                    let _ = write_frame(&mut output, &Frame::Loaded(micros));
                })
            } else {
                check_image_ref(&String::from_utf8_lossy(&buf))
            };
            if write_frame(&mut output, &Frame::Done(outcome)).is_err() {
                std::process::exit(0);
            }
        }
    }
}

/// The run-time copy of a variant's spec: duration at most [`RUN_MAX_DURATION`] (timeline entries after
/// it dropped), at most [`RUN_MAX_TRACE_EVENTS`] trace records, and node and replica counts cut to an
/// equal share of [`RUN_MAX_NODES`] per pool and of [`RUN_MAX_REPLICAS`] per workload (at least 1 where
/// the count was at least 1). Lowering these keeps a valid spec valid.
pub fn capped(spec: &ClusterSpec) -> ClusterSpec {
    let mut s = spec.clone();
    s.duration = s.duration.min(RUN_MAX_DURATION);
    s.max_trace_events = s.max_trace_events.min(RUN_MAX_TRACE_EVENTS);
    let end = SimTime::ZERO + s.duration;
    s.timeline.retain(|t| t.at <= end);
    let share = |total: u32, n: usize| (total / (n.max(1) as u32)).max(1);
    let nodes = share(RUN_MAX_NODES, s.node_pools.len());
    let replicas = share(RUN_MAX_REPLICAS, s.workloads.len());
    for p in &mut s.node_pools {
        p.count = p.count.min(nodes);
    }
    for w in &mut s.workloads {
        w.replicas = w.replicas.min(replicas);
    }
    for t in &mut s.timeline {
        match &mut t.action {
            Action::Scale { replicas: r, .. } => *r = (*r).min(replicas),
            Action::AddNodes { count, .. } => *count = (*count).min(nodes),
            _ => {}
        }
    }
    s
}

/// FNV-1a, to sample the costlier checks deterministically per input.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100000001b3))
}

/// Where this process writes an input for `scenario::load`.
pub fn load_path(pid: u32) -> PathBuf {
    std::env::temp_dir().join(format!("pullsim-fuzz-{pid}.yaml"))
}

/// The loader on `input`: `scenario::parse` for UTF-8 text, `scenario::load` (which decodes bytes) on a
/// temporary file for other bytes and for one text in sixteen.
pub fn load_input(input: &[u8]) -> Result<scenario::Scenario, ScenarioError> {
    match std::str::from_utf8(input) {
        Ok(text) if fnv(input) % 16 != 3 => scenario::parse("fuzz.yaml", text),
        _ => {
            let path = load_path(std::process::id());
            if let Err(source) = std::fs::write(&path, input) {
                return Err(ScenarioError::Io { file: path.display().to_string(), source });
            }
            scenario::load(&path)
        }
    }
}

/// Keys of the scenario format (docs/scenario-format.md); other map keys are names.
const SCHEMA_KEYS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "name",
    "description",
    "spec",
    "seed",
    "duration",
    "layers",
    "size",
    "digest",
    "images",
    "registries",
    "bandwidth",
    "latency",
    "repositories",
    "tags",
    "nodePools",
    "count",
    "diskWrite",
    "maxConcurrentDownloads",
    "kubelet",
    "serializeImagePulls",
    "maxParallelImagePulls",
    "registryPullQPS",
    "registryBurst",
    "preloaded",
    "workloads",
    "namespace",
    "replicas",
    "template",
    "initContainers",
    "containers",
    "image",
    "imagePullPolicy",
    "timeline",
    "at",
    "pushTag",
    "manifest",
    "scale",
    "workload",
    "setImage",
    "container",
    "addNodes",
    "pool",
    "registryOutage",
    "registry",
    "variants",
    "sweep",
    "seeds",
    "from",
    "parameters",
    "path",
    "values",
    "labels",
];

/// A field path with names replaced by `*` and indexes by `[]`.
fn generalise_path(segs: &[String]) -> String {
    let mut out = String::new();
    for s in segs {
        if s.starts_with('[') {
            out.push_str("[]");
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(if SCHEMA_KEYS.contains(&s.as_str()) { s } else { "*" });
        }
    }
    out
}

/// A message with quoted parts, numbers and long tails folded, so that one check's messages share a class.
pub fn generalise_message(msg: &str) -> String {
    let mut out = String::new();
    let mut chars = msg.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                let mut escaped = false;
                for d in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == '"' {
                        break;
                    }
                }
                out.push_str("\"…\"");
            }
            '`' => {
                for d in chars.by_ref() {
                    if d == '`' {
                        break;
                    }
                }
                out.push_str("`…`");
            }
            c if c.is_ascii_digit() => {
                while chars.peek().is_some_and(|d| d.is_ascii_digit() || *d == '.') {
                    chars.next();
                }
                out.push('N');
            }
            c => out.push(c),
        }
        if out.chars().count() >= 72 {
            out.push('…');
            break;
        }
    }
    out
}

fn diag_path(path: &scenario::location::FieldPath) -> Vec<String> {
    path.0
        .iter()
        .map(|s| match s {
            scenario::location::PathSeg::Key(k) => k.clone(),
            scenario::location::PathSeg::Index(i) => format!("[{i}]"),
        })
        .collect()
}

/// What the loader must never accept, found by walking the YAML generically.
mod walk {
    use serde::de::{DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};
    use std::collections::BTreeSet;
    use std::fmt;

    #[derive(Default, Debug)]
    pub struct Found {
        /// Paths of non-finite floats.
        pub nonfinite: Vec<Vec<String>>,
        /// Paths of keys that appear a second time in their map.
        pub duplicates: Vec<Vec<String>>,
    }

    /// Walks `text` as one YAML document (aliases expanded, within serde_yaml's limits); `None` if it
    /// cannot be read (then the loader has refused it anyway, or something else is checked).
    pub fn walk(text: &str) -> Option<Found> {
        let mut found = Found::default();
        let mut path = Vec::new();
        let de = serde_yaml::Deserializer::from_str(text);
        Walk { path: &mut path, found: &mut found }.deserialize(de).ok()?;
        Some(found)
    }

    struct Walk<'a> {
        path: &'a mut Vec<String>,
        found: &'a mut Found,
    }

    impl<'de> DeserializeSeed<'de> for Walk<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Walk<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any YAML value")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_i128<E>(self, _: i128) -> Result<(), E> {
            Ok(())
        }
        fn visit_u128<E>(self, _: u128) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, v: f64) -> Result<(), E> {
            if !v.is_finite() {
                self.found.nonfinite.push(self.path.clone());
            }
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_bytes<E>(self, _: &[u8]) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_none<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut i = 0usize;
            loop {
                self.path.push(format!("[{i}]"));
                let more = seq.next_element_seed(Walk { path: &mut *self.path, found: &mut *self.found })?;
                self.path.pop();
                if more.is_none() {
                    return Ok(());
                }
                i += 1;
            }
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = BTreeSet::new();
            while let Some(key) = map.next_key_seed(KeySeed)? {
                self.path.push(key.clone());
                if !seen.insert(key) {
                    self.found.duplicates.push(self.path.clone());
                }
                map.next_value_seed(Walk { path: &mut *self.path, found: &mut *self.found })?;
                self.path.pop();
            }
            Ok(())
        }
        fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
            let (tag, variant) = data.variant::<String>()?;
            self.path.push(format!("!{tag}"));
            variant.newtype_variant_seed(Walk { path: &mut *self.path, found: &mut *self.found })?;
            self.path.pop();
            Ok(())
        }
    }

    /// A map key as text (what serde_json keeps of it); a non-scalar key fails the walk.
    struct KeySeed;

    impl<'de> DeserializeSeed<'de> for KeySeed {
        type Value = String;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
            d.deserialize_str(KeyVisitor)
        }
    }

    struct KeyVisitor;

    impl Visitor<'_> for KeyVisitor {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a scalar key")
        }
        fn visit_str<E>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
    }
}

/// Whether `path` lies in an ignored `template.metadata`.
fn in_ignored_metadata(path: &[String]) -> bool {
    path.windows(2).any(|w| w[0] == "template" && w[1] == "metadata")
}

/// Where in the file a path is, for signatures: a variant patch, a sweep value, or the base.
fn region(path: &[String]) -> &'static str {
    match (path.first().map(String::as_str), path.get(1).map(String::as_str)) {
        (Some("spec"), Some("variants")) => "variant-patch",
        (Some("spec"), Some("sweep")) => "sweep",
        _ => "base",
    }
}

/// Runs the loader on `text` and, if it loads, the model on every variant; see the module docs for what
/// counts as a failure. `loaded` is told when the loader returns (the supervisor's watchdog then gives
/// the model runs more time).
pub fn check_loader(input: &[u8], loaded: &mut dyn FnMut(u64)) -> Outcome {
    let t0 = Instant::now();
    let parsed = catch_unwind(AssertUnwindSafe(|| load_input(input)));
    let load = t0.elapsed();
    loaded(load.as_micros() as u64);
    let parsed = match parsed {
        Ok(p) => p,
        Err(_) => {
            let (msg, loc) = worker::take_panic();
            return Outcome::failed("loader-panic", format!("loader-panic at {loc}"), format!("{msg} at {loc}"));
        }
    };
    let slow = (load > LOAD_SLOW).then(|| {
        Outcome::failed(
            "loader-slow",
            format!("loader-slow: {}", slow_class(input)),
            format!("the load took {} ms (limit {} ms)", load.as_millis(), LOAD_SLOW.as_millis()),
        )
        .with_slow_ms(load.as_millis() as u64)
    });
    let outcome = match &parsed {
        Err(e) => check_error(e),
        Ok(s) => check_loaded(input, s),
    };
    // Any other failure outranks slowness (which depends on the machine).
    match slow {
        Some(slow) if outcome.failure.is_none() => slow,
        _ => outcome,
    }
}

/// A crude class of what makes an input slow, so that different causes are kept apart.
pub fn slow_class(input: &[u8]) -> &'static str {
    let text = String::from_utf8_lossy(input);
    let mut depth = 0usize;
    let mut max_depth = 0usize;
    for b in text.bytes() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                max_depth = max_depth.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let max_indent = text.lines().map(|l| l.len() - l.trim_start_matches([' ', '-']).len()).max().unwrap_or(0);
    // A sweep first: its cost (every point resolved) dwarfs the rest, and the loader refuses deep nesting
    // early, so brackets deep in a sweep's file are mostly inside strings.
    if text.contains("sweep") {
        "sweep"
    } else if max_depth > 64 {
        "deep flow nesting"
    } else if max_indent > 128 {
        "deep block nesting"
    } else if text.matches('*').count() > 32 {
        "many aliases"
    } else if text.len() > 100_000 {
        "large input"
    } else {
        "other"
    }
}

fn check_error(e: &ScenarioError) -> Outcome {
    let shown = e.to_string();
    let mut out = Outcome { category: String::new(), feedback: String::new(), failure: None, resolutions: 0 };
    match e {
        ScenarioError::Invalid(ds) => {
            if ds.is_empty() {
                return Outcome::failed(
                    "error-contract",
                    "no diagnostics".into(),
                    "ScenarioError::Invalid(vec![])".into(),
                );
            }
            for d in ds {
                if d.message.trim().is_empty() {
                    return Outcome::failed(
                        "error-contract",
                        format!("empty message at {}", generalise_path(&diag_path(&d.path))),
                        format!("diagnostic with an empty message: {d}"),
                    );
                }
            }
            out.category = generalise_message(&ds[0].message);
            let mut classes: BTreeSet<String> = BTreeSet::new();
            for d in ds.iter().take(8) {
                classes.insert(format!("{}: {}", generalise_path(&diag_path(&d.path)), generalise_message(&d.message)));
            }
            out.feedback = classes.into_iter().collect::<Vec<_>>().join(" | ");
        }
        ScenarioError::Io { .. } => {
            out.category = "io error".into();
            out.feedback = "io error".into();
        }
        _ => {
            out.category = "other error".into();
            out.feedback = "other error".into();
        }
    }
    if shown.contains("panicked") {
        return Outcome::failed(
            "error-contract",
            "error text mentions a panic".into(),
            format!("the error's Display contains \"panicked\":\n{shown}"),
        );
    }
    out
}

fn check_loaded(input: &[u8], s: &scenario::Scenario) -> Outcome {
    let text = String::from_utf8_lossy(input);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    // Variants: base first, then by name, each once.
    let names: Vec<&str> = s.variants.iter().map(|v| v.name.as_str()).collect();
    let ordered = names.first() == Some(&scenario::BASE_VARIANT) && names[1..].windows(2).all(|w| w[0] < w[1]);
    if !ordered {
        return Outcome::failed("loader-invariant", "variant order".into(), format!("variants in order {names:?}"));
    }
    // The model, on capped copies.
    let mut kinds: Vec<(std::mem::Discriminant<pullsim::model::trace::TraceKind>, String)> = Vec::new();
    let mut truncated = false;
    for v in &s.variants {
        let spec = capped(&v.spec);
        match run_model(&spec) {
            Ok((out_kinds, t)) => {
                truncated |= t;
                for (d, name) in out_kinds {
                    if !kinds.iter().any(|(k, _)| *k == d) {
                        kinds.push((d, name));
                    }
                }
            }
            Err(failure) => return failure.with_context(&format!("in variant {:?}", v.name)),
        }
    }
    // A sweep: every point passed check_sweep, so patched_spec must accept the first and the last.
    if let Some(sweep) = &s.sweep {
        let points = sweep.points();
        for v in &s.variants {
            for point in [0, points.saturating_sub(1)] {
                let patch = sweep.point_patch(point);
                match catch_unwind(AssertUnwindSafe(|| s.patched_spec(&v.name, &patch))) {
                    Err(_) => {
                        let (msg, loc) = worker::take_panic();
                        return Outcome::failed(
                            "loader-panic",
                            format!("loader-panic at {loc}"),
                            format!("patched_spec: {msg} at {loc}"),
                        );
                    }
                    Ok(Err(problems)) => {
                        return Outcome::failed(
                            "loader-invariant",
                            "sweep point accepted by check_sweep refused by patched_spec".into(),
                            format!(
                                "variant {:?}, point {point} ({}): {}",
                                v.name,
                                sweep.describe_point(point),
                                problems
                                    .iter()
                                    .map(|p| format!("{}: {}", p.path, p.message))
                                    .collect::<Vec<_>>()
                                    .join("; ")
                            ),
                        )
                    }
                    Ok(Ok(_)) => {}
                }
            }
        }
    }
    // What the loader must not accept.
    if let Some(found) = walk::walk(text) {
        if let Some(p) = found.nonfinite.iter().find(|p| region(p) != "base" && !in_ignored_metadata(p)) {
            return Outcome::failed(
                "accepted-nonfinite",
                format!("non-finite float accepted in a {}", region(p)),
                format!(
                    "the scenario loads although {} is a non-finite float: as JSON it becomes null, which \
                     removes the key",
                    p.join(".")
                ),
            );
        }
        if let Some(p) = found.duplicates.iter().find(|p| !in_ignored_metadata(p)) {
            return Outcome::failed(
                "accepted-duplicate-key",
                format!("duplicate key accepted in the {} at {}", region(p), generalise_path(p)),
                format!("the scenario loads although key {} appears twice in its map", p.join(".")),
            );
        }
    }
    let h = fnv(input);
    // The same text loads the same way twice.
    if h % 8 == 0 {
        match catch_unwind(AssertUnwindSafe(|| load_input(input))) {
            Ok(Ok(again)) if &again == s => {}
            Ok(other) => {
                return Outcome::failed(
                    "loader-invariant",
                    "nondeterministic load".into(),
                    format!(
                        "a second load differs: {}",
                        other.map(|_| "another scenario".to_string()).unwrap_or_else(|e| e.to_string())
                    ),
                )
            }
            Err(_) => {
                let (msg, loc) = worker::take_panic();
                return Outcome::failed("loader-panic", format!("loader-panic at {loc}"), format!("{msg} at {loc}"));
            }
        }
    }
    // A variant with an empty patch is the base.
    if h % 2 == 0 {
        if let Some(failure) = check_identity_variant(text) {
            return failure;
        }
    }
    let mut names: Vec<String> = kinds.into_iter().map(|(_, n)| n).collect();
    names.sort();
    let resolutions = s.sweep.as_ref().map_or(1, |sw| sw.points()).saturating_mul(s.variants.len() as u64);
    Outcome {
        resolutions,
        category: if s.variants.len() > 1 { "ok (with variants)".into() } else { "ok".into() },
        // A deterministic cost measure (log2 of sweep resolutions and of the input size), so that a
        // mutant that makes the loader do more work joins the corpus and can be pushed further.
        feedback: format!(
            "ok v{} sweep:{} resolutions:2^{} bytes:2^{} truncated:{truncated} {}",
            s.variants.len().min(4),
            s.sweep.is_some(),
            resolutions.max(1).ilog2(),
            input.len().max(1).ilog2(),
            names.join(",")
        ),
        failure: None,
    }
}

impl Outcome {
    fn with_slow_ms(mut self, ms: u64) -> Outcome {
        if let Some(f) = &mut self.failure {
            f.slow_ms = Some(ms);
        }
        self
    }

    fn with_context(mut self, ctx: &str) -> Outcome {
        if let Some(f) = &mut self.failure {
            f.detail = format!("{ctx}: {}", f.detail);
        }
        self
    }
}

type Kinds = Vec<(std::mem::Discriminant<pullsim::model::trace::TraceKind>, String)>;

/// Runs a capped spec; the kinds of trace events seen and whether the run was truncated.
fn run_model(spec: &ClusterSpec) -> Result<(Kinds, bool), Box<Outcome>> {
    let out = match catch_unwind(AssertUnwindSafe(|| pullsim::model::run(spec))) {
        Ok(out) => out,
        Err(_) => {
            let (msg, loc) = worker::take_panic();
            return Err(
                Outcome::failed("model-panic", format!("model-panic at {loc}"), format!("{msg} at {loc}")).into()
            );
        }
    };
    let end = SimTime::ZERO + spec.duration;
    if out.end > end || (!out.truncated && out.end != end) {
        return Err(Outcome::failed(
            "model-invariant",
            "run end".into(),
            format!(
                "run ended at {} us, duration {} us, truncated {}",
                out.end.as_micros(),
                end.as_micros(),
                out.truncated
            ),
        )
        .into());
    }
    let mut kinds: Kinds = Vec::new();
    let mut last_t = SimTime::ZERO;
    let mut last_kind = None;
    for (i, e) in out.trace.iter().enumerate() {
        if e.t < last_t || e.t > out.end {
            return Err(Outcome::failed(
                "model-invariant",
                "trace time order".into(),
                format!(
                    "trace[{i}] at {} us after {} us (end {} us): {:?}",
                    e.t.as_micros(),
                    last_t.as_micros(),
                    out.end.as_micros(),
                    e.kind
                ),
            )
            .into());
        }
        last_t = e.t;
        let d = std::mem::discriminant(&e.kind);
        if last_kind != Some(d) {
            last_kind = Some(d);
            if !kinds.iter().any(|(k, _)| *k == d) {
                let shown = format!("{:?}", e.kind);
                let name = shown.split([' ', '{', '(']).next().unwrap_or_default().to_string();
                kinds.push((d, name));
            }
        }
    }
    Ok((kinds, out.truncated))
}

/// Adds a variant with an empty patch (through the JSON tree, re-emitted as YAML) and checks that it
/// resolves exactly like the base of the same text. `None` when fine or not applicable.
fn check_identity_variant(text: &str) -> Option<Outcome> {
    let mut tree: Value = serde_yaml::from_str(text).ok()?;
    let spec = tree.get_mut("spec")?.as_object_mut()?;
    let variants = spec.entry("variants").or_insert_with(|| json!({}));
    if variants.is_null() {
        *variants = json!({});
    }
    let variants = variants.as_object_mut()?;
    const NAME: &str = "zz-fuzz-identity";
    if variants.contains_key(NAME) {
        return None;
    }
    variants.insert(NAME.to_string(), json!({}));
    let emitted = serde_yaml::to_string(&tree).ok()?;
    let s = match catch_unwind(AssertUnwindSafe(|| scenario::parse("fuzz.yaml", &emitted))) {
        Ok(Ok(s)) => s,
        Ok(Err(_)) => return None,
        Err(_) => {
            let (msg, loc) = worker::take_panic();
            return Some(Outcome::failed("loader-panic", format!("loader-panic at {loc}"), format!("{msg} at {loc}")));
        }
    };
    let base = &s.variants.first()?.spec;
    let same = &s.variants.iter().find(|v| v.name == NAME)?.spec;
    if base == same {
        return None;
    }
    let mut differs = Vec::new();
    if base.seed != same.seed {
        differs.push(format!("seed {} vs {}", base.seed, same.seed));
    }
    if base.duration != same.duration {
        differs.push(format!("duration {:?} vs {:?}", base.duration, same.duration));
    }
    let fields: [(&str, String, String); 6] = [
        ("layers", format!("{:?}", base.layers), format!("{:?}", same.layers)),
        ("images", format!("{:?}", base.images), format!("{:?}", same.images)),
        ("registries", format!("{:?}", base.registries), format!("{:?}", same.registries)),
        ("nodePools", format!("{:?}", base.node_pools), format!("{:?}", same.node_pools)),
        ("workloads", format!("{:?}", base.workloads), format!("{:?}", same.workloads)),
        ("timeline", format!("{:?}", base.timeline), format!("{:?}", same.timeline)),
    ];
    for (name, a, b) in fields {
        if a != b {
            let at = a.bytes().zip(b.bytes()).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
            let from = at.saturating_sub(60);
            let clip = |s: &str| s.get(from..(at + 60).min(s.len())).unwrap_or("").to_string();
            differs.push(format!("{name}: base …{}… vs variant …{}…", clip(&a), clip(&b)));
        }
    }
    let first_field = differs.first().map(|d| d.split([' ', ':']).next().unwrap_or("").to_string()).unwrap_or_default();
    Some(Outcome::failed(
        "loader-invariant",
        format!("empty variant patch differs from base in {first_field}"),
        format!("a variant with the patch {{}} resolves differently from the base: {}", differs.join("; ")),
    ))
}

// ---------------------------------------------------------------------------------------------------------
// The image-reference oracle
// ---------------------------------------------------------------------------------------------------------

/// An independent model of `github.com/distribution/reference` v0.6.0 (tag at commit ff14faf, the
/// version Kubernetes vendors; the patterns are unchanged at 0965666, the newest commit read) and of
/// `github.com/opencontainers/go-digest` v1.0.0, transcribed from `regexp.go`, `reference.go`,
/// `normalize.go`, `helpers.go` and go-digest's `digest.go` and `algorithm.go`. The grammar is Go's
/// regular expressions, composed exactly as `regexp.go` composes them and compiled with the `regex`
/// crate, whose leftmost-first submatch semantics are those of Go's `regexp`. Go's `\w` is ASCII, so it
/// is spelled out. `strings.ToLower` is modelled with Unicode simple lowercase mappings (per character;
/// U+0130 lowercases to `i`, as in Go); Rust's and Go's Unicode versions may differ for characters
/// added recently, which this cannot see.
pub mod oracle {
    use regex::Regex;
    use std::sync::OnceLock;

    const ALPHANUMERIC: &str = "[a-z0-9]+";
    const SEPARATOR: &str = "(?:[._]|__|[-]+)";
    const DOMAIN_NAME_COMPONENT: &str = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    const OPTIONAL_PORT: &str = "(?::[0-9]+)?";
    /// Go: `[\w][\w.-]{0,127}`.
    const TAG: &str = "[0-9A-Za-z_][0-9A-Za-z_.-]{0,127}";
    const DIGEST_PAT: &str = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}";
    const IDENTIFIER: &str = "([a-f0-9]{64})";
    const IPV6ADDRESS: &str = r"\[(?:[a-fA-F0-9:]+)\]";
    /// go-digest v1.0.0 `DigestRegexpAnchored`.
    const GO_DIGEST_ANCHORED: &str = "^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$";

    struct Regexps {
        reference: Regex,
        anchored_name: Regex,
        anchored_tag: Regex,
        anchored_digest: Regex,
        anchored_identifier: Regex,
        go_digest_anchored: Regex,
        encoded: [(&'static str, usize, Regex); 3],
    }

    fn optional(parts: &[&str]) -> String {
        format!("(?:{})?", parts.concat())
    }
    fn any_times(parts: &[&str]) -> String {
        format!("(?:{})*", parts.concat())
    }
    fn capture(parts: &[&str]) -> String {
        format!("({})", parts.concat())
    }
    fn anchored(parts: &[&str]) -> String {
        format!("^{}$", parts.concat())
    }

    fn regexps() -> &'static Regexps {
        static R: OnceLock<Regexps> = OnceLock::new();
        R.get_or_init(|| {
            let domain_name = format!("{DOMAIN_NAME_COMPONENT}(?:\\.{DOMAIN_NAME_COMPONENT})*");
            let host = format!("(?:{domain_name}|{IPV6ADDRESS})");
            let domain_and_port = format!("{host}{OPTIONAL_PORT}");
            let path_component = format!("{ALPHANUMERIC}{}", any_times(&[SEPARATOR, ALPHANUMERIC]));
            let remote_name = format!("{path_component}{}", any_times(&["/", &path_component]));
            let name_pat = format!("{}{remote_name}", optional(&[&domain_and_port, "/"]));
            let anchored_name_pat =
                anchored(&[&optional(&[&capture(&[&domain_and_port]), "/"]), &capture(&[&remote_name])]);
            let reference_pat = anchored(&[
                &capture(&[&name_pat]),
                &optional(&[":", &capture(&[TAG])]),
                &optional(&["@", &capture(&[DIGEST_PAT])]),
            ]);
            let re = |p: &str| Regex::new(p).unwrap_or_else(|e| panic!("oracle pattern {p}: {e}"));
            Regexps {
                reference: re(&reference_pat),
                anchored_name: re(&anchored_name_pat),
                anchored_tag: re(&anchored(&[TAG])),
                anchored_digest: re(&anchored(&[DIGEST_PAT])),
                anchored_identifier: re(&anchored(&[IDENTIFIER])),
                go_digest_anchored: re(GO_DIGEST_ANCHORED),
                encoded: [
                    ("sha256", 32, re("^[a-f0-9]{64}$")),
                    ("sha384", 48, re("^[a-f0-9]{96}$")),
                    ("sha512", 64, re("^[a-f0-9]{128}$")),
                ],
            }
        })
    }

    /// A parsed reference: domain, path, tag, digest (Go's `reference` fields; "" tag = none).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Parts {
        pub domain: String,
        pub path: String,
        pub tag: Option<String>,
        pub digest: Option<String>,
    }

    impl Parts {
        fn name(&self) -> String {
            if self.domain.is_empty() {
                self.path.clone()
            } else {
                format!("{}/{}", self.domain, self.path)
            }
        }
        /// `String()` of the reference types of `reference.go`.
        pub fn string(&self) -> String {
            let mut s = self.name();
            if let Some(t) = &self.tag {
                s.push(':');
                s.push_str(t);
            }
            if let Some(d) = &self.digest {
                s.push('@');
                s.push_str(d);
            }
            s
        }
        /// `FamiliarString` (`helpers.go`, `familiarizeName` in `normalize.go`).
        pub fn familiar_string(&self) -> String {
            let mut f = self.clone();
            if f.domain == "docker.io" {
                f.domain = String::new();
                if let Some(rest) = f.path.strip_prefix("library/") {
                    if !rest.contains('/') {
                        f.path = rest.to_string();
                    }
                }
            }
            f.string()
        }
    }

    /// `unicode.ToLower` per character (simple case mapping).
    fn go_lower_char(c: char) -> char {
        if c == '\u{130}' {
            return 'i';
        }
        let mut l = c.to_lowercase();
        match (l.next(), l.next()) {
            (Some(x), None) => x,
            _ => c,
        }
    }

    /// `strings.ToLower`.
    pub fn go_to_lower(s: &str) -> String {
        s.chars().map(go_lower_char).collect()
    }

    /// go-digest v1.0.0 `Digest.Validate` (all of sha256, sha384 and sha512 available).
    pub fn digest_validate(s: &str) -> Result<(), String> {
        let format = || Err("invalid checksum digest format".to_string());
        let Some(i) = s.find(':') else { return format() };
        if i == 0 || i + 1 == s.len() {
            return format();
        }
        let (algorithm, encoded) = (&s[..i], &s[i + 1..]);
        let Some((_, size, re)) = regexps().encoded.iter().find(|(a, _, _)| *a == algorithm) else {
            if !regexps().go_digest_anchored.is_match(s) {
                return format();
            }
            return Err("unsupported digest algorithm".to_string());
        };
        if size * 2 != encoded.len() {
            return Err("invalid checksum digest length".to_string());
        }
        if re.is_match(encoded) {
            Ok(())
        } else {
            format()
        }
    }

    /// `Parse` (`reference.go`).
    pub fn parse(s: &str) -> Result<Parts, String> {
        let r = regexps();
        if s.is_empty() {
            return Err("repository name must have at least one component".into());
        }
        let Some(m) = r.reference.captures(s) else {
            let sl = go_to_lower(s);
            if sl != s && r.reference.is_match(&sl) {
                return Err("repository name must be lowercase".into());
            }
            return Err("invalid reference format".into());
        };
        let name = m.get(1).map_or("", |g| g.as_str());
        let (domain, path) = match r.anchored_name.captures(name) {
            Some(n) => (n.get(1).map_or("", |g| g.as_str()), n.get(2).map_or("", |g| g.as_str())),
            None => ("", name),
        };
        if path.len() > 255 {
            return Err("repository name must not be more than 255 characters".into());
        }
        let tag = m.get(2).map(|g| g.as_str().to_string()).filter(|t| !t.is_empty());
        let digest = m.get(3).map(|g| g.as_str().to_string()).filter(|d| !d.is_empty());
        if let Some(d) = &digest {
            digest_validate(d)?;
        }
        if name.is_empty() {
            return Err("repository name must have at least one component".into());
        }
        Ok(Parts { domain: domain.to_string(), path: path.to_string(), tag, digest })
    }

    /// `splitDockerDomain` (`normalize.go`), case by case as Go's `switch` has them.
    #[allow(clippy::if_same_then_else)]
    fn split_docker_domain(name: &str) -> (String, String) {
        let Some((maybe_domain, maybe_remote)) = name.split_once('/') else {
            return ("docker.io".into(), format!("library/{name}"));
        };
        let (domain, mut remote) = if maybe_domain == "localhost" {
            (maybe_domain.to_string(), maybe_remote.to_string())
        } else if maybe_domain == "index.docker.io" {
            ("docker.io".to_string(), maybe_remote.to_string())
        } else if maybe_domain.contains(['.', ':']) {
            (maybe_domain.to_string(), maybe_remote.to_string())
        } else if go_to_lower(maybe_domain) != maybe_domain {
            (maybe_domain.to_string(), maybe_remote.to_string())
        } else {
            ("docker.io".to_string(), name.to_string())
        };
        if domain == "docker.io" && !remote.contains('/') {
            remote = format!("library/{remote}");
        }
        (domain, remote)
    }

    /// `ParseNormalizedNamed` (`normalize.go`).
    pub fn parse_normalized_named(s: &str) -> Result<Parts, String> {
        if regexps().anchored_identifier.is_match(s) {
            return Err(format!("invalid repository name ({s}), cannot specify 64-byte hexadecimal strings"));
        }
        let (domain, remainder) = split_docker_domain(s);
        let remote = match remainder.find(':') {
            Some(i) => &remainder[..i],
            None => remainder.as_str(),
        };
        if go_to_lower(remote) != remote {
            return Err(format!("invalid reference format: repository name ({remote}) must be lowercase"));
        }
        parse(&format!("{domain}/{remainder}"))
    }

    /// `ParseNamed` (`reference.go`).
    pub fn parse_named(s: &str) -> Result<Parts, String> {
        let named = parse_normalized_named(s)?;
        if named.string() != s {
            return Err("repository name must be canonical".into());
        }
        Ok(named)
    }

    /// `anchoredTagRegexp` (what `WithTag` accepts).
    pub fn is_tag(s: &str) -> bool {
        regexps().anchored_tag.is_match(s)
    }

    /// `anchoredDigestRegexp` (what `WithDigest` accepts).
    pub fn is_digest(s: &str) -> bool {
        regexps().anchored_digest.is_match(s)
    }

    /// `SetDefaults_Container` with `parsers.ParseImageName` (Kubernetes): Always when the tag, after
    /// defaulting to latest when there is neither tag nor digest, is `latest`; else IfNotPresent.
    pub fn default_pull_policy(s: &str) -> &'static str {
        match parse_normalized_named(s) {
            Ok(p) => {
                let tag = match (&p.tag, &p.digest) {
                    (Some(t), _) => t.as_str(),
                    (None, Some(_)) => "",
                    (None, None) => "latest",
                };
                if tag == "latest" {
                    "Always"
                } else {
                    "IfNotPresent"
                }
            }
            Err(_) => "IfNotPresent",
        }
    }
}

fn parts_of(r: &ImageRef) -> oracle::Parts {
    oracle::Parts {
        domain: r.registry.clone(),
        path: r.repository.clone(),
        tag: r.tag.clone(),
        digest: r.digest.clone(),
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 200 {
        format!("{}… ({} bytes)", s.chars().take(200).collect::<String>(), s.len())
    } else {
        s.to_string()
    }
}

/// Checks every property of one image reference; see the module docs.
pub fn check_image_ref(s: &str) -> Outcome {
    match catch_unwind(AssertUnwindSafe(|| image_ref_properties(s))) {
        Ok(o) => o,
        Err(_) => {
            let (msg, loc) = worker::take_panic();
            Outcome::failed("image-ref-panic", format!("image-ref-panic at {loc}"), format!("{msg} at {loc}"))
        }
    }
}

fn class_of(r: &Result<oracle::Parts, String>) -> String {
    match r {
        Ok(p) => format!(
            "ok{}{}{}",
            if p.domain.is_empty() {
                " no-domain"
            } else if p.domain == "docker.io" {
                " docker.io"
            } else if p.domain.starts_with('[') {
                " ipv6"
            } else {
                ""
            },
            if p.tag.is_some() { " tag" } else { "" },
            if p.digest.is_some() { " digest" } else { "" }
        ),
        Err(e) => match e.find(" (") {
            Some(i) if e.starts_with("invalid repository name") => e[..i].to_string(),
            Some(i) => format!("{}{}", &e[..i], e.rsplit(')').next().unwrap_or("")),
            None => e.clone(),
        },
    }
}

fn image_ref_properties(s: &str) -> Outcome {
    let mismatch = |what: &str, mine: String, go: String| {
        Outcome::failed(
            "image-ref-oracle",
            format!("{what}: parser {} vs oracle {}", generalise_message(&mine), generalise_message(&go)),
            format!(
                "{what}({:?}):\n  model::image_ref: {mine}\n  oracle (distribution/reference v0.6.0): {go}",
                shorten(s)
            ),
        )
    };
    let mine = ImageRef::parse(s);
    let mine_parts = mine.as_ref().map(parts_of).map_err(|e| e.to_string());
    let go = oracle::parse_normalized_named(s);
    if mine_parts != go {
        return mismatch("ParseNormalizedNamed", format!("{mine_parts:?}"), format!("{go:?}"));
    }
    let mine_plain = ImageRef::parse_reference(s).map(|r| parts_of(&r)).map_err(|e| e.to_string());
    let go_plain = oracle::parse(s);
    if mine_plain != go_plain {
        return mismatch("Parse", format!("{mine_plain:?}"), format!("{go_plain:?}"));
    }
    let mine_named = ImageRef::parse_named(s).map(|r| parts_of(&r)).map_err(|e| e.to_string());
    let go_named = oracle::parse_named(s);
    if mine_named != go_named {
        return mismatch("ParseNamed", format!("{mine_named:?}"), format!("{go_named:?}"));
    }
    let mine_digest = image_ref::validate_digest(s).map_err(|e| e.to_string());
    let go_digest = oracle::digest_validate(s);
    if mine_digest != go_digest {
        return mismatch("digest.Validate", format!("{mine_digest:?}"), format!("{go_digest:?}"));
    }
    let policy = image_ref::default_pull_policy(s);
    if policy.as_str() != oracle::default_pull_policy(s) {
        return mismatch(
            "SetDefaults_Container",
            policy.as_str().to_string(),
            oracle::default_pull_policy(s).to_string(),
        );
    }
    let _ = image_ref::apply_default_image_tag(s);
    let category = class_of(&go);
    let Ok(r) = mine else {
        return Outcome { feedback: category.clone(), category, failure: None, resolutions: 0 };
    };
    let prop = |what: &str, detail: String| {
        Outcome::failed("image-ref-property", what.to_string(), format!("{what} for {:?}: {detail}", shorten(s)))
    };
    // Normalised form: parses, and normalises to itself.
    let n = r.normalized();
    match ImageRef::parse(&n).map(|again| again.normalized()) {
        Ok(again) if again == n => {}
        other => return prop("normalised form is not idempotent", format!("{n:?} re-parses to {other:?}")),
    }
    if r.to_string() != n {
        return prop("Display differs from normalized()", format!("{} vs {n}", r));
    }
    // String() form: parses back to the same reference, and is canonical.
    let named = r.named_string();
    if ImageRef::parse(&named).as_ref() != Ok(&r) {
        return prop("String() form does not round-trip", format!("{named:?} -> {:?}", ImageRef::parse(&named)));
    }
    if ImageRef::parse_named(&named).as_ref() != Ok(&r) {
        return prop(
            "String() form is not canonical",
            format!("ParseNamed({named:?}) = {:?}", ImageRef::parse_named(&named)),
        );
    }
    // Familiar form: as Go's, and back to the same reference when Go's normalisation maps it back.
    let familiar = r.familiar_string();
    let go_parts = parts_of(&r);
    if familiar != go_parts.familiar_string() {
        return mismatch("FamiliarString", familiar, go_parts.familiar_string());
    }
    let fname = r.familiar_name();
    let first = fname.split('/').next().unwrap_or("");
    let maps_back = !(fname.contains('/') && (first.contains(['.', ':']) || first == "localhost"))
        && !(familiar.len() == 64 && familiar.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    if maps_back && ImageRef::parse(&familiar).as_ref() != Ok(&r) {
        return prop("familiar form does not round-trip", format!("{familiar:?} -> {:?}", ImageRef::parse(&familiar)));
    }
    // Pull reference: parses to the same name and digest (or tag).
    let pull = r.pull_ref();
    match ImageRef::parse(&pull) {
        Ok(p)
            if p.name() == r.name()
                && p.digest == r.digest
                && (r.digest.is_some() || p.tag.as_deref() == r.effective_tag()) => {}
        other => return prop("pull_ref does not re-parse to the same image", format!("{pull:?} -> {other:?}")),
    }
    // WithTag and WithDigest accept exactly what Go's anchored regexps accept.
    let pieces: Vec<&str> = s.split(['/', '@', ':']).chain([s]).collect();
    for t in pieces {
        if r.with_tag(t).is_ok() != oracle::is_tag(t) {
            return mismatch(
                "WithTag",
                format!("{:?}", r.with_tag(t).map(|x| x.named_string())),
                format!("accepts: {}", oracle::is_tag(t)),
            );
        }
    }
    if let Some((_, d)) = s.split_once('@') {
        if r.with_digest(d).is_ok() != oracle::is_digest(d) {
            return mismatch(
                "WithDigest",
                format!("{:?}", r.with_digest(d).map(|x| x.named_string())),
                format!("accepts: {}", oracle::is_digest(d)),
            );
        }
    }
    Outcome { feedback: category.clone(), category, failure: None, resolutions: 0 }
}

// ---------------------------------------------------------------------------------------------------------
// Seeds
// ---------------------------------------------------------------------------------------------------------

/// Scenarios written inline in the integration tests (tests/integration/validation.rs, model_rules.rs,
/// sweep.rs), copied here because an example cannot import test code.
const INLINE_SCENARIOS: &[&str] = &[
    "apiVersion: pullsim/v1
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
",
    "apiVersion: pullsim/v1
kind: Scenario
metadata: {name: rule}
spec:
  duration: 1m
  layers: {base: 100MB}
  images: {a: {layers: [base]}, b: {layers: [base]}}
  registries:
    r.example.com: {repositories: {a: {tags: {v1: a}}, b: {tags: {v1: b}}}}
  nodePools: {p: {count: 1, bandwidth: 100MB/s, diskWrite: 100MB/s, kubelet: {serializeImagePulls: false}}}
  workloads:
    a: {kind: Pod, spec: {containers: [{name: c, image: r.example.com/a:v1}]}}
    b: {kind: Pod, spec: {containers: [{name: c, image: r.example.com/b:v1}]}}
",
    "apiVersion: pullsim/v1
kind: Scenario
metadata: {name: rule}
spec:
  duration: 5m
  layers: {l1: 10MiB, l2: 10MiB}
  images: {v1: {layers: [l1]}, v2: {layers: [l2]}}
  registries:
    r.example.com: {repositories: {app: {tags: {v1: v1, latest: v1}}}}
  nodePools: {p: {count: 1, preloaded: [r.example.com/app:v1, r.example.com/app:latest]}}
  workloads:
    web: {kind: Deployment, replicas: 2, template: {spec: {containers: [{name: c, image: r.example.com/app:v1}]}}}
  timeline:
    - {at: 1m, pushTag: {image: r.example.com/app:latest, manifest: v2}}
    - {at: 2m, setImage: {workload: web, image: r.example.com/app:latest}}
",
    "apiVersion: pullsim/v1
kind: Scenario
metadata:
  name: sweep-checks
spec:
  duration: 1m
  layers: {a: 10MiB}
  images: {img: {layers: [a]}}
  registries:
    r.example.com:
      latency: 10ms
      repositories: {team/app: {tags: {v1: img}}}
  nodePools:
    pool:
      count: 1
      kubelet: {serializeImagePulls: false}
  workloads:
    web:
      kind: Deployment
      replicas: 2
      template: {spec: {containers: [{name: app, image: r.example.com/team/app:v1}]}}
  variants:
    fast:
      registries: {r.example.com: {latency: 1ms}}
  sweep:
    seeds: [1, 2]
    parameters:
      - path: nodePools.pool.kubelet.maxParallelImagePulls
        values: [1, 4]
",
    "apiVersion: pullsim/v1
kind: Scenario
metadata: {name: outage-and-qps}
spec:
  seed: 3
  duration: 20m
  layers: {os: 50MiB, app: 5MiB}
  images: {app: {layers: [os, app]}, app2: {layers: [os]}}
  registries:
    docker.io: {latency: 5ms, repositories: {library/nginx: {tags: {latest: app, \"1.25\": app2}}}}
    localhost:5000: {bandwidth: 100Mbps, repositories: {team/app: {tags: {v1: app}}}}
  nodePools:
    small: {count: 0, bandwidth: 1Gbps, maxConcurrentDownloads: 1, kubelet: {registryPullQPS: 1, registryBurst: 1}}
    big: {count: 3, kubelet: {serializeImagePulls: false, maxParallelImagePulls: 3}, preloaded: [nginx:1.25]}
  workloads:
    web: {kind: Deployment, namespace: shop, replicas: 6, template: {metadata: {labels: {app: web}}, spec: {initContainers: [{name: init, image: nginx}], containers: [{name: app, image: localhost:5000/team/app:v1, imagePullPolicy: Always}]}}}
    never: {kind: Pod, spec: {containers: [{name: c, image: 'nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000', imagePullPolicy: Never}]}}
  timeline:
    - {at: 0s, registryOutage: {registry: localhost:5000, duration: 90s}}
    - {at: 1m, addNodes: {pool: small, count: 2}}
    - {at: 2m, scale: {workload: web, replicas: 12}}
    - {at: 3m, pushTag: {image: nginx:latest, manifest: app2}}
  variants:
    no-qps: {nodePools: {small: {kubelet: {registryPullQPS: 0}}}}
    one: {workloads: {web: {replicas: 1}}, timeline: []}
",
];

/// Extra image references: the kubelet's and containerd's usual forms and known corner cases.
const IMAGE_REF_SEEDS: &[&str] = &[
    "nginx",
    "nginx:1.25",
    "library/nginx",
    "docker.io/library/nginx:latest",
    "index.docker.io/nginx",
    "localhost/foo",
    "localhost:5000/a/b:t",
    "[::1]:5000/repo",
    "[fc00::1]:5000/docker/docker",
    "foo_bar.com/app",
    "foo_bar.com:8080/app",
    "Foo/bar",
    "Docker.io/x",
    "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c",
    "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c",
    "busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa",
    "repo@sha256+b64:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "a@md5:ffffffffffffffffffffffffffffffff",
    "\u{212A}8s/x",
    "\u{0130}mage_x/y",
    "docker.io/Library/x",
    "a__b/c--d/e.f",
];

/// Reads the seed scenarios (see the module docs).
fn loader_seeds(out_dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    let add_dir = |dir: &Path, ext: &str, seeds: &mut Vec<(String, Vec<u8>)>| {
        let mut paths: Vec<PathBuf> =
            std::fs::read_dir(dir).map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
        paths.sort();
        for p in paths {
            if p.extension().and_then(|e| e.to_str()) == Some(ext) {
                if let Ok(bytes) = std::fs::read(&p) {
                    seeds.push((p.display().to_string(), bytes));
                }
            }
        }
    };
    add_dir(&repo_path("scenarios"), "yaml", &mut seeds);
    if let Ok(t) = std::fs::read(repo_path("benches/scenarios/cluster-100.yaml")) {
        seeds.push(("benches/scenarios/cluster-100.yaml".into(), t));
    }
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo_path("docs"))
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    docs.sort();
    for p in docs {
        let Ok(text) = std::fs::read_to_string(&p) else { continue };
        for (i, block) in text.split("```yaml\n").skip(1).enumerate() {
            let body = block.split("```").next().unwrap_or("");
            if body.contains("apiVersion") {
                seeds.push((format!("{} yaml block {i}", p.display()), body.as_bytes().to_vec()));
            }
        }
    }
    for (i, s) in INLINE_SCENARIOS.iter().enumerate() {
        seeds.push((format!("inline scenario {i}"), s.as_bytes().to_vec()));
    }
    add_dir(&repo_path("tests/fuzz-regressions/loader"), "yaml", &mut seeds);
    let out_loader = out_dir.join("loader");
    if out_loader != repo_path("tests/fuzz-regressions/loader") {
        add_dir(&out_loader, "yaml", &mut seeds);
    }
    seeds
}

fn image_ref_seeds(out_dir: &Path, loader_seeds: &[(String, Vec<u8>)]) -> Vec<String> {
    let mut seeds: BTreeSet<String> = IMAGE_REF_SEEDS.iter().map(|s| s.to_string()).collect();
    // String literals of the parser's own tests.
    if let Ok(src) = std::fs::read_to_string(repo_path("src/model/image_ref.rs")) {
        let re = regex::Regex::new(r#""([^"\\\n{}]{0,300})""#).unwrap_or_else(|e| panic!("{e}"));
        for c in re.captures_iter(&src) {
            seeds.insert(c[1].to_string());
        }
    }
    // Image references of the scenarios.
    let re = regex::Regex::new(r#"(?:image|preloaded):\s*\[?"?([^"\s,}\]\[]+)"#).unwrap_or_else(|e| panic!("{e}"));
    for (_, bytes) in loader_seeds {
        for c in re.captures_iter(&String::from_utf8_lossy(bytes)) {
            seeds.insert(c[1].to_string());
        }
    }
    for dir in [repo_path("tests/fuzz-regressions/image-ref"), out_dir.join("image-ref")] {
        if let Ok(rd) = std::fs::read_dir(&dir) {
            let mut paths: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort();
            for p in paths {
                if let Ok(bytes) = std::fs::read(&p) {
                    seeds.insert(String::from_utf8_lossy(&bytes).into_owned());
                }
            }
        }
    }
    seeds.into_iter().collect()
}

/// Words of docs/scenario-format.md in backquotes, as dictionary values.
fn doc_words() -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(repo_path("docs/scenario-format.md")) else { return Vec::new() };
    let re = regex::Regex::new(r"`([^`\n]{1,60})`").unwrap_or_else(|e| panic!("{e}"));
    let words: BTreeSet<String> = re.captures_iter(&text).map(|c| c[1].to_string()).collect();
    words.into_iter().collect()
}

// ---------------------------------------------------------------------------------------------------------
// Mutation engine
// ---------------------------------------------------------------------------------------------------------

fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    if n == 0 {
        0
    } else {
        rng.random_range(0..n)
    }
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    items.choose(rng).unwrap_or_else(|| panic!("pick from an empty list"))
}

const HEX: &[u8] = b"0123456789abcdef";

fn hex(rng: &mut ChaCha8Rng, n: usize) -> String {
    (0..n).map(|_| HEX[below(rng, 16)] as char).collect()
}

/// Values of the scenario format: quantities at their limits, names, hosts, references, enums.
const DICT_VALUES: &[&str] = &[
    "pullsim/v1",
    "Scenario",
    "10m",
    "1h30m15s250ms",
    "87600h",
    "87600h1us",
    "0",
    "0s",
    "1us",
    "1ns",
    "1.5s",
    ".5s",
    "5.s",
    "1h",
    "3600000001us",
    "1PiB",
    "1025TiB",
    "512B",
    "120MiB",
    "1.5GiB",
    "500M",
    "0B",
    "10Tbps",
    "10001Gbps",
    "1Gbps",
    "800Mbps",
    "125MB/s",
    "400MiB/s",
    "1bps",
    "0bps",
    "1B/s",
    "Deployment",
    "Pod",
    "Always",
    "IfNotPresent",
    "Never",
    "true",
    "false",
    "default",
    "registry.example.com",
    "localhost:5000",
    "docker.io",
    "index.docker.io",
    "[::1]:5000",
    "myregistry",
    "nginx",
    "nginx:latest",
    "library/nginx",
    "team/app",
    "registry.example.com/team/app:latest",
    "registry.example.com/team/app:v1",
    "r.example.com/team/app:v1",
    "latest",
    "v1",
    "1.10",
    "base",
    "pool",
    "pool-a",
    "web",
    "app",
    "img",
    "app-v1",
    "nodePools.pool.kubelet.maxParallelImagePulls",
    "registries[\"registry.example.com\"].latency",
    "spec.seed",
    "timeline",
    "variants",
];

/// Tokens that stress a YAML reader and the loader's conversions.
fn hostile_token(rng: &mut ChaCha8Rng, dict: &[String]) -> String {
    match below(rng, 16) {
        0 => pick(
            rng,
            &[
                "{", "}", "[", "]", ",", ":", ": ", "- ", "? ", "|", ">", "|-", ">+", "#", "'", "\"", "&", "*", "!",
                "%", "@", "`", "---\n", "...\n", "\n", "\r\n", "\r", " ", "  ", "\t", "\\", "\u{feff}", "\u{85}",
                "\u{2028}", "<<: ", "=",
            ],
        )
        .to_string(),
        1 => format!("&a{} ", below(rng, 3)),
        2 => format!("*a{}", below(rng, 3)),
        3 => pick(
            rng,
            &[
                "!!str ",
                "!!int ",
                "!!float ",
                "!!bool ",
                "!!null ",
                "!!binary ",
                "!!map ",
                "!!seq ",
                "!!set ",
                "!!omap ",
                "!foo ",
                "!<tag:yaml.org,2002:str> ",
                "! ",
                "!!timestamp ",
                "!!merge ",
            ],
        )
        .to_string(),
        4 => {
            let depth = *pick(rng, &[10usize, 100, 127, 128, 129, 200, 1000, 3000]);
            match below(rng, 4) {
                0 => format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
                1 => format!("{}1{}", "{a: ".repeat(depth), "}".repeat(depth)),
                2 => "[".repeat(depth),
                _ => (0..depth.min(300)).map(|i| format!("\n{}- ", " ".repeat(2 * i))).collect(),
            }
        }
        5 => pick(
            rng,
            &[
                ".nan",
                ".NaN",
                ".inf",
                "-.inf",
                "+.inf",
                ".Inf",
                "1e400",
                "-1e400",
                "-0",
                "-0.0",
                "+0",
                "0x7fffffffffffffff",
                "0x10",
                "0o777",
                "0b101",
                "18446744073709551615",
                "18446744073709551616",
                "-9223372036854775808",
                "-9223372036854775809",
                "9223372036854775807",
                "4294967296",
                "4294967295",
                "2147483648",
                "2147483647",
                "-1",
                "99999999999999999999999999999",
                "1_000",
                "1.",
                ".1",
                "1e3",
                "0.000000000000000000001",
                "1.0000000000000000001",
                "00",
                "007",
                "1.5",
                "200001",
                "2000001",
                "100001",
                "1001",
            ],
        )
        .to_string(),
        6 => pick(
            rng,
            &[
                "é",
                "日本語",
                "🐳",
                "\u{212A}",
                "\u{130}",
                "\u{202E}",
                "\u{200D}",
                "a\u{301}",
                "\u{FFFD}",
                "\u{10FFFF}",
                "Σ",
                "ǅ",
                "\u{1C89}",
                "ﬁ",
            ],
        )
        .to_string(),
        7 => pick(rng, &["\0", "\u{1}", "\u{7f}", "\u{1b}[0m"]).to_string(),
        8 => {
            let n = *pick(rng, &[63usize, 64, 100, 128, 129, 253, 254, 255, 256, 1000, 10_000, 100_000]);
            let body = "a".repeat(n);
            match below(rng, 3) {
                0 => body,
                1 => format!("\"{body}\""),
                _ => format!("'{body}'"),
            }
        }
        9 => pick(
            rng,
            &[
                "null",
                "~",
                "Null",
                "NULL",
                "",
                "''",
                "\"\"",
                "[]",
                "{}",
                "true",
                "false",
                "yes",
                "no",
                "on",
                "off",
                "[null]",
                "{null: null}",
            ],
        )
        .to_string(),
        10 | 11 if !dict.is_empty() => pick(rng, dict).clone(),
        10 | 11 => pick(rng, DICT_VALUES).to_string(),
        12 => alias_bomb(rng),
        13 => pick(rng, &["%YAML 1.2\n---\n", "%TAG ! tag:x,2000:\n---\n", "%YAML 1.1\n", "--- |\n", "--- >\n"])
            .to_string(),
        14 => pick(rng, SCHEMA_KEYS).to_string(),
        _ => {
            let n = *pick(rng, &[63usize, 64, 65, 32]);
            format!("sha256:{}", hex(rng, n))
        }
    }
}

/// Anchors each holding several aliases of the previous one: exponential if expanded.
fn alias_bomb(rng: &mut ChaCha8Rng) -> String {
    let levels = 4 + below(rng, 6);
    let width = 4 + below(rng, 7);
    let mut out = format!("b0: &b0 [{}]\n", vec!["lol"; width].join(", "));
    for l in 1..levels {
        out.push_str(&format!("b{l}: &b{l} [{}]\n", vec![format!("*b{}", l - 1); width].join(", ")));
    }
    out
}

/// A random position in `text` at a char boundary: a line start, after `: `, or anywhere.
fn position(rng: &mut ChaCha8Rng, text: &str) -> usize {
    let pos = match below(rng, 3) {
        0 => {
            let starts: Vec<usize> = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
            *pick(rng, &starts)
        }
        1 => {
            let colons: Vec<usize> = text.match_indices(": ").map(|(i, _)| i + 2).collect();
            if colons.is_empty() {
                below(rng, text.len() + 1)
            } else {
                *pick(rng, &colons)
            }
        }
        _ => below(rng, text.len() + 1),
    };
    let mut p = pos.min(text.len());
    while !text.is_char_boundary(p) {
        p -= 1;
    }
    p
}

fn line_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    for (i, _) in text.match_indices('\n') {
        spans.push((start, i + 1));
        start = i + 1;
    }
    if start < text.len() {
        spans.push((start, text.len()));
    }
    spans
}

/// One token-level mutation.
fn mutate_tokens(rng: &mut ChaCha8Rng, text: &str, dict: &[String]) -> String {
    match below(rng, 6) {
        // Insert a token.
        0 | 1 => {
            let p = position(rng, text);
            format!("{}{}{}", &text[..p], hostile_token(rng, dict), &text[p..])
        }
        // Replace a value.
        2 | 3 => {
            let colons: Vec<usize> = text.match_indices(": ").map(|(i, _)| i + 2).collect();
            if colons.is_empty() {
                return mutate_tokens(rng, text, dict);
            }
            let start = *pick(rng, &colons);
            let end = text[start..].find(['\n', ',', '}', ']']).map_or(text.len(), |i| start + i);
            let token = if rng.random_bool(0.5) { hostile_token(rng, dict) } else { pick(rng, dict).clone() };
            format!("{}{}{}", &text[..start], token, &text[end..])
        }
        // Insert a `key: value` line at an existing line's indentation.
        4 => {
            let spans = line_spans(text);
            if spans.is_empty() {
                return format!("{}: {}\n", pick(rng, SCHEMA_KEYS), pick(rng, dict));
            }
            let (s, e) = *pick(rng, &spans);
            let line = &text[s..e];
            let mut indent = line.len() - line.trim_start_matches(' ').len();
            if rng.random_bool(0.3) {
                indent += 2;
            }
            let value = if rng.random_bool(0.5) { pick(rng, dict).clone() } else { hostile_token(rng, dict) };
            let key = if rng.random_bool(0.8) { pick(rng, SCHEMA_KEYS).to_string() } else { pick(rng, dict).clone() };
            let newline = if line.ends_with('\n') { "" } else { "\n" };
            format!("{}{newline}{}{key}: {value}\n{}", &text[..e], " ".repeat(indent), &text[e..])
        }
        // Rename a word everywhere (or once).
        _ => {
            let words: Vec<&str> = text
                .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')))
                .filter(|w| w.len() >= 2)
                .collect();
            if words.is_empty() {
                return mutate_tokens(rng, text, dict);
            }
            let from = pick(rng, &words).to_string();
            let to = match below(rng, 5) {
                0 => from.to_uppercase(),
                1 => format!("{from}-2"),
                2 => format!("{from}.x"),
                3 => hostile_token(rng, dict),
                _ => pick(rng, dict).clone(),
            };
            if rng.random_bool(0.5) {
                text.replace(&from, &to)
            } else {
                text.replacen(&from, &to, 1)
            }
        }
    }
}

/// Line spans of raw bytes.
fn byte_line_spans(b: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    for (i, c) in b.iter().enumerate() {
        if *c == b'\n' {
            spans.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < b.len() {
        spans.push((start, b.len()));
    }
    spans
}

/// One byte- or line-level mutation (the result need not be UTF-8).
fn mutate_bytes(rng: &mut ChaCha8Rng, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut b = input.to_vec();
    let len = b.len();
    match below(rng, 12) {
        0 if len > 0 => {
            let i = below(rng, len);
            b[i] ^= 1 << below(rng, 8);
        }
        1 if len > 0 => {
            let i = below(rng, len);
            b[i] = *pick(rng, b" \t\n\r:{}[],-&*!|>'\"#%@`?019az.\x00\x7f\xff\xc3\xa9");
        }
        2 => {
            let i = below(rng, len + 1);
            let n = 1 + below(rng, 8);
            let bytes: Vec<u8> = (0..n).map(|_| rng.random::<u8>()).collect();
            b.splice(i..i, bytes);
        }
        3 if len > 0 => {
            let i = below(rng, len);
            let most = if rng.random_bool(0.8) { 16 } else { len };
            let n = 1 + below(rng, (len - i).min(most));
            b.drain(i..i + n);
        }
        4 if len > 0 => {
            let i = below(rng, len);
            let n = 1 + below(rng, (len - i).min(256));
            let span = b[i..i + n].to_vec();
            let at = if rng.random_bool(0.5) { i + n } else { below(rng, len + 1) };
            b.splice(at..at, span);
        }
        5 => {
            // Splice with another file at line boundaries.
            let other = pick(rng, corpus);
            let mine = byte_line_spans(input);
            let theirs = byte_line_spans(other);
            let cut = mine.get(below(rng, mine.len() + 1)).map_or(len, |s| s.0);
            let from = theirs.get(below(rng, theirs.len() + 1)).map_or(other.len(), |s| s.0);
            b.truncate(cut);
            b.extend_from_slice(&other[from..]);
        }
        6 => {
            // Copy a few lines of another file in.
            let other = pick(rng, corpus);
            let theirs = byte_line_spans(other);
            if !theirs.is_empty() {
                let a = below(rng, theirs.len());
                let z = (a + 1 + below(rng, 6)).min(theirs.len());
                let chunk = other[theirs[a].0..theirs[z - 1].1].to_vec();
                let mine = byte_line_spans(input);
                let at = mine.get(below(rng, mine.len() + 1)).map_or(len, |s| s.0);
                b.splice(at..at, chunk);
            }
        }
        7..=9 => {
            let mut lines: Vec<Vec<u8>> = byte_line_spans(input).iter().map(|(a, z)| input[*a..*z].to_vec()).collect();
            if lines.is_empty() {
                return b;
            }
            let i = below(rng, lines.len());
            match below(rng, 5) {
                0 => {
                    let l = lines[i].clone();
                    lines.insert(i, l);
                }
                1 => {
                    lines.remove(i);
                }
                2 => {
                    let j = below(rng, lines.len());
                    lines.swap(i, j);
                }
                3 => {
                    let n = *pick(rng, &[1usize, 2, 4]);
                    lines[i].splice(0..0, std::iter::repeat_n(b' ', n));
                }
                _ => {
                    let l = &mut lines[i];
                    let spaces = l.iter().take(2).take_while(|c| **c == b' ').count();
                    l.drain(..spaces);
                    if rng.random_bool(0.2) {
                        l.insert(0, b'\t');
                    }
                }
            }
            return lines.concat();
        }
        10 => {
            // Encodings the loader must refuse or handle: UTF-16, a BOM, invalid UTF-8, NUL, CR line ends.
            match below(rng, 6) {
                0 => {
                    let text = String::from_utf8_lossy(input);
                    let mut out = vec![0xFF, 0xFE];
                    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
                    return out;
                }
                1 => {
                    let text = String::from_utf8_lossy(input);
                    return text.encode_utf16().flat_map(u16::to_be_bytes).collect();
                }
                2 => {
                    b.splice(0..0, *b"\xEF\xBB\xBF");
                }
                3 => {
                    let i = below(rng, len + 1);
                    let bad: &[&[u8]] =
                        &[b"\xC3", b"\xC3\x28", b"\xED\xA0\x80", b"\xF4\x90\x80\x80", b"\xC0\xAF", b"\x00"];
                    b.splice(i..i, pick(rng, bad).iter().copied());
                }
                4 => return String::from_utf8_lossy(input).replace('\n', "\r\n").into_bytes(),
                _ => return String::from_utf8_lossy(input).replace('\n', "\r").into_bytes(),
            };
        }
        _ => {
            let i = below(rng, len + 1);
            b.splice(i..i, hostile_token(rng, &[]).into_bytes());
        }
    }
    b
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

fn collect_paths(v: &Value, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>, limit: usize) {
    if out.len() >= limit {
        return;
    }
    out.push(path.clone());
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                path.push(Step::Key(k.clone()));
                collect_paths(x, path, out, limit);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                path.push(Step::Index(i));
                collect_paths(x, path, out, limit);
                path.pop();
            }
        }
        _ => {}
    }
}

fn get_mut<'a>(v: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    let mut at = v;
    for s in path {
        at = match (s, at) {
            (Step::Key(k), Value::Object(m)) => m.get_mut(k)?,
            (Step::Index(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(at)
}

fn get<'a>(v: &'a Value, path: &[Step]) -> Option<&'a Value> {
    let mut at = v;
    for s in path {
        at = match (s, at) {
            (Step::Key(k), Value::Object(m)) => m.get(k)?,
            (Step::Index(i), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(at)
}

/// Strings that become YAML JSON cannot hold once the tree is written out.
const SPECIALS: &[(&str, &str)] = &[
    ("__FZ_NAN__", ".nan"),
    ("__FZ_INF__", ".inf"),
    ("__FZ_NINF__", "-.inf"),
    ("__FZ_1E400__", "1e400"),
    ("__FZ_BIG__", "18446744073709551616"),
    ("__FZ_NEGBIG__", "-9223372036854775809"),
    ("__FZ_NEGZERO__", "-0"),
    ("__FZ_TILDE__", "~"),
    ("__FZ_STRTAG__", "!!str 5"),
    ("__FZ_BINARY__", "!!binary aGk="),
    ("__FZ_CUSTOMTAG__", "!custom x"),
    ("__FZ_HEX__", "0x1F"),
];

/// A value at a boundary of some check.
fn boundary_value(rng: &mut ChaCha8Rng, dict: &[String]) -> Value {
    match below(rng, 9) {
        0 => Value::Null,
        1 => {
            let ints: &[i128] = &[
                0,
                1,
                -1,
                2,
                3,
                255,
                256,
                999,
                1000,
                1001,
                65535,
                65536,
                100_000,
                100_001,
                200_000,
                200_001,
                1_000_000,
                1_000_001,
                2_000_000,
                2_000_001,
                2_147_483_647,
                2_147_483_648,
                4_294_967_295,
                4_294_967_296,
                9_007_199_254_740_993,
                i64::MAX as i128,
                i64::MIN as i128,
                u64::MAX as i128,
            ];
            let n = *pick(rng, ints);
            if n < 0 {
                json!(n as i64)
            } else {
                json!(n as u64)
            }
        }
        2 => json!(*pick(rng, &[0.5f64, -0.0, 1.5, 1e300, -1e-300, 3.0, 0.1, 2.5])),
        3 => {
            let s = *pick(
                rng,
                &[
                    "",
                    " ",
                    "0",
                    "-1",
                    "0s",
                    "1us",
                    "87600h",
                    "87600h1us",
                    "87601h",
                    "1PiB",
                    "1PiB1B",
                    "1025TiB",
                    "1.5",
                    ".5",
                    "5.",
                    "1e3",
                    "0.0000000000000000001",
                    "1.0000000000000000001s",
                    "99999999999999999999s",
                    "10Tbps",
                    "10.000000000000000001Tbps",
                    "10001Gbps",
                    "0bps",
                    "1bps",
                    "1B/s",
                    "400MiB/s",
                    "1h",
                    "3600000001us",
                    "1h1us",
                    "-1s",
                    "5 s",
                    " 5s ",
                    "5S",
                    "1d",
                    "1.5KiB",
                    "0.5B",
                    "1e400",
                ],
            );
            json!(s)
        }
        4 => {
            let long63 = "a".repeat(63);
            let long64 = "a".repeat(64);
            let long253 = "a".repeat(253);
            let long254 = "a".repeat(254);
            let digest = format!("sha256:{}", hex(rng, 64));
            let short = format!("sha256:{}", hex(rng, 63));
            let names: Vec<String> = vec![
                "a".into(),
                "A".into(),
                "-a".into(),
                "a-".into(),
                long63,
                long64,
                long253,
                long254,
                "base".into(),
                "default".into(),
                "a.b".into(),
                "a_b".into(),
                "a b".into(),
                "é".into(),
                "🐳".into(),
                "Always".into(),
                "always".into(),
                "StatefulSet".into(),
                digest.clone(),
                short,
                format!("nginx@{digest}"),
                format!("r.example.com/team/app:v1@{digest}"),
                "sha256:".into(),
            ];
            json!(pick(rng, &names))
        }
        5 => {
            pick(rng, &[json!([]), json!({}), json!([null]), json!({"": null}), json!([[]]), json!({"a": {}})]).clone()
        }
        6 => json!(pick(rng, SPECIALS).0),
        _ => json!(pick(rng, dict)),
    }
}

/// Subtrees of the seed scenarios, by the key they sit under, for grafting.
struct Grafts {
    by_key: BTreeMap<String, Vec<Value>>,
    all: Vec<Value>,
}

impl Grafts {
    fn new(trees: &[Value]) -> Grafts {
        let mut by_key: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut all = Vec::new();
        fn visit(v: &Value, by_key: &mut BTreeMap<String, Vec<Value>>, all: &mut Vec<Value>) {
            match v {
                Value::Object(m) => {
                    for (k, x) in m {
                        let e = by_key.entry(k.clone()).or_default();
                        if e.len() < 64 {
                            e.push(x.clone());
                        }
                        if all.len() < 20_000 {
                            all.push(x.clone());
                        }
                        visit(x, by_key, all);
                    }
                }
                Value::Array(a) => a.iter().for_each(|x| visit(x, by_key, all)),
                _ => {}
            }
        }
        for t in trees {
            visit(t, &mut by_key, &mut all);
        }
        Grafts { by_key, all }
    }

    fn pick(&self, rng: &mut ChaCha8Rng, key: Option<&str>) -> Value {
        if let Some(list) = key.and_then(|k| self.by_key.get(k)) {
            if rng.random_bool(0.7) {
                return pick(rng, list).clone();
            }
        }
        self.all.choose(rng).cloned().unwrap_or(Value::Null)
    }
}

fn last_key(path: &[Step]) -> Option<&str> {
    path.iter().rev().find_map(|s| match s {
        Step::Key(k) => Some(k.as_str()),
        Step::Index(_) => None,
    })
}

/// A sweep path for `path` (keys from spec down), quoting keys with dots as the loader prints them.
fn sweep_path(keys: &[String]) -> String {
    let mut out = String::new();
    for k in keys {
        if k.contains(['.', '[', ']', ' ']) {
            out.push_str(&format!("[{k:?}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(k);
        }
    }
    out
}

/// One tree-level mutation of `tree` (a whole scenario).
fn mutate_tree(rng: &mut ChaCha8Rng, tree: &mut Value, grafts: &Grafts, dict: &[String], tame: bool) {
    let mut paths = Vec::new();
    collect_paths(tree, &mut Vec::new(), &mut paths, 5000);
    let spec_paths: Vec<&Vec<Step>> =
        paths.iter().filter(|p| p.len() >= 2 && p[0] == Step::Key("spec".into())).collect();
    let target = if !spec_paths.is_empty() && rng.random_bool(0.85) {
        (*pick(rng, &spec_paths)).clone()
    } else {
        pick(rng, &paths).clone()
    };
    match below(rng, 17) {
        // Replace with a boundary value.
        0..=3 => {
            let v = boundary_value(rng, dict);
            if let Some(n) = get_mut(tree, &target) {
                *n = v;
            }
        }
        // Delete.
        4 => {
            if let Some((last, parent)) = target.split_last() {
                match (last, get_mut(tree, parent)) {
                    (Step::Key(k), Some(Value::Object(m))) => {
                        m.remove(k);
                    }
                    (Step::Index(i), Some(Value::Array(a))) if *i < a.len() => {
                        a.remove(*i);
                    }
                    _ => {}
                }
            }
        }
        // Duplicate: in a list, or under another key.
        5 => {
            let Some(v) = get(tree, &target).cloned() else { return };
            if let Some((last, parent)) = target.split_last() {
                let new_key = match last {
                    Step::Key(k) if rng.random_bool(0.5) => format!("{k}-2"),
                    _ => pick(rng, dict).clone(),
                };
                match get_mut(tree, parent) {
                    Some(Value::Array(a)) => {
                        let at = below(rng, a.len() + 1);
                        a.insert(at, v);
                    }
                    Some(Value::Object(m)) => {
                        m.insert(new_key, v);
                    }
                    _ => {}
                }
            }
        }
        // Graft a subtree of another scenario.
        6 | 7 => {
            let v = grafts.pick(rng, last_key(&target));
            if let Some(n) = get_mut(tree, &target) {
                *n = v;
            }
        }
        // Copy a sibling of this tree (a pool, workload, layer, timeline entry) under a new name or place,
        // so that references stay consistent.
        14 => {
            let Some((last, parent)) = target.split_last() else { return };
            let Some(v) = get(tree, &target).cloned() else { return };
            match (last, get_mut(tree, parent)) {
                (Step::Key(k), Some(Value::Object(m))) => {
                    let name = match below(rng, 3) {
                        0 => format!("{k}-copy"),
                        1 => format!("{k}2"),
                        _ => k.to_uppercase(),
                    };
                    m.insert(name, v);
                }
                (Step::Index(_), Some(Value::Array(a))) => {
                    for _ in 0..*pick(rng, &[1usize, 2, 10, 100]) {
                        let at = below(rng, a.len() + 1);
                        a.insert(at, v.clone());
                    }
                }
                _ => {}
            }
        }
        // Large data where the loader ignores it (a pod template's metadata) or in a list.
        15 => {
            let n = if tame { *pick(rng, &[10usize, 100, 1000]) } else { *pick(rng, &[100usize, 1000, 5000, 20_000]) };
            let big = Value::Array((0..n).map(|i| json!(format!("v{}", i % 97))).collect());
            let workloads: Vec<Vec<Step>> = paths
                .iter()
                .filter(|p| {
                    p.len() == 4 && p[1] == Step::Key("workloads".into()) && p[3] == Step::Key("template".into())
                })
                .cloned()
                .collect();
            if let Some(w) = workloads.choose(rng) {
                if let Some(Value::Object(t)) = get_mut(tree, w) {
                    let meta = t.entry("metadata").or_insert_with(|| json!({}));
                    if !meta.is_object() {
                        *meta = json!({});
                    }
                    if let Value::Object(m) = meta {
                        m.insert("labels".into(), json!({ "big": big }));
                    }
                }
            } else if let Some(n) = get_mut(tree, &target) {
                *n = big;
            }
        }
        // A sweep with many points: several parameters, long value lists.
        16 => {
            let leafs: Vec<Vec<String>> = spec_paths
                .iter()
                .filter(|p| p.len() >= 3 && p.iter().all(|s| matches!(s, Step::Key(_))))
                .map(|p| {
                    p[1..].iter().filter_map(|s| if let Step::Key(k) = s { Some(k.clone()) } else { None }).collect()
                })
                .filter(|k: &Vec<String>| k[0] != "variants" && k[0] != "sweep")
                .collect();
            if leafs.is_empty() {
                return;
            }
            let mut params = Vec::new();
            for _ in 0..1 + below(rng, 3) {
                let keys = pick(rng, &leafs).clone();
                let at: Vec<Step> =
                    std::iter::once("spec".to_string()).chain(keys.iter().cloned()).map(Step::Key).collect();
                let current = get(tree, &at).cloned().unwrap_or(Value::Null);
                let len =
                    if tame { *pick(rng, &[2usize, 3, 5, 10]) } else { *pick(rng, &[2usize, 10, 50, 100, 316, 1000]) };
                params.push(json!({ "path": sweep_path(&keys), "values": vec![current; len] }));
            }
            if let Some(Value::Object(spec)) = tree.get_mut("spec") {
                spec.insert("sweep".into(), json!({ "parameters": params }));
            }
        }
        // New key in a map.
        8 => {
            let key = if rng.random_bool(0.7) { pick(rng, SCHEMA_KEYS).to_string() } else { pick(rng, dict).clone() };
            let v = if rng.random_bool(0.5) { grafts.pick(rng, Some(&key)) } else { boundary_value(rng, dict) };
            if let Some(Value::Object(m)) = get_mut(tree, &target) {
                m.insert(key, v);
            }
        }
        // Rename a key.
        9 => {
            if let Some((Step::Key(k), parent)) = target.split_last() {
                let to = match below(rng, 4) {
                    0 => k.to_uppercase(),
                    1 => format!("{k}.x"),
                    2 => pick(rng, SCHEMA_KEYS).to_string(),
                    _ => pick(rng, dict).clone(),
                };
                if let Some(Value::Object(m)) = get_mut(tree, parent) {
                    if let Some(v) = m.remove(k) {
                        m.insert(to, v);
                    }
                }
            }
        }
        // Numbers and numeric prefixes nudged.
        10 => {
            if let Some(n) = get_mut(tree, &target) {
                match n {
                    Value::Number(x) => {
                        let i = x.as_i64().unwrap_or(1);
                        *n = json!(*pick(
                            rng,
                            &[i.wrapping_add(1), i.wrapping_sub(1), i.wrapping_mul(1000), -i, 0, i64::MAX]
                        ));
                    }
                    Value::String(s) => {
                        let digits = s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                        if digits > 0 {
                            let (num, unit) = s.split_at(digits);
                            let nudged = match below(rng, 4) {
                                0 => format!("{num}000000"),
                                1 => "0".to_string(),
                                2 => format!("{num}.999999999999999999"),
                                _ => format!("{}", num.parse::<u128>().unwrap_or(0) + 1),
                            };
                            *s = format!("{nudged}{unit}");
                        } else {
                            *s = format!("{s}{}", hostile_token(rng, &[]));
                        }
                    }
                    _ => {}
                }
            }
        }
        // A variant: a merge patch along an existing path.
        11 => {
            let Some(Value::Object(spec)) = tree.get("spec") else { return };
            let mut keys: Vec<String> = Vec::new();
            let mut at = Value::Object(spec.clone());
            let depth = 1 + below(rng, 5);
            for _ in 0..depth {
                let Value::Object(m) = &at else { break };
                let candidates: Vec<&String> = m.keys().filter(|k| *k != "variants" && *k != "sweep").collect();
                if candidates.is_empty() {
                    break;
                }
                let k = (*pick(rng, &candidates)).clone();
                at = m.get(&k).cloned().unwrap_or(Value::Null);
                keys.push(k);
            }
            let leaf = match below(rng, 4) {
                0 => Value::Null,
                1 => boundary_value(rng, dict),
                2 => grafts.pick(rng, keys.last().map(String::as_str)),
                _ => at,
            };
            let mut patch = leaf;
            for k in keys.iter().rev() {
                let mut m = serde_json::Map::new();
                m.insert(k.clone(), patch);
                patch = Value::Object(m);
            }
            if keys.is_empty() && rng.random_bool(0.5) {
                patch = json!({});
            }
            let name = pick(rng, &["fuzz", "fast", "zz", "a-b", "a_b", "base", "Upper", "", "x.y"]).to_string();
            if let Some(Value::Object(spec)) = tree.get_mut("spec") {
                let variants = spec.entry("variants").or_insert_with(|| json!({}));
                if !variants.is_object() {
                    *variants = json!({});
                }
                if let Value::Object(v) = variants {
                    v.insert(name, patch);
                }
            }
        }
        // A sweep over a random existing field.
        12 => {
            let leafs: Vec<Vec<String>> = spec_paths
                .iter()
                .filter(|p| p.iter().all(|s| matches!(s, Step::Key(_))))
                .map(|p| {
                    p[1..]
                        .iter()
                        .filter_map(|s| match s {
                            Step::Key(k) => Some(k.clone()),
                            Step::Index(_) => None,
                        })
                        .collect()
                })
                .filter(|k: &Vec<String>| !k.is_empty() && k[0] != "variants" && k[0] != "sweep")
                .collect();
            let (path, current) = if leafs.is_empty() {
                ("seed".to_string(), Value::Null)
            } else {
                let keys = pick(rng, &leafs).clone();
                let at: Vec<Step> =
                    std::iter::once("spec".to_string()).chain(keys.iter().cloned()).map(Step::Key).collect();
                (sweep_path(&keys), get(tree, &at).cloned().unwrap_or(Value::Null))
            };
            let mut values = vec![current];
            for _ in 0..below(rng, 3) {
                values.push(boundary_value(rng, dict));
            }
            let seeds = match below(rng, 6) {
                0 => json!([1, 2]),
                1 => json!({"from": 0, "count": 3}),
                2 => json!([]),
                3 => json!([u64::MAX, 1, 1]),
                4 => json!({"from": u64::MAX, "count": 2}),
                _ => json!({"from": 1, "count": 100_001}),
            };
            let mut sweep = serde_json::Map::new();
            if rng.random_bool(0.7) {
                sweep.insert("seeds".into(), seeds);
            }
            if rng.random_bool(0.8) {
                sweep.insert("parameters".into(), json!([{ "path": path, "values": values }]));
            }
            if let Some(Value::Object(spec)) = tree.get_mut("spec") {
                spec.insert("sweep".into(), Value::Object(sweep));
            }
        }
        // Deep nesting in a structurally valid place.
        _ => {
            let depth = *pick(rng, &[3usize, 50, 127, 128, 129, 200]);
            let mut v = boundary_value(rng, dict);
            for _ in 0..depth {
                v = if rng.random_bool(0.5) { json!([v]) } else { json!({"a": v}) };
            }
            if let Some(n) = get_mut(tree, &target) {
                *n = v;
            }
        }
    }
}

/// Writes a mutated tree back as YAML, turning the placeholder strings into their YAML forms.
fn emit(tree: &Value) -> Option<String> {
    let mut text = serde_yaml::to_string(tree).ok()?;
    for (placeholder, yaml) in SPECIALS {
        if text.contains(placeholder) {
            text = text.replace(placeholder, yaml);
        }
    }
    Some(text)
}

struct Mutator {
    grafts: Grafts,
    dict: Vec<String>,
    /// Set once a slow input is known: big sweeps and big data are then made smaller, since every slow
    /// mutant costs seconds and shows the same thing again.
    tame: std::cell::Cell<bool>,
}

impl Mutator {
    fn mutate(&self, rng: &mut ChaCha8Rng, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
        let ops = 1 + (rng.random::<u32>() | 0x20).trailing_zeros() as usize; // 1 + geometric, at most 6
        let family = below(rng, 10);
        if family >= 8 {
            let mut out = input.to_vec();
            for _ in 0..ops {
                out = mutate_bytes(rng, &out, corpus);
            }
            out.truncate(MAX_INPUT_BYTES);
            return out;
        }
        let mut out = String::from_utf8_lossy(input).into_owned();
        if family < 5 {
            match serde_yaml::from_str::<Value>(&out) {
                Ok(mut tree) => {
                    for _ in 0..ops {
                        mutate_tree(rng, &mut tree, &self.grafts, &self.dict, self.tame.get());
                    }
                    if let Some(t) = emit(&tree) {
                        out = t;
                    }
                    if rng.random_bool(0.15) {
                        out = mutate_tokens(rng, &out, &self.dict);
                    }
                }
                Err(_) => {
                    for _ in 0..ops {
                        out = mutate_tokens(rng, &out, &self.dict);
                    }
                }
            }
        } else {
            for _ in 0..ops {
                out = mutate_tokens(rng, &out, &self.dict);
            }
        }
        if out.len() > MAX_INPUT_BYTES {
            let mut cut = MAX_INPUT_BYTES;
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
        }
        out.into_bytes()
    }
}

// ---------------------------------------------------------------------------------------------------------
// Image-reference generator
// ---------------------------------------------------------------------------------------------------------

fn gen_alnum(rng: &mut ChaCha8Rng, n: usize, upper: bool) -> String {
    const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    const MIXED: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let set = if upper { MIXED } else { LOWER };
    (0..n).map(|_| set[below(rng, set.len())] as char).collect()
}

fn gen_len(rng: &mut ChaCha8Rng) -> usize {
    match below(rng, 10) {
        0 => 0,
        1..=6 => 1 + below(rng, 6),
        7 | 8 => 1 + below(rng, 20),
        _ => *pick(rng, &[63usize, 64, 120, 127, 128, 129, 247, 248, 255, 256]),
    }
}

fn gen_path_component(rng: &mut ChaCha8Rng) -> String {
    let upper = rng.random_bool(0.05);
    let mut s = String::new();
    if rng.random_bool(0.03) {
        let piece = *pick(rng, &[".", "_", "-", "__"]);
        s.push_str(piece);
    }
    let parts = 1 + below(rng, 3);
    for i in 0..parts {
        if i > 0 {
            let piece = *pick(rng, &[".", "_", "__", "-", "--", "---", "___", "..", "._", "-.", "_-"]);
            s.push_str(piece);
        }
        let n = gen_len(rng).max(usize::from(!rng.random_bool(0.03)));
        s.push_str(&gen_alnum(rng, n, upper));
    }
    if rng.random_bool(0.03) {
        let piece = *pick(rng, &[".", "_", "-", "é", "\u{212A}", "\u{130}", "Σ", "\u{1C89}"]);
        s.push_str(piece);
    }
    s
}

fn gen_domain(rng: &mut ChaCha8Rng) -> String {
    match below(rng, 12) {
        0 => "localhost".into(),
        1 => pick(
            rng,
            &[
                "docker.io",
                "index.docker.io",
                "registry-1.docker.io",
                "Docker.io",
                "gcr.io",
                "xn--n3h.com",
                "127.0.0.1",
                "[::1]",
                "[fc00::1]",
                "[2001:db8::1]",
                "[]",
                "[g::1]",
                "[::1",
                "::1]",
                "foo_bar.com",
                "-a.com",
                "a-.com",
                "a..com",
                ".com",
                "a.com.",
                "LOCALHOST",
                "Localhost",
                "localhost.",
                "a:b",
                "sha256",
            ],
        )
        .to_string(),
        2 => {
            let groups = 1 + below(rng, 8);
            let parts: Vec<String> = (0..groups)
                .map(|_| {
                    let n = below(rng, 5);
                    hex(rng, n)
                })
                .collect();
            format!("[{}]", parts.join(":"))
        }
        _ => {
            let n = 1 + below(rng, 3);
            let upper = rng.random_bool(0.2);
            (0..n)
                .map(|_| {
                    let len = 1 + below(rng, 8);
                    let mut c = gen_alnum(rng, len, upper);
                    if rng.random_bool(0.1) && c.len() > 1 {
                        c.insert(1, '-');
                    }
                    if rng.random_bool(0.02) {
                        c.insert(0, '-');
                    }
                    c
                })
                .collect::<Vec<_>>()
                .join(".")
        }
    }
}

fn gen_tag(rng: &mut ChaCha8Rng) -> String {
    const WORD: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";
    let n = match below(rng, 8) {
        0 => 0,
        1 => *pick(rng, &[127usize, 128, 129, 200]),
        _ => 1 + below(rng, 10),
    };
    let mut t: String = (0..n).map(|_| WORD[below(rng, WORD.len())] as char).collect();
    if rng.random_bool(0.05) {
        let at = below(rng, t.len() + 1);
        let mut at = at.min(t.len());
        while !t.is_char_boundary(at) {
            at -= 1;
        }
        let piece = *pick(rng, &["~", "é", ":", "/", "@", "+", " ", "\u{212A}"]);
        t.insert_str(at, piece);
    }
    t
}

fn gen_digest(rng: &mut ChaCha8Rng) -> String {
    let alg = *pick(
        rng,
        &[
            "sha256",
            "sha256",
            "sha256",
            "sha384",
            "sha512",
            "md5",
            "SHA256",
            "Sha256",
            "sha256+b64",
            "sha256.x",
            "a",
            "A1",
            "a-b_c+d.e",
            "",
            "1sha",
            "sha-",
            "multihash+base58",
            "sha256_",
            "sha__256",
        ],
    );
    let n = *pick(rng, &[0usize, 1, 31, 32, 33, 63, 64, 64, 64, 65, 95, 96, 96, 97, 127, 128, 128, 129, 256]);
    let mut h = hex(rng, n);
    match below(rng, 12) {
        0 => h = h.to_uppercase(),
        1 if !h.is_empty() => {
            let i = below(rng, h.len());
            let piece = *pick(rng, &["g", "G", "=", "_", "-", ":", "@", "é"]);
            h.replace_range(i..i + 1, piece);
        }
        _ => {}
    }
    format!("{alg}:{h}")
}

/// A short string of grammar pieces, in any order: where the productions meet.
fn gen_image_ref_pieces(rng: &mut ChaCha8Rng) -> String {
    const PIECES: &[&str] = &[
        "a",
        "b",
        "A",
        "0",
        "9",
        ":",
        "/",
        "@",
        ".",
        "-",
        "_",
        "__",
        "[",
        "]",
        "localhost",
        "docker.io",
        "index.docker.io",
        "library",
        "sha256",
        "sha512",
        "5000",
        "::1",
        "\u{212A}",
        "\u{130}",
        "é",
        "ffffffffffffffffffffffffffffffff",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "latest",
        "x.y",
        "1.2.3.4",
        " ",
        "%",
    ];
    let n = 1 + below(rng, 9);
    (0..n).map(|_| *pick(rng, PIECES)).collect()
}

/// A reference from the grammar, with perturbations.
fn gen_image_ref(rng: &mut ChaCha8Rng) -> String {
    if rng.random_bool(0.15) {
        return gen_image_ref_pieces(rng);
    }
    if rng.random_bool(0.02) {
        let n = *pick(rng, &[63usize, 64, 65]);
        return hex(rng, n);
    }
    let mut s = String::new();
    let with_domain = rng.random_bool(0.55);
    if with_domain {
        s.push_str(&gen_domain(rng));
        if rng.random_bool(0.3) {
            s.push(':');
            let piece = *pick(rng, &["5000", "0", "", "65536", "99999999999", "http", "5000a", "٣", "80"]);
            s.push_str(piece);
        }
        s.push_str(if rng.random_bool(0.03) { "//" } else { "/" });
    }
    let most = if rng.random_bool(0.1) { 130 } else { 4 };
    let components = 1 + below(rng, most);
    let comps: Vec<String> = (0..components).map(|_| gen_path_component(rng)).collect();
    s.push_str(&comps.join("/"));
    if rng.random_bool(0.4) {
        s.push(':');
        s.push_str(&gen_tag(rng));
    }
    if rng.random_bool(0.3) {
        s.push('@');
        s.push_str(&gen_digest(rng));
    }
    s
}

/// Character noise over a reference.
fn mutate_image_ref(rng: &mut ChaCha8Rng, s: &str, pool: &[String]) -> String {
    const ALPHABET: &[char] = &[
        'a', 'A', '0', 'f', ':', '/', '@', '.', '-', '_', '[', ']', 'é', '\u{212A}', '\u{130}', ' ', '\0', '\n', '%',
        '+', '=', '~', '$', 'Z', '9',
    ];
    let mut chars: Vec<char> = s.chars().collect();
    for _ in 0..1 + below(rng, 3) {
        let len = chars.len();
        match below(rng, 7) {
            0 => chars.insert(below(rng, len + 1), *pick(rng, ALPHABET)),
            1 if len > 0 => {
                chars.remove(below(rng, len));
            }
            2 if len > 0 => {
                let i = below(rng, len);
                chars[i] = *pick(rng, ALPHABET);
            }
            3 if len > 0 => {
                let i = below(rng, len);
                let n = 1 + below(rng, (len - i).min(80));
                let span: Vec<char> = chars[i..i + n].to_vec();
                chars.splice(i..i, span);
            }
            4 if len > 0 => {
                let i = below(rng, len);
                chars[i] = chars[i].to_ascii_uppercase();
            }
            5 => {
                // Splice with another reference.
                let other: Vec<char> = pick(rng, pool).chars().collect();
                let a = below(rng, chars.len() + 1);
                let b = below(rng, other.len() + 1);
                chars.truncate(a);
                chars.extend_from_slice(&other[b..]);
            }
            _ => {
                let i = below(rng, len + 1);
                let piece: Vec<char> =
                    pick(rng, &[":latest", "@", "/", "library/", "docker.io/", ":5000/", "localhost/"])
                        .chars()
                        .collect();
                chars.splice(i..i, piece);
            }
        }
    }
    chars.into_iter().collect()
}

// ---------------------------------------------------------------------------------------------------------
// The supervisor
// ---------------------------------------------------------------------------------------------------------

/// A worker process.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Frame>,
    stderr: Arc<Mutex<Vec<u8>>>,
    stderr_thread: Option<JoinHandle<()>>,
}

/// What became of one input sent to a worker.
enum Exec {
    Done(Outcome),
    /// The worker died (reason: exit status and the end of its standard error).
    Died(String),
    /// The worker was killed after this long; `true` while still loading.
    Killed(Duration, bool),
}

impl Worker {
    fn spawn() -> io::Result<Worker> {
        let exe = std::env::current_exe()?;
        let mut child = Command::new(exe)
            .arg("--worker")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdin = child.stdin.take().ok_or_else(|| io::Error::other("no stdin"))?;
        let stdout = child.stdout.take().ok_or_else(|| io::Error::other("no stdout"))?;
        let mut stderr_pipe = child.stderr.take().ok_or_else(|| io::Error::other("no stderr"))?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Ok(bytes) = read_frame(&mut r) {
                let Ok(frame) = serde_json::from_slice::<Frame>(&bytes) else { break };
                if tx.send(frame).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let tail = Arc::clone(&stderr);
        let stderr_thread = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
                t.extend_from_slice(&buf[..n]);
                if t.len() > 8192 {
                    let cut = t.len() - 4096;
                    t.drain(..cut);
                }
            }
        });
        Ok(Worker { child, stdin, rx, stderr, stderr_thread: Some(stderr_thread) })
    }

    /// Kills the worker (if still alive) and says how it ended.
    fn finish(mut self) -> String {
        let _ = self.child.kill();
        let status = self.child.wait();
        let _ = std::fs::remove_file(load_path(self.child.id()));
        if let Some(t) = self.stderr_thread.take() {
            let _ = t.join();
        }
        let tail = String::from_utf8_lossy(&self.stderr.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
        let tail: Vec<&str> = tail.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = tail[tail.len().saturating_sub(3)..].join(" / ");
        let status = match status {
            Ok(s) => describe_status(&s),
            Err(e) => format!("wait failed: {e}"),
        };
        if tail.is_empty() {
            status
        } else {
            format!("{status}: {tail}")
        }
    }
}

#[cfg(unix)]
fn describe_status(s: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (s.code(), s.signal()) {
        (Some(c), _) => format!("exited with status {c}"),
        (None, Some(6)) => "killed by signal 6 (SIGABRT)".into(),
        (None, Some(9)) => "killed by signal 9 (SIGKILL)".into(),
        (None, Some(11)) => "killed by signal 11 (SIGSEGV)".into(),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        (None, None) => "ended".into(),
    }
}

#[cfg(not(unix))]
fn describe_status(s: &std::process::ExitStatus) -> String {
    format!("{s}")
}

struct Pool {
    worker: Option<Worker>,
    spawns: u64,
    /// How long a load may run before the worker is killed: [`LOAD_KILL`], shortened to just past
    /// [`LOAD_SLOW`] once a slow input has been seen (more of them then cost less).
    load_kill: Duration,
}

impl Pool {
    fn worker(&mut self) -> &mut Worker {
        if self.worker.is_none() {
            let w = Worker::spawn().unwrap_or_else(|e| {
                eprintln!("fuzz: cannot start a worker process: {e}");
                std::process::exit(2)
            });
            self.spawns += 1;
            self.worker = Some(w);
        }
        self.worker.as_mut().unwrap_or_else(|| unreachable!())
    }

    fn finish(&mut self) -> String {
        self.worker.take().map(Worker::finish).unwrap_or_default()
    }

    /// Runs one scenario.
    fn run_loader(&mut self, input: &[u8]) -> Exec {
        let w = self.worker();
        if write_request(&mut w.stdin, Target::Loader, input).and_then(|_| w.stdin.flush()).is_err() {
            return Exec::Died(self.finish());
        }
        let start = Instant::now();
        let mut deadline = start + self.load_kill;
        let mut loading = true;
        loop {
            let w = self.worker();
            match w.rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(Frame::Loaded(_)) => {
                    loading = false;
                    deadline = Instant::now() + MODEL_KILL;
                }
                Ok(Frame::Done(o)) => return Exec::Done(o),
                Err(RecvTimeoutError::Timeout) => {
                    self.finish();
                    return Exec::Killed(start.elapsed(), loading);
                }
                Err(RecvTimeoutError::Disconnected) => return Exec::Died(self.finish()),
            }
        }
    }

    /// Runs image references; stops at the first that kills its worker (the rest are not run).
    fn run_image_refs(&mut self, inputs: &[String]) -> Vec<Exec> {
        let w = self.worker();
        let mut sent = Vec::new();
        for s in inputs {
            let _ = write_request(&mut sent, Target::ImageRef, s.as_bytes());
        }
        if w.stdin.write_all(&sent).and_then(|_| w.stdin.flush()).is_err() {
            return vec![Exec::Died(self.finish())];
        }
        let mut out = Vec::with_capacity(inputs.len());
        for _ in inputs {
            let start = Instant::now();
            let w = self.worker();
            match w.rx.recv_timeout(IMAGE_REF_KILL) {
                Ok(Frame::Done(o)) => out.push(Exec::Done(o)),
                Ok(Frame::Loaded(_)) => {}
                Err(RecvTimeoutError::Timeout) => {
                    self.finish();
                    out.push(Exec::Killed(start.elapsed(), true));
                    return out;
                }
                Err(RecvTimeoutError::Disconnected) => {
                    out.push(Exec::Died(self.finish()));
                    return out;
                }
            }
        }
        out
    }

    fn run(&mut self, target: Target, input: &[u8]) -> Outcome {
        let exec = match target {
            Target::Loader => self.run_loader(input),
            Target::ImageRef => {
                let s = String::from_utf8_lossy(input).into_owned();
                self.run_image_refs(&[s]).pop().unwrap_or(Exec::Died(String::new()))
            }
        };
        outcome_of(target, input, exec)
    }
}

fn outcome_of(target: Target, input: &[u8], exec: Exec) -> Outcome {
    match exec {
        Exec::Done(o) => o,
        Exec::Died(reason) => {
            let sig = if reason.contains("overflowed its stack") {
                "stack overflow".to_string()
            } else {
                reason.split(':').next().unwrap_or("").to_string()
            };
            Outcome::failed("crash", format!("{} crash: {sig}", target.name()), format!("the worker died: {reason}"))
        }
        Exec::Killed(after, loading) => match (target, loading) {
            (Target::Loader, true) => Outcome::failed(
                "loader-slow",
                format!("loader-slow: {}", slow_class(input)),
                format!("the load was still running after {} ms; killed", after.as_millis()),
            )
            .with_slow_ms(after.as_millis() as u64),
            (Target::Loader, false) => Outcome::failed(
                "model-hang",
                "model-hang".into(),
                format!("model runs (capped) still running after {} ms; killed", after.as_millis()),
            ),
            (Target::ImageRef, _) => Outcome::failed(
                "image-ref-hang",
                "image-ref-hang".into(),
                format!("still running after {} ms; killed", after.as_millis()),
            ),
        },
    }
}

#[derive(Default)]
struct Stats {
    inputs: u64,
    busy: Duration,
    outcomes: BTreeMap<String, u64>,
    failing_inputs: u64,
    corpus_added: u64,
    /// Time spent on inputs by how long each took: (<10 ms, <100 ms, <1 s, more), count and total.
    cost: [(u64, Duration); 4],
}

impl Stats {
    fn cost(&mut self, took: Duration) {
        let bucket = match took.as_millis() {
            0..10 => 0,
            10..100 => 1,
            100..1000 => 2,
            _ => 3,
        };
        self.cost[bucket].0 += 1;
        self.cost[bucket].1 += took;
    }
}

struct Found {
    target: Target,
    failure: Failure,
    input: Vec<u8>,
    count: u64,
    /// The raw input's file, written when found.
    raw_path: Option<PathBuf>,
    raw_existed: bool,
}

fn short_sha(input: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(input);
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn save(out: &Path, target: Target, input: &[u8]) -> io::Result<(PathBuf, bool)> {
    let (dir, ext) = target.dir_and_ext();
    let dir = out.join(dir);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{}.{ext}", short_sha(input)));
    let existed = path.exists();
    if !existed {
        std::fs::write(&path, input)?;
    }
    Ok((path, existed))
}

/// Greedy removal of chunks of lines (`line_level`), then of bytes (of characters when `!line_level`, for
/// image references, which stay UTF-8), while `still_fails`; until `deadline`.
fn minimise(input: &[u8], line_level: bool, deadline: Instant, still_fails: &mut dyn FnMut(&[u8]) -> bool) -> Vec<u8> {
    fn pass<T: Clone>(
        units: &mut Vec<T>,
        join: &dyn Fn(&[T]) -> Vec<u8>,
        deadline: Instant,
        still_fails: &mut dyn FnMut(&[u8]) -> bool,
    ) {
        let mut chunk = (units.len() / 2).max(1);
        loop {
            let mut progressed = false;
            let mut i = 0;
            while i < units.len() {
                if Instant::now() >= deadline {
                    return;
                }
                let end = (i + chunk).min(units.len());
                let mut candidate = units.clone();
                candidate.drain(i..end);
                if still_fails(&join(&candidate)) {
                    *units = candidate;
                    progressed = true;
                } else {
                    i += chunk;
                }
            }
            if chunk == 1 && !progressed {
                return;
            }
            chunk = (chunk / 2).max(1);
        }
    }
    if line_level {
        let input = &minimise_tree(input, deadline, still_fails);
        let mut lines: Vec<Vec<u8>> = byte_line_spans(input).iter().map(|(a, z)| input[*a..*z].to_vec()).collect();
        pass(&mut lines, &|l: &[Vec<u8>]| l.concat(), deadline, still_fails);
        let mut bytes = lines.concat();
        pass(&mut bytes, &|b: &[u8]| b.to_vec(), deadline, still_fails);
        bytes
    } else {
        let mut chars: Vec<char> = String::from_utf8_lossy(input).chars().collect();
        pass(&mut chars, &|c: &[char]| c.iter().collect::<String>().into_bytes(), deadline, still_fails);
        chars.into_iter().collect::<String>().into_bytes()
    }
}

/// Tree-level minimisation of a YAML input: halves of lists, then whole nodes, deleted (deepest last)
/// while `still_fails`, the tree written back as YAML. The input itself when it is no tree or nothing
/// could be deleted.
fn minimise_tree(input: &[u8], deadline: Instant, still_fails: &mut dyn FnMut(&[u8]) -> bool) -> Vec<u8> {
    let Ok(mut tree) = serde_yaml::from_str::<Value>(&String::from_utf8_lossy(input)) else {
        return input.to_vec();
    };
    // Written back, aliases are expanded and the style changes: only a smaller text counts as progress.
    let mut best: Option<Vec<u8>> = None;
    let mut best_len = input.len();
    let mut progressed = true;
    while progressed && Instant::now() < deadline {
        progressed = false;
        let mut paths = Vec::new();
        collect_paths(&tree, &mut Vec::new(), &mut paths, 20_000);
        // Long lists first: drop their second or first half.
        let mut lists: Vec<(usize, Vec<Step>)> = paths
            .iter()
            .filter_map(|p| match get(&tree, p) {
                Some(Value::Array(a)) if a.len() > 1 => Some((a.len(), p.clone())),
                _ => None,
            })
            .collect();
        lists.sort_by_key(|l| std::cmp::Reverse(l.0));
        'halves: for (len, p) in lists.iter().take(8) {
            for keep_first in [true, false] {
                if Instant::now() >= deadline {
                    break 'halves;
                }
                let mut candidate = tree.clone();
                if let Some(Value::Array(a)) = get_mut(&mut candidate, p) {
                    if keep_first {
                        a.truncate(len / 2);
                    } else {
                        a.drain(..len / 2);
                    }
                }
                if let Some(text) = emit(&candidate) {
                    if text.len() < best_len && still_fails(text.as_bytes()) {
                        tree = candidate;
                        best_len = text.len();
                        best = Some(text.into_bytes());
                        progressed = true;
                        break 'halves;
                    }
                }
            }
        }
        if progressed {
            continue;
        }
        // Then single nodes, shallow ones first.
        let mut by_depth: Vec<&Vec<Step>> = paths.iter().filter(|p| !p.is_empty()).collect();
        by_depth.sort_by_key(|p| p.len());
        for p in by_depth {
            if Instant::now() >= deadline {
                break;
            }
            let mut candidate = tree.clone();
            let Some((last, parent)) = p.split_last() else { continue };
            match (last, get_mut(&mut candidate, parent)) {
                (Step::Key(k), Some(Value::Object(m))) => {
                    m.remove(k);
                }
                (Step::Index(i), Some(Value::Array(a))) if *i < a.len() => {
                    a.remove(*i);
                }
                _ => continue,
            }
            if let Some(text) = emit(&candidate) {
                if text.len() < best_len && still_fails(text.as_bytes()) {
                    tree = candidate;
                    best_len = text.len();
                    best = Some(text.into_bytes());
                    progressed = true;
                    break;
                }
            }
        }
    }
    best.unwrap_or_else(|| input.to_vec())
}

/// Whether `o` is the same failure as `f`. Slowness of any class counts as the same, if the load takes
/// at least twice [`LOAD_SLOW`], so that a minimised slow input stays clearly slow.
fn same_failure(o: &Outcome, f: &Failure) -> bool {
    match &o.failure {
        Some(g) if f.kind == "loader-slow" => {
            g.kind == "loader-slow" && g.slow_ms.unwrap_or(0) >= 2 * LOAD_SLOW.as_millis() as u64
        }
        Some(g) => g.kind == f.kind && g.signature == f.signature,
        None => false,
    }
}

struct Corpus<T> {
    entries: Vec<T>,
    /// Entries that may be mutated (a seed that fails is not: its mutants would mostly fail alike).
    usable: Vec<bool>,
    seeds: usize,
    feedback: BTreeSet<String>,
}

impl<T: Clone + AsRef<[u8]>> Corpus<T> {
    fn new(entries: Vec<T>) -> Corpus<T> {
        Corpus { usable: vec![true; entries.len()], seeds: entries.len(), entries, feedback: BTreeSet::new() }
    }

    fn choose<'a>(&'a self, rng: &mut ChaCha8Rng) -> Option<&'a T> {
        if self.entries.is_empty() {
            return None;
        }
        for _ in 0..16 {
            let i = if self.entries.len() > self.seeds && rng.random_bool(0.5) {
                self.seeds + below(rng, self.entries.len() - self.seeds)
            } else {
                below(rng, self.seeds.max(1).min(self.entries.len()))
            };
            if self.usable[i] {
                return self.entries.get(i);
            }
        }
        self.entries.iter().zip(&self.usable).find(|(_, u)| **u).map(|(e, _)| e)
    }

    fn learn(&mut self, input: &T, o: &Outcome) -> bool {
        if o.failure.is_none()
            && o.resolutions < MAX_CORPUS_RESOLUTIONS
            && input.as_ref().len() <= MAX_CORPUS_INPUT_BYTES
            && self.entries.len() < MAX_CORPUS
            && self.feedback.insert(o.feedback.clone())
        {
            self.entries.push(input.clone());
            self.usable.push(true);
            return true;
        }
        false
    }
}

struct Session<'a> {
    args: &'a Args,
    pool: Pool,
    stats: BTreeMap<Target, Stats>,
    found: BTreeMap<(Target, String), Found>,
}

impl Session<'_> {
    fn record(&mut self, target: Target, input: &[u8], o: &Outcome) {
        let stats = self.stats.entry(target).or_default();
        stats.inputs += 1;
        *stats.outcomes.entry(o.category.clone()).or_default() += 1;
        let Some(f) = &o.failure else { return };
        stats.failing_inputs += 1;
        let key = (target, f.signature.clone());
        if let Some(found) = self.found.get_mut(&key) {
            found.count += 1;
            return;
        }
        let (raw_path, raw_existed) = match save(&self.args.out, target, input) {
            Ok((p, existed)) => (Some(p), existed),
            Err(e) => {
                eprintln!("fuzz: cannot write the failing input under {}: {e}", self.args.out.display());
                (None, false)
            }
        };
        println!("FAILURE [{}] {}: {}", target.name(), f.signature, first_line(&f.detail));
        if f.kind == "loader-slow" {
            self.pool.load_kill = LOAD_SLOW + Duration::from_millis(500);
        }
        if let Some(p) = &raw_path {
            println!("  input: {} ({} bytes)", p.display(), input.len());
        }
        self.found
            .insert(key, Found { target, failure: f.clone(), input: input.to_vec(), count: 1, raw_path, raw_existed });
    }
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("");
    if line.chars().count() > 300 {
        format!("{}…", line.chars().take(300).collect::<String>())
    } else {
        line.to_string()
    }
}

fn supervise(args: &Args) -> i32 {
    let started = Instant::now();
    println!(
        "pullsim fuzz: seed {} ({}), {} s, target {}, failing inputs go to {}",
        args.seed,
        if args.seed_given { "given" } else { "from the clock" },
        args.seconds,
        args.target_arg,
        args.out.display()
    );
    println!("reproduce with: {}", args.reproduce_command());
    let seeds = loader_seeds(&args.out);
    let seed_texts: Vec<Vec<u8>> = seeds.iter().map(|(_, t)| t.clone()).collect();
    let trees: Vec<Value> =
        seed_texts.iter().filter_map(|t| serde_yaml::from_str(&String::from_utf8_lossy(t)).ok()).collect();
    let mut dict: Vec<String> = DICT_VALUES.iter().map(|s| s.to_string()).collect();
    dict.extend(doc_words());
    dict.extend(SCHEMA_KEYS.iter().map(|s| s.to_string()));
    let mutator = Mutator { grafts: Grafts::new(&trees), dict, tame: std::cell::Cell::new(false) };
    let ref_seeds = image_ref_seeds(&args.out, &seeds);
    println!(
        "seeds: {} scenarios ({} readable as trees), {} image references, {} dictionary words",
        seed_texts.len(),
        trees.len(),
        ref_seeds.len(),
        mutator.dict.len()
    );

    let pool = Pool { worker: None, spawns: 0, load_kill: LOAD_KILL };
    let mut session = Session { args, pool, stats: BTreeMap::new(), found: BTreeMap::new() };
    let mut loader_corpus = Corpus::new(seed_texts.clone());
    let mut ref_corpus = Corpus::new(ref_seeds.clone());
    let mut loader_rng = ChaCha8Rng::seed_from_u64(args.seed ^ 0x6c6f_6164_6572);
    let mut ref_rng = ChaCha8Rng::seed_from_u64(args.seed ^ 0x696d_6167_652d_7265);
    let mut loader_queue: VecDeque<(usize, Vec<u8>)> = seed_texts.into_iter().enumerate().collect();
    let mut ref_queue: VecDeque<(usize, String)> = ref_seeds.into_iter().enumerate().collect();
    if !args.targets.contains(&Target::Loader) {
        loader_queue.clear();
    }
    if !args.targets.contains(&Target::ImageRef) {
        ref_queue.clear();
    }

    let deadline = started + Duration::from_secs_f64(args.seconds);
    let mut next_progress = Instant::now() + Duration::from_secs(10);
    loop {
        let now = Instant::now();
        let seeding = !loader_queue.is_empty() || !ref_queue.is_empty();
        if now >= deadline && !seeding {
            break;
        }
        if now >= next_progress {
            next_progress = now + Duration::from_secs(10);
            print_progress(&session, started);
        }
        // The target with less time so far goes next (seeds first).
        let target = if !loader_queue.is_empty() {
            Target::Loader
        } else if !ref_queue.is_empty() {
            Target::ImageRef
        } else if args.targets.len() == 1 {
            args.targets[0]
        } else {
            let busy = |t: Target| session.stats.get(&t).map_or(Duration::ZERO, |s| s.busy);
            if busy(Target::Loader) <= busy(Target::ImageRef) {
                Target::Loader
            } else {
                Target::ImageRef
            }
        };
        let t0 = Instant::now();
        match target {
            Target::Loader => {
                let (seed_index, input) = match loader_queue.pop_front() {
                    Some((i, s)) => (Some(i), s),
                    None => {
                        let base = loader_corpus.choose(&mut loader_rng).cloned().unwrap_or_default();
                        (None, mutator.mutate(&mut loader_rng, &base, &loader_corpus.entries))
                    }
                };
                let took = Instant::now();
                let o = outcome_of(Target::Loader, &input, session.pool.run_loader(&input));
                session.stats.entry(Target::Loader).or_default().cost(took.elapsed());
                session.record(Target::Loader, &input, &o);
                if let (Some(i), Some(f)) = (seed_index, &o.failure) {
                    loader_corpus.usable[i] = false;
                    if f.kind == "loader-slow" {
                        mutator.tame.set(true);
                    }
                }
                if o.failure.as_ref().is_some_and(|f| f.kind == "loader-slow") {
                    mutator.tame.set(true);
                }
                if loader_corpus.learn(&input, &o) {
                    session.stats.entry(Target::Loader).or_default().corpus_added += 1;
                }
            }
            Target::ImageRef => {
                let mut batch = Vec::with_capacity(IMAGE_REF_BATCH);
                let mut seed_of: Vec<Option<usize>> = Vec::with_capacity(IMAGE_REF_BATCH);
                while batch.len() < IMAGE_REF_BATCH {
                    if let Some((i, s)) = ref_queue.pop_front() {
                        seed_of.push(Some(i));
                        batch.push(s);
                        continue;
                    }
                    if !batch.is_empty() && seeding {
                        break;
                    }
                    seed_of.push(None);
                    let s = match below(&mut ref_rng, 10) {
                        0..=4 => gen_image_ref(&mut ref_rng),
                        5 | 6 => {
                            let g = gen_image_ref(&mut ref_rng);
                            mutate_image_ref(&mut ref_rng, &g, &ref_corpus.entries)
                        }
                        _ => {
                            let base = ref_corpus.choose(&mut ref_rng).cloned().unwrap_or_default();
                            mutate_image_ref(&mut ref_rng, &base, &ref_corpus.entries)
                        }
                    };
                    batch.push(s);
                }
                let mut done = 0;
                while done < batch.len() {
                    let results = session.pool.run_image_refs(&batch[done..]);
                    for exec in results {
                        let input = &batch[done];
                        let o = outcome_of(Target::ImageRef, input.as_bytes(), exec);
                        session.record(Target::ImageRef, input.as_bytes(), &o);
                        if let (Some(i), Some(_)) = (seed_of[done], &o.failure) {
                            ref_corpus.usable[i] = false;
                        }
                        if ref_corpus.learn(input, &o) {
                            session.stats.entry(Target::ImageRef).or_default().corpus_added += 1;
                        }
                        done += 1;
                    }
                }
            }
        }
        session.stats.entry(target).or_default().busy += t0.elapsed();
    }
    let fuzz_time = started.elapsed();

    // Minimise each distinct failure within a budget, then write it.
    let budget = Duration::from_secs_f64((args.seconds / 4.0).clamp(10.0, 120.0));
    let keys: Vec<(Target, String)> = session.found.keys().cloned().collect();
    let per_failure = budget / (keys.len().max(1) as u32);
    // Minimised slow inputs must take twice the limit (see `same_failure`): let them run that long.
    session.pool.load_kill = 2 * LOAD_SLOW + Duration::from_millis(500);
    let mut written = Vec::new();
    for key in &keys {
        let (target, failure, input) = {
            let f = &session.found[key];
            (f.target, f.failure.clone(), f.input.clone())
        };
        let deadline = Instant::now() + per_failure;
        let pool = &mut session.pool;
        let mut tries = 0u64;
        let small = minimise(&input, target == Target::Loader, deadline, &mut |candidate: &[u8]| {
            tries += 1;
            same_failure(&pool.run(target, candidate), &failure)
        });
        // Confirm (a slow input may be only just slow).
        let confirmed = small.len() < input.len() && same_failure(&session.pool.run(target, &small), &failure);
        let f = session.found.get_mut(key).unwrap_or_else(|| unreachable!());
        let kept = if confirmed { small } else { input.clone() };
        match save(&args.out, target, &kept) {
            Ok((path, _)) => {
                if kept != f.input {
                    if let Some(raw) = &f.raw_path {
                        if !f.raw_existed && raw != &path {
                            let _ = std::fs::remove_file(raw);
                        }
                    }
                }
                written.push((target, f.failure.signature.clone(), path, input.len(), kept.len(), tries, f.count));
            }
            Err(e) => eprintln!("fuzz: cannot write {}: {e}", args.out.display()),
        }
        f.input = kept;
    }
    session.pool.finish();

    // Summary.
    println!();
    println!(
        "fuzzed for {:.1} s (wall clock {:.1} s with minimising), {} worker processes",
        fuzz_time.as_secs_f64(),
        started.elapsed().as_secs_f64(),
        session.pool.spawns
    );
    println!(
        "{:<10} {:>10} {:>9} {:>10} {:>9} {:>8} {:>9}",
        "target", "inputs", "seconds", "inputs/s", "failing", "corpus+", "outcomes"
    );
    for (t, s) in &session.stats {
        let secs = s.busy.as_secs_f64();
        println!(
            "{:<10} {:>10} {:>9.1} {:>10.0} {:>9} {:>8} {:>9}",
            t.name(),
            s.inputs,
            secs,
            if secs > 0.0 { s.inputs as f64 / secs } else { 0.0 },
            s.failing_inputs,
            s.corpus_added,
            s.outcomes.len()
        );
    }
    if let Some(s) = session.stats.get(&Target::Loader) {
        let shown: Vec<String> = ["<10 ms", "10-100 ms", "0.1-1 s", ">1 s"]
            .iter()
            .zip(&s.cost)
            .map(|(name, (n, t))| format!("{name}: {n} inputs, {:.1} s", t.as_secs_f64()))
            .collect();
        println!("loader time by input cost: {}", shown.join("; "));
    }
    for (t, s) in &session.stats {
        println!("distinct outcomes of {} ({}), most frequent first:", t.name(), s.outcomes.len());
        let mut v: Vec<(&String, &u64)> = s.outcomes.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (cat, n) in v.iter().take(40) {
            println!("  {n:>9}  {cat}");
        }
        if v.len() > 40 {
            println!("  ... and {} more", v.len() - 40);
        }
    }
    if written.is_empty() {
        println!("no failures");
        return 0;
    }
    println!("{} distinct failures:", written.len());
    for (target, sig, path, raw_len, len, tries, count) in &written {
        let f = &session.found[&(*target, sig.clone())];
        println!("  [{}] {} ({} inputs)", target.name(), sig, count);
        println!("      {}", first_line(&f.failure.detail));
        let how = if len < raw_len {
            format!("minimised from {raw_len} bytes in {tries} tries")
        } else {
            format!("not reduced in {tries} tries")
        };
        let kept = if f.raw_existed && len == raw_len { "; already kept: the bug is still there" } else { "" };
        println!("      {} ({len} bytes, {how}{kept})", path.display());
    }
    println!("reproduce with: {}", args.reproduce_command());
    println!("replay one input with: cargo run --release --example fuzz -- --replay FILE");
    1
}

fn print_progress(session: &Session<'_>, started: Instant) {
    let mut parts = Vec::new();
    for (t, s) in &session.stats {
        let secs = s.busy.as_secs_f64();
        parts.push(format!(
            "{} {} ({:.0}/s, corpus +{})",
            t.name(),
            s.inputs,
            if secs > 0.0 { s.inputs as f64 / secs } else { 0.0 },
            s.corpus_added
        ));
    }
    println!(
        "[{:>5.0}s] {}; {} distinct failures",
        started.elapsed().as_secs_f64(),
        parts.join(", "),
        session.found.len()
    );
}

/// `--replay`: the checks on saved inputs, in this process.
fn replay(args: &Args) -> i32 {
    worker::install_panic_hook();
    let mut failed = 0;
    for path in &args.replay {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("fuzz: {}: {e}", path.display());
                return 2;
            }
        };
        let target = if args.target_arg == "image-ref" || path.extension().and_then(|e| e.to_str()) == Some("txt") {
            Target::ImageRef
        } else {
            Target::Loader
        };
        let t0 = Instant::now();
        let o = match target {
            Target::Loader => check_loader(&bytes, &mut |_| {}),
            Target::ImageRef => check_image_ref(&String::from_utf8_lossy(&bytes)),
        };
        println!(
            "{} [{}] {:.1} ms: {}",
            path.display(),
            target.name(),
            t0.elapsed().as_secs_f64() * 1000.0,
            o.category
        );
        if let Some(f) = &o.failure {
            failed += 1;
            println!("  FAILURE {}\n  {}", f.signature, f.detail.replace('\n', "\n  "));
        }
    }
    let _ = std::fs::remove_file(load_path(std::process::id()));
    i32::from(failed > 0)
}
