//! JSON text → [`Conversation`] in one pass: messages are read straight into [`Message`]s and
//! the typed index is filed while the fields are read, with no `serde_json::Value` of the whole
//! document in between.
//!
//! It reads exactly what `Conversation::from_value(serde_json::from_str(text)?)` reads: every
//! value it does not keep is still read as a `Value` (so nesting is limited and errors are
//! reported just the same), a field of the wrong type is kept as written, and a top level that
//! is not a mapping is rejected after the whole text has been read.

use super::data::{Builder, Leaf, Place};
use super::{Conversation, Given, InputError, json_message};
use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Reads one conversation from JSON text.
pub(super) fn conversation(text: &str) -> Result<Conversation, InputError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let read = Lenient(Top).deserialize(&mut de).and_then(|c| de.end().map(|()| c));
    match read {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(kind)) => Err(InputError {
            message: format!("a conversation must be a mapping, not {kind}"),
            line: None,
            column: None,
        }),
        Err(e) => Err(InputError {
            message: json_message(&e),
            line: Some(e.line()),
            column: Some(e.column()),
        }),
    }
}

/// What a place in the document makes of each kind of value; [`Lenient`] reads any value and
/// hands it over. Values of a kind the place has no use for are read (as `Value`s) and dropped.
trait Shape<'de>: Sized {
    type Out;

    /// A value of no use here, of `kind` (`"a list"`, `"null"`, …), already read.
    fn other(self, kind: &'static str) -> Self::Out;

    fn seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Out, A::Error> {
        while seq.next_element::<Value>()?.is_some() {}
        Ok(self.other("a list"))
    }

    fn map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Out, A::Error> {
        while map.next_entry::<String, Value>()?.is_some() {}
        Ok(self.other("a mapping"))
    }
}

/// Reads any value for a [`Shape`].
struct Lenient<S>(S);

