//! Path keys: the FNV-1a hash of a dotted path and its first 32 bytes as words, as compiled
//! slots and the index's entries carry them.

/// The 64-bit hash (FNV-1a) of a dotted path (`customer.tier`): compiled slots carry it, and
/// a hand-written reader can compute it at compile time (`const`).
pub const fn path_hash(path: &str) -> u64 {
    hash_more(FNV_START, path.as_bytes())
}

pub(super) const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over more bytes: a path's hash is built a segment at a time.
pub(super) const fn hash_more(mut h: u64, mut bytes: &[u8]) -> u64 {
    while let [b, rest @ ..] = bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
        bytes = rest;
    }
    h
}

/// A dotted path as the index looks it up: its [`path_hash`], its length, and its first 32
/// bytes as four words (zeros after the end). Entries keep the same words, so telling a
/// path from another with the same hash costs four word comparisons, not a byte comparison
/// (the bytes after the 32nd, when there are more, are compared as text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub(super) hash: u64,
    pub(super) len: usize,
    pub(super) words: [u64; 4],
}

impl Key {
    pub const fn new(path: &str) -> Key {
        Key::with_hash(path_hash(path), path.as_bytes())
    }

    /// The path's [`path_hash`].
    pub fn hash(&self) -> u64 {
        self.hash
    }

    pub(super) const fn with_hash(hash: u64, path: &[u8]) -> Key {
        let mut words = [0u64; 4];
        let mut bytes = path;
        let mut i = 0;
        while let [b, rest @ ..] = bytes {
            let w = (*b as u64) << (8 * (i % 8));
            match i / 8 {
                0 => words[0] |= w,
                1 => words[1] |= w,
                2 => words[2] |= w,
                3 => words[3] |= w,
                _ => break,
            }
            i += 1;
            bytes = rest;
        }
        Key {
            hash,
            len: path.len(),
            words,
        }
    }
}

/// [`Key::words`] of a path, eight bytes at a time (the same words as [`Key::new`]'s).
#[inline]
pub(super) fn words(path: &[u8]) -> [u64; 4] {
    let n = path.len();
    let word = |i: usize| -> u64 {
        let at = i * 8;
        if let Some(w) = path.get(at..).and_then(<[u8]>::first_chunk::<8>) {
            return u64::from_le_bytes(*w);
        }
        if at >= n {
            return 0;
        }
        // the last 1 to 7 bytes: the end of the last eight, shifted down, when there are
        // eight
        match (path.last_chunk::<8>(), path.first_chunk::<4>(), path.last_chunk::<4>()) {
            (Some(w), _, _) => u64::from_le_bytes(*w) >> (8 * (8 - (n - at))),
            // 4 to 7 bytes: two halves, overlapping (the same bytes or'ed twice)
            (None, Some(lo), Some(hi)) => {
                u64::from(u32::from_le_bytes(*lo)) | u64::from(u32::from_le_bytes(*hi)) << (8 * (n - 4))
            }
            _ => path.iter().rev().fold(0, |w, &b| (w << 8) | u64::from(b)),
        }
    };
    [word(0), word(1), word(2), word(3)]
}
