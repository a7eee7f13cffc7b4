//! Every example of LANGUAGE.md behaves as written: the §1 policy rule by rule, unknown data and
//! defaults, Kleene logic, quantifiers, `where`, `mentions`, justifications, obligations and the
//! queue/say tie-break.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use handoff::{Conversation, PolicySet, Priority, Route};
use serde_json::{Value, json};

/// LANGUAGE.md §1, verbatim (the corpus fixture), after one blank line.
const CARE: &str = concat!("\n", include_str!("corpus/clean-example.policy"));

fn set(files: &[(&str, &str)]) -> PolicySet {
    match PolicySet::from_sources(files.iter().copied()) {
        Ok(set) => set,
        Err(e) => panic!("the policy set does not load:\n{}", e.rendered()),
    }
}

fn care() -> PolicySet {
    set(&[("care.policy", CARE)])
}

fn conv(value: Value) -> Conversation {
    Conversation::from_value(value).unwrap()
}

/// A routine billing conversation the AI may handle; tests change one thing at a time.
fn routine() -> Value {
    json!({
        "id": "conv-1042",
        "channel": "chat",
        "customer": { "id": "C-88", "tier": "plus", "vulnerable": false, "contacts_7d": 3 },
        "intent": "billing_error",
        "ai": { "confidence": 0.91 },
        "messages": [
            { "from": "customer", "text": "I was charged twice and I can't afford this" },
            { "from": "ai", "text": "I'm sorry about that. Let me check the charges." }
        ],
        "signals": { "sentiment": -0.2, "distress": 0.1, "human_requested": false }
    })
}

fn with(mut base: Value, path: &str, value: Value) -> Value {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().unwrap();
    let mut at = &mut base;
    for p in parts {
        at = at.as_object_mut().unwrap().entry(p).or_insert(json!({}));
    }
    if value.is_null() && last == "-" {
        return base;
    }
    at.as_object_mut().unwrap().insert(last.to_string(), value);
    base
}

fn without(mut base: Value, path: &str) -> Value {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().unwrap();
    let mut at = &mut base;
    for p in parts {
        at = at.get_mut(p).unwrap();
    }
    at.as_object_mut().unwrap().remove(last);
    base
}

fn customer_says(base: Value, texts: &[&str]) -> Value {
    let messages: Vec<Value> = texts.iter().map(|t| json!({ "from": "customer", "text": t })).collect();
    with(base, "messages", Value::Array(messages))
}

#[test]
fn routine_billing_is_handled_by_the_ai() {
    let set = care();
    let c = conv(routine());
    let v = set.evaluate(&c);
    assert_eq!(v.route, Route::Ai);
    assert_eq!(v.priority, Priority::Normal);
    assert_eq!(v.decided_by_names(), ["Routine billing fixes"]);
    assert_eq!(v.obligations(), ["disclose_ai", "offer_human"]);
    assert_eq!(v.queue(), None);
    assert!(v.unknown().is_empty());
    assert_eq!(
        v.justification(),
        "The assistant may handle this conversation: Routine billing request (billing_error) that the \
         assistant is confident about. (rule \"Routine billing fixes\", principle \"AI handles routine work\", \
         care.policy:58:3)"
    );
    let d = &v.decided_by()[0];
    assert_eq!(d.effect, "allow ai");
    assert_eq!(d.principle.as_deref(), Some("AI handles routine work"));
    assert_eq!(d.source, "care.policy:58:3");
}

#[test]
fn self_harm_goes_to_crisis_support() {
    let set = care();
    let c = conv(customer_says(routine(), &["I was charged twice", "honestly I just want to END it all."]));
    let v = set.evaluate(&c);
    assert_eq!(v.route, Route::Human);
    assert_eq!(v.priority, Priority::Urgent);
    assert_eq!(v.queue(), Some("crisis-support"));
    assert_eq!(v.say(), Some("I'm connecting you with a colleague right now."));
    assert_eq!(v.decided_by_names(), ["Self-harm risk"]);
    assert!(v.obligations().is_empty(), "no obligations when a person takes over");
    assert_eq!(
        v.decided_by()[0].reason,
        "The customer wrote \"end it all\", which may signal a risk to their safety."
    );
    assert!(v.justification().starts_with("A person takes this conversation: The customer wrote \"end it all\""));
    // the allow still matched, and is listed among the matching rules
    assert_eq!(v.matched(), ["Self-harm risk", "Routine billing fixes"]);
}

