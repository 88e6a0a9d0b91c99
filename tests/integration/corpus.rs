//! The corpus of invalid and hostile scenarios: every `tests/invalid/NNN-category-name.yaml`, plus cases built
//! here at run time (bytes that cannot be committed as text, files over the size limit, endless streams, deep
//! nesting, alias bombs, huge names and counts) and command-line cases (`--set`, `--seeds`, standard input).
//! Each goes through the real binary, which must refuse it:
//!
//! - with exit code 2, within 20 s and 2 GiB (a case over either is killed and reported);
//! - with no panic text on standard error;
//! - with exactly the standard error of its `.stderr` file (`tests/invalid/NNN-....stderr`,
//!   `tests/invalid/generated/NNN-....stderr`, `tests/invalid/cli/NNN-....stderr`; the temporary folder of the
//!   generated files is written `<tmp>`);
//! - and, unless the input has no position at all (listed in [`NO_POSITION`]) or the mistake is in a `--set` or
//!   `--seeds` argument, with a first line `error: FILE:LINE:COLUMN: `.
//!
//! Every difference is collected and reported at once. `PULLSIM_BLESS=1 cargo test --test integration corpus`
//! rewrites the `.stderr` files from the current build instead of comparing (exit code and panics are still
//! checked): review the diff of the `.stderr` files before committing it. `PULLSIM_CORPUS=415,generated/42`
//! runs only the cases whose names contain one of those comma-separated parts (one at a time, for timings).

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A case still running after this is killed and reported as a hang.
const TIMEOUT: Duration = Duration::from_secs(20);
/// A case whose resident memory passes this is killed and reported (an unbounded read or expansion).
const MEMORY_LIMIT_KB: u64 = 2 * 1024 * 1024;
/// Cases slower than this are listed after the run.
const SLOW: Duration = Duration::from_secs(1);
/// Cases whose resident memory (sampled every 5 ms) passes this are listed after the run.
const BIG_KB: u64 = 256 * 1024;
/// The loader's file size limit (`scenario::MAX_FILE_BYTES`).
const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// Cases whose input has no line and column to point at: a file too big to read, streams and devices without
/// a length, a path that is not a file. (Command-line cases whose mistake is in `--set` or `--seeds`, not in a
/// file, are not checked for a position either.)
const NO_POSITION: &[&str] = &[
    "generated/414-limits-over-16-mib",
    "generated/431-hostile-dev-zero",
    "generated/432-hostile-dev-urandom",
    "generated/433-hostile-fifo",
    "generated/434-hostile-directory",
    "cli/502-cli-stdin-dev-zero",
    "cli/503-cli-stdin-endless",
    "cli/504-cli-dash-is-not-stdin",
];

/// Categories of the committed files (`NNN-category-name.yaml`).
const CATEGORIES: &[&str] = &[
    "syntax",
    "encoding",
    "types",
    "numbers",
    "units",
    "names",
    "images",
    "refs",
    "keys",
    "structure",
    "limits",
    "kubelet",
    "workloads",
    "registries",
    "timeline",
    "variants",
    "sweep",
    "hostile",
    "cli",
];

fn invalid_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid")
}

fn bless() -> bool {
    std::env::var_os("PULLSIM_BLESS").is_some_and(|v| v == "1")
}

/// The valid scenario the generated and command-line cases start from.
fn base() -> String {
    fs::read_to_string(invalid_dir().join("base.yaml")).expect("read tests/invalid/base.yaml")
}

/// `text` with `from`, which must occur exactly once, replaced by `to`.
#[track_caller]
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once in the base");
    text.replacen(from, to, 1)
}

/// `base()` with its bytes `from` replaced by the bytes `to` (which need not be UTF-8).
fn edit_bytes(from: &str, to: &[u8]) -> Vec<u8> {
    let text = base();
    let at = text.find(from).expect("edit_bytes: text not in base");
    let mut out = text.as_bytes()[..at].to_vec();
    out.extend_from_slice(to);
    out.extend_from_slice(&text.as_bytes()[at + from.len()..]);
    out
}

