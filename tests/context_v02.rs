//! LANGUAGE.md v0.2 context rules: list defaults, a path below an ancestor that is not a
//! mapping, given signals out of range, `{matched}` without a phrase, and §3 step 2 (a
//! `require review` never lowers a `human` default).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use handoff::{Conversation, PolicySet};
use serde_json::{Value, json};

fn load(text: &str) -> PolicySet {
    PolicySet::from_sources([("c.policy", text)]).unwrap_or_else(|e| panic!("{e}"))
}

fn verdict(set: &PolicySet, conversation: Value) -> Value {
    let c: Conversation = serde_json::from_value(conversation).unwrap();
    serde_json::to_value(set.evaluate(&c)).unwrap()
}

fn matched(v: &Value) -> Vec<&str> {
    v["matched"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect()
}

#[test]
fn a_list_takes_a_list_of_strings_as_default() {
    let set = load(
        "default ai because \"d\"\ncontext {\n  account.flags : list = []\n  tags : list = [\"vip\", \"new\"]\n}\n\
         require human \"Flagged\" { when account.flags contains \"fraud\" because \"flags: {account.flags}\" }\n\
         require human \"VIP\" { when tags contains \"vip\" because \"tags: {tags}\" }\n",
    );
    let v = verdict(&set, json!({}));
    assert_eq!(matched(&v), ["VIP"]);
    assert_eq!(v["decided_by"][0]["reason"], "tags: vip, new");
    assert_eq!(v["unknown"], json!([]));
    let v = verdict(&set, json!({"account": {"flags": ["fraud"]}, "tags": []}));
    assert_eq!(matched(&v), ["Flagged"]);
    // declared again: only with the very same list
    let again = |default: &str| {
        let text = format!("default ai because \"d\"\ncontext {{ f : list = [\"a\", \"b\"] }}\ncontext {{ f : list = {default} }}\n");
        PolicySet::from_sources([("c.policy", text.as_str())]).is_ok()
    };
    assert!(again("[\"a\", \"b\"]"));
    assert!(!again("[\"b\", \"a\"]"));
    assert!(!again("[]"));
    // not a list of strings: `type-mismatch`, with help that says what a list takes
    let err = PolicySet::from_sources([("c.policy", "default ai because \"d\"\ncontext { f : list = 3 }\n")])
        .err()
        .unwrap()
        .rendered();
    assert!(err.contains("type-mismatch") && err.contains("list = []"), "{err}");
    assert!(PolicySet::from_sources([("c.policy", "default ai because \"d\"\ncontext { f : list = [\"a\", 1] }\n")]).is_err());
}

#[test]
fn a_path_below_an_ancestor_that_is_not_a_mapping_is_unknown_and_missing() {
    let set = load(
        "default ai because \"d\"\ncontext {\n  customer.tier : one of [\"a\", \"b\"] = \"a\"\n  x.y.z : number = 1\n}\n\
         require human \"Tier\" { when customer.tier == \"b\" because \"t\" }\n\
         require human \"Deep\" { when x.y.z > 5 because \"x\" }\n\
         require human \"Gone\" { when customer.tier is missing and x.y.z is missing because \"g\" }\n",
    );
    // absent ancestors: the defaults apply
    assert_eq!(matched(&verdict(&set, json!({}))), ["Gone"]);
    assert_eq!(matched(&verdict(&set, json!({"customer": null, "x": {"y": null}}))), ["Gone"]);
    for (c, unknown) in [
        (json!({"customer": 3, "x": {"y": {"z": 2}}}), vec!["customer.tier"]),
        (json!({"customer": "plus", "x": []}), vec!["customer.tier", "x.y.z"]),
        (json!({"customer": {}, "x": {"y": [1]}}), vec!["x.y.z"]),
        (json!({"customer": {"tier": "a"}, "x": {"y": true}}), vec!["x.y.z"]),
    ] {
        let v = verdict(&set, c.clone());
        assert_eq!(v["unknown"], json!(unknown), "{c}");
        // unknown (fail-safe match) for the value test, and missing for `is missing`
        let m = matched(&v);
        for path in &unknown {
            let rule = if *path == "customer.tier" { "Tier" } else { "Deep" };
            assert!(m.contains(&rule), "{c}: {m:?}");
        }
    }
    let v = verdict(&set, json!({"customer": 3, "x": 4}));
    assert!(matched(&v).contains(&"Gone"));
}

#[test]
fn signals_given_out_of_range_or_under_a_non_mapping_are_unknown() {
    let set = load(
        "default ai because \"d\"\n\
         require human \"S\" { when signals.sentiment < -0.5 or signals.distress > 0.9 or signals.repeated >= 3 or signals.negative_streak >= 3 because \"s\" }\n",
    );
    let quiet = json!({"sentiment": 0.1, "distress": 0.1, "repeated": 0, "negative_streak": 0});
    assert_eq!(verdict(&set, json!({"signals": quiet}))["route"], "ai");
    for (signal, bad) in [
        ("sentiment", json!(1.5)),
        ("sentiment", json!(-2)),
        ("distress", json!(-0.1)),
        ("distress", json!(1.01)),
        ("repeated", json!(1.5)),
        ("repeated", json!(-1)),
        ("negative_streak", json!(0.5)),
    ] {
        let mut signals = quiet.clone();
        signals[signal] = bad.clone();
        let v = verdict(&set, json!({ "signals": signals }));
        assert_eq!(v["route"], "human", "{signal} = {bad}");
        assert_eq!(v["unknown"], json!([format!("signals.{signal}")]), "{signal} = {bad}");
    }
    // `signals: 3` makes every signal unknown (none is computed)
    let v = verdict(&set, json!({"signals": 3, "messages": [{"from": "customer", "text": "fine"}]}));
    assert_eq!(v["route"], "human");
    assert_eq!(v["unknown"].as_array().unwrap().len(), 4);
}

#[test]
fn matched_renders_unknown_when_the_rule_matched_without_a_phrase() {
    let set = load(
        "default ai because \"d\"\ncontext { n : number }\nlexicon lex { \"scammed\" }\n\
         require human \"R\" { when n > 1 or any customer message mentions lex because \"wrote {matched}\" }\n",
    );
    let said = json!([{"from": "customer", "text": "I was scammed"}]);
    assert_eq!(verdict(&set, json!({"n": 0, "messages": said}))["decided_by"][0]["reason"], "wrote scammed");
    let plain = json!([{"from": "customer", "text": "hello"}]);
    assert_eq!(verdict(&set, json!({"n": 5, "messages": plain}))["decided_by"][0]["reason"], "wrote unknown");
    let r = verdict(&set, json!({"messages": plain}));
    assert!(r["decided_by"][0]["reason"].as_str().unwrap().starts_with("wrote unknown"));
}

#[test]
fn step_2_a_review_never_lowers_a_human_default() {
    let text = |default: &str| {
        format!(
            "default {default} because \"d\"\ncontext {{ n : number }}\n\
             require review \"R\" {{ when n > 1 because \"r\" must check }}\n\
             allow ai \"A\" {{ when n > 5 because \"a\" }}\n"
        )
    };
    let human = load(&text("human"));
    // no allow ai matches: the default decides; the review rule shows only in `matched`
    let v = verdict(&human, json!({"n": 3}));
    assert_eq!((&v["route"], &v["decided_by"], &v["obligations"]), (&json!("human"), &json!([]), &json!([])));
    assert_eq!(matched(&v), ["R"]);
    assert!(v["justification"].as_str().unwrap().contains("d"));
    // unknown data makes the review match, and still the human default decides
    assert_eq!(verdict(&human, json!({}))["route"], "human");
    // an allow ai matches: the review rule is a floor
    let v = verdict(&human, json!({"n": 9}));
    assert_eq!((&v["route"], &v["obligations"]), (&json!("review"), &json!(["check"])));
    assert_eq!(v["decided_by"][0]["rule"], "R");
    // other defaults: step 3 as before
    for default in ["ai", "review"] {
        assert_eq!(verdict(&load(&text(default)), json!({"n": 3}))["route"], "review");
    }
}

/// YAML's `.nan`, `.inf` and `-.inf` are numbers JSON cannot hold: the field is present and
/// unknown, never absent (its default does not apply) and never read as a text or a sender.
#[test]
fn yaml_non_finite_numbers_are_unknown_not_absent() {
    let set = load(
        "default human because \"d\"\ncontext { customer.contacts_7d : number = 0 }\n\
         lexicon harm { \"kill myself\" }\n\
         require human \"Harm\" { when any customer message mentions harm because \"h\" }\n\
         allow ai \"Few contacts\" { when customer.contacts_7d < 3 and signals.distress < 0.5 and no customer message where sentiment < 0 because \"f\" }\n",
    );
    let route = |yaml: &str| {
        let c = Conversation::from_yaml(yaml).unwrap();
        serde_json::to_value(set.evaluate(&c)).unwrap()["route"].as_str().unwrap().to_string()
    };
    let calm = "signals: {distress: 0.1}\nmessages: [{from: customer, text: hello, sentiment: 0.5}]\n";
    assert_eq!(route(&format!("customer: {{contacts_7d: 1}}\n{calm}")), "ai");
    for bad in [".inf", "-.inf", ".nan", ".NaN", "-.Inf"] {
        assert_eq!(route(&format!("customer: {{contacts_7d: {bad}}}\n{calm}")), "human", "{bad}");
        let distress = format!("customer: {{contacts_7d: 1}}\nsignals: {{distress: {bad}}}\nmessages: [{{from: customer, text: hello, sentiment: 0.5}}]\n");
        assert_eq!(route(&distress), "human", "{bad}");
        let sentiment = format!("customer: {{contacts_7d: 1}}\nsignals: {{distress: 0.1}}\nmessages: [{{from: customer, text: hello, sentiment: {bad}}}]\n");
        assert_eq!(route(&sentiment), "human", "{bad}");
        let messages = format!("customer: {{contacts_7d: 1}}\nsignals: {{distress: 0.1}}\nmessages: {bad}\n");
        assert_eq!(route(&messages), "human", "{bad}");
        let text = format!("customer: {{contacts_7d: 1}}\nsignals: {{distress: 0.1}}\nmessages: [{{from: customer, text: {bad}, sentiment: 0.5}}]\n");
        assert_eq!(route(&text), "human", "{bad}");
        let sender = format!("customer: {{contacts_7d: 1}}\nsignals: {{distress: 0.1}}\nmessages: [{{from: {bad}, role: assistant, text: I want to kill myself}}]\n");
        assert_eq!(route(&sender), "human", "{bad}");
    }
}

/// `{id}` renders the id the verdict gives: a number as text, like `conversation`.
#[test]
fn a_numeric_id_renders_as_the_verdict_gives_it() {
    let set = load("default human because \"case {id}\"\n");
    for (id, text) in [(json!(7), "7"), (json!("c-1"), "c-1"), (json!(true), "unknown")] {
        let v = verdict(&set, json!({ "id": id }));
        assert!(v["justification"].as_str().unwrap().contains(&format!("case {text}")), "{v}");
    }
    let v = verdict(&set, json!({ "id": 7 }));
    assert_eq!(v["conversation"], "7");
}
