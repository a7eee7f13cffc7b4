//! The signal rules a policy owner can read: word roles and distress vocabulary
//! (`words.txt`) and constructs (`constructs.txt`), compiled into the binary and parsed once.
//!
//! `words.txt`:
//! ```text
//! [role person]                 a role; one line of words per language
//! en: human, agent, person
//! es: agente, persona
//! [vocabulary grief]            distress vocabulary of one family; weight 0…1
//! en 1.0: died, passed away
//! ```
//! `constructs.txt`:
//! ```text
//! [crisis ideation]             a construct: its kind (crisis, figure, mundane) and name
//! unless: LAUGH                 optional: a role that cancels a match in the same clause
//! subject: COMMERCE             optional: the subject before the match must have this role
//! with: JOY                     optional: a word of this role must be in the message
//! en: KILL MYSELF               one pattern a line (see docs/SIGNALS.md for the elements)
//! ```
//! A problem in either file (an unknown role, a bad weight, a pattern that cannot anchor) is
//! collected in [`Rules::problems`], which a test keeps empty; the rest still loads.

use super::lexicon::Family;
use super::lexicon::role;

pub const WORDS: &str = include_str!("words.txt");
pub const CONSTRUCTS: &str = include_str!("constructs.txt");

/// What a construct's match means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstructKind {
    /// A risk to life or safety: sets `crisis` (unless negated or about someone else).
    Crisis,
    /// A figure of speech: the distress words it covers do not count.
    Figure,
    /// A feeling about a mundane fact (`worried my parcel is late`): its distress words count less.
    Mundane,
}

/// One element of a pattern: which words it accepts and how often.
#[derive(Clone, Debug, PartialEq)]
pub struct Element {
    /// Roles any of which the word may have.
    pub roles: u64,
    /// Literal words the word may be.
    pub words: Vec<String>,
    /// Any word of the clause (`_`).
    pub any: bool,
    /// `$` among the alternatives: the end of the clause also does (taking no word).
    pub or_end: bool,
    pub repeat: Repeat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeat {
    One,
    /// `?`
    Optional,
    /// `*`: zero to three words.
    Many,
    /// `…`: a gap of zero to six words of the clause.
    Gap,
    /// `!x|y`: the next word is none of these (or the clause ends); takes no word.
    Not,
    /// `$`: the clause ends here (soft words aside); takes no word.
    End,
}

#[derive(Clone, Debug)]
pub struct Pattern {
    pub construct: usize,
    pub elements: Vec<Element>,
    /// The elements after the first that must each take a word (`One`, not `_`, not `…|$`):
    /// their roles and the [`Bloom`] of their literal words. A message without a word for one
    /// of them cannot match, which is tested before matching.
    pub needs: Vec<(u64, Bloom)>,
}

/// A 256-bit set of word hashes: which words a message has, or which an element accepts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bloom(pub [u64; 4]);

impl Bloom {
    pub fn insert(&mut self, word: &str) {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in word.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        let bit = (h >> 56) as usize;
        if let Some(slot) = self.0.get_mut(bit >> 6) {
            *slot |= 1 << (bit & 63);
        }
    }

