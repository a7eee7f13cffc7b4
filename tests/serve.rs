//! End-to-end tests of `handoff serve`: the real binary on an ephemeral loopback port, spoken to
//! with a minimal HTTP/1.1 client. Every wait is bounded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LIVE: Duration = Duration::from_secs(2);

fn policy_text(version: &str, threshold: &str) -> String {
    format!(
        r#"policy "Serve test" {{
  owner "tests"
  version "{version}"
}}

default human because "No rule allows the assistant to handle this conversation."

context {{
  intent        : string
  ai.confidence : number
}}

lexicon asked {{ "human please", "talk to a person" }}

require human "Asked for a person" {{
  when any customer message mentions asked
  because "The customer asked for a person."
}}

allow ai "Routine billing" {{
  when intent == "billing" and ai.confidence >= {threshold}
  because "Routine billing request ({{intent}})."
}}
"#
    )
}

const EXTRA: &str = r#"require review "Refund review" {
  when intent == "refund"
  because "Refunds are reviewed by a person."
}
"#;

fn conversation(id: &str, intent: &str, confidence: f64) -> Value {
    json!({
        "id": id,
        "intent": intent,
        "ai": {"confidence": confidence},
        "messages": [{"from": "customer", "text": "I was charged twice, please fix it"}]
    })
}

fn policy_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.policy"), policy_text("1", "0.8")).unwrap();
    dir
}

/// Writes the way editors that save by rename do.
fn save_by_rename(path: &Path, text: &str) {
    let tmp = path.with_extension("policy.tmp~");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn expected_digest(files: &[(&str, &str)]) -> String {
    let sources: Vec<handoff::Source> = files.iter().map(|(n, t)| handoff::Source::new(*n, *t)).collect();
    handoff::set::digest(&sources)
}

// ---------------------------------------------------------------------------------------------
// the process

struct Server {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<Vec<String>>>,
}

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_handoff"))
}

/// Collects stderr lines; the first `listening on ADDR` is sent on the channel.
fn read_stderr(child: &mut Child) -> (Arc<Mutex<Vec<String>>>, Receiver<String>) {
    let stderr = child.stderr.take().unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = mpsc::channel();
    let sink = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some(addr) = line.strip_prefix("listening on ") {
                let _ = tx.send(addr.trim().to_string());
            }
            sink.lock().unwrap().push(line);
        }
    });
    (lines, rx)
}

impl Server {
    fn start(dir: &Path, extra: &[&str]) -> Server {
        let mut child = binary()
            .arg("serve")
            .arg("-p")
            .arg(dir)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (stderr, rx) = read_stderr(&mut child);
        let Ok(addr) = rx.recv_timeout(Duration::from_secs(20)) else {
            let _ = child.kill();
            panic!("the server did not start; stderr:\n{}", stderr.lock().unwrap().join("\n"));
        };
        Server { child, addr: addr.parse().unwrap(), stderr }
    }

    fn get(&self, path: &str) -> Reply {
        request(self.addr, "GET", path, b"")
    }

    fn post(&self, path: &str, body: &[u8]) -> Reply {
        request(self.addr, "POST", path, body)
    }

    fn verdict(&self, conversation: &Value) -> Value {
        let reply = self.post("/v1/verdict", conversation.to_string().as_bytes());
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()
    }

    fn policy(&self) -> Value {
        let reply = self.get("/v1/policy");
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()
    }

    fn digest(&self) -> String {
        self.policy()["digest"].as_str().unwrap().to_string()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill").arg(format!("-{name}")).arg(self.child.id().to_string()).status().unwrap();
        assert!(status.success());
    }

