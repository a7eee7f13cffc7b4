//! JSON scalars as `serde_json` writes them: numbers (as [`V::to_json`] makes them, or as a
//! justification shows them), strings and their escaping, a word at a time where the bytes
//! allow it.

use super::super::value::{self, V, round2};

/// A value as [`V::to_json`] writes it, or (`in_text`) as [`V::render`] shows it in a
/// justification, escaped for the inside of a JSON string.
#[inline(always)]
pub(super) fn value(out: &mut Vec<u8>, v: V<'_>, round: bool, in_text: bool) {
    // in the text as in JSON ([`value::number`]), the common numbers written here
    if let V::Num(n) = v
        && short(out, if round { round2(n) } else { n })
    {
        return;
    }
    other_value(out, v, round, in_text);
}

/// [`value`] of anything but a short number.
#[inline(never)]
fn other_value(out: &mut Vec<u8>, v: V<'_>, round: bool, in_text: bool) {
    match v {
        V::Num(n) => {
            let n = if round { round2(n) } else { n };
            if n.is_finite() || in_text {
                value::number(n, |s| out.extend_from_slice(s.as_bytes()));
            } else {
                out.extend_from_slice(b"null");
            }
        }
        V::Unknown => out.extend_from_slice(if in_text { b"unknown" } else { b"null" }),
        V::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        V::Str(s) if in_text => escape(out, s),
        V::Str(s) => string(out, s),
        other if in_text => {
            let mut s = String::new();
            other.render(round, &mut s);
            escape(out, &s);
        }
        other => {
            let _ = serde_json::to_writer(&mut *out, &other.to_json(round));
        }
    }
}

/// Writes `n` when it is a whole number of hundredths under 10^9 in size (integers, and
/// computed signals are rounded so, given scores mostly are): what `itoa` writes for a whole
/// number, what `zmij` writes for the rest (in JSON and in text): digits, a point and one or two
/// decimals. The shortest digits that read back as `n` are those of `k / 100`: any other
/// decimal as short is at least 0.01 away, far outside the half-ulp around `n`. `false`
/// (nothing written) otherwise.
#[inline]
fn short(out: &mut Vec<u8>, n: f64) -> bool {
    let x = n * 100.0;
    // (NaN too)
    if x.is_nan() || x.abs() >= 1e11 {
        return false;
    }
    // the nearest whole number by a cast (`round` is a call); a wrong guess fails the check
    #[expect(clippy::cast_possible_truncation, reason = "whole and under 10^11")]
    let k = (x + 0.5f64.copysign(x)) as i64;
    #[expect(clippy::cast_precision_loss, reason = "under 10^11: exact")]
    if k as f64 / 100.0 != n {
        return false;
    }
    let (negative, k) = (k < 0, k.unsigned_abs());
    let (whole, cents) = (k / 100, k % 100);
    // the bytes from the last to the first, each shifted in at the bottom: the first ends in
    // the lowest byte, where `to_le_bytes` puts it first
    let (fraction, len): (u32, usize) = match (cents / 10, cents % 10) {
        (0, 0) => (0, 0),
        (d, 0) => (u32::from(u16::from_le_bytes([b'.', digit(d)])), 2),
        (d, e) => (u32::from_le_bytes([b'.', digit(d), digit(e), 0]), 3),
    };
    if whole >= 10 {
        long_number(out, negative, whole, fraction, len);
        return true;
    }
    // most numbers shown are under ten: at most five bytes, one 8-byte store
    let (bytes, len) = (u64::from(fraction) << 8 | u64::from(digit(whole)), len + 1);
    let (bytes, len) = if negative {
        (bytes << 8 | u64::from(b'-'), len + 1)
    } else {
        (bytes, len)
    };
    let end = out.len() + len;
    out.extend_from_slice(&bytes.to_le_bytes());
    out.truncate(end);
    true
}

/// [`short`] of a number of ten or more: `whole`, then the `len` bytes of `fraction`.
#[inline(never)]
fn long_number(out: &mut Vec<u8>, negative: bool, mut whole: u64, fraction: u32, len: usize) {
    // (at most 13 bytes of the 16)
    let (mut bytes, mut len) = (u128::from(fraction), len);
    let mut put = |b: u8| {
        bytes = bytes << 8 | u128::from(b);
        len += 1;
    };
    while whole >= 10 {
        put(digit(whole % 10));
        whole /= 10;
    }
    put(digit(whole));
    if negative {
        put(b'-');
    }
    put_word(out, bytes, len);
}

