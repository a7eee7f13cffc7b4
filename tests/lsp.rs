//! `handoff lsp` end to end: the real binary spoken to in JSON-RPC over its stdin and stdout,
//! as an editor would; every answer is checked.
#![cfg(feature = "lsp")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, clippy::string_slice)]

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

const BASE: &str = r#"policy "Care" { owner "CX" version "1" }
default human because "A person decides."
context {
  customer.tier : one of ["standard", "premier"] = "standard"
  intent        : string
}
lexicon self_harm { "hurt myself", "end it all" }
"#;

const BROKEN: &str = r#"principle "Safety first" {
  require human "Self-harm risk" {
    when any customer message mentions self_harm
    because "The customer wrote \"{matched}\"."
  }
  require review "Premier" {
    when customer.teir == "premier"
    because "Premier customers are reviewed."
  }
  guarantee "Self-harm reaches a person" {
    when any customer message mentions self_harm
    ensure human
  }
}
"#;

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_handoff"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, messages) = channel();
        std::thread::spawn(move || {
            loop {
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        length = v.parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                stdout.read_exact(&mut body).unwrap();
                if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        Client { child, stdin, messages, next_id: 0 }
    }

    fn send_raw(&mut self, body: &[u8]) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
        self.stdin.write_all(body).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        let body = json!({"jsonrpc": "2.0", "method": method, "params": params}).to_string();
        self.send_raw(body.as_bytes());
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string();
        self.send_raw(body.as_bytes());
        self.response(json!(id))
    }

    /// The next message that is not a notification: the answer to `id`.
    fn response(&mut self, id: Value) -> Value {
        loop {
            let m = self.next();
            if m.get("method").is_none() {
                assert_eq!(m["id"], id, "{m}");
                return m;
            }
        }
    }

    fn next(&mut self) -> Value {
        // Only a guard against a hung server, never a measure of speed.
        self.messages.recv_timeout(Duration::from_secs(120)).expect("the server answers")
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics_for(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let m = self.next();
            if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri {
                return m["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }
}

fn uri_of(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}

fn pos(text: &str, needle: &str, plus: usize) -> Value {
    let offset = text.find(needle).unwrap() + plus;
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let character = before.len() - before.rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": character})
}

#[test]
#[expect(clippy::too_many_lines, reason = "one editor session, step by step")]
fn an_editor_session_from_initialize_to_exit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("base.policy"), BASE).unwrap();
    let rules_path = dir.path().join("rules.policy");
    std::fs::write(&rules_path, BROKEN).unwrap();
    let base_uri = uri_of(&dir.path().join("base.policy"));
    let uri = uri_of(&rules_path);
    let mut c = Client::start();

    // Before initialize, a request is refused.
    let early = c.request("textDocument/hover", json!({}));
    assert_eq!(early["error"]["code"], -32002);

    let init = c.request("initialize", json!({"processId": null, "capabilities": {}, "rootUri": null}));
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["hoverProvider"], true);
    assert_eq!(caps["definitionProvider"], true);
    assert_eq!(caps["documentFormattingProvider"], true);
    assert_eq!(caps["textDocumentSync"], 1);
    assert_eq!(init["result"]["serverInfo"]["name"], "handoff");
    c.notify("initialized", json!({}));

    // didOpen a broken file: the diagnostics of `check`, with its codes, ranges and help.
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri, "languageId": "handoff", "version": 1, "text": BROKEN}}));
    let diagnostics = c.diagnostics_for(&uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let d = &diagnostics[0];
    assert_eq!(d["code"], "unknown-field");
    assert_eq!(d["severity"], 1);
    assert_eq!(d["source"], "handoff");
    assert_eq!(d["range"]["start"], pos(BROKEN, "customer.teir", 0));
    assert_eq!(d["range"]["end"], pos(BROKEN, "customer.teir", "customer.teir".len()));
    let check = Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(["check", "--format", "json", "-p", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    let check: Value = serde_json::from_slice(&check.stdout).unwrap();
    let expected = &check["diagnostics"][0];
    assert_eq!(expected["code"], "unknown-field");
    assert_eq!(d["message"], format!("{}\nhelp: {}", expected["message"].as_str().unwrap(), expected["help"].as_str().unwrap()));
    assert!(d["message"].as_str().unwrap().contains("customer.tier"), "did you mean: {d}");
    assert_eq!(d["range"]["start"]["line"].as_u64().unwrap() + 1, expected["line"].as_u64().unwrap());
    assert_eq!(d["range"]["start"]["character"].as_u64().unwrap() + 1, expected["column"].as_u64().unwrap());

    // didChange fixing it: the diagnostics are cleared.
    let fixed = BROKEN.replace("customer.teir", "customer.tier");
    c.notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}));
    assert_eq!(c.diagnostics_for(&uri), Vec::<Value>::new());

    // A mistake in the open file that shows in another file of the set.
    let dup = format!("{fixed}lexicon self_harm {{ \"x\" }}\n");
    c.notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": dup}]}));
    let here = c.diagnostics_for(&uri);
    assert!(here.iter().any(|d| d["code"] == "duplicate-lexicon"), "{here:?}");
    assert_eq!(here[0]["relatedInformation"][0]["location"]["uri"], base_uri.as_str());
    c.notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"text": fixed}]}));
    assert_eq!(c.diagnostics_for(&uri), Vec::<Value>::new());

    // Hover: a field's type and default, a lexicon's phrases, a rule's principle and effect.
    let at = |needle: &str, plus: usize| json!({"textDocument": {"uri": uri}, "position": pos(&fixed, needle, plus)});
    let hover = c.request("textDocument/hover", at("customer.tier", 10));
    let text = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(text.contains("`customer.tier`: one of [\"standard\", \"premier\"] = \"standard\""), "{text}");
    let hover = c.request("textDocument/hover", at("self_harm", 2));
    let text = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(text.contains("lexicon `self_harm`") && text.contains("\"end it all\""), "{text}");
    let hover = c.request("textDocument/hover", at("Self-harm risk", 3));
    let text = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(text.contains("require human") && text.contains("Safety first"), "{text}");
    let hover = c.request("textDocument/hover", at("Self-harm reaches", 3));
    let text = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(text.contains("ensure human") && text.contains("Safety first"), "{text}");
    let hover = c.request("textDocument/hover", at("principle", 0));
    assert_eq!(hover["result"], Value::Null);

    // Go to definition: a field, a lexicon (both declared in the other file).
    let def = c.request("textDocument/definition", at("customer.tier", 3));
    assert_eq!(def["result"]["uri"], base_uri.as_str());
    assert_eq!(def["result"]["range"]["start"], pos(BASE, "customer.tier", 0));
    let def = c.request("textDocument/definition", at("mentions self_harm", 12));
    assert_eq!(def["result"]["uri"], base_uri.as_str());
    assert_eq!(def["result"]["range"]["start"], pos(BASE, "self_harm", 0));

    // Completion: declared paths after `customer.`, lexicons after `mentions`, keywords.
    let typing = fixed.replace("when customer.tier == \"premier\"", "when customer.");
    c.notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 5}, "contentChanges": [{"text": typing}]}));
    let _ = c.diagnostics_for(&uri);
    let done = c.request("textDocument/completion", json!({"textDocument": {"uri": uri}, "position": pos(&typing, "when customer.", 14)}));
    let labels: Vec<&str> = done["result"].as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["customer.tier"]);
    let done = c.request("textDocument/completion", json!({"textDocument": {"uri": uri}, "position": pos(&typing, "mentions ", 9)}));
    let labels: Vec<&str> = done["result"].as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["self_harm"]);
    let done = c.request("textDocument/completion", json!({"textDocument": {"uri": uri}, "position": pos(&typing, "when any", 2)}));
    let labels: Vec<&str> = done["result"].as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert!(labels.contains(&"when") && !labels.contains(&"unless"), "{labels:?}");
    let done = c.request("textDocument/completion", json!({"textDocument": {"uri": uri}, "position": pos(&typing, "when any", 5)}));
    let labels: Vec<&str> = done["result"].as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
    for want in ["intent", "signals.distress", "self_harm", "any", "require"] {
        assert!(labels.contains(&want), "{want} in {labels:?}");
    }

    // Formatting: one edit to the layout of `handoff fmt`.
    let messy = "default   human because \"A person decides.\"\nrequire human \"X\" {\nwhen true\n      because \"y\"\n}\n";
    c.notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 6}, "contentChanges": [{"text": messy}]}));
    let format = c.request("textDocument/formatting", json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}));
    let edits = format["result"].as_array().unwrap();
    assert_eq!(edits.len(), 1);
    let formatted = edits[0]["newText"].as_str().unwrap();
    assert_eq!(formatted, handoff::fmt::format_source(0, messy).unwrap());
    assert_eq!(edits[0]["range"]["end"], json!({"line": 5, "character": 0}));
    c.notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 7}, "contentChanges": [{"text": formatted}]}));
    let format = c.request("textDocument/formatting", json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}));
    assert_eq!(format["result"], json!([]));

    // Bad messages are answered, never fatal.
    c.send_raw(b"{not json");
    let m = c.response(Value::Null);
    assert_eq!(m["error"]["code"], -32700);
    c.send_raw(b"{\"jsonrpc\": \"2.0\", \"what\": 1}");
    assert_eq!(c.response(Value::Null)["error"]["code"], -32600);
    c.send_raw(b"[1, 2]");
    assert_eq!(c.response(Value::Null)["error"]["code"], -32600);

    let shutdown = c.request("shutdown", Value::Null);
    assert_eq!(shutdown["result"], Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.child.wait().unwrap().code(), Some(0));
}

