//! Graceful shutdown and the decision log.

use crate::support::*;
use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

// ---------------------------------------------------------------------------------------------
// shutdown and the decision log

fn read_log(path: &PathBuf) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "a half line at the end"
    );
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[test]
fn sigterm_finishes_in_flight_requests_and_flushes_the_decision_log() {
    let dir = policy_dir();
    let log_dir = tempfile::tempdir().unwrap();
    let log = log_dir.path().join("decisions.jsonl");
    let mut server = Server::start(dir.path(), &["--decision-log", log.to_str().unwrap()]);

    let secret = "my card number is 4111";
    let mut c = conversation("d-0", "billing", 0.9);
    c["messages"] = json!([{"from": "customer", "text": secret}]);
    let first = server.post("/v1/verdict", c.to_string().as_bytes());
    assert_eq!(first.status, 200);
    let decision_id = first.header("x-decision-id").unwrap();

    let addr = server.addr;
    let workers: Vec<_> = (0..4)
        .map(|w| {
            std::thread::spawn(move || {
                for i in 0..50 {
                    let id = format!("d-{w}-{i}");
                    let reply = request(
                        addr,
                        "POST",
                        "/v1/verdict",
                        conversation(&id, "billing", 0.9).to_string().as_bytes(),
                    );
                    assert_eq!(reply.status, 200);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let batch =
        json!({"conversations": [conversation("d-b1", "x", 0.1), conversation("d-b2", "x", 0.1)]});
    assert_eq!(
        server
            .post("/v1/verdicts", batch.to_string().as_bytes())
            .status,
        200
    );

    // A request in flight when SIGTERM arrives: headers and half the body sent.
    let body = conversation("d-last", "billing", 0.9).to_string();
    let (a, b) = body.split_at(body.len() / 2);
    let mut slow = connect(addr);
    write!(slow, "POST /v1/verdict HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{a}", body.len())
        .unwrap();
    slow.flush().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    server.signal("TERM");
    std::thread::sleep(Duration::from_millis(200));
    slow.write_all(b.as_bytes()).unwrap();
    let reply = read_reply(&mut slow);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["conversation"], "d-last");

    let status = server.wait(Duration::from_secs(15));
    assert!(status.success(), "{status:?}; stderr:\n{}", server.stderr());

    let entries = read_log(&log);
    assert_eq!(entries.len(), 1 + 200 + 2 + 1);
    let mut ids = std::collections::HashSet::new();
    for e in &entries {
        assert!(e["ts"].as_str().unwrap().ends_with('Z'));
        assert!(
            ids.insert(e["decision_id"].as_str().unwrap().to_string()),
            "duplicate decision id"
        );
        assert_eq!(e["policy"]["digest"].as_str().unwrap().len(), 64);
        assert!(e["route"].is_string());
        assert!(e["input"]["messages"].is_array());
    }
    assert_eq!(entries[0]["decision_id"], decision_id.as_str());
    assert_eq!(entries[0]["conversation"], "d-0");
    assert!(entries.iter().any(|e| e["conversation"] == "d-last"));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        !text.contains(secret),
        "message texts are left out without --log-text"
    );
}

#[test]
fn log_text_keeps_message_texts() {
    let dir = policy_dir();
    let log_dir = tempfile::tempdir().unwrap();
    let log = log_dir.path().join("decisions.jsonl");
    let mut server = Server::start(
        dir.path(),
        &["--decision-log", log.to_str().unwrap(), "--log-text"],
    );
    let mut c = conversation("t-1", "billing", 0.9);
    c["messages"] = json!([{"from": "customer", "text": "keep this text"}]);
    assert_eq!(
        server.post("/v1/verdict", c.to_string().as_bytes()).status,
        200
    );
    server.signal("INT");
    assert!(server.wait(Duration::from_secs(15)).success());
    let entries = read_log(&log);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["input"]["messages"][0]["text"], "keep this text");
}

#[test]
fn idle_keep_alive_connections_do_not_hold_up_shutdown() {
    let dir = policy_dir();
    let mut server = Server::start(dir.path(), &["--shutdown-timeout", "30s"]);
    // Connections left open after an answer, spread over the serving threads.
    let mut open = Vec::new();
    for i in 0..6 {
        let mut stream = connect(server.addr);
        let body = conversation(&format!("k-{i}"), "billing", 0.9).to_string();
        write!(
            stream,
            "POST /v1/verdict HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&seen).contains(&format!("\"k-{i}\"")) {
            let n = std::io::Read::read(&mut stream, &mut buf).unwrap();
            assert!(n > 0, "closed before answering");
            seen.extend_from_slice(&buf[..n]);
        }
        open.push(stream);
    }
    let start = std::time::Instant::now();
    server.signal("TERM");
    let status = server.wait(Duration::from_secs(15));
    assert!(status.success(), "{status:?}; stderr:\n{}", server.stderr());
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "idle connections held shutdown for {:?}",
        start.elapsed()
    );
    drop(open);
}
