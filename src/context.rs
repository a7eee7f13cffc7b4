//! The conversation model: what a verdict is computed over (JSON or YAML).
//!
//! Reading is lenient on purpose: a field of the wrong type is kept as written and becomes
//! *unknown* when a rule reads it, never an error. Only a document that is not JSON/YAML at all,
//! or whose top level is not a mapping, is rejected.

mod data;
mod json;
mod scan;

pub use data::{Data, Field, Key, path_hash};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// A conversation to decide on.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Conversation {
    /// Every top-level field except `messages` and `expect`, as given (`id`, `channel`,
    /// `customer`, `intent`, `signals`, …), with the typed index rules read them through.
    pub data: Data,
    pub messages: Vec<Message>,
    /// The raw `expect:` block of a test conversation, if any (read by `handoff test`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect: Option<Value>,
}

/// Who sent a message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sender {
    Customer,
    Ai,
    Agent,
    /// Anything else (or nothing): counts only where a quantifier names no sender.
    #[default]
    Other,
}

impl Sender {
    pub fn parse(s: &str) -> Sender {
        match s {
            "customer" => Sender::Customer,
            "ai" => Sender::Ai,
            "agent" => Sender::Agent,
            _ => Sender::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sender::Customer => "customer",
            Sender::Ai => "ai",
            Sender::Agent => "agent",
            Sender::Other => "other",
        }
    }
}

/// A value the input may give, give with the wrong type, or leave out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Given<T> {
    #[default]
    Absent,
    Value(T),
    WrongType,
}

impl<T: Copy> Given<T> {
    pub fn value(self) -> Option<T> {
        match self {
            Given::Value(v) => Some(v),
            _ => None,
        }
    }
}

/// One message of a conversation.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Message {
    pub from: Sender,
    /// The text; `None` when absent or not a string (then tests on it are unknown).
    pub text: Option<String>,
    /// `from` exactly as written, for messages of an unexpected sender.
    #[serde(skip)]
    pub from_raw: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// A sentiment score given by an upstream model, which replaces the engine's.
    #[serde(skip_serializing_if = "is_absent")]
    pub sentiment: Given<f64>,
}

fn is_absent<T>(g: &Given<T>) -> bool {
    matches!(g, Given::Absent)
}

impl Message {
    pub fn new(from: Sender, text: impl Into<String>) -> Message {
        Message {
            from,
            text: Some(text.into()),
            ..Message::default()
        }
    }

    pub fn text(&self) -> &str {
        self.text.as_deref().unwrap_or("")
    }
}

/// Why an input document could not be read; `line`/`column` are 1-based where known.
#[derive(Clone, Debug, PartialEq)]
pub struct InputError {
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: {}", self.message),
            (Some(l), None) => write!(f, "line {l}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for InputError {}

impl Conversation {
    /// Reads one conversation from JSON text.
    pub fn from_json(text: &str) -> Result<Conversation, InputError> {
        // the common shape by hand; anything else (and every error) through serde_json
        match scan::conversation(text) {
            Some(c) => {
                // every test run without --release compares the two readers
                debug_assert!(
                    json::conversation(text).as_ref() == Ok(&c),
                    "the hand-written JSON reader and serde_json disagree on {text}"
                );
                Ok(c)
            }
            None => json::conversation(text),
        }
    }

    /// Reads one conversation from YAML text.
    pub fn from_yaml(text: &str) -> Result<Conversation, InputError> {
        let value: Value = serde_yaml::from_str(text).map_err(|e| {
            let loc = e.location();
            InputError {
                message: yaml_message(&e),
                line: loc.as_ref().map(|l| l.line()),
                column: loc.as_ref().map(|l| l.column()),
            }
        })?;
        Conversation::from_value(value)
    }

    /// Builds a conversation from a JSON value; only a non-mapping top level is rejected.
    pub fn from_value(value: Value) -> Result<Conversation, InputError> {
        let Value::Object(mut data) = value else {
            return Err(InputError {
                message: format!("a conversation must be a mapping, not {}", kind(&value)),
                line: None,
                column: None,
            });
        };
        let messages = match data.remove("messages") {
            Some(Value::Array(items)) => items.into_iter().map(Message::from_value).collect(),
            // `messages` missing, null or of the wrong type: the empty list (wrong types of
            // built-ins are not errors, and no message can make the AI more autonomous).
            _ => Vec::new(),
        };
        let expect = data.remove("expect");
        Ok(Conversation {
            data: Data::new(data),
            messages,
            expect,
        })
    }

    /// The conversation's `id`, rendered as text when it is a number.
    pub fn id(&self) -> Option<String> {
        const ID: Key = Key::new("id");
        match self.data.field_at(&ID, "id")? {
            Field::Str(s) => Some(s.to_owned()),
            Field::Null | Field::Bool(_) | Field::Strings => None,
            // a number as it was given (its text is in the mapping)
            Field::Num(_) | Field::Other => match self.data.get("id")? {
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            },
        }
    }

    /// The value at a dotted path (`customer.tier`), `None` when absent. `null` is returned as
    /// `Some(Value::Null)`; callers treat it as missing.
    pub fn get(&self, path: &str) -> Option<&Value> {
        let mut parts = path.split('.');
        let mut value = self.data.get(parts.next()?)?;
        for part in parts {
            value = value.as_object()?.get(part)?;
        }
        Some(value)
    }

    /// Whether the conversation gives the field (absent or `null` is missing).
    pub fn is_present(&self, path: &str) -> bool {
        !matches!(self.get(path), None | Some(Value::Null))
    }
}

impl Message {
    fn from_value(value: Value) -> Message {
        let Value::Object(mut m) = value else {
            return Message {
                text: None,
                ..Message::default()
            };
        };
        let from_raw = m.remove("from").and_then(json::string);
        let from = from_raw.as_deref().map_or(Sender::Other, Sender::parse);
        let text = m.remove("text").and_then(json::string);
        let at = m.remove("at").and_then(json::at);
        let sentiment = m.remove("sentiment").map_or(Given::Absent, json::sentiment);
        Message {
            from,
            text,
            from_raw,
            at,
            sentiment,
        }
    }
}

impl<'de> Deserialize<'de> for Conversation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Conversation, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Conversation::from_value(value).map_err(serde::de::Error::custom)
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// serde_json's message without its trailing " at line X column Y" (we report those apart).
fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text.get(..i).unwrap_or(&text).to_string(),
        None => text,
    }
}

fn yaml_message(e: &serde_yaml::Error) -> String {
    let text = e.to_string();
    match text.find(" at line ") {
        Some(i) => text.get(..i).unwrap_or(&text).to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_fields() {
        let c = Conversation::from_json(
            r#"{"id": 7, "customer": {"tier": 3}, "messages": [{"from": "customer", "text": 5, "sentiment": "bad"}, "x"]}"#,
        )
        .unwrap_or_default();
        assert_eq!(c.id().as_deref(), Some("7"));
        assert_eq!(c.messages.len(), 2);
        assert_eq!(c.messages.first().map(|m| m.sentiment), Some(Given::WrongType));
        assert!(c.is_present("customer.tier"));
        assert!(!c.is_present("customer.id"));
    }

    #[test]
    fn bad_json_names_line_and_column() {
        let e = Conversation::from_json("{\n  \"id\": ,\n}").err();
        assert_eq!(e.as_ref().and_then(|e| e.line), Some(2));
        assert!(e.map(|e| e.column.is_some()).unwrap_or(false));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{{\"x\": {}{}}}", "[".repeat(20_000), "]".repeat(20_000));
        assert!(Conversation::from_json(&deep).is_err());
    }
}
