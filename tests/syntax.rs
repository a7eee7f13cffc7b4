#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
//! The syntax stage: every construct of LANGUAGE.md, precedence, and error messages.

use handoff::ast::*;
use handoff::diagnostic::{Code, Diagnostic};
use handoff::syntax::parse;

const EXAMPLE: &str = include_str!("../tests/fixtures/language_example.policy");

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
