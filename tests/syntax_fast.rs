//! The syntax stage's fast path (hand-written, `src/syntax/fast.rs`) against pest alone.
//!
//! On every input, `syntax::parse` with the fast path gives the same tree and the same
//! diagnostics as with pest alone, spans included (compared through `Debug`, as the tree's `==`
//! ignores spans). In debug builds each piece the fast path accepts is also parsed by pest and
//! compared inside the parser, so these inputs check each piece as well. Inputs: the corpus, the
//! shipped policies, generated sets, edge cases, random token soups and mutated valid policies.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use handoff::eval::generate;
use handoff::syntax::{Counts, parse_counted};
use proptest::prelude::*;

/// [`same_tree`], and a text without syntax errors went through the fast path alone.
fn same(text: &str) -> Counts {
    let (counts, clean) = same_tree(text);
    if clean {
        assert_eq!(counts.pest, 0, "pest parsed pieces of a clean text:\n{text}");
    }
    counts
}

/// Parses `text` with and without the fast path; both give the same tree and diagnostics.
/// Whether there were none.
fn same_tree(text: &str) -> (Counts, bool) {
    let (fast_file, fast_diags, counts) = parse_counted(0, text, true);
    let (pest_file, pest_diags, pest_counts) = parse_counted(0, text, false);
    assert_eq!(pest_counts.fast, 0);
    assert_eq!(
        format!("{fast_file:?}"),
        format!("{pest_file:?}"),
        "trees differ on:\n{text}"
    );
    assert_eq!(
        format!("{fast_diags:?}"),
        format!("{pest_diags:?}"),
        "diagnostics differ on:\n{text}"
    );
    (counts, fast_diags.is_empty())
}

fn policy_files(dir: &str) -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "policy") {
            out.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
        }
    }
    assert!(!out.is_empty(), "no policies in {}", dir.display());
    out
}

#[test]
fn corpus_and_shipped_policies_parse_the_same() {
    for dir in ["tests/corpus", "policies"] {
        for (name, text) in policy_files(dir) {
            let counts = same(&text);
            assert!(counts.fast > 0, "{name}");
        }
    }
}

#[test]
fn generated_sets_go_through_the_fast_path_alone() {
    for (rules, seed) in [(50, 1), (50, 2), (1000, 1)] {
        let set = generate::set(rules, seed);
        let counts = same(&set.text);
        assert_eq!(counts.pest, 0, "{counts:?}");
        assert!(counts.fast > 0);
    }
}

/// A rule around a condition.
fn rule(when: &str) -> String {
    format!("require human \"r\" {{\n  when {when}\n  because \"b\"\n}}\n")
}

