//! `handoff check`: parse and validate a policy set, print every diagnostic.

use super::{CheckArgs, CheckFormat, exit};
use crate::diagnostic::{self, Code};
use crate::prove;
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
    let mut could_not_run = analysis.diagnostics.iter().any(|d| d.code == Code::Io);
    if let Some(dir) = &args.counterexamples {
        if let Err(e) = write_counterexamples(&analysis, dir) {
            eprintln!("error: cannot write counterexamples to `{}`: {e}", dir.display());
            could_not_run = true;
        }
    }
    match args.format {
        CheckFormat::Json => {
            let list: Vec<_> = analysis
                .diagnostics
                .iter()
                .map(|d| {
                    let mut json = d.to_json(&analysis.sources);
                    if d.code == Code::GuaranteeViolated {
                        json.counterexample = analysis.proofs.iter().find(|p| Some(p.span) == d.span).and_then(|p| match &p.outcome {
                            prove::Outcome::Violated(cx) => Some(cx.conversation.clone()),
                            _ => None,
                        });
                    }
                    json
                })
                .collect();
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
                "{}: {} file{}, {} rule{}, {}{}",
                args.policy.policies.display(),
                analysis.sources.len(),
                if analysis.sources.len() == 1 { "" } else { "s" },
                rules,
                if rules == 1 { "" } else { "s" },
                guarantees_summary(&analysis),
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

/// `3 of 4 guarantees proved, ` (nothing for a set without guarantees).
fn guarantees_summary(analysis: &Analysis) -> String {
    let total = count_guarantees(analysis);
    if total == 0 {
        return String::new();
    }
    let proved = analysis.proofs.iter().filter(|p| p.outcome == prove::Outcome::Holds).count();
    if proved == total {
        format!("{total} guarantee{} proved, ", if total == 1 { "" } else { "s" })
    } else {
        format!("{proved} of {total} guarantees proved, ")
    }
}

fn count_guarantees(analysis: &Analysis) -> usize {
    use crate::ast::Item;
    analysis
        .files
        .iter()
        .flat_map(|f| &f.items)
        .map(|item| match item {
            Item::Guarantee(_) => 1,
            Item::Principle(p) => p.guarantees.len(),
            _ => 0,
        })
        .sum()
}

/// `DIR/<guarantee>.yaml` for each violated guarantee.
fn write_counterexamples(analysis: &Analysis, dir: &std::path::Path) -> std::io::Result<()> {
    let mut taken = std::collections::BTreeSet::new();
    let examples: Vec<_> = analysis.proofs.iter().filter_map(|p| match &p.outcome {
        prove::Outcome::Violated(cx) => Some(cx),
        _ => None,
    }).collect();
    if examples.is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    for cx in examples {
        let name = prove::file_name(&cx.guarantee, &mut taken);
        let text = format!(
            "# A conversation that breaks the guarantee \"{}\": the engine routes it to `{}`.\n{}",
            cx.guarantee, cx.route, cx.yaml
        );
        std::fs::write(dir.join(name), text)?;
    }
    Ok(())
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
