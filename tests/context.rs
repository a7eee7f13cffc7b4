//! The conversation's typed index (`Conversation::data.field`): every path reachable through
//! mappings, read as the walk over the JSON would read it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use handoff::Conversation;
use handoff::context::{Field, path_hash};
use handoff::eval::generate;
use serde_json::{Value, json};

fn conv(text: &str) -> Conversation {
    Conversation::from_json(text).unwrap()
}

fn field<'a>(c: &'a Conversation, path: &str) -> Option<Field<'a>> {
    c.data.field(path_hash(path), path)
}

/// What the index should say for a path, found by walking the JSON.
fn expected<'a>(c: &'a Conversation, path: &str) -> Option<Field<'a>> {
    Some(match c.get(path)? {
        Value::Null => Field::Null,
        Value::Bool(b) => Field::Bool(*b),
        Value::Number(n) => n.as_f64().filter(|x| x.is_finite()).map_or(Field::Other, Field::Num),
        Value::String(s) => Field::Str(s),
        Value::Array(items) if items.iter().all(Value::is_string) => Field::Strings,
        Value::Array(_) | Value::Object(_) => Field::Other,
    })
}

#[test]
fn nested_objects() {
    let c = conv(r#"{"a": {"b": {"c": 1.5, "d": "x"}}, "e": true}"#);
    assert_eq!(field(&c, "a.b.c"), Some(Field::Num(1.5)));
    assert_eq!(field(&c, "a.b.d"), Some(Field::Str("x")));
    assert_eq!(field(&c, "a.b"), Some(Field::Other));
    assert_eq!(field(&c, "a"), Some(Field::Other));
    assert_eq!(field(&c, "e"), Some(Field::Bool(true)));
    assert_eq!(field(&c, "a.b.c.d"), None);
    assert_eq!(field(&c, "b"), None);
    assert_eq!(field(&c, "e.x"), None);
}

#[test]
fn null_is_not_absent() {
    let c = conv(r#"{"x": null, "o": {"y": null}}"#);
    assert_eq!(field(&c, "x"), Some(Field::Null));
    assert_eq!(field(&c, "o.y"), Some(Field::Null));
    assert_eq!(field(&c, "z"), None);
    assert!(!c.is_present("x") && !c.is_present("o.y") && !c.is_present("z"));
}

#[test]
fn values_keep_their_given_type() {
    let c = conv(r#"{"customer": {"tier": 3, "vulnerable": "yes", "since": "2020"}, "n": 1e308, "i": -7}"#);
    assert_eq!(field(&c, "customer.tier"), Some(Field::Num(3.0)));
    assert_eq!(field(&c, "customer.vulnerable"), Some(Field::Str("yes")));
    assert_eq!(field(&c, "customer.since"), Some(Field::Str("2020")));
    assert_eq!(field(&c, "n"), Some(Field::Num(1e308)));
    assert_eq!(field(&c, "i"), Some(Field::Num(-7.0)));
}

#[test]
fn lists() {
    let c = conv(r#"{"tags": ["a", "b"], "none": [], "mixed": ["a", 1], "objs": [{"x": 1}]}"#);
    assert_eq!(field(&c, "tags"), Some(Field::Strings));
    assert_eq!(field(&c, "none"), Some(Field::Strings));
    assert_eq!(field(&c, "mixed"), Some(Field::Other));
    assert_eq!(field(&c, "objs"), Some(Field::Other));
    // nothing inside a list is reachable by a path
    assert_eq!(field(&c, "objs.x"), None);
    assert_eq!(c.data.list(["tags"]), Some(&[json!("a"), json!("b")][..]));
    assert_eq!(c.data.list(["none"]).map(<[Value]>::len), Some(0));
}

#[test]
fn duplicate_keys_keep_the_last() {
    let c = conv(r#"{"a": 1, "a": {"b": 2}, "c": {"d": 1}, "c": "flat", "e": 1, "e": null}"#);
    assert_eq!(field(&c, "a"), Some(Field::Other));
    assert_eq!(field(&c, "a.b"), Some(Field::Num(2.0)));
    assert_eq!(field(&c, "c"), Some(Field::Str("flat")));
    assert_eq!(field(&c, "c.d"), None);
    assert_eq!(field(&c, "e"), Some(Field::Null));
}

#[test]
fn keys_with_dots_are_not_paths() {
    let c = conv(r#"{"a.b": 1, "x.y": 2, "x": {"z": 3}}"#);
    assert_eq!(field(&c, "a.b"), None);
    assert_eq!(field(&c, "x.y"), None);
    assert_eq!(field(&c, "x.z"), Some(Field::Num(3.0)));
    let c = conv(r#"{"a.b": 1, "a": {"b": 2}}"#);
    assert_eq!(field(&c, "a.b"), Some(Field::Num(2.0)));
}

#[test]
fn a_wrong_hash_finds_nothing() {
    let c = conv(r#"{"a": 1, "b": 2}"#);
    // the hash of another present path, with this path's text: no entry has both
    assert_eq!(c.data.field(path_hash("b"), "a"), None);
    assert_eq!(c.data.field(path_hash("a"), "b"), None);
    assert_eq!(c.data.field(path_hash("a"), "a"), Some(Field::Num(1.0)));
}

#[test]
fn messages_and_expect_are_not_fields() {
    let c = conv(r#"{"messages": [{"from": "ai", "text": "hi"}], "expect": {"route": "ai"}, "id": "x"}"#);
    assert_eq!(field(&c, "messages"), None);
    assert_eq!(field(&c, "expect.route"), None);
    assert_eq!(field(&c, "id"), Some(Field::Str("x")));
}

#[test]
fn update_rebuilds_the_index() {
    let mut c = conv(r#"{"signals": {"distress": 0.2}}"#);
    c.data.update(|d| {
        d.insert("intent".into(), json!("refund"));
        d["signals"]["distress"] = json!(0.9);
        d.remove("nothing");
    });
    assert_eq!(field(&c, "intent"), Some(Field::Str("refund")));
    assert_eq!(field(&c, "signals.distress"), Some(Field::Num(0.9)));
}

#[test]
fn yaml_and_deep_nesting() {
    let c = Conversation::from_yaml("customer:\n  tier: plus\n  flags: [a, b]\n").unwrap();
    assert_eq!(field(&c, "customer.tier"), Some(Field::Str("plus")));
    assert_eq!(field(&c, "customer.flags"), Some(Field::Strings));
    let depth = 100;
    let text = format!("{}1{}", "{\"k\": ".repeat(depth), "}".repeat(depth));
    let c = conv(&text);
    let path = vec!["k"; depth].join(".");
    assert_eq!(field(&c, &path), Some(Field::Num(1.0)));
}

/// Every path of the generated conversations (and some that are not there) reads as the walk
/// over the JSON reads it.
#[test]
fn the_index_agrees_with_the_json() {
    let paths = [
        "id",
        "channel",
        "intent",
        "customer",
        "customer.id",
        "customer.tier",
        "customer.vulnerable",
        "customer.contacts_7d",
        "customer.tier.x",
        "ai",
        "ai.confidence",
        "signals",
        "signals.sentiment",
        "signals.distress",
        "signals.human_requested",
        "signals.negative_streak",
        "signals.repeated",
        "messages",
        "nothing",
        "",
        ".",
        "ai.",
    ];
    for value in generate::conversations(2000, 45, 3) {
        let c = Conversation::from_value(value).unwrap();
        for path in paths {
            assert_eq!(field(&c, path), expected(&c, path), "{path} in {:?}", c.data);
        }
    }
}
