//! Evaluation benchmarks (issue 6), each next to a hand-written Rust function of the same logic
//! measured in the same run. Results and commands: docs/PERFORMANCE.md, `## Evaluation`.
//!
//! 1. `shipped`: the shipped set over the samples, signals (and message sentiments) given;
//! 2. `generated/50`: a generated 50-rule set over 10,000 generated conversations; besides the
//!    hand-written function reading each `Conversation` (`hand-written`), the same function over
//!    plain structs typed before timing (`hand-written/typed-struct`: the floor);
//! 3. `generated/1000`, `generated/10000`: the same generator at 1,000 and 10,000 rules;
//! 4. `json`: JSON → `Conversation`, and `Verdict` → JSON (`Verdict::write_json`: its
//!    `Serialize` through serde_json), separately.
//!
//! Throughput is per conversation: criterion's "time" divided by the element count is the cost
//! of one verdict. `cargo bench --bench eval -- generated/50` runs one group;
//! `HANDOFF_BENCH_RULES=50` builds only that size of the generated set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

#[path = "common/shipped.rs"]
mod shipped;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
#[path = "../tests/support/generate.rs"]
mod generate;
use handoff::{Conversation, PolicySet, Route};
use std::hint::black_box;
use std::time::Duration;

const CONVERSATIONS: usize = 10_000;

fn root() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The samples, with every signal and message sentiment given (computed once here, as an
/// upstream model would give them), so the benchmark measures evaluation.
fn samples() -> Vec<Conversation> {
    let mut out = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(root().join("samples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut c = match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Conversation::from_json(&text).unwrap(),
            _ => Conversation::from_yaml(&text).unwrap(),
        };
        generate::give_signals(&mut c);
        c.expect = None;
        out.push(c);
    }
    out
}

fn shipped(c: &mut Criterion) {
    let set = PolicySet::load(root().join("policies")).unwrap();
    let hand = shipped::Shipped::new(&root().join("policies"));
    let samples = samples();
    let mut scratch = String::new();
    for s in &samples {
        let v = set.evaluate(s);
        assert_eq!((v.route, v.priority), hand.decide(s, &mut scratch), "{:?}", s.id());
    }
    let mut group = c.benchmark_group("shipped");
    group.throughput(Throughput::Elements(samples.len() as u64));
    group.bench_function("hand-written", |b| {
        b.iter(|| {
            let mut n = 0;
            for s in &samples {
                n += usize::from(hand.decide(black_box(s), &mut scratch).0 == Route::Ai);
            }
            n
        });
    });
    group.bench_function("evaluate", |b| {
        b.iter(|| {
            samples
                .iter()
                .filter(|s| set.evaluate(black_box(s)).route == Route::Ai)
                .count()
        });
    });
    group.bench_function("evaluate+json", |b| {
        let mut out = Vec::with_capacity(4096);
        b.iter(|| {
            let mut bytes = 0;
            for s in &samples {
                out.clear();
                set.evaluate(black_box(s)).write_json(&mut out);
                bytes += out.len();
            }
            bytes
        });
    });
    group.finish();
}

/// A generated set of `rules` rules and 10,000 conversations for it.
fn generated_case(rules: usize) -> (generate::GenSet, PolicySet, Vec<Conversation>) {
    let g = generate::set(rules, 1);
    let set = PolicySet::from_sources([("generated.policy", g.text.as_str())]).unwrap();
    let conversations: Vec<Conversation> = generate::conversations(CONVERSATIONS, g.allow.len(), 7)
        .into_iter()
        .map(|v| Conversation::from_value(v).unwrap())
        .collect();
    for c in conversations.iter().take(1000) {
        let v = set.evaluate(c);
        assert_eq!((v.route, v.priority), (g.decide(c).route, g.decide(c).priority));
    }
    (g, set, conversations)
}

fn generated(c: &mut Criterion) {
    let mut group = c.benchmark_group("generated");
    group.throughput(Throughput::Elements(CONVERSATIONS as u64));
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    for rules in sizes() {
        let (g, set, conversations) = generated_case(rules);
        // the floor: the same logic over plain structs whose fields were read and typed
        // before timing
        let typed: Vec<generate::Typed> = conversations.iter().map(generate::Typed::new).collect();
        group.bench_with_input(BenchmarkId::new("hand-written/typed-struct", rules), &rules, |b, _| {
            b.iter(|| count(&typed, |t| g.decide(t).route == Route::Ai));
        });
        group.bench_with_input(BenchmarkId::new("hand-written", rules), &rules, |b, _| {
            b.iter(|| count(&conversations, |c| g.decide(c).route == Route::Ai));
        });
        group.bench_with_input(BenchmarkId::new("evaluate", rules), &rules, |b, _| {
            b.iter(|| count(&conversations, |c| set.evaluate(c).route == Route::Ai));
        });
        // The same logic on 16 conversations that stay in cache: the interpreter's own cost,
        // without the memory traffic of 10,000 conversations.
        let hot_conversations = &conversations[..16];
        let hot_typed = &typed[..16];
        group.bench_with_input(
            BenchmarkId::new("hand-written/typed-struct (hot)", rules),
            &rules,
            |b, _| {
                b.iter(|| hot(hot_typed, |t| g.decide(t).route == Route::Ai));
            },
        );
        group.bench_with_input(BenchmarkId::new("hand-written (hot)", rules), &rules, |b, _| {
            b.iter(|| hot(hot_conversations, |c| g.decide(c).route == Route::Ai));
        });
        group.bench_with_input(BenchmarkId::new("evaluate (hot)", rules), &rules, |b, _| {
            b.iter(|| hot(hot_conversations, |c| set.evaluate(c).route == Route::Ai));
        });
        if rules == 50 {
            group.bench_with_input(BenchmarkId::new("evaluate+json (hot)", rules), &rules, |b, _| {
                let mut out = Vec::with_capacity(4096);
                b.iter(|| {
                    let mut bytes = 0;
                    for _ in 0..CONVERSATIONS / 16 {
                        for c in hot_conversations {
                            out.clear();
                            set.evaluate(black_box(c)).write_json(&mut out);
                            bytes += out.len();
                        }
                    }
                    bytes
                });
            });
            group.bench_with_input(BenchmarkId::new("evaluate+json", rules), &rules, |b, _| {
                let mut out = Vec::with_capacity(4096);
                b.iter(|| {
                    let mut bytes = 0;
                    for c in &conversations {
                        out.clear();
                        set.evaluate(black_box(c)).write_json(&mut out);
                        bytes += out.len();
                    }
                    bytes
                });
            });
        }
    }
    group.finish();
}

/// Sizes of the generated set: all three, or those `HANDOFF_BENCH_RULES` lists (`50,1000`).
fn sizes() -> Vec<usize> {
    std::env::var("HANDOFF_BENCH_RULES")
        .ok()
        .map(|s| {
            s.split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect::<Vec<usize>>()
        })
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| vec![50, 1000, 10_000])
}

