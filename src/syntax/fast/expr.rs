//! Expressions on the fast path: `expr` → `conjunction` → `negation` → `comparison` → operand,
//! as the grammar layers them, with lowering's spans and depths (`syntax/expr.rs`): a node
//! that is only a parenthesised expression takes the span of its innermost parentheses, and a
//! tree deeper than [`MAX_DEPTH`] is left to pest, which reports it.

use super::{Fast, NEST, is_path};
use crate::ast::{CmpOp, Expr, ExprKind, MAX_DEPTH, MessageTest, Quantifier, Who};
use crate::source::{Span, Spanned};

/// An expression, the depth of its tree, and whether it is a parenthesised expression alone.
pub(super) struct Deep {
    expr: Expr,
    depth: usize,
    paren: bool,
}

/// Words that begin an operator after an operand (`comparison_tail`).
const TAIL_WORDS: [&str; 6] = ["in", "not", "contains", "matches", "mentions", "is"];

impl Fast<'_> {
    /// An `expr`.
    pub(super) fn expr(&mut self) -> Option<Expr> {
        self.or().map(|d| d.expr)
    }

    /// A node over children of depth `below`; `None` beyond [`MAX_DEPTH`].
    fn node(&self, kind: ExprKind, span: Span, below: usize) -> Option<Deep> {
        let depth = below + 1;
        (depth <= MAX_DEPTH).then_some(Deep {
            expr: Expr { kind, span },
            depth,
            paren: false,
        })
    }

    /// One level deeper into parentheses, `where` or `count`; `None` beyond [`NEST`].
    fn enter(&mut self) -> Option<()> {
        self.nest += 1;
        (self.nest <= NEST).then_some(())
    }

    fn leave(&mut self) {
        self.nest = self.nest.saturating_sub(1);
    }

    /// `a or b` / `a and b`, spanning both operands.
    fn join(&self, a: Deep, b: Deep, make: fn(Box<Expr>, Box<Expr>) -> ExprKind) -> Option<Deep> {
        let span = a.expr.span.to(b.expr.span);
        let below = a.depth.max(b.depth);
        self.node(make(Box::new(a.expr), Box::new(b.expr)), span, below)
    }

    /// `conjunction (or conjunction)*`, grouped to the left.
    fn or(&mut self) -> Option<Deep> {
        let mut acc = self.and()?;
        while self.keyword("or").is_some() {
            let rhs = self.and()?;
            acc = self.join(acc, rhs, ExprKind::Or)?;
        }
        Some(acc)
    }

    /// `negation (and negation)*`, grouped to the left.
    fn and(&mut self) -> Option<Deep> {
        let mut acc = self.negation()?;
        while self.keyword("and").is_some() {
            let rhs = self.negation()?;
            acc = self.join(acc, rhs, ExprKind::And)?;
        }
        Some(acc)
    }

    /// `not* comparison`; each `not` spans from itself to the end of what it negates.
    fn negation(&mut self) -> Option<Deep> {
        let mut nots = Vec::new();
        while let Some(t) = self.keyword("not") {
            nots.push(t.start);
        }
        let mut acc = self.comparison()?;
        for start in nots.into_iter().rev() {
            let span = Span::new(self.file, start, acc.expr.span.end as usize);
            acc = self.node(ExprKind::Not(Box::new(acc.expr)), span, acc.depth)?;
        }
        Some(acc)
    }

    /// Whether the next token begins an operator after an operand.
    fn at_tail(&self) -> bool {
        self.peek().is_some_and(|t| {
            TAIL_WORDS.contains(&self.word_of(t)) || [b'=', b'!', b'<', b'>'].iter().any(|&c| self.is_char(t, c))
        })
    }

    /// An operand with at most one operator after it. A second operator (comparisons do not
    /// chain) is left to pest and lowering.
    fn comparison(&mut self) -> Option<Deep> {
        let first = self.peek()?;
        let lhs = self.operand()?;
        if !self.at_tail() {
            return Some(lhs);
        }
        let out = self.tail(lhs)?;
        let span = self.span_from(first);
        if self.at_tail() {
            return None;
        }
        let (kind, below) = out;
        self.node(kind, span, below)
    }

    /// The operator after `lhs` and its right side: the node's kind and the depth below it.
    fn tail(&mut self, lhs: Deep) -> Option<(ExprKind, usize)> {
        let t = self.bump()?;
        let lhs_depth = lhs.depth;
        let lhs = Box::new(lhs.expr);
        Some(match self.word_of(t) {
            word @ ("in" | "not") => {
                if word == "not" {
                    self.keyword("in")?;
                }
                let list = self.list()?;
                let below = lhs_depth.max(list.depth);
                let kind = ExprKind::In {
                    value: lhs,
                    list: Box::new(list.expr),
                    negated: word == "not",
                };
                (kind, below)
            }
            "contains" => {
                let rhs = self.operand()?;
                let below = lhs_depth.max(rhs.depth);
                let rhs = Box::new(rhs.expr);
                (ExprKind::Contains { lhs, rhs }, below)
            }
            "matches" => {
                let pattern = self.string()?;
                (ExprKind::Matches { lhs, pattern }, lhs_depth)
            }
            "mentions" => {
                let lexicon = self.ident()?;
                (ExprKind::Mentions { lhs, lexicon }, lhs_depth)
            }
            "is" => {
                let missing = match self.bump().map(|w| self.word_of(w)) {
                    Some("missing") => true,
                    Some("present") => false,
                    _ => return None,
                };
                // Only a path may be missing; lowering reports anything else.
                let Expr {
                    kind: ExprKind::Path(path),
                    span,
                } = *lhs
                else {
                    return None;
                };
                let path = Spanned::new(path, span);
                (ExprKind::Presence { path, missing }, 0)
            }
            _ => {
                let op = self.cmp_op(t)?;
                let rhs = self.operand()?;
                let below = lhs_depth.max(rhs.depth);
                let rhs = Box::new(rhs.expr);
                (ExprKind::Compare { op, lhs, rhs }, below)
            }
        })
    }

    /// `== != < <= > >=`, written without a gap; `first` is already taken.
    fn cmp_op(&mut self, first: super::Token) -> Option<CmpOp> {
        let second = self.peek().filter(|s| s.start == first.end && self.is_char(*s, b'='));
        let op = match (self.text.as_bytes().get(first.start)?, second.is_some()) {
            (b'=', true) => CmpOp::Eq,
            (b'!', true) => CmpOp::Ne,
            (b'<', true) => CmpOp::Le,
            (b'>', true) => CmpOp::Ge,
            (b'<', false) => CmpOp::Lt,
            (b'>', false) => CmpOp::Gt,
            _ => return None,
        };
        if second.is_some() {
            self.at += 1;
        }
        Some(op)
    }

    /// A parenthesised expression, list, quantifier, count, literal or path.
    fn operand(&mut self) -> Option<Deep> {
        let t = self.peek()?;
        if self.is_char(t, b'(') {
            return self.paren();
        }
        if self.is_char(t, b'[') {
            return self.list();
        }
        let word = self.word_of(t);
        if is_path(word) {
            self.at += 1;
            let span = self.token_span(t);
            return self.node(ExprKind::Path(word.to_string()), span, 0);
        }
        let quantifier = match word {
            "any" => Quantifier::Any,
            "every" => Quantifier::Every,
            "no" => Quantifier::No,
            "last" => Quantifier::Last,
            "count" => return self.count(),
            _ => {
                let lit = self.literal()?;
                return self.node(ExprKind::Literal(lit.node), lit.span, 0);
            }
        };
        self.quantified(quantifier)
    }

    /// `( EXPR )`: the expression, spanning the parentheses unless it is itself only a
    /// parenthesised expression (lowering keeps the innermost parentheses).
    fn paren(&mut self) -> Option<Deep> {
        let open = self.bracket(b'(')?;
        self.enter()?;
        let mut inner = self.or()?;
        self.leave();
        self.bracket(b')')?;
        if !inner.paren {
            inner.expr.span = self.span_from(open);
            inner.paren = true;
        }
        Some(inner)
    }

    /// `[a, b, …]` of literals.
    fn list(&mut self) -> Option<Deep> {
        let first = self.peek()?;
        let items = self.listed(b'[', b']', |p| {
            p.literal().map(|l| Expr {
                kind: ExprKind::Literal(l.node),
                span: l.span,
            })
        })?;
        self.node(ExprKind::List(items), self.span_from(first), 1)
    }

    /// `customer`, `ai` or `agent`, if there.
    fn who(&mut self) -> Option<Who> {
        self.one_of(&[("customer", Who::Customer), ("ai", Who::Ai), ("agent", Who::Agent)])
            .map(|(who, _)| who)
    }

    /// `any|every|no|last WHO message TEST`; the quantifier is the next token.
    fn quantified(&mut self, quantifier: Quantifier) -> Option<Deep> {
        let first = self.bump()?;
        let who = self.who();
        self.keyword("message")?;
        let t = self.bump()?;
        let (test, below) = match self.word_of(t) {
            "mentions" => (MessageTest::Mentions(self.ident()?), 0),
            "matches" => (MessageTest::Matches(self.string()?), 0),
            "where" => {
                self.enter()?;
                let cond = self.negation()?;
                self.leave();
                (MessageTest::Where(Box::new(cond.expr)), cond.depth)
            }
            _ => return None,
        };
        let kind = ExprKind::Quantified { quantifier, who, test };
        self.node(kind, self.span_from(first), below)
    }

    /// `count(WHO messages)` / `count(WHO messages where EXPR)`
    fn count(&mut self) -> Option<Deep> {
        let first = self.keyword("count")?;
        self.bracket(b'(')?;
        let who = self.who();
        self.keyword("messages")?;
        let mut filter = None;
        if self.keyword("where").is_some() {
            self.enter()?;
            filter = Some(self.or()?);
            self.leave();
        }
        self.bracket(b')')?;
        let below = filter.as_ref().map_or(0, |f| f.depth);
        let kind = ExprKind::Count {
            who,
            filter: filter.map(|f| Box::new(f.expr)),
        };
        self.node(kind, self.span_from(first), below)
    }
}
