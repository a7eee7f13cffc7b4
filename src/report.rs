//! Self-contained HTML reports for people who will not read JSON: `eval --report` and
//! `diff --report`. One page, inline CSS and SVG, no script and no network asset; everything
//! taken from policies or conversations is HTML-escaped.
//!
//! Reports aggregate as verdicts stream by (counts, a bounded sample of conversations per rule),
//! so their memory stays flat whatever the corpus size.
//!
//! - `html`: escaping, the stylesheet, charts;
//! - `eval`: [`EvalReport`], the dry-run page;
//! - `diff`: [`DiffReport`], the impact-analysis page.

mod diff;
mod eval;
mod html;

pub use diff::{Change, DiffReport, deciders};
pub use eval::EvalReport;

use crate::ast::{Priority, Route};
use crate::eval::{Program, Verdict};

/// Conversations listed under each rule at most.
pub const EXAMPLES_PER_RULE: usize = 20;
/// Distinct reasons counted at most; later new ones are counted as "other".
pub const MAX_REASONS: usize = 5_000;

/// What a report needs from one verdict, gathered on the worker thread.
#[derive(Clone, Debug)]
pub struct Facts {
    pub label: String,
    pub route: Route,
    pub priority: Priority,
    pub queue: Option<String>,
    pub matched: Vec<String>,
    pub decided: Vec<String>,
    /// The deciding rules' reasons (`(rule, reason)`), or the default's justification.
    pub reasons: Vec<(Option<String>, String)>,
    pub unknown: Vec<String>,
}

impl Facts {
    pub fn of(verdict: &Verdict<'_>, label: &str) -> Facts {
        let deciders = verdict.decided_by();
        let names: Vec<String> = verdict.decided_by_names().into_iter().map(str::to_string).collect();
        let reasons = if deciders.is_empty() {
            // "<route in words>: <the default's reason> (default, <source>)" → the reason
            let text = verdict.justification();
            let reason = text.split_once(": ").map_or(text.as_str(), |(_, r)| r);
            let reason = reason.rsplit_once(" (default").map_or(reason, |(r, _)| r);
            vec![(None, reason.to_string())]
        } else {
            deciders.into_iter().map(|d| (Some(d.rule), d.reason)).collect()
        };
        Facts {
            label: label.to_string(),
            route: verdict.route,
            priority: verdict.priority,
            queue: verdict.queue().map(str::to_string),
            matched: verdict.matched().into_iter().map(str::to_string).collect(),
            decided: names,
            reasons,
            unknown: verdict.unknown().into_iter().map(str::to_string).collect(),
        }
    }
}

/// A rule of the set as reports show it.
#[derive(Clone, Debug)]
pub struct RuleInfo {
    pub name: String,
    pub principle: Option<String>,
    pub effect: &'static str,
    pub source: String,
}

/// Every rule of the set, in path order.
pub fn rules(program: &Program) -> Vec<RuleInfo> {
    program
        .rules
        .iter()
        .map(|r| RuleInfo { name: r.name.clone(), principle: r.principle.clone(), effect: r.effect.as_str(), source: r.source.clone() })
        .collect()
}

/// 0 ai, 1 review, 2 human.
pub fn route_index(route: Route) -> usize {
    match route {
        Route::Ai => 0,
        Route::Review => 1,
        Route::Human => 2,
    }
}

pub const ROUTES: [Route; 3] = [Route::Ai, Route::Review, Route::Human];
