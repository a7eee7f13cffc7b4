//! The decision (LANGUAGE.md §3) and the [`Verdict`] that carries it.
//!
//! A verdict holds only the decision: route, priority, which rules matched, and what the
//! evaluation read. Reasons, the justification and the JSON are rendered when asked for.

use super::index::{self, Candidates};
use super::program::{Program, Rule, RuleId, SlotId};
use super::run::{self, Run, SlotValues, Slots};
use crate::ast::{Effect, Priority, Route};
use crate::context::Conversation;
use serde_json::Value;
use smallvec::SmallVec;

/// Rule indices, in path order.
pub(crate) type RuleIds = SmallVec<[RuleId; 8]>;

impl Program {
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// `version` of each header that gives one, in path order, joined by `+`.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The conversation paths the rules read (in conditions or reasons), computed signals left
    /// out: what the decision log keeps of the input by default.
    pub fn read_paths(&self) -> impl Iterator<Item = &str> {
        self.slots
            .iter()
            .filter(|s| s.signal.is_none())
            .map(|s| s.path.as_str())
    }

    /// Names of every rule, in path order.
    pub fn rule_names(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| r.name.as_str())
    }

    /// The verdict for one conversation. Never fails, never panics.
    pub fn evaluate<'a>(&'a self, conversation: &'a Conversation) -> Verdict<'a> {
        self.decide(conversation, true)
    }

    /// The same verdict, found the straightforward way: every rule (no index), each condition
    /// evaluated as written (the node tree, not the typed conjuncts). The reference that
    /// `tests/differential.rs` checks [`Program::evaluate`] against.
    #[doc(hidden)]
    pub fn evaluate_unindexed<'a>(&'a self, conversation: &'a Conversation) -> Verdict<'a> {
        self.decide(conversation, false)
    }

    fn decide<'a>(&'a self, conversation: &'a Conversation, indexed: bool) -> Verdict<'a> {
        // built first, so that the run reads into the verdict's slot values (no copy)
        let mut v = Verdict {
            route: self.default.route,
            priority: Priority::Normal,
            program: self,
            conversation,
            effect: None,
            matched: RuleIds::new(),
            complete: true,
            indexed,
            queue_rule: None,
            say_rule: None,
            slots: run::unread(self),
            computed: false,
        };
        // the entries of the slots a decision reads, fetched together (the misses of a
        // conversation not in the cache overlap instead of coming one after another)
        std::hint::black_box(conversation.data.touch(&self.touched));
        let mut run = Run::resume(self, conversation, v.slots.as_mut_slice(), None);
        let mut buf = Candidates::new();
        // `require human` rules first: when one matches, no other rule can change the
        // decision, and the other matching rules are found only if asked for (`matched`).
        // The reference looks at every rule twice.
        let mut matched = RuleIds::new();
        let complete = if indexed {
            self.match_indexed(&mut run, &mut buf, &mut matched)
        } else {
            index::all(self, &mut buf);
            match_rules(&mut run, &buf, None, |e| e == Effect::RequireHuman, &mut matched);
            let complete = matched.is_empty();
            if complete {
                match_rules(&mut run, &buf, None, |e| e != Effect::RequireHuman, &mut matched);
            }
            complete
        };
        let top = matched
            .iter()
            .filter_map(|&id| self.heads.get(id.index()))
            .map(|h| h.effect)
            .max();
        // §3 step 2: when no `allow ai` matches, a `require review` never lowers a `human`
        // default (the default decides)
        let top = top.filter(|&e| {
            e != Effect::RequireReview
                || self.default.route != Route::Human
                || matched
                    .iter()
                    .any(|&id| self.heads.get(id.index()).is_some_and(|h| h.effect == Effect::AllowAi))
        });
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
        if let Some(effect) = top {
            v.route = effect.route();
            let mut queue: Option<(RuleId, Priority)> = None;
            let mut say: Option<(RuleId, Priority)> = None;
            let mut highest: Option<Priority> = None;
            for &id in &matched {
                let Some(h) = self.heads.get(id.index()).filter(|h| h.effect == effect) else {
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
        v.effect = top;
        v.matched = matched;
        v.complete = complete;
        v
    }
}

impl Program {
    /// The matching rules, in path order, `require human` ones first: the quick ones (one flat
    /// pass), then the index's; the others only when none of those matched. Whether `matched`
    /// holds every matching rule.
    #[inline(always)]
    fn match_indexed<'a>(&'a self, run: &mut Run<'a, impl Slots>, buf: &mut Candidates, matched: &mut RuleIds) -> bool {
        run.quick(&self.quick.human, matched);
        if !matched.is_empty() && !self.index.files_humans() {
            // no rule the index gives can change the decision: it is not asked
            return false;
        }
        let (candidates, filed) = self.index.candidates(|slot| run.string(slot), buf);
        let (humans, others) = candidates.split_at(self.index.humans(candidates));
        merge(matched, |m| match_rules(run, humans, Some(filed), |_| true, m));
        if !matched.is_empty() {
            return false;
        }
        run.quick(&self.quick.review, matched);
        merge(matched, |m| match_rules(run, others, Some(filed), |_| true, m));
        true
    }

    /// The rules that can match, in path order: from the index, or every rule.
    fn candidates<'s, 'a>(
        &'s self,
        run: &mut Run<'a, impl Slots>,
        indexed: bool,
        buf: &'s mut Candidates,
    ) -> (&'s [RuleId], Option<bool>) {
        if indexed {
            let (candidates, filed) = self.index.candidates(|slot| run.string(slot), buf);
            (candidates, Some(filed))
        } else {
            index::all(self, buf);
            (buf, None)
        }
    }
}

/// Adds what `add` finds (in path order) to `matched` (in path order), keeping path order.
#[inline(always)]
fn merge(matched: &mut RuleIds, add: impl FnOnce(&mut RuleIds)) {
    let before = matched.len();
    add(matched);
    if before > 0 && matched.len() > before {
        matched.sort_unstable();
    }
}

/// Adds the rules among `candidates` (in path order) whose effect passes `filter` that match
/// to `out`.
#[inline(never)]
fn match_rules<'a>(
    run: &mut Run<'a, impl Slots>,
    candidates: &[RuleId],
    fast: Option<bool>,
    filter: impl Fn(Effect) -> bool,
    out: &mut RuleIds,
) {
    let heads = &run.p.heads;
    for &id in candidates {
        if let Some(head) = heads.get(id.index()) {
            let found = filter(head.effect)
                && match fast {
                    Some(filed) => run.matches(head, filed),
                    None => run.p.rules.get(id.index()).is_some_and(|r| run.rule(r).matched),
                };
            if found {
                out.push(id);
            }
        }
    }
}

