//! The editor files under `editors/`: the TextMate grammar knows every word of the language,
//! the VS Code extension ships the same grammar and names files that exist. (The grammar's
//! scopes are checked by tokenizing the shipped policies with the real VS Code tokenizer:
//! editors/test/grammar.test.mjs, run by .ci/run.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(path)).unwrap()
}

#[test]
fn the_grammar_names_every_keyword_of_the_pest_grammar() {
    let tm = read("editors/handoff.tmLanguage.json");
    let _: serde_json::Value = serde_json::from_str(&tm).unwrap();
    for line in read("grammar/policy.pest").lines() {
        let Some(rest) = line.strip_prefix("kw_").filter(|r| !r.starts_with("end")) else { continue };
        let Some(word) = rest.split('"').nth(1) else { continue };
        let word = word.replace(' ', "\\\\s+");
        assert!(
            ["|{}|", "({}|", "|{})", "({})", "|{}\\\\s+", "\\\\s+{})"].iter().any(|f| tm.contains(&f.replace("{}", &word))),
            "`{word}` of grammar/policy.pest is not in editors/handoff.tmLanguage.json"
        );
    }
}

#[test]
fn the_vscode_extension_ships_the_same_grammar_and_its_files() {
    assert_eq!(read("editors/vscode/syntaxes/handoff.tmLanguage.json"), read("editors/handoff.tmLanguage.json"));
    let package: serde_json::Value = serde_json::from_str(&read("editors/vscode/package.json")).unwrap();
    let language = &package["contributes"]["languages"][0];
    assert_eq!(language["id"], "handoff");
    assert_eq!(language["extensions"][0], ".policy");
    let grammar = &package["contributes"]["grammars"][0];
    assert_eq!(grammar["scopeName"], "source.handoff");
    for file in [language["configuration"].as_str().unwrap(), grammar["path"].as_str().unwrap(), package["main"].as_str().unwrap()] {
        assert!(Path::new(ROOT).join("editors/vscode").join(file).is_file(), "{file}");
    }
    let config: serde_json::Value = serde_json::from_str(&read("editors/vscode/language-configuration.json")).unwrap();
    assert_eq!(config["comments"]["lineComment"], "#");
    let extension = read("editors/vscode/extension.js");
    assert!(extension.contains("args: [\"lsp\"]") && extension.contains("vscode-languageclient/node"));
}
