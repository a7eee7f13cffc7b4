//! The fast path: a hand-written recursive-descent parser over the pre-scan's tokens, for one
//! item or one rule at a time.
//!
//! It builds exactly the tree that pest and lowering build (same nodes, same spans), but only
//! for text it is sure of: on anything unexpected — a token out of place, a clause given twice,
//! a number out of range, nesting deeper than [`NEST`] — it returns `None` and the piece is
//! parsed by pest, which stays the grammar of record and the source of every syntax
//! diagnostic. Each function mirrors the grammar rule of the same name (`grammar/policy.pest`).
//! Debug builds parse every piece the fast path accepted with pest as well and compare the
//! trees, spans included (`syntax.rs`).

mod expr;

use super::lower::unescape;
use super::scan::{Kind, Token};
use crate::ast::{self, ContextBlock, DefaultDecl, Effect, FieldDecl, Header, Item, Lexicon, Literal, Type};
use crate::source::{FileId, Span, Spanned};

/// Deepest recursion (parentheses, `where`, `count`) the fast path follows before it leaves
/// the piece to pest.
const NEST: usize = 24;

/// A cursor over the tokens of one piece.
pub(super) struct Fast<'t> {
    file: FileId,
    text: &'t str,
    tokens: &'t [Token],
    at: usize,
    /// Current recursion depth, at most [`NEST`].
    nest: usize,
}

/// The items of a piece parsed as pest's `item` (`rule_only`: as `rule_item`), or `None`
/// when the fast path declines.
pub(super) fn items(file: FileId, text: &str, tokens: &[Token], rule_only: bool) -> Option<Vec<Item>> {
    let mut p = Fast::new(file, text, tokens);
    let first = p.peek()?;
    let item = match p.word_of(first) {
        "allow" | "require" => Item::Rule(p.rule()?),
        _ if rule_only => return None,
        "policy" => Item::Header(p.header()?),
        "default" => Item::Default(p.default_decl()?),
        "context" => Item::Context(p.context_block()?),
        "lexicon" => Item::Lexicon(p.lexicon()?),
        _ => return None,
    };
    p.finished().then(|| vec![item])
}

/// One rule, alone in its piece (pest's `rule_item`).
pub(super) fn rule(file: FileId, text: &str, tokens: &[Token]) -> Option<ast::Rule> {
    let mut p = Fast::new(file, text, tokens);
    let rule = p.rule()?;
    p.finished().then_some(rule)
}

/// The name of `principle "NAME" {` (pest's `principle_open`).
pub(super) fn principle_open(file: FileId, text: &str, tokens: &[Token]) -> Option<Spanned<String>> {
    let mut p = Fast::new(file, text, tokens);
    p.keyword("principle")?;
    let name = p.string()?;
    p.bracket(b'{')?;
    p.finished().then_some(name)
}

/// A word that is never a path on its own (the grammar's `reserved`).
fn is_reserved(w: &str) -> bool {
    matches!(
        w,
        "and"
            | "any"
            | "contains"
            | "count"
            | "matches"
            | "mentions"
            | "must"
            | "not"
            | "no"
            | "in"
            | "is"
            | "true"
            | "tag"
            | "where"
            | "when"
            | "or"
            | "false"
            | "every"
            | "last"
            | "unless"
            | "because"
            | "priority"
            | "queue"
            | "say"
            | "ensure"
    )
}

/// The grammar's `path`: `[a-z_][a-z0-9_]*` segments joined by single dots, not a reserved word.
fn is_path(w: &str) -> bool {
    let bytes = w.as_bytes();
    let mut after_dot = true;
    for &b in bytes {
        let ok = match b {
            b'a'..=b'z' | b'_' => true,
            b'0'..=b'9' => !after_dot,
            b'.' => !after_dot,
            _ => false,
        };
        if !ok {
            return false;
        }
        after_dot = b == b'.';
    }
    // Empty or ending in a dot; reserved words have no dot and at most eight letters.
    !after_dot && (bytes.len() > 8 || !is_reserved(w))
}

