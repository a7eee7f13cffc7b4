#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic
)]
//! The formatter proves itself: parse(fmt(x)) == parse(x), fmt(fmt(x)) == fmt(x), and every
//! comment survives — over every shipped policy, the corpus, and inline fixtures; plus a
//! property test over random expressions.

use handoff::ast::*;
use handoff::fmt::{format_expr, format_source};
use handoff::source::{Span, Spanned};
use handoff::syntax::parse;
use proptest::prelude::*;

/// Checks the three properties on one text that parses.
fn round_trip(name: &str, text: &str) -> String {
    let (before, diags) = parse(0, text);
    assert!(diags.is_empty(), "{name} does not parse: {diags:#?}");
    let once = format_source(0, text).unwrap_or_else(|d| panic!("{name}: {d:#?}"));
    let (after, diags) = parse(0, &once);
    assert!(
        diags.is_empty(),
        "{name}: formatted text does not parse: {diags:#?}\n{once}"
    );
    assert_eq!(
        before.items, after.items,
        "{name}: formatting changed the tree\n{once}"
    );
    let twice = format_source(0, &once).unwrap();
    assert_eq!(once, twice, "{name}: formatting is not idempotent");
    let texts = |f: &File| {
        f.comments
            .iter()
            .map(|c| c.text.trim_end().to_string())
            .collect::<Vec<_>>()
    };
    let mut a = texts(&before);
    let mut b = texts(&after);
    a.sort();
    b.sort();
    assert_eq!(a, b, "{name}: comments changed\n{once}");
    once
}

fn policy_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
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
fn shipped_policies_and_corpus_round_trip() {
    let mut files = Vec::new();
    policy_files(std::path::Path::new("policies"), &mut files);
    policy_files(std::path::Path::new("tests/corpus"), &mut files);
    let mut checked = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        if !parse(0, &text).1.is_empty() {
            continue; // fixtures of syntax errors
        }
        round_trip(&path.display().to_string(), &text);
        checked += 1;
    }
    assert!(checked > 0, "no policy files found");
}

/// LANGUAGE.md §1 (must before because there; the canonical order puts because first).
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

#[test]
fn language_example_keeps_its_layout() {
    let out = round_trip("example", EXAMPLE);
    let expected = EXAMPLE
        .replace("ai_must disclose_ai            #", "ai_must disclose_ai  #")
        .replace(
            "    must offer_human\n    because \"Routine billing request ({intent}) that the assistant is confident about.\"\n",
            "    because \"Routine billing request ({intent}) that the assistant is confident about.\"\n    must offer_human\n",
        );
    assert_eq!(out, expected);
}

#[test]
fn canonical_layout() {
    let messy = r#"require   human "A"{because "b"   when x   and y
priority high tag "t1"
tag "t2" queue "q" say "s"}
lexicon l{"a","b",}
default ai because "d""#;
    let out = round_trip("messy", messy);
    assert_eq!(
        out,
        r#"require human "A" {
  when x and y
  because "b"
  priority high
  queue "q"
  tag "t1"
  tag "t2"
  say "s"
}

lexicon l { "a", "b" }
default ai because "d"
"#
    );
}

#[test]
fn comments_keep_their_places() {
    let text = r#"# file comment

# about the header
policy "P" { # trailing the header line
  owner "me" # trailing owner
  # before version
  version "1"
  # dangling at the end of the header
}

principle "Care" {
  # before the first rule
  require human "A" {
    when a   # after when
     and b   # inside the chain
    # before because
    because "x"
  } # after the rule's brace

  # end of the principle
}

lexicon l {
  "a", # first phrase
  "b",
}
# end of file
"#;
    let out = round_trip("comments", text);
    assert_eq!(out, COMMENTS_FORMATTED);
}

const COMMENTS_FORMATTED: &str = r#"# file comment

# about the header
policy "P" {  # trailing the header line
  owner   "me"  # trailing owner
  # before version
  version "1"
  # dangling at the end of the header
}

principle "Care" {
  # before the first rule
  require human "A" {
    when a  # after when
     and b  # inside the chain
    # before because
    because "x"
  }  # after the rule's brace

  # end of the principle
}

lexicon l {
  "a",  # first phrase
  "b"
}
# end of file
"#;

