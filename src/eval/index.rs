//! Rule indexing: which rules can match a conversation, found without evaluating them all.
//!
//! As OPA indexes rules, a rule whose `when` has a top-level conjunct `slot == "v"` or
//! `slot in ["v", "w"]` (strings) is filed under that slot and those values. At evaluation,
//! each indexed slot is read once:
//! - a string value selects the rules filed under it (the others' test is false, so they
//!   cannot match, whatever their effect);
//! - any other value (unknown, or of another type) makes the test unknown: `allow` rules
//!   filed under the slot cannot match, `require` rules may (fail-safe), so they are candidates.
//!
//! Rules without such a test are always candidates, except the single-test `require` rules
//! ([`super::conjunct::Quicks`]), which are candidates for every conversation, kept apart. Candidates come out
//! `require human` rules first, then the others, each in path order (the union of disjoint
//! lists, sorted), so the evaluation visits exactly the rules it would have visited in a full
//! scan, minus rules that cannot match (and the quick ones, visited apart): the verdict is the
//! same (`tests/differential.rs`).

use super::program::{Lit, Node, Rule, RuleId, SlotId};
use crate::ast::CmpOp;
use crate::ast::Effect;
use crate::short;
use smallvec::SmallVec;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: a fast hash for the short strings of an index. The keys are the policy's own
/// literals, so a conversation cannot make the table degrade (it only looks keys up).
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

#[derive(Debug, Default)]
pub(crate) struct Index {
    /// Rules without an indexable test, in path order.
    always: Vec<RuleId>,
    slots: Vec<SlotIndex>,
    /// With one indexed slot and few `always` rules, `always` is merged into each of its lists
    /// at build time: the candidates are then one list, used where it lies.
    merged: bool,
    /// Whether each rule is a `require human` (they come first among candidates).
    human: Vec<bool>,
    /// Whether a rule filed here (or in `always`) is a `require human`.
    files_humans: bool,
}

/// Up to this many `always` rules are merged into the lists of a single indexed slot.
const MERGE_ALWAYS: usize = 32;

#[derive(Debug)]
struct SlotIndex {
    slot: SlotId,
    /// Value → rules whose test lists it, in path order.
    table: Table,
    /// `require` rules filed under this slot, in path order: candidates when the value is not
    /// a string.
    require: Vec<RuleId>,
}

/// Value → rules whose test lists it, in path order, while the index is built.
type Lists = HashMap<String, SmallVec<[RuleId; 2]>, BuildHasherDefault<Fnv>>;

/// Value → rules, frozen: an open-addressing table (a power of two long, at least a third
/// empty) over a word-at-a-time hash, the lists side by side in one vector.
#[derive(Debug, Default)]
struct Table {
    entries: Vec<Entry>,
    /// 64 minus the number of bits of an entry's number.
    shift: u32,
    rules: Vec<RuleId>,
}

#[derive(Debug, Default)]
struct Entry {
    /// `None`: an empty entry.
    key: Option<Box<str>>,
    hash: u64,
    /// `start..end` of [`Table::rules`].
    start: u32,
    end: u32,
}

impl Table {
    fn new(lists: &Lists) -> Table {
        let n = lists.len();
        let len = (n + n / 2 + 1).next_power_of_two().max(4);
        let shift = 64 - len.trailing_zeros();
        let mut entries: Vec<Entry> = (0..len).map(|_| Entry::default()).collect();
        let mut rules = Vec::with_capacity(lists.values().map(|l| l.len()).sum());
        let mask = len - 1;
        // sorted, so the table is the same whatever the map's order
        let mut keys: Vec<(&String, &SmallVec<[RuleId; 2]>)> = lists.iter().collect();
        keys.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (key, list) in keys {
            let hash = hash(key.as_bytes());
            let start = u32::try_from(rules.len()).unwrap_or(u32::MAX);
            rules.extend_from_slice(list);
            let end = u32::try_from(rules.len()).unwrap_or(u32::MAX);
            let mut at = (hash >> shift) as usize;
            while let Some(e) = entries.get_mut(at) {
                if e.key.is_none() {
                    *e = Entry {
                        key: Some(key.as_str().into()),
                        hash,
                        start,
                        end,
                    };
                    break;
                }
                at = (at + 1) & mask;
            }
        }
        Table { entries, shift, rules }
    }

