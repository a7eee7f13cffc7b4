//! The signal lexicons — word roles, distress vocabulary and the words constructs start at, all
//! read from the rule files (`rules`) — compiled once into a single Aho-Corasick automaton that
//! runs over each normalised text in one pass.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};

use super::rules::{self, ConstructKind, Rules};
use super::text::Normalized;
use super::vader::FxMap;

/// Word roles for the person-request grammar (bit flags).
pub mod role {
    // The roles the code reads by name. Their words are in `words.txt`; roles that only
    // constructs use get bits from `FIRST_FREE` up when the rules are parsed.
    /// A noun that names a person on its own: `human`, `agent`, `operator`, …
    pub const PERSON: u64 = 1;
    /// A noun that names a person only as the object of a contact verb: `someone`, `assistant`.
    pub const PERSON_WEAK: u64 = 1 << 1;
    /// A verb of contact: `talk`, `speak`, `reach`, `transfer`, …
    pub const CONTACT: u64 = 1 << 2;
    /// A verb of wanting or obtaining: `want`, `need`, `get`, `give`, …
    pub const WANT: u64 = 1 << 3;
    /// A negator that can decline: `not`, `don't`, `no`, `never`, `without`, …
    pub const NEGATOR: u64 = 1 << 4;
    /// A word that may stand between a negator and the verb it negates (`don't want to talk`).
    pub const CHAIN: u64 = 1 << 5;
    /// A possessive: `my`, `his`, … (`my travel agent` is not the company's person).
    pub const POSSESSIVE: u64 = 1 << 6;
    /// A word before a person noun that makes it something else: `travel`, `virtual`, `ai`, …
    pub const NOT_PERSON_BEFORE: u64 = 1 << 7;
    /// A word after `human`/`person` that makes it something else: `error`, `rights`, …
    pub const NOT_PERSON_AFTER: u64 = 1 << 8;
    /// A word that may stand between the verb and the person: `to`, `a`, `real`, `live`, …
    pub const BRIDGE: u64 = 1 << 9;
    /// Filler of a short request (`agent please`): `please`, `now`, `hi`, `a`, …
    pub const FILLER: u64 = 1 << 10;
    /// A word that turns the person away: `than` (`rather than`), `instead`.
    pub const AVOID: u64 = 1 << 11;
    /// A preposition that makes `person` a manner: `in person`, `per person`.
    pub const MANNER: u64 = 1 << 12;
    /// A team or a colleague a contact verb can reach: `team`, `department`, `colleague`, …
    pub const TEAM: u64 = 1 << 13;
    /// A participle of contact after `be`/`get`: `transferred`, `connected`, `rappelé`, …
    pub const PARTICIPLE: u64 = 1 << 14;
    /// A verb that asks to be called: `call`, `ring`, `phone`, `rappeler`, `zurückrufen`, …
    pub const CALLBACK: u64 = 1 << 15;
    /// A passive auxiliary before a participle: `be`, `get`, `être`, `ser`, …
    pub const PASSIVE: u64 = 1 << 16;
    /// The roles the person-request grammar reads (a word with none of them is unknown to it).
    pub const GRAMMAR: u64 = (1 << 17) - 1;
    /// Negators of a distress word: `not`, `no`, `don't`, …
    pub const DISTRESS_NEGATOR: u64 = 1 << 17;
    /// A first-person word: `i`, `me`, `my`, `we`, … (the writer speaks of themselves).
    pub const FIRST_PERSON: u64 = 1 << 18;
    /// A verb of feeling: `feel`, `felt`, … (`I feel awful`).
    pub const FEEL: u64 = 1 << 19;
    /// A first-person copula on its own: `i'm`, `im`, `am`, `i've` (`I'm so lost`).
    pub const SELF_COPULA: u64 = 1 << 20;
    /// A copula that needs a first-person subject before it: `was`, `been`, `get`, …
    pub const COPULA: u64 = 1 << 21;
    /// A causative verb before `me`: `makes`, `made`, `leaves`, … (`it makes me sick`).
    pub const CAUSE: u64 = 1 << 22;
    /// A thing that can "die" without anyone dying: `phone`, `battery`, `line`, `link`, …
    pub const OBJECT: u64 = 1 << 23;
    /// An adjective after which `dead` is an intensifier or a figure: `easy`, `serious`, `end`, …
    pub const DEAD_FIGURE: u64 = 1 << 24;
    /// A person or an animal who can die: `mum`, `husband`, `he`, `dog`, …
    pub const BEING: u64 = 1 << 25;
    /// A thing as subject: `that`, `it`, `this`, … (`that would be sick` is slang).
    pub const DEMONSTRATIVE: u64 = 1 << 26;
    /// `died`, `dead`, `dying`, …: judged by what dies (`Kind::Death`).
    pub const DEATH: u64 = 1 << 27;
    /// `sick`, `ill`, `broke`: judged by the words before (`Kind::State`).
    pub const STATE: u64 = 1 << 28;
    /// A negator of a crisis construct: `not`, `never`, `no`, `nicht`, `pas`, …
    pub const CRISIS_NEGATOR: u64 = 1 << 29;
    /// A word a construct may skip between its elements: `just`, `really`, `so`, …
    pub const SOFT: u64 = 1 << 30;
    /// A word that ends what a negator or a subject before a construct can reach: `but`, …
    pub const BARRIER: u64 = 1 << 31;
    /// Someone else as the subject: `he`, `she`, `my son`, `you`, … (reported speech, sympathy).
    pub const THIRD: u64 = 1 << 32;
    /// The writer as object: `me`, `myself`, `moi`, `mich`, … (`he threatened to kill me`).
    pub const SELF: u64 = 1 << 33;
    /// A verb of speaking, whose object is a person or a team, never a thing: `talk`, `hablar`.
    pub const SPEAK: u64 = 1 << 34;
    /// The writer as a subject inside a construct: `i`, `ich`, … (`better off if I wasn't here`).
    pub const WRITER: u64 = 1 << 35;
    /// The first bit free for roles only the data files name.
    pub const FIRST_FREE: u32 = 36;
}

