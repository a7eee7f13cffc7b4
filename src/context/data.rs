//! A conversation's fields as given, with a typed index of every path a rule can read.
//!
//! [`Data`] keeps the fields as a JSON mapping (for logs, `expect` and [`Data::get`]) and, built
//! with it, a flat index: every path reachable through mappings (`intent`, `customer.tier`,
//! `signals.distress`, …) filed under the 64-bit hash of its dotted text, with its value read
//! into a [`Field`] (strings copied into one arena). The entries sit in a small open-addressing
//! table, so a lookup is one or two probes and then a comparison of the path text: a collision
//! costs a probe, never a wrong answer. Compiled slots carry their path's hash, so
//! reading a slot hashes nothing.
//!
//! The index is built either from the mapping ([`Data::new`]) or while the JSON text is read
//! (a [`Builder`], `context/json.rs` and `context/scan.rs`). The mapping can only change
//! through [`Data::update`], which rebuilds the index: it cannot go stale.
//!
//! Evaluation reads only the index, so the mapping is built when first asked for: the
//! hand-written reader (`context/scan.rs`) keeps each top-level field's JSON text, and the
//! mapping is read from those texts by `serde_json` (the same parser, so the same values).

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use smallvec::SmallVec;
use std::sync::OnceLock;

mod key;

pub use key::{Key, path_hash};
use key::{FNV_START, hash_more, words};

/// How many 64-byte lines of the index's text [`Data::touch`] loads.
const TOUCHED_LINES: usize = 8;

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
    /// Built when first asked for (from `fields`) unless given.
    map: OnceLock<Map<String, Value>>,
    index: Index,
    /// The top-level fields as given, in the mapping's order: key and JSON text of the value,
    /// in the index's text (empty when the mapping was given).
    fields: Vec<Raw>,
}

/// A top-level field kept as text: its key and its value's JSON.
#[derive(Clone, Copy, Debug)]
struct Raw {
    key: Range,
    value: Range,
}

#[derive(Clone, Default)]
struct Index {
    /// An open-addressing table of entries (a power of two long, at least one empty): a
    /// hash's probe starts at its top bits.
    table: Vec<Entry>,
    /// 64 minus the number of bits a slot number has.
    shift: u32,
    /// Paths and string values, which entries point into.
    text: String,
}

/// 64 bytes, aligned to 64: one cache line each (a lookup on a conversation not in the cache
/// waits for one line, not two).
#[derive(Clone, Copy, Debug)]
#[repr(align(64))]
struct Entry {
    hash: u64,
    path: Range,
    /// [`Key::words`] of the path.
    words: [u64; 4],
    leaf: Leaf,
}

/// A range of [`Index::text`].
#[derive(Clone, Copy, Debug)]
pub(super) struct Range {
    start: u32,
    end: u32,
}

/// A path's value, as the index keeps it.
#[derive(Clone, Copy, Debug)]
pub(super) enum Leaf {
    /// An empty slot of the table.
    Empty,
    Null,
    Bool(bool),
    Num(f64),
    Str(Range),
    Strings,
    Other,
}

impl Leaf {
    /// A number's leaf: `Other` when it is not finite.
    pub(super) fn num(n: f64) -> Leaf {
        if n.is_finite() { Leaf::Num(n) } else { Leaf::Other }
    }

    /// A list's leaf: `Strings` when every element is a string.
    pub(super) fn list(items: &[Value]) -> Leaf {
        if items.iter().all(Value::is_string) {
            Leaf::Strings
        } else {
            Leaf::Other
        }
    }
}

/// A path being filed: where its text is, and its hash.
#[derive(Clone, Copy, Debug)]
pub(super) struct Place {
    path: Range,
    hash: u64,
}

/// An index under construction: paths are filed as they are found, in any order.
pub(super) struct Builder {
    /// Filed in its table as they are found; its text.
    index: Index,
    /// Entries filed.
    count: usize,
    /// A list of strings was filed.
    lists: bool,
    /// A key was given twice somewhere: the entries of the value it replaced are still here,
    /// so the index is built again from the final mapping.
    stale: bool,
    /// The top-level fields as text (the hand-written reader), in `text`.
    fields: Vec<Raw>,
}

