//! `mentions` (LANGUAGE.md §6): every lexicon of the set in one Aho-Corasick automaton over
//! normalised text.
//!
//! Text and phrases are normalised the same way, cut into words by the one cutter the signals
//! use too (`signals::text::cut_words`, LANGUAGE.md §6): lowercase, `’` read as `'`, words are
//! runs of letters and digits (an apostrophe between letters stays inside the word), every
//! other character separates words, and the words are joined by single spaces with a space before
//! and after. A phrase ` a b ` then occurs in a text exactly when its words occur there in
//! sequence, as whole words. Matches may share their surrounding spaces, so the search is
//! overlapping.

use aho_corasick::{AhoCorasick, MatchKind};
use smallvec::SmallVec;

/// Index of a lexicon in the set.
pub type LexId = u16;

/// The first occurrence of one lexicon in one text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    pub lexicon: LexId,
    /// Byte offset in the normalised text (only its order matters).
    pub pos: u32,
    /// Length of the normalised phrase; at the same position the longer phrase counts first.
    pub len: u32,
    /// Index of the phrase in [`Lexicons::phrases`].
    pub phrase: u32,
}

/// First hits of every lexicon found in a text.
pub type Hits = SmallVec<[Hit; 4]>;

#[derive(Debug, Default)]
pub struct Lexicons {
    pub names: Vec<String>,
    /// Every phrase as written, over all lexicons.
    pub phrases: Vec<String>,
    /// For each automaton pattern (a distinct normalised phrase), the lexicons and phrases it
    /// stands for.
    members: Vec<SmallVec<[(LexId, u32); 1]>>,
    automaton: Option<AhoCorasick>,
}

impl Lexicons {
    /// Builds the automaton over `(name, phrases)` pairs.
    pub fn build(lexicons: &[(String, Vec<String>)]) -> Lexicons {
        let mut out = Lexicons::default();
        let mut patterns: Vec<String> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for (name, phrases) in lexicons {
            let lex = LexId::try_from(out.names.len()).unwrap_or(LexId::MAX);
            out.names.push(name.clone());
            for phrase in phrases {
                let id = u32::try_from(out.phrases.len()).unwrap_or(u32::MAX);
                out.phrases.push(phrase.clone());
                let norm = normalized(phrase);
                if norm.trim().is_empty() {
                    continue; // a phrase without words matches nothing
                }
                let p = *index.entry(norm.clone()).or_insert_with(|| {
                    patterns.push(norm);
                    out.members.push(SmallVec::new());
                    out.members.len() - 1
                });
                if let Some(m) = out.members.get_mut(p) {
                    m.push((lex, id));
                }
            }
        }
        if !patterns.is_empty() {
            out.automaton = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&patterns)
                .ok();
        }
        out
    }

    pub fn id(&self, name: &str) -> Option<LexId> {
        self.names
            .iter()
            .position(|n| n == name)
            .and_then(|i| LexId::try_from(i).ok())
    }

    /// The first hit of every lexicon in `text`; `scratch` holds the normalised text.
    pub fn scan(&self, text: &str, scratch: &mut Scratch) -> Hits {
        let mut hits = Hits::new();
        let Some(ac) = &self.automaton else {
            return hits;
        };
        normalize(text, scratch);
        for m in ac.find_overlapping_iter(scratch.as_slice()) {
            let pos = u32::try_from(m.start()).unwrap_or(u32::MAX);
            let len = u32::try_from(m.len()).unwrap_or(u32::MAX);
            let Some(members) = self.members.get(m.pattern().as_usize()) else {
                continue;
            };
            for &(lexicon, phrase) in members {
                let hit = Hit {
                    lexicon,
                    pos,
                    len,
                    phrase,
                };
                match hits.iter_mut().find(|h| h.lexicon == lexicon) {
                    Some(h) => {
                        if (pos, std::cmp::Reverse(len)) < (h.pos, std::cmp::Reverse(h.len)) {
                            *h = hit;
                        }
                    }
                    None => hits.push(hit),
                }
            }
        }
        hits
    }

    pub fn phrase(&self, id: u32) -> Option<&str> {
        self.phrases.get(id as usize).map(String::as_str)
    }
}

/// A buffer for normalised text: on the stack up to 512 bytes, so that `mentions` on a
/// message of ordinary length does not allocate.
pub type Scratch = SmallVec<[u8; 512]>;

/// Writes the normalised form of `text` into `out`: ` word word … ` (see the module doc), as
/// UTF-8. Words are cut by the one cutter of LANGUAGE.md §6, [`crate::signals::text::cut_words`].
pub fn normalize(text: &str, out: &mut Scratch) {
    out.clear();
    out.push(b' ');
    crate::signals::text::cut_words(text, |s, e| {
        let word = text.get(s..e).unwrap_or("");
        if word.is_ascii() {
            out.extend(word.bytes().map(|b| b.to_ascii_lowercase()));
        } else {
            let mut utf8 = [0u8; 4];
            for c in crate::signals::text::lower_chars(word) {
                out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
        }
        out.push(b' ');
    });
}

/// [`normalize`] into a `String` (for phrases, at build time).
pub fn normalized(text: &str) -> String {
    let mut out = Scratch::new();
    normalize(text, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        normalized(s)
    }

    #[test]
    fn normalisation() {
        assert_eq!(norm("My dad DIED."), " my dad died ");
        assert_eq!(norm("I don’t want"), " i don't want ");
        assert_eq!(norm("well-being"), " well being ");
        assert_eq!(norm("'quoted' rock'n'roll"), " quoted rock'n'roll ");
        assert_eq!(norm(""), " ");
    }

    fn lex() -> Lexicons {
        Lexicons::build(&[
            ("grief".into(), vec!["died".into(), "passed away".into()]),
            (
                "harm".into(),
                vec!["don't want to live".into(), "end it all".into(), "end".into()],
            ),
            ("care".into(), vec!["well-being".into(), "died".into()]),
        ])
    }

    #[test]
    fn whole_words_in_sequence() {
        let l = lex();
        let mut s = Scratch::new();
        let hits = l.scan("My dad DIED.", &mut s);
        assert_eq!(hits.iter().map(|h| h.lexicon).collect::<Vec<_>>(), vec![0, 2]);
        assert!(l.scan("I studied hard", &mut s).is_empty());
        let hits = l.scan("I don\u{2019}t want to live anymore", &mut s);
        assert_eq!(hits.len(), 1);
        assert_eq!(l.phrase(hits[0].phrase), Some("don't want to live"));
        let hits = l.scan("my well being matters", &mut s);
        assert_eq!(hits.first().map(|h| h.lexicon), Some(2));
        // at the same place the longer phrase wins; the first place wins overall
        let hits = l.scan("I want to end it all, the end", &mut s);
        assert_eq!(l.phrase(hits[0].phrase), Some("end it all"));
        // adjacent phrases share a space
        let hits = l.scan("passed away died", &mut s);
        assert_eq!(hits.len(), 2);
    }
}
