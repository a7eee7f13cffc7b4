//! `handoff schema`: the JSON Schema of a conversation, checked with a real validator
//! (the `jsonschema` crate, draft 2020-12) against every shipped sample and against inputs
//! that are, and are not, well typed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use serde_json::{Value, json};
use std::process::{Command, Output};

fn handoff(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handoff")).current_dir(env!("CARGO_MANIFEST_DIR")).args(args).output().unwrap()
}

fn schema_of(dir: &str) -> jsonschema::Validator {
    let out = handoff(&["schema", "-p", dir]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    jsonschema::draft202012::meta::validate(&schema).unwrap();
    jsonschema::draft202012::new(&schema).unwrap()
}

fn errors(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator.iter_errors(value).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

#[test]
fn every_shipped_sample_is_valid() {
    let validator = schema_of("policies");
    let set = handoff::PolicySet::load(concat!(env!("CARGO_MANIFEST_DIR"), "/policies")).unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/samples")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let values: Vec<Value> = match path.extension().and_then(|e| e.to_str()) {
            Some("json") => vec![serde_json::from_str(&text).unwrap()],
            Some("jsonl") => text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect(),
            Some("yaml" | "yml") => vec![serde_yaml::from_str(&text).unwrap()],
            _ => continue,
        };
        for value in values {
            let problems = errors(&validator, &value);
            // A sample that shows how ill-typed data is read gives a value the verdict lists
            // as unknown (present, or `messages`): exactly those are outside the schema.
            let name = path.file_name().unwrap().to_string_lossy();
            let conversation: handoff::Conversation = serde_json::from_value(value.clone()).unwrap();
            let verdict = set.evaluate(&conversation);
            let given = |p: &str| p == "messages" || value.pointer(&format!("/{}", p.replace('.', "/"))).is_some_and(|v| !v.is_null());
            let on_purpose = verdict.unknown().iter().any(|p| given(p));
            if on_purpose {
                assert!(!problems.is_empty(), "{name} gives ill-typed data ({:?}) the schema accepts", verdict.unknown());
            } else {
                assert!(problems.is_empty(), "{name}: {problems:?}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 30, "{checked}");
}

const SET: &str = r#"
default human because "A person decides."
context {
  customer.tier        : one of ["standard", "premier"] = "standard"
  customer.vulnerable  : bool = false
  customer.contacts_7d : number = 0
  intent               : string
}
require review "Premier" {
  when customer.tier == "premier" or customer.vulnerable or customer.contacts_7d > 3 or intent == "x"
  because "Reviewed."
}
"#;

#[test]
fn declared_paths_signals_messages_and_expect() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.policy"), SET).unwrap();
    let out = handoff(&["schema", "-p", dir.path().to_str().unwrap()]);
    let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
    let tier = &schema["properties"]["customer"]["properties"]["tier"];
    assert_eq!(tier["enum"], json!(["standard", "premier"]));
    assert_eq!(tier["default"], "standard");
    assert_eq!(schema["properties"]["customer"]["properties"]["contacts_7d"]["default"], 0);
    let distress = &schema["properties"]["signals"]["properties"]["distress"];
    assert_eq!((distress["minimum"].as_f64(), distress["maximum"].as_f64()), (Some(0.0), Some(1.0)));
    assert_eq!(schema["properties"]["signals"]["properties"]["ai_turns"]["type"], "integer");
    assert_eq!(schema["properties"]["signals"]["properties"]["human_requested"]["type"], "boolean");

    let v = schema_of(dir.path().to_str().unwrap());
    let good = json!({
        "id": "c-1", "channel": "chat",
        "customer": { "tier": "premier", "vulnerable": false, "contacts_7d": 2 },
        "intent": "billing",
        "signals": { "sentiment": -0.4, "repeated": 1 },
        "messages": [
            { "from": "customer", "text": "hello", "at": "2026-01-01T00:00:00Z", "sentiment": -0.2 },
            { "role": "assistant", "content": "Hi, how can I help?" },
            { "role": "user", "content": [ "a string part", { "type": "text", "text": "a text part" },
                                            { "type": "input_text", "text": "x" }, { "text": "untyped" },
                                            { "type": "image_url", "image_url": { "url": "data:..." } } ] },
            { "role": "tool", "content": null },
            { "from": "agent", "text": null }
        ],
        "expect": { "route": "review", "decided_by": "Premier", "queue": null }
    });
    assert_eq!(errors(&v, &good), Vec::<String>::new());
    let bad = [
        json!({ "customer": { "tier": "gold" } }),
        json!({ "customer": { "vulnerable": "yes" } }),
        json!({ "intent": 3 }),
        json!({ "signals": { "distress": 1.5 } }),
        json!({ "signals": { "ai_turns": 1.5 } }),
        json!({ "messages": "hello" }),
        json!({ "messages": [ { "from": "customer" } ] }),
        json!({ "messages": [ { "text": "no sender" } ] }),
        json!({ "messages": [ { "from": "custmer", "text": "x" } ] }),
        json!({ "messages": [ { "role": "user", "content": [ { "type": "text" } ] } ] }),
        json!({ "messages": [ { "role": "user", "content": [ 3 ] } ] }),
        json!({ "messages": [ { "from": "customer", "text": "x", "sentiment": 2 } ] }),
        json!({ "expect": { "route": "maybe" } }),
        json!({ "expect": { "route": "ai", "rout": "ai" } }),
        json!({ "expect": { "decided_by": "x" } }),
    ];
    for value in bad {
        assert!(!errors(&v, &value).is_empty(), "{value} should not validate");
    }
}

#[test]
fn a_broken_set_exits_1_and_a_missing_directory_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.policy"), SET.replace("intent == \"x\"", "intnet == \"x\"")).unwrap();
    let out = handoff(&["schema", "-p", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown-field"));
    assert_eq!(handoff(&["schema", "-p", "no-such-dir"]).status.code(), Some(2));
}
