//! The server process, a minimal HTTP/1.1 client, policy texts and bounded waits.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const LIVE: Duration = Duration::from_secs(2);

pub fn policy_text(version: &str, threshold: &str) -> String {
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

pub const EXTRA: &str = r#"allow ai "Refunds" {
  when intent == "refund"
  because "The assistant handles refunds."
}

allow ai "Refund drafts" {
  when intent == "refund" and ai.confidence >= 0.8
  because "The assistant drafts refunds; a person approves them."
}
"#;

pub fn conversation(id: &str, intent: &str, confidence: f64) -> Value {
    json!({
        "id": id,
        "intent": intent,
        "ai": {"confidence": confidence},
        "messages": [{"from": "customer", "text": "I was charged twice, please fix it"}]
    })
}

pub fn policy_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.policy"), policy_text("1", "0.8")).unwrap();
    dir
}

/// Writes the way editors that save by rename do.
pub fn save_by_rename(path: &Path, text: &str) {
    let tmp = path.with_extension("policy.tmp~");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

pub fn expected_digest(files: &[(&str, &str)]) -> String {
    let sources: Vec<handoff::Source> = files
        .iter()
        .map(|(n, t)| handoff::Source::new(*n, *t))
        .collect();
    handoff::set::digest(&sources)
}

// ---------------------------------------------------------------------------------------------
// the process

pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    pub stderr: Arc<Mutex<Vec<String>>>,
}

pub fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_handoff"))
}

/// Collects stderr lines; the first `listening on ADDR` is sent on the channel.
pub fn read_stderr(child: &mut Child) -> (Arc<Mutex<Vec<String>>>, Receiver<String>) {
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
    pub fn start(dir: &Path, extra: &[&str]) -> Server {
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
            panic!(
                "the server did not start; stderr:\n{}",
                stderr.lock().unwrap().join("\n")
            );
        };
        Server {
            child,
            addr: addr.parse().unwrap(),
            stderr,
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        request(self.addr, "GET", path, b"")
    }

    pub fn post(&self, path: &str, body: &[u8]) -> Reply {
        request(self.addr, "POST", path, body)
    }

    pub fn verdict(&self, conversation: &Value) -> Value {
        let reply = self.post("/v1/verdict", conversation.to_string().as_bytes());
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()
    }

    pub fn policy(&self) -> Value {
        let reply = self.get("/v1/policy");
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()
    }

    pub fn digest(&self) -> String {
        self.policy()["digest"].as_str().unwrap().to_string()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits (bounded) for the process to exit.
    pub fn wait(&mut self, limit: Duration) -> ExitStatus {
        wait_child(&mut self.child, limit)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn wait_child(child: &mut Child, limit: Duration) -> ExitStatus {
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
pub fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
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
pub struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

pub fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

pub fn request(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> Reply {
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

pub fn read_reply(stream: &mut TcpStream) -> Reply {
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
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap();
    let headers = head.to_string();
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    Reply {
        status,
        headers,
        body,
    }
}

pub fn dechunk(mut rest: &str) -> String {
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
