//! `handoff explain` and docs/DIAGNOSTICS.md: one source (src/explain/entries.rs) for both;
//! every code has an entry; every example really produces its code and every fix none.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use handoff::explain::{self, Example};
use handoff::{Analysis, Code, Source};
use std::process::Command;

fn codes_of(text: &str) -> Vec<Code> {
    Analysis::new(vec![Source::new("example.policy", text)]).diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn every_code_has_one_entry_in_order() {
    let listed: Vec<Code> = explain::all().iter().map(|e| e.code).collect();
    assert_eq!(listed, Code::ALL.to_vec(), "src/explain/entries.rs must explain every code, in Code::ALL order");
}

#[test]
fn every_example_produces_its_code_and_every_fix_nothing() {
    for e in explain::all() {
        match (e.example, e.fixed) {
            (Example::Policy(bad), Example::Policy(good)) => {
                let found = codes_of(bad);
                assert!(found.contains(&e.code), "the example of `{}` gives {found:?}", e.code);
                let found = codes_of(good);
                assert!(found.is_empty(), "the fixed example of `{}` gives {found:?}", e.code);
            }
            (Example::Command(bad), Example::Command(good)) => {
                // `handoff check -p DIR`: run for real from the crate root.
                let run = |line: &str| {
                    let args: Vec<&str> = line.split_whitespace().skip(1).collect();
                    Command::new(env!("CARGO_BIN_EXE_handoff"))
                        .current_dir(env!("CARGO_MANIFEST_DIR"))
                        .args(&args)
                        .output()
                        .unwrap()
                };
                let out = run(bad);
                assert_eq!(out.status.code(), Some(2), "{bad}");
                assert!(String::from_utf8_lossy(&out.stderr).contains(e.code.as_str()), "{bad}");
                assert_eq!(run(good).status.code(), Some(0), "{good}");
            }
            _ => panic!("the example and the fix of `{}` must be of one kind", e.code),
        }
    }
}

#[test]
fn docs_diagnostics_md_is_generated_from_the_entries() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/DIAGNOSTICS.md");
    let generated = explain::markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let on_disk = std::fs::read_to_string(path).unwrap();
    assert!(on_disk == generated, "docs/DIAGNOSTICS.md drifted: run `UPDATE_DOCS=1 cargo test --test explain`");
}

#[test]
fn cli_explains_a_code_and_refuses_an_unknown_one() {
    let run = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_handoff")).args(args).output().unwrap();
    let out = run(&["explain", "unknown-field"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for part in ["unknown-field (error)", "What:", "Why:", "Example:", "Fix:", "customer.teir"] {
        assert!(text.contains(part), "{part} missing from:\n{text}");
    }
    let out = run(&["explain", "no-such-code"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown diagnostic code `no-such-code`"));
    let out = run(&["explain"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for code in Code::ALL {
        assert!(text.contains(code.as_str()), "{code}");
    }
}
