//! Conformance with /work/shared/spec/LANGUAGE.md, statement by statement: each test names the
//! section it checks and quotes the sentence where the wording matters. Checks that other suites
//! already make in depth (tests/language_examples.rs, tests/corpus.rs, tests/signals.rs) are
//! repeated here only where this file states a rule they leave implicit.
//!
//! Only the pinned library surface of INTERFACE.md is used: `PolicySet::from_sources`,
//! `Conversation` through serde, `evaluate`, the verdict serialised to JSON; diagnostics through
//! `Analysis` and their stable codes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use handoff::{Analysis, Conversation, PolicySet, Severity, Source};
use serde_json::{Value, json};

// helpers

/// The default line most tests start from.
const DEFAULT: &str = "default human because \"d\"\n";

/// The context most tests declare.
const FIELDS: &str = r#"context {
  n : number
  m : number = 3
  s : string
  b : bool
  l : list
  o : one of ["a", "b"] = "a"
}
"#;

fn load(files: &[(&str, &str)]) -> PolicySet {
    PolicySet::from_sources(files.iter().copied()).unwrap_or_else(|e| panic!("does not load:\n{e}"))
}

/// A one-file set: the default, [`FIELDS`] and `rules`.
fn with_rules(rules: &str) -> PolicySet {
    load(&[("a.policy", &format!("{DEFAULT}{FIELDS}{rules}"))])
}

/// The verdict JSON of one conversation (given as JSON).
fn verdict(set: &PolicySet, conversation: Value) -> Value {
    let conversation: Conversation = serde_json::from_value(conversation).unwrap();
    serde_json::to_value(set.evaluate(&conversation)).unwrap()
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect()
}

/// The names of the deciding rules of a verdict.
fn deciders(v: &Value) -> Vec<&str> {
    v["decided_by"].as_array().unwrap().iter().map(|d| d["rule"].as_str().unwrap()).collect()
}

/// Every diagnostic code of a set, with its severity.
fn diagnostics(files: &[(&str, &str)]) -> Vec<(&'static str, Severity)> {
    let sources = files.iter().map(|(name, text)| Source::new(*name, *text)).collect();
    Analysis::new(sources)
        .diagnostics
        .iter()
        .map(|d| (d.code.as_str(), d.severity))
        .collect()
}

/// The error codes of one file holding the default, [`FIELDS`] and `rules`.
fn errors(rules: &str) -> Vec<&'static str> {
    let text = format!("{DEFAULT}{FIELDS}{rules}");
    diagnostics(&[("a.policy", &text)])
        .into_iter()
        .filter(|(_, s)| *s == Severity::Error)
        .map(|(c, _)| c)
        .collect()
}

/// Whether one rule of `effect` with condition `when` matches the conversation.
fn matches(effect: &str, when: &str, conversation: Value) -> bool {
    let set = with_rules(&format!("{effect} \"R\" {{\n  when {when}\n  because \"r\"\n}}\n"));
    verdict(&set, conversation)["matched"] == json!(["R"])
}

// §2 Files and policy sets

#[test]
fn s2_version_joins_headers_in_byte_path_order() {
    // "a verdict's `policy.version` is the `version` of each header that gives one, in path order,
    // joined by `+`"; path order compares names "written with `/` ... as bytes": `-` < `.` < `/`.
    let set = load(&[
        ("a/x.policy", "policy \"X\" { version \"3\" }\n"),
        ("a.policy", &format!("policy \"A\" {{ version \"2\" }}\n{DEFAULT}")),
        ("a-b.policy", "policy \"B\" { version \"1\" }\n"),
        ("c.policy", "policy \"C\" { owner \"no version\" }\n"),
    ]);
    assert_eq!(verdict(&set, json!({}))["policy"]["version"], "1+2+3");
}

#[test]
fn s2_header_fields_are_optional_and_ai_must_applies_to_the_whole_set() {
    let set = load(&[
        ("a.policy", "policy \"A\" {}\n"),
        ("b.policy", "policy \"B\" { ai_must disclose_ai, log_reply }\n"),
        (
            "c.policy",
            &format!("{DEFAULT}{FIELDS}allow ai \"R\" {{ when n > 0 because \"r\" }}\n"),
        ),
    ]);
    assert_eq!(
        strings(&verdict(&set, json!({"n": 1}))["obligations"]),
        ["disclose_ai", "log_reply"]
    );
}

#[test]
fn s2_a_header_comes_first_in_its_file_and_once() {
    // "A file may start with one `policy "NAME" { … }` header."
    let after = format!("{DEFAULT}policy \"P\" {{ version \"1\" }}\n");
    assert_eq!(diagnostics(&[("a.policy", &after)]), [("syntax", Severity::Error)]);
    let twice = format!("policy \"P\" {{ version \"1\" }}\npolicy \"Q\" {{ version \"2\" }}\n{DEFAULT}");
    assert_eq!(diagnostics(&[("a.policy", &twice)]), [("syntax", Severity::Error)]);
    let commented = format!("# the care set\n\npolicy \"P\" {{ version \"1\" }}\n{DEFAULT}");
    assert_eq!(diagnostics(&[("a.policy", &commented)]), []);
}

