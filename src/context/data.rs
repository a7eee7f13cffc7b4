//! A conversation's fields as given, with a typed index of every path a rule can read.
//!
//! [`Data`] keeps the fields as a JSON mapping (for logs, `expect` and [`Data::get`]) and, built
//! with it, a flat index: every path reachable through mappings (`intent`, `customer.tier`,
//! `signals.distress`, …) filed under the 64-bit hash of its dotted text, with its value read
//! into a [`Field`] (strings copied into one arena). Entries are sorted by hash, then path, so a
//! lookup is a binary search that compares path text only when hashes are equal: a collision
//! costs a comparison, never a wrong answer. Compiled slots carry their path's hash, so reading
//! a slot hashes nothing.
//!
//! The mapping can only change through [`Data::update`], which rebuilds the index: it cannot go
//! stale.

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use smallvec::SmallVec;

/// The 64-bit hash (FNV-1a) of a dotted path (`customer.tier`): compiled slots carry it, and
/// a hand-written reader can compute it at compile time (`const`).
pub const fn path_hash(path: &str) -> u64 {
    hash_more(FNV_START, path.as_bytes())
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over more bytes: a path's hash is built a segment at a time.
const fn hash_more(mut h: u64, mut bytes: &[u8]) -> u64 {
    while let [b, rest @ ..] = bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
        bytes = rest;
    }
    h
}

/// The value at a path, as a rule reads it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Field<'a> {
    /// `null`: missing (a default or a computed signal applies).
    Null,
    Bool(bool),
    /// A finite number.
    Num(f64),
    Str(&'a str),
    /// A list whose every element is a string (read it with [`Data::list`]).
    Strings,
    /// Anything else: a mapping, another list, a number that is not finite. Present, but of
    /// no type a rule can use.
    Other,
}

/// Every top-level field of a conversation except `messages` and `expect`, as given; reads as
/// the JSON mapping it derefs to.
#[derive(Clone, Default)]
pub struct Data {
    map: Map<String, Value>,
    index: Index,
}

#[derive(Clone, Default)]
struct Index {
    /// Sorted by hash, then path text.
    entries: Vec<Entry>,
    /// Paths and string values, which entries point into.
    text: String,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    hash: u64,
    path: Range,
    leaf: Leaf,
}

/// A range of [`Index::text`].
#[derive(Clone, Copy, Debug)]
struct Range {
    start: u32,
    end: u32,
}

#[derive(Clone, Copy, Debug)]
enum Leaf {
    Null,
    Bool(bool),
    Num(f64),
    Str(Range),
    Strings,
    Other,
}

impl Data {
    pub fn new(map: Map<String, Value>) -> Data {
        let index = Index::build(&map);
        Data { map, index }
    }

    /// The fields as a JSON mapping.
    pub fn map(&self) -> &Map<String, Value> {
        &self.map
    }

    /// The fields, by value.
    pub fn into_map(self) -> Map<String, Value> {
        self.map
    }

    /// Changes the fields; the index is rebuilt afterwards.
    pub fn update<R>(&mut self, change: impl FnOnce(&mut Map<String, Value>) -> R) -> R {
        let r = change(&mut self.map);
        self.index = Index::build(&self.map);
        r
    }

    /// The value at a dotted path whose [`path_hash`] is `hash`; `None` when absent (also when
    /// a segment on the way is not a mapping).
    pub fn field(&self, hash: u64, path: &str) -> Option<Field<'_>> {
        self.index.find(hash, path)
    }

    /// The elements of the list at a dotted path, given as `segments`.
    pub fn list<'s>(&self, segments: impl IntoIterator<Item = &'s str>) -> Option<&[Value]> {
        let mut segments = segments.into_iter();
        let mut v = self.map.get(segments.next()?)?;
        for s in segments {
            v = v.as_object()?.get(s)?;
        }
        v.as_array().map(Vec::as_slice)
    }
}

impl std::ops::Deref for Data {
    type Target = Map<String, Value>;

    fn deref(&self) -> &Map<String, Value> {
        &self.map
    }
}

impl std::fmt::Debug for Data {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.map.fmt(f)
    }
}

impl PartialEq for Data {
    fn eq(&self, other: &Data) -> bool {
        self.map == other.map
    }
}

impl Serialize for Data {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.map.serialize(serializer)
    }
}

