//! JSON-RPC framing over a byte stream (`Content-Length: N\r\n\r\n` then N bytes of JSON),
//! with bounded memory: a header line over 8 KiB or a body over [`MAX_BODY`] is skipped and
//! answered with an error, never buffered.

use lsp_server::{ErrorCode, Message, Notification, Response};
use std::io::{self, BufRead, Read, Write};

/// The largest message body read (a policy file is far smaller).
pub const MAX_BODY: usize = 16 << 20;
const MAX_HEADER_LINE: u64 = 8 << 10;

pub enum Incoming {
    Message(Message),
    /// Not a message: answered with a JSON-RPC error whose `id` is `null`.
    Malformed { code: i32, message: String },
    /// The input ended.
    End,
}

pub enum Outgoing {
    Message(Message),
    ErrorWithoutId { code: i32, message: String },
}

impl From<Response> for Outgoing {
    fn from(r: Response) -> Outgoing {
        Outgoing::Message(Message::Response(r))
    }
}

impl From<Notification> for Outgoing {
    fn from(n: Notification) -> Outgoing {
        Outgoing::Message(Message::Notification(n))
    }
}

/// Reads the next message. An `Err` is an input that cannot be read at all.
pub fn read(input: &mut impl BufRead) -> io::Result<Incoming> {
    let mut length: Option<Result<usize, String>> = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = input.by_ref().take(MAX_HEADER_LINE).read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(Incoming::End);
        }
        if !line.ends_with(b"\n") {
            // An overlong header line: skip to its end.
            skip_line(input)?;
            return Ok(malformed(ErrorCode::ParseError, "a header line is too long".into()));
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            break;
        }
        if let Some((name, value)) = text.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = Some(value.trim().parse::<usize>().map_err(|_| value.trim().to_string()));
            }
        }
    }
    let length = match length {
        None => return Ok(malformed(ErrorCode::ParseError, "a message without `Content-Length`".into())),
        Some(Err(value)) => return Ok(malformed(ErrorCode::ParseError, format!("`Content-Length: {value}` is not a length"))),
        Some(Ok(n)) => n,
    };
    if length > MAX_BODY {
        io::copy(&mut input.by_ref().take(length as u64), &mut io::sink())?;
        return Ok(malformed(ErrorCode::InvalidRequest, format!("a message of {length} bytes is over the limit of {MAX_BODY}")));
    }
    let mut body = Vec::new();
    input.by_ref().take(length as u64).read_to_end(&mut body)?;
    if body.len() < length {
        return Ok(Incoming::End);
    }
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return Ok(malformed(ErrorCode::ParseError, format!("the message is not JSON: {e}"))),
    };
    Ok(match serde_json::from_value::<Message>(value) {
        Ok(message) => Incoming::Message(message),
        Err(e) => malformed(ErrorCode::InvalidRequest, format!("not a JSON-RPC request, notification or response: {e}")),
    })
}

fn skip_line(input: &mut impl BufRead) -> io::Result<()> {
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        match buf.iter().position(|&b| b == b'\n') {
            Some(i) => {
                input.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = buf.len();
                input.consume(n);
            }
        }
    }
}

fn malformed(code: ErrorCode, message: String) -> Incoming {
    Incoming::Malformed { code: code as i32, message }
}

pub fn write(output: &mut impl Write, message: &Outgoing) -> io::Result<()> {
    match message {
        Outgoing::Message(m) => m.write(output),
        Outgoing::ErrorWithoutId { code, message } => {
            let body = serde_json::json!({
                "jsonrpc": "2.0", "id": null, "error": { "code": code, "message": message }
            })
            .to_string();
            write!(output, "Content-Length: {}\r\n\r\n{body}", body.len())?;
            output.flush()
        }
    }
}
