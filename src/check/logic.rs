//! Reasoning over conditions: a `when` that can never hold (`contradiction`), and an
//! `allow ai` that some `require` always overrides (`shadowed-allow`).
//!
//! Both are warnings and must be certain: the reasoning only looks at simple facts about one
//! path at a time (`x > 5`, `x == "a"`, `x in [..]`, a bare bool path, `x is missing`) inside
//! conjunctions, and stays silent about everything else. Under three-valued logic a condition
//! that holds implies that the paths it compares are known, so these facts are about values.

use super::Checker;
use crate::ast::{self, CmpOp, Effect, Expr, ExprKind, Literal, MessageTest, Quantifier, Type};
use crate::diagnostic::{Code, Diagnostic};
use crate::schema;
use crate::source::Span;
use std::collections::BTreeMap;

/// `contradiction` for the `when` of one rule.
pub(super) fn check_contradiction(cx: &mut Checker<'_>, rule: &ast::Rule) {
    let Some(when) = &rule.when else { return };
    let Some(conflict) = unsatisfiable(cx, when, Scope::Rule, 0) else {
        return;
    };
    let name = &rule.name.node;
    let label = match &conflict.path {
        Some(path) => format!("contradicts the other conditions on `{path}`"),
        None => "never true".to_string(),
    };
    let help = if rule.effect.node.is_require() {
        "with known data this rule never matches (a `require` still matches when these fields are unknown); \
         check the operators and values"
    } else {
        "this rule can never match; check the operators and values"
    };
    let mut d = Diagnostic::at(
        Code::Contradiction,
        conflict.primary,
        format!("the `when` of `{name}` can never hold"),
    )
    .with_label(label)
    .with_help(help);
    for span in conflict.related {
        d = d.with_related(span, "conflicts with this");
    }
    cx.report(d);
}

