//! VADER's tables (lexicon, boosters, negations, specials, emoji), built once, and the small
//! hasher they are keyed with.

use super::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};

/// Everything VADER knows about one (case-folded) word.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Entry {
    pub(super) valence: Option<f64>,
    pub(super) booster: Option<f64>,
    pub(super) negation: bool,
    pub(super) special: u16,
}

/// A small, fast, non-cryptographic hasher for short keys (the lexicon is static).
#[derive(Default)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    /// Eight bytes at a time, as rustc's `FxHasher`.
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            for (d, b) in w.iter_mut().zip(rest) {
                *d = *b;
            }
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }
    #[inline]
    fn write_u8(&mut self, b: u8) {
        self.add(u64::from(b));
    }
    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

pub(super) struct Tables {
    /// Keys borrowed from the lexicon text when already folded.
    pub(super) words: FxMap<Cow<'static, str>, Entry>,
    pub(super) max_key_len: usize,
    pub(super) emoji: FxMap<char, &'static str>,
    /// Boosters (ids `0..BOOSTERS.len()`) then idioms, for the substring checks.
    pub(super) substrings: Option<AhoCorasick>,
}

pub(super) static TABLES: LazyLock<Tables> = LazyLock::new(build_tables);

/// The published VADER lexicon and emoji descriptions, as the `vader_sentiment` crate ships
/// them (MIT, `LICENSE-MIT` beside this file). Read here rather than through the crate's maps, which hash
/// every key with SipHash into a table grown one doubling at a time: that was ≈ 30M of the
/// ≈ 51M instructions of a whole `handoff eval` of one conversation.
static RAW_LEXICON: &str = include_str!("vader_lexicon.txt");
static RAW_EMOJI_LEXICON: &str = include_str!("emoji_utf8_lexicon.txt");
/// Lines of `vader_lexicon.txt`, to size the table once.
const LEXICON_ENTRIES: usize = 7_520;

/// `(first, second)` tab-separated fields of each non-empty line, as the crate reads them
/// (later lines win when a key repeats, as with its `HashMap::insert`).
fn lexicon_lines(raw: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    raw.split('\n').filter(|l| !l.is_empty()).filter_map(|line| {
        let mut fields = line.split('\t');
        Some((fields.next()?, fields.next()?))
    })
}

pub(super) fn build_tables() -> Tables {
    let mut words: FxMap<Cow<'static, str>, Entry> = FxMap::with_capacity_and_hasher(
        LEXICON_ENTRIES + BOOSTERS.len() + NEGATIONS.len() + SPECIALS.len(),
        BuildHasherDefault::default(),
    );
    for (word, valence) in lexicon_lines(RAW_LEXICON) {
        let Ok(valence) = valence.parse::<f64>() else { continue };
        let key = if word.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
            Cow::Borrowed(word)
        } else {
            Cow::Owned(fold(word))
        };
        words.entry(key).or_default().valence = Some(valence);
    }
    for &(word, b) in BOOSTERS {
        words.entry(Cow::Borrowed(word)).or_default().booster = Some(b);
    }
    for &word in NEGATIONS {
        words.entry(Cow::Borrowed(word)).or_default().negation = true;
    }
    for &(word, bit) in SPECIALS {
        words.entry(Cow::Borrowed(word)).or_default().special |= bit;
    }
    let max_key_len = words.keys().map(|k| k.len()).max().unwrap_or(0);
    let mut emoji = FxMap::default();
    for (key, desc) in lexicon_lines(RAW_EMOJI_LEXICON) {
        let mut chars = key.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            emoji.insert(c, desc);
        }
    }
    let patterns = BOOSTERS.iter().map(|b| b.0).chain(IDIOMS.iter().map(|i| i.0));
    // Fixed literals: building cannot fail; `None` would only disable the substring checks.
    let substrings = AhoCorasick::builder()
        .kind(Some(AhoCorasickKind::ContiguousNFA))
        .build(patterns)
        .ok();
    Tables {
        words,
        max_key_len,
        emoji,
        substrings,
    }
}
