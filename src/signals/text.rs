//! Text normalisation for the lexicon signals: each message is normalised once.
//!
//! Words are cut as in LANGUAGE.md §6: lowercase, `’` and `ʼ` read as `'`, an apostrophe
//! between letters stays inside the word (`can't`), every other character that is not a letter
//! or digit separates words. The normalised text is the words joined by single spaces, so a
//! lexicon phrase matches with one automaton pass and a word-boundary check. The same pass
//! records clause boundaries (`.`, `,`, `!`, …) and the shouting features of the raw text.

/// A message's text, normalised once.
#[derive(Clone, Debug, Default)]
pub struct Normalized {
    /// Lowercase words joined by single spaces.
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
        self.words
            .get(i)
            .filter(|w| w.start as usize == start)
            .map(|_| i)
    }

    /// Share of letters written in all-caps words (0 with fewer than 6 letters).
    pub fn caps_ratio(&self) -> f64 {
        if self.letters < 6 {
            return 0.0;
        }
        f64::from(self.caps_letters) / f64::from(self.letters)
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | '‘')
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
    let mut out = Normalized {
        text: String::with_capacity(raw.len()),
        words: Vec::with_capacity(raw.len() / 5 + 1),
        ..Normalized::default()
    };
    let mut in_word = false;
    let mut word_start = 0usize;
    let mut pending_clause = true;
    // Shouting: letters of the current raw word and whether all were uppercase.
    let mut word_letters = 0u32;
    let mut word_upper = 0u32;
    let mut bang_run = 0u32;
    let mut chars = raw.char_indices().peekable();
    let mut prev_alnum = false;
    let mut skip_to = 0usize;
    while let Some((pos, c)) = chars.next() {
        if pos < skip_to {
            continue;
        }
        let emoticon = if c == ':' || c == ')' {
            raw.get(pos..).and_then(sad_emoticon)
        } else {
            None
        };
        if is_feeling_emoji(c) || emoticon.is_some() {
            if in_word {
                end_word(
                    &mut out,
                    word_start,
                    pending_clause,
                    word_letters,
                    word_upper,
                );
                pending_clause = false;
                word_letters = 0;
                word_upper = 0;
            }
            if !out.text.is_empty() {
                out.text.push(' ');
            }
            word_start = out.text.len();
            out.text.push(if is_feeling_emoji(c) { c } else { '☹' });
            end_word(&mut out, word_start, pending_clause, 0, 0);
            pending_clause = false;
            in_word = false;
            prev_alnum = false;
            skip_to = pos + emoticon.unwrap_or(0);
            continue;
        }
        if c.is_alphanumeric() {
            if !in_word {
                if !out.text.is_empty() {
                    out.text.push(' ');
                }
                word_start = out.text.len();
                in_word = true;
            }
            if c.is_alphabetic() {
                word_letters += 1;
                if c.is_uppercase() {
                    word_upper += 1;
                }
            }
            if c.is_ascii() {
                out.text.push(c.to_ascii_lowercase());
            } else {
                out.text.extend(c.to_lowercase());
            }
            prev_alnum = true;
            bang_run = 0;
            continue;
        }
        let next_alnum = chars.peek().is_some_and(|(_, n)| n.is_alphanumeric());
        if is_apostrophe(c) && prev_alnum && in_word && next_alnum {
            out.text.push('\'');
            prev_alnum = false;
            continue;
        }
        prev_alnum = false;
        if in_word {
            end_word(
                &mut out,
                word_start,
                pending_clause,
                word_letters,
                word_upper,
            );
            pending_clause = false;
            in_word = false;
            word_letters = 0;
            word_upper = 0;
        }
        if is_clause_mark(c) {
            pending_clause = true;
        }
        if c == '!' || c == '?' {
            if c == '!' {
                out.exclamations = out.exclamations.saturating_add(1);
            }
            bang_run += 1;
            out.longest_bang_run = out.longest_bang_run.max(bang_run);
        } else if !c.is_whitespace() {
            bang_run = 0;
        }
    }
    if in_word {
        end_word(
            &mut out,
            word_start,
            pending_clause,
            word_letters,
            word_upper,
        );
    }
    out
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
