//! Issue 19, finding 4: a decision log that never lies.

use crate::support::*;
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("a half line ({e}): {l:?}")))
        .collect()
}

fn with_pii(id: &str) -> Value {
    json!({
        "id": id,
        "intent": "billing",
        "ai": {"confidence": 0.9},
        "customer": {"email": "ann@example.com", "account": "DE89 3704 0044"},
        "notes": "called twice",
        "messages": [{"from": "customer", "text": "my card 4111 1111 1111 1111"}]
    })
}

#[test]
fn the_file_is_private_and_holds_only_allowed_fields() {
    let dir = policy_dir();
    let log = dir.path().join("decisions.jsonl");
    let server = Server::start(dir.path(), &["--decision-log", log.to_str().unwrap()]);
    server.verdict(&with_pii("p1"));
    assert!(eventually(LIVE, || lines(&log).len() == 1));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&log).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }
    let text = std::fs::read_to_string(&log).unwrap();
    for secret in ["ann@example.com", "DE89", "called twice", "4111"] {
        assert!(!text.contains(secret), "`{secret}` is logged: {text}");
    }
    let input = &lines(&log)[0]["input"];
    assert_eq!(input["id"], "p1");
    assert_eq!(input["intent"], "billing", "a path the rules read: {input}");
    assert_eq!(input["ai"]["confidence"], 0.9, "{input}");
    assert_eq!(input["messages"][0]["from"], "customer");

    // --log-field adds a path
    let log2 = dir.path().join("more.jsonl");
    let server2 = Server::start(
        dir.path(),
        &["--decision-log", log2.to_str().unwrap(), "--log-field", "customer.email"],
    );
    server2.verdict(&with_pii("p2"));
    assert!(eventually(LIVE, || lines(&log2).len() == 1));
    let input = &lines(&log2)[0]["input"];
    assert_eq!(input["customer"]["email"], "ann@example.com");
    assert!(input["customer"].get("account").is_none(), "{input}");
    drop(server);
}

#[test]
fn a_moved_file_is_followed_and_sighup_reopens() {
    let dir = policy_dir();
    let log = dir.path().join("decisions.jsonl");
    let rotated = dir.path().join("decisions.jsonl.1");
    let server = Server::start(dir.path(), &["--decision-log", log.to_str().unwrap()]);
    server.verdict(&conversation("a", "billing", 0.9));
    assert!(eventually(LIVE, || lines(&log).len() == 1));
    // logrotate: mv, then SIGHUP
    std::fs::rename(&log, &rotated).unwrap();
    server.signal("HUP");
    assert!(eventually(LIVE, || log.exists()), "reopened at the path");
    server.verdict(&conversation("b", "billing", 0.9));
    assert!(eventually(LIVE, || lines(&log).len() == 1));
    assert_eq!(lines(&rotated).len(), 1);
    // deleted, no signal: the writer notices within its tick
    std::fs::remove_file(&log).unwrap();
    assert!(eventually(Duration::from_secs(5), || log.exists()), "recreated");
    server.verdict(&conversation("c", "billing", 0.9));
    assert!(eventually(LIVE, || lines(&log).len() == 1));
    assert_eq!(lines(&log)[0]["input"]["id"], "c");
}

/// A full disk (`/dev/full`): verdicts are still answered, the loss is counted and reported,
/// and a marker line with the count is written once the log can be written again.
#[cfg(target_os = "linux")]
#[test]
fn on_a_full_disk_verdicts_are_answered_counted_and_the_gap_is_marked() {
    let dir = policy_dir();
    let log = dir.path().join("decisions.jsonl");
    std::os::unix::fs::symlink("/dev/full", &log).unwrap();
    let server = Server::start(dir.path(), &["--decision-log", log.to_str().unwrap()]);
    for i in 0..5 {
        let v = server.verdict(&conversation(&format!("f{i}"), "billing", 0.9));
        assert_eq!(v["route"], "ai");
    }
    assert!(eventually(LIVE, || server.get("/healthz").json()["status"] == "degraded"));
    let health = server.get("/healthz");
    assert_eq!(health.status, 200, "still serving");
    assert!(
        health.json()["decision_log"]["error"].as_str().unwrap().contains("No space"),
        "{}",
        health.body
    );
    assert!(eventually(LIVE, || server
        .get("/metrics")
        .body
        .contains("handoff_decision_log_dropped_total 5")));
    // space again: the path now names a writable file
    std::fs::remove_file(&log).unwrap();
    std::fs::write(&log, "").unwrap();
    assert!(eventually(Duration::from_secs(5), || {
        server.get("/healthz").json()["status"] == "ok"
    }));
    server.verdict(&conversation("after", "billing", 0.9));
    assert!(eventually(LIVE, || lines(&log).len() == 2));
    let all = lines(&log);
    assert_eq!(all[0]["event"], "decision_log_gap");
    assert_eq!(all[0]["dropped"], 5);
    assert_eq!(all[1]["input"]["id"], "after");
}

/// `--decision-log-sync every`: an answer is sent only once its line is written, so `kill -9`
/// loses no answered verdict.
#[test]
fn with_sync_every_kill_9_loses_no_answered_verdict() {
    let dir = policy_dir();
    let log = dir.path().join("decisions.jsonl");
    let mut server = Server::start(
        dir.path(),
        &["--decision-log", log.to_str().unwrap(), "--decision-log-sync", "every"],
    );
    for i in 0..40 {
        server.verdict(&conversation(&format!("k{i}"), "billing", 0.9));
    }
    server.signal("KILL");
    server.wait(Duration::from_secs(10));
    let logged = lines(&log);
    assert_eq!(logged.len(), 40);
    assert_eq!(logged[39]["input"]["id"], "k39");
}
