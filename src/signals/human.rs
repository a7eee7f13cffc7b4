//! Did the customer ask for a person? A small grammar over word roles (see `lexicon::role`).
//!
//! A request is one of:
//! - a contact verb (`talk`, `speak`, `reach`, `transfer`, …) followed, within seven words of
//!   the same clause joined only by bridge words (`to`, `with`, `a`, `real`, `live`, …), by a
//!   person noun (`human`, `agent`, `someone`, `assistant`, …);
//! - a verb of wanting or obtaining (`want`, `need`, `get`, `give`, …) followed in the same way
//!   by a strong person noun (`human`, `agent`, `person`, …; not `someone`, which is too often
//!   the subject of another verb: "I need someone to explain");
//! - a person noun followed by `I`/`we`/`who` and a contact verb (`is there a human I can talk
//!   to`);
//! - a short message (≤ 5 words) made of a strong person noun and filler (`agent please`).
//!
//! A request is declined when a negator (`not`, `don't`, `no`, `never`, …) reaches its verb
//! through chain words only (`I don't need an agent`, `no need to talk to a human`). Inability is
//! not refusal: `I can't reach an agent` and `I don't know how to contact someone` are requests.
//! A person noun is something else after a possessive or a compound modifier (`my travel agent`,
//! `virtual assistant`), before `error`/`rights`/… (`human error`), after `in`/`per`
//! (`in person`), or after `rather than`/`instead of`.
//!
//! Misspelt person nouns and contact verbs (`somenoe`, `humna`, `representitive`, `talkk`) are
//! matched by optimal-string-alignment distance (1 up to 7 letters, 2 from 8), only where the
//! grammar looks for them, so the cost stays linear.

use super::lexicon::{Hits, fuzzy_targets, letter_mask, role::*};
use super::text::Normalized;

/// The last request (`true`) or refusal (`false`) of a person in a message, if any.
pub fn request_in(norm: &Normalized, hits: &Hits) -> Option<bool> {
    let n = norm.words.len();
    if n == 0 {
        return None;
    }
    let ctx = Ctx { norm, hits };
    if n <= 5
        && let Some(v) = ctx.short_message()
    {
        return Some(v);
    }
    let mut last: Option<(usize, bool)> = None;
    let mut note = |k: usize, v: bool| {
        if last.is_none_or(|(p, _)| k >= p) {
            last = Some((k, v));
        }
    };
    for j in 0..n {
        let r = ctx.roles(j);
        // a participle after a passive auxiliary is a contact verb (`can I be transferred`)
        let passive = r & PARTICIPLE != 0 && j > 0 && ctx.roles(j - 1) & PASSIVE != 0;
        if r & CALLBACK != 0
            && let Some(v) = ctx.callback(j)
        {
            note(j, v);
        }
        if r & (CONTACT | WANT) != 0 || passive {
            if let Some(k) = ctx.person_after(j, r & CONTACT != 0 || passive, passive) {
                note(k, !ctx.negated(j));
            }
        } else if r & (PERSON | PERSON_WEAK) != 0 {
            // a misspelt contact verb before an exact person noun ("talkk to someone")
            if let Some(v) = ctx.fuzzy_verb_before(j) {
                note(j, v);
            }
            if let Some(v) = ctx.person_then_verb(j).or_else(|| ctx.verb_last(j)).or_else(|| ctx.on_the_line(j)) {
                note(j, v);
            }
        } else if r == 0 && ctx.roles(j + 1) & BRIDGE != 0 && ctx.fuzzy_is(j, Target::Contact) {
            // a misspelt contact verb, maybe before a misspelt noun ("tlak to an agnet")
            if let Some(k) = ctx.person_after(j, true, false) {
                note(k, !ctx.negated(j));
            }
        }
    }
    last.map(|(_, v)| v)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Person,
    PersonWeak,
    Contact,
}

struct Ctx<'a> {
    norm: &'a Normalized,
    hits: &'a Hits,
}

