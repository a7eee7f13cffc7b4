//! The verdict JSON of INTERFACE.md written straight into a byte buffer: the bytes
//! `serde_json::to_writer` writes from [`Verdict`]'s `Serialize` (compact form), without building
//! the reasons, the justification or the lists as strings first. What never changes between
//! verdicts (rule names, principles, sources, template text, the policy's digest) is escaped
//! once per program ([`JsonParts`]); templates are rendered into the output, values escaped as
//! they go; each reason is rendered once and copied into the justification.

use super::cell::Cell;
use super::program::{Part, Program, Rule, RuleId, SlotId, Template};
use super::render::{self, IdRef};
use super::run::Run;
use super::value::V;
use super::verdict::Verdict;
use crate::ast::{Effect, Priority, Route};
use crate::context::Conversation;
use smallvec::SmallVec;
use std::io::Write;

mod scalar;

use scalar::{escape, opt_string, string, strings, value};

/// What the JSON of every verdict of a program shares, escaped once, on the first verdict
/// written ([`Program::json_parts`]).
#[derive(Debug)]
pub(crate) struct JsonParts {
    /// In rule order.
    rules: Vec<RuleParts>,
    default: Vec<Frag>,
    /// `,"route":…,"justification":"ROUTE WORDS` of a verdict the default decided.
    default_head: String,
    /// ` (default, SOURCE)`, escaped.
    default_citation: String,
    /// The slots `unknown` may list, sorted by path, with the path quoted.
    unknown: Vec<(SlotId, String)>,
    /// The signals the set reads, in slot order, each with its `"name":` (after the first,
    /// `,"name":`).
    signals: Vec<(SlotId, String)>,
    /// `},"policy":{…}}`: the end of every verdict.
    tail: String,
}

#[derive(Debug)]
struct RuleParts {
    /// The name, quoted.
    name: String,
    /// `,"route":…,"decided_by":[{"rule":…,"reason":"` of a verdict this rule alone decided,
    /// when it alone matched (or its route is `human`: no obligations whatever else matched).
    head: String,
    /// `{"rule":…,"principle":…,"effect":…,"source":…,"reason":"`
    decider: String,
    /// `"}],"matched":[NAME],"justification":"ROUTE WORDS` when this rule alone matched.
    alone: String,
    because: Vec<Frag>,
    /// ` (rule \"NAME\", principle \"P\", SOURCE)`, escaped.
    citation: String,
    /// `["…"]`: the tags, sorted, without duplicates.
    tags: String,
}

/// A template part, its text escaped.
#[derive(Debug)]
enum Frag {
    Text(String),
    Slot(SlotId),
    Matched,
}

impl Program {
    /// The parts of this program's verdict JSON, built on first use.
    pub(crate) fn json_parts(&self) -> &JsonParts {
        self.json.get_or_init(|| JsonParts::new(self))
    }
}

/// What `f` writes, as a `String`.
fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut out = Vec::new();
    f(&mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// `,"route":"R","queue":Q,"priority":"P","say":S,"obligations":`.
fn route_to_obligations(out: &mut Vec<u8>, route: Route, queue: Option<&str>, priority: Priority, say: Option<&str>) {
    out.extend_from_slice(b",\"route\":\"");
    out.extend_from_slice(route.as_str().as_bytes());
    out.extend_from_slice(b"\",\"queue\":");
    opt_string(out, queue);
    out.extend_from_slice(b",\"priority\":\"");
    out.extend_from_slice(priority.as_str().as_bytes());
    out.extend_from_slice(b"\",\"say\":");
    opt_string(out, say);
    out.extend_from_slice(b",\"obligations\":");
}

/// Stands for `messages` among the slots `unknown` may list.
const MESSAGES: SlotId = SlotId::MAX;

/// Sorted, without duplicates: as [`Verdict::obligations`] and [`Verdict::tags`] list them.
fn sorted<'s>(items: impl Iterator<Item = &'s String>) -> SmallVec<[&'s str; 8]> {
    let mut out: SmallVec<[&str; 8]> = items.map(String::as_str).collect();
    out.sort_unstable();
    out.dedup();
    out
}

