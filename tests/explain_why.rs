//! `--explain` says why (issue 16, item 5) and justifications read well (item 8): which branch
//! of an `or` held, where a `mentions` found its phrase, which message decided a quantifier,
//! which field made a condition unknown; reasons separated in the JSON and one a line for people.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use handoff::{Conversation, PolicySet, Route};
use serde_json::{Value, json};
use std::process::Command;

fn set(text: &str) -> PolicySet {
    match PolicySet::from_sources([("p.policy", text)]) {
        Ok(set) => set,
        Err(e) => panic!("the policy set does not load:\n{}", e.rendered()),
    }
}

fn conv(value: Value) -> Conversation {
    Conversation::from_value(value).unwrap()
}

const TWO: &str = r#"
default ai because "fine"
context { vip : bool = false  tier : string }
require human "VIP" { when vip because "A VIP; a person answers." }
require human "Premier" { when tier == "premier" because "Premier tier." }
"#;

#[test]
fn two_reasons_are_separated_by_a_bar_in_one_string_and_in_both_writers() {
    let set = set(TWO);
    let c = conv(json!({ "vip": true, "tier": "premier" }));
    let v = set.evaluate(&c);
    assert_eq!(v.route, Route::Human);
    let expected = "A person takes this conversation: A VIP; a person answers. (rule \"VIP\", p.policy:4:1) \
                    | Premier tier. (rule \"Premier\", p.policy:5:1)";
    assert_eq!(v.justification(), expected);
    // the serde path and the direct writer agree
    assert_eq!(v.to_json()["justification"], expected);
    let mut out = Vec::new();
    v.write_json(&mut out);
    let written: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(written["justification"], expected);
    let (words, lines) = v.justification_lines();
    assert_eq!(words, "A person takes this conversation: ");
    assert_eq!(lines.len(), 2);
    assert!(lines[1].starts_with("Premier tier."));
}

#[test]
fn table_explain_puts_each_reason_on_its_own_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("policies")).unwrap();
    std::fs::write(dir.path().join("policies/p.policy"), TWO).unwrap();
    std::fs::write(dir.path().join("c.json"), r#"{"id":"c1","vip":true,"tier":"premier"}"#).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_handoff"))
        .current_dir(dir.path())
        .args(["eval", "c.json", "--explain"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|l| l.trim() == "A person takes this conversation:").unwrap_or_else(|| panic!("{text}"));
    assert!(lines[at + 1].trim().starts_with("A VIP; a person answers. (rule \"VIP\""), "{text}");
    assert!(lines[at + 2].trim().starts_with("Premier tier. (rule \"Premier\""), "{text}");
}

const WHY: &str = r#"
default ai because "fine"
context { vip : bool = false  tier : string  customer.plan : string }
lexicon fraud { "scammed", "fraud" }
require human "VIP or premier" { when vip or tier == "premier" because "v" }
require human "Fraud" { when any customer message mentions fraud because "f" }
require review "Polite" { when not (every customer message where text contains "please") because "p" }
require review "Plan" { when customer.plan == "gold" because "g" }
"#;

/// The `why` of the first `when` condition of rule `name`.
fn why_of(x: &Value, name: &str) -> Vec<Value> {
    let rule = x["rules"].as_array().unwrap().iter().find(|r| r["rule"] == name).unwrap();
    rule["when"][0]["why"].as_array().unwrap().clone()
}

fn kind<'v>(why: &'v [Value], kind: &str) -> &'v Value {
    why.iter().find(|w| w["kind"] == kind).unwrap_or_else(|| panic!("no `{kind}` in {why:#?}"))
}

#[test]
fn an_or_says_which_branch_held() {
    let set = set(WHY);
    let c = conv(json!({ "tier": "premier" }));
    let x = set.evaluate(&c).explain();
    let why = why_of(&x, "VIP or premier");
    let or = kind(&why, "or");
    assert_eq!(or["decided_by_branch"], 1);
    assert_eq!(or["branches"], json!([{ "text": "vip", "value": false }, { "text": "tier == \"premier\"", "value": true }]));
    assert!(or["text"].as_str().unwrap().contains("`tier == \"premier\"` held (branch 2 of 2"), "{or}");
    // all false: said so, no branch named as deciding
    let c = conv(json!({ "tier": "basic" }));
    let x = set.evaluate(&c).explain();
    let or = kind(&why_of(&x, "VIP or premier"), "or").clone();
    assert_eq!(or["decided_by_branch"], Value::Null);
    assert_eq!(or["text"], "every branch of the `or` was false");
    // unknown: which branch, and which field and why
    let c = conv(json!({}));
    let x = set.evaluate(&c).explain();
    let why = why_of(&x, "VIP or premier");
    assert!(kind(&why, "or")["text"].as_str().unwrap().contains("unknown: `tier == \"premier\"`"));
    let unknown = kind(&why, "unknown");
    assert_eq!(unknown["path"], "tier");
    assert_eq!(unknown["cause"], "absent, and declared without a default");
}