#[test]
fn s2_exactly_one_default_in_the_whole_set() {
    assert_eq!(
        diagnostics(&[("a.policy", "context { n : number }\n")]),
        [("missing-default", Severity::Error)]
    );
    let two = diagnostics(&[("a.policy", DEFAULT), ("b.policy", "default ai because \"x\"\n")]);
    assert_eq!(two, [("multiple-defaults", Severity::Error)]);
}

#[test]
fn s2_context_blocks_and_lexicons_in_any_file_lexicon_names_unique() {
    let set = load(&[
        ("a.policy", DEFAULT),
        ("b.policy", "context { n : number }\nlexicon grief { \"funeral\" }\n"),
        (
            "c.policy",
            "context { s : string }\nrequire human \"R\" {\n  when n > 1 or s mentions grief\n  because \"r\"\n}\n",
        ),
    ]);
    assert_eq!(verdict(&set, json!({"n": 0, "s": "the funeral"}))["route"], "human");
    let twice = diagnostics(&[
        ("a.policy", DEFAULT),
        ("b.policy", "lexicon g { \"a\" }\n"),
        ("c.policy", "lexicon g { \"b\" }\n"),
    ]);
    assert!(twice.contains(&("duplicate-lexicon", Severity::Error)), "{twice:?}");
}

#[test]
fn s2_rules_in_principles_or_standalone() {
    let set = with_rules(
        "principle \"P\" {\n  require human \"In\" { when n > 1 because \"in\" }\n}\nrequire human \"Out\" { when n > 1 because \"out\" }\n",
    );
    let v = verdict(&set, json!({"n": 2}));
    assert_eq!(v["decided_by"][0]["principle"], "P");
    assert_eq!(v["decided_by"][1]["principle"], Value::Null);
}

#[test]
fn s2_file_order_never_changes_a_verdict() {
    let a = (
        "a.policy",
        "default review because \"d\"\ncontext { n : number }\nallow ai \"A\" { when n > 0 because \"a\" queue \"q1\" }\n",
    );
    let b = (
        "b.policy",
        "require review \"B\" { when n > 1 because \"b\" queue \"q2\" must x }\n",
    );
    let c = ("c.policy", "policy \"C\" { version \"7\" ai_must y }\n");
    let one = load(&[a, b, c]);
    let other = load(&[c, b, a]);
    for n in [0, 1, 2] {
        assert_eq!(verdict(&one, json!({"n": n})), verdict(&other, json!({"n": n})));
    }
}

#[test]
fn s2_comments_and_string_escapes() {
    // "Strings are double-quoted with `\" \\ \n \t` escapes; any other backslash is kept as written"
    let set = with_rules(
        "# a comment line\nrequire human \"R\" { # after a brace\n  when s matches \"\\bagent\\b\" # a regex word boundary\n  because \"q\\\"b\\\\n\\nt\\tk\\q\"\n}\n",
    );
    let v = verdict(&set, json!({"s": "an agent now"}));
    assert_eq!(v["decided_by"][0]["reason"], "q\"b\\n\nt\tk\\q");
    assert_eq!(verdict(&set, json!({"s": "reagents"}))["route"], "human", "the default");
    assert_eq!(verdict(&set, json!({"s": "reagents"}))["matched"], json!([]));
}

#[test]
fn s2_words_of_the_language_begin_dotted_paths() {
    let set = load(&[(
        "a.policy",
        "default human because \"d\"\ncontext { ai.when : bool  no.thing : bool  message.x : bool  customer.any : bool  _a.b_1 : bool }\n\
         allow ai \"R\" { when ai.when and no.thing and message.x and customer.any and _a.b_1 because \"r\" }\n",
    )]);
    let all = json!({"ai": {"when": true}, "no": {"thing": true}, "message": {"x": true}, "customer": {"any": true}, "_a": {"b_1": true}});
    assert_eq!(verdict(&set, all)["route"], "ai");
}

#[test]
fn s2_a_path_segment_is_lowercase_letters_digits_underscores() {
    for bad in ["Intent", "customer.Tier", "1st", "a.2b", "a-b"] {
        let text = format!("{DEFAULT}context {{ {bad} : string }}\n");
        let found = diagnostics(&[("a.policy", &text)]);
        assert!(found.contains(&("syntax", Severity::Error)), "{bad}: {found:?}");
    }
}

// §3 Rules and how a verdict is decided

#[test]
fn s3_each_clause_at_most_once_except_tag() {
    let clauses = [
        "when n > 2",
        "unless n > 2",
        "because \"again\"",
        "priority high",
        "queue \"q\"",
        "say \"hi\"",
        "must x",
    ];
    for clause in clauses {
        let rule = format!(
            "require review \"R\" {{\n  when n > 1\n  unless n > 9\n  because \"r\"\n  priority low\n  queue \"p\"\n  say \"s\"\n  must y\n  {clause}\n}}\n"
        );
        assert_eq!(errors(&rule), ["syntax"], "{clause}");
    }
    let tags = "require human \"R\" { when n > 1 because \"r\" tag \"a\" tag \"b\" tag \"a\" }\n";
    assert_eq!(errors(tags), Vec::<&str>::new());
    assert_eq!(
        strings(&verdict(&with_rules(tags), json!({"n": 2}))["tags"]),
        ["a", "b"]
    );
}