fn utf16(text: &str, bom: bool, big_endian: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(if big_endian { &[0xFE, 0xFF] } else { &[0xFF, 0xFE] });
    }
    for unit in text.encode_utf16() {
        out.extend_from_slice(&if big_endian { unit.to_be_bytes() } else { unit.to_le_bytes() });
    }
    out
}

/// The base with a count the loader refuses: a decoder that read another encoding would still find a mistake.
fn base_with_bad_count() -> String {
    edit(&base(), "count: 2\n", "count: -1\n")
}

/// `text` followed by comment lines up to exactly `len` bytes.
fn padded(text: &str, len: usize) -> Vec<u8> {
    let mut out = text.as_bytes().to_vec();
    let line = format!("# padding {}\n", "x".repeat(69));
    while out.len() < len {
        out.extend_from_slice(line.as_bytes());
    }
    out.truncate(len);
    out
}

/// Anchors `a`..`i`, each a list of nine aliases of the previous one: 9^9 strings when expanded, written with
/// `indent` spaces in front of each key.
fn laughs(indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut s = format!("{pad}a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (prev, name) in ('a'..='h').zip('b'..='i') {
        let items = vec![format!("*{prev}"); 9].join(", ");
        s.push_str(&format!("{pad}{name}: &{name} [{items}]\n"));
    }
    s
}

