//! The evaluator's own surface: accessors others build on, signals, defensive compilation of
//! odd trees, and `--explain`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use handoff::ast::{self, Effect, Expr, ExprKind, Literal, MessageTest, Quantifier, Who};
use handoff::schema::Schema;
use handoff::source::Spanned;
use handoff::{Conversation, PolicySet, Priority, Route, Source, Span};
use serde_json::{Value, json};

fn set(text: &str) -> PolicySet {
    match PolicySet::from_sources([("p.policy", text)]) {
        Ok(set) => set,
        Err(e) => panic!("the policy set does not load:\n{}", e.rendered()),
    }
}

fn conv(value: Value) -> Conversation {
    Conversation::from_value(value).unwrap()
}

const SIGNALS: &str = r#"
default ai because "fine"
require human "Distress" { when signals.distress >= 0.7 because "distress {signals.distress}" }
require review "Negative" { when signals.sentiment < -0.5 because "sentiment {signals.sentiment}" }
"#;

#[test]
fn signals_are_the_ones_the_set_reads_given_or_computed() {
    let set = set(SIGNALS);
    let c = conv(json!({ "id": 42, "signals": { "distress": 0.123456, "sentiment": "bad" } }));
    let v = set.evaluate(&c);
    assert_eq!(v.conversation_id().as_deref(), Some("42"));
    // given values are used as they are; a wrong type is unknown (and a require matches)
    assert_eq!(v.signals_json(), json!({ "distress": 0.123456, "sentiment": null }));
    assert_eq!(v.unknown(), ["signals.sentiment"]);
    assert_eq!(v.route, Route::Review);
    assert_eq!(v.decided_by()[0].reason, "sentiment unknown");

    // computed: with no customer message, sentiment is unknown and distress 0
    let c = conv(json!({ "messages": [{ "from": "ai", "text": "hello" }] }));
    let v = set.evaluate(&c);
    assert_eq!(v.signals_json(), json!({ "distress": 0, "sentiment": null }));
    assert_eq!(v.route, Route::Review, "unknown sentiment: the require matches");

    // computed numbers are rounded to two decimals
    let c = conv(json!({ "messages": [{ "from": "customer", "text": "ok", "sentiment": -0.87654 }] }));
    let v = set.evaluate(&c);
    assert_eq!(v.signals_json()["sentiment"], json!(-0.88));
    assert_eq!(v.decided_by_names(), ["Negative"]);
    assert_eq!(v.decided_by()[0].reason, "sentiment -0.88");
}

