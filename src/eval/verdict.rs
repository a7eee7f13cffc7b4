//! The [`Verdict`] that carries a decision (made in `decide.rs`).
//!
//! A verdict holds only the decision: route, priority, which rules matched, and what the
//! evaluation read. Reasons, the justification and the JSON are rendered when asked for.

use super::decide::Plan;
use super::program::{Program, Rule, RuleId};
use super::run::{Run, SlotValues};
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
        self.decide(&self.plan, conversation)
    }

    /// The same verdict, found the straightforward way ([`Plan::reference`]): every rule a
    /// candidate, each condition evaluated as written (the node tree, not the typed
    /// conjuncts). What `tests/differential.rs` checks [`Program::evaluate`] against.
    #[doc(hidden)]
    pub fn evaluate_unindexed<'a>(&'a self, conversation: &'a Conversation) -> Verdict<'a> {
        let plan = self.reference.get_or_init(|| Plan::reference(&self.rules));
        self.decide(plan, conversation)
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
    /// How the rules were found.
    pub(super) plan: &'a Plan,
    /// The matching rules the decision looked for, in path order: the `require human` ones
    /// when one matched (no other rule can change the decision), else every one
    /// ([`Verdict::all_matching`] finds the others when asked).
    pub(super) matched: RuleIds,
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
        let ids = self.all_matching(&mut self.run()).into_owned();
        ids.into_iter().filter_map(move |id| program.rules.get(id.index()))
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