#[test]
fn strings_are_re_escaped() {
    let text = r#"require human "say \"hi\"" {
  when text matches "\bagent\b" and x == "a\\b" and y == "tab\there" and z == "back\\"
  because "line\nbreak"
}
"#;
    let out = round_trip("escapes", text);
    assert!(out.contains(r#"matches "\bagent\b""#), "{out}");
    assert!(out.contains(r#"x == "a\b""#), "{out}");
    assert!(out.contains(r#"z == "back\\""#), "{out}");
    assert!(out.contains(r#""line\nbreak""#), "{out}");
}

#[test]
fn parentheses_only_where_needed() {
    let cases = [
        ("(a and b) or c", "a and b or c"),
        ("a and (b or c)", "a and (b or c)"),
        ("a and (b and c)", "a and (b and c)"),
        ("(a and b) and c", "a and b and c"),
        ("not (a == 1)", "not a == 1"),
        ("(not a) == true", "(not a) == true"),
        (
            "any customer message where (sentiment < 0 and text mentions l)",
            "any customer message where (sentiment < 0 and text mentions l)",
        ),
        (
            "(last message where sentiment > 0.3) and intent == \"x\"",
            "last message where sentiment > 0.3 and intent == \"x\"",
        ),
        (
            "count(messages where (a or b) and c) >= 2",
            "count(messages where (a or b) and c) >= 2",
        ),
        (
            "(any message mentions l) == true",
            "(any message mentions l) == true",
        ),
        ("x not in [1, 2.5, -3]", "x not in [1, 2.5, -3]"),
        (
            "no.thing and ai.confidence > 1e3",
            "no.thing and ai.confidence > 1000",
        ),
    ];
    for (input, expected) in cases {
        let text = format!("require human \"r\" {{\n  when {input}\n}}\n");
        let out = round_trip(input, &text);
        assert_eq!(
            out,
            format!("require human \"r\" {{\n  when {expected}\n}}\n"),
            "{input}"
        );
    }
}

#[test]
fn long_chains_break_one_operand_per_line() {
    let long = "when aaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbb or cccccccccccccccccccccc.dddddddddddd > 4 and eeeeeeeeeeee.ffffff or ggggggggggggggggggg.hhhhhhhhh";
    let text = format!(
        "require human \"r\" {{\n  {long}\n  unless x and yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy and zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\n}}\n"
    );
    let out = round_trip("long", &text);
    assert_eq!(
        out,
        "require human \"r\" {
  when aaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbb
    or cccccccccccccccccccccc.dddddddddddd > 4 and eeeeeeeeeeee.ffffff
    or ggggggggggggggggggg.hhhhhhhhh
  unless x
     and yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy
     and zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz
}
"
    );
}

#[test]
fn broken_files_are_refused() {
    let err = format_source(0, "require human \"x\" {\n  when a <\n}\n").unwrap_err();
    assert!(err.iter().all(|d| d.code == handoff::Code::Syntax));
}

// ---------------------------------------------------------------------------------------------
// Property test: random expressions print and parse back to the same tree.

const RESERVED: [&str; 24] = [
    "and", "or", "not", "in", "contains", "matches", "mentions", "is", "true", "false", "where",
    "any", "every", "no", "last", "count", "when", "unless", "because", "priority", "queue", "tag",
    "say", "must",
];

fn sp() -> Span {
    Span::default()
}

fn e(kind: ExprKind) -> Expr {
    Expr { kind, span: sp() }
}

fn path() -> impl Strategy<Value = String> {
    prop::collection::vec("[a-z_][a-z0-9_]{0,5}", 1..4).prop_filter_map(
        "a keyword alone is not a path",
        |segs| {
            if segs.len() == 1 && RESERVED.contains(&segs[0].as_str()) {
                None
            } else {
                Some(segs.join("."))
            }
        },
    )
}

fn name() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,6}"
}

fn text() -> impl Strategy<Value = String> {
    "[a-z \"\\\\\n\tbn]{0,8}"
}

fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        any::<bool>().prop_map(Literal::Bool),
        (-1_000_000i64..1_000_000).prop_map(|n| Literal::Number(n as f64)),
        (-1e6f64..1e6).prop_map(Literal::Number),
        text().prop_map(Literal::String),
    ]
}

fn who() -> impl Strategy<Value = Option<Who>> {
    prop::option::of(prop_oneof![
        Just(Who::Customer),
        Just(Who::Ai),
        Just(Who::Agent)
    ])
}

fn quantifier() -> impl Strategy<Value = Quantifier> {
    prop_oneof![
        Just(Quantifier::Any),
        Just(Quantifier::Every),
        Just(Quantifier::No),
        Just(Quantifier::Last)
    ]
}

fn cmp() -> impl Strategy<Value = CmpOp> {
    prop_oneof![
        Just(CmpOp::Eq),
        Just(CmpOp::Ne),
        Just(CmpOp::Lt),
        Just(CmpOp::Le),
        Just(CmpOp::Gt),
        Just(CmpOp::Ge)
    ]
}

fn list() -> impl Strategy<Value = Expr> {
    prop::collection::vec(literal().prop_map(|l| e(ExprKind::Literal(l))), 0..4)
        .prop_map(|v| e(ExprKind::List(v)))
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        literal().prop_map(|l| e(ExprKind::Literal(l))),
        path().prop_map(|p| e(ExprKind::Path(p))),
        (path(), any::<bool>()).prop_map(|(p, missing)| e(ExprKind::Presence {
            path: Spanned::new(p, sp()),
            missing
        })),
        who().prop_map(|who| e(ExprKind::Count { who, filter: None })),
        (quantifier(), who(), name()).prop_map(|(quantifier, who, l)| e(ExprKind::Quantified {
            quantifier,
            who,
            test: MessageTest::Mentions(Spanned::new(l, sp()))
        })),
        (quantifier(), who(), text()).prop_map(|(quantifier, who, r)| e(ExprKind::Quantified {
            quantifier,
            who,
            test: MessageTest::Matches(Spanned::new(r, sp()))
        })),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(6, 48, 3, |inner| {
        let b = |x: Expr| Box::new(x);
        prop_oneof![
            inner.clone().prop_map(move |x| e(ExprKind::Not(b(x)))),
            (inner.clone(), inner.clone()).prop_map(move |(x, y)| e(ExprKind::And(b(x), b(y)))),
            (inner.clone(), inner.clone()).prop_map(move |(x, y)| e(ExprKind::Or(b(x), b(y)))),
            (cmp(), inner.clone(), inner.clone()).prop_map(move |(op, x, y)| e(
                ExprKind::Compare {
                    op,
                    lhs: b(x),
                    rhs: b(y)
                }
            )),
            (inner.clone(), list(), any::<bool>()).prop_map(move |(x, l, negated)| e(
                ExprKind::In {
                    value: b(x),
                    list: b(l),
                    negated
                }
            )),
            (inner.clone(), inner.clone()).prop_map(move |(x, y)| e(ExprKind::Contains {
                lhs: b(x),
                rhs: b(y)
            })),
            (inner.clone(), text()).prop_map(move |(x, r)| e(ExprKind::Matches {
                lhs: b(x),
                pattern: Spanned::new(r, sp())
            })),
            (inner.clone(), name()).prop_map(move |(x, l)| e(ExprKind::Mentions {
                lhs: b(x),
                lexicon: Spanned::new(l, sp())
            })),
            (quantifier(), who(), inner.clone()).prop_map(move |(quantifier, who, x)| e(
                ExprKind::Quantified {
                    quantifier,
                    who,
                    test: MessageTest::Where(b(x))
                }
            )),
            (who(), inner).prop_map(move |(who, x)| e(ExprKind::Count {
                who,
                filter: Some(b(x))
            })),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_expressions_round_trip(x in expr()) {
        let printed = format_expr(&x);
        let text = format!("require human \"r\" {{\n  when {printed}\n  because \"b\"\n}}\n");
        let (file, diags) = parse(0, &text);
        prop_assert!(diags.is_empty(), "{printed}\n{diags:#?}");
        let Some(Item::Rule(rule)) = file.items.first() else { panic!("no rule in {text}") };
        prop_assert_eq!(rule.when.as_ref(), Some(&x), "{}", printed);
        // The file formatter (which may break lines) agrees too.
        let once = format_source(0, &text).unwrap();
        let (again, _) = parse(0, &once);
        prop_assert_eq!(&again.items, &file.items, "{}", once);
    }
}

// ---------------------------------------------------------------------------------------------
// The command

fn handoff(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn fmt_command_checks_and_rewrites() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().to_str().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let messy = "default   human because \"d\"\nrequire human \"a\" { because \"b\" when x }\n";
    std::fs::write(dir.path().join("sub/a.policy"), messy).unwrap();
    std::fs::write(
        dir.path().join("clean.policy"),
        "default ai because \"x\"\n",
    )
    .unwrap();

    let (code, stdout, _) = handoff(&["fmt", "-p", p, "--check"]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "sub/a.policy\n");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("sub/a.policy")).unwrap(),
        messy,
        "--check changes nothing"
    );

    let (code, stdout, _) = handoff(&["fmt", "-p", p]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "formatted sub/a.policy\n");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("sub/a.policy")).unwrap(),
        "default human because \"d\"\n\nrequire human \"a\" {\n  when x\n  because \"b\"\n}\n"
    );
    let (code, stdout, _) = handoff(&["fmt", "-p", p, "--check"]);
    assert_eq!((code, stdout.as_str()), (0, ""));

    // A file with a syntax error is left alone and reported.
    let broken = "require human \"a\" {\n  when x ==\n}\n";
    std::fs::write(dir.path().join("broken.policy"), broken).unwrap();
    let (code, _, stderr) = handoff(&["fmt", "-p", p]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("syntax") && stderr.contains("broken.policy"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("broken.policy")).unwrap(),
        broken
    );

    let (code, _, _) = handoff(&["fmt", "-p", dir.path().join("nowhere").to_str().unwrap()]);
    assert_eq!(code, 2);
}

/// A comment after any line, or alone before any line, of a realistic file survives and keeps
/// formatting stable.
#[test]
fn comments_anywhere_round_trip() {
    let base = format!(
        "{EXAMPLE}\nrequire human \"Chain\" {{\n  when (a   # inside parens\n    or b) and d\n  unless x and\n    y\n  tag \"t\"\n}}\n"
    );
    round_trip("base", &base);
    let lines: Vec<&str> = base.lines().collect();
    for i in 0..lines.len() {
        for variant in 0..2 {
            let mut text = String::new();
            for (j, line) in lines.iter().enumerate() {
                if j == i && variant == 0 {
                    text.push_str("# own line comment\n");
                }
                text.push_str(line);
                if j == i && variant == 1 && !line.trim().is_empty() && !line.contains('#') {
                    text.push_str("   # trailing comment");
                }
                text.push('\n');
            }
            round_trip(&format!("line {i} variant {variant}"), &text);
        }
    }
}
