//! **(v0.2)** Proving guarantees (LANGUAGE.md §9): for every possible conversation whose
//! guarantee `when` is true or unknown and whose `unless` is not true, the route is at least the
//! ensured one.
//!
//! The question is turned around: is there a conversation where the premise holds and the route
//! is lower? Conditions become propositional formulas over a finite picture of conversations
//! (`cells.rs`, `encode.rs`, `messages.rs`) that is exact for the language's semantics, the
//! decision of §3 becomes clauses over the rules that can lower the route, and a CDCL solver
//! (batsat, pure Rust) searches. Text tests are free booleans checked lazily: a model whose
//! texts cannot be built is refined away (`text.rs`). A model that survives is written out as a
//! concrete conversation (`concrete.rs`) and evaluated by the engine itself, with the guarantee's
//! premise evaluated the same way; only then is it a counterexample. No model left: the
//! guarantee holds — unless some step could not decide (a text neither built nor proved
//! impossible, a construct the encoding does not cover, too many messages needed), in which
//! case it is reported unproved, never proved.

mod cells;
mod concrete;
mod confirm;
mod encode;
mod messages;
mod sat;
mod text;

use crate::ast::{self, Effect, Expr, ExprKind, MessageTest, Quantifier, Route};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::Program;
use crate::schema::Schema;
use crate::source::{Source, Span};
use cells::{Facts, State};
use concrete::TextCell;
use encode::Encoder;
use std::collections::{BTreeSet, HashMap};
use text::{Realized, Texts};

/// How a guarantee fared.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Holds,
    /// A conversation the engine routes below the floor.
    Violated(Counterexample),
    /// Neither proved nor refuted, and why.
    Unproved(String),
}

/// A conversation that breaks a guarantee, with what the engine made of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Counterexample {
    /// The guarantee it breaks.
    pub guarantee: String,
    pub conversation: serde_json::Value,
    pub yaml: String,
    pub route: Route,
    /// The deciding rules (none when the default decided).
    pub decided_by: Vec<String>,
}

/// One guarantee and its outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Proof {
    pub name: String,
    pub span: Span,
    pub ensure: Route,
    pub outcome: Outcome,
}

/// Messages the search considers at most; a guarantee that would need more is unproved.
const MAX_SLOTS: usize = 24;
/// Models refined away (texts, disagreements with the engine) before giving up.
const MAX_ROUNDS: usize = 400;

/// Proves every guarantee of a checked set (one without errors); `program` is the set compiled.
pub fn prove_all(files: &[ast::File], sources: &[Source], schema: &Schema, program: &Program) -> Vec<Proof> {
    let set = Set::new(files);
    if set.guarantees.is_empty() {
        return Vec::new();
    }
    let premise_files = confirm::premise_skeleton(files);
    set.guarantees
        .iter()
        .map(|(g, _)| {
            let ensure = g.ensure.as_ref().map_or(Route::Human, |r| r.node);
            let mut outcome = match (&g.when, confirm::premise_program(&premise_files, g, sources, schema)) {
                (Some(_), Some(premise)) => prove(&set, g, schema, program, &premise),
                _ => Outcome::Unproved("the guarantee has no `when`".into()),
            };
            if let Outcome::Violated(cx) = &mut outcome {
                cx.guarantee = g.name.node.clone();
            }
            Proof { name: g.name.node.clone(), span: g.name.span, ensure, outcome }
        })
        .collect()
}

/// What the prover needs of a set.
struct Set<'a> {
    rules: Vec<&'a ast::Rule>,
    guarantees: Vec<(&'a ast::Guarantee, Option<&'a str>)>,
    default: Route,
    lexicons: HashMap<String, Vec<String>>,
}

