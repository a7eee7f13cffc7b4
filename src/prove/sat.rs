//! A thin layer over the CDCL solver (batsat, pure Rust): fresh literals, clauses, and Tseitin
//! gates that fold constants, plus the dual-rail form of a three-valued value.

use batsat::{BasicSolver, Lit, SolverInterface, lbool};

pub(super) struct Sat {
    solver: BasicSolver,
    /// A literal fixed to true.
    tru: Lit,
    /// Scratch marks by literal index, all clear between calls ([`Sat::and`] of many).
    marks: Vec<bool>,
}

/// A three-valued (Kleene) value as two literals: `t` (it is true) and `f` (it is false);
/// neither means unknown. Never both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Rail {
    pub t: Lit,
    pub f: Lit,
}

impl Rail {
    pub fn not(self) -> Rail {
        Rail { t: self.f, f: self.t }
    }
}

impl Sat {
    pub fn new() -> Sat {
        let mut solver = BasicSolver::default();
        let tru = Lit::new(solver.new_var_default(), true);
        solver.add_clause_reuse(&mut vec![tru]);
        Sat { solver, tru, marks: Vec::new() }
    }

    pub fn tru(&self) -> Lit {
        self.tru
    }

    pub fn fals(&self) -> Lit {
        !self.tru
    }

    /// A constant three-valued value (`None`: unknown).
    pub fn konst(&self, v: Option<bool>) -> Rail {
        match v {
            Some(true) => Rail { t: self.tru, f: !self.tru },
            Some(false) => Rail { t: !self.tru, f: self.tru },
            None => Rail { t: !self.tru, f: !self.tru },
        }
    }

    pub fn fresh(&mut self) -> Lit {
        Lit::new(self.solver.new_var_default(), true)
    }

    pub fn clause(&mut self, lits: &[Lit]) {
        if lits.contains(&self.tru) {
            return;
        }
        let mut c: Vec<Lit> = lits.iter().copied().filter(|&l| l != !self.tru).collect();
        self.solver.add_clause_reuse(&mut c);
    }

    /// A literal equivalent to the conjunction.
    pub fn and(&mut self, lits: &[Lit]) -> Lit {
        // The literals in their first order (clause order steers the solver, and so which
        // counterexample it finds). Many (an `or` over every class of a cell has thousands)
        // are seen through marks by literal index: scanning `ins` for each was quadratic.
        if lits.contains(&!self.tru) {
            return !self.tru;
        }
        let mut ins: Vec<Lit> = Vec::with_capacity(lits.len());
        if lits.len() <= 16 {
            for &l in lits {
                if ins.contains(&!l) {
                    return !self.tru;
                }
                if l != self.tru && !ins.contains(&l) {
                    ins.push(l);
                }
            }
        } else {
            let top = lits.iter().map(|l| l.idx() as usize | 1).max().unwrap_or(0);
            if self.marks.len() <= top {
                self.marks.resize(top + 1, false);
            }
            let mark = |marks: &[bool], l: Lit| marks.get(l.idx() as usize).copied().unwrap_or(false);
            let mut contradiction = false;
            for &l in lits {
                if mark(&self.marks, !l) {
                    contradiction = true;
                    break;
                }
                if l != self.tru && !mark(&self.marks, l) {
                    ins.push(l);
                    if let Some(m) = self.marks.get_mut(l.idx() as usize) {
                        *m = true;
                    }
                }
            }
            for l in &ins {
                if let Some(m) = self.marks.get_mut(l.idx() as usize) {
                    *m = false;
                }
            }
            if contradiction {
                return !self.tru;
            }
        }
        match ins.as_slice() {
            [] => self.tru,
            [one] => *one,
            _ => {
                let g = self.fresh();
                let mut back = vec![g];
                for &l in &ins {
                    self.solver.add_clause_reuse(&mut vec![!g, l]);
                    back.push(!l);
                }
                self.solver.add_clause_reuse(&mut back);
                g
            }
        }
    }

    /// A literal equivalent to the disjunction.
    pub fn or(&mut self, lits: &[Lit]) -> Lit {
        let negated: Vec<Lit> = lits.iter().map(|&l| !l).collect();
        !self.and(&negated)
    }

    /// Kleene `and` of several values.
    pub fn and3(&mut self, xs: &[Rail]) -> Rail {
        let t: Vec<Lit> = xs.iter().map(|x| x.t).collect();
        let f: Vec<Lit> = xs.iter().map(|x| x.f).collect();
        Rail { t: self.and(&t), f: self.or(&f) }
    }

    /// Kleene `or` of several values.
    pub fn or3(&mut self, xs: &[Rail]) -> Rail {
        let t: Vec<Lit> = xs.iter().map(|x| x.t).collect();
        let f: Vec<Lit> = xs.iter().map(|x| x.f).collect();
        Rail { t: self.or(&t), f: self.and(&f) }
    }

    /// `x` when `known`, else unknown.
    pub fn guard(&mut self, known: Lit, x: Rail) -> Rail {
        Rail { t: self.and(&[known, x.t]), f: self.and(&[known, x.f]) }
    }

    /// Exactly one of `lits` (pairwise for a few, a ladder of prefix literals for many).
    pub fn exactly_one(&mut self, lits: &[Lit]) {
        self.clause(lits);
        if lits.len() <= 6 {
            for (i, &a) in lits.iter().enumerate() {
                for &b in lits.iter().skip(i + 1) {
                    self.clause(&[!a, !b]);
                }
            }
            return;
        }
        // seen: one of the literals so far is true
        let mut seen: Option<Lit> = None;
        for &x in lits {
            let next = self.fresh();
            self.clause(&[!x, next]);
            if let Some(s) = seen {
                self.clause(&[!s, next]);
                self.clause(&[!x, !s]);
            }
            seen = Some(next);
        }
    }

    /// `Some(true)` satisfiable with the `assumed` literals true (a model is kept), `Some(false)`
    /// not, `None` gave up.
    pub fn solve(&mut self, assumed: &[Lit]) -> Option<bool> {
        let r = self.solver.solve_limited(assumed);
        if r == lbool::TRUE {
            Some(true)
        } else if r == lbool::FALSE {
            Some(false)
        } else {
            None
        }
    }

    /// The value of a literal in the last model.
    pub fn value(&self, l: Lit) -> bool {
        self.solver.value_lit(l) == lbool::TRUE
    }
}
