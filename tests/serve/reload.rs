//! Hot reload through the running service.

use crate::support::*;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

#[test]
fn valid_edit_is_live_within_two_seconds() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &[]);
    let before = server.digest();
    assert_eq!(
        server.verdict(&conversation("e", "billing", 0.85))["route"],
        "ai"
    );

    let edited = policy_text("2", "0.9");
    save_by_rename(&dir.path().join("main.policy"), &edited);
    let after = expected_digest(&[("main.policy", &edited)]);
    assert_ne!(before, after);
    assert!(
        eventually(LIVE, || server.digest() == after),
        "not reloaded; stderr:\n{}",
        server.stderr()
    );
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
    assert!(
        policy["last_error"]
            .as_str()
            .unwrap()
            .contains("main.policy"),
        "{policy}"
    );
    let v = server.verdict(&conversation("still", "billing", 0.95));
    assert_eq!(v["policy"]["digest"], good.as_str());
    assert!(
        eventually(LIVE, || server.stderr().contains("still serving digest")),
        "{}",
        server.stderr()
    );

    // Fixing it clears the error.
    let fixed = policy_text("3", "0.8");
    std::fs::write(&path, &fixed).unwrap();
    let digest = expected_digest(&[("main.policy", &fixed)]);
    assert!(eventually(LIVE, || server.digest() == digest));
    assert!(server.policy()["last_error"].is_null());
    let metrics = server.get("/metrics").body;
    assert!(
        metrics.contains("handoff_reloads_total{outcome=\"ok\"} 1"),
        "{metrics}"
    );
    assert!(
        !metrics.contains("handoff_reloads_total{outcome=\"failed\"} 0"),
        "{metrics}"
    );
}

#[test]
fn file_deleted_and_recreated() {
    let dir = policy_dir();
    let extra = dir.path().join("sub").join("extra.policy");
    std::fs::create_dir_all(extra.parent().unwrap()).unwrap();
    std::fs::write(&extra, EXTRA).unwrap();
    let server = Server::start(dir.path(), &[]);
    assert_eq!(
        server.policy()["files"],
        json!(["main.policy", "sub/extra.policy"])
    );
    assert_eq!(
        server.verdict(&conversation("r", "refund", 0.9))["route"],
        "ai"
    );

    std::fs::remove_file(&extra).unwrap();
    assert!(
        eventually(LIVE, || server.policy()["files"] == json!(["main.policy"])),
        "{}",
        server.stderr()
    );
    assert_eq!(
        server.verdict(&conversation("r", "refund", 0.9))["route"],
        "human"
    );

    std::fs::write(&extra, EXTRA).unwrap();
    assert!(eventually(LIVE, || server.policy()["files"]
        == json!(["main.policy", "sub/extra.policy"])));
    assert_eq!(
        server.verdict(&conversation("r", "refund", 0.9))["route"],
        "ai"
    );

    // The only file with the default gone: the set is broken, the last good one serves.
    let good = server.digest();
    std::fs::remove_file(dir.path().join("main.policy")).unwrap();
    assert!(eventually(LIVE, || !server.policy()["last_error"].is_null()));
    assert_eq!(server.digest(), good);
    std::fs::write(dir.path().join("main.policy"), policy_text("4", "0.8")).unwrap();
    assert!(eventually(LIVE, || server.policy()["version"] == "4"
        && server.policy()["last_error"].is_null()));
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
                let reply = request(
                    addr,
                    "POST",
                    "/v1/verdict",
                    conversation("l", "billing", 0.9).to_string().as_bytes(),
                );
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
    assert!(
        eventually(LIVE, || server.digest() == digest),
        "stderr:\n{}",
        server.stderr()
    );
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
    assert!(
        eventually(LIVE, || server.policy()["version"] == "cm-2"),
        "stderr:\n{}",
        server.stderr()
    );
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
    assert!(
        eventually(LIVE, || server.policy()["version"] == "d-2"),
        "stderr:\n{}",
        server.stderr()
    );
    // And the new directory is watched.
    std::fs::write(dir.join("main.policy"), policy_text("d-3", "0.8")).unwrap();
    assert!(
        eventually(LIVE, || server.policy()["version"] == "d-3"),
        "stderr:\n{}",
        server.stderr()
    );
}

