//! `handoff test`: run every conversation that carries an `expect:` block, report what failed,
//! and which rules no test exercised.
//!
//! Conversations are read and evaluated as a stream on every core; only failures and per-rule
//! counters are kept.

use super::input::{self, Item};
use super::{TestArgs, TestFormat, exit};
use crate::expect::{Expect, ExpectError, Mismatch};
use crate::set::PolicySet;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::Write;

pub fn run(args: &TestArgs) -> u8 {
    if args.watch {
        return super::watch::run(&args.policy.policies, || {
            let _ = test_once(args);
        });
    }
    test_once(args)
}

/// What one document gave.
enum Outcome {
    /// No `expect:` block: not a test.
    NotATest,
    /// The document could not be read.
    Unreadable { origin: String, message: String },
    /// The `expect:` block is invalid; the test did not run.
    Invalid { origin: String, label: String, errors: Vec<ExpectError> },
    /// The test ran; `mismatches` is empty when it passed.
    Ran { origin: String, label: String, mismatches: Vec<Mismatch>, justification: String, matched: Vec<usize>, decided: Vec<usize> },
}

/// A failed test as reported.
struct Failure {
    origin: String,
    label: String,
    place: String,
    kind: &'static str,
    mismatches: Vec<Mismatch>,
    errors: Vec<ExpectError>,
    justification: Option<String>,
}

/// What the run has seen so far: failures (kept only for JSON output, which lists them; human
/// output prints them as they come), passes, per-rule counters.
struct Tally<W: Write> {
    out: W,
    human: bool,
    keep: bool,
    kept: Vec<Failure>,
    failed: u64,
    passed: u64,
    not_tests: u64,
    matched: Vec<u64>,
    decided: Vec<u64>,
}

impl<W: Write> Tally<W> {
    fn fail(&mut self, failure: Failure) {
        self.failed += 1;
        if self.keep {
            self.kept.push(failure);
        }
    }

    fn take(&mut self, o: Outcome) {
        match o {
            Outcome::NotATest => self.not_tests += 1,
            Outcome::Unreadable { origin, message } => self.unreadable(origin, message),
            Outcome::Invalid { origin, label, errors } => self.invalid(origin, label, errors),
            Outcome::Ran { origin, label, mismatches, justification, matched, decided } => {
                count(&mut self.matched, matched);
                count(&mut self.decided, decided);
                if mismatches.is_empty() {
                    self.passed += 1;
                    return;
                }
                if self.human {
                    let _ = writeln!(self.out, "FAIL {origin} ({label})");
                    for m in &mismatches {
                        let _ = writeln!(self.out, "  {}: expected {}, got {}", m.field, m.expected, m.actual);
                    }
                    let _ = writeln!(self.out, "  justification: {justification}");
                }
                let place = origin.clone();
                self.fail(Failure { origin, label, place, kind: "mismatch", mismatches, errors: Vec::new(), justification: Some(justification) });
            }
        }
    }

    fn unreadable(&mut self, origin: String, message: String) {
        if self.human {
            let _ = writeln!(self.out, "ERROR {message}");
        }
        self.fail(Failure {
            place: origin.clone(),
            origin,
            label: String::new(),
            kind: "unreadable",
            mismatches: Vec::new(),
            errors: vec![ExpectError { key: None, place: None, message, help: None }],
            justification: None,
        });
    }

    fn invalid(&mut self, origin: String, label: String, mut errors: Vec<ExpectError>) {
        let place = locate(&origin, None);
        for e in &mut errors {
            e.place = Some(if e.key.is_some() { locate(&origin, e.key.as_deref()) } else { place.clone() });
        }
        if self.human {
            let _ = writeln!(self.out, "INVALID {place} ({label}): invalid `expect` block");
            for e in &errors {
                let _ = writeln!(self.out, "  error: {} ({})", e.message, e.place.as_deref().unwrap_or(&place));
                if let Some(help) = &e.help {
                    let _ = writeln!(self.out, "    help: {help}");
                }
            }
        }
        self.fail(Failure { origin, label, place, kind: "invalid", mismatches: Vec::new(), errors, justification: None });
    }

    /// The summary: coverage, counts (human) or the whole report (JSON).
    fn finish(mut self, rules: &[crate::report::RuleInfo]) -> u8 {
        let never = |counts: &[u64]| -> Vec<&crate::report::RuleInfo> {
            rules.iter().zip(counts).filter(|(_, n)| **n == 0).map(|(r, _)| r).collect()
        };
        let (never_matched, never_decided) = (never(&self.matched), never(&self.decided));
        let (passed, failed, not_tests) = (self.passed, self.failed, self.not_tests);
        let out = &mut self.out;
        if self.human {
            if passed + failed == 0 {
                eprintln!("warning: no conversation with an `expect:` block among the inputs");
            }
            if failed > 0 {
                let _ = writeln!(out);
            }
            let _ = writeln!(
                out,
                "coverage: {} rules; {} matched by a test, {} decided one",
                rules.len(),
                rules.len() - never_matched.len(),
                rules.len() - never_decided.len()
            );
            for (title, list) in [("never matched by a test", &never_matched), ("never decided a test", &never_decided)] {
                if !list.is_empty() {
                    let _ = writeln!(out, "  {title}:");
                    for r in list.iter() {
                        let _ = writeln!(out, "    {} ({})", r.name, r.source);
                    }
                }
            }
            if not_tests > 0 {
                let _ = writeln!(out, "{not_tests} conversation{} without `expect:` skipped", if not_tests == 1 { "" } else { "s" });
            }
            let _ = writeln!(out, "\n{passed} passed, {failed} failed");
        } else {
            let rule = |r: &&crate::report::RuleInfo| json!({ "rule": r.name, "source": r.source });
            let report = json!({
                "passed": passed,
                "failed": failed,
                "skipped": not_tests,
                "failures": self.kept.iter().map(failure_json).collect::<Vec<_>>(),
                "coverage": {
                    "rules": rules.len(),
                    "never_matched": never_matched.iter().map(rule).collect::<Vec<_>>(),
                    "never_decided": never_decided.iter().map(rule).collect::<Vec<_>>(),
                },
            });
            let _ = writeln!(out, "{}", serde_json::to_string_pretty(&report).unwrap_or_default());
        }
        let _ = out.flush();
        if failed > 0 { exit::FAILURE } else { exit::OK }
    }
}

