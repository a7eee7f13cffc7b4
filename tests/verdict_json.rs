//! The verdict JSON (`Verdict::write_json`, the `Serialize` impl under it) is what a
//! straightforward `serde_json::Value` built from the verdict's accessors serialises to, byte for
//! byte, and parses back as JSON: on the shipped samples, on the benchmark generator's sets, and
//! on generated sets and conversations full of quotes, backslashes, control characters,
//! non-ASCII text and odd numbers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

#[path = "support/generate.rs"]
mod generate;
use handoff::{Conversation, PolicySet, Verdict};
use proptest::prelude::*;
use serde_json::{Value, json};

/// The written bytes, checked against the accessors' `Value` (both the indexed and the
/// full-scan verdict).
fn same(set: &PolicySet, c: &Conversation) -> Result<(), String> {
    let program = set.program();
    for verdict in [program.evaluate(c), program.evaluate_unindexed(c)] {
        let expected = serde_json::to_string(&from_accessors(&verdict)).unwrap();
        let written = written(&verdict);
        if written != expected {
            return Err(format!("written:\n{written}\nfrom the accessors:\n{expected}"));
        }
        if let Err(e) = serde_json::from_str::<Value>(&written) {
            return Err(format!("{e}: {written}"));
        }
    }
    Ok(())
}

fn written(verdict: &Verdict<'_>) -> String {
    let mut out = b"[".to_vec();
    verdict.write_json(&mut out);
    // appends, keeping what was there
    assert_eq!(out.first(), Some(&b'['));
    String::from_utf8(out.split_off(1)).unwrap()
}

/// The verdict of INTERFACE.md, keys in its order, from the public accessors.
fn from_accessors(v: &Verdict<'_>) -> Value {
    json!({
        "conversation": v.conversation_id(),
        "route": v.route(),
        "queue": v.queue(),
        "priority": v.priority(),
        "say": v.say(),
        "obligations": v.obligations(),
        "tags": v.tags(),
        "decided_by": v.decided_by(),
        "matched": v.matched(),
        "justification": v.justification(),
        "unknown": v.unknown(),
        "signals": v.signals_json(),
        "policy": {"version": v.version(), "digest": v.digest()},
    })
}

#[test]
fn samples_are_written_as_their_accessors_say() {
    let set = PolicySet::load("policies").unwrap();
    let mut n = 0;
    for entry in std::fs::read_dir("samples").unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut c = match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Conversation::from_json(&text).unwrap(),
            Some("yaml" | "yml") => Conversation::from_yaml(&text).unwrap(),
            _ => continue,
        };
        // signals computed (rounded), then given
        same(&set, &c).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        generate::give_signals(&mut c);
        same(&set, &c).unwrap_or_else(|e| panic!("{} with signals: {e}", path.display()));
        n += 1;
    }
    assert!(n >= 40, "{n} samples");
}

#[test]
fn generated_sets_are_written_as_their_accessors_say() {
    for rules in [50, 400] {
        let g = generate::set(rules, 3);
        let set = PolicySet::from_sources([("g.policy", g.text.as_str())]).unwrap();
        for v in generate::conversations(1000, g.allow.len(), 11) {
            same(&set, &Conversation::from_value(v).unwrap()).unwrap();
        }
    }
}

/// Text as a policy string literal writes it (`\"`, `\\`, `\n`, `\t`, raw control characters,
/// stray backslashes), and the text it stands for.
fn policy_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a", " ", "Zz", "é", "日本", "😀", "\\\"", "\\\\", "\\n", "\\t", "\\b", "\\u", "/", "<>&", "'", "\u{1}",
        "\u{8}", "\u{b}", "\u{c}", "\r", "\u{1f}", "\u{7f}", "\u{a0}", "\u{2028}", "{{", "}}", "#",
    ]);
    prop::collection::vec(pieces, 0..8).prop_map(|p| p.concat())
}

/// A conversation string value.
fn value_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("x".to_string()),
        Just("alpha".to_string()),
        "[a\"\\\\\u{0}-\u{1f}\u{7f}é日😀 /]{0,12}",
        any::<String>(),
    ]
}

fn odd_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![
            0.0,
            -0.0,
            0.1 + 0.2,
            1e21,
            -1e21,
            1e15,
            999_999_999_999_999.0,
            1e-7,
            5e-324,
            f64::MAX,
            0.005,
            -0.125,
            2.5,
        ])
        .prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    policy: String,
    conversation: Value,
}

fn case() -> impl Strategy<Value = Case> {
    let names = prop::collection::vec(policy_text(), 6);
    let values = (
        value_text(),
        value_text(),
        odd_number(),
        prop::collection::vec(value_text(), 0..3),
    );
    let signals = prop::option::of((odd_number(), odd_number(), any::<bool>()));
    let id = prop_oneof![value_text().prop_map(Value::from), odd_number(), Just(Value::Null)];
    let messages = prop::collection::vec((value_text(), any::<bool>()), 0..3);
    (names, values, signals, id, messages, 0..3usize).prop_map(|(names, (s, t, n, l), signals, id, messages, route)| {
        let [policy, version, principle, name, template, extra] = <[String; 6]>::try_from(names).unwrap();
        let route = ["ai", "review", "human"][route];
        let policy = format!(
            r#"policy "{policy}" {{ version "{version}" ai_must m_{} }}
default {route} because "{template} {{t}} {{n}}"
context {{
  s : string
  t : string
  n : number
  l : list
}}
lexicon lex {{ "alpha", "beta" }}
principle "{principle}" {{
  allow ai "a {name}" {{
    when n > 0 or s == "x"
    because "{template}{{s}}|{{n}}|{{l}}{extra}"
    queue "{extra}"
    say "{name}"
    tag "{extra}"
    tag "{name}"
    must m_1
  }}
  require review "r {name}" {{
    when t == "x" or signals.sentiment < 0
    because "{{t}} {template} {{signals.sentiment}}"
    priority high
    tag "{template}"
    must m_2
  }}
  require human "h {name}" {{
    when any customer message mentions lex or signals.distress > 0.5
    because "{{matched}}{extra}{{signals.distress}}"
    queue "{name}"
  }}
}}
allow ai "z{name}{extra}" {{
  when s != "x"
  because "{{s}}{{t}}{{n}}"
  must m_0
}}
"#,
            version.len() % 3
        );
        let mut data = serde_json::Map::new();
        data.insert("id".into(), id);
        data.insert("s".into(), json!(s));
        data.insert("t".into(), json!(t));
        data.insert("n".into(), n);
        data.insert("l".into(), json!(l));
        if let Some((sentiment, distress, human)) = signals {
            data.insert(
                "signals".into(),
                json!({"sentiment": sentiment, "distress": distress, "human_requested": human}),
            );
        }
        let messages: Vec<Value> = messages
            .into_iter()
            .map(|(text, customer)| json!({"from": if customer { "customer" } else { "ai" }, "text": text}))
            .collect();
        data.insert("messages".into(), Value::Array(messages));
        Case {
            policy,
            conversation: Value::Object(data),
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn odd_text_and_numbers_are_written_as_their_accessors_say(case in case()) {
        let set = PolicySet::from_sources([("p\"\\\u{1}é.policy", case.policy.as_str())]);
        let set = match set {
            Ok(set) => set,
            Err(e) => return Err(TestCaseError::fail(format!("{e}\n{}", case.policy))),
        };
        let c = Conversation::from_value(case.conversation.clone()).unwrap();
        prop_assert_eq!(same(&set, &c), Ok(()));
    }
}
