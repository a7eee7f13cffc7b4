//! VADER sentiment (Hutto & Gilbert, 2014), a fast re-implementation of the `vader_sentiment`
//! crate's algorithm with the same lexicon (MIT).
//!
//! The crate re-parses nothing per call, but allocates a `HashMap` per call, looks every token
//! up in several `UniCase` hash maps and runs a regex per token. Here the lexicon, boosters,
//! negations and the handful of special words live in one table built once, tokens are slices
//! of the input, and the whole score is computed with two small allocations.
//!
//! Parity with the crate (|Δcompound| ≤ 1e-6) is tested in `tests/signals.rs`, including the
//! crate's quirks, which are kept on purpose:
//! - a text with no sentiment word but a `!` or `?` scores slightly negative (the punctuation
//!   amplifier is subtracted when the sum is 0);
//! - any token containing `n't` negates; `least` before a word always negates;
//! - the special-idiom and booster checks at distance three are substring tests over the
//!   lowercased window (`also` contains the booster `so`);
//! - an emoji is replaced by its description without a space after it.
//!
//! One difference: when two special idioms occur in the same window the crate picks one in
//! `HashMap` order (which varies between runs); this picks the first in the fixed list below.

use std::sync::LazyLock;

use regex::Regex;

mod tables;

pub(crate) use tables::{FxHasher, FxMap};
use tables::{Entry, TABLES, Tables};

const B_INCR: f64 = 0.293;
const B_DECR: f64 = -0.293;
const C_INCR: f64 = 0.733;
const NEGATION_SCALAR: f64 = -0.740;
const QMARK_INCR: f64 = 0.180;
const EMARK_INCR: f64 = 0.292;
const MAX_EMARK: usize = 4;
const MAX_QMARK: usize = 3;
const MAX_QMARK_INCR: f64 = 0.96;
const NORMALIZATION_ALPHA: f64 = 15.0;

#[rustfmt::skip]
const NEGATIONS: &[&str] = &[
    "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt", "ain't", "aren't",
    "can't", "couldn't", "daren't", "didn't", "doesn't", "dont", "hadnt", "hasnt", "havent",
    "isnt", "mightnt", "mustnt", "neither", "don't", "hadn't", "hasn't", "haven't", "isn't",
    "mightn't", "mustn't", "neednt", "needn't", "never", "none", "nope", "nor", "not", "nothing",
    "nowhere", "oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent", "oughtn't", "shan't",
    "shouldn't", "uh-uh", "wasn't", "weren't", "without", "wont", "wouldnt", "won't", "wouldn't",
    "rarely", "seldom", "despite",
];

#[rustfmt::skip]
const BOOSTERS: &[(&str, f64)] = &[
    ("absolutely", B_INCR), ("amazingly", B_INCR), ("awfully", B_INCR), ("completely", B_INCR),
    ("considerable", B_INCR), ("considerably", B_INCR), ("decidedly", B_INCR),
    ("deeply", B_INCR), ("effing", B_INCR), ("enormous", B_INCR), ("enormously", B_INCR),
    ("entirely", B_INCR), ("especially", B_INCR), ("exceptional", B_INCR),
    ("exceptionally", B_INCR), ("extreme", B_INCR), ("extremely", B_INCR),
    ("fabulously", B_INCR), ("flipping", B_INCR), ("flippin", B_INCR), ("frackin", B_INCR),
    ("fracking", B_INCR), ("fricking", B_INCR), ("frickin", B_INCR), ("frigging", B_INCR),
    ("friggin", B_INCR), ("fully", B_INCR), ("fuckin", B_INCR), ("fucking", B_INCR),
    ("fuggin", B_INCR), ("fugging", B_INCR), ("greatly", B_INCR), ("hella", B_INCR),
    ("highly", B_INCR), ("hugely", B_INCR), ("incredible", B_INCR), ("incredibly", B_INCR),
    ("intensely", B_INCR), ("major", B_INCR), ("majorly", B_INCR), ("more", B_INCR),
    ("most", B_INCR), ("particularly", B_INCR), ("purely", B_INCR), ("quite", B_INCR),
    ("really", B_INCR), ("remarkably", B_INCR), ("so", B_INCR), ("substantially", B_INCR),
    ("thoroughly", B_INCR), ("total", B_INCR), ("totally", B_INCR), ("tremendous", B_INCR),
    ("tremendously", B_INCR), ("uber", B_INCR), ("unbelievably", B_INCR), ("unusually", B_INCR),
    ("utter", B_INCR), ("utterly", B_INCR), ("very", B_INCR), ("almost", B_DECR),
    ("barely", B_DECR), ("hardly", B_DECR), ("just enough", B_DECR), ("kind of", B_DECR),
    ("kinda", B_DECR), ("kindof", B_DECR), ("kind-of", B_DECR), ("less", B_DECR),
    ("little", B_DECR), ("marginal", B_DECR), ("marginally", B_DECR), ("occasional", B_DECR),
    ("occasionally", B_DECR), ("partly", B_DECR), ("scarce", B_DECR), ("scarcely", B_DECR),
    ("slight", B_DECR), ("slightly", B_DECR), ("somewhat", B_DECR), ("sort of", B_DECR),
    ("sorta", B_DECR), ("sortof", B_DECR), ("sort-of", B_DECR),
];

