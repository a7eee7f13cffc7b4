//! `handoff diff`: impact analysis. Every conversation is evaluated under the base set and the
//! new one; a conversation is *changed* when its route, queue or deciding rules differ.
//!
//! Inputs stream through on every core; only the changed conversations and the counts are kept.

use super::input::{self, Item};
use super::{DiffArgs, DiffFormat, exit};
use crate::ast::Route;
use crate::report::{Change, DiffReport, ROUTES};
use crate::set::PolicySet;
use serde_json::Value;
use std::io::Write;

/// What a worker hands back for one document.
enum Done {
    Compared { before: Route, after: Route, change: Option<Change> },
    Invalid(String),
}

pub fn run(args: &DiffArgs) -> u8 {
    // Both sets are loaded (and a broken one's diagnostics shown) before anything is evaluated.
    let old = load("base", &args.base);
    let new = load("new", &args.policy.policies);
    let (Some(old), Some(new)) = (old, new) else {
        return exit::COULD_NOT_RUN;
    };
    let inputs = match super::eval::default_inputs(&args.inputs) {
        Ok(inputs) => inputs,
        Err(code) => return code,
    };
    let mut report = DiffReport::new(&args.base.display().to_string(), &args.policy.policies.display().to_string());
    let mut changes: Vec<Change> = Vec::new();
    let mut invalid = 0usize;
    let unreadable = input::run_batch(
        &inputs,
        |item: Item| compare(&old, &new, item),
        |done| match done {
            Done::Compared { before, after, change } => {
                report.add(before, after, change.is_some());
                changes.extend(change);
            }
            Done::Invalid(message) => {
                invalid += 1;
                eprintln!("error: {message}");
            }
        },
    );
    for u in &unreadable {
        eprintln!("error: cannot read `{}`: {}", u.origin, u.message);
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let text = match args.format {
        DiffFormat::Json => json_text(&report, &changes),
        DiffFormat::Table => table(&report, &changes),
        DiffFormat::Markdown => markdown(&report, &changes),
    };
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    if let Some(path) = &args.report {
        if let Err(code) = super::eval::write_report(path, &report.to_html(&changes)) {
            return code;
        }
    }
    // Like `eval` (INTERFACE.md v0.2): an input that cannot be read or is invalid fails the run.
    if invalid > 0 || !unreadable.is_empty() { exit::FAILURE } else { exit::OK }
}

/// Loads one of the two sets; a broken one has its diagnostics shown and gives `None`.
fn load(which: &str, dir: &std::path::Path) -> Option<PolicySet> {
    match PolicySet::load(dir) {
        Ok(set) => {
            super::eval::warn_guarantees(&set);
            Some(set)
        }
        Err(e) => {
            use std::io::IsTerminal;
            let color = std::io::stderr().is_terminal();
            eprint!("{}", e.render(color, super::check::terminal_width()));
            eprintln!(
                "error: the {which} policy set in `{}` has errors ({}); nothing was compared",
                dir.display(),
                crate::diagnostic::summary(&e.diagnostics)
            );
            None
        }
    }
}

/// One document under both sets (on a worker thread).
fn compare(old: &PolicySet, new: &PolicySet, item: Item) -> Done {
    let conversation = match &item.conversation {
        Ok(c) => c,
        Err(e) => return Done::Invalid(input::describe_error(&item.origin, e)),
    };
    let before = old.evaluate(conversation);
    let after = new.evaluate(conversation);
    let changed = before.route != after.route
        || before.queue() != after.queue()
        || before.decided_by_names() != after.decided_by_names();
    // compact text: the changed verdicts are all that a diff keeps
    let text = |v: &crate::eval::Verdict<'_>| serde_json::to_string(v).unwrap_or_default();
    let change = changed.then(|| Change { conversation: item.label(), before: text(&before), after: text(&after) });
    Done::Compared { before: before.route, after: after.route, change }
}

/// The pinned shape, keys in its order: `total`, `unchanged`, `transitions`, `changed`.
fn json_text(report: &DiffReport, changes: &[Change]) -> String {
    use std::fmt::Write as _;
    let transitions = serde_json::to_string(&report.transitions()).unwrap_or_default();
    let mut out = format!(
        "{{\n  \"total\": {},\n  \"unchanged\": {},\n  \"transitions\": {transitions},\n  \"changed\": [",
        report.total,
        report.unchanged()
    );
    for (i, c) in changes.iter().enumerate() {
        let _ = write!(
            out,
            "{}\n    {{\n      \"conversation\": {},\n      \"before\": {},\n      \"after\": {}\n    }}",
            if i == 0 { "" } else { "," },
            Value::from(c.conversation.as_str()),
            indent(&pretty(&c.before), "      "),
            indent(&pretty(&c.after), "      ")
        );
    }
    out.push_str(if changes.is_empty() { "]\n}\n" } else { "\n  ]\n}\n" });
    out
}

/// Compact verdict JSON made pretty (the map keeps its key order).
fn pretty(compact: &str) -> String {
    serde_json::from_str::<Value>(compact).and_then(|v| serde_json::to_string_pretty(&v)).unwrap_or_else(|_| compact.to_string())
}

/// Every line but the first indented (the first follows a key).
fn indent(text: &str, prefix: &str) -> String {
    text.lines().enumerate().map(|(i, l)| if i == 0 { l.to_string() } else { format!("{prefix}{l}") }).collect::<Vec<_>>().join("\n")
}

fn text<'v>(verdict: &'v Value, key: &str) -> &'v str {
    verdict.get(key).and_then(Value::as_str).unwrap_or("-")
}

