//! Proving guarantees (issue 18): the shipped set's guarantees, and 20 guarantees over a
//! generated 500-rule set. Results and commands: docs/PERFORMANCE.md, `## Guarantees`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use criterion::{Criterion, criterion_group, criterion_main};
#[path = "../tests/support/generate.rs"]
mod generate;
use handoff::set::Analysis;
use handoff::source::Source;
use std::hint::black_box;

#[path = "common/guarantees.rs"]
mod guarantees;
use guarantees::guarantees;

fn root() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn bench(c: &mut Criterion) {
    let shipped = handoff::set::read_dir_sources(&root().join("policies")).unwrap();
    c.bench_function("prove/shipped", |b| b.iter(|| black_box(Analysis::new(shipped.clone()).proofs.len())));
    let generated = vec![
        Source::new("generated.policy", generate::set(500, 7).text),
        Source::new("guarantees.policy", guarantees()),
    ];
    let mut group = c.benchmark_group("prove");
    group.sample_size(10);
    group.bench_function("generated-500-rules-20-guarantees", |b| {
        b.iter(|| black_box(Analysis::new(generated.clone()).proofs.len()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
