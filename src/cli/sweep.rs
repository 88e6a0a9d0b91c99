//! The sweep side of the command line: `run`'s `--no-sweep`, `--seeds`, `--set` and `--shard`, and `merge`.
//! Each function prints what a person needs and returns an exit code on failure (2 bad input, 1 otherwise).

use super::{outln, EXIT_BAD_INPUT, EXIT_FAILURE};
use crate::scenario::{self, Scenario, Sweep, SweepParameter, MAX_SWEEP_RUNS};
use crate::sweep::output::{self, ShardFile, ShardId, SweepReport, SHARD_FORMAT};
use crate::sweep::plan::Plan;
use crate::sweep::table::{self, plural};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Sweep options of `pullsim run`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SweepArgs {
    /// Run only the variants as written, not the scenario's spec.sweep.
    #[arg(long, conflicts_with_all = ["seeds", "set", "shard"])]
    pub no_sweep: bool,
    /// Sweep seeds: A..B (both included) or a list A,B,C; builds the sweep or replaces its seeds.
    #[arg(long, value_name = "SEEDS")]
    pub seeds: Option<String>,
    /// Sweep a parameter: PATH=V1,V2,... with PATH into spec (nodePools.pool.kubelet.maxParallelImagePulls);
    /// repeatable; adds to the sweep or replaces the parameter with that path.
    #[arg(long, value_name = "PATH=VALUES")]
    pub set: Vec<String>,
    /// Run only shard I of N of the sweep's runs (those numbered I modulo N; I from 0, as
    /// JOB_COMPLETION_INDEX) and write sweep-shard-I-of-N.json; `pullsim merge` joins the shards.
    #[arg(long, value_name = "I/N", conflicts_with = "check_determinism")]
    pub shard: Option<String>,
}

/// A sweep ready to run.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Its plan.
    pub plan: Plan,
    /// The shard to run, if only one.
    pub shard: Option<ShardId>,
}

/// Reads `--seeds`: `A..B` (both included; `A..=B` too), `A,B,C`, or one seed.
pub fn parse_seeds(text: &str) -> Result<Vec<u64>, String> {
    let bad = |why: &str| format!("--seeds {text:?}: {why}; expected A..B (both included) or a list A,B,C");
    let num = |s: &str| s.trim().parse::<u64>().map_err(|_| bad(&format!("{:?} is not a seed", s.trim())));
    let seeds: Vec<u64> = if let Some((a, b)) = text.split_once("..") {
        let (a, b) = (num(a)?, num(b.strip_prefix('=').unwrap_or(b))?);
        if b < a {
            return Err(bad("the range is empty"));
        }
        if b - a >= MAX_SWEEP_RUNS {
            return Err(bad(&format!("{} seeds; a sweep runs at most {MAX_SWEEP_RUNS}", u128::from(b - a) + 1)));
        }
        (a..=b).collect()
    } else {
        let list = text.split(',').map(num).collect::<Result<Vec<_>, _>>()?;
        if list.len() as u64 > MAX_SWEEP_RUNS {
            return Err(bad(&format!("a sweep runs at most {MAX_SWEEP_RUNS} seeds")));
        }
        let mut seen = std::collections::BTreeSet::new();
        if let Some(dup) = list.iter().find(|s| !seen.insert(**s)) {
            return Err(bad(&format!("seed {dup} appears twice")));
        }
        list
    };
    Ok(seeds)
}

/// Reads `--set PATH=V1,V2,...`: the values are read as a YAML flow list, so `1,2,4`, `100Mbps,1Gbps`,
/// `true,false`, `null` and `{a: 1},{a: 2}` all work.
pub fn parse_set(text: &str) -> Result<SweepParameter, String> {
    let (path, values) = text.split_once('=').ok_or_else(|| {
        format!("--set {text:?}: expected PATH=V1,V2,... e.g. nodePools.pool.kubelet.maxParallelImagePulls=1,2,4")
    })?;
    let keys = scenario::parse_sweep_path(path).map_err(|e| format!("--set {text:?}: {e}"))?;
    // Read as a scenario's values are, so `.nan` or a repeated key is refused here as it is in a file.
    let values = match scenario::yaml::read(&format!("[{values}]")) {
        Ok(serde_json::Value::Array(values)) => values,
        Ok(_) => return Err(format!("--set {text:?}: expected a comma-separated list of YAML values")),
        Err(e) => return Err(format!("--set {text:?}: in the values (a comma-separated YAML list): {}", e.message)),
    };
    if values.is_empty() {
        return Err(format!("--set {text:?}: expected at least one value after ="));
    }
    Ok(SweepParameter { path: path.trim().to_string(), keys, values, file_index: None })
}

