//! The HTTP API: verdicts, batches, errors, limits.

use crate::support::*;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::process::Stdio;
use std::time::Duration;

// tests

#[test]
fn verdicts_batch_order_policy_health_and_metrics() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &[]);
    let digest = server.digest();
    assert_eq!(
        digest,
        expected_digest(&[("main.policy", &policy_text("1", "0.8"))])
    );

    let v = server.verdict(&conversation("c-1", "billing", 0.95));
    assert_eq!(v["policy"]["digest"], digest.as_str());
    assert_eq!(v["conversation"], "c-1");
    assert_eq!(v["route"], "ai", "{v}");

    let mut asked = conversation("c-2", "billing", 0.95);
    asked["messages"] = json!([{"from": "customer", "text": "Human please, now"}]);
    assert_eq!(server.verdict(&asked)["route"], "human");

    // A wrong-typed field is not an error: it is unknown, and an allow rule does not match.
    let wrong =
        json!({"id": "c-3", "intent": "billing", "ai": {"confidence": "very"}, "messages": []});
    let v = server.verdict(&wrong);
    assert_eq!(v["route"], "human", "{v}");
    assert!(
        v["unknown"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "ai.confidence"),
        "{v}"
    );

    // Batch: same order as given.
    let ids: Vec<String> = (0..25).map(|i| format!("b-{i}")).collect();
    let batch: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| conversation(id, if i % 2 == 0 { "billing" } else { "other" }, 0.9))
        .collect();
    let reply = server.post(
        "/v1/verdicts",
        json!({ "conversations": batch }).to_string().as_bytes(),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let verdicts = reply.json()["verdicts"].as_array().unwrap().clone();
    let got: Vec<&str> = verdicts
        .iter()
        .map(|v| v["conversation"].as_str().unwrap())
        .collect();
    assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        verdicts
            .iter()
            .all(|v| v["policy"]["digest"] == digest.as_str())
    );
    assert_eq!(verdicts[0]["route"], "ai");
    assert_eq!(verdicts[1]["route"], "human");

    let bad_batch = server.post("/v1/verdicts", br#"{"conversation": []}"#);
    assert_eq!(bad_batch.status, 400);
    assert!(
        bad_batch.json()["error"]
            .as_str()
            .unwrap()
            .contains("conversations")
    );

    let policy = server.policy();
    assert_eq!(policy["files"], json!(["main.policy"]));
    assert_eq!(policy["version"], "1");
    assert_eq!(policy["reloads"], 0);
    assert!(policy["last_error"].is_null());
    assert!(policy["loaded_at"].as_str().unwrap().ends_with('Z'));

    assert_eq!(server.get("/healthz").status, 200);
    let missing = server.get("/nope");
    assert_eq!(missing.status, 404);
    assert!(missing.json()["error"].is_string());
    let wrong_method = server.get("/v1/verdict");
    assert_eq!(wrong_method.status, 405);
    assert!(wrong_method.json()["error"].is_string());

    let metrics = server.get("/metrics");
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    let text = metrics.body;
    assert!(
        text.contains("handoff_verdicts_total{route=\"ai\"}"),
        "{text}"
    );
    assert!(
        text.contains("handoff_evaluation_seconds_bucket{le=\"+Inf\"} 28"),
        "{text}"
    );
    assert!(
        text.contains("handoff_reloads_total{outcome=\"failed\"} 0"),
        "{text}"
    );
    assert!(
        text.contains(&format!("handoff_policy_info{{digest=\"{digest}\"")),
        "{text}"
    );
}

#[test]
fn malformed_json_is_400_naming_line_and_column() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &[]);
    let reply = server.post("/v1/verdict", b"{\n  \"id\": \"x\",\n  \"intent\": ,\n}");
    assert_eq!(reply.status, 400);
    let error = reply.json();
    let message = error["error"].as_str().unwrap();
    assert!(
        message.contains("line 3") && message.contains("column"),
        "{message}"
    );
    assert_eq!(error["line"], 3);
    assert!(error["column"].as_u64().is_some());

    let reply = server.post(
        "/v1/verdicts",
        b"{\"conversations\": [\n {\"id\": 1},\n {\"id\" 2}]}",
    );
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["line"], 3);

    let reply = server.post("/v1/verdict", b"[1, 2]");
    assert_eq!(reply.status, 400);
    assert!(reply.json()["error"].as_str().unwrap().contains("mapping"));
}