#[test]
fn s3_when_and_because_are_required() {
    assert_eq!(errors("allow ai \"R\" { because \"r\" }\n"), ["missing-when"]);
    assert_eq!(errors("allow ai \"R\" { when n > 1 }\n"), ["missing-because"]);
}

#[test]
fn s3_must_only_on_allow_ai_and_require_review() {
    assert_eq!(
        errors("require human \"R\" { when n > 1 because \"r\" must x }\n"),
        ["obligation-on-human"]
    );
    assert_eq!(
        errors(
            "require review \"R\" { when n > 1 because \"r\" must x }\nallow ai \"A\" { when n > 1 because \"a\" must y }\n"
        ),
        Vec::<&str>::new()
    );
}

#[test]
fn s3_the_most_protective_matching_rule_wins() {
    // human > review > ai > default, wherever the rules are written.
    let rules = "allow ai \"A\" { when n >= 1 because \"a\" }\nrequire review \"V\" { when n >= 2 because \"v\" }\nrequire human \"H\" { when n >= 3 because \"h\" }\n";
    let set = with_rules(rules);
    for (n, route, decided) in [
        (0, "human", json!([])),
        (1, "ai", json!(["A"])),
        (2, "review", json!(["V"])),
        (3, "human", json!(["H"])),
    ] {
        let v = verdict(&set, json!({"n": n}));
        assert_eq!(v["route"], route, "n = {n}");
        assert_eq!(json!(deciders(&v)), decided, "n = {n}");
    }
    // A default of `ai` is still the default: an allow decides nothing more protective.
    let set = load(&[(
        "a.policy",
        "default ai because \"d\"\ncontext { n : number }\nrequire review \"V\" { when n > 1 because \"v\" }\n",
    )]);
    assert_eq!(verdict(&set, json!({"n": 2}))["route"], "review");
    assert_eq!(verdict(&set, json!({"n": 0}))["route"], "ai");
}

#[test]
fn s3_decided_by_is_every_matching_rule_of_the_winning_statement() {
    let set = with_rules(
        "require human \"H1\" { when n > 1 because \"h1\" }\nrequire human \"H2\" { when n > 2 because \"h2\" }\nrequire review \"V\" { when n > 0 because \"v\" }\n",
    );
    let v = verdict(&set, json!({"n": 3}));
    assert_eq!(deciders(&v), ["H1", "H2"]);
    assert_eq!(strings(&v["matched"]), ["H1", "H2", "V"]);
    let d = verdict(&set, json!({"n": 0}));
    assert_eq!(d["decided_by"], json!([]));
    assert_eq!(d["priority"], "normal", "`normal` for the default");
    assert_eq!(
        (&d["queue"], &d["say"]),
        (&Value::Null, &Value::Null),
        "none for the default"
    );
}

#[test]
fn s3_priority_queue_say_and_tags_of_the_deciding_rules() {
    // "`queue` and `say` come from the highest-priority deciding rule that gives one (ties: path order)"
    let set = load(&[
        (
            "b.policy",
            "require human \"B\" { when n > 0 because \"b\" priority high queue \"qb\" say \"sb\" tag \"t2\" }\n",
        ),
        (
            "a.policy",
            &format!(
                "{DEFAULT}{FIELDS}require human \"A1\" {{ when n > 0 because \"a1\" priority high queue \"qa\" tag \"t1\" }}\nrequire human \"A2\" {{ when n > 0 because \"a2\" priority low say \"sa\" tag \"t1\" }}\n"
            ),
        ),
        (
            "c.policy",
            "require human \"C\" { when n > 5 because \"c\" priority urgent }\n",
        ),
    ]);
    let v = verdict(&set, json!({"n": 1}));
    assert_eq!(
        (&v["priority"], &v["queue"], &v["say"]),
        (&json!("high"), &json!("qa"), &json!("sb"))
    );
    assert_eq!(strings(&v["tags"]), ["t1", "t2"]);
    let v = verdict(&set, json!({"n": 6}));
    assert_eq!(
        (&v["priority"], &v["queue"], &v["say"]),
        (&json!("urgent"), &json!("qa"), &json!("sb")),
        "C gives neither"
    );
}

#[test]
fn s3_obligations_on_ai_and_review_routes_only() {
    // "the union of `must` of all matching `allow ai` / `require review` rules plus every header's
    // `ai_must`, whenever the route is `ai` or `review`; none when the route is `human`"
    let set = load(&[
        ("h.policy", "policy \"H\" { ai_must disclose_ai }\n"),
        (
            "a.policy",
            &format!(
                "{DEFAULT}{FIELDS}allow ai \"A\" {{ when n > 0 because \"a\" must offer_human }}\nrequire review \"V\" {{ when n > 1 because \"v\" must cite_policy }}\nrequire human \"H\" {{ when n > 2 because \"h\" }}\n"
            ),
        ),
    ]);
    assert_eq!(
        strings(&verdict(&set, json!({"n": 1}))["obligations"]),
        ["disclose_ai", "offer_human"]
    );
    assert_eq!(
        strings(&verdict(&set, json!({"n": 2}))["obligations"]),
        ["cite_policy", "disclose_ai", "offer_human"]
    );
    assert_eq!(verdict(&set, json!({"n": 3}))["obligations"], json!([]));
    assert_eq!(
        verdict(&set, json!({"n": 0}))["obligations"],
        json!([]),
        "the default is `human`"
    );
}

