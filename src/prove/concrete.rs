//! A model of the formulas as a concrete conversation (JSON value), ready to be written as
//! YAML and evaluated by the engine itself.

use super::cells::{Cell, Kind, State};
use super::encode::Encoder;
use crate::ast::Literal;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// Which text cell a witness is for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum TextCell {
    Path(String),
    Slot(usize),
}

/// Sender names written for each sender class of a slot; an unknown sender is written as one
/// that no reader recognises.
const SENDER_NAMES: [&str; 5] = ["customer", "ai", "agent", "system", "somebody"];

/// The conversation a model stands for; `texts` holds the witness of every text cell in the
/// `Other` state.
pub(super) fn conversation(enc: &Encoder<'_>, texts: &HashMap<TextCell, String>) -> Value {
    let mut root = Map::new();
    let broken: Vec<&String> = enc.broken.iter().filter(|(_, l)| enc.sat.value(**l)).map(|(p, _)| p).collect();
    // shortest broken prefixes first, so that what is below them is not written
    let mut broken_sorted = broken.clone();
    broken_sorted.sort_by_key(|p| p.len());
    for p in &broken_sorted {
        set(&mut root, p, json!(3));
    }
    if !enc.cells.contains_key("id") {
        root.insert("id".into(), json!("counterexample"));
    }
    for (path, cell) in &enc.cells {
        if broken.iter().any(|b| path.starts_with(b.as_str()) && path.as_bytes().get(b.len()) == Some(&b'.')) {
            continue;
        }
        let text = texts.get(&TextCell::Path(path.clone()));
        if let Some(v) = cell_value(enc, cell, text) {
            set(&mut root, path, v);
        }
    }
    let messages = if enc.sat.value(enc.messages_unknown) {
        json!("not a list")
    } else {
        let list: Vec<Value> = enc
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| enc.sat.value(s.present))
            .map(|(i, s)| {
                let mut m = Map::new();
                let sender = s.sender.iter().position(|l| enc.sat.value(*l)).unwrap_or(4);
                m.insert("from".into(), json!(SENDER_NAMES.get(sender).copied().unwrap_or("somebody")));
                if let Some(t) = cell_value(enc, &s.text, texts.get(&TextCell::Slot(i))) {
                    m.insert("text".into(), t);
                }
                if enc.uses_sentiment() {
                    if let Some(v) = cell_value(enc, &s.sentiment, None) {
                        m.insert("sentiment".into(), v);
                    }
                }
                Value::Object(m)
            })
            .collect();
        Value::Array(list)
    };
    root.insert("messages".into(), messages);
    Value::Object(root)
}

/// The value a cell is written with; `None` to leave it out. A message text that is unknown
/// is left out (its `text` key absent).
fn cell_value(enc: &Encoder<'_>, cell: &Cell, text: Option<&String>) -> Option<Value> {
    let state = cell.states.iter().find(|(_, l)| enc.sat.value(*l)).map(|(s, _)| s)?;
    match state {
        State::Missing | State::Broken => None,
        State::Wrong => Some(match cell.kind {
            Kind::Str if cell.default.is_none() && cell.texts.is_empty() && cell.members.is_empty() => json!(0),
            Kind::Str => json!(0),
            _ => json!("unknown"),
        }),
        State::Val(l) => Some(literal(l)),
        State::Other => Some(json!(text.cloned().unwrap_or_default())),
        State::Present => Some(Value::Array(
            cell.members.iter().filter(|(_, l)| enc.sat.value(*l)).map(|(m, _)| json!(m)).collect(),
        )),
    }
}

fn literal(l: &Literal) -> Value {
    match l {
        Literal::Bool(b) => json!(b),
        Literal::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => json!(*n as i64),
        Literal::Number(n) => json!(n),
        Literal::String(s) => json!(s),
    }
}

/// Sets `path` (dotted) in `root`, creating mappings; never writes below a value that is not
/// a mapping.
fn set(root: &mut Map<String, Value>, path: &str, v: Value) {
    let mut parts = path.split('.').peekable();
    let mut map = root;
    while let Some(seg) = parts.next() {
        if parts.peek().is_none() {
            map.insert(seg.to_string(), v);
            return;
        }
        let entry = map.entry(seg.to_string()).or_insert_with(|| Value::Object(Map::new()));
        match entry {
            Value::Object(m) => map = m,
            _ => return,
        }
    }
}
