//! From a checked AST to a [`Program`]: paths become slots, lexicons one automaton, regexes are
//! built once, conditions become an arena of nodes.
//!
//! The set has been checked, so anything odd met here (an unknown path, a regex that does not
//! compile, a missing `when`) is handled defensively: it evaluates as unknown, never panics.

use super::decide::Plan;
use super::index::Fnv;
use super::lexicon::Lexicons;
use super::program::{
    Condition, DefaultRule, Kind, Lit, Missing, MsgField, Node, NodeId, Part, Program, Rule, Signal, Slot, SlotId,
    TOUCHED, Template, Test,
};
use crate::ast::{self, Expr, ExprKind, Literal, MessageTest, Priority, Route};
use crate::schema::{self, Schema};
use crate::signals::Wanted;
use crate::source::{Source, Span};
use smallvec::{SmallVec, smallvec};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// A map keyed by the policy's own short strings (paths, patterns).
type Map<V> = HashMap<String, V, BuildHasherDefault<Fnv>>;

/// The work list of a walk over an expression (on the stack for ordinary conditions).
type Stack<T> = SmallVec<[T; 16]>;

/// Nesting deeper than this compiles to an unknown node (the parser already caps it lower).
const DEPTH_LIMIT: usize = ast::MAX_DEPTH * 2;

/// Compiles a checked set (files in path order, with their sources) into a [`Program`].
pub fn compile(files: &[ast::File], sources: &[Source], schema: &Schema, digest: String) -> Program {
    let mut c = Compiler {
        schema,
        sources,
        nodes: Vec::new(),
        slots: Vec::new(),
        slot_index: Map::default(),
        regexes: Vec::new(),
        regex_index: Map::default(),
        lexicons: Lexicons::default(),
        line_starts: Vec::new(),
        texts: Vec::new(),
    };

    let mut versions = Vec::new();
    let mut ai_must = Vec::new();
    let mut default: Option<(&ast::DefaultDecl, String)> = None;
    let mut lexicons = Vec::new();
    let mut rules: Vec<(&ast::Rule, Option<&str>)> = Vec::new();
    for file in files {
        for item in &file.items {
            match item {
                ast::Item::Header(h) => {
                    if let Some(v) = &h.version {
                        versions.push(v.node.clone());
                    }
                    ai_must.extend(h.ai_must.iter().map(|m| m.node.clone()));
                }
                ast::Item::Default(d) => {
                    if default.is_none() {
                        default = Some((d, c.location(d.span)));
                    }
                }
                ast::Item::Lexicon(l) => {
                    if !lexicons.iter().any(|(n, _): &(String, Vec<String>)| *n == l.name.node) {
                        lexicons.push((l.name.node.clone(), l.phrases.iter().map(|p| p.node.clone()).collect()));
                    }
                }
                ast::Item::Principle(p) => rules.extend(p.rules.iter().map(|r| (r, Some(p.name.node.as_str())))),
                ast::Item::Rule(r) => rules.push((r, None)),
                ast::Item::Context(_) | ast::Item::Guarantee(_) => {}
            }
        }
    }
    c.lexicons = Lexicons::build(&lexicons);

    let rules: Vec<Rule> = rules.into_iter().map(|(r, principle)| c.rule(r, principle)).collect();
    let default = match default {
        Some((d, source)) => DefaultRule {
            route: d.route.node,
            because: c.template(&d.because.node),
            source,
        },
        None => DefaultRule {
            route: Route::Human,
            because: Template {
                parts: vec![Part::Text("The policy set gives no default.".into())],
            },
            source: String::new(),
        },
    };
    ai_must.sort();
    ai_must.dedup();
    let mut wanted = Wanted::default();
    for slot in &c.slots {
        if let Some(s) = slot.signal {
            s.want(&mut wanted);
        }
    }
    let reads_messages = rules
        .iter()
        .any(|r| r.conjuncts.iter().chain(&r.unless_condition).any(|c| c.messages));
    let plan = Plan::new(&rules, &c.nodes);
    Program {
        digest,
        version: (!versions.is_empty()).then(|| versions.join("+")),
        nodes: c.nodes,
        touched: c.slots.iter().take(TOUCHED).map(|s| s.key.hash()).collect(),
        slots: c.slots,
        rules,
        plan,
        reference: std::sync::OnceLock::new(),
        regexes: c.regexes,
        lexicons: c.lexicons,
        default,
        ai_must,
        wanted,
        reads_messages,
        texts: c.texts,
    }
}

