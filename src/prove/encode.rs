//! Conditions as propositional formulas over the cells (`cells.rs`), in dual-rail form so that
//! three-valued logic is exact: a condition is true, false or unknown in a model exactly when
//! LANGUAGE.md §3–§5 make it so on the conversation the model stands for.
//!
//! Messages are a bounded list of *slots* (see [`super::bound`]): each present or not (present
//! slots come first), with a sender (customer, ai, agent, system, unknown), a text cell and a
//! sentiment cell; `messages` itself may be unknown (not a list). Quantifiers and `count` fold
//! over the slots with the v0.2 rules for unknown senders.

use super::cells::{Cell, Facts, State};
use super::sat::{Rail, Sat};
use super::text::{TextTest, Texts};
use crate::ast::{CmpOp, Expr, ExprKind, Literal};
use crate::eval::{V, compare};
use crate::schema::{self, Schema, SignalType};
use batsat::Lit;
use std::collections::{BTreeMap, HashMap};

/// Senders of a slot, in this order: customer, ai, agent, system, unknown.
pub(super) const SENDERS: usize = 5;

pub(super) struct Slot {
    pub present: Lit,
    pub sender: [Lit; SENDERS],
    pub text: Cell,
    pub sentiment: Cell,
    pub from: Cell,
}

pub(super) type Result<T> = std::result::Result<T, String>;

pub(super) struct Encoder<'s> {
    pub sat: Sat,
    pub texts: Texts,
    schema: &'s Schema,
    /// Cells of context paths, signals and built-ins, by path.
    pub cells: BTreeMap<String, Cell>,
    /// For each path prefix that may be present but not a mapping: its literal.
    pub broken: BTreeMap<String, Lit>,
    pub slots: Vec<Slot>,
    /// `messages` is present but not a list.
    pub messages_unknown: Lit,
    facts: HashMap<String, Facts>,
    cache: HashMap<(String, Option<usize>), Rail>,
}