/// Special-case idioms containing lexicon words, in the order they are tried.
#[rustfmt::skip]
const IDIOMS: &[(&str, f64)] = &[
    ("the shit", 3.0), ("the bomb", 3.0), ("bad ass", 1.5), ("badass", 1.5),
    ("yeah right", -2.0), ("kiss of death", -1.5), ("to die for", 3.0),
];

// Special words the rules test by name.
const BUT: u16 = 1;
const THIS: u16 = 1 << 1;
const LEAST: u16 = 1 << 2;
const WITHOUT: u16 = 1 << 3;
const DOUBT: u16 = 1 << 4;
const SO: u16 = 1 << 5;
const NEVER: u16 = 1 << 6;
const KIND: u16 = 1 << 7;
const OF: u16 = 1 << 8;
#[rustfmt::skip]
const SPECIALS: &[(&str, u16)] = &[
    ("but", BUT), ("this", THIS), ("least", LEAST), ("without", WITHOUT), ("doubt", DOUBT),
    ("so", SO), ("never", NEVER), ("kind", KIND), ("of", OF),
];

/// `^[A-Z\W]+$` for tokens with non-ASCII characters (Unicode `\W`, as the crate uses it);
/// compiled once.
static ALL_CAPS_RE: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"^[A-Z\W]+$").ok());

/// Unicode simple case folding as `unicase` does it, for the characters that can make a word
/// equal to a lexicon key (all keys are ASCII except `:Þ` and `:-Þ`).
fn fold(word: &str) -> String {
    if word.is_ascii() {
        return word.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(word.len());
    fold_into(word, &mut out);
    out
}

fn fold_into(word: &str, out: &mut String) {
    for c in word.chars() {
        match c {
            '\u{212A}' => out.push('k'),
            '\u{017F}' => out.push('s'),
            'ß' | 'ẞ' => out.push_str("ss"),
            'ﬀ' => out.push_str("ff"),
            'ﬁ' => out.push_str("fi"),
            'ﬂ' => out.push_str("fl"),
            'ﬃ' => out.push_str("ffi"),
            'ﬄ' => out.push_str("ffl"),
            'ﬅ' | 'ﬆ' => out.push_str("st"),
            _ => out.extend(c.to_lowercase()),
        }
    }
}

/// `token.trim_matches(|c: char| c.is_ascii_punctuation())`, on bytes (punctuation is ASCII, so
/// the cut is always at a character boundary).
fn trim_punct(token: &str) -> &str {
    let b = token.as_bytes();
    let start = b.iter().position(|c| !c.is_ascii_punctuation()).unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_punctuation())
        .map_or(start, |e| e + 1);
    token.get(start..end).unwrap_or("")
}

fn is_all_caps(token: &str) -> bool {
    if token.len() <= 1 {
        return false;
    }
    if token.is_ascii() {
        return token
            .bytes()
            .all(|b| b.is_ascii_uppercase() || !(b.is_ascii_alphanumeric() || b == b'_'));
    }
    ALL_CAPS_RE.as_ref().is_some_and(|re| re.is_match(token))
}

