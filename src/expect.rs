//! `expect:` blocks of test conversations: reading them against a policy set, and checking a
//! verdict against them (INTERFACE.md, "Test expectations").
//!
//! ```yaml
//! expect:
//!   route: human
//!   decided_by: "Self-harm risk"   # a name among the deciding rules, or a list: exactly these
//!   queue: crisis-support          # optional; `null` expects no queue
//!   priority: urgent               # optional
//!   obligations: [disclose_ai]     # optional; exactly these, in any order
//! ```

use crate::ast::{Priority, Route};
use crate::eval::{Program, Verdict};
use serde_json::Value;

/// The keys an `expect:` block may hold.
pub const KEYS: [&str; 5] = ["route", "decided_by", "queue", "priority", "obligations"];

/// A checked `expect:` block.
#[derive(Clone, Debug, PartialEq)]
pub struct Expect {
    pub route: Route,
    pub decided_by: Option<DecidedBy>,
    /// `Some(None)`: no queue expected.
    pub queue: Option<Option<String>>,
    pub priority: Option<Priority>,
    /// Sorted, without duplicates.
    pub obligations: Option<Vec<String>>,
}

/// What `decided_by` asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum DecidedBy {
    /// One name: it must be among the deciding rules.
    Among(String),
    /// A list: the deciding rules must be exactly these (in any order; `[]` means the default).
    Exactly(Vec<String>),
}

/// Why an `expect:` block is invalid.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ExpectError {
    /// The key of the block it is about, if any (to find its place in the file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Where it is (`file:line:column`), filled in by whoever knows the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl std::fmt::Display for ExpectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

fn error(message: String, help: Option<String>) -> ExpectError {
    ExpectError { key: None, place: None, message, help }
}

fn at(key: &str, e: ExpectError) -> ExpectError {
    ExpectError { key: Some(key.to_string()), ..e }
}

/// One way a verdict differs from its expectation.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Mismatch {
    pub field: &'static str,
    pub expected: String,
    pub actual: String,
}

