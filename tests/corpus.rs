//! The diagnostics corpus: every `tests/corpus/*.policy` file is checked on its own, and what a
//! user would see (no colour, 80 columns) is snapshotted under `tests/snapshots/`.
//!
//! - a fixture named after a code (`unknown-field.policy`) must produce that code;
//! - `clean-*.policy` fixtures must produce nothing at all;
//! - `many-mistakes.policy` must report at least six different errors in one run;
//! - every code of LANGUAGE.md §8 has a fixture.
//!
//! A fixture without an accepted snapshot fails under `CI=true`; to record new ones, run
//! `INSTA_UPDATE=always cargo test --test corpus` and read the `.snap` files as a user would.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use handoff::diagnostic::{self, Code};
use handoff::{Analysis, Diagnostic, Severity, Source};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// Every fixture: its name without `.policy`, and its text.
fn fixtures() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "policy"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

fn analyse(name: &str, text: &str) -> Analysis {
    Analysis::new(vec![Source::new(format!("{name}.policy"), text)])
}

fn codes(diagnostics: &[Diagnostic]) -> BTreeSet<&'static str> {
    diagnostics.iter().map(|d| d.code.as_str()).collect()
}

#[test]
fn snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for (name, text) in fixtures() {
            let a = analyse(&name, &text);
            let mut shown = diagnostic::render(&a.diagnostics, &a.sources, false, 80);
            shown.push_str(&diagnostic::summary(&a.diagnostics));
            shown.push('\n');
            insta::assert_snapshot!(format!("corpus__{name}"), shown);
        }
    });
}

#[test]
fn each_code_fixture_produces_its_code() {
    for (name, text) in fixtures() {
        let Some(code) = Code::ALL.iter().find(|c| c.as_str() == name) else {
            continue;
        };
        let a = analyse(&name, &text);
        let found = codes(&a.diagnostics);
        assert!(
            found.contains(code.as_str()),
            "`{name}.policy` should report `{code}`, got {found:?}"
        );
        // Each fixture is about its own code only (a set without a default also lacks rules'
        // justification for nothing else).
        let others: Vec<_> = found.iter().filter(|c| **c != code.as_str()).collect();
        assert!(
            others.is_empty(),
            "`{name}.policy` should report only `{code}`, also got {others:?}"
        );
    }
}

#[test]
fn clean_fixtures_are_clean() {
    let mut seen = 0;
    for (name, text) in fixtures().into_iter().filter(|(n, _)| n.starts_with("clean-")) {
        let a = analyse(&name, &text);
        assert!(
            a.diagnostics.is_empty(),
            "`{name}.policy` should be clean:\n{}",
            diagnostic::render(&a.diagnostics, &a.sources, false, 80)
        );
        seen += 1;
    }
    assert!(seen >= 4, "expected several clean fixtures, found {seen}");
}

#[test]
fn many_mistakes_are_all_reported() {
    let text = std::fs::read_to_string(corpus_dir().join("many-mistakes.policy")).unwrap();
    let a = analyse("many-mistakes", &text);
    let errors: BTreeSet<_> = a.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.code).collect();
    assert!(
        errors.len() >= 6,
        "expected six or more different errors, got {errors:?}"
    );
    for d in &a.diagnostics {
        assert!(d.span.is_some() || d.code == Code::MissingDefault, "{d:?} has no place");
        assert!(d.help.is_some(), "{d:?} has no help");
    }
}

#[test]
fn every_code_has_a_fixture() {
    let names: BTreeSet<String> = fixtures().into_iter().map(|(n, _)| n).collect();
    for code in Code::ALL.iter().filter(|c| **c != Code::Io) {
        assert!(names.contains(code.as_str()), "no fixture `tests/corpus/{code}.policy`");
    }
}

#[test]
fn every_diagnostic_has_a_label_and_help() {
    for (name, text) in fixtures() {
        let a = analyse(&name, &text);
        for d in &a.diagnostics {
            // syntax errors come from the parser, which words its own help where it has one
            assert!(
                d.help.is_some() || d.code == Code::Syntax,
                "`{name}`: {} has no help",
                d.message
            );
            assert!(
                d.span.is_none() || d.label.is_some() || d.code == Code::Syntax,
                "`{name}`: {} has no label",
                d.message
            );
            let first = d.message.chars().next().unwrap();
            assert!(
                !first.is_uppercase(),
                "`{name}`: message should start lowercase: {}",
                d.message
            );
            assert!(
                !d.message.ends_with('.'),
                "`{name}`: message should not end with a period: {}",
                d.message
            );
        }
    }
}

