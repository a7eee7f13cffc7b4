//! `handoff explain CODE`: what a diagnostic code means, why, an example and its fix. With no
//! code, every code and its severity. An unknown code exits 2.

use super::{ExplainArgs, exit};
use crate::explain;
use std::io::Write;

pub fn run(args: &ExplainArgs) -> u8 {
    let Some(code) = &args.code else {
        let mut out = std::io::stdout().lock();
        for e in explain::all() {
            let _ = writeln!(out, "{:<22} {}", e.code.as_str(), e.code.severity_str());
        }
        return exit::OK;
    };
    match explain::lookup(code) {
        Some(e) => {
            let _ = write!(std::io::stdout().lock(), "{}", explain::text(e));
            exit::OK
        }
        None => {
            let known: Vec<&str> = explain::all().iter().map(|e| e.code.as_str()).collect();
            let _ = writeln!(
                std::io::stderr().lock(),
                "error: unknown diagnostic code `{code}`\n  help: the codes are {}",
                known.join(", ")
            );
            exit::COULD_NOT_RUN
        }
    }
}