    /// The rules filed under `value`, if any.
    #[inline]
    fn get(&self, value: &str) -> Option<&[RuleId]> {
        let hash = hash(value.as_bytes());
        let mask = self.entries.len().wrapping_sub(1);
        let mut at = (hash >> self.shift) as usize;
        loop {
            let e = self.entries.get(at)?;
            let key = e.key.as_deref()?;
            if e.hash == hash && short::same(key.as_bytes(), value.as_bytes()) {
                return self.rules.get(e.start as usize..e.end as usize);
            }
            at = (at + 1) & mask;
        }
    }
}

/// A string's hash, eight bytes at a time (the top bits pick an entry). The keys are the
/// policy's own literals: a conversation only looks values up, it cannot make the table degrade.
#[inline]
fn hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = bytes.len() as u64;
    let chunks = bytes.chunks_exact(8);
    let tail = chunks.remainder();
    for c in chunks {
        let w = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
        h = (h.rotate_left(23) ^ w).wrapping_mul(K);
    }
    let t = tail.len();
    if t > 0 {
        // the last bytes as one word: the end of the last eight when there are eight, else
        // two (overlapping) halves, else byte by byte
        let last = match (bytes.last_chunk::<8>(), tail.first_chunk::<4>(), tail.last_chunk::<4>()) {
            (Some(w), _, _) => u64::from_le_bytes(*w) >> (8 * (8 - t)),
            (None, Some(a), Some(b)) => u64::from(u32::from_le_bytes(*a)) | u64::from(u32::from_le_bytes(*b)) << 32,
            _ => tail.iter().fold(0u64, |w, &b| (w << 8) | u64::from(b)),
        };
        h = (h.rotate_left(23) ^ last).wrapping_mul(K);
    }
    h ^ (h >> 29)
}

impl Index {
    /// Files every rule under its first indexable conjunct, except the `quick` ones (in path
    /// order; decided apart, for every conversation).
    pub fn build(rules: &[Rule], nodes: &[Node], quick: &[RuleId]) -> Index {
        let mut index = Index {
            human: rules.iter().map(|r| r.effect == Effect::RequireHuman).collect(),
            ..Index::default()
        };
        // value → rules of each indexed slot (same order as `index.slots`), frozen at the end
        let mut lists: Vec<Lists> = Vec::new();
        let mut quick = quick.iter().copied().peekable();
        for (i, rule) in rules.iter().enumerate() {
            let id = RuleId::new(i);
            if quick.next_if_eq(&id).is_some() {
                continue;
            }
            index.files_humans |= rule.effect == Effect::RequireHuman;
            let test = rule
                .conjuncts
                .iter()
                .find_map(|c| indexable(nodes.get(c.node.index())?));
            let Some((slot, values)) = test else {
                index.always.push(id);
                continue;
            };
            let at = match index.slots.iter().position(|s| s.slot == slot) {
                Some(at) => at,
                None => {
                    index.slots.push(SlotIndex {
                        slot,
                        table: Table::default(),
                        require: Vec::new(),
                    });
                    lists.push(Lists::default());
                    index.slots.len() - 1
                }
            };
            let (Some(s), Some(by_value)) = (index.slots.get_mut(at), lists.get_mut(at)) else {
                continue;
            };
            for v in values {
                match by_value.get_mut(v) {
                    Some(list) => {
                        if list.last() != Some(&id) {
                            list.push(id);
                        }
                    }
                    None => {
                        by_value.insert(v.to_string(), smallvec::smallvec![id]);
                    }
                }
            }
            if rule.effect.is_require() {
                s.require.push(id);
            }
        }
        if let ([only], [by_value]) = (index.slots.as_mut_slice(), lists.as_mut_slice()) {
            if index.always.len() <= MERGE_ALWAYS {
                let (always, human) = (&index.always, &index.human);
                let merged = |list: &[RuleId]| {
                    let mut all: Vec<RuleId> = always.iter().chain(list).copied().collect();
                    sort(&mut all, human);
                    all
                };
                for list in by_value.values_mut() {
                    *list = SmallVec::from_vec(merged(list));
                }
                only.require = merged(&only.require);
                index.merged = true;
            }
        }
        for (s, by_value) in index.slots.iter_mut().zip(lists.iter_mut()) {
            for list in by_value.values_mut() {
                sort(list, &index.human);
            }
            sort(&mut s.require, &index.human);
            s.table = Table::new(by_value);
        }
        sort(&mut index.always, &index.human);
        index
    }

