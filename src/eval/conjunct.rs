//! The top-level conjuncts of each rule's `when` (and its `unless`) in the form deciding
//! evaluates them: the common shapes (`path OP number`, `path`, `not path`, `path == "text"`,
//! `path in ["a", "b"]`) as typed tests over one slot, anything else as a node of the arena.
//!
//! A typed test gives exactly what the node it stands for gives ([`super::run::Run::truth`]):
//! unknown when the slot is unknown or of another type (`tests/differential.rs` compares the
//! two on generated sets). Whether a rule matches is decided from its conjuncts in
//! `decide.rs` ([`super::decide`]).

use super::index;
use super::program::{Head, Lit, Node, NodeId, Rule, RuleId, SlotId};
use super::run::{Run, Slots};
use super::value::Tri;
use crate::ast::CmpOp;
use crate::ast::Effect;
use crate::short;
use std::cmp::Ordering;

/// One conjunct, ready to decide.
#[derive(Clone, Debug)]
pub(crate) enum Conjunct {
    /// `slot OP number`.
    Num { slot: SlotId, op: CmpOp, k: f64 },
    /// `slot` (`want` true), `not slot`, `slot == true`, `slot != false`, …
    Bool { slot: SlotId, want: bool },
    /// `slot == "s"` (`eq`) or `slot != "s"`.
    Str { slot: SlotId, eq: bool, s: Box<str> },
    /// `slot in [strings]` (at least one), or `not in`.
    In {
        slot: SlotId,
        negated: bool,
        items: Box<[Box<str>]>,
    },
    /// `a or b or …` of typed tests (at least two).
    Any(Box<[Conjunct]>),
    /// Anything else.
    Node(NodeId),
}

impl Conjunct {
    /// The conjunct for a node.
    fn of(id: NodeId, nodes: &[Node]) -> Conjunct {
        let at = |id: NodeId| nodes.get(id.index());
        match at(id) {
            Some(Node::Slot(slot)) => Conjunct::Bool {
                slot: *slot,
                want: true,
            },
            Some(Node::Not(x)) => match at(*x) {
                Some(Node::Slot(slot)) => Conjunct::Bool {
                    slot: *slot,
                    want: false,
                },
                _ => Conjunct::Node(id),
            },
            Some(Node::CmpConst { op, slot, lit }) => match (op, lit) {
                (op, Lit::Num(k)) => Conjunct::Num {
                    slot: *slot,
                    op: *op,
                    k: *k,
                },
                (CmpOp::Eq | CmpOp::Ne, Lit::Bool(b)) => Conjunct::Bool {
                    slot: *slot,
                    want: *b == (*op == CmpOp::Eq),
                },
                (CmpOp::Eq | CmpOp::Ne, Lit::Str(s)) => Conjunct::Str {
                    slot: *slot,
                    eq: *op == CmpOp::Eq,
                    s: s.as_str().into(),
                },
                _ => Conjunct::Node(id),
            },
            Some(Node::InConst { slot, items, negated }) if !items.is_empty() => {
                let strings: Option<Box<[Box<str>]>> = items
                    .iter()
                    .map(|i| match i {
                        Lit::Str(s) => Some(s.as_str().into()),
                        _ => None,
                    })
                    .collect();
                match strings {
                    Some(items) => Conjunct::In {
                        slot: *slot,
                        negated: *negated,
                        items,
                    },
                    None => Conjunct::Node(id),
                }
            }
            Some(Node::Or(..)) => {
                let mut any = Vec::new();
                if typed_or(id, nodes, &mut any) {
                    Conjunct::Any(any.into_boxed_slice())
                } else {
                    Conjunct::Node(id)
                }
            }
            _ => Conjunct::Node(id),
        }
    }
}

/// Adds the operands of the `or` (or the test) at `id` to `out` as typed tests; false when
/// one of them is not a typed test (then the `or` stays a node).
fn typed_or(id: NodeId, nodes: &[Node], out: &mut Vec<Conjunct>) -> bool {
    match nodes.get(id.index()) {
        Some(Node::Or(a, b)) => typed_or(*a, nodes, out) && typed_or(*b, nodes, out),
        _ => match Conjunct::of(id, nodes) {
            Conjunct::Node(_) | Conjunct::Any(_) => false,
            c => {
                out.push(c);
                true
            }
        },
    }
}

