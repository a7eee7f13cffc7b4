//! HTML reports of `eval --report` and `diff --report`: self-contained, escaped, and rendered
//! in a real headless browser (Debian's `chromium`) when one is installed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SET: &str = r#"
policy "Report set" {
  version "r1"
}

default human because "No rule applies, so a person takes it."

context {
  intent        : string = "unclassified"
  ai.confidence : number
}

allow ai "Simple <questions>" {
  when intent == "question" and ai.confidence >= 0.8
  because "A simple question ({intent})."
}

require human "Complaints" {
  when intent == "complaint"
  because "Complaints go to a person."
  queue "complaints"
}

require review "Refunds" {
  when intent == "refund"
  because "Refunds are reviewed."
}

allow ai "Refund questions" {
  when intent == "refund" and ai.confidence >= 0.8
  because "The assistant may draft refunds ({intent}); a person approves them."
}
"#;

const CONVERSATIONS: &str = r#"{"id": "<script>alert(1)</script>", "intent": "question", "ai": {"confidence": 0.9}}
{"id": "q2", "intent": "question", "ai": {"confidence": 0.95}}
{"id": "q3", "intent": "question"}
{"id": "r1", "intent": "refund", "ai": {"confidence": 0.9}}
{"id": "c1", "intent": "complaint"}
{"id": "o1", "intent": "<img src=x onerror=alert(2)>"}
"#;

const CHROMIUM: &str = "/usr/bin/chromium";

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let new = SET.replace("require review \"Refunds\"", "require human \"Refunds\"");
    for (name, text) in [("old/set.policy", SET.to_string()), ("new/set.policy", new), ("c/all.jsonl", CONVERSATIONS.to_string())] {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn handoff(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handoff")).current_dir(dir).args(args).output().unwrap()
}

fn eval_report(dir: &Path) -> (PathBuf, String) {
    let o = handoff(dir, &["eval", "-p", "old", "c/all.jsonl", "--report", "eval.html"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    // the usual output is still there
    assert!(String::from_utf8_lossy(&o.stdout).contains("6 conversations: 2 ai, 1 review, 3 human"));
    let path = dir.join("eval.html");
    let html = std::fs::read_to_string(&path).unwrap();
    (path, html)
}

fn diff_report(dir: &Path) -> (PathBuf, String) {
    let o = handoff(dir, &["diff", "--base", "old", "-p", "new", "c/all.jsonl", "--report", "diff.html"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let path = dir.join("diff.html");
    let html = std::fs::read_to_string(&path).unwrap();
    (path, html)
}

/// No script, no network asset, user input escaped.
fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"), "user input must be escaped, and the page needs no script");
    assert!(!html.contains("<img"), "user input must be escaped");
    assert!(!html.contains("http://") && !html.contains("https://"), "no network assets");
    assert!(!html.contains("<link"), "no external stylesheet");
    assert!(html.contains("<style>") && html.contains("<svg"));
}

#[test]
fn eval_report_content() {
    let dir = setup();
    let (_, html) = eval_report(dir.path());
    assert_self_contained(&html);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the id is shown, escaped");
    assert!(html.contains("Simple &lt;questions&gt;"));
    assert!(html.contains("Route shares"));
    assert!(html.contains("How often each rule matched and decided"));
    assert!(html.contains("Top reasons") && html.contains("Complaints go to a person."));
    assert!(html.contains("Unknown fields met") && html.contains(">ai.confidence<"), "q3 gives no confidence");
    assert!(html.contains("The conversations behind each rule"));
}

#[test]
fn diff_report_content() {
    let dir = setup();
    let (_, html) = diff_report(dir.path());
    assert_self_contained(&html);
    assert!(html.contains("Transitions"));
    assert!(html.contains("Changed conversations"));
    assert!(html.contains(">r1<"), "the changed conversation is listed");
    assert!(html.contains("Refunds are reviewed."), "both justifications");
}

/// Renders a page in headless chromium: the DOM as the browser built it, and a screenshot.
fn render(page: &Path, out: &Path) -> Option<(String, PathBuf)> {
    if !Path::new(CHROMIUM).exists() {
        println!("skipped: {CHROMIUM} is not installed (apt-get install chromium) — the report was not rendered in a browser");
        return None;
    }
    let profile = tempfile::tempdir().unwrap();
    let png = out.join(format!("{}.png", page.file_stem().unwrap().to_string_lossy()));
    let url = format!("file://{}", page.display());
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1200,2000",
    ];
    let user_data = format!("--user-data-dir={}", profile.path().display());
    let dom = Command::new(CHROMIUM).args(common).arg(&user_data).arg("--dump-dom").arg(&url).output().unwrap();
    assert!(dom.status.success(), "chromium --dump-dom failed: {}", String::from_utf8_lossy(&dom.stderr));
    let shot = Command::new(CHROMIUM).args(common).arg(&user_data).arg(format!("--screenshot={}", png.display())).arg(&url).output().unwrap();
    assert!(shot.status.success(), "chromium --screenshot failed: {}", String::from_utf8_lossy(&shot.stderr));
    Some((String::from_utf8_lossy(&dom.stdout).into_owned(), png))
}

fn assert_png(png: &Path) {
    let bytes = std::fs::read(png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG screenshot");
    assert!(bytes.len() > 20_000, "the screenshot shows a page, not a blank ({} bytes)", bytes.len());
}

#[test]
fn eval_report_renders_in_a_browser() {
    let dir = setup();
    let (page, _) = eval_report(dir.path());
    let Some((dom, png)) = render(&page, dir.path()) else { return };
    assert!(dom.contains("Who handles these conversations?"), "{dom}");
    assert!(dom.contains("Simple &lt;questions&gt;"), "text stays text in the DOM");
    assert!(!dom.contains("<script"), "no script element came from user input");
    assert!(dom.contains("<svg"), "the chart is there");
    assert_png(&png);
}

#[test]
fn diff_report_renders_in_a_browser() {
    let dir = setup();
    let (page, _) = diff_report(dir.path());
    let Some((dom, png)) = render(&page, dir.path()) else { return };
    assert!(dom.contains("What would this policy change do?"), "{dom}");
    assert!(dom.contains("Transitions") && dom.contains("Changed conversations"));
    assert!(!dom.contains("<script") && !dom.contains("<img"));
    assert_png(&png);
}
