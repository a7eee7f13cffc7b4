//! One mistake, one diagnostic; every mistake in one run (LANGUAGE.md §8): recovery inside
//! `context` blocks and rules, and policy files that are not UTF-8.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use handoff::{Analysis, Source};
use std::process::Command;

fn diagnostics(text: &str) -> Vec<(&'static str, usize)> {
    let a = Analysis::new(vec![Source::new("p.policy", text)]);
    a.diagnostics
        .iter()
        .map(|d| (d.code.as_str(), d.span.map_or(0, |s| a.sources[0].line_col(s.start as usize).0)))
        .collect()
}

const USES: &str = r#"
default human because "A person decides."
lexicon refund { "refund" }
require human "Flagged" {
  when account.flags contains "fraud" or customer.vulnerable or customer.tier == "premier"
  because "Flags {account.flags}, tier {customer.tier}."
}
allow ai "Sure" {
  when ai.confidence >= 0.9 and any customer message mentions refund
  because "Sure."
}
"#;

fn with_context(fields: &str) -> String {
    format!("context {{\n{fields}\n}}\n{USES}")
}

#[test]
fn a_broken_declaration_is_one_diagnostic() {
    let good = "  customer.vulnerable : bool = false\n  ai.confidence : number = 0";
    for broken in [
        "  account.flags : lsit\n  customer.tier : one of [\"a\", \"premier\"] = \"a\"",
        "  account.flags : list = []\n  customer.tier : one of [\"a\" \"premier\"] = \"a\"",
        "  account.flags : list = [\"a\" \"b\"]\n  customer.tier : string = \"a\"",
        "  account.flags : list = []\n  customer.tier : one of [\"a\", \"premier\"] = ",
        "  account.flags list\n  customer.tier : string = \"a\"",
        "  account.flags : list = []\n  customer.tier : enum",
    ] {
        for text in [with_context(&format!("{broken}\n{good}")), with_context(&format!("{good}\n{broken}"))] {
            let found = diagnostics(&text);
            assert_eq!(found.len(), 1, "{text}\n{found:?}");
            assert_eq!(found[0].0, "syntax", "{text}");
        }
    }
}

#[test]
fn each_broken_declaration_of_a_block_is_reported() {
    let text = with_context(
        "  account.flags : lsit\n  customer.vulnerable : bool = flase\n  ai.confidence : number = 0\n  customer.tier : one of [\"premier\" \"a\"]",
    );
    let found = diagnostics(&text);
    assert_eq!(found, vec![("syntax", 2), ("syntax", 3), ("syntax", 5)], "{found:?}");
}

#[test]
fn a_rule_with_four_mistakes_gets_four_diagnostics_in_one_run() {
    let text = r#"default human because "A person decides."
context { ai.confidence : number = 0 }
require review "Unsure billing" {
  when ai.confidence < 0.5
  priority hgh
  queue "billing
  because "The assistant is {ai.confidence} sure."
  tag "billing" ;
  say 'A colleague will check this.'
}
"#;
    let found = diagnostics(text);
    assert_eq!(found, vec![("syntax", 5), ("syntax", 6), ("syntax", 8), ("syntax", 9)], "{found:?}");
}

#[test]
fn the_clauses_that_parse_are_still_checked() {
    // a bad priority, and an unknown field in the `when` of the same rule: two mistakes
    let text = r#"default human because "A person decides."
require human "Two" {
  when customer.vulnerabel
  priority hgh
  because "Because {customer.tier}."
}
"#;
    let found = diagnostics(text);
    assert_eq!(found, vec![("unknown-field", 3), ("syntax", 4), ("unknown-placeholder", 5)], "{found:?}");
    // inside a principle too, next to a good rule
    let text = format!(
        "default human because \"d\"\nprinciple \"P\" {{\n  require human \"Good\" {{\n    when true\n    because \"g\"\n  }}\n{}}}\n",
        text.lines().skip(1).collect::<Vec<_>>().join("\n")
    );
    let found = diagnostics(&text);
    assert_eq!(found, vec![("unknown-field", 8), ("syntax", 9), ("unknown-placeholder", 10)], "{found:?}");
}

#[test]
fn a_broken_rule_or_lexicon_gives_no_follow_on_diagnostics() {
    let text = r#"default human because "A person decides."
lexicon legal { "lawyer" "ombudsman" }
lexicon threats { "sue" }
require human "Legal" {
  when any customer message mentions legal or any customer message mentions threats or
  because "The customer wrote \"{matched}\"."
  must offer_callback
}
"#;
    let found = diagnostics(text);
    assert_eq!(found, vec![("syntax", 2), ("syntax", 6)], "{found:?}");
}

#[test]
fn a_file_that_is_not_utf8_is_a_syntax_error_at_its_first_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.policy"),
        b"default human because \"A person decides.\"\nlexicon fr { \"caf\xe9\", \"cr\xe8me\" }\n",
    )
    .unwrap();
    // the rest of the set is still checked
    std::fs::write(
        dir.path().join("b.policy"),
        "require human \"French\" {\n  when any customer message mentions fr and nope\n  because \"b\"\n}\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(["check", "--format", "json", "-p"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let json: serde_json::Value = text
        .lines()
        .find_map(|l| serde_json::from_str(l).ok().filter(serde_json::Value::is_object))
        .or_else(|| serde_json::from_str(&text).ok())
        .unwrap_or_else(|| panic!("no JSON in {text}"));
    let all = json["diagnostics"].as_array().unwrap_or_else(|| panic!("{json}"));
    let found: Vec<(String, String, u64, u64)> = all
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or("").to_string();
            (s("code"), s("file"), d["line"].as_u64().unwrap_or(0), d["column"].as_u64().unwrap_or(0))
        })
        .collect();
    assert!(found.iter().any(|(c, f, l, col)| c == "syntax" && f.ends_with("a.policy") && (*l, *col) == (2, 18)), "{found:?}");
    assert!(found.iter().any(|(c, f, l, _)| c == "unknown-field" && f.ends_with("b.policy") && *l == 2), "{found:?}");
    assert_eq!(found.len(), 2, "{found:?}");
}

#[test]
fn every_mistake_among_a_lexicons_phrases_is_reported() {
    let text = "default human because \"d\"\nlexicon legal {\n  \"lawyer\" \"court\",\n  'sue',\n  \"ombudsman\",\n  \"claim\" x\n}\nrequire human \"L\" {\n  when any customer message mentions legal\n  because \"b\"\n}\n";
    let found = diagnostics(text);
    assert_eq!(found, vec![("syntax", 3), ("syntax", 4), ("syntax", 6)], "{found:?}");
}
