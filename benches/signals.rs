//! Signals over a 10-message conversation (target ≤ 15 µs median), the same conversation with
//! every text 4× and 16× as long (cost should grow linearly), and VADER alone.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use handoff::context::{Message, Sender};
use handoff::signals::{Wanted, compute, text_sentiment};

fn conversation() -> Vec<Message> {
    let turns = [
        (
            Sender::Customer,
            "Hi, I was charged twice for my order and I can't afford this right now.",
        ),
        (
            Sender::Ai,
            "I'm sorry to hear that. Let me check the charges on your account.",
        ),
        (
            Sender::Customer,
            "It's the second time this month. My rent is due on Friday!",
        ),
        (
            Sender::Ai,
            "I can see two payments of $89.99. One of them is pending.",
        ),
        (
            Sender::Customer,
            "Pending means what? I need that money back TODAY.",
        ),
        (
            Sender::Ai,
            "Pending charges usually drop off within 3 to 5 business days.",
        ),
        (
            Sender::Customer,
            "That is not good enough, I am really worried about this.",
        ),
        (
            Sender::Ai,
            "I understand. Would you like me to open a dispute for you?",
        ),
        (
            Sender::Customer,
            "No. Let me talk to a human please, this is urgent!!",
        ),
        (
            Sender::Ai,
            "Of course, I'm connecting you with an agent now.",
        ),
    ];
    turns
        .iter()
        .map(|(from, text)| Message::new(*from, *text))
        .collect()
}

fn bench(c: &mut Criterion) {
    let conv = conversation();
    // build the static tables outside the measurement
    let _ = compute(&conv, Wanted::ALL);
    c.bench_function("signals/10-message conversation", |b| {
        b.iter(|| compute(black_box(&conv), black_box(Wanted::ALL)))
    });
    for k in [4, 16] {
        let long: Vec<Message> = conv
            .iter()
            .map(|m| Message::new(m.from, vec![m.text(); k].join(" ")))
            .collect();
        let _ = compute(&long, Wanted::ALL);
        c.bench_function(&format!("signals/10-message conversation, text {k}x"), |b| {
            b.iter(|| compute(black_box(&long), black_box(Wanted::ALL)))
        });
    }
    let text = "That is not good enough, I am really worried about this.";
    c.bench_function("signals/vader one message (ours)", |b| {
        b.iter(|| text_sentiment(black_box(text)))
    });
    let analyzer = vader_sentiment::SentimentIntensityAnalyzer::new();
    c.bench_function("signals/vader one message (vader_sentiment crate)", |b| {
        b.iter(|| analyzer.polarity_scores(black_box(text)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
