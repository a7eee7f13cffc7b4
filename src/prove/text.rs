//! Texts that contain or avoid what conditions look for: lexicon phrases (`mentions`), regexes
//! (`matches`) and substrings (`contains`).
//!
//! A combination of such tests (each wanted true or false) is *realized* by building a text and
//! checking every test on it with the engine's own matchers; it is proved *impossible* only by
//! reasoning that holds for every text (a phrase that contains a phrase or a word-internal
//! substring that must be avoided); otherwise it is undecided, and a guarantee that depends on
//! it is reported unproved rather than proved.

use crate::eval::{contains_ci, normalized};
use regex_syntax::hir::{Class, Hir, HirKind};
use std::collections::HashMap;

/// A test on a text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum TextTest {
    /// `mentions LEXICON`
    Mentions(String),
    /// `matches "regex"`
    Matches(String),
    /// `contains "substring"` (case-insensitive)
    Contains(String),
}

impl TextTest {
    /// `mentions `l`` / `does not mention `l``, … for messages.
    pub fn said(&self, holds: bool) -> String {
        match (self, holds) {
            (TextTest::Mentions(l), true) => format!("mentions `{l}`"),
            (TextTest::Mentions(l), false) => format!("does not mention `{l}`"),
            (TextTest::Matches(re), true) => format!("matches `{re}`"),
            (TextTest::Matches(re), false) => format!("does not match `{re}`"),
            (TextTest::Contains(s), true) => format!("contains `{s}`"),
            (TextTest::Contains(s), false) => format!("does not contain `{s}`"),
        }
    }
}

/// The outcome of trying to realize a combination of tests.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Realized {
    Text(String),
    /// No text satisfies the tests at these indices (wanted as given) together.
    Impossible(Vec<usize>),
    Undecided,
}

/// The lexicons and regexes of a set, and what was learned.
pub(super) struct Texts {
    lexicons: HashMap<String, Vec<String>>,
    regexes: HashMap<String, Option<regex::Regex>>,
    cache: HashMap<Wanted, Realized>,
}

/// Tests wanted true or false, and strings to differ from: what a text is realized for.
type Wanted = (Vec<(TextTest, bool)>, Vec<String>);

/// What joins the pieces of a witness: a sentence break reads best; a word that no phrase
/// contains keeps a phrase to avoid from spanning two pieces.
const FILLERS: [&str; 4] = [". ", " zqx ", "\nzqx\n", " "];

impl Texts {
    pub fn new(lexicons: HashMap<String, Vec<String>>) -> Texts {
        Texts { lexicons, regexes: HashMap::new(), cache: HashMap::new() }
    }

    /// Whether `test` holds on `text`, by the engine's matchers; `None` for an unknown lexicon
    /// or an invalid regex (a checked set has neither).
    pub fn holds(&mut self, test: &TextTest, text: &str) -> Option<bool> {
        match test {
            TextTest::Mentions(l) => {
                let norm = normalized(text);
                let phrases = self.lexicons.get(l)?;
                Some(phrases.iter().map(|p| normalized(p)).any(|p| p.trim() != "" && norm.contains(&p)))
            }
            TextTest::Matches(re) => {
                let compiled = self.regexes.entry(re.clone()).or_insert_with(|| regex::Regex::new(re).ok());
                compiled.as_ref().map(|r| r.is_match(text))
            }
            TextTest::Contains(s) => Some(contains_ci(text, s)),
        }
    }

    /// A text on which each test has the wanted value and that differs from every `excluded`
    /// string, or why there is none.
    pub fn realize(&mut self, tests: &[(TextTest, bool)], excluded: &[String]) -> Realized {
        let key = (tests.to_vec(), excluded.to_vec());
        if let Some(r) = self.cache.get(&key) {
            return r.clone();
        }
        let r = match self.build(tests, excluded) {
            Some(t) => Realized::Text(t),
            None => self.impossible(tests).map_or(Realized::Undecided, Realized::Impossible),
        };
        self.cache.insert(key, r.clone());
        r
    }

    fn ok(&mut self, tests: &[(TextTest, bool)], excluded: &[String], text: &str) -> bool {
        !excluded.iter().any(|e| e == text) && tests.iter().all(|(t, want)| self.holds(t, text) == Some(*want))
    }

