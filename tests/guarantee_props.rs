//! Guarantees over generated sets: whatever `check` reports as holding is never broken by any of
//! many generated conversations (evaluated by the engine, the premise by a one-rule set), and
//! every counterexample it reports is routed below the floor by the engine.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use handoff::context::Conversation;
use handoff::prove::Outcome;
use handoff::set::{Analysis, PolicySet};
use handoff::source::Source;
use handoff::Route;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};

const HEADER: &str = r#"
context {
  a : bool
  n : number = 0
  m : number
  s : one of ["x", "y", "z"]
  t : string
  c.k : bool = false
  c.j : number
}
lexicon l1 { "alpha", "beta gamma" }
lexicon l2 { "beta", "delta" }
"#;

const ATOMS: [&str; 22] = [
    "a",
    "n > 3",
    "n <= 1",
    "m >= 2",
    "m == 2",
    "s == \"x\"",
    "s in [\"y\", \"z\"]",
    "t == \"q\"",
    "t contains \"qq\"",
    "c.k",
    "c.j < 5",
    "m is missing",
    "c.k is present",
    "signals.distress >= 0.5",
    "signals.repeated >= 2",
    "any customer message mentions l1",
    "no message mentions l2",
    "count(customer messages where sentiment < 0) >= 2",
    "last customer message mentions l2",
    "every ai message mentions l1",
    "any message matches \"ga+\"",
    "count(messages) > 1",
];

fn expr() -> impl Strategy<Value = String> {
    let leaf = (0..ATOMS.len()).prop_map(|i| ATOMS[i].to_string());
    leaf.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} and {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} or {b})")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    })
}

#[derive(Clone, Debug)]
struct Gen {
    default: &'static str,
    rules: Vec<(&'static str, String, Option<String>)>,
    guarantees: Vec<(String, Option<String>, &'static str)>,
}

fn set() -> impl Strategy<Value = Gen> {
    let effect = prop_oneof![Just("allow ai"), Just("require review"), Just("require human")];
    let rule = (effect, expr(), proptest::option::weighted(0.3, expr()));
    let guarantee = (expr(), proptest::option::weighted(0.3, expr()), prop_oneof![Just("human"), Just("review")]);
    (
        prop_oneof![Just("human"), Just("review"), Just("ai")],
        proptest::collection::vec(rule, 1..6),
        proptest::collection::vec(guarantee, 1..4),
    )
        .prop_map(|(default, rules, guarantees)| Gen { default, rules, guarantees })
}

fn text(g: &Gen) -> String {
    let mut s = format!("{HEADER}\ndefault {} because \"d\"\n", g.default);
    for (i, (effect, when, unless)) in g.rules.iter().enumerate() {
        s.push_str(&format!("{effect} \"r{i}\" {{ when {when} "));
        if let Some(u) = unless {
            s.push_str(&format!("unless {u} "));
        }
        s.push_str("because \"b\" }\n");
    }
    for (i, (when, unless, ensure)) in g.guarantees.iter().enumerate() {
        s.push_str(&format!("guarantee \"g{i}\" {{ when {when} "));
        if let Some(u) = unless {
            s.push_str(&format!("unless {u} "));
        }
        s.push_str(&format!("ensure {ensure} }}\n"));
    }
    s
}

/// The guarantee's premise as a set: it routes `human` exactly when the premise holds.
fn premise(when: &str, unless: &Option<String>) -> PolicySet {
    let unless = unless.as_ref().map(|u| format!("unless {u}")).unwrap_or_default();
    let text = format!("{HEADER}\ndefault ai because \"d\"\nrequire human \"p\" {{ when {when} {unless} because \"p\" }}\n");
    PolicySet::from_sources([("p.policy", text)]).unwrap()
}

fn value() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        Just(None),
        Just(Some(Value::Null)),
        Just(Some(json!(true))),
        Just(Some(json!(false))),
        (-2i32..8).prop_map(|n| Some(json!(n))),
        (0u32..10).prop_map(|n| Some(json!(f64::from(n) / 10.0))),
        prop_oneof![Just("x"), Just("y"), Just("q"), Just("qq"), Just("aqqb"), Just("w")].prop_map(|s| Some(json!(s))),
    ]
}

fn message() -> impl Strategy<Value = Value> {
    let sender = prop_oneof![
        Just(Some("customer")),
        Just(Some("ai")),
        Just(Some("agent")),
        Just(Some("system")),
        Just(Some("user")),
        Just(Some("robot")),
        Just(None)
    ];
    let words = proptest::collection::vec(
        prop_oneof![Just("alpha"), Just("beta"), Just("gamma"), Just("delta"), Just("gaa"), Just("ok"), Just("Beta-Gamma")],
        0..3,
    );
    let text = prop_oneof![4 => words.prop_map(|w| Some(json!(w.join(" ")))), 1 => Just(None), 1 => Just(Some(json!(5)))];
    let sentiment = prop_oneof![Just(None), (-10i32..=10).prop_map(|n| Some(json!(f64::from(n) / 10.0))), Just(Some(json!("bad")))];
    (sender, text, sentiment).prop_map(|(from, text, sentiment)| {
        let mut m = Map::new();
        if let Some(f) = from {
            m.insert("from".into(), json!(f));
        }
        if let Some(t) = text {
            m.insert("text".into(), t);
        }
        if let Some(s) = sentiment {
            m.insert("sentiment".into(), s);
        }
        Value::Object(m)
    })
}

