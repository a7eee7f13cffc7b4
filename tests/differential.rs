//! Differential test: the indexed evaluation over typed conjuncts (`Program::evaluate`) against
//! the reference that evaluates every rule's conditions as written (`Program::evaluate_unindexed`),
//! comparing the whole verdict JSON on
//! generated policy sets and conversations, unknown and wrongly-typed values included.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

#[path = "support/generate.rs"]
mod generate;
use generate::Rng;
use handoff::{Conversation, PolicySet};
use serde_json::{Map, Value, json};

const HEADER: &str = r#"
default human because "default for {t}"
context {
  s : one of ["x", "y", "z", "p", "d"]
  t : string
  u : string = "d"
  l : list
  n : number
  b : bool = false
}
lexicon lex { "alpha", "beta gamma" }
"#;

const WORDS: [&str; 5] = ["x", "y", "z", "p", "d"];

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len())]
}

fn list(rng: &mut Rng) -> String {
    let n = 1 + rng.below(3);
    let items: Vec<String> = (0..n).map(|_| format!("\"{}\"", pick(rng, &WORDS))).collect();
    format!("[{}]", items.join(", "))
}

fn leaf(rng: &mut Rng) -> String {
    let path = pick(rng, &["s", "t", "u"]);
    match rng.below(15) {
        12 => format!("n {} {}", pick(rng, &["==", "!=", "<", "<=", ">=", ">"]), rng.below(5)),
        13 => format!("b {} {}", pick(rng, &["==", "!="]), pick(rng, &["true", "false"])),
        14 => format!("n {} {}.5", pick(rng, &["<", ">="]), rng.below(5)),
        0..=2 => format!("{path} == \"{}\"", pick(rng, &WORDS)),
        3..=5 => format!("{path} in {}", list(rng)),
        6 => format!("{path} not in {}", list(rng)),
        7 => format!("{path} != \"{}\"", pick(rng, &WORDS)),
        8 => format!("n > {}", rng.below(5)),
        9 => "b".to_string(),
        10 => format!("l contains \"{}\"", pick(rng, &WORDS)),
        _ => "any customer message mentions lex".to_string(),
    }
}

fn condition(rng: &mut Rng) -> String {
    let n = 1 + rng.below(3);
    let parts: Vec<String> = (0..n)
        .map(|_| match rng.below(6) {
            0 => format!("({} or {})", leaf(rng), leaf(rng)),
            1 => format!("not {}", leaf(rng)),
            _ => leaf(rng),
        })
        .collect();
    parts.join(" and ")
}

fn policy(rng: &mut Rng) -> String {
    let mut text = String::from(HEADER);
    let rules = 1 + rng.below(12);
    for i in 0..rules {
        let effect = match rng.below(10) {
            0..=5 => "allow ai",
            6..=7 => "require review",
            _ => "require human",
        };
        text += &format!("{effect} \"r{i}\" {{\n  when {}\n", condition(rng));
        if rng.chance(0.3) {
            text += &format!("  unless {}\n", leaf(rng));
        }
        if rng.chance(0.4) {
            text += &format!("  priority {}\n", pick(rng, &["low", "high", "urgent"]));
        }
        if rng.chance(0.4) {
            text += &format!("  queue \"q{}\"\n  say \"say {i}\"\n", rng.below(3));
        }
        if effect != "require human" && rng.chance(0.4) {
            text += &format!("  must m{}\n", rng.below(3));
        }
        if rng.chance(0.3) {
            text += &format!("  tag \"g{}\"\n", rng.below(3));
        }
        text += &format!("  because \"r{i}: s is {{s}}, t is {{t}}, n is {{n}}\"\n}}\n");
    }
    text
}

/// A value for a field: absent (`None`), null, of the right type, or of a wrong type.
fn value(rng: &mut Rng, right: impl FnOnce(&mut Rng) -> Value) -> Option<Value> {
    match rng.below(10) {
        0 => None,
        1 => Some(Value::Null),
        2 => Some(if rng.chance(0.5) { json!(7) } else { json!(["x"]) }),
        _ => Some(right(rng)),
    }
}

