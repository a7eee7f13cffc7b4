//! The decision (LANGUAGE.md §3) and the [`Verdict`] that carries it.
//!
//! A verdict holds only the decision: route, priority, which rules matched, and what the
//! evaluation read. Reasons, the justification and the JSON are rendered when asked for.

use super::index::Candidates;
use super::program::{Part, Program, Rule, RuleId, Template};
use super::run::{Run, SlotValues};
use crate::ast::{Effect, Priority, Route};
use crate::context::Conversation;
use crate::signals::Signals;
use serde::ser::SerializeStruct;
use serde_json::{Map, Value};
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

    /// Names of every rule, in path order.
    pub fn rule_names(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| r.name.as_str())
    }

    /// The verdict for one conversation. Never fails, never panics.
    pub fn evaluate<'a>(&'a self, conversation: &'a Conversation) -> Verdict<'a> {
        self.decide(conversation, true)
    }

    /// The same verdict, found by evaluating every rule (no index): the reference that
    /// `tests/differential.rs` checks the indexed path against.
    #[doc(hidden)]
    pub fn evaluate_unindexed<'a>(&'a self, conversation: &'a Conversation) -> Verdict<'a> {
        self.decide(conversation, false)
    }

    fn decide<'a>(&'a self, conversation: &'a Conversation, indexed: bool) -> Verdict<'a> {
        let mut run = Run::new(self, conversation);
        // `require human` rules first: when one matches, no other rule can change the
        // decision, and the other matching rules are found only if asked for (`matched`).
        let mut matched = match_rules(&mut run, indexed, |e| e == Effect::RequireHuman);
        let complete = matched.is_empty();
        if complete {
            matched = match_rules(&mut run, indexed, |e| e != Effect::RequireHuman);
        }
        let top = matched
            .iter()
            .filter_map(|&id| self.rules.get(id as usize))
            .map(|r| r.effect)
            .max();
        let mut verdict = Verdict {
            route: self.default.route,
            priority: Priority::Normal,
            program: self,
            conversation,
            effect: top,
            matched,
            complete,
            indexed,
            queue_rule: None,
            say_rule: None,
            slots: run.slots,
            signals: run.signals,
        };
        if let Some(effect) = top {
            verdict.route = effect.route();
            let mut queue: Option<(RuleId, Priority)> = None;
            let mut say: Option<(RuleId, Priority)> = None;
            let mut priority: Option<Priority> = None;
            for (id, rule) in verdict.deciding_rules() {
                priority = priority.max(Some(rule.priority));
                // the highest priority that gives one; ties go to the first in path order
                if rule.queue.is_some() && queue.is_none_or(|(_, p)| rule.priority > p) {
                    queue = Some((id, rule.priority));
                }
                if rule.say.is_some() && say.is_none_or(|(_, p)| rule.priority > p) {
                    say = Some((id, rule.priority));
                }
            }
            verdict.priority = priority.unwrap_or_default();
            verdict.queue_rule = queue.map(|(id, _)| id);
            verdict.say_rule = say.map(|(id, _)| id);
        }
        verdict
    }
}

/// The rules whose effect passes `filter` that match, in path order: the index's candidates,
/// or every rule when not `indexed`.
fn match_rules(run: &mut Run<'_>, indexed: bool, filter: impl Fn(Effect) -> bool) -> RuleIds {
    let program = run.p;
    let mut out = RuleIds::new();
    let mut visit = |run: &mut Run<'_>, id: RuleId| {
        if let Some(rule) = program.rules.get(id as usize) {
            if filter(rule.effect) && run.rule(rule).matched {
                out.push(id);
            }
        }
    };
    if indexed {
        for id in Candidates::new(program, |slot| run.slot(slot)) {
            visit(run, id);
        }
    } else {
        for id in Candidates::all(program) {
            visit(run, id);
        }
    }
    out
}

