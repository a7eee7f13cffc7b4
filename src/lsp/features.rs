//! What the server answers: diagnostics, hover, go to definition, completion, formatting.

use super::text;
use super::workspace::{SetView, Workspace};
use crate::ast::{self, Item};
use crate::diagnostic::{Diagnostic, Severity};
use crate::schema::{self, Field};
use lsp_server::Notification;
use lsp_types::notification::{Notification as _, PublishDiagnostics};
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse, CompletionTextEdit,
    DiagnosticRelatedInformation, DiagnosticSeverity, DocumentFormattingParams, GotoDefinitionParams,
    GotoDefinitionResponse, Hover, HoverContents, HoverParams, Location, MarkupContent, MarkupKind, NumberOrString,
    PublishDiagnosticsParams, Range, TextEdit, Uri,
};

/// The words of the language (grammar/policy.pest's `kw_*` rules; a test keeps them in step).
pub const KEYWORDS: &[&str] = &[
    "policy", "owner", "version", "description", "ai_must", "default", "context", "one", "of", "lexicon",
    "principle", "allow", "require", "ai", "review", "human", "when", "unless", "because", "priority", "queue",
    "tag", "say", "must", "and", "or", "not", "in", "contains", "matches", "mentions", "is", "missing", "present",
    "any", "every", "no", "last", "customer", "agent", "message", "messages", "where", "count", "true", "false",
    "bool", "number", "string", "list", "low", "normal", "high", "urgent", "guarantee", "ensure",
];

/// `textDocument/publishDiagnostics` for every file of the set `uri` belongs to: each file's
/// diagnostics (an empty list clears old ones); set-wide ones (`missing-default`) on `uri`.
pub fn diagnostics(workspace: &Workspace, uri: &Uri) -> Vec<Notification> {
    let set = workspace.set_of(uri);
    let mut per_file: Vec<Vec<lsp_types::Diagnostic>> = vec![Vec::new(); set.uris.len()];
    let here = set.file_of(uri);
    for d in &set.analysis.diagnostics {
        let file = d.span.map(|s| s.file as usize).or(here);
        if let Some(list) = file.and_then(|f| per_file.get_mut(f)) {
            list.push(convert(&set, d));
        }
    }
    set.uris
        .iter()
        .zip(per_file)
        .map(|(uri, diagnostics)| {
            let params = PublishDiagnosticsParams { uri: uri.clone(), diagnostics, version: None };
            Notification::new(PublishDiagnostics::METHOD.to_string(), params)
        })
        .collect()
}

fn convert(set: &SetView, d: &Diagnostic) -> lsp_types::Diagnostic {
    let range = d.span.and_then(|s| location(set, s)).map(|l| l.range).unwrap_or_default();
    let message = match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    };
    let related: Vec<_> = d
        .related
        .iter()
        .filter_map(|r| Some(DiagnosticRelatedInformation { location: location(set, r.span)?, message: r.label.clone() }))
        .collect();
    lsp_types::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        source: Some("handoff".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..lsp_types::Diagnostic::default()
    }
}

fn location(set: &SetView, span: crate::source::Span) -> Option<Location> {
    let file = span.file as usize;
    let source = set.source(file)?;
    let uri = set.uris.get(file)?.clone();
    Some(Location { uri, range: text::range(&source.text, span.start as usize, span.end as usize) })
}

/// The set, this document's index in it, and the byte offset of a position.
fn locate(workspace: &Workspace, uri: &Uri, pos: lsp_types::Position) -> Option<(SetView, usize, usize)> {
    workspace.text(uri)?;
    let set = workspace.set_of(uri);
    let file = set.file_of(uri)?;
    let offset = text::offset(&set.source(file)?.text, pos);
    Some((set, file, offset))
}

/// Every rule of the set with its principle.
fn rules(set: &SetView) -> impl Iterator<Item = (Option<&str>, &ast::Rule)> {
    set.analysis.files.iter().flat_map(|f| &f.items).flat_map(|item| -> Vec<(Option<&str>, &ast::Rule)> {
        match item {
            Item::Rule(r) => vec![(None, r)],
            Item::Principle(p) => p.rules.iter().map(|r| (Some(p.name.node.as_str()), r)).collect(),
            _ => Vec::new(),
        }
    })
}

fn lexicons(set: &SetView) -> impl Iterator<Item = &ast::Lexicon> {
    set.analysis.files.iter().flat_map(|f| &f.items).filter_map(|item| match item {
        Item::Lexicon(l) => Some(l),
        _ => None,
    })
}

fn contains(span: crate::source::Span, file: usize, offset: usize) -> bool {
    span.file as usize == file && (span.start as usize..=span.end as usize).contains(&offset)
}

pub fn hover(workspace: &Workspace, params: &HoverParams) -> Option<Hover> {
    let at = &params.text_document_position_params;
    let (set, file, offset) = locate(workspace, &at.text_document.uri, at.position)?;
    let markdown = rule_hover(&set, file, offset).or_else(|| guarantee_hover(&set, file, offset)).or_else(|| {
        let (_, word) = text::word_at(&set.source(file)?.text, offset)?;
        word_hover(&set, word)
    })?;
    Some(Hover { contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: markdown }), range: None })
}

