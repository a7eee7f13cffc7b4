//! Set-level structure: one default, unique rule and lexicon names, the clauses every rule
//! needs, obligations only where the AI talks, lexicons that nothing uses.

use super::{Checker, suggest};
use crate::ast::{self, Effect, Item};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{Span, Spanned};
use std::collections::BTreeMap;

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
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
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
    cx.used_lexicons.insert(name.node.clone());
    if cx.lexicons.contains_key(name.node.as_str()) {
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
    let unused: Vec<(String, Span)> = cx
        .lexicons
        .iter()
        .filter(|(name, _)| !cx.used_lexicons.contains(**name))
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

/// `a`, `b`, `c` (at most eight, then `…`).
pub(super) fn quoted(names: &[&str]) -> String {
    let mut parts: Vec<String> = names.iter().take(8).map(|n| format!("`{n}`")).collect();
    if names.len() > 8 {
        parts.push("…".into());
    }
    parts.join(", ")
}