#[test]
fn s3_defaults_unknown_values_and_fail_safe_matching() {
    // "A field declared with `= value` takes that value when absent."
    assert!(matches("allow ai", "m == 3 and o == \"a\"", json!({})));
    assert!(matches("allow ai", "m == 3", json!({"m": null})), "null is absent");
    // Absent, null or wrong-typed without a default is unknown: a require matches, an allow does not.
    for given in [json!({}), json!({"n": null}), json!({"n": "7"}), json!({"n": [7]})] {
        assert!(matches("require human", "n > 5", given.clone()), "{given}");
        assert!(matches("require review", "n > 5", given.clone()), "{given}");
        assert!(!matches("allow ai", "n > 5", given.clone()), "{given}");
        assert!(!matches("allow ai", "not (n > 5)", given.clone()), "{given}");
    }
    // "including a string outside its `one of` list": the default does not step in.
    assert!(matches("require human", "o == \"b\"", json!({"o": "c"})));
    assert!(!matches("allow ai", "o == \"a\"", json!({"o": "c"})));
    // A wrong-typed value with a default is unknown too, not the default.
    assert!(!matches("allow ai", "m == 3", json!({"m": "3"})));
}

#[test]
fn s3_kleene_logic() {
    // unknown and false = false; unknown or true = true; not unknown = unknown.
    assert!(!matches("require human", "n > 1 and false", json!({})));
    assert!(matches("allow ai", "n > 1 or true", json!({})));
    assert!(matches("require human", "not (n > 1)", json!({})));
    assert!(!matches("allow ai", "not (n > 1)", json!({})));
    assert!(matches("require human", "n > 1 and true", json!({})));
    assert!(!matches("allow ai", "n > 1 or false", json!({})));
}

#[test]
fn s3_unknown_unless() {
    // "`unless` that is unknown counts as not holding for `require` rules and as holding for
    // `allow` rules."
    let require = with_rules("require human \"R\" { when true unless n > 1 because \"r\" }\n");
    assert_eq!(verdict(&require, json!({}))["matched"], json!(["R"]));
    let allow = with_rules("allow ai \"R\" { when true unless n > 1 because \"r\" }\n");
    assert_eq!(verdict(&allow, json!({}))["matched"], json!([]));
}

#[test]
fn s3_unknown_lists_read_paths_that_are_unknown() {
    // "every declared path that some rule of the set reads (in `when` or `unless`, signals and
    // built-ins included) and that is unknown in this conversation"
    let set = load(&[(
        "a.policy",
        "default human because \"d\"\ncontext { n : number  s : string  b : bool  id : string }\n\
         allow ai \"A\" { when n > 1 or true unless signals.sentiment > 0.9 or id == \"x\" because \"{b}\" }\n\
         allow ai \"B\" { when s is missing because \"b\" }\n",
    )]);
    let v = verdict(&set, json!({"messages": []}));
    assert_eq!(strings(&v["unknown"]), ["id", "n", "signals.sentiment"]);
    assert!(
        strings(
            &verdict(
                &set,
                json!({"id": "x", "n": 2, "messages": [{"from": "customer", "text": "ok"}]})
            )["unknown"]
        )
        .is_empty()
    );
}

#[test]
fn s3_unknown_lists_builtins_read_and_unknown() {
    let set = load(&[(
        "a.policy",
        "default human because \"d\"\nallow ai \"R\" { when channel == \"chat\" or id == \"x\" because \"r\" }\n",
    )]);
    assert_eq!(strings(&verdict(&set, json!({}))["unknown"]), ["channel", "id"]);
    assert_eq!(
        verdict(&set, json!({"id": "a", "channel": "chat"}))["unknown"],
        json!([])
    );
}

#[test]
fn s3_priority_is_the_deciding_rules_own_even_when_low() {
    let set = with_rules("require human \"R\" { when n > 0 because \"r\" priority low }\n");
    assert_eq!(verdict(&set, json!({"n": 1}))["priority"], "low");
}

#[test]
fn s3_a_contradictory_require_still_matches_on_unknown_data() {
    let set = with_rules("require human \"R\" { when n > 5 and n < 3 because \"r\" }\n");
    assert_eq!(verdict(&set, json!({}))["route"], "human");
    assert_eq!(verdict(&set, json!({}))["matched"], json!(["R"]));
    assert_eq!(verdict(&set, json!({"n": 4}))["matched"], json!([]));
}

// §4 Expressions

#[test]
fn s4_precedence_or_and_not_comparison() {
    let p = |when: &str, c: Value| matches("allow ai", when, c);
    assert!(
        p("not b and b == false", json!({"b": false})),
        "(not b) and (b == false)"
    );
    assert!(p("b or b and false", json!({"b": true})), "b or (b and false)");
    assert!(!p("(b or b) and false", json!({"b": true})));
    assert!(p("not n == 1", json!({"n": 2})), "not (n == 1)");
}