#[test]
fn matched_is_the_first_phrase_by_position_oldest_message_first() {
    let set = care();
    let c = conv(customer_says(
        routine(),
        &["nothing here", "I feel suicidal, I want to end it all", "I don’t want to live anymore"],
    ));
    let v = set.evaluate(&c);
    assert_eq!(v.decided_by()[0].reason, "The customer wrote \"suicidal\", which may signal a risk to their safety.");
    // an AI message does not count for `any customer message`
    let c = conv(with(
        customer_says(routine(), &["I don’t want to live anymore"]),
        "messages",
        json!([
            { "from": "ai", "text": "Do you want to end it all?" },
            { "from": "customer", "text": "I don’t want to live anymore" }
        ]),
    ));
    let v = set.evaluate(&c);
    assert_eq!(
        v.decided_by()[0].reason,
        "The customer wrote \"don't want to live\", which may signal a risk to their safety."
    );
}

#[test]
fn vulnerable_customer_and_bereavement() {
    let set = care();
    let c = conv(with(routine(), "customer.vulnerable", json!(true)));
    let v = set.evaluate(&c);
    assert_eq!(v.route, Route::Human);
    assert_eq!(v.queue(), Some("care-team"));
    assert_eq!(v.decided_by_names(), ["Vulnerable customer"]);

    let c = conv(customer_says(routine(), &["My dad DIED. I need to close his account"]));
    assert_eq!(set.evaluate(&c).decided_by_names(), ["Vulnerable customer"]);

    // whole words only: "studied" is not "died"
    let c = conv(customer_says(routine(), &["I studied the invoice and was charged twice"]));
    assert_eq!(set.evaluate(&c).route, Route::Ai);
}

#[test]
fn asked_for_a_person() {
    let set = care();
    let c = conv(with(routine(), "signals.human_requested", json!(true)));
    let v = set.evaluate(&c);
    assert_eq!(v.route, Route::Human);
    assert_eq!(v.decided_by_names(), ["Asked for a person"]);
    assert_eq!(v.decided_by()[0].reason, "The customer asked to speak to a person.");
}

#[test]
fn high_emotional_load_renders_the_signal() {
    let set = care();
    let c = conv(with(routine(), "signals.distress", json!(0.82)));
    let v = set.evaluate(&c);
    assert_eq!(v.route, Route::Human);
    assert_eq!(v.priority, Priority::High);
    assert_eq!(v.queue(), None);
    assert_eq!(v.decided_by()[0].reason, "Emotional load is high (distress 0.82).");
    assert_eq!(v.signals_json()["distress"], json!(0.82));
}

#[test]
fn frustration_building_means_review_with_obligations() {
    let set = care();
    let c = conv(with(
        routine(),
        "messages",
        json!([
            { "from": "customer", "text": "charged twice", "sentiment": -0.5 },
            { "from": "ai", "text": "sorry", "sentiment": -0.9 },
            { "from": "customer", "text": "still wrong", "sentiment": -0.45 }
        ]),
    ));
    let v = set.evaluate(&c);
    assert_eq!(v.route, Route::Review);
    assert_eq!(v.decided_by_names(), ["Frustration building"]);
    assert!(v.justification().starts_with("A person reviews every AI reply: The customer has been negative"));
    // matching allow ai rules add their obligations under review too
    assert_eq!(v.matched(), ["Frustration building", "Routine billing fixes"]);
    assert_eq!(v.obligations(), ["disclose_ai", "offer_human"]);

    // one negative customer message is not enough (the AI's does not count)
    let c = conv(with(
        routine(),
        "messages",
        json!([
            { "from": "customer", "text": "charged twice", "sentiment": -0.5 },
            { "from": "ai", "text": "sorry", "sentiment": -0.9 },
            { "from": "customer", "text": "ok", "sentiment": 0.2 }
        ]),
    ));
    assert_eq!(set.evaluate(&c).route, Route::Ai);
}

