//! Distress, 0…1: the emotional load of the customer's messages (formula in docs/SIGNALS.md).
//!
//! Per customer message, three independent pieces of evidence are combined as a noisy-OR,
//! `1 − Π(1 − wᵢ·eᵢ)`, so that any one strong piece can raise the score and each further piece
//! adds less as the score nears 1:
//! - negative intensity `max(0, −sentiment)`, weight 0.55 (negative sentiment alone, even −1,
//!   stays below 0.5: complaints are not distress);
//! - distress vocabulary (grief, fear, desperation, sadness, financial hardship, illness):
//!   `1 − exp(−1.3·Σ weights)` of the phrases that are not negated, weight 0.8;
//! - shouting: share of letters in all-caps words and runs of `!`/`?`, weight 0.35.
//!
//! Over the conversation, the highest message score counts, older messages fading by 0.85 per
//! later customer message; then repetition (up to +0.3) and a falling sentiment trend (up to
//! +0.25) are added the same way.

use super::lexicon::{Hits, role::*};
use super::text::Normalized;

pub const W_NEGATIVE: f64 = 0.62;
pub const W_VOCABULARY: f64 = 0.85;
pub const W_SHOUTING: f64 = 0.35;
pub const VOCABULARY_RATE: f64 = 1.5;
pub const FADE: f64 = 0.85;
pub const W_REPETITION: f64 = 0.3;
pub const W_TREND: f64 = 0.25;

/// Distress of one message from its sentiment (if known), its text and its lexicon hits.
pub fn message_distress(sentiment: Option<f64>, norm: &Normalized, hits: &Hits) -> f64 {
    let negative = sentiment.map_or(0.0, |s| (-s).clamp(0.0, 1.0));
    let vocabulary = 1.0 - (-VOCABULARY_RATE * vocabulary_weight(norm, hits)).exp();
    let shouting = shouting(norm);
    noisy_or(&[
        W_NEGATIVE * negative,
        W_VOCABULARY * vocabulary,
        W_SHOUTING * shouting,
    ])
}

/// Sum of the weights of distress phrases that no negator in the two words before cancels
/// (`not worried`, `no worries`, `don't panic`).
fn vocabulary_weight(norm: &Normalized, hits: &Hits) -> f64 {
    let mut total = 0.0;
    let clause_at = |k: usize| norm.words.get(k).is_some_and(|w| w.clause_start);
    let negator_at = |k: usize| hits.roles.get(k).is_some_and(|r| r & DISTRESS_NEGATOR != 0);
    for &(i, _, w) in &hits.distress {
        let mut negated = false;
        for d in 1..=2usize {
            if i < d || clause_at(i + 1 - d) {
                break;
            }
            if negator_at(i - d) {
                negated = true;
                break;
            }
        }
        if !negated {
            total += w;
        }
    }
    total
}

/// 0…1: all-caps writing (from 30 % of letters up to 80 %) or runs of `!`/`?`.
fn shouting(norm: &Normalized) -> f64 {
    let caps = ((norm.caps_ratio() - 0.3) / 0.5).clamp(0.0, 1.0);
    let bangs = match norm.longest_bang_run {
        0 | 1 => 0.0,
        2 => 0.5,
        _ => 1.0,
    };
    caps.max(bangs)
}

pub fn noisy_or(parts: &[f64]) -> f64 {
    let keep: f64 = parts.iter().map(|p| 1.0 - p.clamp(0.0, 1.0)).product();
    (1.0 - keep).clamp(0.0, 1.0)
}

/// Conversation distress from the per-message scores (oldest first), the number of repeated
/// messages and the customer sentiments (oldest first).
pub fn conversation_distress(messages: &[f64], repeated: f64, sentiments: &[f64]) -> f64 {
    let mut peak: f64 = 0.0;
    let mut fade = 1.0;
    for d in messages.iter().rev() {
        peak = peak.max(d * fade);
        fade *= FADE;
        if fade < 1e-3 {
            break;
        }
    }
    let repetition = (repeated / 3.0).min(1.0);
    let trend = match (sentiments.first(), sentiments.last()) {
        (Some(first), Some(last)) if sentiments.len() >= 2 && *last <= -0.05 => {
            (first - last).clamp(0.0, 1.0)
        }
        _ => 0.0,
    };
    noisy_or(&[peak, W_REPETITION * repetition, W_TREND * trend])
}
