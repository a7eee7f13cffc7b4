//! Syntax diagnostics built from pest errors, with readable token names.

use super::grammar::Rule;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// Where a token group comes in the list of what was expected.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    Item,
    RuleItem,
    Field,
    Operator,
    Connective,
    Clause,
    Value,
    Punct,
}

/// What pest was trying to read at the error, which decides how some tokens are named.
#[derive(Clone, Copy)]
struct Context {
    /// The start of an expression: every kind of operand is possible.
    operand: bool,
    /// After a complete operand: an operator may follow.
    operator: bool,
}

/// A readable name for a rule pest expected, and its group.
fn describe(r: Rule, cx: Context) -> Option<(Group, &'static str)> {
    use Group::*;
    if cx.operand
        && matches!(
            r,
            Rule::path
                | Rule::boolean
                | Rule::number
                | Rule::string
                | Rule::lparen
                | Rule::lbracket
                | Rule::quantifier
                | Rule::kw_count
                | Rule::kw_not
        )
    {
        return Some((Value, "an expression"));
    }
    if cx.operator
        && matches!(
            r,
            Rule::cmp_op
                | Rule::kw_in
                | Rule::kw_not
                | Rule::kw_contains
                | Rule::kw_matches
                | Rule::kw_mentions
                | Rule::kw_is
        )
    {
        return Some((Operator, "an operator"));
    }
    name(r)
}

/// A readable name for a rule pest expected, and its group, whatever came before.
fn name(r: Rule) -> Option<(Group, &'static str)> {
    use Group::*;
    let d = match r {
        Rule::kw_policy => (Item, "`policy`"),
        Rule::kw_default => (Item, "`default`"),
        Rule::kw_context => (Item, "`context`"),
        Rule::kw_lexicon => (Item, "`lexicon`"),
        Rule::kw_principle => (Item, "`principle`"),
        Rule::kw_allow | Rule::kw_require | Rule::effect | Rule::rule_decl => {
            (RuleItem, "a rule (`allow ai`, `require review` or `require human`)")
        }
        Rule::kw_owner => (Field, "`owner`"),
        Rule::kw_version => (Field, "`version`"),
        Rule::kw_description => (Field, "`description`"),
        Rule::kw_ai_must => (Field, "`ai_must`"),
        Rule::path => (Value, "a field path"),
        Rule::expr
        | Rule::conjunction
        | Rule::negation
        | Rule::comparison
        | Rule::paren
        | Rule::quantified
        | Rule::count => (Value, "an expression"),
        Rule::ty_bool | Rule::ty_number | Rule::ty_string | Rule::ty_list | Rule::kw_one => {
            (Value, "a type (`bool`, `number`, `string`, `list` or `one of [..]`)")
        }
        Rule::route => (Value, "a route (`ai`, `review` or `human`)"),
        Rule::kw_ai => (Value, "`ai`"),
        Rule::kw_review => (Value, "`review`"),
        Rule::kw_human => (Value, "`human`"),
        Rule::priority_level => (Value, "a priority (`low`, `normal`, `high` or `urgent`)"),
        Rule::kw_when => (Clause, "`when`"),
        Rule::kw_unless => (Clause, "`unless`"),
        Rule::kw_because => (Clause, "`because`"),
        Rule::kw_priority => (Clause, "`priority`"),
        Rule::kw_queue => (Clause, "`queue`"),
        Rule::kw_tag => (Clause, "`tag`"),
        Rule::kw_say => (Clause, "`say`"),
        Rule::kw_must => (Clause, "`must`"),
        Rule::kw_ensure => (Clause, "`ensure`"),
        Rule::kw_guarantee => (Value, "`guarantee`"),
        Rule::ensure_route => (Value, "`human` or `review`"),
        Rule::kw_and => (Connective, "`and`"),
        Rule::kw_or => (Connective, "`or`"),
        Rule::cmp_op => (Operator, "a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`)"),
        Rule::list | Rule::lbracket => (Value, "a list `[..]`"),
        Rule::boolean => (Value, "`true` or `false`"),
        Rule::number => (Value, "a number"),
        Rule::string => (Value, "a string"),
        Rule::ident => (Value, "a name"),
        Rule::who => (Value, "`customer`, `ai` or `agent`"),
        Rule::quantifier => (Value, "`any`, `every`, `no` or `last`"),
        Rule::kw_message => (Value, "`message`"),
        Rule::kw_messages => (Value, "`messages`"),
        Rule::kw_mentions => (Value, "`mentions`"),
        Rule::kw_matches => (Value, "`matches`"),
        Rule::kw_where => (Value, "`where`"),
        Rule::kw_contains => (Value, "`contains`"),
        Rule::kw_not => (Value, "`not`"),
        Rule::kw_in => (Value, "`in`"),
        Rule::kw_is => (Value, "`is`"),
        Rule::kw_of => (Value, "`of`"),
        Rule::kw_count => (Value, "`count`"),
        Rule::kw_missing => (Value, "`missing`"),
        Rule::kw_present => (Value, "`present`"),
        Rule::lbrace => (Punct, "`{`"),
        Rule::rbrace => (Punct, "`}`"),
        Rule::lparen => (Punct, "`(`"),
        Rule::rparen => (Punct, "`)`"),
        Rule::rbracket => (Punct, "`]`"),
        Rule::comma => (Punct, "`,`"),
        Rule::colon => (Punct, "`:`"),
        Rule::assign => (Punct, "`=`"),
        Rule::EOI => (Punct, "the end of the item"),
        _ => return None,
    };
    Some(d)
}