#[test]
fn premier_customers_fall_to_the_default() {
    let set = care();
    let c = conv(with(routine(), "customer.tier", json!("premier")));
    let v = set.evaluate(&c);
    assert_eq!(v.route, Route::Human);
    assert!(v.decided_by().is_empty());
    assert!(v.matched().is_empty());
    assert_eq!(v.priority, Priority::Normal);
    assert_eq!(v.queue(), None);
    assert!(v.obligations().is_empty());
    assert!(v.justification().starts_with(
        "A person takes this conversation: No rule allows the assistant to handle this conversation on its own."
    ));
}

#[test]
fn missing_data_never_makes_the_ai_more_autonomous() {
    let set = care();
    // absent without a default: unknown, the allow does not match
    let c = conv(without(routine(), "ai.confidence"));
    let v = set.evaluate(&c);
    assert_eq!(v.route, Route::Human);
    assert_eq!(v.unknown(), ["ai.confidence"]);
    // null is absent
    let c = conv(with(routine(), "ai.confidence", Value::Null));
    assert_eq!(set.evaluate(&c).unknown(), ["ai.confidence"]);
    // wrong type: unknown
    let c = conv(with(routine(), "intent", json!(7)));
    let v = set.evaluate(&c);
    assert_eq!(v.route, Route::Human);
    assert_eq!(v.unknown(), ["intent"]);
    // a string outside `one of`: unknown; an unknown `unless` holds for an allow
    let c = conv(with(routine(), "customer.tier", json!("gold")));
    let v = set.evaluate(&c);
    assert_eq!(v.route, Route::Human);
    assert_eq!(v.unknown(), ["customer.tier"]);
    // absent with a default: the default
    let c = conv(without(routine(), "customer.tier"));
    assert_eq!(set.evaluate(&c).route, Route::Ai);
    let c = conv(with(routine(), "customer.vulnerable", Value::Null));
    assert_eq!(set.evaluate(&c).route, Route::Ai);
    // a require whose condition is unknown matches (fail-safe)
    let c = conv(with(routine(), "customer.vulnerable", json!("yes")));
    let v = set.evaluate(&c);
    assert_eq!(v.route, Route::Human);
    assert_eq!(v.decided_by_names(), ["Vulnerable customer"]);
    assert_eq!(v.unknown(), ["customer.vulnerable"]);
    // an unknown signal
    let c = conv(with(routine(), "signals.distress", json!("high")));
    let v = set.evaluate(&c);
    assert_eq!(v.decided_by_names(), ["High emotional load"]);
    assert_eq!(v.decided_by()[0].reason, "Emotional load is high (distress unknown).");
    assert_eq!(v.unknown(), ["signals.distress"]);
    assert_eq!(v.signals_json()["distress"], Value::Null);
}

fn one_rule(context: &str, effect: &str, when: &str) -> PolicySet {
    let text = format!(
        "default human because \"default\"\ncontext {{\n{context}\n}}\n{effect} \"r\" {{\n  when {when}\n  because \"r\"\n}}\n"
    );
    set(&[("t.policy", &text)])
}

fn matches(set: &PolicySet, c: Value) -> bool {
    let c = conv(c);
    let v = set.evaluate(&c);
    !v.matched().is_empty()
}

#[test]
fn kleene_tables() {
    // with a = unknown (absent): `require` matches when the condition is unknown
    let ctx = "a : bool\nb : bool";
    // (condition, data, truth: None = unknown)
    let cases = [
        ("a and b", json!({"b": false}), Some(false)),
        ("a and b", json!({"b": true}), None),
        ("a or b", json!({"b": true}), Some(true)),
        ("a or b", json!({"b": false}), None),
        ("not a", json!({}), None),
        ("not a or b", json!({"b": true}), Some(true)),
        ("not (a and b)", json!({"b": false}), Some(true)),
        ("a == true and b", json!({"b": false}), Some(false)),
        ("a != b", json!({"b": false}), None),
    ];
    for (when, data, truth) in cases {
        // `require` matches when the condition is true or unknown; `allow` only when true
        let require = one_rule(ctx, "require human", when);
        assert_eq!(matches(&require, data.clone()), truth != Some(false), "require: {when} over {data}");
        let allow = one_rule(ctx, "allow ai", when);
        assert_eq!(matches(&allow, data.clone()), truth == Some(true), "allow: {when} over {data}");
    }
}

