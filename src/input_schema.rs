//! `handoff schema`: the JSON Schema (draft 2020-12) of a conversation for a policy set.
//!
//! It describes well-typed input — what the engine reads as intended: the built-ins (`id`,
//! `channel`, `messages` in both shapes, `from`/`text` and `role`/`content` with content
//! parts), every declared path with its type and default, `signals` with their ranges, and
//! `expect`. Input outside it is still accepted: a value of the wrong type is read as
//! *unknown* (LANGUAGE.md §3), so the schema is for integrators, not a gate.

use crate::ast::{FieldDefault, Literal, Type};
use crate::context::Sender;
use crate::schema::{Field, Schema};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// What each signal means (LANGUAGE.md §5); also the hover text of `handoff lsp`.
pub fn signal_meaning(path: &str) -> Option<&'static str> {
    Some(match path.strip_prefix("signals.")? {
        "sentiment" => "sentiment of the latest customer message, −1…1 (VADER-style compound)",
        "sentiment_min" => "the lowest sentiment among the customer's messages, −1…1",
        "negative_streak" => "how many of the latest customer messages in a row are at or below −0.05",
        "distress" => "emotional load, 0…1: negative intensity, distress words, shouting, repetition",
        "human_requested" => "the customer asked for a person (\"let me talk to a human\"), not when negated",
        "crisis" => "a customer message shows a risk to life or safety",
        "repeated" => "customer messages that repeat an earlier one nearly word for word",
        "ai_turns" => "messages sent by the AI",
        _ => return None,
    })
}

/// The schema of a conversation for a set. `title` names the set (its version or directory).
pub fn conversation(schema: &Schema, title: &str) -> Value {
    let mut tree = Node::default();
    for (path, field) in &schema.fields {
        tree.insert(path.split('.'), path, field);
    }
    let mut root = match tree.to_json() {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    let properties = root.entry("properties").or_insert_with(|| json!({}));
    if let Some(p) = properties.as_object_mut() {
        p.insert("messages".into(), json!({
            "description": "The transcript, oldest first. Absent or null is no messages.",
            "type": ["array", "null"],
            "items": { "$ref": "#/$defs/message" }
        }));
        p.insert("expect".into(), json!({ "$ref": "#/$defs/expect" }));
    }
    let mut out = Map::new();
    out.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
    out.insert("title".into(), json!(format!("A conversation for {title}")));
    out.append(&mut root);
    out.insert("$defs".into(), defs());
    Value::Object(out)
}

/// A tree of declared paths: `customer.tier` is `customer` → `tier`.
#[derive(Default)]
struct Node<'a> {
    leaf: Option<(&'a str, &'a Field)>,
    children: BTreeMap<&'a str, Node<'a>>,
}

impl<'a> Node<'a> {
    fn insert(&mut self, mut segments: std::str::Split<'a, char>, path: &'a str, field: &'a Field) {
        match segments.next() {
            None => self.leaf = Some((path, field)),
            Some(s) => self.children.entry(s).or_default().insert(segments, path, field),
        }
    }

    fn to_json(&self) -> Value {
        let object = (!self.children.is_empty()).then(|| {
            let properties: Map<String, Value> = self.children.iter().map(|(k, v)| ((*k).to_string(), v.to_json())).collect();
            json!({ "type": "object", "properties": properties })
        });
        match (self.leaf.map(|(path, field)| leaf(path, field)), object) {
            (Some(leaf), Some(object)) => json!({ "anyOf": [leaf, object] }),
            (Some(leaf), None) => leaf,
            (None, Some(object)) => object,
            (None, None) => json!({}),
        }
    }
}

fn leaf(path: &str, field: &Field) -> Value {
    let mut out = match &field.ty {
        Type::Bool => json!({ "type": "boolean" }),
        Type::Number => json!({ "type": "number" }),
        Type::String => json!({ "type": "string" }),
        Type::OneOf(options) => json!({ "type": "string", "enum": options }),
        Type::List => json!({ "type": "array", "items": { "type": "string" } }),
    };
    let Some(map) = out.as_object_mut() else { return out };
    if let Some((lo, hi)) = field.range {
        // Counts (0 or more, no upper bound) are whole numbers.
        if hi.is_infinite() {
            map.insert("type".into(), json!("integer"));
        } else {
            map.insert("maximum".into(), json!(hi));
        }
        map.insert("minimum".into(), json!(lo));
    }
    if let Some(default) = &field.default {
        map.insert("default".into(), field_default(default));
    }
    let description = match (signal_meaning(path), field.declared_at) {
        (Some(meaning), _) => format!("Signal: {meaning}. Computed from the messages unless given here."),
        (None, Some(_)) if field.default.is_none() => "Declared; unknown when absent or of another type.".into(),
        (None, Some(_)) => "Declared; the default applies when absent or null.".into(),
        (None, None) => "Built in.".into(),
    };
    map.insert("description".into(), json!(description));
    out
}