impl<'a> Set<'a> {
    fn new(files: &'a [ast::File]) -> Set<'a> {
        let mut set = Set { rules: Vec::new(), guarantees: Vec::new(), default: Route::Human, lexicons: HashMap::new() };
        let mut default = None;
        for item in files.iter().flat_map(|f| &f.items) {
            match item {
                ast::Item::Rule(r) => set.rules.push(r),
                ast::Item::Guarantee(g) => set.guarantees.push((g, None)),
                ast::Item::Principle(p) => {
                    set.rules.extend(&p.rules);
                    set.guarantees.extend(p.guarantees.iter().map(|g| (g, Some(p.name.node.as_str()))));
                }
                ast::Item::Default(d) => {
                    default.get_or_insert(d.route.node);
                }
                ast::Item::Lexicon(l) => {
                    set.lexicons
                        .entry(l.name.node.clone())
                        .or_insert_with(|| l.phrases.iter().map(|p| p.node.clone()).collect());
                }
                ast::Item::Header(_) | ast::Item::Context(_) => {}
            }
        }
        set.default = default.unwrap_or(Route::Human);
        set
    }
}

/// The rules that can matter, and whether some `allow ai` must match for the route to drop.
fn relevant<'a>(set: &Set<'a>, ensure: Route) -> (Vec<&'a ast::Rule>, Vec<&'a ast::Rule>, bool) {
    let blockers: Vec<&ast::Rule> = set
        .rules
        .iter()
        .copied()
        .filter(|r| r.effect.node == Effect::RequireHuman || (ensure == Route::Review && r.effect.node == Effect::RequireReview))
        .collect();
    let needs_allow = match ensure {
        Route::Human => set.default == Route::Human,
        _ => set.default != Route::Ai,
    };
    let allows = if needs_allow {
        set.rules.iter().copied().filter(|r| r.effect.node == Effect::AllowAi).collect()
    } else {
        Vec::new()
    };
    (blockers, allows, needs_allow)
}

fn prove(set: &Set<'_>, g: &ast::Guarantee, schema: &Schema, program: &Program, premise: &Program) -> Outcome {
    let ensure = g.ensure.as_ref().map_or(Route::Human, |r| r.node);
    let (blockers, allows, needs_allow) = relevant(set, ensure);
    if needs_allow && allows.is_empty() {
        return Outcome::Holds;
    }
    let mut exprs: Vec<&Expr> = g.when.iter().chain(&g.unless).collect();
    for r in blockers.iter().chain(&allows) {
        exprs.extend(r.when.iter().chain(&r.unless));
    }
    let mut facts: HashMap<String, Facts> = HashMap::new();
    let mut quantifiers: HashMap<String, usize> = HashMap::new();
    for e in &exprs {
        collect(e, false, &mut facts, &mut quantifiers, 0);
    }
    let needed: usize = quantifiers.values().sum();
    let slots = needed.min(MAX_SLOTS);
    let mut enc = Encoder::new(schema, Texts::new(set.lexicons.clone()), facts, slots);
    if let Err(reason) = encode_goal(&mut enc, g, &blockers, &allows, needs_allow) {
        return Outcome::Unproved(format!("the prover does not cover {reason}"));
    }
    enc.link_prefixes();
    let mut doubt: Option<String> = (needed > MAX_SLOTS)
        .then(|| format!("a counterexample might need up to {needed} messages; the search covers {MAX_SLOTS}"));
    let plain = plain_data(&enc);
    for _ in 0..MAX_ROUNDS {
        // a counterexample with well-typed data and known senders reads best: look for one first
        let found = match enc.sat.solve(&plain) {
            Some(true) => Some(true),
            _ => enc.sat.solve(&[]),
        };
        match found {
            Some(false) => return doubt.map_or(Outcome::Holds, Outcome::Unproved),
            None => return Outcome::Unproved("the solver gave up".into()),
            Some(true) => {}
        }
        let Some(texts) = realize_texts(&mut enc, &mut doubt) else { continue };
        let conversation = concrete::conversation(&enc, &texts);
        match confirm::confirm(&conversation, program, premise, ensure) {
            Some(_) => return Outcome::Violated(confirm::minimize(conversation, program, premise, ensure)),
            None => {
                doubt.get_or_insert_with(|| "a conversation the prover found is not confirmed by the engine".into());
                block_model(&mut enc);
            }
        }
    }
    Outcome::Unproved(doubt.unwrap_or_else(|| "the search reached its limit".into()))
}

