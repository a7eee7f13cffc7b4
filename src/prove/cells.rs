//! The finite picture of a conversation the prover reasons over.
//!
//! Every value a condition reads is a *cell* whose possible states are finitely many classes:
//! absent (its default, or unknown), present with the wrong type (unknown), below an ancestor
//! that is not a mapping (unknown and missing), or a value. Values are split only where some
//! condition can tell them apart: numbers at every threshold they are compared with (points and
//! the open intervals between them, inside a signal's range, whole numbers where the signal is
//! a count); strings into each literal they are compared with plus *any other string*, whose
//! `mentions` / `matches` / `contains` tests are free booleans realized later by a text
//! (`text.rs`); lists by which compared elements they hold.

use super::sat::{Rail, Sat};
use super::text::TextTest;
use crate::ast::{FieldDefault, Literal, Type};
use batsat::Lit;

/// One class of values of a cell.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum State {
    /// Absent or `null`: the default, or unknown; `is missing` holds.
    Missing,
    /// Below an ancestor that is present but not a mapping: unknown, and `is missing` holds.
    Broken,
    /// Present with the wrong type (or out of range, for a signal): unknown.
    Wrong,
    /// This value.
    Val(Literal),
    /// A string equal to none of the cell's literals; its text tests are [`Cell::texts`].
    Other,
    /// A list of strings holding exactly the elements whose [`Cell::members`] literal is true.
    Present,
}

/// What kind of value a cell holds when it is not unknown.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Kind {
    Bool,
    Number,
    Str,
    List,
}

#[derive(Debug)]
pub(super) struct Cell {
    pub kind: Kind,
    pub default: Option<Literal>,
    /// A `list` field's default: what [`State::Missing`] holds.
    pub list_default: Option<Vec<String>>,
    /// Each state with the literal that says the cell is in it (exactly one holds).
    pub states: Vec<(State, Lit)>,
    /// For [`State::Other`]: each text test and whether it holds.
    pub texts: Vec<(TextTest, Lit)>,
    /// For [`State::Present`]: each compared element and whether the list holds it.
    pub members: Vec<(String, Lit)>,
}

/// What the conditions compare a path with.
#[derive(Clone, Debug, Default)]
pub(super) struct Facts {
    pub numbers: Vec<f64>,
    pub strings: Vec<String>,
}

impl Cell {
    /// A cell of a declared path (or a built-in) of type `ty`. `nested_default`: the path has
    /// an ancestor and a default, so it can be unknown while absent.
    pub fn declared(sat: &mut Sat, ty: &Type, default: Option<&FieldDefault>, facts: &Facts, nested: bool) -> Cell {
        let (default, list_default) = match default {
            Some(FieldDefault::Literal(l)) => (Some(l.clone()), None),
            Some(FieldDefault::List(items)) => {
                let strings = items.iter().filter_map(|i| match i {
                    Literal::String(s) => Some(s.clone()),
                    _ => None,
                });
                (None, Some(strings.collect::<Vec<_>>()))
            }
            None => (None, None),
        };
        // below an ancestor, a path with a default can be unknown while absent
        let broken = nested && (default.is_some() || list_default.is_some());
        let mut cell = Cell::declared_of(sat, ty, default, facts, broken);
        cell.list_default = list_default;
        cell
    }

    fn declared_of(sat: &mut Sat, ty: &Type, default: Option<Literal>, facts: &Facts, broken: bool) -> Cell {
        let mut states = vec![State::Missing, State::Wrong];
        if broken {
            states.push(State::Broken);
        }
        let kind = match ty {
            Type::Bool => {
                states.extend([true, false].map(|b| State::Val(Literal::Bool(b))));
                Kind::Bool
            }
            Type::Number => {
                states.extend(numbers(&facts.numbers, None, false).into_iter().map(|n| State::Val(Literal::Number(n))));
                Kind::Number
            }
            Type::String => {
                states.extend(strings(&facts.strings).into_iter().map(|s| State::Val(Literal::String(s))));
                states.push(State::Other);
                Kind::Str
            }
            Type::OneOf(options) => {
                states.extend(options.iter().map(|s| State::Val(Literal::String(s.clone()))));
                Kind::Str
            }
            Type::List => {
                states.push(State::Present);
                Kind::List
            }
        };
        Cell::new(sat, kind, default, states)
    }

    /// A signal: any value of its type in its range (whole numbers for counts), or unknown.
    pub fn signal(sat: &mut Sat, number: bool, range: (f64, f64), integer: bool, facts: &Facts) -> Cell {
        let mut states = vec![State::Wrong];
        let kind = if number {
            let ns = numbers(&facts.numbers, Some(range), integer);
            states.extend(ns.into_iter().map(|n| State::Val(Literal::Number(n))));
            Kind::Number
        } else {
            states.extend([true, false].map(|b| State::Val(Literal::Bool(b))));
            Kind::Bool
        };
        Cell::new(sat, kind, None, states)
    }

    /// A message's text: unknown, one of the compared literals, or any other string.
    pub fn text(sat: &mut Sat, facts: &Facts) -> Cell {
        let mut states = vec![State::Wrong];
        states.extend(strings(&facts.strings).into_iter().map(|s| State::Val(Literal::String(s))));
        states.push(State::Other);
        Cell::new(sat, Kind::Str, None, states)
    }

