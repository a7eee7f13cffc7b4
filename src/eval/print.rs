//! Conditions printed back as policy text, for `--explain` ("ai.confidence >= 0.85 was 0.62").

use crate::ast::{Expr, ExprKind, Literal, MessageTest};
use crate::schema::number_text;

/// Deeper than this, the rest prints as `…` (conditions are capped well below by the parser).
const DEPTH_LIMIT: usize = 64;

/// An expression as it would be written in a policy.
pub fn expr(e: &Expr) -> String {
    let mut out = String::new();
    write(e, 0, 0, &mut out);
    out
}

/// How tightly a form binds: `or` 1, `and` 2, `not` 3, comparisons and tests 4, atoms 5.
fn level(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Or(..) => 1,
        ExprKind::And(..) => 2,
        ExprKind::Not(_) => 3,
        ExprKind::Compare { .. }
        | ExprKind::In { .. }
        | ExprKind::Contains { .. }
        | ExprKind::Matches { .. }
        | ExprKind::Mentions { .. }
        | ExprKind::Presence { .. }
        | ExprKind::Quantified { .. } => 4,
        ExprKind::Literal(_) | ExprKind::List(_) | ExprKind::Path(_) | ExprKind::Count { .. } => 5,
    }
}

fn write(e: &Expr, min: u8, depth: usize, out: &mut String) {
    if depth > DEPTH_LIMIT {
        out.push('…');
        return;
    }
    let paren = level(e) < min;
    if paren {
        out.push('(');
    }
    let d = depth + 1;
    match &e.kind {
        ExprKind::Literal(l) => literal(l, out),
        ExprKind::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write(item, 0, d, out);
            }
            out.push(']');
        }
        ExprKind::Path(p) => out.push_str(p),
        ExprKind::Not(x) => {
            out.push_str("not ");
            write(x, 3, d, out);
        }
        ExprKind::And(a, b) => {
            write(a, 2, d, out);
            out.push_str(" and ");
            write(b, 3, d, out);
        }
        ExprKind::Or(a, b) => {
            write(a, 1, d, out);
            out.push_str(" or ");
            write(b, 2, d, out);
        }
        ExprKind::Compare { op, lhs, rhs } => {
            write(lhs, 5, d, out);
            out.push(' ');
            out.push_str(op.as_str());
            out.push(' ');
            write(rhs, 5, d, out);
        }
        ExprKind::In { value, list, negated } => {
            write(value, 5, d, out);
            out.push_str(if *negated { " not in " } else { " in " });
            write(list, 5, d, out);
        }
        ExprKind::Contains { lhs, rhs } => {
            write(lhs, 5, d, out);
            out.push_str(" contains ");
            write(rhs, 5, d, out);
        }
        ExprKind::Matches { lhs, pattern } => {
            write(lhs, 5, d, out);
            out.push_str(" matches ");
            string(&pattern.node, out);
        }
        ExprKind::Mentions { lhs, lexicon } => {
            write(lhs, 5, d, out);
            out.push_str(" mentions ");
            out.push_str(&lexicon.node);
        }
        ExprKind::Presence { path, missing } => {
            out.push_str(&path.node);
            out.push_str(if *missing { " is missing" } else { " is present" });
        }
        ExprKind::Quantified { quantifier, who, test } => {
            out.push_str(quantifier.as_str());
            out.push(' ');
            if let Some(w) = who {
                out.push_str(w.as_str());
                out.push(' ');
            }
            out.push_str("message ");
            match test {
                MessageTest::Mentions(l) => {
                    out.push_str("mentions ");
                    out.push_str(&l.node);
                }
                MessageTest::Matches(p) => {
                    out.push_str("matches ");
                    string(&p.node, out);
                }
                MessageTest::Where(x) => {
                    out.push_str("where ");
                    write(x, 4, d, out);
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
            if let Some(x) = filter {
                out.push_str(" where ");
                write(x, 0, d, out);
            }
            out.push(')');
        }
    }
    if paren {
        out.push(')');
    }
}

fn literal(l: &Literal, out: &mut String) {
    match l {
        Literal::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Literal::Number(n) => out.push_str(&number_text(*n)),
        Literal::String(s) => string(s, out),
    }
}

/// A string literal; a backslash is doubled only where it would otherwise start an escape.
fn string(s: &str, out: &mut String) {
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\\' if matches!(chars.peek(), None | Some('"' | '\\' | 'n' | 't')) => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
}
