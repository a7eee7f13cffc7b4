//! Source text and spans.
//!
//! A [`Span`] is a `Copy` pair of byte offsets plus the index of the file it belongs to in the
//! policy set. Spans compare equal to each other always, so that AST equality ignores where a
//! node was written (tests compare trees directly, the formatter proves itself by comparing the
//! trees before and after).

use std::fmt;

/// Index of a source file within a policy set (its position in path order).
pub type FileId = u32;

/// A region of one source file, in byte offsets.
#[derive(Clone, Copy, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// The smallest span covering both (they must be in the same file).
    pub fn to(self, other: Span) -> Span {
        Span { file: self.file, start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn len(self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

/// Spans never take part in equality: two trees are equal when they say the same thing.
impl PartialEq for Span {
    fn eq(&self, _: &Span) -> bool {
        true
    }
}
impl Eq for Span {}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}..{}", self.file, self.start, self.end)
    }
}

/// A value and where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    pub node: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(node: T, span: Span) -> Spanned<T> {
        Spanned { node, span }
    }
}

/// One policy file: its name (path relative to the set's directory, `/`-separated; it orders
/// files and enters the digest), the path shown to people, and its text.
#[derive(Clone, Debug)]
pub struct Source {
    pub name: String,
    /// Where people find the file: the set's directory joined with `name`
    /// (`policies/care.policy`); `name` itself for sources given from memory.
    pub path: String,
    pub text: String,
    /// Where the file stopped being UTF-8, and the first bad byte: `text` is then the file
    /// decoded lossily (each bad sequence is `U+FFFD`) and the set has a `syntax` error there.
    pub invalid_utf8: Option<(usize, u8)>,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Source {
        let name = name.into();
        Source { path: name.clone(), name, text: text.into(), invalid_utf8: None }
    }

    /// A source from a file's bytes, which may not be UTF-8 (see [`Source::invalid_utf8`]).
    pub fn from_bytes(name: impl Into<String>, bytes: Vec<u8>) -> Source {
        match String::from_utf8(bytes) {
            Ok(text) => Source::new(name, text),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let bytes = e.into_bytes();
                let bad = bytes.get(at).copied().unwrap_or(0);
                let mut source = Source::new(name, String::from_utf8_lossy(&bytes).into_owned());
                source.invalid_utf8 = Some((at, bad));
                source
            }
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = self.text.get(..offset).unwrap_or(&self.text);
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        (line, column)
    }

    /// `path:line:col` of a byte offset, as verdicts cite rules.
    pub fn location(&self, offset: usize) -> String {
        let (line, column) = self.line_col(offset);
        format!("{}:{}:{}", self.path, line, column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let s = Source::new("a.policy", "ab\nc’d e\n");
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(3), (2, 1));
        // "c’d" — the apostrophe is 3 bytes, one column
        assert_eq!(s.line_col(3 + 1 + 3), (2, 3));
        assert_eq!(s.line_col(10_000), (3, 1));
    }
}
