//! Lowering pest pairs of items (header, default, context, lexicon, principle, rule) into the
//! AST. One function per grammar rule; expressions are in `expr.rs`.

use super::grammar::Rule;
use super::scan::Token;
use crate::ast::{self, ContextBlock, DefaultDecl, Effect, FieldDecl, FieldDefault, Header, Item, Lexicon, Literal, Principle, Type};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, Span, Spanned};
use pest::iterators::{Pair, Pairs};

pub(super) type Result<T> = std::result::Result<T, Diagnostic>;

/// Lowers the pairs of one piece of text that starts at byte `offset` of the file.
pub(super) struct Lower<'d> {
    pub file: FileId,
    pub offset: usize,
    /// Problems that do not stop the item from lowering (a clause given twice).
    pub diagnostics: &'d mut Vec<Diagnostic>,
    /// The pre-scan's tokens of the piece, to end spans at the last token (pest's spans may
    /// include the blank and comments after a rule that ends with a repetition).
    pub tokens: &'d [Token],
}

/// Punctuation pairs carry no meaning once parsed.
fn is_punct(r: Rule) -> bool {
    matches!(
        r,
        Rule::lbrace
            | Rule::rbrace
            | Rule::lparen
            | Rule::rparen
            | Rule::lbracket
            | Rule::rbracket
            | Rule::comma
            | Rule::colon
            | Rule::assign
    )
}

/// The children of a pair, without punctuation.
pub(super) fn children(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner().filter(|p| !is_punct(p.as_rule()))
}

