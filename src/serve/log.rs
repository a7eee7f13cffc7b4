//! The decision log: every verdict as one JSON line, written off the request path by a thread of
//! its own.
//!
//! Each line is the verdict JSON with `ts` (RFC 3339, UTC) and `decision_id` in front and the
//! conversation as `input` at the end, its message texts left out unless `--log-text`. Lines
//! reach the file through a `BufWriter` with one `write_all` of the whole line and its newline,
//! so the buffer only ever flushes between lines: a crash can lose the lines still buffered,
//! never leave half of one. The buffer is flushed whenever the queue runs empty and on
//! [`DecisionLog::close`], which graceful shutdown calls after the last request has finished.

pub use crate::time::rfc3339;
use crate::context::{Conversation, Message};
use axum::body::Bytes;
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One decision, as the request path hands it over.
pub struct Entry {
    pub ts: SystemTime,
    /// 32 lowercase hex digits ([`DecisionLog::next_id`]).
    pub decision_id: DecisionId,
    /// The verdict JSON (an object), shared with the response.
    pub verdict: Bytes,
    pub input: Conversation,
}

/// A decision id as ASCII: 32 lowercase hex digits (the run's nonce, then a counter).
pub type DecisionId = [u8; 32];

enum Msg {
    Entry(Box<Entry>),
    Close,
}

/// An open decision log.
pub struct DecisionLog {
    path: PathBuf,
    tx: Sender<Msg>,
    writer: Mutex<Option<JoinHandle<std::io::Result<u64>>>>,
    nonce: u64,
    counter: AtomicU64,
}

impl std::fmt::Debug for DecisionLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecisionLog")
            .field("path", &self.path)
            .finish()
    }
}

impl DecisionLog {
    /// Opens `path` for appending (creating it) and starts the writer thread.
    pub fn open(path: &Path, log_text: bool) -> std::io::Result<DecisionLog> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let (tx, rx) = mpsc::channel();
        let writer = std::thread::Builder::new()
            .name("handoff-decision-log".into())
            .spawn(move || write_loop(&rx, BufWriter::with_capacity(256 * 1024, file), log_text))?;
        Ok(DecisionLog {
            path: path.to_path_buf(),
            tx,
            writer: Mutex::new(Some(writer)),
            nonce: nonce(),
            counter: AtomicU64::new(0),
        })
    }

    /// A fresh decision id: 32 hex digits, unique per process run and decision (no allocation).
    pub fn next_id(&self) -> DecisionId {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut id = [b'0'; 32];
        let (high, low) = id.split_at_mut(16);
        hex16(high, self.nonce);
        hex16(low, n);
        id
    }

    /// Queues one decision; never blocks on the disk.
    pub fn record(&self, entry: Entry) {
        let _ = self.tx.send(Msg::Entry(Box::new(entry)));
    }

    /// Writes every queued decision, flushes, and stops the writer. Returns the lines written.
    /// Later calls do nothing.
    pub fn close(&self) -> std::io::Result<u64> {
        let handle = self
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some(handle) = handle else { return Ok(0) };
        let _ = self.tx.send(Msg::Close);
        match handle.join() {
            Ok(result) => result,
            Err(_) => Err(std::io::Error::other(
                "the decision log writer stopped unexpectedly",
            )),
        }
    }
}

/// How long the writer naps when the queue runs dry, and how many naps before it blocks.
const NAP: Duration = Duration::from_millis(1);
const NAPS: u32 = 20;

fn write_loop(
    rx: &Receiver<Msg>,
    mut out: BufWriter<File>,
    log_text: bool,
) -> std::io::Result<u64> {
    let mut written = 0u64;
    let mut line = Vec::with_capacity(4096);
    let mut failed: Option<std::io::Error> = None;
    let mut naps = 0u32;
    loop {
        // Flush whenever the queue runs dry. Then nap a little before blocking: while decisions
        // keep coming, the request path finds the writer awake and never pays for waking it,
        // and each flush writes a millisecond's worth of lines at once.
        let msg = match rx.try_recv() {
            Ok(msg) => msg,
            Err(TryRecvError::Disconnected) => break,
            Err(TryRecvError::Empty) => {
                if let Err(e) = out.flush() {
                    report(&mut failed, e);
                }
                if naps < NAPS {
                    naps += 1;
                    std::thread::sleep(NAP);
                    continue;
                }
                match rx.recv() {
                    Ok(msg) => msg,
                    Err(_) => break,
                }
            }
        };
        naps = 0;
        let entry = match msg {
            Msg::Entry(entry) => entry,
            Msg::Close => break,
        };
        line.clear();
        format_line(&mut line, &entry, log_text);
        if let Err(e) = out.write_all(&line) {
            report(&mut failed, e);
        } else {
            written += 1;
        }
    }
    out.flush()?;
    out.get_ref().sync_data()?;
    match failed {
        Some(e) => Err(e),
        None => Ok(written),
    }
}

fn report(failed: &mut Option<std::io::Error>, e: std::io::Error) {
    if failed.is_none() {
        eprintln!("handoff serve: cannot write the decision log: {e}");
        *failed = Some(e);
    }
}

/// `{"ts":…,"decision_id":…,<verdict fields>,"input":{…}}` and a newline.
pub fn format_line(line: &mut Vec<u8>, entry: &Entry, log_text: bool) {
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
        log_text,
    };
    if serde_json::to_writer(&mut *line, &input).is_err() {
        line.truncate(mark);
        line.extend_from_slice(b"null");
    }
    line.extend_from_slice(b"}\n");
}

/// The conversation as it was given, with each message's `text` left out unless `log_text`,
/// serialised from the conversation itself (nothing cloned).
struct Input<'a> {
    conversation: &'a Conversation,
    log_text: bool,
}

impl Serialize for Input<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let data = &self.conversation.data;
        let mut map = serializer.serialize_map(Some(data.len() + 1))?;
        for (key, value) in data.iter().filter(|(k, _)| k.as_str() != "messages") {
            map.serialize_entry(key, value)?;
        }
        let messages = self.conversation.messages.iter().map(|m| LoggedMessage {
            message: m,
            log_text: self.log_text,
        });
        map.serialize_entry("messages", &Seq(std::cell::Cell::new(Some(messages))))?;
        map.end()
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
fn hex16(out: &mut [u8], n: u64) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in out.iter_mut().rev().enumerate().take(16) {
        let nibble = (n >> (4 * i)) & 0xf;
        *b = DIGITS.get(nibble as usize).copied().unwrap_or(b'0');
    }
}

/// A per-run nonce for decision ids: the start time and process id, mixed.
fn nonce() -> u64 {
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
        };
        let mut line = Vec::new();
        format_line(&mut line, &entry, false);
        let text = String::from_utf8(line).unwrap_or_default();
        assert!(
            text.ends_with(
                r#""input":{"id":"c2","customer":{"tier":"vip"},"intent":"a","messages":[{"from":"bot","at":"9:00","sentiment":-0.5},{"from":null}]}}
"#
            ),
            "{text}"
        );
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
        };
        let mut line = Vec::new();
        format_line(&mut line, &entry, false);
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
        format_line(&mut line, &entry, true);
        assert!(
            String::from_utf8(line)
                .unwrap_or_default()
                .contains("secret")
        );
    }
}