/// Whether a rule matches: from its typed conjuncts (`Some(filed)`, as [`Run::matches`]), or
/// its conditions as written (`None`).
#[inline(always)]
fn matches<'a>(run: &mut Run<'a, impl Slots>, id: RuleId, fast: Option<bool>) -> bool {
    let p = run.p;
    match fast {
        Some(filed) => p.heads.get(id.index()).is_some_and(|h| run.matches(h, filed)),
        None => p.rules.get(id.index()).is_some_and(|r| run.rule(r).matched),
    }
}

/// The outcome of evaluating a conversation: where it goes and why.
pub struct Verdict<'a> {
    pub route: Route,
    pub priority: Priority,
    pub(super) program: &'a Program,
    pub(super) conversation: &'a Conversation,
    /// The winning effect; `None` when the default decided.
    pub(super) effect: Option<Effect>,
    /// The matching rules found: all of them when `complete`, else the `require human` ones.
    pub(super) matched: RuleIds,
    pub(super) complete: bool,
    /// Whether rules were found through the index (else by evaluating every rule).
    pub(super) indexed: bool,
    pub(super) queue_rule: Option<RuleId>,
    pub(super) say_rule: Option<RuleId>,
    pub(super) slots: SlotValues,
    /// Whether the evaluation computed signals (the input did not give all it read).
    pub(super) computed: bool,
}

/// A deciding rule as verdicts show it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Decider {
    pub rule: String,
    pub principle: Option<String>,
    pub effect: &'static str,
    /// `file:line:col` of the rule.
    pub source: String,
    /// The rendered `because`.
    pub reason: String,
}

