//! `handoff eval`. Being written.

use super::{exit, EvalArgs};

pub fn run(args: &EvalArgs) -> u8 {
    let _ = args;
    eprintln!("handoff eval: not available yet");
    exit::COULD_NOT_RUN
}
