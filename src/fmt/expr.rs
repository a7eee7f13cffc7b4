//! Printing expressions: parentheses exactly where precedence needs them (the AST has no node
//! for them), and long `and` / `or` chains one operand per line.

use crate::ast::{Expr, ExprKind, Literal, MAX_DEPTH, MessageTest};
use crate::source::Span;

/// How tightly an expression binds; a child looser than its place needs parentheses.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Prec {
    Or,
    And,
    Not,
    /// A comparison, or a quantifier (whose `where` would swallow an operator after it).
    Comparison,
    Atom,
}

fn prec(e: &Expr) -> Prec {
    match &e.kind {
        ExprKind::Or(..) => Prec::Or,
        ExprKind::And(..) => Prec::And,
        ExprKind::Not(_) => Prec::Not,
        ExprKind::Compare { .. }
        | ExprKind::In { .. }
        | ExprKind::Contains { .. }
        | ExprKind::Matches { .. }
        | ExprKind::Mentions { .. }
        | ExprKind::Presence { .. }
        | ExprKind::Quantified { .. } => Prec::Comparison,
        ExprKind::Literal(_) | ExprKind::Path(_) | ExprKind::List(_) | ExprKind::Count { .. } => {
            Prec::Atom
        }
    }
}

/// A string literal, re-escaped: `"` `\` line breaks and tabs are escaped; a backslash that
/// cannot be read as an escape is written alone, as the language keeps it.
pub(crate) fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_string(s, &mut out);
    out
}

/// [`string`], written at the end of `out`.
fn push_string(s: &str, out: &mut String) {
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\\' => match chars.peek() {
                // The next character is, or is printed as, something an escape could start with.
                None | Some('"' | '\\' | 'n' | 't' | '\n' | '\t') => out.push_str("\\\\"),
                Some(_) => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A number as the shortest text that reads back as the same value.
pub(crate) fn number(n: f64) -> String {
    format!("{n}")
}

pub(crate) fn literal(l: &Literal) -> String {
    match l {
        Literal::Bool(b) => b.to_string(),
        Literal::Number(n) => number(*n),
        Literal::String(s) => string(s),
    }
}

/// One expression on one line.
pub fn to_string(e: &Expr) -> String {
    // about as long as the source text it was parsed from
    let mut out = String::with_capacity(e.span.len());
    write(e, &mut out, 0);
    out
}

/// `e` where a child of at least `min` precedence may stand without parentheses.
fn child(e: &Expr, min: Prec, out: &mut String, depth: usize) {
    if prec(e) < min {
        out.push('(');
        write(e, out, depth + 1);
        out.push(')');
    } else {
        write(e, out, depth + 1);
    }
}

fn write(e: &Expr, out: &mut String, depth: usize) {
    if depth > 4 * MAX_DEPTH {
        // Never reached from parsed text (lowering refuses deeper trees); keeps the stack safe.
        out.push('…');
        return;
    }
    match &e.kind {
        ExprKind::Literal(Literal::String(s)) => push_string(s, out),
        ExprKind::Literal(Literal::Number(n)) => {
            use std::fmt::Write as _;
            let _ = write!(out, "{n}"); // as `number`, without a String of its own
        }
        ExprKind::Literal(l) => out.push_str(&literal(l)),
        ExprKind::Path(p) => out.push_str(p),
        ExprKind::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                child(item, Prec::Atom, out, depth);
            }
            out.push(']');
        }
        ExprKind::Not(x) => {
            out.push_str("not ");
            child(x, Prec::Not, out, depth);
        }
        ExprKind::And(a, b) => binary(a, "and", b, Prec::And, out, depth),
        ExprKind::Or(a, b) => binary(a, "or", b, Prec::Or, out, depth),
        ExprKind::Compare { op, lhs, rhs } => {
            child(lhs, Prec::Atom, out, depth);
            out.push(' ');
            out.push_str(op.as_str());
            out.push(' ');
            child(rhs, Prec::Atom, out, depth);
        }
        ExprKind::In {
            value,
            list,
            negated,
        } => {
            child(value, Prec::Atom, out, depth);
            out.push_str(if *negated { " not in " } else { " in " });
            child(list, Prec::Atom, out, depth);
        }
        ExprKind::Contains { lhs, rhs } => {
            child(lhs, Prec::Atom, out, depth);
            out.push_str(" contains ");
            child(rhs, Prec::Atom, out, depth);
        }
        ExprKind::Matches { lhs, pattern } => {
            child(lhs, Prec::Atom, out, depth);
            out.push_str(" matches ");
            out.push_str(&string(&pattern.node));
        }
        ExprKind::Mentions { lhs, lexicon } => {
            child(lhs, Prec::Atom, out, depth);
            out.push_str(" mentions ");
            out.push_str(&lexicon.node);
        }
        ExprKind::Presence { path, missing } => {
            out.push_str(&path.node);
            out.push_str(if *missing {
                " is missing"
            } else {
                " is present"
            });
        }
        ExprKind::Quantified {
            quantifier,
            who,
            test,
        } => {
            out.push_str(quantifier.as_str());
            if let Some(w) = who {
                out.push(' ');
                out.push_str(w.as_str());
            }
            out.push_str(" message ");
            match test {
                MessageTest::Mentions(l) => {
                    out.push_str("mentions ");
                    out.push_str(&l.node);
                }
                MessageTest::Matches(p) => {
                    out.push_str("matches ");
                    out.push_str(&string(&p.node));
                }
                MessageTest::Where(x) => {
                    // Outside `count`, `where` takes one comparison or a parenthesised expression.
                    out.push_str("where ");
                    child(x, Prec::Comparison, out, depth);
                }
            }
        }
        ExprKind::Count { who, filter } => {
            out.push_str("count(");
            if let Some(w) = who {
                out.push_str(w.as_str());
                out.push(' ');
            }
            out.push_str("messages");
            if let Some(f) = filter {
                out.push_str(" where ");
                write(f, out, depth + 1);
            }
            out.push(')');
        }
    }
}