impl<'de, S: Shape<'de>> DeserializeSeed<'de> for Lenient<S> {
    type Value = S::Out;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Out, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, S: Shape<'de>> Visitor<'de> for Lenient<S> {
    type Value = S::Out;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any value")
    }

    fn visit_unit<E: Error>(self) -> Result<S::Out, E> {
        Ok(self.0.other("null"))
    }

    fn visit_bool<E: Error>(self, _: bool) -> Result<S::Out, E> {
        Ok(self.0.other("a boolean"))
    }

    fn visit_i64<E: Error>(self, _: i64) -> Result<S::Out, E> {
        Ok(self.0.other("a number"))
    }

    fn visit_u64<E: Error>(self, _: u64) -> Result<S::Out, E> {
        Ok(self.0.other("a number"))
    }

    fn visit_f64<E: Error>(self, v: f64) -> Result<S::Out, E> {
        // as `Value` reads it: a number that is not finite is `null`
        Ok(self.0.other(if v.is_finite() { "a number" } else { "null" }))
    }

    fn visit_str<E: Error>(self, _: &str) -> Result<S::Out, E> {
        Ok(self.0.other("a string"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<S::Out, A::Error> {
        self.0.seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<S::Out, A::Error> {
        self.0.map(map)
    }
}

/// The top level: a conversation, or the kind of value given instead.
struct Top;

impl<'de> Shape<'de> for Top {
    type Out = Result<Conversation, &'static str>;

    fn other(self, kind: &'static str) -> Self::Out {
        Err(kind)
    }

    fn map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Out, A::Error> {
        let mut index = Builder::new();
        // room for a typical conversation's fields: growing a map costs more than the room
        let mut data = Map::with_capacity(8);
        let mut messages = None;
        let mut expect = None;
        while let Some(key) = map.next_key_seed(KeyOf(TopKey::of))? {
            match key {
                // read as `Conversation::from_value` reads it
                TopKey::Messages => {
                    messages = Some(map.next_value()?);
                    data.insert("messages".into(), Value::Null);
                }
                TopKey::Expect => {
                    expect = Some(map.next_value()?);
                    data.insert("expect".into(), Value::Null);
                }
                TopKey::Field(key) => {
                    let value = field(&mut map, &mut index, None, &key)?;
                    if data.insert(key, value).is_some() {
                        index.stale();
                    }
                }
            }
        }
        // taken out as `Conversation::from_value` takes them out, so the fields keep its order
        // (the last field moves into the place of each)
        data.remove("messages");
        data.remove("expect");
        let (messages, messages_unknown) = super::messages(messages, data.keys());
        Ok(Ok(Conversation {
            data: index.finish(data),
            messages,
            messages_unknown,
            expect,
        }))
    }
}

/// Reads the value of `key` in the mapping at `parent`, filing it (and what it holds) in the
/// index; a key with a dot in it is no path, and its value is read as a plain `Value`.
fn field<'de, A: MapAccess<'de>>(
    map: &mut A,
    index: &mut Builder,
    parent: Option<Place>,
    key: &str,
) -> Result<Value, A::Error> {
    match index.place(parent, key) {
        Some(place) => map.next_value_seed(Filed { index, place }),
        None => map.next_value(),
    }
}

/// A field's value, read as `Value` reads it and filed at `place`.
struct Filed<'b> {
    index: &'b mut Builder,
    place: Place,
}

impl Filed<'_> {
    fn file(self, leaf: Leaf, value: Value) -> Value {
        self.index.push(self.place, leaf);
        value
    }
}

impl<'de> DeserializeSeed<'de> for Filed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Filed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any value")
    }

    fn visit_unit<E: Error>(self) -> Result<Value, E> {
        Ok(self.file(Leaf::Null, Value::Null))
    }

    fn visit_bool<E: Error>(self, v: bool) -> Result<Value, E> {
        Ok(self.file(Leaf::Bool(v), Value::Bool(v)))
    }

    #[expect(clippy::cast_precision_loss, reason = "as `Number::as_f64` reads an integer")]
    fn visit_i64<E: Error>(self, v: i64) -> Result<Value, E> {
        Ok(self.file(Leaf::num(v as f64), Value::Number(v.into())))
    }

    #[expect(clippy::cast_precision_loss, reason = "as `Number::as_f64` reads an integer")]
    fn visit_u64<E: Error>(self, v: u64) -> Result<Value, E> {
        Ok(self.file(Leaf::num(v as f64), Value::Number(v.into())))
    }

    fn visit_f64<E: Error>(self, v: f64) -> Result<Value, E> {
        Ok(match Number::from_f64(v) {
            Some(n) => self.file(Leaf::num(v), Value::Number(n)),
            None => self.file(Leaf::Null, Value::Null),
        })
    }

    fn visit_str<E: Error>(self, v: &str) -> Result<Value, E> {
        let leaf = self.index.str(v);
        Ok(self.file(leaf, Value::String(v.to_owned())))
    }

    fn visit_string<E: Error>(self, v: String) -> Result<Value, E> {
        let leaf = self.index.str(&v);
        Ok(self.file(leaf, Value::String(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(self.file(Leaf::list(&items), Value::Array(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut fields = Map::with_capacity(4);
        while let Some(key) = map.next_key::<String>()? {
            let value = field(&mut map, self.index, Some(self.place), &key)?;
            if fields.insert(key, value).is_some() {
                self.index.stale();
            }
        }
        Ok(self.file(Leaf::Other, Value::Object(fields)))
    }
}

/// A message's `at`: a string, or a number as text.
pub(super) fn at(value: Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// A message's `sentiment` as given: absent when `null`, unknown unless a number in −1…1.
pub(super) fn sentiment(value: Value) -> Given<f64> {
    match value {
        Value::Null => Given::Absent,
        Value::Number(n) => super::given_sentiment(n.as_f64()),
        _ => Given::WrongType,
    }
}

/// A key at the top level: `messages`, `expect` or a field's.
enum TopKey {
    Messages,
    Expect,
    Field(String),
}

impl TopKey {
    fn of(key: &str) -> TopKey {
        match key {
            "messages" => TopKey::Messages,
            "expect" => TopKey::Expect,
            _ => TopKey::Field(key.to_owned()),
        }
    }
}

/// Reads a key as the function sorts it: only the keys kept are allocated.
struct KeyOf<K>(fn(&str) -> K);

impl<'de, K> DeserializeSeed<'de> for KeyOf<K> {
    type Value = K;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<K, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<K> Visitor<'_> for KeyOf<K> {
    type Value = K;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: Error>(self, v: &str) -> Result<K, E> {
        Ok((self.0)(v))
    }
}
