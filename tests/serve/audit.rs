//! Issue 19, findings 5 (paths) and 6 (garbage policy files), and the archive.

use crate::support::*;
use std::time::Duration;

#[test]
fn a_garbage_policy_file_is_refused_small_and_the_last_good_set_serves() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &["--max-policy-file", "64k"]);
    let good = server.digest();
    // 5 MB of `x`: over the file limit
    std::fs::write(dir.path().join("junk.policy"), "x".repeat(5 << 20)).unwrap();
    assert!(eventually(LIVE, || !server.policy()["last_error"].is_null()));
    let reply = server.get("/v1/policy");
    assert!(reply.body.len() < 8 * 1024, "{} bytes", reply.body.len());
    assert!(reply.body.contains("over the limit"), "{}", reply.body);
    assert_eq!(reply.json()["digest"], good.as_str());
    // under the limits but many broken files: the report is capped
    std::fs::remove_file(dir.path().join("junk.policy")).unwrap();
    for i in 0..40 {
        std::fs::write(dir.path().join(format!("junk{i:02}.policy")), "x".repeat(60_000)).unwrap();
    }
    let capped = eventually(Duration::from_secs(10), || {
        server.policy()["last_error"].as_str().is_some_and(|e| e.contains("more diagnostics"))
    });
    let last = server.policy()["last_error"].to_string();
    assert!(capped, "{}", last.get(last.len().saturating_sub(600)..).unwrap_or(&last));
    let reply = server.get("/v1/policy");
    assert!(reply.body.len() <= 70 * 1024, "{} bytes", reply.body.len());
    assert_eq!(server.verdict(&conversation("g", "billing", 0.9))["route"], "ai");
}

#[test]
fn an_absolute_policy_directory_is_not_shown() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &[]);
    let abs = dir.path().to_str().unwrap();
    let v = server.post("/v1/verdict", conversation("p", "billing", 0.9).to_string().as_bytes());
    assert!(!v.body.contains(abs), "{}", v.body);
    let p = server.get("/v1/policy");
    assert!(!p.body.contains(abs), "{}", p.body);
    let name = dir.path().file_name().unwrap().to_str().unwrap();
    assert!(v.body.contains(&format!("{name}/main.policy")), "{}", v.body);
}

#[test]
fn every_served_set_is_archived_before_it_goes_live_and_show_prints_it() {
    let dir = policy_dir();
    let archive = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--archive", archive.path().to_str().unwrap()]);
    let first = server.digest();
    let edited = policy_text("2", "0.95");
    std::fs::write(dir.path().join("main.policy"), &edited).unwrap();
    let second = expected_digest(&[("main.policy", &edited)]);
    assert!(eventually(LIVE, || server.digest() == second));
    for digest in [&first, &second] {
        assert!(archive.path().join(digest).join("manifest.json").is_file());
    }
    let output = binary()
        .args(["show", &second[..12], "--archive"])
        .arg(archive.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains(&second), "{text}");
    assert!(text.contains("==> main.policy <=="), "{text}");
    assert!(text.contains(&edited), "{text}");
    let missing = binary()
        .args(["show", "deadbeefdeadbeef", "--archive"])
        .arg(archive.path())
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    let _ = Duration::ZERO;
}

#[test]
fn a_set_that_cannot_be_archived_is_not_served() {
    let dir = policy_dir();
    let blocked = dir.path().join("archive-is-a-file");
    std::fs::write(&blocked, "").unwrap();
    let output = binary()
        .args(["serve", "-p"])
        .arg(dir.path())
        .args(["--listen", "127.0.0.1:0", "--archive"])
        .arg(&blocked)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot archive"));
}
