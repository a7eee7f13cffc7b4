//! `--explain`'s "why" of one condition: which branch of an `or` held, which message decided a
//! quantifier, which phrase a `mentions` found and where, which field made it unknown and how.
//! Every value here comes from the evaluator itself ([`Run::truth`], [`Run::quantified_at`]) or
//! from the query that finds a phrase ([`Run::found`]); nothing is decided a second way.

use super::program::{Condition, Node, NodeId, Program};
use super::run::Run;
use super::value::{self, Tri, V};
use crate::ast::Quantifier;
use crate::context::Conversation;
use serde_json::{Value, json};

/// How deep `why` follows `and` / `or` / `not` (conditions are shallow; this bounds the output).
const DEPTH: usize = 6;
/// How many characters of a message's text an excerpt shows.
const EXCERPT: usize = 60;

/// The reasons a condition of value `t` has that value, each `{"kind", "text", …}`.
pub(super) fn why(run: &mut Run<'_>, c: &Condition, t: Tri) -> Vec<Value> {
    let mut out = Vec::new();
    node(run, c.node, t, 0, &mut out);
    if t == Some(true) {
        if let Some((msg, phrase)) = run.found(c.node) {
            out.push(mention(run.c, msg, phrase));
        }
    }
    if t.is_none() {
        unknown_fields(run, c, &mut out);
    }
    out
}

fn node(run: &mut Run<'_>, id: NodeId, t: Tri, depth: usize, out: &mut Vec<Value>) {
    let p: &Program = run.p;
    if depth > DEPTH {
        return;
    }
    match p.nodes.get(id.index()) {
        Some(Node::Not(x)) => node(run, *x, value::not(t), depth + 1, out),
        Some(Node::Or(..)) => junction(run, id, t, true, depth, out),
        Some(Node::And(..)) => junction(run, id, t, false, depth, out),
        Some(Node::Quant { quantifier, who, test }) => {
            let (q, at) = run.quantified_at(*quantifier, *who, *test);
            let whose = who.map_or("the".to_string(), |w| format!("the {}'s", w.as_str()));
            let mut entry = json!({ "kind": "quantifier", "quantifier": quantifier.as_str(), "value": tri(q) });
            let text = match at.and_then(|i| message(run.c, i).map(|m| (i, m))) {
                Some((i, m)) => {
                    let text = format!("`{}` decided by messages[{i}] ({}): {}", quantifier.as_str(), sender(&m), excerpt_text(&m));
                    insert(&mut entry, "message", m);
                    text
                }
                None if run.c.messages_unknown => "`messages` is unknown (not a list, or its key misspelt)".into(),
                None => match quantifier {
                    Quantifier::Any | Quantifier::No => format!("none of {whose} messages does"),
                    Quantifier::Every => format!("every one of {whose} messages does (or there are none)"),
                    Quantifier::Last => format!("there is no message of {whose}"),
                },
            };
            insert(&mut entry, "text", json!(text));
            out.push(entry);
        }
        Some(Node::Count { who, filter }) => {
            let (v, at) = run.count_at(*who, *filter);
            let mut entry = json!({ "kind": "count", "value": count_json(v) });
            let text = match at.and_then(|i| message(run.c, i).map(|m| (i, m))) {
                Some((i, m)) => {
                    let text = format!("`count` unknown from messages[{i}] ({}): {}", sender(&m), excerpt_text(&m));
                    insert(&mut entry, "message", m);
                    text
                }
                None if run.c.messages_unknown => "`messages` is unknown (not a list, or its key misspelt)".into(),
                None => format!("`count` was {}", count_json(v)),
            };
            insert(&mut entry, "text", json!(text));
            out.push(entry);
        }
        _ => {}
    }
}

