//! Guarantees (LANGUAGE.md §9) on hand-made sets, one kind of reasoning per test: whether each
//! is proved, refuted or left unproved, and that every counterexample is one the engine itself
//! routes below the floor.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use handoff::context::Conversation;
use handoff::prove::{Outcome, Proof};
use handoff::set::Analysis;
use handoff::source::Source;

/// Proves the guarantees of `text` (one file); every counterexample is re-checked here.
fn proofs(text: &str) -> Vec<Proof> {
    let analysis = Analysis::new(vec![Source::new("t.policy", text)]);
    let errors: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error() && d.code.as_str() != "guarantee-violated")
        .collect();
    assert!(errors.is_empty(), "{}", analysis.render(false, 100));
    let program = handoff::eval::compile(&analysis.files, &analysis.sources, &analysis.schema, String::new());
    let proofs = handoff::prove::prove_all(&analysis.files, &analysis.sources, &analysis.schema, &program);
    let set = analysis.compile().expect("a set with a violated guarantee still loads");
    for p in &proofs {
        if let Outcome::Violated(cx) = &p.outcome {
            let c = Conversation::from_yaml(&cx.yaml).expect("the counterexample reads back");
            let v = set.evaluate(&c);
            assert!(v.route < p.ensure, "{}: the counterexample gets {:?}\n{}", p.name, v.route, cx.yaml);
        }
    }
    proofs
}

/// `(name, "holds" | "violated" | "unproved")` for each guarantee.
fn outcomes(text: &str) -> Vec<(String, &'static str)> {
    proofs(text)
        .into_iter()
        .map(|p| {
            let o = match p.outcome {
                Outcome::Holds => "holds",
                Outcome::Violated(_) => "violated",
                Outcome::Unproved(_) => "unproved",
            };
            (p.name, o)
        })
        .collect()
}

fn expect(text: &str, want: &[(&str, &str)]) {
    let got = outcomes(text);
    let want: Vec<(String, &str)> = want.iter().map(|(n, o)| (n.to_string(), *o)).collect();
    assert_eq!(got, want, "\n{text}");
}

const ALLOW_ALL: &str = r#"
default human because "d"
allow ai "Anything" { when true because "a" }
"#;

#[test]
fn thresholds_at_and_around_the_boundary() {
    let set = format!(
        r#"{ALLOW_ALL}
require human "Distress" {{ when signals.distress >= 0.7 because "x" }}
guarantee "at" {{ when signals.distress >= 0.7 ensure human }}
guarantee "above" {{ when signals.distress > 0.7 ensure human }}
guarantee "just below" {{ when signals.distress >= 0.69 ensure human }}
guarantee "review is enough" {{ when signals.distress > 0.9 ensure review }}
guarantee "beyond the range" {{ when signals.distress > 1 ensure human }}
"#
    );
    expect(
        &set,
        &[("at", "holds"), ("above", "holds"), ("just below", "violated"), ("review is enough", "holds"), ("beyond the range", "holds")],
    );
}

/// Beyond 2^53 a threshold's neighbour is not `t ± 1`: every class still has a representative
/// (a "proved" here once hid an `allow ai` below 1e16).
#[test]
fn huge_thresholds_keep_every_class() {
    let set = r#"
default human because "d"
context { order.amount : number  order.count : number }
allow ai "Below the cap" { when order.amount < 1e16 because "a" }
allow ai "Above a huge floor" { when order.count > -1e300 and order.count != 1e300 because "a" }
guarantee "Nothing is automated" { when true ensure human }
guarantee "Huge counts" { when order.count > 1e300 ensure human }
"#;
    expect(set, &[("Nothing is automated", "violated"), ("Huge counts", "violated")]);
}

#[test]
fn strict_and_loose_thresholds_differ_at_the_point() {
    let set = format!(
        r#"{ALLOW_ALL}
context {{ order.amount : number }}
require human "Big" {{ when order.amount > 250 because "x" }}
guarantee "strict" {{ when order.amount > 250 ensure human }}
guarantee "loose" {{ when order.amount >= 250 ensure human }}
"#
    );
    expect(&set, &[("strict", "holds"), ("loose", "violated")]);
}

#[test]
fn counts_are_whole_numbers() {
    let set = format!(
        r#"{ALLOW_ALL}
require human "Repeats" {{ when signals.repeated >= 2 because "x" }}
guarantee "more than one and a half" {{ when signals.repeated > 1.5 ensure human }}
guarantee "more than one" {{ when signals.repeated > 1 ensure human }}
guarantee "one or more" {{ when signals.repeated >= 1 ensure human }}
"#
    );
    expect(&set, &[("more than one and a half", "holds"), ("more than one", "holds"), ("one or more", "violated")]);
}

