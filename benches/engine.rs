//! Benchmarks: the event queue alone; a 100-node cluster; the fleet (10,002 nodes, 100,000 pods, 3 registries,
//! tag pushes during a scale-up), the same fleet with a tenth of the pods (the scaling check), and that one
//! with 5 Tbps registries, where nodes are the bottleneck. Each
//! scenario bench runs the model only (no output files) and reports events per second. `cargo bench`.

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

fn scenario(c: &mut Criterion, file: &str, samples: usize) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let scenario = pullsim::scenario::load(&path).expect("benchmark scenario is valid");
    let spec = scenario.variants[0].spec.clone();
    let events = pullsim::model::run(&spec).events_processed;
    let mut g = c.benchmark_group("scenario");
    g.sample_size(samples);
    g.throughput(Throughput::Elements(events));
    g.bench_function(&scenario.name, |b| b.iter(|| black_box(pullsim::model::run(&spec))));
    g.finish();
}

fn scenarios(c: &mut Criterion) {
    scenario(c, "benches/scenarios/cluster-100.yaml", 50);
    scenario(c, "benches/scenarios/fleet-10k-pods.yaml", 20);
    scenario(c, "benches/scenarios/fleet-node-bound.yaml", 20);
    scenario(c, "benches/scenarios/fleet.yaml", 10);
    scenario(c, "benches/scenarios/fleet-rollout-10k.yaml", 20);
    scenario(c, "benches/scenarios/fleet-rollout.yaml", 10);
}

criterion_group!(benches, event_queue, scenarios);
criterion_main!(benches);
