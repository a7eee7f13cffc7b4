//! One decision log line: the verdict JSON with `ts` and `decision_id` in front and, at the end,
//! the fields of the input that the allowlist names (issue 19): the conversation `id`, every
//! path the serving set's rules read, the `--log-field` paths, and each message's `from`, `at`
//! and `sentiment` — its `text` only with `--log-text`. Nothing else of the input is written.

pub use crate::time::rfc3339;
use super::Entry;
use crate::context::{Conversation, Message};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};
use std::time::{SystemTime, UNIX_EPOCH};

/// What of the input is logged, beside the paths the rules read.
#[derive(Clone, Debug, Default)]
pub struct Fields {
    /// `--log-field PATH`, dotted.
    pub extra: Vec<String>,
    /// `--log-text`.
    pub text: bool,
}

/// `{"ts":…,"decision_id":…,<verdict fields>,"input":{…}}` and a newline.
pub fn format_line(line: &mut Vec<u8>, entry: &Entry, fields: &Fields) {
    line.extend_from_slice(b"{\"ts\":\"");
    line.extend_from_slice(rfc3339(entry.ts).as_bytes());
    line.extend_from_slice(b"\",\"decision_id\":\"");
    line.extend_from_slice(&entry.decision_id);
    line.push(b'"');
    let inner = entry
        .verdict
        .strip_prefix(b"{")
        .and_then(|v| v.strip_suffix(b"}"))
        .map(<[u8]>::trim_ascii)
        .unwrap_or_default();
    if !inner.is_empty() {
        line.push(b',');
        line.extend_from_slice(inner);
    }
    line.extend_from_slice(b",\"input\":");
    let mark = line.len();
    let input = Input {
        conversation: &entry.input,
        read: &entry.read_paths,
        fields,
    };
    if serde_json::to_writer(&mut *line, &input).is_err() {
        line.truncate(mark);
        line.extend_from_slice(b"null");
    }
    line.extend_from_slice(b"}\n");
}

/// The allowed fields of the conversation, in the order of the allowlist, nested as given;
/// serialised from the conversation itself.
struct Input<'a> {
    conversation: &'a Conversation,
    read: &'a [String],
    fields: &'a Fields,
}

impl Serialize for Input<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut kept = Map::new();
        let paths = std::iter::once("id")
            .chain(self.read.iter().map(String::as_str))
            .chain(self.fields.extra.iter().map(String::as_str));
        for path in paths {
            if path == "messages" || path.starts_with("messages.") {
                continue;
            }
            if let Some(value) = self.conversation.get(path) {
                insert(&mut kept, path, value);
            }
        }
        let mut map = serializer.serialize_map(Some(kept.len() + 1))?;
        for (key, value) in &kept {
            map.serialize_entry(key, value)?;
        }
        let messages = self.conversation.messages.iter().map(|m| LoggedMessage {
            message: m,
            log_text: self.fields.text,
        });
        map.serialize_entry("messages", &Seq(std::cell::Cell::new(Some(messages))))?;
        map.end()
    }
}

/// Puts `value` at the dotted `path` of `into`, making the mappings on the way.
fn insert(into: &mut Map<String, Value>, path: &str, value: &Value) {
    let mut at = into;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            at.insert(part.to_string(), value.clone());
            return;
        }
        let next = at
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(next) = next else {
            return; // a parent already logged whole
        };
        at = next;
    }
}

/// A sequence serialised once from an iterator.
struct Seq<I>(std::cell::Cell<Option<I>>);

impl<I: Iterator<Item = T>, T: Serialize> Serialize for Seq<I> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.take().into_iter().flatten())
    }
}

/// One message: `from` as written (null when absent), `text` only with `--log-text`, `at` and
/// `sentiment` when given.
struct LoggedMessage<'a> {
    message: &'a Message,
    log_text: bool,
}

impl Serialize for LoggedMessage<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let m = self.message;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("from", &m.from_raw)?;
        if let Some(text) = m.text.as_ref().filter(|_| self.log_text) {
            map.serialize_entry("text", text)?;
        }
        if let Some(at) = &m.at {
            map.serialize_entry("at", at)?;
        }
        if let Some(s) = m.sentiment.value() {
            map.serialize_entry("sentiment", &s)?;
        }
        map.end()
    }
}

