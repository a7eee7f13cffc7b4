//! Distress, 0…1: the emotional load of the customer's messages (formula in docs/SIGNALS.md).
//!
//! Per customer message, independent pieces of evidence are combined as a noisy-OR,
//! `1 − Π(1 − wᵢ·eᵢ)`, so that any one strong piece can raise the score and each further piece
//! adds less as the score nears 1:
//! - negative intensity: the larger of `−compound` and the VADER intensity of the negative words
//!   alone (scaled down, as positive words elsewhere may soften it);
//! - distress vocabulary (grief, fear, desperation, sadness, financial hardship, illness) and
//!   first-person statements of a negative feeling (`I feel awful`, `it makes me anxious`):
//!   `1 − exp(−rate·Σ weights)`, counted in full when the writer speaks of themselves (a
//!   first-person word in the message) and reduced otherwise; negated phrases (`not worried`),
//!   things dying (`my phone died`, `dead link`) and figures (`dead easy`, `a sick dunk`) do not
//!   count, sympathy for someone else (`sorry for your loss`) counts little;
//! - shouting: share of letters in all-caps words and runs of `!`/`?`.
//!
//! Over the conversation, the highest message score counts, older messages fading by 0.85 per
//! later customer message; then repetition (up to +0.3) and a falling sentiment trend (up to
//! +0.25) are added the same way.

use super::constructs::{self, Found};
use super::lexicon::{Hits, Kind, role::*};
use super::rules::ConstructKind;
use super::text::Normalized;
use super::vader;

/// Weight of negative intensity (`−compound` alone, at −1, stays below 0.5: complaints are not
/// distress).
pub const W_NEGATIVE: f64 = 0.55;
/// Share of the negative-words-only intensity that counts as negative intensity.
pub const NEGATIVE_WORDS_SHARE: f64 = 0.9;
pub const W_VOCABULARY: f64 = 0.68;
pub const VOCABULARY_RATE: f64 = 4.0;
/// A first-person statement of a negative feeling weighs `|valence| / SELF_STATEMENT_SCALE`.
pub const SELF_STATEMENT_SCALE: f64 = 2.5;
pub const W_SHOUTING: f64 = 0.35;
/// The least distress of a message that shows a crisis (`constructs.txt`).
pub const CRISIS: f64 = 0.9;
/// The share of their weight that distress words keep in a feeling about a mundane fact.
pub const MUNDANE: f64 = 0.15;
pub const FADE: f64 = 0.85;
pub const W_REPETITION: f64 = 0.3;
pub const W_TREND: f64 = 0.25;

/// The evidence of one message, before weighting.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Evidence {
    /// `max(0, −compound)`.
    pub negative: f64,
    /// Intensity of the negative words alone, 0…1.
    pub negative_words: f64,
    /// Sum of the weights of the distress phrases that count.
    pub vocabulary: f64,
    /// Sum of the first-person statements of a negative feeling.
    pub feeling: f64,
    /// A crisis construct holds.
    pub crisis: bool,
    /// 0…1.
    pub shouting: f64,
}

/// What the word rules read in one message.
#[derive(Clone, Debug, Default)]
pub struct Reading<'a> {
    /// Sum of the weights of the distress phrases that count.
    pub vocabulary: f64,
    /// Sum of the first-person statements of a negative feeling (`|valence| / 2.5` each).
    pub feeling: f64,
    pub crisis: bool,
    pub shouting: f64,
    /// The words (sorted, distinct) the rules judged (counted, negated, or found to be a thing dying or a
    /// figure): their VADER valence is not counted again as negative intensity.
    pub mask: Vec<&'a str>,
}

/// Reads the distress words of one message.
pub fn read<'a>(norm: &'a Normalized, hits: &Hits) -> Reading<'a> {
    let mut mask = Vec::new();
    let mut in_phrase = if hits.distress.is_empty() {
        Vec::new()
    } else {
        vec![false; norm.words.len()]
    };
    let mut found = Vec::new();
    if !hits.anchors.is_empty() {
        constructs::find_into(norm, hits, &mut found);
    }
    let crisis = found.iter().any(|f| f.kind == ConstructKind::Crisis);
    for f in found.iter().filter(|f| f.kind == ConstructKind::Figure) {
        mask.extend((f.start..f.end).map(|k| norm.word(k)));
    }
    let vocabulary = vocabulary_weight(norm, hits, &mut mask, &mut in_phrase, &found);
    let feeling = self_statements(norm, hits, &mut mask, &in_phrase, &found);
    mask.sort_unstable();
    mask.dedup();
    Reading {
        vocabulary,
        feeling,
        crisis,
        shouting: shouting(norm),
        mask,
    }
}

