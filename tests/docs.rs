//! The project's own reference (docs/LANGUAGE.md, docs/INTERFACE.md, README.md): every
//! ```policy block is a policy set that checks without errors; every ```yaml conversation
//! block is evaluated under the policy block before it, and the fields of the ```json verdict
//! block that follows are compared with the real verdict.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use handoff::{Analysis, Conversation, PolicySet, Source};
use serde_json::Value;

/// Fenced blocks: (info string, text, line of the fence).
fn blocks(markdown: &str) -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    let mut open: Option<(String, String, usize)> = None;
    for (n, line) in markdown.lines().enumerate() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => open = Some((info.trim().to_string(), String::new(), n + 1)),
            (Some(_), Some("")) => out.extend(open.take()),
            (Some((_, text, _)), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "an unclosed code block");
    out
}

fn names(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.get("rule").unwrap_or(x).as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

/// Checks one document; returns how many policies and verdicts it checked.
fn check_document(path: &str) -> (usize, usize) {
    let text = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut set: Option<PolicySet> = None;
    let mut conversation: Option<(Conversation, usize)> = None;
    let (mut policies, mut verdicts) = (0, 0);
    for (info, body, line) in blocks(&text) {
        let at = format!("{path}:{line}");
        match info.as_str() {
            "policy" => {
                let analysis = Analysis::new(vec![Source::new("example.policy", body.clone())]);
                assert!(!analysis.has_errors(), "{at}: the example does not check:\n{}", analysis.render(false, 100));
                set = Some(analysis.compile().unwrap());
                policies += 1;
            }
            "yaml conversation" => {
                let c: Conversation = serde_yaml::from_str(&body).unwrap_or_else(|e| panic!("{at}: {e}"));
                conversation = Some((c, line));
            }
            "json verdict" => {
                let expected: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{at}: {e}"));
                let (c, _) = conversation.take().unwrap_or_else(|| panic!("{at}: a verdict without a conversation before it"));
                let set = set.as_ref().unwrap_or_else(|| panic!("{at}: a verdict without a policy before it"));
                let actual = serde_json::to_value(set.evaluate(&c)).unwrap();
                for (key, want) in expected.as_object().unwrap() {
                    let got = &actual[key];
                    match key.as_str() {
                        "decided_by" | "matched" | "obligations" | "tags" | "unknown" => {
                            assert_eq!(names(got), names(want), "{at}: `{key}` of {actual:#}")
                        }
                        _ => assert_eq!(got, want, "{at}: `{key}` of {actual:#}"),
                    }
                }
                verdicts += 1;
            }
            _ => {}
        }
    }
    (policies, verdicts)
}

#[test]
fn language_md_examples_check_and_evaluate_as_shown() {
    let (policies, verdicts) = check_document("docs/LANGUAGE.md");
    assert!(policies >= 8 && verdicts >= 10, "{policies} policies, {verdicts} verdicts");
}

#[test]
fn interface_md_examples_check_and_evaluate_as_shown() {
    let (policies, verdicts) = check_document("docs/INTERFACE.md");
    assert!(policies >= 1 && verdicts >= 1, "{policies} policies, {verdicts} verdicts");
}

#[test]
fn readme_links_the_reference_in_the_repository() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(!readme.contains("shared/spec"), "README.md links outside the repository");
    for doc in ["docs/LANGUAGE.md", "docs/INTERFACE.md", "docs/openapi.yaml", "editors/"] {
        assert!(readme.contains(doc), "README.md does not link {doc}");
    }
}