#[test]
fn unless_that_is_unknown() {
    let ctx = "a : bool\nb : bool";
    let rule = |effect: &str| {
        let text = format!(
            "default review because \"d\"\ncontext {{\n{ctx}\n}}\n{effect} \"r\" {{\n  when b\n  unless a\n  because \"r\"\n}}\n"
        );
        set(&[("t.policy", &text)])
    };
    // an unknown `unless` does not hold for a require, and holds for an allow
    assert!(matches(&rule("require human"), json!({"b": true})));
    assert!(!matches(&rule("allow ai"), json!({"b": true})));
    assert!(matches(&rule("allow ai"), json!({"b": true, "a": false})));
    assert!(!matches(&rule("require human"), json!({"b": true, "a": true})));
}

#[test]
fn comparisons_membership_and_text_tests() {
    let ctx = "n : number\ns : string\nl : list\nt : one of [\"x\", \"y\"]";
    let cases = [
        ("n > 3", json!({"n": 4}), Some(true)),
        ("n <= 3", json!({"n": 4}), Some(false)),
        ("n == 800", json!({"n": 800.0}), Some(true)),
        ("n != 1", json!({}), None),
        ("s in [\"a\", \"b\"]", json!({"s": "b"}), Some(true)),
        ("s not in [\"a\", \"b\"]", json!({"s": "b"}), Some(false)),
        ("s in [\"a\", \"b\"]", json!({}), None),
        ("s not in [\"a\"]", json!({"s": 3}), None),
        ("s == \"A\"", json!({"s": "a"}), Some(false)),
        ("s contains \"TWICE\"", json!({"s": "charged twice"}), Some(true)),
        ("l contains \"vip\"", json!({"l": ["a", "vip"]}), Some(true)),
        ("l contains \"VIP\"", json!({"l": ["a", "vip"]}), Some(false)),
        ("l contains \"vip\"", json!({"l": ["a", 3]}), None),
        ("s matches \"^ch[a-z]+\"", json!({"s": "charged"}), Some(true)),
        ("s matches \"(?i)^CH\"", json!({"s": "charged"}), Some(true)),
        ("s matches \"^CH\"", json!({"s": "charged"}), Some(false)),
        ("t == \"x\"", json!({"t": "x"}), Some(true)),
        ("t == \"x\"", json!({"t": "z"}), None),
        ("n is missing", json!({"n": null}), Some(true)),
        ("n is missing", json!({"n": "wrong"}), Some(false)),
        ("n is present", json!({}), Some(false)),
    ];
    for (when, data, expected) in cases {
        let require = one_rule(ctx, "require human", when);
        let allow = one_rule(ctx, "allow ai", when);
        let (r, a) = (matches(&require, data.clone()), matches(&allow, data.clone()));
        let got = match (r, a) {
            (true, true) => Some(true),
            (false, false) => Some(false),
            (true, false) => None,
            (false, true) => panic!("an allow matched where a require did not: {when}"),
        };
        assert_eq!(got, expected, "{when} over {data}");
    }
}

#[test]
fn is_missing_ignores_defaults() {
    let set = one_rule("v : bool = false", "require human", "v is missing");
    assert!(matches(&set, json!({})));
    assert!(matches(&set, json!({"v": null})));
    assert!(!matches(&set, json!({"v": true})));
}

fn truth(when: &str, c: Value) -> Option<bool> {
    let ctx = "intent : string\nflag : bool";
    let (r, a) = (
        matches(&one_rule(ctx, "require human", when), c.clone()),
        matches(&one_rule(ctx, "allow ai", when), c),
    );
    match (r, a) {
        (true, true) => Some(true),
        (false, false) => Some(false),
        (true, false) => None,
        (false, true) => panic!("inconsistent"),
    }
}