/// How many of `items` go to the AI; `ai` decides one.
fn count<T>(items: &[T], ai: impl Fn(&T) -> bool) -> usize {
    items.iter().filter(|x| ai(black_box(*x))).count()
}

/// `CONVERSATIONS` decisions over the same 16 items, which stay in cache; `ai` decides one.
fn hot<T>(items: &[T], ai: impl Fn(&T) -> bool) -> usize {
    let mut n = 0;
    for _ in 0..CONVERSATIONS / 16 {
        n += count(items, &ai);
    }
    n
}

fn json(c: &mut Criterion) {
    let g = generate::set(50, 1);
    let set = PolicySet::from_sources([("generated.policy", g.text.as_str())]).unwrap();
    let texts: Vec<String> = generate::conversations(1000, g.allow.len(), 7)
        .iter()
        .map(|v| serde_json::to_string(v).unwrap())
        .collect();
    let conversations: Vec<Conversation> = texts.iter().map(|t| Conversation::from_json(t).unwrap()).collect();
    let verdicts: Vec<handoff::Verdict<'_>> = conversations.iter().map(|c| set.evaluate(c)).collect();
    let mut group = c.benchmark_group("json");
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.bench_function("parse conversation", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| Conversation::from_json(black_box(t)).unwrap().messages.len())
                .sum::<usize>()
        });
    });
    group.bench_function("serialise verdict", |b| {
        let mut out = Vec::with_capacity(4096);
        b.iter(|| {
            let mut bytes = 0;
            for v in &verdicts {
                out.clear();
                black_box(v).write_json(&mut out);
                bytes += out.len();
            }
            bytes
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = shipped, generated, json
}
criterion_main!(benches);
