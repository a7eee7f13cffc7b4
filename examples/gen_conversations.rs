//! Generates conversations as JSONL for batch benchmarks (see docs/PERFORMANCE.md).
//!
//! ```sh
//! cargo run --release --example gen_conversations -- 100000 signals > /tmp/signals.jsonl
//! cargo run --release --example gen_conversations -- 100000 transcripts > /tmp/transcripts.jsonl
//! ```
//!
//! `signals`: every signal and message sentiment given (as an upstream model would), two short
//! messages. `transcripts`: six-message transcripts and no signals, so the engine computes them.
//! `signals-expect` / `transcripts-expect`: the same with an `expect:` block (a guessed route,
//! for `handoff test` throughput; many of these guesses fail on purpose).
//! Deterministic: the same arguments give the same file.
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::io::Write;

/// xorshift64*: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const INTENTS: &[&str] = &[
    "order_status", "delivery_tracking", "password_reset", "address_change", "email_change", "billing_error",
    "duplicate_charge", "invoice_copy", "refund_request", "opening_hours", "store_locator", "product_question",
    "delivery_options", "change_booking", "flight_cancelled", "missed_flight", "complaint", "cancel_subscription",
];
const TIERS: &[&str] = &["standard", "standard", "standard", "plus", "premier"];
const CALM: &[&str] = &[
    "hi, where is my order? it was supposed to arrive yesterday",
    "can you send me a copy of my last invoice please",
    "i was charged twice for the same order",
    "what time does the store on main street open on sunday",
    "i need to change the delivery address for my parcel",
    "thanks, that's really helpful",
    "could you check the status of my refund",
    "i'd like to move my flight to next month if possible",
    "do you have this jacket in a medium",
    "my password reset link doesn't seem to work",
];
const AI: &[&str] = &[
    "Thanks for getting in touch. Let me look into that for you.",
    "I can help with that. Could you confirm your order number?",
    "I've found your order. It's with the courier and should arrive tomorrow.",
    "I'm sorry about that. I can see the duplicate charge and can start a refund.",
];
const HARD: &[&str] = &[
    "this is the third time i'm writing, nobody is helping me",
    "this is ridiculous, i want to speak to a human",
    "i lost my job last month and can't pay this bill",
    "my husband died and i need to close his account",
    "someone got into my account and changed my email, it wasn't me",
    "i'm so stressed about this, i can't sleep",
    "i'm going to take this to the ombudsman",
    "honestly i just want to end it all",
];

fn conversation(rng: &mut Rng, n: usize, signals: bool, expect: bool) -> Value {
    let intent = rng.pick(INTENTS);
    let hard = rng.unit() < 0.15;
    let mut c = json!({
        "id": format!("gen-{n}"),
        "channel": if rng.unit() < 0.7 { "chat" } else { "email" },
        "customer": {
            "id": format!("C-{}", 10_000 + rng.below(90_000)),
            "tier": rng.pick(TIERS),
            "vulnerable": rng.unit() < 0.03,
            "contacts_7d": if rng.unit() < 0.1 { 3 + rng.below(3) } else { rng.below(3) },
        },
        "intent": intent,
        "ai": { "confidence": ((0.5 + rng.unit() * 0.5) * 100.0).round() / 100.0 },
    });
    if intent == "refund_request" {
        c["order"] = json!({ "amount": rng.below(600) });
    }
    if matches!(intent, "change_booking" | "flight_cancelled" | "missed_flight") {
        c["booking"] = json!({ "departure_hours": rng.below(400) });
    }
    let count = if signals { 2 } else { 6 };
    let mut messages = Vec::with_capacity(count);
    for i in 0..count {
        let customer = i % 2 == 0;
        let text = if !customer {
            rng.pick(AI)
        } else if hard && i == count - 2 {
            rng.pick(HARD)
        } else {
            rng.pick(CALM)
        };
        let mut m = json!({ "from": if customer { "customer" } else { "ai" }, "text": text });
        if signals && customer {
            m["sentiment"] = json!(((rng.unit() * 2.0 - 1.0) * 100.0).round() / 100.0);
        }
        messages.push(m);
    }
    c["messages"] = Value::Array(messages);
    if expect {
        c["expect"] = json!({ "route": if hard { "human" } else { "ai" } });
    }
    if signals {
        c["signals"] = json!({
            "sentiment": ((rng.unit() * 2.0 - 1.0) * 100.0).round() / 100.0,
            "distress": if hard { 0.5 + rng.unit() * 0.5 } else { rng.unit() * 0.3 },
            "human_requested": hard && rng.unit() < 0.3,
            "repeated": if hard { rng.below(3) } else { 0 },
            "negative_streak": if hard { rng.below(4) } else { rng.below(2) },
        });
    }
    c
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let mode = args.get(1).map(String::as_str).unwrap_or("signals");
    let signals = !mode.starts_with("transcripts");
    let expect = mode.ends_with("-expect");
    let seed: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(42);
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for n in 0..count {
        let c = conversation(&mut rng, n, signals, expect);
        writeln!(out, "{}", serde_json::to_string(&c).unwrap()).unwrap();
    }
    out.flush().unwrap();
}
