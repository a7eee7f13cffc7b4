//! Printing expressions: long `and` / `or` chains one operand per line, and parentheses either
//! exactly where precedence needs them ([`to_string`], one text per meaning, for explanations and
//! proofs) or as the author wrote them, redundant ones included ([`as_written`], for `fmt`).

use crate::ast::{Expr, ExprKind, Literal, MAX_DEPTH, MessageTest};
use crate::source::Span;

/// How tightly an expression binds; a child looser than its place needs parentheses.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    Or,
    And,
    Not,
    /// A comparison, or a quantifier (whose `where` would swallow an operator after it).
    Comparison,
    Atom,
}

/// Which parentheses are printed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    /// Only where precedence needs them.
    Needed,
    /// Those written around each node (its [`crate::ast::Parens`]), and where precedence needs
    /// them on a node written without.
    Written,
}

/// How tightly `e` binds where it is printed: a node printed inside its own parentheses is an
/// atom.
fn prec(e: &Expr, style: Style) -> Prec {
    if style == Style::Written && e.parens.0 > 0 {
        return Prec::Atom;
    }
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

/// One expression on one line, parentheses only where precedence needs them: the same text for
/// the same tree however it was written.
pub fn to_string(e: &Expr) -> String {
    print(e, Style::Needed)
}

/// One expression on one line with the parentheses its author wrote.
pub fn as_written(e: &Expr) -> String {
    print(e, Style::Written)
}

fn print(e: &Expr, style: Style) -> String {
    // about as long as the source text it was parsed from
    let mut out = String::with_capacity(e.span.len());
    write(e, &mut out, 0, style);
    out
}

/// `e` where a child of at least `min` precedence may stand without parentheses.
fn child(e: &Expr, min: Prec, out: &mut String, depth: usize, style: Style) {
    if prec(e, style) < min {
        out.push('(');
        write(e, out, depth + 1, style);
        out.push(')');
    } else {
        write(e, out, depth + 1, style);
    }
}

/// `e` inside the parentheses written around it (in [`Style::Written`]).
fn write(e: &Expr, out: &mut String, depth: usize, style: Style) {
    let parens = if style == Style::Written { e.parens.0 as usize } else { 0 };
    out.extend(std::iter::repeat_n('(', parens));
    body(e, out, depth, style);
    out.extend(std::iter::repeat_n(')', parens));
}

fn body(e: &Expr, out: &mut String, depth: usize, style: Style) {
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
                child(item, Prec::Atom, out, depth, style);
            }
            out.push(']');
        }
        ExprKind::Not(x) => {
            out.push_str("not ");
            child(x, Prec::Not, out, depth, style);
        }
        ExprKind::And(a, b) => binary(a, "and", b, Prec::And, out, depth, style),
        ExprKind::Or(a, b) => binary(a, "or", b, Prec::Or, out, depth, style),
        ExprKind::Compare { op, lhs, rhs } => {
            infix(lhs, " ", out, depth, style);
            out.push_str(op.as_str());
            out.push(' ');
            child(rhs, Prec::Atom, out, depth, style);
        }
        ExprKind::In { value, list, negated } => {
            infix(value, if *negated { " not in " } else { " in " }, out, depth, style);
            child(list, Prec::Atom, out, depth, style);
        }
        ExprKind::Contains { lhs, rhs } => {
            infix(lhs, " contains ", out, depth, style);
            child(rhs, Prec::Atom, out, depth, style);
        }
        ExprKind::Matches { lhs, pattern } => {
            infix(lhs, " matches ", out, depth, style);
            out.push_str(&string(&pattern.node));
        }
        ExprKind::Mentions { lhs, lexicon } => {
            infix(lhs, " mentions ", out, depth, style);
            out.push_str(&lexicon.node);
        }
        ExprKind::Presence { path, missing } => {
            out.push_str(&path.node);
            out.push_str(if *missing { " is missing" } else { " is present" });
        }
        ExprKind::Quantified { quantifier, who, test } => {
            out.push_str(quantifier.as_str());
            if let Some(w) = who {
                out.push(' ');
                out.push_str(w.as_str());
            }
            out.push_str(" message ");
            message_test(test, out, depth, style);
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
                write(f, out, depth + 1, style);
            }
            out.push(')');
        }
    }
}

/// The left operand of a binary test, then the operator word (with its spaces).
fn infix(lhs: &Expr, word: &str, out: &mut String, depth: usize, style: Style) {
    child(lhs, Prec::Atom, out, depth, style);
    out.push_str(word);
}

/// What a quantifier tests of each message.
fn message_test(test: &MessageTest, out: &mut String, depth: usize, style: Style) {
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
            // Outside `count`, `where` takes one comparison, possibly negated, or a
            // parenthesised expression. A `not` is kept bare only as written: the text
            // of explanations stays `where (not …)`.
            out.push_str("where ");
            let min = if style == Style::Written { Prec::Not } else { Prec::Comparison };
            child(x, min, out, depth, style);
        }
    }
}

/// `a OP b`, grouped to the left as the parser builds it: a right operand of the same
/// operator keeps its parentheses.
fn binary(a: &Expr, op: &str, b: &Expr, p: Prec, out: &mut String, depth: usize, style: Style) {
    child(a, p, out, depth, style);
    out.push(' ');
    out.push_str(op);
    out.push(' ');
    let right_min = if p == Prec::Or { Prec::And } else { Prec::Not };
    child(b, right_min, out, depth, style);
}

/// The top `and` / `or` chain of a condition, as the formatter prints it broken.
pub(super) struct Chain {
    /// `and` or `or`.
    pub word: &'static str,
    /// The operands of the chain's left spine, printed, with their source spans; the first
    /// opens and the last closes the parentheses written around the whole chain.
    pub parts: Vec<(String, Span)>,
    /// How many parentheses were written around the whole chain (operands after the first
    /// are indented by as many columns).
    pub parens: usize,
}

/// The chain at the top of `e`, with the parentheses written; `None` when `e` is not such a
/// chain. A link written inside parentheses of its own is one operand.
pub(super) fn chain(e: &Expr) -> Option<Chain> {
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
    let style = Style::Written;
    let p = if word == "or" { Prec::Or } else { Prec::And };
    let right_min = if p == Prec::Or { Prec::And } else { Prec::Not };
    let mut rights = Vec::new();
    let mut cur = e;
    while let Some((a, b)) = is_op(cur, word) {
        rights.push(b);
        cur = a;
        if cur.parens.0 > 0 {
            break;
        }
    }
    let parens = e.parens.0 as usize;
    let mut parts = Vec::with_capacity(rights.len() + 1);
    let mut first = "(".repeat(parens);
    child(cur, p, &mut first, 0, style);
    parts.push((first, cur.span));
    for b in rights.into_iter().rev() {
        let mut s = String::new();
        child(b, right_min, &mut s, 0, style);
        parts.push((s, b.span));
    }
    if let Some((last, _)) = parts.last_mut() {
        last.push_str(&")".repeat(parens));
    }
    Some(Chain { word, parts, parens })
}
