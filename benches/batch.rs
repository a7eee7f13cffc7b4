//! Batch throughput: the shipped samples, cycled into 10,000 JSONL lines, read, parsed,
//! evaluated and serialised on every core through `handoff::batch::run` (what `eval --format
//! jsonl` does). End-to-end numbers on 100,000 generated conversations are in
//! docs/PERFORMANCE.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use handoff::batch::{Progress, run};
use handoff::{Conversation, PolicySet};
use std::hint::black_box;

const LINES: usize = 10_000;

fn corpus() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut samples = Vec::new();
    for entry in std::fs::read_dir(root.join("samples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).unwrap();
            let value: serde_json::Value = serde_yaml::from_str(&text).unwrap();
            samples.push(serde_json::to_string(&value).unwrap());
        }
    }
    samples.iter().cycle().take(LINES).cloned().collect()
}

struct Line(String);
impl handoff::batch::Job for Line {}

fn bench(c: &mut Criterion) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let set = PolicySet::load(root.join("policies")).unwrap();
    let lines = corpus();
    let mut group = c.benchmark_group("batch");
    group.throughput(Throughput::Elements(LINES as u64));
    group.sample_size(10);
    group.bench_function("parse+evaluate+serialise 10k samples", |b| {
        b.iter(|| {
            let mut bytes = 0usize;
            run(
                |push: &mut dyn FnMut(Line)| lines.iter().for_each(|l| push(Line(l.clone()))),
                |line: Line| {
                    let conversation = Conversation::from_json(&line.0).unwrap();
                    serde_json::to_string(&set.evaluate(&conversation)).unwrap()
                },
                |out| bytes += out.len(),
                &Progress::hidden(),
            );
            black_box(bytes)
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