impl JsonParts {
    fn new(program: &Program) -> JsonParts {
        let rules = program.rules.iter().map(|rule| RuleParts::new(program, rule)).collect();
        let default = &program.default;
        let mut unknown = Vec::new();
        let mut signals = Vec::new();
        for (id, slot) in SlotId::all().zip(&program.slots) {
            if slot.read && slot.ty.is_some() {
                unknown.push((id, slot.path.as_str()));
            }
            if slot.signal.is_some() {
                let name = slot.path.strip_prefix("signals.").unwrap_or(&slot.path);
                let comma = !signals.is_empty();
                signals.push((
                    id,
                    text(|out| {
                        if comma {
                            out.push(b',');
                        }
                        string(out, name);
                        out.push(b':');
                    }),
                ));
            }
        }
        if program.reads_messages {
            unknown.push((MESSAGES, "messages"));
        }
        unknown.sort_by(|a, b| a.1.cmp(b.1));
        JsonParts {
            rules,
            default: frags(&default.because),
            default_head: text(|out| {
                route_to_obligations(out, default.route, None, Priority::Normal, None);
                let obligations = match default.route {
                    Route::Human => SmallVec::new(),
                    _ => sorted(program.ai_must.iter()),
                };
                strings(out, &obligations);
                out.extend_from_slice(b",\"tags\":[],\"decided_by\":[],\"matched\":[],\"justification\":\"");
                out.extend_from_slice(render::route_words(default.route).as_bytes());
            }),
            default_citation: text(|out| {
                out.extend_from_slice(b" (default");
                if !default.source.is_empty() {
                    out.extend_from_slice(b", ");
                    escape(out, &default.source);
                }
                out.push(b')');
            }),
            unknown: unknown
                .into_iter()
                .map(|(id, path)| (id, text(|out| string(out, path))))
                .collect(),
            signals,
            tail: text(|out| {
                out.extend_from_slice(b"},\"policy\":{\"version\":");
                opt_string(out, program.version.as_deref());
                out.extend_from_slice(b",\"digest\":");
                string(out, &program.digest);
                out.extend_from_slice(b"}}");
            }),
        }
    }
}

impl RuleParts {
    fn new(program: &Program, rule: &Rule) -> RuleParts {
        let route = rule.effect.route();
        let decider = text(|out| {
            out.extend_from_slice(b"{\"rule\":");
            string(out, &rule.name);
            out.extend_from_slice(b",\"principle\":");
            opt_string(out, rule.principle.as_deref());
            out.extend_from_slice(b",\"effect\":\"");
            out.extend_from_slice(rule.effect.as_str().as_bytes());
            out.extend_from_slice(b"\",\"source\":");
            string(out, &rule.source);
            out.extend_from_slice(b",\"reason\":\"");
        });
        let tags = text(|out| strings(out, &sorted(rule.tags.iter())));
        let name = text(|out| string(out, &rule.name));
        RuleParts {
            head: text(|out| {
                route_to_obligations(out, route, rule.queue.as_deref(), rule.priority, rule.say.as_deref());
                let obligations = match rule.effect {
                    Effect::RequireHuman => SmallVec::new(),
                    Effect::AllowAi | Effect::RequireReview => sorted(program.ai_must.iter().chain(&rule.must)),
                };
                strings(out, &obligations);
                out.extend_from_slice(b",\"tags\":");
                out.extend_from_slice(tags.as_bytes());
                out.extend_from_slice(b",\"decided_by\":[");
                out.extend_from_slice(decider.as_bytes());
            }),
            alone: text(|out| {
                out.extend_from_slice(b"\"}],\"matched\":[");
                out.extend_from_slice(name.as_bytes());
                out.extend_from_slice(b"],\"justification\":\"");
                out.extend_from_slice(render::route_words(route).as_bytes());
            }),
            decider,
            because: frags(&rule.because),
            citation: text(|out| {
                out.extend_from_slice(b" (rule \\\"");
                escape(out, &rule.name);
                out.extend_from_slice(b"\\\"");
                if let Some(p) = &rule.principle {
                    out.extend_from_slice(b", principle \\\"");
                    escape(out, p);
                    out.extend_from_slice(b"\\\"");
                }
                out.extend_from_slice(b", ");
                escape(out, &rule.source);
                out.push(b')');
            }),
            tags,
            name,
        }
    }
}

