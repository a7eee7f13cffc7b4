//! Lowering expression pairs. Precedence is in the grammar's layers (`expr` → `conjunction` →
//! `negation` → `comparison` → operand); every node's depth is tracked so that no tree deeper
//! than [`MAX_DEPTH`] is ever built.

use super::error;
use super::grammar::Rule;
use super::lower::{Lower, Result, children};
use crate::ast::{CmpOp, Expr, ExprKind, MAX_DEPTH, MessageTest, Parens, Quantifier, Who};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{Span, Spanned};
use pest::iterators::Pair;

/// An expression and the depth of its tree.
struct Deep {
    expr: Expr,
    depth: usize,
}

impl Lower<'_> {
    /// An `expr` pair (or any expression layer) as an [`Expr`].
    pub fn expr(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        self.layer(pair).map(|d| d.expr)
    }

    /// A node over children of depth `below`, refused beyond [`MAX_DEPTH`].
    fn node(&self, kind: ExprKind, span: Span, below: usize) -> Result<Deep> {
        let depth = below + 1;
        if depth > MAX_DEPTH {
            return Err(error::too_deep(span));
        }
        Ok(Deep {
            expr: Expr::new(kind, span),
            depth,
        })
    }

    fn layer(&self, pair: Pair<'_, Rule>) -> Result<Deep> {
        // Layers with a single child and parentheses are walked down in a loop, not by
        // recursion: `((((a))))` costs no stack.
        let mut pair = pair;
        let mut paren_span = None;
        let mut parens: u32 = 0;
        loop {
            let rule = pair.as_rule();
            let single = match rule {
                Rule::expr | Rule::conjunction | Rule::negation | Rule::comparison | Rule::paren => {
                    let mut it = children(pair.clone());
                    match (it.next(), it.next()) {
                        (Some(only), None) if only.as_rule() != Rule::kw_not => Some(only),
                        _ => None,
                    }
                }
                _ => None,
            };
            match single {
                Some(child) => {
                    if rule == Rule::paren {
                        paren_span = Some(self.span(&pair));
                        parens = parens.saturating_add(1);
                    }
                    pair = child;
                }
                None => break,
            }
        }
        let mut deep = match pair.as_rule() {
            Rule::expr => self.chain(pair, ExprKind::Or),
            Rule::conjunction => self.chain(pair, ExprKind::And),
            Rule::negation => self.negation(pair),
            Rule::comparison => self.comparison(pair),
            _ => self.operand(pair),
        }?;
        // The innermost parentheses give the span; the tree has no node for them, only their
        // count (for the formatter).
        if let Some(span) = paren_span {
            deep.expr.span = span;
        }
        deep.expr.parens = Parens(parens);
        Ok(deep)
    }

    /// `a or b or c` / `a and b and c`, grouped to the left.
    fn chain(&self, pair: Pair<'_, Rule>, make: fn(Box<Expr>, Box<Expr>) -> ExprKind) -> Result<Deep> {
        let span = self.span(&pair);
        let mut operands = children(pair).filter(|p| !matches!(p.as_rule(), Rule::kw_or | Rule::kw_and));
        let mut acc = self.layer(self.next(&mut operands, span)?)?;
        for next in operands {
            let rhs = self.layer(next)?;
            let span = acc.expr.span.to(rhs.expr.span);
            let below = acc.depth.max(rhs.depth);
            acc = self.node(make(Box::new(acc.expr), Box::new(rhs.expr)), span, below)?;
        }
        Ok(acc)
    }

    /// `not not … comparison`, built without recursion.
    fn negation(&self, pair: Pair<'_, Rule>) -> Result<Deep> {
        let span = self.span(&pair);
        let mut nots = Vec::new();
        let mut inner = None;
        for p in children(pair) {
            if p.as_rule() == Rule::kw_not {
                nots.push(self.span(&p).start);
            } else {
                inner = Some(p);
            }
        }
        let mut acc = self.layer(inner.ok_or_else(|| self.broken(span))?)?;
        for start in nots.into_iter().rev() {
            let span = Span { start, ..acc.expr.span };
            acc = self.node(ExprKind::Not(Box::new(acc.expr)), span, acc.depth)?;
        }
        Ok(acc)
    }

    /// An operand with at most one operator after it.
    fn comparison(&self, pair: Pair<'_, Rule>) -> Result<Deep> {
        let span = self.span(&pair);
        let mut it = children(pair);
        let lhs = self.layer(self.next(&mut it, span)?)?;
        let tails: Vec<Pair<'_, Rule>> = it.collect();
        let mut tails = tails.into_iter();
        let Some(tail) = tails.next() else {
            return Ok(lhs);
        };
        if let Some(second) = tails.next() {
            let op = second.as_str().split_whitespace().next().unwrap_or("").to_string();
            return Err(Diagnostic::at(Code::Syntax, span, "comparisons do not chain")
                .with_label(format!("a second operator `{op}` follows a complete comparison"))
                .with_help("combine two comparisons with `and`, as in `a < b and b < c`"));
        }
        self.tail(lhs, tail, span)
    }

    /// The operator after the left operand.
    fn tail(&self, lhs: Deep, tail: Pair<'_, Rule>, span: Span) -> Result<Deep> {
        let tail_rule = tail.as_rule();
        let tail_span = self.span(&tail);
        let mut it = children(tail);
        match tail_rule {
            Rule::compare_tail => {
                let op_pair = self.next(&mut it, tail_span)?;
                let op = cmp_op(op_pair.as_str()).ok_or_else(|| self.broken(tail_span))?;
                let rhs = self.layer(self.next(&mut it, tail_span)?)?;
                let below = lhs.depth.max(rhs.depth);
                self.node(
                    ExprKind::Compare {
                        op,
                        lhs: Box::new(lhs.expr),
                        rhs: Box::new(rhs.expr),
                    },
                    span,
                    below,
                )
            }
            Rule::in_tail | Rule::not_in_tail => {
                let list = self.layer(self.next(&mut it.filter(|p| p.as_rule() == Rule::list), tail_span)?)?;
                let below = lhs.depth.max(list.depth);
                let kind = ExprKind::In {
                    value: Box::new(lhs.expr),
                    list: Box::new(list.expr),
                    negated: tail_rule == Rule::not_in_tail,
                };
                self.node(kind, span, below)
            }
            Rule::contains_tail => {
                let rhs = self.layer(self.next(&mut it.skip(1), tail_span)?)?;
                let below = lhs.depth.max(rhs.depth);
                self.node(
                    ExprKind::Contains {
                        lhs: Box::new(lhs.expr),
                        rhs: Box::new(rhs.expr),
                    },
                    span,
                    below,
                )
            }
            Rule::matches_tail => {
                let pattern = self.string(self.next(&mut it.skip(1), tail_span)?);
                self.node(
                    ExprKind::Matches {
                        lhs: Box::new(lhs.expr),
                        pattern,
                    },
                    span,
                    lhs.depth,
                )
            }
            Rule::mentions_tail => {
                let lexicon = self.ident(&self.next(&mut it.skip(1), tail_span)?);
                self.node(
                    ExprKind::Mentions {
                        lhs: Box::new(lhs.expr),
                        lexicon,
                    },
                    span,
                    lhs.depth,
                )
            }
            Rule::presence_tail => {
                let missing = it.nth(1).is_some_and(|p| p.as_rule() == Rule::kw_missing);
                let ExprKind::Path(path) = lhs.expr.kind else {
                    return Err(Diagnostic::at(
                        Code::Syntax,
                        lhs.expr.span,
                        "`is missing` and `is present` apply to a field path",
                    )
                    .with_help("write the field itself, as in `customer.tier is missing`"));
                };
                let path = Spanned::new(path, lhs.expr.span);
                self.node(ExprKind::Presence { path, missing }, span, 0)
            }
            _ => Err(self.broken(tail_span)),
        }
    }

    /// A parenthesised expression, list, quantifier, count, literal or path.
    fn operand(&self, pair: Pair<'_, Rule>) -> Result<Deep> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::list => {
                let items = children(pair)
                    .map(|p| {
                        self.literal(p).map(|l| Expr::new(ExprKind::Literal(l.node), l.span))
                    })
                    .collect::<Result<Vec<_>>>()?;
                self.node(ExprKind::List(items), span, 1)
            }
            Rule::quantified => self.quantified(pair),
            Rule::count => self.count(pair),
            Rule::boolean | Rule::number | Rule::string => {
                let lit = self.literal(pair)?;
                self.node(ExprKind::Literal(lit.node), span, 0)
            }
            Rule::path => self.node(ExprKind::Path(pair.as_str().to_string()), span, 0),
            _ => self.layer_or_broken(pair),
        }
    }

    fn layer_or_broken(&self, pair: Pair<'_, Rule>) -> Result<Deep> {
        match pair.as_rule() {
            Rule::expr | Rule::conjunction | Rule::negation | Rule::comparison => self.layer(pair),
            _ => Err(self.broken(self.span(&pair))),
        }
    }

    /// `any|every|no|last WHO message TEST`
    fn quantified(&self, pair: Pair<'_, Rule>) -> Result<Deep> {
        let span = self.span(&pair);
        let mut quantifier = None;
        let mut who = None;
        let mut test = None;
        for p in children(pair) {
            match p.as_rule() {
                Rule::quantifier => quantifier = quantifier_of(p.as_str()),
                Rule::who => who = who_of(p.as_str()),
                Rule::test_mentions | Rule::test_matches | Rule::test_where => test = Some(p),
                _ => {}
            }
        }
        let quantifier = quantifier.ok_or_else(|| self.broken(span))?;
        let test = test.ok_or_else(|| self.broken(span))?;
        let test_rule = test.as_rule();
        let test_span = self.span(&test);
        let arg = self.next(&mut children(test).skip(1), test_span)?;
        let (test, below) = match test_rule {
            Rule::test_mentions => (MessageTest::Mentions(self.ident(&arg)), 0),
            Rule::test_matches => (MessageTest::Matches(self.string(arg)), 0),
            _ => {
                let cond = self.layer(arg)?;
                (MessageTest::Where(Box::new(cond.expr)), cond.depth)
            }
        };
        self.node(ExprKind::Quantified { quantifier, who, test }, span, below)
    }

    /// `count(WHO messages (where EXPR)?)`
    fn count(&self, pair: Pair<'_, Rule>) -> Result<Deep> {
        let span = self.span(&pair);
        let mut who = None;
        let mut filter = None;
        for p in children(pair) {
            match p.as_rule() {
                Rule::who => who = who_of(p.as_str()),
                Rule::expr => filter = Some(self.layer(p)?),
                _ => {}
            }
        }
        let below = filter.as_ref().map_or(0, |f| f.depth);
        self.node(
            ExprKind::Count {
                who,
                filter: filter.map(|f| Box::new(f.expr)),
            },
            span,
            below,
        )
    }
}

fn cmp_op(s: &str) -> Option<CmpOp> {
    Some(match s {
        "==" => CmpOp::Eq,
        "!=" => CmpOp::Ne,
        "<" => CmpOp::Lt,
        "<=" => CmpOp::Le,
        ">" => CmpOp::Gt,
        ">=" => CmpOp::Ge,
        _ => return None,
    })
}

fn quantifier_of(s: &str) -> Option<Quantifier> {
    Some(match s {
        "any" => Quantifier::Any,
        "every" => Quantifier::Every,
        "no" => Quantifier::No,
        "last" => Quantifier::Last,
        _ => return None,
    })
}

fn who_of(s: &str) -> Option<Who> {
    Some(match s {
        "customer" => Who::Customer,
        "ai" => Who::Ai,
        "agent" => Who::Agent,
        _ => return None,
    })
}
