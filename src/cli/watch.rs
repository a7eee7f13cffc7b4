//! `--watch` for authoring commands: re-run on every settled change of the policy directory,
//! with the same watcher as the service's hot reload (`crate::reload`).

use std::path::Path;

/// Runs `once` now and after every change; returns only when watching stops.
pub fn run(dir: &Path, once: impl FnMut()) -> u8 {
    crate::reload::watch_loop(dir, once);
    super::exit::OK
}
