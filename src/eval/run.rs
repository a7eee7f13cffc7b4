//! Evaluating conditions over one conversation: [`Run::truth`] is the three-valued value of a
//! condition, the same whoever asks (deciding, rendering, `--explain`); no mode changes it.
//!
//! A [`Run`] holds what one evaluation learns as it goes: slot values (read lazily, borrowing
//! from the conversation), the computed signals (computed at most once, and only when a rule
//! reads a signal the input does not give), and per-message caches (sentiment, lexicon hits).
//! Submodules: `quant` (quantifiers and `count`), `messages` (message fields, `mentions`),
//! `doubt` (what unknown data hides), `found` (which phrase made a condition hold).

use super::cell::Cell;
use super::conjunct::holds;
use super::lexicon::Hits;
use super::program::{Kind, Missing, MsgField, Node, NodeId, Program, Rule, Signal, Slot, SlotId, Test};
use super::value::{self, Tri, V};
use crate::ast::{CmpOp, Type};
use crate::context::{Conversation, Field};
use crate::signals::{self, Signals};
use smallvec::SmallVec;

mod doubt;
mod found;
mod messages;
mod quant;

/// How many slot values a run (and a verdict) keeps inline.
const INLINE: usize = 16;

/// Slot values of one evaluation, as [`Cell`]s.
pub(crate) type SlotValues = SmallVec<[Cell; INLINE]>;

/// Where a run keeps slot values: its own [`SlotValues`] (rendering), or those of the verdict
/// being decided, borrowed as a slice (deciding: no copy, no inline-or-heap test per read).
pub(crate) trait Slots: AsMut<[Cell]> {}

impl<S: AsMut<[Cell]>> Slots for S {}

/// Slot values for `p`, none read yet.
#[inline]
pub(crate) fn unread(p: &Program) -> SlotValues {
    let n = p.slots.len();
    if n <= INLINE {
        SmallVec::from_buf_and_len([Cell::UNREAD; INLINE], n)
    } else {
        SmallVec::from_elem(Cell::UNREAD, n)
    }
}

#[derive(Clone, Default)]
struct MsgCache {
    sentiment: Option<Option<f64>>,
    hits: Option<Hits>,
}

pub(crate) struct Run<'a, S = SlotValues> {
    pub p: &'a Program,
    pub c: &'a Conversation,
    slots: S,
    pub signals: Option<Signals>,
    msgs: SmallVec<[MsgCache; 8]>,
    /// The message `where` is looking at.
    cur: Option<usize>,
}

impl<'a> Run<'a> {
    #[inline]
    pub fn new(p: &'a Program, c: &'a Conversation) -> Run<'a> {
        Run::resume(p, c, unread(p), None)
    }
}