#[test]
fn polling_fallback_and_sighup() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &["--poll", "100ms"]);
    assert_eq!(server.policy()["watching"], "polling every 100 ms");
    std::fs::write(dir.path().join("main.policy"), policy_text("p-2", "0.8")).unwrap();
    assert!(
        eventually(LIVE, || server.policy()["version"] == "p-2"),
        "stderr:\n{}",
        server.stderr()
    );

    let dir = policy_dir();
    let server = Server::start(dir.path(), &["--no-watch"]);
    std::fs::write(dir.path().join("main.policy"), policy_text("h-2", "0.8")).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(server.policy()["version"], "1", "not watching");
    server.signal("HUP");
    assert!(
        eventually(LIVE, || server.policy()["version"] == "h-2"),
        "stderr:\n{}",
        server.stderr()
    );
}

/// Finding 1 of issue 19: `rm -rf policies && cp -r new policies` (ext4 reuses the inode, the
/// kernel drops the watch) and then an edit. Both must be live.
#[test]
fn directory_replaced_by_rm_and_copy_then_edited_is_live() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("policies");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("main.policy"), policy_text("1", "0.8")).unwrap();
    let server = Server::start(&dir, &[]);
    for round in 2..5 {
        // rm -rf policies && cp -r new policies
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::create_dir(&dir).unwrap();
        let copied = policy_text(&round.to_string(), "0.8");
        std::fs::write(dir.join("main.policy"), &copied).unwrap();
        let digest = expected_digest(&[("main.policy", &copied)]);
        assert!(
            eventually(LIVE, || server.digest() == digest),
            "round {round}: the copy is not live; stderr:\n{}",
            server.stderr()
        );
        // then edited in place
        let edited = policy_text(&format!("{round}.1"), "0.9");
        std::fs::write(dir.join("main.policy"), &edited).unwrap();
        let digest = expected_digest(&[("main.policy", &edited)]);
        assert!(
            eventually(LIVE, || server.digest() == digest),
            "round {round}: the edit after the copy is not live; stderr:\n{}",
            server.stderr()
        );
    }
    let watcher = &server.policy()["watcher"];
    assert_eq!(watcher["healthy"], true, "{watcher}");
    assert!(watcher["rearmed"].as_u64().unwrap() >= 3, "{watcher}");
}

#[test]
fn directory_replaced_by_rename_then_edited_is_live() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("policies");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("main.policy"), policy_text("1", "0.8")).unwrap();
    let server = Server::start(&dir, &[]);
    let staged = root.path().join("policies.new");
    std::fs::create_dir(&staged).unwrap();
    let renamed = policy_text("2", "0.8");
    std::fs::write(staged.join("main.policy"), &renamed).unwrap();
    std::fs::rename(&dir, root.path().join("policies.old")).unwrap();
    std::fs::rename(&staged, &dir).unwrap();
    let digest = expected_digest(&[("main.policy", &renamed)]);
    assert!(eventually(LIVE, || server.digest() == digest), "{}", server.stderr());
    let edited = policy_text("3", "0.9");
    std::fs::write(dir.join("main.policy"), &edited).unwrap();
    let digest = expected_digest(&[("main.policy", &edited)]);
    assert!(eventually(LIVE, || server.digest() == digest), "{}", server.stderr());
}

/// With no watcher at all (`--no-watch`), SIGHUP still reloads; with one, SIGHUP re-arms it.
#[test]
fn sighup_rearms_the_watch() {
    let dir = policy_dir();
    let server = Server::start(dir.path(), &[]);
    server.signal("HUP");
    assert!(eventually(LIVE, || server.policy()["watcher"]["rearmed"]
        .as_u64()
        .is_some_and(|n| n >= 1)));
    let edited = policy_text("9", "0.9");
    std::fs::write(dir.path().join("main.policy"), &edited).unwrap();
    let digest = expected_digest(&[("main.policy", &edited)]);
    assert!(eventually(LIVE, || server.digest() == digest), "{}", server.stderr());
}
