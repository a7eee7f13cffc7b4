//! HTML building blocks: escaping, the page frame and stylesheet, and inline SVG charts.

use crate::ast::Route;
use std::fmt::Write as _;

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn route_color(route: Route) -> &'static str {
    match route {
        Route::Ai => "#2a9d8f",
        Route::Review => "#e9a23b",
        Route::Human => "#d1495b",
    }
}

pub fn route_label(route: Route) -> &'static str {
    match route {
        Route::Ai => "AI handles",
        Route::Review => "AI with review",
        Route::Human => "Person takes over",
    }
}

/// A coloured chip naming a route.
pub fn route_chip(route: Route) -> String {
    format!(r#"<span class="chip {r}">{r}</span>"#, r = route.as_str())
}

/// `12.5%` of a total (0 when the total is 0).
pub fn percent(part: u64, total: u64) -> f64 {
    if total == 0 { 0.0 } else { part as f64 * 100.0 / total as f64 }
}

/// A whole page around `body`.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n",
        escape(title)
    )
}

const STYLE: &str = r#"
:root { --ink:#1d2733; --muted:#5b6b7c; --line:#e3e8ee; --bg:#f5f7fa; --card:#fff;
  --ai:#2a9d8f; --review:#e9a23b; --human:#d1495b; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 32px 28px 60px; }
header.top { display:flex; justify-content:space-between; align-items:flex-end; gap:24px;
  border-bottom: 1px solid var(--line); padding-bottom: 16px; margin-bottom: 24px; }
h1 { font-size: 28px; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 19px; margin: 0 0 4px; }
p.lead, p.note { color: var(--muted); margin: 0 0 14px; }
.meta { color: var(--muted); font-size: 13px; text-align:right; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
section.card { background: var(--card); border: 1px solid var(--line); border-radius: 12px;
  padding: 20px 22px; margin-bottom: 22px; box-shadow: 0 1px 2px rgba(16,24,40,.04); }
.kpis { display:grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 14px; margin-bottom: 22px; }
.kpi { background: var(--card); border:1px solid var(--line); border-radius: 12px; padding: 14px 16px; }
.kpi .n { font-size: 28px; font-weight: 650; line-height: 1.1; }
.kpi .l { color: var(--muted); font-size: 13px; }
.kpi.ai { border-top: 4px solid var(--ai); } .kpi.review { border-top: 4px solid var(--review); }
.kpi.human { border-top: 4px solid var(--human); } .kpi.plain { border-top: 4px solid #8796a8; }
.split { display:grid; grid-template-columns: 260px 1fr; gap: 28px; align-items:center; }
.legend { list-style:none; padding:0; margin:0; }
.legend li { display:flex; align-items:center; gap:10px; padding: 7px 0; border-bottom: 1px solid var(--line); }
.legend li:last-child { border-bottom: 0; }
.legend .sw { width: 14px; height: 14px; border-radius: 4px; flex: none; }
.legend .v { margin-left:auto; font-variant-numeric: tabular-nums; color: var(--muted); }
.legend .v b { color: var(--ink); }
table { width:100%; border-collapse: collapse; }
th { text-align:left; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted);
  font-weight: 600; padding: 8px 10px; border-bottom: 1px solid var(--line); }
td { padding: 9px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
tr:last-child td { border-bottom: 0; }
td.num { text-align:right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.rule { font-weight: 600; } .sub { color: var(--muted); font-size: 12.5px; }
.bar { position: relative; height: 10px; background: #eef1f5; border-radius: 5px; min-width: 120px; margin-top: 6px; }
.bar > span { position:absolute; left:0; top:0; bottom:0; border-radius: 5px; }
.bar.m > span { background: #9fb3c8; } .bar.d > span { background: #3d5a80; }
.chip { display:inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px; font-weight: 600;
  color: #fff; line-height: 1.6; }
.chip.ai { background: var(--ai); } .chip.review { background: var(--review); } .chip.human { background: var(--human); }
.effect { display:inline-block; font-size: 11.5px; padding: 0 7px; border-radius: 6px; border: 1px solid var(--line);
  color: var(--muted); white-space: nowrap; }
.effect.human { border-color: #f1c0c7; color: #a8303f; background: #fdf1f3; }
.effect.review { border-color: #f4d7a8; color: #8a5a0c; background: #fdf7ec; }
.effect.ai { border-color: #b5e0da; color: #1d6d63; background: #eff9f7; }
.never { color: #a8303f; font-size: 12.5px; font-weight: 600; }
ol.reasons { margin: 0; padding-left: 0; list-style: none; counter-reset: r; }
ol.reasons li { padding: 10px 0; border-bottom: 1px solid var(--line); display:grid; grid-template-columns: 1fr 90px; gap: 16px; }
ol.reasons li:last-child { border-bottom: 0; }
ol.reasons .count { text-align:right; font-weight: 650; font-variant-numeric: tabular-nums; }
details { border-bottom: 1px solid var(--line); padding: 8px 0; }
details:last-child { border-bottom: 0; }
summary { cursor: pointer; font-weight: 600; }
summary .sub { font-weight: 400; margin-left: 8px; }
.convs { display:flex; flex-wrap: wrap; gap: 6px; margin: 10px 0 4px; }
.conv { display:inline-flex; align-items:center; gap:6px; border:1px solid var(--line); border-radius: 8px;
  padding: 2px 8px; font-size: 12.5px; background: #fafbfc; }
.conv .dot { width: 8px; height: 8px; border-radius: 50%; }
.matrix td, .matrix th { text-align:center; }
.matrix td.cell { font-size: 18px; font-weight: 650; font-variant-numeric: tabular-nums; width: 22%; border-radius: 6px; }
.matrix th.row { text-align:right; }
.change { border:1px solid var(--line); border-radius: 10px; padding: 14px 16px; margin-bottom: 12px; }
.change h3 { margin: 0 0 8px; font-size: 15px; display:flex; align-items:center; gap: 8px; flex-wrap: wrap; }
.change .arrow { color: var(--muted); }
.pair { display:grid; grid-template-columns: 1fr 1fr; gap: 14px; }
.pair > div { background: #fafbfc; border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; font-size: 13.5px; }
.pair .k { color: var(--muted); font-size: 11.5px; text-transform: uppercase; letter-spacing: .05em; margin-bottom: 4px; }
.empty { color: var(--muted); font-style: italic; }
footer { color: var(--muted); font-size: 12.5px; margin-top: 28px; }
@media print { body { background: #fff; } section.card, .kpi { box-shadow: none; } }
"#;

/// A donut chart of route shares, with the total in the middle.
pub fn donut(counts: [u64; 3], center_label: &str) -> String {
    let total: u64 = counts.iter().sum();
    let r = 80.0_f64;
    let circumference = 2.0 * std::f64::consts::PI * r;
    let mut svg = String::from(
        r##"<svg viewBox="0 0 220 220" width="220" height="220" role="img" aria-label="route shares"><circle cx="110" cy="110" r="80" fill="none" stroke="#eef1f5" stroke-width="34"/>"##,
    );
    let mut offset = 0.0_f64;
    for (route, n) in super::ROUTES.iter().zip(counts) {
        if n == 0 || total == 0 {
            continue;
        }
        let len = circumference * n as f64 / total as f64;
        let _ = write!(
            svg,
            r#"<circle cx="110" cy="110" r="80" fill="none" stroke="{}" stroke-width="34" stroke-dasharray="{:.3} {:.3}" stroke-dashoffset="{:.3}" transform="rotate(-90 110 110)"><title>{}: {}</title></circle>"#,
            route_color(*route),
            len,
            circumference - len,
            -offset,
            route.as_str(),
            n
        );
        offset += len;
    }
    let _ = write!(
        svg,
        r##"<text x="110" y="108" text-anchor="middle" font-size="30" font-weight="650" fill="#1d2733">{total}</text><text x="110" y="132" text-anchor="middle" font-size="13" fill="#5b6b7c">{}</text></svg>"##,
        escape(center_label)
    );
    svg
}

/// The legend beside a donut: each route with its count and share.
pub fn legend(counts: [u64; 3]) -> String {
    let total: u64 = counts.iter().sum();
    let mut out = String::from(r#"<ul class="legend">"#);
    for (route, n) in super::ROUTES.iter().zip(counts) {
        let _ = write!(
            out,
            r#"<li><span class="sw" style="background:{}"></span><span><b>{}</b> <span class="sub">({})</span></span><span class="v"><b>{:.1}%</b> · {n}</span></li>"#,
            route_color(*route),
            route_label(*route),
            route.as_str(),
            percent(n, total)
        );
    }
    out.push_str("</ul>");
    out
}

/// A horizontal stacked bar of route shares, `label` on its left.
pub fn stacked_bar(counts: [u64; 3], label: &str) -> String {
    let total: u64 = counts.iter().sum();
    let (x0, width) = (90.0_f64, 600.0_f64);
    let mut svg = format!(
        r##"<svg viewBox="0 0 700 34" width="100%" role="img" aria-label="{l}"><text x="0" y="22" font-size="14" fill="#1d2733" font-weight="600">{l}</text><rect x="{x0}" y="6" width="{width}" height="22" rx="5" fill="#eef1f5"/>"##,
        l = escape(label)
    );
    let mut x = x0;
    for (route, n) in super::ROUTES.iter().zip(counts) {
        if n == 0 || total == 0 {
            continue;
        }
        let w = width * n as f64 / total as f64;
        let _ = write!(svg, r#"<rect x="{x:.2}" y="6" width="{w:.2}" height="22" fill="{}"><title>{}: {n}</title></rect>"#, route_color(*route), route.as_str());
        if w > 60.0 {
            let _ = write!(
                svg,
                r##"<text x="{:.2}" y="22" font-size="12.5" fill="#fff" font-weight="600">{} {:.0}%</text>"##,
                x + 8.0,
                route.as_str(),
                percent(n, total)
            );
        }
        x += w;
    }
    svg.push_str("</svg>");
    svg
}

/// A thin bar of `n` against `max`, class `m` (matched) or `d` (decided).
pub fn bar(n: u64, max: u64, class: &str) -> String {
    format!(r#"<div class="bar {class}"><span style="width:{:.2}%"></span></div>"#, percent(n, max.max(1)))
}

/// A list of conversation chips (label coloured by route).
pub fn conversations<'a>(items: impl Iterator<Item = &'a (String, Route)>, more: u64) -> String {
    let mut out = String::from(r#"<div class="convs">"#);
    for (label, route) in items {
        let _ = write!(
            out,
            r#"<span class="conv"><span class="dot" style="background:{}"></span><span class="mono">{}</span></span>"#,
            route_color(*route),
            escape(label)
        );
    }
    if more > 0 {
        let _ = write!(out, r#"<span class="conv sub">and {more} more</span>"#);
    }
    out.push_str("</div>");
    out
}

/// An effect as a small badge coloured by the route it leads to.
pub fn effect_badge(effect: &str) -> String {
    let class = match effect {
        "require human" => "human",
        "require review" => "review",
        _ => "ai",
    };
    format!(r#"<span class="effect {class}">{}</span>"#, escape(effect))
}

/// The current time as `YYYY-MM-DD HH:MM UTC`.
pub fn now() -> String {
    let u = crate::time::Utc::of(std::time::SystemTime::now());
    format!("{:04}-{:02}-{:02} {:02}:{:02} UTC", u.year, u.month, u.day, u.hour, u.minute)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape(r#"<script>"a" & 'b'</script>"#), "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;");
    }
}
