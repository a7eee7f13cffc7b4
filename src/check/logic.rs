//! Reasoning over conditions: a `when` that can never hold (`contradiction`), and an
//! `allow ai` that some `require` always overrides (`shadowed-allow`).
//!
//! Both are warnings and must be certain: the reasoning only looks at simple facts about one
//! path at a time (`x > 5`, `x == "a"`, `x in [..]`, a bare bool path, `x is missing`) inside
//! conjunctions, and stays silent about everything else. Under three-valued logic a condition
//! that holds implies that the paths it compares are known, so these facts are about values.

mod domain;

use super::Checker;
use crate::ast::{self, CmpOp, Effect, Expr, ExprKind, Literal, MessageTest, Quantifier, Type};
use crate::diagnostic::{Code, Diagnostic};
use crate::schema;
use crate::source::Span;
use domain::Domain;
use smallvec::SmallVec;
use std::collections::HashMap;

/// `contradiction` for the `when` of one rule; whether there is one.
pub(super) fn check_contradiction(cx: &mut Checker<'_>, rule: &ast::Rule) -> bool {
    let Some(when) = &rule.when else { return false };
    let Some(conflict) = unsatisfiable(cx, when, Scope::Rule, 0) else {
        return false;
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
    true
}

/// `shadowed-allow`: an `allow ai` whose every match is also a match of some `require` without
/// `unless` (whose `when` follows from the allow's `when`). `contradictory[i]` says whether
/// `rules[i]` already has a `contradiction`.
pub(super) fn check_shadowed(cx: &mut Checker<'_>, rules: &[&ast::Rule], contradictory: &[bool]) {
    let requires = Requires::new(cx, rules);
    let mut candidates: Vec<usize> = Vec::new();
    for (i, allow) in rules.iter().enumerate() {
        if allow.effect.node != Effect::AllowAi || contradictory.get(i).copied().unwrap_or(false) {
            continue;
        }
        let Some(when) = &allow.when else { continue };
        let premise = Premise::new(cx, when);
        requires.candidates(&premise, &mut candidates);
        let shadow = candidates
            .iter()
            .filter_map(|&r| requires.list.get(r))
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

/// The `require` rules without `unless`, prepared once, and bucketed by their first fact goal:
/// a require with a fact goal about a path can only follow from a premise with facts about that
/// path, and one whose goal is `path == v` or `path in [..]` only from a premise that leaves
/// `path` one of those values. Without the second bucketing, a set whose allows and requires
/// constrain the same field (say `intent`) compared every allow with every require.
struct Requires<'r> {
    /// In rule order.
    list: Vec<(&'r ast::Rule, Vec<Goal<'r>>)>,
    /// Requires (indexes into `list`) by the path of their first fact goal.
    by_path: HashMap<&'r str, Vec<usize>>,
    /// The same, when that goal is `path == v` or `path in [..]`: under each value it allows.
    by_value: HashMap<(&'r str, Key<'r>), Vec<usize>>,
    /// The same, when that goal is anything else.
    by_other: HashMap<&'r str, Vec<usize>>,
    /// Requires without a fact goal: candidates for every premise.
    always: Vec<usize>,
}

/// A [`Value`] as a map key (numbers are finite and `-0.0` is `0.0`, so bits are equality).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Key<'e> {
    Number(u64),
    Str(&'e str),
    Bool(bool),
}

impl<'e> From<Value<'e>> for Key<'e> {
    fn from(v: Value<'e>) -> Key<'e> {
        match v {
            Value::Number(n) => Key::Number(n.to_bits()),
            Value::Str(s) => Key::Str(s),
            Value::Bool(b) => Key::Bool(b),
        }
    }
}

impl<'r> Requires<'r> {
    fn new(cx: &Checker<'r>, rules: &[&'r ast::Rule]) -> Requires<'r> {
        let list: Vec<(&ast::Rule, Vec<Goal<'_>>)> = rules
            .iter()
            .filter(|r| r.effect.node.is_require() && r.unless.is_none())
            .filter_map(|r| Some((*r, goals(cx, r.when.as_ref()?, 0))))
            .collect();
        let mut requires = Requires {
            list: Vec::new(),
            by_path: HashMap::new(),
            by_value: HashMap::new(),
            by_other: HashMap::new(),
            always: Vec::new(),
        };
        for (i, (_, goals)) in list.iter().enumerate() {
            let first = goals.iter().find_map(|g| match g {
                Goal::Fact(f, _) => Some(f),
                _ => None,
            });
            let Some(fact) = first else {
                requires.always.push(i);
                continue;
            };
            requires.by_path.entry(fact.path).or_default().push(i);
            match &fact.constraint {
                Constraint::Cmp(CmpOp::Eq, v) => requires.by_value.entry((fact.path, (*v).into())).or_default().push(i),
                Constraint::In(values, false) => {
                    for v in values {
                        requires.by_value.entry((fact.path, (*v).into())).or_default().push(i);
                    }
                }
                _ => requires.by_other.entry(fact.path).or_default().push(i),
            }
        }
        requires.list = list;
        requires
    }

    /// The requires that may follow from a premise, in rule order.
    fn candidates(&self, premise: &Premise<'_>, out: &mut Vec<usize>) {
        out.clear();
        out.extend_from_slice(&self.always);
        for (path, ty, facts) in &premise.facts {
            // when the premise's facts leave `path` a finite, non-empty set of values, a goal
            // `path in S` follows only if S holds one of them
            let Some(left) = values_left(ty, facts) else {
                out.extend(self.by_path.get(path).into_iter().flatten());
                continue;
            };
            out.extend(self.by_other.get(path).into_iter().flatten());
            for v in left {
                out.extend(self.by_value.get(&(*path, v.into())).into_iter().flatten());
            }
        }
        out.sort_unstable();
        out.dedup();
    }
}

/// The values a path of type `ty` may take where `facts` hold, when they are finitely many and
/// at least one (else `None`: a premise that no value meets implies everything).
fn values_left<'e>(ty: &'e Type, facts: &[Constraint<'e>]) -> Option<SmallVec<[Value<'e>; 4]>> {
    let mut domain = Domain::of(ty);
    for c in facts {
        domain.add(c, false);
    }
    if domain.presence_conflict {
        return None;
    }
    let left: SmallVec<[Value<'e>; 4]> = domain
        .allowed
        .as_ref()?
        .iter()
        .filter(|v| !domain.excluded.contains(v) && domain.within_bounds(v))
        .copied()
        .collect();
    (!left.is_empty()).then_some(left)
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
    split(e, |x| match &x.kind {
        ExprKind::And(a, b) => Some((a, b)),
        _ => None,
    })
}

fn disjuncts(e: &Expr) -> Vec<&Expr> {
    split(e, |x| match &x.kind {
        ExprKind::Or(a, b) => Some((a, b)),
        _ => None,
    })
}

/// The operands of a chain of one binary operator, left to right.
fn split<'e>(e: &'e Expr, op: impl Fn(&'e Expr) -> Option<(&'e Expr, &'e Expr)>) -> Vec<&'e Expr> {
    let mut out = Vec::new();
    let mut stack: SmallVec<[&Expr; 8]> = SmallVec::new();
    stack.push(e);
    while let Some(x) = stack.pop() {
        match op(x) {
            Some((a, b)) => {
                stack.push(b);
                stack.push(a);
            }
            None => out.push(x),
        }
    }
    out
}

/// The entry for `path` in a small map kept as a list (a condition names few paths), made by
/// `new` if missing.
fn entry<'l, 'e, T>(list: &'l mut Vec<(&'e str, T)>, path: &'e str, new: impl FnOnce() -> T) -> Option<&'l mut T> {
    let at = match list.iter().position(|(p, _)| *p == path) {
        Some(at) => at,
        None => {
            list.push((path, new()));
            list.len() - 1
        }
    };
    list.get_mut(at).map(|(_, v)| v)
}

type Spans = SmallVec<[Span; 4]>;

/// Some reason `e` can never be true, if there certainly is one.
fn unsatisfiable(cx: &Checker<'_>, e: &Expr, scope: Scope, depth: usize) -> Option<Conflict> {
    if depth > ast::MAX_DEPTH {
        return None;
    }
    // each path's values so far, and the conjuncts that narrowed them
    let mut domains: Vec<(&str, (Domain<'_>, Spans))> = Vec::new();
    for c in conjuncts(e) {
        if let Some(fact) = fact(cx, c, scope) {
            let Some((domain, spans)) = entry(&mut domains, fact.path, || (Domain::of(fact.ty), SmallVec::new()))
            else {
                continue;
            };
            domain.add(&fact.constraint, false);
            if !domain.satisfiable() {
                return Some(Conflict {
                    primary: c.span,
                    related: spans.to_vec(),
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
    /// Path, its type, and the facts about it.
    facts: Vec<(&'e str, &'e Type, SmallVec<[Constraint<'e>; 2]>)>,
}

impl<'e> Premise<'e> {
    fn new(cx: &Checker<'e>, when: &'e Expr) -> Premise<'e> {
        let conjuncts = conjuncts(when);
        let mut facts: Vec<(&str, &Type, SmallVec<[Constraint<'_>; 2]>)> = Vec::new();
        for c in &conjuncts {
            if let Some(f) = fact(cx, c, Scope::Rule) {
                match facts.iter_mut().find(|(p, _, _)| *p == f.path) {
                    Some((_, _, list)) => list.push(f.constraint),
                    None => facts.push((f.path, f.ty, smallvec::smallvec![f.constraint])),
                }
            }
        }
        Premise { conjuncts, facts }
    }

    fn facts(&self, path: &str) -> Option<&[Constraint<'e>]> {
        self.facts.iter().find(|(p, _, _)| *p == path).map(|(_, _, c)| c.as_slice())
    }
}

/// One conjunct of a `require` rule's `when`, prepared for testing against many premises.
enum Goal<'e> {
    /// `true`
    True,
    /// A simple fact about one path, and the path's type.
    Fact(Fact<'e>, &'e Type),
    /// An `or`: one of the branches (each a list of conjuncts) must follow.
    Or(Vec<Vec<Goal<'e>>>),
    /// Anything else must appear among the premise's conjuncts as written.
    Other(&'e Expr),
}

fn goals<'e>(cx: &Checker<'e>, when: &'e Expr, depth: usize) -> Vec<Goal<'e>> {
    conjuncts(when)
        .into_iter()
        .map(|expr| {
            if matches!(expr.kind, ExprKind::Literal(Literal::Bool(true))) {
                return Goal::True;
            }
            if let Some(f) = fact(cx, expr, Scope::Rule) {
                let ty = f.ty;
                return Goal::Fact(f, ty);
            }
            if matches!(expr.kind, ExprKind::Or(..)) && depth < ast::MAX_DEPTH {
                return Goal::Or(disjuncts(expr).into_iter().map(|d| goals(cx, d, depth + 1)).collect());
            }
            Goal::Other(expr)
        })
        .collect()
}

/// Whether every goal holds whenever the premise holds.
fn implies<'e>(premise: &Premise<'e>, goals: &[Goal<'e>]) -> bool {
    goals.iter().all(|g| match g {
        Goal::True => true,
        Goal::Fact(fact, ty) => {
            // follows if the premise's facts about the path leave no value for which the goal
            // is false (an identical conjunct is among those facts)
            let Some(known) = premise.facts(fact.path) else {
                return false;
            };
            let mut domain = Domain::of(ty);
            for c in known {
                domain.add(c, false);
            }
            domain.add(&fact.constraint, true);
            !domain.satisfiable()
        }
        Goal::Or(branches) => branches.iter().any(|b| implies(premise, b)),
        Goal::Other(expr) => premise.conjuncts.contains(expr),
    })
}

fn field_type<'s>(cx: &Checker<'s>, path: &str, scope: Scope) -> Option<&'s Type> {
    if scope == Scope::Message {
        if let Some(ty) = schema::message_type(path) {
            return Some(ty);
        }
    }
    cx.schema.get(path).map(|f| &f.ty)
}

/// A value a path is compared with.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Value<'e> {
    Number(f64),
    Str(&'e str),
    Bool(bool),
}

/// What a true conjunct says about one path.
#[derive(Clone, Debug)]
enum Constraint<'e> {
    Cmp(CmpOp, Value<'e>),
    In(SmallVec<[Value<'e>; 4]>, bool),
    Missing(bool),
}

impl Constraint<'_> {
    /// The constraint a known value meets when this one is false.
    fn negate(self) -> Self {
        match self {
            Constraint::Cmp(op, v) => Constraint::Cmp(op.negated(), v),
            Constraint::In(values, negated) => Constraint::In(values, !negated),
            Constraint::Missing(missing) => Constraint::Missing(!missing),
        }
    }
}

struct Fact<'e> {
    path: &'e str,
    constraint: Constraint<'e>,
    /// The path's type.
    ty: &'e Type,
}

/// The fact a conjunct states about one path, if it is that simple and well typed.
fn fact<'e>(cx: &Checker<'e>, e: &'e Expr, scope: Scope) -> Option<Fact<'e>> {
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
            (ExprKind::Literal(l), ExprKind::Path(p)) => (p.as_str(), Constraint::Cmp(op.flipped(), value(l))),
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
                .collect::<Option<SmallVec<[Value<'_>; 4]>>>()?;
            (p.as_str(), Constraint::In(values, *not_in))
        }
        ExprKind::Presence { path, missing } => (path.node.as_str(), Constraint::Missing(*missing)),
        _ => return None,
    };
    let ty = field_type(cx, path, scope)?;
    if !fits(&constraint, ty) {
        return None;
    }
    let constraint = if negated { constraint.negate() } else { constraint };
    Some(Fact { path, constraint, ty })
}

fn value(l: &Literal) -> Value<'_> {
    match l {
        // -0.0 and 0.0 are the same threshold
        Literal::Number(n) => Value::Number(if *n == 0.0 { 0.0 } else { *n }),
        Literal::String(s) => Value::Str(s),
        Literal::Bool(b) => Value::Bool(*b),
    }
}

/// Whether a constraint is well typed for a path (ill-typed ones are errors elsewhere, and
/// reasoning about them would only add noise).
fn fits(c: &Constraint<'_>, ty: &Type) -> bool {
    let value_fits = |v: &Value<'_>| match (v, ty) {
        (Value::Number(n), Type::Number) => n.is_finite(),
        (Value::Bool(_), Type::Bool) | (Value::Str(_), Type::String) => true,
        (Value::Str(s), Type::OneOf(options)) => options.iter().any(|o| o.as_str() == *s),
        _ => false,
    };
    match c {
        Constraint::Cmp(CmpOp::Eq | CmpOp::Ne, v) => value_fits(v),
        Constraint::Cmp(_, v) => *ty == Type::Number && value_fits(v),
        Constraint::In(values, _) => values.iter().all(value_fits),
        Constraint::Missing(_) => true,
    }
}
