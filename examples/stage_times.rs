//! Times each stage of loading a policy directory: syntax, schema, check, compile.
//! `cargo run --release --example stage_times -- target/generated/10000`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use handoff::source::{FileId, Source};
use std::time::Instant;

fn rss_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn mark(stage: &str, t: Instant) -> Instant {
    eprintln!(
        "{stage:<10} {:>8.1} ms  rss {:>7} KB  peak {:>7} KB",
        t.elapsed().as_secs_f64() * 1e3,
        rss_kb("VmRSS:"),
        rss_kb("VmHWM:")
    );
    Instant::now()
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: stage_times DIR");
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "policy") {
            let text = std::fs::read_to_string(&path).unwrap();
            sources.push(Source::new(path.display().to_string(), text));
        }
    }
    sources.sort_by(|a, b| a.name.cmp(&b.name));
    let t = mark("read", Instant::now());
    let all = Instant::now();
    let mut files = Vec::new();
    let mut diags = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        let (f, d) = handoff::syntax::parse(FileId::try_from(i).unwrap(), &s.text);
        files.push(f);
        diags.extend(d);
    }
    let t = mark("syntax", t);
    let (schema, d) = handoff::schema::Schema::build(&files);
    diags.extend(d);
    let t = mark("schema", t);
    diags.extend(handoff::check::check(&files, &schema, &sources));
    let t = mark("check", t);
    let program = handoff::eval::compile(&files, &sources, &schema, String::new());
    mark("compile", t);
    mark("total", all);
    eprintln!("{} diagnostics", diags.len());
    drop(program);
}
