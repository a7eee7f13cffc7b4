//! `--stdio`: JSONL in, JSONL out.

use crate::support::*;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

// ---------------------------------------------------------------------------------------------
// stdio

struct StdioServer {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl StdioServer {
    fn start(dir: &Path, extra: &[&str]) -> StdioServer {
        let mut child = binary()
            .arg("serve")
            .arg("--stdio")
            .arg("-p")
            .arg(dir)
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout: ChildStdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        StdioServer {
            stdin: child.stdin.take(),
            child,
            lines,
        }
    }

    fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    fn recv(&self) -> Value {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(10))
            .expect("no answer line");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }
}

impl Drop for StdioServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn stdio_answers_in_order_and_survives_bad_lines() {
    let dir = policy_dir();
    let mut server = StdioServer::start(dir.path(), &[]);
    server.send(&conversation("s-1", "billing", 0.95).to_string());
    server.send("{\"id\": \"s-2\", oops}");
    server.send("");
    server.send(&conversation("s-3", "other", 0.95).to_string());
    let first = server.recv();
    assert_eq!(first["conversation"], "s-1");
    assert_eq!(first["route"], "ai");
    let digest = first["policy"]["digest"].as_str().unwrap().to_string();
    let error = server.recv();
    assert_eq!(error["line"], 2, "{error}");
    assert!(
        error["error"].as_str().unwrap().contains("column"),
        "{error}"
    );
    let third = server.recv();
    assert_eq!(third["conversation"], "s-3");
    assert_eq!(third["route"], "human");

    // The same hot reload.
    let edited = policy_text("stdio-2", "0.8");
    save_by_rename(&dir.path().join("main.policy"), &edited);
    let after = expected_digest(&[("main.policy", &edited)]);
    assert_ne!(digest, after);
    let reloaded = eventually(LIVE, || {
        server.send(&conversation("s-4", "billing", 0.95).to_string());
        server.recv()["policy"]["digest"] == after.as_str()
    });
    assert!(reloaded);

    drop(server.stdin.take());
    let status = wait_child(&mut server.child, Duration::from_secs(10));
    assert!(status.success());
}

#[test]
fn stdio_many_lines_stream_in_order() {
    let dir = policy_dir();
    let mut server = StdioServer::start(dir.path(), &[]);
    let mut stdin = server.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        for i in 0..2000 {
            writeln!(stdin, "{}", conversation(&format!("m-{i}"), "billing", 0.9)).unwrap();
        }
    });
    for i in 0..2000 {
        assert_eq!(server.recv()["conversation"], format!("m-{i}"));
    }
    writer.join().unwrap();
    assert!(wait_child(&mut server.child, Duration::from_secs(10)).success());
}

#[test]
fn stdio_sigterm_flushes_the_decision_log() {
    let dir = policy_dir();
    let log_dir = tempfile::tempdir().unwrap();
    let log = log_dir.path().join("decisions.jsonl");
    let mut server = StdioServer::start(dir.path(), &["--decision-log", log.to_str().unwrap()]);
    for i in 0..20 {
        server.send(&conversation(&format!("t-{i}"), "billing", 0.9).to_string());
    }
    for i in 0..20 {
        assert_eq!(server.recv()["conversation"], format!("t-{i}"));
    }
    let pid = server.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert!(wait_child(&mut server.child, Duration::from_secs(10)).success());
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 20);
    assert!(
        text.lines()
            .all(|l| serde_json::from_str::<Value>(l).is_ok())
    );
}
