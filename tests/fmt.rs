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
use handoff::fmt::{format_expr, format_expr_as_written, format_source};
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
    assert_eq!(
        parens(&before),
        parens(&after),
        "{name}: formatting changed the parentheses\n{once}"
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

/// The parentheses written around every node of every condition, in order (tree equality
/// ignores them, as it ignores spans).
fn parens(f: &File) -> Vec<u32> {
    let mut exprs: Vec<&Expr> = Vec::new();
    for item in &f.items {
        match item {
            Item::Rule(r) => exprs.extend(r.when.iter().chain(&r.unless)),
            Item::Guarantee(g) => exprs.extend(g.when.iter().chain(&g.unless)),
            Item::Principle(p) => {
                for r in &p.rules {
                    exprs.extend(r.when.iter().chain(&r.unless));
                }
                for g in &p.guarantees {
                    exprs.extend(g.when.iter().chain(&g.unless));
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for e in exprs {
        walk_expr(e, |x| out.push(x.parens.0));
    }
    out
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

/// `when EXPR` of a one-rule file, formatted.
fn formatted_when(input: &str) -> String {
    let text = format!("require human \"r\" {{\n  when {input}\n}}\n");
    let out = round_trip(input, &text);
    out.strip_prefix("require human \"r\" {\n  when ")
        .and_then(|o| o.strip_suffix("\n}\n"))
        .unwrap_or_else(|| panic!("{out}"))
        .to_string()
}

#[test]
fn parentheses_are_kept_as_written() {
    let kept = [
        // redundant ones
        "(a > 1)",
        "((a > 1) and b)",
        "((a))",
        "not (x)",
        "(not x) or y",
        "(a and b) or c",
        "(a and b) and c",
        "not (a == 1)",
        "(a) == (1)",
        "any customer message where (text contains \"x\")",
        "any customer message where ((sentiment < 0))",
        "no message where not (from == \"ai\")",
        "(last message where sentiment > 0.3) and intent == \"x\"",
        "count(messages where (sentiment < 0)) >= (2)",
        "x in [\"a\"] and (y not in [1, 2.5, -3])",
        // needed ones
        "a and (b or c)",
        "a and (b and c)",
        "(not a) == true",
        "any customer message where (sentiment < 0 and text mentions l)",
        "count(messages where (a or b) and c) >= 2",
        "(any message mentions l) == true",
    ];
    for input in kept {
        assert_eq!(formatted_when(input), input);
    }
    // Spacing inside them is canonical; numbers as always.
    assert_eq!(formatted_when("( ( a >1 ) and(b) )"), "((a > 1) and (b))");
    assert_eq!(formatted_when("(ai.confidence > 1e3)"), "(ai.confidence > 1000)");
    // The one place a written pair has no node to keep it: the path of `is missing`.
    assert_eq!(formatted_when("(a) is missing"), "a is missing");
}

#[test]
fn parentheses_in_unless_and_guarantees() {
    let text = "require human \"r\" {\n  when (a > 1)\n  unless (b or (c))\n  because \"b\"\n}\n\nguarantee \"g\" {\n  when ((x))\n  unless not (y)\n  ensure human\n}\n";
    assert_eq!(round_trip("unless", text), text);
}

#[test]
fn comments_inside_parentheses() {
    let text = "require human \"r\" {\n  when (a > 1  # big\n     and b) # after\n  unless not (\n    x  # why\n    or y)\n  because \"b\"\n}\n";
    let out = round_trip("comments", text);
    assert_eq!(
        out,
        "require human \"r\" {\n  when (a > 1  # big\n    and b)  # after\n  unless not (x or y)  # why\n  because \"b\"\n}\n"
    );
}

#[test]
fn other_printers_see_through_parentheses() {
    // Explanations and proofs print one text per meaning; the trees are equal.
    let written = "((a > 1) and (b)) or not (c)";
    let plain = "a > 1 and b or not c";
    let tree = |t: &str| {
        let (file, diags) = parse(0, &format!("require human \"r\" {{\n  when {t}\n}}\n"));
        assert!(diags.is_empty());
        match file.items.into_iter().next() {
            Some(Item::Rule(r)) => r.when.unwrap(),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(tree(written), tree(plain));
    assert_eq!(format_expr(&tree(written)), plain);
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
    Expr::new(kind, sp())
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

/// `x` inside 0, 1 or 2 pairs of parentheses (most often none).
fn parenthesised(x: impl Strategy<Value = Expr>) -> impl Strategy<Value = Expr> {
    (x, prop_oneof![4 => Just(0u32), 1 => Just(1), 1 => Just(2)]).prop_map(|(mut x, n)| {
        x.parens = Parens(n);
        x
    })
}

fn expr() -> impl Strategy<Value = Expr> {
    parenthesised(leaf()).prop_recursive(6, 48, 3, |inner| {
        let b = |x: Expr| Box::new(x);
        parenthesised(prop_oneof![
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
        ])
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
        // Printed with the parentheses it carries, it reads back with the same ones.
        let written = format_expr_as_written(&x);
        let text = format!("require human \"r\" {{\n  when {written}\n  because \"b\"\n}}\n");
        let (file, diags) = parse(0, &text);
        prop_assert!(diags.is_empty(), "{written}\n{diags:#?}");
        let Some(Item::Rule(rule)) = file.items.first() else { panic!("no rule in {text}") };
        prop_assert_eq!(rule.when.as_ref(), Some(&x), "{}", written);
        prop_assert_eq!(rule.when.as_ref().map(format_expr_as_written), Some(written.clone()));
        // Every pair of `x` is there (and one more only where precedence needs it).
        let counts = |e: &Expr| {
            let mut v = Vec::new();
            walk_expr(e, |n| v.push(n.parens.0));
            v
        };
        let read = rule.when.as_ref().map(counts).unwrap_or_default();
        let wanted = counts(&x);
        prop_assert!(
            read.iter().zip(&wanted).all(|(r, w)| r == w || (*w == 0 && *r == 1)),
            "{written}: {read:?} for {wanted:?}"
        );
        let once = format_source(0, &text).unwrap();
        prop_assert_eq!(parens(&parse(0, &once).0), parens(&file), "{}", once);
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