/// Families of distress vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Grief,
    Fear,
    Desperation,
    Sadness,
    Money,
    Illness,
    /// Anger and hostility: weaker evidence of distress on its own.
    Anger,
    /// Sympathy for someone else (`sorry for your loss`): the writer comforting, weak evidence.
    Sympathy,
}

/// How a distress phrase depends on the words around it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kind {
    #[default]
    Plain,
    /// `died`, `dead`, `dying`, `death`: not grief when a thing dies (`my phone died`, `dead
    /// link`) or `dead` is a figure (`dead easy`, `dead end`).
    Death,
    /// `sick`, `ill`, `broke`: a state only after a copula or feeling verb (`I'm sick`, `I am
    /// broke`), not as a slang or attributive adjective (`a sick dunk`) or a verb (`it broke`).
    State,
}

use role::*;

/// What the automaton knows about one pattern.
#[derive(Clone, Copy, Debug, Default)]
pub struct Info {
    pub roles: u64,
    pub distress: Option<(Family, f64)>,
    pub kind: Kind,
    /// Number of words of the pattern.
    pub len: u8,
    /// The construct patterns that start at this word: `anchors[start..end]` of the lexicon.
    pub anchors: (u32, u32),
}

pub struct Lexicon {
    automaton: Option<AhoCorasick>,
    infos: Vec<Info>,
    /// Construct pattern indices, grouped by the word they start at (see [`Info::anchors`]).
    anchors: Vec<u16>,
    pub rules: Rules,
    /// The English person nouns (strong, weak) and contact verbs, for misspellings, each with
    /// its [`letter_mask`].
    fuzzy: [Vec<Fuzzy>; 3],
}

pub static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| build(rules::parse(rules::WORDS, rules::CONSTRUCTS)));

fn build(rules: Rules) -> Lexicon {
    let mut map: FxMap<String, Info> = FxMap::default();
    let mut order: Vec<String> = Vec::new();
    fn entry<'m>(map: &'m mut FxMap<String, Info>, order: &mut Vec<String>, word: &str) -> &'m mut Info {
        if !map.contains_key(word) {
            order.push(word.to_owned());
        }
        map.entry(word.to_owned()).or_default()
    }
    for (w, bits, _) in &rules.words {
        entry(&mut map, &mut order, w).roles |= bits;
    }
    for (phrase, family, weight) in &rules.vocabulary {
        entry(&mut map, &mut order, phrase).distress = Some((*family, *weight));
    }
    // every word a construct can start at, with the patterns that start there
    let mut starts: FxMap<String, Vec<u16>> = FxMap::default();
    for (id, p) in rules.patterns.iter().enumerate() {
        let Some(first) = p.elements.first() else { continue };
        let id = u16::try_from(id).unwrap_or(u16::MAX);
        let role_words = rules.words.iter().filter(|(_, b, _)| b & first.roles != 0).map(|(w, _, _)| w);
        for w in first.words.iter().chain(role_words) {
            let list = starts.entry(w.clone()).or_default();
            if !list.contains(&id) {
                list.push(id);
            }
        }
    }
    // at one word, figures are tried before crisis patterns (`suicide for my budget`)
    for (w, list) in &mut starts {
        list.sort_by_key(|id| {
            let construct = rules.patterns.get(usize::from(*id)).and_then(|p| rules.constructs.get(p.construct));
            (construct.is_some_and(|c| c.kind == ConstructKind::Crisis), *id)
        });
        entry(&mut map, &mut order, w);
    }
    let mut anchors = Vec::new();
    let infos: Vec<Info> = order
        .iter()
        .map(|w| {
            let mut info = map.get(w).copied().unwrap_or_default();
            info.kind = if info.roles & DEATH != 0 {
                Kind::Death
            } else if info.roles & STATE != 0 {
                Kind::State
            } else {
                Kind::Plain
            };
            info.len = u8::try_from(w.split(' ').count()).unwrap_or(u8::MAX);
            let from = u32::try_from(anchors.len()).unwrap_or(u32::MAX);
            anchors.extend(starts.get(w).into_iter().flatten());
            info.anchors = (from, u32::try_from(anchors.len()).unwrap_or(u32::MAX));
            info
        })
        .collect();
    // A contiguous NFA: built several times faster than a DFA (whose construction was most of
    // a one-shot `handoff eval`), at a small cost per search.
    // Each pattern starts with a space, as each word of the normalised text does, so a match
    // can only begin at a word start (far fewer in-word hits than bare patterns).
    let spaced: Vec<String> = order.iter().map(|w| format!(" {w}")).collect();
    let automaton = AhoCorasick::builder()
        .kind(Some(AhoCorasickKind::ContiguousNFA))
        .build(&spaced)
        .ok();
    let english = |bit: u64| -> Vec<Fuzzy> {
        rules
            .words
            .iter()
            .filter(|(w, b, lang)| b & bit != 0 && lang == "en" && w.is_ascii())
            .map(|(w, _, _)| (w.clone(), letter_mask(w)))
            .collect()
    };
    let fuzzy = [english(PERSON), english(PERSON_WEAK), english(CONTACT)];
    Lexicon { automaton, infos, anchors, rules, fuzzy }
}

