//! The audit trail of a service: every policy set it has served, stored by digest before it goes
//! live (`serve --archive DIR`), and read back by `handoff show DIGEST`.
//!
//! Layout: `DIR/DIGEST/manifest.json` (`digest`, `version`, `archived_at`, and per file its
//! `name`, `bytes` and `sha256`) and `DIR/DIGEST/files/NAME`, each file's text as served. A set
//! is written into a temporary directory and renamed into place, so an entry is whole or absent;
//! an entry already present is left as it is (same digest, same texts).

use crate::set::PolicySet;
use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};

/// Stores `set` under `archive` unless it is there already; returns its directory.
pub fn store(archive: &Path, set: &PolicySet) -> std::io::Result<PathBuf> {
    let digest = set.digest();
    let entry = archive.join(digest);
    if entry.join("manifest.json").is_file() {
        return Ok(entry);
    }
    std::fs::create_dir_all(archive)?;
    let tmp = archive.join(format!(".tmp-{digest}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let files = tmp.join("files");
    let mut listed = Vec::new();
    for source in set.sources() {
        if source.name.split('/').any(|part| part.is_empty() || part == "..") {
            return Err(std::io::Error::other(format!("unsafe file name `{}`", source.name)));
        }
        let path = files.join(&source.name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &source.text)?;
        let sha: String = Sha256::digest(source.text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        listed.push(serde_json::json!({
            "name": source.name,
            "bytes": source.text.len(),
            "sha256": sha,
        }));
    }
    let manifest = serde_json::json!({
        "digest": digest,
        "version": set.version(),
        "archived_at": crate::time::rfc3339(std::time::SystemTime::now()),
        "files": listed,
    });
    let text = serde_json::to_string_pretty(&manifest).map_err(std::io::Error::other)?;
    std::fs::write(tmp.join("manifest.json"), text + "\n")?;
    match std::fs::rename(&tmp, &entry) {
        Ok(()) => Ok(entry),
        // stored meanwhile by another process: the same content
        Err(_) if entry.join("manifest.json").is_file() => {
            let _ = std::fs::remove_dir_all(&tmp);
            Ok(entry)
        }
        Err(e) => Err(e),
    }
}

/// The entry whose digest is `digest` or starts with it (at least 8 hex digits, one match).
pub fn find(archive: &Path, digest: &str) -> Result<PathBuf, String> {
    if digest.len() < 8 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("`{digest}` is not a digest (at least 8 hex digits)"));
    }
    let digest = digest.to_ascii_lowercase();
    let read = std::fs::read_dir(archive)
        .map_err(|e| format!("cannot read the archive `{}`: {e}", archive.display()))?;
    let found: Vec<PathBuf> = read
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&digest))
        .map(|e| e.path())
        .filter(|p| p.join("manifest.json").is_file())
        .collect();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(format!("no policy set `{digest}` in the archive `{}`", archive.display())),
        _ => Err(format!("`{digest}` names {} archived sets; give more digits", found.len())),
    }
}

/// The manifest and every file's text, as `handoff show` prints them.
pub fn show(entry: &Path) -> Result<String, String> {
    let read = |p: &Path| {
        std::fs::read_to_string(p).map_err(|e| format!("cannot read `{}`: {e}", p.display()))
    };
    let manifest_text = read(&entry.join("manifest.json"))?;
    let manifest: serde_json::Value = serde_json::from_str(&manifest_text)
        .map_err(|e| format!("the manifest in `{}` is broken: {e}", entry.display()))?;
    let mut out = manifest_text;
    let names = manifest
        .get("files")
        .and_then(serde_json::Value::as_array)
        .map(|files| {
            files
                .iter()
                .filter_map(|f| f.get("name").and_then(serde_json::Value::as_str))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    for name in names {
        let text = read(&entry.join("files").join(&name))?;
        out.push_str(&format!("\n==> {name} <==\n{text}"));
        if !text.ends_with('\n') {
            out.push('\n');
        }
    }
    Ok(out)
}