/// Joins names as `a, b or c`.
fn join(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// What the text holds at `pos`, for "found …".
fn found(text: &str, pos: usize) -> String {
    let rest = text.get(pos..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return "end of file".to_string();
    };
    if first == '"' {
        return "a string".to_string();
    }
    if first.is_ascii_alphanumeric() || first == '_' {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
            .collect();
        return format!("`{word}`");
    }
    let op: String = rest.chars().take_while(|c| "=!<>".contains(*c)).collect();
    if op.is_empty() {
        format!("`{first}`")
    } else {
        format!("`{op}`")
    }
}

/// Whether the string that starts `rest` has no closing quote on its line.
fn unterminated(rest: &str) -> bool {
    let mut chars = rest.chars().skip(1);
    while let Some(c) = chars.next() {
        match c {
            '"' => return false,
            '\n' => return true,
            '\\' if chars.next().is_none_or(|n| n == '\n') => return true,
            _ => {}
        }
    }
    true
}

/// Builds the `syntax` diagnostic for a pest error in a piece of `text` that starts at
/// `offset` (pest positions are relative to the piece).
pub(super) fn from_pest(err: &pest::error::Error<Rule>, file: FileId, text: &str, offset: usize) -> Diagnostic {
    let at = offset
        + match err.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((s, _)) => s,
        };
    // At the end of a piece pest points before the blank that separates it from the next one.
    let rest = text.get(at..).unwrap_or("");
    let pos = at + (rest.len() - rest.trim_start().len());
    if text.get(pos..).is_some_and(|r| r.starts_with('"')) && unterminated(text.get(pos..).unwrap_or("")) {
        return Diagnostic::at(Code::Syntax, Span::new(file, pos, pos + 1), "unterminated string")
            .with_label("this string is not closed on its line")
            .with_help("end the string with `\"`; write a line break inside a string as `\\n`");
    }
    let found = found(text, pos);
    // Underline the whole word that was found, or its first character.
    let rest = text.get(pos..).unwrap_or("");
    let word = rest.len()
        - rest
            .trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
            .len();
    let width = if word > 0 {
        word
    } else {
        rest.chars().next().map_or(0, char::len_utf8)
    };
    let span = Span::new(file, pos, pos + width);
    let positives = match &err.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        pest::error::ErrorVariant::CustomError { message } => {
            return Diagnostic::at(Code::Syntax, span, format!("cannot parse this: {message}"))
                .with_help("simplify the expression");
        }
    };
    let cx = Context {
        operand: positives.contains(&Rule::quantifier) || positives.contains(&Rule::kw_count),
        operator: positives.contains(&Rule::cmp_op),
    };
    let mut names: Vec<(Group, &str)> = positives.iter().filter_map(|r| describe(*r, cx)).collect();
    // Stable: pest's order within a group, except `and` before `or`.
    names.sort_by_key(|(g, n)| (*g, if *g == Group::Connective { *n } else { "" }));
    names.dedup();
    // After a complete expression pest expects operators, connectives and clauses at once;
    // name the clauses as a group then.
    let clauses = names.iter().filter(|(g, _)| *g == Group::Clause).count();
    if clauses > 2
        && names
            .iter()
            .any(|(g, _)| *g == Group::Operator || *g == Group::Connective)
    {
        names.retain(|(g, _)| *g != Group::Clause);
        names.push((Group::Clause, "another clause"));
        names.sort_by_key(|(g, _)| *g);
    }
    let list: Vec<&str> = names.iter().map(|(_, n)| *n).collect();
    let message = if list.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {}, found {found}", join(&list))
    };
    let help = help_for(&positives, text, pos).map_or_else(|| general_help(&names), str::to_string);
    Diagnostic::at(Code::Syntax, span, message).with_help(help)
}