/// Writes `n` as 16 lowercase hex digits into `out` (16 bytes).
pub fn hex16(out: &mut [u8], n: u64) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in out.iter_mut().rev().enumerate().take(16) {
        let nibble = (n >> (4 * i)) & 0xf;
        *b = DIGITS.get(nibble as usize).copied().unwrap_or(b'0');
    }
}

/// A per-run nonce for decision ids: the start time and process id, mixed.
pub fn nonce() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut x = (nanos as u64) ^ (u64::from(std::process::id()) << 32) ^ ((nanos >> 64) as u64);
    // splitmix64 finaliser
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;
    use std::sync::Arc;
    use serde_json::Value;
    use std::time::Duration;

    #[test]
    fn input_keeps_the_given_fields_in_the_order_of_data() {
        let input = Conversation::from_json(
            r#"{"id":"c2","messages":[{"from":"bot","text":"t","at":"9:00","sentiment":-0.5},{"text":"x"}],"intent":"a","customer":{"tier":"vip"}}"#,
        )
        .unwrap_or_default();
        let entry = Entry {
            ts: UNIX_EPOCH,
            decision_id: [b'0'; 32],
            verdict: Bytes::from_static(b"{}"),
            input,
            read_paths: Arc::from(vec!["customer.tier".to_string()]),
        };
        let mut line = Vec::new();
        format_line(&mut line, &entry, &Fields::default());
        let text = String::from_utf8(line.clone()).unwrap_or_default();
        assert!(
            text.ends_with(
                r#""input":{"id":"c2","customer":{"tier":"vip"},"messages":[{"from":"bot","at":"9:00","sentiment":-0.5},{"from":null}]}}
"#
            ),
            "only the id, the paths read and the messages' metadata: {text}"
        );
        line.clear();
        let fields = Fields { extra: vec!["intent".into(), "customer.email".into()], text: false };
        format_line(&mut line, &entry, &fields);
        let text = String::from_utf8(line).unwrap_or_default();
        assert!(text.contains(r#""input":{"id":"c2","customer":{"tier":"vip"},"intent":"a","messages""#), "{text}");
    }

    #[test]
    fn decision_ids_are_hex() {
        let mut id = [0u8; 16];
        hex16(&mut id, 0x0123_4567_89ab_cdef);
        assert_eq!(&id, b"0123456789abcdef");
        hex16(&mut id, 42);
        assert_eq!(&id, b"000000000000002a");
    }

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        let t = UNIX_EPOCH + Duration::from_micros(951_827_696_123_456); // leap day 2000
        assert_eq!(rfc3339(t), "2000-02-29T12:34:56.123456Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_767_225_599); // last second of 2025
        assert_eq!(rfc3339(t), "2025-12-31T23:59:59.000000Z");
    }

    #[test]
    fn lines_merge_the_verdict_and_strip_texts() {
        let input = Conversation::from_json(
            r#"{"id":"c1","messages":[{"from":"customer","text":"secret"}]}"#,
        )
        .unwrap_or_default();
        let entry = Entry {
            ts: UNIX_EPOCH,
            decision_id: *b"000000000000000a00000000000000ab",
            verdict: Bytes::from_static(br#"{"route":"ai"}"#),
            input,
            read_paths: Arc::from(Vec::new()),
        };
        let mut line = Vec::new();
        format_line(&mut line, &entry, &Fields::default());
        let text = String::from_utf8(line.clone()).unwrap_or_default();
        assert!(text.ends_with("}\n"));
        assert!(!text.contains("secret"));
        let v: Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(v.get("route"), Some(&Value::from("ai")));
        assert_eq!(
            v.get("decision_id"),
            Some(&Value::from("000000000000000a00000000000000ab"))
        );
        line.clear();
        format_line(&mut line, &entry, &Fields { extra: Vec::new(), text: true });
        assert!(
            String::from_utf8(line)
                .unwrap_or_default()
                .contains("secret")
        );
    }
}
