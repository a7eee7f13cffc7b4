//! The values a path may still take under a conjunction of simple facts: numeric bounds, a
//! finite set of allowed values, excluded values, presence.

use super::{Constraint, Value};
use crate::ast::{CmpOp, Type};
use smallvec::SmallVec;

/// The values a path may still take.
pub(super) struct Domain<'e> {
    /// Lower and upper bounds for numbers: value and whether the bound is strict.
    pub lo: (f64, bool),
    pub hi: (f64, bool),
    /// A finite set of possible values, when there is one.
    pub allowed: Option<SmallVec<[Value<'e>; 4]>>,
    pub excluded: SmallVec<[Value<'e>; 4]>,
    pub missing: Option<bool>,
    /// `is missing` together with `is present`.
    pub presence_conflict: bool,
}

impl<'e> Domain<'e> {
    pub fn of(ty: &'e Type) -> Domain<'e> {
        let allowed = match ty {
            Type::Bool => Some([Value::Bool(true), Value::Bool(false)].into_iter().collect()),
            Type::OneOf(options) => Some(options.iter().map(|o| Value::Str(o)).collect()),
            _ => None,
        };
        Domain {
            lo: (f64::NEG_INFINITY, false),
            hi: (f64::INFINITY, false),
            allowed,
            excluded: SmallVec::new(),
            missing: None,
            presence_conflict: false,
        }
    }

    /// Adds a constraint, or (`negated`) the constraint a known value meets when it is false.
    pub fn add(&mut self, c: &Constraint<'e>, negated: bool) {
        match c {
            Constraint::Cmp(op, v) => self.compare(if negated { op.negated() } else { *op }, *v),
            Constraint::In(values, not_in) if *not_in != negated => self.excluded.extend(values.iter().copied()),
            Constraint::In(values, _) => self.restrict(values),
            Constraint::Missing(m) => {
                let m = *m != negated;
                if self.missing.is_some_and(|old| old != m) {
                    self.presence_conflict = true;
                }
                self.missing = Some(m);
            }
        }
    }

    pub fn compare(&mut self, op: CmpOp, v: Value<'e>) {
        match (op, v) {
            (CmpOp::Eq, v) => self.restrict(&[v]),
            (CmpOp::Ne, v) => self.excluded.push(v),
            (CmpOp::Gt | CmpOp::Ge, Value::Number(n)) => {
                let strict = op == CmpOp::Gt;
                if n > self.lo.0 || (n == self.lo.0 && strict) {
                    self.lo = (n, strict);
                }
            }
            (_, Value::Number(n)) => {
                let strict = op == CmpOp::Lt;
                if n < self.hi.0 || (n == self.hi.0 && strict) {
                    self.hi = (n, strict);
                }
            }
            _ => {}
        }
    }

    pub fn restrict(&mut self, values: &[Value<'e>]) {
        let next = match self.allowed.take() {
            Some(old) => old.into_iter().filter(|v| values.contains(v)).collect(),
            None => values.iter().copied().collect(),
        };
        self.allowed = Some(next);
    }

    pub fn within_bounds(&self, v: &Value<'_>) -> bool {
        let Value::Number(n) = v else { return true };
        let above = *n > self.lo.0 || (*n == self.lo.0 && !self.lo.1);
        let below = *n < self.hi.0 || (*n == self.hi.0 && !self.hi.1);
        above && below
    }

    pub fn satisfiable(&self) -> bool {
        if self.presence_conflict {
            return false;
        }
        match &self.allowed {
            Some(values) => values
                .iter()
                .any(|v| !self.excluded.contains(v) && self.within_bounds(v)),
            None => {
                let (lo, hi) = (self.lo, self.hi);
                if lo.0 < hi.0 {
                    true // infinitely many numbers (or strings) remain
                } else {
                    lo.0 == hi.0 && !lo.1 && !hi.1 && !self.excluded.contains(&Value::Number(lo.0))
                }
            }
        }
    }
}
