//! A driver for instruction counts of one evaluation (issue 6), repeatable where wall times are
//! not:
//!
//! ```text
//! cargo build --release --example eval_profile
//! valgrind --tool=callgrind --toggle-collect='*measure*' target/release/examples/eval_profile evaluate 1000
//! ```
//!
//! Only `measure` (and what it calls) is counted: `ROUNDS` rounds over 1,000 conversations of
//! the generated 50-rule set (benchmark case 2), so instructions / (1,000 × rounds) is the
//! cost of one. Modes: `evaluate`, `hand-written` (the hand-written function reading each
//! `Conversation`), `typed-struct` (the same function over plain structs), `parse` (JSON →
//! `Conversation`), `json` (`Verdict::write_json` of verdicts evaluated before `measure`, one
//! buffer reused), `evaluate-json` (evaluate, then `write_json`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/generate.rs"]
mod generate;
use handoff::{Conversation, PolicySet, Route, Verdict};
use std::hint::black_box;

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "evaluate".into());
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(10);
    let g = generate::set(50, 1);
    let set = PolicySet::from_sources([("generated.policy", g.text.as_str())]).unwrap();
    let values = generate::conversations(1000, g.allow.len(), 7);
    let texts: Vec<String> = values.iter().map(|v| serde_json::to_string(v).unwrap()).collect();
    let conversations: Vec<Conversation> = values
        .into_iter()
        .map(|v| Conversation::from_value(v).unwrap())
        .collect();
    let typed: Vec<generate::Typed> = conversations.iter().map(generate::Typed::new).collect();
    let verdicts: Vec<Verdict<'_>> = if mode == "json" {
        conversations.iter().map(|c| set.evaluate(c)).collect()
    } else {
        Vec::new()
    };
    // the program's JSON parts are built once, on the first verdict written: not counted
    if let Some(c) = conversations.first() {
        set.evaluate(c).write_json(&mut Vec::new());
    }
    let inputs = Inputs {
        set: &set,
        g: &g,
        conversations: &conversations,
        typed: &typed,
        texts: &texts,
        verdicts: &verdicts,
    };
    let n = measure(&mode, rounds, &inputs);
    let what = if mode.contains("json") { "bytes" } else { "for route ai" };
    println!("{mode}: {n} of {} {what}", rounds * conversations.len());
}

/// What `measure` works on, built before it.
struct Inputs<'a, 'v> {
    set: &'a PolicySet,
    g: &'a generate::GenSet,
    conversations: &'a [Conversation],
    typed: &'a [generate::Typed],
    texts: &'a [String],
    /// Evaluated before `measure` (mode `json` only).
    verdicts: &'a [Verdict<'v>],
}

#[inline(never)]
fn measure(mode: &str, rounds: usize, inputs: &Inputs<'_, '_>) -> usize {
    let Inputs {
        set,
        g,
        conversations,
        typed,
        texts,
        verdicts,
    } = *inputs;
    let mut out: Vec<u8> = Vec::with_capacity(4096);
    let mut n = 0;
    for _ in 0..rounds {
        n += match mode {
            "hand-written" => conversations
                .iter()
                .filter(|c| g.decide(black_box(*c)).route == Route::Ai)
                .count(),
            "typed-struct" => typed
                .iter()
                .filter(|t| g.decide(black_box(*t)).route == Route::Ai)
                .count(),
            "parse" => texts
                .iter()
                .map(|t| Conversation::from_json(black_box(t)).map_or(0, |c| c.messages.len()))
                .sum(),
            // bytes written, so nothing is optimised away
            "json" => verdicts
                .iter()
                .map(|v| {
                    out.clear();
                    black_box(v).write_json(&mut out);
                    out.len()
                })
                .sum(),
            "evaluate-json" => conversations
                .iter()
                .map(|c| {
                    out.clear();
                    set.evaluate(black_box(c)).write_json(&mut out);
                    out.len()
                })
                .sum(),
            _ => conversations
                .iter()
                .filter(|c| set.evaluate(black_box(c)).route == Route::Ai)
                .count(),
        };
    }
    n
}
