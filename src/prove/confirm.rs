//! Counterexamples are confirmed by the engine itself: the conversation, written as YAML and
//! read back, is evaluated by the compiled set (its route must be below the floor) and by a
//! program holding only the guarantee's premise as a `require human` rule (it must match).
//! A confirmed counterexample is then made small: messages and fields are left out one at a
//! time while the engine still confirms it.

use super::Counterexample;
use crate::ast::{self, Effect, Route};
use crate::context::Conversation;
use crate::eval::Program;
use crate::schema::Schema;
use crate::source::Source;
use serde_json::Value;

/// The counterexample, if the engine routes the conversation (read back from its YAML) below
/// `ensure` and the guarantee's premise holds on it.
pub(super) fn confirm(conversation: &serde_json::Value, program: &Program, premise: &Program, ensure: Route) -> Option<Counterexample> {
    let yaml = serde_yaml::to_string(conversation).ok()?;
    let read = Conversation::from_yaml(&yaml).ok()?;
    let verdict = program.evaluate(&read);
    if verdict.route >= ensure || premise.evaluate(&read).route != Route::Human {
        return None;
    }
    Some(Counterexample {
        guarantee: String::new(),
        conversation: conversation.clone(),
        yaml,
        route: verdict.route,
        decided_by: verdict.decided_by_names().into_iter().map(str::to_string).collect(),
    })
}

/// The smallest conversation found by leaving parts of a confirmed one out (messages, then
/// fields, then message keys), each removal kept only when the engine still confirms it.
pub(super) fn minimize(mut conversation: Value, program: &Program, premise: &Program, ensure: Route) -> Counterexample {
    let still = |c: &Value| confirm(c, program, premise, ensure);
    let mut best = still(&conversation);
    let mut try_edit = |conversation: &mut Value, edit: &dyn Fn(&mut Value) -> bool| {
        let mut candidate = conversation.clone();
        if edit(&mut candidate) {
            if let Some(cx) = still(&candidate) {
                *conversation = candidate;
                best = Some(cx);
            }
        }
    };
    let count = |c: &Value| c.get("messages").and_then(Value::as_array).map_or(0, Vec::len);
    for i in (0..count(&conversation)).rev() {
        try_edit(&mut conversation, &|c| remove_message(c, i));
    }
    for path in leaf_paths(&conversation) {
        try_edit(&mut conversation, &|c| remove_path(c, &path));
    }
    for i in 0..count(&conversation) {
        let pieces = |c: &Value| message_text(c, i).map_or(0, |t| t.split(". ").count());
        for k in (0..pieces(&conversation)).rev() {
            try_edit(&mut conversation, &|c| drop_sentence(c, i, k));
        }
        for key in ["sentiment", "text"] {
            try_edit(&mut conversation, &|c| {
                c.get_mut("messages")
                    .and_then(Value::as_array_mut)
                    .and_then(|m| m.get_mut(i))
                    .and_then(Value::as_object_mut)
                    .is_some_and(|m| m.shift_remove(key).is_some())
            });
        }
    }
    best.unwrap_or_else(|| Counterexample {
        guarantee: String::new(),
        yaml: serde_yaml::to_string(&conversation).unwrap_or_default(),
        conversation,
        route: ensure,
        decided_by: Vec::new(),
    })
}

fn message_text(c: &Value, i: usize) -> Option<&str> {
    c.get("messages")?.get(i)?.get("text")?.as_str()
}

/// Leaves the `k`th sentence (pieces joined by ". ") out of message `i`'s text.
fn drop_sentence(c: &mut Value, i: usize, k: usize) -> bool {
    let Some(text) = message_text(c, i) else { return false };
    let mut pieces: Vec<&str> = text.split(". ").collect();
    if pieces.len() < 2 || k >= pieces.len() {
        return false;
    }
    pieces.remove(k);
    let shorter = pieces.join(". ");
    match c.get_mut("messages").and_then(|m| m.get_mut(i)).and_then(Value::as_object_mut) {
        Some(m) => {
            m.insert("text".into(), Value::String(shorter));
            true
        }
        None => false,
    }
}

fn remove_message(c: &mut Value, i: usize) -> bool {
    match c.get_mut("messages").and_then(Value::as_array_mut) {
        Some(list) if i < list.len() => {
            list.remove(i);
            true
        }
        _ => false,
    }
}

/// Dotted paths of every value below the top level except `messages` and `id`, deepest first.
fn leaf_paths(c: &Value) -> Vec<String> {
    fn walk(v: &Value, prefix: &str, out: &mut Vec<String>) {
        if let Value::Object(m) = v {
            for (k, child) in m {
                let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                walk(child, &path, out);
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    if let Value::Object(m) = c {
        for (k, v) in m {
            if k != "messages" && k != "id" {
                walk(v, k, &mut out);
                out.push(k.clone());
            }
        }
    }
    out
}

/// Removes a dotted path; a mapping left empty is removed too.
fn remove_path(c: &mut Value, path: &str) -> bool {
    let mut parts: Vec<&str> = path.split('.').collect();
    let Some(last) = parts.pop() else { return false };
    let mut v = c;
    for p in &parts {
        match v.get_mut(*p) {
            Some(next) => v = next,
            None => return false,
        }
    }
    v.as_object_mut().is_some_and(|m| m.shift_remove(last).is_some())
}

/// The set's declarations and lexicons with the default `ai` and no rules: a guarantee's
/// premise is then evaluated by the engine as one `require human` rule (which matches exactly
/// when `when` is true or unknown and `unless` is not true).
pub(super) fn premise_skeleton(files: &[ast::File]) -> Vec<ast::File> {
    files
        .iter()
        .map(|f| ast::File {
            id: f.id,
            comments: Vec::new(),
            broken: ast::Broken::default(),
            items: f.items.iter().filter(|i| matches!(i, ast::Item::Context(_) | ast::Item::Lexicon(_))).cloned().collect(),
        })
        .collect()
}

pub(super) fn premise_program(skeleton: &[ast::File], g: &ast::Guarantee, sources: &[Source], schema: &Schema) -> Option<Program> {
    use crate::source::Spanned;
    let mut files = skeleton.to_vec();
    let first = files.first_mut()?;
    let mut rule = ast::Rule::new(Spanned::new(Effect::RequireHuman, g.span), g.name.clone(), g.span);
    rule.when = Some(g.when.clone()?);
    rule.unless = g.unless.clone();
    rule.because = Some(Spanned::new("premise".to_string(), g.span));
    first.items.push(ast::Item::Rule(rule));
    first.items.push(ast::Item::Default(ast::DefaultDecl {
        route: Spanned::new(Route::Ai, g.span),
        because: Spanned::new("premise".to_string(), g.span),
        span: g.span,
    }));
    Some(crate::eval::compile(&files, sources, schema, String::new()))
}