/// Literals saying that no value is of the wrong type or below a broken ancestor, `messages`
/// is a list and every sender is known.
fn plain_data(enc: &Encoder<'_>) -> Vec<batsat::Lit> {
    let mut out: Vec<batsat::Lit> = vec![!enc.messages_unknown];
    out.extend(enc.broken.values().map(|&l| !l));
    let cells = enc.cells.values().chain(enc.slots.iter().flat_map(|s| [&s.text, &s.sentiment]));
    for c in cells {
        out.extend(c.lit(&State::Wrong).map(|l| !l));
        out.extend(c.lit(&State::Broken).map(|l| !l));
    }
    out.extend(enc.slots.iter().map(|s| !s.sender[4]));
    out
}

/// Premise true or unknown, `unless` not true, no blocking rule matches, and (when the default
/// would not lower the route) some `allow ai` matches.
fn encode_goal(
    enc: &mut Encoder<'_>,
    g: &ast::Guarantee,
    blockers: &[&ast::Rule],
    allows: &[&ast::Rule],
    needs_allow: bool,
) -> encode::Result<()> {
    let when = g.when.as_ref().ok_or("a guarantee without `when`")?;
    let w = enc.expr(when, None)?;
    enc.sat.clause(&[!w.f]);
    if let Some(u) = &g.unless {
        let u = enc.expr(u, None)?;
        enc.sat.clause(&[!u.t]);
    }
    for r in blockers {
        let Some(when) = &r.when else { continue };
        let w = enc.expr(when, None)?;
        match &r.unless {
            Some(u) => {
                let u = enc.expr(u, None)?;
                enc.sat.clause(&[w.f, u.t]);
            }
            None => enc.sat.clause(&[w.f]),
        }
    }
    if needs_allow {
        let mut any = Vec::with_capacity(allows.len());
        for r in allows {
            let Some(when) = &r.when else { continue };
            let w = enc.expr(when, None)?;
            let matched = match &r.unless {
                Some(u) => {
                    let u = enc.expr(u, None)?;
                    enc.sat.and(&[w.t, u.f])
                }
                None => w.t,
            };
            any.push(matched);
        }
        enc.sat.clause(&any);
    }
    Ok(())
}

/// Records what the conditions compare each path with, and for each distinct quantifier and
/// `count` comparison how many messages a counterexample may need for it (see
/// docs/DECISIONS.md, "How many messages a counterexample needs").
fn collect(e: &Expr, in_where: bool, facts: &mut HashMap<String, Facts>, quantifiers: &mut HashMap<String, usize>, depth: usize) {
    if depth > ast::MAX_DEPTH + 8 {
        return;
    }
    let depth = depth + 1;
    let key = |p: &str| -> String {
        if in_where && crate::schema::MESSAGE_FIELDS.contains(&p) { format!("message.{p}") } else { p.to_string() }
    };
    let mut push = |p: &str, l: &ast::Literal| {
        let f = facts.entry(key(p)).or_default();
        match l {
            ast::Literal::Number(n) => f.numbers.push(*n),
            ast::Literal::String(s) => f.strings.push(s.clone()),
            ast::Literal::Bool(_) => {}
        }
    };
    match &e.kind {
        ExprKind::Compare { lhs, rhs, .. } => match (&lhs.kind, &rhs.kind) {
            (ExprKind::Path(p), ExprKind::Literal(l)) | (ExprKind::Literal(l), ExprKind::Path(p)) => push(p, l),
            (ExprKind::Count { filter, .. }, ExprKind::Literal(ast::Literal::Number(k)))
            | (ExprKind::Literal(ast::Literal::Number(k)), ExprKind::Count { filter, .. }) => {
                let need = if *k >= 0.0 { (k.floor() as usize).saturating_add(1).min(10_000) } else { 1 };
                quantifiers.insert(crate::fmt::format_expr(e), need.max(1));
                if let Some(x) = filter {
                    collect(x, true, facts, quantifiers, depth);
                }
            }
            _ => {
                collect(lhs, in_where, facts, quantifiers, depth);
                collect(rhs, in_where, facts, quantifiers, depth);
            }
        },
        ExprKind::In { value, list, .. } => {
            if let (ExprKind::Path(p), ExprKind::List(items)) = (&value.kind, &list.kind) {
                for item in items {
                    if let ExprKind::Literal(l) = &item.kind {
                        push(p, l);
                    }
                }
            }
        }
        ExprKind::Path(p) => {
            facts.entry(key(p)).or_default();
        }
        ExprKind::Contains { lhs: x, .. } | ExprKind::Matches { lhs: x, .. } | ExprKind::Mentions { lhs: x, .. } => {
            collect(x, in_where, facts, quantifiers, depth);
        }
        ExprKind::Not(x) => collect(x, in_where, facts, quantifiers, depth),
        ExprKind::And(a, b) | ExprKind::Or(a, b) => {
            collect(a, in_where, facts, quantifiers, depth);
            collect(b, in_where, facts, quantifiers, depth);
        }
        ExprKind::Quantified { quantifier, test, .. } => {
            let need = if *quantifier == Quantifier::Last { 2 } else { 1 };
            quantifiers.insert(crate::fmt::format_expr(e), need);
            if let MessageTest::Where(x) = test {
                collect(x, true, facts, quantifiers, depth);
            }
        }
        ExprKind::Count { filter, .. } => {
            quantifiers.insert(crate::fmt::format_expr(e), 1);
            if let Some(x) = filter {
                collect(x, true, facts, quantifiers, depth);
            }
        }
        ExprKind::Literal(_) | ExprKind::List(_) | ExprKind::Presence { .. } => {}
    }
}