/// The evidence of one message from its VADER scores (if known; computed with `reading.mask`)
/// and what its words say.
pub fn evidence(scores: Option<vader::Scores>, reading: &Reading<'_>) -> Evidence {
    Evidence {
        negative: scores.map_or(0.0, |s| (-s.unmasked_compound).clamp(0.0, 1.0)),
        negative_words: scores.map_or(0.0, |s| s.negative.clamp(0.0, 1.0)),
        vocabulary: reading.vocabulary,
        feeling: reading.feeling,
        crisis: reading.crisis,
        shouting: reading.shouting,
    }
}

/// Distress of one message from its evidence.
pub fn score(e: &Evidence) -> f64 {
    let negative = e.negative.max(NEGATIVE_WORDS_SHARE * e.negative_words);
    let words = e.vocabulary + e.feeling;
    let vocabulary = 1.0 - (-VOCABULARY_RATE * words).exp();
    let d = noisy_or(&[
        W_NEGATIVE * negative,
        W_VOCABULARY * vocabulary,
        W_SHOUTING * e.shouting,
    ]);
    if e.crisis { d.max(CRISIS) } else { d }
}

/// Word-level context for the distress rules.
struct Ctx<'a> {
    norm: &'a Normalized,
    hits: &'a Hits,
}

impl Ctx<'_> {
    fn role(&self, k: usize) -> u64 {
        self.hits.roles.get(k).copied().unwrap_or(0)
    }
    fn clause_start(&self, k: usize) -> bool {
        self.norm.words.get(k).is_some_and(|w| w.clause_start)
    }
    /// The up to `n` words before word `i` in its clause, nearest first.
    fn before(&self, i: usize, n: usize) -> impl Iterator<Item = usize> + '_ {
        let mut k = i;
        std::iter::from_fn(move || {
            if k == 0 || self.clause_start(k) {
                return None;
            }
            k -= 1;
            Some(k)
        })
        .take(n)
    }
    /// Word `i + 1` if it is in the same clause.
    fn next(&self, i: usize) -> Option<usize> {
        let k = i + 1;
        (k < self.norm.words.len() && !self.clause_start(k)).then_some(k)
    }
    fn any_before(&self, i: usize, n: usize, roles: u64) -> bool {
        self.before(i, n).any(|k| self.role(k) & roles != 0)
    }
}

/// Sum of the weights of the distress phrases that count in their context.
fn vocabulary_weight<'a>(
    norm: &'a Normalized,
    hits: &Hits,
    mask: &mut Vec<&'a str>,
    in_phrase: &mut [bool],
    found: &[Found],
) -> f64 {
    let ctx = Ctx { norm, hits };
    let mut total = 0.0;
    // longest phrases first at each word; a phrase inside an earlier or longer one does not
    // count again (`sorry for your loss` is not also `loss`, `feel awful` not also `awful`)
    // (`hits.distress` is in that order)
    let mut covered_until = 0usize;
    for h in &hits.distress {
        let i = h.word;
        let end = i + usize::from(h.len);
        mask.extend((i..end).map(|k| norm.word(k)));
        for flag in in_phrase.iter_mut().skip(i).take(end - i) {
            *flag = true;
        }
        if end <= covered_until {
            continue;
        }
        covered_until = end;
        let within = |kind| found.iter().any(|f| f.kind == kind && f.start <= i && i < f.end);
        if within(ConstructKind::Figure) {
            continue;
        }
        let share = if within(ConstructKind::Mundane) { MUNDANE } else { 1.0 };
        // a negator in the two words before: `not worried`, `no worries`, `don't panic`
        if ctx.any_before(i, 2, DISTRESS_NEGATOR) {
            continue;
        }
        let weight = match h.kind {
            Kind::Plain => h.weight,
            Kind::Death => {
                let next = ctx.next(i).map_or(0, |k| ctx.role(k));
                let figure = norm.word(i) == "dead" && next & DEAD_FIGURE != 0;
                // `my phone died`, `the line went dead`, `dead battery`, `dying laptop`: the
                // nearest thing or being before it in its clause decides (`my dad's phone
                // died` is a thing, `my phone is fine but my dog died` a being)
                let nearest = ctx
                    .before(i, 6)
                    .map(|k| ctx.role(k) & (OBJECT | BEING))
                    .find(|r| *r != 0)
                    .unwrap_or(0);
                let thing = next & OBJECT != 0 || nearest == OBJECT;
                if figure || thing {
                    continue;
                }
                h.weight
            }
            Kind::State => {
                // `I'm sick`, `got sick`, `feeling ill`, `I am broke`, `it makes me sick`; not
                // `a sick dunk`, `that would be sick`, `it broke`; `sick of` is weariness
                if !ctx.any_before(i, 3, COPULA | SELF_COPULA | FEEL | CAUSE)
                    || ctx.any_before(i, 4, DEMONSTRATIVE) && !ctx.any_before(i, 3, CAUSE)
                {
                    continue;
                }
                if ctx.next(i).is_some_and(|k| norm.word(k) == "of") {
                    h.weight * 0.3
                } else {
                    h.weight
                }
            }
        };
        total += weight * share;
    }
    total
}

