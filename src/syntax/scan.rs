//! A lexical pre-scan of the whole file, before pest sees it.
//!
//! It knows just enough of the language to skip strings and comments, and is used to
//! - collect every comment (for the formatter),
//! - cut the file into top-level items, so that one broken item does not hide the others,
//! - refuse nesting deeper than [`MAX_DEPTH`] before a recursive parser could overflow the stack,
//! - find a `{` that is never closed, for a readable message.

use crate::ast::MAX_DEPTH;

/// What a token is, as far as the pre-scan cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// A run of `[A-Za-z0-9_.]`: a keyword, a name, a dotted path or a number.
    Word,
    /// A string literal (possibly unterminated at the line end).
    Str,
    /// One of `{ } ( ) [ ]`.
    Bracket(u8),
    /// Any other character.
    Other,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    /// The first token of its line.
    pub line_start: bool,
}

impl Token {
    pub fn text(self, text: &str) -> &str {
        text.get(self.start..self.end).unwrap_or("")
    }

    /// Whether this token is the word `word` (a dotted path is never a keyword).
    pub fn is_word(self, text: &str, word: &str) -> bool {
        self.kind == Kind::Word && self.text(text) == word
    }
}

/// Tokens and comments of a file. Comments are `(start, end)` with `start` at `#` and `end`
/// before the line end.
pub(super) struct Scan {
    pub tokens: Vec<Token>,
    pub comments: Vec<(usize, usize)>,
}

fn is_word_byte(b: u8) -> bool {
    matches!(b, b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.')
}

/// The first `"`, line end or `\` from `from` on (the end of the text if none): eight bytes
/// at a time, as strings are most of a policy's text.
fn string_stop(bytes: &[u8], from: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Whether some byte of `w` is `b` (the classic zero-byte test on `w ^ b…b`).
    let has = |w: u64, b: u8| {
        let x = w ^ (ONES * u64::from(b));
        x.wrapping_sub(ONES) & !x & HIGH != 0
    };
    let mut i = from;
    for chunk in bytes.get(from..).unwrap_or_default().chunks_exact(8) {
        let w = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or([b'"'; 8]));
        if has(w, b'"') || has(w, b'\n') || has(w, b'\\') {
            break;
        }
        i += 8;
    }
    run_end(bytes, i, |c| !matches!(c, b'"' | b'\n' | b'\\'))
}

/// The end of the run of bytes from `from` on that satisfy `pred`.
fn run_end(bytes: &[u8], from: usize, pred: impl Fn(u8) -> bool) -> usize {
    bytes.get(from..).map_or(from, |rest| {
        from + rest.iter().position(|&c| !pred(c)).unwrap_or(rest.len())
    })
}

pub(super) fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    // About one token in six bytes of policy text: growing the vector costs more than this.
    let mut tokens = Vec::with_capacity(bytes.len() / 6);
    let mut comments = Vec::new();
    let mut i = 0;
    let mut line_start = true;
    while let Some(&b) = bytes.get(i) {
        let start = i;
        let kind = match b {
            b'\n' => {
                line_start = true;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i = run_end(bytes, i + 1, |c| matches!(c, b' ' | b'\t' | b'\r'));
                continue;
            }
            b'#' => {
                i = run_end(bytes, i, |c| c != b'\n');
                let end = if i > start && bytes.get(i - 1) == Some(&b'\r') {
                    i - 1
                } else {
                    i
                };
                comments.push((start, end));
                continue;
            }
            b'"' => {
                i += 1;
                loop {
                    i = string_stop(bytes, i);
                    let Some(&c) = bytes.get(i) else {
                        break;
                    };
                    match c {
                        b'"' => {
                            i += 1;
                            break;
                        }
                        b'\n' => break,
                        b'\\' if bytes.get(i + 1).is_some_and(|&n| n != b'\n') => i += 2,
                        _ => i += 1,
                    }
                }
                Kind::Str
            }
            b'{' | b'}' | b'(' | b')' | b'[' | b']' => {
                i += 1;
                Kind::Bracket(b)
            }
            _ if is_word_byte(b) => {
                i = run_end(bytes, i + 1, is_word_byte);
                Kind::Word
            }
            _ => {
                // One character, whole (UTF-8 continuation bytes are not char boundaries).
                i += 1;
                while bytes.get(i).is_some_and(|&c| (c & 0xC0) == 0x80) {
                    i += 1;
                }
                Kind::Other
            }
        };
        tokens.push(Token {
            kind,
            start,
            end: i.min(text.len()),
            line_start,
        });
        line_start = false;
    }
    Scan { tokens, comments }
}