/// One text cell to realize: its `Other` literal, its tests with their literals, the strings
/// it must differ from, and the slot it belongs to (none for a context path).
struct TextJob {
    cell: TextCell,
    other: batsat::Lit,
    tests: Vec<(text::TextTest, batsat::Lit)>,
    excluded: Vec<String>,
}

fn text_job(enc: &Encoder<'_>, cell: &cells::Cell, at: TextCell) -> Option<TextJob> {
    let other = cell.lit(&State::Other)?;
    enc.sat.value(other).then(|| TextJob {
        cell: at,
        other,
        tests: cell.texts.clone(),
        excluded: cell
            .states
            .iter()
            .filter_map(|(s, _)| match s {
                State::Val(ast::Literal::String(v)) => Some(v.clone()),
                _ => None,
            })
            .collect(),
    })
}

/// A text for every text cell of the model; `None` when some cannot be built (the model is
/// then refined away, and `doubt` says so when impossibility was not proved).
fn realize_texts(enc: &mut Encoder<'_>, doubt: &mut Option<String>) -> Option<HashMap<TextCell, String>> {
    let mut jobs: Vec<TextJob> = enc.cells.iter().filter_map(|(p, c)| text_job(enc, c, TextCell::Path(p.clone()))).collect();
    for (i, s) in enc.slots.iter().enumerate() {
        if enc.sat.value(s.present) {
            jobs.extend(text_job(enc, &s.text, TextCell::Slot(i)));
        }
    }
    let mut out = HashMap::new();
    let mut complete = true;
    for job in jobs {
        let wanted: Vec<(text::TextTest, bool)> = job.tests.iter().map(|(t, l)| (t.clone(), enc.sat.value(*l))).collect();
        match enc.texts.realize(&wanted, &job.excluded) {
            Realized::Text(t) => {
                out.insert(job.cell, t);
            }
            Realized::Impossible(core) => {
                complete = false;
                let core: Vec<&(text::TextTest, bool)> = core.iter().filter_map(|&i| wanted.get(i)).collect();
                block_texts(enc, &job, &core);
            }
            Realized::Undecided => {
                complete = false;
                doubt.get_or_insert_with(|| {
                    let tests: Vec<String> = wanted.iter().map(|(t, w)| t.said(*w)).collect();
                    format!("no text was found that {}, nor a proof that none exists", tests.join(" and "))
                });
                let all: Vec<&(text::TextTest, bool)> = wanted.iter().collect();
                block_texts(enc, &job, &all);
            }
        }
    }
    complete.then_some(out)
}

