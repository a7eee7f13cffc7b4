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
//!   say: "…"                       # optional; `null` expects nothing to say
//!   tags: [frustration]            # optional; a set, as `obligations`
//!   unknown: [ai.confidence]       # optional; a set: the verdict's `unknown`
//!   not_decided_by: "Small refunds" # optional: a name or list that must not decide
//! ```
//!
//! A key left out is not compared; one given as `null` (or `[]` for a set) expects none.

use crate::ast::{Priority, Route};
use crate::eval::{Program, Verdict};
use serde_json::Value;

/// The keys an `expect:` block may hold.
pub const KEYS: [&str; 9] = [
    "route",
    "decided_by",
    "not_decided_by",
    "queue",
    "priority",
    "say",
    "tags",
    "obligations",
    "unknown",
];

/// A checked `expect:` block. A key left out is not compared (`None`); one given as `null`
/// (or `[]` for a set) expects none.
#[derive(Clone, Debug, PartialEq)]
pub struct Expect {
    pub route: Route,
    pub decided_by: Option<DecidedBy>,
    /// Rules that must not be among the deciding rules.
    pub not_decided_by: Vec<String>,
    /// `Some(None)`: no queue expected.
    pub queue: Option<Option<String>>,
    pub priority: Option<Priority>,
    /// `Some(None)`: nothing to say expected.
    pub say: Option<Option<String>>,
    /// Sets: sorted, without duplicates.
    pub tags: Option<Vec<String>>,
    pub obligations: Option<Vec<String>>,
    pub unknown: Option<Vec<String>>,
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

/// The top-level keys of a conversation that look like `expect` misspelt (`expected`,
/// `expects`, `Expect`): an error for `handoff test`, which would otherwise skip the block.
pub fn misspelt_expect(conversation: &crate::Conversation) -> Vec<ExpectError> {
    conversation
        .misspelt_keys()
        .into_iter()
        .filter(|(_, builtin)| *builtin == "expect")
        .map(|(key, _)| {
            at(
                key,
                error(
                    format!("unknown top-level key `{key}`: the test's expectations would be skipped"),
                    Some("did you mean `expect`?".into()),
                ),
            )
        })
        .collect()
}

/// Reads the keys of one `expect:` block, collecting every problem.
struct Reader<'v> {
    map: &'v serde_json::Map<String, Value>,
    names: Vec<&'v str>,
    errors: Vec<ExpectError>,
}

impl<'v> Reader<'v> {
    /// A rule name, checked against the set.
    fn rule(&mut self, key: &str, name: &str) {
        if !self.names.contains(&name) {
            let help = match closest(name, self.names.iter().copied()) {
                Some(n) => format!("did you mean `{n}`?"),
                None => format!("`{key}` names rules of the policy set, as written after the effect"),
            };
            self.errors.push(at(key, error(format!("unknown rule `{name}` in `{key}`"), Some(help))));
        }
    }

    /// Rule names: one, or a list (sorted, without duplicates).
    fn rules(&mut self, key: &str, value: &Value) -> Result<Vec<String>, ()> {
        let items: Vec<&Value> = match value {
            Value::String(_) => vec![value],
            Value::Array(items) => items.iter().collect(),
            other => {
                self.errors.push(at(key, error(format!("`{key}` must be a rule name or a list of them, not {}", kind(other)), None)));
                return Err(());
            }
        };
        let mut list = Vec::new();
        for item in items {
            match item {
                Value::String(s) => {
                    self.rule(key, s);
                    list.push(s.clone());
                }
                other => self.errors.push(at(key, error(format!("`{key}` must list rule names, not {}", kind(other)), None))),
            }
        }
        list.sort();
        list.dedup();
        Ok(list)
    }

    /// A text, or `null` for none.
    fn text(&mut self, key: &str) -> Option<Option<String>> {
        match self.map.get(key)? {
            Value::Null => Some(None),
            Value::String(s) => Some(Some(s.clone())),
            other => {
                self.errors.push(at(key, error(format!("`{key}` must be a text, not {}", kind(other)), None)));
                None
            }
        }
    }

    /// A set of texts (sorted, without duplicates); `null` or `[]` for none.
    fn set(&mut self, key: &str) -> Option<Vec<String>> {
        let items = match self.map.get(key)? {
            Value::Null => return Some(Vec::new()),
            Value::Array(items) => items,
            other => {
                self.errors.push(at(key, error(format!("`{key}` must be a list, not {}", kind(other)), None)));
                return None;
            }
        };
        let mut list = Vec::new();
        for item in items {
            match item {
                Value::String(s) => list.push(s.clone()),
                other => self.errors.push(at(key, error(format!("`{key}` must list texts, not {}", kind(other)), None))),
            }
        }
        list.sort();
        list.dedup();
        Some(list)
    }

    /// A name parsed by `parse`, with `what` it may be for the help.
    fn named<T>(&mut self, key: &str, parse: fn(&str) -> Option<T>, what: &str) -> Option<T> {
        match self.map.get(key)? {
            Value::String(s) => {
                let parsed = parse(s);
                if parsed.is_none() {
                    self.errors.push(at(key, error(format!("unknown {key} `{s}`"), Some(format!("a {key} is {what}")))));
                }
                parsed
            }
            other => {
                self.errors.push(at(key, error(format!("`{key}` must be a text, not {}", kind(other)), Some(format!("a {key} is {what}")))));
                None
            }
        }
    }
}

