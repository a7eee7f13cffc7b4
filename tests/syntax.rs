#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
//! The syntax stage: every construct of LANGUAGE.md, precedence, and error messages.

use handoff::ast::*;
use handoff::diagnostic::{Code, Diagnostic};
use handoff::syntax::parse;

/// LANGUAGE.md §1, verbatim.
const EXAMPLE: &str = r##"# policies/care.policy
policy "Human-first care" {
  owner   "CX Leadership Council"
  version "2026.11"
  ai_must disclose_ai            # added to every verdict in which the AI talks to the customer
}

default human because "No rule allows the assistant to handle this conversation on its own."

context {
  customer.id          : string
  customer.vulnerable  : bool = false
  customer.tier        : one of ["standard", "plus", "premier"] = "standard"
  customer.contacts_7d : number = 0
  intent               : string
  ai.confidence        : number
}

lexicon self_harm   { "kill myself", "end it all", "suicidal", "don't want to live", "hurt myself" }
lexicon bereavement { "passed away", "died", "funeral", "bereavement", "my late" }

principle "Safety and vulnerability are never automated" {
  require human "Self-harm risk" {
    when any customer message mentions self_harm
    priority urgent
    queue "crisis-support"
    say "I'm connecting you with a colleague right now."
    because "The customer wrote \"{matched}\", which may signal a risk to their safety."
  }

  require human "Vulnerable customer" {
    when customer.vulnerable or any customer message mentions bereavement
    queue "care-team"
    because "The customer is in vulnerable circumstances."
  }

  require human "Asked for a person" {
    when signals.human_requested
    because "The customer asked to speak to a person."
  }
}

principle "Empathy before efficiency" {
  require human "High emotional load" {
    when signals.distress >= 0.7
    priority high
    because "Emotional load is high (distress {signals.distress})."
  }

  require review "Frustration building" {
    when count(customer messages where sentiment <= -0.4) >= 2
    because "The customer has been negative repeatedly; a person approves each AI reply."
  }
}

principle "AI handles routine work" {
  allow ai "Routine billing fixes" {
    when intent in ["billing_error", "duplicate_charge", "invoice_copy"]
     and ai.confidence >= 0.85
     and signals.sentiment > -0.3
    unless customer.tier == "premier"
    must offer_human
    because "Routine billing request ({intent}) that the assistant is confident about."
  }
}
"##;

fn ok(text: &str) -> File {
    let (file, diags) = parse(0, text);
    assert!(diags.is_empty(), "unexpected diagnostics for:\n{text}\n{diags:#?}");
    file
}

fn errors(text: &str) -> Vec<Diagnostic> {
    let (_, diags) = parse(0, text);
    assert!(!diags.is_empty(), "expected a syntax error for:\n{text}");
    for d in &diags {
        assert_eq!(d.code, Code::Syntax, "{d:?}");
    }
    diags
}

#[test]
fn language_example_parses() {
    let file = ok(EXAMPLE);
    println!("{file:#?}");
}

/// Every `.policy` file under `dir`, recursively.
fn policy_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            policy_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "policy") {
            out.push(path);
        }
    }
}

#[test]
fn shipped_policies_parse() {
    let mut files = Vec::new();
    policy_files(std::path::Path::new("policies"), &mut files);
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let (_, diags) = parse(0, &text);
        assert!(diags.is_empty(), "{}: {diags:#?}", path.display());
    }
}

#[test]
fn corpus_syntax_errors_only_where_expected() {
    let mut files = Vec::new();
    policy_files(std::path::Path::new("tests/corpus"), &mut files);
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let (_, diags) = parse(0, &text);
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.contains("syntax") && !name.contains("many-mistakes") {
            assert!(diags.is_empty(), "{}: {diags:#?}", path.display());
        }
        let sources = [handoff::source::Source::new(name, text)];
        print!("{}", handoff::diagnostic::render(&diags, &sources, false, 100));
    }
}

#[test]
fn scratch_print_errors() {
    let cases = [
        "allow human \"x\" {\n  when a\n  because \"y\"\n}\n",
        "require ai \"x\" {\n  when a\n  because \"y\"\n}\n",
        "require human \"x\" {\n  when a < b < c\n  because \"y\"\n}\n",
        "require human \"x\" {\n  when a\n  foo \"bar\"\n  because \"y\"\n}\n",
        "require human \"x\" {\n  when a b\n  because \"y\"\n}\n",
        "require human \"x\" {\n  when a = 1\n  because \"y\"\n}\n",
        "require human \"x\" {\n  when a\n  because \"y\"\n\nrequire human \"z\" {\n  when b\n  because \"y\"\n}\n",
        "principle \"P\" {\n  require human \"x\" {\n    when a\n    because \"y\"\n\n  require human \"z\" {\n    when b\n    because \"y\"\n  }\n}\nlexicon l { \"a\" }\n",
        "principle \"P\" {\n  require human \"x\" {\n    when a\n    bogus 1\n  }\n  require human \"z\" {\n    when b\n    because \"y\"\n  }\n}\n",
        "require human \"x\" {\n  when a\n  when b\n  because \"y\"\n}\n",
        "default allow because \"x\"\n",
        "context {\n  a : int\n}\n",
        "require human \"x\" {\n  when any customer message mention l\n}\n",
        "require human \"x\" {\n  when (a and b\n  because \"y\"\n}\n",
        "require human \"x\" {\n  when a and\n  because \"y\"\n}\n",
        "foo bar\n",
        "require human \"x\" {\n  priority critical\n}\n",
        "require human \"x\" {\n  when x == 'a'\n}\n",
        "require human \"x\" {\n  when x == \"abc\n}\n",
    ];
    for c in cases {
        let (_, diags) = parse(0, c);
        let sources = [handoff::source::Source::new("t.policy", c)];
        println!("=====\n{c}---\n{}", handoff::diagnostic::render(&diags, &sources, false, 100));
    }
}
