//! The documents the editor has open, and the policy set each belongs to.
//!
//! The set of a file on disk is its directory, extended upwards while the parent directory
//! itself holds `.policy` files (so `policies/care/a.policy` belongs to `policies/` when
//! `policies/` has policy files of its own); its files are read from disk, with the open
//! documents' unsaved text in place of what is on disk. A document that is not a file on disk
//! is a set of its own.

use super::text;
use crate::set::Analysis;
use crate::source::Source;
use lsp_types::{TextDocumentContentChangeEvent, Uri};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Default)]
pub struct Workspace {
    open: HashMap<Uri, String>,
}

/// A set analysed for one request, with the URI of each of its sources (by `FileId`).
pub struct SetView {
    pub analysis: Analysis,
    pub uris: Vec<Uri>,
}

impl SetView {
    pub fn file_of(&self, uri: &Uri) -> Option<usize> {
        self.uris.iter().position(|u| u == uri)
    }

    pub fn source(&self, file: usize) -> Option<&Source> {
        self.analysis.sources.get(file)
    }
}

impl Workspace {
    pub fn open(&mut self, uri: Uri, text: String) -> Uri {
        self.open.insert(uri.clone(), text);
        uri
    }

    /// Applies changes (whole-text, or ranges for clients that send them anyway).
    pub fn change(&mut self, uri: Uri, changes: Vec<TextDocumentContentChangeEvent>) -> Option<Uri> {
        let doc = self.open.get_mut(&uri)?;
        for change in changes {
            match change.range {
                None => *doc = change.text,
                Some(range) => {
                    let start = text::offset(doc, range.start);
                    let end = text::offset(doc, range.end).max(start);
                    if doc.is_char_boundary(start) && doc.is_char_boundary(end) {
                        doc.replace_range(start..end, &change.text);
                    }
                }
            }
        }
        Some(uri)
    }

    pub fn close(&mut self, uri: Uri) -> Uri {
        self.open.remove(&uri);
        uri
    }

    pub fn text(&self, uri: &Uri) -> Option<&str> {
        self.open.get(uri).map(String::as_str)
    }

    /// Parses and checks the set `uri` belongs to.
    pub fn set_of(&self, uri: &Uri) -> SetView {
        let Some(root) = text::uri_path(uri).and_then(|p| p.parent().map(set_root)) else {
            let text = self.open.get(uri).cloned().unwrap_or_default();
            let sources = vec![Source::new(uri.as_str(), text)];
            return SetView { analysis: Analysis::new(sources), uris: vec![uri.clone()] };
        };
        let mut files: HashMap<PathBuf, String> = HashMap::new();
        if let Ok(sources) = crate::set::read_dir_sources(&root) {
            for s in sources {
                files.insert(root.join(&s.name), s.text);
            }
        }
        for (open_uri, text) in &self.open {
            let policy = |p: &PathBuf| p.extension().is_some_and(|x| x == "policy") || open_uri == uri;
            if let Some(path) = text::uri_path(open_uri).filter(|p| p.starts_with(&root) && policy(p)) {
                files.insert(path, text.clone());
            }
        }
        let mut names: HashMap<String, Uri> = HashMap::new();
        let mut sources = Vec::new();
        for (path, text) in files {
            let name = path.strip_prefix(&root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            let Some(file_uri) = text::path_uri(&path) else { continue };
            let mut source = Source::new(name.clone(), text);
            source.path = path.to_string_lossy().into_owned();
            names.insert(name, file_uri);
            sources.push(source);
        }
        let analysis = Analysis::new(sources);
        let uris = analysis.sources.iter().filter_map(|s| names.get(&s.name).cloned()).collect();
        SetView { analysis, uris }
    }
}

fn holds_policies(dir: &Path) -> bool {
    std::fs::read_dir(dir).map(|entries| {
        entries.flatten().any(|e| e.path().extension().is_some_and(|x| x == "policy") && e.path().is_file())
    })
    .unwrap_or(false)
}

fn set_root(dir: &Path) -> PathBuf {
    let mut root = dir.to_path_buf();
    while let Some(parent) = root.parent() {
        if !holds_policies(parent) {
            break;
        }
        root = parent.to_path_buf();
    }
    root
}
