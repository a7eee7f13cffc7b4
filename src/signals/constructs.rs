//! Constructs: small grammars over word roles (`constructs.txt`), matched in one message.
//!
//! A pattern is tried only at the words its first element accepts (the lexicon pass lists
//! them), inside one clause. Between two elements a construct may skip up to two soft words
//! (`just`, `really`) and negators; a skipped negator negates the match (`je ne veux pas
//! mourir`). A crisis match then passes three guards:
//! - **negation**: no crisis negator in the three words before it, within its clause and up to a
//!   barrier word (`I'm not suicidal`, `I don't want to die`; `but` ends the reach);
//! - **someone else**: unless the match itself names the writer as object (`kill me`, `without
//!   me`), the nearest subject before it in the clause must not be someone else (`my son says
//!   he wants to die`, `sorry you feel hopeless`);
//! - **unless**: no word of the construct's `unless` roles in the clause (`can't breathe from
//!   laughing`).
//!
//! Every construct may also name a `subject` (the nearest person or such word before the match
//! must be such a word: `the parcel was empty`, not `my life is empty`) and a `with` role (a word
//! of it must be in the message: `I'm crying, it's so cute`).

use super::lexicon::{Hits, LEXICON, role::*};
use super::rules::{Bloom, Construct, ConstructKind, Element, Repeat};
use super::text::Normalized;

/// One construct match: words `start..end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found {
    pub start: usize,
    pub end: usize,
    pub kind: ConstructKind,
}

/// How far a pattern may reach: clause bounds and what the path consumed.
#[derive(Clone, Copy, Default)]
struct Path {
    negated: bool,
    names_writer: bool,
}

struct Ctx<'a> {
    norm: &'a Normalized,
    hits: &'a Hits,
    /// End (exclusive) of the clause being matched.
    clause_end: usize,
    /// The roles of all the message's words together.
    all_roles: u64,
}

impl Ctx<'_> {
    fn role(&self, i: usize) -> u64 {
        self.hits.roles.get(i).copied().unwrap_or(0)
    }

    fn accepts(&self, e: &Element, i: usize) -> bool {
        i < self.clause_end
            && (e.any || self.role(i) & e.roles != 0 || {
                let w = self.norm.word(i);
                e.words.iter().any(|x| x == w)
            })
    }

    /// Matches `elements` from word `i`; the end of the match and what it consumed.
    fn match_at(&self, elements: &[Element], i: usize, path: Path, skips: u8) -> Option<(usize, Path)> {
        let Some((e, rest)) = elements.split_first() else {
            return Some((i, path));
        };
        let here = match e.repeat {
            Repeat::One => self.step(e, rest, i, path),
            Repeat::Optional => self.step(e, rest, i, path).or_else(|| self.match_at(rest, i, path, 0)),
            Repeat::Many | Repeat::Gap => {
                let max = if e.repeat == Repeat::Gap { 6 } else { 3 };
                (0..=max).find_map(|n| {
                    let end = i + n;
                    if (i..end).all(|k| self.accepts(e, k)) {
                        self.match_at(rest, end, self.consumed(path, i, end), 0)
                    } else {
                        None
                    }
                })
            }
            Repeat::Not => {
                let ok = !self.accepts(e, i);
                ok.then(|| self.match_at(rest, i, path, 0)).flatten()
            }
            Repeat::End => self.at_end(i).then(|| self.match_at(rest, i, path, 0)).flatten(),
        };
        let here = here.or_else(|| {
            (e.or_end && e.repeat == Repeat::One && self.at_end(i))
                .then(|| self.match_at(rest, i, path, 0))
                .flatten()
        });
        if here.is_some() {
            return here;
        }
        // skip a soft word or a negator between two elements
        let r = self.role(i);
        if skips < 2 && i < self.clause_end && r & (SOFT | CRISIS_NEGATOR) != 0 {
            let path = Path { negated: path.negated || r & CRISIS_NEGATOR != 0 && r & SOFT == 0, ..path };
            return self.match_at(elements, i + 1, path, skips + 1);
        }
        None
    }

    /// The clause ends at word `i` (soft words aside), or a barrier word starts there.
    fn at_end(&self, i: usize) -> bool {
        let mut k = i;
        while k < self.clause_end && self.role(k) & SOFT != 0 {
            k += 1;
        }
        k >= self.clause_end || self.role(k) & BARRIER != 0
    }

    /// A quick test before [`Ctx::match_at`]: a second element that must take a word accepts
    /// one of the next three words (soft words and negators may stand between).
    fn may_match(&self, elements: &[Element], start: usize) -> bool {
        let Some(second) = elements.get(1) else { return true };
        if second.repeat != Repeat::One || second.any || second.or_end {
            return true;
        }
        (start + 1..start + 4).any(|k| self.accepts(second, k))
    }

    fn step(&self, e: &Element, rest: &[Element], i: usize, path: Path) -> Option<(usize, Path)> {
        if !self.accepts(e, i) {
            return None;
        }
        self.match_at(rest, i + 1, self.consumed(path, i, i + 1), 0)
    }

    fn consumed(&self, path: Path, from: usize, to: usize) -> Path {
        let names = (from..to).any(|k| self.role(k) & (SELF | WRITER) != 0);
        Path { names_writer: path.names_writer || names, ..path }
    }

    /// The words before `start` in its clause, nearest first, up to a barrier word.
    fn before(&self, start: usize) -> impl Iterator<Item = usize> + '_ {
        let mut k = start;
        std::iter::from_fn(move || {
            if k == 0 || self.clause_start(k) {
                return None;
            }
            k -= 1;
            (self.role(k) & BARRIER == 0).then_some(k)
        })
    }

    fn clause_start(&self, i: usize) -> bool {
        self.norm.words.get(i).is_some_and(|w| w.clause_start)
    }

    /// The crisis guards (module doc).
    fn crisis_holds(&self, start: usize, path: Path) -> bool {
        if path.negated || self.before(start).take(3).any(|k| self.role(k) & CRISIS_NEGATOR != 0) {
            return false;
        }
        if !path.names_writer {
            let subject = self
                .before(start)
                .take(8)
                .map(|k| self.role(k) & (FIRST_PERSON | THIRD))
                .find(|r| *r != 0);
            if subject.is_some_and(|r| r & FIRST_PERSON == 0) {
                return false;
            }
        }
        true
    }

    /// The guards every construct may have: `unless` (no such word in the clause), `subject`
    /// (the nearest person or such word before the match is such a word) and `with` (such a
    /// word in the message).
    fn guards_hold(&self, c: &Construct, start: usize, clause: (usize, usize)) -> bool {
        if c.unless != 0 && (clause.0..clause.1).any(|k| self.role(k) & c.unless != 0) {
            return false;
        }
        if c.subject != 0 {
            let person = FIRST_PERSON | BEING | THIRD;
            let nearest = self.before(start).map(|k| self.role(k) & (person | c.subject)).find(|r| *r != 0);
            if nearest.is_none_or(|r| r & c.subject == 0) {
                return false;
            }
        }
        c.with == 0 || self.all_roles & c.with != 0
    }
}