fn guarantee_hover(set: &SetView, file: usize, offset: usize) -> Option<String> {
    let (principle, g) = set.analysis.files.iter().flat_map(|f| &f.items).flat_map(|item| match item {
        Item::Guarantee(g) => vec![(None, g)],
        Item::Principle(p) => p.guarantees.iter().map(|g| (Some(p.name.node.as_str()), g)).collect(),
        _ => Vec::new(),
    }).find(|(_, g)| contains(g.name.span, file, offset))?;
    let ensure = g.ensure.as_ref().map_or("?", |r| r.node.as_str());
    let mut out = format!("**{}** guarantee: `ensure {ensure}` for every conversation its `when` covers", g.name.node);
    if let Some(p) = principle {
        out.push_str(&format!("\n\nprinciple: *{p}*"));
    }
    Some(out)
}

fn rule_hover(set: &SetView, file: usize, offset: usize) -> Option<String> {
    let (principle, rule) = rules(set).find(|(_, r)| contains(r.name.span, file, offset) || contains(r.effect.span, file, offset))?;
    let mut out = format!("**{}** `{}`", rule.name.node, rule.effect.node.as_str());
    if let Some(p) = principle {
        out.push_str(&format!("\n\nprinciple: *{p}*"));
    }
    let priority = rule.priority.as_ref().map(|p| p.node).unwrap_or_default();
    out.push_str(&format!("\n\nroute `{}`, priority `{priority}`", rule.effect.node.route().as_str()));
    if let Some(q) = &rule.queue {
        out.push_str(&format!(", queue `{}`", q.node));
    }
    if let Some(because) = &rule.because {
        out.push_str(&format!("\n\nbecause: {}", because.node));
    }
    Some(out)
}

fn word_hover(set: &SetView, word: &str) -> Option<String> {
    if let Some(l) = lexicons(set).find(|l| l.name.node == word) {
        let phrases: Vec<String> = l.phrases.iter().map(|p| format!("{:?}", p.node)).collect();
        return Some(format!("lexicon `{word}` ({} phrases)\n\n{}", phrases.len(), phrases.join(", ")));
    }
    if let Some(field) = set.analysis.schema.get(word) {
        return Some(field_hover(word, field));
    }
    let field = schema::message_field(word)?;
    Some(format!("`{word}`: {} — inside `where`, the message's {word}", schema::type_name(&field.ty)))
}

fn field_hover(path: &str, field: &Field) -> String {
    let mut out = format!("`{path}`: {}", schema::type_name(&field.ty));
    match &field.default {
        Some(d) => out.push_str(&format!(" = {}", schema::default_text(d))),
        None if field.declared_at.is_some() => out.push_str(" (no default: *unknown* when absent)"),
        None => {}
    }
    if let Some(meaning) = crate::input_schema::signal_meaning(path) {
        out.push_str(&format!("\n\nsignal: {meaning}"));
    } else if field.declared_at.is_none() {
        out.push_str("\n\nbuilt in");
    }
    out
}

pub fn definition(workspace: &Workspace, params: &GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
    let at = &params.text_document_position_params;
    let (set, file, offset) = locate(workspace, &at.text_document.uri, at.position)?;
    let (_, word) = text::word_at(&set.source(file)?.text, offset)?;
    let span = lexicons(&set)
        .find(|l| l.name.node == word)
        .map(|l| l.name.span)
        .or_else(|| set.analysis.schema.get(word).and_then(|f| f.declared_at))?;
    location(&set, span).map(GotoDefinitionResponse::Scalar)
}

pub fn completion(workspace: &Workspace, params: &CompletionParams) -> Option<CompletionResponse> {
    let at = &params.text_document_position;
    let (set, file, offset) = locate(workspace, &at.text_document.uri, at.position)?;
    let source = &set.source(file)?.text;
    let (start, prefix) = text::prefix_at(source, offset);
    let before = source.get(..start).unwrap_or_default().trim_end();
    let after_mentions = before.ends_with("mentions");
    let mut items: Vec<CompletionItem> = Vec::new();
    let range = text::range(source, start, offset);
    let mut add = |label: &str, kind: CompletionItemKind, detail: String| {
        if label.starts_with(prefix) && !items.iter().any(|i| i.label == label) {
            items.push(CompletionItem {
                label: label.to_string(),
                kind: Some(kind),
                detail: Some(detail),
                text_edit: Some(CompletionTextEdit::Edit(TextEdit { range, new_text: label.to_string() })),
                ..CompletionItem::default()
            });
        }
    };
    for l in lexicons(&set) {
        add(&l.name.node, CompletionItemKind::ENUM, format!("lexicon ({} phrases)", l.phrases.len()));
    }
    if !after_mentions {
        for (path, field) in &set.analysis.schema.fields {
            add(path, CompletionItemKind::FIELD, schema::type_name(&field.ty));
        }
        if !prefix.contains('.') {
            for keyword in KEYWORDS {
                add(keyword, CompletionItemKind::KEYWORD, "keyword".into());
            }
        }
    }
    Some(CompletionResponse::Array(items))
}

/// The whole document in canonical layout, as one edit; no edit when it is already
/// canonical; `None` (no answer) when it does not parse.
pub fn formatting(workspace: &Workspace, params: &DocumentFormattingParams) -> Option<Vec<TextEdit>> {
    let source = workspace.text(&params.text_document.uri)?;
    let formatted = crate::fmt::format_source(0, source).ok()?;
    if formatted == source {
        return Some(Vec::new());
    }
    let range = Range { start: lsp_types::Position::default(), end: text::position(source, source.len()) };
    Some(vec![TextEdit { range, new_text: formatted }])
}