    /// Waits (bounded) for the process to exit.
    fn wait(&mut self, limit: Duration) -> ExitStatus {
        wait_child(&mut self.child, limit)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_child(child: &mut Child, limit: Duration) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("the process did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Polls `check` until it holds or `limit` passes; returns whether it held.
fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if check() {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---------------------------------------------------------------------------------------------
// a minimal HTTP/1.1 client

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: String,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    stream
}

fn request(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> Reply {
    let mut stream = connect(addr);
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    // The server may answer (413) and close before reading everything: keep what it said.
    let _ = stream.write_all(&out);
    read_reply(&mut stream)
}

fn read_reply(stream: &mut TcpStream) -> Reply {
    let mut raw = Vec::new();
    let mut chunk = [0u8; 16384];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&chunk[..n]),
            Err(e) if raw.is_empty() => panic!("no answer: {e}"),
            Err(_) => break,
        }
    }
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap();
    let headers = head.to_string();
    let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
    let body = if chunked { dechunk(body) } else { body.to_string() };
    Reply { status, headers, body }
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&tail[..n]);
        rest = &tail[n + 2..];
    }
    out
}

// ---------------------------------------------------------------------------------------------
// tests

#[test]
fn verdicts_batch_order_policy_health_and_metrics() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &[]);
    let digest = server.digest();
    assert_eq!(digest, expected_digest(&[("main.policy", &policy_text("1", "0.8"))]));

    let v = server.verdict(&conversation("c-1", "billing", 0.95));
    assert_eq!(v["policy"]["digest"], digest.as_str());
    assert_eq!(v["conversation"], "c-1");
    assert_eq!(v["route"], "ai", "{v}");

    let mut asked = conversation("c-2", "billing", 0.95);
    asked["messages"] = json!([{"from": "customer", "text": "Human please, now"}]);
    assert_eq!(server.verdict(&asked)["route"], "human");

    // A wrong-typed field is not an error: it is unknown, and an allow rule does not match.
    let wrong = json!({"id": "c-3", "intent": "billing", "ai": {"confidence": "very"}, "messages": []});
    let v = server.verdict(&wrong);
    assert_eq!(v["route"], "human", "{v}");
    assert!(v["unknown"].as_array().unwrap().iter().any(|p| p == "ai.confidence"), "{v}");

    // Batch: same order as given.
    let ids: Vec<String> = (0..25).map(|i| format!("b-{i}")).collect();
    let batch: Vec<Value> =
        ids.iter().enumerate().map(|(i, id)| conversation(id, if i % 2 == 0 { "billing" } else { "other" }, 0.9)).collect();
    let reply = server.post("/v1/verdicts", json!({ "conversations": batch }).to_string().as_bytes());
    assert_eq!(reply.status, 200, "{}", reply.body);
    let verdicts = reply.json()["verdicts"].as_array().unwrap().clone();
    let got: Vec<&str> = verdicts.iter().map(|v| v["conversation"].as_str().unwrap()).collect();
    assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(verdicts.iter().all(|v| v["policy"]["digest"] == digest.as_str()));
    assert_eq!(verdicts[0]["route"], "ai");
    assert_eq!(verdicts[1]["route"], "human");

    let bad_batch = server.post("/v1/verdicts", br#"{"conversation": []}"#);
    assert_eq!(bad_batch.status, 400);
    assert!(bad_batch.json()["error"].as_str().unwrap().contains("conversations"));

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
    assert!(metrics.header("content-type").unwrap().starts_with("text/plain"));
    let text = metrics.body;
    assert!(text.contains("handoff_verdicts_total{route=\"ai\"}"), "{text}");
    assert!(text.contains("handoff_evaluation_seconds_bucket{le=\"+Inf\"} 28"), "{text}");
    assert!(text.contains("handoff_reloads_total{outcome=\"failed\"} 0"), "{text}");
    assert!(text.contains(&format!("handoff_policy_info{{digest=\"{digest}\"")), "{text}");
}

#[test]
fn malformed_json_is_400_naming_line_and_column() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &[]);
    let reply = server.post("/v1/verdict", b"{\n  \"id\": \"x\",\n  \"intent\": ,\n}");
    assert_eq!(reply.status, 400);
    let error = reply.json();
    let message = error["error"].as_str().unwrap();
    assert!(message.contains("line 3") && message.contains("column"), "{message}");
    assert_eq!(error["line"], 3);
    assert!(error["column"].as_u64().is_some());

    let reply = server.post("/v1/verdicts", b"{\"conversations\": [\n {\"id\": 1},\n {\"id\" 2}]}");
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["line"], 3);

    let reply = server.post("/v1/verdict", b"[1, 2]");
    assert_eq!(reply.status, 400);
    assert!(reply.json()["error"].as_str().unwrap().contains("mapping"));
}