impl Ctx<'_> {
    fn roles(&self, i: usize) -> u64 {
        self.raw(i) & GRAMMAR
    }

    /// All the roles of word `i`, the construct roles included (`SELF`, `THIRD`, `SPEAK`).
    fn raw(&self, i: usize) -> u64 {
        self.hits.roles.get(i).copied().unwrap_or(0)
    }

    fn clause_start(&self, i: usize) -> bool {
        self.norm.words.get(i).is_some_and(|w| w.clause_start)
    }

    /// A misspelling of a word of the target list (only for words with no role).
    fn fuzzy_is(&self, i: usize, target: Target) -> bool {
        let w = self.norm.word(i);
        if w.len() < 4 || w.len() > 20 || !w.is_ascii() {
            return false;
        }
        // four letters: only verbs, and only with the same first letter (`taok` → `talk`)
        if w.len() == 4 {
            return target == Target::Contact
                && fuzzy_targets().2.iter().any(|(t, _)| {
                    t.len() == 4 && t.bytes().next() == w.bytes().next() && osa_within(w.as_bytes(), t.as_bytes(), 1)
                });
        }
        let (strong, weak, contact) = fuzzy_targets();
        let list = match target {
            Target::Person => strong,
            Target::PersonWeak => weak,
            Target::Contact => contact,
        };
        let max = if w.len() >= 8 { 2 } else { 1 };
        let mask = letter_mask(w);
        // An edit changes at most two letters of the letter set: a cheap filter before the DP.
        list.iter().any(|(t, t_mask)| {
            t.len() >= 4
                && t.len().abs_diff(w.len()) <= max
                && (t_mask ^ mask).count_ones() as usize <= 2 * max
                && osa_within(w.as_bytes(), t.as_bytes(), max)
        })
    }

    /// Strong (`Some(true)`), weak (`Some(false)`) or no person noun at `i`.
    fn person_kind(&self, i: usize) -> Option<bool> {
        let r = self.roles(i);
        if r & PERSON != 0 {
            return Some(true);
        }
        // `a call back` is asked of a person (not `a call back number`)
        if r & CALLBACK != 0 && self.norm.word(i + 1) == "back" && self.roles(i + 2) & NOT_PERSON_AFTER == 0 {
            return Some(true);
        }
        if r & PERSON_WEAK != 0 {
            return Some(false);
        }
        if r == 0 {
            if self.fuzzy_is(i, Target::Person) {
                return Some(true);
            }
            if self.fuzzy_is(i, Target::PersonWeak) {
                return Some(false);
            }
        }
        None
    }

    /// Is the person noun at `k` really a person (not `my travel agent`, `human error`, …)?
    fn is_real_person(&self, k: usize) -> bool {
        if k > 0 {
            let before = self.roles(k - 1);
            if before & (POSSESSIVE | NOT_PERSON_BEFORE) != 0 {
                return false;
            }
            if before & MANNER != 0 && self.norm.word(k).starts_with("person") {
                return false;
            }
            if k > 1 && self.roles(k - 2) & POSSESSIVE != 0 && before & BRIDGE == 0 {
                return false;
            }
        }
        let after = self.roles(k + 1);
        // `agente de viajes`, `agent de voyage`: a modifier after `de`/`di`/…
        let of = matches!(self.norm.word(k + 1), "de" | "di" | "du" | "des" | "do" | "da" | "del" | "della" | "dei" | "van");
        if of && !self.clause_start(k + 1) && self.roles(k + 2) & NOT_PERSON_BEFORE != 0 {
            return false;
        }
        after & NOT_PERSON_AFTER == 0 || self.clause_start(k + 1)
    }

    /// The person noun (or, for a contact verb, the team) that the verb at `j` reaches through
    /// bridge words, if any. After a want verb, a weak noun counts only as `get me someone`.
    /// A team counts after a verb of speaking, a passive (`be transferred to`), or with the
    /// writer as the object (`put me through to the disputes team`); up to two unknown words may
    /// name it (`the fraud team`).
    fn person_after(&self, j: usize, contact: bool, passive: bool) -> Option<usize> {
        let n = self.norm.words.len();
        // a determiner before the verb makes it a noun: `a transfer to someone`
        let determiners = ["a", "the", "this", "that", "my", "your", "his", "her", "their", "our"];
        if j > 0 && determiners.contains(&self.norm.word(j - 1)) {
            return None;
        }
        let weak_ok = contact || self.raw(j + 1) & SELF != 0;
        let mut me = passive || (j.saturating_sub(2)..j).any(|i| self.raw(i) & SELF != 0);
        let speak = self.raw(j) & SPEAK != 0;
        let (mut short_unknown, mut long_unknown) = (0, 0);
        for k in (j + 1)..n.min(j + 8) {
            if self.clause_start(k) {
                return None;
            }
            let r = self.roles(k);
            if r & AVOID != 0 {
                return None;
            }
            me |= self.raw(k) & SELF != 0;
            if let Some(strong) = self.person_kind(k) {
                if (strong || weak_ok) && long_unknown == 0 && self.is_real_person(k) {
                    return Some(k);
                }
                // a weak noun after a want verb ("I need someone to …"): keep looking
                if r & BRIDGE == 0 {
                    return None;
                }
                continue;
            }
            if r & TEAM != 0 && contact && (speak || me) && self.is_real_person(k) {
                return Some(k);
            }
            if r & BRIDGE == 0 {
                // unknown words: one short one may be a misspelt bridge (`chatting wirh an
                // agent`); two may name a team
                if r == 0 && short_unknown + long_unknown < 2 {
                    if self.norm.word(k).len() <= 4 && short_unknown == 0 {
                        short_unknown += 1;
                    } else {
                        long_unknown += 1;
                    }
                    continue;
                }
                return None;
            }
        }
        None
    }

    /// A misspelt contact verb reaching the person noun at `k` through bridge words.
    fn fuzzy_verb_before(&self, k: usize) -> Option<bool> {
        if !self.is_real_person(k) {
            return None;
        }
        let mut i = k;
        for _ in 0..7 {
            if i == 0 || self.clause_start(i) {
                return None;
            }
            i -= 1;
            let r = self.roles(i);
            if r == 0 {
                return self.fuzzy_is(i, Target::Contact).then(|| !self.negated(i));
            }
            if r & BRIDGE == 0 {
                return None;
            }
        }
        None
    }

    /// Is the verb at `j` negated by a negator reaching it through chain words?
    fn negated(&self, j: usize) -> bool {
        let mut i = j;
        for _ in 0..5 {
            if i == 0 || self.clause_start(i) {
                return false;
            }
            i -= 1;
            let r = self.roles(i);
            if r & NEGATOR != 0 {
                return true;
            }
            if r & CHAIN == 0 {
                return false;
            }
        }
        false
    }

    /// `is there a human I can talk to`, `anyone who can speak with me`.
    fn person_then_verb(&self, k: usize) -> Option<bool> {
        let next = self.norm.word(k + 1);
        if !matches!(next, "i" | "we" | "who") || self.clause_start(k + 1) || !self.is_real_person(k) {
            return None;
        }
        for j in (k + 2)..(k + 5) {
            if self.clause_start(j) || j >= self.norm.words.len() {
                return None;
            }
            if self.roles(j) & CONTACT != 0 {
                return Some(!self.negated_before(k));
            }
        }
        None
    }

    /// A negator among the three words before `k` in its clause (`no human I can talk to`).
    fn negated_before(&self, k: usize) -> bool {
        let mut i = k;
        for _ in 0..3 {
            if i == 0 || self.clause_start(i) {
                return false;
            }
            i -= 1;
            if self.roles(i) & NEGATOR != 0 {
                return true;
            }
        }
        false
    }

    /// `can someone call me back`, `please ring me back`, `have an agent call me`: a callback
    /// verb with the writer as object, asked of a person, with `please`/`you`/`can`, or with
    /// `back`; not when someone else is its subject (`they said they would call me back`).
    fn callback(&self, j: usize) -> Option<bool> {
        if self.raw(j + 1) & SELF == 0 || self.clause_start(j + 1) || is_gerund(self.norm.word(j)) {
            return None;
        }
        let back = self.norm.word(j + 2) == "back";
        let mut asked = back;
        let mut i = j;
        for _ in 0..3 {
            if i == 0 || self.clause_start(i) {
                break;
            }
            i -= 1;
            if self.person_kind(i).is_some() {
                return self.is_real_person(i).then(|| !self.negated(j));
            }
            if self.raw(i) & THIRD != 0 {
                return None;
            }
            asked |= matches!(self.norm.word(i), "please" | "pls" | "plz" | "you" | "u" | "can" | "could");
        }
        asked.then(|| !self.negated(j))
    }

    /// The verb after the person (`mit einem Mitarbeiter sprechen`, `met iemand praten`, `un
    /// conseiller peut me rappeler`): a contact verb within four bridge words after the noun.
    fn verb_last(&self, k: usize) -> Option<bool> {
        if !self.is_real_person(k) {
            return None;
        }
        for j in (k + 1)..(k + 5).min(self.norm.words.len()) {
            if self.clause_start(j) {
                return None;
            }
            let r = self.roles(j);
            if r & CONTACT != 0 && !is_gerund(self.norm.word(j)) {
                return Some(!self.negated_before(k));
            }
            if r & BRIDGE == 0 {
                return None;
            }
        }
        None
    }

    /// `is there a real person on the line`, `ik wil iemand aan de lijn`.
    fn on_the_line(&self, k: usize) -> Option<bool> {
        let on = matches!(self.norm.word(k + 1), "on" | "aan" | "al" | "au" | "am" | "ao");
        let mut line = k + 2;
        if matches!(self.norm.word(line), "the" | "de" | "le") {
            line += 1;
        }
        let phone = matches!(
            self.norm.word(line),
            "line" | "phone" | "lijn" | "telefoon" | "teléfono" | "telefono" | "téléphone" | "telefon" | "telefone"
        );
        if !on || !phone || !self.is_real_person(k) {
            return None;
        }
        let mut i = k;
        for _ in 0..4 {
            if i == 0 || self.clause_start(i) {
                return None;
            }
            i -= 1;
            if self.roles(i) & (WANT | CONTACT) != 0 || self.norm.word(i) == "there" {
                return Some(!self.negated_before(k));
            }
        }
        None
    }

    /// `agent please`, `REAL PERSON NOW`, `no human needed`.
    fn short_message(&self) -> Option<bool> {
        let n = self.norm.words.len();
        let mut strong = None;
        let mut negated = false;
        for i in 0..n {
            let r = self.roles(i);
            if r & NEGATOR != 0 {
                negated = true;
                continue;
            }
            if r & PERSON != 0 || (r == 0 && self.fuzzy_is(i, Target::Person)) {
                if !self.is_real_person(i) {
                    return None;
                }
                strong = Some(i);
                continue;
            }
            if r & (FILLER | BRIDGE) == 0 && !self.norm.word(i).starts_with("need") {
                return None;
            }
        }
        strong.map(|_| !negated)
    }
}

