//! Parsing `.policy` text into the AST with pest.
//!
//! The file is first scanned lexically (`scan`): comments are collected, nesting beyond
//! [`ast::MAX_DEPTH`] is refused before pest could recurse into it, and the text is cut into
//! top-level items. Each item is parsed on its own, so a broken rule does not hide the rest; a
//! principle is parsed rule by rule; when an item does not parse, it is cut again at every item
//! keyword that begins a line, so that the good rules of a principle survive a broken one.
//!
//! Each piece (an item, a rule of a principle, a principle's head) is parsed by pest with the
//! grammar `grammar/policy.pest`, the one statement of the language's words and structure; pest
//! pairs are lowered into the AST (`lower`, `expr`) with one function per grammar rule, and
//! pest errors become `syntax` diagnostics with readable token names (`error`).

mod error;
mod expr;
mod grammar;
mod lower;
mod recover;
mod scan;

use crate::ast;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, Span, Spanned};
use grammar::{PolicyParser, Rule};
use pest::Parser as _;
use scan::{Kind, Token};

/// Parses one source; a file that is not UTF-8 gets one `syntax` error at its first bad byte,
/// and the lossily decoded rest is parsed as usual, without errors at the replaced bytes.
pub fn parse_source(file: FileId, source: &crate::source::Source) -> (ast::File, Vec<Diagnostic>) {
    let (tree, mut diagnostics) = parse(file, &source.text);
    if let Some(d) = encoding(file, source) {
        let replaced = |d: &Diagnostic| {
            d.span.is_some_and(|s| source.text.get(s.start as usize..).is_some_and(|r| r.starts_with('\u{FFFD}')))
        };
        diagnostics.retain(|d| !replaced(d));
        diagnostics.push(d);
    }
    (tree, diagnostics)
}

/// The `syntax` error of a source that is not UTF-8, at its first bad byte.
pub fn encoding(file: FileId, source: &crate::source::Source) -> Option<Diagnostic> {
    let (at, byte) = source.invalid_utf8?;
    let width = '\u{FFFD}'.len_utf8();
    Some(
        Diagnostic::at(Code::Syntax, Span::new(file, at, at + width), "this file is not valid UTF-8")
            .with_label(format!("byte 0x{byte:02X} is not UTF-8 here"))
            .with_help("policy files are UTF-8 text: save this file as UTF-8"),
    )
}

/// Parses one file. Always returns a tree (possibly partial) and every syntax error found.
pub fn parse(file: FileId, text: &str) -> (ast::File, Vec<Diagnostic>) {
    let scan = scan::scan(text);
    let comments = scan
        .comments
        .iter()
        .map(|&(start, end)| ast::Comment {
            text: text.get(start + 1..end).unwrap_or("").to_string(),
            span: Span::new(file, start, end),
        })
        .collect();
    let mut parser = Parse {
        file,
        text,
        items: Vec::new(),
        diagnostics: Vec::new(),
        broken: ast::Broken::default(),
    };
    for range in scan::split_items(&scan.tokens, text) {
        if let Some(tokens) = scan.tokens.get(range) {
            parser.chunk(tokens);
        }
    }
    let Parse { items, diagnostics, broken, .. } = parser;
    (
        ast::File {
            id: file,
            items,
            comments,
            broken,
        },
        diagnostics,
    )
}

/// Nesting (see [`scan::nesting`]) that any thread's stack parses safely.
const SHALLOW: usize = 24;

/// The stack for parsing an item nested deeper than [`SHALLOW`], up to [`ast::MAX_DEPTH`].
const DEEP_STACK: usize = 64 * 1024 * 1024;

struct Parse<'t> {
    file: FileId,
    text: &'t str,
    items: Vec<ast::Item>,
    diagnostics: Vec<Diagnostic>,
    broken: ast::Broken,
}

/// A principle whose rules are being parsed one by one.
struct OpenPrinciple {
    name: Spanned<String>,
    rules: Vec<ast::Rule>,
    guarantees: Vec<ast::Guarantee>,
    start: usize,
    /// Where its `{` is, for "never closed".
    brace: usize,
    end: usize,
}

impl<'t> Parse<'t> {
    /// The text of a run of tokens and its offset.
    fn piece(&self, tokens: &[Token]) -> (usize, &'t str) {
        let start = tokens.first().map_or(0, |t| t.start);
        let end = tokens.last().map_or(start, |t| t.end);
        (start, self.text.get(start..end).unwrap_or(""))
    }

