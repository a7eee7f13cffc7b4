//! `handoff serve`. Being written.

use super::{exit, ServeArgs};

pub fn run(args: &ServeArgs) -> u8 {
    let _ = args;
    eprintln!("handoff serve: not available yet");
    exit::COULD_NOT_RUN
}
