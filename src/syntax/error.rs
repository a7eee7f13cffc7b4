//! Syntax diagnostics built from pest errors, with readable token names.

use super::grammar::Rule;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// Where a token group comes in the list of what was expected.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    Item,
    Field,
    Operator,
    Connective,
    Clause,
    Value,
    Punct,
}

/// A readable name for a rule pest expected, and its group.
fn describe(r: Rule) -> Option<(Group, &'static str)> {
    use Group::*;
    let d = match r {
        Rule::header => (Item, "`policy`"),
        Rule::default_decl => (Item, "`default`"),
        Rule::context_block => (Item, "`context`"),
        Rule::lexicon => (Item, "`lexicon`"),
        Rule::principle | Rule::kw_principle => (Item, "`principle`"),
        Rule::rule_decl | Rule::effect => (Item, "a rule (`allow ai`, `require review` or `require human`)"),
        Rule::owner_field => (Field, "`owner`"),
        Rule::version_field => (Field, "`version`"),
        Rule::description_field => (Field, "`description`"),
        Rule::ai_must_field => (Field, "`ai_must`"),
        Rule::field_decl | Rule::path => (Value, "a field path"),
        Rule::ty_bool | Rule::ty_number | Rule::ty_string | Rule::ty_list | Rule::ty_one_of => {
            (Value, "a type (`bool`, `number`, `string`, `list` or `one of [..]`)")
        }
        Rule::route => (Value, "a route (`ai`, `review` or `human`)"),
        Rule::kw_ai => (Value, "`ai`"),
        Rule::kw_review => (Value, "`review`"),
        Rule::kw_human => (Value, "`human`"),
        Rule::priority_level => (Value, "a priority (`low`, `normal`, `high` or `urgent`)"),
        Rule::when_clause => (Clause, "`when`"),
        Rule::unless_clause => (Clause, "`unless`"),
        Rule::because_clause | Rule::kw_because => (Clause, "`because`"),
        Rule::priority_clause => (Clause, "`priority`"),
        Rule::queue_clause => (Clause, "`queue`"),
        Rule::tag_clause => (Clause, "`tag`"),
        Rule::say_clause => (Clause, "`say`"),
        Rule::must_clause => (Clause, "`must`"),
        Rule::compare_tail
        | Rule::cmp_op
        | Rule::in_tail
        | Rule::not_in_tail
        | Rule::contains_tail
        | Rule::matches_tail
        | Rule::mentions_tail
        | Rule::presence_tail => (Operator, "an operator"),
        Rule::kw_and => (Connective, "`and`"),
        Rule::kw_or => (Connective, "`or`"),
        Rule::expr
        | Rule::conjunction
        | Rule::negation
        | Rule::comparison
        | Rule::paren
        | Rule::quantified
        | Rule::count
        | Rule::kw_not => (Value, "an expression"),
        Rule::list => (Value, "a list `[..]`"),
        Rule::boolean | Rule::number => (Value, "a value"),
        Rule::string => (Value, "a string"),
        Rule::ident => (Value, "a name"),
        Rule::who => (Value, "`customer`, `ai` or `agent`"),
        Rule::kw_message => (Value, "`message`"),
        Rule::kw_messages => (Value, "`messages`"),
        Rule::test_mentions => (Value, "`mentions`"),
        Rule::test_matches => (Value, "`matches`"),
        Rule::test_where | Rule::kw_where => (Value, "`where`"),
        Rule::kw_in => (Value, "`in`"),
        Rule::kw_of => (Value, "`of`"),
        Rule::kw_missing => (Value, "`missing`"),
        Rule::kw_present => (Value, "`present`"),
        Rule::lbrace => (Punct, "`{`"),
        Rule::rbrace => (Punct, "`}`"),
        Rule::lparen => (Punct, "`(`"),
        Rule::rparen => (Punct, "`)`"),
        Rule::lbracket => (Punct, "`[`"),
        Rule::rbracket => (Punct, "`]`"),
        Rule::comma => (Punct, "`,`"),
        Rule::colon => (Punct, "`:`"),
        Rule::assign => (Punct, "`=`"),
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
    let Some(first) = rest.chars().next() else { return "end of file".to_string() };
    if first == '"' {
        return "a string".to_string();
    }
    if first.is_ascii_alphanumeric() || first == '_' {
        let word: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.').collect();
        return format!("`{word}`");
    }
    let op: String = rest.chars().take_while(|c| "=!<>".contains(*c)).collect();
    if op.is_empty() { format!("`{first}`") } else { format!("`{op}`") }
}

/// Builds the `syntax` diagnostic for a pest error in a piece of `text` that starts at
/// `offset` (pest positions are relative to the piece).
pub(super) fn from_pest(err: &pest::error::Error<Rule>, file: FileId, text: &str, offset: usize) -> Diagnostic {
    let pos = offset
        + match err.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((s, _)) => s,
        };
    let found = found(text, pos);
    let width = text.get(pos..).and_then(|r| r.chars().next()).map_or(0, char::len_utf8);
    let span = Span::new(file, pos, pos + width);
    let positives = match &err.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        pest::error::ErrorVariant::CustomError { message } => {
            return Diagnostic::at(Code::Syntax, span, format!("cannot parse this: {message}"))
                .with_help("simplify the expression");
        }
    };
    let mut names: Vec<(Group, &str)> = positives.iter().filter_map(|r| describe(*r)).collect();
    names.sort_by_key(|(g, _)| *g);
    names.dedup();
    // After a complete expression pest expects operators, connectives and clauses at once;
    // name the clauses as a group then.
    let clauses = names.iter().filter(|(g, _)| *g == Group::Clause).count();
    if clauses > 2 && names.iter().any(|(g, _)| *g == Group::Operator || *g == Group::Connective) {
        names.retain(|(g, _)| *g != Group::Clause);
        names.push((Group::Clause, "another clause"));
        names.sort_by_key(|(g, _)| *g);
    }
    let list: Vec<&str> = names.iter().map(|(_, n)| *n).collect();
    let message = if list.is_empty() { format!("unexpected {found}") } else { format!("expected {}, found {found}", join(&list)) };
    let mut d = Diagnostic::at(Code::Syntax, span, message);
    if let Some(help) = help_for(&positives, text, pos) {
        d = d.with_help(help);
    }
    d
}

/// A hint for the common mistakes.
fn help_for(positives: &[Rule], text: &str, pos: usize) -> Option<&'static str> {
    let rest = text.get(pos..).unwrap_or("");
    let word: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    if positives.contains(&Rule::kw_ai) {
        return Some("`allow` only takes `ai`; to hand the conversation to a person write `require human` or `require review`");
    }
    if positives.contains(&Rule::kw_review) && word == "ai" {
        return Some("`require` takes `review` or `human`; to let the assistant act write `allow ai`");
    }
    if rest.starts_with('=') && !rest.starts_with("==") {
        return Some("compare with `==`");
    }
    if positives.contains(&Rule::when_clause) && !word.is_empty() {
        return Some("a rule holds the clauses `when`, `unless`, `because`, `priority`, `queue`, `tag`, `say` and `must`");
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
    Diagnostic::at(Code::Syntax, span, "expression nested too deeply")
        .with_help(format!("expressions may nest at most {} levels; split the condition into several rules", crate::ast::MAX_DEPTH))
}
