//! Properties of the decision over generated policy sets and conversations:
//!
//! - the order in which files are given, and the order of rules, never change a verdict;
//! - adding a `require` rule never lowers the route (a `require review` never lowers a `human`
//!   default: LANGUAGE.md §3 step 2);
//! - making a field unknown (removing it, or giving it the wrong type) never moves the route
//!   toward `ai`;
//! - breaking the messages (a sender made unknown, a message malformed, `messages` not a list
//!   or misspelt) never moves the route toward `ai`;
//! - a transcript written as chat-completion messages (`role`/`content`, aliases, content
//!   parts) gets the same verdict as the same one written with `from`/`text`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use handoff::{Conversation, PolicySet, Route};
use proptest::prelude::*;
use serde_json::{Value, json};

const HEADER: &str = r#"
context {
  a : bool
  b : bool = false
  n : number
  m : number = 0
  s : one of ["x", "y", "z"]
  t : string
  l : list
}
lexicon lex { "alpha", "beta gamma" }
"#;

/// Context fields and a value of the right type for each.
const FIELDS: [&str; 7] = ["a", "b", "n", "m", "s", "t", "l"];

#[derive(Clone, Debug)]
struct GenRule {
    effect: &'static str,
    when: String,
    unless: Option<String>,
    priority: Option<&'static str>,
    queue: Option<&'static str>,
    must: Option<&'static str>,
    tag: Option<&'static str>,
}

impl GenRule {
    fn text(&self, name: &str) -> String {
        let mut out = format!("{} \"{name}\" {{\n  when {}\n", self.effect, self.when);
        if let Some(u) = &self.unless {
            out += &format!("  unless {u}\n");
        }
        if let Some(p) = self.priority {
            out += &format!("  priority {p}\n");
        }
        if let Some(q) = self.queue {
            out += &format!("  queue \"{q}\"\n  say \"{q}\"\n");
        }
        if let (Some(m), false) = (self.must, self.effect == "require human") {
            out += &format!("  must {m}\n");
        }
        if let Some(t) = self.tag {
            out += &format!("  tag \"{t}\"\n");
        }
        out += &format!("  because \"{name}: n is {{n}}\"\n}}\n");
        out
    }
}

fn leaf(presence: bool) -> BoxedStrategy<String> {
    let mut leaves: Vec<BoxedStrategy<String>> = vec![
        Just("a".to_string()).boxed(),
        Just("b".to_string()).boxed(),
        (0..10i32).prop_map(|k| format!("n > {k}")).boxed(),
        (0..10i32).prop_map(|k| format!("m <= {k}")).boxed(),
        prop_oneof![Just("x"), Just("y")].prop_map(|v| format!("s == \"{v}\"")).boxed(),
        Just("s in [\"x\", \"z\"]".to_string()).boxed(),
        Just("s not in [\"y\"]".to_string()).boxed(),
        Just("t contains \"q\"".to_string()).boxed(),
        Just("l contains \"v\"".to_string()).boxed(),
        Just("any customer message mentions lex".to_string()).boxed(),
        Just("no ai message mentions lex".to_string()).boxed(),
        Just("every customer message where sentiment > -0.5".to_string()).boxed(),
        Just("count(customer messages where sentiment < 0) >= 1".to_string()).boxed(),
        Just("last message matches \"^h\"".to_string()).boxed(),
        Just("any message where (text contains \"q\" and from == \"customer\")".to_string()).boxed(),
        Just("signals.distress >= 0.5".to_string()).boxed(),
        Just("signals.human_requested".to_string()).boxed(),
        Just("last customer message mentions lex".to_string()).boxed(),
        Just("last ai message where sentiment >= 0".to_string()).boxed(),
        Just("count(customer messages) >= 2".to_string()).boxed(),
        Just("every message where from != \"agent\"".to_string()).boxed(),
        Just("any message where from == \"system\"".to_string()).boxed(),
        Just("signals.sentiment > 0".to_string()).boxed(),
        Just("signals.negative_streak >= 1".to_string()).boxed(),
        Just("signals.ai_turns >= 1".to_string()).boxed(),
    ];
    if presence {
        leaves.push(prop_oneof![Just("n"), Just("b")].prop_map(|f| format!("{f} is missing")).boxed());
        leaves.push(Just("t is present".to_string()).boxed());
    }
    proptest::strategy::Union::new(leaves).boxed()
}