#[test]
fn accessors() {
    let set = set(r#"
policy "P" { version "7" ai_must disclose }
default human because "no"
context { x : number }
principle "Care" {
  require review "R" { when x > 1 priority high queue "q" say "hi" tag "b" tag "a" must check because "x is {x}" }
}
allow ai "A" { when x > 0 must offer because "ok" }
"#);
    let c = conv(json!({ "id": "c", "x": 2 }));
    let v = set.evaluate(&c);
    assert_eq!((v.route(), v.priority()), (Route::Review, Priority::High));
    assert_eq!(v.queue(), Some("q"));
    assert_eq!(v.say(), Some("hi"));
    assert_eq!(v.tags(), ["a", "b"]);
    assert_eq!(v.obligations(), ["check", "disclose", "offer"]);
    assert_eq!(v.decided_by_names(), ["R"]);
    assert_eq!(v.matched(), ["R", "A"]);
    assert_eq!(v.version(), Some("7"));
    assert_eq!(v.digest(), set.digest());
    assert!(!v.is_default());
    let d = &v.decided_by()[0];
    assert_eq!(
        (
            d.rule.as_str(),
            d.principle.as_deref(),
            d.effect,
            d.source.as_str(),
            d.reason.as_str()
        ),
        ("R", Some("Care"), "require review", "p.policy:6:3", "x is 2")
    );
    assert_eq!(
        v.justification(),
        "A person reviews every AI reply: x is 2 (rule \"R\", principle \"Care\", p.policy:6:3)"
    );
    let json = v.to_json();
    assert_eq!(json["decided_by"][0]["principle"], "Care");
    assert_eq!(json["obligations"], json!(["check", "disclose", "offer"]));
    // a rule without a principle
    let c = conv(json!({ "x": 0.5 }));
    let v = set.evaluate(&c);
    assert_eq!(v.decided_by()[0].principle, None);
    assert_eq!(
        v.justification(),
        "The assistant may handle this conversation: ok (rule \"A\", p.policy:8:1)"
    );
    // an unknown `x` makes the require match (fail-safe); no `allow ai` matches, so the `human`
    // default decides (a `require review` never lowers it)
    let c = conv(json!({}));
    let v = set.evaluate(&c);
    assert_eq!((v.route(), v.is_default(), v.matched()), (Route::Human, true, vec!["R"]));
    // the default
    let c = conv(json!({ "x": -1 }));
    let v = set.evaluate(&c);
    assert!(v.is_default());
    assert_eq!(
        v.justification(),
        "A person takes this conversation: no (default, p.policy:3:1)"
    );
    assert_eq!(v.to_json()["decided_by"], json!([]));
    assert_eq!(v.to_json()["conversation"], Value::Null);
}

#[test]
fn matched_renders_unknown_when_no_phrase_made_the_rule_match() {
    let set = set(r#"
default ai because "d"
context { flag : bool }
lexicon l { "help" }
require human "r" { when flag or any message mentions l because "[{matched}]" }
"#);
    let c = conv(json!({ "flag": true, "messages": [{ "from": "customer", "text": "hi" }] }));
    assert_eq!(set.evaluate(&c).decided_by()[0].reason, "[unknown]");
    let c = conv(json!({ "flag": true, "messages": [{ "from": "customer", "text": "HELP me" }] }));
    assert_eq!(set.evaluate(&c).decided_by()[0].reason, "[help]");
}

/// `{matched}` is the earliest phrase (by message, then position) in the parts of `when` that
/// hold: both sides of an `or`, every message a quantifier read, `count`'s filter; nothing
/// under `not` or `no`.
#[test]
fn matched_is_the_earliest_phrase_of_the_parts_that_hold() {
    let set = set(r#"
default ai because "d"
lexicon a { "help", "assist" }
lexicon b { "refund" }
require human "or" { when any customer message mentions a or any customer message mentions b because "{matched}" }
require human "not" { when any customer message mentions b and not (any message mentions a) because "{matched}" }
require human "no" { when any customer message mentions b and no ai message mentions a because "{matched}" }
require human "count" { when count(customer messages where text mentions a) >= 1 because "{matched}" }
require human "last" { when last customer message mentions a because "{matched}" }
require human "every" { when every customer message mentions a because "{matched}" }
"#);
    let reasons = |messages: Value| -> Vec<(String, String)> {
        let c = conv(json!({ "messages": messages }));
        let v = set.evaluate(&c);
        v.decided_by().into_iter().map(|d| (d.rule, d.reason)).collect()
    };
    let text = |from: &str, text: &str| json!({ "from": from, "text": text });
    let got = reasons(json!([
        text("customer", "a refund please"),
        text("ai", "I can help"),
        text("customer", "assist, help")
    ]));
    let want = [("or", "refund"), ("count", "assist"), ("last", "assist")];
    let want: Vec<(String, String)> = want.iter().map(|(r, p)| (r.to_string(), p.to_string())).collect();
    assert_eq!(got, want);
    let got = reasons(json!([text("customer", "help, a refund"), text("customer", "assist")]));
    let rules: Vec<&str> = got.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(rules, ["or", "no", "count", "last", "every"]);
    // `or`: "help" (position 0) comes before "refund" in the same message
    assert_eq!(got[0].1, "help");
    // `no`: nothing under it counts, whatever the AI wrote
    assert_eq!(got[1].1, "refund");
    // `last`: the last customer message; `every`: the earliest of every message's phrases
    assert_eq!(got[3].1, "assist");
    assert_eq!(got[4].1, "help");
    let got = reasons(json!([text("customer", "refund"), text("ai", "sure")]));
    // only `b` held, beside `not` / `no`: the phrase is "refund"
    let rules: Vec<(&str, &str)> = got.iter().map(|(r, p)| (r.as_str(), p.as_str())).collect();
    assert_eq!(rules, [("or", "refund"), ("not", "refund"), ("no", "refund")]);
}

#[test]
fn mentions_lowercases_unicode() {
    let set = set(r#"
default ai because "d"
lexicon l { "été", "straße" }
require human "r" { when any message mentions l because "{matched}" }
"#);
    let c = conv(json!({ "messages": [{ "text": "CET ÉTÉ-là" }] }));
    assert_eq!(set.evaluate(&c).decided_by()[0].reason, "été");
    let c = conv(json!({ "messages": [{ "text": "étés" }] }));
    assert_eq!(set.evaluate(&c).route, Route::Ai);
}

fn sp<T>(node: T) -> Spanned<T> {
    Spanned::new(node, Span::default())
}

fn e(kind: ExprKind) -> Expr {
    Expr::new(kind, Span::default())
}

fn rule(name: &str, effect: Effect, when: Expr) -> ast::Rule {
    ast::Rule {
        effect: sp(effect),
        name: sp(name.to_string()),
        when: Some(when),
        unless: None,
        because: Some(sp(format!("{name} {{matched}}"))),
        priority: None,
        queue: None,
        tags: Vec::new(),
        say: None,
        must: Vec::new(),
        span: Span::default(),
    }
}

/// Trees the checker would reject still compile, and evaluate defensively.
#[test]
fn odd_trees_compile_to_unknown() {
    let bad_regex = e(ExprKind::Quantified {
        quantifier: Quantifier::Any,
        who: Some(Who::Customer),
        test: MessageTest::Matches(sp("(".to_string())),
    });
    let unknown_lexicon = e(ExprKind::Quantified {
        quantifier: Quantifier::Any,
        who: None,
        test: MessageTest::Mentions(sp("nope".into())),
    });
    let undeclared = e(ExprKind::Path("not.declared".into()));
    let list_outside_in = e(ExprKind::List(vec![e(ExprKind::Literal(Literal::Number(1.0)))]));
    let mut deep = e(ExprKind::Literal(Literal::Bool(true)));
    for _ in 0..2000 {
        deep = e(ExprKind::Not(Box::new(deep)));
    }
    let file = ast::File {
        id: 0,
        items: vec![
            ast::Item::Default(ast::DefaultDecl {
                route: sp(Route::Ai),
                because: sp("d".into()),
                span: Span::default(),
            }),
            ast::Item::Rule(rule("regex", Effect::RequireHuman, bad_regex.clone())),
            ast::Item::Rule(rule("regex-allow", Effect::AllowAi, bad_regex)),
            ast::Item::Rule(rule("lexicon", Effect::RequireReview, unknown_lexicon)),
            ast::Item::Rule(rule("undeclared", Effect::AllowAi, undeclared)),
            ast::Item::Rule(rule("list", Effect::AllowAi, list_outside_in)),
            ast::Item::Rule(rule("deep", Effect::AllowAi, deep)),
        ],
        comments: Vec::new(),
        broken: ast::Broken::default(),
    };
    let files = [file];
    let (schema, _) = Schema::build(&files);
    let sources = [Source::new("x.policy", "")];
    let program = handoff::eval::compile(&files, &sources, &schema, "digest".into());
    let c = conv(json!({ "messages": [{ "from": "customer", "text": "(" }] }));
    let v = program.evaluate(&c);
    assert_eq!(v.route, Route::Human);
    assert_eq!(v.matched(), ["regex", "lexicon"]);
    assert_eq!(v.decided_by()[0].reason, "regex unknown");
    let _ = serde_json::to_string(&v).unwrap();
    let _ = program.explain(&c);
}

#[test]
fn explain_lists_every_rule_and_what_kept_the_ai_out() {
    let set = set(r#"
default review because "d"
context { conf : number  tier : string }
allow ai "Confident" { when conf >= 0.85 and tier == "basic" because "ok" }
allow ai "Basic" { when tier == "basic" and conf >= 0.5 and conf < 0.6 unless conf > 0.55 because "ok" }
require human "Low" { when conf < 0.3 because "low" }
"#);
    let c = conv(json!({ "conf": 0.62, "tier": "basic" }));
    let v = set.evaluate(&c);
    assert_eq!(v.route, Route::Review);
    let x = v.explain();
    assert_eq!(x["route"], "review");
    let closest = x["closest_allow"].as_array().unwrap();
    assert_eq!(closest[0]["rule"], "Confident");
    assert_eq!(closest[0]["failing"], json!(["conf >= 0.85 was 0.62"]));
    assert_eq!(closest[1]["rule"], "Basic");
    assert_eq!(
        closest[1]["failing"],
        json!(["conf < 0.6 was 0.62", "conf > 0.55 was 0.62"])
    );
    let rules = x["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 3);
    assert_eq!(
        rules[0]["when"][1],
        json!({ "value": true, "detail": "tier == \"basic\" was \"basic\"", "why": [] })
    );
    // unknown data that kept an allow out
    let c = conv(json!({ "tier": "basic" }));
    let x = set.evaluate(&c).explain();
    let low = &x["rules"][2];
    assert_eq!(low["matched"], true);
    assert_eq!(low["tipped_by_unknown"], true);
    assert_eq!(x["rules"][0]["when"][0]["value"], "unknown");
    assert_eq!(x["rules"][0]["unknown"], json!(["conf"]));
}

#[test]
fn a_set_is_shared_across_threads() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    let set = set(SIGNALS);
    send_sync(&set);
    std::thread::scope(|s| {
        for i in 0..4 {
            let set = &set;
            s.spawn(move || {
                let c = conv(json!({ "id": i, "signals": { "distress": 0.9, "sentiment": 0.1 } }));
                assert_eq!(set.evaluate(&c).route, Route::Human);
            });
        }
    });
}

/// Rough latency of `evaluate` on a 50-rule set (run with `--release -- --ignored`).
#[test]
#[ignore = "timing; run in release"]
fn latency_of_a_fifty_rule_set() {
    let mut text = String::from(
        "default human because \"d\"\ncontext {\n  tier : one of [\"a\", \"b\", \"c\"] = \"a\"\n  conf : number\n  intent : string\n  vip : bool = false\n  n : number = 0\n}\n",
    );
    for i in 0..50 {
        let rule = match i % 5 {
            0 => format!("allow ai \"r{i}\" {{ when intent == \"i{i}\" and conf >= 0.{i:02} because \"r\" }}\n"),
            1 => format!("require review \"r{i}\" {{ when n > {i} and tier in [\"b\", \"c\"] because \"r\" }}\n"),
            2 => format!("require human \"r{i}\" {{ when vip and conf < 0.{i:02} because \"r\" }}\n"),
            3 => format!(
                "allow ai \"r{i}\" {{ when intent in [\"x{i}\", \"y{i}\"] unless tier == \"c\" because \"r\" }}\n"
            ),
            _ => {
                format!("require review \"r{i}\" {{ when signals.distress >= 0.{i:02} and n >= {i} because \"r\" }}\n")
            }
        };
        text.push_str(&rule);
    }
    let set = set(&text);
    let c = conv(json!({
        "id": "c", "tier": "b", "conf": 0.9, "intent": "i10", "n": 3,
        "signals": { "distress": 0.1 },
        "messages": [{ "from": "customer", "text": "I was charged twice" }]
    }));
    let n = 200_000;
    let start = std::time::Instant::now();
    let mut ai = 0;
    for _ in 0..n {
        let v = set.evaluate(std::hint::black_box(&c));
        ai += usize::from(v.route == Route::Ai);
    }
    let per = start.elapsed().as_nanos() / n;
    eprintln!("evaluate, 50 rules: {per} ns per verdict ({ai} ai)");
    let start = std::time::Instant::now();
    for _ in 0..n / 100 {
        let v = set.evaluate(&c);
        std::hint::black_box(serde_json::to_string(&v).unwrap());
    }
    eprintln!(
        "evaluate + JSON: {} ns per verdict",
        start.elapsed().as_nanos() / (n / 100)
    );
}

#[test]
fn the_justification_says_when_unknown_data_made_a_rule_match() {
    let set = set(r#"
default ai because "fine"
context {
  conf : number
  tier : one of ["a", "b"]
  vip : bool = false
}
require review "Unsure" { when conf < 0.5 and tier == "a" because "unsure" }
require review "Known" { when vip because "vip" }
require human "Not exempt" { when vip unless tier == "b" because "not exempt" }
"#);
    // both conditions unknown: both paths named
    let c1 = conv(json!({ "id": "1" }));
    let v = set.evaluate(&c1);
    assert_eq!(v.route, Route::Review);
    assert!(
        v.justification()
            .ends_with("— matched because `conf` and `tier` are unknown"),
        "{}",
        v.justification()
    );
    // one unknown, the other true: only the unknown one
    let c2 = conv(json!({ "conf": "high", "tier": "a" }));
    let v = set.evaluate(&c2);
    assert!(
        v.justification()
            .ends_with("(rule \"Unsure\", p.policy:8:1) — matched because `conf` is unknown")
    );
    // decided on known data: no note
    let c3 = conv(json!({ "conf": 0.1, "tier": "a" }));
    let v = set.evaluate(&c3);
    assert_eq!(
        v.justification(),
        "A person reviews every AI reply: unsure (rule \"Unsure\", p.policy:8:1)"
    );
    // an unknown `unless` counts as not holding for a require: said too
    let c4 = conv(json!({ "vip": true, "conf": 0.9 }));
    let v = set.evaluate(&c4);
    assert_eq!(v.decided_by_names(), ["Not exempt"]);
    assert!(
        v.justification()
            .ends_with("(rule \"Not exempt\", p.policy:10:1) — matched because `tier` is unknown")
    );
    // the JSON carries the same justification, and no new key in `decided_by`
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["justification"], v.justification());
    assert_eq!(
        json["decided_by"][0].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["rule", "principle", "effect", "source", "reason"]
    );
}

/// Slot values are kept between reads in a compact form (a string as its place in the
/// conversation's text, a default by its slot, a string over 64 KiB read again): whatever
/// the form, a rule that reads a value twice, the index and the verdict's JSON see the value given.
#[test]
fn values_read_twice_are_the_values_given() {
    let long = "x".repeat(70_000);
    let text = format!(
        r#"
context {{
  note : string
  tier : string = "standard"
  n    : number
}}
default human because "no rule"
allow ai "long" {{
  when note == "{long}" and n > 1
  unless note != "{long}"
  because "{{tier}} {{n}}"
}}
allow ai "tier" {{
  when tier in ["standard", "plus"] and tier != "premier" and n > 5
  because "tier {{tier}}"
}}
"#
    );
    let set = set(&text);
    let cases = [
        (json!({ "note": long, "n": 2 }), Route::Ai, "standard 2"),
        (json!({ "note": format!("{long}y"), "n": 2 }), Route::Human, "no rule"),
        (
            json!({ "note": "short", "tier": "plus", "n": 6 }),
            Route::Ai,
            "tier plus",
        ),
        (json!({ "note": "short", "n": 6 }), Route::Ai, "tier standard"),
        (
            json!({ "note": "short", "tier": "premier", "n": 6 }),
            Route::Human,
            "no rule",
        ),
    ];
    for (value, route, reason) in cases {
        let from_text = Conversation::from_json(&value.to_string()).unwrap();
        for c in [conv(value.clone()), from_text] {
            let v = set.evaluate(&c);
            assert_eq!(v.route, route, "{reason}");
            let reasons: Vec<String> = v.decided_by().into_iter().map(|d| d.reason).collect();
            if route == Route::Ai {
                assert_eq!(reasons, [reason]);
            }
            let mut out = Vec::new();
            v.write_json(&mut out);
            let written: Value = serde_json::from_slice(&out).unwrap();
            assert_eq!(written, v.to_json(), "{reason}");
            assert_eq!(v.route, set.program().evaluate_unindexed(&c).route, "{reason}");
        }
    }
}

/// A set that does not load is a `miette::Diagnostic`: a one-line summary, and each problem as
/// a related diagnostic with its code and the text of its file.
#[test]
fn load_errors_are_miette_diagnostics() {
    let err = PolicySet::from_sources([("p.policy", "allow ai \"x\" { when intnet == 1 }")]).unwrap_err();
    assert_eq!(err.to_string(), "the policy set does not load: 3 errors, 0 warnings");
    let related: Vec<String> = miette::Diagnostic::related(&err)
        .unwrap()
        .map(|d| format!("{}: {d}", d.code().unwrap()))
        .collect();
    assert_eq!(related.len(), 3);
    assert!(related.iter().any(|r| r.starts_with("unknown-field: ")), "{related:?}");
    let mut shown = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut shown, &err)
        .unwrap();
    assert!(shown.contains("p.policy:1:") && shown.contains("intnet"), "{shown}");
}