/// The digit for `d` (under 10).
fn digit(d: u64) -> u8 {
    let d = (d % 10) as u8;
    b'0' + d
}

#[inline]
pub(super) fn opt_string(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// `["a","b"]`.
#[inline]
pub(super) fn strings(out: &mut Vec<u8>, items: &[&str]) {
    out.push(b'[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, s);
    }
    out.push(b']');
}

/// A JSON string, quoted.
#[inline]
pub(super) fn string(out: &mut Vec<u8>, s: &str) {
    let n = s.len();
    // short and plain (an id, a name): quoted in one 16-byte store
    if n <= 14
        && let Some(w) = plain_word(s.as_bytes())
    {
        let quote = u128::from(b'"');
        return put_word(out, quote | w << 8 | quote << (8 * (n + 1)), n + 2);
    }
    out.push(b'"');
    escape(out, s);
    out.push(b'"');
}

/// The first `len` bytes of `w` (little-endian), by a copy of all sixteen (no call to
/// `memcpy`), the rest cut off.
#[inline(always)]
fn put_word(out: &mut Vec<u8>, w: u128, len: usize) {
    let end = out.len() + len;
    out.extend_from_slice(&w.to_le_bytes());
    out.truncate(end);
}

/// The bytes of `bytes` as one little-endian word, when there are 4 to 16 and none needs
/// escaping: the first and the last eight (or four) read as words, overlapping (the bytes
/// they share are the same, so or-ing them is exact).
#[inline(always)]
fn plain_word(bytes: &[u8]) -> Option<u128> {
    let n = bytes.len();
    if n > 16 {
        return None;
    }
    if n >= 8 {
        let (a, b) = (word(bytes, 0)?, word(bytes, n - 8)?);
        if special_word(a) || special_word(b) {
            return None;
        }
        return Some(u128::from(a) | u128::from(b) << (8 * (n - 8)));
    }
    let (a, b) = (four(bytes, 0)?, four(bytes, n.checked_sub(4)?)?);
    if special_word(a | b << 32) {
        return None;
    }
    Some(u128::from(a | b << (8 * (n - 4))))
}

/// The inside of a JSON string, escaped as serde_json escapes: `"`, `\` and control
/// characters (`\n` `\r` `\t` `\b` `\f`, the others as `\u00XX`); nothing else.
#[inline]
pub(super) fn escape(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    // most text needs no escaping: one copy (one 16-byte store when short)
    if let Some(w) = plain_word(bytes) {
        return put_word(out, w, bytes.len());
    }
    if !any_special(bytes) {
        return out.extend_from_slice(bytes);
    }
    let mut start = 0;
    loop {
        let i = next_special(bytes, start);
        out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
        let Some(&b) = bytes.get(i) else { return };
        start = i + 1;
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => out.extend_from_slice(&[b'\\', b'u', b'0', b'0', hex(b >> 4), hex(b & 0xf)]),
        }
    }
}

/// Whether a byte needs escaping.
fn special(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Whether one of eight bytes (little-endian in `w`) needs escaping.
fn special_word(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // some byte is zero / below 0x20 (exact as a whole, not per byte)
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH != 0;
    w.wrapping_sub(ONES * 0x20) & !w & HIGH != 0
        || zero(w ^ (ONES * u64::from(b'"')))
        || zero(w ^ (ONES * u64::from(b'\\')))
}

/// Eight bytes from `at` on, when there are eight.
fn word(bytes: &[u8], at: usize) -> Option<u64> {
    let chunk = bytes.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(<[u8; 8]>::try_from(chunk).ok()?))
}

/// Four bytes from `at` on, when there are four.
fn four(bytes: &[u8], at: usize) -> Option<u64> {
    let chunk = bytes.get(at..at.checked_add(4)?)?;
    Some(u64::from(u32::from_le_bytes(<[u8; 4]>::try_from(chunk).ok()?)))
}

/// Whether some byte of `bytes` needs escaping: eight at a time, the last eight overlapping.
fn any_special(bytes: &[u8]) -> bool {
    let Some(last) = bytes.len().checked_sub(8) else {
        // four to seven bytes: the first four and the last four (overlapping) as one word
        let Some(last) = bytes.len().checked_sub(4) else {
            return bytes.iter().any(|&b| special(b));
        };
        // (a word not read counts as special: the careful path decides)
        return four(bytes, 0)
            .zip(four(bytes, last))
            .is_none_or(|(a, b)| special_word(a | b << 32));
    };
    let mut at = 0;
    while at < last {
        if word(bytes, at).is_none_or(special_word) {
            return true;
        }
        at += 8;
    }
    word(bytes, last).is_none_or(special_word)
}