/// What a test at the leaves asks of one cell.
enum Leaf<'e> {
    Cmp(CmpOp, &'e Literal),
    In(Vec<&'e Literal>, bool),
    Contains(&'e str),
    Text(TextTest),
    Presence(bool),
}

impl<'s> Encoder<'s> {
    /// An encoder whose messages have `slots` slots; `facts` gives, per path (message fields
    /// as `message.text` / `message.sentiment`), what conditions compare it with.
    pub fn new(schema: &'s Schema, texts: Texts, facts: HashMap<String, Facts>, slots: usize) -> Encoder<'s> {
        let mut sat = Sat::new();
        let messages_unknown = sat.fresh();
        let none = Facts::default();
        let mut out: Vec<Slot> = Vec::with_capacity(slots);
        for i in 0..slots {
            let present = sat.fresh();
            if let Some(prev) = out.last() {
                sat.clause(&[!present, prev.present]);
            }
            let sender = [(); SENDERS].map(|_| sat.fresh());
            sat.clause(&[!present, sender[0], sender[1], sender[2], sender[3], sender[4]]);
            for (a, &x) in sender.iter().enumerate() {
                sat.clause(&[present, !x]);
                for &y in sender.iter().skip(a + 1) {
                    sat.clause(&[!x, !y]);
                }
            }
            let text = Cell::text(&mut sat, facts.get("message.text").unwrap_or(&none));
            let range = (-1.0, 1.0);
            let sentiment = Cell::signal(&mut sat, true, range, false, facts.get("message.sentiment").unwrap_or(&none));
            let from = Cell::from(&sender);
            let _ = i;
            out.push(Slot { present, sender, text, sentiment, from });
        }
        Encoder {
            sat,
            texts,
            schema,
            cells: BTreeMap::new(),
            broken: BTreeMap::new(),
            slots: out,
            messages_unknown,
            facts,
            cache: HashMap::new(),
        }
    }

    /// Whether some condition reads a message's `sentiment`.
    pub fn uses_sentiment(&self) -> bool {
        self.facts.contains_key("message.sentiment")
    }

    /// The value of a condition; `slot` is the message that `text`, `sentiment` and `from`
    /// name (inside `where`).
    pub fn expr(&mut self, e: &Expr, slot: Option<usize>) -> Result<Rail> {
        let key = (crate::fmt::format_expr(e), slot);
        if let Some(r) = self.cache.get(&key) {
            return Ok(*r);
        }
        let r = self.expr_uncached(e, slot)?;
        self.cache.insert(key, r);
        Ok(r)
    }

    fn expr_uncached(&mut self, e: &Expr, slot: Option<usize>) -> Result<Rail> {
        static TRUE: Literal = Literal::Bool(true);
        match &e.kind {
            ExprKind::Literal(Literal::Bool(b)) => Ok(self.sat.konst(Some(*b))),
            ExprKind::Path(p) => self.leaf(p, slot, Leaf::Cmp(CmpOp::Eq, &TRUE)),
            ExprKind::Not(x) => Ok(self.expr(x, slot)?.not()),
            ExprKind::And(a, b) => {
                let (a, b) = (self.expr(a, slot)?, self.expr(b, slot)?);
                Ok(self.sat.and3(&[a, b]))
            }
            ExprKind::Or(a, b) => {
                let (a, b) = (self.expr(a, slot)?, self.expr(b, slot)?);
                Ok(self.sat.or3(&[a, b]))
            }
            ExprKind::Compare { op, lhs, rhs } => self.compare(*op, lhs, rhs, slot),
            ExprKind::In { value, list, negated } => {
                let (ExprKind::Path(p), ExprKind::List(items)) = (&value.kind, &list.kind) else {
                    return Err("`in` over something other than a field and a list of values".into());
                };
                let lits = items
                    .iter()
                    .map(|i| match &i.kind {
                        ExprKind::Literal(l) => Ok(l),
                        _ => Err("a list that holds more than values".to_string()),
                    })
                    .collect::<Result<Vec<_>>>()?;
                self.leaf(p, slot, Leaf::In(lits, *negated))
            }
            ExprKind::Contains { lhs, rhs } => match (&lhs.kind, &rhs.kind) {
                (ExprKind::Path(p), ExprKind::Literal(Literal::String(s))) => self.leaf(p, slot, Leaf::Contains(s)),
                _ => Err("`contains` with something other than a field and a string".into()),
            },
            ExprKind::Matches { lhs, pattern } => match &lhs.kind {
                ExprKind::Path(p) => self.leaf(p, slot, Leaf::Text(TextTest::Matches(pattern.node.clone()))),
                _ => Err("`matches` on something other than a field".into()),
            },
            ExprKind::Mentions { lhs, lexicon } => match &lhs.kind {
                ExprKind::Path(p) => self.leaf(p, slot, Leaf::Text(TextTest::Mentions(lexicon.node.clone()))),
                _ => Err("`mentions` on something other than a field".into()),
            },
            ExprKind::Presence { path, missing } => self.leaf(&path.node, slot, Leaf::Presence(*missing)),
            ExprKind::Quantified { quantifier, who, test } => self.quantified(*quantifier, *who, test),
            ExprKind::Count { .. } => Err("`count` used other than compared with a number".into()),
            ExprKind::Literal(_) | ExprKind::List(_) => Err("a value used as a condition".into()),
        }
    }

    fn compare(&mut self, op: CmpOp, lhs: &Expr, rhs: &Expr, slot: Option<usize>) -> Result<Rail> {
        match (&lhs.kind, &rhs.kind) {
            (ExprKind::Literal(a), ExprKind::Literal(b)) => Ok(self.sat.konst(compare(op, value(a), value(b)))),
            (ExprKind::Path(p), ExprKind::Literal(l)) => self.leaf(p, slot, Leaf::Cmp(op, l)),
            (ExprKind::Literal(l), ExprKind::Path(p)) => self.leaf(p, slot, Leaf::Cmp(flip(op), l)),
            (ExprKind::Count { who, filter }, ExprKind::Literal(Literal::Number(k))) => {
                self.count(*who, filter.as_deref(), op, *k)
            }
            (ExprKind::Literal(Literal::Number(k)), ExprKind::Count { who, filter }) => {
                self.count(*who, filter.as_deref(), flip(op), *k)
            }
            _ => Err("a comparison of two values that both come from the conversation".into()),
        }
    }

    /// A test on one cell: for each state of the cell, the test's value in that state.
    fn leaf(&mut self, path: &str, slot: Option<usize>, leaf: Leaf<'_>) -> Result<Rail> {
        let in_message = slot.is_some() && schema::MESSAGE_FIELDS.contains(&path);
        if !in_message {
            self.ensure_cell(path)?;
        }
        let Encoder { sat, texts, cells, slots, .. } = self;
        let cell = match (in_message, slot.and_then(|i| slots.get_mut(i))) {
            (true, Some(s)) => match path {
                "text" => &mut s.text,
                "sentiment" => &mut s.sentiment,
                _ => &mut s.from,
            },
            (true, None) => return Err("a message field outside a quantifier".into()),
            (false, _) => cells.get_mut(path).ok_or("an undeclared field")?,
        };
        if in_message && matches!(leaf, Leaf::Presence(_)) {
            return Err("`is missing` / `is present` on a message field".into());
        }
        let mut per_state: Vec<(Lit, Rail)> = Vec::with_capacity(cell.states.len());
        for i in 0..cell.states.len() {
            let Some((state, lit)) = cell.states.get(i).cloned() else { continue };
            let r = match (&state, &leaf) {
                (State::Other, Leaf::Text(t)) => {
                    let l = cell.text_lit(sat, t);
                    Rail { t: l, f: !l }
                }
                (State::Other, Leaf::Contains(s)) => {
                    let l = cell.text_lit(sat, &TextTest::Contains((*s).to_string()));
                    Rail { t: l, f: !l }
                }
                (State::Other, Leaf::Cmp(CmpOp::Eq | CmpOp::Ne, Literal::String(_))) | (State::Other, Leaf::In(..)) => {
                    let differs = matches!(leaf, Leaf::Cmp(CmpOp::Ne, _) | Leaf::In(_, true));
                    sat.konst(Some(differs))
                }
                (State::Other, Leaf::Cmp(..)) => return Err("a string compared by order".into()),
                (State::Present, Leaf::Contains(s)) => {
                    let l = cell.member_lit(sat, s);
                    Rail { t: l, f: !l }
                }
                (State::Present, Leaf::Presence(missing)) => sat.konst(Some(!missing)),
                // a `list` default: what an absent list holds
                (State::Missing, Leaf::Contains(s)) if cell.list_default.is_some() => {
                    sat.konst(Some(cell.list_default.iter().flatten().any(|e| e == s)))
                }
                (State::Present, _) => return Err("a list compared other than with `contains`".into()),
                _ => sat.konst(concrete(texts, &state, cell.default.as_ref(), &leaf)),
            };
            per_state.push((lit, r));
        }
        Ok(cell.fold(sat, &per_state))
    }

    /// Creates the cell of a context path, signal or built-in on first use.
    fn ensure_cell(&mut self, path: &str) -> Result<()> {
        if self.cells.contains_key(path) {
            return Ok(());
        }
        let none = Facts::default();
        let facts = self.facts.get(path).unwrap_or(&none);
        let cell = if let Some(&(_, ty, lo, hi)) = schema::SIGNALS.iter().find(|s| s.0 == path) {
            let integer = matches!(path, "signals.negative_streak" | "signals.repeated" | "signals.ai_turns");
            Cell::signal(&mut self.sat, ty == SignalType::Number, (lo, hi), integer, facts)
        } else {
            let field = self.schema.get(path).ok_or_else(|| format!("`{path}` is not declared"))?;
            let nested = path.contains('.');
            Cell::declared(&mut self.sat, &field.ty, field.default.as_ref(), facts, nested)
        };
        if cell.lit(&State::Broken).is_some() {
            let mut prefix = String::new();
            for seg in path.split('.').collect::<Vec<_>>().iter().rev().skip(1).rev() {
                if !prefix.is_empty() {
                    prefix.push('.');
                }
                prefix.push_str(seg);
                if !self.broken.contains_key(&prefix) {
                    let l = self.sat.fresh();
                    self.broken.insert(prefix.clone(), l);
                }
            }
        }
        self.cells.insert(path.to_string(), cell);
        Ok(())
    }

    /// Ties each cell to the prefixes above it that may be broken: a broken ancestor makes the
    /// cell `Broken` (or `Missing`, which reads the same, when it has no default); `Broken`
    /// needs a broken ancestor. Called once, after every condition is encoded.
    pub fn link_prefixes(&mut self) {
        for (path, cell) in &self.cells {
            if path.starts_with("signals.") {
                continue;
            }
            let above: Vec<Lit> = self
                .broken
                .iter()
                .filter(|(p, _)| path.starts_with(p.as_str()) && path.as_bytes().get(p.len()) == Some(&b'.'))
                .map(|(_, l)| *l)
                .collect();
            let target = cell.lit(&State::Broken).or_else(|| cell.lit(&State::Missing));
            if let Some(t) = target {
                for &a in &above {
                    self.sat.clause(&[!a, t]);
                }
            }
            if let Some(b) = cell.lit(&State::Broken) {
                let mut c = vec![!b];
                c.extend(&above);
                self.sat.clause(&c);
            }
        }
    }
}

/// The value of a test on a state that stands for one value (or for unknown).
fn concrete(texts: &mut Texts, state: &State, default: Option<&Literal>, leaf: &Leaf<'_>) -> Option<bool> {
    let missing = matches!(state, State::Missing | State::Broken);
    if let Leaf::Presence(want_missing) = leaf {
        return Some(missing == *want_missing);
    }
    let v: V<'_> = match state {
        State::Missing => default.map_or(V::Unknown, value),
        State::Val(l) => value(l),
        _ => V::Unknown,
    };
    if v.is_unknown() {
        return None;
    }
    match leaf {
        Leaf::Cmp(op, l) => compare(*op, v, value(l)),
        Leaf::In(items, negated) => {
            let mut r = Some(false);
            for item in items {
                r = crate::eval::tri_or(r, compare(CmpOp::Eq, v, value(item)));
            }
            if *negated { r.map(|b| !b) } else { r }
        }
        Leaf::Contains(s) => match v {
            V::Str(h) => Some(crate::eval::contains_ci(h, s)),
            _ => None,
        },
        Leaf::Text(t) => match v {
            V::Str(h) => texts.holds(t, h),
            _ => None,
        },
        Leaf::Presence(_) => None,
    }
}

pub(super) fn value(l: &Literal) -> V<'_> {
    match l {
        Literal::Bool(b) => V::Bool(*b),
        Literal::Number(n) => V::Num(*n),
        Literal::String(s) => V::Str(s),
    }
}

pub(super) fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}
