//! docs/openapi.yaml against the real server: `GET /openapi.json` serves the same document,
//! and every answer of every route, for every status the server gives, validates against the
//! schema the document states for it (with the `jsonschema` crate; OpenAPI 3.1 schemas are
//! JSON Schema 2020-12). A test binary of its own, so that its slow and oversized requests do
//! not run beside the service's timing-sensitive limit tests (tests/serve/).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::string_slice
)]

#[path = "serve/support.rs"]
#[allow(dead_code)]
mod support;

use support::{Reply, Server, connect, conversation, policy_dir, read_reply};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::Write;

fn document() -> Value {
    serde_yaml::from_str(include_str!("../docs/openapi.yaml")).unwrap()
}

/// Sends raw bytes on a fresh connection and reads the answer, which must be the only one on
/// the connection (for a request hyper cannot read, 431 or 400, hyper's own bodiless answer).
fn raw(server: &Server, bytes: &[u8]) -> Reply {
    let mut stream = connect(server.addr);
    let _ = stream.write_all(bytes);
    let reply = read_reply(&mut stream);
    assert!(!reply.body.contains("HTTP/1.1 "), "a second answer on the connection: {reply:?}");
    reply
}

fn send(server: &Server, method: &str, path: &str, token: Option<&str>, body: &[u8]) -> Reply {
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    raw(server, &[head.as_bytes(), body].concat())
}

/// The response object the document gives for a path, method and status (`$ref`s to
/// `components/responses` followed); statuses the server gives on any path are looked up in
/// `components/responses` by name.
fn documented(doc: &Value, path: &str, method: &str, status: u16) -> Option<Value> {
    let any_path = match status {
        400 => Some("NotHttp"),
        404 => Some("NotFound"),
        405 => Some("MethodNotAllowed"),
        414 => Some("UriTooLong"),
        431 => Some("HeadTooLarge"),
        _ => None,
    };
    let found = doc["paths"].get(path).and_then(|p| p.get(method)).and_then(|op| op["responses"].get(status.to_string()));
    let response = match (found, any_path) {
        (Some(r), _) => r.clone(),
        (None, Some(name)) => json!({ "$ref": format!("#/components/responses/{name}") }),
        (None, None) => return None,
    };
    match response.get("$ref").and_then(Value::as_str) {
        Some(r) => doc.pointer(r.trim_start_matches('#')).cloned(),
        None => Some(response),
    }
}

fn check(doc: &Value, seen: &mut BTreeSet<(String, String, u16)>, path: &str, method: &str, reply: &Reply) {
    let response = documented(doc, path, method, reply.status)
        .unwrap_or_else(|| panic!("{method} {path} answered {} which docs/openapi.yaml does not list: {}", reply.status, reply.body));
    if response.get("content").is_none() {
        assert!(reply.body.is_empty(), "{method} {path} {}: documented without a body: {reply:?}", reply.status);
        seen.insert((path.to_string(), method.to_string(), reply.status));
        return;
    }
    let content_type = reply.header("content-type").unwrap_or_default();
    let media = content_type.split(';').next().unwrap_or_default().trim().to_string();
    let content = &response["content"];
    let schema = content.get(&media).map(|c| c["schema"].clone()).unwrap_or_else(|| {
        panic!("{method} {path} {}: content type `{media}` is not documented ({content}): {reply:?}", reply.status)
    });
    let instance = if media == "application/json" { reply.json() } else { Value::String(reply.body.clone()) };
    let mut root = schema.as_object().cloned().unwrap_or_default();
    root.insert("components".into(), doc["components"].clone());
    let validator = jsonschema::draft202012::new(&Value::Object(root)).unwrap();
    let errors: Vec<String> = validator.iter_errors(&instance).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{method} {path} {}: {errors:?}\n{}", reply.status, reply.body);
    seen.insert((path.to_string(), method.to_string(), reply.status));
}

