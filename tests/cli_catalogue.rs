//! `handoff list`, `completions` and `man` run as a user would.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, clippy::string_slice)]

use clap::CommandFactory;
use std::process::{Command, Output};

fn handoff(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handoff")).current_dir(env!("CARGO_MANIFEST_DIR")).args(args).output().unwrap()
}

const SET: &str = r#"
policy "Care" { owner "CX Council" version "2026.11" }
default human because "A person decides."
context { intent : string }
principle "Safety first" {
  require human "Complaints, formal" {
    when intent == "complaint"
    priority high
    queue "complaints"
    tag "legal"
    tag "a|b"
    because "Complaints go to a person."
  }
  guarantee "Complaints reach a person" {
    when intent == "complaint"
    ensure human
  }
}
allow ai "Opening hours" {
  when intent == "opening_hours"
  must offer_human, disclose_ai
  because "A routine question."
}
"#;

fn set_dir(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("care.policy"), text).unwrap();
    dir
}

#[test]
fn list_json_has_every_column() {
    let dir = set_dir(SET);
    let out = handoff(&["list", "-p", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let entries = json["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    let first = &entries[0];
    assert_eq!(first["principle"], "Safety first");
    assert_eq!(first["kind"], "rule");
    assert_eq!(first["name"], "Complaints, formal");
    assert_eq!(first["effect"], "require human");
    assert_eq!(first["route"], "human");
    assert_eq!(first["priority"], "high");
    assert_eq!(first["queue"], "complaints");
    assert_eq!(first["tags"], serde_json::json!(["legal", "a|b"]));
    assert_eq!(first["owner"], "CX Council");
    assert_eq!(first["version"], "2026.11");
    assert!(first["source"].as_str().unwrap().ends_with("care.policy:6:3"), "{}", first["source"]);
    let guarantee = &entries[1];
    assert_eq!(guarantee["kind"], "guarantee");
    assert_eq!(guarantee["name"], "Complaints reach a person");
    assert_eq!(guarantee["principle"], "Safety first");
    assert_eq!(guarantee["effect"], "ensure human");
    assert_eq!(guarantee["route"], "human");
    assert_eq!(guarantee["priority"], serde_json::Value::Null);
    assert_eq!(guarantee["owner"], "CX Council");
    let second = &entries[2];
    assert_eq!(second["principle"], serde_json::Value::Null);
    assert_eq!(second["route"], "ai");
    assert_eq!(second["priority"], "normal");
    assert_eq!(second["obligations"], serde_json::json!(["offer_human", "disclose_ai"]));
}

#[test]
fn list_csv_markdown_and_table_quote_what_they_must() {
    let dir = set_dir(SET);
    let p = dir.path().to_str().unwrap();
    let csv = String::from_utf8(handoff(&["list", "-p", p, "--format", "csv"]).stdout).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next().unwrap(), "principle,kind,name,effect,route,priority,queue,obligations,tags,source,owner,version");
    assert!(lines.next().unwrap().starts_with("Safety first,rule,\"Complaints, formal\",require human,human,high,complaints,,\"legal, a|b\","));
    assert!(csv.contains(",\"offer_human, disclose_ai\","));
    let md = String::from_utf8(handoff(&["list", "-p", p, "--format", "markdown"]).stdout).unwrap();
    assert!(md.starts_with("| principle | kind | name |"), "{md}");
    assert!(md.contains("legal, a\\|b"), "{md}");
    let table = String::from_utf8(handoff(&["list", "-p", p]).stdout).unwrap();
    assert!(table.starts_with("PRINCIPLE"), "{table}");
    assert!(table.contains("Opening hours") && table.contains("3 entries"), "{table}");
}

#[test]
fn list_exits_1_on_a_broken_set_and_2_on_a_missing_directory() {
    let dir = set_dir(&SET.replace("when intent == \"opening_hours\"", "when intnet == \"opening_hours\""));
    let out = handoff(&["list", "-p", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown-field"));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["entries"].as_array().unwrap().len(), 3, "what parsed is still listed");
    assert_eq!(handoff(&["list", "-p", "no-such-dir"]).status.code(), Some(2));
}

#[test]
fn list_of_the_shipped_policies_succeeds() {
    let out = handoff(&["list", "-p", "policies", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let entries = json["entries"].as_array().unwrap();
    assert!(entries.len() > 10);
    assert!(entries.iter().any(|e| e["kind"] == "guarantee"), "the shipped guarantees are listed");
}

/// Every subcommand and every long flag of the clap definitions.
fn subcommands_and_flags() -> Vec<(String, Vec<String>)> {
    let cli = handoff::cli::Cli::command();
    cli.get_subcommands()
        .map(|sub| {
            let flags = sub.get_arguments().filter_map(|a| a.get_long()).map(|l| format!("--{l}")).collect();
            (sub.get_name().to_string(), flags)
        })
        .collect()
}

#[test]
fn completions_name_every_subcommand_and_flag() {
    let all = subcommands_and_flags();
    assert!(all.iter().any(|(s, _)| s == "lsp") || cfg!(not(feature = "lsp")));
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = handoff(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        for (sub, flags) in &all {
            assert!(text.contains(sub.as_str()), "{shell}: no `{sub}`");
            for flag in flags {
                // fish writes `-l policies`, the others `--policies`
                let bare = flag.trim_start_matches('-');
                assert!(text.contains(flag.as_str()) || text.contains(&format!("-l {bare}")), "{shell}: no `{flag}` of `{sub}`");
            }
        }
    }
    assert_eq!(handoff(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn man_page_has_a_section_per_subcommand_with_its_flags() {
    let out = handoff(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.starts_with(".ie") || page.contains(".TH handoff 1"), "{}", &page[..200.min(page.len())]);
    for (sub, flags) in subcommands_and_flags() {
        let heading = format!(".SH \"HANDOFF {}\"", sub.to_uppercase());
        let at = page.find(&heading).unwrap_or_else(|| panic!("no section {heading}"));
        let section = &page[at..];
        let end = section[1..].find(".SH \"HANDOFF").map_or(section.len(), |e| e + 1);
        let section = &section[..end];
        for flag in flags {
            // roff escapes `-` as `\-`
            let roff = flag.replace('-', "\\-");
            assert!(section.contains(&roff), "the section of `{sub}` has no `{flag}`");
        }
    }
}
