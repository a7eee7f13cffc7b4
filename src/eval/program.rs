//! The compiled form of a policy set: plain data, built once by [`super::compile`].
//!
//! Conditions live in one arena of [`Node`]s that refer to each other by index; every path a
//! rule reads is resolved to a [`Slot`] at compile time; every lexicon of the set is one
//! automaton; regexes are built once.

use super::decide::Plan;
use super::lexicon::{LexId, Lexicons};
use super::value::V;
use crate::ast::{CmpOp, Effect, FieldDefault, Literal, Priority, Quantifier, Route, Type, Who};
use crate::signals::Wanted;

/// How many slots' entries a decision fetches at its start.
pub(crate) const TOUCHED: usize = 16;

/// An index into one of the program's tables, as its own type, so that a node's index cannot
/// be passed where a slot's or a rule's is meant.
macro_rules! id {
    ($(#[$doc:meta])* $name:ident($int:ty)) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub(crate) struct $name($int);

        #[allow(dead_code, reason = "not every id type uses every item")]
        impl $name {
            /// The largest index (a table never gets this long: the compiler saturates to it).
            pub const MAX: $name = $name(<$int>::MAX);

            /// The id of the `i`-th entry ([`Self::MAX`] past the largest).
            #[inline]
            pub fn new(i: usize) -> $name {
                $name(<$int>::try_from(i).unwrap_or(<$int>::MAX))
            }

            /// Every id, in order (zip it with the table).
            pub fn all() -> impl Iterator<Item = $name> {
                (0..=<$int>::MAX).map($name)
            }

            /// The position in the table.
            #[inline(always)]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id! {
    /// Index of a node in [`Program::nodes`].
    NodeId(u32)
}
id! {
    /// Index of a slot in [`Program::slots`] (16 bits: typed conjuncts stay small).
    SlotId(u16)
}
id! {
    /// Index of a rule in [`Program::rules`] (path order).
    RuleId(u32)
}

/// The compiled policy set.
#[derive(Debug)]
pub struct Program {
    pub(crate) digest: String,
    pub(crate) version: Option<String>,
    pub(crate) nodes: Vec<Node>,
    pub(crate) slots: Vec<Slot>,
    /// The path hashes of the first slots (at most [`TOUCHED`]), whose entries a decision
    /// fetches together at its start ([`crate::context::Data::touch`]).
    pub(crate) touched: Vec<u64>,
    /// In path order: files sorted by path, then position in the file.
    pub(crate) rules: Vec<Rule>,
    /// How deciding finds the matching rules: typed conjuncts, single-test rules, the index.
    pub(crate) plan: Plan,
    /// The plain plan [`Program::evaluate_unindexed`] decides with, built when first asked for.
    pub(crate) reference: std::sync::OnceLock<Plan>,
    pub(crate) regexes: Vec<regex::Regex>,
    pub(crate) lexicons: Lexicons,
    pub(crate) default: DefaultRule,
    /// Every header's `ai_must`, sorted, without duplicates.
    pub(crate) ai_must: Vec<String>,
    /// The signals some rule reads (in conditions or templates).
    pub(crate) wanted: Wanted,
    /// Whether some rule's condition reads messages (a quantifier or `count`): then the
    /// verdict's `unknown` lists `messages` when they are doubtful.
    pub(crate) reads_messages: bool,
    /// The source text of each branch of an `and` / `or`, by node (for `--explain` only).
    pub(crate) texts: Vec<(NodeId, String)>,
}

/// One node of a condition.
#[derive(Clone, Debug)]
pub(crate) enum Node {
    /// Anything the compiler could not make sense of (the checker reports it first).
    Unknown,
    Bool(bool),
    Num(f64),
    Str(String),
    /// The value of a context path, built-in or signal.
    Slot(SlotId),
    /// A field of the current message inside `where`.
    Msg(MsgField),
    Not(NodeId),
    And(NodeId, NodeId),
    Or(NodeId, NodeId),
    Cmp {
        op: CmpOp,
        lhs: NodeId,
        rhs: NodeId,
    },
    /// `path OP literal`, the most common test, in one node.
    CmpConst {
        op: CmpOp,
        slot: SlotId,
        lit: Lit,
    },
    /// `path in [literals]`, in one node.
    InConst {
        slot: SlotId,
        items: Vec<Lit>,
        negated: bool,
    },
    In {
        value: NodeId,
        items: Vec<NodeId>,
        negated: bool,
    },
    Contains {
        lhs: NodeId,
        rhs: NodeId,
    },
    /// `None`: the regex did not compile, so the test is unknown.
    Matches {
        lhs: NodeId,
        regex: Option<u32>,
    },
    Mentions {
        lhs: NodeId,
        lexicon: Option<LexId>,
    },
    Presence {
        slot: SlotId,
        missing: bool,
    },
    /// `text is missing` / `from is missing` (… `is present`) inside `where`.
    MsgPresence {
        field: MsgField,
        missing: bool,
    },
    Quant {
        quantifier: Quantifier,
        who: Option<Who>,
        test: Test,
    },
    Count {
        who: Option<Who>,
        filter: Option<NodeId>,
    },
}

/// A literal operand.
#[derive(Clone, Debug)]
pub(crate) enum Lit {
    Bool(bool),
    Num(f64),
    Str(String),
}

impl Lit {
    pub fn from_literal(l: &Literal) -> Lit {
        match l {
            Literal::Bool(b) => Lit::Bool(*b),
            Literal::Number(n) => Lit::Num(*n),
            Literal::String(s) => Lit::Str(s.clone()),
        }
    }

    pub fn v(&self) -> V<'_> {
        match self {
            Lit::Bool(b) => V::Bool(*b),
            Lit::Num(n) => V::Num(*n),
            Lit::Str(s) => V::Str(s),
        }
    }
}

/// What a quantifier asks of each message.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Test {
    Mentions(Option<LexId>),
    Matches(Option<u32>),
    Where(NodeId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MsgField {
    Text,
    Sentiment,
    From,
}

/// A readable path: where to find it in the conversation, its type and default.
#[derive(Clone, Debug)]
pub(crate) struct Slot {
    pub path: String,
    /// How the conversation's index finds `path` ([`crate::context::Key`]).
    pub key: crate::context::Key,
    /// `path` cut at dots, to walk the conversation without splitting at run time.
    pub segments: Vec<String>,
    /// `None` when the schema does not know the path (then it is always unknown).
    pub ty: Option<Type>,
    pub signal: Option<Signal>,
    /// Some rule reads the value in `when` or `unless` (so it is listed when unknown).
    pub read: bool,
    /// `ty`, flattened for the deciding path.
    pub kind: Kind,
    /// What the slot reads when the conversation does not give it: `signal`, else `default`.
    pub missing: Missing,
}

/// How a given value is read at a slot: its declared type, without the options of `one of`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Bool,
    Num,
    Str,
    OneOf,
    List,
    /// The schema does not know the path: every value is unknown.
    None,
}

impl Kind {
    pub fn of(ty: Option<&Type>) -> Kind {
        match ty {
            Some(Type::Bool) => Kind::Bool,
            Some(Type::Number) => Kind::Num,
            Some(Type::String) => Kind::Str,
            Some(Type::OneOf(_)) => Kind::OneOf,
            Some(Type::List) => Kind::List,
            None => Kind::None,
        }
    }
}

/// What a slot reads when the conversation does not give it (absent or `null`).
#[derive(Clone, Debug)]
pub(crate) enum Missing {
    Unknown,
    /// The engine computes it from the messages.
    Signal(Signal),
    Bool(bool),
    Num(f64),
    Str(String),
    /// A `list` default: its strings, as the conversation would give them.
    List(Vec<serde_json::Value>),
}

impl Missing {
    pub fn of(signal: Option<Signal>, default: Option<&FieldDefault>) -> Missing {
        match (signal, default) {
            (Some(s), _) => Missing::Signal(s),
            (None, Some(FieldDefault::Literal(Literal::Bool(b)))) => Missing::Bool(*b),
            (None, Some(FieldDefault::Literal(Literal::Number(n)))) => Missing::Num(*n),
            (None, Some(FieldDefault::Literal(Literal::String(s)))) => Missing::Str(s.clone()),
            (None, Some(FieldDefault::List(items))) => Missing::List(
                items
                    .iter()
                    .filter_map(|i| match i {
                        Literal::String(s) => Some(serde_json::Value::String(s.clone())),
                        _ => None,
                    })
                    .collect(),
            ),
            (None, None) => Missing::Unknown,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signal {
    Sentiment,
    SentimentMin,
    NegativeStreak,
    Distress,
    HumanRequested,
    Crisis,
    Repeated,
    AiTurns,
}

impl Signal {
    pub fn from_path(path: &str) -> Option<Signal> {
        Some(match path.strip_prefix("signals.")? {
            "sentiment" => Signal::Sentiment,
            "sentiment_min" => Signal::SentimentMin,
            "negative_streak" => Signal::NegativeStreak,
            "distress" => Signal::Distress,
            "human_requested" => Signal::HumanRequested,
            "crisis" => Signal::Crisis,
            "repeated" => Signal::Repeated,
            "ai_turns" => Signal::AiTurns,
            _ => return None,
        })
    }

    /// Whether a number given for the signal is within its range (LANGUAGE.md §5): −1…1 for
    /// the sentiments, 0…1 for `distress`, a whole number ≥ 0 for the counts.
    pub fn accepts(self, n: f64) -> bool {
        match self {
            Signal::Sentiment | Signal::SentimentMin => (-1.0..=1.0).contains(&n),
            Signal::Distress => (0.0..=1.0).contains(&n),
            Signal::NegativeStreak | Signal::Repeated | Signal::AiTurns => n >= 0.0 && n.fract() == 0.0,
            // truths: no range
            _ => true,
        }
    }

    /// Whether the signal reads the customer's texts (all but the sentiment-based ones and
    /// `ai_turns`): unknown when a customer message's text is unknown.
    pub fn reads_text(self) -> bool {
        !matches!(
            self,
            Signal::Sentiment | Signal::SentimentMin | Signal::NegativeStreak | Signal::AiTurns
        )
    }

    pub fn want(self, w: &mut Wanted) {
        match self {
            Signal::Sentiment => w.sentiment = true,
            Signal::SentimentMin => w.sentiment_min = true,
            Signal::NegativeStreak => w.negative_streak = true,
            Signal::Distress => w.distress = true,
            Signal::HumanRequested => w.human_requested = true,
            Signal::Crisis => w.crisis = true,
            Signal::Repeated => w.repeated = true,
            Signal::AiTurns => w.ai_turns = true,
        }
    }
}

/// A `because` template, cut into parts.
#[derive(Clone, Debug, Default)]
pub(crate) struct Template {
    pub parts: Vec<Part>,
}

#[derive(Clone, Debug)]
pub(crate) enum Part {
    Text(String),
    Slot(SlotId),
    Matched,
    /// `{id}`: the conversation's id as the verdict gives it (a number rendered as text).
    Id,
}

/// One top-level condition of a rule, for `--explain`.
#[derive(Clone, Debug)]
pub(crate) struct Condition {
    pub node: NodeId,
    /// The condition as policy text.
    pub text: String,
    /// The slots whose values it reads, for "was …".
    pub slots: Vec<SlotId>,
    /// Whether it looks at messages (a quantifier or `count`).
    pub messages: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct Rule {
    pub name: String,
    pub principle: Option<String>,
    pub effect: Effect,
    pub when: NodeId,
    pub unless: Option<NodeId>,
    /// Each conjunct of `when`, in order.
    pub conjuncts: Vec<Condition>,
    pub unless_condition: Option<Condition>,
    pub because: Template,
    pub priority: Priority,
    pub queue: Option<String>,
    pub say: Option<String>,
    pub tags: Vec<String>,
    pub must: Vec<String>,
    /// `file:line:col` of the rule.
    pub source: String,
}

/// What deciding reads of a rule, in 16 bytes: the evaluation walks these instead of the
/// (much larger) [`Rule`]s.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Head {
    pub effect: Effect,
    pub priority: Priority,
    pub has_queue: bool,
    pub has_say: bool,
    /// Whether the rule has an `unless`: [`Program::conjuncts`] at `end`.
    pub has_unless: bool,
    /// `start..end` of [`Program::conjuncts`]: `when`, conjunct by conjunct.
    pub start: u32,
    pub end: u32,
}

#[derive(Clone, Debug)]
pub(crate) struct DefaultRule {
    pub route: Route,
    pub because: Template,
    pub source: String,
}