/// Words that begin a top-level item.
pub(super) const ITEM_KEYWORDS: [&str; 8] = [
    "policy",
    "default",
    "context",
    "lexicon",
    "principle",
    "allow",
    "require",
    "guarantee",
];

fn is_item_keyword(t: Token, text: &str) -> bool {
    t.kind == Kind::Word && ITEM_KEYWORDS.contains(&t.text(text))
}

/// Cuts tokens into top-level items: a new item begins at an item keyword outside braces that
/// begins a line or follows a `}`. Returns index ranges into `tokens`.
pub(super) fn split_items(tokens: &[Token], text: &str) -> Vec<std::ops::Range<usize>> {
    let mut starts = Vec::new();
    let mut depth = 0usize;
    let mut after_brace = false;
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            Kind::Bracket(b'{') => depth += 1,
            Kind::Bracket(b'}') => depth = depth.saturating_sub(1),
            Kind::Word if depth == 0 && (t.line_start || after_brace) && is_item_keyword(*t, text) => starts.push(i),
            _ => {}
        }
        after_brace = t.kind == Kind::Bracket(b'}');
    }
    ranges(starts, tokens.len())
}

/// Cuts a piece that did not parse at every item keyword that begins a line, at any depth:
/// the usual layout survives a missing or extra brace.
pub(super) fn split_lines(tokens: &[Token], text: &str) -> Vec<std::ops::Range<usize>> {
    let starts = tokens
        .iter()
        .enumerate()
        .filter(|(i, t)| *i == 0 || (t.line_start && is_item_keyword(**t, text)))
        .map(|(i, _)| i)
        .collect();
    ranges(starts, tokens.len())
}

pub(super) fn ranges(mut starts: Vec<usize>, len: usize) -> Vec<std::ops::Range<usize>> {
    if starts.first() != Some(&0) && len > 0 {
        starts.insert(0, 0);
    }
    let mut out = Vec::with_capacity(starts.len());
    for (k, &s) in starts.iter().enumerate() {
        let e = starts.get(k + 1).copied().unwrap_or(len);
        if s < e {
            out.push(s..e);
        }
    }
    out
}

/// The deepest nesting of an item — open parentheses and brackets, plus every `not` and
/// `where` of the same clause (a clause keyword starts counting again) — or the first place where it goes deeper than [`MAX_DEPTH`].
pub(super) fn nesting(tokens: &[Token], text: &str) -> Result<usize, usize> {
    let mut brackets = 0usize;
    let mut words = 0usize;
    let mut deepest = 0usize;
    for t in tokens {
        match t.kind {
            Kind::Bracket(b'(' | b'[') => brackets += 1,
            Kind::Bracket(b')' | b']') => brackets = brackets.saturating_sub(1),
            Kind::Bracket(_) => {
                brackets = 0;
                words = 0;
            }
            Kind::Word => match t.text(text) {
                "not" | "where" => words += 1,
                "when" | "unless" | "because" | "priority" | "queue" | "tag" | "say" | "must" => words = 0,
                _ => {}
            },
            Kind::Str | Kind::Other => {}
        }
        if brackets + words > MAX_DEPTH {
            return Err(t.start);
        }
        deepest = deepest.max(brackets + words);
    }
    Ok(deepest)
}

/// Net count of `{` minus `}` and the first `{` that is never closed.
pub(super) fn braces(tokens: &[Token]) -> (isize, Option<usize>) {
    let mut open = Vec::new();
    let mut net = 0isize;
    for t in tokens {
        match t.kind {
            Kind::Bracket(b'{') => {
                open.push(t.start);
                net += 1;
            }
            Kind::Bracket(b'}') => {
                open.pop();
                net -= 1;
            }
            _ => {}
        }
    }
    (net, open.first().copied())
}
