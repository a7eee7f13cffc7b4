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
    /// Whether `messages` is unknown: given but not a list, or left out while a top-level key
    /// is `messages` misspelt (then `messages` is empty, and every quantifier over it unknown).
    #[serde(skip)]
    pub messages_unknown: bool,
    /// The raw `expect:` block of a test conversation, if any (read by `handoff test`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect: Option<Value>,
}

/// Who sent a message (LANGUAGE.md §5 "Reading messages").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sender {
    /// `customer`, `user` or `human`.
    Customer,
    /// `ai`, `assistant`, `bot` or `model`.
    Ai,
    /// `agent`: a person on the team.
    Agent,
    /// `system`, `tool`, `developer` or `function`: nobody's (platform notices). Counts only
    /// where a quantifier names no sender, and feeds no signal.
    System,
    /// Missing, misspelt, not a string, or a message that is not a mapping: it might be
    /// anyone's, so whether it is a given sender's is unknown.
    #[default]
    Unknown,
}

impl Sender {
    /// Every sender name a message may give, and whose it is.
    pub const NAMES: [(&str, Sender); 12] = [
        ("customer", Sender::Customer),
        ("user", Sender::Customer),
        ("human", Sender::Customer),
        ("ai", Sender::Ai),
        ("assistant", Sender::Ai),
        ("bot", Sender::Ai),
        ("model", Sender::Ai),
        ("agent", Sender::Agent),
        ("system", Sender::System),
        ("tool", Sender::System),
        ("developer", Sender::System),
        ("function", Sender::System),
    ];

    /// A sender as written: ASCII whitespace trimmed, ASCII letters compared case-insensitively.
    pub fn parse(s: &str) -> Sender {
        let s = s.trim_matches(|c: char| c.is_ascii_whitespace());
        Sender::NAMES
            .iter()
            .find(|(name, _)| s.eq_ignore_ascii_case(name))
            .map_or(Sender::Unknown, |(_, sender)| *sender)
    }

    /// The canonical name (`customer`, `ai`, `agent`, `system`; `unknown`).
    pub fn as_str(self) -> &'static str {
        match self {
            Sender::Customer => "customer",
            Sender::Ai => "ai",
            Sender::Agent => "agent",
            Sender::System => "system",
            Sender::Unknown => "unknown",
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

/// One message of a conversation, read as LANGUAGE.md §5 "Reading messages" says.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Message {
    pub from: Sender,
    /// The text; `None` when unknown (neither `text` nor `content` given, or not a text).
    pub text: Option<String>,
    /// The sender exactly as written (`from`, else `role`), when a string.
    #[serde(skip)]
    pub from_raw: Option<String>,
    /// Whether neither `from` nor `role` gives a value (`from is missing` inside `where`).
    #[serde(skip)]
    pub from_missing: bool,
    /// Whether neither `text` nor `content` gives a value (`text is missing` inside `where`).
    #[serde(skip)]
    pub text_missing: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// A sentiment score given by an upstream model, which replaces the engine's; anything
    /// but a number in −1…1 is [`Given::WrongType`] (unknown).
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

    /// Whether something about the message is unknown: its sender, its text or its given
    /// sentiment (the verdict's `unknown` then lists `messages`).
    pub fn is_doubtful(&self) -> bool {
        self.from == Sender::Unknown || self.text.is_none() || self.sentiment == Given::WrongType
    }
}

/// A message's `sentiment` as given: absent when `null`; unknown unless a number in −1…1.
/// Whether YAML `text` may hold `.nan`, `.inf` or `-.inf` (then [`mark_non_finite`] is needed).
pub(crate) fn may_hold_non_finite(text: &str) -> bool {
    let t = text.as_bytes();
    t.windows(4).any(|w| w.first() == Some(&b'.') && (w.get(1..4).is_some_and(|r| r.eq_ignore_ascii_case(b"nan") || r.eq_ignore_ascii_case(b"inf"))))
}

/// YAML's `.nan`, `.inf` and `-.inf` have no JSON value: serde reads them as `null`, which would
/// make the field absent (and its default apply). They are given instead as a mapping
/// (`{"non-finite number": ".nan"}`), which no rule can read as a number, a text, a sender or a
/// list: the field is present and unknown (LANGUAGE.md §3, §5). `json` is `yaml` as serde read it.
pub(crate) fn mark_non_finite(yaml: &serde_yaml::Value, json: &mut Value) {
    use serde_yaml::Value as Y;
    match (yaml, json) {
        (Y::Mapping(m), Value::Object(o)) => {
            for (k, v) in m {
                if let Some(j) = k.as_str().and_then(|k| o.get_mut(k)) {
                    mark_non_finite(v, j);
                }
            }
        }
        (Y::Sequence(items), Value::Array(a)) => {
            for (v, j) in items.iter().zip(a.iter_mut()) {
                mark_non_finite(v, j);
            }
        }
        (Y::Tagged(t), j) => mark_non_finite(&t.value, j),
        (Y::Number(n), j) if j.is_null() && n.as_f64().is_some_and(|f| !f.is_finite()) => {
            let mut marker = serde_json::Map::new();
            marker.insert("non-finite number".into(), Value::String(n.to_string()));
            *j = Value::Object(marker);
        }
        _ => {}
    }
}

pub(crate) fn given_sentiment(value: Option<f64>) -> Given<f64> {
    match value {
        Some(v) if (-1.0..=1.0).contains(&v) => Given::Value(v),
        _ => Given::WrongType,
    }
}

/// Whether a top-level key other than `messages` is `messages` misspelt: the same ignoring
/// ASCII case, or one edit away (a letter inserted, deleted or replaced, or two adjacent
/// letters swapped).
pub fn near_messages(key: &str) -> bool {
    key != "messages" && (key.eq_ignore_ascii_case("messages") || one_edit(key, "messages"))
}

/// Whether `a` is one edit from `b` (optimal string alignment distance 1), by characters.
pub fn one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (a, b) = (a.get(prefix..).unwrap_or(&[]), b.get(prefix..).unwrap_or(&[]));
    match (a, b) {
        ([], []) => false,
        ([x, y, ra @ ..], [p, q, rb @ ..]) if x == q && y == p && x != y && ra == rb => true,
        ([_, ra @ ..], [_, rb @ ..]) if ra == rb => true,
        ([_, ra @ ..], rb) if ra == rb => true,
        (ra, [_, rb @ ..]) => ra == rb,
        _ => false,
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
        let mut value = value;
        if may_hold_non_finite(text) {
            if let Ok(yaml) = serde_yaml::from_str::<serde_yaml::Value>(text) {
                mark_non_finite(&yaml, &mut value);
            }
        }
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
        let (messages, messages_unknown) = messages(data.remove("messages"), data.keys());
        let expect = data.remove("expect");
        Ok(Conversation {
            data: Data::new(data),
            messages,
            messages_unknown,
            expect,
        })
    }