#[test]
fn one_of_and_string_membership() {
    let set = format!(
        r#"{ALLOW_ALL}
context {{ tier : one of ["a", "b", "c"] = "a"
          intent : string }}
require human "Not a" {{ when tier in ["b", "c"] because "x" }}
require human "Billing" {{ when intent in ["bill", "refund"] because "x" }}
guarantee "not a" {{ when tier != "a" ensure human }}
guarantee "b or c" {{ when tier == "b" or tier == "c" ensure human }}
guarantee "bill" {{ when intent == "bill" ensure human }}
guarantee "mentions bill" {{ when intent contains "bill" ensure human }}
guarantee "not refund" {{ when intent != "refund" ensure human }}
"#
    );
    expect(
        &set,
        &[
            ("not a", "holds"),
            ("b or c", "holds"),
            ("bill", "holds"),
            ("mentions bill", "violated"),
            ("not refund", "violated"),
        ],
    );
}

#[test]
fn unknown_and_wrong_typed_data_fail_toward_a_person() {
    let set = format!(
        r#"{ALLOW_ALL}
context {{ customer.vulnerable : bool = false
          ai.confidence : number }}
require human "Vulnerable" {{ when customer.vulnerable because "x" }}
require human "Unsure" {{ when ai.confidence < 0.5 because "x" }}
guarantee "vulnerable" {{ when customer.vulnerable ensure human }}
guarantee "vulnerable, said twice" {{ when customer.vulnerable == true ensure human }}
guarantee "unsure" {{ when not (ai.confidence >= 0.5) ensure human }}
guarantee "unsure or unknown" {{ when ai.confidence < 0.5 or ai.confidence is missing ensure human }}
guarantee "not vulnerable" {{ when customer.vulnerable == false ensure human }}
"#
    );
    expect(
        &set,
        &[
            ("vulnerable", "holds"),
            ("vulnerable, said twice", "holds"),
            ("unsure", "holds"),
            ("unsure or unknown", "holds"),
            ("not vulnerable", "violated"),
        ],
    );
}

#[test]
fn defaults_decide() {
    let set = format!(
        r#"{ALLOW_ALL}
context {{ x : number = 0
          y : number }}
require human "X" {{ when x > 5 because "x" }}
require human "Y" {{ when y > 5 because "y" }}
guarantee "x or missing" {{ when x > 5 or x is missing ensure human }}
guarantee "y or missing" {{ when y > 5 or y is missing ensure human }}
"#
    );
    expect(&set, &[("x or missing", "violated"), ("y or missing", "holds")]);
}

#[test]
fn the_default_route_and_allow_rules() {
    let set = r#"
default human because "d"
context { intent : string }
allow ai "Hours" { when intent == "hours" because "a" }
require review "Everything" { when true because "r" }
guarantee "human unless hours" { when intent != "hours" ensure human }
guarantee "review always" { when true ensure review }
guarantee "human always" { when true ensure human }
"#;
    // v0.2 step 2: with no allow matching, the default human wins over the review floor
    expect(set, &[("human unless hours", "holds"), ("review always", "holds"), ("human always", "violated")]);
}

#[test]
fn unless_on_rules_and_guarantees() {
    let set = format!(
        r#"{ALLOW_ALL}
context {{ a : bool
          b : bool }}
require human "A" {{ when a unless b because "x" }}
guarantee "a" {{ when a ensure human }}
guarantee "a unless b" {{ when a unless b ensure human }}
guarantee "a unless b is false" {{ when a unless b == false ensure human }}
"#
    );
    expect(&set, &[("a", "violated"), ("a unless b", "holds"), ("a unless b is false", "violated")]);
}

#[test]
fn nested_paths_below_a_broken_ancestor() {
    let set = format!(
        r#"{ALLOW_ALL}
context {{ customer.vip : bool = false
          customer.tier : string = "std" }}
require human "Unknown VIP" {{ when customer.vip because "x" }}
guarantee "tier missing" {{ when customer.tier is missing and customer.vip != false ensure human }}
guarantee "vip known false" {{ when customer.vip == false ensure human }}
"#
    );
    expect(&set, &[("tier missing", "holds"), ("vip known false", "violated")]);
}

const LEXICONS: &str = r#"
lexicon harm { "kill myself", "suicidal", "end it all" }
lexicon harm_wider { "kill myself", "suicidal", "end it all", "hurt myself" }
lexicon harm_narrow { "suicidal" }
lexicon words { "myself" }
lexicon about_myself { "kill myself", "hurt myself" }
"#;

