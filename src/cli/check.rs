//! `handoff check`. Being written.

use super::{exit, CheckArgs};

pub fn run(args: &CheckArgs) -> u8 {
    let _ = args;
    eprintln!("handoff check: not available yet");
    exit::COULD_NOT_RUN
}
