//! Access control: bearer tokens from `--token-file`, compared in constant time.
//!
//! The file holds one token per line (blank lines and lines starting with `#` are skipped). It
//! is read at start and again on SIGHUP; a file that cannot be read on SIGHUP leaves the tokens
//! as they were. Tokens are kept only as SHA-256 digests; a presented token is hashed and
//! compared with every stored digest, each comparison touching every byte, so the time taken
//! says nothing about how much of a token was right, nor which one.

use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// The tokens that may call the service.
#[derive(Debug)]
pub struct Tokens {
    file: PathBuf,
    digests: Mutex<Vec<[u8; 32]>>,
}

/// The most tokens one file may hold.
const MAX_TOKENS: usize = 10_000;

impl Tokens {
    /// Reads `file`; an error names the file. A file without tokens is an error: it would lock
    /// every caller out.
    pub fn load(file: &Path) -> Result<Tokens, String> {
        let digests = read(file)?;
        Ok(Tokens {
            file: file.to_path_buf(),
            digests: Mutex::new(digests),
        })
    }

    /// Reads the file again (SIGHUP); on error the tokens stay as they were.
    pub fn reload(&self) -> Result<usize, String> {
        let digests = read(&self.file)?;
        let n = digests.len();
        *self.digests.lock().unwrap_or_else(PoisonError::into_inner) = digests;
        Ok(n)
    }

    /// Whether an `Authorization` header value (`Bearer TOKEN`) holds a known token.
    pub fn allows(&self, authorization: Option<&[u8]>) -> bool {
        let Some(token) = authorization.and_then(bearer) else {
            return false;
        };
        let presented: [u8; 32] = Sha256::digest(token).into();
        let digests = self.digests.lock().unwrap_or_else(PoisonError::into_inner);
        let mut found = 0u8;
        for d in digests.iter() {
            found |= u8::from(same(d, &presented));
        }
        found == 1
    }
}

/// The token of `Bearer TOKEN` (the scheme in any case).
fn bearer(value: &[u8]) -> Option<&[u8]> {
    let (scheme, rest) = value.split_at_checked(7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then(|| rest.trim_ascii())
        .filter(|t| !t.is_empty())
}

/// Equality of two digests that reads every byte of both whatever they hold.
fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b) {
        diff |= x ^ y;
    }
    std::hint::black_box(diff) == 0
}

fn read(file: &Path) -> Result<Vec<[u8; 32]>, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read the token file `{}`: {e}", file.display()))?;
    let digests: Vec<[u8; 32]> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .take(MAX_TOKENS)
        .map(|t| Sha256::digest(t.as_bytes()).into())
        .collect();
    if digests.is_empty() {
        return Err(format!(
            "the token file `{}` holds no token (one per line)",
            file.display()
        ));
    }
    Ok(digests)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_matched_whole() {
        let dir = tempfile::tempdir().unwrap_or_else(|_| std::process::abort());
        let file = dir.path().join("tokens");
        let _ = std::fs::write(&file, "# ops\nalpha-123\n\n  beta-456  \n");
        let Ok(tokens) = Tokens::load(&file) else {
            std::process::abort()
        };
        assert!(tokens.allows(Some(b"Bearer alpha-123")));
        assert!(tokens.allows(Some(b"bearer beta-456")));
        assert!(!tokens.allows(Some(b"Bearer alpha-12")));
        assert!(!tokens.allows(Some(b"Bearer alpha-1234")));
        assert!(!tokens.allows(Some(b"Basic alpha-123")));
        assert!(!tokens.allows(Some(b"Bearer ")));
        assert!(!tokens.allows(None));
        let _ = std::fs::write(&file, "gamma\n");
        assert_eq!(tokens.reload(), Ok(1));
        assert!(!tokens.allows(Some(b"Bearer alpha-123")));
        assert!(tokens.allows(Some(b"Bearer gamma")));
        let _ = std::fs::write(&file, "\n# none\n");
        assert!(tokens.reload().is_err());
        assert!(tokens.allows(Some(b"Bearer gamma")), "kept on a failed reload");
    }
}
