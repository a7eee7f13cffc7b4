//! The verdict JSON of INTERFACE.md written straight into a byte buffer: the bytes
//! `serde_json::to_writer` writes from [`Verdict`]'s `Serialize` (compact form), without building
//! the reasons, the justification or the lists as strings first. Templates are rendered into
//! the output, escaped as they go; each reason is rendered once and copied into the
//! justification.

use super::program::{Part, Rule, RuleId, Template};
use super::render::{self, IdRef, signal_values, unknowns};
use super::run::Run;
use super::value::{V, round2};
use super::verdict::Verdict;
use crate::context::Conversation;
use smallvec::SmallVec;
use std::io::Write;

impl<'a> Verdict<'a> {
    /// Appends the verdict as compact JSON (keys in INTERFACE.md's order) to `out`: the same
    /// bytes as `serde_json::to_writer(out, &verdict)`, several times faster.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let mut run = self.run();
        let program = self.program;
        out.extend_from_slice(b"{\"conversation\":");
        id(out, self.conversation);
        out.extend_from_slice(b",\"route\":\"");
        out.extend_from_slice(self.route.as_str().as_bytes());
        out.extend_from_slice(b"\",\"queue\":");
        opt_string(out, self.queue());
        out.extend_from_slice(b",\"priority\":\"");
        out.extend_from_slice(self.priority.as_str().as_bytes());
        out.extend_from_slice(b"\",\"say\":");
        opt_string(out, self.say());

        let all;
        let matched: &[RuleId] = if self.complete {
            &self.matched
        } else {
            all = self.all_matching(&mut run);
            &all
        };
        let matched = || matched.iter().filter_map(|&id| program.rules.get(id as usize));
        out.extend_from_slice(b",\"obligations\":");
        strings(out, &self.obligations_of(matched()));
        out.extend_from_slice(b",\"tags\":");
        strings(out, &self.tag_set());

        out.extend_from_slice(b",\"decided_by\":[");
        // where each reason was written, to copy it into the justification
        let mut reasons: SmallVec<[(&Rule, usize, usize); 2]> = SmallVec::new();
        for (i, (_, rule)) in self.deciding_rules().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"rule\":");
            string(out, &rule.name);
            out.extend_from_slice(b",\"principle\":");
            opt_string(out, rule.principle.as_deref());
            out.extend_from_slice(b",\"effect\":\"");
            out.extend_from_slice(rule.effect.as_str().as_bytes());
            out.extend_from_slice(b"\",\"source\":");
            string(out, &rule.source);
            out.extend_from_slice(b",\"reason\":\"");
            let start = out.len();
            template(out, &mut run, &rule.because, Some(rule));
            reasons.push((rule, start, out.len()));
            out.extend_from_slice(b"\"}");
        }
        out.extend_from_slice(b"],\"matched\":[");
        for (i, rule) in matched().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            string(out, &rule.name);
        }

        out.extend_from_slice(b"],\"justification\":\"");
        out.extend_from_slice(render::route_words(self.route).as_bytes());
        if reasons.is_empty() {
            let default = &program.default;
            template(out, &mut run, &default.because, None);
            out.extend_from_slice(b" (default");
            if !default.source.is_empty() {
                out.extend_from_slice(b", ");
                escape(out, &default.source);
            }
            out.push(b')');
        }
        for (i, &(rule, start, end)) in reasons.iter().enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            out.extend_from_within(start..end);
            out.extend_from_slice(b" (rule \\\"");
            escape(out, &rule.name);
            out.extend_from_slice(b"\\\"");
            if let Some(p) = &rule.principle {
                out.extend_from_slice(b", principle \\\"");
                escape(out, p);
                out.extend_from_slice(b"\\\"");
            }
            out.extend_from_slice(b", ");
            escape(out, &rule.source);
            out.push(b')');
            if rule.effect.is_require() {
                let mut note = String::new();
                render::unknown_note(&mut run, rule, &mut note);
                escape(out, &note);
            }
        }

        out.extend_from_slice(b"\",\"unknown\":");
        strings(out, &unknowns(&mut run));
        out.extend_from_slice(b",\"signals\":{");
        for (i, (name, v, round)) in signal_values(&mut run).into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            string(out, name);
            out.push(b':');
            value(out, v, round);
        }
        out.extend_from_slice(b"},\"policy\":{\"version\":");
        opt_string(out, self.version());
        out.extend_from_slice(b",\"digest\":");
        string(out, self.digest());
        out.extend_from_slice(b"}}");
    }
}