impl Expect {
    /// Reads an `expect:` block, checking its names against the set; every problem is reported.
    pub fn parse(value: &Value, program: &Program) -> Result<Expect, Vec<ExpectError>> {
        let mut errors = Vec::new();
        let Value::Object(map) = value else {
            return Err(vec![error(
                format!("`expect` must be a mapping, not {}", kind(value)),
                Some("write `expect:` followed by `route: ai|review|human` and optional checks".into()),
            )]);
        };
        for key in map.keys() {
            if !KEYS.contains(&key.as_str()) {
                let help = match closest(key, KEYS.iter().copied()) {
                    Some(k) => format!("did you mean `{k}`?"),
                    None => format!("an `expect:` block may hold {}", list(&KEYS)),
                };
                errors.push(at(key, error(format!("unknown key `{key}` in `expect`"), Some(help))));
            }
        }
        let route = match map.get("route") {
            None => {
                errors.push(error("`expect` has no `route`".into(), Some("add `route: ai`, `route: review` or `route: human`".into())));
                None
            }
            Some(Value::String(s)) => {
                let route = Route::parse(s);
                if route.is_none() {
                    errors.push(at("route", error(format!("unknown route `{s}`"), Some("a route is `ai`, `review` or `human`".into()))));
                }
                route
            }
            Some(other) => {
                errors.push(error(format!("`route` must be a text, not {}", kind(other)), Some("a route is `ai`, `review` or `human`".into())));
                None
            }
        };
        let names: Vec<&str> = program.rule_names().collect();
        let rule = |name: &str, errors: &mut Vec<ExpectError>| {
            if !names.contains(&name) {
                let help = match closest(name, names.iter().copied()) {
                    Some(n) => format!("did you mean `{n}`?"),
                    None => "`decided_by` names rules of the policy set, as written after `rule`".into(),
                };
                errors.push(at("decided_by", error(format!("unknown rule `{name}` in `decided_by`"), Some(help))));
            }
        };
        let decided_by = match map.get("decided_by") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => {
                rule(s, &mut errors);
                Some(DecidedBy::Among(s.clone()))
            }
            Some(Value::Array(items)) => {
                let mut list = Vec::new();
                for item in items {
                    match item {
                        Value::String(s) => {
                            rule(s, &mut errors);
                            list.push(s.clone());
                        }
                        other => errors.push(error(format!("`decided_by` must list rule names, not {}", kind(other)), None)),
                    }
                }
                list.sort();
                list.dedup();
                Some(DecidedBy::Exactly(list))
            }
            Some(other) => {
                errors.push(error(
                    format!("`decided_by` must be a rule name or a list of them, not {}", kind(other)),
                    None,
                ));
                None
            }
        };
        let queue = match map.get("queue") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(s.clone())),
            Some(other) => {
                errors.push(error(format!("`queue` must be a text, not {}", kind(other)), None));
                None
            }
        };
        let priority = match map.get("priority") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => {
                let p = Priority::parse(s);
                if p.is_none() {
                    errors.push(at("priority", error(format!("unknown priority `{s}`"), Some("a priority is `low`, `normal`, `high` or `urgent`".into()))));
                }
                p
            }
            Some(other) => {
                errors.push(error(format!("`priority` must be a text, not {}", kind(other)), None));
                None
            }
        };
        let obligations = match map.get("obligations") {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => {
                let mut list = Vec::new();
                for item in items {
                    match item {
                        Value::String(s) => list.push(s.clone()),
                        other => errors.push(error(format!("`obligations` must list names, not {}", kind(other)), None)),
                    }
                }
                list.sort();
                list.dedup();
                Some(list)
            }
            Some(other) => {
                errors.push(error(format!("`obligations` must be a list, not {}", kind(other)), None));
                None
            }
        };
        match route {
            Some(route) if errors.is_empty() => Ok(Expect { route, decided_by, queue, priority, obligations }),
            _ => Err(errors),
        }
    }

    /// Every way the verdict differs from what is expected; empty when it passes.
    pub fn check(&self, verdict: &Verdict<'_>) -> Vec<Mismatch> {
        let mut out = Vec::new();
        if verdict.route != self.route {
            out.push(Mismatch { field: "route", expected: self.route.as_str().into(), actual: verdict.route.as_str().into() });
        }
        if let Some(decided_by) = &self.decided_by {
            let mut actual = verdict.decided_by_names();
            actual.sort_unstable();
            actual.dedup();
            let ok = match decided_by {
                DecidedBy::Among(name) => actual.contains(&name.as_str()),
                DecidedBy::Exactly(list) => list.iter().map(String::as_str).eq(actual.iter().copied()),
            };
            if !ok {
                let expected = match decided_by {
                    DecidedBy::Among(name) => format!("`{name}` among the deciding rules"),
                    DecidedBy::Exactly(list) => names(list.iter().map(String::as_str)),
                };
                out.push(Mismatch { field: "decided_by", expected, actual: names(actual.iter().copied()) });
            }
        }
        if let Some(queue) = &self.queue {
            let actual = verdict.queue();
            if queue.as_deref() != actual {
                out.push(Mismatch {
                    field: "queue",
                    expected: queue.clone().unwrap_or_else(|| "no queue".into()),
                    actual: actual.unwrap_or("no queue").into(),
                });
            }
        }
        if let Some(priority) = self.priority {
            if verdict.priority != priority {
                out.push(Mismatch { field: "priority", expected: priority.as_str().into(), actual: verdict.priority.as_str().into() });
            }
        }
        if let Some(obligations) = &self.obligations {
            let actual = verdict.obligations();
            if !obligations.iter().map(String::as_str).eq(actual.iter().copied()) {
                out.push(Mismatch {
                    field: "obligations",
                    expected: bracketed(obligations.iter().map(String::as_str)),
                    actual: bracketed(actual.iter().copied()),
                });
            }
        }
        out
    }
}

/// Rule names as a readable list; the default when there is none.
fn names<'a>(list: impl Iterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = list.map(|n| format!("`{n}`")).collect();
    if quoted.is_empty() { "the default (no rule)".into() } else { quoted.join(", ") }
}

fn bracketed<'a>(list: impl Iterator<Item = &'a str>) -> String {
    format!("[{}]", list.collect::<Vec<_>>().join(", "))
}

fn list(keys: &[&str]) -> String {
    keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// A likely intended name: the same ignoring case, or within a small edit distance.
fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .map(|c| (if c.to_lowercase() == lower { 0 } else { distance(&lower, &c.to_lowercase()) }, c))
        .filter(|&(d, _)| d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance over chars.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = i;
        let mut next = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let up = row.get(j + 1).copied().unwrap_or(usize::MAX);
            let left = next.last().copied().unwrap_or(usize::MAX);
            let cost = usize::from(ca != *cb);
            next.push((prev + cost).min(up.saturating_add(1)).min(left.saturating_add(1)));
            prev = up;
        }
        row = next;
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::distance;

    #[test]
    fn edit_distance() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("route", "route"), 0);
    }
}