/// `shadowed-allow`: an `allow ai` whose every match is also a match of some `require` without
/// `unless` (whose `when` follows from the allow's `when`).
pub(super) fn check_shadowed(cx: &mut Checker<'_>, rules: &[&ast::Rule]) {
    // Prepared once: the set is checked allow × require.
    let requires: Vec<(&ast::Rule, Vec<Goal<'_>>)> = rules
        .iter()
        .filter(|r| r.effect.node.is_require() && r.unless.is_none())
        .filter_map(|r| Some((*r, goals(cx, r.when.as_ref()?, 0))))
        .collect();
    for allow in rules.iter().filter(|r| r.effect.node == Effect::AllowAi) {
        let Some(when) = &allow.when else { continue };
        if unsatisfiable(cx, when, Scope::Rule, 0).is_some() {
            continue; // already a contradiction
        }
        let premise = Premise::new(cx, when);
        let shadow = requires
            .iter()
            .find(|(_, goals)| implies(&premise, goals))
            .map(|(r, _)| *r);
        let Some(require) = shadow else { continue };
        let (a, r) = (&allow.name.node, &require.name.node);
        cx.report(
            Diagnostic::at(
                Code::ShadowedAllow,
                allow.name.span,
                format!("`allow ai` rule `{a}` is always overridden by `{r}`"),
            )
            .with_label("never decides a verdict")
            .with_related(require.name.span, format!("`{r}` matches whenever `{a}` does"))
            .with_help(format!(
                "whenever `{a}` matches, `{r}` matches too, and a `require` always wins over an `allow`; \
                 narrow `{r}` (e.g. with `unless`) or remove `{a}`"
            )),
        );
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Rule,
    Message,
}

/// Why a condition can never hold: the conjunct that made it impossible, and the earlier
/// conjuncts about the same path.
struct Conflict {
    primary: Span,
    related: Vec<Span>,
    path: Option<String>,
}

/// The conjuncts of an `and` chain (a non-`and` expression is its own single conjunct).
fn conjuncts(e: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    let mut stack = vec![e];
    while let Some(x) = stack.pop() {
        match &x.kind {
            ExprKind::And(a, b) => {
                stack.push(b);
                stack.push(a);
            }
            _ => out.push(x),
        }
    }
    out
}

fn disjuncts(e: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    let mut stack = vec![e];
    while let Some(x) = stack.pop() {
        match &x.kind {
            ExprKind::Or(a, b) => {
                stack.push(b);
                stack.push(a);
            }
            _ => out.push(x),
        }
    }
    out
}

/// Some reason `e` can never be true, if there certainly is one.
fn unsatisfiable(cx: &Checker<'_>, e: &Expr, scope: Scope, depth: usize) -> Option<Conflict> {
    if depth > ast::MAX_DEPTH {
        return None;
    }
    let mut domains: BTreeMap<&str, (Domain, Vec<Span>)> = BTreeMap::new();
    for c in conjuncts(e) {
        if let Some(fact) = fact(cx, c, scope) {
            let Some(ty) = field_type(cx, fact.path, scope) else {
                continue;
            };
            let (domain, spans) = domains
                .entry(fact.path)
                .or_insert_with(|| (Domain::of(&ty), Vec::new()));
            domain.add(&fact.constraint);
            if !domain.satisfiable() {
                return Some(Conflict {
                    primary: c.span,
                    related: spans.clone(),
                    path: Some(fact.path.to_string()),
                });
            }
            spans.push(c.span);
            continue;
        }
        let inner = match &c.kind {
            ExprKind::Literal(Literal::Bool(false)) => Some(Conflict {
                primary: c.span,
                related: Vec::new(),
                path: None,
            }),
            ExprKind::Or(..) => disjuncts(c)
                .iter()
                .all(|d| unsatisfiable(cx, d, scope, depth + 1).is_some())
                .then(|| Conflict {
                    primary: c.span,
                    related: Vec::new(),
                    path: None,
                }),
            ExprKind::Quantified {
                quantifier: Quantifier::Any | Quantifier::Last,
                test: MessageTest::Where(x),
                ..
            } => unsatisfiable(cx, x, Scope::Message, depth + 1),
            _ => None,
        };
        if inner.is_some() {
            return inner;
        }
    }
    None
}

/// What the `when` of an `allow ai` rule asserts when it holds: its conjuncts, and the simple
/// facts among them by path.
struct Premise<'e> {
    conjuncts: Vec<&'e Expr>,
    facts: BTreeMap<&'e str, Vec<Constraint>>,
}

impl<'e> Premise<'e> {
    fn new(cx: &Checker<'_>, when: &'e Expr) -> Premise<'e> {
        let conjuncts = conjuncts(when);
        let mut facts: BTreeMap<&str, Vec<Constraint>> = BTreeMap::new();
        for c in &conjuncts {
            if let Some(f) = fact(cx, c, Scope::Rule) {
                facts.entry(f.path).or_default().push(f.constraint);
            }
        }
        Premise { conjuncts, facts }
    }
}

/// One conjunct of a `require` rule's `when`, prepared for testing against many premises.
enum Goal<'e> {
    /// `true`
    True,
    /// A simple fact about one path, and the path's type.
    Fact(Fact<'e>, Type),
    /// An `or`: one of the branches (each a list of conjuncts) must follow.
    Or(Vec<Vec<Goal<'e>>>),
    /// Anything else must appear among the premise's conjuncts as written.
    Other(&'e Expr),
}

fn goals<'e>(cx: &Checker<'_>, when: &'e Expr, depth: usize) -> Vec<Goal<'e>> {
    conjuncts(when)
        .into_iter()
        .map(|expr| {
            if matches!(expr.kind, ExprKind::Literal(Literal::Bool(true))) {
                return Goal::True;
            }
            if let Some(f) = fact(cx, expr, Scope::Rule) {
                if let Some(ty) = field_type(cx, f.path, Scope::Rule) {
                    return Goal::Fact(f, ty);
                }
            }
            if matches!(expr.kind, ExprKind::Or(..)) && depth < ast::MAX_DEPTH {
                return Goal::Or(disjuncts(expr).into_iter().map(|d| goals(cx, d, depth + 1)).collect());
            }
            Goal::Other(expr)
        })
        .collect()
}

/// Whether every goal holds whenever the premise holds.
fn implies(premise: &Premise<'_>, goals: &[Goal<'_>]) -> bool {
    goals.iter().all(|g| match g {
        Goal::True => true,
        Goal::Fact(fact, ty) => {
            // follows if the premise's facts about the path leave no value for which the goal
            // is false (an identical conjunct is among those facts)
            let Some(known) = premise.facts.get(fact.path) else {
                return false;
            };
            let mut domain = Domain::of(ty);
            for c in known {
                domain.add(c);
            }
            domain.add(&fact.constraint.negate());
            !domain.satisfiable()
        }
        Goal::Or(branches) => branches.iter().any(|b| implies(premise, b)),
        Goal::Other(expr) => premise.conjuncts.contains(expr),
    })
}

fn field_type(cx: &Checker<'_>, path: &str, scope: Scope) -> Option<Type> {
    if scope == Scope::Message {
        if let Some(field) = schema::message_field(path) {
            return Some(field.ty);
        }
    }
    cx.schema.get(path).map(|f| f.ty.clone())
}

/// A value a path is compared with.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Number(f64),
    Str(String),
    Bool(bool),
}