#[test]
fn quantifiers_over_no_messages() {
    for messages in [json!([]), Value::Null] {
        let c = if messages.is_null() { json!({}) } else { json!({ "messages": messages }) };
        assert_eq!(truth("any message matches \"x\"", c.clone()), Some(false));
        assert_eq!(truth("last customer message matches \"x\"", c.clone()), Some(false));
        assert_eq!(truth("every customer message matches \"x\"", c.clone()), Some(true));
        assert_eq!(truth("no customer message matches \"x\"", c.clone()), Some(true));
        assert_eq!(truth("count(messages) == 0", c.clone()), Some(true));
        assert_eq!(truth("count(customer messages where sentiment < 0) == 0", c), Some(true));
    }
}

#[test]
fn quantifiers_over_messages() {
    let c = json!({ "intent": "x", "messages": [
        { "from": "customer", "text": "first", "sentiment": -0.5 },
        { "from": "ai", "text": "reply", "sentiment": 0.9 },
        { "from": "system", "text": "note" },
        { "from": "customer", "text": "second", "sentiment": 0.5 }
    ]});
    assert_eq!(truth("any customer message matches \"^f\"", c.clone()), Some(true));
    assert_eq!(truth("every customer message matches \"^(f|s)\"", c.clone()), Some(true));
    assert_eq!(truth("every message matches \"^(f|s)\"", c.clone()), Some(false));
    assert_eq!(truth("no ai message matches \"reply\"", c.clone()), Some(false));
    assert_eq!(truth("last customer message where sentiment > 0.3", c.clone()), Some(true));
    assert_eq!(truth("last message matches \"second\"", c.clone()), Some(true));
    // an unknown sender counts only where WHO is left out
    assert_eq!(truth("count(messages) == 4", c.clone()), Some(true));
    assert_eq!(truth("count(customer messages) == 2", c.clone()), Some(true));
    assert_eq!(truth("count(customer messages where sentiment < 0) == 1", c.clone()), Some(true));
    assert_eq!(truth("any agent message matches \"\"", c.clone()), Some(false));
    // `where` binds one comparison: the `and` applies to the whole quantifier
    assert_eq!(truth("last customer message where sentiment > 0.3 and intent == \"x\"", c.clone()), Some(true));
    assert_eq!(truth("last customer message where sentiment > 0.3 and intent == \"y\"", c.clone()), Some(false));
    // inside `where`, `from` and `text` are the message's
    assert_eq!(truth("any message where (from == \"ai\" and text == \"reply\")", c.clone()), Some(true));
    // a message without a known sentiment makes `count` unknown, and `any` unknown unless true elsewhere
    let u = json!({ "messages": [
        { "from": "customer", "text": "a", "sentiment": "bad" },
        { "from": "customer", "text": 5, "sentiment": -0.9 }
    ]});
    assert_eq!(truth("count(customer messages where sentiment < 0) >= 1", u.clone()), None);
    assert_eq!(truth("any customer message where sentiment < 0", u.clone()), Some(true));
    assert_eq!(truth("any customer message where sentiment > 0", u.clone()), None);
    assert_eq!(truth("every customer message where sentiment > 0", u.clone()), Some(false));
    assert_eq!(truth("any customer message matches \"a\"", u.clone()), Some(true));
    assert_eq!(truth("every customer message matches \"a\"", u), None);
}

#[test]
fn mentions_whole_words_apostrophes_and_separators() {
    let text = "default human because \"d\"\n\
        lexicon grief { \"died\", \"don't want to live\", \"well-being\" }\n\
        require human \"r\" { when any message mentions grief because \"{matched}\" }\n";
    let set = set(&[("m.policy", text)]);
    let reason = |t: &str| {
        let c = conv(json!({ "messages": [{ "from": "customer", "text": t }] }));
        let v = set.evaluate(&c);
        v.decided_by().first().map(|d| d.reason.clone())
    };
    assert_eq!(reason("My dad DIED.").as_deref(), Some("died"));
    assert_eq!(reason("I studied hard"), None);
    assert_eq!(reason("I don’t want to live anymore").as_deref(), Some("don't want to live"));
    assert_eq!(reason("my well being matters").as_deref(), Some("well-being"));
    assert_eq!(reason("well-being; died").as_deref(), Some("well-being"));
    assert_eq!(reason("dont want to live"), None);
}