/// The help of a syntax error no hint of [`help_for`] fits (LANGUAGE.md §8: every problem
/// comes with help), after what was expected.
fn general_help(expected: &[(Group, &str)]) -> String {
    let names: Vec<&str> = expected.iter().map(|(_, n)| *n).collect();
    let help = match expected.first().map(|(g, _)| *g) {
        _ if names == ["`because`"] => "a default is written `default ROUTE because \"reason\"`",
        Some(Group::Item | Group::RuleItem) => {
            "a file holds a `policy` header, `default`, `context`, `lexicon`, `principle` and rule items"
        }
        Some(Group::Field) => "a `policy` header holds `owner`, `version`, `description` and `ai_must`",
        Some(Group::Clause) => {
            "a rule holds the clauses `when`, `unless`, `because`, `priority`, `queue`, `tag`, `say` and `must`"
        }
        Some(Group::Value) if names.contains(&"an expression") => {
            "a condition goes here, such as `intent == \"billing\"` or `any customer message mentions LEXICON`"
        }
        Some(Group::Operator | Group::Connective) => {
            "conditions are joined with `and` or `or`; a comparison takes one operator (`==`, `!=`, `<`, `<=`, `>`, `>=`)"
        }
        Some(Group::Value) => return format!("write {} here", join(&names)),
        Some(Group::Punct) | None => {
            "check the text just before this point: a missing `}`, `)`, `]`, `,` or `\"` often shows here"
        }
    };
    help.to_string()
}

/// A hint for the common mistakes.
fn help_for(positives: &[Rule], text: &str, pos: usize) -> Option<&'static str> {
    let rest = text.get(pos..).unwrap_or("");
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if positives.contains(&Rule::kw_ai) {
        return Some(
            "`allow` only takes `ai`; to hand the conversation to a person write `require human` or `require review`",
        );
    }
    if positives.contains(&Rule::kw_review) && word == "ai" {
        return Some("`require` takes `review` or `human`; to let the assistant act write `allow ai`");
    }
    if rest.starts_with('=') && !rest.starts_with("==") {
        return Some("compare with `==`");
    }
    if positives.contains(&Rule::kw_when) && !word.is_empty() {
        return Some(
            "a rule holds the clauses `when`, `unless`, `because`, `priority`, `queue`, `tag`, `say` and `must`",
        );
    }
    if positives.contains(&Rule::route) {
        return Some("a route is `ai`, `review` or `human`");
    }
    if rest.starts_with('\'') {
        return Some("strings are written in double quotes");
    }
    None
}

/// `{` opened at `open` and never closed.
pub(super) fn unclosed(file: FileId, open: usize, at: usize) -> Diagnostic {
    Diagnostic::at(Code::Syntax, Span::new(file, open, open + 1), "missing `}`")
        .with_label("this `{` is never closed")
        .with_related(Span::new(file, at, at), "expected `}` by here")
        .with_help("close the block with `}`")
}

/// Nesting beyond [`crate::ast::MAX_DEPTH`].
pub(super) fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::at(Code::Syntax, span, "expression nested too deeply").with_help(format!(
        "expressions may nest at most {} levels; split the condition into several rules",
        crate::ast::MAX_DEPTH
    ))
}
