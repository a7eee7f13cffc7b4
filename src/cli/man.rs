//! `handoff man`: the man page (roff), generated from the clap definitions; every subcommand
//! gets its own section with its options.

use super::{Cli, exit};
use clap::CommandFactory;
use std::io::Write;

pub fn run() -> u8 {
    match page() {
        Ok(page) => {
            let _ = std::io::stdout().lock().write_all(&page);
            exit::OK
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr().lock(), "error: cannot render the man page: {e}");
            exit::COULD_NOT_RUN
        }
    }
}

/// `handoff(1)`: the top-level page, then one `SUBCOMMAND` section per subcommand with its
/// synopsis, description and options.
pub fn page() -> std::io::Result<Vec<u8>> {
    let command = Cli::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut out)?;
    for sub in command.get_subcommands() {
        let name = format!("handoff {}", sub.get_name());
        let man = clap_mangen::Man::new(sub.clone().bin_name(name.clone()));
        writeln!(out, ".SH \"{}\"", name.to_uppercase())?;
        man.render_description_section(&mut out)?;
        man.render_synopsis_section(&mut out)?;
        man.render_options_section(&mut out)?;
    }
    Ok(out)
}
