//! Equality of short byte strings (paths, intents, labels) without a call to `memcmp`, which
//! costs more than the comparison itself at these lengths.

/// Whether `a` and `b` are the same bytes.
#[inline(always)]
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && same_len(a, b)
}

/// Whether two byte strings of the same length are equal: up to 24 bytes as three
/// (overlapping) words, longer ones by `==`.
#[inline(always)]
pub(crate) fn same_len(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    match n {
        8..=24 => {
            let mid = (n - 8) / 2;
            word(a, 0) == word(b, 0) && word(a, mid) == word(b, mid) && word(a, n - 8) == word(b, n - 8)
        }
        4..8 => a.first_chunk::<4>() == b.first_chunk::<4>() && a.last_chunk::<4>() == b.last_chunk::<4>(),
        _ => a == b,
    }
}

/// The eight bytes of `s` from `at`.
#[inline(always)]
fn word(s: &[u8], at: usize) -> Option<&[u8; 8]> {
    s.get(at..).and_then(<[u8]>::first_chunk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_slice_equality() {
        let words: Vec<Vec<u8>> = (0..40)
            .flat_map(|n| {
                let base: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
                let mut variants = vec![base.clone()];
                for at in 0..n {
                    let mut v = base.clone();
                    if let Some(b) = v.get_mut(at) {
                        *b = b'#';
                    }
                    variants.push(v);
                }
                variants
            })
            .collect();
        for a in &words {
            for b in &words {
                assert_eq!(same(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }
}
