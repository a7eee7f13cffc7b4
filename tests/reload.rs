//! The reload layer as a library: `Reloader` outcomes and the `watch_loop` authoring loop.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use handoff::reload::{Outcome, Reloader, Watch, WatchOptions, watch_loop};
use std::sync::mpsc;
use std::time::Duration;

const GOOD: &str = r#"default human because "Nothing allows the assistant."
allow ai "Invoice copy" {
  when intent == "invoice_copy"
  because "Routine."
}
context { intent : string }
"#;

#[test]
fn reload_swaps_keeps_the_last_good_set_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("main.policy");
    std::fs::write(&path, GOOD).unwrap();
    let reloader = Reloader::load(dir.path()).unwrap();
    let first = reloader.current().set.digest().to_string();

    assert!(matches!(reloader.reload(), Outcome::Unchanged));

    std::fs::write(&path, format!("{GOOD}\n# edited\n")).unwrap();
    assert!(matches!(reloader.reload(), Outcome::Swapped { .. }));
    let second = reloader.current().set.digest().to_string();
    assert_ne!(first, second);

    // A snapshot taken before a swap stays whole.
    let snapshot = reloader.current_full();
    std::fs::write(&path, "allow ai \"Broken\" {").unwrap();
    let outcome = reloader.reload();
    assert_eq!(outcome.label(), "failed");
    assert_eq!(reloader.current().set.digest(), second);
    assert_eq!(snapshot.set.digest(), second);
    let status = reloader.status();
    assert_eq!((status.reloads, status.unchanged, status.failed), (1, 1, 1));
    assert!(status.last_error.unwrap().contains("main.policy"));

    std::fs::write(&path, GOOD).unwrap();
    assert!(matches!(reloader.reload(), Outcome::Swapped { .. }));
    assert_eq!(reloader.current().set.digest(), first);
    assert!(reloader.status().last_error.is_none());
    assert_eq!(reloader.attempts(), 4);
}

#[test]
fn a_broken_set_does_not_load() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.policy"), "allow ai {").unwrap();
    assert!(Reloader::load(dir.path()).is_err());
}

#[test]
fn watch_reports_settled_changes_and_requests() {
    let dir = tempfile::tempdir().unwrap();
    let mut watch = Watch::new(dir.path(), WatchOptions::default());
    let trigger = watch.trigger();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        while let Some(cause) = watch.wait() {
            let _ = tx.send(cause);
        }
    });
    for i in 0..10 {
        std::fs::write(dir.path().join("a.policy"), format!("# {i}")).unwrap();
    }
    // One burst, one settled change.
    assert!(rx.recv_timeout(Duration::from_secs(2)).is_ok());
    let _ = std::fs::read_to_string(dir.path().join("a.policy")).unwrap();
    assert!(
        rx.recv_timeout(Duration::from_millis(300)).is_err(),
        "reading is not a change"
    );
    trigger.reload();
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(2)).unwrap(),
        handoff::reload::Cause::Requested
    );
    trigger.stop();
}

#[test]
fn watch_loop_reruns_after_every_save() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("main.policy");
    std::fs::write(&path, GOOD).unwrap();
    let (tx, rx) = mpsc::channel();
    let watched = dir.path().to_path_buf();
    std::thread::spawn(move || {
        watch_loop(&watched, || {
            let _ =
                tx.send(std::fs::read_to_string(watched.join("main.policy")).unwrap_or_default());
        });
    });
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), GOOD);
    std::fs::write(&path, "# one").unwrap();
    assert_eq!(rx.recv_timeout(Duration::from_secs(2)).unwrap(), "# one");
    std::fs::write(&path, "# two").unwrap();
    assert_eq!(rx.recv_timeout(Duration::from_secs(2)).unwrap(), "# two");
}