/// The sweep `pullsim run` runs for the variants named `variants`: the file's `spec.sweep`, with `--seeds`
/// and `--set` applied, checked; `None` for a plain run. `seed` is `--seed`.
pub fn prepare(
    file: &Path,
    scenario: &Scenario,
    variants: &[&str],
    seed: Option<u64>,
    args: &SweepArgs,
) -> Result<Option<Prepared>, i32> {
    let bad = |e: String| {
        eprintln!("error: {e}");
        EXIT_BAD_INPUT
    };
    if args.no_sweep {
        return Ok(None);
    }
    let shard = args.shard.as_deref().map(ShardId::parse).transpose().map_err(bad)?;
    let from_command_line = args.seeds.is_some() || !args.set.is_empty();
    let mut sweep = match (&scenario.sweep, from_command_line) {
        (Some(s), _) => s.clone(),
        (None, true) => Sweep { seeds: None, parameters: Vec::new() },
        (None, false) if shard.is_some() => {
            return Err(bad(format!(
                "--shard: {} has no spec.sweep; add one, or give --seeds or --set",
                file.display()
            )))
        }
        (None, false) => return Ok(None),
    };
    if let Some(text) = &args.seeds {
        sweep.seeds = Some(parse_seeds(text).map_err(bad)?);
    }
    let mut set_paths: Vec<Vec<String>> = Vec::new();
    for text in &args.set {
        let p = parse_set(text).map_err(bad)?;
        if set_paths.iter().any(|k| scenario_overlaps(k, &p.keys)) {
            return Err(bad(format!("--set {text:?}: this field is already swept by another --set")));
        }
        set_paths.push(p.keys.clone());
        match sweep.parameters.iter().position(|q| q.keys == p.keys) {
            Some(i) => sweep.parameters[i] = p,
            None => {
                if let Some(q) = sweep.parameters.iter().find(|q| scenario_overlaps(&q.keys, &p.keys)) {
                    return Err(bad(format!(
                        "--set {text:?} overlaps the sweep parameter {}: a field can be swept by one parameter only",
                        q.path
                    )));
                }
                sweep.parameters.push(p);
            }
        }
    }
    // The file's own sweep was checked when the file was read, for every variant.
    if from_command_line {
        scenario.check_sweep(&sweep, variants).map_err(|e| bad(e.to_string()))?;
    }
    Ok(Some(Prepared { plan: Plan::new(scenario, &sweep, variants, seed), shard }))
}

fn scenario_overlaps(a: &[String], b: &[String]) -> bool {
    a.iter().zip(b).all(|(x, y)| x == y)
}

/// One line saying what the sweep will run.
pub fn announce(p: &Prepared) -> String {
    let plan = &p.plan;
    let seeds: Vec<usize> = plan.variants.iter().map(|v| v.seeds.len()).collect();
    let per = if seeds.windows(2).all(|w| w[0] == w[1]) {
        format!(" x {}", plural(seeds.first().copied().unwrap_or(0) as u64, "seed"))
    } else {
        String::new()
    };
    let mut line = format!(
        "sweep: {} x {}{per} = {}",
        plural(plan.variants.len() as u64, "variant"),
        plural(plan.points(), "point"),
        plural(plan.runs(), "run")
    );
    match p.shard {
        Some(s) => {
            line.push_str(&format!("; shard {}/{} runs {} of them", s.index, s.count, s.runs(plan.runs()).len()))
        }
        None => line.push_str(" (--no-sweep runs only the variants as written)"),
    }
    line
}