/// The index of the first byte from `from` on that needs escaping, or the length: eight bytes
/// at a time while none does.
fn next_special(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(w) = word(bytes, i) {
        if special_word(w) {
            break;
        }
        i += 8;
    }
    let rest = bytes.get(i..).unwrap_or_default();
    rest.iter().position(|&b| special(b)).map_or(bytes.len(), |p| i + p)
}

fn hex(n: u8) -> u8 {
    if n < 10 { b'0' + n } else { b'a' + n - 10 }
}

#[cfg(test)]
mod tests {
    use super::{V, escape, short, string, value};

    /// A number in the text and in JSON: the bytes `V::render` and `V::to_json` give, and the
    /// same in both (but for a number JSON cannot hold: `null` there, `inf` in the text).
    #[test]
    fn numbers_are_written_as_render_and_to_json_write_them() {
        let written = |n: f64, round: bool, in_text: bool| {
            let mut out = Vec::new();
            value(&mut out, V::Num(n), round, in_text);
            String::from_utf8(out).unwrap_or_default()
        };
        for n in [
            0.0,
            -0.0,
            7.0,
            -7.0,
            800.0,
            999_999_999_999_999.0,
            1e15,
            1e16,
            1e21,
            -1e21,
            1e-6,
            1e-7,
            1.5e-7,
            0.1 + 0.2,
            0.95,
            -0.5612,
            5e-324,
            f64::MAX,
            f64::INFINITY,
            f64::NAN,
        ] {
            for round in [false, true] {
                let mut text = String::new();
                V::Num(n).render(round, &mut text);
                assert_eq!(written(n, round, true), text, "{n:?} in text");
                let json = V::Num(n).to_json(round).to_string();
                assert_eq!(written(n, round, false), json, "{n:?} as JSON");
                if json != "null" {
                    assert_eq!(text, json, "{n:?}");
                }
            }
        }
    }

    /// Strings of every length up to 20, plain or with a byte to escape at each place, are
    /// written as serde_json writes them (the short ones by one 16-byte store).
    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        for n in 0..=20 {
            let plain: String = "abcdéfghijklmnopqrstu".chars().take(n).collect();
            let mut texts = vec![plain.clone()];
            for at in 0..n {
                for c in ['"', '\\', '\n', '\u{1}', '\u{1f}', ' ', '\u{7f}'] {
                    let mut t: Vec<char> = plain.chars().collect();
                    if let Some(x) = t.get_mut(at) {
                        *x = c;
                    }
                    texts.push(t.into_iter().collect());
                }
            }
            for t in texts {
                let json = serde_json::to_string(&t).unwrap_or_default();
                let mut out = b"x".to_vec();
                string(&mut out, &t);
                assert_eq!(String::from_utf8_lossy(&out), format!("x{json}"), "{t:?}");
                let mut out = b"x".to_vec();
                escape(&mut out, &t);
                assert_eq!(
                    String::from_utf8_lossy(&out),
                    format!("x{}", json.get(1..json.len() - 1).unwrap_or_default()),
                    "{t:?}"
                );
            }
        }
    }

    /// What `short` writes is what `itoa` (whole) or `zmij` (the rest) and `Display` write, or it
    /// writes nothing.
    fn check(n: f64) {
        let mut out = Vec::new();
        if short(&mut out, n) {
            let out = String::from_utf8(out).unwrap_or_default();
            let json = match super::value::whole(n) {
                Some(i) => itoa::Buffer::new().format(i).to_owned(),
                None => zmij::Buffer::new().format_finite(n).to_owned(),
            };
            assert_eq!(out, json, "{n:?} as JSON");
            assert_eq!(out, n.to_string(), "{n:?} as text");
        }
    }

    #[test]
    fn hundredths_are_written_as_itoa_zmij_and_display_write_them() {
        for k in -300_000..300_000 {
            check(f64::from(k) / 100.0);
        }
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..300_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            #[expect(clippy::cast_precision_loss, reason = "any number will do")]
            let k = (x % 200_000_000_000) as f64 - 100_000_000_000.0;
            check(k / 100.0);
            check(k / 100.0 + 1e-9);
            check(f64::from_bits(x));
        }
        for n in [
            0.005,
            -0.005,
            0.01,
            -0.01,
            0.1,
            999_999_999.99,
            1e9 - 0.01,
            1e9 + 0.5,
            0.1 + 0.2,
        ] {
            check(n);
        }
    }
}
