//! The parts of a [`Run`] that read messages' text: per-message caches (sentiment, lexicon hits)
//! and `mentions`.

use super::super::lexicon::{Hit, LexId, Scratch};
use super::super::program::{MsgField, Node, NodeId, Program};
use super::super::value::{Tri, V};
use super::{MsgCache, Run, Slots};
use crate::context::{Conversation, Sender};
use crate::signals;

impl<'a, S: Slots> Run<'a, S> {
    /// `x mentions lexicon`: of the message `where` is looking at (its cached hits), or of any
    /// string.
    pub(super) fn mentions(&mut self, lhs: NodeId, lexicon: Option<LexId>) -> V<'a> {
        let p: &'a Program = self.p;
        if let (Some(Node::Msg(MsgField::Text)), Some(i)) = (p.nodes.get(lhs.index()), self.cur) {
            return V::from_tri(self.msg_mentions(i, lexicon));
        }
        let v = self.node(lhs);
        match (v, lexicon) {
            (V::Str(s), Some(lex)) => V::Bool(self.hit(s, lex).is_some()),
            _ => V::Unknown,
        }
    }

    /// The first phrase of `lexicon` in a string.
    pub(super) fn hit(&self, s: &str, lexicon: LexId) -> Option<Hit> {
        let hits = self.p.lexicons.scan(s, &mut Scratch::new());
        hits.iter().find(|h| h.lexicon == lexicon).copied()
    }

    pub(super) fn ensure_msgs(&mut self) {
        if self.msgs.len() != self.c.messages.len() {
            self.msgs.resize(self.c.messages.len(), MsgCache::default());
        }
    }

    /// Whether message `i` mentions `lexicon`; unknown when its text is.
    #[inline]
    pub(super) fn msg_mentions(&mut self, i: usize, lexicon: Option<LexId>) -> Tri {
        self.msg_hit(i, lexicon).map(|h| h.is_some())
    }

    /// The first phrase of `lexicon` in message `i` (its hits cached); `None` when the text
    /// (or the lexicon) is unknown.
    pub(super) fn msg_hit(&mut self, i: usize, lexicon: Option<LexId>) -> Option<Option<Hit>> {
        let (p, c) = (self.p, self.c);
        let lexicon = lexicon?;
        let text = c.messages.get(i)?.text.as_deref()?;
        self.ensure_msgs();
        let cache = self.msgs.get_mut(i)?;
        let hits = cache
            .hits
            .get_or_insert_with(|| p.lexicons.scan(text, &mut Scratch::new()));
        Some(hits.iter().find(|h| h.lexicon == lexicon).copied())
    }

    pub(super) fn msg_field(&mut self, field: MsgField) -> V<'a> {
        let c: &'a Conversation = self.c;
        let Some(i) = self.cur else { return V::Unknown };
        let Some(m) = c.messages.get(i) else {
            return V::Unknown;
        };
        match field {
            MsgField::Text => m.text.as_deref().map_or(V::Unknown, V::Str),
            MsgField::From => match m.from {
                Sender::Unknown => V::Unknown,
                s => V::Str(s.as_str()),
            },
            MsgField::Sentiment => {
                self.ensure_msgs();
                let score = match self.msgs.get_mut(i) {
                    Some(cache) => *cache.sentiment.get_or_insert_with(|| signals::message_sentiment(m)),
                    None => signals::message_sentiment(m),
                };
                score.map_or(V::Unknown, V::Num)
            }
        }
    }
}
