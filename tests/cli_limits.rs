//! Issue 19, finding 7: the command line on endless input, symbolic link loops and unreadable
//! diff inputs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn handoff() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_handoff"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Waits (bounded) for the child; kills it and fails when it does not end.
fn finish(mut child: std::process::Child, limit: Duration) -> std::process::Output {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn an_endless_line_on_stdin_is_refused_not_held() {
    let mut child = handoff()
        .args(["eval", "-", "--format", "jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..24 {
            if stdin.write_all(&zeros).is_err() {
                return;
            }
        }
        let _ = stdin.write_all(b"\n{\"id\":\"after\",\"intent\":\"billing\",\"messages\":[]}\n");
    });
    let output = finish(child, Duration::from_secs(60));
    writer.join().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("over the limit"), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("\"after\""), "the next line is read");
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_loop_is_reported_and_each_file_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("inputs");
    std::fs::create_dir_all(inputs.join("a")).unwrap();
    std::fs::write(
        inputs.join("a/one.json"),
        r#"{"id":"one","intent":"billing","messages":[]}"#,
    )
    .unwrap();
    std::os::unix::fs::symlink(&inputs, inputs.join("a/loop")).unwrap();
    std::os::unix::fs::symlink(&inputs, inputs.join("again")).unwrap();
    let child = handoff()
        .args(["eval", "--format", "jsonl"])
        .arg(&inputs)
        .arg(inputs.join("a/one.json"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let output = finish(child, Duration::from_secs(30));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.lines().count(), 1, "one.json once: {stdout}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("symbolic link loop"), "{stderr}");
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn diff_fails_when_an_input_cannot_be_read() {
    let output = handoff()
        .args(["diff", "--base", "policies", "-p", "policies", "no/such/input.jsonl"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let bad = tempfile::tempdir().unwrap();
    let file = bad.path().join("bad.json");
    std::fs::write(&file, "{ not json").unwrap();
    let output = handoff()
        .args(["diff", "--base", "policies", "-p", "policies"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let output = handoff()
        .args(["diff", "--base", "no/such/dir", "-p", "policies"])
        .arg(Path::new("samples"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "cannot run");
}

/// A YAML stream: a document that is not a conversation is reported and the next ones are
/// still evaluated; after a syntax error (which cannot be resynchronised) the error is reported
/// once and the file ends — never an endless stream of the same error.
#[test]
fn a_bad_yaml_document_does_not_hide_the_next_ones() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.yaml");
    std::fs::write(&data, "id: one\n---\nid: two\nn: 18446744073709551616\n---\nid: three\n").unwrap();
    let syntax = dir.path().join("syntax.yaml");
    std::fs::write(&syntax, "id: one\n---\nid: [unclosed\n---\nid: three\n").unwrap();
    for (file, ids, errors) in [(&data, vec!["one", "three"], 1), (&syntax, vec!["one"], 1)] {
        let child = handoff()
            .args(["eval", "-p", "policies", "--format", "jsonl"])
            .arg(file)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output = finish(child, Duration::from_secs(60));
        assert_eq!(output.status.code(), Some(1));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let got: Vec<String> = stdout
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["conversation"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, ids, "{}", file.display());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().filter(|l| l.starts_with("error:")).count(), errors, "{stderr}");
    }
}

/// A UTF-8 byte order mark at the start of a file (some editors write one) is not part of the
/// document: `.jsonl`, `.json` and `.yaml` files with one are read as without.
#[test]
fn a_byte_order_mark_is_not_part_of_the_document() {
    let dir = tempfile::tempdir().unwrap();
    let files = [("a.jsonl", "\u{feff}{\"id\": \"b1\"}\n{\"id\": \"b2\"}\n"), ("b.json", "\u{feff}{\"id\": \"b3\"}"), ("c.yaml", "\u{feff}id: b4\n")];
    let mut command = handoff();
    command.args(["eval", "-p", "policies", "--format", "jsonl"]);
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
        command.arg(dir.path().join(name));
    }
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let ids: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["conversation"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["b1", "b2", "b3", "b4"]);
}
