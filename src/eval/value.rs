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
                match whole(n) {
                    Some(i) => Value::from(i),
                    None => serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number),
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
            V::Num(n) => number(if round { round2(n) } else { n }, |s| out.push_str(s)),
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

/// `n` as the verdict JSON writes it, given to `out`: a whole number under 10^15 as an integer
/// (`800`; `-0.0` as `0`), any other finite number as serde_json writes an `f64` (`0.95`,
/// `1e+21`, `1.5e-7`, `1000000000000000.0`). Not finite (JSON has no such number: never read
/// from a conversation) as Rust writes it (`inf`).
pub(crate) fn number<R>(n: f64, out: impl FnOnce(&str) -> R) -> R {
    match whole(n) {
        Some(i) => out(itoa::Buffer::new().format(i)),
        None if n.is_finite() => out(zmij::Buffer::new().format_finite(n)),
        None => out(&n.to_string()),
    }
}

/// `n` as an integer when JSON shows it as one (finite, whole, under 10^15).
#[inline(always)]
pub(crate) fn whole(n: f64) -> Option<i64> {
    // (no `fract`: a call to `trunc` here; the cast saturates, and only a whole number survives
    // the round trip)
    #[expect(clippy::cast_possible_truncation, reason = "compared after the round trip")]
    let i = n as i64;
    #[expect(clippy::cast_precision_loss, reason = "under 10^15 when it matters")]
    (n.abs() < 1e15 && i as f64 == n).then_some(i)
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

    /// Numbers render as the verdict JSON writes them (`V::to_json`, then serde_json).
    #[test]
    fn numbers_render_as_json_writes_them() {
        let shown = |n: f64| {
            let mut s = String::new();
            V::Num(n).render(false, &mut s);
            assert_eq!(s, V::Num(n).to_json(false).to_string(), "{n:?}");
            s
        };
        for (n, text) in [
            (800.0, "800"),
            (-3.0, "-3"),
            (0.0, "0"),
            (-0.0, "0"),
            (999_999_999_999_999.0, "999999999999999"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1e21, "1e+21"),
            (-1e21, "-1e+21"),
            (0.95, "0.95"),
            (1e-6, "1e-6"),
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (0.1 + 0.2, "0.30000000000000004"),
            (123_456_789_012_345.6, "123456789012345.6"),
            (5e-324, "5e-324"),
        ] {
            assert_eq!(shown(n), text);
        }
        let mut s = String::new();
        V::Num(f64::INFINITY).render(false, &mut s);
        assert_eq!(s, "inf");
    }
}