#[test]
fn every_route_and_status_validates_against_docs_openapi_yaml() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let dir = policy_dir();
    let tokens = dir.path().join("tokens");
    std::fs::write(&tokens, "secret\n").unwrap();
    let args = ["--token-file", tokens.to_str().unwrap(), "--max-body", "4k", "--timeout", "300ms"];
    let server = Server::start(dir.path(), &args);
    let t = Some("secret");
    let mut seen = BTreeSet::new();
    let one = conversation("c-1", "billing", 0.9).to_string();
    let role_content = json!({"id": "c-2", "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]}).to_string();

    let served = send(&server, "GET", "/openapi.json", t, b"");
    assert_eq!(served.json(), doc, "GET /openapi.json serves docs/openapi.yaml");
    check(&doc, &mut seen, "/openapi.json", "get", &served);

    for (method, path, body) in [
        ("post", "/v1/verdict", one.as_str()),
        ("post", "/v1/verdict", role_content.as_str()),
        ("post", "/v1/verdicts", &format!("{{\"conversations\": [{one}, {role_content}]}}")),
        ("get", "/v1/policy", ""),
        ("get", "/healthz", ""),
        ("get", "/metrics", ""),
    ] {
        let reply = send(&server, &method.to_uppercase(), path, t, body.as_bytes());
        assert_eq!(reply.status, 200, "{method} {path}: {}", reply.body);
        check(&doc, &mut seen, path, method, &reply);
    }
    for (method, path, body, status) in [
        ("post", "/v1/verdict", "{\"id\": ", 400),
        ("post", "/v1/verdict", "[1, 2]", 400),
        ("post", "/v1/verdicts", "{\"conversations\": 3}", 400),
        ("post", "/v1/verdict", &"x".repeat(5000), 413),
        ("post", "/v1/verdicts", &"x".repeat(5000), 413),
        ("get", "/nowhere", "", 404),
        ("get", "/v1/verdict", "", 405),
        ("post", "/v1/verdicts/../x", "", 404),
        ("delete", "/v1/policy", "", 405),
        ("post", "/healthz", "", 405),
        ("post", "/metrics", "", 405),
        ("post", "/openapi.json", "", 405),
    ] {
        let reply = send(&server, &method.to_uppercase(), path, t, body.as_bytes());
        assert_eq!(reply.status, status, "{method} {path}: {}", reply.body);
        check(&doc, &mut seen, path, method, &reply);
    }
    // 401: every route but /healthz without a token.
    for (method, path) in [("post", "/v1/verdict"), ("post", "/v1/verdicts"), ("get", "/v1/policy"), ("get", "/metrics"), ("get", "/openapi.json")] {
        let reply = send(&server, &method.to_uppercase(), path, None, b"{}");
        assert_eq!(reply.status, 401, "{method} {path}");
        check(&doc, &mut seen, path, method, &reply);
    }
    // 409: a request pinned to another policy set (If-Policy-Digest).
    for (path, body) in [("/v1/verdict", one.clone()), ("/v1/verdicts", format!("{{\"conversations\": [{one}]}}"))] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer secret\r\nIf-Policy-Digest: 0000\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let reply = raw(&server, head.as_bytes());
        assert_eq!(reply.status, 409, "{path}: {}", reply.body);
        check(&doc, &mut seen, path, "post", &reply);
    }
    // 408: a body that does not arrive in time.
    for path in ["/v1/verdict", "/v1/verdicts"] {
        let head = format!("POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer secret\r\nContent-Length: 100\r\n\r\n{{");
        let reply = raw(&server, head.as_bytes());
        assert_eq!(reply.status, 408, "{path}: {}", reply.body);
        check(&doc, &mut seen, path, "post", &reply);
    }
    // Any path: 414, 431, and 400 for what is not HTTP/1.1.
    let long = format!("/v1/policy?{}", "a".repeat(9000));
    let reply = send(&server, "GET", &long, t, b"");
    assert_eq!(reply.status, 414);
    check(&doc, &mut seen, "/v1/policy", "get", &reply);
    let big_head = format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "b".repeat(1 << 20));
    let reply = raw(&server, big_head.as_bytes());
    assert_eq!(reply.status, 431, "{reply:?}");
    check(&doc, &mut seen, "/healthz", "get", &reply);
    let reply = raw(&server, b"NOT HTTP AT ALL\r\n\r\n");
    assert_eq!(reply.status, 400);
    check(&doc, &mut seen, "/", "get", &reply);

    // Every status the document lists for a route was produced above, but those that need a
    // failing disk or a full service (500, 503).
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for status in op["responses"].as_object().unwrap().keys() {
                let status: u16 = status.parse().unwrap();
                if [500, 503].contains(&status) || [414, 431].contains(&status) {
                    continue;
                }
                assert!(seen.contains(&(path.clone(), method.clone(), status)), "{method} {path} {status} is documented but not tested");
            }
        }
    }
}
