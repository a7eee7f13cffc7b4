//! Conversation signals computed from the messages (LANGUAGE.md §5).
//!
//! Interface used by the evaluator. Each customer message is read once: its VADER sentiment
//! ([`vader`]), its normalised words ([`text`]) and one pass of the lexicon automaton
//! ([`lexicon`]) feed the person-request grammar ([`human`]), the distress score ([`distress`])
//! and the repeat counter ([`repeat`]). See docs/SIGNALS.md for the formulas and measurements.

mod constructs;
mod distress;
mod human;
mod lexicon;
mod repeat;
mod rules;
pub mod text;
mod vader;

use crate::context::{Given, Message, Sender};

pub use distress::{Evidence, noisy_or};

/// Which signals a policy set reads; only those are computed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Wanted {
    pub sentiment: bool,
    pub sentiment_min: bool,
    pub negative_streak: bool,
    pub distress: bool,
    pub human_requested: bool,
    pub crisis: bool,
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
        crisis: true,
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
    /// A customer message shows a risk to life or safety.
    pub crisis: bool,
    pub repeated: f64,
    pub ai_turns: f64,
}

/// Computes the wanted signals over the messages (given per-message sentiments are used).
pub fn compute(messages: &[Message], wanted: Wanted) -> Signals {
    let mut out = Signals {
        ai_turns: if wanted.ai_turns {
            messages.iter().filter(|m| m.from == Sender::Ai).count() as f64
        } else {
            0.0
        },
        ..Signals::default()
    };
    let customer = || messages.iter().filter(|m| m.from == Sender::Customer);
    let all_sentiments = wanted.sentiment_min || wanted.negative_streak || wanted.distress;
    let read_text = wanted.distress || wanted.human_requested || wanted.crisis || wanted.repeated;

    if wanted.sentiment && !all_sentiments {
        out.sentiment = customer().next_back().and_then(message_sentiment);
    }
    if !all_sentiments && !read_text {
        return out;
    }

    let lexicon = &*lexicon::LEXICON;
    let mut sentiments: Vec<Option<f64>> = Vec::new();
    let mut distress_scores: Vec<f64> = Vec::new();
    let mut repeats = repeat::RepeatCounter::default();
    let mut request: Option<bool> = None;
    let mut crisis = false;
    // buffers reused from message to message
    let mut norm = text::Normalized::default();
    let mut hits = lexicon::Hits::default();
    for m in customer() {
        if !read_text {
            sentiments.push(message_sentiment(m));
            continue;
        }
        text::normalize_into(m.text(), &mut norm);
        if wanted.repeated || wanted.distress {
            repeats.push(&norm);
        }
        if !(wanted.human_requested || wanted.distress || wanted.crisis) {
            if all_sentiments {
                sentiments.push(message_sentiment(m));
            }
            continue;
        }
        lexicon.scan_into(&norm, &mut hits);
        if wanted.human_requested
            && let Some(v) = human::request_in(&norm, &hits)
        {
            request = Some(v);
        }
        if wanted.distress || wanted.crisis {
            let reading = distress::read(&norm, &hits);
            crisis |= reading.crisis;
            if wanted.distress {
                let scores = message_scores(m, &reading.mask);
                sentiments.push(scores.map(|s| s.compound));
                distress_scores.push(distress::score(&distress::evidence(scores, &reading)));
            } else if all_sentiments {
                sentiments.push(message_sentiment(m));
            }
        } else if all_sentiments {
            sentiments.push(message_sentiment(m));
        }
    }

    let known: Vec<f64> = sentiments.iter().flatten().copied().collect();
    if all_sentiments {
        out.sentiment = sentiments.last().copied().flatten();
        out.sentiment_min = known.iter().copied().reduce(f64::min);
        out.negative_streak = sentiments
            .iter()
            .rev()
            .take_while(|s| s.is_some_and(|v| v <= -0.05))
            .count() as f64;
    }
    if !wanted.sentiment {
        out.sentiment = None;
    }
    if !wanted.sentiment_min {
        out.sentiment_min = None;
    }
    if !wanted.negative_streak {
        out.negative_streak = 0.0;
    }
    out.repeated = if wanted.repeated { repeats.count as f64 } else { 0.0 };
    out.human_requested = wanted.human_requested && request == Some(true);
    out.crisis = wanted.crisis && crisis;
    if wanted.distress {
        out.distress = distress::conversation_distress(&distress_scores, repeats.count as f64, &known);
    }
    out
}

/// A message's sentiment: the one given by the input, else computed from its text. `None`
/// (unknown) when the given value has the wrong type (or is NaN) or the text is not a string.
pub fn message_sentiment(message: &Message) -> Option<f64> {
    match message.sentiment {
        Given::Value(v) if !v.is_nan() => Some(v),
        Given::Value(_) | Given::WrongType => None,
        Given::Absent => message.text.as_deref().map(text_sentiment),
    }
}

/// A message's VADER scores: given (its `sentiment`, words unknown) or computed with `mask`.
fn message_scores(message: &Message, mask: &[&str]) -> Option<vader::Scores> {
    match message.sentiment {
        Given::Value(v) if !v.is_nan() => Some(vader::Scores::given(v)),
        Given::Value(_) | Given::WrongType => None,
        Given::Absent => message.text.as_deref().map(|t| vader::scores_masked(t, mask)),
    }
}

/// VADER compound score of a text, −1…1.
pub fn text_sentiment(text: &str) -> f64 {
    vader::compound(text)
}

/// The distress of one text on its own (its computed sentiment, words and shouting).
pub fn text_distress(text: &str) -> f64 {
    distress::score(&text_distress_evidence(text))
}

/// The distress evidence of one text (for calibration: `examples/calibrate.rs`).
#[doc(hidden)]
pub fn text_distress_evidence(text: &str) -> distress::Evidence {
    let norm = text::normalize(text);
    let hits = lexicon::LEXICON.scan(&norm);
    let reading = distress::read(&norm, &hits);
    distress::evidence(Some(vader::scores_masked(text, &reading.mask)), &reading)
}

/// Whether one text shows a risk to life or safety (`signals.crisis` of a one-message chat).
pub fn text_crisis(text: &str) -> bool {
    let norm = text::normalize(text);
    let hits = lexicon::LEXICON.scan(&norm);
    distress::read(&norm, &hits).crisis
}

/// Whether one text asks for a person (`Some(true)`), refuses one (`Some(false)`) or neither.
pub fn text_requests_human(text: &str) -> Option<bool> {
    let norm = text::normalize(text);
    let hits = lexicon::LEXICON.scan(&norm);
    human::request_in(&norm, &hits)
}

/// Problems found in the shipped rule files (`words.txt`, `constructs.txt`); empty when they
/// are well formed (a test keeps it so).
#[doc(hidden)]
pub fn rule_problems() -> Vec<String> {
    lexicon::LEXICON.rules.problems.clone()
}
