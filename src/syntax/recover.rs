//! Recovery inside an item that does not parse (LANGUAGE.md §8: one mistake, one diagnostic,
//! and every mistake in one run): a `context` block declaration by declaration, a rule clause
//! by clause, a lexicon phrase by phrase.
//!
//! The first error stays the whole item's (what pest says with all of the item in view); the
//! parts after the part it falls in are parsed on their own and report their own errors. What
//! the broken parts would have declared goes into [`ast::Broken`], so that their uses are not
//! reported again.

use super::grammar::{PolicyParser, Rule};
use super::scan::{self, Kind, Token};
use super::{Parse, lower};
use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use pest::Parser as _;
use pest::iterators::Pairs;

/// The words that begin a clause of a rule.
const CLAUSES: [&str; 8] = ["when", "unless", "because", "priority", "queue", "tag", "say", "must"];

/// What may follow a complete clause in a rule (for the errors of a clause parsed alone).
const AFTER_CLAUSE: [Rule; 9] = [
    Rule::kw_when,
    Rule::kw_unless,
    Rule::kw_because,
    Rule::kw_priority,
    Rule::kw_queue,
    Rule::kw_tag,
    Rule::kw_say,
    Rule::kw_must,
    Rule::rbrace,
];

/// What may follow a complete declaration in a `context` block.
const AFTER_FIELD: [Rule; 2] = [Rule::path, Rule::rbrace];

impl<'t> Parse<'t> {
    /// An item that did not parse, `first` its error: reports it, and whatever else is wrong
    /// in a `context` block or a rule.
    pub(super) fn failed(&mut self, tokens: &[Token], first: Diagnostic) {
        let at = first.span.map_or(0, |s| s.start as usize);
        match tokens.first().map_or("", |t| t.text(self.text)) {
            "context" => self.context(tokens, at),
            "allow" | "require" => self.rule(tokens, at),
            "lexicon" => self.lexicon(tokens, at),
            _ => {}
        }
        self.diagnostics.push(first);
    }

    /// A `context` block whose first error is at `at`, declaration by declaration.
    fn context(&mut self, tokens: &[Token], at: usize) {
        let body = match tokens {
            [_, open, body @ .., close]
                if open.kind == Kind::Bracket(b'{') && close.kind == Kind::Bracket(b'}') && scan::braces(body).0 == 0 =>
            {
                body
            }
            _ => {
                // no block to read declarations from: every `PATH :` counts as declared
                for (i, t) in tokens.iter().enumerate() {
                    if self.is_colon(tokens.get(i + 1)) {
                        self.broken_field(std::slice::from_ref(t));
                    }
                }
                return;
            }
        };
        let pieces = declarations(body, |i| self.is_colon(body.get(i + 1)));
        let k = erring(&pieces, at);
        let mut fields = Vec::new();
        for (i, piece) in pieces.into_iter().enumerate() {
            let (offset, _) = self.piece(piece);
            let parsed = self.parse_part(piece, Rule::field_item, &AFTER_FIELD).and_then(|pairs| {
                let mut lower = self.lower(piece, offset);
                let pair = pairs.into_iter().find(|p| p.as_rule() == Rule::field_decl);
                match pair {
                    Some(p) => lower.field_decl(p),
                    None => Err(lower.broken(Span::new(lower.file, offset, offset))),
                }
            });
            match parsed {
                Ok(decl) => fields.push(decl),
                Err(d) => {
                    self.broken_field(piece);
                    if Some(i) > k {
                        self.diagnostics.push(d);
                    }
                }
            }
        }
        let span = self.span_of(tokens);
        self.items.push(ast::Item::Context(ast::ContextBlock { fields, span }));
    }

    /// A rule whose first error is at `at`, clause by clause; kept in [`ast::Broken::rules`].
    fn rule(&mut self, tokens: &[Token], at: usize) {
        let Some(open) = tokens.iter().position(|t| t.kind == Kind::Bracket(b'{')) else {
            return;
        };
        let (Some(head), Some((close, body))) = (tokens.get(..=open), tokens.get(open + 1..).and_then(<[Token]>::split_last))
        else {
            return;
        };
        let head_end = head.last().map_or(0, |t| t.end);
        if at < head_end || close.kind != Kind::Bracket(b'}') || scan::braces(body).0 != 0 {
            return;
        }
        let span = self.span_of(tokens);
        let Ok(pairs) = self.parse_part(head, Rule::rule_open, &[]) else {
            return;
        };
        let (offset, _) = self.piece(head);
        let Ok(mut rule) = self.lower(head, offset).rule_head(pairs, span) else {
            return;
        };
        let pieces = clauses(body, self.text);
        let k = erring(&pieces, at);
        let mut seen = Vec::new();
        for (i, piece) in pieces.into_iter().enumerate() {
            let (offset, _) = self.piece(piece);
            let added = self.parse_part(piece, Rule::clause_item, &AFTER_CLAUSE).and_then(|pairs| {
                let mut lower = self.lower(piece, offset);
                pairs
                    .filter(|p| p.as_rule() != Rule::EOI)
                    .try_for_each(|p| lower.add_clause(p, &mut rule, &mut seen))
            });
            if let Err(d) = added {
                if Some(i) > k {
                    self.diagnostics.push(d);
                }
            }
        }
        self.broken.rules.push(rule);
    }