/// The constructs found in one message, in text order (crisis matches only when they hold).
pub fn find_into(norm: &Normalized, hits: &Hits, out: &mut Vec<Found>) {
    out.clear();
    let lexicon = &*LEXICON;
    let n = norm.words.len();
    let clause_start = |k: usize| norm.words.get(k).is_some_and(|w| w.clause_start);
    let all_roles = hits.roles.iter().fold(0, |a, r| a | r);
    let mut words = Bloom::default();
    for k in 0..n {
        words.insert(norm.word(k));
    }
    // the clause of the previous anchor: anchors come in text order, so each clause is scanned
    // about once
    let (mut clause_begin, mut clause_end) = (0, 0);
    for &(word, from, to) in &hits.anchors {
        let start = word as usize;
        if start < clause_begin || start >= clause_end {
            clause_end = (start + 1..n).find(|&k| clause_start(k)).unwrap_or(n);
            clause_begin = (0..=start).rev().find(|&k| clause_start(k)).unwrap_or(0);
        }
        let ctx = Ctx { norm, hits, clause_end, all_roles };
        for &id in lexicon.anchored(from, to) {
            let Some(p) = lexicon.rules.patterns.get(usize::from(id)) else { continue };
            let Some(c) = lexicon.rules.constructs.get(p.construct) else { continue };
            // each element that must take a word has one in the message; then the next one
            // is near
            let absent = |(roles, bloom): &(u64, Bloom)| all_roles & roles == 0 && !words.meets(bloom);
            if p.needs.iter().any(absent) || !ctx.may_match(&p.elements, start) {
                continue;
            }
            let Some((end, path)) = ctx.match_at(&p.elements, start, Path::default(), 2) else {
                continue;
            };
            let holds = ctx.guards_hold(c, start, (clause_begin, clause_end))
                && (c.kind != ConstructKind::Crisis || ctx.crisis_holds(start, path));
            if holds {
                out.push(Found { start, end, kind: c.kind });
                break;
            }
        }
    }
    // a crisis word inside a figure of speech is the figure's (`financial suicide`)
    if out.iter().any(|f| f.kind == ConstructKind::Figure) {
        out.sort_by_key(|f| f.start);
        let mut figure_until = 0;
        out.retain(|f| match f.kind {
            ConstructKind::Figure => {
                figure_until = figure_until.max(f.end);
                true
            }
            ConstructKind::Crisis => f.start >= figure_until,
            ConstructKind::Mundane => true,
        });
    }
}
