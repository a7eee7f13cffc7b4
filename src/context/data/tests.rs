//! Unit tests of the path index.

use super::*;
use serde_json::json;

#[test]
fn an_entry_is_one_cache_line() {
    assert_eq!(std::mem::size_of::<Entry>(), 64);
    assert_eq!(std::mem::align_of::<Entry>(), 64);
}

/// Entries whose hashes collide are told apart by their path text.
#[test]
fn colliding_hashes_are_told_apart() {
    let value = json!({"a": 1, "b": {"c": "x"}, "d": null, "e": true});
    let Value::Object(map) = value else { return };
    let index = Index::build(&map);
    let mut entries: Vec<Entry> = index
        .table
        .into_iter()
        .filter(|e| !matches!(e.leaf, Leaf::Empty))
        .collect();
    for e in &mut entries {
        e.hash = 7;
    }
    let mut index = Index::with_room(entries.len(), index.text);
    for e in entries {
        index.insert(e);
    }
    assert_eq!(index.find(&Key::with_hash(7, b"a"), "a"), Some(Field::Num(1.0)));
    assert_eq!(index.find(&Key::with_hash(7, b"b"), "b"), Some(Field::Other));
    assert_eq!(index.find(&Key::with_hash(7, b"b.c"), "b.c"), Some(Field::Str("x")));
    assert_eq!(index.find(&Key::with_hash(7, b"d"), "d"), Some(Field::Null));
    assert_eq!(index.find(&Key::with_hash(7, b"e"), "e"), Some(Field::Bool(true)));
    assert_eq!(index.find(&Key::with_hash(7, b"c"), "c"), None);
    assert_eq!(index.find(&Key::with_hash(7, b"f"), "f"), None);
    assert_eq!(index.find(&Key::with_hash(path_hash("a"), b"a"), "a"), None);
}

/// The words made at run time are those made at compile time.
#[test]
fn words_agree_with_key_new() {
    let long = "abcdefghijklmnopqrstuvwxyz0123456789.x";
    for n in 0..long.len() {
        let path = long.get(..n).unwrap_or_default();
        assert_eq!(words(path.as_bytes()), Key::new(path).words, "{path}");
    }
}

/// Paths told apart by length alone (a trailing NUL) or only after their 32nd byte.
#[test]
fn keys_tell_long_and_padded_paths_apart() {
    let long = "customer.preferences.contact_channel";
    let other = "customer.preferences.contact_channeX";
    let value = json!({"a": 1, "a\u{0}": 2, "customer": {"preferences": {"contact_channel": "x"}}});
    let Value::Object(map) = value else { return };
    let index = Index::build(&map);
    assert_eq!(index.find(&Key::new("a"), "a"), Some(Field::Num(1.0)));
    assert_eq!(index.find(&Key::new("a\u{0}"), "a\u{0}"), Some(Field::Num(2.0)));
    assert_eq!(index.find(&Key::new(long), long), Some(Field::Str("x")));
    // the same hash and words, other bytes past the 32nd
    let forged = Key {
        hash: path_hash(long),
        ..Key::new(other)
    };
    assert_eq!(forged.words, Key::new(long).words);
    assert_eq!(index.find(&forged, other), None);
}

/// An empty mapping has an index that finds nothing.
#[test]
fn empty() {
    let index = Index::build(&Map::new());
    assert_eq!(index.find(&Key::with_hash(path_hash("a"), b"a"), "a"), None);
    assert_eq!(Index::default().find(&Key::new("a"), "a"), None);
    assert_eq!(index.find(&Key::with_hash(0, b""), ""), None);
}
