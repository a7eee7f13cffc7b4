//! `handoff schema`: the JSON Schema (2020-12) of a conversation for a policy set, on stdout.
//! A set with errors prints its diagnostics and exits 1; an unreadable directory exits 2.

use super::{SchemaArgs, exit};
use crate::diagnostic::Code;
use crate::set::Analysis;
use std::io::{IsTerminal, Write};

pub fn run(args: &SchemaArgs) -> u8 {
    let analysis = Analysis::load(&args.policy.policies);
    if analysis.has_errors() {
        let stderr = std::io::stderr();
        let color = stderr.is_terminal();
        let _ = write!(stderr.lock(), "{}", analysis.render(color, super::check::terminal_width()));
        let io = analysis.diagnostics.iter().any(|d| d.code == Code::Io);
        return if io { exit::COULD_NOT_RUN } else { exit::FAILURE };
    }
    let versions: Vec<&str> = analysis
        .files
        .iter()
        .flat_map(|f| &f.items)
        .filter_map(|item| match item {
            crate::ast::Item::Header(h) => h.version.as_ref().map(|v| v.node.as_str()),
            _ => None,
        })
        .collect();
    let dir = args.policy.policies.display().to_string();
    let title = match versions.is_empty() {
        true => format!("the policy set in `{dir}`"),
        false => format!("the policy set in `{dir}` (version {})", versions.join("+")),
    };
    let schema = crate::input_schema::conversation(&analysis.schema, &title);
    let text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    let _ = writeln!(std::io::stdout().lock(), "{text}");
    exit::OK
}
