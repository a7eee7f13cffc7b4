//! Expressions: every path is declared, every operator gets operands of the right type, every
//! lexicon exists, every regex compiles, and thresholds stay inside a signal's range.
//!
//! The walk recurses, but the parser caps nesting at [`ast::MAX_DEPTH`] and [`infer`] stops a
//! little beyond it, so user input cannot overflow the stack.

use super::{Checker, names, suggest};
use crate::ast::{self, CmpOp, Expr, ExprKind, Literal, MessageTest};
use crate::diagnostic::{Code, Diagnostic};
use crate::schema::{self, MESSAGE_FIELDS, number_text};
use crate::source::{Span, Spanned};

/// The type of an expression, as far as the checker can tell.
#[derive(Clone, Debug, PartialEq)]
enum Ty {
    Bool,
    Number,
    Str,
    /// A string from these options.
    OneOf(Vec<String>),
    /// A list field (strings).
    List,
    /// A `[…]` literal; only meaningful after `in`.
    ListLiteral,
    /// Already reported, or not knowable: stay silent.
    Unknown,
}

impl Ty {
    fn of(ty: &ast::Type) -> Ty {
        match ty {
            ast::Type::Bool => Ty::Bool,
            ast::Type::Number => Ty::Number,
            ast::Type::String => Ty::Str,
            ast::Type::OneOf(options) => Ty::OneOf(options.clone()),
            ast::Type::List => Ty::List,
        }
    }

    fn is_string(&self) -> bool {
        matches!(self, Ty::Str | Ty::OneOf(_))
    }

    /// `a number`, `a string`, …
    fn describe(&self) -> &'static str {
        match self {
            Ty::Bool => "a bool",
            Ty::Number => "a number",
            Ty::Str | Ty::OneOf(_) => "a string",
            Ty::List => "a list",
            Ty::ListLiteral => "a list literal",
            Ty::Unknown => "of unknown type",
        }
    }

    /// Whether `==` may compare the two.
    fn comparable(&self, other: &Ty) -> bool {
        matches!((self, other), (Ty::Number, Ty::Number) | (Ty::Bool, Ty::Bool))
            || (self.is_string() && other.is_string())
    }
}

/// Where an expression is: at rule level, or inside `where` (where `text`, `sentiment` and
/// `from` name the message).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Rule,
    Message,
}

/// Checks `when` and `unless` of one rule.
pub(super) fn check_rule(cx: &mut Checker<'_>, rule: &ast::Rule) {
    if let Some(when) = &rule.when {
        condition(cx, when, Scope::Rule, "`when`", 0);
    }
    if let Some(unless) = &rule.unless {
        condition(cx, unless, Scope::Rule, "`unless`", 0);
    }
}

/// An expression that must be a condition; `what` names the place for messages.
fn condition(cx: &mut Checker<'_>, e: &Expr, scope: Scope, what: &str, depth: usize) {
    let ty = infer(cx, e, scope, depth);
    if matches!(ty, Ty::Bool | Ty::Unknown) {
        return;
    }
    let q = cx.quote(e, "this expression");
    let help = match ty {
        Ty::Number => format!("compare it with a number, e.g. {} > 0`", q.trim_end_matches('`')),
        Ty::Str | Ty::OneOf(_) => {
            format!(
                "compare it with a value, e.g. {} == \"…\"`, or test {} is present`",
                q.trim_end_matches('`'),
                q.trim_end_matches('`')
            )
        }
        Ty::List => format!("test for an element with {} contains \"…\"`", q.trim_end_matches('`')),
        _ => "a condition is a comparison, a bool field, or a test such as `mentions`".to_string(),
    };
    let help = if q.starts_with('`') {
        help
    } else {
        "a condition is a comparison, a bool field, or a test such as `mentions`".into()
    };
    cx.report(
        Diagnostic::at(
            Code::TypeMismatch,
            e.span,
            format!("{what} needs a condition, but {q} is {}", ty.describe()),
        )
        .with_label(format!("{}, not true or false", ty.describe()))
        .with_help(help),
    );
}

