//! Text normalisation for the lexicon signals: each message is normalised once.
//!
//! Words are cut as in LANGUAGE.md §6 by [`cut_words`], the one cutter that `mentions`
//! (`eval::lexicon`) uses too: `'` and `’` alike, an apostrophe between letters stays inside the
//! word (`can't`), every other character that is not a letter or digit separates words; words
//! are lowercased and `’` is written `'`. The normalised text is the words each preceded by one
//! space, so a lexicon phrase matches with one automaton pass and a word-boundary check. The
//! same pass records clause boundaries (`.`, `,`, `!`, …), sad emoji and emoticons (kept as
//! words) and the shouting features of the raw text.

/// A message's text, normalised once.
#[derive(Clone, Debug, Default)]
pub struct Normalized {
    /// Lowercase words, each after a single space (` i can't pay`), so that a lexicon pattern
    /// that starts with a space can only match at a word start.
    pub text: String,
    pub words: Vec<Word>,
    /// Letters in words of two letters or more, and how many of them are in all-caps words.
    pub letters: u32,
    pub caps_letters: u32,
    /// Number of `!`, and the longest run of `!`/`?` (ignoring spaces).
    pub exclamations: u32,
    pub longest_bang_run: u32,
}

/// One word of a normalised text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Word {
    pub start: u32,
    pub end: u32,
    /// A clause boundary (`.`, `,`, `;`, `:`, `!`, `?`, a line break, a dash) precedes it.
    pub clause_start: bool,
}

impl Normalized {
    pub fn word(&self, i: usize) -> &str {
        self.words
            .get(i)
            .and_then(|w| self.text.get(w.start as usize..w.end as usize))
            .unwrap_or("")
    }

    /// Index of the word starting at byte `start` of `text`, if a word starts there.
    pub fn word_at(&self, start: usize) -> Option<usize> {
        let i = self.words.partition_point(|w| (w.start as usize) < start);
        self.words.get(i).filter(|w| w.start as usize == start).map(|_| i)
    }

    /// Share of letters written in all-caps words (0 with fewer than 6 letters).
    pub fn caps_ratio(&self) -> f64 {
        if self.letters < 6 {
            return 0.0;
        }
        f64::from(self.caps_letters) / f64::from(self.letters)
    }
}

/// `'` and `’` (LANGUAGE.md §6).
fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '’'
}

/// Cuts `raw` into words (LANGUAGE.md §6) and calls `word` with the byte range of each, in
/// order: a run of letters and digits, an apostrophe between two letters included. Linear.
pub fn cut_words(raw: &str, mut word: impl FnMut(usize, usize)) {
    let bytes = raw.as_bytes();
    let char_at = |i: usize| -> (char, usize) {
        match bytes.get(i) {
            Some(&b) if b < 0x80 => (char::from(b), 1),
            _ => raw.get(i..).and_then(|r| r.chars().next()).map_or(('\0', 1), |c| (c, c.len_utf8())),
        }
    };
    let mut start: Option<usize> = None;
    let mut prev_letter = false;
    let mut i = 0;
    while i < bytes.len() {
        let (c, len) = char_at(i);
        if c.is_alphanumeric() {
            start.get_or_insert(i);
            prev_letter = c.is_alphabetic();
        } else if prev_letter && is_apostrophe(c) && i + len < bytes.len() && char_at(i + len).0.is_alphabetic() {
            prev_letter = false;
        } else {
            if let Some(s) = start.take() {
                word(s, i);
            }
            prev_letter = false;
        }
        i += len;
    }
    if let Some(s) = start {
        word(s, bytes.len());
    }
}

/// The characters of a word lowercased, `’` as `'`.
pub fn lower_chars(word: &str) -> impl Iterator<Item = char> + '_ {
    word.chars().flat_map(|c| {
        let c = if c == '’' { '\'' } else { c };
        c.to_lowercase()
    })
}

/// Emoji and emoticons of sadness and fear, kept as words so the lexicon can read them.
fn is_feeling_emoji(c: char) -> bool {
    matches!(
        c,
        '☹' | '🙁' | '😭' | '😢' | '😞' | '😔' | '💔' | '😨' | '😰' | '😱' | '😟' | '😥'
    )
}

/// A sad emoticon starting here (`:(`, `:-(`, `:'(`), as its length in bytes.
fn sad_emoticon(rest: &str) -> Option<usize> {
    [":(", ":-(", ":'(", ":(("]
        .iter()
        .find(|e| rest.starts_with(*e))
        .map(|e| e.len())
}

