//! Positions (LSP's line and UTF-16 column) against byte offsets, the word under the cursor,
//! and `file:` URIs against paths.

use lsp_types::{Position, Range, Uri};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The position of a byte offset (clamped to the text, and to a character boundary).
pub fn position(text: &str, offset: usize) -> Position {
    let mut line = 0u32;
    let mut column = 0u32;
    for (i, c) in text.char_indices() {
        if i >= offset {
            break;
        }
        if c == '\n' {
            line += 1;
            column = 0;
        } else {
            column += u32::try_from(c.len_utf16()).unwrap_or(1);
        }
    }
    Position { line, character: column }
}

pub fn range(text: &str, start: usize, end: usize) -> Range {
    Range { start: position(text, start), end: position(text, end) }
}

/// The byte offset of a position; a column past the line's end is its end, a line past the
/// text's end is the text's end.
pub fn offset(text: &str, pos: Position) -> usize {
    let mut line = 0u32;
    let mut column = 0u32;
    for (i, c) in text.char_indices() {
        if line == pos.line && (column >= pos.character || c == '\n') {
            return i;
        }
        if c == '\n' {
            line += 1;
            column = 0;
        } else if line == pos.line {
            column += u32::try_from(c.len_utf16()).unwrap_or(1);
        }
    }
    text.len()
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// The dotted word around a byte offset (`customer.tier`), with its start, without a trailing
/// `.`.
pub fn word_at(text: &str, offset: usize) -> Option<(usize, &str)> {
    let offset = offset.min(text.len());
    let start = text.get(..offset)?.char_indices().rev().take_while(|&(_, c)| is_word(c)).last().map_or(offset, |(i, _)| i);
    let end = text.get(offset..)?.char_indices().find(|&(_, c)| !is_word(c)).map_or(text.len(), |(i, _)| offset + i);
    let word = text.get(start..end)?.trim_end_matches('.');
    (!word.is_empty()).then_some((start, word))
}

/// The part of the word before the cursor, with its start: what completion extends.
pub fn prefix_at(text: &str, offset: usize) -> (usize, &str) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or_default();
    let start = before.char_indices().rev().take_while(|&(_, c)| is_word(c)).last().map_or(offset, |(i, _)| i);
    (start, before.get(start..).unwrap_or_default())
}

/// The path of a `file:` URI (percent-decoded); `None` for other schemes.
pub fn uri_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file:///C:/…` on Windows; `file://host/…` is not a local file.
    let rest = if rest.starts_with('/') { rest } else { return None };
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok().map(PathBuf::from)
}

/// The `file:` URI of a path (characters outside the unreserved set and `/` percent-encoded).
pub fn path_uri(path: &Path) -> Option<Uri> {
    let mut out = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_and_round_trip() {
        let text = "ab\nc’d 😀e\n";
        let e = text.find('e').unwrap_or(0);
        let p = position(text, e);
        assert_eq!(p, Position { line: 1, character: 6 });
        assert_eq!(offset(text, p), e);
        assert_eq!(offset(text, Position { line: 0, character: 99 }), 2);
        assert_eq!(offset(text, Position { line: 9, character: 0 }), text.len());
    }

    #[test]
    fn words_and_uris() {
        let text = "when customer.tier == x";
        assert_eq!(word_at(text, 8), Some((5, "customer.tier")));
        assert_eq!(prefix_at(text, 14), (5, "customer."));
        let path = Path::new("/tmp/a b/c%.policy");
        let uri = path_uri(path);
        assert_eq!(uri.as_ref().and_then(uri_path).as_deref(), Some(path));
    }
}