impl<'a, S: Slots> Run<'a, S> {
    /// Continues from what an earlier evaluation learnt (`slots`: read by then, or not).
    #[inline]
    pub fn resume(p: &'a Program, c: &'a Conversation, slots: S, signals: Option<Signals>) -> Run<'a, S> {
        Run {
            p,
            c,
            slots,
            signals,
            msgs: SmallVec::new(),
            cur: None,
        }
    }

    /// The truth of a condition. A comparison with a literal and a plain slot are answered
    /// here, without going through a value; the rest in [`Run::truth_of`].
    #[inline]
    pub fn truth(&mut self, id: NodeId) -> Tri {
        let p: &'a Program = self.p;
        match p.nodes.get(id.index()) {
            Some(Node::CmpConst { op, slot, lit }) => {
                let a = self.slot(*slot);
                compare(*op, a, lit.v())
            }
            Some(Node::Slot(s)) => self.slot(*s).truth(),
            _ => self.truth_of(id),
        }
    }

    /// [`Run::truth`] of anything else: `and` / `or` directly, the rest through [`Run::node`].
    fn truth_of(&mut self, id: NodeId) -> Tri {
        let p: &'a Program = self.p;
        match p.nodes.get(id.index()) {
            Some(Node::And(a, b)) => {
                let x = self.truth(*a);
                if x == Some(false) {
                    return x;
                }
                value::and(x, self.truth(*b))
            }
            Some(Node::Or(a, b)) => {
                let x = self.truth(*a);
                if x == Some(true) {
                    return x;
                }
                value::or(x, self.truth(*b))
            }
            _ => self.node(id).truth(),
        }
    }

    /// `{matched}`: the first phrase, by message then position, that made the rule's `when`
    /// hold ([`Run::found`]).
    pub fn matched_phrase(&mut self, rule: &Rule) -> Option<&'a str> {
        self.found(rule.when).map(|(_, phrase)| phrase)
    }

    // ---- slots ----

    #[inline(always)]
    pub fn slot(&mut self, id: SlotId) -> V<'a> {
        let (p, c): (&'a Program, &'a Conversation) = (self.p, self.c);
        match self.slots.as_mut().get(id.index()).and_then(|x| x.get(&c.data, p, id)) {
            Some(v) => v,
            None => self.read_apart(id),
        }
    }

    /// What a slot keeps, when it keeps a value (else it is read).
    #[inline(always)]
    fn kept(&mut self, id: SlotId) -> Option<Cell> {
        self.slots.as_mut().get(id.index()).copied().filter(|x| x.is_kept())
    }

    /// A slot's value when it is a number: [`Run::slot`] for a typed test.
    #[inline(always)]
    pub fn num(&mut self, id: SlotId) -> Option<f64> {
        match self.kept(id) {
            Some(x) => x.num(),
            None => match self.read(id) {
                V::Num(n) => Some(n),
                _ => None,
            },
        }
    }

    /// A slot's value when it is `true` or `false`.
    #[inline(always)]
    pub fn boolean(&mut self, id: SlotId) -> Option<bool> {
        match self.kept(id) {
            Some(x) => x.bool(),
            None => self.read(id).truth(),
        }
    }

    /// A slot's value when it is a string.
    #[inline(always)]
    pub fn string(&mut self, id: SlotId) -> Option<&'a str> {
        let (p, c): (&'a Program, &'a Conversation) = (self.p, self.c);
        match self.kept(id) {
            Some(x) => x.str(&c.data, p, id),
            None => match self.read(id) {
                V::Str(s) => Some(s),
                _ => None,
            },
        }
    }

    /// [`Run::read`] as a call: for [`Run::slot`], which the node tree's recursion reaches
    /// (each level would otherwise carry `read`'s locals in its frame).
    #[inline(never)]
    fn read_apart(&mut self, id: SlotId) -> V<'a> {
        self.read(id)
    }

    /// Reads a slot for the first time (inlined into the typed accessors the conjuncts use).
    #[inline(always)]
    fn read(&mut self, id: SlotId) -> V<'a> {
        let (p, c): (&'a Program, &'a Conversation) = (self.p, self.c);
        let Some(slot) = p.slots.get(id.index()) else {
            return V::Unknown;
        };
        let data = &c.data;
        let (v, kept) = match data.field_at(&slot.key, &slot.path) {
            Some(Field::Num(n)) if slot.kind == Kind::Num && slot.signal.is_none_or(|s| s.accepts(n)) => {
                (V::Num(n), Cell::number(n))
            }
            Some(Field::Bool(b)) if slot.kind == Kind::Bool => (V::Bool(b), Cell::truth(b)),
            Some(Field::Str(s)) if slot.kind == Kind::Str => (V::Str(s), Cell::string(s, data)),
            None | Some(Field::Null) if self.under_non_mapping(slot) => (V::Unknown, Cell::UNKNOWN),
            None | Some(Field::Null) => match &slot.missing {
                Missing::Unknown => (V::Unknown, Cell::UNKNOWN),
                Missing::Signal(s) => {
                    let v = self.computed(*s);
                    (v, Cell::keep(v, data, p, id))
                }
                Missing::Bool(b) => (V::Bool(*b), Cell::truth(*b)),
                Missing::Num(n) => (V::Num(*n), Cell::number(*n)),
                Missing::Str(s) => (V::Str(s.as_str()), Cell::DEFAULT),
                Missing::List(items) => (V::List(items.as_slice()), Cell::keep(V::List(&[]), data, p, id)),
            },
            Some(f) => {
                let v = self.typed(f, slot);
                (v, Cell::keep(v, data, p, id))
            }
        };
        if let Some(x) = self.slots.as_mut().get_mut(id.index()) {
            *x = kept;
        }
        v
    }

    /// The value the conversation gives at a slot's path (`null` included).
    #[inline(always)]
    fn field(&self, slot: &Slot) -> Option<Field<'a>> {
        let c: &'a Conversation = self.c;
        c.data.field_at(&slot.key, &slot.path)
    }

    pub fn is_present(&self, id: SlotId) -> bool {
        self.p
            .slots
            .get(id.index())
            .is_some_and(|s| !matches!(self.field(s), None | Some(Field::Null)))
    }

    /// Whether a slot is a signal the engine computes (the input does not give it).
    pub fn is_computed(&self, id: SlotId) -> bool {
        self.p.slots.get(id.index()).is_some_and(|s| s.signal.is_some()) && !self.is_present(id)
    }

    #[inline(never)]
    fn computed(&mut self, signal: Signal) -> V<'a> {
        let (p, c) = (self.p, self.c);
        if self.hidden(signal) {
            return V::Unknown;
        }
        let s = self
            .signals
            .get_or_insert_with(|| signals::compute(&c.messages, p.wanted));
        match signal {
            Signal::Sentiment => s.sentiment.map_or(V::Unknown, V::Num),
            Signal::SentimentMin => s.sentiment_min.map_or(V::Unknown, V::Num),
            Signal::NegativeStreak => V::Num(s.negative_streak),
            Signal::Distress => V::Num(s.distress),
            Signal::HumanRequested => V::Bool(s.human_requested),
            Signal::Crisis => V::Bool(s.crisis),
            Signal::Repeated => V::Num(s.repeated),
            Signal::AiTurns => V::Num(s.ai_turns),
        }
    }

    /// A given value read as the slot's declared type; anything else is unknown.
    /// (The common cases are answered in [`Run::read`].)
    #[inline(never)]
    fn typed(&self, f: Field<'a>, slot: &'a Slot) -> V<'a> {
        match (slot.ty.as_ref(), f) {
            (Some(Type::OneOf(options)), Field::Str(s)) if options.iter().any(|o| o == s) => V::Str(s),
            (Some(Type::List), Field::Strings) => {
                let c: &'a Conversation = self.c;
                c.data
                    .list(slot.segments.iter().map(String::as_str))
                    .map_or(V::Unknown, V::List)
            }
            _ => V::Unknown,
        }
    }

    // ---- nodes ----

    /// The value of a node.
    fn node(&mut self, id: NodeId) -> V<'a> {
        let p: &'a Program = self.p;
        let Some(node) = p.nodes.get(id.index()) else {
            return V::Unknown;
        };
        match node {
            Node::Unknown => V::Unknown,
            Node::Bool(b) => V::Bool(*b),
            Node::Num(n) => V::Num(*n),
            Node::Str(s) => V::Str(s.as_str()),
            Node::Slot(s) => self.slot(*s),
            Node::Msg(f) => self.msg_field(*f),
            Node::Not(x) => V::from_tri(value::not(self.truth(*x))),
            Node::And(a, b) => {
                let x = self.truth(*a);
                if x == Some(false) {
                    return V::Bool(false);
                }
                V::from_tri(value::and(x, self.truth(*b)))
            }
            Node::Or(a, b) => {
                let x = self.truth(*a);
                if x == Some(true) {
                    return V::Bool(true);
                }
                V::from_tri(value::or(x, self.truth(*b)))
            }
            Node::Cmp { op, lhs, rhs } => {
                let a = self.node(*lhs);
                let b = self.node(*rhs);
                V::from_tri(compare(*op, a, b))
            }
            Node::CmpConst { op, slot, lit } => {
                let a = self.slot(*slot);
                V::from_tri(compare(*op, a, lit.v()))
            }
            Node::InConst { slot, items, negated } => {
                let v = self.slot(*slot);
                if v.is_unknown() {
                    return V::Unknown;
                }
                let mut r = Some(false);
                for item in items {
                    r = value::or(r, compare(CmpOp::Eq, v, item.v()));
                    if r == Some(true) {
                        break;
                    }
                }
                V::from_tri(if *negated { value::not(r) } else { r })
            }
            Node::In { value, items, negated } => {
                let v = self.node(*value);
                if v.is_unknown() {
                    return V::Unknown;
                }
                let mut r = Some(false);
                for item in items {
                    let x = self.node(*item);
                    r = value::or(r, compare(CmpOp::Eq, v, x));
                    if r == Some(true) {
                        break;
                    }
                }
                V::from_tri(if *negated { value::not(r) } else { r })
            }
            Node::Contains { lhs, rhs } => {
                let a = self.node(*lhs);
                let b = self.node(*rhs);
                V::from_tri(contains(a, b))
            }
            Node::Matches { lhs, regex } => {
                let v = self.node(*lhs);
                match (v, regex.and_then(|r| p.regexes.get(r as usize))) {
                    (V::Str(s), Some(re)) => V::Bool(re.is_match(s)),
                    _ => V::Unknown,
                }
            }
            Node::Mentions { lhs, lexicon } => self.mentions(*lhs, *lexicon),
            Node::Presence { slot, missing } => V::Bool(self.is_present(*slot) != *missing),
            Node::MsgPresence { field, missing } => {
                let c: &'a Conversation = self.c;
                let m = self.cur.and_then(|i| c.messages.get(i));
                let absent = m.is_none_or(|m| match field {
                    MsgField::Text => m.text_missing,
                    MsgField::From => m.from_missing,
                    MsgField::Sentiment => m.sentiment == crate::context::Given::Absent,
                });
                V::Bool(absent == *missing)
            }
            Node::Quant { quantifier, who, test } => V::from_tri(self.quantified(*quantifier, *who, *test)),
            Node::Count { who, filter } => self.count(*who, *filter),
        }
    }

    pub(super) fn test(&mut self, i: usize, test: Test) -> Tri {
        match test {
            Test::Mentions(lex) => self.msg_mentions(i, lex),
            Test::Matches(re) => {
                let text = self.c.messages.get(i).and_then(|m| m.text.as_deref());
                let re = re.and_then(|r| self.p.regexes.get(r as usize));
                match (text, re) {
                    (Some(t), Some(re)) => Some(re.is_match(t)),
                    _ => None,
                }
            }
            Test::Where(x) => {
                self.cur = Some(i);
                self.truth(x)
            }
        }
    }
}