fn conversation(rng: &mut Rng, i: usize) -> Conversation {
    let mut data = Map::new();
    data.insert("id".into(), json!(format!("c{i}")));
    // "w" is outside `s`'s options: unknown there
    let word = |rng: &mut Rng| json!(pick(rng, &["x", "y", "z", "p", "d", "w"]));
    let fields: [(&str, Option<Value>); 6] = [
        ("s", value(rng, word)),
        ("t", value(rng, word)),
        ("u", value(rng, word)),
        ("l", value(rng, |r| json!([pick(r, &WORDS), pick(r, &WORDS)]))),
        ("n", value(rng, |r| json!(r.below(6)))),
        ("b", value(rng, |r| json!(r.chance(0.5)))),
    ];
    for (k, v) in fields {
        if let Some(v) = v {
            data.insert(k.into(), v);
        }
    }
    let texts = ["hello there", "alpha and omega", "beta gamma ray", "nothing much"];
    let messages: Vec<Value> = (0..rng.below(3))
        .map(|_| {
            if rng.chance(0.05) {
                json!({ "from": "customer" })
            } else {
                json!({ "from": pick(rng, &["customer", "ai"]), "text": pick(rng, &texts) })
            }
        })
        .collect();
    data.insert("messages".into(), Value::Array(messages));
    Conversation::from_value(Value::Object(data)).unwrap()
}

fn same(set: &PolicySet, c: &Conversation, text: &str) {
    let program = set.program();
    let indexed = serde_json::to_value(program.evaluate(c)).unwrap();
    let reference = serde_json::to_value(program.evaluate_unindexed(c)).unwrap();
    assert_eq!(indexed, reference, "set:\n{text}\nconversation: {:?}", c.data);
}

#[test]
fn indexed_verdicts_equal_the_full_scan_on_generated_sets() {
    let mut rng = Rng::new(2026);
    let mut pairs = 0;
    for _ in 0..300 {
        let text = policy(&mut rng);
        let set = match PolicySet::from_sources([("d.policy", text.as_str())]) {
            Ok(set) => set,
            Err(e) => panic!("generated set does not load:\n{e}\n{text}"),
        };
        for i in 0..30 {
            same(&set, &conversation(&mut rng, i), &text);
            pairs += 1;
        }
    }
    assert_eq!(pairs, 9000);
}

#[test]
fn indexed_verdicts_equal_the_full_scan_on_the_benchmark_generator() {
    for rules in [50, 400] {
        let g = generate::set(rules, 3);
        let set = PolicySet::from_sources([("g.policy", g.text.as_str())]).unwrap();
        for v in generate::conversations(1000, g.allow.len(), 11) {
            same(&set, &Conversation::from_value(v).unwrap(), "generated");
        }
    }
}

/// Writes the benchmark generator's sets to `target/generated/RULES/generated.policy` (50, 500, 1,000 and 10,000 rules), for
/// timing `handoff check` on them (docs/PERFORMANCE.md), with one conversation
/// (`conversation.json`) and 300 of them (`conversations.jsonl`, for `scripts/identity.sh`):
/// `cargo test --test differential -- --ignored write_generated_sets`.
#[test]
#[ignore = "writes files for measurements"]
fn write_generated_sets() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/generated");
    for rules in [50, 500, 1000, 10_000] {
        let dir = root.join(rules.to_string());
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("generated.policy"), generate::set(rules, 1).text).unwrap();
        let conversation = &generate::conversations(1, rules - generate::FIXED_RULES, 7)[0];
        std::fs::write(dir.join("conversation.json"), conversation.to_string()).unwrap();
        let lines: String = generate::conversations(300, rules - generate::FIXED_RULES, 7)
            .iter()
            .map(|c| format!("{c}\n"))
            .collect();
        std::fs::write(dir.join("conversations.jsonl"), lines).unwrap();
    }
}

/// The benchmarks' reference: the hand-written function of the generated set decides as the
/// engine does.
#[test]
fn the_hand_written_function_agrees_with_the_engine() {
    let g = generate::set(50, 1);
    let policies = handoff::PolicySet::from_sources([("gen.policy", g.text.as_str())]).unwrap();
    let allow = g.allow.len();
    assert_eq!(policies.program().rule_names().count(), 50);
    let mut routes = [0usize; 3];
    for value in generate::conversations(2000, allow, 7) {
        let c = Conversation::from_value(value).unwrap();
        let v = policies.evaluate(&c);
        let d = g.decide(&c);
        assert_eq!(g.decide(&generate::Typed::new(&c)), d);
        assert_eq!((v.route, v.priority), (d.route, d.priority), "{:?}", c.data);
        let expected: Vec<String> = d.allow_rule.map(|i| format!("Routine {i}")).into_iter().collect();
        if d.route == handoff::Route::Ai {
            assert_eq!(v.decided_by_names(), expected);
        }
        routes[v.route as usize] += 1;
    }
    // every route occurs
    assert!(routes.iter().all(|&n| n > 20), "{routes:?}");
}
