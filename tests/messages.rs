//! LANGUAGE.md §5 "Reading messages" (v0.2), bullet by bullet: keys, text values, senders, the
//! list, unknown senders (each quantifier's three-valued table), a message's sentiment,
//! signals, the verdict's `unknown`, YAML 1.2; and the cases an analyst tried (`messages` as a
//! string, an object, `from: Customer`, a misspelt key, `role`/`content`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use handoff::{Conversation, PolicySet};
use serde_json::{Value, json};

/// Three-valued truth: `Some(true)`, `Some(false)`, `None` (unknown).
type Tri = Option<bool>;
const T: Tri = Some(true);
const F: Tri = Some(false);
const U: Tri = None;

const CONTEXT: &str = "context {\n  n : number\n}\nlexicon lex { \"scammed\", \"alpha\" }\n";

/// The truth of a condition over a conversation: `require human` rules for it and for its
/// negation (true: only the first matches; false: only the second; unknown: both, fail-safe).
fn tri(when: &str, conversation: Value) -> Tri {
    let text = format!(
        "default ai because \"d\"\n{CONTEXT}require human \"T\" {{ when {when} because \"t\" }}\nrequire human \"N\" {{ when not ({when}) because \"n\" }}\n"
    );
    let set = PolicySet::from_sources([("m.policy", text.as_str())]).unwrap_or_else(|e| panic!("{e}"));
    let v = verdict(&set, conversation);
    let matched: Vec<&str> = v["matched"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    match (matched.contains(&"T"), matched.contains(&"N")) {
        (true, false) => T,
        (false, true) => F,
        (true, true) => U,
        (false, false) => panic!("neither a condition nor its negation matched: {when}"),
    }
}

fn verdict(set: &PolicySet, conversation: Value) -> Value {
    let c: Conversation = serde_json::from_value(conversation).unwrap();
    serde_json::to_value(set.evaluate(&c)).unwrap()
}

fn talk(messages: Value) -> Value {
    json!({ "messages": messages })
}

/// A message of `from` saying `text`.
fn msg(from: &str, text: &str) -> Value {
    json!({ "from": from, "text": text })
}

/// A message of unknown sender saying `text`.
fn unk(text: &str) -> Value {
    json!({ "from": "Customre", "text": text })
}

#[test]
fn keys_each_pair_on_its_own_null_counts_as_absent() {
    let from_customer = "any message where from == \"customer\"";
    assert_eq!(tri(from_customer, talk(json!([{"role": "user", "content": "x"}]))), T);
    // `from` wins over `role`; a `null` `from` counts as absent
    assert_eq!(tri(from_customer, talk(json!([{"from": "ai", "role": "user", "text": "x"}]))), F);
    assert_eq!(tri(from_customer, talk(json!([{"from": null, "role": "user", "text": "x"}]))), T);
    let says = "any message where text contains \"hello\"";
    assert_eq!(tri(says, talk(json!([{"from": "customer", "text": "hello", "content": "bye"}]))), T);
    assert_eq!(tri(says, talk(json!([{"from": "customer", "text": null, "content": "hello"}]))), T);
    assert_eq!(tri(says, talk(json!([{"from": "customer", "text": 5, "content": "hello"}]))), U);
    // empty when a key is present but null; unknown when neither is present
    let empty = "any message where text == \"\"";
    assert_eq!(tri(empty, talk(json!([{"from": "customer", "text": null}]))), T);
    assert_eq!(tri(empty, talk(json!([{"from": "customer", "content": null}]))), T);
    assert_eq!(tri(empty, talk(json!([{"from": "customer"}]))), U);
    // `is missing`: the pair gives no value (absent or null), never unknown
    let missing = "any message where text is missing";
    assert_eq!(tri(missing, talk(json!([{"from": "customer"}]))), T);
    assert_eq!(tri(missing, talk(json!([{"from": "customer", "text": null}]))), T);
    assert_eq!(tri(missing, talk(json!([{"from": "customer", "content": ""}]))), F);
    assert_eq!(tri(missing, talk(json!([{"from": "customer", "text": 5}]))), F);
    let no_sender = "any message where from is missing";
    assert_eq!(tri(no_sender, talk(json!([{"text": "x"}]))), T);
    assert_eq!(tri(no_sender, talk(json!([{"from": null, "role": null, "text": "x"}]))), T);
    assert_eq!(tri(no_sender, talk(json!([{"role": "nobody", "text": "x"}]))), F);
}

#[test]
fn text_values_strings_and_content_parts() {
    let is = |text: &str| format!("any message where text == \"{text}\"");
    let content = |c: Value| talk(json!([{"role": "user", "content": c}]));
    assert_eq!(tri(&is("a\\nb"), content(json!(["a", {"type": "text", "text": "b"}]))), T);
    for ty in [json!(null), json!("text"), json!("input_text"), json!("output_text")] {
        assert_eq!(tri(&is("a"), content(json!([{"type": ty, "text": "a"}]))), T, "{ty}");
    }
    assert_eq!(tri(&is("a"), content(json!([{"text": "a"}]))), T);
    // images, audio and files are skipped
    let parts = json!([{"type": "image_url", "image_url": {"url": "u"}}, "a", {"type": "input_audio"}]);
    assert_eq!(tri(&is("a"), content(parts)), T);
    assert_eq!(tri(&is(""), content(json!([]))), T);
    // anything else is unknown text: a number, a part neither string nor mapping, a text part
    // without a string `text`, a `text` that is a list
    for bad in [json!(5), json!(["a", 3]), json!([{"type": "text"}]), json!([{"type": "text", "text": 1}])] {
        assert_eq!(tri(&is("a"), content(bad.clone())), U, "{bad}");
        assert_eq!(tri("any message mentions lex", content(bad.clone())), U, "{bad}");
        assert_eq!(tri("any message matches \"a\"", content(bad)), U);
    }
    let list_text = talk(json!([{"from": "customer", "text": ["a"]}]));
    assert_eq!(tri(&is("a"), list_text.clone()), U);
    assert_eq!(tri("any message where sentiment > -2", list_text), U);
}

#[test]
fn senders_trimmed_case_insensitive_with_aliases() {
    for (written, canonical) in [
        ("customer", "customer"),
        (" User\t", "customer"),
        ("HUMAN", "customer"),
        ("ai", "ai"),
        ("Assistant", "ai"),
        ("bot", "ai"),
        ("model ", "ai"),
        ("agent", "agent"),
        ("system", "system"),
        ("Tool", "system"),
        ("developer", "system"),
        ("function", "system"),
    ] {
        let c = talk(json!([msg(written, "x")]));
        assert_eq!(tri(&format!("any message where from == \"{canonical}\""), c.clone()), T, "{written}");
        let who = if canonical == "system" { "customer" } else { canonical };
        let n = usize::from(canonical != "system");
        assert_eq!(tri(&format!("count({who} messages) == {n}"), c.clone()), T, "{written}");
    }
    // a `system` message counts only where WHO is left out, and feeds no signal
    let notice = talk(json!([msg("system", "let me talk to a human")]));
    assert_eq!(tri("count(messages) == 1", notice.clone()), T);
    assert_eq!(tri("count(customer messages) == 0", notice.clone()), T);
    assert_eq!(tri("signals.human_requested", notice.clone()), F);
    assert_eq!(tri("signals.ai_turns == 0", notice), T);
    // `from` of an unknown sender is unknown inside `where`
    assert_eq!(tri("any message where from == \"customer\"", talk(json!([unk("x")]))), U);
}

#[test]
fn the_list_absent_null_misspelt_or_not_a_list() {
    let nothing = "count(messages) == 0";
    assert_eq!(tri(nothing, json!({})), T);
    assert_eq!(tri(nothing, json!({"messages": null})), T);
    for misspelt in ["message", "mesages", "Messages", "MESSAGES", "messagse", "messagesx", "nessages", "Mesages", "MESAGES", "Messagse"] {
        assert_eq!(tri(nothing, json!({ misspelt: [] })), U, "{misspelt}");
        assert_eq!(tri(nothing, json!({ "messages": null, misspelt: [] })), U, "{misspelt}");
    }
    // two edits away, or `messages` given as a list: no doubt
    assert_eq!(tri(nothing, json!({"mesage": []})), T);
    assert_eq!(tri(nothing, json!({"messages": [], "message": "x"})), T);
    for not_a_list in [json!("hello"), json!({"from": "customer", "text": "x"}), json!(3), json!(true)] {
        let c = json!({ "messages": not_a_list });
        for q in [
            "any message mentions lex",
            "no customer message mentions lex",
            "every ai message matches \"x\"",
            "last message where text == \"x\"",
            "count(messages) >= 0",
            "signals.sentiment > 0",
            "signals.distress >= 0",
            "signals.human_requested",
            "signals.repeated == 0",
            "signals.ai_turns == 0",
            "signals.negative_streak == 0",
        ] {
            assert_eq!(tri(q, c.clone()), U, "{q} over {c}");
        }
        // a signal given under `signals:` still stands
        let given = json!({ "messages": c["messages"], "signals": {"distress": 0.2} });
        assert_eq!(tri("signals.distress < 0.5", given), T);
    }
}

/// The table of one quantifier: P true / false / unknown for a message of unknown sender, alone,
/// before and after a known message.
fn table(q: &str, rows: &[(Value, Tri)]) {
    for (messages, expected) in rows {
        assert_eq!(tri(q, talk(messages.clone())), *expected, "{q} over {messages}");
    }
}

#[test]
fn any_is_the_or_of_from_who_and_p() {
    let q = "any customer message mentions lex";
    table(
        q,
        &[
            (json!([unk("alpha")]), U),
            (json!([unk("nothing")]), F),
            (json!([json!({"from": 3})]), U),
            (json!([unk("alpha"), msg("customer", "no")]), U),
            (json!([unk("alpha"), msg("customer", "alpha")]), T),
            (json!([msg("customer", "alpha"), unk("alpha")]), T),
            (json!([unk("nothing"), msg("customer", "no")]), F),
            (json!([msg("ai", "alpha"), unk("no")]), F),
        ],
    );
    // without WHO every message counts, whatever its sender
    table("any message mentions lex", &[(json!([unk("alpha")]), T), (json!(["x", unk("no")]), U)]);
    table("no customer message mentions lex", &[(json!([unk("alpha")]), U), (json!([unk("no")]), T)]);
}

#[test]
fn every_is_the_and_of_not_from_who_or_p() {
    let q = "every customer message mentions lex";
    table(
        q,
        &[
            (json!([unk("alpha")]), T),
            (json!([unk("nothing")]), U),
            (json!([unk("nothing"), msg("customer", "alpha")]), U),
            (json!([unk("nothing"), msg("customer", "no")]), F),
            (json!([msg("customer", "alpha"), unk("alpha")]), T),
            (json!([msg("ai", "no"), unk("alpha")]), T),
            (json!([unk("x"), json!({"from": "customer"})]), U),
        ],
    );
}

#[test]
fn count_is_unknown_when_an_unknown_sender_might_count() {
    let q = "count(customer messages where text contains \"a\") == 1";
    table(
        q,
        &[
            (json!([msg("customer", "a"), unk("b")]), T),
            (json!([msg("customer", "a"), unk("a")]), U),
            (json!([msg("customer", "a"), json!({"from": "x"})]), U),
        ],
    );
    table("count(customer messages) == 1", &[(json!([msg("customer", "a"), unk("b")]), U)]);
    table("count(ai messages) == 1", &[(json!([msg("ai", "a"), msg("system", "b")]), T)]);
    table("count(messages) == 2", &[(json!([msg("customer", "a"), unk("b")]), T)]);
}

#[test]
fn last_looks_at_the_last_message_that_is_whos_or_of_unknown_sender() {
    let q = "last customer message mentions lex";
    table(
        q,
        &[
            // unknown sender at the end: P of it when P of it and `last` before it agree
            (json!([msg("customer", "alpha"), unk("alpha")]), T),
            (json!([msg("customer", "no"), unk("no")]), F),
            (json!([msg("customer", "no"), unk("alpha")]), U),
            (json!([msg("customer", "alpha"), unk("no")]), U),
            // with none before it, `last` before it is false
            (json!([unk("no")]), F),
            (json!([unk("alpha")]), U),
            (json!([msg("ai", "alpha"), unk("no")]), F),
            // several unknown senders at the end
            (json!([msg("customer", "alpha"), unk("alpha"), unk("alpha")]), T),
            (json!([msg("customer", "alpha"), unk("no"), unk("alpha")]), U),
            (json!([unk("no"), unk("no")]), F),
            // unknown P of the unknown sender's message
            (json!([msg("customer", "alpha"), json!({"from": "x"})]), U),
            // a known message after it decides alone
            (json!([unk("alpha"), msg("customer", "no")]), F),
            (json!([unk("no"), msg("customer", "alpha")]), T),
            (json!([unk("alpha"), msg("customer", "alpha"), msg("ai", "x"), msg("system", "x")]), T),
            (json!([]), F),
        ],
    );
}

#[test]
fn a_phrase_in_a_message_of_unknown_sender_counts_for_matched() {
    let text = "default ai because \"d\"\nlexicon lex { \"scammed\" }\nrequire human \"S\" { when any customer message mentions lex because \"wrote {matched}\" }\n";
    let set = PolicySet::from_sources([("m.policy", text)]).unwrap();
    let v = verdict(
        &set,
        talk(json!([unk("I was scammed"), msg("customer", "really scammed")])),
    );
    assert_eq!(v["decided_by"][0]["reason"], "wrote scammed");
    // matched on unknown data alone: `{matched}` is `unknown`
    let v = verdict(&set, talk(json!([unk("I was scammed")])));
    assert_eq!(v["route"], "human");
    assert!(v["decided_by"][0]["reason"].as_str().unwrap().starts_with("wrote unknown"));
}

#[test]
fn a_given_sentiment_outside_minus_one_to_one_is_unknown() {
    let s = |v: Value| talk(json!([{ "from": "customer", "text": "great, thanks!", "sentiment": v }]));
    assert_eq!(tri("any message where sentiment > 0.5", s(json!(0.9))), T);
    for bad in [json!(1.5), json!(-1.01), json!("positive"), json!(true), json!([0.5])] {
        assert_eq!(tri("any message where sentiment > -2", s(bad.clone())), U, "{bad}");
        assert_eq!(tri("signals.sentiment > -2", s(bad)), U);
    }
    // `null` is absent: the engine's score
    assert_eq!(tri("any message where sentiment > 0.3", s(Value::Null)), T);
}

#[test]
fn signals_are_unknown_when_a_sender_or_a_customer_text_is_unknown() {
    let calm = msg("customer", "thanks, that works");
    for signal in [
        "signals.sentiment > -2",
        "signals.sentiment_min > -2",
        "signals.negative_streak >= 0",
        "signals.distress >= 0",
        "signals.human_requested or not signals.human_requested",
        "signals.repeated >= 0",
        "signals.ai_turns >= 0",
    ] {
        assert_eq!(tri(signal, talk(json!([calm.clone()]))), T, "{signal}");
        assert_eq!(tri(signal, talk(json!([calm.clone(), unk("hi")]))), U, "{signal}");
        assert_eq!(tri(signal, talk(json!(["not a mapping", calm.clone()]))), U, "{signal}");
    }
    // a customer text unknown: the signals that read texts
    let unknown_text = talk(json!([calm.clone(), {"from": "customer", "text": 5}]));
    for signal in ["signals.distress >= 0", "signals.human_requested or true", "signals.repeated >= 0"] {
        let when = signal.replace(" or true", " or not signals.human_requested");
        assert_eq!(tri(&when, unknown_text.clone()), U, "{signal}");
    }
    assert_eq!(tri("signals.ai_turns == 0", unknown_text.clone()), T);
    // scores: the latest unknown, or one in the streak or the minimum
    assert_eq!(tri("signals.sentiment > -2", unknown_text.clone()), U);
    assert_eq!(tri("signals.sentiment_min > -2", unknown_text), U);
    let older_unknown = talk(json!([{"from": "customer", "text": 5}, calm.clone()]));
    assert_eq!(tri("signals.sentiment > 0", older_unknown.clone()), T);
    assert_eq!(tri("signals.negative_streak == 0", older_unknown), T);
    // platform notices feed no signal, and a given signal stands
    assert_eq!(tri("signals.ai_turns == 0", talk(json!([msg("system", "x")]))), T);
    let given = json!({ "messages": [unk("x")], "signals": {"ai_turns": 2} });
    assert_eq!(tri("signals.ai_turns == 2", given), T);
}

#[test]
fn the_verdicts_unknown_lists_messages_when_a_rule_reads_them() {
    let reads = "default ai because \"d\"\nlexicon lex { \"x\" }\nallow ai \"A\" { when no customer message mentions lex because \"a\" }\n";
    let set = PolicySet::from_sources([("m.policy", reads)]).unwrap();
    for (c, listed) in [
        (talk(json!([msg("customer", "hi")])), false),
        (json!({}), false),
        (json!({"messages": "x"}), true),
        (json!({"message": []}), true),
        (talk(json!([unk("hi")])), true),
        (talk(json!([{"from": "customer"}])), true),
        (talk(json!([{"from": "customer", "text": "hi", "sentiment": 2}])), true),
        (talk(json!([msg("system", "notice")])), false),
    ] {
        let v = verdict(&set, c.clone());
        assert_eq!(v["unknown"].as_array().unwrap().contains(&json!("messages")), listed, "{c}");
    }
    // a set that reads no message does not list it
    let other = "default ai because \"d\"\ncontext { n : number = 1 }\nallow ai \"A\" { when n > 0 because \"a\" }\n";
    let set = PolicySet::from_sources([("m.policy", other)]).unwrap();
    assert_eq!(verdict(&set, json!({"messages": "x"}))["unknown"], json!([]));
}

#[test]
fn yaml_is_read_as_yaml_1_2() {
    let c = Conversation::from_yaml("messages:\n  - {from: customer, text: no}\n  - {from: ai, text: yes}\n  - {from: customer, text: on}\n  - {from: customer, text: off}\n").unwrap();
    let texts: Vec<Option<&str>> = c.messages.iter().map(|m| m.text.as_deref()).collect();
    assert_eq!(texts, [Some("no"), Some("yes"), Some("on"), Some("off")]);
    let c = Conversation::from_yaml("flag: yes\nmessages: []\n").unwrap();
    assert_eq!(c.get("flag"), Some(&json!("yes")));
}

/// The cases of the issue: a customer wrote "I have been scammed"; however `messages` arrives,
/// the route is not `ai`, and `unknown` says why.
#[test]
fn i_have_been_scammed_however_the_messages_arrive() {
    let text = "default ai because \"No rule applies.\"\nlexicon fraud { \"scammed\" }\n\
                require human \"Fraud\" { when any customer message mentions fraud because \"Fraud: {matched}.\" }\n\
                allow ai \"Calm chat\" { when no customer message mentions fraud because \"calm\" }\n";
    let set = PolicySet::from_sources([("f.policy", text)]).unwrap();
    let said = "I have been scammed";
    let good = verdict(&set, talk(json!([msg("customer", said)])));
    assert_eq!(good["route"], "human");
    let cases = [
        json!({ "messages": said }),
        json!({ "messages": {"from": "customer", "text": said} }),
        json!({ "message": [{"from": "customer", "text": said}] }),
        json!({ "Messages": [{"from": "customer", "text": said}] }),
        talk(json!([{"from": "Customer ", "text": said}])),
        talk(json!([{"from": "client", "text": said}])),
        talk(json!([{"sender": "customer", "text": said}])),
        talk(json!([{"role": "user", "content": said}])),
        talk(json!([{"role": "user", "content": [{"type": "text", "text": said}]}])),
    ];
    for c in cases {
        let v = verdict(&set, c.clone());
        assert_eq!(v["route"], "human", "{c}");
        let known_sender = c["messages"][0]["from"] == "Customer " || c["messages"][0]["role"] == "user";
        if known_sender {
            assert_eq!(v, good, "{c}");
        } else {
            assert_eq!(v["unknown"], json!(["messages"]), "{c}");
            assert!(v["justification"].as_str().unwrap().contains("unknown"), "{c}");
        }
    }
}
