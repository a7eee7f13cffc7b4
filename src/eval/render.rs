//! Rendering a [`Verdict`]: reasons, the justification and the JSON of INTERFACE.md, computed
//! only when shown or serialised, from what the evaluation read (the deciding path renders
//! nothing).

use super::program::{Condition, Part, Program, Rule, SlotId, Template};
use super::run::Run;
use super::value::{V, round2};
use super::verdict::{Decider, Verdict};
use crate::ast::Route;
use crate::context::{Conversation, Field, Key};
use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde_json::{Map, Value};
use smallvec::SmallVec;

/// A deciding rule with its rendered reason.
struct Reasoned<'a> {
    rule: &'a Rule,
    reason: String,
}

impl<'a> Verdict<'a> {
    /// The deciding rules with their rendered reasons, in path order; empty for the default.
    pub fn decided_by(&self) -> Vec<Decider> {
        let mut run = self.run();
        self.reasons(&mut run)
            .into_iter()
            .map(|r| Decider {
                rule: r.rule.name.clone(),
                principle: r.rule.principle.clone(),
                effect: r.rule.effect.as_str(),
                source: r.rule.source.clone(),
                reason: r.reason,
            })
            .collect()
    }

    fn reasons(&self, run: &mut Run<'a>) -> SmallVec<[Reasoned<'a>; 2]> {
        self.deciding_rules()
            .map(|(_, rule)| Reasoned {
                rule,
                reason: render(run, &rule.because, Some(rule)),
            })
            .collect()
    }

    /// The route in words, then each deciding rule's reason with its principle and source,
    /// separated by [`REASONS_SEPARATOR`]; a rule that matched only because data was unknown
    /// says so.
    pub fn justification(&self) -> String {
        let (words, reasons) = self.justification_lines();
        String::from(words) + &reasons.join(REASONS_SEPARATOR)
    }

    /// The justification for people: the route in words (`"A person takes this conversation: "`),
    /// then each deciding rule's reason with its citation (or the default's), one a line.
    pub fn justification_lines(&self) -> (&'static str, Vec<String>) {
        let mut run = self.run();
        let reasons = self.reasons(&mut run);
        (route_words(self.route), self.justify(&mut run, &reasons))
    }

    fn justify(&self, run: &mut Run<'a>, reasons: &[Reasoned<'a>]) -> Vec<String> {
        if reasons.is_empty() {
            let default = &self.program.default;
            let mut out = render(run, &default.because, None);
            out.push_str(" (default");
            if !default.source.is_empty() {
                out.push_str(", ");
                out.push_str(&default.source);
            }
            out.push(')');
            return vec![out];
        }
        let mut lines = Vec::with_capacity(reasons.len());
        for r in reasons {
            let mut out = r.reason.clone();
            out.push_str(" (rule \"");
            out.push_str(&r.rule.name);
            out.push('"');
            if let Some(p) = &r.rule.principle {
                out.push_str(", principle \"");
                out.push_str(p);
                out.push('"');
            }
            out.push_str(", ");
            out.push_str(&r.rule.source);
            out.push(')');
            unknown_note(run, r.rule, |s| out.push_str(s));
            lines.push(out);
        }
        lines
    }

    /// Every declared path some rule's condition reads that is unknown here, sorted.
    pub fn unknown(&self) -> Vec<&'a str> {
        let mut run = self.run();
        unknowns(&mut run).into_vec()
    }

    /// Every signal the set reads, given or computed (computed numbers rounded to two
    /// decimals), `null` when unknown.
    pub fn signals_json(&self) -> Value {
        let mut run = self.run();
        let mut map = Map::new();
        for (name, v, round) in signal_values(&mut run) {
            map.insert(name.to_string(), v.to_json(round));
        }
        Value::Object(map)
    }
}

/// Between two deciding rules' reasons in the one-string `justification` (docs/DECISIONS.md).
pub(super) const REASONS_SEPARATOR: &str = " | ";

/// How the justification starts for each route.
pub(super) fn route_words(route: Route) -> &'static str {
    match route {
        Route::Human => "A person takes this conversation: ",
        Route::Review => "A person reviews every AI reply: ",
        Route::Ai => "The assistant may handle this conversation: ",
    }
}