/// A comparison; unknown when an operand is unknown or the types differ.
pub(crate) fn compare(op: CmpOp, a: V<'_>, b: V<'_>) -> Tri {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (a, b) {
        (V::Num(x), V::Num(y)) => x.partial_cmp(&y),
        (V::Str(x), V::Str(y)) => Some(x.cmp(y)),
        (V::Bool(x), V::Bool(y)) => {
            return match op {
                CmpOp::Eq => Some(x == y),
                CmpOp::Ne => Some(x != y),
                _ => None,
            };
        }
        _ => None,
    };
    ord.map(|o| holds(op, o))
}

/// `list contains "v"` (exact element) or `text contains "v"` (case-insensitive substring).
fn contains(a: V<'_>, b: V<'_>) -> Tri {
    match (a, b) {
        (V::List(items), V::Str(s)) => Some(items.iter().any(|i| i.as_str() == Some(s))),
        (V::Str(h), V::Str(n)) => Some(contains_ci(h, n)),
        _ => None,
    }
}

/// Case-insensitive (Unicode lowercase) substring test, without allocating.
pub(crate) fn contains_ci(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if hay.is_ascii() && needle.is_ascii() {
        let n = needle.as_bytes();
        return hay.as_bytes().windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    hay.char_indices().any(|(i, _)| {
        let rest = hay.get(i..).unwrap_or("");
        let mut h = rest.chars().flat_map(char::to_lowercase);
        needle
            .chars()
            .flat_map(char::to_lowercase)
            .all(|nc| h.next() == Some(nc))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_insensitive_contains() {
        assert!(contains_ci("I was CHARGED twice", "charged"));
        assert!(contains_ci("Ünïcode TEXT", "ünïcode text"));
        assert!(!contains_ci("abc", "abd"));
        assert!(contains_ci("abc", ""));
    }

    #[test]
    fn comparisons() {
        assert_eq!(compare(CmpOp::Ge, V::Num(0.9), V::Num(0.85)), Some(true));
        assert_eq!(compare(CmpOp::Eq, V::Str("a"), V::Str("a")), Some(true));
        assert_eq!(compare(CmpOp::Lt, V::Bool(true), V::Bool(false)), None);
        assert_eq!(compare(CmpOp::Eq, V::Unknown, V::Num(1.0)), None);
        assert_eq!(compare(CmpOp::Eq, V::Str("1"), V::Num(1.0)), None);
    }
}
