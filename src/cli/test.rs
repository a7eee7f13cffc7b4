//! `handoff test`. Being written.

use super::{exit, TestArgs};

pub fn run(args: &TestArgs) -> u8 {
    let _ = args;
    eprintln!("handoff test: not available yet");
    exit::COULD_NOT_RUN
}
