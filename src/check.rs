//! Validation passes over a parsed set, one family per file:
//!
//! - [`names`]: defaults, headers, rule and lexicon names, required clauses, obligations;
//! - [`types`]: fields, types, lexicon references, regexes and signal ranges inside expressions;
//! - [`templates`]: placeholders of `because` templates;
//! - [`logic`]: conditions that can never hold, and `allow ai` rules a `require` always overrides;
//! - [`guarantees`]: guarantees checked like rules, and their names;
//! - [`fail_safe`]: what fail-safe matching does to a rule (`matches-when-missing`,
//!   `matched-without-phrase`).
//!
//! Every pass reports every problem it finds; nothing stops at the first error.

mod fail_safe;
mod guarantees;
mod logic;
mod names;
mod suggest;
mod templates;
mod types;

use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::schema::Schema;
use crate::source::{Source, Span};
use std::collections::{BTreeMap, BTreeSet};

/// Every error and warning of the set (besides syntax and schema ones), in no particular order.
pub fn check(files: &[ast::File], schema: &Schema, sources: &[Source]) -> Vec<Diagnostic> {
    let rules: Vec<&ast::Rule> = files
        .iter()
        .flat_map(|f| &f.items)
        .flat_map(|item| match item {
            ast::Item::Rule(r) => std::slice::from_ref(r),
            ast::Item::Principle(p) => p.rules.as_slice(),
            _ => &[],
        })
        .collect();
    let mut cx = Checker {
        schema,
        sources,
        diagnostics: Vec::new(),
        lexicons: BTreeMap::new(),
        used_lexicons: BTreeSet::new(),
    };
    names::check_defaults(&mut cx, files);
    names::check_headers(&mut cx, files);
    names::check_lexicons(&mut cx, files);
    names::check_rules(&mut cx, &rules);
    let mut contradictory = Vec::with_capacity(rules.len());
    for rule in &rules {
        types::check_rule(&mut cx, rule);
        templates::check_rule(&mut cx, rule);
        fail_safe::check_rule(&mut cx, rule);
        contradictory.push(logic::check_contradiction(&mut cx, rule));
    }
    for rule in files.iter().flat_map(|f| &f.broken.rules) {
        types::check_rule(&mut cx, rule);
        templates::check_rule(&mut cx, rule);
    }
    for item in files.iter().flat_map(|f| &f.items) {
        if let ast::Item::Default(d) = item {
            templates::check_template(&mut cx, &d.because, || false);
        }
    }
    let guarantees: Vec<&ast::Guarantee> = files
        .iter()
        .flat_map(|f| &f.items)
        .flat_map(|item| match item {
            ast::Item::Guarantee(g) => std::slice::from_ref(g),
            ast::Item::Principle(p) => p.guarantees.as_slice(),
            _ => &[],
        })
        .collect();
    guarantees::check(&mut cx, &guarantees);
    names::check_unused_lexicons(&mut cx);
    logic::check_shadowed(&mut cx, &rules, &contradictory);
    cx.diagnostics
}

/// What the passes share.
struct Checker<'a> {
    schema: &'a Schema,
    sources: &'a [Source],
    diagnostics: Vec<Diagnostic>,
    /// Each lexicon name and its first declaration.
    lexicons: BTreeMap<&'a str, Span>,
    /// Lexicon names some `mentions` refers to.
    used_lexicons: BTreeSet<String>,
}

impl Checker<'_> {
    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// The source text of a span, if it is one short line (for messages); `None` otherwise.
    fn snippet(&self, span: Span) -> Option<&str> {
        let text = self.sources.get(span.file as usize)?.text.get(span.range())?;
        (!text.is_empty() && text.chars().count() <= 40 && !text.contains('\n')).then_some(text)
    }

    /// An expression for a message: its source text in backticks, or `fallback`.
    fn quote(&self, expr: &ast::Expr, fallback: &str) -> String {
        match &expr.kind {
            ast::ExprKind::Path(p) => format!("`{p}`"),
            _ => match self.snippet(expr.span) {
                Some(s) => format!("`{s}`"),
                None => fallback.to_string(),
            },
        }
    }
}