fn infer(cx: &mut Checker<'_>, e: &Expr, scope: Scope, depth: usize) -> Ty {
    if depth > ast::MAX_DEPTH + 8 {
        return Ty::Unknown;
    }
    let depth = depth + 1;
    match &e.kind {
        ExprKind::Literal(Literal::Bool(_)) => Ty::Bool,
        ExprKind::Literal(Literal::Number(_)) => Ty::Number,
        ExprKind::Literal(Literal::String(_)) => Ty::Str,
        ExprKind::List(items) => {
            for item in items {
                infer(cx, item, scope, depth);
            }
            Ty::ListLiteral
        }
        ExprKind::Path(name) => path_type(cx, name, e.span, scope),
        ExprKind::Not(x) => {
            condition(cx, x, scope, "`not`", depth);
            Ty::Bool
        }
        ExprKind::And(a, b) => {
            condition(cx, a, scope, "`and`", depth);
            condition(cx, b, scope, "`and`", depth);
            Ty::Bool
        }
        ExprKind::Or(a, b) => {
            condition(cx, a, scope, "`or`", depth);
            condition(cx, b, scope, "`or`", depth);
            Ty::Bool
        }
        ExprKind::Compare { op, lhs, rhs } => {
            compare(cx, e, *op, lhs, rhs, scope, depth);
            Ty::Bool
        }
        ExprKind::In { value, list, negated } => {
            membership(cx, value, list, *negated, scope, depth);
            Ty::Bool
        }
        ExprKind::Contains { lhs, rhs } => {
            contains(cx, lhs, rhs, scope, depth);
            Ty::Bool
        }
        ExprKind::Matches { lhs, pattern } => {
            text_operand(cx, lhs, "matches", scope, depth);
            check_regex(cx, pattern);
            Ty::Bool
        }
        ExprKind::Mentions { lhs, lexicon } => {
            text_operand(cx, lhs, "mentions", scope, depth);
            names::use_lexicon(cx, lexicon);
            Ty::Bool
        }
        ExprKind::Presence { path, .. } => {
            path_type(cx, &path.node, path.span, scope);
            Ty::Bool
        }
        ExprKind::Quantified { test, .. } => {
            match test {
                MessageTest::Mentions(lexicon) => names::use_lexicon(cx, lexicon),
                MessageTest::Matches(pattern) => check_regex(cx, pattern),
                MessageTest::Where(x) => condition(cx, x, Scope::Message, "`where`", depth),
            }
            Ty::Bool
        }
        ExprKind::Count { filter, .. } => {
            if let Some(x) = filter {
                condition(cx, x, Scope::Message, "`where`", depth);
            }
            Ty::Number
        }
    }
}

/// The type of a path, or `unknown-field`.
fn path_type(cx: &mut Checker<'_>, name: &str, span: Span, scope: Scope) -> Ty {
    if scope == Scope::Message {
        if let Some(field) = schema::message_field(name) {
            return Ty::of(&field.ty);
        }
    }
    if let Some(field) = cx.schema.get(name) {
        return Ty::of(&field.ty);
    }
    if !cx.schema.declared(name) {
        unknown_field(cx, name, span, scope);
    }
    Ty::Unknown
}

