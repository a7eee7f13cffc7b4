//! The typed syntax tree of a `.policy` file.
//!
//! Every node carries a [`Span`]; equality ignores spans (see [`crate::source`]). The tree says
//! what was written, not whether it makes sense: a rule without `when` or `because` still
//! lowers (the checker reports `missing-when` / `missing-because`), so that every problem of a
//! set is reported in one run.

use crate::source::{FileId, Span, Spanned};

/// One parsed file.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    pub id: FileId,
    pub items: Vec<Item>,
    /// Every `#` comment of the file, in order, for the formatter.
    pub comments: Vec<Comment>,
    /// What the parts that did not parse would have declared.
    pub broken: Broken,
}

/// What parts of a file that did not parse would have declared (LANGUAGE.md §8: one mistake,
/// one diagnostic). Their uses are checked as if declared, with any type.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Broken {
    /// Context paths whose declaration did not parse.
    pub fields: Vec<String>,
    /// Rules with clauses that did not parse, holding the clauses that did: their
    /// expressions and templates are checked, nothing that needs the missing clauses.
    pub rules: Vec<Rule>,
}

/// A `# …` comment; `text` excludes the `#` and the line end.
#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Header(Header),
    Default(DefaultDecl),
    Context(ContextBlock),
    Lexicon(Lexicon),
    Principle(Principle),
    Rule(Rule),
    /// **(v0.2)** A guarantee standing alone.
    Guarantee(Guarantee),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Header(x) => x.span,
            Item::Default(x) => x.span,
            Item::Context(x) => x.span,
            Item::Lexicon(x) => x.span,
            Item::Principle(x) => x.span,
            Item::Rule(x) => x.span,
            Item::Guarantee(x) => x.span,
        }
    }
}

/// `policy "NAME" { owner "…" version "…" description "…" ai_must a, b }`
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    pub name: Spanned<String>,
    pub owner: Option<Spanned<String>>,
    pub version: Option<Spanned<String>>,
    pub description: Option<Spanned<String>>,
    /// `ai_must` may be written once with a list or several times; all are kept.
    pub ai_must: Vec<Spanned<String>>,
    pub span: Span,
}

/// `default ROUTE because "…"`
#[derive(Clone, Debug, PartialEq)]
pub struct DefaultDecl {
    pub route: Spanned<Route>,
    pub because: Spanned<String>,
    pub span: Span,
}

/// `context { path : type = default … }`
#[derive(Clone, Debug, PartialEq)]
pub struct ContextBlock {
    pub fields: Vec<FieldDecl>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldDecl {
    pub path: Spanned<String>,
    pub ty: Spanned<Type>,
    pub default: Option<Spanned<FieldDefault>>,
    pub span: Span,
}

/// A field's `= default`: a literal, or a list of literals (for a `list` field, strings).
#[derive(Clone, Debug, PartialEq)]
pub enum FieldDefault {
    Literal(Literal),
    List(Vec<Literal>),
}

/// The type of a context field.
#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    Bool,
    Number,
    String,
    /// A string from this list.
    OneOf(Vec<String>),
    /// A list of strings.
    List,
}

/// `lexicon NAME { "phrase", … }`
#[derive(Clone, Debug, PartialEq)]
pub struct Lexicon {
    pub name: Spanned<String>,
    pub phrases: Vec<Spanned<String>>,
    pub span: Span,
}

/// `principle "NAME" { rules… guarantees… }`
#[derive(Clone, Debug, PartialEq)]
pub struct Principle {
    pub name: Spanned<String>,
    pub rules: Vec<Rule>,
    /// **(v0.2)** Its guarantees (written among its rules, in any order).
    pub guarantees: Vec<Guarantee>,
    pub span: Span,
}

