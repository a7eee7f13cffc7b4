//! The decision of LANGUAGE.md §3, top to bottom:
//!
//! 1. **Does one rule match?** [`Run::matches`]: `when and not unless`, conjunct by conjunct,
//!    three-valued and fail-safe (unknown lets a `require` match and keeps an `allow` out). It
//!    is the only place a rule is decided: the index's candidates, the single-test rules and
//!    `--explain` all ask it.
//! 2. **Which rules match?** [`Plan::matching`]: the `require human` rules first; when one
//!    matches, no other rule can change the decision and the others are not looked at.
//!    Otherwise the `require review` and `allow ai` rules.
//! 3. **Which effect wins?** [`Program::decide`]: the strongest effect among the matching rules
//!    (a `require review` does not lower a `human` default unless an `allow ai` matched), then
//!    its priority, queue and message.
//!
//! How the rules are found is data, a [`Plan`]: each rule's conjuncts in typed form
//! ([`Conjunct`]), the single-test `require` rules decided for every conversation
//! ([`Quicks`]), and the index of the others. The reference plan ([`Plan::reference`]) has each
//! conjunct as written and every rule a candidate: `tests/differential.rs` checks that the two
//! plans give the same verdicts.

use super::conjunct::{self, Conjunct, Quicks};
use super::index::{Candidates, Index};
use super::program::{Head, Node, Program, Rule, RuleId, SlotId};
use super::run::{self, Run, Slots};
use super::value;
use super::verdict::{RuleIds, Verdict};
use crate::ast::{Effect, Priority, Route};
use crate::context::Conversation;

/// How deciding finds the matching rules.
#[derive(Debug)]
pub(crate) struct Plan {
    /// What deciding reads of each rule (same order as [`Program::rules`]).
    pub heads: Vec<Head>,
    /// The conjuncts of every rule's `when` and its `unless`, rule after rule ([`Head`]s range
    /// into it).
    pub conjuncts: Vec<Conjunct>,
    /// The single-test `require` rules, decided for every conversation; the index leaves them out.
    pub quick: Quicks,
    /// Which of the other rules can match, by the values of string slots.
    pub index: Index,
}

impl Plan {
    /// Typed conjuncts, the quick rules apart, the others indexed.
    pub fn new(rules: &[Rule], nodes: &[Node]) -> Plan {
        let (heads, conjuncts) = conjunct::build(rules, nodes);
        let quick = Quicks::new(&heads, &conjuncts);
        let index = Index::build(rules, nodes, &quick.rules());
        Plan {
            heads,
            conjuncts,
            quick,
            index,
        }
    }

    /// The plain plan: each conjunct evaluated as written, every rule a candidate.
    pub fn reference(rules: &[Rule]) -> Plan {
        let (heads, conjuncts) = conjunct::plain(rules);
        Plan {
            heads,
            conjuncts,
            quick: Quicks::default(),
            index: Index::every(rules),
        }
    }

    /// The matching rules, in path order: the `require human` ones; only when none matches,
    /// every other.
    #[inline(always)]
    fn matching<'a>(&self, run: &mut Run<'a, impl Slots>, out: &mut RuleIds) {
        let mut buf = Candidates::new();
        add(run, self, &self.quick.human, false, out);
        if !out.is_empty() && !self.index.files_humans() {
            // no rule the index gives can change the decision: it is not asked
            return;
        }
        let (candidates, filed) = self.index.candidates(|slot| run.string(slot), &mut buf);
        let (humans, others) = candidates.split_at(self.index.humans(candidates));
        add(run, self, humans, filed, out);
        if out.is_empty() {
            self.others(run, others, filed, out);
        }
    }

    /// Adds the matching rules of other effects than `require human` to `out`, keeping path
    /// order: the quick `require review` rules, and those among `others` (the index's
    /// candidates after its `require human` ones).
    #[inline(always)]
    fn others<'a>(&self, run: &mut Run<'a, impl Slots>, others: &[RuleId], filed: bool, out: &mut RuleIds) {
        add(run, self, &self.quick.review, false, out);
        add(run, self, others, filed, out);
    }
}

/// Adds the rules among `rules` (in path order) that match to `out` (in path order), keeping
/// path order.
#[inline(never)]
fn add<'a>(run: &mut Run<'a, impl Slots>, plan: &Plan, rules: &[RuleId], filed: bool, out: &mut RuleIds) {
    let before = out.len();
    for &id in rules {
        if run.matches(plan, id, filed) {
            out.push(id);
        }
    }
    if before > 0 && out.len() > before {
        out.sort_unstable();
    }
}