/// What a true conjunct says about one path.
#[derive(Clone, Debug)]
enum Constraint {
    Cmp(CmpOp, Value),
    In(Vec<Value>, bool),
    Missing(bool),
}

impl Constraint {
    /// The constraint a known value meets when this one is false.
    fn negate(&self) -> Constraint {
        match self {
            Constraint::Cmp(op, v) => Constraint::Cmp(negate_op(*op), v.clone()),
            Constraint::In(values, negated) => Constraint::In(values.clone(), !negated),
            Constraint::Missing(missing) => Constraint::Missing(!missing),
        }
    }
}

fn negate_op(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Eq => CmpOp::Ne,
        CmpOp::Ne => CmpOp::Eq,
        CmpOp::Lt => CmpOp::Ge,
        CmpOp::Le => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Le,
        CmpOp::Ge => CmpOp::Lt,
    }
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}

struct Fact<'e> {
    path: &'e str,
    constraint: Constraint,
}

/// The fact a conjunct states about one path, if it is that simple and well typed.
fn fact<'e>(cx: &Checker<'_>, e: &'e Expr, scope: Scope) -> Option<Fact<'e>> {
    let mut negated = false;
    let mut e = e;
    while let ExprKind::Not(inner) = &e.kind {
        negated = !negated;
        e = inner;
    }
    let (path, constraint) = match &e.kind {
        ExprKind::Path(p) => (p.as_str(), Constraint::Cmp(CmpOp::Eq, Value::Bool(true))),
        ExprKind::Compare { op, lhs, rhs } => match (&lhs.kind, &rhs.kind) {
            (ExprKind::Path(p), ExprKind::Literal(l)) => (p.as_str(), Constraint::Cmp(*op, value(l))),
            (ExprKind::Literal(l), ExprKind::Path(p)) => (p.as_str(), Constraint::Cmp(flip(*op), value(l))),
            _ => return None,
        },
        ExprKind::In {
            value: v,
            list,
            negated: not_in,
        } => {
            let (ExprKind::Path(p), ExprKind::List(items)) = (&v.kind, &list.kind) else {
                return None;
            };
            let values = items
                .iter()
                .map(|i| match &i.kind {
                    ExprKind::Literal(l) => Some(value(l)),
                    _ => None,
                })
                .collect::<Option<Vec<Value>>>()?;
            (p.as_str(), Constraint::In(values, *not_in))
        }
        ExprKind::Presence { path, missing } => (path.node.as_str(), Constraint::Missing(*missing)),
        _ => return None,
    };
    let ty = field_type(cx, path, scope)?;
    if !fits(&constraint, &ty) {
        return None;
    }
    let constraint = if negated { constraint.negate() } else { constraint };
    Some(Fact { path, constraint })
}

fn value(l: &Literal) -> Value {
    match l {
        // -0.0 and 0.0 are the same threshold
        Literal::Number(n) => Value::Number(if *n == 0.0 { 0.0 } else { *n }),
        Literal::String(s) => Value::Str(s.clone()),
        Literal::Bool(b) => Value::Bool(*b),
    }
}