/// First-person statements of a negative feeling that the vocabulary does not already hold:
/// `I feel awful`, `I'm so offended`, `it makes me miserable`, `I was humiliated`. The first
/// word with a VADER valence within four words after the anchor decides; a negator stops.
fn self_statements<'a>(
    norm: &'a Normalized,
    hits: &Hits,
    mask: &mut Vec<&'a str>,
    in_phrase: &[bool],
    found: &[Found],
) -> f64 {
    let ctx = Ctx { norm, hits };
    let n = norm.words.len();
    let mut total = 0.0;
    let mut j = 0;
    while j < n {
        let r = ctx.role(j);
        let anchor = r & SELF_COPULA != 0
            || (r & FEEL != 0 && (ctx.clause_start(j) || ctx.any_before(j, 3, FIRST_PERSON)))
            || (r & COPULA != 0 && ctx.any_before(j, 1, FIRST_PERSON))
            || (norm.word(j) == "me" && ctx.any_before(j, 1, CAUSE));
        if !anchor {
            j += 1;
            continue;
        }
        let mut k = j + 1;
        let end = (j + 5).min(n);
        while k < end && !ctx.clause_start(k) {
            if ctx.role(k) & DISTRESS_NEGATOR != 0 {
                break;
            }
            if let Some(v) = vader::word_valence(norm.word(k)) {
                let counted = in_phrase.get(k).copied().unwrap_or(false);
                if v <= -1.0 && !counted {
                    // a feeling inside a figure does not count, one about a mundane fact little
                    let share = found
                        .iter()
                        .filter(|f| f.start <= k && k < f.end)
                        .map(|f| match f.kind {
                            ConstructKind::Figure => 0.0,
                            ConstructKind::Mundane => MUNDANE,
                            ConstructKind::Crisis => 1.0,
                        })
                        .fold(1.0, f64::min);
                    total += share * (-v / SELF_STATEMENT_SCALE).min(1.0);
                    mask.push(norm.word(k));
                }
                break;
            }
            k += 1;
        }
        j = k.max(j + 1);
    }
    total
}

/// 0…1: all-caps writing (from 30 % of letters up to 80 %) or runs of `!`/`?`.
fn shouting(norm: &Normalized) -> f64 {
    let caps = ((norm.caps_ratio() - 0.3) / 0.5).clamp(0.0, 1.0);
    let bangs = match norm.longest_bang_run {
        0 | 1 => 0.0,
        2 => 0.5,
        _ => 1.0,
    };
    caps.max(bangs)
}

pub fn noisy_or(parts: &[f64]) -> f64 {
    let keep: f64 = parts.iter().map(|p| 1.0 - p.clamp(0.0, 1.0)).product();
    (1.0 - keep).clamp(0.0, 1.0)
}

/// Conversation distress from the per-message scores (oldest first), the number of repeated
/// messages and the customer sentiments (oldest first).
pub fn conversation_distress(messages: &[f64], repeated: f64, sentiments: &[f64]) -> f64 {
    let mut peak: f64 = 0.0;
    let mut fade = 1.0;
    for d in messages.iter().rev() {
        peak = peak.max(d * fade);
        fade *= FADE;
        if fade < 1e-3 {
            break;
        }
    }
    let repetition = (repeated / 3.0).min(1.0);
    let trend = match (sentiments.first(), sentiments.last()) {
        (Some(first), Some(last)) if sentiments.len() >= 2 && *last <= -0.05 => (first - last).clamp(0.0, 1.0),
        _ => 0.0,
    };
    noisy_or(&[peak, W_REPETITION * repetition, W_TREND * trend])
}
