//! Conformance with /work/shared/spec/INTERFACE.md, run as a user would: the real binary on small
//! sets and conversations in a temporary directory. Each test names the part of the page it
//! checks. The HTTP service, hot reload and the decision log are covered in depth by
//! tests/serve/; here only what "the same everywhere" promises across eval, stdio and the log.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use serde_json::{Value, json};
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const SET: &str = r#"policy "Spec" {
  version "s1"
  ai_must disclose_ai
}

default human because "No rule applies."

context {
  intent        : string = "unclassified"
  ai.confidence : number = 0.9
}

lexicon grief { "passed away", "funeral" }

principle "Care first" {
  require human "Grief" {
    when any customer message mentions grief
    priority urgent
    queue "care"
    say "A colleague will take over."
    because "The customer wrote \"{matched}\"."
  }
}

require review "Refunds" {
  when intent == "refund"
  because "Refunds are reviewed."
  must cite_policy
}

allow ai "Questions" {
  when intent in ["question", "refund"] and ai.confidence >= 0.85
  because "A simple question ({intent})."
  must offer_human
}
"#;

/// Conversations by name: `ai`, `review`, `human`, `default`.
fn conversation(which: &str) -> Value {
    match which {
        "ai" => {
            json!({"id": "c-ai", "intent": "question", "ai": {"confidence": 0.9}, "messages": [{"from": "customer", "text": "when do you open?"}]})
        }
        "review" => {
            json!({"id": "c-review", "intent": "refund", "messages": [{"from": "customer", "text": "refund please"}]})
        }
        "human" => json!({"id": "c-human", "intent": "question", "ai": {"confidence": 0.9},
            "messages": [{"from": "customer", "text": "my mum passed away"}]}),
        _ => json!({"id": "c-default", "intent": "question", "ai": {"confidence": 0.62}, "messages": []}),
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A temp dir with the set in `policies/` (the default directory).
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "policies/spec.policy", SET);
    dir
}

