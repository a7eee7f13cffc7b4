//! The dry-run page of `eval --report`.

use super::html::{self, escape};
use super::{EXAMPLES_PER_RULE, Facts, MAX_REASONS, RuleInfo, route_index};
use crate::ast::Route;
use crate::eval::Program;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

/// Counts gathered from a stream of verdicts.
pub struct EvalReport {
    version: Option<String>,
    digest: String,
    rules: Vec<RuleStats>,
    index: HashMap<String, usize>,
    pub total: u64,
    pub routes: [u64; 3],
    priorities: BTreeMap<crate::ast::Priority, u64>,
    queues: BTreeMap<String, u64>,
    default: RuleStats,
    /// reason text → (rule, count)
    reasons: HashMap<String, (Option<String>, u64)>,
    other_reasons: u64,
    unknown: BTreeMap<String, u64>,
    /// Documents that could not be read.
    pub invalid: u64,
}

struct RuleStats {
    info: RuleInfo,
    matched: u64,
    decided: u64,
    examples: Vec<(String, Route)>,
}

impl RuleStats {
    fn new(info: RuleInfo) -> RuleStats {
        RuleStats { info, matched: 0, decided: 0, examples: Vec::new() }
    }
}

impl EvalReport {
    pub fn new(program: &Program) -> EvalReport {
        let rules: Vec<RuleStats> = super::rules(program).into_iter().map(RuleStats::new).collect();
        let index = rules.iter().enumerate().map(|(i, r)| (r.info.name.clone(), i)).collect();
        EvalReport {
            version: program.version().map(str::to_string),
            digest: program.digest().to_string(),
            rules,
            index,
            total: 0,
            routes: [0; 3],
            priorities: BTreeMap::new(),
            queues: BTreeMap::new(),
            default: RuleStats::new(RuleInfo {
                name: "(default)".into(),
                principle: None,
                effect: "default",
                source: program.default.source.clone(),
            }),
            reasons: HashMap::new(),
            other_reasons: 0,
            unknown: BTreeMap::new(),
            invalid: 0,
        }
    }

    /// Counts one verdict.
    pub fn add(&mut self, facts: Facts) {
        self.total += 1;
        if let Some(n) = self.routes.get_mut(route_index(facts.route)) {
            *n += 1;
        }
        *self.priorities.entry(facts.priority).or_default() += 1;
        if let Some(q) = facts.queue {
            if self.queues.len() < 500 || self.queues.contains_key(&q) {
                *self.queues.entry(q).or_default() += 1;
            }
        }
        for name in &facts.matched {
            if let Some(rule) = self.index.get(name).and_then(|&i| self.rules.get_mut(i)) {
                rule.matched += 1;
                if rule.examples.len() < EXAMPLES_PER_RULE {
                    rule.examples.push((facts.label.clone(), facts.route));
                }
            }
        }
        for name in &facts.decided {
            if let Some(rule) = self.index.get(name).and_then(|&i| self.rules.get_mut(i)) {
                rule.decided += 1;
            }
        }
        if facts.decided.is_empty() {
            self.default.matched += 1;
            self.default.decided += 1;
            if self.default.examples.len() < EXAMPLES_PER_RULE {
                self.default.examples.push((facts.label.clone(), facts.route));
            }
        }
        for (rule, reason) in facts.reasons {
            if let Some(entry) = self.reasons.get_mut(&reason) {
                entry.1 += 1;
            } else if self.reasons.len() < MAX_REASONS {
                self.reasons.insert(reason, (rule, 1));
            } else {
                self.other_reasons += 1;
            }
        }
        for path in facts.unknown {
            if let Some(n) = self.unknown.get_mut(&path) {
                *n += 1;
            } else if self.unknown.len() < 1000 {
                self.unknown.insert(path, 1);
            }
        }
    }