#[test]
fn s4_comparisons_do_not_chain_and_need_operands_of_one_type() {
    assert_eq!(errors("allow ai \"R\" { when 1 < n < 3 because \"r\" }\n"), ["syntax"]);
    for when in ["n == \"1\"", "b == 1", "s != true", "l == \"a\"", "o == 1"] {
        assert_eq!(
            errors(&format!("allow ai \"R\" {{ when {when} because \"r\" }}\n")),
            ["type-mismatch"],
            "{when}"
        );
    }
    assert!(matches(
        "allow ai",
        "n == 1.0 and s == \"x\" and b == true and o != \"b\"",
        json!({"n": 1, "s": "x", "b": true})
    ));
}

#[test]
fn s4_membership_contains_and_matches() {
    assert!(matches(
        "allow ai",
        "s in [\"a\", \"b\"] and n not in [1, 2]",
        json!({"s": "b", "n": 3})
    ));
    assert!(!matches("allow ai", "s not in [\"a\", \"b\"]", json!({"s": "a"})));
    // element of a list field (exact) / substring of a string (case-insensitive)
    assert!(matches("allow ai", "l contains \"Gold\"", json!({"l": ["Gold"]})));
    assert!(!matches("allow ai", "l contains \"gold\"", json!({"l": ["Gold"]})));
    assert!(!matches("allow ai", "l contains \"Go\"", json!({"l": ["Gold"]})));
    assert!(matches(
        "allow ai",
        "s contains \"REFUND\"",
        json!({"s": "a refund, please"})
    ));
    // the regex occurs anywhere; case-sensitive unless (?i)
    assert!(matches("allow ai", "s matches \"ref+und\"", json!({"s": "a refffund"})));
    assert!(!matches("allow ai", "s matches \"REFUND\"", json!({"s": "a refund"})));
    assert!(matches(
        "allow ai",
        "s matches \"(?i)REFUND\"",
        json!({"s": "a refund"})
    ));
    for regex in ["(?=a)", "(a)\\\\1", "[a-", "(?<!x)y"] {
        assert_eq!(
            errors(&format!(
                "allow ai \"R\" {{ when s matches \"{regex}\" because \"r\" }}\n"
            )),
            ["invalid-regex"],
            "{regex}"
        );
    }
}

#[test]
fn s4_is_missing_and_is_present_are_never_unknown() {
    // "absent or `null` is missing, even where the declaration has a default; a wrong-typed value
    // is present"
    assert!(matches("allow ai", "n is missing and m is missing", json!({"m": null})));
    assert!(matches(
        "allow ai",
        "n is present and o is present",
        json!({"n": "x", "o": "zz"})
    ));
    let v = verdict(
        &with_rules("allow ai \"R\" { when n is missing because \"r\" }\n"),
        json!({}),
    );
    assert_eq!(v["unknown"], json!([]));
}

#[test]
fn s4_a_bare_bool_path_is_path_equals_true() {
    assert!(matches("allow ai", "b", json!({"b": true})));
    assert!(!matches("allow ai", "b", json!({"b": false})));
    assert!(
        matches("require human", "b", json!({"b": "yes"})),
        "wrong type: unknown"
    );
    assert_eq!(errors("allow ai \"R\" { when n because \"r\" }\n"), ["type-mismatch"]);
}

fn says(pairs: &[(&str, &str)]) -> Value {
    let messages: Vec<Value> = pairs
        .iter()
        .map(|(from, text)| json!({"from": from, "text": text}))
        .collect();
    json!({ "messages": messages })
}

#[test]
fn s4_quantifiers_over_senders() {
    let talk = says(&[
        ("customer", "hello"),
        ("ai", "hi there"),
        ("agent", "taking over"),
        ("tool", "beep"),
    ]);
    for (when, expected) in [
        ("count(messages) == 4", true),
        (
            "count(customer messages) == 1 and count(ai messages) == 1 and count(agent messages) == 1",
            true,
        ),
        ("any message where text contains \"beep\"", true),
        ("any customer message where text contains \"beep\"", false),
        ("every ai message where text contains \"hi\"", true),
        ("no agent message where text contains \"over\"", false),
        ("last message where text contains \"beep\"", true),
        ("last customer message matches \"^hel+o$\"", true),
        ("last message where from == \"agent\"", false),
        ("any message where from == \"agent\"", true),
    ] {
        assert_eq!(matches("allow ai", when, talk.clone()), expected, "{when}");
    }
}

#[test]
fn s4_messages_are_in_list_order_at_is_informational() {
    let talk = json!({"messages": [
        {"from": "customer", "text": "early", "at": "2026-01-02T00:00:00Z"},
        {"from": "customer", "text": "late", "at": "2020-01-01T00:00:00Z"}
    ]});
    assert!(matches(
        "allow ai",
        "last customer message where text contains \"late\"",
        talk
    ));
}