impl<'a, S: Slots> Run<'a, S> {
    /// Whether rule `id` matches: `when and not unless` holds, where unknown counts toward a
    /// person (a `require` matches unless the condition is false; an `allow` only when it is
    /// true). Conjunct by conjunct, stopping as soon as the outcome is known. `filed`: the
    /// index found the rule by the value its first conjunct tests, so that conjunct holds and
    /// is not evaluated again.
    #[inline(always)]
    pub fn matches(&mut self, plan: &Plan, id: RuleId, filed: bool) -> bool {
        let Some(head) = plan.heads.get(id.index()) else {
            return false;
        };
        let require = head.effect.is_require();
        let start = head.start as usize + usize::from(filed);
        let when = plan.conjuncts.get(start..head.end as usize).unwrap_or(&[]);
        for c in when {
            match self.conjunct(c) {
                Some(true) => {}
                Some(false) => return false,
                None if require => {}
                None => return false,
            }
        }
        if !head.has_unless {
            return true;
        }
        let not_unless = match plan.conjuncts.get(head.end as usize) {
            Some(c) => value::not(self.conjunct(c)),
            None => None,
        };
        if require {
            not_unless != Some(false)
        } else {
            not_unless == Some(true)
        }
    }
}

impl Program {
    /// The verdict for one conversation, the rules found through `plan`.
    pub(super) fn decide<'a>(&'a self, plan: &'a Plan, conversation: &'a Conversation) -> Verdict<'a> {
        // built first, so that the run reads into the verdict's slot values (no copy)
        let mut v = Verdict {
            route: self.default.route,
            priority: Priority::Normal,
            program: self,
            plan,
            conversation,
            effect: None,
            matched: RuleIds::new(),
            queue_rule: None,
            say_rule: None,
            slots: run::unread(self),
            computed: false,
        };
        // the entries of the slots a decision reads, fetched together (the misses of a
        // conversation not in the cache overlap instead of coming one after another)
        std::hint::black_box(conversation.data.touch(&self.touched));
        let mut run = Run::resume(self, conversation, v.slots.as_mut_slice(), None);
        let mut matched = RuleIds::new();
        plan.matching(&mut run, &mut matched);
        let effect = self.winner(plan, &matched);
        if run.signals.is_some() {
            // every signal into its slot, while the computed ones are at hand: the verdict
            // keeps slot values, not the signals
            v.computed = true;
            for (id, slot) in SlotId::all().zip(&self.slots) {
                if slot.signal.is_some() {
                    run.slot(id);
                }
            }
        }
        if let Some(effect) = effect {
            v.route = effect.route();
            let mut queue: Option<(RuleId, Priority)> = None;
            let mut say: Option<(RuleId, Priority)> = None;
            let mut highest: Option<Priority> = None;
            for &id in &matched {
                let Some(h) = plan.heads.get(id.index()).filter(|h| h.effect == effect) else {
                    continue;
                };
                highest = highest.max(Some(h.priority));
                // the highest priority that gives one; ties go to the first in path order
                if h.has_queue && queue.is_none_or(|(_, p)| h.priority > p) {
                    queue = Some((id, h.priority));
                }
                if h.has_say && say.is_none_or(|(_, p)| h.priority > p) {
                    say = Some((id, h.priority));
                }
            }
            v.priority = highest.unwrap_or_default();
            v.queue_rule = queue.map(|(id, _)| id);
            v.say_rule = say.map(|(id, _)| id);
        }
        v.effect = effect;
        v.matched = matched;
        v
    }

    /// The winning effect among the matching rules; `None` when the default decides.
    fn winner(&self, plan: &Plan, matched: &[RuleId]) -> Option<Effect> {
        let effect = |id: &RuleId| plan.heads.get(id.index()).map(|h| h.effect);
        let top = matched.iter().filter_map(effect).max();
        // §3 step 2: when no `allow ai` matches, a `require review` never lowers a `human`
        // default (the default decides)
        top.filter(|&e| {
            e != Effect::RequireReview
                || self.default.route != Route::Human
                || matched.iter().any(|id| effect(id) == Some(Effect::AllowAi))
        })
    }
}

impl<'a> Verdict<'a> {
    /// Every matching rule, in path order. The decision found them all unless a `require
    /// human` rule decided: then the others are looked for now, through the same plan (the
    /// index reads slots the decision has read already).
    pub(super) fn all_matching(&self, run: &mut Run<'a>) -> std::borrow::Cow<'_, [RuleId]> {
        if self.effect != Some(Effect::RequireHuman) {
            return std::borrow::Cow::Borrowed(&self.matched);
        }
        let plan: &Plan = self.plan;
        let mut out = self.matched.clone();
        let mut buf = Candidates::new();
        let (candidates, filed) = plan.index.candidates(|slot| run.string(slot), &mut buf);
        let others = candidates.get(plan.index.humans(candidates)..).unwrap_or(&[]);
        plan.others(run, others, filed, &mut out);
        std::borrow::Cow::Owned(out.into_vec())
    }
}
