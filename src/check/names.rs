//! Set-level structure: one default, unique rule and lexicon names, the clauses every rule
//! needs, obligations only where the AI talks, lexicons that nothing uses.

use super::{Checker, suggest};
use crate::ast::{self, Effect, Item};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{Span, Spanned};
use std::collections::{BTreeSet, HashMap};

/// `missing-default` and `multiple-defaults`.
pub(super) fn check_defaults(cx: &mut Checker<'_>, files: &[ast::File]) {
    let defaults: Vec<&ast::DefaultDecl> = files
        .iter()
        .flat_map(|f| &f.items)
        .filter_map(|item| match item {
            Item::Default(d) => Some(d),
            _ => None,
        })
        .collect();
    let Some((first, extra)) = defaults.split_first() else {
        if written_default(cx.sources.iter().map(|s| s.text.as_str())) {
            return; // a `default` line that did not parse: the `syntax` error says so
        }
        cx.report(
            Diagnostic::new(Code::MissingDefault, None, "the policy set has no `default`").with_help(
                "add exactly one line such as `default human because \"No rule allows the assistant \
                     to handle this conversation on its own.\"`; it decides when no rule matches",
            ),
        );
        return;
    };
    for d in extra {
        cx.report(
            Diagnostic::at(
                Code::MultipleDefaults,
                d.span,
                "the policy set has more than one `default`",
            )
            .with_label("another default")
            .with_related(first.span, "first default here")
            .with_help("a set has exactly one `default`, in any of its files; remove all but one"),
        );
    }
}

/// `syntax` for a `policy` header that does not open its file: "a file may start with one
/// `policy` header" (LANGUAGE.md §2). Comments may come before it.
pub(super) fn check_headers(cx: &mut Checker<'_>, files: &[ast::File]) {
    for file in files {
        let first = file.items.first().map(Item::span);
        for (i, item) in file.items.iter().enumerate() {
            let (Item::Header(header), Some(first)) = (item, first) else {
                continue;
            };
            if i == 0 {
                continue;
            }
            let earlier = file.items.iter().take(i).any(|x| matches!(x, Item::Header(_)));
            let (message, label) = if earlier {
                ("a file has at most one `policy` header", "a second header")
            } else {
                (
                    "a `policy` header must come first in its file",
                    "a header after other items",
                )
            };
            cx.report(
                Diagnostic::at(Code::Syntax, header.name.span, message)
                    .with_label(label)
                    .with_related(first, "the file starts here")
                    .with_help(
                        "move the header to the top of the file and merge its fields into one header; \
                         `ai_must` of every file's header applies to the whole set",
                    ),
            );
        }
    }
}

/// `duplicate-lexicon`; records every lexicon for `unknown-lexicon` and `unused-lexicon`.
pub(super) fn check_lexicons<'a>(cx: &mut Checker<'a>, files: &'a [ast::File]) {
    for item in files.iter().flat_map(|f| &f.items) {
        let Item::Lexicon(lexicon) = item else { continue };
        let name = lexicon.name.node.as_str();
        match cx.lexicons.get(name) {
            Some(&first) => cx.report(
                Diagnostic::at(
                    Code::DuplicateLexicon,
                    lexicon.name.span,
                    format!("lexicon `{name}` is declared twice"),
                )
                .with_label("declared again here")
                .with_related(first, "first declared here")
                .with_help("lexicon names are unique in a set; merge the phrases into one lexicon or rename one"),
            ),
            None => {
                cx.lexicons.insert(name, lexicon.name.span);
            }
        }
    }
}

/// `duplicate-rule`, `missing-when`, `missing-because` and `obligation-on-human`.
pub(super) fn check_rules(cx: &mut Checker<'_>, rules: &[&ast::Rule]) {
    let mut seen: HashMap<&str, Span> = HashMap::with_capacity(rules.len());
    for rule in rules {
        let name = rule.name.node.as_str();
        if let Some(&first) = seen.get(name) {
            cx.report(
                Diagnostic::at(
                    Code::DuplicateRule,
                    rule.name.span,
                    format!("rule `{name}` is defined twice"),
                )
                .with_label("defined again here")
                .with_related(first, "first defined here")
                .with_help("rule names are unique in a set: verdicts, tests and diffs refer to rules by name"),
            );
        } else {
            seen.insert(name, rule.name.span);
        }
        if rule.when.is_none() {
            cx.report(
                Diagnostic::at(
                    Code::MissingWhen,
                    rule.name.span,
                    format!("rule `{name}` has no `when`"),
                )
                .with_label("needs a `when` condition")
                .with_help(
                    "every rule needs exactly one `when CONDITION`; write `when true` to match every conversation",
                ),
            );
        }
        if rule.because.is_none() {
            cx.report(
                Diagnostic::at(
                    Code::MissingBecause,
                    rule.name.span,
                    format!("rule `{name}` has no `because`"),
                )
                .with_label("needs a `because` justification")
                .with_help("every verdict must be explainable: add `because \"…\"` saying why this rule decides"),
            );
        }
        if rule.effect.node == Effect::RequireHuman {
            if let (Some(first), Some(last)) = (rule.must.first(), rule.must.last()) {
                let list: Vec<String> = rule.must.iter().map(|m| format!("`{}`", m.node)).collect();
                cx.report(
                    Diagnostic::at(
                        Code::ObligationOnHuman,
                        first.span.to(last.span),
                        format!("`require human` rule `{name}` cannot carry obligations"),
                    )
                    .with_label(format!("{} would never apply", list.join(", ")))
                    .with_help(
                        "obligations bind the assistant, which stops talking when a person takes over; move \
                         `must` to an `allow ai` or `require review` rule, or to `ai_must` in a policy header",
                    ),
                );
            }
        }
    }
}