struct Compiler<'s> {
    schema: &'s Schema,
    sources: &'s [Source],
    nodes: Vec<Node>,
    slots: Vec<Slot>,
    slot_index: Map<SlotId>,
    regexes: Vec<regex::Regex>,
    regex_index: Map<Option<u32>>,
    lexicons: Lexicons,
    /// Per file, the byte offset of each line's start (built on first use).
    line_starts: Vec<Vec<usize>>,
    /// The source text of each branch of an `and` / `or` (for `--explain`).
    texts: Vec<(NodeId, String)>,
}

/// Where an expression is compiled: inside `where`, `text`, `sentiment` and `from` name the
/// message.
#[derive(Clone, Copy)]
struct Scope {
    in_where: bool,
    depth: usize,
}

impl Compiler<'_> {
    /// `path:line:col` of a span, as [`Source::location`] writes it, from an index of line
    /// starts built once per file (rules are many; scanning from the top each time is not).
    fn location(&mut self, span: Span) -> String {
        let Some(source) = self.sources.get(span.file as usize) else {
            return String::new();
        };
        let file = span.file as usize;
        if self.line_starts.len() <= file {
            self.line_starts.resize(file + 1, Vec::new());
        }
        let Some(starts) = self.line_starts.get_mut(file) else {
            return String::new();
        };
        if starts.is_empty() {
            starts.push(0);
            starts.extend(source.text.match_indices('\n').map(|(i, _)| i + 1));
        }
        let offset = (span.start as usize).min(source.text.len());
        let line = starts.partition_point(|&start| start <= offset);
        let line_start = line.checked_sub(1).and_then(|l| starts.get(l)).copied().unwrap_or(0);
        let column = source.text.get(line_start..offset).map_or(0, |t| t.chars().count()) + 1;
        let (mut l, mut c) = (itoa::Buffer::new(), itoa::Buffer::new());
        [source.path.as_str(), ":", l.format(line), ":", c.format(column)].concat()
    }

    fn push(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        NodeId::new(self.nodes.len() - 1)
    }

    fn rule(&mut self, r: &ast::Rule, principle: Option<&str>) -> Rule {
        let top = Scope {
            in_where: false,
            depth: 0,
        };
        let mut conjuncts = Vec::new();
        let when = match &r.when {
            Some(expr) => {
                let mut parts = Stack::new();
                split_and(expr, &mut parts);
                conjuncts.reserve_exact(parts.len());
                let mut when: Option<NodeId> = None;
                for part in parts {
                    let node = self.expr(part, top);
                    conjuncts.push(self.condition(part, node));
                    when = Some(match when {
                        Some(prev) => self.push(Node::And(prev, node)),
                        None => node,
                    });
                }
                when.unwrap_or_else(|| self.push(Node::Bool(false)))
            }
            // `missing-when` is an error, so this does not run; such a rule never matches.
            None => self.push(Node::Bool(false)),
        };
        let (unless, unless_condition) = match &r.unless {
            Some(expr) => {
                let node = self.expr(expr, top);
                (Some(node), Some(self.condition(expr, node)))
            }
            None => (None, None),
        };
        let because = r.because.as_ref().map(|b| self.template(&b.node)).unwrap_or_default();
        let mut tags: Vec<String> = r.tags.iter().map(|t| t.node.clone()).collect();
        tags.sort();
        tags.dedup();
        Rule {
            name: r.name.node.clone(),
            principle: principle.map(str::to_string),
            effect: r.effect.node,
            when,
            unless,
            conjuncts,
            unless_condition,
            because,
            priority: r.priority.as_ref().map_or(Priority::Normal, |p| p.node),
            queue: r.queue.as_ref().map(|q| q.node.clone()),
            say: r.say.as_ref().map(|s| s.node.clone()),
            tags,
            must: r.must.iter().map(|m| m.node.clone()).collect(),
            source: self.location(r.span),
        }
    }

    fn condition(&mut self, expr: &Expr, node: NodeId) -> Condition {
        let mut slots = Stack::new();
        collect_paths(expr, &mut slots);
        let mut ids: Vec<SlotId> = Vec::with_capacity(slots.len());
        for path in slots {
            let id = self.slot(path, false);
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let text = crate::fmt::format_expr(expr);
        Condition {
            node,
            messages: reads_messages(expr),
            text,
            slots: ids,
        }
    }

    /// The slot of a path, created on first use; `read` marks a value read by a condition.
    fn slot(&mut self, path: &str, read: bool) -> SlotId {
        if let Some(&id) = self.slot_index.get(path) {
            if read {
                if let Some(s) = self.slots.get_mut(id.index()) {
                    s.read = true;
                }
            }
            return id;
        }
        let field = self.schema.get(path);
        let ty = field.map(|f| f.ty.clone());
        let default = field.and_then(|f| f.default.clone());
        let signal = Signal::from_path(path);
        self.slots.push(Slot {
            path: path.to_string(),
            key: crate::context::Key::new(path),
            segments: path.split('.').map(str::to_string).collect(),
            kind: Kind::of(ty.as_ref()),
            missing: Missing::of(signal, default.as_ref()),
            ty,
            signal,
            read,
        });
        let id = SlotId::new(self.slots.len() - 1);
        self.slot_index.insert(path.to_string(), id);
        id
    }

    fn regex(&mut self, pattern: &str) -> Option<u32> {
        if let Some(&id) = self.regex_index.get(pattern) {
            return id;
        }
        let id = regex::Regex::new(pattern).ok().map(|re| {
            self.regexes.push(re);
            u32::try_from(self.regexes.len() - 1).unwrap_or(u32::MAX)
        });
        self.regex_index.insert(pattern.to_string(), id);
        id
    }

    /// `value in [..]` (`negated`: `not in`): over a path and literals, a test of one slot.
    fn membership(&mut self, value: &Expr, list: &Expr, negated: bool, scope: Scope) -> NodeId {
        if let (Some(path), Some(items)) = (self.context_path(value, scope), literals(list)) {
            let slot = self.slot(path, true);
            return self.push(Node::InConst { slot, items, negated });
        }
        let inner = Scope {
            depth: scope.depth + 1,
            ..scope
        };
        let value = self.expr(value, inner);
        let node = match &list.kind {
            ExprKind::List(items) => {
                let items = items.iter().map(|i| self.expr(i, inner)).collect();
                Node::In { value, items, negated }
            }
            _ => Node::Unknown,
        };
        self.push(node)
    }

    fn expr(&mut self, e: &Expr, scope: Scope) -> NodeId {
        if scope.depth > DEPTH_LIMIT {
            return self.push(Node::Unknown);
        }
        let inner = Scope {
            depth: scope.depth + 1,
            ..scope
        };
        let node = match &e.kind {
            ExprKind::Literal(Literal::Bool(b)) => Node::Bool(*b),
            ExprKind::Literal(Literal::Number(n)) => Node::Num(*n),
            ExprKind::Literal(Literal::String(s)) => Node::Str(s.clone()),
            // A list outside `in` has no value.
            ExprKind::List(_) => Node::Unknown,
            ExprKind::Path(path) => {
                match msg_field(path) {
                    Some(f) if scope.in_where => Node::Msg(f),
                    _ => Node::Slot(self.slot(path, true)),
                }
            }
            ExprKind::Not(x) => Node::Not(self.expr(x, inner)),
            ExprKind::And(a, b) => Node::And(self.branch(a, inner), self.branch(b, inner)),
            ExprKind::Or(a, b) => Node::Or(self.branch(a, inner), self.branch(b, inner)),
            ExprKind::Compare { op, lhs, rhs } => match (self.context_path(lhs, scope), &rhs.kind) {
                (Some(path), ExprKind::Literal(l)) => Node::CmpConst {
                    op: *op,
                    slot: self.slot(path, true),
                    lit: Lit::from_literal(l),
                },
                _ => Node::Cmp {
                    op: *op,
                    lhs: self.expr(lhs, inner),
                    rhs: self.expr(rhs, inner),
                },
            },
            ExprKind::In { value, list, negated } => return self.membership(value, list, *negated, scope),
            ExprKind::Contains { lhs, rhs } => Node::Contains {
                lhs: self.expr(lhs, inner),
                rhs: self.expr(rhs, inner),
            },
            ExprKind::Matches { lhs, pattern } => Node::Matches {
                lhs: self.expr(lhs, inner),
                regex: self.regex(&pattern.node),
            },
            ExprKind::Mentions { lhs, lexicon } => Node::Mentions {
                lhs: self.expr(lhs, inner),
                lexicon: self.lexicons.id(&lexicon.node),
            },
            ExprKind::Presence { path, missing } => match msg_field(&path.node) {
                Some(field) if scope.in_where => Node::MsgPresence {
                    field,
                    missing: *missing,
                },
                _ => Node::Presence {
                    slot: self.slot(&path.node, false),
                    missing: *missing,
                },
            },
            ExprKind::Quantified { quantifier, who, test } => {
                let test = match test {
                    MessageTest::Mentions(l) => Test::Mentions(self.lexicons.id(&l.node)),
                    MessageTest::Matches(p) => Test::Matches(self.regex(&p.node)),
                    MessageTest::Where(x) => Test::Where(self.expr(
                        x,
                        Scope {
                            in_where: true,
                            ..inner
                        },
                    )),
                };
                Node::Quant {
                    quantifier: *quantifier,
                    who: *who,
                    test,
                }
            }
            ExprKind::Count { who, filter } => {
                let filter = filter.as_ref().map(|x| {
                    self.expr(
                        x,
                        Scope {
                            in_where: true,
                            ..inner
                        },
                    )
                });
                Node::Count { who: *who, filter }
            }
        };
        self.push(node)
    }

    /// A branch of an `and` / `or`, its text kept for `--explain`.
    fn branch(&mut self, e: &Expr, scope: Scope) -> NodeId {
        let id = self.expr(e, scope);
        self.texts.push((id, crate::fmt::format_expr(e)));
        id
    }

    /// The context path an operand names (not a message field inside `where`).
    fn context_path<'e>(&self, e: &'e Expr, scope: Scope) -> Option<&'e str> {
        match &e.kind {
            ExprKind::Path(p) if !(scope.in_where && schema::MESSAGE_FIELDS.contains(&p.as_str())) => Some(p),
            _ => None,
        }
    }

    /// Cuts a template into text, slots and `{matched}`; `{{` and `}}` are braces.
    fn template(&mut self, text: &str) -> Template {
        let mut parts = Vec::new();
        let mut buf = String::new();
        let mut rest = text;
        while let Some(at) = rest.bytes().position(|b| b == b'{' || b == b'}') {
            buf.push_str(rest.get(..at).unwrap_or(""));
            let from = rest.get(at..).unwrap_or("");
            let doubled = from.starts_with("{{") || from.starts_with("}}");
            if doubled || from.starts_with('}') {
                buf.push_str(from.get(..1).unwrap_or(""));
                rest = from.get(if doubled { 2 } else { 1 }..).unwrap_or("");
                continue;
            }
            let after = from.get(1..).unwrap_or("");
            let (name, closed, next) = match after.find('}') {
                Some(close) => (
                    after.get(..close).unwrap_or(""),
                    true,
                    after.get(close + 1..).unwrap_or(""),
                ),
                None => (after, false, ""),
            };
            rest = next;
            let key = name.trim();
            let known = key == "matched" || self.schema.get(key).is_some();
            if !closed || !known {
                // rejected by the checker; kept as written
                buf.push('{');
                buf.push_str(name);
                if closed {
                    buf.push('}');
                }
                continue;
            }
            if !buf.is_empty() {
                parts.push(Part::Text(buf.as_str().into()));
                buf.clear();
            }
            parts.push(if key == "matched" {
                Part::Matched
            } else if key == "id" {
                Part::Id
            } else {
                Part::Slot(self.slot(key, false))
            });
        }
        buf.push_str(rest);
        if !buf.is_empty() {
            parts.push(Part::Text(buf.as_str().into()));
        }
        Template { parts }
    }
}