#[test]
fn oversized_body_is_413() {
    let dir = policy_dir();
    let server = Server::start(
        dir.path(),
        &[
            "--max-body",
            "2k",
            "--max-messages",
            "3",
            "--max-text",
            "100",
        ],
    );
    let mut big = conversation("big", "billing", 0.9);
    big["padding"] = json!("x".repeat(4000));
    let reply = server.post("/v1/verdict", big.to_string().as_bytes());
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert!(
        reply.json()["error"]
            .as_str()
            .unwrap()
            .contains("--max-body")
    );

    let mut many = conversation("many", "billing", 0.9);
    many["messages"] = json!([{"from": "customer", "text": "a"}, {"from": "customer", "text": "b"},
                              {"from": "customer", "text": "c"}, {"from": "customer", "text": "d"}]);
    let reply = server.post("/v1/verdict", many.to_string().as_bytes());
    assert_eq!(reply.status, 413);
    assert!(
        reply.json()["error"]
            .as_str()
            .unwrap()
            .contains("--max-messages")
    );

    let mut long = conversation("long", "billing", 0.9);
    long["messages"] = json!([{"from": "customer", "text": "y".repeat(150)}]);
    let reply = server.post("/v1/verdict", long.to_string().as_bytes());
    assert_eq!(reply.status, 413);
    assert!(
        reply.json()["error"]
            .as_str()
            .unwrap()
            .contains("--max-text")
    );

    // Still serving after all that.
    assert_eq!(
        server
            .post(
                "/v1/verdict",
                conversation("ok", "billing", 0.9).to_string().as_bytes()
            )
            .status,
        200
    );
}

#[test]
fn default_body_limit_is_one_mebibyte() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &[]);
    let mut big = conversation("big", "billing", 0.9);
    big["padding"] = json!("x".repeat(1024 * 1024 + 10));
    let reply = server.post("/v1/verdict", big.to_string().as_bytes());
    assert_eq!(reply.status, 413);
    let mut fits = conversation("fits", "billing", 0.9);
    fits["padding"] = json!("x".repeat(1000 * 1000));
    assert_eq!(
        server
            .post("/v1/verdict", fits.to_string().as_bytes())
            .status,
        200
    );
}

#[test]
fn broken_set_at_start_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.policy"), "allow ai {").unwrap();
    let mut child = binary()
        .arg("serve")
        .arg("-p")
        .arg(dir.path())
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert_eq!(
        wait_child(&mut child, Duration::from_secs(20)).code(),
        Some(2)
    );
}

/// Splits answers written back to back on one connection (each with a `content-length`).
fn split_replies(mut raw: &str) -> Vec<(u16, Value)> {
    let mut out = Vec::new();
    while let Some((head, rest)) = raw.split_once("\r\n\r\n") {
        let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().unwrap())
            })
            .unwrap();
        out.push((status, serde_json::from_str(&rest[..length]).unwrap()));
        raw = &rest[length..];
    }
    out
}

#[test]
fn pipelined_requests_are_answered_in_order_and_chunked_bodies_are_read() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &["--max-body", "2k"]);
    let post = |id: &str, close: bool| {
        let body = conversation(id, "billing", 0.9).to_string();
        let connection = if close { "Connection: close\r\n" } else { "" };
        format!(
            "POST /v1/verdict HTTP/1.1\r\nHost: x\r\n{connection}Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    // Three requests in one write, the last one closing the connection.
    let mut stream = connect(server.addr);
    let all = format!(
        "{}GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n{}",
        post("p-1", false),
        post("p-2", true)
    );
    stream.write_all(all.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let replies = split_replies(&raw);
    assert_eq!(replies.len(), 3, "{raw}");
    assert_eq!(replies[0].0, 200);
    assert_eq!(replies[0].1["conversation"], "p-1");
    assert_eq!(replies[1].1["status"], "ok");
    assert_eq!(replies[2].1["conversation"], "p-2");

    // A chunked body, sent in pieces.
    let body = conversation("c-1", "billing", 0.9).to_string();
    let (a, b) = body.split_at(body.len() / 2);
    let mut stream = connect(server.addr);
    write!(
        stream,
        "POST /v1/verdict HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n",
        a.len()
    )
    .unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(50));
    write!(stream, "{:x}\r\n{b}\r\n0\r\n\r\n", b.len()).unwrap();
    let reply = read_reply(&mut stream);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["conversation"], "c-1");

    // A chunked body over `--max-body` (no content-length to refuse it early).
    let mut stream = connect(server.addr);
    let chunk = "x".repeat(1500);
    let _ = write!(
        stream,
        "POST /v1/verdict HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{chunk}\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len(),
        chunk.len()
    );
    let reply = read_reply(&mut stream);
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert!(
        reply.json()["error"]
            .as_str()
            .unwrap()
            .contains("--max-body")
    );
}

#[test]
fn large_batches_are_answered_in_order() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &[]);
    // Over 16 KiB: evaluated off the serving thread.
    let conversations: Vec<Value> = (0..300)
        .map(|i| {
            conversation(
                &format!("b-{i}"),
                if i % 2 == 0 { "billing" } else { "x" },
                0.9,
            )
        })
        .collect();
    let body = json!({ "conversations": conversations }).to_string();
    assert!(body.len() > 16 * 1024);
    let reply = server.post("/v1/verdicts", body.as_bytes());
    assert_eq!(reply.status, 200, "{}", reply.body);
    let verdicts = reply.json()["verdicts"].as_array().unwrap().clone();
    assert_eq!(verdicts.len(), 300);
    for (i, v) in verdicts.iter().enumerate() {
        assert_eq!(v["conversation"], format!("b-{i}"));
        let route = if i % 2 == 0 { "ai" } else { "human" };
        assert_eq!(v["route"], route, "{v}");
    }
}
