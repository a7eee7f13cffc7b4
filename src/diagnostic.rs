//! Diagnostics: severity, stable codes, and rendering (miette for people, JSON for tools).
//!
//! Messages follow Cedar's style: lowercase, no final period, user input in backticks, the
//! extra sentence in `help`.

use crate::source::{Source, Span};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// The stable diagnostic codes of LANGUAGE.md §8 (and a few of our own, documented in
/// `docs/DIAGNOSTICS.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    Syntax,
    UnknownField,
    TypeMismatch,
    DuplicateRule,
    DuplicateLexicon,
    UnknownLexicon,
    MissingBecause,
    MissingWhen,
    MissingDefault,
    MultipleDefaults,
    InvalidRegex,
    UnknownPlaceholder,
    ObligationOnHuman,
    UnusedLexicon,
    Contradiction,
    ShadowedAllow,
    OutOfRange,
    /// **(v0.2)** A guarantee that some conversation breaks (with a counterexample).
    GuaranteeViolated,
    /// **(v0.2)** Two guarantees of the same name.
    DuplicateGuarantee,
    /// **(v0.2)** A guarantee the checker could neither prove nor refute.
    GuaranteeUnproved,
    /// **(v0.2)** A `require` rule that matches every conversation lacking a declared path
    /// without a default (fail-safe), unless the rule tests `is missing`/`is present`.
    MatchesWhenMissing,
    /// **(v0.2)** `{matched}` in a rule that can match with no phrase found.
    MatchedWithoutPhrase,
    /// A policy directory or file that cannot be read.
    Io,
}

impl Code {
    pub const ALL: [Code; 23] = [
        Code::Syntax,
        Code::UnknownField,
        Code::TypeMismatch,
        Code::DuplicateRule,
        Code::DuplicateLexicon,
        Code::UnknownLexicon,
        Code::MissingBecause,
        Code::MissingWhen,
        Code::MissingDefault,
        Code::MultipleDefaults,
        Code::InvalidRegex,
        Code::UnknownPlaceholder,
        Code::ObligationOnHuman,
        Code::UnusedLexicon,
        Code::Contradiction,
        Code::ShadowedAllow,
        Code::OutOfRange,
        Code::GuaranteeViolated,
        Code::DuplicateGuarantee,
        Code::GuaranteeUnproved,
        Code::MatchesWhenMissing,
        Code::MatchedWithoutPhrase,
        Code::Io,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::Syntax => "syntax",
            Code::UnknownField => "unknown-field",
            Code::TypeMismatch => "type-mismatch",
            Code::DuplicateRule => "duplicate-rule",
            Code::DuplicateLexicon => "duplicate-lexicon",
            Code::UnknownLexicon => "unknown-lexicon",
            Code::MissingBecause => "missing-because",
            Code::MissingWhen => "missing-when",
            Code::MissingDefault => "missing-default",
            Code::MultipleDefaults => "multiple-defaults",
            Code::InvalidRegex => "invalid-regex",
            Code::UnknownPlaceholder => "unknown-placeholder",
            Code::ObligationOnHuman => "obligation-on-human",
            Code::UnusedLexicon => "unused-lexicon",
            Code::Contradiction => "contradiction",
            Code::ShadowedAllow => "shadowed-allow",
            Code::OutOfRange => "out-of-range",
            Code::GuaranteeViolated => "guarantee-violated",
            Code::DuplicateGuarantee => "duplicate-guarantee",
            Code::GuaranteeUnproved => "guarantee-unproved",
            Code::MatchesWhenMissing => "matches-when-missing",
            Code::MatchedWithoutPhrase => "matched-without-phrase",
            Code::Io => "io",
        }
    }

    /// `error` or `warning`.
    pub fn severity_str(self) -> &'static str {
        match self.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Code::UnusedLexicon
            | Code::Contradiction
            | Code::ShadowedAllow
            | Code::OutOfRange
            | Code::GuaranteeUnproved
            | Code::MatchesWhenMissing
            | Code::MatchedWithoutPhrase => {
                Severity::Warning
            }
            _ => Severity::Error,
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary place that explains a diagnostic ("first defined here").
#[derive(Clone, Debug, PartialEq)]
pub struct Related {
    pub span: Span,
    pub label: String,
}