/// What a generated case is made of.
enum Source {
    /// A file of these bytes in the temporary folder.
    Bytes(fn() -> Vec<u8>),
    /// An existing path, given as is.
    Path(&'static str),
    /// A FIFO in the temporary folder, fed an endless stream.
    Fifo,
    /// The temporary folder itself.
    Directory,
}

/// Cases built at run time: `(name, source)`; the expected output is `tests/invalid/generated/NAME.stderr`.
fn generated() -> Vec<(&'static str, Source)> {
    use Source::*;
    const DESCRIPTION: &str = "one mistake away from.";
    vec![
        ("401-encoding-latin1", Bytes(|| edit_bytes(DESCRIPTION, b"one caf\xe9 away from."))),
        ("402-encoding-invalid-utf8-in-key", Bytes(|| edit_bytes("  seed: 1\n", b"  se\xffed: 1\n"))),
        ("403-encoding-utf16le-bom", Bytes(|| utf16(&base_with_bad_count(), true, false))),
        ("404-encoding-utf16be-bom", Bytes(|| utf16(&base_with_bad_count(), true, true))),
        ("405-encoding-utf16le-no-bom", Bytes(|| utf16(&base_with_bad_count(), false, false))),
        ("406-encoding-utf16be-no-bom", Bytes(|| utf16(&base_with_bad_count(), false, true))),
        (
            "407-encoding-utf32le-bom",
            Bytes(|| {
                let mut out = vec![0xFF, 0xFE, 0x00, 0x00];
                base_with_bad_count().chars().for_each(|c| out.extend_from_slice(&(c as u32).to_le_bytes()));
                out
            }),
        ),
        ("408-encoding-nul-in-value", Bytes(|| edit_bytes(DESCRIPTION, b"one\0mistake away from."))),
        ("409-encoding-nul-first-byte", Bytes(|| [b"\0".as_slice(), base().as_bytes()].concat())),
        ("410-encoding-bell-control-char", Bytes(|| edit_bytes(DESCRIPTION, b"one \x07 mistake away from."))),
        ("411-encoding-overlong-utf8", Bytes(|| edit_bytes(DESCRIPTION, b"one \xc0\xaf mistake away from."))),
        ("412-encoding-utf8-surrogate", Bytes(|| edit_bytes(DESCRIPTION, b"one \xed\xa0\x80 mistake away from."))),
        ("413-encoding-truncated-utf8-at-end", Bytes(|| [base().as_bytes(), b"# caf\xc3"].concat())),
        ("414-limits-over-16-mib", Bytes(|| padded(&base(), MAX_FILE_BYTES + 1))),
        ("415-limits-16-mib-with-error", Bytes(|| padded(&base_with_bad_count(), MAX_FILE_BYTES))),
        (
            "416-limits-1-mb-line",
            Bytes(|| {
                let long = format!("  description: {}\n", "x".repeat(1_000_000));
                let text = edit(
                    &base_with_bad_count(),
                    "  description: The valid scenario every corpus case is one mistake away from.\n",
                    &long,
                );
                text.into_bytes()
            }),
        ),
        (
            "417-limits-timeline-100001-entries",
            Bytes(|| {
                let entries = "    - {at: 1s, scale: {workload: web, replicas: 1}}\n".repeat(100_001);
                edit(&base(), "  timeline:\n", &format!("  timeline:\n{entries}")).into_bytes()
            }),
        ),
        (
            "418-limits-5000-pools",
            Bytes(|| {
                let pools: String = (0..5000).map(|i| format!("    p{i}: {{count: 100}}\n")).collect();
                edit(&base(), "  nodePools:\n", &format!("  nodePools:\n{pools}")).into_bytes()
            }),
        ),
        (
            "419-limits-5000-workloads",
            Bytes(|| {
                let workloads: String = (0..5000)
                    .map(|i| {
                        format!("    w{i}: {{kind: Deployment, replicas: 1000, template: {{spec: {{containers: [{{name: a, image: nginx}}]}}}}}}\n")
                    })
                    .collect();
                edit(&base(), "  workloads:\n", &format!("  workloads:\n{workloads}")).into_bytes()
            }),
        ),
        (
            "420-names-100-kb-scenario-name",
            Bytes(|| edit(&base(), "  name: corpus\n", &format!("  name: {}\n", "n".repeat(100_000))).into_bytes()),
        ),
        (
            "421-names-100-kb-layer-name",
            Bytes(|| {
                edit(&base(), "    base: 100MiB\n", &format!("    base: 100MiB\n    {}: 1MiB\n", "l".repeat(100_000)))
                    .into_bytes()
            }),
        ),
        (
            "422-names-100-kb-unknown-key",
            Bytes(|| edit(&base(), "  seed: 1\n", &format!("  seed: 1\n  {}: 1\n", "k".repeat(100_000))).into_bytes()),
        ),
        ("423-hostile-100000-brackets", Bytes(|| "[".repeat(100_000).into_bytes())),
        ("424-hostile-40000-braces", Bytes(|| "{".repeat(40_000).into_bytes())),
        (
            "425-hostile-deep-brackets-in-variant",
            Bytes(|| {
                let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
                edit(
                    &base(),
                    "      nodePools: {pool: {kubelet: {serializeImagePulls: null, maxParallelImagePulls: null}}}\n",
                    &format!("      seed: {deep}\n"),
                )
                .into_bytes()
            }),
        ),
        (
            "426-hostile-deep-block-nesting",
            Bytes(|| {
                let nested: String = (0..2000).map(|i| format!("{}k{i}:\n", " ".repeat(10 + i))).collect();
                edit(&base(), "        metadata: {labels: {app: web}}\n", &format!("        metadata:\n{nested}"))
                    .into_bytes()
            }),
        ),
        (
            "427-hostile-billion-laughs",
            Bytes(|| {
                edit(&base(), "        metadata: {labels: {app: web}}\n", &format!("        metadata:\n{}", laughs(10)))
                    .into_bytes()
            }),
        ),
        (
            "428-hostile-billion-laughs-in-variant",
            Bytes(|| {
                edit(
                    &base(),
                    "      nodePools: {pool: {kubelet: {serializeImagePulls: null, maxParallelImagePulls: null}}}\n",
                    &laughs(6),
                )
                .into_bytes()
            }),
        ),
        (
            "429-hostile-alias-fan-out",
            Bytes(|| {
                let list = format!("[{}]", vec!["lol"; 1000].join(", "));
                let aliases = vec!["*x"; 20_000].join(", ");
                let metadata = format!("        metadata: {{a: &x {list}, b: [{aliases}]}}\n");
                edit(&base(), "        metadata: {labels: {app: web}}\n", &metadata).into_bytes()
            }),
        ),
        (
            "430-hostile-alias-fan-out-in-spec",
            Bytes(|| {
                let aliases = vec!["*x"; 20_000].join(", ");
                let text = edit(
                    &base(),
                    "      preloaded: [registry.example.com/team/app:v1]\n",
                    &format!("      preloaded: [{aliases}]\n"),
                );
                edit(&text, "    base: 100MiB\n", "    base: &x 100MiB\n").into_bytes()
            }),
        ),
        ("431-hostile-dev-zero", Path("/dev/zero")),
        ("432-hostile-dev-urandom", Path("/dev/urandom")),
        ("433-hostile-fifo", Fifo),
        ("434-hostile-directory", Directory),
    ]
}

/// What a command-line case reads on standard input.
enum Stdin {
    Null,
    /// These bytes, then end of file.
    Bytes(Vec<u8>),
    /// This file (a device such as /dev/zero).
    File(&'static str),
    /// An endless stream of comment lines, until the reader goes away.
    Endless,
}

/// Command-line cases: `(name, arguments, stdin)`. In the arguments, `BASE` is `tests/invalid/base.yaml` and
/// `OUT` a folder in the temporary folder; the expected output is `tests/invalid/cli/NAME.stderr`.
fn cli_cases() -> Vec<(&'static str, Vec<String>, Stdin)> {
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let set = |v: &str| args(&["run", "BASE", "--quiet", "--out", "OUT", "--set", v]);
    let many_values = (1..=2000).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let kubelet_case = committed().into_iter().find(|n| n.ends_with("-kubelet-max-parallel-with-serialize"));
    let kubelet_case = format!("tests/invalid/{}.yaml", kubelet_case.unwrap_or_default());
    vec![
        ("501-cli-stdin-invalid", args(&["validate", "/dev/stdin"]), Stdin::Bytes(base_with_bad_count().into_bytes())),
        ("502-cli-stdin-dev-zero", args(&["validate", "/dev/stdin"]), Stdin::File("/dev/zero")),
        ("503-cli-stdin-endless", args(&["validate", "/dev/stdin"]), Stdin::Endless),
        ("504-cli-dash-is-not-stdin", args(&["validate", "-"]), Stdin::Bytes(base_with_bad_count().into_bytes())),
        ("505-cli-run-invalid-file", args(&["run", &kubelet_case, "--out", "OUT"]), Stdin::Null),
        ("506-cli-set-nan", set("nodePools.pool.kubelet.maxParallelImagePulls=.nan"), Stdin::Null),
        ("507-cli-set-inf", set("nodePools.pool.kubelet.registryBurst=.inf"), Stdin::Null),
        ("508-cli-set-neg-inf", set("nodePools.pool.count=-.inf"), Stdin::Null),
        ("509-cli-set-1e400", set("nodePools.pool.count=1e400"), Stdin::Null),
        ("510-cli-set-empty-value", set("nodePools.pool.count="), Stdin::Null),
        ("511-cli-set-no-equals", set("nodePools.pool.count"), Stdin::Null),
        ("512-cli-set-seed", set("seed=1,2"), Stdin::Null),
        ("513-cli-set-list-index", set("timeline[0].at=1m"), Stdin::Null),
        ("514-cli-set-unknown-pool", set("nodePools.gpu.count=1"), Stdin::Null),
        ("515-cli-set-string-for-number", set("nodePools.pool.count=lots"), Stdin::Null),
        ("516-cli-set-image-42", set("workloads.job.spec.containers=[{name: main, image: 42}]"), Stdin::Null),
        ("517-cli-set-unclosed-flow", set("nodePools.pool.count=[1,2"), Stdin::Null),
        ("518-cli-seeds-reversed", args(&["run", "BASE", "--quiet", "--out", "OUT", "--seeds", "5..1"]), Stdin::Null),
        (
            "519-cli-seeds-too-many",
            args(&["run", "BASE", "--quiet", "--out", "OUT", "--seeds", "0..100000000"]),
            Stdin::Null,
        ),
        ("520-cli-seeds-not-numbers", args(&["run", "BASE", "--quiet", "--out", "OUT", "--seeds", "a,b"]), Stdin::Null),
        (
            "521-cli-set-too-many-runs",
            [set(&format!("nodePools.pool.count={many_values}")), args(&["--seeds", "1..100"])].concat(),
            Stdin::Null,
        ),
        (
            "522-cli-set-huge-integer",
            set("nodePools.pool.kubelet.maxParallelImagePulls=99999999999999999999999"),
            Stdin::Null,
        ),
    ]
}

/// One case, ready to run.
struct Case {
    /// `NNN-category-name`, `generated/NNN-...` or `cli/NNN-...`.
    name: String,
    args: Vec<String>,
    stdin: Stdin,
    /// A FIFO to feed while the case runs.
    fifo: Option<PathBuf>,
    /// Its `.stderr` file.
    expected: PathBuf,
    /// The file name the first line should start with (after `<tmp>` replaces the temporary folder); `None` when
    /// the mistake is in a command-line argument.
    file: Option<String>,
}

/// What one run gave.
struct Outcome {
    code: Option<i32>,
    stderr: String,
    elapsed: Duration,
    /// The largest resident memory seen, in KiB.
    peak_kb: u64,
    /// Why the run was killed, if it was.
    killed: Option<String>,
}

/// A folder of generated inputs, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("pullsim-corpus-{}-{nanos}", std::process::id()));
        fs::create_dir_all(&dir).expect("create the temporary folder");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The committed cases: `tests/invalid/NNN-*.yaml`, sorted.
fn committed() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(invalid_dir())
        .expect("read tests/invalid")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|f| f.strip_suffix(".yaml").map(str::to_string))
        .filter(|n| n.as_bytes().first().is_some_and(u8::is_ascii_digit))
        .collect();
    names.sort();
    names
}

