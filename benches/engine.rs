//! Benchmarks: the event queue alone, and whole bundled scenarios. Run with `cargo bench`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use pullsim::engine::{EventQueue, SimTime};
use std::hint::black_box;
use std::path::Path;

/// Push then pop 100,000 events with times from a fixed pseudo-random sequence.
fn event_queue(c: &mut Criterion) {
    const N: u64 = 100_000;
    let mut g = c.benchmark_group("event_queue");
    g.throughput(Throughput::Elements(N));
    g.bench_function("push_pop_100k", |b| {
        b.iter_batched(
            EventQueue::<u64>::new,
            |mut q| {
                let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
                for i in 0..N {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    q.push(SimTime::from_micros(x % 1_000_000), i);
                }
                while let Some(e) = q.pop() {
                    black_box(e);
                }
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

/// Every variant of a bundled scenario, end to end (model only, no output files).
fn scenarios(c: &mut Criterion) {
    let mut g = c.benchmark_group("scenario");
    for name in ["always-vs-ifnotpresent", "registry-qps-storm", "backoff-missing-tag"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.yaml"));
        let scenario = pullsim::scenario::load(&path).expect("bundled scenario is valid");
        let events: u64 = scenario.variants.iter().map(|v| pullsim::model::run(&v.spec).events_processed).sum();
        g.throughput(Throughput::Elements(events));
        g.bench_function(name, |b| {
            b.iter(|| {
                for v in &scenario.variants {
                    black_box(pullsim::model::run(&v.spec));
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, event_queue, scenarios);
criterion_main!(benches);
