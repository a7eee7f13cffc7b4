//! Text normalisation for the lexicon signals: each message is normalised once.
//!
//! Words are cut as in LANGUAGE.md §6: lowercase, `’` and `ʼ` read as `'`, an apostrophe
//! between letters stays inside the word (`can't`), every other character that is not a letter
//! or digit separates words. The normalised text is the words each preceded by one space, so a
//! lexicon phrase matches with one automaton pass and a word-boundary check. The same pass
//! records clause boundaries (`.`, `,`, `!`, …) and the shouting features of the raw text.

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
    let mut out = Normalized::default();
    normalize_into(raw, &mut out);
    out
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
    if raw.is_ascii() {
        normalize_ascii(raw, out);
    } else {
        normalize_chars(raw, out);
    }
}

/// The same as [`normalize_chars`] for ASCII text, a byte at a time.
fn normalize_ascii(raw: &str, out: &mut Normalized) {
    let bytes = raw.as_bytes();
    let mut in_word = false;
    let mut word_start = 0usize;
    let mut pending_clause = true;
    let mut word_letters = 0u32;
    let mut word_upper = 0u32;
    let mut bang_run = 0u32;
    let mut prev_alnum = false;
    let mut i = 0usize;
    while let Some(&c) = bytes.get(i) {
        if c == b':'
            && let Some(len) = raw.get(i..).and_then(sad_emoticon)
        {
            if in_word {
                end_word(out, word_start, pending_clause, word_letters, word_upper);
                pending_clause = false;
                word_letters = 0;
                word_upper = 0;
            }
            out.text.push(' ');
            word_start = out.text.len();
            out.text.push('☹');
            end_word(out, word_start, pending_clause, 0, 0);
            pending_clause = false;
            in_word = false;
            prev_alnum = false;
            i += len;
            continue;
        }
        if c.is_ascii_alphanumeric() {
            if !in_word {
                out.text.push(' ');
                word_start = out.text.len();
                in_word = true;
            }
            // the whole run of letters and digits at once
            let run_start = i;
            while let Some(&b) = bytes.get(i) {
                if b.is_ascii_alphabetic() {
                    word_letters += 1;
                    word_upper += u32::from(b.is_ascii_uppercase());
                } else if !b.is_ascii_digit() {
                    break;
                }
                i += 1;
            }
            let at = out.text.len();
            out.text.push_str(raw.get(run_start..i).unwrap_or(""));
            if let Some(run) = out.text.get_mut(at..) {
                run.make_ascii_lowercase();
            }
            prev_alnum = true;
            bang_run = 0;
            continue;
        }
        i += 1;
        let next_alnum = bytes.get(i).is_some_and(u8::is_ascii_alphanumeric);
        if c == b'\'' && prev_alnum && in_word && next_alnum {
            out.text.push('\'');
            prev_alnum = false;
            continue;
        }
        prev_alnum = false;
        if in_word {
            end_word(out, word_start, pending_clause, word_letters, word_upper);
            pending_clause = false;
            in_word = false;
            word_letters = 0;
            word_upper = 0;
        }
        let ch = char::from(c);
        if is_clause_mark(ch) {
            pending_clause = true;
        }
        if c == b'!' || c == b'?' {
            if c == b'!' {
                out.exclamations = out.exclamations.saturating_add(1);
            }
            bang_run += 1;
            out.longest_bang_run = out.longest_bang_run.max(bang_run);
        } else if !ch.is_whitespace() {
            bang_run = 0;
        }
    }
    if in_word {
        end_word(out, word_start, pending_clause, word_letters, word_upper);
    }
}

/// Normalises any text, a character at a time.
fn normalize_chars(raw: &str, out: &mut Normalized) {
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
                end_word(out, word_start, pending_clause, word_letters, word_upper);
                pending_clause = false;
                word_letters = 0;
                word_upper = 0;
            }
            out.text.push(' ');
            word_start = out.text.len();
            out.text.push(if is_feeling_emoji(c) { c } else { '☹' });
            end_word(out, word_start, pending_clause, 0, 0);
            pending_clause = false;
            in_word = false;
            prev_alnum = false;
            skip_to = pos + emoticon.unwrap_or(0);
            continue;
        }
        if c.is_alphanumeric() {
            if !in_word {
                out.text.push(' ');
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
            end_word(out, word_start, pending_clause, word_letters, word_upper);
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
        end_word(out, word_start, pending_clause, word_letters, word_upper);
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

    fn both(raw: &str) -> (Normalized, Normalized) {
        let (mut a, mut b) = (Normalized::default(), Normalized::default());
        normalize_ascii(raw, &mut a);
        normalize_chars(raw, &mut b);
        (a, b)
    }

    /// The ASCII fast path gives exactly what the general path gives.
    #[test]
    fn ascii_path_matches_char_path() {
        let alphabet: &[u8] = b"aZk9 '':(-)!?.,\t\n\x0b\x0cQx\"  iI";
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for len in 0..2000usize {
            let mut s = String::new();
            for _ in 0..(len % 40) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                s.push(char::from(alphabet[(state % alphabet.len() as u64) as usize]));
            }
            let (a, b) = both(&s);
            assert_eq!(a.text, b.text, "{s:?}");
            assert_eq!(a.words, b.words, "{s:?}");
            assert_eq!(
                (a.letters, a.caps_letters, a.exclamations, a.longest_bang_run),
                (b.letters, b.caps_letters, b.exclamations, b.longest_bang_run),
                "{s:?}"
            );
        }
    }
}