    /// Parses one top-level item; on failure, tries to recover its parts.
    fn chunk(&mut self, tokens: &[Token]) {
        let nesting = match scan::nesting(tokens, self.text) {
            Ok(n) => n,
            Err(at) => {
                let word_end = tokens.iter().find(|t| t.start == at).map_or(at + 1, |t| t.end);
                self.diagnostics
                    .push(error::too_deep(Span::new(self.file, at, word_end)));
                return;
            }
        };
        if nesting <= SHALLOW {
            self.chunk_on_this_stack(tokens);
            return;
        }
        // pest recurses at every level of nesting, deeply in debug builds: a deeply nested
        // item is parsed on a thread of its own with a stack large enough for [`ast::MAX_DEPTH`].
        let done = std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("handoff-parse".into())
                .stack_size(DEEP_STACK)
                .spawn_scoped(scope, || self.chunk_on_this_stack(tokens))
                .map(|handle| handle.join().is_ok())
                .unwrap_or(false)
        });
        if !done {
            let at = tokens.first().map_or(0, |t| t.start);
            self.diagnostics.push(error::too_deep(Span::new(self.file, at, at + 1)));
        }
    }

    fn chunk_on_this_stack(&mut self, tokens: &[Token]) {
        if let Some(principle) = self.principle_by_rules(tokens) {
            self.items.push(principle);
            return;
        }
        let first_error = match self.parse_items(tokens, Rule::item) {
            Ok(items) => {
                self.items.extend(items);
                return;
            }
            Err(d) => d,
        };
        let pieces = scan::split_lines(tokens, self.text);
        if pieces.len() < 2 {
            self.failed(tokens, first_error);
            return;
        }
        let before = self.diagnostics.len();
        self.recover(tokens, pieces);
        if self.diagnostics.len() == before {
            self.diagnostics.push(first_error);
        }
    }

    /// A principle parsed rule by rule: pest's pairs for one principle of 10,000 rules take
    /// hundreds of MB and most of the parsing time. `None` (nothing reported) when any part
    /// does not parse; the whole item is then parsed again as one, for the usual diagnostics.
    fn principle_by_rules(&mut self, tokens: &[Token]) -> Option<ast::Item> {
        let [first, _name, open, inner @ .., close] = tokens else {
            return None;
        };
        if !first.is_word(self.text, "principle")
            || open.kind != Kind::Bracket(b'{')
            || close.kind != Kind::Bracket(b'}')
        {
            return None;
        }
        let before = self.diagnostics.len();
        let head = tokens.get(..3)?;
        let name = self.principle_name(head);
        let rules = name.as_ref().and_then(|_| self.rules_one_by_one(inner));
        match (name, rules) {
            (Some(name), Some((rules, guarantees))) => Some(ast::Item::Principle(ast::Principle {
                name,
                rules,
                guarantees,
                span: Span::new(self.file, first.start, close.end),
            })),
            _ => {
                self.diagnostics.truncate(before);
                None
            }
        }
    }

    /// Each run of tokens that closes its brackets with a `}` parsed as one rule or guarantee.
    fn rules_one_by_one(&mut self, tokens: &[Token]) -> Option<(Vec<ast::Rule>, Vec<ast::Guarantee>)> {
        let mut rules = Vec::new();
        let mut guarantees = Vec::new();
        let mut depth = 0usize;
        let mut start = 0;
        for (i, t) in tokens.iter().enumerate() {
            match t.kind {
                Kind::Bracket(b'{' | b'(' | b'[') => depth += 1,
                Kind::Bracket(b) => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 && b == b'}' {
                        let piece = tokens.get(start..=i)?;
                        start = i + 1;
                        for item in self.parse_items(piece, Rule::rule_item).ok()? {
                            match item {
                                ast::Item::Rule(r) => rules.push(r),
                                ast::Item::Guarantee(g) => guarantees.push(g),
                                _ => return None,
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        (start == tokens.len()).then_some((rules, guarantees))
    }

    /// Parses a run of tokens with `r` (`item` or `rule_item`) and lowers the items found.
    fn parse_items(&mut self, tokens: &[Token], r: Rule) -> Result<Vec<ast::Item>, Diagnostic> {
        let (offset, piece) = self.piece(tokens);
        let pairs = match PolicyParser::parse(r, piece) {
            Ok(pairs) => pairs,
            Err(e) => return Err(self.pest_error(&e, tokens, offset)),
        };
        let mut lower = lower::Lower {
            file: self.file,
            offset,
            diagnostics: &mut self.diagnostics,
            tokens,
        };
        lower.items(pairs)
    }

    /// The name of `principle "NAME" {` (`head`: those three tokens); `None` (nothing
    /// reported) when it does not parse.
    fn principle_name(&mut self, head: &[Token]) -> Option<Spanned<String>> {
        let (offset, head_text) = self.piece(head);
        let pairs = PolicyParser::parse(Rule::principle_open, head_text).ok()?;
        lower::Lower {
            file: self.file,
            offset,
            diagnostics: &mut self.diagnostics,
            tokens: head,
        }
        .principle_open(pairs)
    }

    /// A pest error as a diagnostic; a failure at the very end of a piece with an unclosed `{`
    /// says so.
    fn pest_error(&self, e: &pest::error::Error<Rule>, tokens: &[Token], offset: usize) -> Diagnostic {
        let (_, piece) = self.piece(tokens);
        let pos = match e.location {
            pest::error::InputLocation::Pos(p) | pest::error::InputLocation::Span((p, _)) => p,
        };
        if pos >= piece.len() {
            if let (_, Some(open)) = scan::braces(tokens) {
                return error::unclosed(self.file, open, offset + piece.len());
            }
        }
        error::from_pest(e, self.file, self.text, offset)
    }

    /// Parses pieces cut at line-leading item keywords, putting rules back into the principle
    /// they belong to.
    fn recover(&mut self, tokens: &[Token], pieces: Vec<std::ops::Range<usize>>) {
        let mut open: Option<OpenPrinciple> = None;
        for range in pieces {
            let Some(piece) = tokens.get(range) else {
                continue;
            };
            let Some(&first) = piece.first() else {
                continue;
            };
            let is_rule = ["allow", "require", "guarantee"].iter().any(|w| first.is_word(self.text, w));
            if is_rule && open.is_some() {
                self.rule_in_principle(piece, &mut open);
                continue;
            }
            if let Some(p) = open.take() {
                self.close_unclosed(p);
            }
            if first.is_word(self.text, "principle") {
                if let Some(p) = self.open_principle(piece) {
                    open = Some(p);
                    continue;
                }
            }
            match self.parse_items(piece, Rule::item) {
                Ok(items) => self.items.extend(items),
                Err(d) => self.failed(piece, d),
            }
        }
        if let Some(p) = open {
            self.close_unclosed(p);
        }
    }

    /// `principle "NAME" {` alone on its piece (its rules follow in later pieces); `None` when
    /// the piece is something else.
    fn open_principle(&mut self, piece: &[Token]) -> Option<OpenPrinciple> {
        let brace = piece.iter().position(|t| t.kind == Kind::Bracket(b'{'))?;
        if brace + 1 != piece.len() {
            return None;
        }
        let (offset, text) = self.piece(piece);
        let name = self.principle_name(piece)?;
        let brace_at = piece.get(brace).map_or(offset, |t| t.start);
        Some(OpenPrinciple {
            name,
            rules: Vec::new(),
            guarantees: Vec::new(),
            start: offset,
            brace: brace_at,
            end: offset + text.len(),
        })
    }

    /// A rule inside an open principle; an extra `}` at its end closes the principle.
    fn rule_in_principle(&mut self, piece: &[Token], open: &mut Option<OpenPrinciple>) {
        let (net, _) = scan::braces(piece);
        let closing = if net < 0 {
            piece.iter().rposition(|t| t.kind == Kind::Bracket(b'}'))
        } else {
            None
        };
        let rule_tokens = match closing {
            Some(i) => piece.get(..i).unwrap_or(piece),
            None => piece,
        };
        match self.parse_items(rule_tokens, Rule::rule_item) {
            Ok(items) => {
                if let Some(p) = open.as_mut() {
                    for item in items {
                        match item {
                            ast::Item::Rule(r) => p.rules.push(r),
                            ast::Item::Guarantee(g) => p.guarantees.push(g),
                            _ => {}
                        }
                    }
                }
            }
            Err(d) => self.failed(rule_tokens, d),
        }
        if let Some(p) = open.as_mut() {
            p.end = piece.last().map_or(p.end, |t| t.end);
        }
        if let Some(i) = closing {
            if let Some(rest) = piece.get(i + 1..).filter(|r| !r.is_empty()) {
                // Text after the principle's `}`: report it as an item of its own.
                if let Err(d) = self.parse_items(rest, Rule::item) {
                    self.diagnostics.push(d);
                }
            }
            if let Some(p) = open.take() {
                let end = piece.get(i).map_or(p.end, |t| t.end);
                self.finish(p, end);
            }
        }
    }

    fn close_unclosed(&mut self, p: OpenPrinciple) {
        self.diagnostics.push(error::unclosed(self.file, p.brace, p.end));
        let end = p.end;
        self.finish(p, end);
    }

    fn finish(&mut self, p: OpenPrinciple, end: usize) {
        let span = Span::new(self.file, p.start, end);
        self.items.push(ast::Item::Principle(ast::Principle {
            name: p.name,
            rules: p.rules,
            guarantees: p.guarantees,
            span,
        }));
    }
}