#[test]
fn s4_quantifiers_over_no_messages() {
    // "Over no messages at all, `any` and `last` are false, `every` and `no` are true, `count` is
    // 0", and "a missing `messages` is the empty list".
    let when = "not (any message where text contains \"x\") and not (last customer message where text contains \"x\") \
                and every ai message where text contains \"x\" and no message where text contains \"x\" and count(messages) == 0";
    assert!(matches("allow ai", when, json!({})));
    assert!(matches("allow ai", when, json!({"messages": []})));
}

#[test]
fn s4_where_takes_one_comparison_outside_count() {
    // "`last customer message where sentiment > 0.3 and intent == "x"` means
    // `(last customer message where sentiment > 0.3) and (intent == "x")`"
    let positive = json!({"s": "x", "messages": [{"from": "customer", "text": "a", "sentiment": 0.5}]});
    assert!(matches(
        "allow ai",
        "last customer message where sentiment > 0.3 and s == \"x\"",
        positive.clone()
    ));
    assert!(!matches(
        "allow ai",
        "last customer message where sentiment > 0.3 and s == \"y\"",
        positive.clone()
    ));
    assert!(matches(
        "allow ai",
        "any customer message where (sentiment > 0 and text contains \"A\")",
        positive
    ));
    // Inside `count(…)` the whole expression is the condition.
    let two = json!({"messages": [{"from": "customer", "text": "a", "sentiment": 0.5}, {"from": "customer", "text": "b", "sentiment": 0.5}]});
    assert!(matches(
        "allow ai",
        "count(customer messages where sentiment > 0.3 and text contains \"a\") == 1",
        two
    ));
}

#[test]
fn s4_quantifiers_are_three_valued() {
    // `any` is an `or`, `every` an `and`, `no` is `not any`; `count` is unknown if its condition is
    // unknown for some message.
    let odd = json!({"messages": [{"from": "customer", "text": "a", "sentiment": -0.5}, {"from": "customer", "text": "b", "sentiment": "bad"}]});
    for (when, require, allow) in [
        ("any customer message where sentiment < 0", true, true),
        ("any customer message where sentiment > 0", true, false),
        ("every customer message where sentiment < 0", true, false),
        ("every customer message where sentiment > 0", false, false),
        ("no customer message where sentiment < 0", false, false),
        ("no customer message where sentiment > 0", true, false),
        ("count(customer messages where sentiment < 0) >= 1", true, false),
        ("count(customer messages) == 2", true, true),
    ] {
        assert_eq!(matches("require human", when, odd.clone()), require, "require: {when}");
        assert_eq!(matches("allow ai", when, odd.clone()), allow, "allow: {when}");
    }
}

#[test]
fn s4_rule_names_are_unique_in_a_set() {
    let found = diagnostics(&[
        (
            "a.policy",
            &format!("{DEFAULT}{FIELDS}allow ai \"R\" {{ when n > 1 because \"r\" }}\n"),
        ),
        ("b.policy", "require human \"R\" { when n > 2 or n is missing because \"r\" }\n"),
    ]);
    assert_eq!(found, [("duplicate-rule", Severity::Error)]);
}

// §5 Context and signals

#[test]
fn s5_builtin_fields_and_declared_ones() {
    let set =
        with_rules("require human \"R\" { when id == \"c-1\" and channel == \"chat\" because \"{id} {channel}\" }\n");
    assert_eq!(
        verdict(&set, json!({"id": "c-1", "channel": "chat"}))["decided_by"][0]["reason"],
        "c-1 chat"
    );
    assert_eq!(
        errors("allow ai \"R\" { when intent == \"x\" because \"r\" }\n"),
        ["unknown-field"]
    );
}

#[test]
fn s5_a_path_declared_again_only_with_the_same_type_and_default() {
    let again = |second: &str| {
        let text = format!("{DEFAULT}context {{ x : number = 1 }}\n");
        let found = diagnostics(&[("a.policy", &text), ("b.policy", &format!("context {{ {second} }}\n"))]);
        found.into_iter().map(|(c, _)| c).collect::<Vec<_>>()
    };
    assert_eq!(again("x : number = 1"), Vec::<&str>::new());
    assert_eq!(again("x : number = 2"), ["type-mismatch"]);
    assert_eq!(again("x : number"), ["type-mismatch"]);
    assert_eq!(again("x : string = \"1\""), ["type-mismatch"]);
}