#[test]
fn json_shape() {
    let text =
        "default human because \"x\"\n\nrequire human \"A\" {\n  when customer.tier == \"plus\"\n  because \"y\"\n}\n";
    let a = analyse("shape", text);
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code == Code::UnknownField)
        .expect("an unknown-field diagnostic");
    let json = serde_json::to_value(d.to_json(&a.sources)).unwrap();
    let object = json.as_object().unwrap();
    let keys: BTreeSet<&str> = object.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        BTreeSet::from(["severity", "code", "message", "file", "line", "column", "help"])
    );
    assert_eq!(json["severity"], "error");
    assert_eq!(json["code"], "unknown-field");
    assert_eq!(json["message"], "unknown field `customer.tier`");
    assert_eq!(json["file"], "shape.policy");
    assert_eq!(json["line"], 4, "lines are 1-based");
    assert_eq!(json["column"], 8, "columns are 1-based");
    assert!(json["help"].is_string());

    // a set-wide problem has no place
    let a = analyse("empty", "");
    let d = a.diagnostics.iter().find(|d| d.code == Code::MissingDefault).unwrap();
    let json = serde_json::to_value(d.to_json(&a.sources)).unwrap();
    assert_eq!(json["severity"], "error");
    assert!(json["file"].is_null() && json["line"].is_null() && json["column"].is_null());

    // warnings say so
    let a = analyse("warn", "default human because \"x\"\nlexicon l { \"a\" }\n");
    let d = &a.diagnostics[0];
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!(
        serde_json::to_value(d.to_json(&a.sources)).unwrap()["severity"],
        "warning"
    );
}

#[test]
fn problems_across_files() {
    let a = Analysis::new(vec![
        Source::new(
            "b/care.policy",
            "default review because \"x\"\nrequire human \"Refunds\" {\n  when true\n  because \"y\"\n}\n",
        ),
        Source::new(
            "a/billing.policy",
            "default human because \"x\"\nallow ai \"Refund fixes\" {\n  when intent == \"refund\"\n  because \"z\"\n}\n\
             require review \"Refunds\" {\n  when intent == \"chargeback\"\n  because \"w\"\n}\n\
             context { intent : string = \"none\" }\n",
        ),
    ]);
    let found: Vec<_> = a.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(
        found,
        ["shadowed-allow", "multiple-defaults", "duplicate-rule"],
        "in path order: a/ then b/"
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::assert_snapshot!(
            "corpus__across-files",
            diagnostic::render(&a.diagnostics, &a.sources, false, 80)
        );
    });
}