/// Every case name, in the order they are reported.
fn all_names() -> Vec<String> {
    let mut names = committed();
    names.extend(generated().into_iter().map(|(n, _)| format!("generated/{n}")));
    names.extend(cli_cases().into_iter().map(|(n, _, _)| format!("cli/{n}")));
    names
}

/// Builds every case; generated inputs are written into `tmp`.
fn cases(tmp: &Path) -> Vec<Case> {
    let dir = invalid_dir();
    let mut out = Vec::new();
    for name in committed() {
        let rel = format!("tests/invalid/{name}.yaml");
        out.push(Case {
            expected: dir.join(format!("{name}.stderr")),
            args: vec!["validate".to_string(), rel.clone()],
            stdin: Stdin::Null,
            fifo: None,
            file: Some(rel),
            name,
        });
    }
    for (name, source) in generated() {
        let path = tmp.join(format!("{name}.yaml"));
        let mut fifo = None;
        let arg = match source {
            Source::Bytes(make) => {
                fs::write(&path, make()).expect("write a generated case");
                path.display().to_string()
            }
            Source::Path(p) => p.to_string(),
            Source::Fifo => {
                let status = Command::new("mkfifo").arg(&path).status().expect("run mkfifo");
                assert!(status.success(), "mkfifo {}", path.display());
                fifo = Some(path.clone());
                path.display().to_string()
            }
            Source::Directory => tmp.display().to_string(),
        };
        out.push(Case {
            name: format!("generated/{name}"),
            file: Some(arg.replace(&tmp.display().to_string(), "<tmp>")),
            args: vec!["validate".to_string(), arg],
            stdin: Stdin::Null,
            fifo,
            expected: dir.join("generated").join(format!("{name}.stderr")),
        });
    }
    for (name, args, stdin) in cli_cases() {
        let out_dir = tmp.join(format!("out-{name}")).display().to_string();
        let args: Vec<String> = args
            .into_iter()
            .map(|a| match a.as_str() {
                "BASE" => "tests/invalid/base.yaml".to_string(),
                "OUT" => out_dir.clone(),
                _ => a,
            })
            .collect();
        // A mistake in --set or --seeds has no place in the file; otherwise the file is the second argument.
        let in_arguments = args.iter().any(|a| a == "--set" || a == "--seeds");
        let file = if in_arguments { None } else { args.get(1).cloned() };
        out.push(Case {
            name: format!("cli/{name}"),
            args,
            stdin,
            fifo: None,
            expected: dir.join("cli").join(format!("{name}.stderr")),
            file,
        });
    }
    out
}