/// **(v0.2)** `guarantee "NAME" { when EXPR unless EXPR ensure human|review }` (LANGUAGE.md §9):
/// a floor on the route for every possible conversation, proved by `check`, never evaluated.
/// Clauses are optional here; the checker requires `when`, lowering requires `ensure`.
#[derive(Clone, Debug, PartialEq)]
pub struct Guarantee {
    pub name: Spanned<String>,
    pub when: Option<Expr>,
    pub unless: Option<Expr>,
    /// `human` or `review`.
    pub ensure: Option<Spanned<Route>>,
    pub span: Span,
}

/// `EFFECT ROUTE "name" { clauses }`. Clauses are optional here; the checker requires
/// `when` and `because`.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub effect: Spanned<Effect>,
    pub name: Spanned<String>,
    pub when: Option<Expr>,
    pub unless: Option<Expr>,
    pub because: Option<Spanned<String>>,
    pub priority: Option<Spanned<Priority>>,
    pub queue: Option<Spanned<String>>,
    pub tags: Vec<Spanned<String>>,
    pub say: Option<Spanned<String>>,
    pub must: Vec<Spanned<String>>,
    pub span: Span,
}

impl Rule {
    /// A rule with no clauses yet (the parsers fill them in as they read them).
    pub fn new(effect: Spanned<Effect>, name: Spanned<String>, span: Span) -> Rule {
        Rule {
            effect,
            name,
            when: None,
            unless: None,
            because: None,
            priority: None,
            queue: None,
            tags: Vec::new(),
            say: None,
            must: Vec::new(),
            span,
        }
    }
}

/// What a rule does when it matches. Ordered from least to most human involvement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Effect {
    /// `allow ai`
    AllowAi,
    /// `require review`
    RequireReview,
    /// `require human`
    RequireHuman,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::AllowAi => "allow ai",
            Effect::RequireReview => "require review",
            Effect::RequireHuman => "require human",
        }
    }

    pub fn route(self) -> Route {
        match self {
            Effect::AllowAi => Route::Ai,
            Effect::RequireReview => Route::Review,
            Effect::RequireHuman => Route::Human,
        }
    }

    pub fn is_require(self) -> bool {
        !matches!(self, Effect::AllowAi)
    }
}

/// Where a conversation goes. Ordered from most AI autonomy to least.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Route {
    Ai,
    Review,
    Human,
}

impl Route {
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Ai => "ai",
            Route::Review => "review",
            Route::Human => "human",
        }
    }

    pub fn parse(s: &str) -> Option<Route> {
        match s {
            "ai" => Some(Route::Ai),
            "review" => Some(Route::Review),
            "human" => Some(Route::Human),
            _ => None,
        }
    }
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        match s {
            "low" => Some(Priority::Low),
            "normal" => Some(Priority::Normal),
            "high" => Some(Priority::High),
            "urgent" => Some(Priority::Urgent),
            _ => None,
        }
    }
}

impl std::fmt::Display for Priority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A literal value.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Bool(bool),
    Number(f64),
    String(String),
}

/// An expression with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
    /// The parentheses written around it, for the formatter; nothing else reads them.
    pub parens: Parens,
}

impl Expr {
    /// An expression written without parentheses of its own.
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr {
            kind,
            span,
            parens: Parens::default(),
        }
    }
}

/// How many pairs of parentheses the author wrote around an expression: 2 for `((a))`, 0 for
/// `a`. Like a [`Span`], it is layout, not meaning: it
/// never takes part in equality (`(a > 1)` and `a > 1` are the same tree), and evaluation,
/// checking and proofs never look at it. `handoff fmt` prints them back.
#[derive(Clone, Copy, Debug, Default)]
pub struct Parens(pub u32);

