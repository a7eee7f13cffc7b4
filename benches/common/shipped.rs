//! The shipped policy set (`policies/`) written out by hand: the benchmarks' reference for case 1.
//! Reads the same conversation model; lexicons are one Aho-Corasick automaton over text
//! normalised as LANGUAGE.md §6 says, scanned once per customer message.

use aho_corasick::AhoCorasick;
use handoff::context::{Field, Given, path_hash};
use handoff::{Conversation, Priority, Route, Sender};

const BEREAVEMENT: usize = 0;
const HARDSHIP: usize = 1;
const HEALTH: usize = 2;
const SELF_HARM: usize = 3;
const UNSAFE_HOME: usize = 4;
const TRAVEL: usize = 5;
const LEGAL: usize = 6;
const COMPROMISE: usize = 7;

pub struct Shipped {
    automaton: AhoCorasick,
    /// Pattern → lexicon bit.
    lexicon_of: Vec<u8>,
    card: regex::Regex,
}

/// Lexicon texts, read from the policy files so that they stay the same.
fn lexicon(text: &str, name: &str) -> Vec<String> {
    let (_, body) = text.split_once(&format!("lexicon {name} {{")).unwrap();
    let (body, _) = body.split_once('}').unwrap();
    body.split('"').skip(1).step_by(2).map(str::to_string).collect()
}

