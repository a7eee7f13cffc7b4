//! `handoff list`: the rule catalogue for a policy register, as a table, JSON, CSV or
//! Markdown. The diagnostics of a broken set go to stderr and the exit code is 1; what parsed
//! is still listed.

use super::{ListArgs, ListFormat, exit};
use crate::catalogue::{self, Entry};
use crate::diagnostic::Code;
use crate::set::Analysis;
use std::io::{IsTerminal, Write};

const COLUMNS: [&str; 12] = [
    "principle", "kind", "name", "effect", "route", "priority", "queue", "obligations", "tags", "source", "owner",
    "version",
];

pub fn run(args: &ListArgs) -> u8 {
    let analysis = Analysis::load(&args.policy.policies);
    if analysis.diagnostics.iter().any(|d| d.code == Code::Io) {
        let _ = write!(std::io::stderr().lock(), "{}", analysis.render(false, super::check::terminal_width()));
        return exit::COULD_NOT_RUN;
    }
    let entries = catalogue::entries(&analysis);
    let text = match args.format {
        ListFormat::Json => serde_json::to_string_pretty(&serde_json::json!({ "entries": entries })).unwrap_or_default() + "\n",
        ListFormat::Csv => csv(&entries),
        ListFormat::Markdown => markdown(&entries),
        ListFormat::Table => table(&entries),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if analysis.has_errors() {
        let stderr = std::io::stderr();
        let color = stderr.is_terminal();
        let _ = write!(stderr.lock(), "{}", analysis.render(color, super::check::terminal_width()));
    }
    if analysis.has_errors() { exit::FAILURE } else { exit::OK }
}

/// The cells of one entry, in [`COLUMNS`] order; lists joined with `, `, absent values empty.
fn cells(e: &Entry) -> [String; 12] {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        opt(&e.principle),
        e.kind.to_string(),
        e.name.clone(),
        e.effect.clone(),
        e.route.to_string(),
        e.priority.unwrap_or_default().to_string(),
        opt(&e.queue),
        e.obligations.join(", "),
        e.tags.join(", "),
        e.source.clone(),
        opt(&e.owner),
        opt(&e.version),
    ]
}

/// RFC 4180: a header line, fields quoted when they hold a comma, quote or line break.
fn csv(entries: &[Entry]) -> String {
    let field = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
    };
    let mut out = COLUMNS.join(",") + "\r\n";
    for e in entries {
        let line: Vec<String> = cells(e).iter().map(|c| field(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn markdown(entries: &[Entry]) -> String {
    let cell = |s: &str| s.replace('\\', "\\\\").replace('|', "\\|").replace(['\n', '\r'], " ");
    let mut out = format!("| {} |\n|{}\n", COLUMNS.join(" | "), "---|".repeat(COLUMNS.len()));
    for e in entries {
        let line: Vec<String> = cells(e).iter().map(|c| cell(c)).collect();
        out.push_str(&format!("| {} |\n", line.join(" | ")));
    }
    out
}

/// Aligned columns for a terminal; `-` for an empty cell.
fn table(entries: &[Entry]) -> String {
    let rows: Vec<Vec<String>> = std::iter::once(COLUMNS.iter().map(|c| c.to_uppercase()).collect())
        .chain(entries.iter().map(|e| {
            cells(e).into_iter().map(|c| if c.is_empty() { "-".to_string() } else { c.replace(['\n', '\r'], " ") }).collect()
        }))
        .collect();
    let mut widths = [0usize; 12];
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let line: Vec<String> = row.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out.push_str(&format!("{} entr{}\n", entries.len(), if entries.len() == 1 { "y" } else { "ies" }));
    out
}
