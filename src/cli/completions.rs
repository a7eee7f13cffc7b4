//! `handoff completions SHELL`: shell completions generated from the clap definitions.

use super::{Cli, CompletionsArgs, exit};
use clap::CommandFactory;

pub fn run(args: &CompletionsArgs) -> u8 {
    let mut command = Cli::command();
    let mut stdout = std::io::stdout().lock();
    clap_complete::generate(args.shell, &mut command, "handoff", &mut stdout);
    exit::OK
}