/// One VADER token.
#[derive(Clone, Copy)]
struct Tok {
    /// Byte range of the lowercased token in the joined lowercase buffer.
    start: u32,
    end: u32,
    entry: Entry,
    caps: bool,
    negated: bool,
}

impl Tok {
    fn in_lexicon(&self) -> bool {
        self.entry.valence.is_some()
    }
    fn is(&self, bit: u16) -> bool {
        self.entry.special & bit != 0
    }
}

/// Replaces each emoji by its description, as the crate does (`None` when there is none).
fn replace_emoji(text: &str, tables: &Tables) -> Option<String> {
    if text.is_ascii() || !text.chars().any(|c| tables.emoji.contains_key(&c)) {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 32);
    let mut prev_space = true;
    for c in text.chars() {
        if let Some(desc) = tables.emoji.get(&c) {
            if !prev_space {
                out.push(' ');
            }
            out.push_str(desc);
            prev_space = false;
        } else {
            prev_space = c == ' ';
            out.push(c);
        }
    }
    Some(out)
}

/// VADER compound score of a text, −1…1.
pub fn compound(text: &str) -> f64 {
    scores(text).compound
}

/// A text's VADER compound score, and the same without some words (for distress).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Scores {
    /// The compound score, −1…1 (what the crate returns).
    pub compound: f64,
    /// The compound score without the masked words (0 when no sentiment word is left).
    pub unmasked_compound: f64,
    /// 0…1: the valences of the negative words that are not masked, alone (after boosters,
    /// negation and `but`), normalised as the compound is; not offset by positive words
    /// ("horrible, but I love it").
    pub negative: f64,
}

impl Scores {
    /// Scores given from outside (a message's `sentiment`): nothing is known of its words.
    pub fn given(compound: f64) -> Scores {
        Scores {
            compound,
            unmasked_compound: compound,
            negative: 0.0,
        }
    }
}

/// The valence of one lowercase word in the VADER lexicon.
pub fn word_valence(word: &str) -> Option<f64> {
    lookup(&TABLES, word).valence
}

/// VADER scores of a text.
pub fn scores(text: &str) -> Scores {
    scores_masked(text, &[])
}

/// VADER scores of a text; tokens equal to one of the lowercase `mask` words (sorted) count in
/// the compound score only (not in `unmasked_compound` nor `negative`).
pub fn scores_masked(text: &str, mask: &[&str]) -> Scores {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => scores_with(text, mask, &mut scratch),
        Err(_) => scores_with(text, mask, &mut Scratch::default()),
    })
}