impl PartialEq for Parens {
    fn eq(&self, _: &Parens) -> bool {
        true
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Literal(Literal),
    /// `[a, b, …]` — only meaningful as the right side of `in`; kept general for diagnostics.
    List(Vec<Expr>),
    /// A dotted path: `customer.tier`, `signals.distress`, or inside `where` also `text`,
    /// `sentiment`, `from`.
    Path(String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Compare { op: CmpOp, lhs: Box<Expr>, rhs: Box<Expr> },
    /// `x in [..]` / `x not in [..]`; `list` is the list expression (normally `List`).
    In { value: Box<Expr>, list: Box<Expr>, negated: bool },
    /// `list contains "v"` or `text contains "v"`.
    Contains { lhs: Box<Expr>, rhs: Box<Expr> },
    /// `text matches "regex"`.
    Matches { lhs: Box<Expr>, pattern: Spanned<String> },
    /// `text mentions LEXICON`.
    Mentions { lhs: Box<Expr>, lexicon: Spanned<String> },
    /// `path is missing` (`missing: true`) / `path is present` (`missing: false`).
    Presence { path: Spanned<String>, missing: bool },
    /// `any|every|no|last WHO message TEST`.
    Quantified { quantifier: Quantifier, who: Option<Who>, test: MessageTest },
    /// `count(WHO messages)` / `count(WHO messages where EXPR)`.
    Count { who: Option<Who>, filter: Option<Box<Expr>> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// The operator with its operands swapped: `k < x` is `x > k`.
    pub fn flipped(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            other => other,
        }
    }

    /// The operator that holds exactly when this one does not (for two known, comparable
    /// values): `<` is `>=`.
    pub fn negated(self) -> CmpOp {
        match self {
            CmpOp::Eq => CmpOp::Ne,
            CmpOp::Ne => CmpOp::Eq,
            CmpOp::Lt => CmpOp::Ge,
            CmpOp::Le => CmpOp::Gt,
            CmpOp::Gt => CmpOp::Le,
            CmpOp::Ge => CmpOp::Lt,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Quantifier {
    Any,
    Every,
    No,
    Last,
}

impl Quantifier {
    pub fn as_str(self) -> &'static str {
        match self {
            Quantifier::Any => "any",
            Quantifier::Every => "every",
            Quantifier::No => "no",
            Quantifier::Last => "last",
        }
    }
}

/// Who sent a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Who {
    Customer,
    Ai,
    Agent,
}

impl Who {
    pub fn as_str(self) -> &'static str {
        match self {
            Who::Customer => "customer",
            Who::Ai => "ai",
            Who::Agent => "agent",
        }
    }
}

/// What a quantifier asks of each message.
#[derive(Clone, Debug, PartialEq)]
pub enum MessageTest {
    /// `… message mentions LEXICON`
    Mentions(Spanned<String>),
    /// `… message matches "regex"`
    Matches(Spanned<String>),
    /// `… message where EXPR` (one comparison, or a parenthesised expression)
    Where(Box<Expr>),
}

/// Walks an expression tree without recursion on the Rust stack (nesting is user input).
pub fn walk_expr<'a>(root: &'a Expr, mut visit: impl FnMut(&'a Expr)) {
    let mut stack = vec![root];
    while let Some(e) = stack.pop() {
        visit(e);
        match &e.kind {
            ExprKind::Literal(_) | ExprKind::Path(_) | ExprKind::Presence { .. } => {}
            ExprKind::List(items) => stack.extend(items.iter().rev()),
            ExprKind::Not(x) => stack.push(x),
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                stack.push(b);
                stack.push(a);
            }
            ExprKind::Compare { lhs, rhs, .. } | ExprKind::Contains { lhs, rhs } => {
                stack.push(rhs);
                stack.push(lhs);
            }
            ExprKind::In { value, list, .. } => {
                stack.push(list);
                stack.push(value);
            }
            ExprKind::Matches { lhs, .. } | ExprKind::Mentions { lhs, .. } => stack.push(lhs),
            ExprKind::Quantified { test, .. } => {
                if let MessageTest::Where(x) = test {
                    stack.push(x);
                }
            }
            ExprKind::Count { filter, .. } => {
                if let Some(x) = filter {
                    stack.push(x);
                }
            }
        }
    }
}

/// Deepest nesting the language accepts; lowering reports a `syntax` error beyond it, so every
/// later stage may recurse safely.
pub const MAX_DEPTH: usize = 256;