/// The grammar's `ident`, as a whole word: `[A-Za-z_][A-Za-z0-9_]*`.
fn is_ident(w: &str) -> bool {
    let mut bytes = w.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Digits, an optional `.digits`, then what is left of the word.
fn mantissa(w: &str) -> Option<&str> {
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    let int = digits(w);
    let rest = w.get(int..)?;
    if int == 0 {
        return None;
    }
    match rest.strip_prefix('.') {
        Some(frac) => {
            let n = digits(frac);
            (n > 0).then(|| frac.get(n..)).flatten()
        }
        None => Some(rest),
    }
}

impl<'t> Fast<'t> {
    fn new(file: FileId, text: &'t str, tokens: &'t [Token]) -> Fast<'t> {
        Fast {
            file,
            text,
            tokens,
            at: 0,
            nest: 0,
        }
    }

    fn peek(&self) -> Option<Token> {
        self.tokens.get(self.at).copied()
    }

    fn peek2(&self) -> Option<Token> {
        self.tokens.get(self.at + 1).copied()
    }

    fn bump(&mut self) -> Option<Token> {
        let t = self.peek()?;
        self.at += 1;
        Some(t)
    }

    /// Every token used.
    fn finished(&self) -> bool {
        self.at == self.tokens.len()
    }

    /// The last token taken (the end of the construct just parsed).
    fn last(&self) -> Option<Token> {
        self.tokens.get(self.at.checked_sub(1)?).copied()
    }

    /// The span from `first` to the last token taken.
    fn span_from(&self, first: Token) -> Span {
        let end = self.last().map_or(first.end, |t| t.end);
        Span::new(self.file, first.start, end)
    }

    fn token_span(&self, t: Token) -> Span {
        Span::new(self.file, t.start, t.end)
    }

    /// The text of a word token; `""` for any other token.
    fn word_of(&self, t: Token) -> &'t str {
        if t.kind == Kind::Word { t.text(self.text) } else { "" }
    }

    /// The next token is the word `w` (never a dotted path).
    fn at_word(&self, w: &str) -> bool {
        self.peek().is_some_and(|t| self.word_of(t) == w)
    }

    /// Takes the keyword `w`.
    fn keyword(&mut self, w: &str) -> Option<Token> {
        if self.at_word(w) { self.bump() } else { None }
    }

    /// Whether `t` is the one-character token `c` (a bracket or other punctuation).
    fn is_char(&self, t: Token, c: u8) -> bool {
        match t.kind {
            Kind::Bracket(b) => b == c,
            Kind::Other => t.end == t.start + 1 && self.text.as_bytes().get(t.start) == Some(&c),
            Kind::Word | Kind::Str => false,
        }
    }

    fn at_char(&self, c: u8) -> bool {
        self.peek().is_some_and(|t| self.is_char(t, c))
    }

    /// Takes the bracket `b`.
    fn bracket(&mut self, b: u8) -> Option<Token> {
        let t = self.peek()?;
        (t.kind == Kind::Bracket(b)).then(|| self.bump())?
    }

    /// Takes a `,` if there is one.
    fn comma(&mut self) -> bool {
        let there = self.at_char(b',');
        if there {
            self.at += 1;
        }
        there
    }

    /// A closed string literal, escapes resolved.
    fn string(&mut self) -> Option<Spanned<String>> {
        let t = self.peek()?;
        if t.kind != Kind::Str {
            return None;
        }
        let raw = t.text(self.text);
        let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
        let value = if inner.as_bytes().contains(&b'\\') {
            // Closed by this quote: not an escaped quote before a line end.
            let mut bytes = inner.bytes();
            while let Some(b) = bytes.next() {
                match b {
                    b'"' | b'\n' => return None,
                    b'\\' if bytes.next().is_none_or(|n| n == b'\n') => return None,
                    _ => {}
                }
            }
            unescape(inner)
        } else {
            // Without a backslash, the pre-scan ended the token at its first quote or before
            // a line end: the inner text holds neither.
            inner.to_string()
        };
        self.at += 1;
        Some(Spanned::new(value, self.token_span(t)))
    }

    /// A whole word that is an `ident`.
    fn ident(&mut self) -> Option<Spanned<String>> {
        let t = self.peek()?;
        let w = self.word_of(t);
        if !is_ident(w) {
            return None;
        }
        self.at += 1;
        Some(Spanned::new(w.to_string(), self.token_span(t)))
    }

    /// `ident (, ident)*`
    fn idents(&mut self, into: &mut Vec<Spanned<String>>) -> Option<()> {
        into.push(self.ident()?);
        while self.comma() {
            into.push(self.ident()?);
        }
        Some(())
    }

    /// One of `words`, whole.
    fn one_of<T: Copy>(&mut self, words: &[(&str, T)]) -> Option<(T, Token)> {
        let t = self.peek()?;
        let w = self.word_of(t);
        let &(_, value) = words.iter().find(|(name, _)| *name == w)?;
        self.at += 1;
        Some((value, t))
    }

    /// A number: `-`? then digits, `.digits`?, and an exponent, all written without a gap;
    /// finite.
    fn number(&mut self) -> Option<(f64, Span)> {
        let first = self.peek()?;
        let mut word = first;
        if self.is_char(first, b'-') {
            word = self.peek2().filter(|w| w.start == first.end)?;
            self.at += 1;
        }
        let rest = mantissa(self.word_of(word))?;
        self.at += 1;
        match rest {
            "" => {}
            "e" | "E" => {
                // `1e+3`, `1e-3`: the sign is a token of its own, the digits another.
                let sign = self.peek().filter(|s| s.start == word.end)?;
                let digits = self.peek2().filter(|d| d.start == sign.end)?;
                let ok = (self.is_char(sign, b'+') || self.is_char(sign, b'-'))
                    && !self.word_of(digits).is_empty()
                    && self.word_of(digits).bytes().all(|b| b.is_ascii_digit());
                if !ok {
                    return None;
                }
                self.at += 2;
            }
            _ => {
                let exp = rest.strip_prefix(['e', 'E'])?;
                if exp.is_empty() || !exp.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
            }
        }
        let span = self.span_from(first);
        let n = self.text.get(span.range())?.parse::<f64>().ok()?;
        n.is_finite().then_some((n, span))
    }

    /// `true`, `false`, a number or a string.
    fn literal(&mut self) -> Option<Spanned<Literal>> {
        let t = self.peek()?;
        match (t.kind, self.word_of(t)) {
            (Kind::Str, _) => self.string().map(|s| Spanned::new(Literal::String(s.node), s.span)),
            (Kind::Word, "true" | "false") => {
                self.at += 1;
                Some(Spanned::new(
                    Literal::Bool(self.word_of(t) == "true"),
                    self.token_span(t),
                ))
            }
            _ => self.number().map(|(n, span)| Spanned::new(Literal::Number(n), span)),
        }
    }

    /// `[` (first `,` next)* `,`? `]` with `next` reading each element.
    fn listed<T>(&mut self, open: u8, close: u8, mut next: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        self.bracket(open)?;
        let mut out = Vec::new();
        while self.bracket(close).is_none() {
            out.push(next(self)?);
            if !self.comma() {
                self.bracket(close)?;
                break;
            }
        }
        Some(out)
    }

    /// `policy "NAME" { owner "…" version "…" description "…" ai_must a, b }`
    fn header(&mut self) -> Option<Header> {
        let first = self.keyword("policy")?;
        let name = self.string()?;
        self.bracket(b'{')?;
        let mut header = Header {
            name,
            owner: None,
            version: None,
            description: None,
            ai_must: Vec::new(),
            span: Span::default(),
        };
        while self.bracket(b'}').is_none() {
            let t = self.bump()?;
            let slot = match self.word_of(t) {
                "ai_must" => {
                    self.idents(&mut header.ai_must)?;
                    continue;
                }
                "owner" => &mut header.owner,
                "version" => &mut header.version,
                "description" => &mut header.description,
                _ => return None,
            };
            // Given twice: lowering reports it.
            if slot.is_some() {
                return None;
            }
            *slot = Some(self.string()?);
        }
        header.span = self.span_from(first);
        Some(header)
    }

    /// `default ROUTE because "…"`
    fn default_decl(&mut self) -> Option<DefaultDecl> {
        let first = self.keyword("default")?;
        let (route, t) = self.one_of(&[
            ("ai", ast::Route::Ai),
            ("review", ast::Route::Review),
            ("human", ast::Route::Human),
        ])?;
        self.keyword("because")?;
        let because = self.string()?;
        Some(DefaultDecl {
            route: Spanned::new(route, self.token_span(t)),
            because,
            span: self.span_from(first),
        })
    }

    /// `context { path : type = default … }`
    fn context_block(&mut self) -> Option<ContextBlock> {
        let first = self.keyword("context")?;
        self.bracket(b'{')?;
        let mut fields = Vec::new();
        while self.bracket(b'}').is_none() {
            fields.push(self.field_decl()?);
            self.comma();
        }
        Some(ContextBlock {
            fields,
            span: self.span_from(first),
        })
    }

    /// `path : type (= literal)?`
    fn field_decl(&mut self) -> Option<FieldDecl> {
        let first = self.bump()?;
        let path = self.word_of(first);
        if !is_path(path) {
            return None;
        }
        let path = Spanned::new(path.to_string(), self.token_span(first));
        let colon = self.bump()?;
        if !self.is_char(colon, b':') {
            return None;
        }
        let ty_first = self.peek()?;
        let simple = match self.word_of(ty_first) {
            "bool" => Some(Type::Bool),
            "number" => Some(Type::Number),
            "string" => Some(Type::String),
            "list" => Some(Type::List),
            _ => None,
        };
        let ty = match simple {
            Some(ty) => {
                self.at += 1;
                ty
            }
            None => {
                self.keyword("one")?;
                self.keyword("of")?;
                Type::OneOf(self.listed(b'[', b']', |p| p.string().map(|s| s.node))?)
            }
        };
        let ty = Spanned::new(ty, self.span_from(ty_first));
        let mut default = None;
        if self.at_char(b'=') {
            self.at += 1;
            // `==` (or `= =`) is not `assign`.
            if self.at_char(b'=') {
                return None;
            }
            default = Some(self.literal()?);
        }
        Some(FieldDecl {
            path,
            ty,
            default,
            span: self.span_from(first),
        })
    }

    /// `lexicon NAME { "phrase", … }`
    fn lexicon(&mut self) -> Option<Lexicon> {
        let first = self.keyword("lexicon")?;
        let name = self.ident()?;
        let phrases = self.listed(b'{', b'}', Self::string)?;
        Some(Lexicon {
            name,
            phrases,
            span: self.span_from(first),
        })
    }

    /// `EFFECT ROUTE "name" { clauses }`
    fn rule(&mut self) -> Option<ast::Rule> {
        let first = self.peek()?;
        let effect = match self.word_of(first) {
            "allow" => {
                self.at += 1;
                self.keyword("ai")?;
                Effect::AllowAi
            }
            "require" => {
                self.at += 1;
                self.one_of(&[("review", Effect::RequireReview), ("human", Effect::RequireHuman)])?
                    .0
            }
            _ => return None,
        };
        let effect = Spanned::new(effect, self.span_from(first));
        let name = self.string()?;
        self.bracket(b'{')?;
        let mut rule = ast::Rule::new(effect, name, Span::default());
        while self.bracket(b'}').is_none() {
            self.clause(&mut rule)?;
        }
        rule.span = self.span_from(first);
        Some(rule)
    }

    /// One clause into `rule`; `None` for a clause given twice (lowering reports it).
    fn clause(&mut self, rule: &mut ast::Rule) -> Option<()> {
        let t = self.bump()?;
        match self.word_of(t) {
            "when" if rule.when.is_none() => rule.when = Some(self.expr()?),
            "unless" if rule.unless.is_none() => rule.unless = Some(self.expr()?),
            "because" if rule.because.is_none() => rule.because = Some(self.string()?),
            "queue" if rule.queue.is_none() => rule.queue = Some(self.string()?),
            "say" if rule.say.is_none() => rule.say = Some(self.string()?),
            "tag" => rule.tags.push(self.string()?),
            // `must` given twice is reported too; the first leaves `must` non-empty.
            "must" if rule.must.is_empty() => self.idents(&mut rule.must)?,
            "priority" if rule.priority.is_none() => {
                let (level, t) = self.one_of(&[
                    ("low", ast::Priority::Low),
                    ("normal", ast::Priority::Normal),
                    ("high", ast::Priority::High),
                    ("urgent", ast::Priority::Urgent),
                ])?;
                rule.priority = Some(Spanned::new(level, self.token_span(t)));
            }
            _ => return None,
        }
        Some(())
    }
}
