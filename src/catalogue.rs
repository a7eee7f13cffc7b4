//! The rule catalogue of a policy set (`handoff list`): one entry per rule and per
//! guarantee, with what a policy register needs — principle, effect
//! and route, priority, queue, obligations, tags, where it is written, and the owner and
//! version of its file's header.

use crate::ast::{self, Item};
use crate::set::Analysis;
use serde::Serialize;

/// One line of the catalogue.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entry {
    /// The principle it is written under; `None` for an item standing alone.
    pub principle: Option<String>,
    /// `rule` or `guarantee`.
    pub kind: &'static str,
    pub name: String,
    /// `allow ai`, `require review`, `require human`; for a guarantee `ensure human|review`.
    pub effect: String,
    /// `ai`, `review` or `human`: the route a matching rule asks for, the floor a guarantee
    /// ensures.
    pub route: &'static str,
    /// The rule's priority (`normal` when not written); `None` for a guarantee.
    pub priority: Option<&'static str>,
    pub queue: Option<String>,
    pub obligations: Vec<String>,
    pub tags: Vec<String>,
    /// `path:line:col` of the item.
    pub source: String,
    /// `owner` and `version` of the `policy` header of the item's file.
    pub owner: Option<String>,
    pub version: Option<String>,
}

/// Every rule and guarantee of the set, in path order then source order (within a principle,
/// its rules, then its guarantees).
pub fn entries(analysis: &Analysis) -> Vec<Entry> {
    let mut out = Vec::new();
    for file in &analysis.files {
        let Some(source) = analysis.sources.get(file.id as usize) else { continue };
        let header = file.items.iter().find_map(|item| match item {
            Item::Header(h) => Some(h),
            _ => None,
        });
        let place = Place {
            source,
            owner: header.and_then(|h| h.owner.as_ref()).map(|s| s.node.clone()),
            version: header.and_then(|h| h.version.as_ref()).map(|s| s.node.clone()),
        };
        for item in &file.items {
            match item {
                Item::Rule(rule) => out.push(place.rule(None, rule)),
                Item::Principle(p) => {
                    out.extend(p.rules.iter().map(|rule| place.rule(Some(&p.name.node), rule)));
                    out.extend(p.guarantees.iter().filter_map(|g| place.guarantee(Some(&p.name.node), g)));
                }
                Item::Guarantee(g) => out.extend(place.guarantee(None, g)),
                // A new kind of catalogued item gets its entry here, built like `Place::rule`.
                Item::Header(_) | Item::Default(_) | Item::Context(_) | Item::Lexicon(_) => {}
            }
        }
    }
    out
}

/// What every entry of one file shares.
struct Place<'a> {
    source: &'a crate::source::Source,
    owner: Option<String>,
    version: Option<String>,
}

impl Place<'_> {
    /// A guarantee: `ensure ROUTE`; `None` when it has no `ensure` (a syntax error).
    fn guarantee(&self, principle: Option<&String>, g: &ast::Guarantee) -> Option<Entry> {
        let route = g.ensure.as_ref()?.node;
        Some(Entry {
            principle: principle.cloned(),
            kind: "guarantee",
            name: g.name.node.clone(),
            effect: format!("ensure {}", route.as_str()),
            route: route.as_str(),
            priority: None,
            queue: None,
            obligations: Vec::new(),
            tags: Vec::new(),
            source: self.source.location(g.span.start as usize),
            owner: self.owner.clone(),
            version: self.version.clone(),
        })
    }

    fn rule(&self, principle: Option<&String>, rule: &ast::Rule) -> Entry {
        let effect = rule.effect.node;
        Entry {
            principle: principle.cloned(),
            kind: "rule",
            name: rule.name.node.clone(),
            effect: effect.as_str().to_string(),
            route: effect.route().as_str(),
            priority: Some(rule.priority.as_ref().map(|p| p.node).unwrap_or_default().as_str()),
            queue: rule.queue.as_ref().map(|q| q.node.clone()),
            obligations: rule.must.iter().map(|m| m.node.clone()).collect(),
            tags: rule.tags.iter().map(|t| t.node.clone()).collect(),
            source: self.source.location(rule.span.start as usize),
            owner: self.owner.clone(),
            version: self.version.clone(),
        }
    }
}