/// `unknown-field`, with a suggestion when a declared path is close.
fn unknown_field(cx: &mut Checker<'_>, name: &str, span: Span, scope: Scope) {
    let message_only = scope == Scope::Rule && MESSAGE_FIELDS.contains(&name);
    let mut candidates: Vec<&str> = cx.schema.fields.keys().map(String::as_str).collect();
    if scope == Scope::Message {
        candidates.extend(MESSAGE_FIELDS);
    }
    let (label, help) = if message_only {
        let help = if name == "sentiment" {
            "did you mean `signals.sentiment`, the sentiment of the latest customer message? Inside `where`, \
             `sentiment` is each message's own score"
                .to_string()
        } else {
            format!(
                "use it inside a quantifier, e.g. `any customer message where {name} …`, or declare it in a `context` block"
            )
        };
        (format!("`{name}` names a message only inside `where`"), help)
    } else {
        let help = match suggest::closest(name, candidates) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!(
                "declare it in a `context` block with its type: `context {{ {name} : TYPE }}`, where TYPE is \
                 `bool`, `number`, `string`, `list` or `one of [\"a\", \"b\"]`"
            ),
        };
        ("not declared in any `context` block".to_string(), help)
    };
    cx.report(
        Diagnostic::at(Code::UnknownField, span, format!("unknown field `{name}`"))
            .with_label(label)
            .with_help(help),
    );
}

fn compare(cx: &mut Checker<'_>, e: &Expr, op: CmpOp, lhs: &Expr, rhs: &Expr, scope: Scope, depth: usize) {
    let l = infer(cx, lhs, scope, depth);
    let r = infer(cx, rhs, scope, depth);
    if l == Ty::Unknown || r == Ty::Unknown {
        return;
    }
    for (side, ty) in [(lhs, &l), (rhs, &r)] {
        if *ty == Ty::ListLiteral {
            cx.report(
                Diagnostic::at(
                    Code::TypeMismatch,
                    side.span,
                    format!("a list cannot be compared with `{}`", op.as_str()),
                )
                .with_label("a list literal")
                .with_help("to test membership, write `x in [\"a\", \"b\"]`"),
            );
            return;
        }
    }
    let ordering = !matches!(op, CmpOp::Eq | CmpOp::Ne);
    if ordering {
        for (side, ty) in [(lhs, &l), (rhs, &r)] {
            if *ty != Ty::Number {
                let q = cx.quote(side, "this side");
                cx.report(
                    Diagnostic::at(
                        Code::TypeMismatch,
                        side.span,
                        format!("`{}` compares numbers, but {q} is {}", op.as_str(), ty.describe()),
                    )
                    .with_label(format!("{}, not a number", ty.describe()))
                    .with_help(
                        "`<`, `<=`, `>` and `>=` order numbers only; test other values with `==`, `!=` or `in [...]`",
                    ),
                );
            }
        }
        if l != Ty::Number || r != Ty::Number {
            return;
        }
    } else if l == Ty::List || r == Ty::List {
        let side = if l == Ty::List { lhs } else { rhs };
        let q = cx.quote(side, "this side");
        cx.report(
            Diagnostic::at(
                Code::TypeMismatch,
                side.span,
                format!("{q} is a list and cannot be compared with `{}`", op.as_str()),
            )
            .with_label("a list")
            .with_help(format!(
                "to test for an element, write {} contains \"…\"`",
                q.trim_end_matches('`')
            )),
        );
        return;
    } else if !l.comparable(&r) {
        let lq = cx.quote(lhs, "the left side");
        let rq = cx.quote(rhs, "the right side");
        cx.report(
            Diagnostic::at(
                Code::TypeMismatch,
                e.span,
                format!("cannot compare {} with {}", l.describe(), r.describe()),
            )
            .with_label(format!("{lq} is {}, {rq} is {}", l.describe(), r.describe()))
            .with_help(format!(
                "`{}` compares a number with a number, a string with a string, or a bool with a bool",
                op.as_str()
            )),
        );
        return;
    }
    if let Ty::OneOf(options) = &l {
        check_option(cx, options, lhs, rhs);
    }
    if let Ty::OneOf(options) = &r {
        check_option(cx, options, rhs, lhs);
    }
    check_range(cx, e, op, lhs, rhs, scope);
}

