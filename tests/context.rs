//! The conversation's typed index (`Conversation::data.field`): every path reachable through
//! mappings, read as the walk over the JSON would read it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use handoff::Conversation;
use handoff::context::InputError;
use handoff::context::{Field, path_hash};
#[path = "support/generate.rs"]
mod generate;
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

/// What `Conversation::from_json` read before it read in one pass: a `Value`, then
/// `Conversation::from_value`.
fn through_value(text: &str) -> Result<Conversation, InputError> {
    match serde_json::from_str::<Value>(text) {
        Ok(value) => Conversation::from_value(value),
        Err(e) => {
            let message = e.to_string();
            let message = message
                .rfind(" at line ")
                .and_then(|i| message.get(..i))
                .unwrap_or(&message)
                .to_string();
            Err(InputError {
                message,
                line: Some(e.line()),
                column: Some(e.column()),
            })
        }
    }
}

/// Every dotted path through the mappings of `map`, and each with a segment too many.
fn paths(map: &serde_json::Map<String, Value>, prefix: &str, out: &mut Vec<String>) {
    for (key, value) in map {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        out.push(format!("{path}.x"));
        if let Value::Object(inner) = value {
            paths(inner, &path, out);
        }
        out.push(path);
    }
}

/// The one-pass reader and the reader through `Value` agree: same conversation, same index,
/// same error.
fn same_reading(text: &str) {
    let (one_pass, reference) = (Conversation::from_json(text), through_value(text));
    assert_eq!(one_pass, reference, "{text}");
    let (Ok(one_pass), Ok(reference)) = (one_pass, reference) else {
        return;
    };
    // the fields in the same order (mappings compare equal in any order)
    let written = |c: &Conversation| serde_json::to_string(&c.data).unwrap();
    assert_eq!(written(&one_pass), written(&reference), "{text}");
    let mut all = vec![String::new(), "messages".into(), "expect".into(), "nothing".into()];
    paths(reference.data.map(), "", &mut all);
    for path in &all {
        assert_eq!(field(&one_pass, path), field(&reference, path), "{path} in {text}");
        assert_eq!(field(&one_pass, path), expected(&one_pass, path), "{path} in {text}");
    }
}

#[test]
fn one_pass_reads_as_through_a_value() {
    let deep = |open: &str, close: &str, n: usize| format!("{}1{}", open.repeat(n), close.repeat(n));
    let cases = [
        r#"{}"#.to_string(),
        r#"{"id": 7, "customer": {"tier": 3}, "messages": [{"from": "customer", "text": 5, "sentiment": "bad"}, "x"]}"#.into(),
        r#"{"a": 1, "a": {"b": 2}, "c": {"d": 1}, "c": "flat", "e": 1, "e": null}"#.into(),
        r#"{"o": {"a": {"x": 1}, "a": 2, "b": [1], "b": ["s"]}, "o": {"z": true}}"#.into(),
        r#"{"a.b": 1, "x.y": {"z": 2}, "x": {"z": 3, "q.r": {"s": 1}}, "": {"": ""}}"#.into(),
        r#"{"messages": {"from": "ai"}, "expect": null}"#.into(),
        r#"{"messages": [1, null, [], {}, {"from": 5, "text": null, "at": 3.5, "sentiment": null}], "expect": {"route": "ai"}, "expect": 1}"#.into(),
        r#"{"messages": [{"from": "ai", "from": "agent", "text": "a", "text": 1, "at": "x", "at": 12, "sentiment": 0.5, "sentiment": "x", "other": {"deep": [1, {"x": 2}]}}]}"#.into(),
        r#"{"messages": [{"from": "robot", "text": "hi", "at": -1e3, "sentiment": -0.25}], "messages": [{"from": "customer"}]}"#.into(),
        r#"{"te\u0078t": "\u00e9\n", "k\u002ey": 1, "me\u0073sages": [{"fr\u006fm": "ai", "t\u0065xt": "\ud83d\ude00"}]}"#.into(),
        r#"{"n": 18446744073709551615, "m": -9223372036854775808, "f": 1e308, "g": -0.0, "h": 0.1, "i": 12345678901234567890123}"#.into(),
        r#"{"l": ["a", "b"], "m": ["a", 1], "e": [], "o": [{"x": 1}]}"#.into(),
        // not a mapping, and errors
        r#"[1, 2, {"a": [3]}]"#.into(),
        "null".into(),
        "true".into(),
        "-1.5".into(),
        r#""text""#.into(),
        r#"[1, 2"#.into(),
        r#"[1] x"#.into(),
        r#"{"a": 1} x"#.into(),
        "{\n  \"id\": ,\n}".into(),
        r#"{"a": 1,}"#.into(),
        r#"{"a" 1}"#.into(),
        r#"{"a": 1e400}"#.into(),
        r#"{"messages": [{"text": "a\x"}]}"#.into(),
        r#"{"messages": [{"text": 1e400}]}"#.into(),
        "{\"a\": \"\u{1}\"}".into(),
        "".into(),
        "  ".into(),
        // nesting: 128 levels is the limit wherever it is reached
        deep("[", "]", 127),
        deep("[", "]", 128),
        format!("{{\"a\": {}}}", deep("[", "]", 126)),
        format!("{{\"a\": {}}}", deep("[", "]", 127)),
        format!("{{\"a\": {}}}", deep("{\"k\": ", "}", 126)),
        format!("{{\"a\": {}}}", deep("{\"k\": ", "}", 127)),
        format!("{{\"a.b\": {}}}", deep("{\"k\": ", "}", 127)),
        format!("{{\"messages\": [{{\"x\": {}}}]}}", deep("[", "]", 125)),
        format!("{{\"messages\": [{{\"x\": {}}}]}}", deep("[", "]", 126)),
        format!("{{\"messages\": [{{\"text\": {}}}]}}", deep("[", "]", 126)),
        format!("{{\"messages\": {}}}", deep("{\"k\": ", "}", 127)),
        format!("{{\"expect\": {}}}", deep("[", "]", 127)),
        deep("[", "]", 20_000),
        format!("{{\"x\": {}}}", deep("[", "]", 20_000)),
    ];
    for text in &cases {
        same_reading(text);
    }
    for value in generate::conversations(500, 45, 11) {
        same_reading(&serde_json::to_string(&value).unwrap());
        same_reading(&serde_json::to_string_pretty(&value).unwrap());
    }
}

