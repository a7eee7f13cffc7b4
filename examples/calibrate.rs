//! Measures the conversation signals on external, labelled text and prints the table of
//! docs/SIGNALS.md.
//!
//! ```text
//! cargo run --release --example calibrate -- ../shared/data [--misses] [--dump FILE]
//! cargo run --release --example calibrate -- --text "my phone died"
//! ```
//!
//! Each text is scored as a one-message conversation from the customer, through the same
//! `signals::compute` the evaluator calls. `--misses` also prints the misclassified texts.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use handoff::context::{Message, Sender};
use handoff::signals::{Wanted, compute};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().is_some_and(|a| a == "--text") {
        // `--text TEXT…`: the distress evidence of each text
        for text in args.skip(1) {
            let e = handoff::signals::text_distress_evidence(&text);
            let d = handoff::signals::text_distress(&text);
            println!("{d:.3} {e:?} {text}");
        }
        return ExitCode::SUCCESS;
    }
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "../shared/data".into()));
    let rest: Vec<String> = args.collect();
    let misses = rest.iter().any(|a| a == "--misses");
    let dump = rest
        .iter()
        .position(|a| a == "--dump")
        .and_then(|i| rest.get(i + 1))
        .map(PathBuf::from);
    match run(&dir, misses, dump.as_deref()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}

/// Minimal CSV reader (RFC 4180 quotes), enough for the two CSV files.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

fn signals(text: &str) -> handoff::signals::Signals {
    compute(&[Message::new(Sender::Customer, text)], Wanted::ALL)
}

fn pct(n: usize, d: usize) -> f64 {
    if d == 0 { 0.0 } else { 100.0 * n as f64 / d as f64 }
}