impl<'a> Verdict<'a> {
    fn rule(&self, id: RuleId) -> Option<&'a Rule> {
        self.program.rules.get(id.index())
    }

    /// The deciding rules (all matching rules of the winning effect), in path order.
    pub(super) fn deciding_rules(&self) -> impl Iterator<Item = (RuleId, &'a Rule)> + '_ {
        let program: &'a Program = self.program;
        self.matched.iter().filter_map(move |&id| {
            let rule = program.rules.get(id.index())?;
            (Some(rule.effect) == self.effect).then_some((id, rule))
        })
    }

    /// Every matching rule, in path order.
    pub(super) fn matched_rules(&self) -> impl Iterator<Item = &'a Rule> + use<'a> {
        let program: &'a Program = self.program;
        let ids = if self.complete {
            self.matched.clone()
        } else {
            self.all_matching(&mut self.run())
        };
        ids.into_iter().filter_map(move |id| program.rules.get(id.index()))
    }

    /// Every matching rule, found again (when a `require human` decided, the others were not
    /// looked for).
    pub(super) fn all_matching(&self, run: &mut Run<'a>) -> RuleIds {
        if self.complete {
            return self.matched.clone();
        }
        // the `require human` rules that match are known; the others are looked at now (the
        // index reads slots the evaluation has read already)
        let heads = &self.program.heads;
        let mut out = self.matched.clone();
        let mut buf = Candidates::new();
        if self.indexed {
            // the quick `require review` rules, which the index leaves out
            run.quick(&self.program.quick.review, &mut out);
        }
        let (candidates, fast) = self.program.candidates(run, self.indexed, &mut buf);
        for &id in candidates {
            let Some(head) = heads.get(id.index()) else { continue };
            if head.effect != Effect::RequireHuman && matches(run, id, fast) {
                out.push(id);
            }
        }
        // in path order (the index gives `require human` rules first)
        out.sort_unstable();
        out
    }

    /// A run that continues from this evaluation, for rendering.
    pub(super) fn run(&self) -> Run<'a> {
        Run::resume(self.program, self.conversation, self.slots.clone(), None)
    }

    pub fn program(&self) -> &'a Program {
        self.program
    }

    pub fn conversation(&self) -> &'a Conversation {
        self.conversation
    }

    pub fn conversation_id(&self) -> Option<String> {
        self.conversation.id()
    }

    pub fn route(&self) -> Route {
        self.route
    }

    pub fn priority(&self) -> Priority {
        self.priority
    }

    /// Whether the set's default decided (no rule matched).
    pub fn is_default(&self) -> bool {
        self.effect.is_none()
    }

    pub fn queue(&self) -> Option<&'a str> {
        self.queue_rule
            .and_then(|id| self.rule(id))
            .and_then(|r| r.queue.as_deref())
    }

    pub fn say(&self) -> Option<&'a str> {
        self.say_rule
            .and_then(|id| self.rule(id))
            .and_then(|r| r.say.as_deref())
    }

    /// `must` of every matching `allow ai` / `require review` rule and every header's
    /// `ai_must`, when the AI talks to the customer (route `ai` or `review`); sorted.
    pub fn obligations(&self) -> Vec<&'a str> {
        if self.route == Route::Human {
            return Vec::new();
        }
        self.obligations_of(self.matched_rules()).into_vec()
    }

    /// [`Verdict::obligations`] from the matching rules, found once.
    pub(super) fn obligations_of(&self, matched: impl Iterator<Item = &'a Rule>) -> SmallVec<[&'a str; 8]> {
        if self.route == Route::Human {
            return SmallVec::new();
        }
        let mut out: SmallVec<[&'a str; 8]> = self.program.ai_must.iter().map(String::as_str).collect();
        for rule in matched {
            if matches!(rule.effect, Effect::AllowAi | Effect::RequireReview) {
                out.extend(rule.must.iter().map(String::as_str));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The union of the deciding rules' tags, sorted.
    pub fn tags(&self) -> Vec<&'a str> {
        self.tag_set().into_vec()
    }

    /// [`Verdict::tags`], without allocating for a few.
    pub(super) fn tag_set(&self) -> SmallVec<[&'a str; 8]> {
        let mut out: SmallVec<[&'a str; 8]> = self
            .deciding_rules()
            .flat_map(|(_, r)| r.tags.iter().map(String::as_str))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    pub fn decided_by_names(&self) -> Vec<&'a str> {
        self.deciding_rules().map(|(_, r)| r.name.as_str()).collect()
    }

    /// Every matching rule, whatever its effect, in path order.
    pub fn matched(&self) -> Vec<&'a str> {
        self.matched_rules().map(|r| r.name.as_str()).collect()
    }

    pub fn digest(&self) -> &'a str {
        &self.program.digest
    }

    pub fn version(&self) -> Option<&'a str> {
        self.program.version.as_deref()
    }

    /// The verdict as JSON (see [`Verdict`]'s `Serialize` for the key order, which a
    /// `serde_json::Value` map does not keep).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The per-rule trace of `--explain`.
    pub fn explain(&self) -> Value {
        self.program.explain(self.conversation)
    }
}

impl std::fmt::Debug for Verdict<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verdict")
            .field("conversation", &self.conversation_id())
            .field("route", &self.route)
            .field("priority", &self.priority)
            .field("queue", &self.queue())
            .field("decided_by", &self.decided_by_names())
            .field("matched", &self.matched())
            .finish()
    }
}