/// `unknown-lexicon` for one reference; records the use.
pub(super) fn use_lexicon(cx: &mut Checker<'_>, name: &Spanned<String>) {
    if !cx.used_lexicons.contains(&name.node) {
        cx.used_lexicons.insert(name.node.clone());
    }
    if cx.lexicons.contains_key(name.node.as_str()) || written_lexicon(cx, &name.node) {
        return;
    }
    let lexicons: Vec<&str> = cx.lexicons.keys().copied().collect();
    let close = suggest::closest(&name.node, lexicons.iter().copied());
    if let Some(close) = close {
        // the misspelt reference was meant for it: no `unused-lexicon` on top
        cx.used_lexicons.insert(close.to_string());
    }
    let help = match close {
        Some(close) => format!("did you mean `{close}`?"),
        None if lexicons.is_empty() => format!("declare it: `lexicon {} {{ \"phrase\", … }}`", name.node),
        None => format!(
            "declare it with `lexicon {} {{ … }}`; declared lexicons: {}",
            name.node,
            quoted(&lexicons)
        ),
    };
    cx.report(
        Diagnostic::at(
            Code::UnknownLexicon,
            name.span,
            format!("unknown lexicon `{}`", name.node),
        )
        .with_label("no lexicon of this name")
        .with_help(help),
    );
}

/// `unused-lexicon`.
pub(super) fn check_unused_lexicons(cx: &mut Checker<'_>) {
    // A rule that did not parse is missing from the tree; its `mentions NAME` is still in the
    // text, and the `syntax` error already says what to fix.
    if cx.lexicons.keys().all(|name| cx.used_lexicons.contains(*name)) {
        return; // the usual case: no need to search the texts
    }
    let written = written_mentions(cx.sources.iter().map(|s| s.text.as_str()));
    let unused: Vec<(String, Span)> = cx
        .lexicons
        .iter()
        .filter(|(name, _)| !cx.used_lexicons.contains(**name) && !written.contains(**name))
        .map(|(name, span)| ((*name).to_string(), *span))
        .collect();
    for (name, span) in unused {
        cx.report(
            Diagnostic::at(Code::UnusedLexicon, span, format!("lexicon `{name}` is never used"))
                .with_label("declared here")
                .with_help(format!(
                    "use it in a rule (`any customer message mentions {name}`) or remove it"
                )),
        );
    }
}

/// Whether some line starts with the word `default` (though no default parsed).
fn written_default<'t>(mut texts: impl Iterator<Item = &'t str>) -> bool {
    texts.any(|t| {
        t.lines().any(|l| {
            l.trim_start()
                .strip_prefix("default")
                .is_some_and(|r| r.starts_with([' ', '\t']))
        })
    })
}

/// Whether `lexicon NAME` is written at the start of a line of some source (a declaration that
/// did not parse).
fn written_lexicon(cx: &Checker<'_>, name: &str) -> bool {
    cx.sources.iter().any(|s| {
        s.text.lines().any(|l| {
            let Some(rest) = l.trim_start().strip_prefix("lexicon") else {
                return false;
            };
            let rest = rest.trim_start();
            rest.strip_prefix(name)
                .is_some_and(|r| !r.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
        })
    })
}

/// Every identifier written right after the word `mentions` in the texts.
fn written_mentions<'t>(texts: impl Iterator<Item = &'t str>) -> BTreeSet<&'t str> {
    let mut out = BTreeSet::new();
    for text in texts {
        for (at, _) in text.match_indices("mentions") {
            let rest = text.get(at + "mentions".len()..).unwrap_or("");
            let trimmed = rest.trim_start();
            if trimmed.len() == rest.len() {
                continue; // `mentionsx`, not the keyword
            }
            let end = trimmed
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(trimmed.len());
            if let Some(name) = trimmed.get(..end).filter(|n| !n.is_empty()) {
                out.insert(name);
            }
        }
    }
    out
}

/// `a`, `b`, `c` (at most eight, then `…`).
pub(super) fn quoted(names: &[&str]) -> String {
    let mut parts: Vec<String> = names.iter().take(8).map(|n| format!("`{n}`")).collect();
    if names.len() > 8 {
        parts.push("…".into());
    }
    parts.join(", ")
}