#[test]
fn mentions_says_the_phrase_and_the_message_it_was_found_in() {
    let set = set(WHY);
    let c = conv(json!({ "messages": [
        { "from": "customer", "text": "hello" },
        { "from": "ai", "text": "fraud is something we take seriously" },
        { "from": "agent", "text": "hi" },
        { "from": "customer", "text": "I think I was SCAMMED yesterday" },
    ]}));
    let v = set.evaluate(&c);
    assert_eq!(v.route, Route::Human);
    let why = why_of(&v.explain(), "Fraud");
    let m = kind(&why, "mentions");
    assert_eq!(m["phrase"], "scammed");
    assert_eq!(m["message"]["index"], 3);
    assert_eq!(m["message"]["from"], "customer");
    let q = kind(&why, "quantifier");
    assert_eq!(q["quantifier"], "any");
    assert_eq!(q["message"]["index"], 3);
    assert_eq!(q["message"]["excerpt"], "I think I was SCAMMED yesterday");
}

#[test]
fn every_says_which_message_decided_it() {
    let set = set(WHY);
    let long = format!("{} and no thanks here", "ü".repeat(70));
    let c = conv(json!({ "tier": "basic", "messages": [
        { "from": "customer", "text": "please help" },
        { "from": "ai", "text": "sure" },
        { "from": "customer", "text": long },
        { "from": "customer", "text": "please?" },
    ]}));
    let v = set.evaluate(&c);
    assert_eq!(v.route, Route::Review);
    let why = why_of(&v.explain(), "Polite");
    let q = kind(&why, "quantifier");
    assert_eq!(q["quantifier"], "every");
    assert_eq!(q["value"], false);
    assert_eq!(q["message"]["index"], 2);
    assert_eq!(q["message"]["from"], "customer");
    // a short excerpt, cut on a character boundary
    let excerpt = q["message"]["excerpt"].as_str().unwrap();
    assert_eq!(excerpt, format!("{}…", "ü".repeat(60)));
    // every customer message polite: none decided
    let c = conv(json!({ "messages": [{ "from": "customer", "text": "please" }] }));
    let why = why_of(&set.evaluate(&c).explain(), "Polite");
    assert_eq!(kind(&why, "quantifier")["message"], Value::Null);
}

#[test]
fn an_unknown_says_which_field_and_how() {
    let set = set(WHY);
    let cases = [
        (json!({ "tier": 3 }), "VIP or premier", "tier", "given with the wrong type"),
        (json!({ "customer": { "plan": 7 } }), "Plan", "customer.plan", "given with the wrong type"),
        (json!({ "customer": "gold" }), "Plan", "customer.plan", "below a value that is not a mapping"),
        (json!({}), "Plan", "customer.plan", "absent, and declared without a default"),
    ];
    for (data, rule, path, cause) in cases {
        let c = conv(data.clone());
        let v = set.evaluate(&c);
        assert_ne!(v.route, Route::Ai, "{data}");
        let x = v.explain();
        let r = x["rules"].as_array().unwrap().iter().find(|r| r["rule"] == rule).unwrap();
        assert_eq!(r["when"][0]["value"], "unknown", "{data}");
        let unknown = kind(r["when"][0]["why"].as_array().unwrap(), "unknown").clone();
        assert_eq!((unknown["path"].as_str(), unknown["cause"].as_str()), (Some(path), Some(cause)), "{data}");
    }
    // messages unknown
    let c = conv(json!({ "messages": "I was scammed" }));
    let why = why_of(&set.evaluate(&c).explain(), "Fraud");
    let unknown = kind(&why, "unknown");
    assert_eq!(unknown["path"], "messages");
}

#[test]
fn an_unknown_sender_decides_as_the_evaluator_does() {
    // a message of unknown sender mentioning the phrase: `any customer …` is unknown, decided
    // by that message; the rule matches (fail-safe) and the explanation agrees
    let set = set(WHY);
    let c = conv(json!({ "messages": [
        { "from": "customer", "text": "hello" },
        { "from": "Robot", "text": "fraud alert" },
    ]}));
    let v = set.evaluate(&c);
    assert_eq!(v.route, Route::Human);
    let x = v.explain();
    let rule = x["rules"].as_array().unwrap().iter().find(|r| r["rule"] == "Fraud").unwrap();
    assert_eq!(rule["when"][0]["value"], "unknown");
    let why = rule["when"][0]["why"].as_array().unwrap();
    let q = kind(why, "quantifier");
    assert_eq!(q["value"], "unknown");
    assert_eq!(q["message"]["index"], 1);
    assert_eq!(q["message"]["from"], "unknown");
    // no phrase is claimed for a condition that did not hold
    assert!(why.iter().all(|w| w["kind"] != "mentions"));
}

#[test]
fn eval_json_explain_keeps_its_keys_and_adds_why() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("policies")).unwrap();
    std::fs::write(dir.path().join("policies/p.policy"), WHY).unwrap();
    std::fs::write(dir.path().join("c.json"), r#"{"id":"c1","tier":"premier"}"#).unwrap();
    let run = |format: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_handoff"))
            .current_dir(dir.path())
            .args(["eval", "c.json", "--explain", "--format", format])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let all: Value = serde_json::from_str(&run("json")).unwrap();
    let rule = &all[0]["explain"]["rules"][0];
    for key in ["rule", "principle", "effect", "source", "matched", "when", "unless"] {
        assert!(rule.get(key).is_some(), "{key} in {rule}");
    }
    let when = &rule["when"][0];
    assert_eq!(when["value"], true);
    assert_eq!(when["detail"], "vip or tier == \"premier\" (vip was false, tier was \"premier\") is true");
    assert_eq!(when["why"][0]["kind"], "or");
    let table = run("table");
    assert!(table.contains("because `tier == \"premier\"` held (branch 2 of 2 of the `or`)"), "{table}");
}