/// The items of a list of literals.
fn literals(list: &Expr) -> Option<Vec<Lit>> {
    let ExprKind::List(items) = &list.kind else { return None };
    items
        .iter()
        .map(|i| match &i.kind {
            ExprKind::Literal(l) => Some(Lit::from_literal(l)),
            _ => None,
        })
        .collect()
}

/// The conjuncts of a top-level `and` chain, left to right.
fn split_and<'e>(e: &'e Expr, out: &mut Stack<&'e Expr>) {
    let mut stack: Stack<&Expr> = smallvec![e];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::And(a, b) => {
                stack.push(b);
                stack.push(a);
            }
            _ => out.push(e),
        }
    }
}

/// Every context path an expression reads the value of (message fields inside `where` left
/// out), in order of appearance.
fn collect_paths<'e>(e: &'e Expr, out: &mut Stack<&'e str>) {
    let mut stack: Stack<(&Expr, bool)> = smallvec![(e, false)];
    while let Some((e, in_where)) = stack.pop() {
        match &e.kind {
            ExprKind::Path(p) => {
                let message_field = in_where && schema::MESSAGE_FIELDS.contains(&p.as_str());
                if !message_field && !out.contains(&p.as_str()) {
                    out.push(p);
                }
            }
            ExprKind::Literal(_) | ExprKind::Presence { .. } => {}
            ExprKind::List(items) => stack.extend(items.iter().rev().map(|i| (i, in_where))),
            ExprKind::Not(x) => stack.push((x, in_where)),
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                stack.push((b, in_where));
                stack.push((a, in_where));
            }
            ExprKind::Compare { lhs, rhs, .. } | ExprKind::Contains { lhs, rhs } => {
                stack.push((rhs, in_where));
                stack.push((lhs, in_where));
            }
            ExprKind::In { value, list, .. } => {
                stack.push((list, in_where));
                stack.push((value, in_where));
            }
            ExprKind::Matches { lhs, .. } | ExprKind::Mentions { lhs, .. } => stack.push((lhs, in_where)),
            ExprKind::Quantified {
                test: MessageTest::Where(x),
                ..
            } => stack.push((x, true)),
            ExprKind::Quantified { .. } => {}
            ExprKind::Count { filter, .. } => {
                if let Some(x) = filter {
                    stack.push((x, true));
                }
            }
        }
    }
}