fn frags(template: &Template) -> Vec<Frag> {
    template
        .parts
        .iter()
        .map(|part| match part {
            Part::Text(t) => Frag::Text(text(|out| escape(out, t))),
            Part::Slot(id) => Frag::Slot(*id),
            Part::Matched => Frag::Matched,
        })
        .collect()
}

/// The slot values a verdict's JSON shows: those the evaluation read, looked up in its slice,
/// else through a [`Run`] continuing from the evaluation (its [`super::cell::Cell`]s copied
/// as one block).
struct Values<'v, 'a> {
    /// The verdict's slot values.
    read: &'v [Cell],
    run: Run<'a>,
    /// Whether the evaluation computed signals ([`Verdict::computed`]).
    computed: bool,
}

impl<'v, 'a> Values<'v, 'a> {
    fn new(v: &'v Verdict<'a>) -> Values<'v, 'a> {
        Values {
            read: &v.slots,
            run: Run::resume(v.program, v.conversation, SmallVec::from_slice(&v.slots), None),
            computed: v.computed,
        }
    }

    #[inline(always)]
    fn slot(&mut self, id: SlotId) -> V<'a> {
        let (p, c) = (self.run.p, self.run.c);
        match self.read.get(id.index()).and_then(|x| x.get(&c.data, p, id)) {
            Some(v) => v,
            None => self.run.slot(id),
        }
    }

    /// Whether a slot's value is unknown (a value kept says so without being decoded).
    #[inline]
    fn is_unknown(&mut self, id: SlotId) -> bool {
        if id == MESSAGES {
            return self.run.c.messages_doubtful();
        }
        match self.read.get(id.index()) {
            Some(x) if x.is_kept() => x.is_unknown(),
            _ => self.run.slot(id).is_unknown(),
        }
    }

    /// A slot's value, and whether it is a signal the engine computed ([`Run::is_computed`]:
    /// its numbers are shown rounded).
    #[inline(always)]
    fn shown(&mut self, id: SlotId) -> (V<'a>, bool) {
        let v = self.slot(id);
        // nothing computed (by the evaluation, or since): the value (read by now) was given, no
        // need to look again
        let computed = self.computed || self.run.signals.is_some();
        (v, computed && self.run.is_computed(id))
    }

    /// A template with its placeholders filled in, escaped for the inside of a JSON string.
    fn template(&mut self, out: &mut Vec<u8>, template: &[Frag], rule: Option<&Rule>) {
        for part in template {
            match part {
                Frag::Text(t) => out.extend_from_slice(t.as_bytes()),
                Frag::Slot(id) => {
                    let (v, round) = self.shown(*id);
                    value(out, v, round, true);
                }
                Frag::Matched => match rule.and_then(|r| self.run.matched_phrase(r)) {
                    Some(phrase) => escape(out, phrase),
                    None => out.extend_from_slice(b"unknown"),
                },
            }
        }
    }

    /// After a `require` rule's citation, [`render::unknown_note`], escaped.
    fn note(&mut self, out: &mut Vec<u8>, rule: &Rule) {
        if rule.effect.is_require() {
            render::unknown_note(&mut self.run, rule, |s| escape(out, s));
        }
    }
}

impl<'a> Verdict<'a> {
    /// Appends the verdict as compact JSON (keys in INTERFACE.md's order) to `out`: the same
    /// bytes as `serde_json::to_writer(out, &verdict)`, several times faster.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let program: &'a Program = self.program;
        let parts = program.json_parts();
        let mut values = Values::new(self);
        out.extend_from_slice(b"{\"conversation\":");
        id(out, self.conversation);

