//! Conversation signals computed from the messages (LANGUAGE.md §5).
//!
//! Interface used by the evaluator; the implementation is being written.

use crate::context::{Given, Message, Sender};

/// Which signals a policy set reads; only those are computed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Wanted {
    pub sentiment: bool,
    pub sentiment_min: bool,
    pub negative_streak: bool,
    pub distress: bool,
    pub human_requested: bool,
    pub repeated: bool,
    pub ai_turns: bool,
}

impl Wanted {
    pub const ALL: Wanted = Wanted {
        sentiment: true,
        sentiment_min: true,
        negative_streak: true,
        distress: true,
        human_requested: true,
        repeated: true,
        ai_turns: true,
    };
}

/// Computed signals. Values not wanted are left at their "no customer message" value.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Signals {
    /// Sentiment of the latest customer message; `None` with no customer message.
    pub sentiment: Option<f64>,
    /// Lowest customer-message sentiment; `None` with no customer message.
    pub sentiment_min: Option<f64>,
    pub negative_streak: f64,
    pub distress: f64,
    pub human_requested: bool,
    pub repeated: f64,
    pub ai_turns: f64,
}

/// Computes the wanted signals over the messages (given per-message sentiments are used).
pub fn compute(messages: &[Message], wanted: Wanted) -> Signals {
    let _ = wanted;
    let customer: Vec<&Message> = messages.iter().filter(|m| m.from == Sender::Customer).collect();
    let scores: Vec<f64> = customer.iter().filter_map(|m| message_sentiment(m)).collect();
    Signals {
        sentiment: customer.last().and_then(|m| message_sentiment(m)),
        sentiment_min: scores.iter().copied().reduce(f64::min),
        negative_streak: 0.0,
        distress: 0.0,
        human_requested: false,
        repeated: 0.0,
        ai_turns: messages.iter().filter(|m| m.from == Sender::Ai).count() as f64,
    }
}

/// A message's sentiment: the one given by the input, else computed from its text. `None`
/// (unknown) when the given value has the wrong type or the text is not a string.
pub fn message_sentiment(message: &Message) -> Option<f64> {
    match message.sentiment {
        Given::Value(v) => Some(v),
        Given::WrongType => None,
        Given::Absent => message.text.as_deref().map(text_sentiment),
    }
}

/// VADER compound score of a text, −1…1.
pub fn text_sentiment(text: &str) -> f64 {
    let _ = text;
    0.0
}
