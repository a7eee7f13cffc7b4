//! A slot's value as a run keeps it once read: eight bytes, so that the slot values of a
//! verdict (sixteen of them inline) are one short copy, not a page of `V`s.
//!
//! A number is its own bits. Everything else lives in the space of negative NaNs no number
//! kept here has (a NaN is kept as the positive quiet NaN): the top sixteen bits say what it
//! is, the low 48 bits hold a string's place in the conversation's index text.

use super::program::{Missing, Program, SlotId};
use super::value::V;
use crate::context::Data;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cell(u64);

/// The first pattern that is not a number kept here (numbers are all below it, as `u64`s).
const UNREAD: u64 = 0xFFF9 << 48;
/// A value kept nowhere compact (a list, a string too long for 16 bits): read again.
const AGAIN: u64 = 0xFFFA << 48;
/// The first pattern of a value kept (below it and above the numbers: nothing kept).
const UNKNOWN: u64 = 0xFFFB << 48;
/// `false`; `true` is `FALSE | 1`.
const FALSE: u64 = 0xFFFC << 48;
/// A string of the conversation: its length (16 bits) and start (32 bits) in the index text.
const STR: u64 = 0xFFFD << 48;
/// The slot's default string.
const DEFAULT: u64 = 0xFFFE << 48;

impl Cell {
    pub const UNREAD: Cell = Cell(UNREAD);
    pub const UNKNOWN: Cell = Cell(UNKNOWN);
    /// The slot's default string ([`Missing::Str`]).
    pub const DEFAULT: Cell = Cell(DEFAULT);

    /// How `v`, just read at slot `id` of `p` from `data`, is kept.
    pub fn keep(v: V<'_>, data: &Data, p: &Program, id: SlotId) -> Cell {
        match v {
            V::Unknown => Cell::UNKNOWN,
            V::Bool(b) => Cell::truth(b),
            V::Num(n) => Cell::number(n),
            V::Str(s) if is_default(s, p, id) => Cell::DEFAULT,
            V::Str(s) => Cell::string(s, data),
            V::List(_) => Cell(AGAIN),
        }
    }

    #[inline(always)]
    pub fn number(n: f64) -> Cell {
        Cell(if n.is_nan() { f64::NAN.to_bits() } else { n.to_bits() })
    }

    #[inline(always)]
    pub fn truth(b: bool) -> Cell {
        Cell(FALSE | u64::from(b))
    }

    /// A string [`Data::field_at`] gave (any other, or one longer than 65,535 bytes, is read
    /// again).
    #[inline(always)]
    pub fn string(s: &str, data: &Data) -> Cell {
        match (data.offset_of(s), u16::try_from(s.len())) {
            (Some(start), Ok(len)) => Cell(STR | u64::from(len) << 32 | u64::from(start)),
            _ => Cell(AGAIN),
        }
    }

    /// Whether a value is kept (else the slot is read: not read yet, or kept nowhere).
    #[inline(always)]
    pub fn is_kept(self) -> bool {
        !(UNREAD..UNKNOWN).contains(&self.0)
    }

    /// The value kept, or `None` when there is none ([`Cell::is_kept`]).
    #[inline(always)]
    pub fn get<'a>(self, data: &'a Data, p: &'a Program, id: SlotId) -> Option<V<'a>> {
        let b = self.0;
        if b < UNREAD {
            return Some(V::Num(f64::from_bits(b)));
        }
        match b & (0xFFFF << 48) {
            UNKNOWN => Some(V::Unknown),
            FALSE => Some(V::Bool(b & 1 == 1)),
            STR => self.str(data, p, id).map(V::Str),
            DEFAULT => default(p, id).map(V::Str),
            _ => None,
        }
    }

    /// The number kept, if a number is kept (a kept cell: [`Cell::is_kept`]).
    #[inline(always)]
    pub fn num(self) -> Option<f64> {
        (self.0 < UNREAD).then(|| f64::from_bits(self.0))
    }

    /// The truth value kept, if one is.
    #[inline(always)]
    pub fn bool(self) -> Option<bool> {
        (self.0 | 1 == FALSE | 1).then_some(self.0 & 1 == 1)
    }

    /// The string kept, if one is.
    #[inline(always)]
    pub fn str<'a>(self, data: &'a Data, p: &'a Program, id: SlotId) -> Option<&'a str> {
        let b = self.0;
        match b & (0xFFFF << 48) {
            #[expect(clippy::cast_possible_truncation, reason = "the low 32 bits are the start")]
            STR => data.str_at(b as u32, (b >> 32) as u16),
            DEFAULT => default(p, id),
            _ => None,
        }
    }
}

