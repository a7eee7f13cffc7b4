//! Issue 19, findings 2 and 3: the connection layer's bounds and HTTP edge cases.

use crate::support::*;
use std::io::{Read, Write};
use std::net::Shutdown;
use std::time::Duration;

fn verdict_request(body: &str, close: bool) -> Vec<u8> {
    format!(
        "POST /v1/verdict HTTP/1.1\r\nHost: x\r\n{}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        if close { "Connection: close\r\n" } else { "" },
        body.len()
    )
    .into_bytes()
}

fn body() -> String {
    conversation("lim", "billing", 0.9).to_string()
}

#[test]
fn an_oversized_header_gets_431_and_a_long_uri_414() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &[]);
    // a 1 MB header
    let mut stream = connect(server.addr);
    let mut head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
    head.extend(std::iter::repeat_n(b'a', 1 << 20));
    head.extend_from_slice(b"\r\n\r\n");
    let _ = stream.write_all(&head);
    let reply = read_reply(&mut stream);
    assert_eq!(reply.status, 431);
    assert_eq!(reply.body, "", "one answer, hyper's, without a body: {reply:?}");
    // a 1 MB URI: the head is over 64 KiB before the URI ends
    let mut stream = connect(server.addr);
    let mut head = b"GET /".to_vec();
    head.extend(std::iter::repeat_n(b'a', 1 << 20));
    head.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\n\r\n");
    let _ = stream.write_all(&head);
    assert_eq!(read_reply(&mut stream).status, 431);
    // a 16 KB URI
    let long = format!("/v1/policy?{}", "a".repeat(16 * 1024));
    assert_eq!(server.get(&long).status, 414);
    // the service goes on
    assert_eq!(server.get("/healthz").status, 200);
}

#[test]
fn a_client_that_half_closes_after_its_request_is_answered() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &[]);
    let mut stream = connect(server.addr);
    stream.write_all(&verdict_request(&body(), false)).unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let reply = read_reply(&mut stream);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["route"], "ai");
}

#[test]
fn a_valid_request_pipelined_with_garbage_is_answered_and_logged_once() {
    let dir = policy_dir();
    let log = dir.path().join("decisions.jsonl");
    let server = Server::start(dir.path(), &["--decision-log", log.to_str().unwrap()]);
    let mut stream = connect(server.addr);
    let mut out = verdict_request(&body(), false);
    out.extend_from_slice(b"garbage \x01\x02 not http\r\n\r\n");
    stream.write_all(&out).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("\"route\":\"ai\""), "{text}");
    assert!(text.contains("HTTP/1.1 400"), "the garbage is refused: {text}");
    assert!(eventually(LIVE, || {
        std::fs::read_to_string(&log).is_ok_and(|t| t.lines().count() == 1)
    }));
}

#[test]
fn connections_over_the_limit_get_503_and_the_rest_are_served() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &["--max-connections", "3"]);
    let held: Vec<_> = (0..3).map(|_| connect(server.addr)).collect();
    // Wait until the three are counted (the accept loop has taken them).
    assert!(eventually(LIVE, || server.get("/healthz").status == 503));
    let reply = server.get("/healthz");
    assert_eq!(reply.status, 503);
    assert_eq!(reply.header("retry-after").as_deref(), Some("1"));
    drop(held);
    assert!(eventually(LIVE, || server.get("/healthz").status == 200));
}

#[test]
fn idle_and_slow_header_connections_are_closed() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &["--idle-timeout", "300ms"]);
    // idle: nothing sent
    let mut idle = connect(server.addr);
    let mut buf = [0u8; 64];
    assert!(
        matches!(idle.read(&mut buf), Ok(0)),
        "an idle connection is closed"
    );
    // slowloris: a header a byte at a time
    let mut slow = connect(server.addr);
    let mut closed = false;
    for b in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
        if slow.write_all(&[*b]).is_err() {
            closed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    if !closed {
        slow.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        closed = matches!(slow.read(&mut buf), Ok(0) | Err(_));
    }
    assert!(closed, "a slow header is cut off");
    // keep-alive: answered, then closed when idle
    let mut kept = connect(server.addr);
    kept.write_all(&verdict_request(&body(), false)).unwrap();
    let mut raw = Vec::new();
    let _ = kept.read_to_end(&mut raw);
    assert!(String::from_utf8_lossy(&raw).starts_with("HTTP/1.1 200"));
}

#[test]
fn request_bodies_in_flight_are_bounded_and_small_requests_still_pass() {
    let dir = policy_dir();
    let server = Server::start(
        dir.path(),
        &["--max-inflight", "1MiB", "--timeout", "30s"],
    );
    // A head declaring 900 KiB, and `sent` bytes of the body.
    let partial = |stream: &mut std::net::TcpStream, sent: usize| {
        let head = format!(
            "POST /v1/verdict HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            900 * 1024
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&vec![b' '; sent]).unwrap();
    };
    let mut a = connect(server.addr);
    partial(&mut a, 100 * 1024);
    // A's declared body is charged (wait until it is); B's does not fit beside it.
    assert!(eventually(LIVE, || !server
        .get("/metrics")
        .body
        .contains("handoff_request_bytes_in_flight 0\n")));
    // B sends little of its body: the refusal comes from the declared length, and a client
    // still writing when the server's lingering close gives up (1 s, on a loaded machine)
    // would see a reset instead of the answer.
    let mut b = connect(server.addr);
    partial(&mut b, 1024);
    let reply = read_reply(&mut b);
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert!(reply.body.contains("--max-inflight"), "{}", reply.body);
    // A small verdict does not need the budget.
    let v = server.verdict(&conversation("small", "billing", 0.9));
    assert_eq!(v["route"], "ai");
    drop(a);
    // Once A is gone, a large body fits again.
    assert!(eventually(LIVE, || {
        let mut c = connect(server.addr);
        let padded = format!("{}{}", body(), " ".repeat(200 * 1024));
        c.write_all(&verdict_request(&padded, true)).unwrap();
        read_reply(&mut c).status == 200
    }));
}

#[test]
fn a_batch_is_served_within_one_slot() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &["--max-batches", "1", "--timeout", "1s"]);
    let batch = serde_json::json!({"conversations": [conversation("b", "billing", 0.9)]});
    let reply = server.post("/v1/verdicts", batch.to_string().as_bytes());
    assert_eq!(reply.status, 200, "{}", reply.body);
}
