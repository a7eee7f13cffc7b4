//! `handoff diff` run as a user would: two small sets, a handful of conversations.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const OLD: &str = r#"
policy "Set" {
  version "1"
}

default human because "No rule applies, so a person takes it."

context {
  intent        : string = "unclassified"
  ai.confidence : number
}

allow ai "Simple questions" {
  when intent == "question" and ai.confidence >= 0.8
  because "A simple question ({intent})."
}

allow ai "Refunds" {
  when intent == "refund" and ai.confidence >= 0.8
  because "The assistant handles refunds."
}

require human "Complaints" {
  when intent == "complaint"
  because "Complaints go to a person."
  queue "complaints"
}
"#;

/// Refunds now need a person; complaints go to another queue.
fn new_set() -> String {
    OLD.replace(
        "allow ai \"Refunds\" {\n  when intent == \"refund\" and ai.confidence >= 0.8\n  because \"The assistant handles refunds.\"",
        "require human \"Refunds\" {\n  when intent == \"refund\"\n  because \"Refunds <b>need</b> a person | now.\"",
    )
    .replace("queue \"complaints\"", "queue \"complaints-2\"")
        .replace("version \"1\"", "version \"2\"")
}

fn conversations() -> String {
    [
        r#"{"id": "q1", "intent": "question", "ai": {"confidence": 0.9}}"#,
        r#"{"id": "q2", "intent": "question", "ai": {"confidence": 0.95}}"#,
        r#"{"id": "r1", "intent": "refund", "ai": {"confidence": 0.9}}"#,
        r#"{"id": "r2", "intent": "refund", "ai": {"confidence": 0.85}}"#,
        r#"{"id": "c1", "intent": "complaint"}"#,
        r#"{"id": "o1", "intent": "other"}"#,
    ]
    .join("\n")
        + "\n"
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [("old/set.policy", OLD.to_string()), ("new/set.policy", new_set()), ("c/all.jsonl", conversations())] {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn handoff(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handoff")).current_dir(dir).args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn json_shape_and_transitions() {
    let dir = setup();
    let o = handoff(dir.path(), &["diff", "--base", "old", "-p", "new", "c/all.jsonl", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let text = stdout(&o);
    let v: Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 4, "{text}");
    // the pinned key order
    let at = |k: &str| text.find(&format!("\"{k}\"")).unwrap();
    assert!(at("total") < at("unchanged") && at("unchanged") < at("transitions") && at("transitions") < at("changed"));
    assert_eq!(v["total"], 6);
    assert_eq!(v["unchanged"], 3);
    assert_eq!(v["transitions"], serde_json::json!({ "ai->human": 2 }));
    let changed = v["changed"].as_array().unwrap();
    let ids: Vec<&str> = changed.iter().map(|c| c["conversation"].as_str().unwrap()).collect();
    assert_eq!(ids, ["r1", "r2", "c1"]);
    assert_eq!(changed[0]["before"]["route"], "ai");
    assert_eq!(changed[0]["after"]["route"], "human");
    assert_eq!(changed[0]["after"]["decided_by"][0]["rule"], "Refunds");
    assert_eq!(changed[2]["before"]["queue"], "complaints");
    assert_eq!(changed[2]["after"]["queue"], "complaints-2");
    assert_eq!(changed[2]["after"]["policy"]["version"], "2");
}

#[test]
fn table_counts_first_then_changes() {
    let dir = setup();
    let o = handoff(dir.path(), &["diff", "--base", "old", "-p", "new", "c/all.jsonl"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    let first = out.lines().next().unwrap();
    assert_eq!(first, "6 conversations: 3 unchanged, 3 changed");
    let ai_row = out.lines().find(|l| l.starts_with("ai ")).unwrap();
    let cells: Vec<&str> = ai_row.split_whitespace().collect();
    assert_eq!(cells, ["ai", "2", "0", "2"], "{out}");
    assert!(out.contains("r1: ai -> human"), "{out}");
    assert!(out.contains("The assistant handles refunds."), "{out}");
    assert!(out.contains("Refunds <b>need</b> a person | now."), "{out}");
    assert!(out.find("6 conversations").unwrap() < out.find("r1: ai -> human").unwrap());
}

#[test]
fn markdown_for_a_pull_request() {
    let dir = setup();
    let o = handoff(dir.path(), &["diff", "--base", "old", "-p", "new", "c/all.jsonl", "--format", "markdown"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.starts_with("## Policy impact: 3 of 6 conversations change"), "{out}");
    assert!(out.contains("| before ↓ · after → | ai | review | human |"), "{out}");
    assert!(out.contains("| **ai** | 2 | 0 | **2** |"), "{out}");
    assert!(out.contains("#### `r1`: ai → human"), "{out}");
    // a pipe in a reason does not break the table or the quote
    assert!(out.contains("need</b> a person \\| now."), "{out}");
    assert!(out.contains("> **Before:**") && out.contains("> **After:**"), "{out}");
}

#[test]
fn broken_set_reports_diagnostics_and_exits_2() {
    let dir = setup();
    std::fs::write(dir.path().join("new/broken.policy"), "allow ai \"x\" { when customer.nope == 1 because \"b\" }\n").unwrap();
    let o = handoff(dir.path(), &["diff", "--base", "old", "-p", "new", "c/all.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("broken.policy"), "{err}");
    assert!(err.contains("the new policy set in `new` has errors"), "{err}");
    assert!(o.stdout.is_empty());
    // the base broken: the same
    let o = handoff(dir.path(), &["diff", "--base", "new", "-p", "old", "c/all.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("the base policy set in `new` has errors"));
}

#[test]
fn same_set_changes_nothing() {
    let dir = setup();
    let o = handoff(dir.path(), &["diff", "--base", "old", "-p", "old", "c/all.jsonl", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["unchanged"], 6);
    assert_eq!(v["transitions"], serde_json::json!({}));
    assert_eq!(v["changed"], serde_json::json!([]));
}