/// `a OP b`, grouped to the left as the parser builds it: a right operand of the same
/// operator keeps its parentheses.
fn binary(a: &Expr, op: &str, b: &Expr, p: Prec, out: &mut String, depth: usize) {
    child(a, p, out, depth);
    out.push(' ');
    out.push_str(op);
    out.push(' ');
    let right_min = if p == Prec::Or { Prec::And } else { Prec::Not };
    child(b, right_min, out, depth);
}

/// The operands of the left spine of an `and` / `or` chain at the top of `e` (printed, with
/// their source spans), with the operator's word; `None` when `e` is not such a chain.
pub(super) fn chain(e: &Expr) -> Option<(&'static str, Vec<(String, Span)>)> {
    let word = match &e.kind {
        ExprKind::Or(..) => "or",
        ExprKind::And(..) => "and",
        _ => return None,
    };
    fn is_op<'e>(x: &'e Expr, word: &str) -> Option<(&'e Expr, &'e Expr)> {
        match (&x.kind, word) {
            (ExprKind::Or(a, b), "or") | (ExprKind::And(a, b), "and") => Some((a, b)),
            _ => None,
        }
    }
    let p = prec(e);
    let right_min = if p == Prec::Or { Prec::And } else { Prec::Not };
    let mut rights = Vec::new();
    let mut cur = e;
    while let Some((a, b)) = is_op(cur, word) {
        rights.push(b);
        cur = a;
    }
    let mut parts = Vec::with_capacity(rights.len() + 1);
    let mut first = String::new();
    child(cur, p, &mut first, 0);
    parts.push((first, cur.span));
    for b in rights.into_iter().rev() {
        let mut s = String::new();
        child(b, right_min, &mut s, 0);
        parts.push((s, b.span));
    }
    Some((word, parts))
}