/// Resident memory of process `pid` in KiB (Linux), 0 when unknown.
fn rss_kb(pid: u32) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Reads all of `r` in a thread, keeping at most 64 MiB.
fn drain(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let _ = (&mut r).take(64 << 20).read_to_end(&mut kept);
        let _ = std::io::copy(&mut r, &mut std::io::sink());
        kept
    })
}

/// An endless stream of comment lines into `w`, until writing fails.
fn feed_endless(mut w: impl Write) {
    let chunk = "# an endless stream of comments, as from a pipe that never closes\n".repeat(1000);
    while w.write_all(chunk.as_bytes()).is_ok() {}
}

/// Runs one case under the time and memory guards.
fn run(case: &Case) -> Outcome {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pullsim"));
    cmd.args(&case.args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match &case.stdin {
        Stdin::Null => cmd.stdin(Stdio::null()),
        Stdin::Bytes(_) | Stdin::Endless => cmd.stdin(Stdio::piped()),
        Stdin::File(p) => cmd.stdin(fs::File::open(p).expect("open the stdin file")),
    };
    // The FIFO's writer blocks until a reader opens it; it sets `opened` once the binary has.
    let opened = Arc::new(AtomicBool::new(false));
    let fifo_writer = case.fifo.clone().map(|path| {
        let opened = Arc::clone(&opened);
        std::thread::spawn(move || {
            if let Ok(w) = fs::OpenOptions::new().write(true).open(&path) {
                opened.store(true, Ordering::SeqCst);
                feed_endless(w);
            }
        })
    });
    let start = Instant::now();
    let mut child = cmd.spawn().expect("start pullsim");
    let stdin_writer = child.stdin.take().map(|mut w| match &case.stdin {
        Stdin::Bytes(b) => {
            let b = b.clone();
            std::thread::spawn(move || {
                let _ = w.write_all(&b);
            })
        }
        _ => std::thread::spawn(move || feed_endless(w)),
    });
    let stdout = drain(child.stdout.take().expect("stdout"));
    let stderr = drain(child.stderr.take().expect("stderr"));
    let mut killed = None;
    let mut peak_kb = 0;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for pullsim") {
            break status;
        }
        let rss = rss_kb(child.id());
        peak_kb = peak_kb.max(rss);
        if start.elapsed() > TIMEOUT {
            killed = Some(format!("still running after {} s: killed", TIMEOUT.as_secs()));
        } else if rss > MEMORY_LIMIT_KB {
            killed = Some(format!(
                "used {} MiB after {:.1} s (limit {} MiB): killed",
                rss / 1024,
                start.elapsed().as_secs_f64(),
                MEMORY_LIMIT_KB / 1024
            ));
        }
        if killed.is_some() {
            let _ = child.kill();
            break child.wait().expect("wait for the killed pullsim");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = start.elapsed();
    if let Some(writer) = fifo_writer {
        if !opened.load(Ordering::SeqCst) {
            // The binary never opened the FIFO: open it here, which lets the writer's open return, and close it,
            // which ends its writing.
            drop(fs::File::open(case.fifo.as_ref().expect("fifo path")));
        }
        let _ = writer.join();
    }
    if let Some(writer) = stdin_writer {
        let _ = writer.join();
    }
    let _ = stdout.join();
    let stderr = String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned();
    Outcome { code: status.code(), stderr, elapsed, peak_kb, killed }
}

/// The first line where `expected` and `actual` differ, for the report.
fn first_difference(expected: &str, actual: &str) -> String {
    let cut = |s: &str| {
        if s.chars().count() > 400 {
            format!("{}...", s.chars().take(400).collect::<String>())
        } else {
            s.to_string()
        }
    };
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let i = (0..e.len().max(a.len())).find(|&i| e.get(i) != a.get(i)).unwrap_or(0);
    format!(
        "stderr differs from the .stderr file at line {} ({} lines expected, {} got)\n      expected: {}\n      actual:   {}",
        i + 1,
        e.len(),
        a.len(),
        e.get(i).map_or("<nothing>".to_string(), |l| cut(l)),
        a.get(i).map_or("<nothing>".to_string(), |l| cut(l)),
    )
}

/// Whether `line` starts with `error: FILE:LINE:COLUMN: `.
fn has_position(line: &str, file: &str) -> bool {
    let Some(rest) = line.strip_prefix("error: ").and_then(|l| l.strip_prefix(file)).and_then(|l| l.strip_prefix(':'))
    else {
        return false;
    };
    let mut parts = rest.splitn(3, ':');
    let number = |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    number(parts.next()) && number(parts.next()) && parts.next().is_some_and(|p| p.starts_with(' '))
}

/// What is wrong with one outcome (empty when it is as expected). Blesses the `.stderr` file in bless mode.
fn check(case: &Case, outcome: &Outcome, tmp: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(why) = &outcome.killed {
        problems.push(why.clone());
    }
    if outcome.code != Some(2) {
        problems.push(format!("exit code {:?}, expected 2", outcome.code));
    }
    if outcome.stderr.contains("panicked") || outcome.stderr.contains("RUST_BACKTRACE") {
        problems.push("panic text on stderr".to_string());
    }
    if outcome.killed.is_some() {
        return problems;
    }
    let stderr = outcome.stderr.replace(&tmp.display().to_string(), "<tmp>");
    if bless() {
        if let Some(parent) = case.expected.parent() {
            fs::create_dir_all(parent).expect("create the .stderr folder");
        }
        fs::write(&case.expected, &stderr).expect("write a .stderr file");
        return problems;
    }
    let first = stderr.lines().next().unwrap_or("");
    if let Some(file) = &case.file {
        if !NO_POSITION.contains(&case.name.as_str()) && !has_position(first, file) {
            problems.push(format!("the first line does not start with `error: {file}:LINE:COLUMN: `"));
        }
    }
    match fs::read_to_string(&case.expected) {
        Ok(expected) if expected == stderr => {}
        Ok(expected) => problems.push(first_difference(&expected, &stderr)),
        Err(_) => problems.push(format!("no {} (PULLSIM_BLESS=1 writes it)", case.expected.display())),
    }
    problems
}

#[test]
fn every_invalid_scenario_is_refused_with_its_expected_message() {
    let tmp = TempDir::new();
    let only = std::env::var("PULLSIM_CORPUS").ok().filter(|s| !s.is_empty());
    let mut cases = cases(&tmp.0);
    if let Some(only) = &only {
        cases.retain(|c| only.split(',').any(|part| c.name.contains(part.trim())));
    }
    let started = Instant::now();
    // Two cases at a time (the machine's cores; the timings stay those of one process per core), or one at a
    // time when only some run. The generated cases, the big ones, start first; results are reported in order.
    let order: Vec<usize> = (0..cases.len())
        .filter(|&i| cases[i].name.starts_with("generated/"))
        .chain((0..cases.len()).filter(|&i| !cases[i].name.starts_with("generated/")))
        .collect();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Outcome)>> = Mutex::new(Vec::new());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = if only.is_some() { 1 } else { cores.clamp(1, 2) };
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                while let Some(&i) = order.get(next.fetch_add(1, Ordering::SeqCst)) {
                    let outcome = run(&cases[i]);
                    results.lock().expect("results").push((i, outcome));
                }
            });
        }
    });
    let total = started.elapsed();
    let mut results = results.into_inner().expect("results");
    results.sort_by_key(|(i, _)| *i);
    let mut failures = Vec::new();
    let mut slow = Vec::new();
    let mut big = Vec::new();
    for (i, outcome) in &results {
        let case = &cases[*i];
        let problems = check(case, outcome, &tmp.0);
        if !problems.is_empty() {
            failures.push(format!("  {}:\n    {}", case.name, problems.join("\n    ")));
        }
        if outcome.elapsed > SLOW {
            slow.push(format!("  {:>6.2} s  {}", outcome.elapsed.as_secs_f64(), case.name));
        }
        if outcome.peak_kb > BIG_KB {
            big.push(format!("  {:>6} MiB  {}", outcome.peak_kb / 1024, case.name));
        }
    }
    println!("corpus: {} cases in {:.1} s ({workers} at a time)", cases.len(), total.as_secs_f64());
    if only.is_some() {
        for (i, outcome) in &results {
            let mib = outcome.peak_kb / 1024;
            println!("  {:>6.2} s  {mib:>5} MiB  {}", outcome.elapsed.as_secs_f64(), cases[*i].name);
        }
    }
    if !slow.is_empty() {
        println!("cases slower than {} s:\n{}", SLOW.as_secs(), slow.join("\n"));
    }
    if !big.is_empty() {
        println!("cases above {} MiB of memory:\n{}", BIG_KB / 1024, big.join("\n"));
    }
    if bless() {
        println!("blessed: the .stderr files now hold what the current build prints; review their diff");
    }
    assert!(
        failures.is_empty(),
        "{} of {} corpus cases are not refused as expected:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn the_corpus_has_at_least_150_well_named_cases_and_no_stray_files() {
    let names = all_names();
    assert!(names.len() >= 150, "only {} corpus cases", names.len());
    let mut numbers = std::collections::BTreeSet::new();
    let mut used = std::collections::BTreeSet::new();
    for name in &names {
        let stem = name.rsplit('/').next().unwrap_or(name);
        let (number, rest) = stem.split_at(stem.find('-').unwrap_or(0));
        assert!(number.len() == 3 && number.bytes().all(|b| b.is_ascii_digit()), "{name}: expected NNN-category-name");
        assert!(numbers.insert(number.to_string()), "{name}: number {number} used twice");
        let category = rest.trim_start_matches('-').split('-').next().unwrap_or("");
        assert!(CATEGORIES.contains(&category), "{name}: unknown category {category:?}");
        assert!(
            stem.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{name}: lowercase letters, digits and '-' only"
        );
        used.insert(category.to_string());
    }
    for c in CATEGORIES {
        assert!(used.contains(*c), "no case of category {c}");
    }
    for n in NO_POSITION {
        assert!(names.iter().any(|x| x == n), "NO_POSITION names {n}, which is not a case");
    }
    // Every file in tests/invalid belongs to a case (or is the valid base).
    let dir = invalid_dir();
    for (sub, allowed_yaml) in [("", true), ("generated", false), ("cli", false)] {
        for entry in fs::read_dir(dir.join(sub)).into_iter().flatten().flatten() {
            let file = entry.file_name().into_string().expect("a UTF-8 file name");
            if entry.path().is_dir() {
                assert!(sub.is_empty() && matches!(file.as_str(), "generated" | "cli"), "stray folder {sub}/{file}");
                continue;
            }
            let name = if sub.is_empty() { String::new() } else { format!("{sub}/") };
            let known = |stem: &str| names.contains(&format!("{name}{stem}"));
            let ok = match (file.strip_suffix(".stderr"), file.strip_suffix(".yaml")) {
                (Some(stem), _) => known(stem),
                (_, Some(stem)) => allowed_yaml && (stem == "base" || known(stem)),
                _ => false,
            };
            assert!(ok, "stray file tests/invalid/{name}{file}: not a corpus case");
        }
    }
}