fn field_default(value: &FieldDefault) -> Value {
    match value {
        FieldDefault::Literal(l) => literal(l),
        FieldDefault::List(items) => Value::Array(items.iter().map(literal).collect()),
    }
}

fn literal(value: &Literal) -> Value {
    match value {
        Literal::Bool(b) => json!(b),
        // Whole numbers as integers (`0`, not `0.0`), as the verdict JSON writes them.
        Literal::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => json!(*n as i64),
        Literal::Number(n) => json!(n),
        Literal::String(s) => json!(s),
    }
}

/// Messages in both shapes, content parts, and `expect`.
fn defs() -> Value {
    let senders: Vec<&str> = Sender::NAMES.iter().map(|(name, _)| *name).collect();
    let names = json!({ "type": "array", "items": { "type": "string" } });
    let names_or_null = json!({ "type": ["array", "null"], "items": { "type": "string" } });
    json!({
        "sender": {
            "description": "Who wrote the message; read with whitespace trimmed and letters in any case.",
            "enum": senders
        },
        "message": {
            "description": "A message as `from`/`text`, or as chat-completion APIs write it, `role`/`content`.",
            "type": "object",
            "properties": {
                "from": { "$ref": "#/$defs/sender" },
                "role": { "$ref": "#/$defs/sender" },
                "text": { "type": ["string", "null"], "description": "null: no text (an attachment)." },
                "content": {
                    "description": "A string, null (no text), or a list of parts; the text parts are joined with a newline.",
                    "anyOf": [
                        { "type": ["string", "null"] },
                        { "type": "array", "items": { "$ref": "#/$defs/part" } }
                    ]
                },
                "at": { "description": "When it was sent (informational)." },
                "sentiment": { "type": "number", "minimum": -1, "maximum": 1, "description": "A score from an upstream model; replaces the engine's." }
            },
            "allOf": [
                { "anyOf": [{ "required": ["from"] }, { "required": ["role"] }] },
                { "anyOf": [{ "required": ["text"] }, { "required": ["content"] }] }
            ]
        },
        "part": {
            "anyOf": [
                { "type": "string" },
                {
                    "description": "A text part.",
                    "type": "object",
                    "properties": {
                        "type": { "enum": [null, "text", "input_text", "output_text"] },
                        "text": { "type": "string" }
                    },
                    "required": ["text"]
                },
                {
                    "description": "Another part (image, audio, file): skipped.",
                    "type": "object",
                    "properties": { "type": { "type": "string", "not": { "enum": ["text", "input_text", "output_text"] } } },
                    "required": ["type"]
                }
            ]
        },
        "expect": expect(names, names_or_null)
    })
}

/// `expect:` with the keys `handoff test` reads ([`crate::expect::KEYS`]); any other is an error.
fn expect(names: Value, names_or_null: Value) -> Value {
    let known = json!({
        "route": { "enum": ["ai", "review", "human"] },
        "decided_by": { "anyOf": [{ "type": "string" }, names] },
        "not_decided_by": { "anyOf": [{ "type": "string" }, names] },
        "queue": { "type": ["string", "null"] },
        "priority": { "enum": ["low", "normal", "high", "urgent", null] },
        "say": { "type": ["string", "null"] },
        "tags": names_or_null,
        "obligations": names_or_null,
        "unknown": names_or_null
    });
    let properties: Map<String, Value> = crate::expect::KEYS
        .iter()
        .map(|key| ((*key).to_string(), known.get(*key).cloned().unwrap_or_else(|| json!({}))))
        .collect();
    json!({
        "description": "What `handoff test` checks the verdict against.",
        "type": "object",
        "properties": properties,
        "required": ["route"],
        "additionalProperties": false
    })
}