/// Buffers reused from call to call (one set per thread).
#[derive(Default)]
struct Scratch {
    lower: String,
    folded: String,
    toks: Vec<Tok>,
    sentiments: Vec<f64>,
    substrings: Vec<(u32, u32, u32)>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

fn scores_with(text: &str, mask: &[&str], scratch: &mut Scratch) -> Scores {
    let tables = &*TABLES;
    let replaced = replace_emoji(text, tables);
    let text = replaced.as_deref().unwrap_or(text);

    let Scratch {
        lower,
        folded,
        toks,
        sentiments,
        substrings,
    } = scratch;
    let mut subs = Subs {
        found: substrings,
        ready: false,
    };
    sentiments.clear();
    tokenize(text, tables, lower, folded, toks);
    if toks.is_empty() {
        return Scores::default();
    }
    let mixed_caps = toks.iter().any(|t| t.caps) && toks.iter().any(|t| !t.caps);

    let n = toks.len();
    for i in 0..n {
        let Some(tok) = toks.get(i) else { break };
        let v = if tok.entry.booster.is_some() || (tok.is(KIND) && toks.get(i + 1).is_some_and(|t| t.is(OF))) {
            0.0
        } else {
            valence(tables, toks, lower, i, mixed_caps, &mut subs)
        };
        sentiments.push(v);
    }
    if let Some(but) = toks.iter().position(|t| t.is(BUT)) {
        for (i, s) in sentiments.iter_mut().enumerate() {
            if i < but {
                *s *= 0.5;
            } else if i > but {
                *s *= 1.5;
            }
        }
    }
    combine(text, toks, sentiments, lower, mask)
}

/// The VADER tokens of `text`: lowercased into `lower`, each with its table entry.
fn tokenize(text: &str, tables: &Tables, lower: &mut String, folded: &mut String, toks: &mut Vec<Tok>) {
    lower.clear();
    toks.clear();
    // ASCII text without U+000B (whitespace to `split_whitespace`, not to the ASCII split):
    // the faster byte-wise split gives the same tokens
    let ascii = text.is_ascii() && !text.as_bytes().contains(&0x0b);
    let mut by_bytes = text.split_ascii_whitespace();
    let mut by_chars = text.split_whitespace();
    let tokens: &mut dyn Iterator<Item = &str> = if ascii { &mut by_bytes } else { &mut by_chars };
    for raw in tokens {
        if raw.len() <= 1 {
            continue;
        }
        let stripped = trim_punct(raw);
        let token = if stripped.len() <= 1 { raw } else { stripped };
        if !lower.is_empty() {
            lower.push(' ');
        }
        let start = lower.len();
        let entry = if token.is_ascii() {
            lower.push_str(token);
            let key = lower.get_mut(start..).map_or("", |k| {
                k.make_ascii_lowercase();
                &*k
            });
            lookup(tables, key)
        } else {
            lower.push_str(&token.to_lowercase());
            folded.clear();
            fold_into(token, folded);
            lookup(tables, folded)
        };
        toks.push(Tok {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(lower.len()).unwrap_or(u32::MAX),
            entry,
            caps: is_all_caps(token),
            negated: entry.negation || token.as_bytes().windows(3).any(|w| w == b"n't"),
        });
    }
}

/// The scores from the token sentiments: all of them, those not masked, the negative ones.
fn combine(text: &str, toks: &[Tok], sentiments: &[f64], lower: &str, mask: &[&str]) -> Scores {
    let mut total: f64 = sentiments.iter().sum();
    let (mut kept, mut negative_sum) = (0.0, 0.0);
    for (t, s) in toks.iter().zip(sentiments.iter()) {
        if !mask.is_empty() && *s != 0.0 {
            let word = lower.get(t.start as usize..t.end as usize).unwrap_or("");
            if mask.binary_search(&word).is_ok() {
                continue;
            }
        }
        kept += s;
        if *s < 0.0 {
            negative_sum += s;
        }
    }
    let punct = punctuation_emphasis(text);
    let emphasise = |t: f64| if t > 0.0 { t + punct } else { t - punct };
    total = emphasise(total);
    // without the crate's quirk: no sentiment word, no sentiment
    kept = if kept == 0.0 { 0.0 } else { emphasise(kept) };
    Scores {
        compound: normalize(total),
        unmasked_compound: normalize(kept),
        negative: -normalize(negative_sum),
    }
}

fn lookup(tables: &Tables, key: &str) -> Entry {
    if key.len() > tables.max_key_len {
        return Entry::default();
    }
    tables.words.get(key).copied().unwrap_or_default()
}

fn punctuation_emphasis(text: &str) -> f64 {
    let (mut e, mut q) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'!' => e += 1,
            b'?' => q += 1,
            _ => {}
        }
    }
    let emark = e.min(MAX_EMARK) as f64 * EMARK_INCR;
    let qmark = if q > MAX_QMARK {
        MAX_QMARK_INCR
    } else {
        q as f64 * QMARK_INCR
    };
    qmark + emark
}

fn normalize(score: f64) -> f64 {
    let norm = score / (score * score + NORMALIZATION_ALPHA).sqrt();
    if norm.is_nan() {
        return 0.0;
    }
    norm.clamp(-1.0, 1.0)
}

