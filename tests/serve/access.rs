//! Issue 19, finding 5: bearer tokens, the loopback rule, TLS.

use crate::support::*;
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

fn authorized(server: &Server, path: &str, token: Option<&str>, body: &[u8]) -> Reply {
    let mut stream = connect(server.addr);
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let method = if body.is_empty() { "GET" } else { "POST" };
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}Content-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    read_reply(&mut stream)
}

#[test]
fn every_route_but_healthz_needs_a_token_and_sighup_rereads_the_file() {
    let dir = policy_dir();
    let tokens = dir.path().join("tokens");
    std::fs::write(&tokens, "# callers\nsecret-one\n").unwrap();
    let server = Server::start(dir.path(), &["--token-file", tokens.to_str().unwrap()]);
    let body = conversation("t", "billing", 0.9).to_string();
    let refused = authorized(&server, "/v1/verdict", None, body.as_bytes());
    assert_eq!(refused.status, 401);
    assert_eq!(refused.header("www-authenticate").as_deref(), Some("Bearer"));
    for path in ["/v1/policy", "/metrics"] {
        assert_eq!(authorized(&server, path, None, b"").status, 401, "{path}");
        assert_eq!(authorized(&server, path, Some("wrong"), b"").status, 401);
        assert_eq!(authorized(&server, path, Some("secret-one"), b"").status, 200);
    }
    assert_eq!(authorized(&server, "/healthz", None, b"").status, 200);
    let ok = authorized(&server, "/v1/verdict", Some("secret-one"), body.as_bytes());
    assert_eq!(ok.status, 200, "{}", ok.body);

    std::fs::write(&tokens, "secret-two\n").unwrap();
    server.signal("HUP");
    assert!(eventually(LIVE, || {
        authorized(&server, "/v1/policy", Some("secret-two"), b"").status == 200
    }));
    assert_eq!(authorized(&server, "/v1/policy", Some("secret-one"), b"").status, 401);
}

#[test]
fn a_non_loopback_address_without_a_token_refuses_to_start() {
    let dir = policy_dir();
    let output = binary()
        .args(["serve", "-p"])
        .arg(dir.path())
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--token-file"), "{stderr}");
    assert!(stderr.contains("--insecure-no-auth"), "{stderr}");
}

#[test]
fn tls_serves_verdicts_to_a_client_that_trusts_the_certificate() {
    use tokio_rustls::rustls::{self, pki_types};
    use pki_types::pem::PemObject;
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/serve/tls");
    let dir = policy_dir();
    let server = Server::start(
        dir.path(),
        &[
            "--tls-cert",
            fixtures.join("cert.pem").to_str().unwrap(),
            "--tls-key",
            fixtures.join("key.pem").to_str().unwrap(),
        ],
    );
    let mut roots = rustls::RootCertStore::empty();
    for cert in pki_types::CertificateDer::pem_file_iter(fixtures.join("ca.pem")).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = pki_types::ServerName::try_from("localhost").unwrap();
    let client = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let tcp = connect(server.addr);
    let mut tls = rustls::StreamOwned::new(client, tcp);
    let body = conversation("tls", "billing", 0.9).to_string();
    let head = format!(
        "POST /v1/verdict HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    tls.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = tls.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("\"route\":\"ai\""), "{text}");
    // plain HTTP to the TLS port is not served
    let mut plain = connect(server.addr);
    plain.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let _ = plain.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut buf = Vec::new();
    let _ = plain.read_to_end(&mut buf);
    assert!(!String::from_utf8_lossy(&buf).contains("\"status\":\"ok\""));
}