fn is_clause_mark(c: char) -> bool {
    matches!(
        c,
        '.' | ',' | ';' | ':' | '!' | '?' | '\n' | '(' | ')' | '—' | '–' | '…' | '"' | '“' | '”'
    )
}

/// Normalises a text; linear in its length.
pub fn normalize(raw: &str) -> Normalized {
    let mut out = Normalized::default();
    normalize_into(raw, &mut out);
    out
}

/// What the pass carries from one gap between words to the next word.
#[derive(Default)]
struct State {
    pending_clause: bool,
    bang_run: u32,
}

/// Normalises a text into `out`, reusing its buffers.
pub fn normalize_into(raw: &str, out: &mut Normalized) {
    out.text.clear();
    out.words.clear();
    out.text.reserve(raw.len());
    out.letters = 0;
    out.caps_letters = 0;
    out.exclamations = 0;
    out.longest_bang_run = 0;
    let mut state = State { pending_clause: true, bang_run: 0 };
    let mut prev_end = 0;
    cut_words(raw, |s, e| {
        gap(raw.get(prev_end..s).unwrap_or(""), out, &mut state);
        push_word(raw.get(s..e).unwrap_or(""), out, state.pending_clause);
        state.pending_clause = false;
        state.bang_run = 0;
        prev_end = e;
    });
    gap(raw.get(prev_end..).unwrap_or(""), out, &mut state);
}

/// One word: lowercased into the text, its letters counted for shouting.
fn push_word(word: &str, out: &mut Normalized, clause: bool) {
    out.text.push(' ');
    let start = out.text.len();
    let (mut letters, mut upper) = (0u32, 0u32);
    if word.is_ascii() {
        out.text.push_str(word);
        if let Some(w) = out.text.get_mut(start..) {
            w.make_ascii_lowercase();
        }
        for b in word.bytes() {
            letters += u32::from(b.is_ascii_alphabetic());
            upper += u32::from(b.is_ascii_uppercase());
        }
    } else {
        out.text.extend(lower_chars(word));
        for c in word.chars().filter(|c| c.is_alphabetic()) {
            letters += 1;
            upper += u32::from(c.is_uppercase());
        }
    }
    end_word(out, start, clause, letters, upper);
}

/// The characters between two words: clause marks, `!`/`?` runs, sad emoji and emoticons.
fn gap(text: &str, out: &mut Normalized, state: &mut State) {
    let mut skip_to = 0usize;
    for (pos, c) in text.char_indices() {
        if pos < skip_to {
            continue;
        }
        let emoticon = if c == ':' { text.get(pos..).and_then(sad_emoticon) } else { None };
        if is_feeling_emoji(c) || emoticon.is_some() {
            out.text.push(' ');
            let start = out.text.len();
            out.text.push(if is_feeling_emoji(c) { c } else { '☹' });
            end_word(out, start, state.pending_clause, 0, 0);
            state.pending_clause = false;
            skip_to = pos + emoticon.unwrap_or(0);
            continue;
        }
        if is_clause_mark(c) {
            state.pending_clause = true;
        }
        if c == '!' || c == '?' {
            if c == '!' {
                out.exclamations = out.exclamations.saturating_add(1);
            }
            state.bang_run += 1;
            out.longest_bang_run = out.longest_bang_run.max(state.bang_run);
        } else if !c.is_whitespace() {
            state.bang_run = 0;
        }
    }
}

fn end_word(out: &mut Normalized, start: usize, clause: bool, letters: u32, upper: u32) {
    let to32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    out.words.push(Word {
        start: to32(start),
        end: to32(out.text.len()),
        clause_start: clause,
    });
    if letters >= 2 {
        out.letters = out.letters.saturating_add(letters);
        if upper == letters {
            out.caps_letters = out.caps_letters.saturating_add(letters);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn cutting() {
        let words = |s: &str| normalize(s).text;
        assert_eq!(words("I don’t KNOW, can't we?"), " i don't know can't we");
        assert_eq!(words("well-being 'quoted' rock'n'roll 90's"), " well being quoted rock'n'roll 90 s");
        assert_eq!(words("so sad :( 😢 ok"), " so sad ☹ 😢 ok");
        assert_eq!(words(""), "");
        let n = normalize("Hi. NO WAY!!! ok");
        assert_eq!(n.longest_bang_run, 3);
        assert!(n.words[1].clause_start && !n.words[2].clause_start && n.words[3].clause_start);
    }
}
