//! `handoff diff`. Being written.

use super::{exit, DiffArgs};

pub fn run(args: &DiffArgs) -> u8 {
    let _ = args;
    eprintln!("handoff diff: not available yet");
    exit::COULD_NOT_RUN
}
