//! Quantifiers and `count` over the messages, three-valued as LANGUAGE.md §5 "Reading messages"
//! pins them: a message of unknown sender is WHO's with unknown membership, and `messages`
//! that is unknown makes every quantifier over it unknown.

use super::super::program::{NodeId, Test};
use super::super::value::{self, Tri, V};
use super::{Run, Slots};
use crate::ast::{Quantifier, Who};
use crate::context::{Conversation, Sender};

/// Whether a message is WHO's: `None` (every message) counts all; a message of unknown
/// sender is unknown; a `system` message is nobody's.
pub(crate) fn member(who: Option<Who>, from: Sender) -> Tri {
    let Some(who) = who else { return Some(true) };
    let own = match who {
        Who::Customer => Sender::Customer,
        Who::Ai => Sender::Ai,
        Who::Agent => Sender::Agent,
    };
    match from {
        Sender::Unknown => None,
        s => Some(s == own),
    }
}

impl<'a, S: Slots> Run<'a, S> {
    #[inline]
    pub(super) fn quantified(&mut self, quantifier: Quantifier, who: Option<Who>, test: Test) -> Tri {
        self.quantified_at(quantifier, who, test).0
    }

    /// A quantifier's truth, and the message that decided it (`--explain`): for `any`/`no`, the
    /// first message that made it hold (or, unknown, the first that made it unknown); for
    /// `every`, the first that made it fail (or unknown); for `last`, the last of WHO's (or the
    /// later one of unknown sender that made it unknown). `None` when no message decided.
    #[inline(always)]
    pub(crate) fn quantified_at(&mut self, quantifier: Quantifier, who: Option<Who>, test: Test) -> (Tri, Option<usize>) {
        let c: &'a Conversation = self.c;
        if c.messages_unknown {
            return (None, None);
        }
        let saved_cur = self.cur;
        let result = match quantifier {
            // `any`: the `or` of (from WHO and P); `no`: not `any`
            Quantifier::Any | Quantifier::No => {
                let mut r = Some(false);
                let mut at = None;
                for (i, m) in c.messages.iter().enumerate() {
                    let from = member(who, m.from);
                    if from == Some(false) {
                        continue;
                    }
                    let before = r;
                    r = value::or(r, value::and(from, self.test(i, test)));
                    if r != before {
                        at = Some(i);
                    }
                    if r == Some(true) {
                        break;
                    }
                }
                (if quantifier == Quantifier::No { value::not(r) } else { r }, at)
            }
            // `every`: the `and` of (not from WHO or P)
            Quantifier::Every => {
                let mut r = Some(true);
                let mut at = None;
                for (i, m) in c.messages.iter().enumerate() {
                    let from = member(who, m.from);
                    if from == Some(false) {
                        continue;
                    }
                    let before = r;
                    r = value::and(r, value::or(value::not(from), self.test(i, test)));
                    if r != before {
                        at = Some(i);
                    }
                    if r == Some(false) {
                        break;
                    }
                }
                (r, at)
            }
            Quantifier::Last => self.last(who, test),
        };
        self.cur = saved_cur;
        result
    }

    /// `last WHO message P`: P of the last message that is WHO's; a later message of unknown
    /// sender keeps the answer only when P of it is the same (both true or both false).
    fn last(&mut self, who: Option<Who>, test: Test) -> (Tri, Option<usize>) {
        let c: &'a Conversation = self.c;
        // what each message of unknown sender seen so far (from the end) says P is
        let mut want: Option<bool> = None;
        // the latest message of unknown sender
        let mut doubt = None;
        for (i, m) in c.messages.iter().enumerate().rev() {
            let from = member(who, m.from);
            if from == Some(false) {
                continue;
            }
            let p = self.test(i, test);
            if from == Some(true) {
                return match want {
                    None => (p, Some(i)),
                    Some(w) if p == Some(w) => (Some(w), Some(i)),
                    Some(_) => (None, doubt),
                };
            }
            doubt = doubt.or(Some(i));
            match (p, want) {
                (None, _) => return (None, Some(i)),
                (Some(p), None) => want = Some(p),
                (Some(p), Some(w)) if p != w => return (None, Some(i)),
                (Some(_), Some(_)) => {}
            }
        }
        // no message of WHO's before them: false
        match want {
            None | Some(false) => (Some(false), doubt),
            Some(true) => (None, doubt),
        }
    }

    #[inline]
    pub(super) fn count(&mut self, who: Option<Who>, filter: Option<NodeId>) -> V<'a> {
        self.count_at(who, filter).0
    }

    /// `count`, and the first message that made it unknown (`--explain`).
    #[inline(always)]
    pub(crate) fn count_at(&mut self, who: Option<Who>, filter: Option<NodeId>) -> (V<'a>, Option<usize>) {
        let c: &'a Conversation = self.c;
        if c.messages_unknown {
            return (V::Unknown, None);
        }
        let saved_cur = self.cur;
        let mut n = 0u32;
        let mut unknown = None;
        for (i, m) in c.messages.iter().enumerate() {
            let from = member(who, m.from);
            if from == Some(false) {
                continue;
            }
            let t = match filter {
                Some(f) => {
                    self.cur = Some(i);
                    self.truth(f)
                }
                None => Some(true),
            };
            // a message of unknown sender for which P is true or unknown might count
            match (from, t) {
                (Some(true), Some(true)) => n += 1,
                (_, Some(false)) => {}
                _ => unknown = unknown.or(Some(i)),
            }
        }
        self.cur = saved_cur;
        match unknown {
            Some(i) => (V::Unknown, Some(i)),
            None => (V::Num(f64::from(n)), None),
        }
    }
}