fn handoff(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handoff"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn handoff_with_stdin(dir: &Path, args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_handoff"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn lines_json(o: &Output) -> Vec<Value> {
    text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `eval --format json` of one conversation file.
fn eval_json(dir: &Path, name: &str, extra: &[&str]) -> Value {
    write(dir, name, &conversation_text(name));
    let mut args = vec!["eval", name, "--format", "json"];
    args.extend_from_slice(extra);
    let o = handoff(dir, &args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let all: Value = serde_json::from_slice(&o.stdout).unwrap();
    all[0].clone()
}

/// The text of `c/<which>.json`.
fn conversation_text(name: &str) -> String {
    let which = Path::new(name).file_stem().unwrap().to_str().unwrap();
    conversation(which).to_string()
}

// Commands: check

#[test]
fn check_exit_codes_and_json() {
    let dir = setup();
    let o = handoff(dir.path(), &["check"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "-p defaults to `policies`: {}",
        text(&o.stderr)
    );

    write(
        dir.path(),
        "warn/a.policy",
        "default human because \"d\"\nlexicon unused { \"a\" }\n",
    );
    let o = handoff(dir.path(), &["check", "-p", "warn", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "warnings allowed");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["code"], "unused-lexicon");
    assert_eq!(v["diagnostics"][0]["severity"], "warning");

    write(
        dir.path(),
        "bad/a.policy",
        "default human because \"d\"\nallow ai \"A\" { when nope > 1 because \"a\" }\n",
    );
    let o = handoff(dir.path(), &["check", "--policies", "bad", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let d = &v["diagnostics"][0];
    assert_eq!(
        (&d["severity"], &d["code"], &d["line"], &d["column"]),
        (&json!("error"), &json!("unknown-field"), &json!(2), &json!(21))
    );
    assert!(
        d["file"].as_str().unwrap().ends_with("a.policy") && d["message"].is_string(),
        "{d}"
    );

    let o = handoff(dir.path(), &["check", "--format", "human", "-p", "bad"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("unknown-field"), "{}", text(&o.stderr));

    assert_eq!(
        handoff(dir.path(), &["check", "-p", "no-such-dir"]).status.code(),
        Some(2),
        "could not run"
    );
}

// Commands: eval

#[test]
fn eval_formats_show_the_same_verdict() {
    let dir = setup();
    write(dir.path(), "c/ai.json", &conversation_text("ai"));
    let json = handoff(dir.path(), &["eval", "c/ai.json", "--format", "json"]);
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    let jsonl = lines_json(&handoff(dir.path(), &["eval", "c/ai.json", "--format", "jsonl"]));
    let yaml = handoff(dir.path(), &["eval", "c/ai.json", "--format", "yaml"]);
    let yaml: Value = serde_yaml::from_slice(&yaml.stdout).unwrap();
    assert_eq!(json, json!([jsonl[0].clone()]));
    assert_eq!(yaml, jsonl[0]);
    let table = handoff(dir.path(), &["eval", "c/ai.json"]);
    let table = text(&table.stdout);
    assert!(
        table.contains("c-ai") && table.contains("Questions") && table.contains(" ai "),
        "{table}"
    );
}

#[test]
fn eval_inputs_files_jsonl_directories_and_stdin() {
    let dir = setup();
    write(dir.path(), "in/one.yaml", "id: y1\nintent: refund\n");
    write(dir.path(), "in/two.json", &conversation_text("ai"));
    write(
        dir.path(),
        "in/more/lines.jsonl",
        &format!("{}\n{}\n", conversation("review"), conversation("human")),
    );
    let o = handoff(dir.path(), &["eval", "in", "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let mut ids: Vec<String> = lines_json(&o)
        .iter()
        .map(|v| v["conversation"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    assert_eq!(ids, ["c-ai", "c-human", "c-review", "y1"]);

    let input = format!("{}\n{}\n", conversation("ai"), conversation("default"));
    let o = handoff_with_stdin(dir.path(), &["eval", "-", "--format", "jsonl"], &input);
    assert_eq!(o.status.code(), Some(0));
    let routes: Vec<Value> = lines_json(&o).iter().map(|v| v["route"].clone()).collect();
    assert_eq!(routes, [json!("ai"), json!("human")]);
}

#[test]
fn eval_exit_codes() {
    let dir = setup();
    write(dir.path(), "c/ai.json", &conversation_text("ai"));
    write(
        dir.path(),
        "c/bad.jsonl",
        &format!("{}\n{{not json\n{}\n", conversation("ai"), conversation("review")),
    );
    let o = handoff(dir.path(), &["eval", "c/bad.jsonl", "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(1), "some input invalid");
    assert_eq!(lines_json(&o).len(), 2, "the rest still evaluated");
    assert!(text(&o.stderr).contains("c/bad.jsonl:2"), "{}", text(&o.stderr));

    write(dir.path(), "broken/a.policy", "allow ai {");
    assert_eq!(
        handoff(dir.path(), &["eval", "-p", "broken", "c/ai.json"])
            .status
            .code(),
        Some(2),
        "could not run"
    );
}

#[test]
fn eval_without_input_evaluates_the_shipped_samples() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = handoff(root, &["eval", "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let samples = std::fs::read_dir(root.join("samples")).unwrap().count();
    assert!(lines_json(&o).len() >= samples, "one verdict per shipped sample");
}

// Verdict JSON

#[test]
fn verdict_json_shape() {
    let dir = setup();
    let v = eval_json(dir.path(), "c/human.json", &[]);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let expected = [
        "conversation",
        "route",
        "queue",
        "priority",
        "say",
        "obligations",
        "tags",
        "decided_by",
        "matched",
        "justification",
        "unknown",
        "signals",
        "policy",
    ];
    assert_eq!(keys, expected, "the fields of INTERFACE.md, in its order");
    assert_eq!(v["conversation"], "c-human");
    assert_eq!(
        (&v["route"], &v["queue"], &v["priority"]),
        (&json!("human"), &json!("care"), &json!("urgent"))
    );
    assert_eq!(v["say"], "A colleague will take over.");
    assert_eq!(v["obligations"], json!([]), "none on the human route");
    let d = &v["decided_by"][0];
    let d_keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(d_keys, ["rule", "principle", "effect", "source", "reason"]);
    assert_eq!(
        (&d["rule"], &d["principle"], &d["effect"]),
        (&json!("Grief"), &json!("Care first"), &json!("require human"))
    );
    assert_eq!(d["source"], "policies/spec.policy:16:3");
    assert_eq!(d["reason"], "The customer wrote \"passed away\".");
    assert_eq!(
        v["matched"],
        json!(["Grief", "Questions"]),
        "every matching rule, the allow too"
    );
    assert!(
        v["justification"]
            .as_str()
            .unwrap()
            .contains("The customer wrote \"passed away\".")
    );
    assert!(v["unknown"].is_array() && v["signals"].is_object());
    assert_eq!(v["policy"]["version"], "s1");
    let digest = v["policy"]["digest"].as_str().unwrap();
    assert!(
        digest.len() >= 32 && digest.chars().all(|c| c.is_ascii_hexdigit()),
        "{digest}"
    );
}

#[test]
fn verdict_routes_obligations_and_the_default() {
    let dir = setup();
    let ai = eval_json(dir.path(), "c/ai.json", &[]);
    assert_eq!(
        (&ai["route"], &ai["obligations"]),
        (&json!("ai"), &json!(["disclose_ai", "offer_human"]))
    );
    let review = eval_json(dir.path(), "c/review.json", &[]);
    assert_eq!(
        (&review["route"], &review["obligations"]),
        (&json!("review"), &json!(["cite_policy", "disclose_ai", "offer_human"]))
    );
    // "`decided_by` is empty only when the default decided, and then `justification` carries the
    // default's reason."
    let default = eval_json(dir.path(), "c/default.json", &[]);
    assert_eq!(
        (&default["route"], &default["decided_by"]),
        (&json!("human"), &json!([]))
    );
    assert!(default["justification"].as_str().unwrap().contains("No rule applies."));
    for v in [&ai, &review] {
        assert!(!v["decided_by"].as_array().unwrap().is_empty());
    }
}

#[test]
fn digest_traces_the_exact_policy_text() {
    let dir = setup();
    let before = eval_json(dir.path(), "c/ai.json", &[])["policy"]["digest"].clone();
    assert_eq!(
        eval_json(dir.path(), "c/ai.json", &[])["policy"]["digest"],
        before,
        "stable"
    );
    write(
        dir.path(),
        "policies/spec.policy",
        &SET.replace("No rule applies.", "No rule applies!"),
    );
    assert_ne!(
        eval_json(dir.path(), "c/ai.json", &[])["policy"]["digest"],
        before,
        "one byte changed"
    );
}

#[test]
fn explain_every_rule_and_the_closest_allow() {
    // "`--explain` adds, for every rule, whether it matched and the value of each condition; for a
    // verdict that is not `ai`, it also names the `allow ai` rules that came closest and the
    // conditions that kept them from matching ("ai.confidence >= 0.85 was 0.62")."
    let dir = setup();
    let v = eval_json(dir.path(), "c/default.json", &["--explain"]);
    let x = v
        .as_object()
        .unwrap()
        .values()
        .find(|x| x.get("closest_allow").is_some())
        .unwrap();
    let rules: Vec<&str> = x["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["Grief", "Refunds", "Questions"]);
    assert!(x["rules"].as_array().unwrap().iter().all(|r| r["matched"] == false));
    let closest = &x["closest_allow"][0];
    assert_eq!(closest["rule"], "Questions");
    assert_eq!(closest["failing"], json!(["ai.confidence >= 0.85 was 0.62"]));

    let o = handoff(dir.path(), &["eval", "c/default.json", "--explain"]);
    let table = text(&o.stdout);
    for name in rules {
        assert!(table.contains(name), "the table names every rule: {table}");
    }
    assert!(table.contains("ai.confidence >= 0.85 was 0.62"), "{table}");
}

// test

/// `handoff test` exited 0 (all pass) or 1 (a failure), as `pass` says.
fn passes(o: &Output, pass: bool, what: &str) {
    let expected = if pass { 0 } else { 1 };
    assert_eq!(o.status.code(), Some(expected), "{what}: {}", text(&o.stdout));
}

#[test]
fn test_expectations_route_decided_by_and_queue() {
    let dir = setup();
    let cases = [
        (
            "pass-name.yaml",
            "id: p1\nintent: refund\nexpect:\n  route: review\n  decided_by: \"Refunds\"\n",
            true,
        ),
        (
            "pass-list.yaml",
            "id: p2\nmessages: [{from: customer, text: funeral on monday}]\nexpect:\n  route: human\n  decided_by: [\"Grief\"]\n  queue: care\n",
            true,
        ),
        (
            "fail-route.yaml",
            "id: f1\nintent: refund\nexpect:\n  route: ai\n",
            false,
        ),
        (
            "fail-queue.yaml",
            "id: f2\nintent: refund\nexpect:\n  route: review\n  queue: care\n",
            false,
        ),
    ];
    for (name, body, pass) in cases {
        write(dir.path(), &format!("t/{name}"), body);
        passes(&handoff(dir.path(), &["test", &format!("t/{name}")]), pass, name);
    }
    // A list is exactly these deciding rules; a name is one among them.
    write(
        dir.path(),
        "two/a.policy",
        "default human because \"d\"\ncontext { n : number }\nrequire human \"A\" { when n > 0 because \"a\" }\nrequire human \"B\" { when n > 0 because \"b\" }\n",
    );
    for (expect, pass) in [("\"B\"", true), ("[\"B\", \"A\"]", true), ("[\"A\"]", false)] {
        write(
            dir.path(),
            "two-c/c.yaml",
            &format!("id: x\nn: 1\nexpect:\n  route: human\n  decided_by: {expect}\n"),
        );
        passes(&handoff(dir.path(), &["test", "-p", "two", "two-c"]), pass, expect);
    }
    // "report ... which rules no test exercised"
    write(
        dir.path(),
        "one/p.yaml",
        "id: p1\nintent: refund\nexpect:\n  route: review\n",
    );
    let out = text(&handoff(dir.path(), &["test", "one"]).stdout);
    let unexercised = out.split("never matched").nth(1).unwrap_or("");
    assert!(
        unexercised.contains("Grief") && unexercised.contains("Questions") && !unexercised.contains("Refunds"),
        "{out}"
    );
}

// diff

fn diff_setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let old = "default human because \"d\"\ncontext { n : number }\nrequire human \"A\" { when n > 0 because \"a {n}\" queue \"q\" }\n\
               require human \"B\" { when n > 5 because \"b\" queue \"q\" }\nallow ai \"Low\" { when n < 0 because \"low\" }\n";
    let new = "default human because \"d, reworded\"\ncontext { n : number }\nrequire human \"A\" { when n > 0 because \"reworded {n}\" queue \"q\" }\n\
               require human \"B\" { when n > 1 because \"b\" queue \"q\" }\nrequire human \"C\" { when n > 8 because \"c\" queue \"q2\" priority high }\n\
               require review \"Low\" { when n < 0 because \"low\" }\nallow ai \"Negative\" { when n < 0 because \"neg\" }\n";
    write(dir.path(), "old/a.policy", old);
    write(dir.path(), "new/a.policy", new);
    let ids = [("same", 1), ("rules", 3), ("queue", 9), ("default", 0), ("route", -1)];
    let lines: Vec<String> = ids
        .iter()
        .map(|(id, n)| json!({"id": id, "n": n}).to_string())
        .collect();
    write(dir.path(), "c.jsonl", &(lines.join("\n") + "\n"));
    dir
}

#[test]
fn diff_counts_and_changes_in_json() {
    // "A conversation is *changed* when its route, queue or deciding rules differ."
    let dir = diff_setup();
    let o = handoff(
        dir.path(),
        &["diff", "--base", "old", "-p", "new", "c.jsonl", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((&v["total"], &v["unchanged"]), (&json!(5), &json!(2)));
    assert_eq!(v["transitions"], json!({"ai->review": 1}));
    let changed: Vec<&str> = v["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["conversation"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["rules", "queue", "route"]);
    let first = &v["changed"][0];
    assert_eq!(
        (&first["before"]["conversation"], &first["after"]["conversation"]),
        (&json!("rules"), &json!("rules"))
    );
    assert_eq!(
        first["after"]["decided_by"].as_array().unwrap().len(),
        2,
        "a full verdict"
    );
}

#[test]
fn diff_table_and_markdown_show_counts_then_both_justifications() {
    let dir = diff_setup();
    for format in ["table", "markdown"] {
        let o = handoff(
            dir.path(),
            &["diff", "--base", "old", "-p", "new", "c.jsonl", "--format", format],
        );
        assert_eq!(o.status.code(), Some(0));
        let out = text(&o.stdout);
        let counts = out.find('5').unwrap();
        let change = out.find("route").unwrap();
        assert!(counts < change, "{format}: counts first\n{out}");
        assert!(
            out.contains("low (rule \"Low\", old/a.policy:5:1)")
                && out.contains("low (rule \"Low\", new/a.policy:6:1)"),
            "{format}\n{out}"
        );
        assert!(
            !out.contains("reworded 1"),
            "an unchanged conversation is not listed: {out}"
        );
    }
}

// fmt

#[test]
fn fmt_rewrites_keeps_comments_and_check_lists_files() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "policies/a.policy",
        "default human because \"d\"   # why\nallow ai \"A\" {when true because \"x\"}\n",
    );
    write(dir.path(), "policies/b.policy", "default human because \"d\"\n");
    let o = handoff(dir.path(), &["fmt", "--check"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o.stdout).lines().collect::<Vec<_>>(), ["a.policy"]);
    assert!(
        std::fs::read_to_string(dir.path().join("policies/a.policy"))
            .unwrap()
            .contains("{when"),
        "--check changes nothing"
    );
    assert_eq!(handoff(dir.path(), &["fmt"]).status.code(), Some(0));
    let formatted = std::fs::read_to_string(dir.path().join("policies/a.policy")).unwrap();
    assert!(
        formatted.contains("# why") && formatted.contains("\n  when true\n"),
        "{formatted}"
    );
    assert_eq!(handoff(dir.path(), &["fmt", "--check"]).status.code(), Some(0));
}

// serve --stdio and the decision log: the same verdict JSON everywhere

#[test]
fn stdio_and_decision_log_carry_the_eval_verdict() {
    let dir = setup();
    let which = ["ai", "review", "human", "default"];
    let input: String = which.iter().map(|w| conversation(w).to_string() + "\n").collect();
    write(dir.path(), "c.jsonl", &input);
    let eval = lines_json(&handoff(dir.path(), &["eval", "c.jsonl", "--format", "jsonl"]));
    let log = dir.path().join("decisions.jsonl");
    let args = [
        "serve",
        "--stdio",
        "--no-watch",
        "--decision-log",
        log.to_str().unwrap(),
    ];
    let o = handoff_with_stdin(dir.path(), &args, &input);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let served = lines_json(&o);
    assert_eq!(served, eval, "one verdict per line, in order, as eval writes it");
    let logged: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(logged.len(), eval.len());
    for (entry, verdict) in logged.iter().zip(&eval) {
        for (key, value) in verdict.as_object().unwrap() {
            assert_eq!(&entry[key], value, "{key}");
        }
        let texts = entry["input"]["messages"].as_array().unwrap();
        assert!(
            texts.iter().all(|m| m.get("text").is_none()),
            "message texts left out without --log-text: {entry}"
        );
    }
}

// Library

#[test]
fn policy_set_is_send_sync_and_evaluate_never_fails() {
    fn shared<T: Send + Sync>() {}
    shared::<handoff::PolicySet>();
    let set = handoff::PolicySet::from_sources([("spec.policy", SET)]).unwrap();
    for odd in [
        "{}",
        r#"{"messages": 5}"#,
        r#"{"messages": [1, null, {"from": 3}]}"#,
        r#"{"ai": "x", "signals": []}"#,
    ] {
        let c: handoff::Conversation = serde_json::from_str(odd).unwrap();
        let verdict = set.evaluate(&c);
        assert_eq!(verdict.route, handoff::Route::Human, "{odd}");
        assert!(
            serde_json::to_string(&verdict)
                .unwrap()
                .starts_with("{\"conversation\":")
        );
    }
    let dir = setup();
    let loaded = handoff::PolicySet::load(dir.path().join("policies")).unwrap();
    assert_eq!(
        loaded.digest(),
        set.digest(),
        "the digest depends on names relative to the set and texts"
    );
}