#[test]
fn oversized_body_is_413() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &["--max-body", "2k", "--max-messages", "3", "--max-text", "100"]);
    let mut big = conversation("big", "billing", 0.9);
    big["padding"] = json!("x".repeat(4000));
    let reply = server.post("/v1/verdict", big.to_string().as_bytes());
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert!(reply.json()["error"].as_str().unwrap().contains("--max-body"));

    let mut many = conversation("many", "billing", 0.9);
    many["messages"] = json!([{"from": "customer", "text": "a"}, {"from": "customer", "text": "b"},
                              {"from": "customer", "text": "c"}, {"from": "customer", "text": "d"}]);
    let reply = server.post("/v1/verdict", many.to_string().as_bytes());
    assert_eq!(reply.status, 413);
    assert!(reply.json()["error"].as_str().unwrap().contains("--max-messages"));

    let mut long = conversation("long", "billing", 0.9);
    long["messages"] = json!([{"from": "customer", "text": "y".repeat(150)}]);
    let reply = server.post("/v1/verdict", long.to_string().as_bytes());
    assert_eq!(reply.status, 413);
    assert!(reply.json()["error"].as_str().unwrap().contains("--max-text"));

    // Still serving after all that.
    assert_eq!(server.post("/v1/verdict", conversation("ok", "billing", 0.9).to_string().as_bytes()).status, 200);
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
    assert_eq!(server.post("/v1/verdict", fits.to_string().as_bytes()).status, 200);
}

#[test]
fn valid_edit_is_live_within_two_seconds() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &[]);
    let before = server.digest();
    assert_eq!(server.verdict(&conversation("e", "billing", 0.85))["route"], "ai");

    let edited = policy_text("2", "0.9");
    save_by_rename(&dir.path().join("main.policy"), &edited);
    let after = expected_digest(&[("main.policy", &edited)]);
    assert_ne!(before, after);
    assert!(eventually(LIVE, || server.digest() == after), "not reloaded; stderr:\n{}", server.stderr());
    let v = server.verdict(&conversation("e", "billing", 0.85));
    assert_eq!(v["policy"]["digest"], after.as_str());
    assert_eq!(v["route"], "human", "the new threshold applies: {v}");
    let policy = server.policy();
    assert_eq!(policy["reloads"], 1);
    assert_eq!(policy["version"], "2");
}

#[test]
fn broken_edit_keeps_the_last_good_set() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &[]);
    let good = server.digest();
    let path = dir.path().join("main.policy");
    std::fs::write(&path, "allow ai \"Broken\" {\n  when intent ==\n").unwrap();
    assert!(
        eventually(LIVE, || !server.policy()["last_error"].is_null()),
        "no last_error; stderr:\n{}",
        server.stderr()
    );
    let policy = server.policy();
    assert_eq!(policy["digest"], good.as_str());
    assert!(policy["failed_reloads"].as_u64().unwrap() >= 1);
    assert!(policy["last_error"].as_str().unwrap().contains("main.policy"), "{policy}");
    let v = server.verdict(&conversation("still", "billing", 0.95));
    assert_eq!(v["policy"]["digest"], good.as_str());
    assert!(eventually(LIVE, || server.stderr().contains("still serving digest")), "{}", server.stderr());

    // Fixing it clears the error.
    let fixed = policy_text("3", "0.8");
    std::fs::write(&path, &fixed).unwrap();
    let digest = expected_digest(&[("main.policy", &fixed)]);
    assert!(eventually(LIVE, || server.digest() == digest));
    assert!(server.policy()["last_error"].is_null());
    let metrics = server.get("/metrics").body;
    assert!(metrics.contains("handoff_reloads_total{outcome=\"ok\"} 1"), "{metrics}");
    assert!(!metrics.contains("handoff_reloads_total{outcome=\"failed\"} 0"), "{metrics}");
}

