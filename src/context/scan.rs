//! JSON text → [`Conversation`] by hand, for the common shape: a mapping of scalars, lists and
//! small mappings, with `messages` a list of flat mappings.
//!
//! Messages are read into [`Message`]s and every path is filed in the typed index as it is
//! read; the top-level fields are kept as JSON text, from which `serde_json` builds the mapping
//! if something asks for it (`Data::map`). No `Value` is built on the way.
//!
//! It declines (`None`) whatever it is not sure to read exactly as `context/json.rs` reads it,
//! and that reader reads the text again: every error (which it reports with its line and
//! column), a key given twice in a mapping (the index would have entries of the value
//! replaced), `expect`, nesting deeper than [`DEPTH`], a number it cannot read exactly as
//! `serde_json` does (more than 15 digits with a fraction or exponent, more than 18 without, an
//! exponent beyond 22), a `\u` escape of a surrogate, a number as a message's `at`.

use super::data::{Builder, Leaf, Place};
use super::{Conversation, Given, Message, Sender, given_sentiment, near_messages};
use smallvec::SmallVec;
use std::borrow::Cow;

/// The deepest nesting read (`serde_json` reads 128 levels).
const DEPTH: u32 = 16;

/// Reads one conversation of the common shape; `None`: read it with `context/json.rs`.
pub(super) fn conversation(text: &str) -> Option<Conversation> {
    let mut r = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    let mut index = Builder::for_text(text.len());
    // the top-level keys in the mapping's order, each with where its value's text is
    let mut fields: SmallVec<[Kept<'_>; 8]> = SmallVec::new();
    let mut messages = Vec::new();
    r.ws();
    r.eat(b'{')?;
    r.ws();
    if !r.eat_if(b'}') {
        loop {
            r.ws();
            let key = r.string()?;
            if fields.iter().any(|(k, ..)| *k == key) {
                return None;
            }
            r.ws();
            r.eat(b':')?;
            r.ws();
            let start = r.at;
            let place = match &*key {
                "messages" => {
                    messages = r.messages()?;
                    None
                }
                "expect" => return None,
                _ => {
                    let place = index.place(None, &key);
                    match place {
                        Some(place) => r.filed(&mut index, place, 2)?,
                        // a key with a dot in it is no path
                        None => _ = r.skip(2)?,
                    }
                    place
                }
            };
            fields.push((key, place, start, r.at));
            r.ws();
            if !r.eat_if(b',') {
                r.eat(b'}')?;
                break;
            }
        }
    }
    r.ws();
    if r.at != r.bytes.len() {
        return None;
    }
    // taken out as `Conversation::from_value` takes it out: the last field moves into its place
    match fields.iter().position(|(k, ..)| k == "messages") {
        Some(i) => _ = fields.swap_remove(i),
        // `messages` misspelt: unknown messages, read by `context/json.rs`
        None if fields.iter().any(|(k, ..)| near_messages(k)) => return None,
        None => {}
    }
    for (key, place, start, end) in &fields {
        index.keep(key, *place, text.get(*start..*end)?);
    }
    Some(Conversation {
        data: index.finish_kept(),
        messages,
        messages_unknown: false,
        expect: None,
    })
}

/// A top-level field: its key, its path (`None`: a key with a dot in it, or `messages`), and
/// where its value's text starts and ends.
type Kept<'t> = (Cow<'t, str>, Option<Place>, usize, usize);

/// A position in the text being read.
struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
}

