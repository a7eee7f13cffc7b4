//! `--watch` for authoring commands: re-run on every settled change of the policy directory.

use std::path::Path;

/// Runs `once` now and after every change; returns only when watching fails.
pub fn run(dir: &Path, mut once: impl FnMut()) -> u8 {
    let _ = dir;
    once();
    super::exit::COULD_NOT_RUN
}
