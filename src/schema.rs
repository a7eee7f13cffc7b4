//! The fields a policy set may read: built-ins, signals, and every `context` declaration.
//!
//! Shared by the checker (which reports problems with declarations) and the compiler (which
//! turns each readable path into a slot).

use crate::ast::{self, FieldDefault, Literal, Type};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// What is known about one readable path.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub ty: Type,
    pub default: Option<FieldDefault>,
    /// The first declaration; `None` for built-ins.
    pub declared_at: Option<Span>,
    /// Closed range of meaningful numbers (signals), for `out-of-range` warnings.
    pub range: Option<(f64, f64)>,
}

/// The signals of LANGUAGE.md §5, with their types and ranges.
pub const SIGNALS: [(&str, SignalType, f64, f64); 8] = [
    ("signals.sentiment", SignalType::Number, -1.0, 1.0),
    ("signals.sentiment_min", SignalType::Number, -1.0, 1.0),
    ("signals.negative_streak", SignalType::Number, 0.0, f64::INFINITY),
    ("signals.distress", SignalType::Number, 0.0, 1.0),
    ("signals.human_requested", SignalType::Bool, 0.0, 1.0),
    ("signals.crisis", SignalType::Bool, 0.0, 1.0),
    ("signals.repeated", SignalType::Number, 0.0, f64::INFINITY),
    ("signals.ai_turns", SignalType::Number, 0.0, f64::INFINITY),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignalType {
    Number,
    Bool,
}

/// Names that refer to the current message inside `where`.
pub const MESSAGE_FIELDS: [&str; 3] = ["text", "sentiment", "from"];

/// The type and range of a message field inside `where`.
pub fn message_field(name: &str) -> Option<Field> {
    let ty = message_type(name)?.clone();
    let range = (name == "sentiment").then_some((-1.0, 1.0));
    Some(Field { ty, default: None, declared_at: None, range })
}

/// The type of a message field inside `where`, without building a [`Field`].
pub fn message_type(name: &str) -> Option<&'static Type> {
    static TEXT: Type = Type::String;
    static SENTIMENT: Type = Type::Number;
    static FROM: LazyLock<Type> = LazyLock::new(|| Type::OneOf(vec!["customer".into(), "ai".into(), "agent".into(), "system".into()]));
    match name {
        "text" => Some(&TEXT),
        "sentiment" => Some(&SENTIMENT),
        "from" => Some(&FROM),
        _ => None,
    }
}

/// Every readable path of a set.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schema {
    pub fields: BTreeMap<String, Field>,
    /// Paths only a declaration that did not parse declares: declared, with any type.
    pub broken: std::collections::BTreeSet<String>,
}

impl Schema {
    /// Collects built-ins and declarations from all files. Conflicting redeclarations and
    /// defaults of the wrong type are reported as `type-mismatch`; the first declaration wins.
    pub fn build(files: &[ast::File]) -> (Schema, Vec<Diagnostic>) {
        let mut schema = Schema::builtins();
        let mut diagnostics = Vec::new();
        for file in files {
            schema.broken.extend(file.broken.fields.iter().cloned());
            for item in &file.items {
                let ast::Item::Context(block) = item else { continue };
                for decl in &block.fields {
                    schema.declare(decl, &mut diagnostics);
                }
            }
        }
        let fields = &schema.fields;
        schema.broken.retain(|path| !fields.contains_key(path));
        (schema, diagnostics)
    }

    fn builtins() -> Schema {
        let mut fields = BTreeMap::new();
        for name in ["id", "channel"] {
            fields.insert(name.to_string(), Field { ty: Type::String, default: None, declared_at: None, range: None });
        }
        for (name, ty, lo, hi) in SIGNALS {
            let ty = match ty {
                SignalType::Number => Type::Number,
                SignalType::Bool => Type::Bool,
            };
            let range = (ty == Type::Number).then_some((lo, hi));
            fields.insert(name.to_string(), Field { ty, default: None, declared_at: None, range });
        }
        Schema { fields, broken: std::collections::BTreeSet::new() }
    }

