//! `handoff lsp`: the language server on standard input and output (see `crate::lsp`).

pub fn run() -> u8 {
    crate::lsp::serve(std::io::stdin().lock(), std::io::stdout().lock())
}