fn expr(presence: bool) -> impl Strategy<Value = String> {
    leaf(presence).prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(x, y)| format!("({x} and {y})")),
            (inner.clone(), inner.clone()).prop_map(|(x, y)| format!("({x} or {y})")),
            inner.prop_map(|x| format!("not ({x})")),
        ]
    })
}

fn effect() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("allow ai"), Just("require review"), Just("require human")]
}

fn rule(presence: bool) -> impl Strategy<Value = GenRule> {
    (
        effect(),
        expr(presence),
        proptest::option::weighted(0.3, expr(presence)),
        proptest::option::of(prop_oneof![Just("low"), Just("high"), Just("urgent")]),
        proptest::option::of(prop_oneof![Just("q1"), Just("q2")]),
        proptest::option::of(prop_oneof![Just("o1"), Just("o2")]),
        proptest::option::of(prop_oneof![Just("t1"), Just("t2")]),
    )
        .prop_map(|(effect, when, unless, priority, queue, must, tag)| GenRule {
            effect,
            when,
            unless,
            priority,
            queue,
            must,
            tag,
        })
}

#[derive(Clone, Debug)]
struct GenSet {
    default: &'static str,
    rules: Vec<GenRule>,
    /// How many files the rules are spread over (round robin).
    files: usize,
}

impl GenSet {
    /// Files in the given rule order; names fixed so that path order is the same.
    fn sources(&self, order: &[usize]) -> Vec<(String, String)> {
        let mut files: Vec<String> = (0..self.files).map(|_| String::new()).collect();
        files[0] = format!("policy \"P\" {{ version \"1\" ai_must disclose }}\ndefault {} because \"d\"\n{HEADER}", self.default);
        for (k, &i) in order.iter().enumerate() {
            files[k % self.files] += &self.rules[i].text(&format!("r{i}"));
        }
        files.into_iter().enumerate().map(|(i, t)| (format!("f{i}.policy"), t)).collect()
    }

    fn load(&self, order: &[usize]) -> PolicySet {
        let sources = self.sources(order);
        match PolicySet::from_sources(sources.clone()) {
            Ok(set) => set,
            Err(e) => panic!("generated set does not load:\n{e}\n{sources:#?}"),
        }
    }

    fn natural(&self) -> Vec<usize> {
        (0..self.rules.len()).collect()
    }
}

fn policy(presence: bool) -> impl Strategy<Value = GenSet> {
    (
        prop_oneof![Just("ai"), Just("review"), Just("human")],
        proptest::collection::vec(rule(presence), 1..7),
        1..4usize,
    )
        .prop_map(|(default, rules, files)| GenSet { default, rules, files })
}

/// A field's value: absent, null, of the right type, or of the wrong type.
fn field_value(name: &'static str) -> impl Strategy<Value = Option<Value>> {
    let right: BoxedStrategy<Value> = match name {
        "a" | "b" => any::<bool>().prop_map(Value::from).boxed(),
        "n" | "m" => (0..12i32).prop_map(Value::from).boxed(),
        "s" => prop_oneof![Just("x"), Just("y"), Just("z")].prop_map(Value::from).boxed(),
        "t" => prop_oneof![Just("a q b"), Just("none")].prop_map(Value::from).boxed(),
        _ => prop_oneof![Just(json!(["v"])), Just(json!(["w", "v"])), Just(json!([]))].boxed(),
    };
    prop_oneof![
        1 => Just(None),
        1 => Just(Some(Value::Null)),
        6 => right.prop_map(Some),
        1 => Just(Some(json!({"wrong": 1}))),
    ]
}