    /// Greedy construction: the pieces that make each wanted test true, joined by a filler,
    /// each piece chosen so that the tests wanted false stay false.
    fn build(&mut self, tests: &[(TextTest, bool)], excluded: &[String]) -> Option<String> {
        let positives: Vec<&TextTest> = tests.iter().filter(|(_, w)| *w).map(|(t, _)| t).collect();
        let negatives: Vec<(TextTest, bool)> = tests.iter().filter(|(_, w)| !*w).cloned().collect();
        let candidates: Vec<Vec<String>> = positives.iter().map(|t| self.pieces(t)).collect();
        for base in ["", "ok", "zqx", ".", "0"] {
            if positives.is_empty() && self.ok(tests, excluded, base) {
                return Some(base.to_string());
            }
        }
        for filler in FILLERS {
            for reverse in [false, true] {
                let mut order: Vec<usize> = (0..positives.len()).collect();
                if reverse {
                    order.reverse();
                }
                let mut text = String::new();
                let mut done: Vec<(TextTest, bool)> = negatives.clone();
                let mut failed = false;
                for &i in &order {
                    let (Some(test), Some(cands)) = (positives.get(i), candidates.get(i)) else { continue };
                    done.push(((*test).clone(), true));
                    let found = cands.iter().find_map(|c| {
                        let t = if text.is_empty() { c.clone() } else { format!("{text}{filler}{c}") };
                        self.ok(&done, &[], &t).then_some(t)
                    });
                    match found {
                        Some(t) => text = t,
                        None => {
                            failed = true;
                            break;
                        }
                    }
                }
                if failed {
                    continue;
                }
                for extra in ["", " zqx", " ok."] {
                    let t = format!("{text}{extra}");
                    if self.ok(tests, excluded, &t) {
                        return Some(t);
                    }
                }
            }
        }
        None
    }

    /// Texts that make `test` true on their own.
    fn pieces(&self, test: &TextTest) -> Vec<String> {
        match test {
            TextTest::Mentions(l) => {
                let phrases = self.lexicons.get(l).cloned().unwrap_or_default();
                let mut out: Vec<String> = phrases.clone();
                for p in &phrases {
                    let words: Vec<String> = normalized(p).split_whitespace().map(str::to_string).collect();
                    out.push(words.join("-"));
                    out.push(words.join(", "));
                    out.push(p.to_uppercase());
                    out.push(words.join("_"));
                    out.push(words.join("  "));
                }
                out
            }
            TextTest::Matches(re) => regex_samples(re),
            TextTest::Contains(s) => vec![s.clone(), s.to_uppercase(), format!("{s}zqx")],
        }
    }

    /// Indices of tests that no text satisfies together, found by reasoning valid for every
    /// text; `None` when there is no such proof.
    fn impossible(&self, tests: &[(TextTest, bool)]) -> Option<Vec<usize>> {
        for (i, (test, want)) in tests.iter().enumerate() {
            if !*want {
                continue;
            }
            match test {
                TextTest::Mentions(l) => {
                    let phrases: Vec<String> = self
                        .lexicons
                        .get(l)?
                        .iter()
                        .map(|p| normalized(p))
                        .filter(|p| !p.trim().is_empty())
                        .collect();
                    // every phrase brings along something that must be avoided
                    let mut core = vec![i];
                    let all = phrases.iter().all(|p| match self.avoided_inside(p, tests) {
                        Some(j) => {
                            core.push(j);
                            true
                        }
                        None => false,
                    });
                    if all {
                        core.sort_unstable();
                        core.dedup();
                        return Some(core);
                    }
                }
                TextTest::Contains(s) => {
                    let hit = tests.iter().position(|(t, w)| {
                        !*w && matches!(t, TextTest::Contains(x) if s.is_ascii() && x.is_ascii() && s.to_ascii_lowercase().contains(&x.to_ascii_lowercase()))
                    });
                    if let Some(j) = hit {
                        return Some(vec![i, j]);
                    }
                }
                TextTest::Matches(_) => {}
            }
        }
        None
    }

    /// A test wanted false that every text containing the normalised phrase `p` makes true.
    fn avoided_inside(&self, p: &str, tests: &[(TextTest, bool)]) -> Option<usize> {
        tests.iter().position(|(t, want)| {
            !*want
                && match t {
                    TextTest::Mentions(m) => self.lexicons.get(m).is_some_and(|qs| {
                        qs.iter().map(|q| normalized(q)).any(|q| q.trim() != "" && p.contains(&q))
                    }),
                    TextTest::Contains(s) => {
                        !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()) && p.contains(&s.to_ascii_lowercase())
                    }
                    TextTest::Matches(re) => phrase_forces_regex(p, re),
                }
        })
    }
}