fn headline(report: &DiffReport) -> String {
    format!(
        "{} conversation{}: {} unchanged, {} changed",
        report.total,
        if report.total == 1 { "" } else { "s" },
        report.unchanged(),
        report.changed
    )
}

fn table(report: &DiffReport, changes: &[Change]) -> String {
    use std::fmt::Write as _;
    let mut out = headline(report) + "\n\n";
    let _ = writeln!(out, "{:<16}{:>8}{:>8}{:>8}", "before \\ after", "ai", "review", "human");
    for (route, row) in ROUTES.iter().zip(report.matrix) {
        let [a, r, h] = row;
        let _ = writeln!(out, "{:<16}{a:>8}{r:>8}{h:>8}", route.as_str());
    }
    for c in changes {
        let (before, after) = c.values();
        let _ = writeln!(out, "\n{}: {} -> {}", c.conversation, text(&before, "route"), text(&after, "route"));
        for (side, v) in [("before", &before), ("after", &after)] {
            let _ = writeln!(
                out,
                "  {side:<7} {:<7} queue {:<18} decided by {}",
                text(v, "route"),
                text(v, "queue"),
                crate::report::deciders(v)
            );
            let _ = writeln!(out, "          {}", text(v, "justification"));
        }
    }
    out
}

/// Text for a markdown table cell.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\").replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn markdown(report: &DiffReport, changes: &[Change]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "## Policy impact: {} of {} conversations change\n", report.changed, report.total);
    let _ = writeln!(out, "| conversations | unchanged | changed | route changes |\n|---:|---:|---:|---:|");
    let moved: u64 = report.transitions().values().filter_map(Value::as_u64).sum();
    let _ = writeln!(out, "| {} | {} | {} | {moved} |\n", report.total, report.unchanged(), report.changed);
    let _ = writeln!(out, "| before ↓ · after → | ai | review | human |\n|---|---:|---:|---:|");
    for (b, (route, row)) in ROUTES.iter().zip(report.matrix).enumerate() {
        let cells: Vec<String> =
            row.iter().enumerate().map(|(a, n)| if a != b && *n > 0 { format!("**{n}**") } else { n.to_string() }).collect();
        let _ = writeln!(out, "| **{}** | {} |", route.as_str(), cells.join(" | "));
    }
    if changes.is_empty() {
        let _ = writeln!(out, "\nNo conversation changes route, queue or deciding rules.");
        return out;
    }
    let _ = writeln!(out, "\n### Changed conversations");
    for c in changes {
        let (before, after) = c.values();
        let (b, a) = (&before, &after);
        let _ = writeln!(out, "\n#### `{}`: {} → {}\n", cell(&c.conversation).replace('`', "'"), text(b, "route"), text(a, "route"));
        let _ = writeln!(out, "| | before | after |\n|---|---|---|");
        for (name, x, y) in [
            ("route", text(b, "route").to_string(), text(a, "route").to_string()),
            ("queue", text(b, "queue").to_string(), text(a, "queue").to_string()),
            ("priority", text(b, "priority").to_string(), text(a, "priority").to_string()),
            ("decided by", crate::report::deciders(b), crate::report::deciders(a)),
        ] {
            let mark = |s: &str| if x != y { format!("**{}**", cell(s)) } else { cell(s) };
            let _ = writeln!(out, "| {name} | {} | {} |", cell(&x), mark(&y));
        }
        let _ = writeln!(out, "\n> **Before:** {}\n>\n> **After:** {}", cell(text(b, "justification")), cell(text(a, "justification")));
    }
    out
}
