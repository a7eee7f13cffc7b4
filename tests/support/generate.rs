//! Generated policy sets and conversations for benchmarks and the differential test, and a
//! hand-written function of the same logic as the generated set (the benchmarks' reference).
//!
//! The set is shaped like the shipped one: four `require human` rules over signals and flags,
//! one `require review`, and `allow ai` rules each over a disjoint list of three intents with
//! confidence and sentiment thresholds. Everything is deterministic: the same arguments give
//! the same text and conversations.
//!
//! Not part of the library: tests, benches and examples include this file with
//! `#[path = "…/tests/support/generate.rs"] mod generate;`, so it uses only the public API.
#![allow(dead_code, reason = "each including crate uses a part")]

use handoff::context::{Conversation, Field, Key};
use handoff::{Priority, Route};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Rules that are not `allow ai` in [`set`].
pub const FIXED_RULES: usize = 5;

/// xorshift64*: small, fast, deterministic.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        usize::try_from(self.next_u64() % n as u64).unwrap_or(0)
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// The thresholds of one generated `allow ai` rule.
#[derive(Clone, Copy, Debug)]
pub struct AllowRule {
    /// `ai.confidence >= confidence`
    pub confidence: f64,
    /// `signals.sentiment > sentiment`
    pub sentiment: f64,
    /// `unless customer.tier == "premier" or customer.vulnerable` (else `unless customer.vulnerable`)
    pub premier_excluded: bool,
    /// `must offer_human`
    pub offer_human: bool,
}

/// A generated set: its policy text and the parameters the hand-written function reads.
#[derive(Clone, Debug)]
pub struct GenSet {
    pub text: String,
    pub allow: Vec<AllowRule>,
    /// Intent → the `allow ai` rule that lists it.
    pub intents: HashMap<String, usize>,
}

/// The name of intent `i` (rule `i / 3` lists it).
pub fn intent(i: usize) -> String {
    format!("intent_{i:05}")
}