impl Lower<'_> {
    pub fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        let start = self.offset + s.start();
        let raw_end = self.offset + s.end();
        let k = self.tokens.partition_point(|t| t.end <= raw_end);
        let end = match k.checked_sub(1).and_then(|i| self.tokens.get(i)) {
            Some(t) if t.start >= start => t.end,
            _ => raw_end,
        };
        Span::new(self.file, start, end)
    }

    /// A grammar invariant did not hold; never expected, reported rather than panicking.
    pub fn broken(&self, span: Span) -> Diagnostic {
        Diagnostic::at(Code::Syntax, span, "cannot read this construct")
            .with_help("this is a bug in handoff's parser; please report it with the policy text")
    }

    /// The next child, or a diagnostic at `span`.
    pub fn next<'i>(&self, it: &mut impl Iterator<Item = Pair<'i, Rule>>, span: Span) -> Result<Pair<'i, Rule>> {
        it.next().ok_or_else(|| self.broken(span))
    }

    /// Lowers the top-level pairs of an `item` parse.
    pub fn items(&mut self, pairs: Pairs<'_, Rule>) -> Result<Vec<Item>> {
        let mut items = Vec::new();
        for pair in pairs {
            let item = match pair.as_rule() {
                Rule::header => Item::Header(self.header(pair)?),
                Rule::default_decl => Item::Default(self.default_decl(pair)?),
                Rule::context_block => Item::Context(self.context_block(pair)?),
                Rule::lexicon => Item::Lexicon(self.lexicon(pair)?),
                Rule::principle => Item::Principle(self.principle(pair)?),
                Rule::rule_decl => Item::Rule(self.rule(pair)?),
                Rule::guarantee_decl => Item::Guarantee(self.guarantee(pair)?),
                _ => continue, // EOI
            };
            items.push(item);
        }
        Ok(items)
    }

    /// `"…"` with escapes resolved.
    pub fn string(&self, pair: Pair<'_, Rule>) -> Spanned<String> {
        let span = self.span(&pair);
        let raw = pair.into_inner().next().map_or("", |p| p.as_str());
        Spanned::new(unescape(raw), span)
    }

    pub fn ident(&self, pair: &Pair<'_, Rule>) -> Spanned<String> {
        Spanned::new(pair.as_str().to_string(), self.span(pair))
    }

    /// A `header` pair.
    fn header(&mut self, pair: Pair<'_, Rule>) -> Result<Header> {
        let span = self.span(&pair);
        let mut it = children(pair);
        let _kw = self.next(&mut it, span)?;
        let name = self.string(self.next(&mut it, span)?);
        let mut header = Header {
            name,
            owner: None,
            version: None,
            description: None,
            ai_must: Vec::new(),
            span,
        };
        for field in it {
            let field_span = self.span(&field);
            let field_rule = field.as_rule();
            let mut parts = children(field).skip(1);
            if field_rule == Rule::ai_must_field {
                header.ai_must.extend(parts.map(|p| self.ident(&p)));
                continue;
            }
            let value = self.string(self.next(&mut parts, field_span)?);
            let (slot, word) = match field_rule {
                Rule::owner_field => (&mut header.owner, "owner"),
                Rule::version_field => (&mut header.version, "version"),
                Rule::description_field => (&mut header.description, "description"),
                _ => continue,
            };
            match slot {
                Some(first) => self
                    .diagnostics
                    .push(twice(word, "policy header", field_span, first.span)),
                None => *slot = Some(value),
            }
        }
        Ok(header)
    }

    /// A `default_decl` pair.
    fn default_decl(&mut self, pair: Pair<'_, Rule>) -> Result<DefaultDecl> {
        let span = self.span(&pair);
        let mut it = children(pair).filter(|p| p.as_rule() != Rule::kw_default && p.as_rule() != Rule::kw_because);
        let route_pair = self.next(&mut it, span)?;
        let route_span = self.span(&route_pair);
        let route = ast::Route::parse(route_pair.as_str()).ok_or_else(|| self.broken(route_span))?;
        let because = self.string(self.next(&mut it, span)?);
        Ok(DefaultDecl {
            route: Spanned::new(route, route_span),
            because,
            span,
        })
    }

    /// A `context_block` pair.
    fn context_block(&mut self, pair: Pair<'_, Rule>) -> Result<ContextBlock> {
        let span = self.span(&pair);
        let fields = children(pair)
            .filter(|p| p.as_rule() == Rule::field_decl)
            .map(|p| self.field_decl(p))
            .collect::<Result<_>>()?;
        Ok(ContextBlock { fields, span })
    }

    /// A `field_decl` pair: `path : type (= literal)?`.
    pub fn field_decl(&mut self, pair: Pair<'_, Rule>) -> Result<FieldDecl> {
        let span = self.span(&pair);
        let mut it = children(pair);
        let path_pair = self.next(&mut it, span)?;
        let path = Spanned::new(path_pair.as_str().to_string(), self.span(&path_pair));
        let ty_pair = self.next(&mut it, span)?;
        let ty_span = self.span(&ty_pair);
        let ty = match ty_pair.as_rule() {
            Rule::ty_bool => Type::Bool,
            Rule::ty_number => Type::Number,
            Rule::ty_string => Type::String,
            Rule::ty_list => Type::List,
            Rule::ty_one_of => Type::OneOf(
                children(ty_pair)
                    .filter(|p| p.as_rule() == Rule::string)
                    .map(|p| self.string(p).node)
                    .collect(),
            ),
            _ => return Err(self.broken(ty_span)),
        };
        let default = match it.next() {
            Some(list) if list.as_rule() == Rule::list => {
                let span = self.span(&list);
                let items = children(list)
                    .map(|p| self.literal(p).map(|l| l.node))
                    .collect::<Result<_>>()?;
                Some(Spanned::new(FieldDefault::List(items), span))
            }
            Some(lit) => {
                let lit = self.literal(lit)?;
                Some(Spanned::new(FieldDefault::Literal(lit.node), lit.span))
            }
            None => None,
        };
        Ok(FieldDecl {
            path,
            ty: Spanned::new(ty, ty_span),
            default,
            span,
        })
    }

    /// A `boolean`, `number` or `string` pair.
    pub fn literal(&self, pair: Pair<'_, Rule>) -> Result<Spanned<Literal>> {
        let span = self.span(&pair);
        let lit = match pair.as_rule() {
            Rule::boolean => Literal::Bool(pair.as_str() == "true"),
            Rule::number => Literal::Number(self.number(&pair)?),
            Rule::string => Literal::String(self.string(pair).node),
            _ => return Err(self.broken(span)),
        };
        Ok(Spanned::new(lit, span))
    }

    fn number(&self, pair: &Pair<'_, Rule>) -> Result<f64> {
        let span = self.span(pair);
        match pair.as_str().parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(n),
            _ => Err(Diagnostic::at(
                Code::Syntax,
                span,
                format!("number `{}` is out of range", pair.as_str()),
            )
            .with_help("numbers must fit a 64-bit float")),
        }
    }

    /// A `lexicon` pair.
    fn lexicon(&mut self, pair: Pair<'_, Rule>) -> Result<Lexicon> {
        let span = self.span(&pair);
        let mut it = children(pair).skip(1);
        let name = self.ident(&self.next(&mut it, span)?);
        let phrases = it.map(|p| self.string(p)).collect();
        Ok(Lexicon { name, phrases, span })
    }

    /// A `principle` pair.
    fn principle(&mut self, pair: Pair<'_, Rule>) -> Result<Principle> {
        let span = self.span(&pair);
        let mut it = children(pair).skip(1);
        let name = self.string(self.next(&mut it, span)?);
        let mut rules = Vec::new();
        let mut guarantees = Vec::new();
        for p in it {
            if p.as_rule() == Rule::guarantee_decl {
                guarantees.push(self.guarantee(p)?);
            } else {
                rules.push(self.rule(p)?);
            }
        }
        Ok(Principle { name, rules, guarantees, span })
    }

    /// The name of a `principle_open` parse.
    pub fn principle_open(&mut self, pairs: Pairs<'_, Rule>) -> Option<Spanned<String>> {
        pairs
            .into_iter()
            .find(|p| p.as_rule() == Rule::string)
            .map(|p| self.string(p))
    }

    /// A `rule` pair.
    pub fn rule(&mut self, pair: Pair<'_, Rule>) -> Result<ast::Rule> {
        let span = self.span(&pair);
        let mut rule = self.rule_head(pair.clone().into_inner(), span)?;
        // Where each clause was first given, to point at it when it is given again.
        let mut seen: Vec<(Rule, Span)> = Vec::new();
        for clause in children(pair).skip(2) {
            self.add_clause(clause, &mut rule, &mut seen)?;
        }
        Ok(rule)
    }

    /// A rule without clauses from the pairs `effect string …` (of a `rule_decl` or a
    /// `rule_open` parse).
    pub fn rule_head(&mut self, pairs: Pairs<'_, Rule>, span: Span) -> Result<ast::Rule> {
        let mut it = pairs.filter(|p| !is_punct(p.as_rule()) && p.as_rule() != Rule::EOI);
        let effect_pair = self.next(&mut it, span)?;
        let effect_span = self.span(&effect_pair);
        let effect = match effect_pair.into_inner().nth(1).map(|p| p.as_rule()) {
            Some(Rule::kw_ai) => Effect::AllowAi,
            Some(Rule::kw_review) => Effect::RequireReview,
            Some(Rule::kw_human) => Effect::RequireHuman,
            _ => return Err(self.broken(effect_span)),
        };
        let name = self.string(self.next(&mut it, span)?);
        Ok(ast::Rule::new(Spanned::new(effect, effect_span), name, span))
    }

    /// One clause into `rule`; a clause given before (in `seen`) is reported instead.
    pub fn add_clause(&mut self, clause: Pair<'_, Rule>, rule: &mut ast::Rule, seen: &mut Vec<(Rule, Span)>) -> Result<()> {
        let clause_rule = clause.as_rule();
        let clause_span = self.span(&clause);
        if clause_rule != Rule::tag_clause {
            if let Some((_, first)) = seen.iter().find(|(r, _)| *r == clause_rule) {
                let word = clause.as_str().split_whitespace().next().unwrap_or("clause").to_string();
                let d = twice(&word, &format!("rule `{}`", rule.name.node), clause_span, *first);
                self.diagnostics.push(d);
                return Ok(());
            }
            seen.push((clause_rule, clause_span));
        }
        self.clause(clause, rule)
    }

    /// A `guarantee_decl` pair. A clause given twice is reported (the first is kept); a
    /// guarantee without `ensure` is a `syntax` error.
    fn guarantee(&mut self, pair: Pair<'_, Rule>) -> Result<ast::Guarantee> {
        let span = self.span(&pair);
        let mut it = children(pair).skip(1);
        let name = self.string(self.next(&mut it, span)?);
        let mut g = ast::Guarantee { name, when: None, unless: None, ensure: None, span };
        let mut seen: Vec<(Rule, Span)> = Vec::new();
        for clause in it {
            let clause_rule = clause.as_rule();
            let clause_span = self.span(&clause);
            if let Some((_, first)) = seen.iter().find(|(r, _)| *r == clause_rule) {
                let word = clause.as_str().split_whitespace().next().unwrap_or("clause").to_string();
                let d = twice(&word, &format!("guarantee `{}`", g.name.node), clause_span, *first);
                self.diagnostics.push(d);
                continue;
            }
            seen.push((clause_rule, clause_span));
            let mut parts = children(clause).skip(1);
            let value = self.next(&mut parts, clause_span)?;
            match clause_rule {
                Rule::when_clause => g.when = Some(self.expr(value)?),
                Rule::unless_clause => g.unless = Some(self.expr(value)?),
                Rule::ensure_clause => {
                    let route_span = self.span(&value);
                    let route = ast::Route::parse(value.as_str()).ok_or_else(|| self.broken(route_span))?;
                    g.ensure = Some(Spanned::new(route, route_span));
                }
                _ => return Err(self.broken(clause_span)),
            }
        }
        if g.ensure.is_none() {
            return Err(Diagnostic::at(Code::Syntax, g.name.span, format!("guarantee `{}` has no `ensure`", g.name.node))
                .with_label("no `ensure` clause")
                .with_help("say which route it guarantees at least: `ensure human` or `ensure review`"));
        }
        Ok(g)
    }

    /// One clause pair, stored into `rule`.
    fn clause(&mut self, clause: Pair<'_, Rule>, rule: &mut ast::Rule) -> Result<()> {
        let span = self.span(&clause);
        let clause_rule = clause.as_rule();
        let mut it = children(clause).skip(1);
        match clause_rule {
            Rule::when_clause => rule.when = Some(self.expr(self.next(&mut it, span)?)?),
            Rule::unless_clause => rule.unless = Some(self.expr(self.next(&mut it, span)?)?),
            Rule::because_clause => rule.because = Some(self.string(self.next(&mut it, span)?)),
            Rule::queue_clause => rule.queue = Some(self.string(self.next(&mut it, span)?)),
            Rule::tag_clause => rule.tags.push(self.string(self.next(&mut it, span)?)),
            Rule::say_clause => rule.say = Some(self.string(self.next(&mut it, span)?)),
            Rule::must_clause => rule.must.extend(it.map(|p| self.ident(&p))),
            Rule::priority_clause => {
                let level = self.next(&mut it, span)?;
                let level_span = self.span(&level);
                let priority = ast::Priority::parse(level.as_str()).ok_or_else(|| self.broken(level_span))?;
                rule.priority = Some(Spanned::new(priority, level_span));
            }
            _ => return Err(self.broken(span)),
        }
        Ok(())
    }
}

/// "`when` is given twice in rule `X`", pointing at both.
fn twice(word: &str, place: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::at(Code::Syntax, span, format!("`{word}` is given twice in {place}"))
        .with_label("given again here")
        .with_related(first, "first given here")
        .with_help(if word == "when" || word == "unless" {
            "combine the conditions with `and` or `or`"
        } else {
            "keep only one"
        })
}

/// Resolves `\" \\ \n \t`; any other backslash is kept as written.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}