/// After a `require` rule's citation: ` — matched because `x` is unknown`, when the rule
/// matched only because some of its conditions were unknown (fail-safe). The note goes to `out`
/// a piece at a time (into the justification's `String`, or escaped into JSON).
pub(super) fn unknown_note(run: &mut Run<'_>, rule: &Rule, mut out: impl FnMut(&str)) {
    if !rule.effect.is_require() {
        return;
    }
    let when = run.truth(rule.when);
    let unless = rule.unless.map(|u| run.truth(u));
    let conditions: SmallVec<[&Condition; 4]> = if when.is_none() {
        let mut unknown = SmallVec::new();
        for c in &rule.conjuncts {
            if run.truth(c.node).is_none() {
                unknown.push(c);
            }
        }
        unknown
    } else if unless == Some(None) {
        rule.unless_condition.iter().collect()
    } else {
        return;
    };
    let program: &Program = run.p;
    let mut paths: SmallVec<[&str; 4]> = SmallVec::new();
    let messages = conditions.iter().any(|c| c.messages);
    for c in conditions {
        for &id in &c.slots {
            let Some(slot) = program.slots.get(id.index()) else {
                continue;
            };
            if slot.ty.is_some() && run.slot(id).is_unknown() && !paths.contains(&slot.path.as_str()) {
                paths.push(slot.path.as_str());
            }
        }
    }
    out(" — matched because ");
    let n = paths.len();
    for (i, path) in paths.iter().enumerate() {
        if i > 0 {
            out(if i + 1 == n { " and " } else { ", " });
        }
        out("`");
        out(path);
        out("`");
    }
    let what = if run.c.messages_unknown {
        "`messages` is unknown (not a list, or its key misspelt)"
    } else {
        "the sender, text or sentiment of a message is unknown"
    };
    match (n, messages) {
        (0, true) => out(what),
        (0, false) => out("its condition could not be decided from the data given"),
        (1, false) => out(" is unknown"),
        (_, false) => out(" are unknown"),
        (_, true) => {
            out(" or ");
            out(what);
        }
    }
}

/// Every declared path some rule's condition reads that is unknown, sorted.
pub(super) fn unknowns<'a>(run: &mut Run<'a>) -> SmallVec<[&'a str; 8]> {
    let program: &'a Program = run.p;
    let mut out: SmallVec<[&'a str; 8]> = SmallVec::new();
    for (id, slot) in SlotId::all().zip(&program.slots) {
        if slot.read && slot.ty.is_some() && run.slot(id).is_unknown() {
            out.push(slot.path.as_str());
        }
    }
    if program.reads_messages && run.c.messages_doubtful() {
        out.push("messages");
    }
    out.sort_unstable();
    out
}

/// Each signal the set reads: its name, value, and whether it is computed (then rounded).
pub(super) fn signal_values<'a>(run: &mut Run<'a>) -> SmallVec<[(&'a str, V<'a>, bool); 8]> {
    let program: &'a Program = run.p;
    let mut out = SmallVec::new();
    for (id, slot) in SlotId::all().zip(&program.slots) {
        if slot.signal.is_none() {
            continue;
        }
        let name = slot.path.strip_prefix("signals.").unwrap_or(&slot.path);
        let round = run.is_computed(id);
        out.push((name, run.slot(id), round));
    }
    out
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
            Part::Id => out.push_str(run.c.id().as_deref().unwrap_or("unknown")),
        }
    }
    out
}

impl Verdict<'_> {
    /// Appends the verdict as compact JSON to `out`: `serde_json::to_writer` of its `Serialize`,
    /// the one way a verdict becomes JSON (or YAML, or a [`Value`]).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        // (writing into a `Vec` cannot fail, nor can the `Serialize` below)
        let _ = serde_json::to_writer(out, self);
    }
}

