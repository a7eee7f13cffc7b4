//! `handoff check`: parse and validate a policy set, print every diagnostic.

use super::{CheckArgs, CheckFormat, exit};
use crate::diagnostic::{self, Code};
use crate::set::Analysis;
use std::io::{IsTerminal, Write};

pub fn run(args: &CheckArgs) -> u8 {
    if args.watch {
        return super::watch::run(&args.policy.policies, || {
            let _ = check_once(args);
        });
    }
    check_once(args)
}

fn check_once(args: &CheckArgs) -> u8 {
    let analysis = Analysis::load(&args.policy.policies);
    let could_not_run = analysis.diagnostics.iter().any(|d| d.code == Code::Io);
    match args.format {
        CheckFormat::Json => {
            let list: Vec<_> = analysis.diagnostics.iter().map(|d| d.to_json(&analysis.sources)).collect();
            let out = serde_json::json!({ "diagnostics": list });
            let mut stdout = std::io::stdout().lock();
            let _ = writeln!(stdout, "{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        }
        CheckFormat::Human => {
            let stderr = std::io::stderr();
            let color = stderr.is_terminal();
            let width = terminal_width();
            let mut err = stderr.lock();
            let _ = write!(err, "{}", analysis.render(color, width));
            let rules = count_rules(&analysis);
            let _ = writeln!(
                err,
                "{}: {} file{}, {} rule{}, {}",
                args.policy.policies.display(),
                analysis.sources.len(),
                if analysis.sources.len() == 1 { "" } else { "s" },
                rules,
                if rules == 1 { "" } else { "s" },
                diagnostic::summary(&analysis.diagnostics)
            );
        }
    }
    if could_not_run {
        exit::COULD_NOT_RUN
    } else if analysis.has_errors() {
        exit::FAILURE
    } else {
        exit::OK
    }
}

fn count_rules(analysis: &Analysis) -> usize {
    use crate::ast::Item;
    analysis
        .files
        .iter()
        .flat_map(|f| &f.items)
        .map(|item| match item {
            Item::Rule(_) => 1,
            Item::Principle(p) => p.rules.len(),
            _ => 0,
        })
        .sum()
}

/// The width to wrap diagnostics at: `$COLUMNS`, else 100.
pub fn terminal_width() -> usize {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).filter(|&w: &usize| w >= 40).unwrap_or(100)
}