    pub fn meets(&self, other: &Bloom) -> bool {
        self.0.iter().zip(other.0.iter()).any(|(a, b)| a & b != 0)
    }
}

#[derive(Clone, Debug)]
pub struct Construct {
    pub kind: ConstructKind,
    /// Roles that cancel a match when in the same clause.
    pub unless: u64,
    /// Roles the subject must have: the nearest word before the match in its clause that is a
    /// person (`FIRST_PERSON`, `BEING`, `THIRD`) or of these roles must be of these roles
    /// (`the parcel was empty`, not `my life is empty`). 0: any subject.
    pub subject: u64,
    /// Roles one of which must be in the message (`I'm crying, it's so cute`). 0: none needed.
    pub with: u64,
}

/// The parsed rules.
#[derive(Debug, Default)]
pub struct Rules {
    /// Role name (lowercase) and its bit.
    pub role_names: Vec<(String, u64)>,
    /// Each word with a role, with the language it was listed under.
    pub words: Vec<(String, u64, String)>,
    pub vocabulary: Vec<(String, Family, f64)>,
    pub constructs: Vec<Construct>,
    pub patterns: Vec<Pattern>,
    pub problems: Vec<String>,
}

/// The roles the code reads by name, with their bits.
const FIXED: &[(&str, u64)] = &[
    ("person", role::PERSON),
    ("person_weak", role::PERSON_WEAK),
    ("contact", role::CONTACT),
    ("want", role::WANT),
    ("negator", role::NEGATOR),
    ("chain", role::CHAIN),
    ("possessive", role::POSSESSIVE),
    ("not_person_before", role::NOT_PERSON_BEFORE),
    ("not_person_after", role::NOT_PERSON_AFTER),
    ("bridge", role::BRIDGE),
    ("filler", role::FILLER),
    ("avoid", role::AVOID),
    ("manner", role::MANNER),
    ("team", role::TEAM),
    ("participle", role::PARTICIPLE),
    ("callback", role::CALLBACK),
    ("distress_negator", role::DISTRESS_NEGATOR),
    ("first_person", role::FIRST_PERSON),
    ("feel", role::FEEL),
    ("self_copula", role::SELF_COPULA),
    ("copula", role::COPULA),
    ("cause", role::CAUSE),
    ("object", role::OBJECT),
    ("dead_figure", role::DEAD_FIGURE),
    ("being", role::BEING),
    ("demonstrative", role::DEMONSTRATIVE),
    ("death", role::DEATH),
    ("state", role::STATE),
    ("neg", role::CRISIS_NEGATOR),
    ("soft", role::SOFT),
    ("barrier", role::BARRIER),
    ("third", role::THIRD),
    ("self", role::SELF),
    ("passive", role::PASSIVE),
    ("speak", role::SPEAK),
    ("writer", role::WRITER),
];

/// Parses both files.
pub fn parse(words: &str, constructs: &str) -> Rules {
    let mut rules = Rules {
        role_names: FIXED.iter().map(|(n, b)| ((*n).to_owned(), *b)).collect(),
        ..Rules::default()
    };
    parse_words(words, &mut rules);
    parse_constructs(constructs, &mut rules);
    rules
}

/// `[kind name]` → (kind, name).
fn section(line: &str) -> Option<(&str, &str)> {
    let inner = line.strip_prefix('[')?.strip_suffix(']')?;
    let (a, b) = inner.split_once(' ')?;
    Some((a.trim(), b.trim()))
}

/// Lines without comments and blanks, numbered from 1.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.split_once('#').map_or(l, |(a, _)| a).trim()))
        .filter(|(_, l)| !l.is_empty())
}

fn parse_words(text: &str, rules: &mut Rules) {
    enum Current {
        None,
        Role(u64),
        Vocabulary(Family),
    }
    let mut current = Current::None;
    for (n, line) in lines(text) {
        if let Some((kind, name)) = section(line) {
            current = match (kind, family(name)) {
                ("role", _) => Current::Role(rules.role_bit(name)),
                ("vocabulary", Some(f)) => Current::Vocabulary(f),
                _ => {
                    rules.problems.push(format!("words.txt:{n}: unknown section `{line}`"));
                    Current::None
                }
            };
            continue;
        }
        let Some((tag, items)) = line.split_once(':') else {
            rules.problems.push(format!("words.txt:{n}: expected `LANG: words`"));
            continue;
        };
        let items = items.split(',').map(str::trim).filter(|w| !w.is_empty());
        match current {
            Current::Role(bit) => {
                for w in items {
                    if w.contains(' ') {
                        rules.problems.push(format!("words.txt:{n}: a role word is one word: `{w}`"));
                    }
                    rules.words.push((w.to_owned(), bit, tag.trim().to_owned()));
                }
            }
            Current::Vocabulary(f) => {
                let weight = tag.split_whitespace().nth(1).and_then(|w| w.parse::<f64>().ok());
                let Some(weight) = weight.filter(|w| (0.0..=1.0).contains(w)) else {
                    rules.problems.push(format!("words.txt:{n}: expected `LANG WEIGHT:` with a weight 0…1"));
                    continue;
                };
                rules.vocabulary.extend(items.map(|p| (p.to_owned(), f, weight)));
            }
            Current::None => rules.problems.push(format!("words.txt:{n}: words outside a section")),
        }
    }
}

fn family(name: &str) -> Option<Family> {
    Some(match name {
        "grief" => Family::Grief,
        "fear" => Family::Fear,
        "desperation" => Family::Desperation,
        "sadness" => Family::Sadness,
        "money" => Family::Money,
        "illness" => Family::Illness,
        "anger" => Family::Anger,
        "sympathy" => Family::Sympathy,
        _ => return None,
    })
}

impl Rules {
    /// The bit of a role, allocating one for a role only the data files name.
    fn role_bit(&mut self, name: &str) -> u64 {
        if let Some((_, b)) = self.role_names.iter().find(|(n, _)| n == name) {
            return *b;
        }
        let used = self.role_names.len() - FIXED.len();
        let Some(bit) = u32::try_from(used).ok().and_then(|u| 1u64.checked_shl(role::FIRST_FREE + u)) else {
            self.problems.push(format!("too many roles: `{name}`"));
            return 0;
        };
        self.role_names.push((name.to_owned(), bit));
        bit
    }