    fn declare(&mut self, decl: &ast::FieldDecl, diagnostics: &mut Vec<Diagnostic>) {
        let path = &decl.path.node;
        if let Some(default) = &decl.default {
            if !default_fits(&default.node, &decl.ty.node) {
                diagnostics.push(
                    Diagnostic::at(
                        Code::TypeMismatch,
                        default.span,
                        format!("the default of `{path}` is not {}", a_value_of(&decl.ty.node)),
                    )
                    .with_label("default of the wrong type")
                    .with_help(match (&default.node, &decl.ty.node) {
                        (FieldDefault::Literal(_), Type::List) => {
                            format!("a `list` takes a list of strings as default: `{path} : list = []`")
                        }
                        _ => format!("`{path}` is declared as {}", type_name(&decl.ty.node)),
                    }),
                );
            }
        }
        if let Some(existing) = self.fields.get(path) {
            let same = existing.ty == decl.ty.node && existing.default == decl.default.as_ref().map(|d| d.node.clone());
            if !same {
                let mut d = Diagnostic::at(
                    Code::TypeMismatch,
                    decl.span,
                    format!("`{path}` is declared again with a different type or default"),
                )
                .with_label(format!("declared here as {}", describe(&decl.ty.node, decl.default.as_ref().map(|d| &d.node))))
                .with_help(format!(
                    "`{path}` is already {}; a path may be declared again only with the same type and default",
                    describe(&existing.ty, existing.default.as_ref())
                ));
                if let Some(at) = existing.declared_at {
                    d = d.with_related(at, "first declared here");
                }
                diagnostics.push(d);
            }
            return;
        }
        self.fields.insert(
            path.clone(),
            Field {
                ty: decl.ty.node.clone(),
                default: decl.default.as_ref().map(|d| d.node.clone()),
                declared_at: Some(decl.path.span),
                range: None,
            },
        );
    }

    pub fn get(&self, path: &str) -> Option<&Field> {
        self.fields.get(path)
    }

    /// Whether a path is declared, by a declaration that parsed or one that did not.
    pub fn declared(&self, path: &str) -> bool {
        self.fields.contains_key(path) || self.broken.contains(path)
    }
}

/// Whether a default is a value of a type: a literal of it, or for `list` a list of strings.
pub fn default_fits(value: &FieldDefault, ty: &Type) -> bool {
    match (value, ty) {
        (FieldDefault::Literal(l), ty) => literal_fits(l, ty),
        (FieldDefault::List(items), Type::List) => items.iter().all(|i| matches!(i, Literal::String(_))),
        (FieldDefault::List(_), _) => false,
    }
}

/// Whether a literal is a value of a type.
pub fn literal_fits(value: &Literal, ty: &Type) -> bool {
    match (value, ty) {
        (Literal::Bool(_), Type::Bool) | (Literal::Number(_), Type::Number) | (Literal::String(_), Type::String) => true,
        (Literal::String(s), Type::OneOf(options)) => options.contains(s),
        _ => false,
    }
}

/// What a value of a type is called in a sentence: `a number`, `one of ["a", "b"]`.
pub fn a_value_of(ty: &Type) -> String {
    match ty {
        Type::OneOf(_) => type_name(ty),
        Type::List => "a list of strings".into(),
        Type::Bool => "a bool".into(),
        other => format!("a {}", type_name(other)),
    }
}

/// A type in words, for messages: `a number`, `one of ["a", "b"]`.
pub fn type_name(ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::Number => "number".into(),
        Type::String => "string".into(),
        Type::OneOf(options) => {
            let list: Vec<String> = options.iter().map(|o| format!("{o:?}")).collect();
            format!("one of [{}]", list.join(", "))
        }
        Type::List => "list".into(),
    }
}

fn describe(ty: &Type, default: Option<&FieldDefault>) -> String {
    match default {
        Some(d) => format!("`{} = {}`", type_name(ty), default_text(d)),
        None => format!("`{}`", type_name(ty)),
    }
}

/// A default as it is written in policy source (`false`, `["a", "b"]`).
pub fn default_text(value: &FieldDefault) -> String {
    match value {
        FieldDefault::Literal(l) => literal_text(l),
        FieldDefault::List(items) => {
            let items: Vec<String> = items.iter().map(literal_text).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

/// A literal as it is written in policy source.
pub fn literal_text(value: &Literal) -> String {
    match value {
        Literal::Bool(b) => b.to_string(),
        Literal::Number(n) => number_text(*n),
        Literal::String(s) => format!("{s:?}"),
    }
}

/// A number as JSON would write it: `800`, `0.95`.
pub fn number_text(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}
