//! The shipped policy set against the shipped sample conversations.
//!
//! Every file in `samples/` carries an `expect:` block (route, and optionally `decided_by`,
//! `queue`, `priority`, `obligations`). This test checks each one, checks that every rule of
//! `policies/` decides at least one sample and that some sample falls to the default, and
//! snapshots each verdict (with the policy digest redacted) under `tests/snapshots/`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use handoff::{Conversation, PolicySet};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

// Relative paths: cargo runs tests from the package root, and verdicts cite `policies/…` as a
// user sees them, so the snapshots do not depend on where the checkout lives.
const POLICIES: &str = "policies";
const SAMPLES: &str = "samples";

/// One sample file: its name (without extension) and the conversation read from it.
struct Sample {
    name: String,
    path: PathBuf,
    conversation: Conversation,
}

fn load_set() -> PolicySet {
    match PolicySet::load(POLICIES) {
        Ok(set) => set,
        Err(e) => panic!("the shipped policy set does not load:\n{}", e.rendered()),
    }
}

fn load_samples() -> Vec<Sample> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(SAMPLES)
        .expect("samples/ is readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            )
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let conversation = if path.extension().is_some_and(|e| e == "json") {
                Conversation::from_json(&text)
            } else {
                Conversation::from_yaml(&text)
            };
            let conversation = conversation.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            Sample {
                name,
                path,
                conversation,
            }
        })
        .collect()
}

/// A string or a list of strings from the `expect:` block, as a set.
fn string_set(value: &Value) -> Option<BTreeSet<String>> {
    value.as_array().map(|items| {
        items
            .iter()
            .map(|v| v.as_str().expect("a list of strings").to_string())
            .collect()
    })
}

/// Checks a verdict against the sample's `expect:` block; returns every failure.
fn check_expect(sample: &Sample, set: &PolicySet) -> Vec<String> {
    let expect = sample
        .conversation
        .expect
        .as_ref()
        .unwrap_or_else(|| panic!("{}: no `expect:` block", sample.path.display()));
    let verdict = set.evaluate(&sample.conversation);
    let mut failures = Vec::new();
    let mut fail = |what: String| failures.push(format!("{}: {what}", sample.name));

    let route = verdict.route.as_str();
    let wanted_route = expect
        .get("route")
        .and_then(Value::as_str)
        .expect("`expect.route` is required");
    if route != wanted_route {
        fail(format!("route is `{route}`, expected `{wanted_route}`"));
    }

    let decided: BTreeSet<String> = verdict
        .decided_by_names()
        .into_iter()
        .map(|n| n.to_string())
        .collect();
    match expect.get("decided_by") {
        None => {}
        Some(Value::String(name)) if !decided.contains(name) => {
            fail(format!(
                "`{name}` is not among the deciding rules {decided:?}"
            ));
        }
        Some(Value::String(_)) => {}
        Some(list) => {
            let wanted = string_set(list).expect("`decided_by` is a name or a list of names");
            if wanted != decided {
                fail(format!(
                    "deciding rules are {decided:?}, expected exactly {wanted:?}"
                ));
            }
        }
    }

    if let Some(wanted) = expect.get("queue") {
        let queue = verdict.queue().map(|q| q.to_string());
        if queue.as_deref() != wanted.as_str() {
            fail(format!("queue is {queue:?}, expected {wanted}"));
        }
    }

    if let Some(wanted) = expect.get("priority").and_then(Value::as_str) {
        let priority = verdict.priority.as_str();
        if priority != wanted {
            fail(format!("priority is `{priority}`, expected `{wanted}`"));
        }
    }

    if let Some(wanted) = expect.get("obligations") {
        let wanted = string_set(wanted).expect("`obligations` is a list");
        let got: BTreeSet<String> = verdict
            .obligations()
            .into_iter()
            .map(|o| o.to_string())
            .collect();
        if got != wanted {
            fail(format!("obligations are {got:?}, expected {wanted:?}"));
        }
    }
    failures
}

#[test]
fn shipped_set_loads_without_warnings() {
    let set = load_set();
    let warnings: Vec<String> = set.warnings().iter().map(|d| format!("{d:?}")).collect();
    assert!(
        warnings.is_empty(),
        "the shipped set has warnings:\n{}",
        warnings.join("\n")
    );
}

#[test]
fn samples_meet_their_expectations() {
    let set = load_set();
    let samples = load_samples();
    assert!(samples.len() >= 30, "only {} samples", samples.len());
    let failures: Vec<String> = samples.iter().flat_map(|s| check_expect(s, &set)).collect();
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn sample_ids_are_unique() {
    let mut seen = BTreeMap::new();
    for sample in load_samples() {
        let id = sample
            .conversation
            .id()
            .unwrap_or_else(|| panic!("{}: no `id`", sample.name));
        if let Some(other) = seen.insert(id.clone(), sample.name.clone()) {
            panic!("`{id}` is the id of both `{other}` and `{}`", sample.name);
        }
    }
}

#[test]
fn every_rule_decides_some_sample_and_the_default_decides_one() {
    let set = load_set();
    let samples = load_samples();
    let mut decided_somewhere = BTreeSet::new();
    let mut default_decided = Vec::new();
    for sample in &samples {
        let verdict = set.evaluate(&sample.conversation);
        let names: Vec<String> = verdict
            .decided_by_names()
            .into_iter()
            .map(|n| n.to_string())
            .collect();
        if names.is_empty() {
            default_decided.push(sample.name.clone());
        }
        decided_somewhere.extend(names);
    }
    let rules: BTreeSet<String> = set.program().rule_names().map(str::to_string).collect();
    assert!(
        rules.len() >= 20,
        "only {} rules found in policies/",
        rules.len()
    );
    let never: Vec<&String> = rules.difference(&decided_somewhere).collect();
    assert!(never.is_empty(), "rules that decide no sample: {never:?}");
    let unknown: Vec<&String> = decided_somewhere.difference(&rules).collect();
    assert!(
        unknown.is_empty(),
        "verdicts name rules the set does not list: {unknown:?}"
    );
    assert!(
        !default_decided.is_empty(),
        "no sample falls to the default"
    );
}

/// The verdict JSON of every sample, with the policy digest redacted (it changes with any
/// edit to the policy text), snapshotted as `tests/snapshots/samples__<file>.snap`.
#[test]
fn verdict_snapshots() {
    let set = load_set();
    for sample in load_samples() {
        let verdict = set.evaluate(&sample.conversation);
        let mut json = serde_json::to_value(&verdict).unwrap();
        if let Some(policy) = json.get_mut("policy").and_then(Value::as_object_mut) {
            if policy.contains_key("digest") {
                policy.insert("digest".into(), Value::String("[digest]".into()));
            }
        }
        let text = serde_json::to_string_pretty(&json).unwrap();
        insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => true, omit_expression => true }, {
            insta::assert_snapshot!(sample.name.as_str(), text);
        });
    }
}
