//! Quantifiers and `count` over the message slots, with LANGUAGE.md §4–§5 (v0.2): a message of
//! unknown sender is WHO's with unknown membership; `any` is the `or` of (from WHO `and` P),
//! `every` the `and` of (not from WHO `or` P), `no` is `not any`; `count` is unknown when some
//! message's (from WHO `and` P) is unknown; `last` follows the rule for unknown senders; and
//! everything over `messages` that is not a list is unknown.

use super::encode::{Encoder, Result, Slot};
use super::sat::Rail;
use crate::ast::{CmpOp, Expr, MessageTest, Quantifier, Who};
use batsat::Lit;

impl Encoder<'_> {
    pub(super) fn quantified(&mut self, q: Quantifier, who: Option<Who>, test: &MessageTest) -> Result<Rail> {
        let n = self.slots.len();
        let mut parts: Vec<Rail> = Vec::with_capacity(n);
        let mut last = self.sat.konst(Some(false));
        for i in 0..n {
            let p = self.test(test, i)?;
            let Some(slot) = self.slots.get(i) else { continue };
            let (present, unknown_sender) = (slot.present, slot.sender[4]);
            let w = self.sent_by(who, i);
            match q {
                Quantifier::Any | Quantifier::No => {
                    let m = self.sat.and3(&[w, p]);
                    parts.push(self.mask(present, m, false));
                }
                Quantifier::Every => {
                    let m = self.sat.or3(&[w.not(), p]);
                    parts.push(self.mask(present, m, true));
                }
                Quantifier::Last => {
                    // WHO's: P; unknown sender: P when it agrees with what came before, else
                    // unknown; anyone else (or no message): what came before.
                    let is_who = if who.is_none() { present } else { w.t };
                    let is_unknown = if who.is_none() { self.sat.fals() } else { self.sat.and(&[present, unknown_sender]) };
                    let neither = self.sat.and(&[!is_who, !is_unknown]);
                    let t = [
                        self.sat.and(&[is_who, p.t]),
                        self.sat.and(&[is_unknown, p.t, last.t]),
                        self.sat.and(&[neither, last.t]),
                    ];
                    let f = [
                        self.sat.and(&[is_who, p.f]),
                        self.sat.and(&[is_unknown, p.f, last.f]),
                        self.sat.and(&[neither, last.f]),
                    ];
                    last = Rail { t: self.sat.or(&t), f: self.sat.or(&f) };
                }
            }
        }
        let folded = match q {
            Quantifier::Any => self.sat.or3(&parts),
            Quantifier::No => self.sat.or3(&parts).not(),
            Quantifier::Every => self.sat.and3(&parts),
            Quantifier::Last => last,
        };
        let known = !self.messages_unknown;
        Ok(self.sat.guard(known, folded))
    }

    /// What a quantifier asks of slot `i`.
    fn test(&mut self, test: &MessageTest, i: usize) -> Result<Rail> {
        use crate::ast::ExprKind;
        use crate::source::Spanned;
        let text = || Box::new(Expr::new(ExprKind::Path("text".into()), crate::source::Span::default()));
        let e = match test {
            MessageTest::Where(x) => return self.expr(x, Some(i)),
            MessageTest::Mentions(l) => Expr::new(
                ExprKind::Mentions { lhs: text(), lexicon: Spanned::new(l.node.clone(), l.span) },
                l.span,
            ),
            MessageTest::Matches(p) => Expr::new(
                ExprKind::Matches { lhs: text(), pattern: Spanned::new(p.node.clone(), p.span) },
                p.span,
            ),
        };
        self.expr(&e, Some(i))
    }

    /// `x` on a present slot; `absent` on a slot that is not there.
    fn mask(&mut self, present: Lit, x: Rail, absent: bool) -> Rail {
        if absent {
            Rail { t: self.sat.or(&[!present, x.t]), f: self.sat.and(&[present, x.f]) }
        } else {
            Rail { t: self.sat.and(&[present, x.t]), f: self.sat.or(&[!present, x.f]) }
        }
    }

    /// Whether slot `i` is WHO's (without WHO: every present message is).
    fn sent_by(&mut self, who: Option<Who>, i: usize) -> Rail {
        let Some(slot) = self.slots.get(i) else {
            return self.sat.konst(Some(false));
        };
        let Slot { present, sender, .. } = *slot;
        let Some(who) = who else {
            return Rail { t: present, f: !present };
        };
        let k = match who {
            Who::Customer => 0,
            Who::Ai => 1,
            Who::Agent => 2,
        };
        let [c, a, g, s, _] = sender;
        let mine = [c, a, g].get(k).copied().unwrap_or(c);
        let others: Vec<Lit> = [c, a, g, s].into_iter().filter(|&l| l != mine).collect();
        Rail { t: mine, f: self.sat.or(&others) }
    }

    /// `count(WHO messages [where P]) op k`.
    pub(super) fn count(&mut self, who: Option<Who>, filter: Option<&Expr>, op: CmpOp, k: f64) -> Result<Rail> {
        let n = self.slots.len();
        let mut counted: Vec<Lit> = Vec::with_capacity(n);
        let mut known: Vec<Lit> = Vec::with_capacity(n);
        for i in 0..n {
            let p = match filter {
                Some(x) => self.expr(x, Some(i))?,
                None => self.sat.konst(Some(true)),
            };
            let Some(present) = self.slots.get(i).map(|s| s.present) else { continue };
            let w = self.sent_by(who, i);
            let m = self.sat.and3(&[w, p]);
            let m = self.mask(present, m, false);
            counted.push(m.t);
            known.push(self.sat.or(&[m.t, m.f]));
        }
        // at_least[j]: at least j slots are counted (sequential counter)
        let top = n + 1;
        let mut at_least: Vec<Lit> = vec![self.sat.tru()];
        at_least.extend((1..=top).map(|_| self.sat.fals()));
        for &c in &counted {
            let mut next = at_least.clone();
            for j in 1..=top {
                let (Some(&same), Some(&one_less)) = (at_least.get(j), at_least.get(j - 1)) else { continue };
                let step = self.sat.and(&[c, one_less]);
                if let Some(slot) = next.get_mut(j) {
                    *slot = self.sat.or(&[same, step]);
                }
            }
            at_least = next;
        }
        let never = self.sat.fals();
        let ge = |j: f64| -> Lit {
            let idx = if j <= 0.0 { 0 } else { usize::try_from(j as i64).unwrap_or(usize::MAX).min(top) };
            at_least.get(idx).copied().unwrap_or(never)
        };
        let holds = match op {
            CmpOp::Ge => ge(k.ceil()),
            CmpOp::Gt => ge(k.floor() + 1.0),
            CmpOp::Le => !ge(k.floor() + 1.0),
            CmpOp::Lt => !ge(k.ceil()),
            CmpOp::Eq | CmpOp::Ne => {
                let eq = if k.fract() == 0.0 {
                    let (a, b) = (ge(k), ge(k + 1.0));
                    self.sat.and(&[a, !b])
                } else {
                    self.sat.fals()
                };
                if op == CmpOp::Eq { eq } else { !eq }
            }
        };
        let all_known = self.sat.and(&known);
        let ok = self.sat.and(&[all_known, !self.messages_unknown]);
        Ok(Rail { t: self.sat.and(&[ok, holds]), f: self.sat.and(&[ok, !holds]) })
    }
}