impl Data {
    pub fn new(map: Map<String, Value>) -> Data {
        let index = Index::build(&map);
        Data {
            map: OnceLock::from(map),
            index,
            fields: Vec::new(),
        }
    }

    /// The fields as a JSON mapping (built from their text when first asked for).
    pub fn map(&self) -> &Map<String, Value> {
        self.map.get_or_init(|| self.read_fields())
    }

    /// The fields, by value.
    pub fn into_map(mut self) -> Map<String, Value> {
        match self.map.take() {
            Some(map) => map,
            None => self.read_fields(),
        }
    }

    /// Changes the fields; the index is rebuilt afterwards.
    pub fn update<R>(&mut self, change: impl FnOnce(&mut Map<String, Value>) -> R) -> R {
        let mut map = std::mem::take(self).into_map();
        let r = change(&mut map);
        *self = Data::new(map);
        r
    }

    /// The mapping of the fields kept as text. Each text was read whole by the hand-written
    /// reader, which accepts only what `serde_json` reads (a text it cannot read would be
    /// `null`, but there is none).
    fn read_fields(&self) -> Map<String, Value> {
        let mut map = Map::with_capacity(self.fields.len());
        for raw in &self.fields {
            let text = &self.index.text;
            let value = serde_json::from_str(at_str(text, raw.value)).unwrap_or(Value::Null);
            map.insert(at_str(text, raw.key).to_owned(), value);
        }
        map
    }

    /// The value at a dotted path whose [`path_hash`] is `hash`; `None` when absent (also when
    /// a segment on the way is not a mapping).
    #[inline(always)]
    pub fn field(&self, hash: u64, path: &str) -> Option<Field<'_>> {
        let key = Key {
            hash,
            len: path.len(),
            words: words(path.as_bytes()),
        };
        self.index.find(&key, path)
    }

    /// Loads the entry where the lookup of each path hash starts, all at once: on a conversation not
    /// in the cache, its entries then arrive together instead of one lookup after another.
    /// (The result means nothing; it is returned so that the loads are made.)
    ///
    /// The first lines of the index's text (where string values are) are loaded in the same
    /// wave: the text's place is known without the entries, so its misses need not wait for
    /// theirs.
    #[inline]
    pub fn touch(&self, hashes: &[u64]) -> u64 {
        let index = &self.index;
        let entries = hashes
            .iter()
            .filter_map(|h| index.table.get((h >> index.shift) as usize))
            .fold(0, |x, e| x ^ e.hash);
        let text = index.text.as_bytes().iter().step_by(64).take(TOUCHED_LINES);
        text.fold(entries, |x, &b| x ^ u64::from(b))
    }

    /// The value at a dotted path, by its [`Key`] (made once, when a policy is compiled).
    #[inline(always)]
    pub fn field_at(&self, key: &Key, path: &str) -> Option<Field<'_>> {
        self.index.find(key, path)
    }

    /// Where a string [`Data::field_at`] gave starts in the index's text (`None` for any other
    /// string), so that it can be kept as a number and found again with [`Data::str_at`].
    #[inline]
    pub(crate) fn offset_of(&self, s: &str) -> Option<u32> {
        let text = &self.index.text;
        let start = (s.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
        (start.checked_add(s.len())? <= text.len())
            .then(|| u32::try_from(start).ok())
            .flatten()
    }

    /// The `len` bytes of the index's text from `start` (see [`Data::offset_of`]).
    #[inline(always)]
    pub(crate) fn str_at(&self, start: u32, len: u16) -> Option<&str> {
        let start = start as usize;
        self.index.text.get(start..start + len as usize)
    }

    /// The elements of the list at a dotted path, given as `segments`.
    pub fn list<'s>(&self, segments: impl IntoIterator<Item = &'s str>) -> Option<&[Value]> {
        let mut segments = segments.into_iter();
        let mut v = self.map().get(segments.next()?)?;
        for s in segments {
            v = v.as_object()?.get(s)?;
        }
        v.as_array().map(Vec::as_slice)
    }
}

impl std::ops::Deref for Data {
    type Target = Map<String, Value>;

    fn deref(&self) -> &Map<String, Value> {
        self.map()
    }
}