fn message() -> impl Strategy<Value = Value> {
    (
        prop_oneof![Just("customer"), Just("ai"), Just("agent"), Just("system")],
        prop_oneof![Just("hello alpha"), Just("beta  GAMMA!"), Just("q?"), Just("nothing")],
        proptest::option::of(-10..10i32),
    )
        .prop_map(|(from, text, sentiment)| {
            let mut m = json!({ "from": from, "text": text });
            if let Some(s) = sentiment {
                m["sentiment"] = json!(f64::from(s) / 10.0);
            }
            m
        })
}

fn conversation() -> impl Strategy<Value = Value> {
    (
        FIELDS.map(field_value),
        proptest::collection::vec(message(), 0..4),
        proptest::option::of((0..10i32, any::<bool>())),
    )
        .prop_map(|(values, messages, signals)| {
            let mut c = json!({ "id": "gen", "messages": messages });
            for (name, v) in FIELDS.iter().zip(values) {
                if let Some(v) = v {
                    c[*name] = v;
                }
            }
            if let Some((d, h)) = signals {
                c["signals"] = json!({ "distress": f64::from(d) / 10.0, "human_requested": h });
            }
            c
        })
}

/// Route, priority, then deciding rules, matching rules, obligations, tags and unknowns (sorted).
type Summary = (Route, String, Vec<String>, Vec<String>, Vec<String>, Vec<String>, Vec<String>);

/// What must not depend on order.
fn summary(set: &PolicySet, c: &Conversation) -> Summary {
    let v = set.evaluate(c);
    let sorted = |mut x: Vec<&str>| {
        x.sort_unstable();
        x.into_iter().map(String::from).collect::<Vec<_>>()
    };
    (
        v.route,
        v.priority.to_string(),
        sorted(v.decided_by_names()),
        sorted(v.matched()),
        sorted(v.obligations()),
        sorted(v.tags()),
        sorted(v.unknown()),
    )
}