/// `calling`, `phoning` (not `ring`): a contact verb in this form reports, it does not ask.
fn is_gerund(w: &str) -> bool {
    w.len() > 5 && w.ends_with("ing")
}

/// Optimal string alignment distance of `a` and `b` is at most `max` (bytes, ASCII words).
fn osa_within(a: &[u8], b: &[u8], max: usize) -> bool {
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    if a == b {
        return true;
    }
    // Three rolling rows of the dynamic programme; words are at most 20 bytes long here.
    const W: usize = 22;
    if b.len() + 1 > W {
        return false;
    }
    let mut prev2 = [0usize; W];
    let mut prev = [0usize; W];
    let mut cur = [0usize; W];
    for (j, p) in prev.iter_mut().enumerate().take(b.len() + 1) {
        *p = j;
    }
    for i in 1..=a.len() {
        let Some(&ai) = a.get(i - 1) else {
            return false;
        };
        if let Some(c) = cur.get_mut(0) {
            *c = i;
        }
        let mut row_min = i;
        for j in 1..=b.len() {
            let Some(&bj) = b.get(j - 1) else {
                return false;
            };
            let cost = usize::from(ai != bj);
            let del = prev.get(j).copied().unwrap_or(usize::MAX).saturating_add(1);
            let ins = cur.get(j - 1).copied().unwrap_or(usize::MAX).saturating_add(1);
            let sub = prev.get(j - 1).copied().unwrap_or(usize::MAX).saturating_add(cost);
            let mut v = del.min(ins).min(sub);
            if i > 1 && j > 1 && a.get(i - 2) == Some(&bj) && b.get(j - 2) == Some(&ai) {
                v = v.min(prev2.get(j - 2).copied().unwrap_or(usize::MAX).saturating_add(1));
            }
            if let Some(c) = cur.get_mut(j) {
                *c = v;
            }
            row_min = row_min.min(v);
        }
        if row_min > max {
            return false;
        }
        prev2 = prev;
        prev = cur;
    }
    prev.get(b.len()).is_some_and(|&d| d <= max)
}

#[cfg(test)]
mod tests {
    use super::osa_within;

    #[test]
    fn osa() {
        assert!(osa_within(b"somenoe", b"someone", 1));
        assert!(osa_within(b"humna", b"human", 1));
        assert!(osa_within(b"representitive", b"representative", 2));
        assert!(!osa_within(b"reason", b"person", 1));
    }
}
