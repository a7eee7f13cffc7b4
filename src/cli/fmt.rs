//! `handoff fmt`: rewrite policy files in canonical layout, or with `--check` list the files
//! that would change.
//!
//! Exit codes: 0 nothing to report; 1 with `--check` and a file that would change, or when a
//! file has syntax errors (it is left untouched, its diagnostics go to stderr); 2 when the
//! directory cannot be read or a file cannot be written.

use super::{FmtArgs, exit};
use crate::diagnostic;
use crate::source::FileId;
use std::io::{IsTerminal, Write};

pub fn run(args: &FmtArgs) -> u8 {
    let dir = &args.policy.policies;
    let stderr = std::io::stderr();
    let color = stderr.is_terminal();
    let width = super::check::terminal_width();
    let mut sources = match crate::set::read_dir_sources(dir) {
        Ok(sources) => sources,
        Err(d) => {
            let _ = write!(
                stderr.lock(),
                "{}",
                diagnostic::render(&[d], &[], color, width)
            );
            return exit::COULD_NOT_RUN;
        }
    };
    sources.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    let mut stdout = std::io::stdout().lock();
    let mut broken = false;
    let mut changed = 0usize;
    let mut unwritable = false;
    for (i, source) in sources.iter().enumerate() {
        let id = FileId::try_from(i).unwrap_or(FileId::MAX);
        let formatted = match crate::syntax::encoding(id, source).map_or_else(|| crate::fmt::format_source(id, &source.text), |d| Err(vec![d])) {
            Ok(text) => text,
            Err(diagnostics) => {
                broken = true;
                let _ = write!(
                    stderr.lock(),
                    "{}",
                    diagnostic::render(&diagnostics, &sources, color, width)
                );
                continue;
            }
        };
        if formatted == source.text {
            continue;
        }
        changed += 1;
        if args.check {
            let _ = writeln!(stdout, "{}", source.name);
            continue;
        }
        let path = dir.join(&source.name);
        match std::fs::write(&path, formatted) {
            Ok(()) => {
                let _ = writeln!(stdout, "formatted {}", source.name);
            }
            Err(e) => {
                unwritable = true;
                let _ = writeln!(
                    stderr.lock(),
                    "error: cannot write `{}`: {e}",
                    path.display()
                );
            }
        }
    }
    if args.check && changed > 0 {
        let _ = writeln!(
            stderr.lock(),
            "{changed} file{} would be reformatted; run `handoff fmt` to rewrite",
            if changed == 1 { "" } else { "s" }
        );
    }
    if unwritable {
        exit::COULD_NOT_RUN
    } else if broken || (args.check && changed > 0) {
        exit::FAILURE
    } else {
        exit::OK
    }
}
