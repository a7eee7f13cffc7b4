//! The parts of a [`Run`] that read messages' text: per-message caches (sentiment, lexicon hits),
//! `mentions`, and the phrase it found (for `{matched}`).

use super::super::lexicon::{LexId, Scratch};
use super::super::program::{MsgField, Node, NodeId, Program};
use super::super::value::{Tri, V};
use super::{MsgCache, Rec, Run, Slots};
use crate::context::{Conversation, Sender};
use crate::signals;
use std::cmp::Reverse;

impl<'a, S: Slots> Run<'a, S> {
    /// `x mentions lexicon`: of the message `where` is looking at (its cached hits), or of any
    /// string.
    pub(super) fn mentions(&mut self, lhs: NodeId, lexicon: Option<LexId>) -> V<'a> {
        let p: &'a Program = self.p;
        if let (Some(Node::Msg(MsgField::Text)), Some(i)) = (p.nodes.get(lhs.index()), self.cur) {
            return V::from_tri(self.msg_mentions(i, lexicon));
        }
        let v = self.eval(lhs);
        match (v, lexicon) {
            (V::Str(s), Some(lex)) => {
                let hits = p.lexicons.scan(s, &mut Scratch::new());
                match hits.iter().find(|h| h.lexicon == lex) {
                    Some(h) => {
                        self.offer(Rec {
                            msg: u32::MAX,
                            pos: h.pos,
                            len: h.len,
                            phrase: h.phrase,
                        });
                        V::Bool(true)
                    }
                    None => V::Bool(false),
                }
            }
            _ => V::Unknown,
        }
    }

    pub(super) fn ensure_msgs(&mut self) {
        if self.msgs.len() != self.c.messages.len() {
            self.msgs.resize(self.c.messages.len(), MsgCache::default());
        }
    }

    pub(super) fn msg_mentions(&mut self, i: usize, lexicon: Option<LexId>) -> Tri {
        let (p, c) = (self.p, self.c);
        let lexicon = lexicon?;
        let text = c.messages.get(i)?.text.as_deref()?;
        self.ensure_msgs();
        let cache = self.msgs.get_mut(i)?;
        let hits = cache
            .hits
            .get_or_insert_with(|| p.lexicons.scan(text, &mut Scratch::new()));
        let hit = hits.iter().find(|h| h.lexicon == lexicon).copied();
        match hit {
            Some(h) => {
                let msg = u32::try_from(i).unwrap_or(u32::MAX);
                self.offer(Rec {
                    msg,
                    pos: h.pos,
                    len: h.len,
                    phrase: h.phrase,
                });
                Some(true)
            }
            None => Some(false),
        }
    }

    /// Keeps the earliest phrase found while recording.
    pub(super) fn offer(&mut self, rec: Rec) {
        if !self.recording {
            return;
        }
        let key = |r: &Rec| (r.msg, r.pos, Reverse(r.len));
        if self.rec.is_none_or(|old| key(&rec) < key(&old)) {
            self.rec = Some(rec);
        }
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
