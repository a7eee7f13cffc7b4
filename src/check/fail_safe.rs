//! Warnings about what fail-safe matching does to a rule (LANGUAGE.md §8, v0.2):
//!
//! - `matches-when-missing`: a `require` rule whose `when` reads a declared path without a
//!   default matches every conversation that lacks it, unless the rule says so itself
//!   (`PATH is missing` / `PATH is present`);
//! - `matched-without-phrase`: `{matched}` in a rule that can match with no phrase found.

use super::Checker;
use crate::ast::{self, ExprKind, MessageTest, Quantifier};
use crate::diagnostic::{Code, Diagnostic};
use crate::schema::{self, MESSAGE_FIELDS};

/// Both warnings for one rule.
pub(super) fn check_rule(cx: &mut Checker<'_>, rule: &ast::Rule) {
    let Some(when) = &rule.when else { return };
    if rule.effect.node.is_require() {
        matches_when_missing(cx, rule, when);
    }
    // without any `mentions`, `{matched}` is an `unknown-placeholder` error already
    let matched = rule.because.as_ref().is_some_and(|b| b.node.contains("{matched}"));
    if matched && super::templates::uses_mentions(when) && !has_positive_mention(when) {
        cx.report(
            Diagnostic::at(
                Code::MatchedWithoutPhrase,
                when.span,
                format!("`{{matched}}` in rule `{}` can render `unknown`", rule.name.node),
            )
            .with_label("this can hold with no phrase found")
            .with_help(
                "`{matched}` shows a phrase only when the rule matched through a `mentions` test; make the \
                 `mentions` a condition of its own, e.g. `when any customer message mentions L and …`, or \
                 leave `{matched}` out of `because`",
            ),
        );
    }
}

/// `matches-when-missing`, once for each such path (at its first use).
fn matches_when_missing(cx: &mut Checker<'_>, rule: &ast::Rule, when: &ast::Expr) {
    let mut tested: Vec<&str> = Vec::new();
    for e in rule.when.iter().chain(&rule.unless) {
        ast::walk_expr(e, |x| {
            if let ExprKind::Presence { path, .. } = &x.kind {
                tested.push(&path.node);
            }
        });
    }
    let mut reported: Vec<&str> = Vec::new();
    let mut found: Vec<(&str, crate::source::Span)> = Vec::new();
    ast::walk_expr(when, |x| {
        if let ExprKind::Path(p) = &x.kind {
            found.push((p.as_str(), x.span));
        }
    });
    for (path, span) in found {
        if MESSAGE_FIELDS.contains(&path) || tested.contains(&path) || reported.contains(&path) {
            continue;
        }
        let Some(field) = cx.schema.get(path) else { continue };
        if field.declared_at.is_none() || field.default.is_some() {
            continue;
        }
        reported.push(path);
        let ty = schema::type_name(&field.ty);
        cx.report(
            Diagnostic::at(
                Code::MatchesWhenMissing,
                span,
                format!("`{path}` has no default: rule `{}` matches whenever it is missing", rule.name.node),
            )
            .with_label("unknown when absent: this `require` then matches (fail-safe)")
            .with_help(format!(
                "if that is meant, say so: `when … or {path} is missing`; if not, give it a default: \
                 `{path} : {ty} = …`"
            )),
        );
    }
}

/// Whether a condition is an `and` (at any depth) with a positive `mentions` among its
/// operands: one not under `not`, `no`, `every` or `count`.
fn has_positive_mention(e: &ast::Expr) -> bool {
    match &e.kind {
        ExprKind::Mentions { .. } => true,
        ExprKind::And(a, b) => has_positive_mention(a) || has_positive_mention(b),
        ExprKind::Quantified { quantifier: Quantifier::Any | Quantifier::Last, test, .. } => match test {
            MessageTest::Mentions(_) => true,
            MessageTest::Where(x) => has_positive_mention(x),
            MessageTest::Matches(_) => false,
        },
        _ => false,
    }
}
