//! Limits on what one request may ask of the service, each configurable on the command line.

use crate::context::Conversation;
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
    /// Time to receive a request and answer it.
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            body: 1024 * 1024,
            messages: 1000,
            text: 32 * 1024,
            batch: 1000,
            timeout: Duration::from_secs(10),
        }
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
}