    /// The bit of a role named in a pattern (`KILL`), if the words file defines it.
    fn known_role(&self, name: &str) -> Option<u64> {
        let lower = name.to_ascii_lowercase();
        self.role_names.iter().find(|(n, _)| *n == lower).map(|(_, b)| *b)
    }
}

fn parse_constructs(text: &str, rules: &mut Rules) {
    for (n, line) in lines(text) {
        if let Some((kind, name)) = section(line) {
            let kind = match kind {
                "crisis" => ConstructKind::Crisis,
                "figure" => ConstructKind::Figure,
                "mundane" => ConstructKind::Mundane,
                _ => {
                    rules.problems.push(format!("constructs.txt:{n}: unknown kind `{kind}`"));
                    ConstructKind::Figure
                }
            };
            if name.is_empty() {
                rules.problems.push(format!("constructs.txt:{n}: a construct needs a name"));
            }
            rules.constructs.push(Construct { kind, unless: 0, subject: 0, with: 0 });
            continue;
        }
        let Some((tag, body)) = line.split_once(':') else {
            rules.problems.push(format!("constructs.txt:{n}: expected `LANG: pattern`"));
            continue;
        };
        let Some(construct) = rules.constructs.len().checked_sub(1) else {
            rules.problems.push(format!("constructs.txt:{n}: a pattern outside a construct"));
            continue;
        };
        let guard = tag.trim();
        if matches!(guard, "unless" | "subject" | "with") {
            let mut bits = 0;
            for name in body.split_whitespace() {
                match rules.known_role(name) {
                    Some(b) => bits |= b,
                    None => rules.problems.push(format!("constructs.txt:{n}: unknown role `{name}`")),
                }
            }
            if let Some(c) = rules.constructs.last_mut() {
                let slot = match guard {
                    "unless" => &mut c.unless,
                    "subject" => &mut c.subject,
                    _ => &mut c.with,
                };
                *slot |= bits;
            }
            continue;
        }
        match pattern(body, rules) {
            Ok(elements) => {
                let needs = elements
                    .iter()
                    .skip(1)
                    .filter(|e| e.repeat == Repeat::One && !e.any && !e.or_end)
                    .map(|e| {
                        let mut bloom = Bloom::default();
                        for w in &e.words {
                            bloom.insert(w);
                        }
                        (e.roles, bloom)
                    })
                    .collect();
                rules.patterns.push(Pattern { construct, elements, needs });
            }
            Err(e) => rules.problems.push(format!("constructs.txt:{n}: {e}")),
        }
    }
}

/// Parses one pattern: elements separated by spaces.
fn pattern(body: &str, rules: &Rules) -> Result<Vec<Element>, String> {
    let mut out = Vec::new();
    for token in body.split_whitespace() {
        out.push(element(token, rules)?);
    }
    let first_ok = out
        .first()
        .is_some_and(|e| e.repeat == Repeat::One && !e.any);
    if !first_ok {
        return Err(format!("`{}`: the first element must be a word or a role, once", body.trim()));
    }
    Ok(out)
}

fn element(token: &str, rules: &Rules) -> Result<Element, String> {
    let mut e = Element { roles: 0, words: Vec::new(), any: false, or_end: false, repeat: Repeat::One };
    let mut body = token;
    if body == "$" {
        e.repeat = Repeat::End;
        return Ok(e);
    }
    if body == "…" || body == "..." {
        e.repeat = Repeat::Gap;
        e.any = true;
        return Ok(e);
    }
    if let Some(rest) = body.strip_prefix('!') {
        e.repeat = Repeat::Not;
        body = rest;
    } else if let Some(rest) = body.strip_suffix('?') {
        e.repeat = Repeat::Optional;
        body = rest;
    } else if let Some(rest) = body.strip_suffix('*') {
        e.repeat = Repeat::Many;
        body = rest;
    }
    for alt in body.split('|') {
        if alt == "_" {
            e.any = true;
        } else if alt == "$" {
            e.or_end = true;
        } else if alt.chars().any(char::is_uppercase) {
            e.roles |= rules.known_role(alt).ok_or_else(|| format!("unknown role `{alt}`"))?;
        } else if alt.is_empty() {
            return Err(format!("empty alternative in `{token}`"));
        } else {
            e.words.push(alt.to_owned());
        }
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped rule files parse without a problem.
    #[test]
    fn shipped_rules_parse() {
        let rules = parse(WORDS, CONSTRUCTS);
        assert_eq!(rules.problems, Vec::<String>::new());
        assert!(rules.patterns.len() > 50);
    }

    #[test]
    fn problems_are_reported() {
        let rules = parse("[role x]\nen: a b\n[vocabulary grief]\nen 2: died\n[nope y]\n", "[crisis a]\nen: NOPE\nen: x? y\n");
        assert_eq!(rules.problems.len(), 5, "{:?}", rules.problems);
    }
}
