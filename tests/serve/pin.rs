//! `If-Policy-Digest`: a request pinned to a policy set is decided only by that set; a replica on
//! another set answers 409 naming both digests, and decides nothing.

use crate::support::*;
use serde_json::{Value, json};
use std::io::Write;
use std::net::SocketAddr;

fn pinned(addr: SocketAddr, path: &str, pin: &str, body: &Value) -> Reply {
    let body = body.to_string();
    let mut stream = connect(addr);
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nIf-Policy-Digest: {pin}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    read_reply(&mut stream)
}

fn verdicts_given(server: &Server) -> u64 {
    let text = server.get("/metrics").body;
    text.lines()
        .filter(|l| l.starts_with("handoff_verdicts_total{"))
        .filter_map(|l| l.split_whitespace().last()?.parse::<u64>().ok())
        .sum()
}

#[test]
fn a_pinned_digest_is_served_or_refused_with_409_naming_both() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &[]);
    let serving = server.digest();
    let c = conversation("p-1", "billing", 0.95);
    let batch = json!({"conversations": [c.clone(), conversation("p-2", "other", 0.9)]});

    // The serving digest, alone or among others (a rollout that accepts either set).
    let reply = pinned(server.addr, "/v1/verdict", &serving, &c);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["policy"]["digest"], serving.as_str());
    let either = format!("{}, {serving}", "0".repeat(64));
    assert_eq!(pinned(server.addr, "/v1/verdicts", &either, &batch).status, 200);

    // Another digest: 409, both digests named, and nothing decided.
    let before = verdicts_given(&server);
    let old = "0".repeat(64);
    for path in ["/v1/verdict", "/v1/verdicts"] {
        let body = if path == "/v1/verdict" { &c } else { &batch };
        let reply = pinned(server.addr, path, &old, body);
        assert_eq!(reply.status, 409, "{path}: {}", reply.body);
        let e = reply.json();
        assert_eq!(e["digest"], serving.as_str(), "{e}");
        assert_eq!(e["expected"], json!([old]), "{e}");
        let message = e["error"].as_str().unwrap();
        assert!(message.contains(&serving) && message.contains(&old), "{message}");
    }
    assert_eq!(verdicts_given(&server), before);
    let metrics = server.get("/metrics").body;
    assert!(metrics.contains("handoff_errors_total{status=\"409\"} 2"), "{metrics}");

    // After a reload to a new set the old pin is refused, the new one served.
    save_by_rename(&dir.path().join("main.policy"), &policy_text("2", "0.8"));
    assert!(eventually(LIVE * 5, || server.digest() != serving));
    assert_eq!(pinned(server.addr, "/v1/verdict", &serving, &c).status, 409);
    let new = server.digest();
    assert_eq!(pinned(server.addr, "/v1/verdict", &new, &c).status, 200);
}
