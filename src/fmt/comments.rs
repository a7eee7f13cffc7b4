//! Attaching comments to the lines the formatter prints.
//!
//! Every printed line has an *anchor*: the source offset of the node it prints (a closing `}`
//! has the offset of the brace). A comment alone on its line belongs before the first anchor
//! after it; a comment after code on its line belongs after the last anchor before it. The
//! printer asks for each anchor's comments as it prints the line, and [`Comments::rest`]
//! returns any comment no printed line claimed, so that none is ever lost.

use crate::ast::Comment;
use std::collections::BTreeMap;

pub(super) struct Comments<'a> {
    comments: &'a [Comment],
    /// Comment indexes before an anchor's line.
    leading: BTreeMap<usize, Vec<usize>>,
    /// Comment indexes after an anchor's line.
    trailing: BTreeMap<usize, Vec<usize>>,
    /// Whether a blank line follows the comment in the source.
    blank_after: Vec<bool>,
    /// Whether a blank line comes before the comment in the source.
    blank_before: Vec<bool>,
    /// Whether the comment follows code on its line.
    after_code: Vec<bool>,
    printed: Vec<bool>,
}

impl<'a> Comments<'a> {
    /// Assigns each comment to one of `anchors` (any order; an anchor past the end of the
    /// source collects what follows the last item).
    pub fn new(comments: &'a [Comment], source: &str, mut anchors: Vec<usize>) -> Comments<'a> {
        anchors.sort_unstable();
        anchors.dedup();
        let mut leading: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let mut trailing: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let mut blank_after = Vec::with_capacity(comments.len());
        let mut after_code_all = Vec::with_capacity(comments.len());
        let mut blank_before = Vec::with_capacity(comments.len());
        for (i, c) in comments.iter().enumerate() {
            let start = c.span.start as usize;
            let end = c.span.end as usize;
            let line_start = source
                .get(..start)
                .and_then(|b| b.rfind('\n'))
                .map_or(0, |n| n + 1);
            let after_code = source
                .get(line_start..start)
                .is_some_and(|b| !b.trim().is_empty());
            after_code_all.push(after_code);
            let before_text = source.get(..start).unwrap_or("");
            let gap_start = before_text.trim_end().len();
            blank_before.push(
                before_text
                    .get(gap_start..)
                    .is_some_and(|g| g.matches('\n').count() >= 2),
            );
            let next = anchors.partition_point(|&a| a <= start);
            let before = next.checked_sub(1).and_then(|k| anchors.get(k));
            match (after_code, before, anchors.get(next)) {
                (true, Some(&a), _) => trailing.entry(a).or_default().push(i),
                (_, _, Some(&a)) => leading.entry(a).or_default().push(i),
                (_, Some(&a), None) => trailing.entry(a).or_default().push(i),
                (_, None, None) => {} // no anchor at all: `rest` prints it
            }
            let rest = source.get(end..).unwrap_or("");
            let gap: &str = rest
                .split(|ch: char| !ch.is_whitespace())
                .next()
                .unwrap_or("");
            blank_after.push(gap.matches('\n').count() >= 2);
        }
        Comments {
            comments,
            leading,
            trailing,
            blank_after,
            after_code: after_code_all,
            blank_before,
            printed: vec![false; comments.len()],
        }
    }

    /// Comment lines to print before the anchor's line, at `indent`. With `keep_blank`, a blank
    /// line before the first of them in the source is kept (before a closing `}` and at the
    /// end of the file, where no other rule puts one).
    pub fn leading(&mut self, anchor: usize, indent: &str, keep_blank: bool, out: &mut String) {
        let Some(list) = self.leading.remove(&anchor) else {
            return;
        };
        let blank = list
            .first()
            .is_some_and(|&i| self.blank_before.get(i).copied().unwrap_or(false));
        if keep_blank && blank && !out.is_empty() && !out.ends_with("{\n") && !out.ends_with("\n\n")
        {
            out.push('\n');
        }
        for i in list {
            if self.printed.get(i).copied().unwrap_or(true) {
                continue;
            }
            self.line(i, indent, out);
            if self.blank_after.get(i).copied().unwrap_or(false) {
                out.push('\n');
            }
        }
    }

    /// Ends the anchor's line: its first trailing comment on the same line, any others on
    /// lines of their own after it. `out` must end with the printed line (no newline yet).
    pub fn trailing(&mut self, anchor: usize, indent: &str, out: &mut String) {
        let list = self.trailing.remove(&anchor).unwrap_or_default();
        let mut list = list
            .into_iter()
            .filter(|&i| !self.printed.get(i).copied().unwrap_or(true))
            .collect::<Vec<_>>()
            .into_iter();
        if let Some(i) = list.next() {
            if let Some(c) = self.comments.get(i) {
                out.push_str("  #");
                out.push_str(c.text.trim_end());
            }
            if let Some(p) = self.printed.get_mut(i) {
                *p = true;
            }
        }
        out.push('\n');
        for i in list {
            self.line(i, indent, out);
        }
    }

    /// Ends a line of a broken condition: the comments written between `start` and `end` of
    /// the source (between two operands) follow it, the first on the same line when it was
    /// after code.
    pub fn between(&mut self, start: usize, end: usize, indent: &str, out: &mut String) {
        let mut first = true;
        for i in 0..self.comments.len() {
            let Some(c) = self.comments.get(i) else {
                continue;
            };
            let at = c.span.start as usize;
            if at < start || at >= end || self.printed.get(i).copied().unwrap_or(true) {
                continue;
            }
            if first && self.after_code.get(i).copied().unwrap_or(false) {
                out.push_str("  #");
                out.push_str(c.text.trim_end());
                if let Some(p) = self.printed.get_mut(i) {
                    *p = true;
                }
            } else {
                if first {
                    out.push('\n');
                }
                self.line(i, indent, out);
                first = false;
                continue;
            }
            out.push('\n');
            first = false;
        }
        if first {
            out.push('\n');
        }
    }

    fn line(&mut self, i: usize, indent: &str, out: &mut String) {
        if let Some(c) = self.comments.get(i) {
            out.push_str(indent);
            out.push('#');
            out.push_str(c.text.trim_end());
            out.push('\n');
        }
        if let Some(p) = self.printed.get_mut(i) {
            *p = true;
        }
    }

    /// Every comment no printed line claimed, as lines at the end of the file.
    pub fn rest(&mut self, out: &mut String) {
        for i in 0..self.comments.len() {
            if !self.printed.get(i).copied().unwrap_or(true) {
                self.line(i, "", out);
            }
        }
    }
}