#[test]
fn templates_render_values_as_json_would() {
    let text = r#"
default ai because "nothing for {id} on {channel} ({{braces}})"
context {
  order.amount : number
  score        : number
  vip          : bool
  labels       : list
  missing      : string
}
require review "r" {
  when order.amount > 500
  because "amount {order.amount}, score {score}, vip {vip}, labels {labels}, {missing}, distress {signals.distress}"
}
"#;
    let set = set(&[("t.policy", text)]);
    let c = conv(json!({
        "id": "c-1", "channel": "email",
        "order": { "amount": 800 }, "score": 0.95, "vip": true, "labels": ["a", "b"],
        "messages": [{ "from": "customer", "text": "hello", "sentiment": 0.1 }]
    }));
    let v = set.evaluate(&c);
    let reason = &v.decided_by()[0].reason;
    assert!(
        reason.starts_with("amount 800, score 0.95, vip true, labels a, b, unknown, distress "),
        "{reason}"
    );
    // a computed signal renders with at most two decimals
    let distress = reason.rsplit(' ').next().unwrap();
    assert!(distress.split('.').nth(1).is_none_or(|d| d.len() <= 2), "{reason}");
    // the default: its reason, and `ai_must`-free obligations
    let c = conv(json!({ "id": "c-2", "channel": "chat", "order": { "amount": 10 } }));
    let v = set.evaluate(&c);
    assert_eq!(v.route, Route::Ai);
    assert!(v.decided_by().is_empty());
    assert!(
        v.justification().starts_with("The assistant may handle this conversation: nothing for c-2 on chat ({braces})"),
        "{}",
        v.justification()
    );
}

#[test]
fn obligations_are_a_union_and_the_default_ai_route_has_header_obligations() {
    let a = r#"
policy "A" { version "1" ai_must disclose_ai }
default ai because "d"
context { x : number }
allow ai "a1" { when x > 1 must offer_human, log_reply because "a1" }
allow ai "a2" { when x > 2 must offer_human because "a2" }
require review "r1" { when x > 3 must quote_policy tag "money" because "r1" }
"#;
    let b = r#"
policy "B" { version "2" ai_must disclose_ai, be_kind }
require human "h1" { when x > 10 tag "urgent" tag "money" because "h1" }
"#;
    let set = set(&[("b.policy", b), ("a.policy", a)]);
    assert_eq!(set.version(), Some("1+2"));
    let eval = |x: f64| {
        let c = conv(json!({ "x": x }));
        let v = set.evaluate(&c);
        (v.route, v.obligations().into_iter().map(String::from).collect::<Vec<_>>(), v.tags().into_iter().map(String::from).collect::<Vec<_>>())
    };
    let (route, obligations, _) = eval(0.0);
    assert_eq!(route, Route::Ai);
    assert_eq!(obligations, ["be_kind", "disclose_ai"]);
    let (route, obligations, _) = eval(2.5);
    assert_eq!(route, Route::Ai);
    assert_eq!(obligations, ["be_kind", "disclose_ai", "log_reply", "offer_human"]);
    let (route, obligations, tags) = eval(5.0);
    assert_eq!(route, Route::Review);
    assert_eq!(obligations, ["be_kind", "disclose_ai", "log_reply", "offer_human", "quote_policy"]);
    assert_eq!(tags, ["money"]);
    let (route, obligations, tags) = eval(20.0);
    assert_eq!(route, Route::Human);
    assert!(obligations.is_empty());
    assert_eq!(tags, ["money", "urgent"]);
}

