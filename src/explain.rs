//! What every diagnostic code means: the one source of `handoff explain CODE` and of
//! `docs/DIAGNOSTICS.md` (generated from [`markdown`]; a test fails when the file drifts).
//!
//! Each entry carries an example policy set that really produces its code and the same set
//! fixed; `tests/explain.rs` checks both with the checker, and that every [`Code`] has an entry.

use crate::diagnostic::{Code, Severity};
use std::fmt::Write as _;

mod entries;

/// The explanation of one code.
#[derive(Clone, Copy, Debug)]
pub struct Explanation {
    pub code: Code,
    /// What triggers it.
    pub what: &'static str,
    /// Why it is a problem.
    pub why: &'static str,
    /// A policy set (or, for `io`, a command line) that produces the code.
    pub example: Example,
    /// How to fix it: prose, then the example fixed.
    pub fix: &'static str,
    pub fixed: Example,
}

/// An example: policy text, or a shell command line (for problems outside the text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Example {
    Policy(&'static str),
    Command(&'static str),
}

impl Example {
    fn markdown(self, out: &mut String) {
        let (lang, text) = match self {
            Example::Policy(t) => ("text", t),
            Example::Command(t) => ("console", t),
        };
        let _ = writeln!(out, "```{lang}\n{}\n```", text.trim_end());
    }
}

/// Every explanation, in the order of [`Code::ALL`].
pub fn all() -> &'static [Explanation] {
    entries::ALL
}

/// The explanation of a code given by its name (`unknown-field`).
pub fn lookup(name: &str) -> Option<&'static Explanation> {
    let name = name.trim();
    all().iter().find(|e| e.code.as_str().eq_ignore_ascii_case(name))
}

/// For a terminal: what, why, example, fix.
pub fn text(e: &Explanation) -> String {
    let mut out = format!("{} ({})\n\n", e.code, severity(e.code));
    let _ = writeln!(out, "What: {}\n\nWhy: {}\n\nExample:", unwrap(e.what), unwrap(e.why));
    example_text(e.example, &mut out);
    let _ = writeln!(out, "\nFix: {}", unwrap(e.fix));
    example_text(e.fixed, &mut out);
    out
}

fn example_text(example: Example, out: &mut String) {
    let text = match example {
        Example::Policy(t) => t,
        Example::Command(t) => t,
    };
    for line in text.trim_end().lines() {
        let _ = writeln!(out, "    {line}");
    }
}

/// The prose as one paragraph (entries are written wrapped, like the Markdown they make).
fn unwrap(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn severity(code: Code) -> &'static str {
    code.severity_str()
}

/// `docs/DIAGNOSTICS.md`.
pub fn markdown() -> String {
    let mut out = String::from(entries::INTRO);
    out.push_str("\n| code | severity |\n|---|---|\n");
    for e in all() {
        let _ = writeln!(out, "| [`{0}`](#{0}) | {1} |", e.code, severity(e.code));
    }
    out.push_str("\n---\n");
    for e in all() {
        let warning = if e.code.severity() == Severity::Warning { " (warning)" } else { "" };
        let _ = writeln!(out, "\n## `{}`{warning}\n", e.code);
        let _ = writeln!(out, "**What.** {}\n\n**Why.** {}\n\n**Example.**", e.what.trim(), e.why.trim());
        e.example.markdown(&mut out);
        let _ = writeln!(out, "\n**Fix.** {}", e.fix.trim());
        e.fixed.markdown(&mut out);
    }
    out
}