/// A string literal compared with a `one of` field must be one of its options.
fn check_option(cx: &mut Checker<'_>, options: &[String], field: &Expr, value: &Expr) {
    let ExprKind::Literal(Literal::String(s)) = &value.kind else {
        return;
    };
    if options.contains(s) {
        return;
    }
    let q = cx.quote(field, "the field");
    let list: Vec<String> = options.iter().map(|o| format!("{o:?}")).collect();
    let mut help = format!("{q} is one of {}", list.join(", "));
    if let Some(close) = suggest::closest(s, options.iter().map(String::as_str)) {
        help = format!("did you mean `{close:?}`? {help}");
    }
    cx.report(
        Diagnostic::at(
            Code::TypeMismatch,
            value.span,
            format!("`{s:?}` is not a possible value of {q}"),
        )
        .with_label("not one of the options")
        .with_help(help),
    );
}

/// `out-of-range`: a number compared with a signal (or a message's `sentiment`) that the
/// signal can never reach, so the comparison never or always holds.
fn check_range(cx: &mut Checker<'_>, e: &Expr, op: CmpOp, lhs: &Expr, rhs: &Expr, scope: Scope) {
    let (name, n, literal, op) = match (&lhs.kind, &rhs.kind) {
        (ExprKind::Path(p), ExprKind::Literal(Literal::Number(n))) => (p, *n, rhs, op),
        (ExprKind::Literal(Literal::Number(n)), ExprKind::Path(p)) => (p, *n, lhs, op.flipped()),
        _ => return,
    };
    let message_field = if scope == Scope::Message {
        schema::message_field(name)
    } else {
        None
    };
    let range = match &message_field {
        Some(field) => field.range,
        None => cx.schema.get(name).and_then(|f| f.range),
    };
    let Some((lo, hi)) = range else { return };
    let never = match op {
        CmpOp::Gt => n >= hi,
        CmpOp::Ge => n > hi,
        CmpOp::Lt => n <= lo,
        CmpOp::Le => n < lo,
        CmpOp::Eq => n < lo || n > hi,
        CmpOp::Ne => false,
    };
    if !never && (lo..=hi).contains(&n) {
        return;
    }
    let shown = cx.quote(e, "this comparison");
    let who = if message_field.is_some() {
        "a message's `sentiment`".to_string()
    } else {
        format!("`{name}`")
    };
    let extent = if hi.is_infinite() {
        format!("{who} is {} or more", number_text(lo))
    } else {
        format!("{who} is between {} and {}", number_text(lo), number_text(hi))
    };
    let (message, help) = if never {
        (
            format!("{shown} can never hold"),
            "pick a threshold inside the range, or remove the comparison",
        )
    } else {
        (
            format!("{shown} always holds"),
            "pick a threshold inside the range; as written the comparison tests nothing",
        )
    };
    cx.report(
        Diagnostic::at(Code::OutOfRange, literal.span, message)
            .with_label(extent)
            .with_help(help),
    );
}

fn membership(cx: &mut Checker<'_>, value: &Expr, list: &Expr, negated: bool, scope: Scope, depth: usize) {
    let keyword = if negated { "not in" } else { "in" };
    let v = infer(cx, value, scope, depth);
    let ExprKind::List(items) = &list.kind else {
        let l = infer(cx, list, scope, depth);
        let help = if l == Ty::List {
            format!(
                "to test whether a list field holds a value, write {} contains {}",
                cx.quote(list, "`list`"),
                cx.quote(value, "`\"…\"`")
            )
        } else {
            "write the values out: `x in [\"a\", \"b\"]`".to_string()
        };
        if l != Ty::Unknown {
            cx.report(
                Diagnostic::at(
                    Code::TypeMismatch,
                    list.span,
                    format!("`{keyword}` needs a list literal"),
                )
                .with_label(format!("{}, not a `[…]` list", l.describe()))
                .with_help(help),
            );
        }
        return;
    };
    if v == Ty::List || v == Ty::ListLiteral {
        let q = cx.quote(value, "the value");
        cx.report(
            Diagnostic::at(
                Code::TypeMismatch,
                value.span,
                format!("`{keyword}` tests one value, but {q} is a list"),
            )
            .with_label("a list")
            .with_help(format!(
                "to test for an element, write {} contains \"…\"`",
                q.trim_end_matches('`')
            )),
        );
        for item in items {
            infer(cx, item, scope, depth);
        }
        return;
    }
    for item in items {
        let t = infer(cx, item, scope, depth);
        if t == Ty::Unknown || v == Ty::Unknown {
            continue;
        }
        if !v.comparable(&t) {
            let q = cx.quote(value, "the value");
            let iq = cx.quote(item, "this element");
            cx.report(
                Diagnostic::at(
                    Code::TypeMismatch,
                    item.span,
                    format!("list element {iq} is {}, but {q} is {}", t.describe(), v.describe()),
                )
                .with_label(format!("expected {}", v.describe()))
                .with_help(format!("every element of the list must be {}, like {q}", v.describe())),
            );
        } else if let Ty::OneOf(options) = &v {
            check_option(cx, options, value, item);
        }
    }
}