#[expect(clippy::too_many_lines, reason = "one report, section by section")]
fn run(dir: &Path, misses: bool, dump: Option<&Path>) -> Result<(), String> {
    // ---- human_requested ------------------------------------------------------------------
    let bitext = csv_rows(&read(&dir.join("bitext/dev.csv"))?);
    let (mut pos, mut pos_hit, mut neg, mut neg_hit) = (0, 0, 0, 0);
    let mut wrong_by_intent: std::collections::BTreeMap<String, usize> = Default::default();
    for row in bitext.iter().skip(1) {
        let (Some(text), Some(intent)) = (row.first(), row.get(1)) else {
            continue;
        };
        if intent == "contact_customer_service" {
            continue;
        }
        let hit = signals(text).human_requested;
        if intent == "contact_human_agent" {
            pos += 1;
            pos_hit += usize::from(hit);
            if misses && !hit {
                println!("miss  contact_human_agent: {text}");
            }
        } else {
            neg += 1;
            neg_hit += usize::from(hit);
            if hit {
                *wrong_by_intent.entry(intent.clone()).or_default() += 1;
                if misses {
                    println!("wrong {intent}: {text}");
                }
            }
        }
    }
    let banking = csv_rows(&read(&dir.join("banking77/train.csv"))?);
    let (mut bank, mut bank_hit) = (0, 0);
    for row in banking.iter().skip(1) {
        let Some(text) = row.first() else { continue };
        bank += 1;
        let hit = signals(text).human_requested;
        bank_hit += usize::from(hit);
        if misses && hit {
            println!("wrong banking77 {}: {text}", row.get(1).map_or("", String::as_str));
        }
    }
    println!("## human_requested\n");
    println!("| set | texts | human_requested true | rate | target |");
    println!("|---|---:|---:|---:|---|");
    println!(
        "| Bitext `contact_human_agent` (recall) | {pos} | {pos_hit} | {:.1} % | ≥ 95 % |",
        pct(pos_hit, pos)
    );
    println!(
        "| Bitext other intents, without `contact_customer_service` (wrongly true) | {neg} | {neg_hit} | {:.1} % | ≤ 2 % |",
        pct(neg_hit, neg)
    );
    println!(
        "| BANKING77 train (wrongly true) | {bank} | {bank_hit} | {:.2} % | ≤ 1 % |",
        pct(bank_hit, bank)
    );
    if !wrong_by_intent.is_empty() {
        let list: Vec<String> = wrong_by_intent.iter().map(|(k, v)| format!("{k} {v}")).collect();
        println!("\nWrongly true by Bitext intent: {}", list.join(", "));
    }

    // ---- distress -------------------------------------------------------------------------
    let labels: Vec<String> = read(&dir.join("goemotions/labels.txt"))?
        .lines()
        .map(str::to_owned)
        .collect();
    let label_id = |name: &str| labels.iter().position(|l| l == name);
    let rows: Vec<(String, Vec<usize>)> = read(&dir.join("goemotions/dev.tsv"))?
        .lines()
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let text = cols.next()?.to_owned();
            let ids = cols.next()?.split(',').filter_map(|s| s.trim().parse().ok()).collect();
            Some((text, ids))
        })
        .collect();
    let scores: Vec<f64> = rows.iter().map(|(t, _)| signals(t).distress).collect();
    let target_names = ["sadness", "grief", "fear", "nervousness"];
    let target_ids: Vec<usize> = target_names.iter().filter_map(|n| label_id(n)).collect();
    let neutral = label_id("neutral");
    let is_target = |ids: &[usize]| ids.iter().any(|i| target_ids.contains(i));
    let is_neutral = |ids: &[usize]| neutral.is_some_and(|n| ids.contains(&n));

    println!("\n## distress ≥ 0.5 on GoEmotions dev\n");
    println!("| emotion | comments | distress ≥ 0.5 | rate | mean distress |");
    println!("|---|---:|---:|---:|---:|");
    let shown = [
        "sadness",
        "grief",
        "fear",
        "nervousness",
        "remorse",
        "disappointment",
        "anger",
        "annoyance",
        "neutral",
    ];
    let line = |name: &str, pick: &dyn Fn(&[usize]) -> bool| {
        let sel: Vec<f64> = rows
            .iter()
            .zip(&scores)
            .filter(|((_, ids), _)| pick(ids))
            .map(|(_, s)| *s)
            .collect();
        let high = sel.iter().filter(|s| **s >= 0.5).count();
        let mean = if sel.is_empty() {
            0.0
        } else {
            sel.iter().sum::<f64>() / sel.len() as f64
        };
        println!(
            "| {name} | {} | {high} | {:.1} % | {mean:.2} |",
            sel.len(),
            pct(high, sel.len())
        );
    };
    for name in shown {
        if let Some(id) = label_id(name) {
            line(name, &|ids: &[usize]| ids.contains(&id));
        }
    }
    line("**sadness ∪ grief ∪ fear ∪ nervousness** (target ≥ 80 %)", &is_target);
    line("**neutral** (target ≤ 10 %)", &is_neutral);
    line("neutral only (no other label)", &|ids: &[usize]| {
        ids.len() == 1 && is_neutral(ids)
    });

    println!("\nTrade-off over thresholds (share of comments with distress ≥ threshold):\n");
    println!("| threshold | sadness/grief/fear/nervousness | neutral |");
    println!("|---:|---:|---:|");
    for t in [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9] {
        let (mut tp, mut tn, mut fp, mut nn) = (0, 0, 0, 0);
        for ((_, ids), s) in rows.iter().zip(&scores) {
            if is_target(ids) {
                tn += 1;
                tp += usize::from(*s >= t);
            }
            if is_neutral(ids) {
                nn += 1;
                fp += usize::from(*s >= t);
            }
        }
        println!("| {t:.2} | {:.1} % | {:.1} % |", pct(tp, tn), pct(fp, nn));
    }
    if let Some(path) = dump {
        // one line per comment: row, labels, distress and its evidence (for fitting weights)
        let mut out = String::from(
            "row\ttarget\tneutral\tdistress\tnegative\tnegative_words\tvocabulary\tcrisis\tshouting\tfeeling\ttext\n",
        );
        for (row, ((text, ids), s)) in rows.iter().zip(&scores).enumerate() {
            let e = handoff::signals::text_distress_evidence(text);
            out.push_str(&format!(
                "{row}\t{}\t{}\t{s:.4}\t{:.4}\t{:.4}\t{:.4}\t{}\t{:.4}\t{:.4}\t{}\n",
                u8::from(is_target(ids)),
                u8::from(is_neutral(ids)),
                e.negative,
                e.negative_words,
                e.vocabulary,
                u8::from(e.crisis),
                e.shouting,
                e.feeling,
                text.replace('\t', " ")
            ));
        }
        std::fs::write(path, out).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    if misses {
        for ((text, ids), s) in rows.iter().zip(&scores) {
            if is_target(ids) && *s < 0.5 {
                println!("low  {s:.2} {ids:?}: {text}");
            }
            if is_neutral(ids) && *s >= 0.5 {
                println!("high {s:.2} {ids:?}: {text}");
            }
        }
    }
    Ok(())
}