fn conv(v: &Value) -> Conversation {
    Conversation::from_value(v.clone()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn order_never_changes_a_verdict(
        set in policy(true),
        c in conversation(),
        seed in any::<u64>(),
    ) {
        let c = conv(&c);
        let base = set.load(&set.natural());
        // files given in another order: the very same verdict
        let mut sources = set.sources(&set.natural());
        sources.reverse();
        let reversed = PolicySet::from_sources(sources).unwrap();
        prop_assert_eq!(
            serde_json::to_string(&base.evaluate(&c)).unwrap(),
            serde_json::to_string(&reversed.evaluate(&c)).unwrap()
        );
        // rules in another order: the same decision
        let mut order = set.natural();
        let mut x = seed;
        for i in (1..order.len()).rev() {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            order.swap(i, (x >> 33) as usize % (i + 1));
        }
        let shuffled = set.load(&order);
        prop_assert_eq!(summary(&base, &c), summary(&shuffled, &c));
    }

    #[test]
    fn adding_a_require_never_lowers_the_route(
        set in policy(true),
        extra in rule(true).prop_filter("a require", |r| r.effect != "allow ai"),
        c in conversation(),
    ) {
        let c = conv(&c);
        let base = set.load(&set.natural());
        let before = base.evaluate(&c);
        let mut more = set.clone();
        more.rules.push(extra.clone());
        let bigger = more.load(&more.natural());
        let after = bigger.evaluate(&c);
        prop_assert!(
            after.route >= before.route,
            "{:?} -> {:?} adding {:?}", before.route, after.route, extra
        );
    }

    #[test]
    fn unknown_data_never_moves_toward_ai(
        set in policy(false),
        c in conversation(),
        which in 0..(FIELDS.len() + 4),
        remove in any::<bool>(),
    ) {
        let program = set.load(&set.natural());
        let mut c = c;
        if which >= FIELDS.len() + 2 && c.get("signals").is_none() {
            // computed signals read the texts; keep them out of a test of message fields
            c["signals"] = json!({ "distress": 0.2, "human_requested": false });
        }
        let before_c = conv(&c);
        let before = program.evaluate(&before_c);
        let mut u = c.clone();
        match FIELDS.get(which) {
            // removing makes a field unknown only where it has no default
            Some(&name) if remove && !matches!(name, "b" | "m") => { u.as_object_mut().unwrap().remove(name); }
            Some(&name) => u[name] = json!({"wrong": true}),
            None => match which - FIELDS.len() {
                0 => u["signals"]["distress"] = json!("high"),
                1 => u["signals"]["human_requested"] = json!(3),
                k => {
                    let field = if k == 2 { "text" } else { "sentiment" };
                    if let Some(m) = u["messages"].as_array_mut().and_then(|m| m.first_mut()) {
                        m[field] = json!(["not", "a", "string"]);
                    }
                }
            },
        }
        let after_c = conv(&u);
        let after = program.evaluate(&after_c);
        prop_assert!(
            after.route >= before.route,
            "{:?} -> {:?} ({} -> {})", before.route, after.route, c, u
        );
    }

    #[test]
    fn broken_messages_never_move_toward_ai(
        set in policy(true),
        c in conversation(),
        which in any::<prop::sample::Index>(),
        how in 0..9usize,
    ) {
        let program = set.load(&set.natural());
        let before_c = conv(&c);
        let before = program.evaluate(&before_c);
        let mut u = c.clone();
        let n = u["messages"].as_array().map_or(0, Vec::len);
        match (how, n) {
            (0, _) => u["messages"] = json!("I have been scammed"),
            (1, _) => u["messages"] = json!({"from": "customer", "text": "I have been scammed"}),
            (2, _) => {
                let m = u.as_object_mut().unwrap().remove("messages").unwrap();
                u["message"] = m;
            }
            (_, 0) => u["Messages"] = json!([]),
            (k, n) => {
                let m = &mut u["messages"][which.index(n)];
                match k {
                    3 => m["from"] = json!("Customer?"),
                    4 => _ = m.as_object_mut().unwrap().remove("from"),
                    5 => m["from"] = json!(7),
                    6 => *m = json!("a message that is not a mapping"),
                    7 => _ = m.as_object_mut().unwrap().remove("text"),
                    _ => m["content"] = json!([{"type": "text", "text": 5}]),
                }
            }
        }
        let after_c = conv(&u);
        let after = program.evaluate(&after_c);
        prop_assert!(
            after.route >= before.route,
            "{:?} -> {:?} ({} -> {})", before.route, after.route, c, u
        );
    }

    #[test]
    fn chat_completion_messages_read_as_from_and_text(
        set in policy(true),
        c in conversation(),
        parts in any::<bool>(),
    ) {
        let program = set.load(&set.natural());
        let mut u = c.clone();
        if let Some(messages) = u["messages"].as_array_mut() {
            for m in messages {
                let from = m["from"].as_str().unwrap_or("").to_string();
                let role = match from.as_str() {
                    "customer" => " User ",
                    "ai" => "ASSISTANT",
                    "system" => "tool",
                    other => other,
                };
                let text = m["text"].clone();
                let o = m.as_object_mut().unwrap();
                o.remove("from");
                o.remove("text");
                o.insert("role".into(), json!(role));
                let content = if parts {
                    json!([{"type": "text", "text": text}, {"type": "image_url", "image_url": {"url": "x"}}])
                } else {
                    text
                };
                o.insert("content".into(), content);
            }
        }
        let a = serde_json::to_value(program.evaluate(&conv(&c))).unwrap();
        let b = serde_json::to_value(program.evaluate(&conv(&u))).unwrap();
        prop_assert_eq!(a, b);
    }
}