    /// Top-level keys one edit from a built-in key (`message`, `signal`, `chanel`, `expects`),
    /// or the same ignoring case, or (for `expect`) starting with it (`expected`), with the
    /// built-in each is likely meant as.
    pub fn misspelt_keys(&self) -> Vec<(&str, &'static str)> {
        const BUILTINS: [&str; 4] = ["messages", "signals", "channel", "expect"];
        let mut out = Vec::new();
        for key in self.data.keys() {
            let near = BUILTINS
                .into_iter()
                .find(|b| key != b && (key.eq_ignore_ascii_case(b) || one_edit(key, b)))
                .or_else(|| key.to_ascii_lowercase().starts_with("expect").then_some("expect"))
                .filter(|b| key != b);
            if let Some(builtin) = near {
                out.push((key.as_str(), builtin));
            }
        }
        out
    }

    /// Whether `messages` is unknown or holds a message with something unknown about it.
    pub fn messages_doubtful(&self) -> bool {
        self.messages_unknown || self.messages.iter().any(Message::is_doubtful)
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

/// `messages` as given, and whether it is unknown: a list is read message by message;
/// absent or `null` is the empty list unless one of `keys` is `messages` misspelt; anything
/// else is unknown.
pub(crate) fn messages<'k>(value: Option<Value>, mut keys: impl Iterator<Item = &'k String>) -> (Vec<Message>, bool) {
    match value {
        Some(Value::Array(items)) => (items.into_iter().map(Message::from_value).collect(), false),
        None | Some(Value::Null) => (Vec::new(), keys.any(|k| near_messages(k))),
        Some(_) => (Vec::new(), true),
    }
}

/// A value that is given: present and not `null`.
fn given(value: Option<Value>) -> Option<Value> {
    value.filter(|v| !v.is_null())
}

impl Message {
    /// One element of `messages`: `from`/`role` and `text`/`content` each resolved on their
    /// own, a `null` counting as absent.
    pub fn from_value(value: Value) -> Message {
        let Value::Object(mut m) = value else {
            // not a mapping: sender and text unknown, and neither pair gives a value
            return Message {
                from_missing: true,
                text_missing: true,
                ..Message::default()
            };
        };
        let from = given(m.remove("from")).or_else(|| given(m.remove("role")));
        let has_text_key = m.contains_key("text") || m.contains_key("content");
        let text = given(m.remove("text")).map(|t| match t {
            Value::String(s) => Some(s),
            _ => None,
        });
        let text = text.or_else(|| given(m.remove("content")).map(content));
        let from_raw = from.as_ref().and_then(Value::as_str).map(str::to_owned);
        Message {
            from: from_raw.as_deref().map_or(Sender::Unknown, Sender::parse),
            from_missing: from.is_none(),
            text_missing: text.is_none(),
            // a key given as `null` is empty text (an attachment); no key at all, unknown
            text: text.unwrap_or_else(|| has_text_key.then(String::new)),
            from_raw,
            at: m.remove("at").and_then(json::at),
            sentiment: m.remove("sentiment").map_or(Given::Absent, json::sentiment),
        }
    }
}

/// A chat-completion `content`: a string, or a list of parts whose text parts are joined with
/// a newline (images, audio and files skipped); anything else is unknown (`None`).
fn content(value: Value) -> Option<String> {
    let parts = match value {
        Value::String(s) => return Some(s),
        Value::Array(parts) => parts,
        _ => return None,
    };
    let mut texts = Vec::with_capacity(parts.len());
    for part in parts {
        match part {
            Value::String(s) => texts.push(s),
            Value::Object(mut p) => {
                let is_text = match p.get("type") {
                    None | Some(Value::Null) => true,
                    Some(Value::String(t)) => matches!(t.as_str(), "text" | "input_text" | "output_text"),
                    Some(_) => false,
                };
                if is_text {
                    match p.remove("text") {
                        Some(Value::String(s)) => texts.push(s),
                        _ => return None,
                    }
                }
            }
            _ => return None,
        }
    }
    Some(texts.join("\n"))
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
