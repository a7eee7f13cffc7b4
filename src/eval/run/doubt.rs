//! What unknown data hides (LANGUAGE.md §5, v0.2): paths below an ancestor that is not a
//! mapping, and computed signals when the messages leave them unknown.

use super::super::program::{Signal, Slot};
use super::{Run, Slots};
use crate::context::{Conversation, Field, Sender};
use crate::signals;

impl<'a, S: Slots> Run<'a, S> {
    /// Whether an ancestor of a slot's path is present but not a mapping (`customer: 3` for
    /// `customer.tier`): then the path is unknown, its default or computed value unused.
    #[inline(never)]
    pub(crate) fn under_non_mapping(&self, slot: &Slot) -> bool {
        let c: &'a Conversation = self.c;
        let ends = slot.path.match_indices('.').map(|(i, _)| i);
        ends.filter_map(|end| slot.path.get(..end)).any(|prefix| {
            match c.data.field_at(&crate::context::Key::new(prefix), prefix) {
                None | Some(Field::Null) => false,
                // a mapping, or another kind of list or number: the mapping says which
                Some(Field::Other) => c.get(prefix).is_some_and(|v| !v.is_object() && !v.is_null()),
                Some(_) => true,
            }
        })
    }

    /// Whether the messages leave a computed signal unknown (LANGUAGE.md §5 "Reading
    /// messages"): `messages` unknown or a message of unknown sender (it might be the
    /// customer's) hide every signal; a customer message whose text is unknown hides those
    /// that read texts; an unknown customer score hides `sentiment_min` and the
    /// `negative_streak` it interrupts (`sentiment` is the latest score itself).
    pub(super) fn hidden(&mut self, signal: Signal) -> bool {
        let c: &'a Conversation = self.c;
        if c.messages_unknown || c.messages.iter().any(|m| m.from == Sender::Unknown) {
            return true;
        }
        let customer = || c.messages.iter().filter(|m| m.from == Sender::Customer);
        if signal.reads_text() {
            return customer().any(|m| m.text.is_none());
        }
        match signal {
            Signal::SentimentMin => customer().any(|m| signals::message_sentiment(m).is_none()),
            Signal::NegativeStreak => customer()
                .rev()
                .map(signals::message_sentiment)
                .find(|s| s.is_none_or(|v| v > -0.05))
                .is_some_and(|s| s.is_none()),
            _ => false,
        }
    }
}

impl<'a> super::Run<'a> {
    /// Why a slot is unknown here, in words (`--explain`): the same tests [`Run::read`] makes.
    pub(crate) fn unknown_cause(&mut self, id: super::SlotId) -> &'static str {
        let p: &'a super::Program = self.p;
        let Some(slot) = p.slots.get(id.index()) else {
            return "not declared";
        };
        if slot.ty.is_none() {
            return "not declared in any context block";
        }
        match self.field(slot) {
            None | Some(Field::Null) if self.under_non_mapping(slot) => "below a value that is not a mapping",
            None | Some(Field::Null) => match slot.missing {
                super::Missing::Signal(_) => {
                    if self.c.messages_unknown {
                        "computed from the messages, and `messages` is unknown"
                    } else {
                        "computed from the messages, and a message's sender, text or sentiment is unknown"
                    }
                }
                _ => "absent, and declared without a default",
            },
            Some(Field::Num(n)) if slot.signal.is_some_and(|s| !s.accepts(n)) => "given outside its range",
            Some(_) => "given with the wrong type",
        }
    }

}