/// Whether every text holding the normalised phrase `p` matches `re`: some piece of one of its
/// words (ASCII, no apostrophe) is matched by `re` in every spelling the text may give it
/// (either case, `K` also as the Kelvin sign, which reads as `k`), and `re` has no anchors or
/// word boundaries, so that a match inside any text is a match of the text.
fn phrase_forces_regex(p: &str, re: &str) -> bool {
    let Ok(hir) = regex_syntax::Parser::new().parse(re) else { return false };
    if has_look(&hir, 0) {
        return false;
    }
    let Ok(full) = regex::Regex::new(&format!("^(?:{re})$")) else { return false };
    p.split_whitespace().filter(|w| w.bytes().all(|b| b.is_ascii_alphanumeric())).any(|w| {
        let chars: Vec<char> = w.chars().collect();
        (0..chars.len()).any(|i| {
            (i + 1..=chars.len().min(i + 10)).any(|j| {
                let piece: String = chars.get(i..j).unwrap_or_default().iter().collect();
                full.is_match(&piece) && full.is_match(&piece.to_uppercase()) && spellings(&piece).is_some_and(|all| all.iter().all(|s| full.is_match(s)))
            })
        })
    })
}

/// Every spelling of a lowercase ASCII piece that normalises to it; `None` beyond 4,096.
fn spellings(piece: &str) -> Option<Vec<String>> {
    let mut out = vec![String::new()];
    for c in piece.chars() {
        let options: Vec<char> = match c {
            'k' => vec!['k', 'K', '\u{212A}'],
            c if c.is_ascii_alphabetic() => vec![c, c.to_ascii_uppercase()],
            c => vec![c],
        };
        if out.len() * options.len() > 4096 {
            return None;
        }
        out = out.iter().flat_map(|s| options.iter().map(move |o| format!("{s}{o}"))).collect();
    }
    Some(out)
}

fn has_look(hir: &Hir, depth: usize) -> bool {
    if depth > 200 {
        return true;
    }
    match hir.kind() {
        HirKind::Look(_) => true,
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) => false,
        HirKind::Repetition(r) => has_look(&r.sub, depth + 1),
        HirKind::Capture(c) => has_look(&c.sub, depth + 1),
        HirKind::Concat(xs) | HirKind::Alternation(xs) => xs.iter().any(|x| has_look(x, depth + 1)),
    }
}

/// A few strings that the regex matches, generated from its syntax tree.
fn regex_samples(pattern: &str) -> Vec<String> {
    let Ok(hir) = regex_syntax::Parser::new().parse(pattern) else {
        return Vec::new();
    };
    let mut out = samples(&hir, 0);
    out.truncate(24);
    out
}

const MAX_SAMPLES: usize = 12;

fn samples(hir: &Hir, depth: usize) -> Vec<String> {
    if depth > 200 {
        return vec![String::new()];
    }
    let depth = depth + 1;
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => vec![String::new()],
        HirKind::Literal(lit) => vec![String::from_utf8_lossy(&lit.0).into_owned()],
        HirKind::Class(Class::Unicode(c)) => {
            let mut chars: Vec<char> = Vec::new();
            for r in c.ranges() {
                for pick in ['a', 'e', 'z', 'A', '0', ' '] {
                    if r.start() <= pick && pick <= r.end() {
                        chars.push(pick);
                    }
                }
                chars.push(r.start());
            }
            chars.dedup();
            chars.truncate(4);
            chars.into_iter().map(String::from).collect()
        }
        HirKind::Class(Class::Bytes(c)) => c
            .ranges()
            .iter()
            .filter(|r| r.start().is_ascii())
            .map(|r| char::from(r.start()).to_string())
            .take(3)
            .collect(),
        HirKind::Repetition(rep) => {
            let inner = samples(&rep.sub, depth);
            let n = usize::try_from(rep.min).unwrap_or(1).min(64);
            let mut out: Vec<String> = inner.iter().map(|s| s.repeat(n)).collect();
            if n == 0 {
                out.extend(inner.iter().cloned());
            }
            out.truncate(MAX_SAMPLES);
            out
        }
        HirKind::Capture(c) => samples(&c.sub, depth),
        HirKind::Concat(parts) => {
            let mut acc = vec![String::new()];
            for p in parts {
                let next = samples(p, depth);
                let mut combined = Vec::new();
                for a in &acc {
                    for b in &next {
                        if combined.len() < MAX_SAMPLES {
                            combined.push(format!("{a}{b}"));
                        }
                    }
                }
                acc = combined;
            }
            acc
        }
        HirKind::Alternation(alts) => {
            let mut out = Vec::new();
            for a in alts {
                out.extend(samples(a, depth));
            }
            out.truncate(MAX_SAMPLES * 2);
            out
        }
    }
}