fn contains(cx: &mut Checker<'_>, lhs: &Expr, rhs: &Expr, scope: Scope, depth: usize) {
    let l = infer(cx, lhs, scope, depth);
    let r = infer(cx, rhs, scope, depth);
    match l {
        Ty::Unknown => {}
        Ty::List | Ty::Str | Ty::OneOf(_) => {
            if !r.is_string() && r != Ty::Unknown {
                let q = cx.quote(rhs, "the right side");
                let help = if l == Ty::List {
                    "a list field holds strings; write the element in quotes, e.g. `tags contains \"vip\"`"
                } else {
                    "`contains` on a string looks for a piece of text, e.g. `text contains \"refund\"`"
                };
                cx.report(
                    Diagnostic::at(
                        Code::TypeMismatch,
                        rhs.span,
                        format!("`contains` looks for a string, but {q} is {}", r.describe()),
                    )
                    .with_label(format!("{}, not a string", r.describe()))
                    .with_help(help),
                );
            }
        }
        _ => {
            let q = cx.quote(lhs, "the left side");
            cx.report(
                Diagnostic::at(
                    Code::TypeMismatch,
                    lhs.span,
                    format!(
                        "`contains` needs a list or a string on its left, but {q} is {}",
                        l.describe()
                    ),
                )
                .with_label(format!("{}, not a list or a string", l.describe()))
                .with_help("`contains` tests an element of a `list` field or a piece of a string"),
            );
        }
    }
}

/// The left side of `matches` and `mentions`: a string.
fn text_operand(cx: &mut Checker<'_>, lhs: &Expr, keyword: &str, scope: Scope, depth: usize) {
    let l = infer(cx, lhs, scope, depth);
    if l.is_string() || l == Ty::Unknown {
        return;
    }
    let q = cx.quote(lhs, "the left side");
    cx.report(
        Diagnostic::at(
            Code::TypeMismatch,
            lhs.span,
            format!("`{keyword}` needs a string on its left, but {q} is {}", l.describe()),
        )
        .with_label(format!("{}, not a string", l.describe()))
        .with_help(format!(
            "`{keyword}` searches text, such as a message's `text` or a string field"
        )),
    );
}

/// `invalid-regex`, with the regex engine's own explanation.
fn check_regex(cx: &mut Checker<'_>, pattern: &Spanned<String>) {
    let Err(error) = regex::Regex::new(&pattern.node) else {
        return;
    };
    let text = error.to_string();
    // A syntax error ends with `error: what went wrong` under a caret picture.
    let reason = text
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .map_or_else(
            || text.lines().map(str::trim).collect::<Vec<_>>().join(" "),
            str::to_string,
        );
    let help = if reason.contains("look-around") || reason.contains("backreference") {
        format!("{reason}; patterns follow the syntax of Rust's `regex` crate")
    } else {
        format!(
            "{reason}; patterns follow the syntax of Rust's `regex` crate, which has no look-around or backreferences"
        )
    };
    cx.report(
        Diagnostic::at(Code::InvalidRegex, pattern.span, "invalid regular expression")
            .with_label("does not compile")
            .with_help(help),
    );
}