#[test]
fn queue_and_say_come_from_the_highest_priority_then_path_order() {
    let a = r#"
default human because "d"
context { x : number }
require human "a-normal" { when x > 0 queue "a-queue" because "a" }
require human "a-high" { when x > 1 priority high say "a-high says" because "a" }
"#;
    let b = r#"
require human "b-high" { when x > 1 priority high queue "b-queue" say "b-high says" because "b" }
require human "b-low" { when x > 0 priority low queue "low-queue" because "b" }
"#;
    // the order the files are given in does not matter: path order is by name
    for files in [[("a.policy", a), ("b.policy", b)], [("b.policy", b), ("a.policy", a)]] {
        let set = set(&files);
        let c = conv(json!({ "x": 5 }));
        let v = set.evaluate(&c);
        assert_eq!(v.priority, Priority::High);
        assert_eq!(v.queue(), Some("b-queue"));
        assert_eq!(v.say(), Some("a-high says"));
        assert_eq!(v.decided_by_names(), ["a-normal", "a-high", "b-high", "b-low"]);
        let c = conv(json!({ "x": 0.5 }));
        let v = set.evaluate(&c);
        assert_eq!(v.priority, Priority::Normal);
        assert_eq!(v.queue(), Some("a-queue"));
        assert_eq!(v.say(), None);
    }
    // only low-priority deciders: the priority is low
    let set = set(&[("b.policy", &format!("default ai because \"d\"\ncontext {{ x : number }}\n{b}"))]);
    let c = conv(json!({ "x": 0.5 }));
    let v = set.evaluate(&c);
    assert_eq!(v.priority, Priority::Low);
    assert_eq!(v.queue(), Some("low-queue"));
}

#[test]
fn verdict_json_has_the_interface_shape() {
    let set = care();
    let c = conv(customer_says(routine(), &["I want to end it all"]));
    let v = set.evaluate(&c);
    let text = serde_json::to_string(&v).unwrap();
    let keys = [
        "conversation", "route", "queue", "priority", "say", "obligations", "tags", "decided_by", "matched",
        "justification", "unknown", "signals", "policy",
    ];
    let mut at = 0;
    for k in keys {
        let i = text.find(&format!("\"{k}\":")).unwrap_or_else(|| panic!("no key {k} in {text}"));
        assert!(i >= at, "key {k} out of order in {text}");
        at = i;
    }
    let json: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["conversation"], "conv-1042");
    assert_eq!(json["route"], "human");
    assert_eq!(json["queue"], "crisis-support");
    assert_eq!(json["priority"], "urgent");
    assert_eq!(json["decided_by"][0]["rule"], "Self-harm risk");
    assert_eq!(json["decided_by"][0]["effect"], "require human");
    assert_eq!(json["decided_by"][0]["source"], "care.policy:24:3");
    assert_eq!(json["policy"]["version"], "2026.11");
    assert_eq!(json["policy"]["digest"], set.digest());
    let signals = json["signals"].as_object().unwrap();
    let mut names: Vec<&str> = signals.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["distress", "human_requested", "sentiment"]);
    assert_eq!(json, v.to_json());
}

#[test]
fn explain_names_conditions_values_and_the_closest_allow() {
    let set = care();
    let c = conv(with(routine(), "ai.confidence", json!(0.62)));
    let v = set.evaluate(&c);
    assert_eq!(v.route, Route::Human);
    let x = v.explain();
    let closest = &x["closest_allow"][0];
    assert_eq!(closest["rule"], "Routine billing fixes");
    assert_eq!(closest["failing"], json!(["ai.confidence >= 0.85 was 0.62"]));
    let rules = x["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 6);
    let billing = rules.iter().find(|r| r["rule"] == "Routine billing fixes").unwrap();
    assert_eq!(billing["matched"], false);
    assert_eq!(billing["when"][1]["value"], false);
    assert_eq!(billing["unless"]["detail"], "customer.tier == \"premier\" was \"plus\"");

    // unknown data that tipped a require
    let c = conv(with(routine(), "customer.vulnerable", json!("yes")));
    let x = set.program().explain(&c);
    let vulnerable = x["rules"].as_array().unwrap().iter().find(|r| r["rule"] == "Vulnerable customer").unwrap();
    assert_eq!(vulnerable["matched"], true);
    assert_eq!(vulnerable["tipped_by_unknown"], true);
    assert_eq!(vulnerable["unknown"], json!(["customer.vulnerable"]));
}
