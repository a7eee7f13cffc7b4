//! `handoff eval`: a dry-run verdict for each conversation.

use super::input::{self, Item};
use super::{EvalArgs, EvalFormat, exit};
use crate::set::PolicySet;
use serde_json::Value;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Width of the conversation column of the table; longer labels push their row out.
const LABEL_WIDTH: usize = 34;

/// Where the sample conversations shipped with the project live.
pub const SAMPLES_DIR: &str = "samples";

pub fn run(args: &EvalArgs) -> u8 {
    let set = match load(&args.policy.policies) {
        Ok(set) => set,
        Err(code) => return code,
    };
    let inputs = match default_inputs(&args.inputs) {
        Ok(inputs) => inputs,
        Err(code) => return code,
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut printer = Printer::new(args.format);
    let mut report = args.report.as_ref().map(|_| crate::report::EvalReport::new(set.program()));
    let want_facts = report.is_some();
    let mut invalid = 0usize;
    // Verdicts are computed and rendered on every core, then printed in input order.
    let unreadable = input::run_batch(
        &inputs,
        |item: Item| {
            let label = item.label();
            match &item.conversation {
                Ok(conversation) => {
                    let warnings = input::key_warnings(&set, &item.origin, conversation);
                    let verdict = set.evaluate(conversation);
                    let text = Printer::render(args.format, &set, &verdict, &label, args.explain);
                    let facts = want_facts.then(|| crate::report::Facts::of(&verdict, &label));
                    Done::Verdict { route: verdict.route, text, facts, warnings }
                }
                Err(e) => Done::Invalid(input::describe_error(&item.origin, e)),
            }
        },
        |done| match done {
            Done::Verdict { route, text, facts, warnings } => {
                if !warnings.is_empty() {
                    let _ = out.flush();
                    for w in warnings {
                        eprintln!("warning: {w}");
                    }
                }
                printer.emit(&mut out, route, &text);
                if let (Some(report), Some(facts)) = (report.as_mut(), facts) {
                    report.add(facts);
                }
            }
            Done::Invalid(message) => {
                invalid += 1;
                let _ = out.flush();
                eprintln!("error: {message}");
                if let Some(report) = report.as_mut() {
                    report.invalid += 1;
                }
            }
        },
    );
    for u in &unreadable {
        invalid += 1;
        let _ = out.flush();
        eprintln!("error: cannot read `{}`: {}", u.origin, u.message);
    }
    printer.finish(&mut out);
    let _ = out.flush();
    if let (Some(path), Some(report)) = (&args.report, &report) {
        if let Err(code) = write_report(path, &report.to_html()) {
            return code;
        }
    }
    if invalid > 0 { exit::FAILURE } else { exit::OK }
}

/// What a worker hands back for one document.
enum Done {
    Verdict { route: crate::ast::Route, text: String, facts: Option<crate::report::Facts>, warnings: Vec<String> },
    Invalid(String),
}

/// Writes an HTML report; on failure says so and returns the exit code.
pub fn write_report(path: &std::path::Path, html: &str) -> Result<(), u8> {
    std::fs::write(path, html).map_err(|e| {
        eprintln!("error: cannot write the report to `{}`: {e}", path.display());
        exit::COULD_NOT_RUN
    })
}

/// Loads a policy set; on errors prints them and returns the exit code (2: cannot run).
pub fn load(dir: &std::path::Path) -> Result<PolicySet, u8> {
    let set = PolicySet::load(dir).map_err(|e| {
        let color = std::io::stderr().is_terminal();
        eprint!("{}", e.render(color, super::check::terminal_width()));
        eprintln!(
            "error: the policy set in `{}` has errors ({}); nothing was evaluated",
            dir.display(),
            crate::diagnostic::summary(&e.diagnostics)
        );
        exit::COULD_NOT_RUN
    })?;
    warn_guarantees(&set);
    Ok(set)
}

/// Prints the set's guarantee diagnostics (violated or unproved) as warnings: such a set still
/// loads for dry runs (LANGUAGE.md §9).
pub fn warn_guarantees(set: &PolicySet) {
    let found: Vec<_> = set.warnings().iter().filter(|d| crate::prove::refused(std::slice::from_ref(*d))).cloned().collect();
    if !found.is_empty() {
        let color = std::io::stderr().is_terminal();
        eprint!("{}", crate::diagnostic::render(&found, set.sources(), color, super::check::terminal_width()));
    }
}

/// The inputs given, or the shipped samples when none are.
pub fn default_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, u8> {
    if !inputs.is_empty() {
        return Ok(inputs.to_vec());
    }
    let samples = PathBuf::from(SAMPLES_DIR);
    if samples.is_dir() {
        Ok(vec![samples])
    } else {
        eprintln!("error: no INPUT given and no `{SAMPLES_DIR}/` directory here");
        eprintln!("  help: name conversation files or directories, or `-` to read JSONL from stdin");
        Err(exit::COULD_NOT_RUN)
    }
}

/// Prints verdicts in the chosen format as they come: [`Printer::render`] runs on any thread,
/// [`Printer::emit`] in input order.
struct Printer {
    format: EvalFormat,
    count: usize,
    routes: [usize; 3],
}

impl Printer {
    fn new(format: EvalFormat) -> Printer {
        Printer { format, count: 0, routes: [0; 3] }
    }

    /// The text of one verdict, without what depends on its place in the output.
    fn render(format: EvalFormat, set: &PolicySet, verdict: &crate::eval::Verdict<'_>, label: &str, explain: bool) -> String {
        let conversation = verdict.conversation();
        let full = || {
            let mut json = serde_json::to_value(verdict).unwrap_or(Value::Null);
            if explain {
                if let Value::Object(map) = &mut json {
                    map.insert("explain".into(), self::explain(set, conversation));
                }
            }
            json
        };
        match format {
            EvalFormat::Jsonl if !explain => serde_json::to_string(verdict).unwrap_or_default(),
            EvalFormat::Jsonl => serde_json::to_string(&full()).unwrap_or_default(),
            // Without `--explain` the verdict is written directly, keys in the pinned order.
            EvalFormat::Json if !explain => indent(&serde_json::to_string_pretty(verdict).unwrap_or_default(), "  "),
            EvalFormat::Json => indent(&serde_json::to_string_pretty(&full()).unwrap_or_default(), "  "),
            EvalFormat::Yaml if !explain => serde_yaml::to_string(verdict).unwrap_or_default(),
            EvalFormat::Yaml => serde_yaml::to_string(&full()).unwrap_or_default(),
            EvalFormat::Table => {
                let deciders = verdict.decided_by_names();
                let decided = if deciders.is_empty() { "(default)".to_string() } else { deciders.join(", ") };
                let mut text = format!(
                    "{:<LABEL_WIDTH$}  {:<6}  {:<8}  {:<18}  {}",
                    label,
                    verdict.route.as_str(),
                    verdict.priority.as_str(),
                    verdict.queue().unwrap_or("-"),
                    decided
                );
                if explain {
                    use std::fmt::Write as _;
                    let (words, reasons) = verdict.justification_lines();
                    let _ = write!(text, "\n    {}", words.trim_end());
                    for reason in reasons {
                        let _ = write!(text, "\n      {reason}");
                    }
                    let x = self::explain(set, conversation);
                    let _ = write!(text, "{}", explain_text(&x));
                }
                text
            }
        }
    }

    /// Prints one rendered verdict in its place.
    fn emit(&mut self, out: &mut impl Write, route: crate::ast::Route, text: &str) {
        let slot = match route {
            crate::ast::Route::Ai => 0,
            crate::ast::Route::Review => 1,
            crate::ast::Route::Human => 2,
        };
        if let Some(n) = self.routes.get_mut(slot) {
            *n += 1;
        }
        let first = self.count == 0;
        self.count += 1;
        match self.format {
            EvalFormat::Jsonl => {
                let _ = writeln!(out, "{text}");
            }
            EvalFormat::Json => {
                let _ = write!(out, "{}{text}", if first { "[\n" } else { ",\n" });
            }
            EvalFormat::Yaml => {
                let _ = write!(out, "---\n{text}");
            }
            EvalFormat::Table => {
                if first {
                    let _ = writeln!(
                        out,
                        "{:<LABEL_WIDTH$}  {:<6}  {:<8}  {:<18}  DECIDED BY",
                        "CONVERSATION", "ROUTE", "PRIORITY", "QUEUE"
                    );
                }
                let _ = writeln!(out, "{text}");
            }
        }
    }

    fn finish(&self, out: &mut impl Write) {
        match self.format {
            EvalFormat::Json => {
                let _ = writeln!(out, "{}", if self.count == 0 { "[]" } else { "\n]" });
            }
            EvalFormat::Table => {
                let [ai, review, human] = self.routes;
                let _ = writeln!(
                    out,
                    "\n{} conversation{}: {ai} ai, {review} review, {human} human",
                    self.count,
                    if self.count == 1 { "" } else { "s" }
                );
            }
            EvalFormat::Jsonl | EvalFormat::Yaml => {}
        }
    }
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines().map(|l| format!("{prefix}{l}")).collect::<Vec<_>>().join("\n") + if text.ends_with('\n') { "\n" } else { "" }
}

/// The per-rule trace of `--explain`.
fn explain(set: &PolicySet, conversation: &crate::context::Conversation) -> Value {
    set.program().explain(conversation)
}

/// The `--explain` trace for people: every rule, whether it matched (and whether unknown data
/// tipped it), each condition with its actual value (INTERFACE.md: "for every rule, whether it
/// matched and the value of each condition"), and the `allow ai` rules that came closest.
fn explain_text(x: &Value) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let str_of = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let rules = x.get("rules").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    if !rules.is_empty() {
        let _ = write!(out, "\n    rules (✓ matched, ✗ did not):");
    }
    for r in rules {
        let matched = r.get("matched") == Some(&Value::Bool(true));
        let mark = if matched { "✓" } else { "✗" };
        let _ = write!(out, "\n      {mark} {} ({}, {})", str_of(r, "rule"), str_of(r, "effect"), str_of(r, "source"));
        if r.get("tipped_by_unknown") == Some(&Value::Bool(true)) {
            let _ = write!(out, "{}", if matched { " — matched because data is unknown" } else { " — kept from matching by unknown data" });
        }
        for c in r.get("when").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]) {
            let _ = write!(out, "\n          when {}", str_of(c, "detail"));
            why_lines(&mut out, c);
        }
        if let Some(u) = r.get("unless").filter(|u| !u.is_null()) {
            let _ = write!(out, "\n          unless {}", str_of(u, "detail"));
            why_lines(&mut out, u);
        }
    }
    let closest = x.get("closest_allow").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    if !closest.is_empty() {
        let _ = write!(out, "\n    closest `allow ai` rules:");
    }
    for c in closest {
        let _ = write!(out, "\n      {} ({})", str_of(c, "rule"), str_of(c, "source"));
        if let Some(why) = c.get("overridden").and_then(Value::as_str) {
            let _ = write!(out, ": {why}");
        }
        for f in c.get("failing").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]) {
            let _ = write!(out, "\n          {}", f.as_str().unwrap_or(""));
        }
    }
    out
}

/// Why a condition has its value, one line per reason, under the condition.
fn why_lines(out: &mut String, condition: &Value) {
    use std::fmt::Write as _;
    for w in condition.get("why").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]) {
        if let Some(text) = w.get("text").and_then(Value::as_str) {
            let _ = write!(out, "\n            because {text}");
        }
    }
}