impl std::fmt::Debug for Data {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.map().fmt(f)
    }
}

impl PartialEq for Data {
    fn eq(&self, other: &Data) -> bool {
        self.map() == other.map()
    }
}

impl Serialize for Data {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.map().serialize(serializer)
    }
}

impl Builder {
    /// An empty index, with room for a typical conversation (a dozen or two paths).
    pub(super) fn new() -> Builder {
        Builder {
            index: Index::with_room(21, String::with_capacity(256)),
            count: 0,
            lists: false,
            stale: false,
            fields: Vec::new(),
        }
    }

    /// An empty index for the fields of a JSON text `len` bytes long, kept as text
    /// ([`Builder::keep`]): room for the text, paths and strings of a typical conversation.
    pub(super) fn for_text(len: usize) -> Builder {
        Builder {
            index: Index::with_room(21, String::with_capacity(len.saturating_mul(2).max(256))),
            count: 0,
            lists: false,
            stale: false,
            fields: Vec::with_capacity(8),
        }
    }

    /// The path of `key` inside the mapping at `parent` (`None`: the top level), or `None`
    /// when the key has a dot in it (no dotted path reaches it: `a.b` means key `b` in `a`).
    pub(super) fn place(&mut self, parent: Option<Place>, key: &str) -> Option<Place> {
        let mut hash = parent.map_or(FNV_START, |p| hash_more(p.hash, b"."));
        for &b in key.as_bytes() {
            if b == b'.' {
                return None;
            }
            hash = hash_more(hash, &[b]);
        }
        let text = &mut self.index.text;
        let start = offset(text);
        if let Some(p) = parent {
            text.extend_from_within(p.path.start as usize..p.path.end as usize);
            text.push('.');
        }
        text.push_str(key);
        let path = Range {
            start,
            end: offset(text),
        };
        Some(Place { path, hash })
    }

    /// A string's leaf (the text is copied into the index).
    pub(super) fn str(&mut self, s: &str) -> Leaf {
        let text = &mut self.index.text;
        let start = offset(text);
        text.push_str(s);
        Leaf::Str(Range {
            start,
            end: offset(text),
        })
    }

    /// Files the value at `place`.
    pub(super) fn push(&mut self, place: Place, leaf: Leaf) {
        self.count += 1;
        self.lists |= matches!(leaf, Leaf::Strings);
        if !Index::has_room(self.count, self.index.table.len()) {
            self.index = self.index.grown(self.count);
        }
        let words = words(at_str(&self.index.text, place.path).as_bytes());
        self.index.insert(Entry {
            hash: place.hash,
            path: place.path,
            words,
            leaf,
        });
    }

    /// A key was given twice: some entries may be of a value the mapping no longer holds.
    pub(super) fn stale(&mut self) {
        self.stale = true;
    }

    /// Keeps a top-level field as text: its key (the path of `place`, when it has one) and
    /// its value's JSON, read by `serde_json` when the mapping is first asked for. Fields are
    /// kept in the mapping's order.
    pub(super) fn keep(&mut self, key: &str, place: Option<Place>, value: &str) {
        let text = &mut self.index.text;
        let key = match place {
            Some(p) => p.path,
            None => {
                let start = offset(text);
                text.push_str(key);
                Range {
                    start,
                    end: offset(text),
                }
            }
        };
        let start = offset(text);
        text.push_str(value);
        let value = Range {
            start,
            end: offset(text),
        };
        self.fields.push(Raw { key, value });
    }

    /// The fields with the index of every path filed.
    pub(super) fn finish(self, map: Map<String, Value>) -> Data {
        if self.stale {
            return Data::new(map);
        }
        Data {
            map: OnceLock::from(map),
            index: self.index,
            fields: Vec::new(),
        }
    }

    /// The fields kept as text ([`Builder::keep`]), with the index of every path filed (no
    /// key was given twice: the hand-written reader declines such documents). A list of
    /// strings is read from the mapping ([`Data::list`]): with one, the mapping is built now,
    /// so that deciding never allocates.
    pub(super) fn finish_kept(self) -> Data {
        let data = Data {
            map: OnceLock::new(),
            index: self.index,
            fields: self.fields,
        };
        if self.lists {
            data.map();
        }
        data
    }
}