        let all = self.all_matching(&mut values.run);
        let matched: &[RuleId] = &all;
        // most verdicts have one deciding rule or none: the first two looked at, no list built
        let mut deciding = self
            .deciding_rules()
            .filter_map(|(id, rule)| Some((parts.rules.get(id.index())?, rule)));
        match (deciding.next(), deciding.next()) {
            // the default decided
            (None, _)
                if matched.is_empty() && self.route == program.default.route && self.priority == Priority::Normal =>
            {
                out.extend_from_slice(parts.default_head.as_bytes());
                values.template(out, &parts.default, None);
                out.extend_from_slice(parts.default_citation.as_bytes());
            }
            // one rule decided: all but the reason and the matching rules known in advance
            (Some((rp, rule)), None)
                if self.route == rule.effect.route()
                    && self.priority == rule.priority
                    && (matched.len() == 1 || rule.effect == Effect::RequireHuman) =>
            {
                out.extend_from_slice(rp.head.as_bytes());
                let start = out.len();
                values.template(out, &rp.because, Some(rule));
                let end = out.len();
                if matched.len() == 1 {
                    out.extend_from_slice(rp.alone.as_bytes());
                } else {
                    out.extend_from_slice(b"\"}],\"matched\":[");
                    names(out, parts, matched);
                    out.extend_from_slice(b"],\"justification\":\"");
                    out.extend_from_slice(render::route_words(self.route).as_bytes());
                }
                out.extend_from_within(start..end);
                out.extend_from_slice(rp.citation.as_bytes());
                values.note(out, rule);
            }
            (first, second) => {
                let deciders: SmallVec<[(&RuleParts, &Rule); 4]> =
                    first.into_iter().chain(second).chain(deciding).collect();
                self.write_general(out, &mut values, matched, &deciders);
            }
        }

        out.extend_from_slice(b"\",\"unknown\":[");
        let mut first = true;
        for (id, path) in &parts.unknown {
            if values.is_unknown(*id) {
                if !first {
                    out.push(b',');
                }
                first = false;
                out.extend_from_slice(path.as_bytes());
            }
        }
        out.extend_from_slice(b"],\"signals\":{");
        for (id, key) in &parts.signals {
            out.extend_from_slice(key.as_bytes());
            let (v, round) = values.shown(*id);
            value(out, v, round, false);
        }
        out.extend_from_slice(parts.tail.as_bytes());
    }

    /// From `,"route":` to the end of the justification, for any verdict.
    fn write_general(
        &self,
        out: &mut Vec<u8>,
        values: &mut Values<'_, 'a>,
        matched: &[RuleId],
        deciders: &[(&RuleParts, &'a Rule)],
    ) {
        let program: &'a Program = self.program;
        let parts = program.json_parts();
        route_to_obligations(out, self.route, self.queue(), self.priority, self.say());
        let rules = matched.iter().filter_map(|&id| program.rules.get(id.index()));
        strings(out, &self.obligations_of(rules));
        out.extend_from_slice(b",\"tags\":");
        match deciders {
            [] => out.extend_from_slice(b"[]"),
            [(rp, _)] => out.extend_from_slice(rp.tags.as_bytes()),
            _ => strings(out, &self.tag_set()),
        }
        out.extend_from_slice(b",\"decided_by\":[");
        // where each reason was written, to copy it into the justification
        let mut reasons: SmallVec<[(usize, usize); 4]> = SmallVec::new();
        for (i, &(rp, rule)) in deciders.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(rp.decider.as_bytes());
            let start = out.len();
            values.template(out, &rp.because, Some(rule));
            reasons.push((start, out.len()));
            out.extend_from_slice(b"\"}");
        }
        out.extend_from_slice(b"],\"matched\":[");
        names(out, parts, matched);
        out.extend_from_slice(b"],\"justification\":\"");
        out.extend_from_slice(render::route_words(self.route).as_bytes());
        if deciders.is_empty() {
            values.template(out, &parts.default, None);
            out.extend_from_slice(parts.default_citation.as_bytes());
        }
        for (i, (&(rp, rule), &(start, end))) in deciders.iter().zip(&reasons).enumerate() {
            if i > 0 {
                out.extend_from_slice(render::REASONS_SEPARATOR.as_bytes());
            }
            out.extend_from_within(start..end);
            out.extend_from_slice(rp.citation.as_bytes());
            values.note(out, rule);
        }
    }
}

/// The names of the matching rules, quoted, separated by commas.
fn names(out: &mut Vec<u8>, parts: &JsonParts, matched: &[RuleId]) {
    for (i, rp) in matched
        .iter()
        .filter_map(|&id| parts.rules.get(id.index()))
        .enumerate()
    {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(rp.name.as_bytes());
    }
}

/// The conversation's `id`: a string as it is, a number as text, else `null`.
fn id(out: &mut Vec<u8>, conversation: &Conversation) {
    match render::id_of(conversation) {
        Some(IdRef::Str(s)) => string(out, s),
        // a number's text needs no escaping
        Some(IdRef::Num(n)) => {
            let _ = write!(out, "\"{n}\"");
        }
        None => out.extend_from_slice(b"null"),
    }
}