/// A set of `rules` rules (at least [`FIXED_RULES`] + 1).
pub fn set(rules: usize, seed: u64) -> GenSet {
    let mut rng = Rng::new(seed);
    let mut text = String::from(
        r#"policy "Generated" { version "1" ai_must disclose_ai }

default human because "No rule lets the assistant handle this conversation on its own."

context {
  customer.tier        : one of ["standard", "plus", "premier"] = "standard"
  customer.vulnerable  : bool = false
  customer.contacts_7d : number = 0
  intent               : string = "unclassified"
  ai.confidence        : number
}

principle "Safety and empathy first" {
  require human "Asked for a person" {
    when signals.human_requested
    queue "general"
    because "The customer asked to speak to a person."
  }
  require human "High emotional load" {
    when signals.distress >= 0.7
    priority high
    queue "care-team"
    say "A colleague is joining now."
    because "Emotional load is high (distress {signals.distress})."
  }
  require human "Known vulnerability" {
    when customer.vulnerable
    queue "care-team"
    because "The customer's record shows vulnerable circumstances."
  }
  require human "Repeated contacts" {
    when customer.contacts_7d >= 3
    queue "resolution-team"
    because "The customer has contacted us {customer.contacts_7d} times in seven days."
  }
  require review "Unsure or frustrated" {
    when ai.confidence < 0.5 or signals.negative_streak >= 3
    tag "review"
    must acknowledge_frustration
    because "The assistant is unsure ({ai.confidence}) or the customer is frustrated."
  }
}

principle "The assistant handles routine work" {
"#,
    );
    let n = rules.saturating_sub(FIXED_RULES).max(1);
    let mut allow = Vec::with_capacity(n);
    let mut intents = HashMap::with_capacity(n * 3);
    for i in 0..n {
        let rule = AllowRule {
            confidence: 0.6 + f64::from(u32::try_from(rng.below(35)).unwrap_or(0)) / 100.0,
            sentiment: -0.2 - f64::from(u32::try_from(rng.below(50)).unwrap_or(0)) / 100.0,
            premier_excluded: rng.chance(0.3),
            offer_human: rng.chance(0.5),
        };
        let names = [intent(3 * i), intent(3 * i + 1), intent(3 * i + 2)];
        for name in &names {
            intents.insert(name.clone(), i);
        }
        let _ = write!(
            text,
            "  allow ai \"Routine {i}\" {{\n    when intent in [\"{}\", \"{}\", \"{}\"]\n     and ai.confidence >= {}\n     and signals.sentiment > {}\n",
            names[0], names[1], names[2], rule.confidence, rule.sentiment
        );
        text.push_str(if rule.premier_excluded {
            "    unless customer.tier == \"premier\" or customer.vulnerable\n"
        } else {
            "    unless customer.vulnerable\n"
        });
        if rule.offer_human {
            text.push_str("    must offer_human\n");
        }
        let _ = writeln!(
            text,
            "    because \"Routine request ({{intent}}) the assistant is confident about.\"\n  }}"
        );
        allow.push(rule);
    }
    text.push_str("}\n");
    GenSet { text, allow, intents }
}

/// `count` conversations for a set with `allow_rules` `allow ai` rules, every signal given.
/// Most are routine and well-formed; a few leave a field out or give it with the wrong type.
pub fn conversations(count: usize, allow_rules: usize, seed: u64) -> Vec<Value> {
    let mut rng = Rng::new(seed);
    (0..count).map(|i| conversation(&mut rng, i, allow_rules)).collect()
}

fn conversation(rng: &mut Rng, i: usize, allow_rules: usize) -> Value {
    let mut customer = Map::new();
    customer.insert("id".into(), json!(format!("C-{}", rng.below(100_000))));
    let tiers = ["standard", "plus", "premier", "gold"];
    if !rng.chance(0.1) {
        let t = if rng.chance(0.97) { rng.below(3) } else { 3 };
        customer.insert("tier".into(), json!(tiers.get(t).copied().unwrap_or("standard")));
    }
    if rng.chance(0.1) {
        customer.insert(
            "vulnerable".into(),
            if rng.chance(0.9) {
                json!(rng.chance(0.3))
            } else {
                json!("yes")
            },
        );
    }
    if rng.chance(0.8) {
        customer.insert("contacts_7d".into(), json!(rng.below(4)));
    }
    let mut data = Map::new();
    data.insert("id".into(), json!(format!("gen-{i}")));
    data.insert("channel".into(), json!("chat"));
    data.insert("customer".into(), Value::Object(customer));
    let r = rng.unit();
    if r < 0.9 {
        data.insert("intent".into(), json!(intent(rng.below(allow_rules * 3))));
    } else if r < 0.95 {
        data.insert("intent".into(), json!("something_else"));
    } else if r < 0.98 {
        data.insert("intent".into(), json!(42));
    }
    if rng.chance(0.95) {
        data.insert("ai".into(), json!({ "confidence": round2(0.3 + 0.7 * rng.unit()) }));
    }
    let mut signals = Map::new();
    signals.insert("sentiment".into(), json!(round2(rng.unit() * 1.6 - 0.8)));
    signals.insert("distress".into(), json!(round2(rng.unit() * rng.unit())));
    signals.insert("human_requested".into(), json!(rng.chance(0.04)));
    signals.insert("negative_streak".into(), json!(rng.below(4)));
    if rng.chance(0.02) {
        signals.insert("sentiment".into(), json!("negative"));
    }
    data.insert("signals".into(), Value::Object(signals));
    data.insert(
        "messages".into(),
        json!([
            { "from": "customer", "text": "hi, I have a question about my account" },
            { "from": "ai", "text": "Of course, what can I help with?" },
        ]),
    );
    Value::Object(data)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// What the hand-written function decides: the route, its priority, and the deciding
/// `allow ai` rule (when the route is `ai`; at most one matches, the intent lists are disjoint).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub route: Route,
    pub priority: Priority,
    pub allow_rule: Option<usize>,
}

/// Three-valued truth: `None` is unknown.
type Tri = Option<bool>;

fn and(a: Tri, b: Tri) -> Tri {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

fn or(a: Tri, b: Tri) -> Tri {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

fn ge(x: Option<f64>, t: f64) -> Tri {
    x.map(|x| x >= t)
}

/// What the generated set reads, each already typed (defaults applied; `None`: unknown). The
/// hand-written function reads a [`Conversation`] through its public index, or a [`Typed`]
/// struct filled in beforehand (the floor: no reading at all).
pub trait Facts {
    fn human_requested(&self) -> Tri;
    fn distress(&self) -> Option<f64>;
    fn vulnerable(&self) -> Tri;
    fn contacts_7d(&self) -> Option<f64>;
    fn confidence(&self) -> Option<f64>;
    fn negative_streak(&self) -> Option<f64>;
    fn intent(&self) -> Option<&str>;
    fn sentiment(&self) -> Option<f64>;
    /// `customer.tier == "premier"`.
    fn premier(&self) -> Tri;
}

/// A path and its key, computed at compile time as a hand-written reader would.
struct Path(Key, &'static str);

const fn path(text: &'static str) -> Path {
    Path(Key::new(text), text)
}

const HUMAN_REQUESTED: Path = path("signals.human_requested");
const DISTRESS: Path = path("signals.distress");
const VULNERABLE: Path = path("customer.vulnerable");
const CONTACTS: Path = path("customer.contacts_7d");
const CONFIDENCE: Path = path("ai.confidence");
const STREAK: Path = path("signals.negative_streak");
const INTENT: Path = path("intent");
const SENTIMENT: Path = path("signals.sentiment");
const TIER: Path = path("customer.tier");

fn read<'a>(c: &'a Conversation, p: &Path) -> Option<Field<'a>> {
    c.data.field_at(&p.0, p.1)
}

fn num(c: &Conversation, p: &Path, default: Option<f64>) -> Option<f64> {
    match read(c, p) {
        None | Some(Field::Null) => default,
        Some(Field::Num(n)) => Some(n),
        Some(_) => None,
    }
}

fn boolean(c: &Conversation, p: &Path, default: Tri) -> Tri {
    match read(c, p) {
        None | Some(Field::Null) => default,
        Some(Field::Bool(b)) => Some(b),
        Some(_) => None,
    }
}

impl Facts for Conversation {
    fn human_requested(&self) -> Tri {
        boolean(self, &HUMAN_REQUESTED, None)
    }

    fn distress(&self) -> Option<f64> {
        num(self, &DISTRESS, None)
    }

    fn vulnerable(&self) -> Tri {
        boolean(self, &VULNERABLE, Some(false))
    }

    fn contacts_7d(&self) -> Option<f64> {
        num(self, &CONTACTS, Some(0.0))
    }

    fn confidence(&self) -> Option<f64> {
        num(self, &CONFIDENCE, None)
    }

    fn negative_streak(&self) -> Option<f64> {
        num(self, &STREAK, None)
    }

    fn intent(&self) -> Option<&str> {
        match read(self, &INTENT) {
            None | Some(Field::Null) => Some("unclassified"),
            Some(Field::Str(s)) => Some(s),
            Some(_) => None,
        }
    }

    fn sentiment(&self) -> Option<f64> {
        num(self, &SENTIMENT, None)
    }

    fn premier(&self) -> Tri {
        match read(self, &TIER) {
            None | Some(Field::Null) => Some(false),
            Some(Field::Str(s)) if ["standard", "plus", "premier"].contains(&s) => Some(s == "premier"),
            Some(_) => None,
        }
    }
}

/// The facts of one conversation as a plain struct, read before the decision.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Typed {
    pub human_requested: Tri,
    pub distress: Option<f64>,
    pub vulnerable: Tri,
    pub contacts_7d: Option<f64>,
    pub confidence: Option<f64>,
    pub negative_streak: Option<f64>,
    pub intent: Option<String>,
    pub sentiment: Option<f64>,
    pub premier: Tri,
}

impl Typed {
    pub fn new(c: &impl Facts) -> Typed {
        Typed {
            human_requested: c.human_requested(),
            distress: c.distress(),
            vulnerable: c.vulnerable(),
            contacts_7d: c.contacts_7d(),
            confidence: c.confidence(),
            negative_streak: c.negative_streak(),
            intent: c.intent().map(str::to_string),
            sentiment: c.sentiment(),
            premier: c.premier(),
        }
    }
}

impl Facts for Typed {
    fn human_requested(&self) -> Tri {
        self.human_requested
    }

    fn distress(&self) -> Option<f64> {
        self.distress
    }

    fn vulnerable(&self) -> Tri {
        self.vulnerable
    }

    fn contacts_7d(&self) -> Option<f64> {
        self.contacts_7d
    }

    fn confidence(&self) -> Option<f64> {
        self.confidence
    }

    fn negative_streak(&self) -> Option<f64> {
        self.negative_streak
    }

    fn intent(&self) -> Option<&str> {
        self.intent.as_deref()
    }

    fn sentiment(&self) -> Option<f64> {
        self.sentiment
    }

    fn premier(&self) -> Tri {
        self.premier
    }
}

impl GenSet {
    /// The generated set's logic written out by hand, reading each fact when it needs it.
    pub fn decide(&self, c: &impl Facts) -> Decision {
        let vulnerable = c.vulnerable();
        // `require human`: unknown conditions match
        let mut human = None;
        if c.human_requested() != Some(false) {
            human = Some(Priority::Normal);
        }
        if ge(c.distress(), 0.7) != Some(false) {
            human = Some(Priority::High);
        }
        if vulnerable != Some(false) || ge(c.contacts_7d(), 3.0) != Some(false) {
            human = human.max(Some(Priority::Normal));
        }
        if let Some(priority) = human {
            return Decision {
                route: Route::Human,
                priority,
                allow_rule: None,
            };
        }
        let confidence = c.confidence();
        // below the `human` default, the review rule decides only when an `allow ai` matches
        let review = or(confidence.map(|x| x < 0.5), ge(c.negative_streak(), 3.0)) != Some(false);
        let rule = c.intent().and_then(|i| self.intents.get(i)).copied();
        if let Some((i, r)) = rule.and_then(|i| Some((i, self.allow.get(i)?))) {
            let when = and(ge(confidence, r.confidence), c.sentiment().map(|s| s > r.sentiment));
            let unless = if r.premier_excluded {
                or(c.premier(), vulnerable)
            } else {
                vulnerable
            };
            if when == Some(true) && unless == Some(false) {
                return Decision {
                    route: if review { Route::Review } else { Route::Ai },
                    priority: Priority::Normal,
                    allow_rule: (!review).then_some(i),
                };
            }
        }
        Decision {
            route: Route::Human,
            priority: Priority::Normal,
            allow_rule: None,
        }
    }
}

/// Gives every signal and every customer message's sentiment in the conversation itself,
/// computed once here as an upstream model would give them (values the input already gives
/// are kept). Verdicts do not change; evaluating then reads them instead of computing.
pub fn give_signals(c: &mut Conversation) {
    use handoff::context::Given;
    use handoff::signals::{self, Wanted};
    let computed = signals::compute(&c.messages, Wanted::ALL);
    c.data.update(|data| {
        let given = data.entry("signals").or_insert_with(|| json!({}));
        if let Some(given) = given.as_object_mut() {
            let mut add = |k: &str, v: Value| {
                given.entry(k).or_insert(v);
            };
            // an unknown value is given as a label (a wrong type, so unknown): `null` would
            // read as missing, and the engine would compute it again
            add("sentiment", computed.sentiment.map_or(json!("unknown"), |s| json!(s)));
            add(
                "sentiment_min",
                computed.sentiment_min.map_or(json!("unknown"), |s| json!(s)),
            );
            add("negative_streak", json!(computed.negative_streak));
            add("distress", json!(computed.distress));
            add("human_requested", json!(computed.human_requested));
            add("crisis", json!(computed.crisis));
            add("repeated", json!(computed.repeated));
            add("ai_turns", json!(computed.ai_turns));
        }
    });
    for m in &mut c.messages {
        if m.sentiment == Given::Absent {
            if let Some(s) = signals::message_sentiment(m) {
                m.sentiment = Given::Value(s);
            }
        }
    }
}
