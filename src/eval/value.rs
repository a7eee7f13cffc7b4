//! Values a condition reads, and three-valued (Kleene) logic.
//!
//! A value borrows from the conversation or the program; nothing is copied on the deciding path.

use serde_json::Value;

/// A value read by a condition. `Unknown` stands for absent data without a default, data of the
/// wrong type, and any comparison with such data.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum V<'a> {
    Unknown,
    Bool(bool),
    Num(f64),
    Str(&'a str),
    /// A list of strings (every element is a JSON string).
    List(&'a [Value]),
}

/// A truth value: `None` is unknown.
pub type Tri = Option<bool>;

impl<'a> V<'a> {
    pub fn truth(self) -> Tri {
        match self {
            V::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn from_tri(t: Tri) -> V<'a> {
        t.map_or(V::Unknown, V::Bool)
    }

    pub fn is_unknown(self) -> bool {
        matches!(self, V::Unknown)
    }

    /// The value as JSON (`null` when unknown); `round` rounds numbers to two decimals.
    pub fn to_json(self, round: bool) -> Value {
        match self {
            V::Unknown => Value::Null,
            V::Bool(b) => Value::Bool(b),
            V::Num(n) => {
                let n = if round { round2(n) } else { n };
                if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 {
                    Value::from(n as i64)
                } else {
                    serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
                }
            }
            V::Str(s) => Value::String(s.to_string()),
            V::List(items) => Value::Array(items.to_vec()),
        }
    }

    /// The value as a justification shows it: as JSON would write it, a list as `a, b`,
    /// unknown as `unknown`.
    pub fn render(self, round: bool, out: &mut String) {
        match self {
            V::Unknown => out.push_str("unknown"),
            V::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            V::Num(n) => out.push_str(&crate::schema::number_text(if round { round2(n) } else { n })),
            V::Str(s) => out.push_str(s),
            V::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    match item {
                        Value::String(s) => out.push_str(s),
                        other => out.push_str(&other.to_string()),
                    }
                }
            }
        }
    }

    /// The value as a condition would write it (strings quoted), for `--explain`.
    pub fn describe(self, round: bool) -> String {
        match self {
            V::Str(s) => format!("{s:?}"),
            V::List(items) => Value::Array(items.to_vec()).to_string(),
            other => {
                let mut s = String::new();
                other.render(round, &mut s);
                s
            }
        }
    }
}

/// Rounds to two decimals, as computed signals are shown.
pub fn round2(n: f64) -> f64 {
    (n * 100.0).round() / 100.0
}

/// Kleene `and`.
pub fn and(a: Tri, b: Tri) -> Tri {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// Kleene `or`.
pub fn or(a: Tri, b: Tri) -> Tri {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

/// Kleene `not`.
pub fn not(a: Tri) -> Tri {
    a.map(|b| !b)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn kleene_tables() {
        let all = [Some(true), Some(false), None];
        for a in all {
            for b in all {
                assert_eq!(and(a, b), and(b, a));
                assert_eq!(or(a, b), or(b, a));
                assert_eq!(not(and(a, b)), or(not(a), not(b)));
            }
        }
        assert_eq!(and(None, Some(false)), Some(false));
        assert_eq!(and(None, Some(true)), None);
        assert_eq!(or(None, Some(true)), Some(true));
        assert_eq!(or(None, Some(false)), None);
        assert_eq!(not(None), None);
    }

    #[test]
    fn rendering() {
        let mut s = String::new();
        V::Num(800.0).render(false, &mut s);
        s.push(' ');
        V::Num(0.95).render(false, &mut s);
        s.push(' ');
        V::Num(-0.5612).render(true, &mut s);
        s.push(' ');
        let list = [Value::from("a"), Value::from("b")];
        V::List(&list).render(false, &mut s);
        s.push(' ');
        V::Unknown.render(false, &mut s);
        assert_eq!(s, "800 0.95 -0.56 a, b unknown");
    }
}