/// An `or` (`any`) or an `and`: its branches and their values; which held (`or` true), which
/// failed (`and` false), or that all were false / some unknown; then the why of those branches.
fn junction(run: &mut Run<'_>, id: NodeId, t: Tri, any: bool, depth: usize, out: &mut Vec<Value>) {
    let p: &Program = run.p;
    let mut ids = Vec::new();
    flatten(p, id, any, &mut ids);
    let branches: Vec<(NodeId, Tri, &str)> = ids
        .into_iter()
        .map(|b| (b, run.truth(b), p.texts.iter().find(|(n, _)| *n == b).map_or("?", |(_, s)| s.as_str())))
        .collect();
    // the branch that decided: the first that held (`or`) / failed (`and`)
    let decisive = if any { Some(true) } else { Some(false) };
    let decided = branches.iter().position(|(_, v, _)| *v == decisive && t == decisive);
    let unknown: Vec<&str> = branches.iter().filter(|(_, v, _)| v.is_none()).map(|(_, _, s)| *s).collect();
    let word = if any { "or" } else { "and" };
    let text = match (decided, any) {
        (Some(k), _) => format!(
            "`{}` {} (branch {} of {} of the `{word}`)",
            branches.get(k).map_or("?", |b| b.2),
            if any { "held" } else { "was false" },
            k + 1,
            branches.len()
        ),
        (None, _) if !unknown.is_empty() => format!("no branch of the `{word}` decided; unknown: `{}`", unknown.join("`, `")),
        (None, true) => format!("every branch of the `{word}` was false"),
        (None, false) => format!("every branch of the `{word}` held"),
    };
    out.push(json!({
        "kind": word,
        "branches": branches.iter().map(|(_, v, s)| json!({ "text": s, "value": tri(*v) })).collect::<Vec<_>>(),
        "decided_by_branch": decided,
        "text": text,
    }));
    let follow: Vec<(NodeId, Tri)> = match decided {
        Some(k) => branches.get(k).map(|b| (b.0, b.1)).into_iter().collect(),
        None => branches.iter().filter(|b| b.1.is_none()).map(|b| (b.0, b.1)).collect(),
    };
    for (b, v) in follow {
        node(run, b, v, depth + 1, out);
    }
}

/// The branches of a chain of `or`s (`any`) or `and`s, left to right.
fn flatten(p: &Program, id: NodeId, any: bool, out: &mut Vec<NodeId>) {
    match p.nodes.get(id.index()) {
        Some(Node::Or(a, b)) if any => {
            flatten(p, *a, any, out);
            flatten(p, *b, any, out);
        }
        Some(Node::And(a, b)) if !any => {
            flatten(p, *a, any, out);
            flatten(p, *b, any, out);
        }
        _ => out.push(id),
    }
}

/// `{"kind": "mentions", "phrase", "message": {…}}` (no message: found in a string field).
fn mention(c: &Conversation, msg: Option<usize>, phrase: &str) -> Value {
    match msg.and_then(|i| message(c, i).map(|m| (i, m))) {
        Some((i, m)) => {
            let text = format!("found \"{phrase}\" in messages[{i}] ({})", sender(&m));
            json!({ "kind": "mentions", "phrase": phrase, "message": m, "text": text })
        }
        None => json!({ "kind": "mentions", "phrase": phrase, "text": format!("found \"{phrase}\"") }),
    }
}

/// Each declared field the condition reads that is unknown, and why; `messages` when unknown.
fn unknown_fields(run: &mut Run<'_>, c: &Condition, out: &mut Vec<Value>) {
    let p: &Program = run.p;
    for &id in &c.slots {
        let Some(slot) = p.slots.get(id.index()) else { continue };
        if !run.slot(id).is_unknown() {
            continue;
        }
        let cause = run.unknown_cause(id);
        let text = format!("`{}` is unknown: {cause}", slot.path);
        out.push(json!({ "kind": "unknown", "path": slot.path, "cause": cause, "text": text }));
    }
    if c.messages && run.c.messages_unknown {
        let cause = "not a list, or its key misspelt";
        out.push(json!({ "kind": "unknown", "path": "messages", "cause": cause, "text": format!("`messages` is unknown: {cause}") }));
    }
}

/// `{"index", "from", "excerpt"}` of a message.
fn message(c: &Conversation, i: usize) -> Option<Value> {
    let m = c.messages.get(i)?;
    let excerpt = m.text.as_deref().map(excerpt);
    Some(json!({ "index": i, "from": m.from.as_str(), "excerpt": excerpt }))
}

fn sender(m: &Value) -> &str {
    m.get("from").and_then(Value::as_str).unwrap_or("unknown")
}

fn excerpt_text(m: &Value) -> String {
    match m.get("excerpt").and_then(Value::as_str) {
        Some(s) => format!("“{s}”"),
        None => "(text unknown)".into(),
    }
}

/// The first [`EXCERPT`] characters of a text, cut on a character boundary, `…` when cut.
pub(super) fn excerpt(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(EXCERPT) {
        Some((end, _)) => format!("{}…", text.get(..end).unwrap_or(text).trim_end()),
        None => text.to_string(),
    }
}

fn tri(t: Tri) -> Value {
    t.map_or_else(|| json!("unknown"), Value::Bool)
}

fn count_json(v: V<'_>) -> Value {
    match v {
        V::Num(n) => json!(n),
        _ => json!("unknown"),
    }
}

fn insert(object: &mut Value, key: &str, value: Value) {
    if let Some(map) = object.as_object_mut() {
        map.insert(key.to_string(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn excerpts_cut_on_character_boundaries() {
        assert_eq!(excerpt("short"), "short");
        let long = "é".repeat(80);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), 61);
        assert!(cut.ends_with('…'));
        assert_eq!(excerpt(&"🙂".repeat(60)), "🙂".repeat(60));
    }
}