/// The verdict of INTERFACE.md, keys in its order.
impl serde::Serialize for Verdict<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut run = self.run();
        let reasons = self.reasons(&mut run);
        let justification = route_words(self.route).to_string()
            + &self.justify(&mut run, &reasons).join(REASONS_SEPARATOR);
        let unknown = unknowns(&mut run);
        let signals = signal_values(&mut run);
        let matched = self.all_matching(&mut run);
        let program: &Program = self.program;
        let matched = || matched.iter().filter_map(|&id| program.rules.get(id.index()));
        let mut s = serializer.serialize_struct("Verdict", 13)?;
        s.serialize_field("conversation", &Id(self.conversation))?;
        s.serialize_field("route", &self.route)?;
        s.serialize_field("queue", &self.queue())?;
        s.serialize_field("priority", &self.priority)?;
        s.serialize_field("say", &self.say())?;
        s.serialize_field("obligations", &self.obligations_of(matched())[..])?;
        s.serialize_field("tags", &self.tag_set()[..])?;
        s.serialize_field("decided_by", &Deciders(&reasons))?;
        s.serialize_field("matched", &Names(&matched))?;
        s.serialize_field("justification", &justification)?;
        s.serialize_field("unknown", &unknown[..])?;
        s.serialize_field("signals", &Signals(&signals))?;
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

/// The conversation's `id` as text (a number written as JSON writes it), without copying.
struct Id<'a>(&'a Conversation);

/// A conversation's `id`, when it is a string or a number.
pub(super) enum IdRef<'a> {
    Str(&'a str),
    Num(&'a serde_json::Number),
}

/// Read through the typed index (the mapping is not built for it); a number from the mapping,
/// for the text it was given as.
pub(super) fn id_of(conversation: &Conversation) -> Option<IdRef<'_>> {
    const ID: Key = Key::new("id");
    match conversation.data.field_at(&ID, "id")? {
        Field::Str(s) => Some(IdRef::Str(s)),
        Field::Num(_) => match conversation.data.get("id") {
            Some(Value::Number(n)) => Some(IdRef::Num(n)),
            _ => None,
        },
        _ => None,
    }
}

impl serde::Serialize for Id<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match id_of(self.0) {
            Some(IdRef::Str(s)) => serializer.serialize_some(s),
            Some(IdRef::Num(n)) => serializer.collect_str(n),
            None => serializer.serialize_none(),
        }
    }
}

/// `decided_by`: the pinned keys of [`Decider`], borrowed from the rules.
struct Deciders<'r, 'a>(&'r [Reasoned<'a>]);

impl serde::Serialize for Deciders<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for r in self.0 {
            seq.serialize_element(&DeciderRef {
                rule: &r.rule.name,
                principle: r.rule.principle.as_deref(),
                effect: r.rule.effect.as_str(),
                source: &r.rule.source,
                reason: &r.reason,
            })?;
        }
        seq.end()
    }
}

#[derive(serde::Serialize)]
struct DeciderRef<'a> {
    rule: &'a str,
    principle: Option<&'a str>,
    effect: &'static str,
    source: &'a str,
    reason: &'a str,
}

/// The names of matching rules, as a list.
struct Names<'r, F>(&'r F);

impl<'a, F, I> serde::Serialize for Names<'_, F>
where
    F: Fn() -> I,
    I: Iterator<Item = &'a Rule>,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)().map(|r| r.name.as_str()))
    }
}

/// `signals`: name → value, as [`V::to_json`] writes it.
struct Signals<'r, 'a>(&'r [(&'a str, V<'a>, bool)]);

impl serde::Serialize for Signals<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, v, round) in self.0 {
            map.serialize_entry(name, &Json(*v, *round))?;
        }
        map.end()
    }
}

/// A value as [`V::to_json`] writes it, without building a [`Value`].
struct Json<'a>(V<'a>, bool);

impl serde::Serialize for Json<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            V::Unknown => serializer.serialize_none(),
            V::Bool(b) => serializer.serialize_bool(b),
            V::Num(n) => {
                let n = if self.1 { round2(n) } else { n };
                if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 {
                    serializer.serialize_i64(n as i64)
                } else if n.is_finite() {
                    serializer.serialize_f64(n)
                } else {
                    serializer.serialize_none()
                }
            }
            V::Str(s) => serializer.serialize_str(s),
            V::List(items) => items.serialize(serializer),
        }
    }
}

#[derive(serde::Serialize)]
struct PolicyRef<'a> {
    version: Option<&'a str>,
    digest: &'a str,
}