/// The `require` rules whose `when` is one number or truth test (or an `or` of typed tests),
/// without `unless`: the commonest shape of a human-first principle ("asked for a person",
/// "distress above 0.7", "unsure or frustrated"). Such rules are candidates for every
/// conversation (the index files only string tests), so they are kept apart from the index, by
/// effect, each list in path order: the `require human` ones are decided before the index is
/// asked for candidates, the `require review` ones with its other candidates.
#[derive(Debug, Default)]
pub(crate) struct Quicks {
    pub human: Vec<RuleId>,
    pub review: Vec<RuleId>,
}

impl Quicks {
    /// The rules among `heads` that are decided apart from the index.
    pub fn new(heads: &[Head], conjuncts: &[Conjunct]) -> Quicks {
        let mut quicks = Quicks::default();
        for (rule, h) in RuleId::all().zip(heads) {
            if !h.effect.is_require() || h.has_unless || h.end != h.start + 1 {
                continue;
            }
            if !matches!(
                conjuncts.get(h.start as usize),
                Some(Conjunct::Num { .. } | Conjunct::Bool { .. } | Conjunct::Any(_))
            ) {
                continue;
            }
            match h.effect {
                Effect::RequireHuman => quicks.human.push(rule),
                _ => quicks.review.push(rule),
            }
        }
        quicks
    }

    /// Every rule decided here, in path order.
    pub fn rules(&self) -> Vec<RuleId> {
        let mut all: Vec<RuleId> = self.human.iter().chain(&self.review).copied().collect();
        all.sort_unstable();
        all
    }
}

/// The heads of `rules`, and the conjuncts they range over in typed form: each rule's `when`,
/// conjunct by conjunct (the one the index files the rule under first), then its `unless`.
pub(crate) fn build(rules: &[Rule], nodes: &[Node]) -> (Vec<Head>, Vec<Conjunct>) {
    assemble(
        rules,
        |r, out| {
            if r.conjuncts.is_empty() {
                // no `when` (an error the checker reports): the node that never holds
                out.push(Conjunct::of(r.when, nodes));
                return;
            }
            // the conjunct the index files the rule under first: a candidate the index found by
            // its value skips it ([`Run::matches`])
            let filed = r
                .conjuncts
                .iter()
                .position(|c| nodes.get(c.node.index()).and_then(index::indexable).is_some());
            let first = filed.and_then(|i| r.conjuncts.get(i));
            let rest = r.conjuncts.iter().enumerate().filter(|(i, _)| Some(*i) != filed);
            out.extend(
                first
                    .into_iter()
                    .chain(rest.map(|(_, c)| c))
                    .map(|c| Conjunct::of(c.node, nodes)),
            );
        },
        |u| Conjunct::of(u, nodes),
    )
}

/// [`build`] for the reference plan: every conjunct a node, as written.
pub(crate) fn plain(rules: &[Rule]) -> (Vec<Head>, Vec<Conjunct>) {
    assemble(
        rules,
        |r, out| {
            if r.conjuncts.is_empty() {
                out.push(Conjunct::Node(r.when));
            }
            out.extend(r.conjuncts.iter().map(|c| Conjunct::Node(c.node)));
        },
        Conjunct::Node,
    )
}

/// The heads of `rules`, each ranging over the conjuncts `when` gives, then `unless` of its
/// `unless` (if any).
fn assemble(
    rules: &[Rule],
    mut when: impl FnMut(&Rule, &mut Vec<Conjunct>),
    unless: impl Fn(NodeId) -> Conjunct,
) -> (Vec<Head>, Vec<Conjunct>) {
    let mut conjuncts = Vec::with_capacity(rules.iter().map(|r| r.conjuncts.len().max(1) + 1).sum());
    let heads = rules
        .iter()
        .map(|r| {
            let start = conjuncts.len();
            when(r, &mut conjuncts);
            let end = conjuncts.len();
            if let Some(u) = r.unless {
                conjuncts.push(unless(u));
            }
            Head {
                effect: r.effect,
                priority: r.priority,
                has_queue: r.queue.is_some(),
                has_say: r.say.is_some(),
                has_unless: r.unless.is_some(),
                start: u32::try_from(start).unwrap_or(u32::MAX),
                end: u32::try_from(end).unwrap_or(u32::MAX),
            }
        })
        .collect();
    (heads, conjuncts)
}