    /// A message's sender as `from` reads it, over the sender literals of its slot
    /// (customer, ai, agent, system, unknown).
    pub fn from(senders: &[Lit; 5]) -> Cell {
        let names = ["customer", "ai", "agent", "system"];
        let mut states: Vec<(State, Lit)> = names
            .iter()
            .zip(senders.iter())
            .map(|(n, &l)| (State::Val(Literal::String((*n).to_string())), l))
            .collect();
        states.push((State::Wrong, senders[4]));
        Cell { kind: Kind::Str, default: None, list_default: None, states, texts: Vec::new(), members: Vec::new() }
    }

    fn new(sat: &mut Sat, kind: Kind, default: Option<Literal>, states: Vec<State>) -> Cell {
        let states: Vec<(State, Lit)> = states.into_iter().map(|s| (s, sat.fresh())).collect();
        let lits: Vec<Lit> = states.iter().map(|(_, l)| *l).collect();
        sat.exactly_one(&lits);
        Cell { kind, default, list_default: None, states, texts: Vec::new(), members: Vec::new() }
    }

    /// The literal of a state, if the cell has it.
    pub fn lit(&self, state: &State) -> Option<Lit> {
        self.states.iter().find(|(s, _)| s == state).map(|(_, l)| *l)
    }

    /// The literal for "the text test holds" in the `Other` state (created on first use).
    pub fn text_lit(&mut self, sat: &mut Sat, test: &TextTest) -> Lit {
        if let Some((_, l)) = self.texts.iter().find(|(t, _)| t == test) {
            return *l;
        }
        let l = sat.fresh();
        self.texts.push((test.clone(), l));
        l
    }

    /// The literal for "the list holds `element`" in the `Present` state.
    pub fn member_lit(&mut self, sat: &mut Sat, element: &str) -> Lit {
        if let Some((_, l)) = self.members.iter().find(|(m, _)| m == element) {
            return *l;
        }
        let l = sat.fresh();
        self.members.push((element.to_string(), l));
        l
    }

    /// The three-valued value of a test given, for each state, its value as a literal pair
    /// (`Some(rail)`); states are summed up as "in this state and the test is true".
    pub fn fold(&self, sat: &mut Sat, per_state: &[(Lit, Rail)]) -> Rail {
        let t: Vec<Lit> = per_state.iter().map(|&(s, r)| sat.and(&[s, r.t])).collect();
        let f: Vec<Lit> = per_state.iter().map(|&(s, r)| sat.and(&[s, r.f])).collect();
        Rail { t: sat.or(&t), f: sat.or(&f) }
    }
}

/// Representatives of every class the thresholds split numbers into: each threshold, a number
/// between each two, and one beyond each end; restricted to `range` (closed) and to whole
/// numbers when `integer`.
pub(super) fn numbers(thresholds: &[f64], range: Option<(f64, f64)>, integer: bool) -> Vec<f64> {
    let mut ts: Vec<f64> = thresholds.iter().copied().filter(|t| t.is_finite()).collect();
    if let Some((lo, hi)) = range {
        ts.extend([lo, hi].into_iter().filter(|x| x.is_finite()));
    }
    ts.sort_by(f64::total_cmp);
    ts.dedup();
    let mut out: Vec<f64> = Vec::new();
    // Beyond 2^53, `t + 1` is `t` again: the neighbouring float is then the next number (and
    // a whole one), so that no class loses its representative.
    let above = |c: f64, t: f64| if c > t { c } else { t.next_up() };
    let below = |c: f64, t: f64| if c < t { c } else { t.next_down() };
    let next_int_above = |t: f64| above(t.floor() + 1.0, t);
    let next_int_below = |t: f64| below(t.ceil() - 1.0, t);
    match (ts.first(), ts.last()) {
        (Some(&first), Some(&last)) => {
            out.push(if integer { next_int_below(first) } else { below(first - 1.0, first) });
            out.push(if integer { next_int_above(last) } else { above(last + 1.0, last) });
        }
        _ => out.push(0.0),
    }
    for (i, &t) in ts.iter().enumerate() {
        out.push(t);
        if let Some(&u) = ts.get(i + 1) {
            let mid = if integer { next_int_above(t) } else { between(t, u) };
            if mid > t && mid < u {
                out.push(mid);
            }
        }
    }
    out.retain(|&x| {
        range.is_none_or(|(lo, hi)| x >= lo && x <= hi) && (!integer || x.fract() == 0.0) && x.is_finite()
    });
    out.sort_by(f64::total_cmp);
    out.dedup();
    out
}

/// A round number strictly between `t` and `u` (`t < u`): the one with the fewest decimals.
fn between(t: f64, u: f64) -> f64 {
    let mut scale = 1.0;
    for _ in 0..12 {
        let k = (t * scale).round();
        for c in [k - 1.0, k, k + 1.0, k + 2.0].map(|k| k / scale) {
            if c > t && c < u {
                return c;
            }
        }
        scale *= 10.0;
    }
    t + (u - t) / 2.0
}

fn strings(lits: &[String]) -> Vec<String> {
    let mut out = lits.to_vec();
    out.sort();
    out.dedup();
    out
}