#[test]
fn file_deleted_and_recreated() {
    let dir = policy_dir();
    let extra = dir.path().join("sub").join("extra.policy");
    std::fs::create_dir_all(extra.parent().unwrap()).unwrap();
    std::fs::write(&extra, EXTRA).unwrap();
    let server = Server::start(dir.path(), &[]);
    assert_eq!(server.policy()["files"], json!(["main.policy", "sub/extra.policy"]));
    assert_eq!(server.verdict(&conversation("r", "refund", 0.9))["route"], "review");

    std::fs::remove_file(&extra).unwrap();
    assert!(eventually(LIVE, || server.policy()["files"] == json!(["main.policy"])), "{}", server.stderr());
    assert_eq!(server.verdict(&conversation("r", "refund", 0.9))["route"], "human");

    std::fs::write(&extra, EXTRA).unwrap();
    assert!(eventually(LIVE, || server.policy()["files"] == json!(["main.policy", "sub/extra.policy"])));
    assert_eq!(server.verdict(&conversation("r", "refund", 0.9))["route"], "review");

    // The only file with the default gone: the set is broken, the last good one serves.
    let good = server.digest();
    std::fs::remove_file(dir.path().join("main.policy")).unwrap();
    assert!(eventually(LIVE, || !server.policy()["last_error"].is_null()));
    assert_eq!(server.digest(), good);
    std::fs::write(dir.path().join("main.policy"), policy_text("4", "0.8")).unwrap();
    assert!(eventually(LIVE, || server.policy()["version"] == "4" && server.policy()["last_error"].is_null()));
}

#[test]
fn burst_of_fifty_writes_settles_on_the_last() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &[]);
    let path = dir.path().join("main.policy");
    let addr = server.addr;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Requests keep flowing during the burst: none fails, each carries a digest.
    let load = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let reply = request(addr, "POST", "/v1/verdict", conversation("l", "billing", 0.9).to_string().as_bytes());
                assert_eq!(reply.status, 200);
                assert_eq!(reply.json()["policy"]["digest"].as_str().unwrap().len(), 64);
                n += 1;
            }
            n
        })
    };
    let mut last = String::new();
    for i in 0..50 {
        last = policy_text(&format!("burst-{i}"), "0.8");
        if i % 2 == 0 {
            save_by_rename(&path, &last);
        } else {
            std::fs::write(&path, &last).unwrap();
        }
    }
    let digest = expected_digest(&[("main.policy", &last)]);
    assert!(eventually(LIVE, || server.digest() == digest), "stderr:\n{}", server.stderr());
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(load.join().unwrap() > 0);
    let policy = server.policy();
    assert!(policy["last_error"].is_null(), "{policy}");
    assert_eq!(policy["version"], "burst-49");
}

#[test]
fn configmap_style_directory_swap() {
    // Kubernetes mounts `..2025_01_01/`, links `..data` to it and each file to `..data/file`;
    // an update writes a new timestamped dir and renames a new `..data` link over the old one.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("..v1")).unwrap();
    std::fs::write(root.join("..v1/main.policy"), policy_text("cm-1", "0.8")).unwrap();
    std::os::unix::fs::symlink("..v1", root.join("..data")).unwrap();
    std::os::unix::fs::symlink("..data/main.policy", root.join("main.policy")).unwrap();
    let server = Server::start(root, &[]);
    assert_eq!(server.policy()["version"], "cm-1");

    std::fs::create_dir(root.join("..v2")).unwrap();
    std::fs::write(root.join("..v2/main.policy"), policy_text("cm-2", "0.8")).unwrap();
    std::os::unix::fs::symlink("..v2", root.join("..data_tmp")).unwrap();
    std::fs::rename(root.join("..data_tmp"), root.join("..data")).unwrap();
    std::fs::remove_dir_all(root.join("..v1")).unwrap();
    assert!(eventually(LIVE, || server.policy()["version"] == "cm-2"), "stderr:\n{}", server.stderr());
    assert!(server.policy()["last_error"].is_null());
}