/// One problem found in a policy set.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// Where; `None` for set-wide problems such as `missing-default`.
    pub span: Option<Span>,
    /// Short text under the primary caret.
    pub label: Option<String>,
    pub help: Option<String>,
    pub related: Vec<Related>,
}

impl Diagnostic {
    pub fn new(code: Code, span: Option<Span>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            span,
            label: None,
            help: None,
            related: Vec::new(),
        }
    }

    pub fn at(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Some(span), message)
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_related(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.related.push(Related { span, label: label.into() });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The JSON shape of `handoff check --format json`.
    pub fn to_json(&self, sources: &[Source]) -> DiagnosticJson {
        let (file, line, column) = match self.span.and_then(|s| sources.get(s.file as usize).map(|src| (s, src))) {
            Some((span, src)) => {
                let (line, column) = src.line_col(span.start as usize);
                (Some(src.path.clone()), Some(line), Some(column))
            }
            None => (None, None, None),
        };
        DiagnosticJson {
            severity: self.severity,
            code: self.code.as_str(),
            message: self.message.clone(),
            file,
            line,
            column,
            help: self.help.clone(),
            counterexample: None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct DiagnosticJson {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub help: Option<String>,
    /// **(v0.2)** The conversation that breaks a guarantee (`guarantee-violated` only; `check`
    /// fills it in from the set's proofs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<serde_json::Value>,
}

/// Sorts diagnostics by file, position, then code, so output is stable.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| {
        let s = d.span.unwrap_or(Span { file: u32::MAX, start: 0, end: 0 });
        (s.file, s.start, d.code, d.message.clone())
    });
}

// ---------------------------------------------------------------------------------------------
// Rendering with miette

/// A diagnostic with the text of its file, as miette renders it.
#[derive(Debug)]
pub(crate) struct Report {
    diagnostic: Diagnostic,
    source: Option<miette::NamedSource<String>>,
}

impl Report {
    pub fn new(d: &Diagnostic, sources: &[Source]) -> Report {
        let source = d
            .span
            .and_then(|s| sources.get(s.file as usize))
            .map(|src| miette::NamedSource::new(src.path.clone(), src.text.clone()));
        Report {
            diagnostic: d.clone(),
            source,
        }
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.diagnostic.code.as_str()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.diagnostic.help.as_ref().map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.source.as_ref()?;
        let d = &self.diagnostic;
        let primary = d.span.map(|s| {
            miette::LabeledSpan::new_primary_with_span(d.label.clone(), (s.start as usize, s.len()))
        });
        // Related spans are only drawn when they are in the same file as the primary one.
        let file = d.span.map(|s| s.file);
        let related = d
            .related
            .iter()
            .filter(move |r| Some(r.span.file) == file)
            .map(|r| miette::LabeledSpan::new_with_span(Some(r.label.clone()), (r.span.start as usize, r.span.len())));
        Some(Box::new(primary.into_iter().chain(related)))
    }
}

/// Renders diagnostics for people: file:line:col, snippet, labels and help. `color` false gives
/// plain text (for snapshots and pipes); `width` wraps the text.
pub fn render(diagnostics: &[Diagnostic], sources: &[Source], color: bool, width: usize) -> String {
    let theme = if color { miette::GraphicalTheme::unicode() } else { miette::GraphicalTheme::unicode_nocolor() };
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_width(width).with_links(false);
    let mut out = String::new();
    for d in diagnostics {
        let report = Report::new(d, sources);
        if handler.render_report(&mut out, &report).is_err() {
            let _ = writeln!(out, "{}: {}", d.code, d.message);
        }
        // Related places in other files are named in words.
        for r in &d.related {
            if Some(r.span.file) != d.span.map(|s| s.file) {
                if let Some(src) = sources.get(r.span.file as usize) {
                    let _ = writeln!(out, "  = note: {} at {}", r.label, src.location(r.span.start as usize));
                }
            }
        }
        out.push('\n');
    }
    out
}

/// One line of summary: `2 errors, 1 warning`.
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!("{}, {}", plural(errors, "error"), plural(warnings, "warning"))
}
