//! Limits on what one request may ask of the service, each configurable on the command line.

use crate::context::Conversation;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Every limit the service enforces. A conversation over a size limit is refused with 413
/// (stdio: an error line), never truncated: a shortened conversation could get another verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of one request body (HTTP) or one line (stdio).
    pub body: usize,
    /// Messages in one conversation.
    pub messages: usize,
    /// Bytes of one message's text.
    pub text: usize,
    /// Conversations in one `POST /v1/verdicts`.
    pub batch: usize,
    /// Time to receive a request body.
    pub timeout: Duration,
    /// Open connections; more are answered 503 and closed.
    pub connections: usize,
    /// Bytes of request bodies held at once, all connections together (the first
    /// [`SMALL_BODY`] bytes of each request are not counted); more gets 503.
    pub inflight: usize,
    /// `POST /v1/verdicts` evaluated at once; more wait (at most `timeout`), then get 503.
    pub batches: usize,
    /// Time allowed for a request's head to arrive, counted from the connection's start or its
    /// previous answer: it closes idle keep-alive connections and slow-header (slowloris) ones.
    pub idle: Duration,
}

/// Bytes of each request body that the in-flight budget does not count: small requests (every
/// single verdict there is) are never refused for lack of budget; [`Limits::connections`] times
/// this bounds them.
pub const SMALL_BODY: usize = 64 * 1024;

/// The largest request head (request line and headers); larger gets 431.
pub const MAX_HEAD: usize = 64 * 1024;

/// The longest request target (URI); longer gets 414 (one over [`MAX_HEAD`] gets 431).
pub const MAX_URI: usize = 8 * 1024;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            body: 1024 * 1024,
            messages: 1000,
            text: 32 * 1024,
            batch: 1000,
            timeout: Duration::from_secs(10),
            connections: 1024,
            inflight: 64 * 1024 * 1024,
            batches: std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            idle: Duration::from_secs(30),
        }
    }
}

/// The in-flight body budget shared by every connection ([`Limits::inflight`]).
#[derive(Clone, Debug)]
pub struct Budget {
    used: Arc<AtomicUsize>,
    cap: usize,
}

/// Bytes charged to a [`Budget`], given back when dropped.
#[derive(Debug)]
pub struct Charge {
    used: Arc<AtomicUsize>,
    bytes: usize,
}

impl Budget {
    pub fn new(cap: usize) -> Budget {
        Budget {
            used: Arc::new(AtomicUsize::new(0)),
            cap,
        }
    }

    /// A charge of nothing, to grow with [`Budget::grow`].
    pub fn empty(&self) -> Charge {
        Charge {
            used: Arc::clone(&self.used),
            bytes: 0,
        }
    }

    /// Adds `bytes` to `charge` if the budget has room; `false` (and nothing charged) if not.
    pub fn grow(&self, charge: &mut Charge, bytes: usize) -> bool {
        let mut now = self.used.load(Ordering::Relaxed);
        loop {
            let Some(next) = now.checked_add(bytes).filter(|n| *n <= self.cap) else {
                return false;
            };
            match self
                .used
                .compare_exchange_weak(now, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => {
                    charge.bytes += bytes;
                    return true;
                }
                Err(seen) => now = seen,
            }
        }
    }

    /// Bytes charged now, all requests together.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }
}

impl Charge {
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        self.used.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

impl Limits {
    /// Checks one conversation against the message limits; the error names the limit.
    pub fn check(&self, conversation: &Conversation) -> Result<(), String> {
        let n = conversation.messages.len();
        if n > self.messages {
            return Err(format!(
                "the conversation has {n} messages, over the limit of {} (`--max-messages`)",
                self.messages
            ));
        }
        for (i, m) in conversation.messages.iter().enumerate() {
            let len = m.text.as_ref().map_or(0, String::len);
            if len > self.text {
                return Err(format!(
                    "message {} has {len} bytes of text, over the limit of {} (`--max-text`)",
                    i + 1,
                    self.text
                ));
            }
        }
        Ok(())
    }
}

/// Parses a duration written `250ms`, `10s`, `2m` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, unit) = match t.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => (t.get(..i).unwrap_or(""), t.get(i..).unwrap_or("")),
        None => (t, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (try `500ms` or `10s`)"))?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        other => return Err(format!("unknown unit `{other}` (use `ms`, `s` or `m`)")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("`{text}` is not a usable duration"))
}

/// Parses a size written `1048576`, `64k`, `1MiB`, `2mb` (binary multiples).
pub fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let (number, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (t.get(..i).unwrap_or(""), t.get(i..).unwrap_or("")),
        None => (t, ""),
    };
    let value: usize = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size (try `1MiB` or `65536`)"))?;
    let factor: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        "g" | "gb" | "gib" => 1024 * 1024 * 1024,
        other => return Err(format!("unknown unit `{other}` (use `k`, `MiB`, …)")),
    };
    value
        .checked_mul(factor)
        .ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("fast").is_err());
        assert_eq!(parse_size("1MiB"), Ok(1024 * 1024));
        assert_eq!(parse_size("64k"), Ok(65536));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("lots").is_err());
    }

    #[test]
    fn the_budget_refuses_what_it_cannot_hold_and_takes_back_what_is_dropped() {
        let budget = Budget::new(100);
        let mut a = budget.empty();
        assert!(budget.grow(&mut a, 60));
        let mut b = budget.empty();
        assert!(!budget.grow(&mut b, 41));
        assert!(budget.grow(&mut b, 40));
        assert_eq!(budget.used(), 100);
        drop(a);
        assert_eq!(budget.used(), 40);
        drop(b);
        assert_eq!(budget.used(), 0);
    }
}