fn valence(tables: &Tables, toks: &[Tok], lower: &str, i: usize, mixed_caps: bool, subs: &mut Subs) -> f64 {
    let Some(tok) = toks.get(i) else { return 0.0 };
    let Some(mut valence) = tok.entry.valence else {
        return 0.0;
    };
    if tok.caps && mixed_caps {
        if valence > 0.0 {
            valence += C_INCR;
        } else {
            valence -= C_INCR;
        }
    }
    let at = |k: usize| toks.get(k);
    let is = |k: usize, bit: u16| at(k).is_some_and(|t| t.is(bit));
    for start_i in 0..3usize {
        if i <= start_i {
            break;
        }
        let k = i - start_i - 1;
        let Some(prev) = at(k) else { break };
        if prev.in_lexicon() {
            continue;
        }
        let mut s = 0.0;
        if let Some(b) = prev.entry.booster {
            s = if valence < 0.0 { -b } else { b };
            if prev.caps && mixed_caps {
                if valence > 0.0 {
                    s += C_INCR;
                } else {
                    s -= C_INCR;
                }
            }
        }
        if start_i == 1 {
            s *= 0.95;
        } else if start_i == 2 {
            s *= 0.9;
        }
        valence += s;
        // negation_check
        match start_i {
            0 => {
                if prev.negated {
                    valence *= NEGATION_SCALAR;
                }
            }
            1 => {
                if is(i - 2, NEVER) && (is(i - 1, SO) || is(i - 1, THIS)) {
                    valence *= 1.25;
                } else if is(i - 2, WITHOUT) && is(i - 1, DOUBT) {
                    // "without doubt": unchanged
                } else if prev.negated {
                    valence *= NEGATION_SCALAR;
                }
            }
            _ => {
                if (is(i - 3, NEVER) && is(i - 2, SO)) || is(i - 2, THIS) || is(i - 1, SO) || is(i - 1, THIS) {
                    valence *= 1.25;
                } else if (is(i - 3, WITHOUT) && is(i - 2, DOUBT)) || is(i - 1, DOUBT) {
                    // unchanged
                } else if prev.negated {
                    valence *= NEGATION_SCALAR;
                }
                valence = special_idioms(tables, toks, lower, i, valence, subs);
            }
        }
    }
    // least_check: the crate's "at least" exception can never hold, so `least` always negates.
    if i > 0 && is(i - 1, LEAST) {
        valence *= NEGATION_SCALAR;
    }
    valence
}

/// The crate's `special_idioms_check` (called with `i ≥ 3`): an idiom in the window of three
/// words before to two after replaces the valence; every booster that occurs as a substring of
/// the three words before adds its value.
fn special_idioms(tables: &Tables, toks: &[Tok], lower: &str, i: usize, valence: f64, subs: &mut Subs) -> f64 {
    let mut valence = valence;
    let n = toks.len();
    let end_i = if n - 1 > i { (i + 3).min(n) } else { i + 1 };
    let (Some(first), Some(last), Some(before)) = (toks.get(i - 3), toks.get(end_i - 1), toks.get(i - 1)) else {
        return valence;
    };
    let found = subs.get(tables, lower);
    // matches are in order of their end: those ending inside the window, then by start
    let within = |start: u32, end: u32| {
        let from = found.partition_point(|m| m.1 < start);
        let to = found.partition_point(|m| m.1 <= end);
        found.get(from..to).unwrap_or(&[]).iter().filter(move |m| m.0 >= start)
    };
    let mut idiom: Option<usize> = None;
    for &(_, _, id) in within(first.start, last.end) {
        let id = id as usize;
        if id >= BOOSTERS.len() {
            let k = id - BOOSTERS.len();
            idiom = Some(idiom.map_or(k, |j| j.min(k)));
        }
    }
    if let Some((_, v)) = idiom.and_then(|k| IDIOMS.get(k)) {
        valence = *v;
    }
    let mut seen = [false; BOOSTERS.len()];
    for &(_, _, id) in within(first.start, before.end) {
        let id = id as usize;
        if let (Some(flag), Some((_, b))) = (seen.get_mut(id), BOOSTERS.get(id))
            && !*flag
        {
            *flag = true;
            valence += *b;
        }
    }
    valence
}

/// Every booster and idiom occurring in the lowercase text (start, end, pattern), in the order
/// of an overlapping search (by end); found once per text, when first needed. The matches inside a
/// window are those the same search over the window finds, in the same order.
struct Subs<'s> {
    found: &'s mut Vec<(u32, u32, u32)>,
    ready: bool,
}

impl Subs<'_> {
    fn get(&mut self, tables: &Tables, lower: &str) -> &[(u32, u32, u32)] {
        if !self.ready {
            self.ready = true;
            self.found.clear();
            if let Some(ac) = tables.substrings.as_ref() {
                let to32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
                self.found.extend(
                    ac.find_overlapping_iter(lower)
                        .map(|m| (to32(m.start()), to32(m.end()), to32(m.pattern().as_usize()))),
                );
            }
        }
        self.found
    }
}
