//! Scores the project's own signal evaluation sets (tests/signals_eval/) and prints the table of
//! docs/SIGNALS.md.
//!
//! ```text
//! cargo run --release --example signals_eval -- tests/signals_eval heldout [--misses]
//! cargo run --release --example signals_eval -- tests/signals_eval tune --misses
//! cargo run --release --example signals_eval -- --text "I can't go on"
//! ```
//!
//! Each text is scored as a one-message customer conversation through `signals::compute`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use handoff::context::{Message, Sender};
use handoff::signals::{Signals, Wanted, compute};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "--text") {
        // `--text TEXT…`: the signals of each text
        for text in args.iter().skip(1) {
            let s = signals(text);
            let e = handoff::signals::text_distress_evidence(text);
            let sentiment = s.sentiment.unwrap_or(0.0);
            println!("crisis {} distress {:.2} sentiment {sentiment:.2} human {} | {text}", s.crisis, s.distress, s.human_requested);
            println!(
                "    negative {:.2} negative_words {:.2} vocabulary {:.2} feeling {:.2} shouting {:.2}",
                e.negative, e.negative_words, e.vocabulary, e.feeling, e.shouting
            );
        }
        return ExitCode::SUCCESS;
    }
    let dir = PathBuf::from(args.first().map_or("tests/signals_eval", String::as_str));
    let half = args.get(1).map_or("heldout", String::as_str).to_owned();
    for p in handoff::signals::rule_problems() {
        eprintln!("rule problem: {p}");
    }
    let misses = args.iter().any(|a| a == "--misses");
    match run(&dir, &half, misses) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn signals(text: &str) -> Signals {
    let m = Message::new(Sender::Customer, text);
    compute(std::slice::from_ref(&m), Wanted::ALL)
}

/// The lines of one set (comments and blank lines skipped).
fn lines(dir: &Path, set: &str, half: &str) -> Result<Vec<String>, String> {
    let path = dir.join(format!("{set}.{half}.txt"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect())
}

/// Counts `(hits, total)` of `pred` over `items`, printing the misses.
fn share<'a>(items: impl Iterator<Item = &'a str>, pred: impl Fn(&str) -> bool, misses: bool, what: &str) -> (usize, usize) {
    let (mut hit, mut total) = (0, 0);
    for t in items {
        total += 1;
        if pred(t) {
            hit += 1;
        } else if misses {
            println!("  miss [{what}] {t}");
        }
    }
    (hit, total)
}

fn row(name: &str, (hit, total): (usize, usize), target: &str) {
    let rate = if total == 0 { 0.0 } else { 100.0 * hit as f64 / total as f64 };
    println!("| {name} | {total} | {hit} | {rate:.1} % | {target} |");
}

/// `LANG|0/1|TEXT` (or `0/1|TEXT` with `lang` = `en`) into (lang, expected, text).
fn labelled(line: &str) -> Option<(String, bool, String)> {
    let mut parts = line.splitn(3, '|');
    let (a, b, c) = (parts.next()?, parts.next()?, parts.next());
    match c {
        Some(text) => Some((a.to_owned(), b == "1", text.to_owned())),
        None => Some(("en".to_owned(), a == "1", b.to_owned())),
    }
}

fn run(dir: &Path, half: &str, misses: bool) -> Result<(), String> {
    println!("Half: {half}\n");
    println!("| set | texts | as expected | rate | target |");
    println!("|---|---:|---:|---:|---|");
    for set in ["crisis", "crisis3", "crisis4", "crisis5", "crisis6", "crisis7"] {
        let crisis = lines(dir, set, half)?;
        let c = share(crisis.iter().map(String::as_str), |t| signals(t).crisis, misses, "crisis");
        row(&format!("{set}: crisis statements: `crisis` true"), c, "≥ 90 %");
        let d = share(crisis.iter().map(String::as_str), |t| signals(t).distress >= 0.7, misses, "distress<0.7");
        row(&format!("{set}: crisis statements: `distress` ≥ 0.7"), d, "≥ 90 %");
    }
    for set in ["not_crisis", "not_crisis3", "not_crisis4", "not_crisis5", "not_crisis6", "not_crisis7"] {
        let not = lines(dir, set, half)?;
        let n = share(not.iter().map(String::as_str), |t| !signals(t).crisis, misses, "crisis");
        row(&format!("{set}: not crisis (negated, someone else, everyday): `crisis` false"), n, "high");
    }
    for set in ["figures", "figures2", "figures3", "figures4", "figures5", "figures6", "figures7"] {
        let fig = lines(dir, set, half)?;
        let f = share(fig.iter().map(String::as_str), |t| signals(t).distress < 0.5, misses, "distress>=0.5");
        row(&format!("{set}: figures of speech: `distress` < 0.5"), f, "≥ 90 %");
        let f = share(fig.iter().map(String::as_str), |t| !signals(t).crisis, misses, "crisis");
        row(&format!("{set}: figures of speech: `crisis` false"), f, "high");
    }
    for set in ["grief", "grief3"] {
        let grief = lines(dir, set, half)?;
        let g = share(grief.iter().map(String::as_str), |t| signals(t).distress >= 0.5, misses, "distress<0.5");
        row(&format!("{set}: grief and real distress: `distress` ≥ 0.5"), g, "high");
        let g = share(grief.iter().map(String::as_str), |t| !signals(t).crisis, misses, "crisis");
        row(&format!("{set}: grief and real distress: `crisis` false"), g, "high");
    }
    labelled_rows(dir, "crisis_ml", half, misses, "crisis", |t| signals(t).crisis)?;
    labelled_rows(dir, "human", half, misses, "human_requested", |t| signals(t).human_requested)?;
    labelled_rows(dir, "human_en", half, misses, "human_requested", |t| signals(t).human_requested)?;
    labelled_rows(dir, "human_en2", half, misses, "human_requested", |t| signals(t).human_requested)?;
    Ok(())
}

/// Recall and false positives per language of a `LANG|0/1|TEXT` set.
fn labelled_rows(dir: &Path, set: &str, half: &str, misses: bool, signal: &str, f: impl Fn(&str) -> bool) -> Result<(), String> {
    let mut by_lang: BTreeMap<String, [(usize, usize); 2]> = BTreeMap::new();
    for line in lines(dir, set, half)? {
        let Some((lang, expected, text)) = labelled(&line) else {
            continue;
        };
        let got = f(&text);
        let counts = by_lang.entry(lang.clone()).or_default();
        let [neg, pos] = counts;
        let slot = if expected { pos } else { neg };
        slot.1 += 1;
        if got {
            slot.0 += 1;
        }
        if got != expected && misses {
            println!("  miss [{set} {lang} expected {expected}] {text}");
        }
    }
    let mut all = [(0, 0); 2];
    for (lang, [neg, pos]) in &by_lang {
        row(&format!("{set} {lang}: `{signal}` true on positives (recall)"), *pos, "≥ 90 %");
        row(&format!("{set} {lang}: `{signal}` true on negatives (false positives)"), *neg, "≤ 10 %");
        for (a, b) in all.iter_mut().zip([neg, pos]) {
            a.0 += b.0;
            a.1 += b.1;
        }
    }
    if by_lang.len() > 1 {
        row(&format!("**{set} all: recall**"), all[1], "≥ 90 %");
        row(&format!("**{set} all: false positives**"), all[0], "≤ 10 %");
    }
    Ok(())
}