#[test]
fn an_oversized_message_is_skipped_and_the_end_of_input_without_shutdown_is_exit_1() {
    let mut c = Client::start();
    c.request("initialize", json!({"capabilities": {}}));
    let big = vec![b' '; handoff::lsp::MAX_BODY + 10];
    c.send_raw(&big);
    assert_eq!(c.response(Value::Null)["error"]["code"], -32600);
    let hover = c.request("textDocument/hover", json!({"textDocument": {"uri": "untitled:2"}, "position": {"line": 0, "character": 0}}));
    assert_eq!(hover["result"], Value::Null, "the server reads on after the skipped body");
    write!(c.stdin, "Content-Length: 99999999999\r\n\r\n{{").unwrap();
    drop(c.stdin);
    assert_eq!(c.child.wait().unwrap().code(), Some(1), "the input ended without shutdown");
}

#[test]
fn shutdown_then_exit_ends_with_0_and_bad_requests_get_errors() {
    let mut c = Client::start();
    c.request("initialize", json!({"capabilities": {}}));
    let unknown = c.request("workspace/symbol", json!({"query": "x"}));
    assert_eq!(unknown["error"]["code"], -32601);
    let bad = c.request("textDocument/hover", json!({"textDocument": 3}));
    assert_eq!(bad["error"]["code"], -32602);
    let closed = c.request("textDocument/hover", json!({"textDocument": {"uri": "file:///nowhere.policy"}, "position": {"line": 0, "character": 0}}));
    assert_eq!(closed["result"], Value::Null);
    // A document that is not a file is a set of its own.
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": "untitled:1", "languageId": "handoff", "version": 1, "text": "allow ai \"x\" { when true }"}}));
    let codes: Vec<String> = c.diagnostics_for("untitled:1").iter().map(|d| d["code"].as_str().unwrap().to_string()).collect();
    assert!(codes.contains(&"missing-because".to_string()) && codes.contains(&"missing-default".to_string()), "{codes:?}");
    let shutdown = c.request("shutdown", Value::Null);
    assert_eq!(shutdown["result"], Value::Null);
    assert!(shutdown.get("error").is_none());
    let after = c.request("textDocument/hover", json!({}));
    assert_eq!(after["error"]["code"], -32600);
    c.notify("exit", Value::Null);
    assert_eq!(c.child.wait().unwrap().code(), Some(0));
}