/// Rules out the combination `core` of text tests: for a message text, in every slot.
fn block_texts(enc: &mut Encoder<'_>, job: &TextJob, core: &[&(text::TextTest, bool)]) {
    let clause_for = |other: batsat::Lit, tests: &[(text::TextTest, batsat::Lit)]| -> Option<Vec<batsat::Lit>> {
        let mut c = vec![!other];
        for (t, want) in core {
            let l = tests.iter().find(|(x, _)| x == t)?.1;
            c.push(if *want { !l } else { l });
        }
        Some(c)
    };
    let mut clauses = Vec::new();
    match &job.cell {
        TextCell::Path(_) => clauses.extend(clause_for(job.other, &job.tests)),
        TextCell::Slot(_) => {
            for s in &enc.slots {
                if let Some(other) = s.text.lit(&State::Other) {
                    clauses.extend(clause_for(other, &s.text.texts));
                }
            }
        }
    }
    for c in clauses {
        enc.sat.clause(&c);
    }
}

/// Rules out the exact conversation of the model (every cell, slot and text literal as it is).
fn block_model(enc: &mut Encoder<'_>) {
    let mut lits: Vec<batsat::Lit> = vec![enc.messages_unknown];
    lits.extend(enc.broken.values());
    let cell_lits = |c: &cells::Cell, out: &mut Vec<batsat::Lit>| {
        out.extend(c.states.iter().map(|(_, l)| *l));
        out.extend(c.texts.iter().map(|(_, l)| *l));
        out.extend(c.members.iter().map(|(_, l)| *l));
    };
    for c in enc.cells.values() {
        cell_lits(c, &mut lits);
    }
    for s in &enc.slots {
        lits.push(s.present);
        lits.extend(s.sender);
        cell_lits(&s.text, &mut lits);
        cell_lits(&s.sentiment, &mut lits);
    }
    let clause: Vec<batsat::Lit> = lits.iter().map(|&l| if enc.sat.value(l) { !l } else { l }).collect();
    enc.sat.clause(&clause);
}

/// The diagnostics of a set's proofs: `guarantee-violated` (with its counterexample) and
/// `guarantee-unproved`; nothing for a guarantee that holds.
pub fn diagnostics(proofs: &[Proof]) -> Vec<Diagnostic> {
    proofs
        .iter()
        .filter_map(|p| match &p.outcome {
            Outcome::Holds => None,
            Outcome::Unproved(why) => Some(
                Diagnostic::at(Code::GuaranteeUnproved, p.span, format!("guarantee `{}` is not proved", p.name))
                    .with_label("neither proved nor refuted")
                    .with_help(format!(
                        "{why}; the guarantee may still hold, but `check` cannot show it for every conversation \
                         (`serve` refuses a set with an unproved guarantee)"
                    )),
            ),
            Outcome::Violated(cx) => {
                let deciders = if cx.decided_by.is_empty() {
                    "the default".to_string()
                } else {
                    cx.decided_by.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
                };
                let d = Diagnostic::at(Code::GuaranteeViolated, p.span, format!("guarantee `{}` does not hold", p.name))
                    .with_label(format!("a conversation gets route `{}`, below `ensure {}`", cx.route, p.ensure))
                    .with_help(format!(
                        "this conversation gets route `{}`, decided by {deciders}:\n\n{}\nwrite it out with \
                         `handoff check --counterexamples DIR` and dry-run it with `handoff eval --explain FILE`",
                        cx.route,
                        cx.yaml.trim_end().lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
                    ));
                Some(d)
            }
        })
        .collect()
}

/// Whether a set of diagnostics holds guarantee problems that `serve` refuses to load.
pub fn refused(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| matches!(d.code, Code::GuaranteeViolated | Code::GuaranteeUnproved))
}

/// The file name for a guarantee's counterexample: lowercased, every run of characters outside
/// `a-z0-9` replaced by `-`; `taken` names already used get `-2`, `-3`…; `.yaml`.
pub fn file_name(guarantee: &str, taken: &mut BTreeSet<String>) -> String {
    let mut stem = String::new();
    for c in guarantee.to_lowercase().chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            stem.push(c);
        } else if !stem.ends_with('-') {
            stem.push('-');
        }
    }
    if stem.is_empty() {
        stem.push_str("guarantee");
    }
    let mut name = format!("{stem}.yaml");
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{stem}-{n}.yaml");
        n += 1;
    }
    taken.insert(name.clone());
    name
}
