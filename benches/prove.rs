//! Proving guarantees (issue 18): the shipped set's guarantees, and 20 guarantees over a
//! generated 500-rule set. Results and commands: docs/PERFORMANCE.md, `## Guarantees`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use criterion::{Criterion, criterion_group, criterion_main};
use handoff::eval::generate;
use handoff::set::Analysis;
use handoff::source::Source;
use std::hint::black_box;

fn root() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// 20 guarantees over the generated set: most hold, the premier ones on rules that do not
/// exclude premier customers are violated.
pub fn guarantees() -> String {
    let mut out = String::from("principle \"Guarantees\" {\n");
    for k in 0..20 {
        let when = match k % 5 {
            0 => format!("signals.distress >= 0.{}", 70 + k),
            1 => format!("customer.contacts_7d >= {}", 3 + k),
            2 => format!("intent == \"{}\" and customer.vulnerable", generate::intent(k)),
            3 => format!("intent == \"{}\" and ai.confidence < 0.5", generate::intent(k)),
            _ => format!("intent == \"{}\" and customer.tier == \"premier\"", generate::intent(k)),
        };
        let ensure = if k % 5 >= 3 { "review" } else { "human" };
        out.push_str(&format!("  guarantee \"G{k}\" {{\n    when {when}\n    ensure {ensure}\n  }}\n"));
    }
    out.push_str("}\n");
    out
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