impl<'t> Reader<'t> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Skips whitespace (as JSON has it).
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.at += 1;
        }
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        self.eat_if(b).then_some(())
    }

    fn eat_if(&mut self, b: u8) -> bool {
        let here = self.peek() == Some(b);
        if here {
            self.at += 1;
        }
        here
    }

    /// The value at `place`, filed in the index with what it holds; `depth`: its nesting.
    fn filed(&mut self, index: &mut Builder, place: Place, depth: u32) -> Option<()> {
        let leaf = match self.peek()? {
            b'"' => {
                let s = self.string()?;
                index.str(&s)
            }
            b'{' => {
                self.mapping(index, place, depth)?;
                Leaf::Other
            }
            b'[' => self.list(depth)?,
            _ => self.scalar()?,
        };
        index.push(place, leaf);
        Some(())
    }

    /// A mapping whose paths are filed under `parent`.
    fn mapping(&mut self, index: &mut Builder, parent: Place, depth: u32) -> Option<()> {
        if depth > DEPTH {
            return None;
        }
        self.eat(b'{')?;
        self.ws();
        if self.eat_if(b'}') {
            return Some(());
        }
        let mut keys: SmallVec<[Cow<'t, str>; 8]> = SmallVec::new();
        loop {
            self.ws();
            let key = self.string()?;
            if keys.contains(&key) {
                return None;
            }
            self.ws();
            self.eat(b':')?;
            self.ws();
            match index.place(Some(parent), &key) {
                Some(place) => self.filed(index, place, depth + 1)?,
                None => _ = self.skip(depth + 1)?,
            }
            keys.push(key);
            self.ws();
            if !self.eat_if(b',') {
                return self.eat(b'}');
            }
        }
    }

    /// A list, read through: `Strings` when every element is a string.
    fn list(&mut self, depth: u32) -> Option<Leaf> {
        if depth > DEPTH {
            return None;
        }
        self.eat(b'[')?;
        self.ws();
        let mut strings = true;
        if !self.eat_if(b']') {
            loop {
                self.ws();
                strings &= self.skip(depth + 1)?;
                self.ws();
                if !self.eat_if(b',') {
                    self.eat(b']')?;
                    break;
                }
            }
        }
        Some(if strings { Leaf::Strings } else { Leaf::Other })
    }

    /// Any value, read through (nothing filed); whether it is a string.
    fn skip(&mut self, depth: u32) -> Option<bool> {
        match self.peek()? {
            b'"' => {
                self.string()?;
                return Some(true);
            }
            b'[' => _ = self.list(depth)?,
            b'{' => {
                if depth > DEPTH {
                    return None;
                }
                self.at += 1;
                self.ws();
                if !self.eat_if(b'}') {
                    loop {
                        self.ws();
                        self.string()?;
                        self.ws();
                        self.eat(b':')?;
                        self.ws();
                        self.skip(depth + 1)?;
                        self.ws();
                        if !self.eat_if(b',') {
                            self.eat(b'}')?;
                            break;
                        }
                    }
                }
            }
            _ => _ = self.scalar()?,
        }
        Some(false)
    }

    /// `true`, `false`, `null` or a number.
    fn scalar(&mut self) -> Option<Leaf> {
        Some(match self.peek()? {
            b't' => self.word(b"true", Leaf::Bool(true))?,
            b'f' => self.word(b"false", Leaf::Bool(false))?,
            b'n' => self.word(b"null", Leaf::Null)?,
            _ => Leaf::num(self.number()?),
        })
    }

    fn word(&mut self, word: &[u8], leaf: Leaf) -> Option<Leaf> {
        let here = self.bytes.get(self.at..)?.starts_with(word);
        self.at += word.len();
        here.then_some(leaf)
    }

    /// A number, as `Number::as_f64` gives what `serde_json` read: an integer of up to 18
    /// digits as the `u64`/`i64` it is (`-0` is `-0.0`), other numbers only where one
    /// correctly rounded operation gives them (up to 15 digits, a power of ten up to 22),
    /// which is what `serde_json` computes (with or without `float_roundtrip`).
    fn number(&mut self) -> Option<f64> {
        let negative = self.eat_if(b'-');
        let mut significand: u64 = 0;
        let mut digits = 0;
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(&mut significand, &mut digits)?,
            _ => return None,
        }
        let mut exponent: i32 = 0;
        let mut whole = true;
        if self.eat_if(b'.') {
            whole = false;
            let before = digits;
            self.digits(&mut significand, &mut digits)?;
            if digits == before {
                return None;
            }
            exponent = -i32::try_from(digits - before).ok()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            whole = false;
            self.at += 1;
            let negative_exponent = self.eat_if(b'-');
            if !negative_exponent {
                self.eat_if(b'+');
            }
            let (mut e, mut n) = (0, 0);
            self.digits(&mut e, &mut n)?;
            if n == 0 || e > 22 {
                return None;
            }
            let e = i32::try_from(e).ok()?;
            exponent += if negative_exponent { -e } else { e };
        }
        if whole {
            let n = i64::try_from(significand).ok()?;
            #[expect(clippy::cast_precision_loss, reason = "as `Number::as_f64` reads an integer")]
            return Some(match (negative, n) {
                (false, _) => n as f64,
                (true, 0) => -0.0,
                (true, _) => (-n) as f64,
            });
        }
        let pow = POW10.get(usize::try_from(exponent.unsigned_abs()).ok()?)?;
        if digits > 15 {
            return None;
        }
        #[expect(clippy::cast_precision_loss, reason = "below 2^53: exact")]
        let f = significand as f64;
        let f = if exponent >= 0 { f * pow } else { f / pow };
        Some(if negative { -f } else { f })
    }

    /// Digits into `n`, counted in `count` (`None` beyond 18 in all: `n` stays below 10^18).
    fn digits(&mut self, n: &mut u64, count: &mut u32) -> Option<()> {
        while let Some(d @ b'0'..=b'9') = self.peek() {
            *count += 1;
            if *count > 18 {
                return None;
            }
            *n = *n * 10 + u64::from(d - b'0');
            self.at += 1;
        }
        Some(())
    }

    /// A string from its opening quote: borrowed from the text unless it has escapes.
    fn string(&mut self) -> Option<Cow<'t, str>> {
        self.eat(b'"')?;
        let start = self.at;
        self.plain();
        match self.peek()? {
            b'"' => {
                let s = self.text.get(start..self.at)?;
                self.at += 1;
                Some(Cow::Borrowed(s))
            }
            b'\\' => {
                let mut s = String::from(self.text.get(start..self.at)?);
                self.escaped(&mut s)?;
                Some(Cow::Owned(s))
            }
            // a control character
            _ => None,
        }
    }

    /// The rest of a string from its first backslash, unescaped into `out`.
    fn escaped(&mut self, out: &mut String) -> Option<()> {
        loop {
            match self.peek()? {
                b'"' => {
                    self.at += 1;
                    return Some(());
                }
                b'\\' => {
                    self.at += 1;
                    let c = match self.peek()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.hex()?,
                        _ => return None,
                    };
                    self.at += 1;
                    out.push(c);
                }
                _ => {
                    let start = self.at;
                    self.plain();
                    if self.at == start {
                        return None;
                    }
                    out.push_str(self.text.get(start..self.at)?);
                }
            }
        }
    }

    /// `\uXXXX` (at the `u`, left at its last digit): `None` for a surrogate.
    fn hex(&mut self) -> Option<char> {
        let digits = self.bytes.get(self.at + 1..self.at + 5)?;
        let mut code = 0;
        for &d in digits {
            code = code * 16 + char::from(d).to_digit(16)?;
        }
        self.at += 4;
        char::from_u32(code)
    }

    /// Moves over the bytes of a string that need no care (all but `"`, `\` and control
    /// characters), eight at a time.
    fn plain(&mut self) {
        while let Some(w) = self
            .bytes
            .get(self.at..)
            .and_then(<[u8]>::first_chunk::<8>)
            .map(|w| u64::from_le_bytes(*w))
        {
            let special = special(w);
            if special != 0 {
                self.at += (special.trailing_zeros() / 8) as usize;
                return;
            }
            self.at += 8;
        }
        while let Some(b) = self.peek() {
            if b == b'"' || b == b'\\' || b < 0x20 {
                return;
            }
            self.at += 1;
        }
    }

    /// `messages`: a list of mappings; anything else declines (it is unknown: `context/json.rs`).
    fn messages(&mut self) -> Option<Vec<Message>> {
        self.eat(b'[')?;
        self.ws();
        let mut messages = Vec::with_capacity(4);
        if self.eat_if(b']') {
            return Some(messages);
        }
        loop {
            self.ws();
            messages.push(self.message()?);
            self.ws();
            if !self.eat_if(b',') {
                self.eat(b']')?;
                return Some(messages);
            }
        }
    }

    /// One message with `from` and `text` strings, if given (a key given twice: the last
    /// counts, as in `context/json.rs`). `role`, `content`, and a `from` or `text` that is not
    /// a string decline: `Message::from_value` reads those.
    fn message(&mut self) -> Option<Message> {
        self.eat(b'{')?;
        self.ws();
        let mut m = Message::default();
        if !self.eat_if(b'}') {
            loop {
                self.ws();
                let key = self.string()?;
                self.ws();
                self.eat(b':')?;
                self.ws();
                match &*key {
                    "from" => m.from_raw = Some(self.string_only()?),
                    "text" => m.text = Some(self.string_only()?),
                    "role" | "content" => return None,
                    // a number as text is written as `serde_json` writes it: not here
                    "at" if matches!(self.peek()?, b'-' | b'0'..=b'9') => return None,
                    "at" => m.at = self.text_or_none()?,
                    "sentiment" => {
                        m.sentiment = match self.peek()? {
                            b'n' => self.word(b"null", Leaf::Null).map(|_| Given::Absent)?,
                            b'-' | b'0'..=b'9' => given_sentiment(Some(self.number()?)),
                            _ => self.skip(4).map(|_| Given::WrongType)?,
                        }
                    }
                    _ => _ = self.skip(4)?,
                }
                self.ws();
                if !self.eat_if(b',') {
                    self.eat(b'}')?;
                    break;
                }
            }
        }
        m.from = m.from_raw.as_deref().map_or(Sender::Unknown, Sender::parse);
        m.from_missing = m.from_raw.is_none();
        m.text_missing = m.text.is_none();
        Some(m)
    }

    /// A string value; anything else declines.
    fn string_only(&mut self) -> Option<String> {
        if self.peek()? == b'"' {
            Some(self.string()?.into_owned())
        } else {
            None
        }
    }

    /// A string value; any other value is read through and is no string.
    fn text_or_none(&mut self) -> Option<Option<String>> {
        if self.peek()? == b'"' {
            Some(Some(self.string()?.into_owned()))
        } else {
            self.skip(4).map(|_| None)
        }
    }
}

/// The bytes of `w` (little-endian) that are `"`, `\` or below 0x20: the lowest set bit is the
/// first such byte (bits above it may be set wrongly).
fn special(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    (w.wrapping_sub(ONES * 0x20) & !w & HIGH) | zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\')))
}

/// The powers of ten a double holds exactly.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];
