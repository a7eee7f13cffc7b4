//! Wall time of one evaluation, as the fastest of many timed passes (issue 6): on a shared,
//! noisy machine the minimum moves far less than criterion's median, so two builds can be
//! compared by running their copies of this driver one after the other.
//!
//! ```text
//! cargo build --release --example eval_time
//! target/release/examples/eval_time [PASSES]
//! ```
//!
//! Prints ns per conversation for the generated 50-rule set (benchmark case 2): `evaluate` and
//! evaluate + `write_json`, hot (16 conversations, over and over) and cold (10,000 in turn),
//! and the hand-written function over the same `Conversation`s.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../tests/support/generate.rs"]
mod generate;
use handoff::{Conversation, PolicySet, Route};
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let passes: usize = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(200);
    let g = generate::set(50, 1);
    let set = PolicySet::from_sources([("generated.policy", g.text.as_str())]).unwrap();
    let conversations: Vec<Conversation> = generate::conversations(10_000, g.allow.len(), 7)
        .into_iter()
        .map(|v| Conversation::from_value(v).unwrap())
        .collect();
    let hot = &conversations[..16];
    let mut out = Vec::with_capacity(4096);
    let evaluate = |c: &Conversation| set.evaluate(black_box(c)).route == Route::Ai;
    let hand = |c: &Conversation| g.decide(black_box(c)).route == Route::Ai;
    let mut json = |c: &Conversation| {
        out.clear();
        set.evaluate(black_box(c)).write_json(&mut out);
        out.len() > 2
    };
    println!("ns per conversation, fastest of {passes} passes");
    println!("hand-written (hot)   {:7.1}", fastest(passes, hot, 625, hand));
    println!("evaluate (hot)       {:7.1}", fastest(passes, hot, 625, evaluate));
    println!("evaluate+json (hot)  {:7.1}", fastest(passes, hot, 625, &mut json));
    let verdicts: Vec<_> = hot.iter().map(|c| set.evaluate(c)).collect();
    let mut written = Vec::with_capacity(4096);
    let mut write = |v: &handoff::Verdict<'_>| {
        written.clear();
        black_box(v).write_json(&mut written);
        written.len() > 2
    };
    println!("write_json (hot)     {:7.1}", fastest(passes, &verdicts, 625, &mut write));
    let cold_passes = passes.div_ceil(10);
    println!(
        "evaluate (cold)      {:7.1}",
        fastest(cold_passes, &conversations, 1, evaluate)
    );
    println!(
        "evaluate+json (cold) {:7.1}",
        fastest(cold_passes, &conversations, 1, json)
    );
}

/// The fastest of `passes` timings of `repeat` rounds over `items`, in ns per item.
fn fastest<T>(passes: usize, items: &[T], repeat: usize, mut f: impl FnMut(&T) -> bool) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..passes {
        let start = Instant::now();
        let mut n = 0usize;
        for _ in 0..repeat {
            for item in items {
                n += usize::from(f(item));
            }
        }
        black_box(n);
        let ns = start.elapsed().as_nanos() as f64 / (repeat * items.len()) as f64;
        best = best.min(ns);
    }
    best
}