    /// The page.
    pub fn to_html(&self) -> String {
        let mut b = String::new();
        let total = self.total;
        let [ai, review, human] = self.routes;
        let _ = write!(
            b,
            r#"<header class="top"><div><h1>Who handles these conversations?</h1><p class="lead">A dry run of the policy set over {total} conversation{s}: where each would go, and which rules decided.</p></div><div class="meta">{version}<br><span class="mono">{digest}</span><br>{now}</div></header>"#,
            s = if total == 1 { "" } else { "s" },
            version = self.version.as_deref().map(|v| format!("policy version <b>{}</b>", escape(v))).unwrap_or_else(|| "policy set".into()),
            digest = escape(self.digest.get(..12).unwrap_or(&self.digest)),
            now = html::now(),
        );
        b.push_str(r#"<div class="kpis">"#);
        kpi(&mut b, "plain", &total.to_string(), "conversations");
        for (class, n, label) in [("ai", ai, "handled by the AI"), ("review", review, "AI with a person reviewing"), ("human", human, "taken by a person")] {
            kpi(&mut b, class, &format!("{:.1}%", html::percent(n, total)), &format!("{n} {label}"));
        }
        if self.invalid > 0 {
            kpi(&mut b, "plain", &self.invalid.to_string(), "inputs could not be read");
        } else {
            kpi(&mut b, "plain", &self.default.decided.to_string(), "decided by the default");
        }
        b.push_str("</div>");

        // route shares
        let _ = write!(
            b,
            r#"<section class="card"><h2>Route shares</h2><p class="note">Where the conversations go under this policy set.</p><div class="split">{}{}</div></section>"#,
            html::donut(self.routes, "conversations"),
            html::legend(self.routes)
        );

        self.rules_section(&mut b);
        self.reasons_section(&mut b);
        self.unknown_section(&mut b);
        self.conversations_section(&mut b);
        b.push_str(r#"<footer>Generated by <b>handoff eval --report</b>. A rule <i>matches</i> when its conditions hold; it <i>decides</i> when its effect is the strongest among the matching rules (human &gt; review &gt; ai).</footer>"#);
        html::page("handoff — dry-run report", &b)
    }

    fn rules_section(&self, b: &mut String) {
        let max = self.rules.iter().map(|r| r.matched).max().unwrap_or(0).max(self.default.decided);
        b.push_str(r#"<section class="card"><h2>How often each rule matched and decided</h2><p class="note">Rules in the order of the policy files. Light bars: matched; dark bars: decided the route.</p><table><thead><tr><th>Rule</th><th>Effect</th><th style="width:30%">Matched · decided</th><th class="num">Matched</th><th class="num">Decided</th></tr></thead><tbody>"#);
        for rule in self.rules.iter().chain(std::iter::once(&self.default)) {
            let principle = rule.info.principle.as_deref().map(|p| format!("{} · ", escape(p))).unwrap_or_default();
            let never = if rule.matched == 0 { r#" <span class="never">never matched</span>"# } else { "" };
            let _ = write!(
                b,
                r#"<tr><td><div class="rule">{}{never}</div><div class="sub">{principle}<span class="mono">{}</span></div></td><td>{}</td><td>{}{}</td><td class="num">{} <span class="sub">({:.1}%)</span></td><td class="num">{} <span class="sub">({:.1}%)</span></td></tr>"#,
                escape(&rule.info.name),
                escape(&rule.info.source),
                html::effect_badge(rule.info.effect),
                html::bar(rule.matched, max, "m"),
                html::bar(rule.decided, max, "d"),
                rule.matched,
                html::percent(rule.matched, self.total),
                rule.decided,
                html::percent(rule.decided, self.total),
            );
        }
        b.push_str("</tbody></table></section>");
    }

    fn reasons_section(&self, b: &mut String) {
        let mut reasons: Vec<(&String, &(Option<String>, u64))> = self.reasons.iter().collect();
        reasons.sort_by(|a, b| b.1.1.cmp(&a.1.1).then_with(|| a.0.cmp(b.0)));
        b.push_str(r#"<section class="card"><h2>Top reasons</h2><p class="note">The reasons given to justify the verdicts, most frequent first.</p><ol class="reasons">"#);
        if reasons.is_empty() {
            b.push_str(r#"<li class="empty">No verdicts.</li>"#);
        }
        for (reason, (rule, n)) in reasons.iter().take(12) {
            let by = match rule {
                Some(r) => format!("rule “{}”", escape(r)),
                None => "the default".into(),
            };
            let _ = write!(
                b,
                r#"<li><div>{}<div class="sub">{by}</div></div><div class="count">{n}<div class="sub">{:.1}%</div></div></li>"#,
                escape(reason),
                html::percent(*n, self.total)
            );
        }
        if self.other_reasons > 0 {
            let _ = write!(b, r#"<li><div class="sub">other reasons (not counted one by one)</div><div class="count">{}</div></li>"#, self.other_reasons);
        }
        b.push_str("</ol></section>");
    }

    fn unknown_section(&self, b: &mut String) {
        b.push_str(r#"<section class="card"><h2>Unknown fields met</h2><p class="note">Fields the rules read that a conversation did not give, or gave with the wrong type. An unknown never makes the AI more autonomous, but it may send conversations to people that need not go there.</p>"#);
        if self.unknown.is_empty() {
            b.push_str(r#"<p class="empty">Every field the rules read was known in every conversation.</p>"#);
        } else {
            let mut list: Vec<(&String, &u64)> = self.unknown.iter().collect();
            list.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
            let max = list.first().map(|x| *x.1).unwrap_or(1);
            b.push_str(r#"<table><thead><tr><th>Field</th><th style="width:40%"></th><th class="num">Conversations</th></tr></thead><tbody>"#);
            for (path, n) in list {
                let _ = write!(
                    b,
                    r#"<tr><td class="mono">{}</td><td>{}</td><td class="num">{n} <span class="sub">({:.1}%)</span></td></tr>"#,
                    escape(path),
                    html::bar(*n, max, "d"),
                    html::percent(*n, self.total)
                );
            }
            b.push_str("</tbody></table>");
        }
        b.push_str("</section>");
    }

    fn conversations_section(&self, b: &mut String) {
        let _ = write!(
            b,
            r#"<section class="card"><h2>The conversations behind each rule</h2><p class="note">Open a rule to see the conversations it matched (up to {EXAMPLES_PER_RULE} each), coloured by where they went.</p>"#
        );
        for rule in self.rules.iter().chain(std::iter::once(&self.default)) {
            let open = if rule.matched > 0 && rule.matched <= 8 { " open" } else { "" };
            let _ = write!(
                b,
                r#"<details{open}><summary>{}<span class="sub">{} matched · {} decided</span></summary>"#,
                escape(&rule.info.name),
                rule.matched,
                rule.decided
            );
            if rule.examples.is_empty() {
                b.push_str(r#"<p class="empty">No conversation matched this rule.</p>"#);
            } else {
                let more = rule.matched.saturating_sub(rule.examples.len() as u64);
                b.push_str(&html::conversations(rule.examples.iter(), more));
            }
            b.push_str("</details>");
        }
        b.push_str(r#"<h2 style="margin-top:18px">Priorities</h2><div class="convs">"#);
        for (p, n) in &self.priorities {
            let _ = write!(b, r#"<span class="conv"><span class="mono">{}</span> <b>{n}</b></span>"#, p.as_str());
        }
        b.push_str("</div>");
        if !self.queues.is_empty() {
            b.push_str(r#"<h2 style="margin-top:18px">Queues</h2><div class="convs">"#);
            for (q, n) in &self.queues {
                let _ = write!(b, r#"<span class="conv"><span class="mono">{}</span> <b>{n}</b></span>"#, escape(q));
            }
            b.push_str("</div>");
        }
        b.push_str("</section>");
    }
}

fn kpi(b: &mut String, class: &str, n: &str, label: &str) {
    let _ = write!(b, r#"<div class="kpi {class}"><div class="n">{}</div><div class="l">{}</div></div>"#, escape(n), escape(label));
}