/// The lexicon hits of one normalised text.
#[derive(Clone, Debug, Default)]
pub struct Hits {
    /// Role flags of each word.
    pub roles: Vec<u64>,
    /// Distress phrases, in text order, the longest first among those starting at one word.
    pub distress: Vec<DistressHit>,
    /// Words where a construct pattern may start: (word index, first, end) into the anchors.
    pub anchors: Vec<(u32, u32, u32)>,
}

/// One distress phrase found in a text.
#[derive(Clone, Copy, Debug)]
pub struct DistressHit {
    /// Index of its first word.
    pub word: usize,
    pub weight: f64,
    pub kind: Kind,
    /// Number of words.
    pub len: u8,
}

impl Lexicon {
    /// One automaton pass over the normalised text; only whole-word matches count.
    pub fn scan(&self, norm: &Normalized) -> Hits {
        let mut hits = Hits::default();
        self.scan_into(norm, &mut hits);
        hits
    }

    /// [`Lexicon::scan`] into `hits`, reusing its buffers.
    pub fn scan_into(&self, norm: &Normalized, hits: &mut Hits) {
        hits.roles.clear();
        hits.roles.resize(norm.words.len(), 0);
        hits.distress.clear();
        hits.anchors.clear();
        let Some(ac) = &self.automaton else {
            return;
        };
        // every word follows a space in `text`, and every pattern starts with one
        let bytes = norm.text.as_bytes();
        for m in ac.find_overlapping_iter(norm.text.as_str()) {
            let (s, e) = (m.start() + 1, m.end());
            if !(e == bytes.len() || bytes.get(e) == Some(&b' ')) {
                continue;
            }
            let Some(i) = norm.word_at(s) else { continue };
            let Some(info) = self.infos.get(m.pattern().as_usize()) else {
                continue;
            };
            if info.roles != 0
                && let Some(r) = hits.roles.get_mut(i)
            {
                *r |= info.roles;
            }
            if info.anchors.1 > info.anchors.0 {
                let word = u32::try_from(i).unwrap_or(u32::MAX);
                hits.anchors.push((word, info.anchors.0, info.anchors.1));
            }
            if let Some((_, weight)) = info.distress {
                hits.distress.push(DistressHit {
                    word: i,
                    weight,
                    kind: info.kind,
                    len: info.len,
                });
            }
        }
        // text order, the longest phrase first at each word
        if hits.distress.len() > 1 {
            hits.distress
                .sort_unstable_by_key(|h| (h.word, std::cmp::Reverse(h.len)));
        }
    }

    /// The construct patterns (indices into `rules.patterns`) of an anchor of [`Hits::anchors`].
    pub fn anchored(&self, from: u32, to: u32) -> &[u16] {
        self.anchors.get(from as usize..to as usize).unwrap_or(&[])
    }
}

/// A word to match misspellings of, with its [`letter_mask`].
pub type Fuzzy = (String, u32);

/// The set of lowercase ASCII letters of a word, one bit each.
pub fn letter_mask(w: &str) -> u32 {
    w.bytes()
        .filter(u8::is_ascii_lowercase)
        .fold(0, |m, b| m | 1 << (b - b'a'))
}

/// The English person nouns (strong, weak) and contact verbs with their letter masks, for fuzzy
/// matching of misspellings.
pub fn fuzzy_targets() -> (&'static [Fuzzy], &'static [Fuzzy], &'static [Fuzzy]) {
    let [a, b, c] = &LEXICON.fuzzy;
    (a, b, c)
}