impl<'a, S: Slots> Run<'a, S> {
    /// The truth of one conjunct.
    #[inline(always)]
    pub(super) fn conjunct(&mut self, c: &Conjunct) -> Tri {
        match c {
            Conjunct::Any(any) => self.any(any),
            Conjunct::Node(id) => self.truth(*id),
            test => self.typed_test(test),
        }
    }

    /// The truth of `a or b or …` (Kleene: true if one is, else unknown if one is).
    #[inline(never)]
    fn any(&mut self, any: &[Conjunct]) -> Tri {
        let mut t = Some(false);
        for c in any {
            match self.typed_test(c) {
                Some(true) => return Some(true),
                Some(false) => {}
                None => t = None,
            }
        }
        t
    }

    /// The truth of a typed test (`Any` and `Node` are not: unknown).
    #[inline(always)]
    fn typed_test(&mut self, c: &Conjunct) -> Tri {
        match c {
            Conjunct::Num { slot, op, k } => self.num(*slot).and_then(|x| compare(*op, x, *k)),
            Conjunct::Bool { slot, want } => self.boolean(*slot).map(|b| b == *want),
            Conjunct::Str { slot, eq, s } => self
                .string(*slot)
                .map(|x| short::same(x.as_bytes(), s.as_bytes()) == *eq),
            Conjunct::In { slot, negated, items } => self
                .string(*slot)
                .map(|x| items.iter().any(|i| short::same(i.as_bytes(), x.as_bytes())) != *negated),
            Conjunct::Any(_) | Conjunct::Node(_) => None,
        }
    }
}

/// `x OP k` of two numbers; unknown when either is NaN (as [`holds`] over `partial_cmp`),
/// without an ordering in between.
#[inline(always)]
fn compare(op: CmpOp, x: f64, k: f64) -> Tri {
    if x.is_nan() || k.is_nan() {
        return None;
    }
    Some(match op {
        CmpOp::Eq => x == k,
        CmpOp::Ne => x != k,
        CmpOp::Lt => x < k,
        CmpOp::Le => x <= k,
        CmpOp::Gt => x > k,
        CmpOp::Ge => x >= k,
    })
}

/// Whether an ordering satisfies a comparison.
pub(crate) fn holds(op: CmpOp, ord: Ordering) -> bool {
    match op {
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::Ne => ord != Ordering::Equal,
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::Le => ord != Ordering::Greater,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::Ge => ord != Ordering::Less,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use crate::PolicySet;

    /// Which rules are decided in the flat pass: `require` rules whose `when` is one number or
    /// truth test, or an `or` of typed tests, without `unless`; never `allow`, never a string
    /// test (the index files those), never a rule with more than one conjunct.
    #[test]
    fn quick_rules_are_single_test_requires() {
        let text = r#"
default human because "d"
context { n : number  b : bool = false  s : string }
lexicon help { "help" }
require human "one number" { when n >= 3 because "x" }
require human "one flag" { when not b because "x" }
require review "an or" { when n < 1 or b because "x" }
require human "with unless" { when b unless n > 2 because "x" }
require human "two tests" { when b and n > 1 because "x" }
require human "a string" { when s == "a" because "x" }
require human "a mention" { when any customer message mentions help because "x" }
allow ai "an allow" { when s == "b" and n > 2 because "x" }
"#;
        let set = PolicySet::from_sources([("q.policy", text)]).unwrap();
        let p = set.program();
        let names = |quick: &[super::RuleId]| -> Vec<&str> {
            quick.iter().map(|id| p.rules[id.index()].name.as_str()).collect()
        };
        assert_eq!(names(&p.plan.quick.human), ["one number", "one flag"]);
        assert_eq!(names(&p.plan.quick.review), ["an or"]);
        // the index leaves them out: every other rule is still a candidate somewhere
        let rules = p.plan.quick.rules();
        assert_eq!(rules.len(), 3);
        assert!(rules.windows(2).all(|w| w[0] < w[1]));
    }
}