/// The outcome of evaluating a conversation: where it goes and why.
pub struct Verdict<'a> {
    pub route: Route,
    pub priority: Priority,
    program: &'a Program,
    conversation: &'a Conversation,
    /// The winning effect; `None` when the default decided.
    effect: Option<Effect>,
    /// The matching rules found: all of them when `complete`, else the `require human` ones.
    matched: RuleIds,
    complete: bool,
    /// Whether rules were found through the index (else by evaluating every rule).
    indexed: bool,
    queue_rule: Option<RuleId>,
    say_rule: Option<RuleId>,
    slots: SlotValues<'a>,
    signals: Option<Signals>,
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
        self.program.rules.get(id as usize)
    }

    /// The deciding rules (all matching rules of the winning effect), in path order.
    fn deciding_rules(&self) -> impl Iterator<Item = (RuleId, &'a Rule)> + '_ {
        let program: &'a Program = self.program;
        self.matched.iter().filter_map(move |&id| {
            let rule = program.rules.get(id as usize)?;
            (Some(rule.effect) == self.effect).then_some((id, rule))
        })
    }

    /// Every matching rule, in path order.
    fn matched_rules(&self) -> impl Iterator<Item = &'a Rule> + use<'a> {
        let program: &'a Program = self.program;
        let ids = if self.complete {
            self.matched.clone()
        } else {
            match_rules(&mut self.run(), self.indexed, |_| true)
        };
        ids.into_iter().filter_map(move |id| program.rules.get(id as usize))
    }

    /// A run that continues from this evaluation, for rendering.
    fn run(&self) -> Run<'a> {
        Run::resume(self.program, self.conversation, self.slots.clone(), self.signals)
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
        let mut out: Vec<&'a str> = self.program.ai_must.iter().map(String::as_str).collect();
        for rule in self.matched_rules() {
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
        let mut out: Vec<&'a str> = self
            .deciding_rules()
            .flat_map(|(_, r)| r.tags.iter().map(String::as_str))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The deciding rules with their rendered reasons, in path order; empty for the default.
    pub fn decided_by(&self) -> Vec<Decider> {
        let mut run = self.run();
        self.deciders(&mut run)
    }

    fn deciders(&self, run: &mut Run<'a>) -> Vec<Decider> {
        self.deciding_rules()
            .map(|(_, rule)| Decider {
                rule: rule.name.clone(),
                principle: rule.principle.clone(),
                effect: rule.effect.as_str(),
                source: rule.source.clone(),
                reason: render(run, &rule.because, Some(rule)),
            })
            .collect()
    }

    pub fn decided_by_names(&self) -> Vec<&'a str> {
        self.deciding_rules().map(|(_, r)| r.name.as_str()).collect()
    }

    /// Every matching rule, whatever its effect, in path order.
    pub fn matched(&self) -> Vec<&'a str> {
        self.matched_rules().map(|r| r.name.as_str()).collect()
    }

    /// The route in words, then each deciding rule's reason with its principle and source.
    pub fn justification(&self) -> String {
        let mut run = self.run();
        let deciders = self.deciders(&mut run);
        self.justify(&mut run, &deciders)
    }

    fn justify(&self, run: &mut Run<'a>, deciders: &[Decider]) -> String {
        let mut out = String::from(match self.route {
            Route::Human => "A person takes this conversation: ",
            Route::Review => "A person reviews every AI reply: ",
            Route::Ai => "The assistant may handle this conversation: ",
        });
        if deciders.is_empty() {
            let default = &self.program.default;
            out.push_str(&render(run, &default.because, None));
            out.push_str(" (default");
            if !default.source.is_empty() {
                out.push_str(", ");
                out.push_str(&default.source);
            }
            out.push(')');
            return out;
        }
        for (i, d) in deciders.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(&d.reason);
            out.push_str(" (rule \"");
            out.push_str(&d.rule);
            out.push('"');
            if let Some(p) = &d.principle {
                out.push_str(", principle \"");
                out.push_str(p);
                out.push('"');
            }
            out.push_str(", ");
            out.push_str(&d.source);
            out.push(')');
        }
        out
    }

    /// Every declared path some rule's condition reads that is unknown here, sorted.
    pub fn unknown(&self) -> Vec<&'a str> {
        let mut run = self.run();
        self.unknowns(&mut run)
    }

    fn unknowns(&self, run: &mut Run<'a>) -> Vec<&'a str> {
        let program: &'a Program = self.program;
        let mut out: Vec<&'a str> = Vec::new();
        for (i, slot) in program.slots.iter().enumerate() {
            let Ok(id) = u16::try_from(i) else { break };
            if slot.read && slot.ty.is_some() && run.slot(id).is_unknown() {
                out.push(slot.path.as_str());
            }
        }
        out.sort_unstable();
        out
    }

    /// Every signal the set reads, given or computed (computed numbers rounded to two
    /// decimals), `null` when unknown.
    pub fn signals_json(&self) -> Value {
        let mut run = self.run();
        signals_json(&mut run)
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

fn signals_json(run: &mut Run<'_>) -> Value {
    let program = run.p;
    let mut map = Map::new();
    for (i, slot) in program.slots.iter().enumerate() {
        let Ok(id) = u16::try_from(i) else { break };
        if slot.signal.is_none() {
            continue;
        }
        let name = slot.path.strip_prefix("signals.").unwrap_or(&slot.path);
        let round = run.is_computed(id);
        map.insert(name.to_string(), run.slot(id).to_json(round));
    }
    Value::Object(map)
}

/// A template with its placeholders filled in.
pub(crate) fn render(run: &mut Run<'_>, template: &Template, rule: Option<&Rule>) -> String {
    let mut out = String::new();
    for part in &template.parts {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Slot(id) => {
                let round = run.is_computed(*id);
                run.slot(*id).render(round, &mut out);
            }
            Part::Matched => match rule.and_then(|r| run.matched_phrase(r)) {
                Some(phrase) => out.push_str(phrase),
                None => out.push_str("unknown"),
            },
        }
    }
    out
}

impl serde::Serialize for Verdict<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut run = self.run();
        let deciders = self.deciders(&mut run);
        let justification = self.justify(&mut run, &deciders);
        let unknown = self.unknowns(&mut run);
        let signals = signals_json(&mut run);
        let mut s = serializer.serialize_struct("Verdict", 13)?;
        s.serialize_field("conversation", &self.conversation_id())?;
        s.serialize_field("route", &self.route)?;
        s.serialize_field("queue", &self.queue())?;
        s.serialize_field("priority", &self.priority)?;
        s.serialize_field("say", &self.say())?;
        s.serialize_field("obligations", &self.obligations())?;
        s.serialize_field("tags", &self.tags())?;
        s.serialize_field("decided_by", &deciders)?;
        s.serialize_field("matched", &self.matched())?;
        s.serialize_field("justification", &justification)?;
        s.serialize_field("unknown", &unknown)?;
        s.serialize_field("signals", &signals)?;
        s.serialize_field(
            "policy",
            &PolicyRef {
                version: self.version(),
                digest: self.digest(),
            },
        )?;
        s.end()
    }
}

#[derive(serde::Serialize)]
struct PolicyRef<'a> {
    version: Option<&'a str>,
    digest: &'a str,
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