impl Expect {
    /// Reads an `expect:` block, checking its names against the set; every problem is reported.
    pub fn parse(value: &Value, program: &Program) -> Result<Expect, Vec<ExpectError>> {
        let Value::Object(map) = value else {
            return Err(vec![error(
                format!("`expect` must be a mapping, not {}", kind(value)),
                Some("write `expect:` followed by `route: ai|review|human` and optional checks".into()),
            )]);
        };
        let mut r = Reader { map, names: program.rule_names().collect(), errors: Vec::new() };
        for key in map.keys() {
            if !KEYS.contains(&key.as_str()) {
                let help = match closest(key, KEYS.iter().copied()) {
                    Some(k) => format!("did you mean `{k}`?"),
                    None => format!("an `expect:` block may hold {}", list(&KEYS)),
                };
                r.errors.push(at(key, error(format!("unknown key `{key}` in `expect`"), Some(help))));
            }
        }
        if !map.contains_key("route") {
            r.errors.push(error("`expect` has no `route`".into(), Some("add `route: ai`, `route: review` or `route: human`".into())));
        }
        let route = r.named("route", Route::parse, "`ai`, `review` or `human`");
        let decided_by = match map.get("decided_by") {
            None => None,
            Some(Value::Null) => Some(DecidedBy::Exactly(Vec::new())),
            Some(Value::String(s)) => {
                r.rule("decided_by", s);
                Some(DecidedBy::Among(s.clone()))
            }
            Some(v) => r.rules("decided_by", v).ok().map(DecidedBy::Exactly),
        };
        let not_decided_by = match map.get("not_decided_by") {
            None | Some(Value::Null) => Vec::new(),
            Some(v) => r.rules("not_decided_by", v).unwrap_or_default(),
        };
        if map.get("priority").is_some_and(Value::is_null) {
            r.errors.push(at("priority", error("`priority` cannot be `null`: every verdict has one".into(), Some("a priority is `low`, `normal`, `high` or `urgent`".into()))));
        }
        let priority = match map.get("priority") {
            Some(Value::Null) => None,
            _ => r.named("priority", Priority::parse, "`low`, `normal`, `high` or `urgent`"),
        };
        let queue = r.text("queue");
        let say = r.text("say");
        let tags = r.set("tags");
        let obligations = r.set("obligations");
        let unknown = r.set("unknown");
        match route {
            Some(route) if r.errors.is_empty() => {
                Ok(Expect { route, decided_by, not_decided_by, queue, priority, say, tags, obligations, unknown })
            }
            _ => Err(r.errors),
        }
    }

    /// Every way the verdict differs from what is expected; empty when it passes.
    pub fn check(&self, verdict: &Verdict<'_>) -> Vec<Mismatch> {
        let mut out = Vec::new();
        if verdict.route != self.route {
            out.push(Mismatch { field: "route", expected: self.route.as_str().into(), actual: verdict.route.as_str().into() });
        }
        let mut deciding = verdict.decided_by_names();
        deciding.sort_unstable();
        deciding.dedup();
        if let Some(decided_by) = &self.decided_by {
            let ok = match decided_by {
                DecidedBy::Among(name) => deciding.contains(&name.as_str()),
                DecidedBy::Exactly(list) => list.iter().map(String::as_str).eq(deciding.iter().copied()),
            };
            if !ok {
                let expected = match decided_by {
                    DecidedBy::Among(name) => format!("`{name}` among the deciding rules"),
                    DecidedBy::Exactly(list) => names(list.iter().map(String::as_str)),
                };
                out.push(Mismatch { field: "decided_by", expected, actual: names(deciding.iter().copied()) });
            }
        }
        let wrong: Vec<&str> = self.not_decided_by.iter().map(String::as_str).filter(|n| deciding.contains(n)).collect();
        if !wrong.is_empty() {
            out.push(Mismatch {
                field: "not_decided_by",
                expected: format!("none of {} among the deciding rules", names(self.not_decided_by.iter().map(String::as_str))),
                actual: names(deciding.iter().copied()),
            });
        }
        let text = |field: &'static str, expected: &Option<Option<String>>, actual: Option<&str>, out: &mut Vec<Mismatch>| {
            if let Some(e) = expected {
                if e.as_deref() != actual {
                    let none = format!("no {field}");
                    out.push(Mismatch { field, expected: e.clone().unwrap_or(none.clone()), actual: actual.map_or(none, str::to_string) });
                }
            }
        };
        text("queue", &self.queue, verdict.queue(), &mut out);
        if let Some(priority) = self.priority {
            if verdict.priority != priority {
                out.push(Mismatch { field: "priority", expected: priority.as_str().into(), actual: verdict.priority.as_str().into() });
            }
        }
        text("say", &self.say, verdict.say(), &mut out);
        for (field, expected, actual) in [
            ("tags", &self.tags, verdict.tags()),
            ("obligations", &self.obligations, verdict.obligations()),
            ("unknown", &self.unknown, sorted(verdict.unknown())),
        ] {
            if let Some(expected) = expected {
                if !expected.iter().map(String::as_str).eq(actual.iter().copied()) {
                    out.push(Mismatch {
                        field,
                        expected: bracketed(expected.iter().map(String::as_str)),
                        actual: bracketed(actual.iter().copied()),
                    });
                }
            }
        }
        out
    }
}

fn sorted(mut items: Vec<&str>) -> Vec<&str> {
    items.sort_unstable();
    items.dedup();
    items
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