    /// A lexicon whose first error is at `at`: the later mistakes among its phrases. (A
    /// lexicon that does not parse still counts as declared: see `check/names.rs`.)
    fn lexicon(&mut self, tokens: &[Token], at: usize) {
        let [_, _, open, body @ .., close] = tokens else {
            return;
        };
        if open.kind != Kind::Bracket(b'{') || close.kind != Kind::Bracket(b'}') || scan::braces(body).0 != 0 {
            return;
        }
        let starts = (1..body.len()).filter(|&i| body.get(i - 1).is_some_and(|t| t.text(self.text) == ",")).collect();
        let pieces = cut(body, starts);
        let k = erring(&pieces, at);
        for (i, piece) in pieces.into_iter().enumerate() {
            if Some(i) > k {
                if let Err(d) = self.parse_part(piece, Rule::phrase_item, &[Rule::rbrace]) {
                    self.diagnostics.push(d);
                }
            }
        }
    }

    /// Parses part of an item with `r`; an error where the part may end lists what may follow
    /// it in the whole item (`after`) instead of "the end of the item".
    fn parse_part(&self, tokens: &[Token], r: Rule, after: &[Rule]) -> Result<Pairs<'t, Rule>, Diagnostic> {
        let (offset, piece) = self.piece(tokens);
        PolicyParser::parse(r, piece).map_err(|mut e| {
            if let pest::error::ErrorVariant::ParsingError { positives, .. } = &mut e.variant {
                if positives.contains(&Rule::EOI) {
                    positives.retain(|p| *p != Rule::EOI);
                    positives.splice(0..0, after.iter().copied());
                }
            }
            self.pest_error(&e, tokens, offset)
        })
    }

    fn lower<'s>(&'s mut self, tokens: &'s [Token], offset: usize) -> lower::Lower<'s> {
        lower::Lower { file: self.file, offset, diagnostics: &mut self.diagnostics, tokens }
    }

    fn span_of(&self, tokens: &[Token]) -> Span {
        let (start, text) = self.piece(tokens);
        Span::new(self.file, start, start + text.len())
    }

    fn is_colon(&self, t: Option<&Token>) -> bool {
        t.is_some_and(|t| t.kind == Kind::Other && t.text(self.text) == ":")
    }

    /// The path a declaration that did not parse begins with counts as declared.
    fn broken_field(&mut self, piece: &[Token]) {
        if let Some(t) = piece.first().filter(|t| t.kind == Kind::Word) {
            self.broken.fields.push(t.text(self.text).to_string());
        }
    }
}

/// The index of the last part that begins at or before `at` (the part the first error is in).
fn erring(pieces: &[&[Token]], at: usize) -> Option<usize> {
    pieces.iter().rposition(|p| p.first().is_some_and(|t| t.start <= at))
}

/// The declarations of a `context` block's body: each begins with a word outside brackets that
/// begins a line or comes before a `:` (`has_colon(i)`).
fn declarations(body: &[Token], has_colon: impl Fn(usize) -> bool) -> Vec<&[Token]> {
    let mut starts = Vec::new();
    let mut depth = 0usize;
    for (i, t) in body.iter().enumerate() {
        match t.kind {
            Kind::Bracket(b'(' | b'[' | b'{') => depth += 1,
            Kind::Bracket(_) => depth = depth.saturating_sub(1),
            Kind::Word if depth == 0 && (t.line_start || has_colon(i)) => starts.push(i),
            _ => {}
        }
    }
    cut(body, starts)
}

/// The clauses of a rule's body: each begins with a clause keyword that begins a line.
fn clauses<'a>(body: &'a [Token], text: &str) -> Vec<&'a [Token]> {
    let starts = body
        .iter()
        .enumerate()
        .filter(|(_, t)| t.line_start && CLAUSES.iter().any(|w| t.is_word(text, w)))
        .map(|(i, _)| i)
        .collect();
    cut(body, starts)
}

/// `tokens` cut before each index of `starts` (and what comes before the first).
fn cut(tokens: &[Token], starts: Vec<usize>) -> Vec<&[Token]> {
    scan::ranges(starts, tokens.len()).into_iter().filter_map(|r| tokens.get(r)).collect()
}