#[test]
fn edge_cases_parse_the_same() {
    let conditions = [
        "a",
        "((a))",
        "(a)",
        "((a) == (1))",
        "((a and b))",
        "not not (a)",
        "not (not a) and b or c",
        "(a) is missing",
        "a.b is present",
        "(a or b) is missing",
        "a == 1 == 2",
        "a == 1 in [1]",
        "a not in [1, 2,]",
        "a not [1]",
        "a in []",
        "a in [,]",
        "a in ([1])",
        "x==\"y\"",
        "x = = 1",
        "x <= 1 and y >= -2 and z != 3 and w < 4 and v > 5",
        "x < = 1",
        "x <== 1",
        "x === 1",
        "x ! = 1",
        "n > 1e3 and n < 1E+3 and n > 1e-3 and n < -2.5e2",
        "n > 1e",
        "n > 1e+",
        "n > 1e+3x",
        "n > 1.e3",
        "n > 1.",
        "n > .5",
        "n > - 1",
        "n > 1e999",
        "n > 3and",
        "n > 007",
        "any customer message mentions grief",
        "any message where text contains \"x\" and y",
        "every ai message where not (a or b)",
        "no agent message matches \"a\\\\d\"",
        "last customer message where sentiment < -0.5 == 1",
        "any customer message mentions foo.bar",
        "any customer message mentions and",
        "any customer message",
        "any.x == 1",
        "count(customer messages) >= 3",
        "count(messages where a == 1 or b) > 2",
        "count(ai messages where (a)) > 2",
        "count(customer) > 1",
        "text contains \"x\" and l contains 1",
        "text matches \"\\\\w+\\\"\"",
        "text mentions grief",
        "Foo == 1",
        "fooBar == 1",
        "a..b",
        "a.",
        "_a.b_1 == true",
        "true",
        "false == a",
        "\"s\" == a",
        "\"\\q\\n\\t\\\\\" == a",
        "\"unterminated == a",
        "\"ends in backslash\\\" == a",
        "a == 'x'",
        "a == \"é ü 😀\"",
        "a\tand\tb",
        "a # comment\n and b",
        "a and\n  # comment\n  b",
        "in == 1",
        "not",
        "a and",
        "(a",
        "a)",
        "[1] == a",
        "a == [1]",
    ];
    for c in conditions {
        same(&rule(c));
    }
    let items = [
        "policy \"P\" { owner \"o\" version \"1\" description \"d\" ai_must a, b ai_must c }",
        "policy \"P\" { owner \"o\" owner \"p\" }",
        "policy \"P\" { ai_must a.b }",
        "policy \"P\" { }",
        "policy P { }",
        "default human because \"x\"",
        "default robot because \"x\"",
        "default ai because \"x\" default ai because \"y\"",
        "context { a : bool, b.c : number = -1 d : string = \"x\" e : list f : one of [\"a\", \"b\",] }",
        "context { a : bool == true }",
        "context { a : bool = = true }",
        "context { count : number }",
        "context { a : one of [] }",
        "context { a : one of [1] }",
        "context { A : bool }",
        "context { a : number = 1e999 }",
        "lexicon grief { \"passed away\", \"funeral\", }",
        "lexicon grief { }",
        "lexicon Grief_2 { \"a\" \"b\" }",
        "lexicon a.b { \"a\" }",
        "principle \"P\" { }",
        "principle \"P\" {\n  allow ai \"a\" { when a because \"b\" }\n  require review \"b\" { when b because \"c\" }\n}",
        "principle \"P\" {\n  allow ai \"a\" { when a because \"b\" }\n  require review \"b\" { when b\n}",
        "principle \"P\" extra {\n  allow ai \"a\" { when a because \"b\" }\n}",
        "principle P {\n  allow ai \"a\" { when a because \"b\" }\n}",
        "allow ai \"r\" { when a when b because \"x\" }",
        "allow ai \"r\" { when a unless b unless c }",
        "allow ai \"r\" { priority high priority low }",
        "allow ai \"r\" { priority extreme }",
        "allow ai \"r\" { must a, b must c }",
        "allow ai \"r\" { must because because \"x\" }",
        "allow ai \"r\" { tag \"a\" tag \"b\" queue \"q\" say \"s\" }",
        "allow ai \"r\" { queue \"a\" queue \"b\" }",
        "allow ai \"r\" { say \"a\" say \"b\" }",
        "allow ai \"r\" { because \"a\" because \"b\" }",
        "allow human \"r\" { }",
        "require ai \"r\" { }",
        "allow ai r { }",
        "allow ai \"r\" { when a }}",
        "allow ai \"r\" { when a ",
        "allow ai\"r\"{when a because\"b\"}",
        "allow ai \"r\" {\r\n  when a\r\n  because \"b\"\r\n}\r\n",
        "allow ai \"r\" { when a } # trailing\n# more\n",
        "allow ai \"r\" { when a } allow ai \"s\" { when b }",
        "allow ai \"r\" { when a } x",
        "\u{feff}allow ai \"r\" { when a }",
    ];
    for item in items {
        same(item);
    }
}