/// The conversation's `id`: a string as it is, a number as text, else `null`.
fn id(out: &mut Vec<u8>, conversation: &Conversation) {
    match render::id_of(conversation) {
        Some(IdRef::Str(s)) => string(out, s),
        // a number's text needs no escaping
        Some(IdRef::Num(n)) => {
            let _ = write!(out, "\"{n}\"");
        }
        None => out.extend_from_slice(b"null"),
    }
}

/// A template with its placeholders filled in, escaped for the inside of a JSON string.
fn template(out: &mut Vec<u8>, run: &mut Run<'_>, template: &Template, rule: Option<&Rule>) {
    for part in &template.parts {
        match part {
            Part::Text(t) => escape(out, t),
            Part::Slot(id) => {
                let round = run.is_computed(*id);
                text(out, run.slot(*id), round);
            }
            Part::Matched => match rule.and_then(|r| run.matched_phrase(r)) {
                Some(phrase) => escape(out, phrase),
                None => out.extend_from_slice(b"unknown"),
            },
        }
    }
}

/// A value as [`V::render`] shows it in text, escaped.
fn text(out: &mut Vec<u8>, v: V<'_>, round: bool) {
    match v {
        V::Unknown => out.extend_from_slice(b"unknown"),
        V::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        V::Num(n) => {
            let n = if round { round2(n) } else { n };
            match integer(n) {
                Some(i) => out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes()),
                // as `schema::number_text` writes it (Rust's `Display`: digits, no exponent)
                None => {
                    let _ = write!(out, "{n}");
                }
            }
        }
        V::Str(s) => escape(out, s),
        other => {
            let mut s = String::new();
            other.render(round, &mut s);
            escape(out, &s);
        }
    }
}

/// A value as [`V::to_json`] writes it.
fn value(out: &mut Vec<u8>, v: V<'_>, round: bool) {
    match v {
        V::Unknown => out.extend_from_slice(b"null"),
        V::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        V::Num(n) => {
            let n = if round { round2(n) } else { n };
            match integer(n) {
                Some(i) => out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes()),
                None if n.is_finite() => out.extend_from_slice(zmij::Buffer::new().format_finite(n).as_bytes()),
                None => out.extend_from_slice(b"null"),
            }
        }
        V::Str(s) => string(out, s),
        other => {
            let _ = serde_json::to_writer(&mut *out, &other.to_json(round));
        }
    }
}

/// `n` as an integer when JSON shows it as one (finite, whole, under 10^15).
fn integer(n: f64) -> Option<i64> {
    #[expect(clippy::cast_possible_truncation, reason = "whole and under 10^15")]
    (n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15).then_some(n as i64)
}

fn opt_string(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// `["a","b"]`.
fn strings(out: &mut Vec<u8>, items: &[&str]) {
    out.push(b'[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, s);
    }
    out.push(b']');
}

/// A JSON string, quoted.
pub(crate) fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    escape(out, s);
    out.push(b'"');
}

/// The inside of a JSON string, escaped as serde_json escapes: `"`, `\` and control
/// characters (`\n` `\r` `\t` `\b` `\f`, the others as `\u00XX`); nothing else.
pub(crate) fn escape(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
        start = i + 1;
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => out.extend_from_slice(&[b'\\', b'u', b'0', b'0', hex(b >> 4), hex(b & 0xf)]),
        }
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
}

fn hex(n: u8) -> u8 {
    if n < 10 { b'0' + n } else { b'a' + n - 10 }
}
