//! Instruction counts of `PolicySet::evaluate` at any size of the generated set (issue 6,
//! "scale"), repeatable where wall times are not:
//!
//! ```text
//! cargo build --release --example eval_rules
//! valgrind --tool=callgrind --toggle-collect='*measure*' target/release/examples/eval_rules 10000 10
//! ```
//!
//! Arguments: rules (50), rounds (10). Only `measure` is counted: rounds over 1,000 generated
//! conversations, so instructions / (1,000 × rounds) is the cost of one evaluation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/generate.rs"]
mod generate;
use handoff::{Conversation, PolicySet, Route};
use std::hint::black_box;

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().ok());
    let rules = args.next().flatten().unwrap_or(50);
    let rounds = args.next().flatten().unwrap_or(10);
    let g = generate::set(rules, 1);
    let set = PolicySet::from_sources([("generated.policy", g.text.as_str())]).unwrap();
    let conversations: Vec<Conversation> = generate::conversations(1000, g.allow.len(), 7)
        .into_iter()
        .map(|v| Conversation::from_value(v).unwrap())
        .collect();
    let n = measure(rounds, &set, &conversations);
    println!("{rules} rules: {n} of {} for route ai", rounds * conversations.len());
}

#[inline(never)]
fn measure(rounds: usize, set: &PolicySet, conversations: &[Conversation]) -> usize {
    (0..rounds)
        .map(|_| {
            conversations
                .iter()
                .filter(|c| set.evaluate(black_box(c)).route == Route::Ai)
                .count()
        })
        .sum()
}