/// Every one-character edit next to the structure of some generated conversations (and of
/// the edge cases' kinds of values): both readers fail alike or both read the same.
#[test]
fn one_edit_next_to_the_structure() {
    let mut docs: Vec<String> = generate::conversations(12, 45, 13)
        .iter()
        .map(|v| serde_json::to_string(v).unwrap())
        .collect();
    docs.push(r#"{"a": {"b": [1, "x", {"c": null}], "d": -0.5e1, "e.f": true}, "messages": [{"from": "ai", "at": "t", "sentiment": null, "x": [false]}, 3], "z": "\n\u00e9"}"#.into());
    let pieces = [
        ",", ":", "{", "}", "[", "]", "\"", "\\", " ", "0", "-", ".", "e", "x", "\u{1}",
    ];
    for doc in &docs {
        for (i, _) in doc.match_indices(['{', '}', '[', ']', ',', ':', '"', '.', 'e', '-', '\\']) {
            for at in [i, i + 1] {
                for piece in pieces {
                    let mut text = doc.clone();
                    text.insert_str(at, piece);
                    same_reading(&text);
                }
            }
            let mut text = doc.clone();
            text.remove(i);
            same_reading(&text);
        }
    }
}

mod arbitrary {
    use super::{generate, same_reading};
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => prop::sample::select(vec!["a", "b", "id", "messages", "expect", "from", "text", "at", "sentiment", "x.y", ""]).prop_map(String::from),
            1 => "[a-c.]{0,3}",
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "[a-z\u{e9}\"\\\\]{0,4}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((key(), inner), 0..5)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
            ]
        })
    }

    /// An object written with some of its keys given twice (serde_json keeps the last).
    fn text() -> impl Strategy<Value = String> {
        (prop::collection::vec((key(), value()), 0..6), any::<bool>()).prop_map(|(entries, pretty)| {
            let body: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", Value::from(k.as_str()), v))
                .collect();
            let sep = if pretty { ",\n  " } else { "," };
            format!("{{{}}}", body.join(sep))
        })
    }

    /// Pieces of JSON (and of almost JSON) that mutations put in.
    const PIECES: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        "\"",
        ",",
        ":",
        "\\",
        "\\u00e9",
        "\\ud800",
        "\\udc00",
        "\\ud83d\\ude00",
        "\\n",
        "\\x",
        "\\u12",
        " ",
        "\n",
        "\t",
        "0",
        "-",
        "1e5",
        "1.5",
        ".",
        "e",
        "E+",
        "01",
        "-0",
        "-0.0",
        "1e400",
        "1e-400",
        "123456789012345678901",
        "0.1234567890123456789",
        "9007199254740993",
        "true",
        "null",
        "nul",
        "\u{1}",
        "\u{7f}",
        "é",
        "\u{feff}",
        "\"messages\":",
        "\"expect\":",
        "\"at\": 5",
        "\"id\":\"x\",",
        "{\"a\":1,\"a\":2}",
        "\"sentiment\": -0.25",
        "\"a.b\":",
        "[[[[[[[[[[[[[[[[[[",
        "]]]]]]]]]]]]]]]]]]",
    ];

    /// A document to change: a generated conversation, an object or any value.
    fn document() -> impl Strategy<Value = String> {
        let generated: Vec<String> = generate::conversations(40, 45, 5)
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if i % 2 == 0 {
                    serde_json::to_string(v).unwrap()
                } else {
                    serde_json::to_string_pretty(v).unwrap()
                }
            })
            .collect();
        prop_oneof![
            2 => prop::sample::select(generated),
            1 => text(),
            1 => value().prop_map(|v| v.to_string()),
        ]
    }

    /// A document with a few pieces put in (often next to a `{}[],:"`), characters taken out
    /// or replaced, or the end cut.
    fn mutated() -> impl Strategy<Value = String> {
        let edit = (any::<prop::sample::Index>(), 0..6u8, prop::sample::select(PIECES));
        (document(), prop::collection::vec(edit, 1..4)).prop_map(|(mut text, edits)| {
            for (at, kind, piece) in edits {
                let structural: Vec<usize> = text
                    .match_indices(['{', '}', '[', ']', ',', ':', '"'])
                    .map(|(i, _)| i)
                    .collect();
                let (mut at, kind) = match (kind, structural.is_empty()) {
                    (4, false) => (structural[at.index(structural.len())], 0),
                    (5, false) => (structural[at.index(structural.len())] + 1, 0),
                    _ => (at.index(text.len() + 1), kind),
                };
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                let next = text.get(at..).and_then(|t| t.chars().next()).map_or(0, char::len_utf8);
                match kind {
                    0 => text.insert_str(at, piece),
                    1 => text.replace_range(at..at + next, ""),
                    2 => text.replace_range(at..at + next, piece),
                    _ => text.truncate(at),
                }
            }
            text
        })
    }

    /// A number as JSON has it, and some it has not.
    fn number() -> impl Strategy<Value = String> {
        prop_oneof![
            "-?(0|[1-9][0-9]{0,20})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?",
            "-?[0-9]{1,4}(\\.[0-9]{0,4})?([eE][+-]?[0-9]{0,2})?",
            any::<f64>().prop_map(|f| f.to_string()),
            any::<i64>().prop_map(|i| i.to_string()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

        #[test]
        fn any_object(text in text()) {
            same_reading(&text);
        }

        #[test]
        fn any_value(value in value()) {
            same_reading(&value.to_string());
        }

        /// Either both readers fail alike (message, line, column) or both read the same.
        #[test]
        fn any_mutation(text in mutated()) {
            same_reading(&text);
        }

        /// Numbers are read to the same bits (`-0` included) wherever they are read.
        #[test]
        fn any_number(n in number()) {
            same_reading(&format!(r#"{{"messages": [{{"at": {n}}}]}}"#));
            let text = format!(r#"{{"x": {n}, "o": {{"y": [{n}]}}, "messages": [{{"sentiment": {n}}}]}}"#);
            same_reading(&text);
            let (Ok(one_pass), Ok(reference)) = (handoff::Conversation::from_json(&text), super::through_value(&text)) else {
                return Ok(());
            };
            let bits = |c: &handoff::Conversation| match super::field(c, "x") {
                Some(handoff::context::Field::Num(x)) => Some(x.to_bits()),
                _ => None,
            };
            prop_assert_eq!(bits(&one_pass), bits(&reference));
            let sentiment = |c: &handoff::Conversation| c.messages[0].sentiment.value().map(f64::to_bits);
            prop_assert_eq!(sentiment(&one_pass), sentiment(&reference));
        }
    }
}
