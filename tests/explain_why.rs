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
