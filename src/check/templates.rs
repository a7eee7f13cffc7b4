//! `because` templates: every `{placeholder}` names something a verdict can render.

use super::{Checker, suggest};
use crate::ast::{self, ExprKind, MessageTest};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{Span, Spanned};

/// Checks the `because` of one rule.
pub(super) fn check_rule(cx: &mut Checker<'_>, rule: &ast::Rule) {
    if let Some(because) = &rule.because {
        // without a `when` (reported as `missing-when`) there is nothing to hold `{matched}` against
        check_template(cx, because, || rule.when.as_ref().is_none_or(uses_mentions));
    }
}

/// Whether a condition contains a `mentions` test (which gives `{matched}` a value).
pub(super) fn uses_mentions(e: &ast::Expr) -> bool {
    let mut found = false;
    ast::walk_expr(e, |x| {
        found |= matches!(
            &x.kind,
            ExprKind::Mentions { .. }
                | ExprKind::Quantified {
                    test: MessageTest::Mentions(_),
                    ..
                }
        );
    });
    found
}

/// Checks one template; `mentions` says whether `{matched}` may be used (asked only when
/// it matters).
pub(super) fn check_template(cx: &mut Checker<'_>, template: &Spanned<String>, mentions: impl Fn() -> bool) {
    if all_placeholders_known(cx, &template.node, &mentions) {
        return; // the usual case: no character spans needed
    }
    let mentions = mentions();
    let chars = chars_with_spans(cx, template);
    let mut i = 0;
    while let Some(&(c, span)) = chars.get(i) {
        let next = chars.get(i + 1).map(|&(c, _)| c);
        match (c, next) {
            ('{', Some('{')) | ('}', Some('}')) => i += 2,
            ('{', _) => {
                let close = chars.iter().skip(i + 1).position(|&(c, _)| c == '}').map(|p| p + i + 1);
                let Some(close) = close else {
                    cx.report(
                        Diagnostic::at(Code::UnknownPlaceholder, span, "unclosed `{` in template")
                            .with_label("this `{` is never closed")
                            .with_help("close the placeholder with `}`, or write `{{` for a literal brace"),
                    );
                    return;
                };
                let name: String = chars.iter().take(close).skip(i + 1).map(|&(c, _)| c).collect();
                let end = chars.get(close).map_or(span, |&(_, s)| s);
                placeholder(cx, &name, span.to(end), mentions);
                i = close + 1;
            }
            _ => i += 1,
        }
    }
}

/// Whether every placeholder of a template is closed and known, so that [`check_template`]
/// would report nothing (the same walk over the characters, without their spans).
fn all_placeholders_known(cx: &Checker<'_>, text: &str, mentions: impl Fn() -> bool) -> bool {
    let mut rest = text;
    while let Some(at) = rest.find(['{', '}']) {
        let from = rest.get(at..).unwrap_or("");
        let after = from.get(1..).unwrap_or("");
        if from.starts_with("{{") || from.starts_with("}}") {
            rest = after.get(1..).unwrap_or("");
            continue;
        }
        if from.starts_with('}') {
            rest = after;
            continue;
        }
        let Some(close) = after.find('}') else { return false };
        let name = after.get(..close).unwrap_or("");
        let known = if name == "matched" {
            mentions()
        } else {
            cx.schema.declared(name)
        };
        if !known {
            return false;
        }
        rest = after.get(close + 1..).unwrap_or("");
    }
    true
}

fn placeholder(cx: &mut Checker<'_>, name: &str, span: Span, mentions: bool) {
    if name == "matched" {
        if !mentions {
            cx.report(
                Diagnostic::at(
                    Code::UnknownPlaceholder,
                    span,
                    "`{matched}` needs a `mentions` test in the rule's `when`",
                )
                .with_label("nothing is matched here")
                .with_help("`{matched}` shows the phrase a `mentions` test found; this `when` has no `mentions`"),
            );
        }
        return;
    }
    if cx.schema.declared(name) {
        return;
    }
    let trimmed = name.trim();
    let mut candidates: Vec<&str> = cx.schema.fields.keys().map(String::as_str).collect();
    if mentions {
        candidates.push("matched");
    }
    let help = if trimmed != name && (cx.schema.get(trimmed).is_some() || (mentions && trimmed == "matched")) {
        format!("remove the spaces: `{{{trimmed}}}`")
    } else if let Some(close) = suggest::closest(trimmed, candidates) {
        format!("did you mean `{{{close}}}`?")
    } else {
        "a placeholder names a declared field, `id`, `channel`, a signal such as `{signals.distress}`, or \
         `{matched}`; write `{{` and `}}` for literal braces"
            .to_string()
    };
    cx.report(
        Diagnostic::at(
            Code::UnknownPlaceholder,
            span,
            format!("unknown placeholder `{{{name}}}`"),
        )
        .with_label("not a field of this policy set")
        .with_help(help),
    );
}

/// The characters of a string literal with the span each was written at. Escapes (`\"`) map
/// to both source characters. Without the source text, every character gets the whole span.
fn chars_with_spans(cx: &Checker<'_>, template: &Spanned<String>) -> Vec<(char, Span)> {
    let whole = template.span;
    let fallback = || template.node.chars().map(|c| (c, whole)).collect();
    let Some(raw) = cx
        .sources
        .get(whole.file as usize)
        .and_then(|s| s.text.get(whole.range()))
    else {
        return fallback();
    };
    let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) else {
        return fallback();
    };
    let base = whole.start as usize + 1;
    let mut out = Vec::with_capacity(inner.len());
    let mut iter = inner.char_indices().peekable();
    while let Some((at, c)) = iter.next() {
        let mut end = at + c.len_utf8();
        let mut value = c;
        if c == '\\' {
            if let Some(&(_, e)) = iter.peek() {
                let unescaped = match e {
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    'n' => Some('\n'),
                    't' => Some('\t'),
                    _ => None,
                };
                if let Some(u) = unescaped {
                    iter.next();
                    value = u;
                    end += e.len_utf8();
                }
            }
        }
        out.push((value, Span::new(whole.file, base + at, base + end)));
    }
    let text: String = out.iter().map(|&(c, _)| c).collect();
    if text == template.node { out } else { fallback() }
}