/// Adds one to each rule's counter.
fn count(counters: &mut [u64], rules: Vec<usize>) {
    for i in rules {
        if let Some(n) = counters.get_mut(i) {
            *n += 1;
        }
    }
}

fn test_once(args: &TestArgs) -> u8 {
    let set = match super::eval::load(&args.policy.policies) {
        Ok(set) => set,
        Err(code) => return code,
    };
    let inputs = match super::eval::default_inputs(&args.inputs) {
        Ok(inputs) => inputs,
        Err(code) => return code,
    };
    let rules = crate::report::rules(set.program());
    let index: HashMap<&str, usize> = rules.iter().enumerate().map(|(i, r)| (r.name.as_str(), i)).collect();
    let mut tally = Tally {
        out: std::io::BufWriter::new(std::io::stdout().lock()),
        human: args.format == TestFormat::Human,
        keep: args.format == TestFormat::Json,
        kept: Vec::new(),
        failed: 0,
        passed: 0,
        not_tests: 0,
        matched: vec![0; rules.len()],
        decided: vec![0; rules.len()],
    };
    let unreadable = input::run_batch(&inputs, |item: Item| outcome(&set, &index, item), |o| tally.take(o));
    for u in unreadable {
        let message = format!("cannot read `{}`: {}", u.origin, u.message);
        tally.unreadable(u.origin, message);
    }
    tally.finish(&rules)
}

/// Runs one document's test (on a worker thread).
fn outcome(set: &PolicySet, index: &HashMap<&str, usize>, item: Item) -> Outcome {
    let label = item.label();
    let conversation = match &item.conversation {
        Ok(c) => c,
        Err(e) => return Outcome::Unreadable { message: input::describe_error(&item.origin, e), origin: item.origin.clone() },
    };
    for w in input::key_warnings(set, &item.origin, conversation) {
        if !w.ends_with("did you mean `expect`?") {
            eprintln!("warning: {w}");
        }
    }
    let misspelt = crate::expect::misspelt_expect(conversation);
    if !misspelt.is_empty() {
        return Outcome::Invalid { origin: item.origin.clone(), label, errors: misspelt };
    }
    let Some(block) = &conversation.expect else {
        return Outcome::NotATest;
    };
    let expect = match Expect::parse(block, set.program()) {
        Ok(expect) => expect,
        Err(errors) => return Outcome::Invalid { origin: item.origin.clone(), label, errors },
    };
    let verdict = set.evaluate(conversation);
    let mismatches = expect.check(&verdict);
    let justification = if mismatches.is_empty() { String::new() } else { verdict.justification() };
    let ids = |names: Vec<&str>| names.into_iter().filter_map(|n| index.get(n).copied()).collect();
    Outcome::Ran {
        origin: item.origin.clone(),
        label,
        mismatches,
        justification,
        matched: ids(verdict.matched()),
        decided: ids(verdict.decided_by_names()),
    }
}

fn failure_json(f: &Failure) -> Value {
    let mut v = json!({
        "conversation": f.label,
        "origin": f.origin,
        "place": f.place,
        "kind": f.kind,
    });
    if let Value::Object(map) = &mut v {
        if !f.mismatches.is_empty() {
            map.insert("mismatches".into(), serde_json::to_value(&f.mismatches).unwrap_or(Value::Null));
        }
        if !f.errors.is_empty() {
            map.insert("errors".into(), serde_json::to_value(&f.errors).unwrap_or(Value::Null));
        }
        if let Some(j) = &f.justification {
            map.insert("justification".into(), Value::from(j.as_str()));
        }
    }
    v
}

/// `path:line:column` of the `expect:` block (or of `key` inside it) when the origin is a
/// whole file; the origin as it is otherwise.
fn locate(origin: &str, key: Option<&str>) -> String {
    let path = std::path::Path::new(origin);
    if !path.is_file() {
        return origin.to_string();
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return origin.to_string();
    };
    let is_key = |line: &str, k: &str| {
        let t = line.trim_start().trim_start_matches(['{', ',', ' ', '-']);
        t.starts_with(&format!("{k}:")) || t.starts_with(&format!("\"{k}\":")) || t.starts_with(&format!("\"{k}\" :"))
    };
    let mut lines = text.lines().enumerate();
    let Some((start, _)) = lines.by_ref().find(|(_, l)| is_key(l, "expect")) else {
        return origin.to_string();
    };
    let column = |line: &str| line.len() - line.trim_start().len() + 1;
    if let Some(k) = key {
        // the key's own line, before the block ends (a line less indented than the block)
        for (n, line) in lines {
            if !line.trim().is_empty() && column(line) == 1 && !line.trim_start().starts_with('}') {
                break;
            }
            if is_key(line, k) {
                return format!("{origin}:{}:{}", n + 1, column(line));
            }
        }
    }
    let line = text.lines().nth(start).unwrap_or_default();
    format!("{origin}:{}:{}", start + 1, column(line))
}