fn conversation() -> impl Strategy<Value = Value> {
    let fields = proptest::collection::vec(value(), 7);
    let signals = (value(), value());
    let messages = prop_oneof![5 => proptest::collection::vec(message(), 0..5).prop_map(Value::Array), 1 => Just(json!(3))];
    let broken = proptest::bool::weighted(0.1);
    (fields, signals, messages, broken).prop_map(|(fields, (d, r), messages, broken)| {
        let mut root = Map::new();
        for (name, v) in ["a", "n", "m", "s", "t"].iter().zip(&fields) {
            if let Some(v) = v {
                root.insert((*name).into(), v.clone());
            }
        }
        let mut c = Map::new();
        for (name, v) in ["k", "j"].iter().zip(fields.iter().skip(5)) {
            if let Some(v) = v {
                c.insert((*name).into(), v.clone());
            }
        }
        root.insert("c".into(), if broken { json!(3) } else { Value::Object(c) });
        let mut signals = Map::new();
        if let Some(d) = d {
            signals.insert("distress".into(), d);
        }
        if let Some(r) = r {
            signals.insert("repeated".into(), r);
        }
        root.insert("signals".into(), Value::Object(signals));
        root.insert("messages".into(), messages);
        Value::Object(root)
    })
}

/// Whether the engine decides as LANGUAGE.md v0.2 says (a `human` default ahead of `require
/// review`, unknown senders, `user`): the prover reasons under v0.2. Until the engine does,
/// the conversations and sets where the two readings differ are not compared.
fn engine_is_v02() -> bool {
    let step2 = PolicySet::from_sources([("p.policy", "default human because \"d\"\nrequire review \"r\" { when true because \"r\" }")])
        .unwrap();
    let c = Conversation::from_value(json!({"messages": [{"from": "user", "text": "x"}]})).unwrap();
    let senders = PolicySet::from_sources([(
        "p.policy",
        "default ai because \"d\"\nrequire human \"h\" { when any customer message matches \"x\" because \"h\" }",
    )])
    .unwrap();
    step2.evaluate(&c).route == Route::Human && senders.evaluate(&c).route == Route::Human
}

/// Where a v0 engine reads a conversation differently from v0.2.
fn read_differently(c: &Value) -> bool {
    match c.get("messages") {
        Some(Value::Array(ms)) => ms.iter().any(|m| !matches!(m.get("from").and_then(Value::as_str), Some("customer" | "ai" | "agent" | "system"))),
        _ => true,
    }
}

#[test]
fn what_holds_is_never_broken_and_counterexamples_reproduce() {
    let v02 = engine_is_v02();
    let cases = std::env::var("GUARANTEE_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(48);
    let mut runner = TestRunner::new(Config { cases, ..Config::default() });
    assert!(v02 || std::env::var("CI").is_err(), "the engine does not read v0.2 yet");
    runner
        .run(&(set(), proptest::collection::vec(conversation(), 300)), |(g, conversations)| {
            let source = text(&g);
            let analysis = Analysis::new(vec![Source::new("g.policy", source.clone())]);
            let proofs = analysis.proofs.clone();
            let Ok(set) = analysis.compile() else {
                return Ok(()); // a generated set with errors (none expected)
            };
            for (p, (when, unless, _)) in proofs.iter().zip(&g.guarantees) {
                let premise = premise(when, unless);
                match &p.outcome {
                    Outcome::Holds => {
                        let step2 = g.default == "human" && g.rules.iter().any(|r| r.0 == "require review");
                        for c in conversations.iter().filter(|c| v02 || !(step2 || read_differently(c))) {
                            let conv = Conversation::from_value(c.clone()).unwrap();
                            let route = set.evaluate(&conv).route;
                            let holds = premise.evaluate(&conv).route == Route::Human;
                            prop_assert!(
                                !(holds && route < p.ensure),
                                "`{}` reported as holding, but this conversation gets {route:?}:\n{}\n{source}",
                                p.name,
                                serde_json::to_string_pretty(c).unwrap()
                            );
                        }
                    }
                    Outcome::Violated(cx) => {
                        let conv = Conversation::from_yaml(&cx.yaml).unwrap();
                        prop_assert!(set.evaluate(&conv).route < p.ensure, "{}\n{source}", cx.yaml);
                        prop_assert!(premise.evaluate(&conv).route == Route::Human, "{}\n{source}", cx.yaml);
                    }
                    Outcome::Unproved(_) => {}
                }
            }
            Ok(())
        })
        .unwrap();
}
