//! The HTTP API: verdicts, batches, errors, limits.

use crate::support::*;
use serde_json::{Value, json};
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
