//! `handoff fmt`. Being written.

use super::{exit, FmtArgs};

pub fn run(args: &FmtArgs) -> u8 {
    let _ = args;
    eprintln!("handoff fmt: not available yet");
    exit::COULD_NOT_RUN
}
