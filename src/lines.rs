//! Reading lines of bounded length: a line over the limit is skipped whole (its bytes read and
//! dropped, never held), so endless or hostile input keeps memory bounded. Used by the stdio
//! transport and by the command line's JSONL reader.

use std::io::{BufRead, Read};

/// What [`read_line`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Got {
    Eof,
    /// A line (with its newline, if it had one) is in the buffer.
    Line,
    /// A line over the limit was skipped; the buffer holds its first bytes.
    TooLong,
}

/// Reads one line (its newline included) of at most `max` bytes into `buf`; a longer one is
/// skipped whole.
pub fn read_line(input: &mut impl BufRead, buf: &mut Vec<u8>, max: usize) -> std::io::Result<Got> {
    let n = input.by_ref().take(max as u64 + 1).read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(Got::Eof);
    }
    if buf.last() == Some(&b'\n') || buf.len() <= max {
        return Ok(Got::Line);
    }
    loop {
        let available = input.fill_buf()?;
        if available.is_empty() {
            break;
        }
        match available.iter().position(|b| *b == b'\n') {
            Some(i) => {
                input.consume(i + 1);
                break;
            }
            None => {
                let len = available.len();
                input.consume(len);
            }
        }
    }
    Ok(Got::TooLong)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    #[test]
    fn long_lines_are_skipped_whole() {
        let mut input = BufReader::new(&b"short\nwaaaaaaaaaaaay too long\nok\nlast"[..]);
        let mut buf = Vec::new();
        assert_eq!(read_line(&mut input, &mut buf, 10).ok(), Some(Got::Line));
        assert_eq!(buf, b"short\n");
        buf.clear();
        assert_eq!(read_line(&mut input, &mut buf, 10).ok(), Some(Got::TooLong));
        buf.clear();
        assert_eq!(read_line(&mut input, &mut buf, 10).ok(), Some(Got::Line));
        assert_eq!(buf, b"ok\n");
        buf.clear();
        assert_eq!(read_line(&mut input, &mut buf, 10).ok(), Some(Got::Line));
        assert_eq!(buf, b"last");
        buf.clear();
        assert_eq!(read_line(&mut input, &mut buf, 10).ok(), Some(Got::Eof));
    }
}