/// The message field a name inside `where` refers to.
fn msg_field(name: &str) -> Option<MsgField> {
    match name {
        "text" => Some(MsgField::Text),
        "sentiment" => Some(MsgField::Sentiment),
        "from" => Some(MsgField::From),
        _ => None,
    }
}

/// Whether an expression looks at messages (a quantifier or `count` anywhere in it).
fn reads_messages(e: &Expr) -> bool {
    let mut stack: Stack<&Expr> = smallvec![e];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Quantified { .. } | ExprKind::Count { .. } => return true,
            ExprKind::Not(x) | ExprKind::Matches { lhs: x, .. } | ExprKind::Mentions { lhs: x, .. } => stack.push(x),
            ExprKind::And(a, b) | ExprKind::Or(a, b) => stack.extend([a.as_ref(), b.as_ref()]),
            ExprKind::Compare { lhs, rhs, .. } | ExprKind::Contains { lhs, rhs } => {
                stack.extend([lhs.as_ref(), rhs.as_ref()]);
            }
            ExprKind::In { value, list, .. } => stack.extend([value.as_ref(), list.as_ref()]),
            ExprKind::List(items) => stack.extend(items.iter()),
            ExprKind::Literal(_) | ExprKind::Path(_) | ExprKind::Presence { .. } => {}
        }
    }
    false
}