/// The default string of slot `id`, if it has one.
fn default(p: &Program, id: SlotId) -> Option<&str> {
    match &p.slots.get(id.index())?.missing {
        Missing::Str(s) => Some(s),
        _ => None,
    }
}

/// Whether `s` is slot `id`'s default string itself (not only equal to it).
fn is_default(s: &str, p: &Program, id: SlotId) -> bool {
    default(p, id).is_some_and(|d| std::ptr::eq(d, s))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::context::{Field, Key};
    use serde_json::json;

    fn program() -> crate::PolicySet {
        let text = r#"
            policy "t" { version "1" }
            default human because "d"
            context {
              tier : string = "standard"
              n    : number
              tags : list
            }
            allow ai "a" {
              when tier == "plus" and n > 1
              because "b"
            }
        "#;
        crate::PolicySet::from_sources([("t.policy", text)]).expect("compiles")
    }

    fn data(value: serde_json::Value) -> Data {
        Data::new(value.as_object().cloned().expect("a mapping"))
    }

    #[test]
    fn values_come_back_as_they_were_kept() {
        let set = program();
        let p = set.program();
        let data = data(json!({"tier": "plus", "n": 2.5, "tags": ["x"]}));
        let Some(Field::Str(tier)) = data.field_at(&Key::new("tier"), "tier") else {
            panic!("tier is a string")
        };
        let cases = [
            V::Unknown,
            V::Bool(true),
            V::Bool(false),
            V::Num(0.0),
            V::Num(-0.0),
            V::Num(-2.5),
            V::Num(f64::INFINITY),
            V::Num(f64::NEG_INFINITY),
            V::Num(f64::MIN_POSITIVE),
            V::Num(-f64::MAX),
            V::Str(tier),
        ];
        for v in cases {
            let kept = Cell::keep(v, &data, p, SlotId::new(0));
            assert!(kept.is_kept(), "{v:?}");
            assert_eq!(kept.get(&data, p, SlotId::new(0)), Some(v), "{v:?}");
            assert_eq!(kept.num(), if let V::Num(n) = v { Some(n) } else { None }, "{v:?}");
            assert_eq!(kept.bool(), if let V::Bool(b) = v { Some(b) } else { None }, "{v:?}");
            let s = if let V::Str(s) = v { Some(s) } else { None };
            assert_eq!(kept.str(&data, p, SlotId::new(0)), s, "{v:?}");
        }
        // any NaN stays a NaN (and is none of the patterns above)
        for bits in [0xFFFF_FFFF_FFFF_FFFF, 0xFFF9 << 48, 0xFFFD << 48, f64::NAN.to_bits()] {
            let nan = Cell::keep(V::Num(f64::from_bits(bits)), &data, p, SlotId::new(0));
            assert!(matches!(nan.get(&data, p, SlotId::new(0)), Some(V::Num(n)) if n.is_nan()));
        }
        // a string from elsewhere, and a list, are read again
        for v in [V::Str("plus"), V::List(&[])] {
            let kept = Cell::keep(v, &data, p, SlotId::new(0));
            assert!(!kept.is_kept());
            assert_eq!(kept.get(&data, p, SlotId::new(0)), None);
        }
        assert!(!Cell::UNREAD.is_kept());
        assert_eq!(Cell::UNREAD.get(&data, p, SlotId::new(0)), None);
    }

    #[test]
    fn a_long_string_is_read_again() {
        let set = program();
        let long = "x".repeat(70_000);
        let data = data(json!({ "tier": long }));
        let Some(Field::Str(tier)) = data.field_at(&Key::new("tier"), "tier") else {
            panic!("tier is a string")
        };
        assert_eq!(Cell::string(tier, &data), Cell(AGAIN));
        assert_eq!(
            Cell::keep(V::Str(tier), &data, set.program(), SlotId::new(0)).get(&data, set.program(), SlotId::new(0)),
            None
        );
    }

    #[test]
    fn a_default_string_is_kept_by_its_slot() {
        let set = program();
        let p = set.program();
        let data = data(json!({}));
        let id = p.slots.iter().position(|s| s.path == "tier").unwrap();
        let id = SlotId::new(id);
        let default = default(p, id).expect("tier has a default");
        let kept = Cell::keep(V::Str(default), &data, p, id);
        assert_eq!(kept, Cell::DEFAULT);
        assert_eq!(kept.get(&data, p, id), Some(V::Str("standard")));
        // an equal string elsewhere is not the default itself
        assert_ne!(Cell::keep(V::Str("standard"), &data, p, id), Cell::DEFAULT);
    }
}
