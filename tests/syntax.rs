#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic
)]
//! The syntax stage: every construct of LANGUAGE.md, precedence, and error messages.

use handoff::ast::*;
use handoff::diagnostic::{Code, Diagnostic};
use handoff::source::{Span, Spanned};
use handoff::syntax::parse;

/// LANGUAGE.md §1, verbatim.
const EXAMPLE: &str = include_str!("corpus/clean-example.policy");

fn ok(text: &str) -> File {
    let (file, diags) = parse(0, text);
    assert!(
        diags.is_empty(),
        "unexpected diagnostics for:\n{text}\n{diags:#?}"
    );
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

/// The `when` of the only rule of `text`.
fn when(text: &str) -> Expr {
    let file = ok(&format!(
        "require human \"r\" {{\n  when {text}\n  because \"b\"\n}}\n"
    ));
    match file.items.into_iter().next() {
        Some(Item::Rule(r)) => r.when.unwrap(),
        other => panic!("{other:?}"),
    }
}

fn first_error(text: &str) -> Diagnostic {
    errors(text).into_iter().next().unwrap()
}

// Tree builders; spans are ignored by equality.
fn x(kind: ExprKind) -> Expr {
    Expr::new(kind, Span::default())
}
fn path(p: &str) -> Expr {
    x(ExprKind::Path(p.into()))
}
fn num(n: f64) -> Expr {
    x(ExprKind::Literal(Literal::Number(n)))
}
fn s(v: &str) -> Expr {
    x(ExprKind::Literal(Literal::String(v.into())))
}
fn and(a: Expr, b: Expr) -> Expr {
    x(ExprKind::And(Box::new(a), Box::new(b)))
}
fn or(a: Expr, b: Expr) -> Expr {
    x(ExprKind::Or(Box::new(a), Box::new(b)))
}
fn not(a: Expr) -> Expr {
    x(ExprKind::Not(Box::new(a)))
}
fn cmp(op: CmpOp, a: Expr, b: Expr) -> Expr {
    x(ExprKind::Compare {
        op,
        lhs: Box::new(a),
        rhs: Box::new(b),
    })
}
fn named(v: &str) -> Spanned<String> {
    Spanned::new(v.into(), Span::default())
}

#[test]
#[expect(clippy::too_many_lines, reason = "one assertion per item of the example, in its order")]
fn language_example_parses_to_the_expected_shape() {
    let file = ok(EXAMPLE);
    assert_eq!(file.comments.len(), 2);
    assert_eq!(file.comments[0].text, " policies/care.policy");
    let kinds: Vec<&str> = file
        .items
        .iter()
        .map(|i| match i {
            Item::Header(_) => "header",
            Item::Default(_) => "default",
            Item::Context(_) => "context",
            Item::Lexicon(_) => "lexicon",
            Item::Principle(_) => "principle",
            Item::Rule(_) => "rule",
            Item::Guarantee(_) => "guarantee",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "header",
            "default",
            "context",
            "lexicon",
            "lexicon",
            "principle",
            "principle",
            "principle"
        ]
    );

    let Item::Header(h) = &file.items[0] else {
        panic!()
    };
    assert_eq!(h.name.node, "Human-first care");
    assert_eq!(h.owner.as_ref().unwrap().node, "CX Leadership Council");
    assert_eq!(h.version.as_ref().unwrap().node, "2026.11");
    assert_eq!(h.ai_must, vec![named("disclose_ai")]);

    let Item::Default(d) = &file.items[1] else {
        panic!()
    };
    assert_eq!(d.route.node, Route::Human);

    let Item::Context(c) = &file.items[2] else {
        panic!()
    };
    assert_eq!(c.fields.len(), 6);
    assert_eq!(c.fields[1].path.node, "customer.vulnerable");
    assert_eq!(c.fields[1].ty.node, Type::Bool);
    assert_eq!(
        c.fields[1].default.as_ref().unwrap().node,
        FieldDefault::Literal(Literal::Bool(false))
    );
    assert_eq!(
        c.fields[2].ty.node,
        Type::OneOf(vec!["standard".into(), "plus".into(), "premier".into()])
    );
    assert_eq!(
        c.fields[3].default.as_ref().unwrap().node,
        FieldDefault::Literal(Literal::Number(0.0))
    );

    let Item::Lexicon(l) = &file.items[3] else {
        panic!()
    };
    assert_eq!(l.name.node, "self_harm");
    assert_eq!(l.phrases.len(), 5);
    assert_eq!(l.phrases[3].node, "don't want to live");

    let Item::Principle(p) = &file.items[5] else {
        panic!()
    };
    assert_eq!(p.name.node, "Safety and vulnerability are never automated");
    assert_eq!(p.rules.len(), 3);
    let r = &p.rules[0];
    assert_eq!(r.effect.node, Effect::RequireHuman);
    assert_eq!(r.name.node, "Self-harm risk");
    assert_eq!(r.priority.as_ref().unwrap().node, Priority::Urgent);
    assert_eq!(r.queue.as_ref().unwrap().node, "crisis-support");
    assert_eq!(
        r.say.as_ref().unwrap().node,
        "I'm connecting you with a colleague right now."
    );
    assert_eq!(
        r.because.as_ref().unwrap().node,
        "The customer wrote \"{matched}\", which may signal a risk to their safety."
    );
    assert_eq!(
        r.when,
        Some(x(ExprKind::Quantified {
            quantifier: Quantifier::Any,
            who: Some(Who::Customer),
            test: MessageTest::Mentions(named("self_harm")),
        }))
    );

    let Item::Principle(p) = &file.items[6] else {
        panic!()
    };
    let r = &p.rules[1];
    assert_eq!(r.effect.node, Effect::RequireReview);
    let filter = cmp(CmpOp::Le, path("sentiment"), num(-0.4));
    let count = x(ExprKind::Count {
        who: Some(Who::Customer),
        filter: Some(Box::new(filter)),
    });
    assert_eq!(r.when, Some(cmp(CmpOp::Ge, count, num(2.0))));

    let Item::Principle(p) = &file.items[7] else {
        panic!()
    };
    let r = &p.rules[0];
    assert_eq!(r.effect.node, Effect::AllowAi);
    assert_eq!(r.must, vec![named("offer_human")]);
    let list = x(ExprKind::List(vec![
        s("billing_error"),
        s("duplicate_charge"),
        s("invoice_copy"),
    ]));
    let intent = x(ExprKind::In {
        value: Box::new(path("intent")),
        list: Box::new(list),
        negated: false,
    });
    let expected = and(
        and(intent, cmp(CmpOp::Ge, path("ai.confidence"), num(0.85))),
        cmp(CmpOp::Gt, path("signals.sentiment"), num(-0.3)),
    );
    assert_eq!(r.when, Some(expected));
    assert_eq!(
        r.unless,
        Some(cmp(CmpOp::Eq, path("customer.tier"), s("premier")))
    );
}

#[test]
fn spans_are_byte_offsets_of_the_node() {
    let text = "require human \"r\" {\n  when a.b == 1   # c\n  because \"b\"\n}\n";
    let file = ok(text);
    let Item::Rule(r) = &file.items[0] else {
        panic!()
    };
    let w = r.when.as_ref().unwrap();
    assert_eq!(&text[w.span.range()], "a.b == 1");
    assert_eq!(&text[r.span.range()], text.trim_end());
    assert_eq!(&text[r.name.span.range()], "\"r\"");
    assert_eq!(&text[file.comments[0].span.range()], "# c");
}

#[test]
fn precedence_or_and_not_comparison() {
    assert_eq!(
        when("a or b and c"),
        or(path("a"), and(path("b"), path("c")))
    );
    assert_eq!(
        when("a and b or c"),
        or(and(path("a"), path("b")), path("c"))
    );
    assert_eq!(when("not a and b"), and(not(path("a")), path("b")));
    assert_eq!(when("not a == 1"), not(cmp(CmpOp::Eq, path("a"), num(1.0))));
    assert_eq!(when("not not a"), not(not(path("a"))));
    assert_eq!(
        when("(a or b) and c"),
        and(or(path("a"), path("b")), path("c"))
    );
    assert_eq!(
        when("a and b and c"),
        and(and(path("a"), path("b")), path("c"))
    );
    assert_eq!(when("x != -0.4"), cmp(CmpOp::Ne, path("x"), num(-0.4)));
    assert_eq!(when("x < 1e3"), cmp(CmpOp::Lt, path("x"), num(1000.0)));
    assert_eq!(when("x <= 2.5"), cmp(CmpOp::Le, path("x"), num(2.5)));
}

#[test]
fn where_takes_one_comparison_outside_count() {
    let last = |cond: Expr| {
        x(ExprKind::Quantified {
            quantifier: Quantifier::Last,
            who: Some(Who::Customer),
            test: MessageTest::Where(Box::new(cond)),
        })
    };
    assert_eq!(
        when("last customer message where sentiment > 0.3 and intent == \"x\""),
        and(
            last(cmp(CmpOp::Gt, path("sentiment"), num(0.3))),
            cmp(CmpOp::Eq, path("intent"), s("x"))
        )
    );
    let mentions = x(ExprKind::Mentions {
        lhs: Box::new(path("text")),
        lexicon: named("hardship"),
    });
    let any = x(ExprKind::Quantified {
        quantifier: Quantifier::Any,
        who: Some(Who::Customer),
        test: MessageTest::Where(Box::new(and(
            cmp(CmpOp::Lt, path("sentiment"), num(0.0)),
            mentions,
        ))),
    });
    assert_eq!(
        when("any customer message where (sentiment < 0 and text mentions hardship)"),
        any
    );
    // Inside count, `where` takes a whole expression.
    let count = x(ExprKind::Count {
        who: None,
        filter: Some(Box::new(and(
            cmp(CmpOp::Lt, path("sentiment"), num(0.0)),
            path("x"),
        ))),
    });
    assert_eq!(
        when("count(messages where sentiment < 0 and x) > 1"),
        cmp(CmpOp::Gt, count, num(1.0))
    );
}

#[test]
fn quantifiers_and_counts() {
    for (q, quantifier) in [
        ("any", Quantifier::Any),
        ("every", Quantifier::Every),
        ("no", Quantifier::No),
        ("last", Quantifier::Last),
    ] {
        for (w, who) in [
            ("", None),
            ("customer ", Some(Who::Customer)),
            ("ai ", Some(Who::Ai)),
            ("agent ", Some(Who::Agent)),
        ] {
            let e = when(&format!("{q} {w}message matches \"(?i)refund\""));
            let expected = x(ExprKind::Quantified {
                quantifier,
                who,
                test: MessageTest::Matches(named("(?i)refund")),
            });
            assert_eq!(e, expected);
        }
    }
    assert_eq!(
        when("count(ai messages) >= 3"),
        cmp(
            CmpOp::Ge,
            x(ExprKind::Count {
                who: Some(Who::Ai),
                filter: None
            }),
            num(3.0)
        )
    );
}

#[test]
fn words_of_the_language_may_begin_a_path() {
    for p in [
        "ai.confidence",
        "no.thing",
        "message.x",
        "any.y",
        "count.z",
        "customer.tier",
        "not.a",
        "true.b",
        "when.c",
    ] {
        assert_eq!(
            when(&format!("{p} == 1")),
            cmp(CmpOp::Eq, path(p), num(1.0)),
            "{p}"
        );
    }
    assert_eq!(when("android"), path("android"));
    assert_eq!(when("intent"), path("intent"));
    assert_eq!(when("notice"), path("notice"));
    // …and `any ai message` is still a quantifier.
    let q = when("any ai message mentions l");
    assert!(
        matches!(
            q.kind,
            ExprKind::Quantified {
                who: Some(Who::Ai),
                ..
            }
        ),
        "{q:?}"
    );
}

#[test]
fn every_operator() {
    let list = |items: Vec<Expr>| Box::new(x(ExprKind::List(items)));
    assert_eq!(
        when("tier not in [\"a\", \"b\",]"),
        x(ExprKind::In {
            value: Box::new(path("tier")),
            list: list(vec![s("a"), s("b")]),
            negated: true
        })
    );
    assert_eq!(
        when("n in [1, true]"),
        x(ExprKind::In {
            value: Box::new(path("n")),
            list: list(vec![num(1.0), x(ExprKind::Literal(Literal::Bool(true)))]),
            negated: false
        })
    );
    assert_eq!(
        when("tags contains \"vip\""),
        x(ExprKind::Contains {
            lhs: Box::new(path("tags")),
            rhs: Box::new(s("vip"))
        })
    );
    assert_eq!(
        when("customer.note matches \"\\bagent\\b\""),
        x(ExprKind::Matches {
            lhs: Box::new(path("customer.note")),
            pattern: named("\\bagent\\b")
        })
    );
    assert_eq!(
        when("note mentions l"),
        x(ExprKind::Mentions {
            lhs: Box::new(path("note")),
            lexicon: named("l")
        })
    );
    assert_eq!(
        when("customer.id is missing"),
        x(ExprKind::Presence {
            path: named("customer.id"),
            missing: true
        })
    );
    assert_eq!(
        when("customer.id is present"),
        x(ExprKind::Presence {
            path: named("customer.id"),
            missing: false
        })
    );
    assert_eq!(when("true"), x(ExprKind::Literal(Literal::Bool(true))));
    assert_eq!(
        when("false or x"),
        or(x(ExprKind::Literal(Literal::Bool(false))), path("x"))
    );
}

#[test]
fn string_escapes() {
    let file = ok(r#"require human "a \"quoted\" \\ name" {
  when x == "line\nbreak\ttab" and y matches "\bagent\b" and z == "\d+"
  because "b"
}
"#);
    let Item::Rule(r) = &file.items[0] else {
        panic!()
    };
    assert_eq!(r.name.node, "a \"quoted\" \\ name");
    let w = format!("{:?}", r.when);
    assert!(w.contains(r#""line\nbreak\ttab""#), "{w}");
    assert!(w.contains(r#""\\bagent\\b""#), "{w}");
    assert!(w.contains(r#""\\d+""#), "{w}");
}

#[test]
fn every_item_and_clause() {
    let file = ok(r#"policy "P" {
  description "d"
  ai_must a, b
  ai_must c
  version "1"
}
context {
  a.b : list, c : string = "x"
  d : number = -1.5
}
lexicon empty {}
allow ai "All clauses" {
  must m1, m2
  say "hello"
  tag "t1"
  queue "q"
  priority low
  tag "t2"
  because "b"
  unless y
  when x
}
"#);
    let Item::Header(h) = &file.items[0] else {
        panic!()
    };
    assert_eq!(
        h.ai_must
            .iter()
            .map(|m| m.node.as_str())
            .collect::<Vec<_>>(),
        ["a", "b", "c"]
    );
    assert!(h.owner.is_none());
    let Item::Context(c) = &file.items[1] else {
        panic!()
    };
    assert_eq!(c.fields.len(), 3);
    assert_eq!(c.fields[0].ty.node, Type::List);
    assert_eq!(
        c.fields[2].default.as_ref().unwrap().node,
        FieldDefault::Literal(Literal::Number(-1.5))
    );
    let Item::Lexicon(l) = &file.items[2] else {
        panic!()
    };
    assert!(l.phrases.is_empty());
    let Item::Rule(r) = &file.items[3] else {
        panic!()
    };
    assert_eq!(
        r.tags.iter().map(|t| t.node.as_str()).collect::<Vec<_>>(),
        ["t1", "t2"]
    );
    assert_eq!(r.must.len(), 2);
    assert_eq!(r.priority.as_ref().unwrap().node, Priority::Low);
    assert!(r.when.is_some() && r.unless.is_some() && r.say.is_some() && r.queue.is_some());
    // A rule without `when` or `because` still parses: the checker reports it.
    let file = ok("require review \"empty\" {}\n");
    let Item::Rule(r) = &file.items[0] else {
        panic!()
    };
    assert!(r.when.is_none() && r.because.is_none());
}

// ---------------------------------------------------------------------------------------------
// Errors

#[test]
fn bad_routes() {
    let d = first_error("allow human \"x\" {\n  when a\n  because \"y\"\n}\n");
    assert_eq!(d.message, "expected `ai`, found `human`");
    assert!(d.help.unwrap().contains("require human"));
    let d = first_error("require ai \"x\" {\n  when a\n}\n");
    assert_eq!(d.message, "expected `review` or `human`, found `ai`");
    let d = first_error("default allow because \"x\"\n");
    assert_eq!(
        d.message,
        "expected a route (`ai`, `review` or `human`), found `allow`"
    );
}

#[test]
fn unknown_clause() {
    let d = first_error("require human \"x\" {\n  when a\n  foo \"bar\"\n}\n");
    assert_eq!(
        d.message,
        "expected an operator, `and`, `or`, another clause or `}`, found `foo`"
    );
    assert!(d.help.unwrap().contains("`when`, `unless`, `because`"));
    let d = first_error("require human \"x\" {\n  foo \"bar\"\n}\n");
    assert_eq!(
        d.message,
        "expected `when`, `unless`, `because`, `priority`, `queue`, `tag`, `say`, `must` or `}`, found `foo`"
    );
}

#[test]
fn chained_comparison() {
    let d = first_error("require human \"x\" {\n  when 1 < a < 3\n}\n");
    assert_eq!(d.message, "comparisons do not chain");
    assert!(d.help.unwrap().contains("and"));
}

#[test]
fn missing_brace_reports_the_open_one_and_keeps_the_rest() {
    let text = "require human \"a\" {\n  when a\n  because \"y\"\n\nrequire human \"b\" {\n  when b\n  because \"y\"\n}\n";
    let (file, diags) = parse(0, text);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].message, "missing `}`");
    assert_eq!(diags[0].span.unwrap().start, 18);
    assert_eq!(file.items.len(), 1);
    let Item::Rule(r) = &file.items[0] else {
        panic!()
    };
    assert_eq!(r.name.node, "b");
}

#[test]
fn several_errors_in_one_file_and_good_rules_kept() {
    let text = r#"principle "P" {
  require human "bad one" {
    when a ==
    because "y"
  }

  require human "good" {
    when b
    because "y"
  }

  allow human "bad two" {
    when c
    because "y"
  }
}

lexicon l { "a" }

require review "bad three" {
  when x = 1
}
"#;
    let (file, diags) = parse(0, text);
    assert_eq!(diags.len(), 3, "{diags:#?}");
    assert!(diags.iter().all(|d| d.code == Code::Syntax));
    assert_eq!(diags[2].help.as_deref(), Some("compare with `==`"));
    assert_eq!(file.items.len(), 2, "{:#?}", file.items);
    let Item::Principle(p) = &file.items[0] else {
        panic!()
    };
    assert_eq!(p.rules.len(), 1);
    assert_eq!(p.rules[0].name.node, "good");
    assert!(matches!(file.items[1], Item::Lexicon(_)));
}

#[test]
fn clause_given_twice() {
    let text =
        "require human \"X\" {\n  when a\n  because \"y\"\n  when b\n  tag \"t\"\n  tag \"u\"\n}\n";
    let (file, diags) = parse(0, text);
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code, Code::Syntax);
    assert_eq!(diags[0].message, "`when` is given twice in rule `X`");
    assert_eq!(diags[0].related.len(), 1);
    assert_eq!(&text[diags[0].related[0].span.range()], "when a");
    // The rule is kept, with its first `when`.
    let Item::Rule(r) = &file.items[0] else {
        panic!()
    };
    assert_eq!(r.when, Some(path("a")));
    assert_eq!(r.tags.len(), 2);
}

#[test]
fn common_mistakes_read_well() {
    let d = first_error("require human \"x\" {\n  when x == 'a'\n}\n");
    assert_eq!(d.message, "expected an expression, found `'`");
    assert_eq!(
        d.help.as_deref(),
        Some("strings are written in double quotes")
    );
    let d = first_error("require human \"x\" {\n  when x == \"abc\n}\n");
    assert_eq!(d.message, "unterminated string");
    let d = first_error("require human \"x\" {\n  when a and\n  because \"y\"\n}\n");
    assert_eq!(d.message, "expected an expression, found `because`");
    let d = first_error("context {\n  a : int\n}\n");
    assert!(d.message.starts_with("expected a type"), "{}", d.message);
    let d = first_error("require human \"x\" {\n  when any customer message mention l\n}\n");
    assert_eq!(
        d.message,
        "expected `matches`, `mentions` or `where`, found `mention`"
    );
    let d = first_error("require human \"x\" {\n  priority critical\n}\n");
    assert_eq!(
        d.message,
        "expected a priority (`low`, `normal`, `high` or `urgent`), found `critical`"
    );
    let d = first_error("require human \"x\" {\n  when (a and b\n  because \"y\"\n}\n");
    assert_eq!(
        d.message,
        "expected an operator, `and`, `or` or `)`, found `because`"
    );
    let d = first_error("require human \"x\" {\n  when (a == 1) is missing\n}\n");
    assert_eq!(
        d.message,
        "`is missing` and `is present` apply to a field path"
    );
    let d = first_error("require human \"x\" {\n  when a > 1e999\n}\n");
    assert_eq!(d.message, "number `1e999` is out of range");
    for d in errors("oops\nrequire human \"x\" {\n  when a\n}\n") {
        assert!(
            !d.message.contains("rule_") && !d.message.contains("kw_"),
            "{}",
            d.message
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Depth: never a stack overflow, on the default 2 MiB test thread.

fn assert_too_deep(text: &str) {
    let (_, diags) = parse(0, text);
    assert!(
        diags
            .iter()
            .any(|d| d.code == Code::Syntax && d.message == "expression nested too deeply"),
        "{diags:#?}"
    );
}

#[test]
fn deep_nesting_is_refused_not_overflowing() {
    let n = 20_000;
    let rule =
        |cond: String| format!("require human \"x\" {{\n  when {cond}\n  because \"y\"\n}}\n");
    assert_too_deep(&rule(format!("{}a{}", "(".repeat(n), ")".repeat(n))));
    assert_too_deep(&rule(format!("{}a", "not ".repeat(n))));
    assert_too_deep(&rule(format!("x in {}1{}", "[".repeat(n), "]".repeat(n))));
    assert_too_deep(&rule(format!("{}a", "any message where ".repeat(n))));
    assert_too_deep(&rule(format!("{}a", "(not ".repeat(n))));
    assert_too_deep(&rule(vec!["a"; n].join(" and ")));
    assert_too_deep(&rule(format!(
        "{}a{}",
        "count(messages where ".repeat(n),
        ") > 1".repeat(n)
    )));
    // Unbalanced: never closed.
    assert_too_deep(&rule("(".repeat(n)));
}

#[test]
fn nesting_within_the_limit_parses() {
    let depth = MAX_DEPTH - 1;
    let e = when(&format!("{}a{}", "(".repeat(depth), ")".repeat(depth)));
    assert_eq!(e, path("a"));
    let e = when(&format!("{}a", "not ".repeat(depth)));
    assert!(matches!(e.kind, ExprKind::Not(_)));
    let e = when(&format!(
        "{}a{}",
        "(not ".repeat(depth / 2),
        ")".repeat(depth / 2)
    ));
    assert!(matches!(e.kind, ExprKind::Not(_)));
}

/// Every `.policy` file under `dir`, recursively.
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
        if !name.contains("syntax") && !name.contains("mistake") {
            assert!(diags.is_empty(), "{}: {diags:#?}", path.display());
        }
        let sources = [handoff::source::Source::new(name, text)];
        print!(
            "{}",
            handoff::diagnostic::render(&diags, &sources, false, 100)
        );
    }
}
