//! `repeated`: customer messages that repeat an earlier customer message nearly word for word.
//!
//! A message repeats an earlier one when their normalised words are equal (case, punctuation
//! and spacing ignored; found through a hash set, so 100,000 messages cost linear time), or when
//! both have at least three words and their word sets overlap with Jaccard ≥ 0.8, compared with
//! the 16 most recent distinct earlier messages (a bounded window keeps this linear too).
//! Bare acknowledgements (`yes`, `ok`, `thanks`) are not counted as repeats.

use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasherDefault, Hash, Hasher};

use super::text::Normalized;
use super::vader::FxHasher;

const WINDOW: usize = 16;
const NEAR: f64 = 0.8;
const ACKS: &[&str] = &[
    "yes", "no", "ok", "okay", "thanks", "thank", "you", "sure", "yep", "yeah", "nope", "hi", "hello", "hey", "k", "y",
    "n", "fine", "done", "great", "cool",
];

fn hash_of(s: &str) -> u64 {
    let mut h = FxHasher::default();
    s.hash(&mut h);
    h.finish()
}

/// Counts repeats over the normalised customer messages, oldest first.
#[derive(Default)]
pub struct RepeatCounter {
    seen: HashSet<u64, BuildHasherDefault<FxHasher>>,
    recent: VecDeque<Vec<u64>>,
    spare: Vec<u64>,
    pub count: usize,
}

impl RepeatCounter {
    pub fn push(&mut self, norm: &Normalized) {
        let n = norm.words.len();
        if n == 0 || (n <= 2 && (0..n).all(|i| ACKS.contains(&norm.word(i)))) {
            return;
        }
        if !self.seen.insert(hash_of(&norm.text)) {
            self.count += 1;
            return;
        }
        if n < 3 {
            return;
        }
        let mut set = std::mem::take(&mut self.spare);
        set.clear();
        set.extend((0..n).map(|i| hash_of(norm.word(i))));
        set.sort_unstable();
        set.dedup();
        if self.recent.iter().any(|other| jaccard(&set, other) >= NEAR) {
            self.count += 1;
        }
        if self.recent.len() == WINDOW {
            // the oldest set's buffer serves the next message
            self.spare = self.recent.pop_front().unwrap_or_default();
        }
        self.recent.push_back(set);
    }
}

/// Jaccard similarity of two sorted, deduplicated sets.
fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        match x.cmp(y) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - common;
    if union == 0 { 0.0 } else { common as f64 / union as f64 }
}