impl Shipped {
    pub fn new(policies: &std::path::Path) -> Shipped {
        let mut text = String::new();
        for entry in std::fs::read_dir(policies).unwrap() {
            text.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
        let names = [
            "bereavement",
            "hardship",
            "health_fear",
            "self_harm",
            "unsafe_home",
            "travel_disruption",
            "legal_threat",
            "account_compromise",
        ];
        let mut patterns = Vec::new();
        let mut lexicon_of = Vec::new();
        for (i, name) in names.iter().enumerate() {
            for phrase in lexicon(&text, name) {
                let mut norm = String::new();
                normalize(&phrase, &mut norm);
                patterns.push(norm);
                lexicon_of.push(i as u8);
            }
        }
        Shipped {
            automaton: AhoCorasick::new(&patterns).unwrap(),
            lexicon_of,
            card: regex::Regex::new(r"\b(?:\d[ -]?){12,18}\d\b").unwrap(),
        }
    }

    /// Route and priority of the shipped set, by hand. `scratch` holds normalised text.
    #[expect(clippy::too_many_lines, reason = "the shipped rules, one after another, as a person would write them by hand")]
    pub fn decide(&self, c: &Conversation, scratch: &mut String) -> (Route, Priority) {
        // the conversation's typed index; each path's hash folds to a constant
        let get = |path: &str| c.data.field(path_hash(path), path);
        let num = |v: Option<Field>, d: Option<f64>| match v {
            None | Some(Field::Null) => d,
            Some(Field::Num(n)) => Some(n),
            Some(_) => None,
        };
        let boolean = |v: Option<Field>, d: Option<bool>| match v {
            None | Some(Field::Null) => d,
            Some(Field::Bool(b)) => Some(b),
            Some(_) => None,
        };
        let not_false = |t: Option<bool>| t != Some(false);

        // lexicon hits and card numbers over customer messages, one pass
        let mut lex = 0u32;
        let mut card = false;
        let mut negative = 0;
        let mut negative_unknown = false;
        for m in c.messages.iter().filter(|m| m.from == Sender::Customer) {
            if let Some(t) = &m.text {
                normalize(t, scratch);
                for hit in self.automaton.find_overlapping_iter(scratch.as_str()) {
                    lex |= 1 << self.lexicon_of[hit.pattern().as_usize()];
                }
                card = card || self.card.is_match(t);
            } else {
                // a customer message without text: every `mentions` and `matches` is unknown
                lex = u32::MAX;
                card = true;
            }
            match sentiment(m) {
                Some(s) => negative += usize::from(s <= -0.4),
                None => negative_unknown = true,
            }
        }
        let mentions = |l: usize| lex & (1 << l) != 0;
        let intent = match get("intent") {
            None | Some(Field::Null) => Some("unclassified"),
            Some(Field::Str(s)) => Some(s),
            Some(_) => None,
        };
        let intent_in = |list: &[&str]| intent.map(|i| list.contains(&i));
        let vulnerable = boolean(get("customer.vulnerable"), Some(false));

        let mut human: Option<Priority> = None;
        let mut need = |p: Priority| human = human.max(Some(p));
        if not_false(vulnerable) {
            need(Priority::Normal);
        }
        if mentions(BEREAVEMENT) || mentions(HARDSHIP) || mentions(LEGAL) {
            need(Priority::Normal);
        }
        if mentions(HEALTH) || mentions(COMPROMISE) {
            need(Priority::High);
        }
        if mentions(SELF_HARM) || mentions(UNSAFE_HOME) {
            need(Priority::Urgent);
        }
        if not_false(boolean(get("signals.human_requested"), None)) {
            need(Priority::Normal);
        }
        if not_false(num(get("signals.distress"), None).map(|d| d >= 0.7)) {
            need(Priority::High);
        }
        if not_false(num(get("signals.repeated"), None).map(|d| d >= 2.0)) {
            need(Priority::Normal);
        }
        if not_false(num(get("customer.contacts_7d"), Some(0.0)).map(|d| d >= 3.0)) {
            need(Priority::Normal);
        }
        let departure = num(get("booking.departure_hours"), None);
        let disrupted = or(
            intent_in(&["flight_cancelled", "missed_flight", "flight_delayed", "denied_boarding"]),
            Some(mentions(TRAVEL)),
        );
        if not_false(and(disrupted, departure.map(|d| d <= 24.0))) {
            need(Priority::High);
        }
        if let Some(p) = human {
            return (Route::Human, p);
        }

        let confidence = num(get("ai.confidence"), None);
        let amount = num(get("order.amount"), None);
        let count = if negative_unknown { None } else { Some(negative >= 2) };
        let frustrated = or(count, num(get("signals.negative_streak"), None).map(|s| s >= 3.0));
        let review = not_false(frustrated)
            || card
            || not_false(confidence.map(|x| x < 0.5))
            || not_false(and(intent_in(&["refund_request"]), amount.map(|a| a > 250.0)));
        if review {
            return (Route::Review, Priority::Normal);
        }

        let sentiment = num(get("signals.sentiment"), None);
        let tier = match get("customer.tier") {
            None | Some(Field::Null) => Some("standard"),
            Some(Field::Str(s)) if ["standard", "plus", "premier"].contains(&s) => Some(s),
            Some(_) => None,
        };
        let premier = tier.map(|t| t == "premier");
        let allow = |when: [Option<bool>; 4], unless: Option<bool>| {
            when.iter().all(|w| *w == Some(true)) && unless == Some(false)
        };
        let conf = |t: f64| confidence.map(|x| x >= t);
        let calm = |t: f64| sentiment.map(|x| x > t);
        let yes = Some(true);
        let ai = allow(
            [
                intent_in(&["order_status", "delivery_tracking"]),
                conf(0.8),
                calm(-0.4),
                yes,
            ],
            vulnerable,
        ) || allow(
            [
                intent_in(&[
                    "password_reset",
                    "address_change",
                    "email_change",
                    "update_contact_details",
                ]),
                conf(0.85),
                calm(-0.3),
                yes,
            ],
            vulnerable,
        ) || allow(
            [
                intent_in(&["billing_error", "duplicate_charge", "invoice_copy"]),
                conf(0.85),
                calm(-0.3),
                yes,
            ],
            or(premier, vulnerable),
        ) || allow(
            [
                intent_in(&["refund_request"]),
                amount.map(|a| a <= 250.0),
                conf(0.9),
                calm(-0.3),
            ],
            or(premier, vulnerable),
        ) || allow(
            [
                intent_in(&["opening_hours", "store_locator", "product_question", "delivery_options"]),
                conf(0.75),
                no_customer_message_below(c, -0.5),
                yes,
            ],
            vulnerable,
        ) || allow(
            [
                intent_in(&[
                    "change_booking",
                    "seat_selection",
                    "baggage_allowance",
                    "flight_cancelled",
                ]),
                departure.map(|d| d > 72.0),
                conf(0.85),
                calm(-0.3),
            ],
            vulnerable,
        );
        if ai {
            (Route::Ai, Priority::Normal)
        } else {
            (Route::Human, Priority::Normal)
        }
    }
}

fn sentiment(m: &handoff::Message) -> Option<f64> {
    match m.sentiment {
        Given::Value(s) => Some(s),
        Given::WrongType => None,
        Given::Absent => handoff::signals::message_sentiment(m),
    }
}

fn no_customer_message_below(c: &Conversation, t: f64) -> Option<bool> {
    let mut any = Some(false);
    for m in c.messages.iter().filter(|m| m.from == Sender::Customer) {
        any = or(any, sentiment(m).map(|s| s <= t));
    }
    any.map(|a| !a)
}

fn and(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

fn or(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

/// ` word word ` as LANGUAGE.md §6 cuts text.
pub fn normalize(text: &str, out: &mut String) {
    out.clear();
    out.push(' ');
    let mut chars = text.chars().map(|c| if c == '\u{2019}' { '\'' } else { c }).peekable();
    let mut prev_letter = false;
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
            prev_letter = c.is_alphabetic();
        } else if c == '\'' && prev_letter && chars.peek().is_some_and(|n| n.is_alphabetic()) {
            out.push('\'');
            prev_letter = false;
        } else {
            if !out.ends_with(' ') {
                out.push(' ');
            }
            prev_letter = false;
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
}