/// Runs the prepared sweep (or its shard) over `scenario` and writes `dir/sweep.json` (or
/// `dir/sweep-shard-I-of-N.json`); prints the table unless `quiet`. Returns the exit code.
pub fn execute(scenario: &Scenario, p: &Prepared, dir: &Path, quiet: bool) -> i32 {
    let total = p.plan.runs();
    let runs: Vec<u64> = match p.shard {
        Some(s) => s.runs(total),
        None => (0..total).collect(),
    };
    let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
        let bar =
            indicatif::ProgressBar::with_draw_target(Some(runs.len() as u64), indicatif::ProgressDrawTarget::stderr());
        if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} runs, {elapsed} (eta {eta})") {
            bar.set_style(style);
        }
        bar
    });
    let tick = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let records = crate::sweep::execute(scenario, &p.plan, &runs, &tick);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let records = match records {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILURE;
        }
    };
    let truncated = records.iter().filter(|r| r.truncated).count();
    if truncated > 0 {
        eprintln!(
            "warning: {truncated} sweep runs stopped at the trace limit of {} events; their figures cover less time",
            crate::model::MAX_TRACE_EVENTS
        );
    }
    match p.shard {
        Some(shard) => {
            let file = ShardFile {
                format: SHARD_FORMAT.to_string(),
                plan_sha256: p.plan.sha256(),
                shard,
                plan: p.plan.clone(),
                runs: records,
            };
            match file.write(dir) {
                Ok(path) => {
                    if !quiet {
                        outln!("wrote {}", path.display());
                    }
                    0
                }
                Err(e) => {
                    eprintln!("error: cannot write {}: {e}", dir.join(shard.file_name()).display());
                    EXIT_FAILURE
                }
            }
        }
        None => match SweepReport::build(p.plan.clone(), records) {
            Ok(report) => write_report(&report, dir, quiet),
            Err(e) => {
                eprintln!("error: {e}");
                EXIT_FAILURE
            }
        },
    }
}

fn write_report(report: &SweepReport, dir: &Path, quiet: bool) -> i32 {
    match report.write(dir) {
        Ok(path) => {
            if !quiet {
                outln!("{}", table::render(report).trim_end());
                outln!("wrote {}", path.display());
            }
            0
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", dir.join("sweep.json").display());
            EXIT_FAILURE
        }
    }
}

/// `pullsim merge OUT_DIR SHARD...`: checks the shards and writes `OUT_DIR/sweep.json`.
pub fn merge(out: &Path, inputs: &[PathBuf], quiet: bool) -> i32 {
    match output::merge(inputs) {
        Ok(report) => write_report(&report, out, quiet),
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_BAD_INPUT
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_ranges_with_both_ends_or_lists() {
        assert_eq!(parse_seeds("1..5"), Ok(vec![1, 2, 3, 4, 5]));
        assert_eq!(parse_seeds("3..=4"), Ok(vec![3, 4]));
        assert_eq!(parse_seeds("7, 2,9"), Ok(vec![7, 2, 9]));
        assert_eq!(parse_seeds("42"), Ok(vec![42]));
        for bad in ["5..1", "1..", "a", "1,1", "0..100000", "", "1,,2", "-1..3"] {
            assert!(parse_seeds(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_seeds("0..99999").map(|s| s.len()), Ok(100_000));
    }

    #[test]
    fn set_reads_a_path_and_yaml_values() {
        let p = parse_set("nodePools.pool.kubelet.maxParallelImagePulls=1,2, 4").unwrap();
        assert_eq!(p.keys, ["nodePools", "pool", "kubelet", "maxParallelImagePulls"]);
        assert_eq!(p.values, [serde_json::json!(1), serde_json::json!(2), serde_json::json!(4)]);
        let q = parse_set(r#"registries["r.example.com"].latency=10ms,null,"1.10""#).unwrap();
        assert_eq!(q.keys, ["registries", "r.example.com", "latency"]);
        assert_eq!(q.values, [serde_json::json!("10ms"), serde_json::Value::Null, serde_json::json!("1.10")]);
        let m = parse_set("nodePools.pool.kubelet={registryBurst: 1},{registryBurst: 2}").unwrap();
        assert_eq!(m.values[1], serde_json::json!({"registryBurst": 2}));
        for bad in ["nodePools.pool", "=1", "timeline[0]=1", "seed=1,2", "a.b=", "variants.x=1", "a..b=1"] {
            assert!(parse_set(bad).is_err(), "{bad}");
        }
    }
}