#[test]
fn s5_yaml_and_json_conversations() {
    let set = with_rules("allow ai \"R\" { when s == \"x\" and n == 2 because \"r\" }\n");
    let yaml: Conversation =
        serde_yaml::from_str("id: y\ns: x\nn: 2\nmessages:\n  - { from: customer, text: hi }\n").unwrap();
    let json: Conversation =
        serde_json::from_str(r#"{"id": "y", "s": "x", "n": 2, "messages": [{"from": "customer", "text": "hi"}]}"#)
            .unwrap();
    let yaml = serde_json::to_value(set.evaluate(&yaml)).unwrap();
    assert_eq!(yaml["route"], "ai");
    assert_eq!(yaml, serde_json::to_value(set.evaluate(&json)).unwrap());
}

const ALL_SIGNALS: &str = "require human \"S\" {\n  when signals.sentiment > 9 or signals.sentiment_min > 9 or signals.negative_streak > 9 or signals.distress > 9 \
    or signals.human_requested or signals.repeated > 9 or signals.ai_turns > 9\n  because \"r\"\n}\n";

#[test]
fn s5_signals_with_no_customer_message() {
    // "With no customer message, `sentiment` and `sentiment_min` are unknown, `distress`,
    // `negative_streak` and `repeated` are 0, and `human_requested` is false."
    let v = verdict(&with_rules(ALL_SIGNALS), says(&[("ai", "hello"), ("ai", "anyone?")]));
    let expected = json!({"sentiment": null, "sentiment_min": null, "negative_streak": 0, "distress": 0,
        "human_requested": false, "repeated": 0, "ai_turns": 2});
    assert_eq!(v["signals"], expected);
    assert_eq!(strings(&v["unknown"]), ["signals.sentiment", "signals.sentiment_min"]);
}

#[test]
fn s5_signals_given_are_used_each_on_its_own() {
    let conversation = json!({
        "messages": [{"from": "customer", "text": "this is awful, I hate it"}],
        "signals": {"sentiment": 0.123456, "distress": "high"}
    });
    let v = verdict(&with_rules(ALL_SIGNALS), conversation);
    assert_eq!(v["signals"]["sentiment"], 0.123456, "given: used as it is");
    assert_eq!(
        v["signals"]["distress"],
        Value::Null,
        "given with the wrong type: unknown"
    );
    assert!(v["signals"]["sentiment_min"].as_f64().unwrap() < 0.0, "computed");
}

#[test]
fn s5_a_message_sentiment_replaces_the_engines_score() {
    let set = with_rules(
        "allow ai \"R\" { when signals.sentiment == 0.42 and signals.sentiment_min == -0.9 because \"r\" }\n",
    );
    let conversation = json!({"messages": [
        {"from": "customer", "text": "I love this", "sentiment": -0.9},
        {"from": "customer", "text": "I hate this", "sentiment": 0.42}
    ]});
    assert_eq!(verdict(&set, conversation)["route"], "ai");
}

// §6 Lexicon matching

#[test]
fn s6_mentions_whole_words_case_and_apostrophes() {
    let set = with_rules(
        "lexicon l { \"died\", \"can't pay\", \"well-being\", \"Passed Away\" }\nallow ai \"R\" { when s mentions l because \"r\" }\n",
    );
    for (text, expected) in [
        ("my dad died.", true),
        ("I studied", false),
        ("I CAN’T PAY this", true),
        ("I cant pay", false),
        ("my well being", true),
        ("my wellbeing", false),
        ("she passed  away", true),
        ("passed, away", true),
        ("away passed", false),
        ("diedd", false),
    ] {
        assert_eq!(verdict(&set, json!({"s": text}))["route"] == "ai", expected, "{text}");
    }
}

// §7 Justifications

#[test]
fn s7_placeholders_render_as_json_values() {
    let set = with_rules(
        "require human \"R\" { when n > 0 because \"{{id}} {id} {channel} {n} {s} {b} {l} {o} {m} {signals.ai_turns} }}\" }\n",
    );
    let v = verdict(
        &set,
        json!({"id": "c1", "channel": "chat", "n": 800, "s": "x\"y", "b": true, "l": ["a", "b"], "messages": []}),
    );
    assert_eq!(v["decided_by"][0]["reason"], "{id} c1 chat 800 x\"y true a, b a 3 0 }");
    let v = verdict(&set, json!({"n": 0.95, "b": "yes"}));
    assert_eq!(
        v["decided_by"][0]["reason"],
        "{id} unknown unknown 0.95 unknown unknown unknown a 3 0 }"
    );
}

#[test]
fn s7_large_and_small_numbers_render_as_in_json() {
    let set = with_rules("require human \"R\" { when n > 0 because \"{n}\" }\n");
    for (given, json_text) in [(1e21, "1e+21"), (1.5e-7, "1.5e-7")] {
        let v = verdict(&set, json!({"n": given}));
        assert_eq!(v["decided_by"][0]["reason"], json_text);
    }
}

#[test]
fn s7_computed_signals_render_rounded_to_two_decimals() {
    let set = with_rules("require human \"R\" { when true because \"{signals.sentiment} {signals.sentiment_min}\" }\n");
    let v = verdict(
        &set,
        json!({"messages": [{"from": "customer", "text": "this is terrible and awful"}], "signals": {"sentiment_min": -0.123456}}),
    );
    let reason = v["decided_by"][0]["reason"].as_str().unwrap();
    let (computed, given) = reason.split_once(' ').unwrap();
    assert!(computed.split_once('.').is_some_and(|(_, d)| d.len() <= 2), "{reason}");
    assert_eq!(given, "-0.123456", "a given signal is not rounded");
}

#[test]
fn s7_the_checker_rejects_unknown_placeholders_and_matched_without_mentions() {
    assert_eq!(
        errors("allow ai \"R\" { when n > 0 because \"{nope}\" }\n"),
        ["unknown-placeholder"]
    );
    assert_eq!(
        errors("allow ai \"R\" { when n > 0 because \"{matched}\" }\n"),
        ["unknown-placeholder"]
    );
    assert_eq!(
        errors("lexicon x { \"a\" }\nallow ai \"R\" { when s mentions x because \"{matched}\" }\n"),
        Vec::<&str>::new()
    );
    let default_placeholder = format!("default human because \"{{nope}}\"\n{FIELDS}");
    assert_eq!(
        diagnostics(&[("a.policy", &default_placeholder)]),
        [("unknown-placeholder", Severity::Error)]
    );
}

#[test]
fn s7_matched_is_the_first_phrase_by_position_oldest_message_first() {
    let set = with_rules(
        "lexicon l { \"zeta\", \"alpha\" }\nrequire human \"R\" { when any customer message mentions l because \"{matched}\" }\n",
    );
    let v = verdict(
        &set,
        says(&[
            ("ai", "alpha"),
            ("customer", "first zeta then alpha"),
            ("customer", "alpha"),
        ]),
    );
    assert_eq!(v["decided_by"][0]["reason"], "zeta");
}

#[test]
fn s7_the_justification_names_route_reasons_principles_and_places() {
    let set = load(&[(
        "care.policy",
        &format!(
            "{DEFAULT}{FIELDS}principle \"P\" {{\n  require human \"H\" {{ when n > 1 because \"needs {{n}}\" }}\n}}\nrequire human \"G\" {{ when n > 2 because \"also\" }}\n"
        ),
    )]);
    let v = verdict(&set, json!({"n": 3}));
    let text = v["justification"].as_str().unwrap();
    let (route, rest) = text.split_once(": ").unwrap();
    assert!(route.contains("person"), "{text}");
    let h = rest.find("needs 3").unwrap();
    let g = rest.find("also").unwrap();
    assert!(h < g, "{text}");
    assert!(
        rest.contains("\"P\"") && rest.contains("care.policy:11:3") && rest.contains("care.policy:13:1"),
        "{text}"
    );
    let d = verdict(&set, json!({"n": 0}));
    assert!(d["justification"].as_str().unwrap().contains(": d"), "{d}");
}

// §8 Diagnostics

#[test]
fn s8_every_problem_of_a_set_in_one_run_with_place_snippet_and_help() {
    let files = [
        (
            "a.policy",
            "allow ai \"A\" { when nope > 1 because \"a\" }\nallow ai \"B\" { when true because \"b\"\n",
        ),
        (
            "b.policy",
            "context { n : number }\nallow ai \"C\" { when n > 1 because \"{qq}\" }\nlexicon l { \"a\" }\nallow ai { }\n",
        ),
        (
            "c.policy",
            "allow ai \"C\" { when n matches \"(\" because \"c\" }\nrequire human \"H\" { when n > 1 because \"h\" must x }\n",
        ),
    ];
    let sources: Vec<Source> = files.iter().map(|(name, text)| Source::new(*name, *text)).collect();
    let analysis = Analysis::new(sources);
    let codes: std::collections::BTreeSet<&str> = analysis.diagnostics.iter().map(|d| d.code.as_str()).collect();
    let expected = [
        "unknown-field",
        "syntax",
        "unknown-placeholder",
        "unused-lexicon",
        "duplicate-rule",
        "type-mismatch",
        "obligation-on-human",
        "missing-default",
    ];
    for code in expected {
        assert!(codes.contains(code), "{code} missing from {codes:?}");
    }
    for d in analysis.diagnostics.iter().filter(|d| d.span.is_some()) {
        let json = d.to_json(&analysis.sources);
        assert!(
            json.file.is_some() && json.line.is_some() && json.column.is_some(),
            "{d:?}"
        );
        assert!(d.help.is_some(), "no help: {d:?}");
        let shown = handoff::diagnostic::render(std::slice::from_ref(d), &analysis.sources, false, 80);
        assert!(
            shown.contains(&format!(
                "{}:{}:{}",
                json.file.unwrap(),
                json.line.unwrap(),
                json.column.unwrap()
            )),
            "{shown}"
        );
        assert!(shown.contains(" │ "), "a source snippet: {shown}");
    }
}

#[test]
fn s8_warnings_do_not_stop_a_set_from_loading() {
    let text = format!(
        "{DEFAULT}{FIELDS}lexicon unused {{ \"a\" }}\nrequire human \"C\" {{ when n > 5 and n < 3 because \"c\" }}\n\
         require human \"R\" {{ when n > 0 because \"r\" }}\nallow ai \"A\" {{ when n > 1 because \"a\" }}\n\
         require review \"O\" {{ when signals.distress > 1.5 because \"o\" }}\n"
    );
    let found = diagnostics(&[("a.policy", &text)]);
    let mut codes: Vec<&str> = found
        .iter()
        .map(|(c, s)| {
            assert_eq!(*s, Severity::Warning, "{c}");
            *c
        })
        .collect();
    codes.sort_unstable();
    // (v0.2) `n` has no default: the two `require` rules over it also warn
    assert_eq!(
        codes,
        [
            "contradiction",
            "matches-when-missing",
            "matches-when-missing",
            "out-of-range",
            "shadowed-allow",
            "unused-lexicon"
        ]
    );
    let set = load(&[("a.policy", &text)]);
    assert_eq!(set.warnings().len(), 6);
}