/// Whether a constraint is well typed for a path (ill-typed ones are errors elsewhere, and
/// reasoning about them would only add noise).
fn fits(c: &Constraint, ty: &Type) -> bool {
    let value_fits = |v: &Value| match (v, ty) {
        (Value::Number(n), Type::Number) => n.is_finite(),
        (Value::Bool(_), Type::Bool) | (Value::Str(_), Type::String) => true,
        (Value::Str(s), Type::OneOf(options)) => options.contains(s),
        _ => false,
    };
    match c {
        Constraint::Cmp(CmpOp::Eq | CmpOp::Ne, v) => value_fits(v),
        Constraint::Cmp(_, v) => *ty == Type::Number && value_fits(v),
        Constraint::In(values, _) => values.iter().all(value_fits),
        Constraint::Missing(_) => true,
    }
}

/// The values a path may still take.
struct Domain {
    /// Lower and upper bounds for numbers: value and whether the bound is strict.
    lo: (f64, bool),
    hi: (f64, bool),
    /// A finite set of possible values, when there is one.
    allowed: Option<Vec<Value>>,
    excluded: Vec<Value>,
    missing: Option<bool>,
    /// `is missing` together with `is present`.
    presence_conflict: bool,
}

impl Domain {
    fn of(ty: &Type) -> Domain {
        let allowed = match ty {
            Type::Bool => Some(vec![Value::Bool(true), Value::Bool(false)]),
            Type::OneOf(options) => Some(options.iter().map(|o| Value::Str(o.clone())).collect()),
            _ => None,
        };
        Domain {
            lo: (f64::NEG_INFINITY, false),
            hi: (f64::INFINITY, false),
            allowed,
            excluded: Vec::new(),
            missing: None,
            presence_conflict: false,
        }
    }

    fn add(&mut self, c: &Constraint) {
        match c {
            Constraint::Cmp(CmpOp::Eq, v) => self.restrict(std::slice::from_ref(v)),
            Constraint::Cmp(CmpOp::Ne, v) => self.excluded.push(v.clone()),
            Constraint::Cmp(op, Value::Number(n)) => {
                let n = *n;
                match op {
                    CmpOp::Gt | CmpOp::Ge => {
                        let strict = *op == CmpOp::Gt;
                        if n > self.lo.0 || (n == self.lo.0 && strict) {
                            self.lo = (n, strict);
                        }
                    }
                    _ => {
                        let strict = *op == CmpOp::Lt;
                        if n < self.hi.0 || (n == self.hi.0 && strict) {
                            self.hi = (n, strict);
                        }
                    }
                }
            }
            Constraint::Cmp(..) => {}
            Constraint::In(values, false) => self.restrict(values),
            Constraint::In(values, true) => self.excluded.extend(values.iter().cloned()),
            Constraint::Missing(m) => {
                if self.missing.is_some_and(|old| old != *m) {
                    self.presence_conflict = true;
                }
                self.missing = Some(*m);
            }
        }
    }

    fn restrict(&mut self, values: &[Value]) {
        let next = match self.allowed.take() {
            Some(old) => old.into_iter().filter(|v| values.contains(v)).collect(),
            None => values.to_vec(),
        };
        self.allowed = Some(next);
    }

    fn within_bounds(&self, v: &Value) -> bool {
        let Value::Number(n) = v else { return true };
        let above = *n > self.lo.0 || (*n == self.lo.0 && !self.lo.1);
        let below = *n < self.hi.0 || (*n == self.hi.0 && !self.hi.1);
        above && below
    }

    fn satisfiable(&self) -> bool {
        if self.presence_conflict {
            return false;
        }
        match &self.allowed {
            Some(values) => values
                .iter()
                .any(|v| !self.excluded.contains(v) && self.within_bounds(v)),
            None => {
                let (lo, hi) = (self.lo, self.hi);
                if lo.0 < hi.0 {
                    true // infinitely many numbers (or strings) remain
                } else {
                    lo.0 == hi.0 && !lo.1 && !hi.1 && !self.excluded.contains(&Value::Number(lo.0))
                }
            }
        }
    }
}