impl Index {
    /// Files every path reachable through mappings. A key with a dot in it is left out: no
    /// dotted path reaches it (`a.b` means key `b` inside key `a`).
    fn build(map: &Map<String, Value>) -> Index {
        // room for a typical conversation: a dozen or two paths
        let mut index = Index {
            entries: Vec::with_capacity(2 * map.len() + 8),
            text: String::with_capacity(256),
        };
        let mut stack: SmallVec<[Pending<'_>; 8]> = SmallVec::new();
        stack.push((map, None, FNV_START));
        let mut prefix = String::new();
        while let Some((map, parent, parent_hash)) = stack.pop() {
            prefix.clear();
            let mut prefix_hash = FNV_START;
            if let Some(p) = parent {
                prefix.push_str(at_str(&index.text, p));
                prefix.push('.');
                prefix_hash = hash_more(parent_hash, b".");
            }
            for (key, value) in map.iter().filter(|(k, _)| segment(k)) {
                let start = index.offset();
                index.text.push_str(&prefix);
                index.text.push_str(key);
                let path = Range {
                    start,
                    end: index.offset(),
                };
                let hash = hash_more(prefix_hash, key.as_bytes());
                let leaf = match value {
                    Value::Null => Leaf::Null,
                    Value::Bool(b) => Leaf::Bool(*b),
                    Value::Number(n) => n.as_f64().filter(|x| x.is_finite()).map_or(Leaf::Other, Leaf::Num),
                    Value::String(s) => Leaf::Str(index.push(s)),
                    Value::Array(items) if items.iter().all(Value::is_string) => Leaf::Strings,
                    Value::Array(_) => Leaf::Other,
                    Value::Object(inner) => {
                        stack.push((inner, Some(path), hash));
                        Leaf::Other
                    }
                };
                index.entries.push(Entry { hash, path, leaf });
            }
        }
        let mut entries = std::mem::take(&mut index.entries);
        entries.sort_unstable_by(|a, b| a.hash.cmp(&b.hash).then_with(|| index.path(a).cmp(index.path(b))));
        index.entries = entries;
        index
    }

    fn offset(&self) -> u32 {
        u32::try_from(self.text.len()).unwrap_or(u32::MAX)
    }

    fn push(&mut self, s: &str) -> Range {
        let start = self.offset();
        self.text.push_str(s);
        Range {
            start,
            end: self.offset(),
        }
    }

    fn find(&self, hash: u64, path: &str) -> Option<Field<'_>> {
        let at = self.entries.partition_point(|e| e.hash < hash);
        let rest = self.entries.get(at..)?;
        let e = match rest {
            [e, next, ..] if next.hash == hash => {
                // a collision: the entries of this hash are sorted by path
                let run = rest.get(..rest.partition_point(|e| e.hash == hash))?;
                let i = run.binary_search_by(|e| self.path(e).cmp(path.as_bytes())).ok()?;
                run.get(i)?
            }
            [e, ..] if e.hash == hash && self.path(e) == path.as_bytes() => e,
            _ => return None,
        };
        Some(match e.leaf {
            Leaf::Null => Field::Null,
            Leaf::Bool(b) => Field::Bool(b),
            Leaf::Num(n) => Field::Num(n),
            Leaf::Str(r) => Field::Str(at_str(&self.text, r)),
            Leaf::Strings => Field::Strings,
            Leaf::Other => Field::Other,
        })
    }

    /// An entry's path, as bytes (cheaper to compare than `str`s, no boundary checks).
    fn path(&self, e: &Entry) -> &[u8] {
        self.text
            .as_bytes()
            .get(e.path.start as usize..e.path.end as usize)
            .unwrap_or(&[])
    }
}

/// A mapping still to file: the mapping, its path (`None` at the top), its path's hash.
type Pending<'m> = (&'m Map<String, Value>, Option<Range>, u64);

/// Whether a key can be a path segment (no dotted path reaches a key with a dot in it).
fn segment(key: &str) -> bool {
    key.bytes().all(|b| b != b'.')
}

fn at_str(text: &str, r: Range) -> &str {
    text.get(r.start as usize..r.end as usize).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Entries whose hashes collide are told apart by their path text.
    #[test]
    fn colliding_hashes_are_told_apart() {
        let value = json!({"a": 1, "b": {"c": "x"}, "d": null, "e": true});
        let Value::Object(map) = value else { return };
        let mut index = Index::build(&map);
        for e in &mut index.entries {
            e.hash = 7;
        }
        let mut entries = std::mem::take(&mut index.entries);
        entries.sort_unstable_by(|a, b| index.path(a).cmp(index.path(b)));
        index.entries = entries;
        assert_eq!(index.find(7, "a"), Some(Field::Num(1.0)));
        assert_eq!(index.find(7, "b"), Some(Field::Other));
        assert_eq!(index.find(7, "b.c"), Some(Field::Str("x")));
        assert_eq!(index.find(7, "d"), Some(Field::Null));
        assert_eq!(index.find(7, "e"), Some(Field::Bool(true)));
        assert_eq!(index.find(7, "c"), None);
        assert_eq!(index.find(7, "f"), None);
        assert_eq!(index.find(path_hash("a"), "a"), None);
    }
}