impl Index {
    /// Files every path reachable through mappings.
    fn build(map: &Map<String, Value>) -> Index {
        let mut b = Builder::new();
        let mut stack: SmallVec<[Pending<'_>; 8]> = SmallVec::new();
        stack.push((map, None));
        while let Some((map, parent)) = stack.pop() {
            for (key, value) in map {
                let Some(place) = b.place(parent, key) else { continue };
                let leaf = match value {
                    Value::Null => Leaf::Null,
                    Value::Bool(v) => Leaf::Bool(*v),
                    Value::Number(n) => n.as_f64().map_or(Leaf::Other, Leaf::num),
                    Value::String(s) => b.str(s),
                    Value::Array(items) => Leaf::list(items),
                    Value::Object(inner) => {
                        stack.push((inner, Some(place)));
                        Leaf::Other
                    }
                };
                b.push(place, leaf);
            }
        }
        b.index
    }

    /// An empty table with room for `n` entries (at most two thirds full), and `text`.
    fn with_room(n: usize, text: String) -> Index {
        let len = (n + n / 2 + 1).next_power_of_two().max(8);
        let empty = Entry {
            hash: 0,
            path: Range { start: 0, end: 0 },
            words: [0; 4],
            leaf: Leaf::Empty,
        };
        Index {
            table: vec![empty; len],
            shift: 64 - len.trailing_zeros(),
            text,
        }
    }

    /// Whether a table `len` long holds `n` entries at most two thirds full.
    fn has_room(n: usize, len: usize) -> bool {
        n + n / 2 < len
    }

    /// The same entries in a table with room for `n`.
    fn grown(&mut self, n: usize) -> Index {
        let mut grown = Index::with_room(n, std::mem::take(&mut self.text));
        for e in &self.table {
            if !matches!(e.leaf, Leaf::Empty) {
                grown.insert(*e);
            }
        }
        grown
    }

    /// Files an entry (there is room).
    fn insert(&mut self, e: Entry) {
        let mask = self.table.len().wrapping_sub(1);
        let mut at = (e.hash >> self.shift) as usize;
        while let Some(slot) = self.table.get_mut(at) {
            if matches!(slot.leaf, Leaf::Empty) {
                *slot = e;
                return;
            }
            at = (at + 1) & mask;
        }
    }

    #[inline(always)]
    fn find(&self, key: &Key, path: &str) -> Option<Field<'_>> {
        let mask = self.table.len().wrapping_sub(1);
        let mut at = (key.hash >> self.shift) as usize;
        let e = loop {
            let e = self.table.get(at)?;
            if e.hash == key.hash && self.path_is(e, key, path.as_bytes()) {
                break e;
            }
            if matches!(e.leaf, Leaf::Empty) {
                return None;
            }
            at = (at + 1) & mask;
        };
        Some(match e.leaf {
            // an empty slot whose (zero) hash and (empty) path were asked for
            Leaf::Empty => return None,
            Leaf::Null => Field::Null,
            Leaf::Bool(b) => Field::Bool(b),
            Leaf::Num(n) => Field::Num(n),
            Leaf::Str(r) => Field::Str(at_str(&self.text, r)),
            Leaf::Strings => Field::Strings,
            Leaf::Other => Field::Other,
        })
    }

    /// Whether an entry's path is `path` (whose key is `key`): lengths and words first, the
    /// text only past 32 bytes.
    #[inline(always)]
    fn path_is(&self, e: &Entry, key: &Key, path: &[u8]) -> bool {
        e.path.end.wrapping_sub(e.path.start) as usize == key.len
            && e.words == key.words
            && (key.len <= 32
                || self
                    .text
                    .as_bytes()
                    .get(e.path.start as usize..e.path.end as usize)
                    .is_some_and(|p| p == path))
    }
}

/// A mapping still to file, and its place (`None` at the top).
type Pending<'m> = (&'m Map<String, Value>, Option<Place>);

fn offset(text: &str) -> u32 {
    u32::try_from(text.len()).unwrap_or(u32::MAX)
}

fn at_str(text: &str, r: Range) -> &str {
    text.get(r.start as usize..r.end as usize).unwrap_or("")
}

#[cfg(test)]
mod tests;