    /// No rule filed: every rule is always a candidate (the reference plan).
    pub fn every(rules: &[Rule]) -> Index {
        let human: Vec<bool> = rules.iter().map(|r| r.effect == Effect::RequireHuman).collect();
        let mut always: Vec<RuleId> = RuleId::all().take(rules.len()).collect();
        sort(&mut always, &human);
        Index {
            always,
            files_humans: human.contains(&true),
            human,
            ..Index::default()
        }
    }

    /// Whether some rule filed here (or always a candidate) is a `require human`.
    pub fn files_humans(&self) -> bool {
        self.files_humans
    }

    /// How many of `candidates` (as [`Index::candidates`] gives them) are `require human`
    /// rules: they come first.
    pub fn humans(&self, candidates: &[RuleId]) -> usize {
        candidates
            .iter()
            .take_while(|&&id| self.human.get(id.index()) == Some(&true))
            .count()
    }
}

/// Sorts candidate rules: `require human` rules first, then the others, each in path order.
fn sort(rules: &mut [RuleId], human: &[bool]) {
    rules.sort_unstable_by_key(|&id| (human.get(id.index()) != Some(&true), id));
}

/// The slot and string values of an indexable test.
pub(crate) fn indexable(node: &Node) -> Option<(SlotId, SmallVec<[&str; 4]>)> {
    match node {
        Node::CmpConst {
            op: CmpOp::Eq,
            slot,
            lit: Lit::Str(s),
        } => Some((*slot, SmallVec::from_slice(&[s.as_str()]))),
        Node::InConst {
            slot,
            items,
            negated: false,
        } => {
            let values = items
                .iter()
                .map(|i| match i {
                    Lit::Str(s) => Some(s.as_str()),
                    _ => None,
                })
                .collect::<Option<SmallVec<[&str; 4]>>>()?;
            Some((*slot, values))
        }
        _ => None,
    }
}

/// Candidate rules, in path order: inline up to 64 (no allocation on the deciding path).
pub(crate) type Candidates = SmallVec<[RuleId; 64]>;

impl Index {
    /// The rules that can match a conversation, in path order; `value` reads a slot's value
    /// when it is a string. With them, whether every one was found by the value of the test
    /// it is filed under (so that test holds).
    ///
    /// Every rule is filed under one slot at most, and one list is taken per slot, so the
    /// lists are disjoint: their union, sorted, is the path order.
    #[inline]
    pub fn candidates<'s, 'a>(
        &'s self,
        mut value: impl FnMut(SlotId) -> Option<&'a str>,
        out: &'s mut Candidates,
    ) -> (&'s [RuleId], bool) {
        if let (true, [only]) = (self.merged, self.slots.as_slice()) {
            return match value(only.slot).map(|v| only.table.get(v)) {
                // without `always` rules merged in, the list holds only rules filed under `v`
                Some(Some(list)) => (list, self.always.is_empty()),
                Some(None) => (&self.always, false),
                None => (&only.require, false),
            };
        }
        out.clear();
        out.extend_from_slice(&self.always);
        let mut lists = usize::from(!self.always.is_empty());
        for s in &self.slots {
            let list = match value(s.slot) {
                Some(v) => s.table.get(v).unwrap_or(&[]),
                None => s.require.as_slice(),
            };
            if !list.is_empty() {
                out.extend_from_slice(list);
                lists += 1;
            }
        }
        if lists > 1 {
            sort(out, &self.human);
        }
        (out, false)
    }
}