/// `shadowed-allow` is found whichever way the premise pins the field the require tests first
/// (the checker files requires by the values their first test allows), and not where a value of
/// the allow escapes the require.
#[test]
fn shadowed_allow_by_values() {
    let cases = [
        (r#"intent == "a""#, r#"intent in ["b", "a"]"#, true),
        (r#"intent in ["a", "b"]"#, r#"intent in ["a", "b", "c"]"#, true),
        (r#"intent in ["a", "b"]"#, r#"intent in ["b", "c"]"#, false),
        (r#"intent in ["a", "b"] and intent != "a""#, r#"intent == "b""#, true),
        (r#"tier != "c""#, r#"tier in ["a", "b"]"#, true),
        (r#"tier != "c""#, r#"tier == "a""#, false),
        (r#"flag and n > 2"#, r#"flag"#, true),
        (r#"flag"#, r#"not flag"#, false),
        (r#"n == 2 and intent == "a""#, r#"n == 2 and intent in ["a"]"#, true),
        (r#"n > 1 and intent == "a""#, r#"n > 0 and intent in ["a"]"#, true),
        (r#"n >= 1 and n <= 3"#, r#"n > 0"#, true),
        (r#"intent == "a""#, r#"tier != "c" or intent == "a""#, true),
    ];
    for (allow, require, shadowed) in cases {
        let text = format!(
            "default human because \"d\"\n\
             context {{ intent : string  tier : one of [\"a\", \"b\", \"c\"]  flag : bool = false  n : number }}\n\
             require review \"Other\" {{ when intent == \"z\" and n > 7 because \"o\" }}\n\
             allow ai \"Allow\" {{ when {allow} because \"a\" }}\n\
             require review \"Require\" {{ when {require} because \"r\" }}\n"
        );
        let a = analyse("p", &text);
        assert!(!a.has_errors(), "{text}");
        let found = a.diagnostics.iter().any(|d| d.code == Code::ShadowedAllow);
        assert_eq!(found, shadowed, "allow `{allow}`, require `{require}`");
    }
}

/// The warnings that claim certainty must be right: whenever the checker says a `when` can never
/// hold, or that an `allow ai` is always overridden, no conversation may reach route `ai`
/// through that rule. Checked by evaluating every combination of interesting values.
mod soundness {
    use super::*;
    use handoff::{Conversation, PolicySet, Route};
    use proptest::prelude::*;

    const NUMBERS: [f64; 9] = [-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0];
    const TIERS: [&str; 3] = ["a", "b", "c"];

    fn atom() -> impl Strategy<Value = String> {
        let op = prop::sample::select(vec!["==", "!=", "<", "<=", ">", ">="]);
        let n = prop::sample::select(vec!["0", "1", "2", "3"]);
        let tier = prop::sample::select(vec!["\"a\"", "\"b\"", "\"c\""]);
        let list = prop::collection::vec(prop::sample::select(vec!["\"a\"", "\"b\"", "\"c\""]), 1..3);
        prop_oneof![
            (op, n.clone()).prop_map(|(op, n)| format!("num {op} {n}")),
            (n, prop::sample::select(vec!["<", ">="])).prop_map(|(n, op)| format!("{n} {op} num")),
            (prop::sample::select(vec!["==", "!="]), tier).prop_map(|(op, t)| format!("tier {op} {t}")),
            (any::<bool>(), list).prop_map(|(not, l)| format!(
                "tier {}in [{}]",
                if not { "not " } else { "" },
                l.join(", ")
            )),
            prop::sample::select(vec![
                "flag",
                "not flag",
                "flag == false",
                "num is missing",
                "num is present"
            ])
            .prop_map(str::to_string),
        ]
    }

    fn condition() -> impl Strategy<Value = String> {
        let conj = || prop::collection::vec(atom(), 1..5).prop_map(|a| a.join(" and "));
        prop_oneof![
            3 => conj(),
            1 => (conj(), conj()).prop_map(|(a, b)| format!("({a}) or ({b})")),
            1 => conj().prop_map(|a| format!("not ({a}) and flag")),
        ]
    }

    fn conversations() -> Vec<Conversation> {
        let mut out = Vec::new();
        for n in NUMBERS
            .iter()
            .map(|n| serde_json::json!(n))
            .chain([serde_json::Value::Null])
        {
            for t in TIERS {
                for f in [true, false] {
                    let json = serde_json::json!({ "id": "c", "num": n, "tier": t, "flag": f, "messages": [] });
                    out.push(serde_json::from_value(json).unwrap());
                }
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn certain_warnings_are_true(allow in condition(), require in condition()) {
            let text = format!(
                "default human because \"d\"\n\
                 context {{\n  num : number\n  tier : one of [\"a\", \"b\", \"c\"]\n  flag : bool = false\n}}\n\
                 allow ai \"Allow\" {{\n  when {allow}\n  because \"a\"\n}}\n\
                 require review \"Require\" {{\n  when {require}\n  because \"r\"\n}}\n"
            );
            let a = analyse("p", &text);
            prop_assert!(!a.has_errors(), "{}\n{}", text, diagnostic::render(&a.diagnostics, &a.sources, false, 100));
            let allow_never = a.diagnostics.iter().any(|d| {
                d.code == Code::ShadowedAllow || (d.code == Code::Contradiction && d.message.contains("`Allow`"))
            });
            if allow_never {
                let set = PolicySet::from_sources([("p.policy", text.as_str())]).unwrap();
                for c in conversations() {
                    let v = set.evaluate(&c);
                    prop_assert!(v.route != Route::Ai, "warned, yet route ai for {:?}\n{}", c.data, text);
                }
            }
            // a `require` that can never hold still matches on unknown data, never on known data
            let require_never = a.diagnostics.iter().any(|d| d.code == Code::Contradiction && d.message.contains("`Require`"));
            if require_never {
                let set = PolicySet::from_sources([("p.policy", text.as_str())]).unwrap();
                for c in conversations().into_iter().filter(|c| !c.data["num"].is_null()) {
                    let v = set.evaluate(&c);
                    prop_assert!(v.route != Route::Review, "warned, yet route review for {:?}\n{}", c.data, text);
                }
            }
        }
    }
}