#[test]
fn whole_directory_replaced() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("policies");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("main.policy"), policy_text("d-1", "0.8")).unwrap();
    let server = Server::start(&dir, &[]);
    let staged = parent.path().join("staged");
    std::fs::create_dir(&staged).unwrap();
    std::fs::write(staged.join("main.policy"), policy_text("d-2", "0.8")).unwrap();
    std::fs::rename(&dir, parent.path().join("old")).unwrap();
    std::fs::rename(&staged, &dir).unwrap();
    assert!(eventually(LIVE, || server.policy()["version"] == "d-2"), "stderr:\n{}", server.stderr());
    // And the new directory is watched.
    std::fs::write(dir.join("main.policy"), policy_text("d-3", "0.8")).unwrap();
    assert!(eventually(LIVE, || server.policy()["version"] == "d-3"), "stderr:\n{}", server.stderr());
}

#[test]
fn polling_fallback_and_sighup() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &["--poll", "100ms"]);
    assert_eq!(server.policy()["watching"], "polling every 100 ms");
    std::fs::write(dir.path().join("main.policy"), policy_text("p-2", "0.8")).unwrap();
    assert!(eventually(LIVE, || server.policy()["version"] == "p-2"), "stderr:\n{}", server.stderr());

    let dir = policy_dir();
    let server = Server::start(dir.path(), &["--no-watch"]);
    std::fs::write(dir.path().join("main.policy"), policy_text("h-2", "0.8")).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(server.policy()["version"], "1", "not watching");
    server.signal("HUP");
    assert!(eventually(LIVE, || server.policy()["version"] == "h-2"), "stderr:\n{}", server.stderr());
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
    assert_eq!(wait_child(&mut child, Duration::from_secs(20)).code(), Some(2));
}

// ---------------------------------------------------------------------------------------------
// stdio

struct StdioServer {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl StdioServer {
    fn start(dir: &Path) -> StdioServer {
        let mut child = binary()
            .arg("serve")
            .arg("--stdio")
            .arg("-p")
            .arg(dir)
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
        StdioServer { stdin: child.stdin.take(), child, lines }
    }

    fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    fn recv(&self) -> Value {
        let line = self.lines.recv_timeout(Duration::from_secs(10)).expect("no answer line");
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
    let mut server = StdioServer::start(dir.path());
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
    assert!(error["error"].as_str().unwrap().contains("column"), "{error}");
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
    let mut server = StdioServer::start(dir.path());
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

// ---------------------------------------------------------------------------------------------
// shutdown and the decision log

fn read_log(path: &PathBuf) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.is_empty() || text.ends_with('\n'), "a half line at the end");
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect()
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
                    let reply = request(addr, "POST", "/v1/verdict", conversation(&id, "billing", 0.9).to_string().as_bytes());
                    assert_eq!(reply.status, 200);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let batch = json!({"conversations": [conversation("d-b1", "x", 0.1), conversation("d-b2", "x", 0.1)]});
    assert_eq!(server.post("/v1/verdicts", batch.to_string().as_bytes()).status, 200);

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
        assert!(ids.insert(e["decision_id"].as_str().unwrap().to_string()), "duplicate decision id");
        assert_eq!(e["policy"]["digest"].as_str().unwrap().len(), 64);
        assert!(e["route"].is_string());
        assert!(e["input"]["messages"].is_array());
    }
    assert_eq!(entries[0]["decision_id"], decision_id.as_str());
    assert_eq!(entries[0]["conversation"], "d-0");
    assert!(entries.iter().any(|e| e["conversation"] == "d-last"));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains(secret), "message texts are left out without --log-text");
}

#[test]
fn log_text_keeps_message_texts() {
    let dir = policy_dir();
    let log_dir = tempfile::tempdir().unwrap();
    let log = log_dir.path().join("decisions.jsonl");
    let mut server = Server::start(dir.path(), &["--decision-log", log.to_str().unwrap(), "--log-text"]);
    let mut c = conversation("t-1", "billing", 0.9);
    c["messages"] = json!([{"from": "customer", "text": "keep this text"}]);
    assert_eq!(server.post("/v1/verdict", c.to_string().as_bytes()).status, 200);
    server.signal("INT");
    assert!(server.wait(Duration::from_secs(15)).success());
    let entries = read_log(&log);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["input"]["messages"][0]["text"], "keep this text");
}