#[test]
fn long_chains_and_deep_nesting_parse_the_same() {
    // An `and` chain deeper than the tree may be, and one just within it.
    for n in [255, 256, 257, 300] {
        same(&rule(&vec!["a"; n].join(" and ")));
        same(&rule(&(vec!["not"; n].join(" ") + " a")));
    }
    // Parentheses around the fast path's recursion limit (deeper goes to pest), and far beyond.
    for n in [20, 23, 24, 25, 26, 40, 300] {
        same_tree(&rule(&format!("{}a{}", "(".repeat(n), ")".repeat(n))));
        let wheres = "any message where (".repeat(n) + "a" + &")".repeat(n);
        same_tree(&rule(&wheres));
    }
}

/// Pieces of the language for random texts.
const VOCABULARY: [&str; 64] = [
    "policy",
    "default",
    "context",
    "lexicon",
    "principle",
    "allow",
    "require",
    "ai",
    "review",
    "human",
    "when",
    "unless",
    "because",
    "priority",
    "queue",
    "tag",
    "say",
    "must",
    "high",
    "and",
    "or",
    "not",
    "in",
    "contains",
    "matches",
    "mentions",
    "is",
    "missing",
    "present",
    "any",
    "every",
    "no",
    "last",
    "customer",
    "message",
    "messages",
    "where",
    "count",
    "true",
    "false",
    "one",
    "of",
    "bool",
    "a",
    "a.b",
    "x_1",
    "1",
    "-2.5",
    "1e3",
    "\"s\"",
    "\"t\\\"\"",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "=",
    "==",
    "<",
    ">=",
    "\n",
];

/// Splits a text into tokens with the blank after each, keeping strings whole.
fn tokens(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            current.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' | '\n' => in_string = false,
                _ => {}
            }
            continue;
        }
        if c.is_whitespace() {
            current.push(c);
            continue;
        }
        let glued = current.chars().last().is_some_and(|p| !p.is_whitespace())
            && (c.is_alphanumeric() || c == '_' || c == '.')
            && current
                .chars()
                .last()
                .is_some_and(|p| p.is_alphanumeric() || p == '_' || p == '.');
        if !glued && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        current.push(c);
        if c == '"' {
            in_string = true;
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn valid_texts() -> &'static [String] {
    static TEXTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    TEXTS.get_or_init(|| {
        let mut texts: Vec<String> = policy_files("policies").into_iter().map(|(_, t)| t).collect();
        texts.push(generate::set(12, 5).text);
        texts
    })
}

#[derive(Clone, Debug)]
enum Edit {
    Delete(usize),
    Duplicate(usize),
    Swap(usize),
    Insert(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Duplicate),
        any::<usize>().prop_map(Edit::Swap),
        (any::<usize>(), 0..VOCABULARY.len()).prop_map(|(at, w)| Edit::Insert(at, w)),
    ]
}

fn apply(mut toks: Vec<String>, edits: &[Edit]) -> String {
    for e in edits {
        if toks.is_empty() {
            break;
        }
        let n = toks.len();
        match *e {
            Edit::Delete(i) => {
                toks.remove(i % n);
            }
            Edit::Duplicate(i) => {
                let t = toks[i % n].clone();
                toks.insert(i % n, t);
            }
            Edit::Swap(i) if n > 1 => toks.swap(i % (n - 1), i % (n - 1) + 1),
            Edit::Swap(_) => {}
            Edit::Insert(i, w) => toks.insert(i % (n + 1), format!("{} ", VOCABULARY[w])),
        }
    }
    toks.concat()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn token_soups_parse_the_same(words in prop::collection::vec(0..VOCABULARY.len(), 0..40)) {
        let soup: Vec<&str> = words.iter().map(|&w| VOCABULARY[w]).collect();
        same(&soup.join(" "));
        // The same soup inside a rule, where most of it is a condition.
        same(&rule(&soup.join(" ")));
    }

    #[test]
    fn mutated_policies_parse_the_same(
        which in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let text = which.get(valid_texts());
        same(&apply(tokens(text), &edits));
    }
}