fn framed(bodies: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for b in bodies {
        out.extend_from_slice(format!("Content-Length: {}\r\n\r\n{b}", b.len()).as_bytes());
    }
    out
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 128, ..Default::default() })]

    /// Any bytes at all: the server answers or stops, never panics.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
        let _ = handoff::lsp::serve(&bytes[..], std::io::sink());
    }

    /// Well-framed messages with odd methods, params and texts after a real initialize.
    #[test]
    fn odd_requests_never_panic(
        method in proptest::sample::select(vec!["textDocument/hover", "textDocument/definition", "textDocument/completion",
            "textDocument/formatting", "textDocument/didOpen", "textDocument/didChange", "shutdown", "initialize"]),
        text in "[a-z \"{}\\n.=()0-9]{0,80}",
        line in 0u32..5, character in 0u32..90,
    ) {
        let doc = json!({"uri": "file:///nonexistent-dir/x.policy", "languageId": "handoff", "version": 1, "text": text});
        let position = json!({"line": line, "character": character});
        let bodies = vec![
            json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}).to_string(),
            json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": doc}}).to_string(),
            json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": "file:///nonexistent-dir/x.policy"},
                "contentChanges": [{"range": {"start": position, "end": {"line": 0, "character": 1}}, "text": text}]}}).to_string(),
            json!({"jsonrpc": "2.0", "id": 2, "method": method, "params": {"textDocument": {"uri": "file:///nonexistent-dir/x.policy"},
                "position": position, "options": {}, "contentChanges": []}}).to_string(),
            json!({"jsonrpc": "2.0", "id": 3, "method": method, "params": text}).to_string(),
        ];
        let mut out = Vec::new();
        let _ = handoff::lsp::serve(&framed(&bodies)[..], &mut out);
        proptest::prop_assert!(out.starts_with(b"Content-Length: "));
    }
}

#[test]
fn every_grammar_keyword_is_completed() {
    let grammar = include_str!("../grammar/policy.pest");
    for line in grammar.lines() {
        let Some(rest) = line.strip_prefix("kw_").filter(|r| !r.starts_with("end")) else { continue };
        let Some(word) = rest.split('"').nth(1) else { continue };
        assert!(handoff::lsp::KEYWORDS.contains(&word), "`{word}` of grammar/policy.pest is not in lsp::KEYWORDS");
    }
}
