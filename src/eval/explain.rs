//! `--explain`: for every rule, whether it matched and the value of each condition; for a
//! verdict that is not `ai`, the `allow ai` rules that came closest and what kept them out.

use super::program::{Condition, Program, Rule, RuleId, SlotId};
use super::run::Run;
use super::value::Tri;
use super::why::why;
use crate::ast::{Effect, Route};
use crate::context::Conversation;
use serde_json::{Value, json};

/// How many `allow ai` rules `closest_allow` names at most.
const CLOSEST: usize = 3;

impl Program {
    /// The per-rule trace of a conversation's verdict.
    pub fn explain(&self, conversation: &Conversation) -> Value {
        let verdict = self.evaluate(conversation);
        let mut run = Run::new(self, conversation);
        let mut rules = Vec::with_capacity(self.rules.len());
        // (failing conditions, path order, entry)
        let mut near: Vec<(usize, usize, Value)> = Vec::new();
        for ((i, rule), id) in self.rules.iter().enumerate().zip(RuleId::all()) {
            // the decision's own answer; the values below only show how it came about
            let matched = run.matches(&self.plan, id, false);
            let when: Vec<(Tri, String, Vec<Value>)> = rule
                .conjuncts
                .iter()
                .map(|c| {
                    let t = run.truth(c.node);
                    (t, detail(&mut run, c, t), why(&mut run, c, t))
                })
                .collect();
            let unless = rule.unless_condition.as_ref().map(|c| {
                let t = run.truth(c.node);
                (t, detail(&mut run, c, t), why(&mut run, c, t))
            });
            let unknown = unknown_paths(&mut run, rule);
            let tipped = tipped(rule, matched, run.truth(rule.when), unless.as_ref().map(|u| u.0));
            let mut entry = json!({
                "rule": rule.name,
                "principle": rule.principle,
                "effect": rule.effect.as_str(),
                "source": rule.source,
                "matched": matched,
                "when": when.iter().map(|(t, d, w)| condition_json(*t, d, w)).collect::<Vec<_>>(),
                "unless": unless.as_ref().map(|(t, d, w)| condition_json(*t, d, w)),
            });
            if !unknown.is_empty() {
                insert(&mut entry, "unknown", json!(unknown));
            }
            if tipped {
                insert(&mut entry, "tipped_by_unknown", json!(true));
            }
            rules.push(entry);

            if rule.effect == Effect::AllowAi && verdict.route != Route::Ai {
                let mut failing: Vec<&str> = when
                    .iter()
                    .filter(|(t, _, _)| *t != Some(true))
                    .map(|(_, d, _)| d.as_str())
                    .collect();
                if let Some((t, d, _)) = &unless {
                    if *t != Some(false) {
                        failing.push(d);
                    }
                }
                let mut entry = json!({ "rule": rule.name, "source": rule.source, "failing": failing });
                if matched {
                    insert(
                        &mut entry,
                        "overridden",
                        json!(format!("matched, but a `{}` rule decides", verdict.route_effect())),
                    );
                }
                near.push((failing.len(), i, entry));
            }
        }
        near.sort_by_key(|(n, i, _)| (*n, *i));
        let mut out = json!({
            "route": verdict.route,
            "decided_by": verdict.decided_by_names(),
            "rules": rules,
        });
        if verdict.route != Route::Ai {
            insert(
                &mut out,
                "closest_allow",
                Value::Array(near.into_iter().take(CLOSEST).map(|(_, _, e)| e).collect()),
            );
        }
        out
    }
}

impl super::Verdict<'_> {
    /// The statement that decided (`require human`, …), or `default`.
    fn route_effect(&self) -> &'static str {
        match self.route {
            _ if self.is_default() => "default",
            Route::Human => "require human",
            Route::Review => "require review",
            Route::Ai => "allow ai",
        }
    }
}

/// Whether unknown data decided the rule: a `require` that matched only because something was
/// unknown, or an `allow` kept out by unknown data.
fn tipped(rule: &Rule, matched: bool, when: Tri, unless: Option<Tri>) -> bool {
    if rule.effect.is_require() {
        matched && (when.is_none() || (when == Some(true) && unless == Some(None)))
    } else {
        !matched && (when.is_none() || (when == Some(true) && unless == Some(None)))
    }
}

fn insert(object: &mut Value, key: &str, value: Value) {
    if let Some(map) = object.as_object_mut() {
        map.insert(key.to_string(), value);
    }
}

/// A condition's value, its operands (`detail`) and why it has that value (`why`, see
/// [`super::why`]).
fn condition_json(t: Tri, detail: &str, why: &[Value]) -> Value {
    json!({ "value": tri_json(t), "detail": detail, "why": why })
}

fn tri_json(t: Tri) -> Value {
    match t {
        Some(b) => Value::Bool(b),
        None => Value::String("unknown".into()),
    }
}

/// "ai.confidence >= 0.85 was 0.62"; with several fields, each value in turn; with none, the
/// truth of the condition.
fn detail(run: &mut Run<'_>, c: &Condition, t: Tri) -> String {
    match c.slots.as_slice() {
        [] => format!("{} is {}", c.text, tri_text(t)),
        [one] => format!("{} was {}", c.text, value_text(run, *one)),
        many => {
            let values: Vec<String> = many
                .iter()
                .map(|id| {
                    let path = run.p.slots.get(id.index()).map_or("?", |s| s.path.as_str());
                    format!("{path} was {}", value_text(run, *id))
                })
                .collect();
            format!("{} ({}) is {}", c.text, values.join(", "), tri_text(t))
        }
    }
}

fn value_text(run: &mut Run<'_>, id: SlotId) -> String {
    let round = run.is_computed(id);
    run.slot(id).describe(round)
}

fn tri_text(t: Tri) -> &'static str {
    match t {
        Some(true) => "true",
        Some(false) => "false",
        None => "unknown",
    }
}

/// The declared paths the rule's conditions read that are unknown here.
fn unknown_paths<'p>(run: &mut Run<'p>, rule: &Rule) -> Vec<&'p str> {
    let program: &'p Program = run.p;
    let mut out: Vec<&'p str> = Vec::new();
    for c in rule.conjuncts.iter().chain(&rule.unless_condition) {
        for id in &c.slots {
            let Some(slot) = program.slots.get(id.index()) else {
                continue;
            };
            if slot.ty.is_some() && run.slot(*id).is_unknown() && !out.contains(&slot.path.as_str()) {
                out.push(slot.path.as_str());
            }
        }
    }
    out.sort_unstable();
    out
}
