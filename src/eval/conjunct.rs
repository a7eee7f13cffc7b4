//! The top-level conjuncts of each rule's `when` (and its `unless`) in the form deciding
//! evaluates them: the common shapes (`path OP number`, `path`, `not path`, `path == "text"`,
//! `path in ["a", "b"]`) as typed tests over one slot, anything else as a node of the arena.
//!
//! A typed test gives exactly what the node it stands for gives ([`super::run::Run::truth`]):
//! unknown when the slot is unknown or of another type (`tests/differential.rs` compares the
//! two on generated sets).

use super::index;
use super::program::{Head, Lit, Node, NodeId, Rule, RuleId, SlotId};
use super::run::{Run, Slots};
use super::value::Tri;
use super::verdict::RuleIds;
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

/// A `require` rule whose `when` is one number or truth test (or an `or` of typed tests),
/// without `unless`: the commonest shape of a human-first principle ("asked for a person",
/// "distress above 0.7", "unsure or frustrated"). Such rules are candidates for every
/// conversation (the index files only string tests), so they are decided in one flat pass,
/// `require human` ones before the index is asked for candidates, `require review` ones with
/// the index's other candidates.
#[derive(Clone, Debug)]
pub(crate) struct Quick {
    pub rule: RuleId,
    test: QuickTest,
}

#[derive(Clone, Debug)]
enum QuickTest {
    Num { slot: SlotId, op: CmpOp, k: f64 },
    Bool { slot: SlotId, want: bool },
    Any(Box<[Conjunct]>),
}

/// The rules decided apart from the index ([`Quick`]), by effect, each in path order.
#[derive(Debug, Default)]
pub(crate) struct Quicks {
    pub human: Vec<Quick>,
    pub review: Vec<Quick>,
}

impl Quicks {
    /// The rules among `heads` that [`Quick`] decides.
    pub fn new(heads: &[Head], conjuncts: &[Conjunct]) -> Quicks {
        let mut quicks = Quicks::default();
        for (rule, h) in RuleId::all().zip(heads) {
            if !h.effect.is_require() || h.has_unless || h.end != h.start + 1 {
                continue;
            }
            let test = match conjuncts.get(h.start as usize) {
                Some(Conjunct::Num { slot, op, k }) => QuickTest::Num {
                    slot: *slot,
                    op: *op,
                    k: *k,
                },
                Some(Conjunct::Bool { slot, want }) => QuickTest::Bool {
                    slot: *slot,
                    want: *want,
                },
                Some(Conjunct::Any(any)) => QuickTest::Any(any.clone()),
                _ => continue,
            };
            let list = match h.effect {
                Effect::RequireHuman => &mut quicks.human,
                _ => &mut quicks.review,
            };
            list.push(Quick { rule, test });
        }
        quicks
    }

    /// Every rule decided here, in path order.
    pub fn rules(&self) -> Vec<RuleId> {
        let mut all: Vec<RuleId> = self.human.iter().chain(&self.review).map(|q| q.rule).collect();
        all.sort_unstable();
        all
    }
}

/// The heads of `rules`, and the conjuncts they range over: each rule's `when`, conjunct by
/// conjunct, then its `unless` (if any).
pub(crate) fn build(rules: &[Rule], nodes: &[Node]) -> (Vec<Head>, Vec<Conjunct>) {
    let mut conjuncts = Vec::with_capacity(rules.iter().map(|r| r.conjuncts.len().max(1) + 1).sum());
    let heads = rules
        .iter()
        .map(|r| {
            let start = conjuncts.len();
            if r.conjuncts.is_empty() {
                // no `when` (an error the checker reports): the node that never holds
                conjuncts.push(Conjunct::of(r.when, nodes));
            } else {
                // the conjunct the index files the rule under first: a candidate the index
                // found by its value skips it ([`Run::matches`])
                let filed = r
                    .conjuncts
                    .iter()
                    .position(|c| nodes.get(c.node.index()).and_then(index::indexable).is_some());
                let first = filed.and_then(|i| r.conjuncts.get(i));
                let rest = r.conjuncts.iter().enumerate().filter(|(i, _)| Some(*i) != filed);
                conjuncts.extend(
                    first
                        .into_iter()
                        .chain(rest.map(|(_, c)| c))
                        .map(|c| Conjunct::of(c.node, nodes)),
                );
            }
            let end = conjuncts.len();
            if let Some(u) = r.unless {
                conjuncts.push(Conjunct::of(u, nodes));
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
    /// Whether a rule matches ([`Run::rule`]'s `matched`), from its [`Head`]: `when`
    /// conjunct by conjunct, stopping as soon as the outcome is known (a false conjunct; for
    /// an `allow`, also an unknown one: only a `when` that holds lets the AI act). `filed`:
    /// the index found the rule by the value of the test it is filed under (its first
    /// conjunct), so that test holds and is not evaluated again.
    #[inline(always)]
    pub fn matches(&mut self, head: &Head, filed: bool) -> bool {
        let p = self.p;
        let require = head.effect.is_require();
        let start = head.start as usize + usize::from(filed);
        let when = p.conjuncts.get(start..head.end as usize).unwrap_or(&[]);
        for c in when {
            match self.conjunct(c) {
                Some(true) => {}
                Some(false) => return false,
                None if !require => return false,
                None => {}
            }
        }
        if !head.has_unless {
            return true;
        }
        let unless = match p.conjuncts.get(head.end as usize) {
            Some(c) => self.conjunct(c),
            None => None,
        };
        if require {
            unless != Some(true)
        } else {
            unless == Some(false)
        }
    }

    /// The rules among `quick` that match (a `require`: unless the test is false), in path
    /// order.
    #[inline(always)]
    pub fn quick(&mut self, quick: &[Quick], out: &mut RuleIds) {
        for q in quick {
            let t = match &q.test {
                QuickTest::Num { slot, op, k } => self.num(*slot).and_then(|x| compare(*op, x, *k)),
                QuickTest::Bool { slot, want } => self.boolean(*slot).map(|b| b == *want),
                QuickTest::Any(any) => self.any(any),
            };
            if t != Some(false) {
                out.push(q.rule);
            }
        }
    }

    /// The truth of one conjunct.
    #[inline(always)]
    fn conjunct(&mut self, c: &Conjunct) -> Tri {
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
        let names = |quick: &[super::Quick]| -> Vec<&str> {
            quick.iter().map(|q| p.rules[q.rule.index()].name.as_str()).collect()
        };
        assert_eq!(names(&p.quick.human), ["one number", "one flag"]);
        assert_eq!(names(&p.quick.review), ["an or"]);
        // the index leaves them out: every other rule is still a candidate somewhere
        let rules = p.quick.rules();
        assert_eq!(rules.len(), 3);
        assert!(rules.windows(2).all(|w| w[0] < w[1]));
    }
}
