//! Which phrase made a condition hold: `{matched}` in a reason, "found …" in `--explain`.
//!
//! A query asked after the decision, of a condition that holds; deciding never looks for
//! phrases. It walks the parts of the condition that evaluating it looked at and that count
//! (their value is neither false nor unknown) — both sides of an `or`, every message a
//! quantifier read — and keeps the earliest phrase a `mentions` found there: by message, then
//! position in the text, the longer phrase first at one position; on a tie, the one met
//! first. Nothing under `not` or `no … message` counts: those hold because nothing was found.

use super::super::lexicon::{Hit, LexId};
use super::super::program::{MsgField, Node, NodeId, Program, Test};
use super::super::value::V;
use super::quant::member;
use super::{Run, Slots};
use crate::ast::Quantifier;
use crate::context::Conversation;
use std::cmp::Reverse;

/// A phrase a `mentions` found: in which message (`None`: in a string field), and where.
#[derive(Clone, Copy)]
struct Found {
    msg: Option<usize>,
    hit: Hit,
}

impl Found {
    /// Earlier first: by message (a string field after every message), then position, the
    /// longer phrase first.
    fn key(&self) -> (usize, u32, Reverse<u32>) {
        (self.msg.unwrap_or(usize::MAX), self.hit.pos, Reverse(self.hit.len))
    }
}

/// The earlier of two finds; on a tie, the first.
fn earliest(a: Option<Found>, b: Option<Found>) -> Option<Found> {
    match (a, b) {
        (Some(x), Some(y)) if y.key() < x.key() => Some(y),
        (None, y) => y,
        (x, _) => x,
    }
}

impl<'a, S: Slots> Run<'a, S> {
    /// The phrase that made the condition at `id` hold, with the message it was found in
    /// (`None`: a string field); `None` when the condition does not hold, or holds without a
    /// phrase.
    pub(crate) fn found(&mut self, id: NodeId) -> Option<(Option<usize>, &'a str)> {
        self.cur = None;
        if self.truth(id) != Some(true) {
            return None;
        }
        let found = self.within(id)?;
        Some((found.msg, self.p.lexicons.phrase(found.hit.phrase)?))
    }

    /// The earliest phrase in a part of a condition, when the part counts (its value is
    /// neither false nor unknown).
    fn part(&mut self, id: NodeId) -> Option<Found> {
        if matches!(self.node(id), V::Bool(false) | V::Unknown) {
            return None;
        }
        self.within(id)
    }

    /// The earliest phrase inside a node that counts, among the parts evaluating it looked at.
    fn within(&mut self, id: NodeId) -> Option<Found> {
        let p: &'a Program = self.p;
        match p.nodes.get(id.index())? {
            Node::And(a, b) | Node::Or(a, b) | Node::Cmp { lhs: a, rhs: b, .. } | Node::Contains { lhs: a, rhs: b } => {
                let first = self.part(*a);
                earliest(first, self.part(*b))
            }
            // the items of a list are literals
            Node::In { value, .. } | Node::Matches { lhs: value, .. } => self.part(*value),
            Node::Mentions { lhs, lexicon } => self.mention(*lhs, *lexicon),
            Node::Quant { quantifier, who, test } => {
                let c: &'a Conversation = self.c;
                let (_, at) = self.quantified_at(*quantifier, *who, *test);
                let n = c.messages.len();
                // the messages the quantifier read to hold (`last` reads from the end; the order
                // does not matter, a message gives one phrase at most)
                let read = match quantifier {
                    Quantifier::No => return None,
                    Quantifier::Any => 0..at.map_or(n, |i| i + 1),
                    Quantifier::Every => 0..n,
                    Quantifier::Last => at.unwrap_or(n)..n,
                };
                let mut found = None;
                for i in read {
                    if c.messages.get(i).is_some_and(|m| member(*who, m.from) != Some(false)) {
                        found = earliest(found, self.test_found(i, *test));
                    }
                }
                found
            }
            Node::Count { who, filter: Some(f) } => {
                let c: &'a Conversation = self.c;
                let mut found = None;
                for (i, m) in c.messages.iter().enumerate() {
                    if member(*who, m.from) != Some(false) {
                        found = earliest(found, self.part_at(i, *f));
                    }
                }
                found
            }
            _ => None,
        }
    }

    /// `x mentions lexicon`, which holds: the phrase it found.
    fn mention(&mut self, lhs: NodeId, lexicon: Option<LexId>) -> Option<Found> {
        let p: &'a Program = self.p;
        if let (Some(Node::Msg(MsgField::Text)), Some(i)) = (p.nodes.get(lhs.index()), self.cur) {
            let hit = self.msg_hit(i, lexicon)??;
            return Some(Found { msg: Some(i), hit });
        }
        let inside = self.part(lhs);
        let hit = match (self.node(lhs), lexicon) {
            (V::Str(s), Some(lex)) => self.hit(s, lex),
            _ => None,
        };
        earliest(inside, hit.map(|hit| Found { msg: None, hit }))
    }

    /// The phrase a quantifier's test found in message `i`, when the test holds.
    fn test_found(&mut self, i: usize, test: Test) -> Option<Found> {
        match test {
            Test::Mentions(lexicon) => Some(Found {
                msg: Some(i),
                hit: self.msg_hit(i, lexicon)??,
            }),
            Test::Matches(_) => None,
            Test::Where(x) => self.part_at(i, x),
        }
    }

    /// [`Run::part`] of a condition about message `i` (a `where`).
    fn part_at(&mut self, i: usize, id: NodeId) -> Option<Found> {
        let saved = self.cur;
        self.cur = Some(i);
        let found = self.part(id);
        self.cur = saved;
        found
    }
}