#[test]
fn lexicons_wider_narrower_and_inside_phrases() {
    let set = format!(
        r#"{ALLOW_ALL}{LEXICONS}
require human "Harm" {{ when any customer message mentions harm because "x" }}
guarantee "same" {{ when any customer message mentions harm ensure human }}
guarantee "narrower" {{ when any customer message mentions harm_narrow ensure human }}
guarantee "wider" {{ when any customer message mentions harm_wider ensure human }}
guarantee "any sender" {{ when any message mentions harm ensure human }}
"#
    );
    expect(&set, &[("same", "holds"), ("narrower", "holds"), ("wider", "violated"), ("any sender", "violated")]);
    let inside = format!(
        r#"{ALLOW_ALL}{LEXICONS}
require human "Myself" {{ when any customer message mentions words because "x" }}
require human "Self" {{ when any agent message where text contains "self" because "x" }}
guarantee "about myself" {{ when any customer message mentions about_myself ensure human }}
guarantee "agent" {{ when any agent message mentions about_myself ensure human }}
guarantee "kill" {{ when any customer message where (text mentions harm_wider and text contains "kill") ensure human }}
"#
    );
    // every phrase holds the word "myself" (and the letters "self"); "suicidal skill" does not
    expect(&inside, &[("about myself", "holds"), ("agent", "holds"), ("kill", "violated")]);
}

#[test]
fn regexes_and_lexicons() {
    let set = format!(
        r#"{ALLOW_ALL}{LEXICONS}
require human "Regex" {{ when any customer message matches "(?i)suicid|kill\s+myself" because "x" }}
guarantee "narrow" {{ when any customer message mentions harm_narrow ensure human }}
guarantee "the regex itself" {{ when any customer message matches "(?i)suicid|kill\s+myself" ensure human }}
guarantee "a phrase the regex misses" {{ when any customer message mentions harm ensure human }}
guarantee "regex beyond" {{ when any customer message matches "hurt" ensure human }}
"#
    );
    expect(
        &set,
        &[("narrow", "holds"), ("the regex itself", "holds"), ("a phrase the regex misses", "violated"), ("regex beyond", "violated")],
    );
}

#[test]
fn quantifiers_and_counts_over_the_same_messages() {
    let set = format!(
        r#"{ALLOW_ALL}{LEXICONS}
require human "Count" {{ when count(customer messages where text mentions harm) >= 1 because "x" }}
require human "Every" {{ when not (every customer message where not (text mentions harm_wider)) because "x" }}
guarantee "any" {{ when any customer message mentions harm ensure human }}
guarantee "last" {{ when last customer message mentions harm ensure human }}
guarantee "not no" {{ when not (no customer message mentions harm_wider) ensure human }}
guarantee "two" {{ when count(customer messages where text mentions harm_wider) >= 2 ensure human }}
"#
    );
    expect(&set, &[("any", "holds"), ("last", "holds"), ("not no", "holds"), ("two", "holds")]);
    let weaker = format!(
        r#"{ALLOW_ALL}{LEXICONS}
require human "Two" {{ when count(customer messages where text mentions harm) >= 2 because "x" }}
require human "Last" {{ when last customer message mentions harm_wider because "x" }}
guarantee "any" {{ when any customer message mentions harm ensure human }}
guarantee "three" {{ when count(customer messages where text mentions harm) > 2 ensure human }}
"#
    );
    expect(&weaker, &[("any", "violated"), ("three", "holds")]);
}

#[test]
fn sentiment_of_each_message() {
    let set = format!(
        r#"{ALLOW_ALL}
require review "Negative twice" {{ when count(customer messages where sentiment <= -0.4) >= 2 because "x" }}
guarantee "two very negative" {{ when count(customer messages where sentiment < -0.5) >= 2 ensure review }}
guarantee "one very negative" {{ when any customer message where sentiment < -0.5 ensure review }}
"#
    );
    expect(&set, &[("two very negative", "holds"), ("one very negative", "violated")]);
}

#[test]
fn unknown_senders_count_with_unknown_membership() {
    // a message of unknown sender that mentions harm makes `any customer …` unknown: the
    // guarantee's premise holds and the rule, unknown too, matches
    let set = format!(
        r#"{ALLOW_ALL}{LEXICONS}
require human "Harm" {{ when count(customer messages where text mentions harm) >= 1 because "x" }}
guarantee "any" {{ when any customer message mentions harm ensure human }}
"#
    );
    expect(&set, &[("any", "holds")]);
}

#[test]
fn a_guarantee_with_nothing_to_lower_the_route_holds() {
    let set = r#"
default human because "d"
require review "R" { when true because "r" }
guarantee "always" { when true ensure human }
"#;
    expect(set, &[("always", "holds")]);
}
